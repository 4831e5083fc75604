// Subscription limits and statistics: pending counts and limits, slow
// consumers, delivered and dropped counts, connection statistics, flushing
// and the server's maximum payload.
//
// Usage: sub_limits URL SMALL_PAYLOAD_URL
//   SMALL_PAYLOAD_URL is a server started with max_payload: 1024.

#include "test_util.h"

static const char *url;
static const char *smallUrl;

static void
test_queued_and_pending(void)
{
    natsConnection      *nc     = tu_connect(url);
    natsSubscription    *sub    = NULL;
    natsMsg             *msg    = NULL;
    uint64_t            queued  = 0;
    int                 msgs    = 0;
    int                 bytes   = 0;
    int64_t             delivered = -1;
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "pending.subject"));
    CHECK_OK(natsSubscription_QueuedMsgs(sub, &queued));
    CHECK_INT(queued, 0);

    // Five messages of 10 bytes each.
    for (i = 0; i < 5; i++)
        CHECK_OK(natsConnection_PublishString(nc, "pending.subject", "0123456789"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsSubscription_QueuedMsgs(sub, &queued));
    CHECK_INT(queued, 5);
    CHECK_OK(natsSubscription_GetPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 5);
    CHECK_INT(bytes, 50);
    // Either output may be NULL.
    CHECK_OK(natsSubscription_GetPending(sub, NULL, NULL));

    CHECK_OK(natsSubscription_GetDelivered(sub, &delivered));
    CHECK_INT(delivered, 0);
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 1000));
    natsMsg_Destroy(msg);
    msg = NULL;
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 1000));
    natsMsg_Destroy(msg);
    CHECK_OK(natsSubscription_GetDelivered(sub, &delivered));
    CHECK_INT(delivered, 2);
    CHECK_OK(natsSubscription_QueuedMsgs(sub, &queued));
    CHECK_INT(queued, 3);
    CHECK_OK(natsSubscription_GetPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 3);
    CHECK_INT(bytes, 30);

    // All of these report an invalid subscription once it is closed.
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK_ERR(natsSubscription_QueuedMsgs(sub, &queued), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_GetPending(sub, &msgs, &bytes), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_GetDelivered(sub, &delivered), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_GetDropped(sub, &delivered), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_GetPendingLimits(sub, &msgs, &bytes), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_SetPendingLimits(sub, 10, 10), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_GetMaxPending(sub, &msgs, &bytes), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_ClearMaxPending(sub), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_GetStats(sub, &msgs, NULL, NULL, NULL, NULL, NULL),
              NATS_INVALID_SUBSCRIPTION);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_pending_limits(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    int                 msgs  = 0;
    int                 bytes = 0;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "limits.subject"));

    // Defaults: 65536 messages and 65536 KiB.
    CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgs, &bytes));
    CHECK_INT(msgs, 65536);
    CHECK_INT(bytes, 65536 * 1024);

    CHECK_OK(natsSubscription_SetPendingLimits(sub, 10, 1000));
    CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgs, &bytes));
    CHECK_INT(msgs, 10);
    CHECK_INT(bytes, 1000);
    CHECK_OK(natsSubscription_GetPendingLimits(sub, NULL, &bytes));
    CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgs, NULL));

    // Zero is rejected, a negative value means "no limit".
    CHECK_ERR(natsSubscription_SetPendingLimits(sub, 0, 1000), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_SetPendingLimits(sub, 10, 0), NATS_INVALID_ARG);
    CHECK_OK(natsSubscription_SetPendingLimits(sub, -1, -1));
    CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgs, &bytes));
    CHECK_INT(msgs, -1);
    CHECK_INT(bytes, -1);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_pending_limits_from_options(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    int                 msgs  = 0;
    int                 bytes = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetMaxPendingMsgs(opts, 7));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "optlimits.subject"));
        CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgs, &bytes));
        CHECK_INT(msgs, 7);
        // Without an explicit byte limit it is 1 KiB per allowed message.
        CHECK_INT(bytes, 7 * 1024);
        natsSubscription_Destroy(sub);
        sub = NULL;
        natsConnection_Destroy(nc);
        nc = NULL;
    }
#if TU_CNATS_3_13
    CHECK_OK(natsOptions_SetMaxPendingBytes(opts, 5000));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "optlimits.subject"));
        CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgs, &bytes));
        CHECK_INT(msgs, 7);
        CHECK_INT(bytes, 5000);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
#endif
    natsOptions_Destroy(opts);
}

typedef struct
{
    atomic_int          slowConsumerEvents;
    atomic_int          otherEvents;
    natsSubscription    *expectedSub;
    atomic_int          wrongSub;

} errorState;

