// Server pool tests. Servers announced in INFO `connect_urls` join the pool
// (unless ignored) and fire the discovered-servers callback. The pool order
// follows NoRandomize. A server that keeps failing leaves the pool after
// MaxReconnect attempts, and the connection closes when the pool is empty.
//
// Usage: server_pool URL0 URL1 URL2
// The URLs are three routed cluster members. Only member 0 runs when the
// program starts; the first test starts the other two.

#include "resil.h"

static const char *urls[3];

static int
port_of(const char *url)
{
    const char *colon = strrchr(url, ':');

    return (colon == NULL ? -1 : atoi(colon + 1));
}

// Returns the number of entries of `list` whose port is `port`.
static int
count_port(char **list, int count, int port)
{
    int found = 0;
    int i;

    for (i = 0; i < count; i++)
    {
        if (port_of(list[i]) == port)
            found++;
    }
    return found;
}

static void
free_list(char **list, int count)
{
    int i;

    for (i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

static void
print_list(const char *what, char **list, int count)
{
    int i;

    for (i = 0; i < count; i++)
        rs_note("%s[%d] = %s", what, i, list[i]);
}

// Members 1 and 2 start after the client connected to member 0: each new
// member's URL arrives in an async INFO, joins the pool, shows in
// GetDiscoveredServers and fires the discovered-servers callback.
static void
test_discovered_servers_join_pool(void)
{
    natsOptions     *opts       = NULL;
    natsConnection  *nc         = NULL;
    char            **servers   = NULL;
    char            **found     = NULL;
    int             count       = 0;
    int             found_count = 0;
    char            connected[256];
    rsEvents        ev;

    rs_events_init(&ev);
    REQUIRE_OK(rs_create_options(&opts, urls[0], &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_GetDiscoveredServers(nc, &found, &found_count));
    CHECK_INT(found_count, 0);
    free_list(found, found_count);
    found = NULL;

    REQUIRE(rs_ctl("start 1"));
    CHECK_MSG(rs_wait_count(&ev.discovered, 1, 10000),
              "no discovered-servers callback within 10 s of member 1 joining");
    REQUIRE_OK(natsConnection_GetDiscoveredServers(nc, &found, &found_count));
    CHECK_INT(count_port(found, found_count, port_of(urls[1])), 1);
    free_list(found, found_count);
    found = NULL;

    REQUIRE(rs_ctl("start 2"));
    CHECK_MSG(rs_wait_count(&ev.discovered, 2, 10000),
              "no second discovered-servers callback within 10 s of member 2 joining");
    REQUIRE_OK(natsConnection_GetDiscoveredServers(nc, &found, &found_count));
    CHECK_INT(count_port(found, found_count, port_of(urls[1])), 1);
    CHECK_INT(count_port(found, found_count, port_of(urls[2])), 1);
    CHECK_INT(count_port(found, found_count, port_of(urls[0])), 0);
    CHECK_INT(found_count, 2);

    REQUIRE_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 3);
    CHECK_INT(count_port(servers, count, port_of(urls[0])), 1);
    CHECK_INT(count_port(servers, count, port_of(urls[1])), 1);
    CHECK_INT(count_port(servers, count, port_of(urls[2])), 1);
    if (atomic_load(&rs_test_failures) > 0)
        print_list("servers", servers, count);

    // The discovered members are used: with member 0 gone the client
    // reconnects to one of them.
    REQUIRE(rs_ctl("kill 0"));
    CHECK_MSG(rs_wait_count(&ev.reconnected, 1, 10000),
              "no reconnect to a discovered server within 10 s");
    connected[0] = '\0';
    CHECK_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    CHECK_MSG((port_of(connected) == port_of(urls[1]))
              || (port_of(connected) == port_of(urls[2])),
              "connected to `%s`", connected);
    CHECK(rs_ctl("start 0"));

cleanup:
    if (servers != NULL)
        free_list(servers, count);
    if (found != NULL)
        free_list(found, found_count);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// With SetIgnoreDiscoveredServers the pool keeps only the configured URL,
// so the client waits for that server instead of moving to another member.
static void
test_ignore_discovered_servers(void)
{
    natsOptions     *opts       = NULL;
    natsConnection  *nc         = NULL;
    char            **servers   = NULL;
    char            **found     = NULL;
    int             count       = 0;
    int             found_count = 0;
    char            connected[256];
    rsEvents        ev;

    rs_events_init(&ev);
    REQUIRE_OK(rs_create_options(&opts, urls[0], &ev));
    REQUIRE_OK(natsOptions_SetIgnoreDiscoveredServers(opts, true));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));

    REQUIRE_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 1);
    CHECK_INT(count_port(servers, count, port_of(urls[0])), 1);
    REQUIRE_OK(natsConnection_GetDiscoveredServers(nc, &found, &found_count));
    CHECK_INT(found_count, 0);

    // A member that restarts is announced again; it must not join.
    REQUIRE(rs_ctl("restart 2"));
    rs_sleep_ms(500);
    CHECK_INT(atomic_load(&ev.discovered), 0);

    REQUIRE(rs_ctl("kill 0"));
    rs_sleep_ms(500);
    CHECK_INT(atomic_load(&ev.reconnected), 0);
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_RECONNECTING);
    REQUIRE(rs_ctl("start 0"));
    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    connected[0] = '\0';
    CHECK_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    CHECK_INT(port_of(connected), port_of(urls[0]));

