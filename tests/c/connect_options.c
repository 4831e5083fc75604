// Connection information and option tests: connected URL, server id, max
// payload, client id, the closed state, and the effect of each option.
//
// Usage: connect_options URL

#include "test_util.h"

static const char *url;
// The server port, taken from the end of the URL.
static int        port;

static void
test_connection_info(void)
{
    natsConnection  *nc  = tu_connect(url);
    char            buf[256];
    uint64_t        cid  = 0;
    int64_t         rtt  = 0;

    if (nc == NULL)
        return;

    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    CHECK(!natsConnection_IsClosed(nc));
    CHECK(!natsConnection_IsReconnecting(nc));
    CHECK(!natsConnection_IsDraining(nc));

    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, url);
    CHECK_ERR(natsConnection_GetConnectedUrl(nc, buf, 5), NATS_INSUFFICIENT_BUFFER);

    // Server ids are 56-character public keys starting with 'N'.
    CHECK_OK(natsConnection_GetConnectedServerId(nc, buf, sizeof(buf)));
    CHECK_INT(strlen(buf), 56);
    CHECK(buf[0] == 'N');
    CHECK_ERR(natsConnection_GetConnectedServerId(nc, buf, 10), NATS_INSUFFICIENT_BUFFER);

    // nats-server's default max_payload is 1 MiB.
    CHECK_INT(natsConnection_GetMaxPayload(nc), 1024 * 1024);

    CHECK_OK(natsConnection_GetClientID(nc, &cid));
    CHECK(cid > 0);

    CHECK_OK(natsConnection_GetRTT(nc, &rtt));
    CHECK(rtt > 0);

    CHECK(natsConnection_Buffered(nc) >= 0);
    CHECK_OK(natsConnection_HasHeaderSupport(nc));

    {
        char    *ip = NULL;
        int     localPort = 0;

        CHECK_OK(natsConnection_GetClientIP(nc, &ip));
        CHECK_STR(ip, "127.0.0.1");
        free(ip);
        ip = NULL;
        CHECK_OK(natsConnection_GetLocalIPAndPort(nc, &ip, &localPort));
        CHECK_STR(ip, "127.0.0.1");
        CHECK(localPort > 0);
        CHECK(localPort != port);
        free(ip);
    }
    natsConnection_Destroy(nc);
}

static void
test_closed_connection(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    char                buf[256];
    uint64_t            cid   = 0;

    if (nc == NULL)
        return;

    natsConnection_Close(nc);
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    CHECK(natsConnection_IsClosed(nc));

    CHECK_ERR(natsConnection_Publish(nc, "closed", "x", 1), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_PublishString(nc, "closed", "x"), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_PublishRequestString(nc, "closed", "reply", "x"),
              NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_Flush(nc), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_FlushTimeout(nc, 1000), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_SubscribeSync(&sub, nc, "closed"), NATS_CONNECTION_CLOSED);
    CHECK(sub == NULL);
    CHECK_ERR(natsConnection_RequestString(&msg, nc, "closed", "x", 100),
              NATS_CONNECTION_CLOSED);
    CHECK(msg == NULL);
    // GetClientID reports the closed state without recording a last error.
    CHECK_STATUS(natsConnection_GetClientID(nc, &cid), NATS_CONNECTION_CLOSED);
    // The connected URL and server id are empty (and not an error) once closed.
    strcpy(buf, "not cleared");
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, "");
    strcpy(buf, "not cleared");
    CHECK_OK(natsConnection_GetConnectedServerId(nc, buf, sizeof(buf)));
    CHECK_STR(buf, "");
    CHECK_INT(natsConnection_Buffered(nc), -1);

    // Closing again is harmless.
    natsConnection_Close(nc);
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    natsConnection_Destroy(nc);
}

static void
test_option_name_and_timeout(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetName(opts, "c-api-test-client"));
    CHECK_OK(natsOptions_SetTimeout(opts, 1500));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
#if TU_CNATS_3_13
    CHECK_STR(natsConnection_GetName(nc), "c-api-test-client");
#endif
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

// Publishes 10 messages on `nc` and checks that a subscriber on the same
// connection gets them all.
static void
check_roundtrip(natsConnection *nc, const char *subject)
{
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;
    int                 i;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, subject));
    for (i = 0; i < 10; i++)
        CHECK_OK(natsConnection_PublishString(nc, subject, "payload"));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 10; i++)
    {
        msg = NULL;
        CHECK_OK(natsSubscription_NextMsg(&msg, sub, 2000));
        if (msg != NULL)
            CHECK_STR(natsMsg_GetData(msg), "payload");
        natsMsg_Destroy(msg);
    }
    natsSubscription_Destroy(sub);
}

