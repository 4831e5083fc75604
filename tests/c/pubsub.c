// Publish and subscribe tests: publish variants, sync and async
// subscriptions, queue groups, wildcards, unsubscribe, payload contents and
// ordering.
//
// Usage: pubsub URL

#include "test_util.h"

static const char *url;

// Receives the next message of a sync subscription, with a 2 s timeout.
static natsMsg *
next_msg(natsSubscription *sub)
{
    natsMsg     *msg = NULL;
    natsStatus  s    = natsSubscription_NextMsg(&msg, sub, 2000);

    if (s != NATS_OK)
    {
        tu_fail(__FILE__, __LINE__, "natsSubscription_NextMsg == NATS_OK (got %d '%s')",
                (int) s, tu_status_text(s));
    }
    return msg;
}

static void
test_publish_variants(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    natsMsg             *out  = NULL;
    natsMsg             *msg  = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "pv.subject"));

    CHECK_OK(natsConnection_Publish(nc, "pv.subject", "bytes", 5));
    CHECK_OK(natsConnection_PublishString(nc, "pv.subject", "string"));
    CHECK_OK(natsMsg_Create(&out, "pv.subject", "pv.reply", "msg", 3));
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);
    CHECK_OK(natsConnection_PublishRequest(nc, "pv.subject", "pv.reply2", "req", 3));
    CHECK_OK(natsConnection_PublishRequestString(nc, "pv.subject", "pv.reply3", "reqstr"));
    CHECK_OK(natsConnection_Flush(nc));

    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK_STR(natsMsg_GetSubject(msg), "pv.subject");
        CHECK(natsMsg_GetReply(msg) == NULL);
        CHECK_INT(natsMsg_GetDataLength(msg), 5);
        CHECK_STR(natsMsg_GetData(msg), "bytes");
    }
    natsMsg_Destroy(msg);

    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK(natsMsg_GetReply(msg) == NULL);
        CHECK_STR(natsMsg_GetData(msg), "string");
    }
    natsMsg_Destroy(msg);

    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK_STR(natsMsg_GetReply(msg), "pv.reply");
        CHECK_STR(natsMsg_GetData(msg), "msg");
    }
    natsMsg_Destroy(msg);

    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK_STR(natsMsg_GetReply(msg), "pv.reply2");
        CHECK_STR(natsMsg_GetData(msg), "req");
    }
    natsMsg_Destroy(msg);

    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK_STR(natsMsg_GetReply(msg), "pv.reply3");
        CHECK_STR(natsMsg_GetData(msg), "reqstr");
    }
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_next_msg_timeout(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    int64_t             start;
    int64_t             elapsed;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "timeout.subject"));

    start = tu_now_ms();
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 200), NATS_TIMEOUT);
    elapsed = tu_now_ms() - start;
    CHECK(msg == NULL);
    CHECK(elapsed >= 180);
    CHECK(elapsed < 2000);

    // A zero timeout polls without waiting.
    start = tu_now_ms();
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 0), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start < 100);
    CHECK(msg == NULL);

    // Once a message is queued, a zero timeout returns it.
    CHECK_OK(natsConnection_PublishString(nc, "timeout.subject", "now"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 0));
    CHECK(msg != NULL);
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

typedef struct
{
    atomic_int          count;
    atomic_int          wrongArgs;
    natsConnection      *nc;
    natsSubscription    *sub;
    char                lastData[64];

} asyncState;

static void
on_async_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    asyncState *st = (asyncState *) closure;

    if ((nc != st->nc) || ((st->sub != NULL) && (sub != st->sub)) || (msg == NULL))
        atomic_fetch_add(&st->wrongArgs, 1);
    if (msg != NULL)
        snprintf(st->lastData, sizeof(st->lastData), "%s", natsMsg_GetData(msg));
    natsMsg_Destroy(msg);
    atomic_fetch_add(&st->count, 1);
}

