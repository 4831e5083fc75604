// Retry on failed connect: with natsOptions_SetRetryOnFailedConnect the
// client is created before its server exists. With a connected callback,
// natsConnection_Connect returns NATS_NOT_YET_CONNECTED at once and the
// callback fires when the server starts. A subscription and a publish made
// before that take effect once connected. Without a callback, Connect
// blocks until the server starts.
//
// Usage: retry_connect URL
// URL is member 0 of the harness's servers, which is not running when the
// program starts; the tests start it and kill it again.

#include "resil.h"

static const char *url;

static void
test_connect_before_server_starts(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    rsEvents            ev;
    char                events[RS_MAX_EVENTS + 1];
    bool                started = false;

    rs_events_init(&ev);
    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsOptions_SetRetryOnFailedConnect(opts, true, rs_on_connected, &ev));
    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_NOT_YET_CONNECTED);
    REQUIRE(nc != NULL);
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_RECONNECTING);
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "rs.retry"));
    CHECK_OK(natsConnection_PublishString(nc, "rs.retry", "before-connect"));
    rs_sleep_ms(300);
    CHECK_INT(atomic_load(&ev.connected), 0);

    REQUIRE(rs_ctl("start 0"));
    started = true;
    CHECK_MSG(rs_wait_count(&ev.connected, 1, 10000),
              "no connected callback within 10 s of the server starting");
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    if (sub != NULL)
    {
        CHECK_OK(natsSubscription_NextMsg(&msg, sub, 5000));
        if (msg != NULL)
            CHECK_STR(natsMsg_GetData(msg), "before-connect");
    }
    rs_events_copy(&ev, events, sizeof(events));
    CHECK_STR(events, "C");
    CHECK_INT(atomic_load(&ev.on_caller_thread), 0);

cleanup:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    if (started)
        CHECK(rs_ctl("kill 0"));
    rs_events_destroy(&ev);
}

static void *
start_server_later(void *arg)
{
    rs_sleep_ms(500);
    *(bool *) arg = rs_ctl("start 0");
    return NULL;
}

// Without a connected callback, Connect blocks until the server starts.
static void
test_blocking_connect_waits_for_server(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    pthread_t       starter;
    bool            started = false;
    bool            thread_running = false;
    int64_t         begin;
    int64_t         took;

    REQUIRE_OK(rs_create_options(&opts, url, NULL));
    REQUIRE_OK(natsOptions_SetMaxReconnect(opts, 100));
    REQUIRE_OK(natsOptions_SetRetryOnFailedConnect(opts, true, NULL, NULL));
    REQUIRE(pthread_create(&starter, NULL, start_server_later, &started) == 0);
    thread_running = true;
    begin = rs_now_ms();
    CHECK_OK(natsConnection_Connect(&nc, opts));
    took = rs_now_ms() - begin;
    pthread_join(starter, NULL);
    thread_running = false;
    rs_note("connect returned after %lld ms", (long long) took);
    CHECK(started);
    CHECK_MSG(took >= 400, "Connect returned after %lld ms, before the server started",
              (long long) took);
    if (nc != NULL)
        CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);

cleanup:
    if (thread_running)
        pthread_join(starter, NULL);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    if (started)
        CHECK(rs_ctl("kill 0"));
}

// A server that never starts: after MaxReconnect attempts the connection
// closes, the closed callback fires and the connected one never does.
static void
test_retry_gives_up(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    rsEvents        ev;

    rs_events_init(&ev);
    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsOptions_SetMaxReconnect(opts, 3));
    REQUIRE_OK(natsOptions_SetReconnectWait(opts, 50));
    REQUIRE_OK(natsOptions_SetRetryOnFailedConnect(opts, true, rs_on_connected, &ev));
    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_NOT_YET_CONNECTED);
    REQUIRE(nc != NULL);
    CHECK_MSG(rs_wait_count(&ev.closed, 1, 10000),
              "the connection did not close within 10 s without a server");
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    CHECK_INT(atomic_load(&ev.connected), 0);
    CHECK_INT(atomic_load(&ev.disconnected), 0);

cleanup:
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

int
main(int argc, char **argv)
{
    url = rs_arg(argc, argv, 1, "URL");
    rs_init();

    RUN_TEST(test_connect_before_server_starts);
    RUN_TEST(test_blocking_connect_waits_for_server);
    RUN_TEST(test_retry_gives_up);

    nats_Close();
    return rs_finish();
}