static void
on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    errorState *st = (errorState *) closure;

    if (err == NATS_SLOW_CONSUMER)
        atomic_fetch_add(&st->slowConsumerEvents, 1);
    else
        atomic_fetch_add(&st->otherEvents, 1);
    if (sub != st->expectedSub)
        atomic_fetch_add(&st->wrongSub, 1);
}

static void
test_slow_consumer(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    errorState          st;
    int64_t             dropped   = 0;
    int64_t             delivered = 0;
    int                 msgs  = 0;
    int                 bytes = 0;
    char                buf[16];
    int                 i;

    memset(&st, 0, sizeof(st));
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_async_error, &st));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    if (nc == NULL)
        return;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "slow.subject"));
    st.expectedSub = sub;
    CHECK_OK(natsSubscription_SetPendingLimits(sub, 5, -1));

    // The first 5 messages are kept, the next 15 are dropped.
    for (i = 0; i < 20; i++)
    {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "slow.subject", buf));
    }
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsSubscription_GetDropped(sub, &dropped));
    CHECK_INT(dropped, 15);
    CHECK_OK(natsSubscription_GetPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 5);
    CHECK_OK(natsSubscription_GetMaxPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 5);
    CHECK_INT(bytes, 5);

    // The error handler is called once per slow-consumer episode, not once
    // per dropped message.
    CHECK(tu_wait_for_count(&st.slowConsumerEvents, 1, 3000));
    tu_sleep_ms(100);
    CHECK_INT(atomic_load(&st.slowConsumerEvents), 1);
    CHECK_INT(atomic_load(&st.otherEvents), 0);
    CHECK_INT(atomic_load(&st.wrongSub), 0);

    // The next NextMsg reports the condition once, then messages resume.
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 1000), NATS_SLOW_CONSUMER);
    CHECK(msg == NULL);
    for (i = 0; i < 5; i++)
    {
        msg = NULL;
        CHECK_OK(natsSubscription_NextMsg(&msg, sub, 1000));
        if (msg != NULL)
        {
            snprintf(buf, sizeof(buf), "%d", i);
            CHECK_STR(natsMsg_GetData(msg), buf);
        }
        natsMsg_Destroy(msg);
    }
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 50), NATS_TIMEOUT);
    CHECK_OK(natsSubscription_GetDelivered(sub, &delivered));
    CHECK_INT(delivered, 5);
    CHECK_OK(natsSubscription_GetDropped(sub, &dropped));
    CHECK_INT(dropped, 15);

    // The maximum stays until cleared.
    CHECK_OK(natsSubscription_GetMaxPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 5);
    CHECK_OK(natsSubscription_ClearMaxPending(sub));
    CHECK_OK(natsSubscription_GetMaxPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 0);
    CHECK_INT(bytes, 0);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_slow_consumer_byte_limit(void)
{
    natsConnection      *nc      = tu_connect(url);
    natsSubscription    *sub     = NULL;
    int64_t             dropped  = 0;
    int                 msgs     = 0;
    int                 bytes    = 0;
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "slowbytes.subject"));
    // 25 bytes hold two 10-byte messages, not three.
    CHECK_OK(natsSubscription_SetPendingLimits(sub, -1, 25));
    for (i = 0; i < 4; i++)
        CHECK_OK(natsConnection_PublishString(nc, "slowbytes.subject", "0123456789"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsSubscription_GetPending(sub, &msgs, &bytes));
    CHECK_INT(msgs, 2);
    CHECK_INT(bytes, 20);
    CHECK_OK(natsSubscription_GetDropped(sub, &dropped));
    CHECK_INT(dropped, 2);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_subscription_stats(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    int                 pMsgs = -1, pBytes = -1, mMsgs = -1, mBytes = -1;
    int64_t             delivered = -1, dropped = -1;
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "stats.subject"));
    for (i = 0; i < 4; i++)
        CHECK_OK(natsConnection_PublishString(nc, "stats.subject", "abcd"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 1000));
    natsMsg_Destroy(msg);

    CHECK_OK(natsSubscription_GetStats(sub, &pMsgs, &pBytes, &mMsgs, &mBytes,
                                       &delivered, &dropped));
    CHECK_INT(pMsgs, 3);
    CHECK_INT(pBytes, 12);
    CHECK_INT(mMsgs, 4);
    CHECK_INT(mBytes, 16);
    CHECK_INT(delivered, 1);
    CHECK_INT(dropped, 0);
    // Every output is optional.
    CHECK_OK(natsSubscription_GetStats(sub, NULL, NULL, NULL, NULL, NULL, NULL));

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_connection_stats(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sub   = NULL;
    natsStatistics      *stats = NULL;
    natsMsg             *msg   = NULL;
    uint64_t            inMsgs = 99, inBytes = 99, outMsgs = 99, outBytes = 99;
    uint64_t            reconnects = 99;
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsStatistics_Create(&stats));
    CHECK_OK(natsStatistics_GetCounts(stats, &inMsgs, &inBytes, &outMsgs, &outBytes,
                                      &reconnects));
    CHECK_INT(inMsgs, 0);
    CHECK_INT(outMsgs, 0);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "cstats.subject"));
    for (i = 0; i < 3; i++)
        CHECK_OK(natsConnection_PublishString(nc, "cstats.subject", "0123456789"));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 3; i++)
    {
        msg = NULL;
        CHECK_OK(natsSubscription_NextMsg(&msg, sub, 1000));
        natsMsg_Destroy(msg);
    }

    CHECK_OK(natsConnection_GetStats(nc, stats));
    CHECK_OK(natsStatistics_GetCounts(stats, &inMsgs, &inBytes, &outMsgs, &outBytes,
                                      &reconnects));
    CHECK_INT(inMsgs, 3);
    CHECK_INT(inBytes, 30);
    CHECK_INT(outMsgs, 3);
    CHECK_INT(outBytes, 30);
    CHECK_INT(reconnects, 0);
    CHECK_OK(natsStatistics_GetCounts(stats, NULL, NULL, NULL, NULL, NULL));

    // Statistics stay readable after the connection is closed.
    natsConnection_Close(nc);
    CHECK_OK(natsConnection_GetStats(nc, stats));
    CHECK_OK(natsStatistics_GetCounts(stats, NULL, NULL, &outMsgs, NULL, NULL));
    CHECK_INT(outMsgs, 3);

    natsStatistics_Destroy(stats);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_flush_and_buffered(void)
{
    natsConnection  *nc = tu_connect(url);
    int             i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_FlushTimeout(nc, 1000));
    CHECK_ERR(natsConnection_FlushTimeout(nc, 0), NATS_INVALID_TIMEOUT);
    CHECK_ERR(natsConnection_FlushTimeout(nc, -5), NATS_INVALID_TIMEOUT);

    for (i = 0; i < 100; i++)
        CHECK_OK(natsConnection_PublishString(nc, "buffered.subject", "data"));
    CHECK(natsConnection_Buffered(nc) >= 0);
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_INT(natsConnection_Buffered(nc), 0);

    natsConnection_Destroy(nc);
}

