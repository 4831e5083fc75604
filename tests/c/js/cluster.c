// JetStream against three routed members with JetStream (the harness in
// tests/cluster/mod.rs runs them and carries out the kill and start
// requests).
//
// Each test creates its own stream with three replicas and publishes
// MSG_COUNT numbered messages to it, each with the message id
// "<stream>-<number>". Meanwhile one member is killed with SIGKILL and
// later started again. That member is either the one the client is
// connected to, which is never the stream leader, or the stream leader,
// which the client is never connected to.
//
// - Synchronous publishing: a js_Publish that fails is retried with the
//   same message id until it returns an acknowledgment, so the server
//   drops a copy that it had already stored.
// - Asynchronous publishing: js_PublishAsync with an acknowledgment
//   handler, a limit on pending publishes and a MaxWait, so that a publish
//   whose acknowledgment was lost ends in the handler with an error. The
//   failed ones are published again in the next round.
//
// Then every number must have an acknowledgment, the acknowledged stream
// sequences must be exactly 1..MSG_COUNT, the stream must contain
// MSG_COUNT messages with distinct ids, and js_GetStreamInfo must agree
// with the server's own reply to $JS.API.STREAM.INFO.<stream>. Each test
// prints its counts as `note` lines.
//
// Usage: cluster URL0 URL1 URL2

#include "js_cluster.h"

// Messages per test, and when the member is killed and started again,
// counted in acknowledged messages.
#define MSG_COUNT 600
#define KILL_AT (MSG_COUNT / 3)
#define START_AT (2 * MSG_COUNT / 3)

// How long a synchronous publish waits for its acknowledgment, and how
// long one message is retried before the test gives up on it. Electing a
// new stream leader takes nats-server several seconds.
#define SYNC_MAX_WAIT_MS 2000
#define MESSAGE_RETRY_LIMIT_MS 45000

// Asynchronous publishing: pending limit, how long a publish waits for its
// acknowledgment, and how long js_PublishAsyncComplete waits.
#define ASYNC_MAX_PENDING 64
#define ASYNC_MAX_WAIT_MS 3000
#define ASYNC_COMPLETE_WAIT_MS 30000
#define ASYNC_ROUNDS_LIMIT_MS 90000

// How long the test waits for the publisher to reach KILL_AT, START_AT and
// the end.
#define PROGRESS_WAIT_MS 90000

// ---------------------------------------------------------------------------
// Acknowledgment records
// ---------------------------------------------------------------------------

typedef struct
{
    pthread_mutex_t mu;
    const char      *stream;
    jsCtx           *js;
    // Acknowledgments per message number, and the stream sequence of the
    // first one.
    int             acks[MSG_COUNT];
    uint64_t        seq[MSG_COUNT];
    // Acknowledgments with a different sequence than the first one of the
    // same message.
    int             seq_conflicts;
    // Acknowledgments that reported a duplicate (a retried message that
    // the server had stored already).
    int             duplicate_acks;
    // Messages with at least one acknowledgment, for the kill schedule.
    atomic_int      acked;
    // Failed publish calls (sync) or publishes that ended in the handler
    // with an error (async), and the last such status.
    int             errors;
    natsStatus      last_error;
    // Async only: js_PublishAsync calls that returned NATS_OK, handler
    // runs, js_PublishAsync calls that failed, and the numbers to publish
    // again in the next round.
    atomic_int      submitted;
    atomic_int      handled;
    int             call_errors;
    int             retry[MSG_COUNT];
    int             retry_count;
    // Messages given up on after MESSAGE_RETRY_LIMIT_MS.
    int             given_up;
    atomic_int      done;

} pubRecord;

static void
record_init(pubRecord *rec, const char *stream, jsCtx *js)
{
    memset(rec, 0, sizeof(*rec));
    pthread_mutex_init(&rec->mu, NULL);
    rec->stream = stream;
    rec->js = js;
}

static void
record_destroy(pubRecord *rec)
{
    pthread_mutex_destroy(&rec->mu);
}