static void
test_async_subscribe(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    asyncState          st;
    int                 i;

    if (nc == NULL)
        return;
    memset(&st, 0, sizeof(st));
    st.nc = nc;

    CHECK_OK(natsConnection_Subscribe(&sub, nc, "async.subject", on_async_msg, &st));
    st.sub = sub;
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 10; i++)
        CHECK_OK(natsConnection_PublishString(nc, "async.subject", "hello"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK(tu_wait_for_count(&st.count, 10, 5000));
    CHECK_INT(atomic_load(&st.count), 10);
    CHECK_INT(atomic_load(&st.wrongArgs), 0);
    CHECK_STR(st.lastData, "hello");

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_queue_subscribe(void)
{
    natsConnection      *nc      = tu_connect(url);
    natsSubscription    *qsub[3] = { NULL, NULL, NULL };
    natsSubscription    *plain   = NULL;
    asyncState          qst[3];
    asyncState          pst;
    int                 i, total;

    if (nc == NULL)
        return;
    memset(qst, 0, sizeof(qst));
    memset(&pst, 0, sizeof(pst));
    pst.nc = nc;

    for (i = 0; i < 3; i++)
    {
        qst[i].nc = nc;
        CHECK_OK(natsConnection_QueueSubscribe(&qsub[i], nc, "queue.subject", "workers",
                                               on_async_msg, &qst[i]));
    }
    CHECK_OK(natsConnection_Subscribe(&plain, nc, "queue.subject", on_async_msg, &pst));
    CHECK_OK(natsConnection_Flush(nc));

    for (i = 0; i < 300; i++)
        CHECK_OK(natsConnection_PublishString(nc, "queue.subject", "work"));
    CHECK_OK(natsConnection_Flush(nc));

    // The plain subscriber gets every message, and the group shares them.
    CHECK(tu_wait_for_count(&pst.count, 300, 5000));
    total = 0;
    for (i = 0; i < 3; i++)
        total += atomic_load(&qst[i].count);
    for (i = 0; (total < 300) && (i < 500); i++)
    {
        int j;

        tu_sleep_ms(10);
        total = 0;
        for (j = 0; j < 3; j++)
            total += atomic_load(&qst[j].count);
    }
    CHECK_INT(total, 300);
    // Give late duplicates a chance to show up before the final count.
    tu_sleep_ms(100);
    total = 0;
    for (i = 0; i < 3; i++)
        total += atomic_load(&qst[i].count);
    CHECK_INT(total, 300);
    CHECK_INT(atomic_load(&pst.count), 300);

    for (i = 0; i < 3; i++)
        natsSubscription_Destroy(qsub[i]);
    natsSubscription_Destroy(plain);
    natsConnection_Destroy(nc);
}

static void
test_queue_subscribe_sync(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *a     = NULL;
    natsSubscription    *b     = NULL;
    natsMsg             *msg   = NULL;
    int                 got[2] = { 0, 0 };
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_QueueSubscribeSync(&a, nc, "qsync.subject", "group"));
    CHECK_OK(natsConnection_QueueSubscribeSync(&b, nc, "qsync.subject", "group"));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 50; i++)
        CHECK_OK(natsConnection_PublishString(nc, "qsync.subject", "x"));
    CHECK_OK(natsConnection_Flush(nc));

    while (natsSubscription_NextMsg(&msg, a, 200) == NATS_OK)
    {
        got[0]++;
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    while (natsSubscription_NextMsg(&msg, b, 200) == NATS_OK)
    {
        got[1]++;
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    CHECK_INT(got[0] + got[1], 50);

    natsSubscription_Destroy(a);
    natsSubscription_Destroy(b);
    natsConnection_Destroy(nc);
}

typedef struct
{
    atomic_int  timeouts;
    atomic_int  messages;

} timeoutState;

static void
on_timeout_sub_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    timeoutState *st = (timeoutState *) closure;

    if (msg == NULL)
    {
        atomic_fetch_add(&st->timeouts, 1);
        return;
    }
    natsMsg_Destroy(msg);
    atomic_fetch_add(&st->messages, 1);
}

static void
test_subscribe_timeout(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    timeoutState        st;

    if (nc == NULL)
        return;
    memset(&st, 0, sizeof(st));

    // With no message for 100 ms, the callback runs with a NULL message.
    CHECK_OK(natsConnection_SubscribeTimeout(&sub, nc, "subtimeout.subject", 100,
                                             on_timeout_sub_msg, &st));
    CHECK(tu_wait_for_count(&st.timeouts, 1, 3000));
    CHECK_INT(atomic_load(&st.messages), 0);

    CHECK_OK(natsConnection_PublishString(nc, "subtimeout.subject", "late"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&st.messages, 1, 3000));

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

// Subscribes synchronously to `pattern`, publishes to each of `subjects`
// and returns how many messages arrived.
static int
count_matches(natsConnection *nc, const char *pattern, const char **subjects, int n)
{
    natsSubscription    *sub   = NULL;
    natsMsg             *msg   = NULL;
    int                 count  = 0;
    int                 i;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, pattern));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < n; i++)
        CHECK_OK(natsConnection_PublishString(nc, subjects[i], subjects[i]));
    CHECK_OK(natsConnection_Flush(nc));
    while (natsSubscription_NextMsg(&msg, sub, 100) == NATS_OK)
    {
        count++;
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    natsSubscription_Destroy(sub);
    return count;
}