static void
test_max_payload(void)
{
    natsConnection      *nc   = tu_connect(smallUrl);
    natsSubscription    *sub  = NULL;
    natsMsg             *out  = NULL;
    natsMsg             *msg  = NULL;
    char                data[1100];

    if (nc == NULL)
        return;
    memset(data, 'p', sizeof(data));
    CHECK_INT(natsConnection_GetMaxPayload(nc), 1024);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "payload.subject"));
    CHECK_OK(natsConnection_Publish(nc, "payload.subject", data, 1024));
    CHECK_ERR(natsConnection_Publish(nc, "payload.subject", data, 1025), NATS_MAX_PAYLOAD);
    CHECK_CONTAINS(nats_GetLastError(NULL), "1025");
    CHECK_CONTAINS(nats_GetLastError(NULL), "1024");

    // Headers count toward the limit.
    CHECK_OK(natsMsg_Create(&out, "payload.subject", NULL, data, 1000));
    CHECK_OK(natsMsgHeader_Set(out, "Padding", "0123456789012345678901234567890123456789"));
    CHECK_ERR(natsConnection_PublishMsg(nc, out), NATS_MAX_PAYLOAD);
    natsMsg_Destroy(out);

    // The rejected messages were not sent, the connection is still usable.
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 1000));
    if (msg != NULL)
        CHECK_INT(natsMsg_GetDataLength(msg), 1024);
    natsMsg_Destroy(msg);
    msg = NULL;
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 100), NATS_TIMEOUT);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    const char *usage = "URL SMALL_PAYLOAD_URL";

    url      = tu_arg(argc, argv, 1, usage);
    smallUrl = tu_arg(argc, argv, 2, usage);
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_queued_and_pending);
    RUN_TEST(test_pending_limits);
    RUN_TEST(test_pending_limits_from_options);
    RUN_TEST(test_slow_consumer);
    RUN_TEST(test_slow_consumer_byte_limit);
    RUN_TEST(test_subscription_stats);
    RUN_TEST(test_connection_stats);
    RUN_TEST(test_flush_and_buffered);
    RUN_TEST(test_max_payload);

    nats_Close();
    return tu_finish();
}
