// Reconnect tests: subscriptions are resent after a reconnect (with the
// remaining auto-unsubscribe count), publishes made while disconnected are
// buffered and delivered in order, and the reconnect buffer limit rejects
// publishes with NATS_INSUFFICIENT_BUFFER without dropping buffered ones.
//
// Usage: reconnect URL
// URL is member 0 of the harness's servers; the tests kill and restart it.

#include "resil.h"

static const char *url;

// ---------------------------------------------------------------------------
// Protocol sent on reconnect, observed with a fake server
// ---------------------------------------------------------------------------

#define TRANSCRIPT_LINES 64

// Lines a client sent to the fake server, per connection.
typedef struct
{
    pthread_mutex_t mu;
    char            lines[2][TRANSCRIPT_LINES][160];
    int             count[2];
    // Number of MSG lines to send to `auto_sid` on the first connection.
    atomic_int      deliver;
    atomic_int      auto_sid;
    // Makes the first connection's handler close the socket.
    atomic_int      close_first;
    // PONGs sent on the second connection (1 for the handshake PING).
    atomic_int      second_pings;

} transcript;

static void
transcript_add(transcript *t, int conn, const char *line)
{
    pthread_mutex_lock(&t->mu);
    if (t->count[conn] < TRANSCRIPT_LINES)
    {
        char    *dst = t->lines[conn][t->count[conn]++];
        size_t  len  = strlen(line);

        if (len >= sizeof(t->lines[0][0]))
            len = sizeof(t->lines[0][0]) - 1;
        memcpy(dst, line, len);
        dst[len] = '\0';
    }
    pthread_mutex_unlock(&t->mu);
}

// Compares two protocol lines word by word, so that "SUB a  1" (cnats
// writes an empty queue group as a second space) equals "SUB a 1".
static bool
same_words(const char *a, const char *b)
{
    for (;;)
    {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if ((*a == '\0') || (*b == '\0'))
            return (*a == *b);
        while ((*a != '\0') && (*a != ' ') && (*a == *b))
        {
            a++;
            b++;
        }
        if (((*a != ' ') && (*a != '\0')) || ((*b != ' ') && (*b != '\0')))
            return false;
    }
}

// Returns the index of the first line of connection `conn` that has the
// same words as `line`, or -1.
static int
transcript_find(transcript *t, int conn, const char *line)
{
    int found = -1;
    int i;

    pthread_mutex_lock(&t->mu);
    for (i = 0; (i < t->count[conn]) && (found < 0); i++)
    {
        if (same_words(t->lines[conn][i], line))
            found = i;
    }
    pthread_mutex_unlock(&t->mu);
    return found;
}

// Returns the index of the first line of `conn` that starts with `prefix`.
static int
transcript_find_prefix(transcript *t, int conn, const char *prefix)
{
    int found = -1;
    int i;

    pthread_mutex_lock(&t->mu);
    for (i = 0; (i < t->count[conn]) && (found < 0); i++)
    {
        if (strncmp(t->lines[conn][i], prefix, strlen(prefix)) == 0)
            found = i;
    }
    pthread_mutex_unlock(&t->mu);
    return found;
}

static void
transcript_print(transcript *t)
{
    int c, i;

    pthread_mutex_lock(&t->mu);
    for (c = 0; c < 2; c++)
    {
        for (i = 0; i < t->count[c]; i++)
            rs_note("connection %d line %d: %.100s", c, i, t->lines[c][i]);
    }
    pthread_mutex_unlock(&t->mu);
}

