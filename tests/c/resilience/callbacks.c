// Connection callback tests: the disconnected, reconnected and closed
// callbacks run on a library thread (not the caller's), in the order the
// events happened, and may call library functions (GetConnectedUrl,
// Status, Publish, Flush) without deadlocking.
//
// Usage: callbacks URL
// URL is member 0 of the harness's servers; the tests kill and restart it.

#include "resil.h"

static const char *url;

static int
port_of(const char *text)
{
    const char *colon = strrchr(text, ':');

    return (colon == NULL ? -1 : atoi(colon + 1));
}

// Kill, restart, close: the callbacks fire as disconnected, reconnected,
// then (for the close of a connected connection) disconnected and closed,
// never on the thread that created the connection.
static void
test_callback_order_and_thread(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    rsEvents        ev;
    char            events[RS_MAX_EVENTS + 1];

    rs_events_init(&ev);
    REQUIRE_OK(rs_create_options(&opts, url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE(rs_ctl("kill 0"));
    CHECK(rs_wait_count(&ev.disconnected, 1, 5000));
    REQUIRE(rs_ctl("start 0"));
    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    rs_events_copy(&ev, events, sizeof(events));
    CHECK_STR(events, "DR");

    natsConnection_Close(nc);
    CHECK(rs_wait_count(&ev.closed, 1, 5000));
    rs_sleep_ms(100);
    rs_events_copy(&ev, events, sizeof(events));
    // cnats fires disconnected again when a connected connection closes.
    CHECK_STR(events, "DRDX");
    CHECK_INT(atomic_load(&ev.on_caller_thread), 0);

cleanup:
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// What each callback observed when it called back into the library.
typedef struct
{
    pthread_t   caller;
    atomic_int  disconnected_done;
    atomic_int  reconnected_done;
    atomic_int  closed_done;
    atomic_int  on_caller_thread;

    natsConnStatus  disconnected_status;
    bool            disconnected_reconnecting;
    natsStatus      disconnected_url_status;
    char            disconnected_url[256];
    natsStatus      disconnected_publish;

    natsConnStatus  reconnected_status;
    natsStatus      reconnected_url_status;
    char            reconnected_url[256];
    natsStatus      reconnected_publish;
    natsStatus      reconnected_flush;
    natsStatus      reconnected_stats;

    natsConnStatus  closed_status;
    natsStatus      closed_publish;

} reentrantCalls;

static void
note_thread(reentrantCalls *r)
{
    if (pthread_equal(pthread_self(), r->caller))
        atomic_store(&r->on_caller_thread, 1);
}

static void
on_disconnected_calls(natsConnection *nc, void *closure)
{
    reentrantCalls *r = (reentrantCalls *) closure;

    note_thread(r);
    r->disconnected_status = natsConnection_Status(nc);
    r->disconnected_reconnecting = natsConnection_IsReconnecting(nc);
    r->disconnected_url_status = natsConnection_GetConnectedUrl(nc, r->disconnected_url,
                                                                sizeof(r->disconnected_url));
    r->disconnected_publish = natsConnection_PublishString(nc, "rs.cb", "from-disconnected");
    atomic_store(&r->disconnected_done, 1);
}

static void
on_reconnected_calls(natsConnection *nc, void *closure)
{
    reentrantCalls  *r = (reentrantCalls *) closure;
    natsStatistics  *stats = NULL;

    note_thread(r);
    r->reconnected_status = natsConnection_Status(nc);
    r->reconnected_url_status = natsConnection_GetConnectedUrl(nc, r->reconnected_url,
                                                               sizeof(r->reconnected_url));
    r->reconnected_publish = natsConnection_PublishString(nc, "rs.cb", "from-reconnected");
    r->reconnected_flush = natsConnection_FlushTimeout(nc, 5000);
    r->reconnected_stats = natsStatistics_Create(&stats);
    if (r->reconnected_stats == NATS_OK)
        r->reconnected_stats = natsConnection_GetStats(nc, stats);
    natsStatistics_Destroy(stats);
    atomic_store(&r->reconnected_done, 1);
}

static void
on_closed_calls(natsConnection *nc, void *closure)
{
    reentrantCalls *r = (reentrantCalls *) closure;

    note_thread(r);
    r->closed_status = natsConnection_Status(nc);
    r->closed_publish = natsConnection_PublishString(nc, "rs.cb", "from-closed");
    atomic_store(&r->closed_done, 1);
}

static void
test_callbacks_call_library(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    reentrantCalls      r;
    bool                got_disconnected = false;
    bool                got_reconnected  = false;
    int                 i;

    memset(&r, 0, sizeof(r));
    r.caller = pthread_self();
    REQUIRE_OK(rs_create_options(&opts, url, NULL));
    REQUIRE_OK(natsOptions_SetDisconnectedCB(opts, on_disconnected_calls, &r));
    REQUIRE_OK(natsOptions_SetReconnectedCB(opts, on_reconnected_calls, &r));
    REQUIRE_OK(natsOptions_SetClosedCB(opts, on_closed_calls, &r));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, nc, "rs.cb"));
    REQUIRE_OK(natsConnection_Flush(nc));

    REQUIRE(rs_ctl("kill 0"));
    CHECK_MSG(rs_wait_count(&r.disconnected_done, 1, 5000),
              "the disconnected callback did not finish within 5 s");
    REQUIRE(rs_ctl("start 0"));
    CHECK_MSG(rs_wait_count(&r.reconnected_done, 1, 10000),
              "the reconnected callback did not finish within 10 s");

    CHECK_INT(r.disconnected_status, NATS_CONN_STATUS_RECONNECTING);
    CHECK(r.disconnected_reconnecting);
    CHECK_OK(r.disconnected_url_status);
    CHECK_STR(r.disconnected_url, "");
    CHECK_OK(r.disconnected_publish);

    CHECK_INT(r.reconnected_status, NATS_CONN_STATUS_CONNECTED);
    CHECK_OK(r.reconnected_url_status);
    CHECK_INT(port_of(r.reconnected_url), port_of(url));
    CHECK_OK(r.reconnected_publish);
    CHECK_OK(r.reconnected_flush);
    CHECK_OK(r.reconnected_stats);

    // Both publishes made from the callbacks arrive.
    for (i = 0; i < 2; i++)
    {
        if (natsSubscription_NextMsg(&msg, sub, 5000) != NATS_OK)
            break;
        if (strcmp(natsMsg_GetData(msg), "from-disconnected") == 0)
            got_disconnected = true;
        else if (strcmp(natsMsg_GetData(msg), "from-reconnected") == 0)
            got_reconnected = true;
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    CHECK(got_disconnected);
    CHECK(got_reconnected);

    natsConnection_Close(nc);
    CHECK_MSG(rs_wait_count(&r.closed_done, 1, 5000),
              "the closed callback did not finish within 5 s");
    CHECK_INT(r.closed_status, NATS_CONN_STATUS_CLOSED);
    CHECK_STATUS(r.closed_publish, NATS_CONNECTION_CLOSED);
    CHECK_INT(atomic_load(&r.on_caller_thread), 0);

cleanup:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    if (nc != NULL)
    {
        natsConnection_Close(nc);
        rs_wait_count(&r.closed_done, 1, 5000);
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

int
main(int argc, char **argv)
{
    url = rs_arg(argc, argv, 1, "URL");
    rs_init();

    RUN_TEST(test_callback_order_and_thread);
    RUN_TEST(test_callbacks_call_library);

    nats_Close();
    return rs_finish();
}
