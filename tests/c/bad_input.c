// Invalid input tests: NULL handles and NULL required arguments, invalid
// subjects and queue names, calls on a closed connection, NextMsg on an
// async subscription, and *_Destroy(NULL).
//
// Each expected status was read from the cnats 3.13 source. CHECK_ERR also
// checks that the call recorded the status as the thread's last error.
// Arguments cnats dereferences without checking (for example the output
// pointer of natsOptions_Create or natsConnection_Subscribe) are not
// tested: cnats crashes on them.
//
// Usage: bad_input URL

#include "test_util.h"

static const char *url;

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    natsMsg_Destroy(msg);
}

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
}

static void
on_conn_event(natsConnection *nc, void *closure)
{
}

static const char *
on_token(void *closure)
{
    return "token";
}

static int64_t
on_reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
    return 10;
}

static natsStatus
on_user_jwt(char **userJWT, char **customErrTxt, void *closure)
{
    return NATS_ERR;
}

static natsStatus
on_signature(char **customErrTxt, unsigned char **signature, int *signatureLength,
             const char *nonce, void *closure)
{
    return NATS_ERR;
}

static void
test_destroy_null(void)
{
    // None of these may crash or fail.
    natsOptions_Destroy(NULL);
    natsConnection_Close(NULL);
    natsConnection_Destroy(NULL);
    natsSubscription_Destroy(NULL);
    natsMsg_Destroy(NULL);
    natsMsgList_Destroy(NULL);
    natsStatistics_Destroy(NULL);
    natsInbox_Destroy(NULL);
    CHECK(true);
}

