// Pull consumers against three routed members with JetStream (the harness
// in tests/cluster/mod.rs runs them and carries out the kill and start
// requests).
//
// Each test stores MSG_COUNT numbered messages in its own stream with
// three replicas and consumes them with a durable pull consumer
// (natsSubscription_Fetch, then natsMsg_Ack for each message). Meanwhile
// one member is killed with SIGKILL and later started again. That member
// is either the one the client is connected to, which is never the
// consumer leader, or the consumer leader, which the client is never
// connected to. An acknowledgment sent to a dying member can be lost, and
// the server then delivers that message again after the consumer's
// AckWait.
//
// Every number must be received at least once (redeliveries are allowed),
// and at the end the consumer must have nothing pending and nothing
// waiting for an acknowledgment. Each test prints its counts as `note`
// lines.
//
// Usage: cluster_pull URL0 URL1 URL2

#include "js_cluster.h"

#define MSG_COUNT 600

// When the member is killed and started again, counted in distinct
// received messages.
#define KILL_AT (MSG_COUNT / 3)
#define START_AT (2 * MSG_COUNT / 3)

// Messages per fetch and how long one fetch waits.
#define FETCH_BATCH 20
#define FETCH_WAIT_MS 1000

// How long the server waits for an acknowledgment before it delivers the
// message again, in milliseconds.
#define ACK_WAIT_MS 2000

// How long the consumer may take to receive every message and to end with
// nothing pending.
#define CONSUME_LIMIT_MS 120000

#define DURABLE "PULLER"

typedef struct
{
    pthread_mutex_t mu;
    natsSubscription *sub;
    jsCtx           *js;
    const char      *stream;
    // Deliveries per message number.
    int             seen[MSG_COUNT];
    // Distinct numbers received, for the kill schedule.
    atomic_int      distinct;
    int             deliveries;
    // Deliveries whose metadata reports NumDelivered above 1.
    int             redelivered;
    int             ack_errors;
    int             fetch_errors;
    int             fetch_timeouts;
    natsStatus      last_error;
    int             unexpected;
    // Set when the consumer reported nothing pending and nothing waiting
    // for an acknowledgment after every number was received.
    bool            drained;
    atomic_int      done;

} pullRecord;

static void
record_delivery(pullRecord *rec, natsMsg *msg)
{
    jsMsgMetaData   *meta = NULL;
    char            text[32];
    int             len   = natsMsg_GetDataLength(msg);
    int             n     = -1;
    bool            first = false;

    if ((len > 0) && (len < (int) sizeof(text)))
    {
        memcpy(text, natsMsg_GetData(msg), (size_t) len);
        text[len] = '\0';
        n = atoi(text);
    }
    pthread_mutex_lock(&rec->mu);
    rec->deliveries++;
    if ((n < 0) || (n >= MSG_COUNT))
        rec->unexpected++;
    else
        first = (rec->seen[n]++ == 0);
    if ((natsMsg_GetMetaData(&meta, msg) == NATS_OK) && (meta->NumDelivered > 1))
        rec->redelivered++;
    pthread_mutex_unlock(&rec->mu);
    jsMsgMetaData_Destroy(meta);
    if (first)
        atomic_fetch_add(&rec->distinct, 1);
}

// Reports whether the consumer has nothing pending and nothing waiting for
// an acknowledgment.
static bool
consumer_drained(pullRecord *rec)
{
    jsConsumerInfo  *ci   = NULL;
    jsErrCode       jerr  = 0;
    bool            drained;

    if (js_GetConsumerInfo(&ci, rec->js, rec->stream, DURABLE, NULL, &jerr) != NATS_OK)
        return false;
    drained = (ci->NumPending == 0) && (ci->NumAckPending == 0);
    jsConsumerInfo_Destroy(ci);
    return drained;
}

static void *
puller(void *arg)
{
    pullRecord  *rec        = (pullRecord *) arg;
    int64_t     give_up_at  = rs_now_ms() + CONSUME_LIMIT_MS;

    while (rs_now_ms() < give_up_at)
    {
        natsMsgList list  = {0};
        jsErrCode   jerr  = 0;
        natsStatus  s;
        int         i;

        s = natsSubscription_Fetch(&list, rec->sub, FETCH_BATCH, FETCH_WAIT_MS, &jerr);
        for (i = 0; i < list.Count; i++)
        {
            natsStatus as;

            record_delivery(rec, list.Msgs[i]);
            as = natsMsg_Ack(list.Msgs[i], NULL);
            if (as != NATS_OK)
            {
                pthread_mutex_lock(&rec->mu);
                rec->ack_errors++;
                rec->last_error = as;
                pthread_mutex_unlock(&rec->mu);
            }
        }
        natsMsgList_Destroy(&list);
        // Paces consumption so that the kill and the start happen while
        // messages are delivered and acknowledged.
        if (i > 0)
            rs_sleep_ms(20);

        pthread_mutex_lock(&rec->mu);
        if (s == NATS_TIMEOUT)
            rec->fetch_timeouts++;
        else if (s != NATS_OK)
        {
            rec->fetch_errors++;
            rec->last_error = s;
        }
        pthread_mutex_unlock(&rec->mu);
        if ((s != NATS_OK) && (s != NATS_TIMEOUT))
            rs_sleep_ms(100);

        if ((atomic_load(&rec->distinct) == MSG_COUNT) && (s == NATS_TIMEOUT)
            && consumer_drained(rec))
        {
            rec->drained = true;
            break;
        }
    }
    atomic_store(&rec->done, 1);
    return NULL;
}