static void
test_wildcards(void)
{
    natsConnection  *nc = tu_connect(url);
    const char      *subjects[] = { "wc", "wc.a", "wc.b", "wc.a.b", "wc.a.b.c", "other.a" };
    const int       n = (int) (sizeof(subjects) / sizeof(subjects[0]));

    if (nc == NULL)
        return;

    // '*' matches exactly one token, '>' one or more trailing tokens.
    CHECK_INT(count_matches(nc, "wc.*", subjects, n), 2);
    CHECK_INT(count_matches(nc, "wc.>", subjects, n), 4);
    CHECK_INT(count_matches(nc, "wc.*.b", subjects, n), 1);
    CHECK_INT(count_matches(nc, "*.a", subjects, n), 2);
    CHECK_INT(count_matches(nc, ">", subjects, n), n);
    CHECK_INT(count_matches(nc, "wc", subjects, n), 1);

    natsConnection_Destroy(nc);
}

static void
test_unsubscribe(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "unsub.subject"));
    CHECK(natsSubscription_IsValid(sub));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!natsSubscription_IsValid(sub));
    CHECK_ERR(natsSubscription_Unsubscribe(sub), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_AutoUnsubscribe(sub, 5), NATS_INVALID_SUBSCRIPTION);
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 10), NATS_INVALID_SUBSCRIPTION);
    CHECK(msg == NULL);

    // Nothing is delivered after the unsubscribe.
    CHECK_OK(natsConnection_PublishString(nc, "unsub.subject", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 100), NATS_INVALID_SUBSCRIPTION);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_auto_unsubscribe(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    natsSubscription    *asub = NULL;
    natsMsg             *msg  = NULL;
    asyncState          st;
    int                 i;

    if (nc == NULL)
        return;
    memset(&st, 0, sizeof(st));
    st.nc = nc;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "autounsub.subject"));
    CHECK_OK(natsSubscription_AutoUnsubscribe(sub, 3));
    CHECK_OK(natsConnection_Subscribe(&asub, nc, "autounsub.subject", on_async_msg, &st));
    st.sub = asub;
    CHECK_OK(natsSubscription_AutoUnsubscribe(asub, 4));
    for (i = 0; i < 10; i++)
        CHECK_OK(natsConnection_PublishString(nc, "autounsub.subject", "m"));
    CHECK_OK(natsConnection_Flush(nc));

    for (i = 0; i < 3; i++)
    {
        msg = next_msg(sub);
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    // The subscription closed itself after the third message.
    CHECK(!natsSubscription_IsValid(sub));
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 100), NATS_MAX_DELIVERED_MSGS);
    CHECK(msg == NULL);

    CHECK(tu_wait_for_count(&st.count, 4, 3000));
    tu_sleep_ms(100);
    CHECK_INT(atomic_load(&st.count), 4);
    CHECK(!natsSubscription_IsValid(asub));

    natsSubscription_Destroy(sub);
    natsSubscription_Destroy(asub);
    natsConnection_Destroy(nc);
}