// Fake server: records every line and replies PONG to each PING. On the
// first connection it sends `deliver` messages, and closes the socket once
// `close_first` is set.
static void
transcript_handler(rsListener *l, int fd, int index)
{
    transcript  *t    = (transcript *) l->closure;
    rsFakeConn  *conn = calloc(1, sizeof(rsFakeConn));
    char        line[4096];
    int         conn_index = (index == 0 ? 0 : 1);

    if (conn == NULL)
        return;
    conn->fd = fd;
    if (!rs_fake_send_info(fd, l->port))
        goto done;
    while (!atomic_load(&l->stop))
    {
        int n;
        int deliver = atomic_exchange(&t->deliver, 0);

        if (conn_index == 0)
        {
            char msg[128];
            int  i;

            for (i = 0; i < deliver; i++)
            {
                snprintf(msg, sizeof(msg), "MSG rs.auto %d 1\r\nx\r\n",
                         atomic_load(&t->auto_sid));
                if (!rs_send_all(fd, msg))
                    goto done;
            }
            if (atomic_load(&t->close_first))
                goto done;
        }
        n = rs_fake_read_line(conn, line, sizeof(line), 10);
        if (n < 0)
            goto done;
        if (n == 0)
            continue;
        transcript_add(t, conn_index, line);
        if (strcmp(line, "PING") == 0)
        {
            if (!rs_send_all(fd, "PONG\r\n"))
                goto done;
            if (conn_index == 1)
                atomic_fetch_add(&t->second_pings, 1);
        }
        else if ((conn_index == 0) && (strncmp(line, "SUB rs.auto ", 12) == 0))
        {
            atomic_store(&t->auto_sid, atoi(line + 12));
        }
    }
done:
    free(conn);
}

static void
on_count(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    atomic_fetch_add((atomic_int *) closure, 1);
    natsMsg_Destroy(msg);
}