// Stores MSG_COUNT numbered messages in `stream` with js_Publish.
static bool
store_messages(jsCtx *js, const char *stream)
{
    char    subject[128];
    int     n;

    snprintf(subject, sizeof(subject), "%s.data", stream);
    for (n = 0; n < MSG_COUNT; n++)
    {
        char        data[32];
        natsStatus  s;

        snprintf(data, sizeof(data), "%d", n);
        s = js_Publish(NULL, js, subject, data, (int) strlen(data), NULL, NULL);
        if (s != NATS_OK)
        {
            rs_fail(__FILE__, __LINE__, "js_Publish of message %d returned %d '%s': %s", n,
                    (int) s, rs_status_text(s), nats_GetLastError(NULL));
            return false;
        }
    }
    return true;
}

// Returns the member index of the consumer's leader once every replica is
// current, or -1 after a failed check.
static int
consumer_leader(jsCtx *js, const char *stream)
{
    int64_t deadline = rs_now_ms() + STREAM_READY_MS;

    for (;;)
    {
        jsConsumerInfo  *ci     = NULL;
        jsErrCode       jerr    = 0;
        int             leader  = -1;
        bool            current = false;

        if ((js_GetConsumerInfo(&ci, js, stream, DURABLE, NULL, &jerr) == NATS_OK)
            && (ci->Cluster != NULL) && (ci->Cluster->Leader != NULL)
            && (ci->Cluster->ReplicasLen == MEMBERS - 1))
        {
            int i;

            leader = member_of_name(ci->Cluster->Leader);
            current = true;
            for (i = 0; i < ci->Cluster->ReplicasLen; i++)
                current = current && ci->Cluster->Replicas[i]->Current;
        }
        jsConsumerInfo_Destroy(ci);
        if ((leader >= 0) && current)
            return leader;
        if (rs_now_ms() >= deadline)
        {
            rs_fail(__FILE__, __LINE__, "consumer %s of stream %s has no leader with current "
                    "replicas after %d ms", DURABLE, stream, STREAM_READY_MS);
            return -1;
        }
        rs_sleep_ms(200);
    }
}

// Waits until the puller has `count` distinct messages or is done. Fails
// the test on timeout.
static bool
wait_distinct(pullRecord *rec, int count)
{
    int64_t deadline = rs_now_ms() + CONSUME_LIMIT_MS;

    while ((atomic_load(&rec->distinct) < count) && !atomic_load(&rec->done))
    {
        if (rs_now_ms() >= deadline)
        {
            rs_fail(__FILE__, __LINE__, "%d of %d messages received after %d ms",
                    atomic_load(&rec->distinct), count, CONSUME_LIMIT_MS);
            return false;
        }
        rs_sleep_ms(5);
    }
    return true;
}

static bool
wait_done(pullRecord *rec)
{
    int64_t deadline = rs_now_ms() + CONSUME_LIMIT_MS + 30000;

    while (!atomic_load(&rec->done))
    {
        if (rs_now_ms() >= deadline)
            return false;
        rs_sleep_ms(10);
    }
    return true;
}

typedef enum
{
    KILL_CONNECTED,
    KILL_CONSUMER_LEADER,

} killTarget;