// The auto-unsubscribe limit counts delivered messages, so messages queued
// before the call are still handed out up to the limit.
static void
test_auto_unsubscribe_after_queued(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "autounsub.queued"));
    for (i = 0; i < 20; i++)
        CHECK_OK(natsConnection_PublishString(nc, "autounsub.queued", "m"));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 300; i++)
    {
        int pending = 0;

        if ((natsSubscription_GetPending(sub, &pending, NULL) == NATS_OK) && (pending == 20))
            break;
        tu_sleep_ms(10);
    }
    for (i = 0; i < 10; i++)
    {
        msg = next_msg(sub);
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    CHECK_OK(natsSubscription_AutoUnsubscribe(sub, 15));
    for (i = 0; i < 5; i++)
    {
        msg = next_msg(sub);
        CHECK(msg != NULL);
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 100), NATS_MAX_DELIVERED_MSGS);
    CHECK(msg == NULL);

    // A limit at or below what was delivered removes the subscription.
    natsSubscription_Destroy(sub);
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "autounsub.queued"));
    CHECK_OK(natsConnection_PublishString(nc, "autounsub.queued", "m"));
    msg = next_msg(sub);
    natsMsg_Destroy(msg);
    msg = NULL;
    CHECK_OK(natsSubscription_AutoUnsubscribe(sub, 1));
    CHECK(!natsSubscription_IsValid(sub));

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_subscription_identity(void)
{
    natsConnection      *nc = tu_connect(url);
    natsSubscription    *a  = NULL;
    natsSubscription    *b  = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&a, nc, "ident.a"));
    CHECK_OK(natsConnection_SubscribeSync(&b, nc, "ident.>"));

    CHECK(natsSubscription_GetID(a) > 0);
    CHECK(natsSubscription_GetID(b) > 0);
    CHECK(natsSubscription_GetID(a) != natsSubscription_GetID(b));
    CHECK_STR(natsSubscription_GetSubject(a), "ident.a");
    CHECK_STR(natsSubscription_GetSubject(b), "ident.>");
#if TU_CNATS_3_13
    CHECK(natsSubscription_GetConnection(a) == nc);
#endif

    // A closed subscription has no id or subject any more.
    CHECK_OK(natsSubscription_Unsubscribe(a));
    CHECK_INT(natsSubscription_GetID(a), 0);
    CHECK(natsSubscription_GetSubject(a) == NULL);

    natsSubscription_Destroy(a);
    natsSubscription_Destroy(b);
    natsConnection_Destroy(nc);
}

