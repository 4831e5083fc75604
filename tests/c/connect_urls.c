// URL and server list tests: URL forms, comma-separated lists, server
// pools, unreachable servers, invalid URLs and IPv6.
//
// Usage:
//   connect_urls plain PORT DEAD_PORT   server on 127.0.0.1:PORT, and a port
//                                       with no listener
//   connect_urls ipv6  PORT             server listening on [::1]

#include "test_util.h"

static int          port;
static int          deadPort;
static char         url[128];

// ---------------------------------------------------------------------------
// plain mode
// ---------------------------------------------------------------------------

static void
free_servers(char **servers, int count)
{
    int i;

    for (i = 0; i < count; i++)
        free(servers[i]);
    free(servers);
}

static void
test_default_url_macro(void)
{
    CHECK_STR(NATS_DEFAULT_URL, "nats://localhost:4222");
}

static void
test_url_forms(void)
{
    natsConnection  *nc = NULL;
    char            buf[256];
    char            form[256];

    // Without a scheme.
    snprintf(form, sizeof(form), "127.0.0.1:%d", port);
    CHECK_OK(natsConnection_ConnectTo(&nc, form));
    tu_check_usable(nc);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, url);
    natsConnection_Destroy(nc);
    nc = NULL;

    // Surrounding spaces are trimmed.
    snprintf(form, sizeof(form), "  %s  ", url);
    CHECK_OK(natsConnection_ConnectTo(&nc, form));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    nc = NULL;

    // "localhost" resolves to the loopback address.
    snprintf(form, sizeof(form), "nats://localhost:%d", port);
    CHECK_OK(natsConnection_ConnectTo(&nc, form));
    tu_check_usable(nc);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, form);
    natsConnection_Destroy(nc);
}

static void
test_comma_separated_urls(void)
{
    natsConnection  *nc      = NULL;
    char            **servers = NULL;
    int             count    = 0;
    char            list[512];
    char            dead[256];
    char            buf[256];

    tu_make_url(dead, sizeof(dead), NULL, "127.0.0.1", deadPort);

    // Whatever the (random) order, the live server is found.
    snprintf(list, sizeof(list), "%s,%s", dead, url);
    CHECK_OK(natsConnection_ConnectTo(&nc, list));
    tu_check_usable(nc);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, url);
    CHECK_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 2);
    free_servers(servers, count);
    natsConnection_Destroy(nc);
    nc = NULL;

    // Spaces around the commas are trimmed.
    snprintf(list, sizeof(list), "%s , %s", url, dead);
    CHECK_OK(natsConnection_ConnectTo(&nc, list));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    nc = NULL;

    // Only dead servers in the list.
    snprintf(list, sizeof(list), "%s,%s", dead, dead);
    CHECK_ERR(natsConnection_ConnectTo(&nc, list), NATS_NO_SERVER);
    CHECK(nc == NULL);
}

static void
test_set_servers(void)
{
    natsOptions     *opts     = NULL;
    natsConnection  *nc       = NULL;
    char            **servers = NULL;
    int             count     = 0;
    char            dead[256];
    char            other[256];
    const char      *list[2];

    tu_make_url(dead, sizeof(dead), NULL, "127.0.0.1", deadPort);
    tu_make_url(other, sizeof(other), NULL, "127.0.0.2", deadPort);

    // With no randomization, the pool keeps the given order.
    list[0] = dead;
    list[1] = url;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetNoRandomize(opts, true));
    CHECK_OK(natsOptions_SetServers(opts, list, 2));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    CHECK_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 2);
    if (count == 2)
    {
        CHECK_STR(servers[0], dead);
        CHECK_STR(servers[1], url);
    }
    free_servers(servers, count);
    servers = NULL;
    count = 0;
    // No server was discovered through the INFO protocol.
    CHECK_OK(natsConnection_GetDiscoveredServers(nc, &servers, &count));
    CHECK_INT(count, 0);
    free_servers(servers, count);
    servers = NULL;
    count = 0;
    natsConnection_Destroy(nc);
    nc = NULL;

    // The URL option is always tried first, before the server list.
    list[0] = dead;
    list[1] = other;
    CHECK_OK(natsOptions_SetNoRandomize(opts, false));
    CHECK_OK(natsOptions_SetServers(opts, list, 2));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    CHECK_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK_INT(count, 3);
    if (count == 3)
        CHECK_STR(servers[0], url);
    free_servers(servers, count);
    natsConnection_Destroy(nc);
    nc = NULL;

    // Clearing the list and the URL falls back to NATS_DEFAULT_URL. Only the
    // option calls are checked, because nothing may listen on port 4222.
    CHECK_OK(natsOptions_SetServers(opts, NULL, 0));
    CHECK_OK(natsOptions_SetURL(opts, NULL));
    natsOptions_Destroy(opts);
}