static void
test_option_verbose_and_pedantic(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    // Verbose makes the server acknowledge every protocol message with +OK,
    // which the client must consume.
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetVerbose(opts, true));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    if (nc != NULL)
        check_roundtrip(nc, "verbose.subject");
    natsConnection_Destroy(nc);
    nc = NULL;

    CHECK_OK(natsOptions_SetVerbose(opts, false));
    CHECK_OK(natsOptions_SetPedantic(opts, true));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    if (nc != NULL)
        check_roundtrip(nc, "pedantic.subject");
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_option_no_echo(void)
{
    natsOptions         *opts  = NULL;
    natsConnection      *nc    = NULL;
    natsConnection      *other = NULL;
    natsSubscription    *sub   = NULL;
    natsMsg             *msg   = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetNoEcho(opts, true));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    other = tu_connect(url);
    if ((nc == NULL) || (other == NULL))
    {
        natsConnection_Destroy(nc);
        natsConnection_Destroy(other);
        natsOptions_Destroy(opts);
        return;
    }

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "echo.subject"));
    CHECK_OK(natsConnection_Flush(nc));

    // The connection's own message is not delivered back to it.
    CHECK_OK(natsConnection_PublishString(nc, "echo.subject", "own"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 300), NATS_TIMEOUT);
    CHECK(msg == NULL);

    // Messages from another connection still are.
    CHECK_OK(natsConnection_PublishString(other, "echo.subject", "other"));
    CHECK_OK(natsConnection_Flush(other));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 2000));
    if (msg != NULL)
        CHECK_STR(natsMsg_GetData(msg), "other");
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(other);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_option_ping_interval(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    // Pings every 100 ms for 0.8 s. The server replies to each one, so the
    // connection is never considered stale. Five pings may be outstanding,
    // which leaves room for a slow machine (or valgrind).
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetPingInterval(opts, 100));
    CHECK_OK(natsOptions_SetMaxPingsOut(opts, 5));
    CHECK_OK(natsOptions_SetAllowReconnect(opts, false));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    tu_sleep_ms(800);
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_option_io_buf_size(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    char                *data = NULL;
    const int           size  = 100 * 1024;
    int                 i;

    // A buffer much smaller than the message still carries it intact.
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetIOBufSize(opts, 128));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    if (nc == NULL)
    {
        natsOptions_Destroy(opts);
        return;
    }

    data = malloc(size);
    for (i = 0; i < size; i++)
        data[i] = (char) ('a' + (i % 26));

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "iobuf.subject"));
    CHECK_OK(natsConnection_Publish(nc, "iobuf.subject", data, size));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 2000));
    if (msg != NULL)
    {
        CHECK_INT(natsMsg_GetDataLength(msg), size);
        CHECK(memcmp(natsMsg_GetData(msg), data, size) == 0);
    }
    natsMsg_Destroy(msg);
    free(data);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_option_validation(void)
{
    natsOptions *opts = NULL;
    const char  *one[] = { "nats://127.0.0.1:4222" };

    CHECK_OK(natsOptions_Create(&opts));

    CHECK_ERR(natsOptions_SetTimeout(opts, -1), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetTimeout(opts, 0));
    CHECK_ERR(natsOptions_SetIOBufSize(opts, -1), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetIOBufSize(opts, 0));
    CHECK_ERR(natsOptions_SetReconnectWait(opts, -1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectBufSize(opts, -1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectJitter(opts, -1, 0), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectJitter(opts, 0, -1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMaxPendingMsgs(opts, 0), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMaxPendingMsgs(opts, -1), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetMaxPendingMsgs(opts, 1));
    CHECK_ERR(natsOptions_SetWriteDeadline(opts, -1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetServers(opts, one, 0), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetServers(opts, one, -1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetServers(opts, NULL, 1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_IPResolutionOrder(opts, 5), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_IPResolutionOrder(opts, 64));
    CHECK_ERR(natsOptions_SetCustomInboxPrefix(opts, "bad..prefix"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCustomInboxPrefix(opts, "wild.*"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCustomInboxPrefix(opts, "has space"), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetCustomInboxPrefix(opts, "my.inbox"));
    CHECK_OK(natsOptions_SetCustomInboxPrefix(opts, NULL));
#if TU_CNATS_3_13
    CHECK_ERR(natsOptions_SetMaxPendingBytes(opts, 0), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMaxPendingBytes(opts, -1), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetMaxPendingBytes(opts, 1024));
    CHECK_ERR(natsOptions_SetMessageBufferPadding(opts, -1), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetMessageBufferPadding(opts, 0));
#endif

    // cnats accepts any ping interval, max pings out and max reconnect,
    // including zero and negative values.
    CHECK_OK(natsOptions_SetPingInterval(opts, 0));
    CHECK_OK(natsOptions_SetPingInterval(opts, -1));
    CHECK_OK(natsOptions_SetMaxPingsOut(opts, 0));
    CHECK_OK(natsOptions_SetMaxPingsOut(opts, -1));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetName(opts, NULL));
    CHECK_OK(natsOptions_SetUserInfo(opts, NULL, NULL));
    CHECK_OK(natsOptions_SetToken(opts, NULL));

    natsOptions_Destroy(opts);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    port = atoi(strrchr(url, ':') + 1);
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_connection_info);
    RUN_TEST(test_closed_connection);
    RUN_TEST(test_option_name_and_timeout);
    RUN_TEST(test_option_verbose_and_pedantic);
    RUN_TEST(test_option_no_echo);
    RUN_TEST(test_option_ping_interval);
    RUN_TEST(test_option_io_buf_size);
    RUN_TEST(test_option_validation);

    nats_Close();
    return tu_finish();
}