static void
test_empty_payloads(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    natsMsg             *out = NULL;
    natsMsg             *msg = NULL;
    int                 i;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "empty.subject"));
    CHECK_OK(natsConnection_Publish(nc, "empty.subject", NULL, 0));
    CHECK_OK(natsConnection_PublishString(nc, "empty.subject", NULL));
    CHECK_OK(natsConnection_PublishString(nc, "empty.subject", ""));
    CHECK_OK(natsMsg_Create(&out, "empty.subject", NULL, NULL, 0));
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);
    CHECK_OK(natsConnection_Flush(nc));

    for (i = 0; i < 4; i++)
    {
        msg = next_msg(sub);
        if (msg != NULL)
        {
            CHECK_INT(natsMsg_GetDataLength(msg), 0);
            // Even an empty payload is an empty, NUL-terminated string.
            CHECK(natsMsg_GetData(msg) != NULL);
            if (natsMsg_GetData(msg) != NULL)
                CHECK(natsMsg_GetData(msg)[0] == '\0');
        }
        natsMsg_Destroy(msg);
    }

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_binary_payload(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;
    char                data[512];
    int                 i;

    if (nc == NULL)
        return;
    // Every byte value, twice, including NUL bytes and "\r\n" sequences.
    for (i = 0; i < 512; i++)
        data[i] = (char) (i % 256);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "binary.subject"));
    CHECK_OK(natsConnection_Publish(nc, "binary.subject", data, (int) sizeof(data)));
    CHECK_OK(natsConnection_Flush(nc));
    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK_INT(natsMsg_GetDataLength(msg), 512);
        CHECK(memcmp(natsMsg_GetData(msg), data, sizeof(data)) == 0);
        // The library adds a NUL byte after the payload.
        CHECK(natsMsg_GetData(msg)[512] == '\0');
    }
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_data_is_nul_terminated(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "nul.subject"));
    // Publish only the first 5 bytes of a longer string.
    CHECK_OK(natsConnection_Publish(nc, "nul.subject", "helloXXXX", 5));
    CHECK_OK(natsConnection_Flush(nc));
    msg = next_msg(sub);
    if (msg != NULL)
    {
        CHECK_INT(natsMsg_GetDataLength(msg), 5);
        CHECK_STR(natsMsg_GetData(msg), "hello");
        CHECK_INT(strlen(natsMsg_GetData(msg)), 5);
    }
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

#define ORDER_COUNT (10000)

typedef struct
{
    atomic_int  received;
    atomic_int  outOfOrder;

} orderState;

static void
on_ordered_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    orderState  *st       = (orderState *) closure;
    int         expected  = atomic_load(&st->received);

    if (atoi(natsMsg_GetData(msg)) != expected)
        atomic_fetch_add(&st->outOfOrder, 1);
    natsMsg_Destroy(msg);
    atomic_fetch_add(&st->received, 1);
}

static void
test_message_ordering(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sync  = NULL;
    natsSubscription    *async = NULL;
    natsMsg             *msg   = NULL;
    orderState          st;
    char                buf[16];
    int                 i;
    int                 wrong  = 0;

    if (nc == NULL)
        return;
    memset(&st, 0, sizeof(st));

    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, "order.subject"));
    CHECK_OK(natsConnection_Subscribe(&async, nc, "order.subject", on_ordered_msg, &st));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < ORDER_COUNT; i++)
    {
        snprintf(buf, sizeof(buf), "%d", i);
        if (natsConnection_PublishString(nc, "order.subject", buf) != NATS_OK)
            wrong++;
    }
    CHECK_INT(wrong, 0);
    CHECK_OK(natsConnection_FlushTimeout(nc, 10000));

    for (i = 0; i < ORDER_COUNT; i++)
    {
        msg = NULL;
        if (natsSubscription_NextMsg(&msg, sync, 5000) != NATS_OK)
        {
            tu_fail(__FILE__, __LINE__, "message %d of %d did not arrive", i, ORDER_COUNT);
            break;
        }
        if (atoi(natsMsg_GetData(msg)) != i)
            wrong++;
        natsMsg_Destroy(msg);
    }
    CHECK_INT(wrong, 0);

    CHECK(tu_wait_for_count(&st.received, ORDER_COUNT, 10000));
    CHECK_INT(atomic_load(&st.outOfOrder), 0);

    natsSubscription_Destroy(sync);
    natsSubscription_Destroy(async);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_publish_variants);
    RUN_TEST(test_next_msg_timeout);
    RUN_TEST(test_async_subscribe);
    RUN_TEST(test_queue_subscribe);
    RUN_TEST(test_queue_subscribe_sync);
    RUN_TEST(test_subscribe_timeout);
    RUN_TEST(test_wildcards);
    RUN_TEST(test_unsubscribe);
    RUN_TEST(test_auto_unsubscribe);
    RUN_TEST(test_auto_unsubscribe_after_queued);
    RUN_TEST(test_subscription_identity);
    RUN_TEST(test_empty_payloads);
    RUN_TEST(test_binary_payload);
    RUN_TEST(test_data_is_nul_terminated);
    RUN_TEST(test_message_ordering);

    nats_Close();
    return tu_finish();
}