static void
test_no_server(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            dead[256];

    tu_make_url(dead, sizeof(dead), NULL, "127.0.0.1", deadPort);
    CHECK_ERR(natsConnection_ConnectTo(&nc, dead), NATS_NO_SERVER);
    CHECK(nc == NULL);
    CHECK_CONTAINS(nats_GetLastError(NULL), "No server available");

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, dead));
    CHECK_ERR(natsConnection_Connect(&nc, opts), NATS_NO_SERVER);
    CHECK(nc == NULL);
    natsOptions_Destroy(opts);
}

static void
test_invalid_urls(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    // NOTE: empty and all-space URLs are left out. cnats (3.4.1 and 3.13)
    // trims them by reading before the start of the string, which may crash,
    // so there is no behavior to match.
    const char      *bad[] = {
        "nats://127.0.0.1:notaport",
        "nats://127.0.0.1:-1",
        "nats://127.0.0.1:12ab",
        "nats://127.0.0.1:99999999999",
    };
    int             i;

    for (i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
    {
        nc = NULL;
        CHECK_ERR(natsConnection_ConnectTo(&nc, bad[i]), NATS_INVALID_ARG);
        CHECK(nc == NULL);
    }

    // natsOptions_SetURL stores the URL without parsing it: the error comes
    // from natsConnection_Connect.
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, "nats://127.0.0.1:notaport"));
    nc = NULL;
    CHECK_ERR(natsConnection_Connect(&nc, opts), NATS_INVALID_ARG);
    CHECK(nc == NULL);

    // An invalid URL anywhere in the server list fails the connect.
    {
        const char *list[] = { url, "nats://127.0.0.1:bad" };

        CHECK_OK(natsOptions_SetURL(opts, NULL));
        CHECK_OK(natsOptions_SetServers(opts, list, 2));
        CHECK_ERR(natsConnection_Connect(&nc, opts), NATS_INVALID_ARG);
        CHECK(nc == NULL);
    }
    natsOptions_Destroy(opts);
}

static void
run_plain_tests(void)
{
    tu_make_url(url, sizeof(url), NULL, "127.0.0.1", port);
    RUN_TEST(test_default_url_macro);
    RUN_TEST(test_url_forms);
    RUN_TEST(test_comma_separated_urls);
    RUN_TEST(test_set_servers);
    RUN_TEST(test_no_server);
    RUN_TEST(test_invalid_urls);
}

// ---------------------------------------------------------------------------
// ipv6 mode
// ---------------------------------------------------------------------------

static void
test_ipv6_url(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            buf[256];
    char            form[256];

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    tu_check_usable(nc);
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
        CHECK_STR(buf, url);
    }
    natsConnection_Destroy(nc);
    nc = NULL;

    snprintf(form, sizeof(form), "[::1]:%d", port);
    CHECK_OK(natsConnection_ConnectTo(&nc, form));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    nc = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_IPResolutionOrder(opts, 6));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
run_ipv6_tests(void)
{
    tu_make_url(url, sizeof(url), NULL, "[::1]", port);
    RUN_TEST(test_ipv6_url);
}

int
main(int argc, char **argv)
{
    const char  *usage = "plain PORT DEAD_PORT | ipv6 PORT";
    const char  *mode  = tu_arg(argc, argv, 1, usage);

    tu_start_watchdog();
    tu_open_library();
    port = atoi(tu_arg(argc, argv, 2, usage));

    if (strcmp(mode, "plain") == 0)
    {
        deadPort = atoi(tu_arg(argc, argv, 3, usage));
        run_plain_tests();
    }
    else if (strcmp(mode, "ipv6") == 0)
        run_ipv6_tests();
    else
    {
        fprintf(stderr, "unknown mode '%s'; usage: %s %s\n", mode, argv[0], usage);
        return 2;
    }

    nats_Close();
    return tu_finish();
}