// After a reconnect the client resends every live subscription (with the
// remaining auto-unsubscribe count) and only then the publishes it buffered
// while disconnected, in order.
static void
test_resend_order_on_reconnect(void)
{
    transcript          *t      = calloc(1, sizeof(transcript));
    rsListener          *l      = calloc(1, sizeof(rsListener));
    natsOptions         *opts   = NULL;
    natsConnection      *nc     = NULL;
    natsSubscription    *plain  = NULL;
    natsSubscription    *queue  = NULL;
    natsSubscription    *autos  = NULL;
    natsSubscription    *gone   = NULL;
    rsEvents            ev;
    atomic_int          auto_count;
    char                fake_url[64];
    char                expected[160];
    int                 listening = 0;
    int                 i;

    rs_events_init(&ev);
    atomic_store(&auto_count, 0);
    REQUIRE(t != NULL);
    REQUIRE(l != NULL);
    pthread_mutex_init(&t->mu, NULL);
    REQUIRE(rs_listener_start(l, transcript_handler, t));
    listening = 1;
    // Hold the reconnect in the backlog until the buffered publishes are made.
    atomic_store(&l->max_accepts, 1);
    snprintf(fake_url, sizeof(fake_url), "nats://127.0.0.1:%d", l->port);

    REQUIRE_OK(rs_create_options(&opts, fake_url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_SubscribeSync(&plain, nc, "rs.plain"));
    REQUIRE_OK(natsConnection_QueueSubscribeSync(&queue, nc, "rs.queue", "workers"));
    REQUIRE_OK(natsConnection_Subscribe(&autos, nc, "rs.auto", on_count, &auto_count));
    REQUIRE_OK(natsSubscription_AutoUnsubscribe(autos, 10));
    REQUIRE_OK(natsConnection_SubscribeSync(&gone, nc, "rs.gone"));
    REQUIRE_OK(natsSubscription_Unsubscribe(gone));
    REQUIRE_OK(natsConnection_Flush(nc));
    REQUIRE(atomic_load(&t->auto_sid) > 0);

    // Four of the ten messages arrive before the disconnect.
    atomic_store(&t->deliver, 4);
    CHECK(rs_wait_count(&auto_count, 4, 5000));
    CHECK_INT(atomic_load(&auto_count), 4);

    atomic_store(&t->close_first, 1);
    CHECK(rs_wait_conn_status(nc, NATS_CONN_STATUS_RECONNECTING, 5000));
    for (i = 0; i < 3; i++)
        CHECK_OK(rs_publish_number(nc, "rs.buffered", i));
    atomic_store(&l->max_accepts, 0);

    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(atomic_load(&t->second_pings) >= 2);

    {
        int     plain_at;
        int     queue_at;
        int     auto_at;
        int     unsub_at;
        int     first_pub;
        int     last_sub;

        snprintf(expected, sizeof(expected), "SUB rs.plain %d",
                 (int) natsSubscription_GetID(plain));
        plain_at = transcript_find(t, 1, expected);
        CHECK_MSG(plain_at >= 0, "missing `%s`", expected);

        snprintf(expected, sizeof(expected), "SUB rs.queue workers %d",
                 (int) natsSubscription_GetID(queue));
        queue_at = transcript_find(t, 1, expected);
        CHECK_MSG(queue_at >= 0, "missing `%s`", expected);

        snprintf(expected, sizeof(expected), "SUB rs.auto %d", atomic_load(&t->auto_sid));
        auto_at = transcript_find(t, 1, expected);
        CHECK_MSG(auto_at >= 0, "missing `%s`", expected);

        // Ten allowed, four delivered: the server may deliver six more.
        snprintf(expected, sizeof(expected), "UNSUB %d 6", atomic_load(&t->auto_sid));
        unsub_at = transcript_find(t, 1, expected);
        CHECK_MSG(unsub_at >= 0, "missing `%s`", expected);
        CHECK(unsub_at > auto_at);

        CHECK_MSG(transcript_find_prefix(t, 1, "SUB rs.gone ") < 0,
                  "an unsubscribed subscription was resent");

        first_pub = transcript_find(t, 1, "PUB rs.buffered 1");
        CHECK_MSG(first_pub >= 0, "the buffered publishes were not sent");
        last_sub = plain_at;
        if (queue_at > last_sub)
            last_sub = queue_at;
        if (unsub_at > last_sub)
            last_sub = unsub_at;
        CHECK_MSG(first_pub > last_sub, "a buffered PUB (line %d) preceded a SUB/UNSUB "
                  "(line %d)", first_pub, last_sub);

        // The three PUBs follow each other with payloads 0, 1, 2.
        pthread_mutex_lock(&t->mu);
        for (i = 0; (first_pub >= 0) && (i < 3); i++)
        {
            int  at = first_pub + 2 * i;
            char payload[8];

            snprintf(payload, sizeof(payload), "%d", i);
            CHECK((at + 1) < t->count[1]);
            if ((at + 1) >= t->count[1])
                break;
            CHECK_MSG(same_words(t->lines[1][at], "PUB rs.buffered 1"), "line %d is `%s`",
                      at, t->lines[1][at]);
            CHECK_STR(t->lines[1][at + 1], payload);
        }
        pthread_mutex_unlock(&t->mu);
    }
    if (atomic_load(&rs_test_failures) > 0)
        transcript_print(t);

cleanup:
    natsSubscription_Destroy(plain);
    natsSubscription_Destroy(queue);
    natsSubscription_Destroy(autos);
    natsSubscription_Destroy(gone);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    if (listening)
        rs_listener_stop(l);
    if (t != NULL)
        pthread_mutex_destroy(&t->mu);
    free(t);
    free(l);
    rs_events_destroy(&ev);
}

// ---------------------------------------------------------------------------
// Against a real server that the harness kills and restarts
// ---------------------------------------------------------------------------

// Kills the server, waits until the client notices, runs `while_down`
// (may be NULL) and starts the server again.
static bool
bounce_server(natsConnection *nc, void (*while_down)(void *), void *arg)
{
    if (!rs_ctl("kill 0"))
        return false;
    if (!rs_wait_conn_status(nc, NATS_CONN_STATUS_RECONNECTING, 5000))
    {
        rs_fail(__FILE__, __LINE__, "the client did not start reconnecting within 5 s "
                "of the server being killed (status %d)", (int) natsConnection_Status(nc));
        rs_ctl("start 0");
        return false;
    }
    if (while_down != NULL)
        while_down(arg);
    return rs_ctl("start 0");
}

typedef struct
{
    natsConnection  *nc;
    const char      *subject;
    int             count;
    int             accepted;
    natsStatus      first_error;
    int             payload_size;

} publishJob;

// Publishes numbered messages until `count` or the first error.
static void
publish_numbers(void *arg)
{
    publishJob  *job = (publishJob *) arg;
    int         i;

    job->accepted = 0;
    job->first_error = NATS_OK;
    for (i = 0; i < job->count; i++)
    {
        natsStatus  s;

        if (job->payload_size > 0)
        {
            char    payload[256];
            char    number[16];
            int     size = job->payload_size;
            int     digits;

            // Zero-padded on the left, so the payload has a fixed size and
            // still parses as the number.
            digits = snprintf(number, sizeof(number), "%d", i);
            if (size >= (int) sizeof(payload))
                size = (int) sizeof(payload) - 1;
            memset(payload, '0', (size_t) size);
            memcpy(payload + size - digits, number, (size_t) digits);
            payload[size] = '\0';
            s = natsConnection_PublishString(job->nc, job->subject, payload);
        }
        else
            s = rs_publish_number(job->nc, job->subject, i);
        if (s != NATS_OK)
        {
            job->first_error = s;
            return;
        }
        job->accepted++;
    }
}

// Every publish accepted while the server is down is delivered, once and
// in order, after the reconnect (to a subscription of the same connection,
// which the client resends first).
static void
test_buffered_publishes_delivered(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    rsEvents            ev;
    rsSequence          seq;
    publishJob          job;

    rs_events_init(&ev);
    rs_sequence_init(&seq, 2000);
    memset(&job, 0, sizeof(job));

    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_Subscribe(&sub, nc, "rs.buffered", rs_on_sequence_msg, &seq));
    REQUIRE_OK(natsConnection_Flush(nc));

    job.nc = nc;
    job.subject = "rs.buffered";
    job.count = 1000;
    REQUIRE(bounce_server(nc, publish_numbers, &job));
    CHECK_INT(job.accepted, 1000);
    CHECK_STATUS(job.first_error, NATS_OK);

    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    CHECK(rs_wait_count(&seq.received, job.accepted, 10000));
    // Give a duplicate time to arrive.
    CHECK_OK(natsConnection_Flush(nc));
    rs_sleep_ms(100);
    CHECK_INT(atomic_load(&seq.received), job.accepted);
    CHECK_INT(rs_sequence_missing(&seq, 0, job.accepted), 0);
    CHECK_INT(seq.duplicates, 0);
    CHECK_INT(seq.out_of_order, 0);
    CHECK_INT(seq.unexpected, 0);
    CHECK_INT(atomic_load(&ev.disconnected), 1);
    CHECK_INT(atomic_load(&ev.reconnected), 1);

cleanup:
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_sequence_destroy(&seq);
    rs_events_destroy(&ev);
}