static void
test_null_options(void)
{
    const char *servers[] = { "nats://127.0.0.1:4222" };

    CHECK_ERR(natsOptions_SetURL(NULL, "nats://127.0.0.1:4222"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetServers(NULL, servers, 1), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNoRandomize(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetTimeout(NULL, 1000), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetName(NULL, "name"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetUserInfo(NULL, "user", "pass"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetToken(NULL, "token"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetTokenHandler(NULL, on_token, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetVerbose(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetPedantic(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetPingInterval(NULL, 1000), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMaxPingsOut(NULL, 2), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetIOBufSize(NULL, 1024), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetAllowReconnect(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMaxReconnect(NULL, 5), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectWait(NULL, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectJitter(NULL, 10, 10), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCustomReconnectDelay(NULL, on_reconnect_delay, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectBufSize(NULL, 1024), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMaxPendingMsgs(NULL, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetErrorHandler(NULL, on_error, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetClosedCB(NULL, on_conn_event, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetDisconnectedCB(NULL, on_conn_event, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetReconnectedCB(NULL, on_conn_event, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetDiscoveredServersCB(NULL, on_conn_event, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetIgnoreDiscoveredServers(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetLameDuckModeCB(NULL, on_conn_event, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNoEcho(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetRetryOnFailedConnect(NULL, true, on_conn_event, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_UseOldRequestStyle(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetFailRequestsOnDisconnect(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetSendAsap(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_UseGlobalMessageDelivery(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_IPResolutionOrder(NULL, 4), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_DisableNoResponders(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCustomInboxPrefix(NULL, "prefix"), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetWriteDeadline(NULL, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetUserCredentialsFromFiles(NULL, "user.creds", NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetUserCredentialsCallbacks(NULL, on_user_jwt, NULL,
                                                      on_signature, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNKey(NULL, "UPUBKEY", on_signature, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNKeyFromSeed(NULL, "UPUBKEY", "seed.nk"), NATS_INVALID_ARG);
#if TU_CNATS_3_13
    CHECK_ERR(natsOptions_SetMaxPendingBytes(NULL, 1024), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetIgnoreAuthErrorAbort(NULL, true), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetMessageBufferPadding(NULL, 8), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetUserCredentialsFromMemory(NULL, "creds"), NATS_INVALID_ARG);
#endif
}

static void
test_option_argument_combinations(void)
{
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    if (opts == NULL)
        return;
    // Callbacks that must be set together.
    CHECK_ERR(natsOptions_SetUserCredentialsCallbacks(opts, on_user_jwt, NULL, NULL, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetUserCredentialsCallbacks(opts, NULL, NULL, on_signature, NULL),
              NATS_INVALID_ARG);
    CHECK_OK(natsOptions_SetUserCredentialsCallbacks(opts, NULL, NULL, NULL, NULL));
    CHECK_ERR(natsOptions_SetNKey(opts, "UPUBKEY", NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNKeyFromSeed(opts, "UPUBKEY", NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNKeyFromSeed(opts, "UPUBKEY", ""), NATS_INVALID_ARG);
    // A seed file without a user file.
    CHECK_ERR(natsOptions_SetUserCredentialsFromFiles(opts, NULL, "seed.nk"),
              NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

static void
test_null_connection(void)
{
    natsSubscription    *sub   = NULL;
    natsMsg             *reply = NULL;
    natsMsg             *msg   = NULL;
    natsStatistics      *stats = NULL;
    char                buf[64];
    char                **servers = NULL;
    int                 count  = 0;
    uint64_t            cid    = 0;
    int64_t             rtt    = 0;
    char                *ip    = NULL;
    int                 port   = 0;
    const char          *txt   = NULL;

    CHECK_OK(natsMsg_Create(&msg, "subject", NULL, "x", 1));
    CHECK_OK(natsStatistics_Create(&stats));

    CHECK_ERR(natsConnection_Publish(NULL, "subject", "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishString(NULL, "subject", "x"), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishMsg(NULL, msg), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishRequest(NULL, "subject", "reply", "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishRequestString(NULL, "subject", "reply", "x"),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_Request(&reply, NULL, "subject", "x", 1, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_RequestString(&reply, NULL, "subject", "x", 100), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_RequestMsg(&reply, NULL, msg, 100), NATS_INVALID_ARG);
    CHECK(reply == NULL);

    CHECK_ERR(natsConnection_Subscribe(&sub, NULL, "subject", on_msg, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SubscribeSync(&sub, NULL, "subject"), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SubscribeTimeout(&sub, NULL, "subject", 100, on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribe(&sub, NULL, "subject", "queue", on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribeSync(&sub, NULL, "subject", "queue"),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribeTimeout(&sub, NULL, "subject", "queue", 100,
                                                   on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK(sub == NULL);

    CHECK_ERR(natsConnection_Flush(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_FlushTimeout(NULL, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetStats(NULL, stats), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetConnectedUrl(NULL, buf, sizeof(buf)), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetConnectedServerId(NULL, buf, sizeof(buf)), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetServers(NULL, &servers, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetDiscoveredServers(NULL, &servers, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetClientID(NULL, &cid), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetClientIP(NULL, &ip), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetRTT(NULL, &rtt), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetLocalIPAndPort(NULL, &ip, &port), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_HasHeaderSupport(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetLastError(NULL, &txt), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_Drain(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_DrainTimeout(NULL, 100), NATS_INVALID_ARG);
#if TU_CNATS_3_13
    CHECK_ERR(natsConnection_ReadLastError(NULL, buf, sizeof(buf)), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_Reconnect(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_Send(NULL, "subject", "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SendMsg(NULL, msg), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SendRequest(NULL, "subject", "reply", "x", 1), NATS_INVALID_ARG);
    CHECK(natsConnection_GetName(NULL) == NULL);
#endif

    // Queries without a status return a fixed value for NULL.
#if TU_CNATS_3_13
    // cnats before 3.7 returned NATS_INVALID_ARG (16) as the byte count.
    CHECK_INT(natsConnection_Buffered(NULL), -1);
#endif
    CHECK_INT(natsConnection_GetMaxPayload(NULL), 0);
    CHECK(natsConnection_IsClosed(NULL));
    CHECK(!natsConnection_IsReconnecting(NULL));
    CHECK(!natsConnection_IsDraining(NULL));
    CHECK_INT(natsConnection_Status(NULL), NATS_CONN_STATUS_CLOSED);

    natsStatistics_Destroy(stats);
    natsMsg_Destroy(msg);
}

static void
test_null_required_arguments(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sub   = NULL;
    natsMsg             *reply = NULL;
    char                **servers = NULL;
    int                 count  = 0;
    char                *ip    = NULL;
    int                 port   = 0;
    const char          *txt   = NULL;

    if (nc == NULL)
        return;

    CHECK_ERR(natsConnection_Subscribe(&sub, nc, "subject", NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SubscribeTimeout(&sub, nc, "subject", 100, NULL, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SubscribeTimeout(&sub, nc, "subject", 0, on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SubscribeTimeout(&sub, nc, "subject", -1, on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribe(&sub, nc, "subject", NULL, on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribe(&sub, nc, "subject", "", on_msg, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribe(&sub, nc, "subject", "queue", NULL, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribeSync(&sub, nc, "subject", NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribeSync(&sub, nc, "subject", ""), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_QueueSubscribeTimeout(&sub, nc, "subject", "queue", 0, on_msg,
                                                   NULL),
              NATS_INVALID_ARG);
    CHECK(sub == NULL);

    CHECK_ERR(natsConnection_PublishRequest(nc, "subject", NULL, "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishRequest(nc, "subject", "", "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishRequestString(nc, "subject", NULL, "x"), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_PublishRequestString(nc, "subject", "", "x"), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_Request(NULL, nc, "subject", "x", 1, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_RequestString(NULL, nc, "subject", "x", 100), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_RequestMsg(&reply, nc, NULL, 100), NATS_INVALID_ARG);
    CHECK(reply == NULL);
#if TU_CNATS_3_13
    // cnats 3.4.1 dereferences the NULL message.
    CHECK_ERR(natsConnection_PublishMsg(nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SendMsg(nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_SendRequest(nc, "subject", NULL, "x", 1), NATS_INVALID_ARG);
#endif

    CHECK_ERR(natsConnection_GetStats(nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetConnectedUrl(nc, NULL, 10), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetConnectedServerId(nc, NULL, 10), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetServers(nc, NULL, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetServers(nc, &servers, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetDiscoveredServers(nc, NULL, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetClientID(nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetClientIP(nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetRTT(nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetLocalIPAndPort(nc, NULL, &port), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_GetLocalIPAndPort(nc, &ip, NULL), NATS_INVALID_ARG);
    CHECK(ip == NULL);

    // A healthy connection has no connection-level error.
    CHECK_OK(natsConnection_GetLastError(nc, &txt));
    CHECK_STR(txt, "");

    natsConnection_Destroy(nc);
}

static void
test_invalid_subjects(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sub   = NULL;
    natsMsg             *reply = NULL;
    const char          *bad[] = {
        "", "foo bar", "foo\tbar", "foo..bar", ".foo", "foo.", "foo.>.bar", ">.foo",
    };
    const char          *good[] = { "foo", "foo.*", "foo.>", ">", "*", "*.bar.*" };
    int                 i;

    if (nc == NULL)
        return;

    for (i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
    {
        CHECK_ERR(natsConnection_SubscribeSync(&sub, nc, bad[i]), NATS_INVALID_SUBJECT);
        CHECK_ERR(natsConnection_Subscribe(&sub, nc, bad[i], on_msg, NULL),
                  NATS_INVALID_SUBJECT);
        CHECK_ERR(natsConnection_QueueSubscribeSync(&sub, nc, bad[i], "queue"),
                  NATS_INVALID_SUBJECT);
        CHECK(sub == NULL);
    }
    CHECK_ERR(natsConnection_SubscribeSync(&sub, nc, NULL), NATS_INVALID_SUBJECT);
    CHECK(sub == NULL);

    for (i = 0; i < (int) (sizeof(good) / sizeof(good[0])); i++)
    {
        sub = NULL;
        CHECK_OK(natsConnection_SubscribeSync(&sub, nc, good[i]));
        natsSubscription_Destroy(sub);
    }
    sub = NULL;

    // Queue names must be non-empty and without white space.
    CHECK_ERR(natsConnection_QueueSubscribeSync(&sub, nc, "subject", "bad queue"),
              NATS_INVALID_QUEUE_NAME);
    CHECK_ERR(natsConnection_QueueSubscribe(&sub, nc, "subject", "bad\tqueue", on_msg, NULL),
              NATS_INVALID_QUEUE_NAME);
    CHECK(sub == NULL);

    // Publishing checks only that the subject is present.
    CHECK_ERR(natsConnection_Publish(nc, NULL, "x", 1), NATS_INVALID_SUBJECT);
    CHECK_ERR(natsConnection_Publish(nc, "", "x", 1), NATS_INVALID_SUBJECT);
    CHECK_ERR(natsConnection_PublishString(nc, NULL, "x"), NATS_INVALID_SUBJECT);
    CHECK_ERR(natsConnection_PublishRequestString(nc, "", "reply", "x"), NATS_INVALID_SUBJECT);
    CHECK_ERR(natsConnection_RequestString(&reply, nc, NULL, "x", 100), NATS_INVALID_SUBJECT);
    CHECK_ERR(natsConnection_RequestString(&reply, nc, "", "x", 100), NATS_INVALID_SUBJECT);
    CHECK(reply == NULL);

    natsConnection_Destroy(nc);
}

static void
test_null_subscription(void)
{
    natsMsg     *msg   = NULL;
    uint64_t    queued = 0;
    int         msgs   = 0;
    int         bytes  = 0;
    int64_t     n      = 0;

    CHECK_ERR(natsSubscription_NextMsg(&msg, NULL, 10), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_Unsubscribe(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_AutoUnsubscribe(NULL, 1), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_QueuedMsgs(NULL, &queued), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetPending(NULL, &msgs, &bytes), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_SetPendingLimits(NULL, 10, 10), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetPendingLimits(NULL, &msgs, &bytes), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetDelivered(NULL, &n), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetDropped(NULL, &n), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetMaxPending(NULL, &msgs, &bytes), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_ClearMaxPending(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetStats(NULL, &msgs, &bytes, NULL, NULL, NULL, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_NoDeliveryDelay(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_Drain(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_DrainTimeout(NULL, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_WaitForDrainCompletion(NULL, 100), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_DrainCompletionStatus(NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_SetOnCompleteCB(NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(msg == NULL);

    CHECK_INT(natsSubscription_GetID(NULL), 0);
    CHECK(natsSubscription_GetSubject(NULL) == NULL);
    CHECK(!natsSubscription_IsValid(NULL));
#if TU_CNATS_3_13
    CHECK(natsSubscription_GetConnection(NULL) == NULL);
#endif
}

static void
test_null_subscription_outputs(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "outputs.subject"));
    CHECK_ERR(natsSubscription_NextMsg(NULL, sub, 10), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_QueuedMsgs(sub, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetDelivered(sub, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_GetDropped(sub, NULL), NATS_INVALID_ARG);
    // Draining was never started.
    CHECK_ERR(natsSubscription_WaitForDrainCompletion(sub, 100), NATS_ILLEGAL_STATE);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_null_messages(void)
{
    natsMsg         *msg     = NULL;
    natsStatistics  *stats   = NULL;
    uint64_t        n        = 0;

    CHECK_ERR(natsMsg_Create(&msg, NULL, NULL, "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_Create(&msg, "", NULL, "x", 1), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_Create(&msg, "subject", "", "x", 1), NATS_INVALID_ARG);
    CHECK(msg == NULL);

    CHECK(natsMsg_GetSubject(NULL) == NULL);
    CHECK(natsMsg_GetReply(NULL) == NULL);
    CHECK(natsMsg_GetData(NULL) == NULL);
    CHECK_INT(natsMsg_GetDataLength(NULL), 0);
    CHECK(!natsMsg_IsNoResponders(NULL));

    CHECK_ERR(natsStatistics_GetCounts(NULL, &n, &n, &n, &n, &n), NATS_INVALID_ARG);
    CHECK_OK(natsStatistics_Create(&stats));
    natsStatistics_Destroy(stats);

    CHECK_STATUS(nats_GetLastErrorStack(NULL, 0), NATS_INVALID_ARG);
}

static void
test_closed_connection_calls(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sync  = NULL;
    natsSubscription    *async = NULL;
    natsSubscription    *sub   = NULL;
    natsMsg             *msg   = NULL;
    natsMsg             *reply = NULL;
    char                *ip    = NULL;
    int                 port   = 0;
    int64_t             rtt    = 0;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, "closed.sync"));
    CHECK_OK(natsConnection_Subscribe(&async, nc, "closed.async", on_msg, NULL));
    CHECK_OK(natsMsg_Create(&msg, "closed.subject", NULL, "x", 1));
    natsConnection_Close(nc);

    CHECK_ERR(natsConnection_Publish(nc, "closed.subject", "x", 1), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_PublishMsg(nc, msg), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_PublishRequest(nc, "closed.subject", "reply", "x", 1),
              NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_Request(&reply, nc, "closed.subject", "x", 1, 100),
              NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_RequestMsg(&reply, nc, msg, 100), NATS_CONNECTION_CLOSED);
    CHECK(reply == NULL);
    CHECK_ERR(natsConnection_Subscribe(&sub, nc, "closed.new", on_msg, NULL),
              NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_QueueSubscribeSync(&sub, nc, "closed.new", "queue"),
              NATS_CONNECTION_CLOSED);
    CHECK(sub == NULL);
    CHECK_ERR(natsConnection_Flush(nc), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_Drain(nc), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_GetRTT(nc, &rtt), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_GetClientIP(nc, &ip), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_GetLocalIPAndPort(nc, &ip, &port), NATS_CONNECTION_CLOSED);
    CHECK(ip == NULL);
#if TU_CNATS_3_13
    CHECK_ERR(natsConnection_Reconnect(nc), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsConnection_Send(nc, "closed.subject", "x", 1), NATS_CONNECTION_CLOSED);
#endif

    // Subscriptions of a closed connection are closed with it.
    CHECK(!natsSubscription_IsValid(sync));
    CHECK(!natsSubscription_IsValid(async));
    CHECK_ERR(natsSubscription_NextMsg(&reply, sync, 10), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsSubscription_Unsubscribe(sync), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsSubscription_AutoUnsubscribe(async, 3), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsSubscription_Drain(sync), NATS_CONNECTION_CLOSED);
    CHECK(reply == NULL);

    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sync);
    natsSubscription_Destroy(async);
    natsConnection_Destroy(nc);
}

static void
test_next_msg_on_async_subscription(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "async.next", on_msg, NULL));
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 10), NATS_ILLEGAL_STATE);
    CHECK(msg == NULL);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_destroy_null);
    RUN_TEST(test_null_options);
    RUN_TEST(test_option_argument_combinations);
    RUN_TEST(test_null_connection);
    RUN_TEST(test_null_required_arguments);
    RUN_TEST(test_invalid_subjects);
    RUN_TEST(test_null_subscription);
    RUN_TEST(test_null_subscription_outputs);
    RUN_TEST(test_null_messages);
    RUN_TEST(test_closed_connection_calls);
    RUN_TEST(test_next_msg_on_async_subscription);

    nats_Close();
    return tu_finish();
}