static void
record_ack(pubRecord *rec, int n, uint64_t seq, bool duplicate)
{
    bool first;

    pthread_mutex_lock(&rec->mu);
    first = (rec->acks[n] == 0);
    if (first)
        rec->seq[n] = seq;
    else if (rec->seq[n] != seq)
        rec->seq_conflicts++;
    rec->acks[n]++;
    if (duplicate)
        rec->duplicate_acks++;
    pthread_mutex_unlock(&rec->mu);
    if (first)
        atomic_fetch_add(&rec->acked, 1);
}

static void
record_error(pubRecord *rec, natsStatus s)
{
    pthread_mutex_lock(&rec->mu);
    rec->errors++;
    rec->last_error = s;
    pthread_mutex_unlock(&rec->mu);
}

static void
format_subject(char *buf, size_t size, const pubRecord *rec)
{
    snprintf(buf, size, "%s.data", rec->stream);
}

static void
format_msg_id(char *buf, size_t size, const pubRecord *rec, int n)
{
    snprintf(buf, size, "%s-%d", rec->stream, n);
}

// ---------------------------------------------------------------------------
// Publishers
// ---------------------------------------------------------------------------

static void *
sync_publisher(void *arg)
{
    pubRecord   *rec = (pubRecord *) arg;
    char        subject[128];
    int         n;

    format_subject(subject, sizeof(subject), rec);
    for (n = 0; n < MSG_COUNT; n++)
    {
        char            id[128];
        char            data[32];
        jsPubOptions    po;
        int64_t         give_up_at = rs_now_ms() + MESSAGE_RETRY_LIMIT_MS;

        format_msg_id(id, sizeof(id), rec, n);
        snprintf(data, sizeof(data), "%d", n);
        jsPubOptions_Init(&po);
        po.MsgId = id;
        po.MaxWait = SYNC_MAX_WAIT_MS;
        for (;;)
        {
            jsPubAck    *pa   = NULL;
            jsErrCode   jerr  = 0;
            natsStatus  s;

            s = js_Publish(&pa, rec->js, subject, data, (int) strlen(data), &po, &jerr);
            if ((s == NATS_OK) && (pa != NULL))
            {
                record_ack(rec, n, pa->Sequence, pa->Duplicate);
                jsPubAck_Destroy(pa);
                break;
            }
            jsPubAck_Destroy(pa);
            record_error(rec, (s == NATS_OK ? NATS_ERR : s));
            if (rs_now_ms() >= give_up_at)
            {
                pthread_mutex_lock(&rec->mu);
                rec->given_up++;
                pthread_mutex_unlock(&rec->mu);
                break;
            }
            rs_sleep_ms(50);
        }
    }
    atomic_store(&rec->done, 1);
    return NULL;
}

// Acknowledgment handler of asynchronous publishing: records the outcome
// and queues failed messages for the next round. It owns `msg`.
static void
on_async_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    pubRecord   *rec  = (pubRecord *) closure;
    char        text[32];
    int         len   = natsMsg_GetDataLength(msg);
    int         n     = -1;

    if ((len > 0) && (len < (int) sizeof(text)))
    {
        memcpy(text, natsMsg_GetData(msg), (size_t) len);
        text[len] = '\0';
        n = atoi(text);
    }
    if ((n < 0) || (n >= MSG_COUNT))
        rs_fail(__FILE__, __LINE__, "acknowledgment handler got an unknown message '%.*s'",
                len, natsMsg_GetData(msg));
    else if (pa != NULL)
        record_ack(rec, n, pa->Sequence, pa->Duplicate);
    else
    {
        record_error(rec, (pae != NULL ? pae->Err : NATS_ERR));
        pthread_mutex_lock(&rec->mu);
        rec->retry[rec->retry_count++] = n;
        pthread_mutex_unlock(&rec->mu);
    }
    natsMsg_Destroy(msg);
    atomic_fetch_add(&rec->handled, 1);
}

