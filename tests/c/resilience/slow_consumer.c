// Slow consumer tests. When a subscription's pending messages or bytes
// would pass its limits, new messages are dropped and
// natsSubscription_GetDropped counts them. The error handler gets
// NATS_SLOW_CONSUMER once per episode, not once per dropped message. An
// episode ends when a message is queued again.
//
// Usage: slow_consumer PUB_URL SUB_URL
// The publisher connects to PUB_URL and the subscriber to SUB_URL: the same
// server, or two routed cluster members.

#include "resil.h"

static const char *pub_url;
static const char *sub_url;

// A message callback that blocks while `gate` is closed, so that messages
// pile up in the subscription's pending queue.
typedef struct
{
    atomic_int  gate_open;
    atomic_int  entered;
    atomic_int  delivered;

} blockingSub;

static void
on_blocking_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    blockingSub *b        = (blockingSub *) closure;
    int64_t     deadline  = rs_now_ms() + 20000;

    atomic_fetch_add(&b->entered, 1);
    while (!atomic_load(&b->gate_open) && (rs_now_ms() < deadline))
        rs_sleep_ms(1);
    atomic_fetch_add(&b->delivered, 1);
    natsMsg_Destroy(msg);
}

// Publishes `count` messages of `size` bytes from `pub` and flushes.
static void
publish_burst(natsConnection *pub, const char *subject, int count, int size)
{
    char    payload[1024];
    int     i;

    memset(payload, 'x', sizeof(payload));
    for (i = 0; i < count; i++)
        CHECK_OK(natsConnection_Publish(pub, subject, payload, size));
    CHECK_OK(natsConnection_FlushTimeout(pub, 5000));
}

// Waits until delivered + pending + dropped accounts for `total` messages
// on `sub`, or 10 s pass.
static bool
wait_accounted(natsSubscription *sub, blockingSub *b, int total)
{
    int64_t deadline = rs_now_ms() + 10000;

    while (rs_now_ms() < deadline)
    {
        int     pending = 0;
        int64_t dropped = 0;

        natsSubscription_GetPending(sub, &pending, NULL);
        natsSubscription_GetDropped(sub, &dropped);
        if (atomic_load(&b->entered) + pending + dropped >= total)
            return true;
        rs_sleep_ms(5);
    }
    return false;
}

static natsStatus
connect_pair(natsConnection **pub, natsConnection **subc, natsOptions **opts, rsEvents *ev)
{
    natsStatus s = rs_create_options(opts, sub_url, ev);

    if (s == NATS_OK)
        s = natsConnection_Connect(subc, *opts);
    if (s == NATS_OK)
        s = natsConnection_ConnectTo(pub, pub_url);
    return s;
}

