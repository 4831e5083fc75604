// Lame duck mode: when the connected server enters lame duck mode (SIGUSR2)
// it sends INFO with "ldm":true, the client fires the lame duck callback,
// and when the server evicts it the client reconnects to another member
// with its subscriptions.
//
// Usage: lame_duck URL0 URL1 URL2
// The URLs are three routed cluster members whose lame duck grace period is
// short. The test puts member 0 in lame duck mode and starts it again.

#include "resil.h"

static const char *urls[3];

static int
port_of(const char *url)
{
    const char *colon = strrchr(url, ':');

    return (colon == NULL ? -1 : atoi(colon + 1));
}

static void
test_lame_duck_moves_client(void)
{
    natsOptions         *opts  = NULL;
    natsConnection      *nc    = NULL;
    natsConnection      *other = NULL;
    natsSubscription    *sub   = NULL;
    natsMsg             *msg   = NULL;
    rsEvents            ev;
    char                connected[256];
    char                events[RS_MAX_EVENTS + 1];
    const char          *ldm_at;
    bool                lame = false;

    rs_events_init(&ev);
    // Only member 0 is configured: the others join the pool from INFO.
    REQUIRE_OK(rs_create_options(&opts, urls[0], &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, nc, "rs.ldm"));
    REQUIRE_OK(natsConnection_Flush(nc));
    REQUIRE_OK(natsConnection_ConnectTo(&other, urls[2]));

    REQUIRE(rs_ctl("ldm 0"));
    lame = true;
    CHECK_MSG(rs_wait_count(&ev.lame_duck, 1, 5000),
              "no lame duck callback within 5 s of SIGUSR2");
    CHECK_MSG(rs_wait_count(&ev.reconnected, 1, 20000),
              "no reconnect within 20 s of lame duck mode");
    connected[0] = '\0';
    CHECK_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    CHECK_MSG((port_of(connected) == port_of(urls[1]))
              || (port_of(connected) == port_of(urls[2])),
              "connected to `%s`", connected);
    rs_events_copy(&ev, events, sizeof(events));
    rs_note("events %s", events);
    ldm_at = strchr(events, 'L');
    CHECK_MSG((ldm_at != NULL) && (strstr(ldm_at, "DR") != NULL),
              "expected the lame duck callback before disconnected and reconnected, got `%s`",
              events);
    CHECK_INT(atomic_load(&ev.lame_duck), 1);

    // The subscription moved with the client. Its interest reaches member 2
    // through a route some time after the resent SUB, so publish until a
    // message arrives (at most 50 tries, 100 ms apart).
    CHECK_OK(natsConnection_Flush(nc));
    {
        natsStatus  s = NATS_TIMEOUT;
        int         i;

        for (i = 0; (i < 50) && (s == NATS_TIMEOUT); i++)
        {
            CHECK_OK(natsConnection_PublishString(other, "rs.ldm", "moved"));
            CHECK_OK(natsConnection_Flush(other));
            s = natsSubscription_NextMsg(&msg, sub, 100);
        }
        CHECK_OK(s);
    }

cleanup:
    if (lame)
        CHECK(rs_ctl("start 0"));
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsConnection_Destroy(other);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

int
main(int argc, char **argv)
{
    urls[0] = rs_arg(argc, argv, 1, "URL0 URL1 URL2");
    urls[1] = rs_arg(argc, argv, 2, "URL0 URL1 URL2");
    urls[2] = rs_arg(argc, argv, 3, "URL0 URL1 URL2");
    rs_init();

    RUN_TEST(test_lame_duck_moves_client);

    nats_Close();
    return rs_finish();
}