// Publishes message `n` asynchronously, retrying the call itself (a full
// pending limit, a closed reply subscription) until it returns NATS_OK or
// `give_up_at` passes.
static bool
async_submit(pubRecord *rec, const char *subject, int n, int64_t give_up_at)
{
    char            id[128];
    char            data[32];
    jsPubOptions    po;

    format_msg_id(id, sizeof(id), rec, n);
    snprintf(data, sizeof(data), "%d", n);
    jsPubOptions_Init(&po);
    po.MsgId = id;
    po.MaxWait = ASYNC_MAX_WAIT_MS;
    for (;;)
    {
        natsStatus s = js_PublishAsync(rec->js, subject, data, (int) strlen(data), &po);

        if (s == NATS_OK)
        {
            atomic_fetch_add(&rec->submitted, 1);
            return true;
        }
        pthread_mutex_lock(&rec->mu);
        rec->call_errors++;
        rec->last_error = s;
        pthread_mutex_unlock(&rec->mu);
        if (rs_now_ms() >= give_up_at)
            return false;
        rs_sleep_ms(20);
    }
}

static void *
async_publisher(void *arg)
{
    pubRecord   *rec        = (pubRecord *) arg;
    int64_t     give_up_at  = rs_now_ms() + ASYNC_ROUNDS_LIMIT_MS;
    int         *todo       = calloc(MSG_COUNT, sizeof(int));
    int         todo_count  = MSG_COUNT;
    char        subject[128];
    int         i;

    format_subject(subject, sizeof(subject), rec);
    for (i = 0; i < MSG_COUNT; i++)
        todo[i] = i;
    while (todo_count > 0)
    {
        jsPubOptions    po;
        natsStatus      s;

        for (i = 0; i < todo_count; i++)
        {
            if (!async_submit(rec, subject, todo[i], give_up_at))
                break;
            // Paces the first round so that the kill and the start happen
            // while messages are in flight.
            if ((i % 4) == 3)
                rs_sleep_ms(1);
        }
        jsPubOptions_Init(&po);
        po.MaxWait = ASYNC_COMPLETE_WAIT_MS;
        s = js_PublishAsyncComplete(rec->js, &po);
        if (s != NATS_OK)
            rs_fail(__FILE__, __LINE__, "js_PublishAsyncComplete returned %d '%s': %s",
                    (int) s, rs_status_text(s), nats_GetLastError(NULL));
        if ((i < todo_count) || (s != NATS_OK) || (rs_now_ms() >= give_up_at))
            break;

        pthread_mutex_lock(&rec->mu);
        todo_count = rec->retry_count;
        memcpy(todo, rec->retry, (size_t) todo_count * sizeof(int));
        rec->retry_count = 0;
        pthread_mutex_unlock(&rec->mu);
        // Without a stream leader every publish fails at once with no
        // responders, so the next round waits a little.
        if (todo_count > 0)
            rs_sleep_ms(200);
    }
    pthread_mutex_lock(&rec->mu);
    rec->given_up = todo_count;
    pthread_mutex_unlock(&rec->mu);
    free(todo);
    atomic_store(&rec->done, 1);
    return NULL;
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

static int
compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a;
    uint64_t y = *(const uint64_t *) b;

    return (x < y ? -1 : (x > y ? 1 : 0));
}

// Checks that every message has an acknowledgment and that the first
// acknowledgments' sequences are exactly 1..MSG_COUNT.
static void
check_acks(pubRecord *rec)
{
    uint64_t    sorted[MSG_COUNT];
    int         missing     = 0;
    int         wrong_seq   = 0;
    int         i;

    pthread_mutex_lock(&rec->mu);
    for (i = 0; i < MSG_COUNT; i++)
    {
        if (rec->acks[i] == 0)
            missing++;
        sorted[i] = rec->seq[i];
    }
    CHECK_INT(rec->seq_conflicts, 0);
    CHECK_INT(rec->given_up, 0);
    pthread_mutex_unlock(&rec->mu);
    CHECK_MSG(missing == 0, "%d of %d messages have no acknowledgment", missing, MSG_COUNT);

    qsort(sorted, MSG_COUNT, sizeof(uint64_t), compare_u64);
    for (i = 0; i < MSG_COUNT; i++)
    {
        if (sorted[i] != (uint64_t) (i + 1))
            wrong_seq++;
    }
    CHECK_MSG(wrong_seq == 0, "the acknowledged sequences are not exactly 1..%d "
              "(%d positions differ)", MSG_COUNT, wrong_seq);
}

