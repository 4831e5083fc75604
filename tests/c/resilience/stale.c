// Stale connection tests. A server stopped with SIGSTOP keeps the socket
// open but sends no PONG. Once more than MaxPingsOut PINGs are outstanding
// the client drops the socket with NATS_STALE_CONNECTION and reconnects,
// here to the other member. A shorter stall is tolerated.
//
// Usage: stale URL0 URL1
// The URLs are two routed cluster members. The tests stop member 0 and
// always resume it before returning.

#include "resil.h"

static const char *urls[2];

static int
port_of(const char *url)
{
    const char *colon = strrchr(url, ':');

    return (colon == NULL ? -1 : atoi(colon + 1));
}

static natsStatus
create_pinging_options(natsOptions **opts, rsEvents *ev, int interval_ms, int max_out)
{
    char        list[512];
    natsStatus  s;

    snprintf(list, sizeof(list), "%s,%s", urls[0], urls[1]);
    s = rs_create_options(opts, list, ev);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(*opts, interval_ms);
    if (s == NATS_OK)
        s = natsOptions_SetMaxPingsOut(*opts, max_out);
    return s;
}

// The stalled server is detected within a few ping intervals and the client
// reconnects to member 1; subscriptions work there.
static void
test_stale_server_triggers_reconnect(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    rsEvents            ev;
    char                connected[256];
    char                events[RS_MAX_EVENTS + 1];
    int64_t             stopped_at;
    bool                stopped = false;

    rs_events_init(&ev);
    REQUIRE_OK(create_pinging_options(&opts, &ev, 100, 2));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    connected[0] = '\0';
    REQUIRE_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    REQUIRE(port_of(connected) == port_of(urls[0]));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, nc, "rs.stale"));
    REQUIRE_OK(natsConnection_Flush(nc));

    REQUIRE(rs_ctl("stop 0"));
    stopped = true;
    stopped_at = rs_now_ms();
    CHECK_MSG(rs_wait_count(&ev.disconnected, 1, 5000),
              "no disconnect within 5 s of the server stalling (100 ms pings, 2 out)");
    CHECK_MSG(rs_wait_count(&ev.reconnected, 1, 10000),
              "no reconnect within 10 s after the stale connection");
    rs_note("stale_detect_ms=%lld reconnect_after_stop_ms=%lld",
            (long long) (atomic_load(&ev.disconnected_at) - stopped_at),
            (long long) (atomic_load(&ev.reconnected_at) - stopped_at));
    connected[0] = '\0';
    CHECK_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    CHECK_INT(port_of(connected), port_of(urls[1]));
    rs_events_copy(&ev, events, sizeof(events));
    CHECK_STR(events, "DR");

    CHECK_OK(natsConnection_PublishString(nc, "rs.stale", "after"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 5000));

cleanup:
    if (stopped)
        CHECK(rs_ctl("cont 0"));
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// Without reconnect the stale connection closes, and its last error is
// NATS_STALE_CONNECTION.
static void
test_stale_error_without_reconnect(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    rsEvents        ev;
    const char      *text = NULL;
    bool            stopped = false;

    rs_events_init(&ev);
    REQUIRE_OK(create_pinging_options(&opts, &ev, 100, 2));
    REQUIRE_OK(natsOptions_SetAllowReconnect(opts, false));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));

    REQUIRE(rs_ctl("stop 0"));
    stopped = true;
    CHECK_MSG(rs_wait_count(&ev.closed, 1, 5000),
              "the connection did not close within 5 s of the server stalling");
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    CHECK_STATUS(natsConnection_GetLastError(nc, &text), NATS_STALE_CONNECTION);
    CHECK_INT(atomic_load(&ev.reconnected), 0);

cleanup:
    if (stopped)
        CHECK(rs_ctl("cont 0"));
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// A stall of 250 ms with 100 ms pings and up to 8 unanswered PINGs allowed
// is not stale: the connection stays up and no event fires.
static void
test_short_stall_tolerated(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    rsEvents        ev;
    bool            stopped = false;

    rs_events_init(&ev);
    REQUIRE(rs_ctl("wait_ready"));
    REQUIRE_OK(create_pinging_options(&opts, &ev, 100, 8));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));

    REQUIRE(rs_ctl("stop 0"));
    stopped = true;
    rs_sleep_ms(250);
    REQUIRE(rs_ctl("cont 0"));
    stopped = false;
    rs_sleep_ms(500);
    CHECK_INT(atomic_load(&ev.disconnected), 0);
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    CHECK_OK(natsConnection_FlushTimeout(nc, 5000));

cleanup:
    if (stopped)
        CHECK(rs_ctl("cont 0"));
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

int
main(int argc, char **argv)
{
    urls[0] = rs_arg(argc, argv, 1, "URL0 URL1");
    urls[1] = rs_arg(argc, argv, 2, "URL0 URL1");
    rs_init();

    RUN_TEST(test_stale_server_triggers_reconnect);
    RUN_TEST(test_stale_error_without_reconnect);
    RUN_TEST(test_short_stall_tolerated);

    nats_Close();
    return rs_finish();
}