// Over the reconnect buffer size a publish fails with
// NATS_INSUFFICIENT_BUFFER, and everything buffered before is delivered.
static void
test_reconnect_buffer_limit(void)
{
    const int           buffer_size  = 1000;
    const int           payload_size = 90;
    // "PUB rs.limit 90\r\n" + payload + "\r\n".
    const int           message_size = 17 + payload_size + 2;
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    rsEvents            ev;
    rsSequence          seq;
    publishJob          job;
    natsStatus          again = NATS_OK;

    rs_events_init(&ev);
    rs_sequence_init(&seq, 2000);
    memset(&job, 0, sizeof(job));

    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsOptions_SetReconnectBufSize(opts, buffer_size));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_Subscribe(&sub, nc, "rs.limit", rs_on_sequence_msg, &seq));
    REQUIRE_OK(natsConnection_Flush(nc));

    job.nc = nc;
    job.subject = "rs.limit";
    job.count = 1000;
    job.payload_size = payload_size;
    if (rs_ctl("kill 0"))
    {
        CHECK(rs_wait_conn_status(nc, NATS_CONN_STATUS_RECONNECTING, 5000));
        publish_numbers(&job);
        again = natsConnection_PublishString(nc, "rs.limit", "0");
        rs_ctl("start 0");
    }

    rs_note("buffer %d bytes, message %d bytes, accepted %d publishes", buffer_size,
            message_size, job.accepted);
    CHECK_STATUS(job.first_error, NATS_INSUFFICIENT_BUFFER);
    CHECK_STATUS(again, NATS_INSUFFICIENT_BUFFER);
    // "Up to the buffer size": either stop before the buffer would overflow
    // or, as cnats does, accept while the buffered bytes are below the size.
    CHECK_MSG(job.accepted >= buffer_size / message_size,
              "accepted %d, fewer than the %d that fit", job.accepted,
              buffer_size / message_size);
    CHECK_MSG(job.accepted <= (buffer_size + message_size - 1) / message_size,
              "accepted %d, more than the buffer size allows", job.accepted);

    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    CHECK(rs_wait_count(&seq.received, job.accepted, 10000));
    CHECK_OK(natsConnection_Flush(nc));
    rs_sleep_ms(100);
    CHECK_INT(atomic_load(&seq.received), job.accepted);
    CHECK_INT(rs_sequence_missing(&seq, 0, job.accepted), 0);
    CHECK_INT(seq.duplicates, 0);
    CHECK_INT(seq.out_of_order, 0);

    // Once connected again, publishing works without a size limit.
    CHECK_OK(rs_publish_number(nc, "rs.limit", 1500));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(rs_wait_count(&seq.received, job.accepted + 1, 5000));