// Runs two slow consumer episodes on one subscription with `limit_msgs`
// and `limit_bytes`, and checks the drops and error handler calls. In each
// episode one message first blocks the callback, then a burst of 100
// messages of `size` bytes arrives: `max_queued` of them fit in the pending
// queue under those limits and the rest are dropped. Blocking the callback
// first matters: if it took a message out of a full queue during the burst,
// the next message would be queued, ending the episode, and a later drop
// would start a second one.
static void
run_two_episodes(int limit_msgs, int limit_bytes, int size, int max_queued)
{
    natsOptions         *opts = NULL;
    natsConnection      *pub  = NULL;
    natsConnection      *subc = NULL;
    natsSubscription    *sub  = NULL;
    blockingSub         b;
    rsEvents            ev;
    int64_t             dropped = 0;
    int64_t             dropped_before = 0;
    int                 episode;

    rs_events_init(&ev);
    memset(&b, 0, sizeof(b));
    REQUIRE_OK(connect_pair(&pub, &subc, &opts, &ev));
    REQUIRE_OK(natsConnection_Subscribe(&sub, subc, "rs.slow", on_blocking_msg, &b));
    REQUIRE_OK(natsSubscription_SetPendingLimits(sub, limit_msgs, limit_bytes));
    REQUIRE_OK(natsConnection_Flush(subc));
    // Let the subscription reach the publisher's server through the route.
    rs_sleep_ms(200);

    for (episode = 1; episode <= 2; episode++)
    {
        int entered_before = atomic_load(&b.entered);
        int published      = 101 * episode;

        atomic_store(&b.gate_open, 0);
        publish_burst(pub, "rs.slow", 1, size);
        REQUIRE(rs_wait_count(&b.entered, entered_before + 1, 5000));
        publish_burst(pub, "rs.slow", 100, size);
        CHECK(wait_accounted(sub, &b, published));
        CHECK_OK(natsSubscription_GetDropped(sub, &dropped));
        rs_note("episode %d: dropped %lld in total", episode, (long long) dropped);
        CHECK_INT(dropped - dropped_before, 100 - max_queued);
        // Give further (wrong) error handler calls time to arrive.
        rs_sleep_ms(300);
        CHECK_INT(atomic_load(&ev.slow_consumer_errors), episode);
        CHECK_INT(atomic_load(&ev.errors), episode);
        CHECK_INT(atomic_load(&ev.last_error), NATS_SLOW_CONSUMER);

        // Unblock: every queued message is delivered, then the queue is
        // empty and the episode is over.
        atomic_store(&b.gate_open, 1);
        CHECK(rs_wait_count(&b.delivered, published - (int) dropped, 10000));
        CHECK_INT(atomic_load(&b.entered) - entered_before,
                  101 - (int) (dropped - dropped_before));
        dropped_before = dropped;
    }
    CHECK_INT(atomic_load(&ev.on_caller_thread), 0);

cleanup:
    atomic_store(&b.gate_open, 1);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(subc, &ev);
    natsConnection_Destroy(pub);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// Limit of 10 pending messages.
static void
test_pending_messages_limit(void)
{
    run_two_episodes(10, 10 * 1024 * 1024, 16, 10);
}

// Limit of 1000 pending bytes with 100-byte payloads: 10 messages fit.
static void
test_pending_bytes_limit(void)
{
    run_two_episodes(1000000, 1000, 100, 10);
}

// A synchronous subscription over its limit: NextMsg reports
// NATS_SLOW_CONSUMER once, then returns the queued messages.
static void
test_sync_subscription_reports_slow_consumer(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *pub  = NULL;
    natsConnection      *subc = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    rsEvents            ev;
    int64_t             deadline;
    int64_t             dropped = 0;
    int                 received = 0;
    int                 pending = 0;
    natsStatus          s;

    rs_events_init(&ev);
    REQUIRE_OK(connect_pair(&pub, &subc, &opts, &ev));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, subc, "rs.slow.sync"));
    REQUIRE_OK(natsSubscription_SetPendingLimits(sub, 10, 10 * 1024 * 1024));
    REQUIRE_OK(natsConnection_Flush(subc));
    rs_sleep_ms(200);

    publish_burst(pub, "rs.slow.sync", 50, 8);
    deadline = rs_now_ms() + 10000;
    while ((rs_now_ms() < deadline) && (pending + dropped < 50))
    {
        natsSubscription_GetPending(sub, &pending, NULL);
        natsSubscription_GetDropped(sub, &dropped);
        rs_sleep_ms(5);
    }
    CHECK_INT(pending, 10);
    CHECK_INT(dropped, 40);

    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 1000), NATS_SLOW_CONSUMER);
    natsMsg_Destroy(msg);
    msg = NULL;
    while ((s = natsSubscription_NextMsg(&msg, sub, 200)) == NATS_OK)
    {
        received++;
        natsMsg_Destroy(msg);
        msg = NULL;
        if (received > 50)
            break;
    }
    CHECK_STATUS(s, NATS_TIMEOUT);
    CHECK_INT(received, 10);
    CHECK(rs_wait_count(&ev.slow_consumer_errors, 1, 5000));
    rs_sleep_ms(200);
    CHECK_INT(atomic_load(&ev.slow_consumer_errors), 1);

cleanup:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(subc, &ev);
    natsConnection_Destroy(pub);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

int
main(int argc, char **argv)
{
    pub_url = rs_arg(argc, argv, 1, "PUB_URL SUB_URL");
    sub_url = rs_arg(argc, argv, 2, "PUB_URL SUB_URL");
    rs_init();

    RUN_TEST(test_pending_messages_limit);
    RUN_TEST(test_pending_bytes_limit);
    RUN_TEST(test_sync_subscription_reports_slow_consumer);

    nats_Close();
    return rs_finish();
}