cleanup:
    if (servers != NULL)
        free_list(servers, count);
    if (found != NULL)
        free_list(found, found_count);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// With NoRandomize, GetServers lists the configured URLs in the given order
// and a failed connect tries them in that order.
static void
test_no_randomize_keeps_order(void)
{
    rsListener      fake[3];
    natsOptions     *opts     = NULL;
    natsConnection  *nc       = NULL;
    char            **servers = NULL;
    int             count     = 0;
    char            list[512];
    int             started   = 0;
    int             i;

    for (i = 0; i < 3; i++)
    {
        REQUIRE(rs_listener_start(&fake[i], NULL, NULL));
        started++;
    }
    snprintf(list, sizeof(list), "nats://127.0.0.1:%d,nats://127.0.0.1:%d,"
             "nats://127.0.0.1:%d", fake[0].port, fake[1].port, fake[2].port);
    REQUIRE_OK(rs_create_options(&opts, list, NULL));
    // cnats 3.4.1 returns NATS_CONNECTION_CLOSED for a server that closes
    // the socket before INFO; only the failure matters here.
    CHECK(natsConnection_Connect(&nc, opts) != NATS_OK);
    for (i = 0; i < 3; i++)
        CHECK_INT(atomic_load(&fake[i].accepted), 1);
    CHECK_MSG((fake[0].accept_order[0] < fake[1].accept_order[0])
              && (fake[1].accept_order[0] < fake[2].accept_order[0]),
              "connect order %d, %d, %d", fake[0].accept_order[0],
              fake[1].accept_order[0], fake[2].accept_order[0]);
    natsOptions_Destroy(opts);
    opts = NULL;

    snprintf(list, sizeof(list), "%s,%s,%s", urls[2], urls[0], urls[1]);
    REQUIRE_OK(rs_create_options(&opts, list, NULL));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 3);
    if (count == 3)
    {
        CHECK_INT(port_of(servers[0]), port_of(urls[2]));
        CHECK_INT(port_of(servers[1]), port_of(urls[0]));
        CHECK_INT(port_of(servers[2]), port_of(urls[1]));
    }
    else
        print_list("servers", servers, count);

cleanup:
    if (servers != NULL)
        free_list(servers, count);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    for (i = 0; i < started; i++)
        rs_listener_stop(&fake[i]);
}

// Without NoRandomize the pool is shuffled: over 12 failed connects the
// first server tried is not always the same one. (All 12 picking the same
// of 3 servers at random has a probability of 3 * 3^-12, about 6e-6.)
static void
test_randomized_order_varies(void)
{
    rsListener      fake[3];
    natsOptions     *opts   = NULL;
    natsConnection  *nc     = NULL;
    char            list[512];
    int             firsts[3] = { 0, 0, 0 };
    int             started = 0;
    int             attempt;
    int             i;

    for (i = 0; i < 3; i++)
    {
        REQUIRE(rs_listener_start(&fake[i], NULL, NULL));
        started++;
    }
    snprintf(list, sizeof(list), "nats://127.0.0.1:%d,nats://127.0.0.1:%d,"
             "nats://127.0.0.1:%d", fake[0].port, fake[1].port, fake[2].port);
    REQUIRE_OK(natsOptions_Create(&opts));
    REQUIRE_OK(rs_set_servers(opts, list));
    for (attempt = 0; attempt < 12; attempt++)
    {
        int before[3];
        int first      = -1;
        int first_rank = 0;

        for (i = 0; i < 3; i++)
            before[i] = atomic_load(&fake[i].accepted);
        CHECK(natsConnection_Connect(&nc, opts) != NATS_OK);
        for (i = 0; i < 3; i++)
        {
            int n = atomic_load(&fake[i].accepted);
            int rank;

            CHECK_INT(n - before[i], 1);
            if ((n <= before[i]) || (before[i] >= 64))
                continue;
            rank = fake[i].accept_order[before[i]];
            if ((first < 0) || (rank < first_rank))
            {
                first = i;
                first_rank = rank;
            }
        }
        if (first >= 0)
            firsts[first]++;
    }
    rs_note("first server tried: %d, %d, %d times", firsts[0], firsts[1], firsts[2]);
    CHECK(firsts[0] < 12);
    CHECK(firsts[1] < 12);
    CHECK(firsts[2] < 12);

cleanup:
    natsOptions_Destroy(opts);
    for (i = 0; i < started; i++)
        rs_listener_stop(&fake[i]);
}