// Reads every stored message by sequence and checks that the message ids
// are distinct and that each payload matches its id.
static void
check_stored_messages(pubRecord *rec)
{
    char        *seen       = calloc(MSG_COUNT, 1);
    int         duplicates  = 0;
    int         unreadable  = 0;
    int         mismatched  = 0;
    uint64_t    seq;

    for (seq = 1; seq <= MSG_COUNT; seq++)
    {
        natsMsg     *msg  = NULL;
        const char  *id   = NULL;
        char        expected[128];
        char        data[32];
        jsErrCode   jerr  = 0;
        int         len;
        int         n;

        if ((js_GetMsg(&msg, rec->js, rec->stream, seq, NULL, &jerr) != NATS_OK)
            || (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) != NATS_OK))
        {
            unreadable++;
            natsMsg_Destroy(msg);
            continue;
        }
        len = natsMsg_GetDataLength(msg);
        snprintf(data, sizeof(data), "%.*s", len, natsMsg_GetData(msg));
        n = atoi(data);
        format_msg_id(expected, sizeof(expected), rec, n);
        if ((n < 0) || (n >= MSG_COUNT) || (strcmp(id, expected) != 0))
            mismatched++;
        else if (seen[n]++ > 0)
            duplicates++;
        natsMsg_Destroy(msg);
    }
    free(seen);
    CHECK_MSG(unreadable == 0, "%d of %d stored messages could not be read", unreadable,
              MSG_COUNT);
    CHECK_MSG(mismatched == 0, "%d stored messages have a payload that does not match "
              "their id", mismatched);
    CHECK_MSG(duplicates == 0, "%d message ids are stored more than once", duplicates);
}

// Checks that `json` contains `"key":value` formatted from the arguments.
#define CHECK_JSON(json, ...) \
    do \
    { \
        char _cl_snippet[256]; \
        snprintf(_cl_snippet, sizeof(_cl_snippet), __VA_ARGS__); \
        CHECK_MSG(strstr((json), _cl_snippet) != NULL, "the server's stream info lacks " \
                  "%s: %s", _cl_snippet, (json)); \
    } while (0)

// Reports whether the server's stream info JSON names the same leader as
// `si` and shows each replica with the same `current` flag.
static bool
same_cluster_view(const char *json, jsStreamInfo *si)
{
    char    snippet[256];
    int     i;

    snprintf(snippet, sizeof(snippet), "\"leader\":\"%s\"", si->Cluster->Leader);
    if (strstr(json, snippet) == NULL)
        return false;
    for (i = 0; i < si->Cluster->ReplicasLen; i++)
    {
        jsPeerInfo *peer = si->Cluster->Replicas[i];

        snprintf(snippet, sizeof(snippet), "{\"name\":\"%s\",\"current\":%s", peer->Name,
                 (peer->Current ? "true" : "false"));
        if (strstr(json, snippet) == NULL)
            return false;
    }
    return true;
}