cleanup:
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_sequence_destroy(&seq);
    rs_events_destroy(&ev);
}

// A subscription with an auto-unsubscribe limit gets exactly the limit in
// total across a reconnect.
static void
test_auto_unsubscribe_across_reconnect(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    rsEvents            ev;
    atomic_int          count;
    int                 i;

    rs_events_init(&ev);
    atomic_store(&count, 0);

    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_Subscribe(&sub, nc, "rs.autounsub", on_count, &count));
    REQUIRE_OK(natsSubscription_AutoUnsubscribe(sub, 10));
    REQUIRE_OK(natsConnection_Flush(nc));
    for (i = 0; i < 4; i++)
        CHECK_OK(natsConnection_PublishString(nc, "rs.autounsub", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(rs_wait_count(&count, 4, 5000));

    REQUIRE(bounce_server(nc, NULL, NULL));
    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    for (i = 0; i < 20; i++)
        CHECK_OK(natsConnection_PublishString(nc, "rs.autounsub", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(rs_wait_count(&count, 10, 5000));
    rs_sleep_ms(200);
    CHECK_INT(atomic_load(&count), 10);
    CHECK(!natsSubscription_IsValid(sub));

cleanup:
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

typedef struct
{
    natsConnection      *nc;
    natsSubscription    *sub;
    natsStatus          status;
    bool                reconnecting;

} subscribeJob;

static void
subscribe_while_down(void *arg)
{
    subscribeJob *job = (subscribeJob *) arg;

    job->reconnecting = natsConnection_IsReconnecting(job->nc);
    job->status = natsConnection_SubscribeSync(&job->sub, job->nc, "rs.late");
}

// A subscription created while disconnected is sent after the reconnect.
static void
test_subscribe_while_disconnected(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsMsg             *msg  = NULL;
    rsEvents            ev;
    subscribeJob        job;

    rs_events_init(&ev);
    memset(&job, 0, sizeof(job));

    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    CHECK(!natsConnection_IsReconnecting(nc));
    job.nc = nc;
    REQUIRE(bounce_server(nc, subscribe_while_down, &job));
    CHECK(job.reconnecting);
    CHECK_OK(job.status);
    REQUIRE(job.sub != NULL);

    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    CHECK(!natsConnection_IsReconnecting(nc));
    CHECK_OK(natsConnection_PublishString(nc, "rs.late", "hello"));
    CHECK_OK(natsSubscription_NextMsg(&msg, job.sub, 5000));
    if (msg != NULL)
        CHECK_STR(natsMsg_GetData(msg), "hello");

cleanup:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(job.sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

#if RS_CNATS_3_13
// natsConnection_Reconnect drops a healthy connection and reconnects:
// disconnected then reconnected fire and subscriptions keep working.
static void
test_forced_reconnect(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    rsEvents            ev;
    char                events[RS_MAX_EVENTS + 1];

    rs_events_init(&ev);
    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, nc, "rs.forced"));
    REQUIRE_OK(natsConnection_Flush(nc));

    CHECK_OK(natsConnection_Reconnect(nc));
    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    rs_events_copy(&ev, events, sizeof(events));
    CHECK_STR(events, "DR");
    CHECK_OK(natsConnection_PublishString(nc, "rs.forced", "after"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 5000));

    natsConnection_Close(nc);
    CHECK_STATUS(natsConnection_Reconnect(nc), NATS_CONNECTION_CLOSED);

cleanup:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}
#endif

int
main(int argc, char **argv)
{
    url = rs_arg(argc, argv, 1, "URL");
    rs_init();

    RUN_TEST(test_resend_order_on_reconnect);
    RUN_TEST(test_buffered_publishes_delivered);
    RUN_TEST(test_reconnect_buffer_limit);
    RUN_TEST(test_auto_unsubscribe_across_reconnect);
    RUN_TEST(test_subscribe_while_disconnected);
#if RS_CNATS_3_13
    RUN_TEST(test_forced_reconnect);
#endif

    nats_Close();
    return rs_finish();
}