static void
run_pull_test(const char *stream, killTarget target)
{
    natsConnection  *nc         = NULL;
    jsCtx           *js         = NULL;
    natsSubscription *sub       = NULL;
    jsSubOptions    so;
    jsErrCode       jerr        = 0;
    rsEvents        ev;
    pullRecord      rec;
    pthread_t       thread;
    bool            started     = false;
    int             leader;
    int             first;
    int             victim;
    int             missing     = 0;
    int64_t         begin;
    int             i;

    rs_events_init(&ev);
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_init(&rec.mu, NULL);
    rec.stream = stream;

    // Setup on a separate connection, so that the consuming connection can
    // start at the member chosen from the consumer's leader.
    {
        natsConnection  *setup_nc = NULL;
        jsCtx           *setup_js = NULL;
        jsConsumerConfig cc;
        rsEvents        setup_ev;

        rs_events_init(&setup_ev);
        REQUIRE_OK(connect_from(&setup_nc, &setup_ev, 0));
        REQUIRE_OK(natsConnection_JetStream(&setup_js, setup_nc, NULL));
        CHECK_OK(create_stream(setup_js, stream));
        CHECK(store_messages(setup_js, stream));
        jsConsumerConfig_Init(&cc);
        cc.Durable = DURABLE;
        cc.AckPolicy = js_AckExplicit;
        cc.AckWait = (int64_t) ACK_WAIT_MS * 1000000;
        CHECK_OK(js_AddConsumer(NULL, setup_js, stream, &cc, NULL, &jerr));
        leader = consumer_leader(setup_js, stream);
        jsCtx_Destroy(setup_js);
        rs_destroy_conn(setup_nc, &setup_ev);
        rs_events_destroy(&setup_ev);
        REQUIRE(leader >= 0);
        REQUIRE(atomic_load(&rs_test_failures) == 0);
    }

    first = (leader + 1) % MEMBERS;
    REQUIRE_OK(connect_from(&nc, &ev, first));
    REQUIRE(connected_member(nc) == first);
    REQUIRE_OK(natsConnection_JetStream(&js, nc, NULL));
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Consumer = DURABLE;
    {
        char subject[128];

        snprintf(subject, sizeof(subject), "%s.data", stream);
        REQUIRE_OK(js_PullSubscribe(&sub, js, subject, DURABLE, NULL, &so, &jerr));
    }
    rec.js = js;
    rec.sub = sub;
    victim = (target == KILL_CONNECTED ? first : leader);
    rs_note("stream %s: consumer leader member-%d, client on member-%d, killing member-%d",
            stream, leader, first, victim);

    begin = rs_now_ms();
    REQUIRE(pthread_create(&thread, NULL, puller, &rec) == 0);
    started = true;
    if (wait_distinct(&rec, KILL_AT))
    {
        int64_t killed_at;

        CHECK(rs_ctl("kill %d", victim));
        killed_at = rs_now_ms();
        if (wait_distinct(&rec, START_AT))
        {
            rs_note("%d more messages received %lld ms after the kill", START_AT - KILL_AT,
                    (long long) (rs_now_ms() - killed_at));
            CHECK(rs_ctl("start %d", victim));
        }
    }
    REQUIRE(wait_done(&rec));
    pthread_join(thread, NULL);
    started = false;

    for (i = 0; i < MSG_COUNT; i++)
    {
        if (rec.seen[i] == 0)
            missing++;
    }
    rs_note("%d messages in %lld ms: %d deliveries, %d redelivered, %d fetch errors, "
            "%d fetch timeouts, %d ack errors (last error %d '%s'), %d disconnects, "
            "%d reconnects",
            MSG_COUNT, (long long) (rs_now_ms() - begin), rec.deliveries, rec.redelivered,
            rec.fetch_errors, rec.fetch_timeouts, rec.ack_errors, (int) rec.last_error,
            rs_status_text(rec.last_error), atomic_load(&ev.disconnected),
            atomic_load(&ev.reconnected));
    if (atomic_load(&ev.reconnected) > 0)
        rs_note("reconnected %lld ms after the disconnect",
                (long long) (atomic_load(&ev.reconnected_at) - atomic_load(&ev.disconnected_at)));
    CHECK_MSG(missing == 0, "%d of %d messages were never received", missing, MSG_COUNT);
    CHECK_INT(rec.unexpected, 0);
    CHECK_MSG(rec.drained, "the consumer still had messages pending or waiting for an "
              "acknowledgment at the end");
    if (target == KILL_CONNECTED)
        CHECK(atomic_load(&ev.reconnected) >= 1);

cleanup:
    if (started && wait_done(&rec))
        pthread_join(thread, NULL);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    rs_destroy_conn(nc, &ev);
    rs_events_destroy(&ev);
    pthread_mutex_destroy(&rec.mu);
}

static void
test_pull_consume_connected_killed(void)
{
    run_pull_test("CLPULLCONN", KILL_CONNECTED);
}

static void
test_pull_consume_leader_killed(void)
{
    run_pull_test("CLPULLLEAD", KILL_CONSUMER_LEADER);
}

int
main(int argc, char **argv)
{
    int i;

    for (i = 0; i < MEMBERS; i++)
        urls[i] = rs_arg(argc, argv, i + 1, "URL0 URL1 URL2");
    rs_init();

    RUN_TEST(test_pull_consume_connected_killed);
    RUN_TEST(test_pull_consume_leader_killed);

    nats_Close();
    return rs_finish();
}