// Compares js_GetStreamInfo with the server's reply to a plain request on
// $JS.API.STREAM.INFO.<stream>: cluster name, leader, replicas and state.
// A replica can become current between the two requests, so up to five
// pairs of requests are made until the cluster views agree.
static void
check_stream_info(natsConnection *nc, pubRecord *rec)
{
    jsStreamInfo    *si     = NULL;
    char            *json   = NULL;
    char            subject[256];
    int             attempt;
    int             i;

    snprintf(subject, sizeof(subject), "$JS.API.STREAM.INFO.%s", rec->stream);
    for (attempt = 1; attempt <= 5; attempt++)
    {
        natsMsg *reply = NULL;

        jsStreamInfo_Destroy(si);
        free(json);
        json = NULL;
        si = ready_stream_info(rec->js, rec->stream);
        if (si == NULL)
            return;
        if (natsConnection_Request(&reply, nc, subject, NULL, 0, 5000) != NATS_OK)
        {
            rs_sleep_ms(300);
            continue;
        }
        json = strndup(natsMsg_GetData(reply), (size_t) natsMsg_GetDataLength(reply));
        natsMsg_Destroy(reply);
        if (same_cluster_view(json, si))
            break;
        rs_sleep_ms(300);
    }
    if (json == NULL)
    {
        rs_fail(__FILE__, __LINE__, "no reply to %s", subject);
        jsStreamInfo_Destroy(si);
        return;
    }

    CHECK_INT(si->State.Msgs, MSG_COUNT);
    CHECK_INT(si->State.FirstSeq, 1);
    CHECK_INT(si->State.LastSeq, MSG_COUNT);
    CHECK_STR(si->Cluster->Name, CLUSTER_NAME);
    CHECK_INT(si->Cluster->ReplicasLen, MEMBERS - 1);
    CHECK_JSON(json, "\"name\":\"%s\"", si->Cluster->Name);
    CHECK_JSON(json, "\"leader\":\"%s\"", si->Cluster->Leader);
    CHECK_JSON(json, "\"messages\":%llu", (unsigned long long) si->State.Msgs);
    CHECK_JSON(json, "\"bytes\":%llu", (unsigned long long) si->State.Bytes);
    CHECK_JSON(json, "\"first_seq\":%llu", (unsigned long long) si->State.FirstSeq);
    CHECK_JSON(json, "\"last_seq\":%llu", (unsigned long long) si->State.LastSeq);
    CHECK_JSON(json, "\"num_replicas\":%lld", (long long) si->Config->Replicas);
    for (i = 0; i < si->Cluster->ReplicasLen; i++)
    {
        jsPeerInfo *peer = si->Cluster->Replicas[i];

        CHECK_JSON(json, "{\"name\":\"%s\",\"current\":%s", peer->Name,
                   (peer->Current ? "true" : "false"));
    }
    free(json);
    jsStreamInfo_Destroy(si);
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

typedef enum
{
    KILL_CONNECTED,
    KILL_LEADER,

} killTarget;

typedef enum
{
    PUBLISH_SYNC,
    PUBLISH_ASYNC,

} publishMode;

// Waits until `rec` has `count` acknowledged messages or its publisher is
// done. Fails the test on timeout.
static bool
wait_acked(pubRecord *rec, int count)
{
    int64_t deadline = rs_now_ms() + PROGRESS_WAIT_MS;

    while ((atomic_load(&rec->acked) < count) && !atomic_load(&rec->done))
    {
        if (rs_now_ms() >= deadline)
        {
            rs_fail(__FILE__, __LINE__, "%d of %d messages acknowledged after %d ms",
                    atomic_load(&rec->acked), count, PROGRESS_WAIT_MS);
            return false;
        }
        rs_sleep_ms(5);
    }
    return true;
}

static bool
wait_done(pubRecord *rec)
{
    int64_t deadline = rs_now_ms() + 2 * PROGRESS_WAIT_MS;

    while (!atomic_load(&rec->done))
    {
        if (rs_now_ms() >= deadline)
            return false;
        rs_sleep_ms(10);
    }
    return true;
}

static void
run_publish_test(const char *stream, publishMode mode, killTarget target)
{
    natsConnection  *nc         = NULL;
    jsCtx           *js         = NULL;
    jsOptions       jo;
    rsEvents        ev;
    pubRecord       rec;
    pthread_t       thread;
    bool            started     = false;
    int             leader;
    int             first;
    int             victim;
    int64_t         begin;

    rs_events_init(&ev);
    record_init(&rec, stream, NULL);

    // Setup on a separate connection, so that the publishing connection
    // can start at the member chosen from the stream's leader.
    {
        natsConnection  *setup_nc = NULL;
        jsCtx           *setup_js = NULL;
        rsEvents        setup_ev;

        rs_events_init(&setup_ev);
        REQUIRE_OK(connect_from(&setup_nc, &setup_ev, 0));
        REQUIRE_OK(natsConnection_JetStream(&setup_js, setup_nc, NULL));
        CHECK_OK(create_stream(setup_js, stream));
        leader = stream_leader(setup_js, stream);
        jsCtx_Destroy(setup_js);
        rs_destroy_conn(setup_nc, &setup_ev);
        rs_events_destroy(&setup_ev);
        REQUIRE(leader >= 0);
    }

    first = (leader + 1) % MEMBERS;
    REQUIRE_OK(connect_from(&nc, &ev, first));
    REQUIRE(connected_member(nc) == first);
    jsOptions_Init(&jo);
    jo.Wait = SYNC_MAX_WAIT_MS;
    if (mode == PUBLISH_ASYNC)
    {
        jo.PublishAsync.MaxPending = ASYNC_MAX_PENDING;
        jo.PublishAsync.StallWait = 1000;
        jo.PublishAsync.AckHandler = on_async_ack;
        jo.PublishAsync.AckHandlerClosure = &rec;
    }
    REQUIRE_OK(natsConnection_JetStream(&js, nc, &jo));
    rec.js = js;
    victim = (target == KILL_CONNECTED ? first : leader);
    rs_note("stream %s: leader member-%d, client on member-%d, killing member-%d", stream,
            leader, first, victim);

    begin = rs_now_ms();
    REQUIRE(pthread_create(&thread, NULL,
                           (mode == PUBLISH_SYNC ? sync_publisher : async_publisher),
                           &rec) == 0);
    started = true;
    if (wait_acked(&rec, KILL_AT))
    {
        CHECK(rs_ctl("kill %d", victim));
        if (wait_acked(&rec, START_AT))
            CHECK(rs_ctl("start %d", victim));
    }
    REQUIRE(wait_done(&rec));
    pthread_join(thread, NULL);
    started = false;
    rs_note("%d messages in %lld ms: %d publish errors (last %d '%s'), %d duplicate acks, "
            "%d disconnects, %d reconnects",
            MSG_COUNT, (long long) (rs_now_ms() - begin), rec.errors, (int) rec.last_error,
            rs_status_text(rec.last_error), rec.duplicate_acks, atomic_load(&ev.disconnected),
            atomic_load(&ev.reconnected));
    if (mode == PUBLISH_ASYNC)
    {
        natsMsgList pending = {0};

        rs_note("async: %d publishes, %d handler runs, %d js_PublishAsync errors",
                atomic_load(&rec.submitted), atomic_load(&rec.handled), rec.call_errors);
        CHECK_INT(atomic_load(&rec.handled), atomic_load(&rec.submitted));
        CHECK_STATUS(js_PublishAsyncGetPendingList(&pending, js), NATS_NOT_FOUND);
        natsMsgList_Destroy(&pending);
    }
    if (atomic_load(&rs_test_failures) > 0)
        goto cleanup;
    if (target == KILL_CONNECTED)
        CHECK(atomic_load(&ev.reconnected) >= 1);

    // Messages may still be replicating to the restarted member; the
    // checks read from the leader once every replica is current.
    check_acks(&rec);
    check_stored_messages(&rec);
    check_stream_info(nc, &rec);

cleanup:
    if (started)
    {
        // A setup check failed while the publisher ran: it ends by itself
        // within its retry limits.
        if (wait_done(&rec))
            pthread_join(thread, NULL);
    }
    jsCtx_Destroy(js);
    rs_destroy_conn(nc, &ev);
    rs_events_destroy(&ev);
    record_destroy(&rec);
}

static void
test_sync_publish_connected_killed(void)
{
    run_publish_test("CLSYNCCONN", PUBLISH_SYNC, KILL_CONNECTED);
}

static void
test_sync_publish_leader_killed(void)
{
    run_publish_test("CLSYNCLEAD", PUBLISH_SYNC, KILL_LEADER);
}

static void
test_async_publish_connected_killed(void)
{
    run_publish_test("CLASYNCCONN", PUBLISH_ASYNC, KILL_CONNECTED);
}

static void
test_async_publish_leader_killed(void)
{
    run_publish_test("CLASYNCLEAD", PUBLISH_ASYNC, KILL_LEADER);
}

int
main(int argc, char **argv)
{
    int i;

    for (i = 0; i < MEMBERS; i++)
        urls[i] = rs_arg(argc, argv, i + 1, "URL0 URL1 URL2");
    rs_init();

    RUN_TEST(test_sync_publish_connected_killed);
    RUN_TEST(test_sync_publish_leader_killed);
    RUN_TEST(test_async_publish_connected_killed);
    RUN_TEST(test_async_publish_leader_killed);

    nats_Close();
    return rs_finish();
}