// A server that keeps failing is tried MaxReconnect times and then leaves
// the pool. When no server is left, the connection closes and the closed
// callback fires after the disconnected one, with no reconnect between.
static void
test_pool_empties_and_closes(void)
{
    rsListener      fake;
    natsOptions     *opts    = NULL;
    natsConnection  *nc      = NULL;
    char            **servers = NULL;
    int             count    = 0;
    char            list[512];
    char            events[RS_MAX_EVENTS + 1];
    int             started  = 0;
    rsEvents        ev;

    rs_events_init(&ev);
    REQUIRE(rs_listener_start(&fake, NULL, NULL));
    started = 1;
    snprintf(list, sizeof(list), "%s,nats://127.0.0.1:%d", urls[0], fake.port);
    REQUIRE_OK(rs_create_options(&opts, list, &ev));
    REQUIRE_OK(natsOptions_SetMaxReconnect(opts, 3));
    REQUIRE_OK(natsOptions_SetReconnectWait(opts, 50));
    // Keep members 1 and 2 out of the pool, so that it can run empty.
    REQUIRE_OK(natsOptions_SetIgnoreDiscoveredServers(opts, true));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    CHECK_INT(atomic_load(&fake.accepted), 0);

    REQUIRE(rs_ctl("kill 0"));
    CHECK_MSG(rs_wait_count(&ev.closed, 1, 15000),
              "the connection did not close within 15 s of its last server dying");
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    CHECK_INT(atomic_load(&fake.accepted), 3);
    // No further attempts after closing.
    rs_sleep_ms(300);
    CHECK_INT(atomic_load(&fake.accepted), 3);
    rs_events_copy(&ev, events, sizeof(events));
    CHECK_STR(events, "DX");
    // Every server left the pool (cnats 3.13 returns the empty pool).
    CHECK_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 0);
    CHECK(rs_ctl("start 0"));

cleanup:
    if (servers != NULL)
        free_list(servers, count);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    if (started)
        rs_listener_stop(&fake);
    rs_events_destroy(&ev);
}

// A server that failed MaxReconnect times leaves the pool even when the
// next server of the same reconnect accepts, and is not tried again on the
// next disconnect.
static void
test_failed_server_not_retried(void)
{
    rsListener      fake;
    natsOptions     *opts    = NULL;
    natsConnection  *nc      = NULL;
    char            **servers = NULL;
    int             count    = 0;
    char            list[512];
    char            connected[256];
    int             started  = 0;
    rsEvents        ev;

    rs_events_init(&ev);
    REQUIRE(rs_listener_start(&fake, NULL, NULL));
    started = 1;
    snprintf(list, sizeof(list), "%s,nats://127.0.0.1:%d,%s", urls[0], fake.port, urls[1]);
    REQUIRE_OK(rs_create_options(&opts, list, &ev));
    REQUIRE_OK(natsOptions_SetMaxReconnect(opts, 1));
    REQUIRE_OK(natsOptions_SetIgnoreDiscoveredServers(opts, true));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));

    // Member 0 dies: the fake server fails once, member 1 accepts.
    REQUIRE(rs_ctl("kill 0"));
    CHECK(rs_wait_count(&ev.reconnected, 1, 10000));
    CHECK_INT(atomic_load(&fake.accepted), 1);
    connected[0] = '\0';
    CHECK_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    CHECK_INT(port_of(connected), port_of(urls[1]));
    REQUIRE_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_MSG(count_port(servers, count, fake.port) == 0,
              "the failed server is still in the pool");
    if (atomic_load(&rs_test_failures) > 0)
        print_list("servers", servers, count);
    free_list(servers, count);
    servers = NULL;

    // Member 1 dies while member 0 is back: the client goes to member 0
    // without trying the dropped server again.
    REQUIRE(rs_ctl("start 0"));
    REQUIRE(rs_ctl("kill 1"));
    CHECK(rs_wait_count(&ev.reconnected, 2, 10000));
    CHECK_INT(atomic_load(&fake.accepted), 1);
    connected[0] = '\0';
    CHECK_OK(natsConnection_GetConnectedUrl(nc, connected, sizeof(connected)));
    CHECK_INT(port_of(connected), port_of(urls[0]));
    CHECK(rs_ctl("start 1"));

cleanup:
    if (servers != NULL)
        free_list(servers, count);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    if (started)
        rs_listener_stop(&fake);
    rs_events_destroy(&ev);
}

int
main(int argc, char **argv)
{
    urls[0] = rs_arg(argc, argv, 1, "URL0 URL1 URL2");
    urls[1] = rs_arg(argc, argv, 2, "URL0 URL1 URL2");
    urls[2] = rs_arg(argc, argv, 3, "URL0 URL1 URL2");
    rs_init();

    RUN_TEST(test_discovered_servers_join_pool);
    RUN_TEST(test_ignore_discovered_servers);
    RUN_TEST(test_no_randomize_keeps_order);
    RUN_TEST(test_randomized_order_varies);
    RUN_TEST(test_pool_empties_and_closes);
    RUN_TEST(test_failed_server_not_retried);

    nats_Close();
    return rs_finish();
}
