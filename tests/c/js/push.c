// JetStream push subscriptions and message acknowledgments. Covered:
// subscribe options and their checks, ephemeral and bound consumers,
// queue groups and multiple filter subjects. Also auto-ack, every ack kind
// with the redelivery it causes, and message metadata compared with the
// server's consumer info. Last, ordered consumers, flow control, consumer
// info, sequence mismatch, and consumer deletion by unsubscribe, drain and
// destroy.
//
// Usage: push <url-with-jetstream>

#include "js_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MS_NS ((int64_t) 1000000)
#define SECOND_NS ((int64_t) 1000000000)

// Messages received by a counting callback.
typedef struct
{
    atomic_int      count;
    atomic_int      errors;
    pthread_mutex_t mu;
    char            last[64];
    uint64_t        last_sseq;
    bool            in_order;
    bool            destroy;
} ju_counter;

static void
counter_init(ju_counter *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    c->in_order = true;
    c->destroy = true;
}

// Counts messages and checks that their stream sequences increase by one.
// Destroys the message, which inside an auto-ack callback must be safe.
static void
on_count(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    ju_counter      *c    = (ju_counter *) closure;
    jsMsgMetaData   *meta = NULL;

    pthread_mutex_lock(&c->mu);
    snprintf(c->last, sizeof(c->last), "%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK)
    {
        if ((c->last_sseq != 0) && (meta->Sequence.Stream != c->last_sseq + 1))
            c->in_order = false;
        c->last_sseq = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
    }
    else
        atomic_fetch_add(&c->errors, 1);
    pthread_mutex_unlock(&c->mu);
    if (c->destroy)
        natsMsg_Destroy(msg);
    atomic_fetch_add(&c->count, 1);
}

// Reads the next message of a synchronous subscription and checks its payload.
static natsMsg *
next_with_data(natsSubscription *sub, const char *expected)
{
    natsMsg *msg = NULL;

    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 5000));
    if (msg == NULL)
        return NULL;
    if (expected != NULL)
        CHECK_STR(natsMsg_GetData(msg), expected);
    return msg;
}

// Checks that no message arrives within `ms` milliseconds.
static void
check_no_msg(natsSubscription *sub, int64_t ms)
{
    natsMsg *msg = NULL;

    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, ms), NATS_TIMEOUT);
    if (msg != NULL)
    {
        tu_fail(__FILE__, __LINE__, "unexpected message '%s'", natsMsg_GetData(msg));
        natsMsg_Destroy(msg);
    }
}

// Returns the consumer info of `sub` (or NULL after a failed check).
static jsConsumerInfo *
sub_info(natsSubscription *sub)
{
    jsConsumerInfo  *ci   = NULL;
    jsErrCode       jerr  = 0;

    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr));
    CHECK_INT(jerr, 0);
    return ci;
}

// Waits up to `timeout_ms` for the consumer to have `ack_pending`
// messages pending acknowledgment.
static bool
wait_ack_pending(natsSubscription *sub, int64_t ack_pending, int64_t timeout_ms)
{
    int64_t deadline = tu_now_ms() + timeout_ms;

    for (;;)
    {
        jsConsumerInfo  *ci = NULL;
        bool            ok  = false;

        if (natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL) == NATS_OK)
        {
            ok = (ci->NumAckPending == ack_pending);
            jsConsumerInfo_Destroy(ci);
        }
        if (ok)
            return true;
        if (tu_now_ms() >= deadline)
            return false;
        tu_sleep_ms(20);
    }
}

// Checks whether consumer `name` of `stream` exists, polling up to
// `timeout_ms` for it to reach the expected state.
static void
check_consumer_exists(jsCtx *js, const char *stream, const char *name, bool expected, int64_t timeout_ms)
{
    int64_t     deadline = tu_now_ms() + timeout_ms;
    natsStatus  s;

    for (;;)
    {
        jsConsumerInfo *ci = NULL;

        s = js_GetConsumerInfo(&ci, js, stream, name, NULL, NULL);
        jsConsumerInfo_Destroy(ci);
        if ((s == NATS_OK) == expected)
            return;
        if (tu_now_ms() >= deadline)
            break;
        tu_sleep_ms(20);
    }
    tu_fail(__FILE__, __LINE__, "consumer %s.%s %s (last status %d)", stream, name,
            (expected ? "exists" : "was deleted"), (int) s);
}

static void
test_sub_options_init(void)
{
    jsSubOptions so;

    memset(&so, 0xFF, sizeof(so));
    CHECK_OK(jsSubOptions_Init(&so));
    CHECK(so.Stream == NULL);
    CHECK(so.Consumer == NULL);
    CHECK(so.Queue == NULL);
    CHECK(!so.ManualAck);
    CHECK(!so.Ordered);
    CHECK(so.Config.Durable == NULL);
    CHECK(so.Config.DeliverSubject == NULL);
    CHECK_INT((int) so.Config.DeliverPolicy, -1);
    CHECK_INT((int) so.Config.AckPolicy, -1);
    CHECK_INT((int) so.Config.ReplayPolicy, -1);
    CHECK_INT(so.Config.Heartbeat, 0);
    CHECK_ERR(jsSubOptions_Init(NULL), NATS_INVALID_ARG);
}

static void
test_subscribe_bad_input(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsSubscription    *plain = NULL;
    jsSubOptions        so;
    jsErrCode           jerr = 0;
    ju_counter          c;
    const char          *subjects[] = {"bad.a", "bad.b"};

    counter_init(&c);
    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "BAD", "bad.>");

    CHECK_ERR(js_SubscribeSync(NULL, js, "bad.a", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_SubscribeSync(&sub, NULL, "bad.a", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_Subscribe(&sub, js, "bad.a", NULL, NULL, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_SubscribeMulti(&sub, js, subjects, 2, NULL, NULL, NULL, NULL, &jerr), NATS_INVALID_ARG);
    // No subject, and no stream and consumer to bind to.
    CHECK_ERR(js_SubscribeSync(&sub, js, NULL, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_SubscribeSync(&sub, js, "", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_SubscribeSyncMulti(&sub, js, NULL, 0, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_SubscribeSyncMulti(&sub, js, subjects, 0, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(sub == NULL);

    // No stream stores the subject.
    CHECK_ERR(js_SubscribeSync(&sub, js, "nostream.x", NULL, NULL, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("no stream matches subject");

    // Binding to a consumer that does not exist.
    jsSubOptions_Init(&so);
    so.Stream = "BAD";
    so.Consumer = "missing";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);

    jsSubOptions_Init(&so);
    so.Config.Durable = "in.valid";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("invalid durable name");

    jsSubOptions_Init(&so);
    so.Config.InactiveThreshold = -1;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("InactiveThreshold");

    // Ordered consumers take no durable, ack policy, max deliver, deliver
    // subject, queue or consumer to bind.
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.Durable = "dur";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("durable can not be set for an ordered consumer");
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.AckPolicy = js_AckExplicit;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("ack policy can not be set");
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.MaxDeliver = 3;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("max deliver can not be set");
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.DeliverSubject = "my.inbox";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("deliver subject can not be set");
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Queue = "q";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("queue can not be set");
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Stream = "BAD";
    so.Consumer = "c";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("can not bind existing consumer");
    // Manual ack is allowed with an ordered consumer, as in cnats: the call
    // gets past the option checks.
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.ManualAck = true;
    {
        natsStatus s = js_Subscribe(&sub, js, "bad.a", on_count, &c, NULL, &so, &jerr);

        CHECK(s != NATS_INVALID_ARG);
        if (s == NATS_OK)
        {
            natsSubscription_Destroy(sub);
            sub = NULL;
        }
    }

    // Queue subscriptions take no heartbeat nor flow control.
    jsSubOptions_Init(&so);
    so.Queue = "q";
    so.Config.Heartbeat = SECOND_NS;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("heartbeat");
    jsSubOptions_Init(&so);
    so.Queue = "q";
    so.Config.FlowControl = true;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("flow control");
    CHECK(sub == NULL);

    // The subscription calls on a subscription that is not a JetStream one.
    CHECK_OK(natsConnection_SubscribeSync(&plain, nc, "plain.x"));
    {
        jsConsumerInfo              *ci = NULL;
        jsConsumerSequenceMismatch  csm;

        CHECK_ERR(natsSubscription_GetConsumerInfo(&ci, plain, NULL, &jerr), NATS_INVALID_SUBSCRIPTION);
        CHECK_ERR(natsSubscription_GetConsumerInfo(NULL, plain, NULL, &jerr), NATS_INVALID_ARG);
        CHECK_ERR(natsSubscription_GetConsumerInfo(&ci, NULL, NULL, &jerr), NATS_INVALID_ARG);
        CHECK_ERR(natsSubscription_GetSequenceMismatch(&csm, plain), NATS_INVALID_SUBSCRIPTION);
        CHECK_LAST_ERROR_CONTAINS("not a JetStream subscription");
        CHECK_ERR(natsSubscription_GetSequenceMismatch(NULL, plain), NATS_INVALID_ARG);
        CHECK_ERR(natsSubscription_GetSequenceMismatch(&csm, NULL), NATS_INVALID_ARG);
    }
    natsSubscription_Destroy(plain);

    // A closed connection.
    natsConnection_Close(nc);
    CHECK_ERR(js_SubscribeSync(&sub, js, "bad.a", NULL, NULL, &jerr), NATS_CONNECTION_CLOSED);
    CHECK(sub == NULL);
    ju_close(nc, js);

    if (ju_connect(&nc, &js, NULL))
    {
        CHECK_OK(js_DeleteStream(js, "BAD", NULL, NULL));
        ju_close(nc, js);
    }
}

static void
test_sync_ephemeral_and_metadata(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerInfo      *ci  = NULL;
    jsMsgMetaData       *meta = NULL;
    char                consumer[128] = "";
    jsErrCode           jerr = 0;
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "EPH", "eph.>");
    ju_publish(js, "eph.a", "m", 3);

    // The stream is found from the subject.
    CHECK_OK(js_SubscribeSync(&sub, js, "eph.a", NULL, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    ci = sub_info(sub);
    if (ci != NULL)
    {
        CHECK_STR(ci->Stream, "EPH");
        CHECK(ci->Config->Durable == NULL);
        CHECK_STR(ci->Config->FilterSubject, "eph.a");
        CHECK_STR(ci->Config->DeliverSubject, natsSubscription_GetSubject(sub));
        CHECK_INT(ci->Config->AckPolicy, js_AckExplicit);
        CHECK(ci->PushBound);
        snprintf(consumer, sizeof(consumer), "%s", ci->Name);
    }
    jsConsumerInfo_Destroy(ci);

    for (i = 0; i < 3; i++)
    {
        char        expected[16];
        natsMsg     *msg = NULL;

        snprintf(expected, sizeof(expected), "m-%d", i);
        msg = next_with_data(sub, expected);
        if (msg == NULL)
            break;
        CHECK_STR(natsMsg_GetSubject(msg), "eph.a");
        CHECK_OK(natsMsg_GetMetaData(&meta, msg));
        if (meta != NULL)
        {
            CHECK_STR(meta->Stream, "EPH");
            CHECK_STR(meta->Consumer, consumer);
            CHECK(meta->Domain == NULL);
            CHECK_INT(meta->Sequence.Stream, i + 1);
            CHECK_INT(meta->Sequence.Consumer, i + 1);
            CHECK_INT(meta->NumDelivered, 1);
            CHECK_INT(meta->NumPending, 2 - i);
            CHECK(meta->Timestamp > 0);
            // The timestamp is the time the stream stored the message.
            {
                natsMsg *stored = NULL;

                CHECK_OK(js_GetMsg(&stored, js, "EPH", meta->Sequence.Stream, NULL, NULL));
                if (stored != NULL)
                {
                    CHECK_INT(natsMsg_GetSequence(stored), meta->Sequence.Stream);
                    CHECK_INT(natsMsg_GetTime(stored), meta->Timestamp);
                }
                natsMsg_Destroy(stored);
            }
            jsMsgMetaData_Destroy(meta);
            meta = NULL;
        }
        // A subscription message has no stored position.
        CHECK_INT(natsMsg_GetSequence(msg), 0);
        CHECK_INT(natsMsg_GetTime(msg), 0);
        CHECK_OK(natsMsg_Ack(msg, NULL));
        natsMsg_Destroy(msg);
    }
    check_no_msg(sub, 100);

    // The server saw the acknowledgments.
    CHECK(wait_ack_pending(sub, 0, 2000));
    ci = sub_info(sub);
    if (ci != NULL)
    {
        CHECK_INT(ci->AckFloor.Stream, 3);
        CHECK_INT(ci->Delivered.Consumer, 3);
        CHECK_INT(ci->NumPending, 0);
    }
    jsConsumerInfo_Destroy(ci);

    // No sequence mismatch on a healthy subscription.
    {
        jsConsumerSequenceMismatch csm;

        CHECK_STATUS(natsSubscription_GetSequenceMismatch(&csm, sub), NATS_NOT_FOUND);
    }

    // Unsubscribe deletes the consumer the library created.
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    check_consumer_exists(js, "EPH", consumer, false, 2000);
    // As js_GetConsumerInfo, a missing consumer is NATS_NOT_FOUND with
    // the error code set.
    ci = NULL;
    CHECK_STATUS(natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
    CHECK(ci == NULL);
    natsSubscription_Destroy(sub);

    // js_GetLastMsg and js_DirectGetMsg messages carry their position too.
    {
        natsMsg *last = NULL;

        CHECK_OK(js_GetLastMsg(&last, js, "EPH", "eph.a", NULL, NULL));
        if (last != NULL)
        {
            CHECK_INT(natsMsg_GetSequence(last), 3);
            CHECK(natsMsg_GetTime(last) > 0);
        }
        natsMsg_Destroy(last);
        CHECK_INT(natsMsg_GetSequence(NULL), 0);
        CHECK_INT(natsMsg_GetTime(NULL), 0);
    }
    CHECK_OK(js_DeleteStream(js, "EPH", NULL, NULL));
    ju_close(nc, js);
}

static void
test_destroy_and_drain(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerInfo      *ci  = NULL;
    char                name[128] = "";
    jsSubOptions        so;
    ju_counter          c;

    counter_init(&c);
    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "DD", "dd.>");
    ju_publish(js, "dd.a", "m", 5);

    // Destroy keeps a consumer the library created.
    jsSubOptions_Init(&so);
    so.Config.Durable = "KEEP";
    CHECK_OK(js_SubscribeSync(&sub, js, "dd.a", NULL, &so, NULL));
    natsSubscription_Destroy(sub);
    sub = NULL;
    check_consumer_exists(js, "DD", "KEEP", true, 0);
    CHECK_OK(js_DeleteConsumer(js, "DD", "KEEP", NULL, NULL));

    // Drain delivers what is pending, then deletes the consumer.
    CHECK_OK(js_Subscribe(&sub, js, "dd.a", on_count, &c, NULL, NULL, NULL));
    if (sub != NULL)
    {
        CHECK(tu_wait_for_count(&c.count, 5, 5000));
        ci = sub_info(sub);
        if (ci != NULL)
            snprintf(name, sizeof(name), "%s", ci->Name);
        jsConsumerInfo_Destroy(ci);
        CHECK_OK(natsSubscription_Drain(sub));
        CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 5000));
        // Deleted before the drain counted as finished.
        check_consumer_exists(js, "DD", name, false, 0);
        natsSubscription_Destroy(sub);
        sub = NULL;
    }
    CHECK_INT(atomic_load(&c.errors), 0);

    // Draining the connection drains the subscription, which deletes
    // its consumer too.
    counter_init(&c);
    jsSubOptions_Init(&so);
    so.Config.Durable = "CONNDRAIN";
    CHECK_OK(js_Subscribe(&sub, js, "dd.a", on_count, &c, NULL, &so, NULL));
    CHECK(tu_wait_for_count(&c.count, 5, 5000));
    CHECK_OK(natsConnection_Drain(nc));
    {
        int64_t deadline = tu_now_ms() + 10000;
        int64_t drain_start = tu_now_ms();

        // The drain needs no timeout of its own: the consumer is deleted
        // with a request while the other subscriptions drain.

        while (!natsConnection_IsClosed(nc) && (tu_now_ms() < deadline))
            tu_sleep_ms(10);
        CHECK(natsConnection_IsClosed(nc));
        CHECK(tu_now_ms() - drain_start < 3000);
    }
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
    if (!ju_connect(&nc, &js, NULL))
        return;
    check_consumer_exists(js, "DD", "CONNDRAIN", false, 0);

    // Unsubscribe reports a consumer that is already gone, as cnats does.
    jsSubOptions_Init(&so);
    so.Config.Durable = "GONE";
    CHECK_OK(js_SubscribeSync(&sub, js, "dd.a", NULL, &so, NULL));
    CHECK_OK(js_DeleteConsumer(js, "DD", "GONE", NULL, NULL));
    CHECK_ERR(natsSubscription_Unsubscribe(sub), NATS_NOT_FOUND);
    CHECK_LAST_ERROR_CONTAINS("failed to delete consumer 'GONE': not found");
    CHECK(!natsSubscription_IsValid(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "DD", NULL, NULL));
    ju_close(nc, js);
}

static void
test_async_auto_and_manual_ack(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsSubOptions        so;
    ju_counter          c;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "AA", "aa.>");
    ju_publish(js, "aa.a", "m", 20);

    // Auto-ack: the messages are acknowledged once the callback returns,
    // even though it destroyed them.
    counter_init(&c);
    CHECK_OK(js_Subscribe(&sub, js, "aa.a", on_count, &c, NULL, NULL, NULL));
    CHECK(tu_wait_for_count(&c.count, 20, 5000));
    CHECK(wait_ack_pending(sub, 0, 3000));
    CHECK(c.in_order);
    CHECK_INT(atomic_load(&c.errors), 0);
    CHECK_STR(c.last, "m-19");
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Manual ack: nothing is acknowledged for the application.
    counter_init(&c);
    jsSubOptions_Init(&so);
    so.ManualAck = true;
    CHECK_OK(js_Subscribe(&sub, js, "aa.a", on_count, &c, NULL, &so, NULL));
    CHECK(tu_wait_for_count(&c.count, 20, 5000));
    tu_sleep_ms(100);
    CHECK(wait_ack_pending(sub, 20, 3000));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Ack policy none: no acks expected and none pending.
    counter_init(&c);
    jsSubOptions_Init(&so);
    so.Config.AckPolicy = js_AckNone;
    CHECK_OK(js_Subscribe(&sub, js, "aa.a", on_count, &c, NULL, &so, NULL));
    CHECK(tu_wait_for_count(&c.count, 20, 5000));
    CHECK(wait_ack_pending(sub, 0, 3000));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);

    CHECK_OK(js_DeleteStream(js, "AA", NULL, NULL));
    ju_close(nc, js);
}

static void
test_bind_durable_and_checks(void)
{
    natsConnection      *nc   = NULL;
    jsCtx               *js   = NULL;
    natsSubscription    *sub  = NULL;
    natsSubscription    *sub2 = NULL;
    natsMsg             *msg  = NULL;
    jsConsumerConfig    cc;
    jsSubOptions        so;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "BIND", "bind.>");
    ju_publish(js, "bind.a", "m", 2);

    jsConsumerConfig_Init(&cc);
    cc.Durable = "DUR";
    cc.DeliverSubject = "dlv.bind.dur";
    cc.FilterSubject = "bind.a";
    cc.AckWait = 10 * SECOND_NS;
    CHECK_OK(js_AddConsumer(NULL, js, "BIND", &cc, NULL, NULL));

    // Bind through the durable name; the stream is looked up.
    jsSubOptions_Init(&so);
    so.Config.Durable = "DUR";
    CHECK_OK(js_SubscribeSync(&sub, js, "bind.a", NULL, &so, &jerr));
    if (sub != NULL)
    {
        CHECK_STR(natsSubscription_GetSubject(sub), "dlv.bind.dur");
        msg = next_with_data(sub, "m-0");
        natsMsg_Destroy(msg);
        CHECK_OK(natsConnection_Flush(nc));

        // The consumer is bound now: a second plain subscription fails.
        jsSubOptions_Init(&so);
        so.Stream = "BIND";
        so.Consumer = "DUR";
        CHECK_ERR(js_SubscribeSync(&sub2, js, NULL, NULL, &so, &jerr), NATS_ERR);
        CHECK_LAST_ERROR_CONTAINS("consumer is already bound to a subscription");

        // Unsubscribe does not delete a consumer the application made.
        CHECK_OK(natsSubscription_Unsubscribe(sub));
        natsSubscription_Destroy(sub);
        sub = NULL;
        check_consumer_exists(js, "BIND", "DUR", true, 0);

        // The server notices the lost interest a moment after the UNSUB.
        CHECK_OK(natsConnection_Flush(nc));
        {
            int64_t deadline = tu_now_ms() + 3000;
            bool    bound    = true;

            while (bound && (tu_now_ms() < deadline))
            {
                jsConsumerInfo *ci = NULL;

                if (js_GetConsumerInfo(&ci, js, "BIND", "DUR", NULL, NULL) == NATS_OK)
                    bound = ci->PushBound;
                jsConsumerInfo_Destroy(ci);
                if (bound)
                    tu_sleep_ms(20);
            }
            CHECK(!bound);
        }
    }

    // Bind through the stream and consumer names, without a subject.
    jsSubOptions_Init(&so);
    so.Stream = "BIND";
    so.Consumer = "DUR";
    CHECK_OK(js_SubscribeSync(&sub, js, NULL, NULL, &so, &jerr));
    if (sub != NULL)
    {
        // The two unacknowledged messages come back only after the ack
        // wait of 10 seconds; a new one comes at once.
        ju_publish(js, "bind.a", "n", 1);
        msg = next_with_data(sub, "n-0");
        natsMsg_Destroy(msg);
        natsSubscription_Destroy(sub);
        sub = NULL;
    }

    // A configuration that disagrees with the consumer's.
    jsSubOptions_Init(&so);
    so.Config.Durable = "DUR";
    so.Config.AckWait = 5 * SECOND_NS;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bind.a", NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("configuration requests ack wait to be 5000000000, but consumer's value is 10000000000");
    jsSubOptions_Init(&so);
    so.Config.Durable = "DUR";
    so.Config.AckPolicy = js_AckAll;
    CHECK_ERR(js_SubscribeSync(&sub, js, "bind.a", NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("ack policy");
    // A subject the consumer does not filter.
    jsSubOptions_Init(&so);
    so.Config.Durable = "DUR";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bind.b", NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("subject 'bind.b' does not match consumer filter subject 'bind.a'");
    // A queue subscription on a consumer without a deliver group.
    jsSubOptions_Init(&so);
    so.Config.Durable = "DUR";
    so.Queue = "q";
    CHECK_ERR(js_SubscribeSync(&sub, js, "bind.a", NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("without a deliver group");

    // A pull consumer cannot be bound by a push subscription.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "PULL";
    CHECK_OK(js_AddConsumer(NULL, js, "BIND", &cc, NULL, NULL));
    jsSubOptions_Init(&so);
    so.Stream = "BIND";
    so.Consumer = "PULL";
    CHECK_ERR(js_SubscribeSync(&sub, js, NULL, NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("must use pull subscribe");
    CHECK(sub == NULL);

    CHECK_OK(js_DeleteStream(js, "BIND", NULL, NULL));
    ju_close(nc, js);
}

static void
test_queue_group(void)
{
    natsConnection      *nc   = NULL;
    jsCtx               *js   = NULL;
    natsSubscription    *sub1 = NULL;
    natsSubscription    *sub2 = NULL;
    natsSubscription    *sub3 = NULL;
    jsConsumerInfo      *ci   = NULL;
    jsSubOptions        so;
    ju_counter          c1, c2;
    jsErrCode           jerr = 0;

    counter_init(&c1);
    counter_init(&c2);
    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "QG", "qg.>");

    // The queue name is the durable name and the deliver group.
    jsSubOptions_Init(&so);
    so.Queue = "workers";
    CHECK_OK(js_Subscribe(&sub1, js, "qg.a", on_count, &c1, NULL, &so, &jerr));
    CHECK_OK(js_Subscribe(&sub2, js, "qg.a", on_count, &c2, NULL, &so, &jerr));
    if ((sub1 != NULL) && (sub2 != NULL))
    {
        ci = sub_info(sub2);
        if (ci != NULL)
        {
            CHECK_STR(ci->Name, "workers");
            CHECK_STR(ci->Config->Durable, "workers");
            CHECK_STR(ci->Config->DeliverGroup, "workers");
        }
        jsConsumerInfo_Destroy(ci);
        ju_publish(js, "qg.a", "m", 40);
        CHECK(tu_wait_for_count(&c1.count, 1, 5000));
        {
            int64_t deadline = tu_now_ms() + 5000;

            while ((atomic_load(&c1.count) + atomic_load(&c2.count) < 40) && (tu_now_ms() < deadline))
                tu_sleep_ms(5);
        }
        CHECK_INT(atomic_load(&c1.count) + atomic_load(&c2.count), 40);

        // A subscription without the queue cannot use that consumer.
        jsSubOptions_Init(&so);
        so.Config.Durable = "workers";
        CHECK_ERR(js_SubscribeSync(&sub3, js, "qg.a", NULL, &so, &jerr), NATS_ERR);
        CHECK_LAST_ERROR_CONTAINS("cannot create a subscription for a consumer with a deliver group workers");
        jsSubOptions_Init(&so);
        so.Config.Durable = "workers";
        so.Queue = "other";
        CHECK_ERR(js_SubscribeSync(&sub3, js, "qg.a", NULL, &so, &jerr), NATS_ERR);
        CHECK_LAST_ERROR_CONTAINS("cannot create a queue subscription 'other' for a consumer with a deliver group 'workers'");
    }
    natsSubscription_Destroy(sub1);
    natsSubscription_Destroy(sub2);
    CHECK_OK(js_DeleteStream(js, "QG", NULL, NULL));
    ju_close(nc, js);
}

static void
test_multiple_filter_subjects(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerInfo      *ci  = NULL;
    const char          *subjects[] = {"mf.a", "mf.c"};
    ju_counter          c;
    int                 i;

    counter_init(&c);
    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "MF", "mf.*");
    ju_publish(js, "mf.a", "a", 2);
    ju_publish(js, "mf.b", "b", 2);
    ju_publish(js, "mf.c", "c", 2);

    CHECK_OK(js_SubscribeSyncMulti(&sub, js, subjects, 2, NULL, NULL, NULL));
    if (sub != NULL)
    {
        ci = sub_info(sub);
        if (ci != NULL)
        {
            CHECK_INT(ci->Config->FilterSubjectsLen, 2);
            CHECK(ci->Config->FilterSubject == NULL);
        }
        jsConsumerInfo_Destroy(ci);
        for (i = 0; i < 4; i++)
        {
            natsMsg *msg = next_with_data(sub, NULL);

            if (msg == NULL)
                break;
            CHECK(strcmp(natsMsg_GetSubject(msg), "mf.b") != 0);
            natsMsg_Destroy(msg);
        }
        check_no_msg(sub, 200);
        CHECK_OK(natsSubscription_Unsubscribe(sub));
        natsSubscription_Destroy(sub);
        sub = NULL;
    }

    CHECK_OK(js_SubscribeMulti(&sub, js, subjects, 2, on_count, &c, NULL, NULL, NULL));
    CHECK(tu_wait_for_count(&c.count, 4, 5000));
    tu_sleep_ms(100);
    CHECK_INT(atomic_load(&c.count), 4);
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "MF", NULL, NULL));
    ju_close(nc, js);
}

static void
test_ack_kinds(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;
    jsMsgMetaData       *meta = NULL;
    jsSubOptions        so;
    jsOptions           jo;
    jsErrCode           jerr = 0;
    int64_t             start;
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "ACK", "ack.>");

    jsSubOptions_Init(&so);
    so.Config.AckWait = 1 * SECOND_NS;
    CHECK_OK(js_SubscribeSync(&sub, js, "ack.a", NULL, &so, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // Ack, then acking again (any kind) does nothing and succeeds.
    ju_publish(js, "ack.a", "ack", 1);
    msg = next_with_data(sub, "ack-0");
    if (msg != NULL)
    {
        CHECK_OK(natsMsg_Ack(msg, NULL));
        CHECK_OK(natsMsg_Ack(msg, NULL));
        CHECK_OK(natsMsg_AckSync(msg, NULL, &jerr));
        CHECK_OK(natsMsg_Nak(msg, NULL));
        CHECK_OK(natsMsg_Term(msg, NULL));
        natsMsg_Destroy(msg);
    }

    // AckSync waits for the server's confirmation.
    ju_publish(js, "ack.a", "sync", 1);
    msg = next_with_data(sub, "sync-0");
    if (msg != NULL)
    {
        jsOptions_Init(&jo);
        jo.Wait = 2000;
        CHECK_OK(natsMsg_AckSync(msg, &jo, &jerr));
        CHECK_INT(jerr, 0);
        CHECK_OK(natsMsg_Ack(msg, NULL));
        natsMsg_Destroy(msg);
    }
    CHECK(wait_ack_pending(sub, 0, 2000));

    // Nak: redelivered at once, with the delivery count raised.
    ju_publish(js, "ack.a", "nak", 1);
    msg = next_with_data(sub, "nak-0");
    if (msg != NULL)
    {
        CHECK_OK(natsMsg_Nak(msg, NULL));
        natsMsg_Destroy(msg);
    }
    msg = next_with_data(sub, "nak-0");
    if (msg != NULL)
    {
        CHECK_OK(natsMsg_GetMetaData(&meta, msg));
        if (meta != NULL)
            CHECK_INT(meta->NumDelivered, 2);
        jsMsgMetaData_Destroy(meta);
        meta = NULL;
        CHECK_OK(natsMsg_Ack(msg, NULL));
        natsMsg_Destroy(msg);
    }

    // NakWithDelay: redelivered after the delay, not before.
    ju_publish(js, "ack.a", "delay", 1);
    msg = next_with_data(sub, "delay-0");
    if (msg != NULL)
    {
        start = tu_now_ms();
        CHECK_OK(natsMsg_NakWithDelay(msg, 600, NULL));
        natsMsg_Destroy(msg);
        check_no_msg(sub, 300);
        msg = next_with_data(sub, "delay-0");
        CHECK(tu_now_ms() - start >= 550);
        if (msg != NULL)
        {
            CHECK_OK(natsMsg_Ack(msg, NULL));
            natsMsg_Destroy(msg);
        }
    }

    // Term: never redelivered, not even after the ack wait.
    ju_publish(js, "ack.a", "term", 1);
    msg = next_with_data(sub, "term-0");
    if (msg != NULL)
    {
        CHECK_OK(natsMsg_Term(msg, NULL));
        natsMsg_Destroy(msg);
        check_no_msg(sub, 1500);
    }

    // No ack: redelivered after the ack wait of 1 second.
    ju_publish(js, "ack.a", "wait", 1);
    msg = next_with_data(sub, "wait-0");
    natsMsg_Destroy(msg);
    start = tu_now_ms();
    msg = next_with_data(sub, "wait-0");
    CHECK(tu_now_ms() - start >= 700);
    if (msg != NULL)
    {
        CHECK_OK(natsMsg_Ack(msg, NULL));
        natsMsg_Destroy(msg);
    }

    // InProgress restarts the ack wait, so the message is not redelivered
    // while work goes on for longer than the ack wait.
    ju_publish(js, "ack.a", "wpi", 1);
    msg = next_with_data(sub, "wpi-0");
    if (msg != NULL)
    {
        for (i = 0; i < 4; i++)
        {
            natsMsg *other = NULL;

            CHECK_OK(natsMsg_InProgress(msg, NULL));
            CHECK_STATUS(natsSubscription_NextMsg(&other, sub, 500), NATS_TIMEOUT);
            natsMsg_Destroy(other);
        }
        // Still not acknowledged: a final ack is needed.
        CHECK_OK(natsMsg_AckSync(msg, NULL, NULL));
        natsMsg_Destroy(msg);
    }
    check_no_msg(sub, 1200);
    CHECK(wait_ack_pending(sub, 0, 2000));

    // AckSync of a message whose consumer is gone: nothing replies.
    ju_publish(js, "ack.a", "gone", 1);
    msg = next_with_data(sub, "gone-0");
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    if (msg != NULL)
    {
        CHECK_ERR(natsMsg_AckSync(msg, NULL, &jerr), NATS_NO_RESPONDERS);
        CHECK_INT(jerr, JSNotEnabledErr);
        // It was not acknowledged, so another try fails the same way.
        CHECK_ERR(natsMsg_AckSync(msg, NULL, &jerr), NATS_NO_RESPONDERS);
        natsMsg_Destroy(msg);
    }
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "ACK", NULL, NULL));
    ju_close(nc, js);
}

static void
test_ack_bad_input(void)
{
    natsConnection      *nc    = NULL;
    jsCtx               *js    = NULL;
    natsSubscription    *plain = NULL;
    natsSubscription    *sub   = NULL;
    natsMsg             *msg   = NULL;
    jsMsgMetaData       *meta  = NULL;
    jsErrCode           jerr   = 0;

    CHECK_ERR(natsMsg_Ack(NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_AckSync(NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_Nak(NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_NakWithDelay(NULL, 10, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_InProgress(NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_Term(NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsg_GetMetaData(&meta, NULL), NATS_INVALID_ARG);
    jsMsgMetaData_Destroy(NULL);

    // A message the application created.
    CHECK_OK(natsMsg_Create(&msg, "subj", "reply", "x", 1));
    CHECK_ERR(natsMsg_Ack(msg, NULL), NATS_ILLEGAL_STATE);
    CHECK_LAST_ERROR_CONTAINS("not a JetStream message");
    CHECK_ERR(natsMsg_AckSync(msg, NULL, &jerr), NATS_ILLEGAL_STATE);
    CHECK_ERR(natsMsg_Nak(msg, NULL), NATS_ILLEGAL_STATE);
    CHECK_ERR(natsMsg_NakWithDelay(msg, 10, NULL), NATS_ILLEGAL_STATE);
    CHECK_ERR(natsMsg_InProgress(msg, NULL), NATS_ILLEGAL_STATE);
    CHECK_ERR(natsMsg_Term(msg, NULL), NATS_ILLEGAL_STATE);
    CHECK_ERR(natsMsg_GetMetaData(&meta, msg), NATS_ILLEGAL_STATE);
    CHECK_ERR(natsMsg_GetMetaData(NULL, msg), NATS_INVALID_ARG);
    CHECK(meta == NULL);
    natsMsg_Destroy(msg);
    msg = NULL;

    if (!ju_connect(&nc, &js, NULL))
        return;

    // A message of a plain subscription, with and without a reply subject.
    CHECK_OK(natsConnection_SubscribeSync(&plain, nc, "plainack.x"));
    CHECK_OK(natsConnection_PublishRequestString(nc, "plainack.x", "some.reply", "x"));
    CHECK_OK(natsConnection_PublishString(nc, "plainack.x", "y"));
    CHECK_OK(natsSubscription_NextMsg(&msg, plain, 2000));
    if (msg != NULL)
    {
        CHECK_ERR(natsMsg_Ack(msg, NULL), NATS_ILLEGAL_STATE);
        CHECK_ERR(natsMsg_GetMetaData(&meta, msg), NATS_ILLEGAL_STATE);
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    CHECK_OK(natsSubscription_NextMsg(&msg, plain, 2000));
    if (msg != NULL)
    {
        CHECK_ERR(natsMsg_Term(msg, NULL), NATS_ILLEGAL_STATE);
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    natsSubscription_Destroy(plain);

    // Acknowledging after the connection closed.
    ju_add_stream(js, "ACKBAD", "ackbad.>");
    ju_publish(js, "ackbad.a", "m", 1);
    CHECK_OK(js_SubscribeSync(&sub, js, "ackbad.a", NULL, NULL, NULL));
    if (sub != NULL)
    {
        msg = next_with_data(sub, "m-0");
        CHECK_OK(js_DeleteStream(js, "ACKBAD", NULL, NULL));
        natsConnection_Close(nc);
        if (msg != NULL)
        {
            CHECK_ERR(natsMsg_Ack(msg, NULL), NATS_CONNECTION_CLOSED);
            CHECK_ERR(natsMsg_AckSync(msg, NULL, &jerr), NATS_CONNECTION_CLOSED);
            // Metadata needs no connection.
            CHECK_OK(natsMsg_GetMetaData(&meta, msg));
            if (meta != NULL)
                CHECK_STR(meta->Stream, "ACKBAD");
            jsMsgMetaData_Destroy(meta);
            natsMsg_Destroy(msg);
        }
        natsSubscription_Destroy(sub);
    }
    ju_close(nc, js);
}

static void
test_ordered_consumer(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerInfo      *ci  = NULL;
    jsSubOptions        so;
    jsErrCode           jerr = 0;
    char                first[128] = "";
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "ORD", "ord.>");
    ju_publish(js, "ord.a", "m", 50);

    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.Heartbeat = 250 * MS_NS;
    CHECK_OK(js_SubscribeSync(&sub, js, "ord.a", NULL, &so, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    ci = sub_info(sub);
    if (ci != NULL)
    {
        CHECK_INT(ci->Config->AckPolicy, js_AckNone);
        CHECK_INT(ci->Config->MaxDeliver, 1);
        CHECK(ci->Config->FlowControl);
        CHECK(ci->Config->MemoryStorage);
        CHECK_INT(ci->Config->Heartbeat, 250 * MS_NS);
        CHECK(ci->Config->Durable == NULL);
        snprintf(first, sizeof(first), "%s", ci->Name);
    }
    jsConsumerInfo_Destroy(ci);
    for (i = 0; i < 25; i++)
    {
        char    expected[16];
        natsMsg *msg;

        snprintf(expected, sizeof(expected), "m-%d", i);
        msg = next_with_data(sub, expected);
        natsMsg_Destroy(msg);
    }

    // Deleting the consumer under the subscription stops its heartbeats:
    // the library notices and creates a new consumer that resumes after
    // the last message it delivered.
    CHECK_OK(js_DeleteConsumer(js, "ORD", first, NULL, NULL));
    for (i = 25; i < 50; i++)
    {
        char    expected[16];
        natsMsg *msg;

        snprintf(expected, sizeof(expected), "m-%d", i);
        msg = next_with_data(sub, expected);
        if (msg == NULL)
            break;
        natsMsg_Destroy(msg);
    }
    ju_publish(js, "ord.a", "n", 5);
    for (i = 0; i < 5; i++)
    {
        char    expected[16];
        natsMsg *msg;

        snprintf(expected, sizeof(expected), "n-%d", i);
        msg = next_with_data(sub, expected);
        natsMsg_Destroy(msg);
    }
    check_no_msg(sub, 300);
    ci = sub_info(sub);
    if (ci != NULL)
        CHECK(strcmp(ci->Name, first) != 0);
    jsConsumerInfo_Destroy(ci);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "ORD", NULL, NULL));
    ju_close(nc, js);
}

static void
test_flow_control(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsSubOptions        so;
    ju_counter          c;
    char                *payload = NULL;
    int                 total = 300;
    int                 i;

    counter_init(&c);
    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "FC", "fc.>");
    payload = calloc(1, 64 * 1024);
    if (payload == NULL)
        return;
    memset(payload, 'x', 64 * 1024 - 1);
    for (i = 0; i < total; i++)
        CHECK_OK(js_Publish(NULL, js, "fc.a", payload, 64 * 1024, NULL, NULL));
    free(payload);

    // About 19 MB pushed through flow control and heartbeats. Every
    // message arrives only if the library replied to the flow-control
    // requests.
    jsSubOptions_Init(&so);
    so.Config.FlowControl = true;
    so.Config.Heartbeat = 500 * MS_NS;
    CHECK_OK(js_Subscribe(&sub, js, "fc.a", on_count, &c, NULL, &so, NULL));
    CHECK(tu_wait_for_count(&c.count, total, 20000));
    CHECK(c.in_order);
    CHECK(wait_ack_pending(sub, 0, 3000));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "FC", NULL, NULL));
    ju_close(nc, js);
}

// Publishes, on the deliver subject of a JetStream subscription, a
// message with the reply subject `reply` (NULL for none) and returns it
// as the subscription delivers it.
static natsMsg *
crafted_msg(natsConnection *nc, natsSubscription *sub, const char *reply)
{
    if (reply == NULL)
        CHECK_OK(natsConnection_PublishString(nc, natsSubscription_GetSubject(sub), "crafted"));
    else
        CHECK_OK(natsConnection_PublishRequestString(nc, natsSubscription_GetSubject(sub), reply, "crafted"));
    return next_with_data(sub, "crafted");
}

// Metadata of a message on a JetStream subscription whose reply subject
// is not an ack subject, or missing. nats-server 2.15 rejects a client's
// publish with a `$JS.ACK.` reply as a permissions violation, so the long
// form with a domain and malformed ack subjects are covered by the Rust
// unit tests of `core::js::ack` instead.
static void
test_metadata_subject_forms(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;
    jsMsgMetaData       *meta = NULL;
    jsSubOptions        so;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "FORM", "form.>");
    jsSubOptions_Init(&so);
    so.ManualAck = true;
    CHECK_OK(js_SubscribeSync(&sub, js, "form.a", NULL, &so, NULL));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    msg = crafted_msg(nc, sub, "not.an.ack.subject");
    if (msg != NULL)
    {
        CHECK_ERR(natsMsg_GetMetaData(&meta, msg), NATS_ERR);
        CHECK_LAST_ERROR_CONTAINS("invalid meta data 'not.an.ack.subject'");
        CHECK(meta == NULL);
        natsMsg_Destroy(msg);
    }
    // Without a reply subject the message is not a JetStream message.
    msg = crafted_msg(nc, sub, NULL);
    if (msg != NULL)
    {
        CHECK_ERR(natsMsg_GetMetaData(&meta, msg), NATS_ILLEGAL_STATE);
        CHECK_LAST_ERROR_CONTAINS("not a JetStream message");
        CHECK_ERR(natsMsg_Ack(msg, NULL), NATS_ILLEGAL_STATE);
        CHECK_LAST_ERROR_CONTAINS("not a JetStream message");
        natsMsg_Destroy(msg);
    }
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "FORM", NULL, NULL));
    ju_close(nc, js);
}

// Sends one HPUB on a raw connection to the server, the way the server
// sends heartbeats and flow-control requests: `status_line` is the header
// block's first line (for example "NATS/1.0 100 Idle Heartbeat") and
// `headers` the following "Key: value\r\n" lines. Waits for the server's
// PONG, so the message was routed when this returns.
static void
raw_hpub(const char *subject, const char *reply, const char *status_line, const char *headers)
{
    struct sockaddr_in  addr;
    const char          *port_text = strrchr(ju_url, ':');
    char                block[1024];
    char                out[2048];
    char                in[4096];
    size_t              got = 0;
    int64_t             deadline = tu_now_ms() + 5000;
    int                 fd;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) atoi(port_text + 1));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(connect(fd, (struct sockaddr *) &addr, sizeof(addr)) == 0);
    snprintf(block, sizeof(block), "%s\r\n%s\r\n", status_line, headers);
    snprintf(out, sizeof(out),
             "CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":false}\r\n"
             "HPUB %s %s%s%d %d\r\n%s\r\nPING\r\n",
             subject, (reply == NULL ? "" : reply), (reply == NULL ? "" : " "),
             (int) strlen(block), (int) strlen(block), block);
    CHECK((size_t) write(fd, out, strlen(out)) == strlen(out));
    // Read until the PONG (after the INFO the server sends first).
    while ((got < sizeof(in) - 1) && (tu_now_ms() < deadline))
    {
        ssize_t n = read(fd, in + got, sizeof(in) - 1 - got);

        if (n <= 0)
            break;
        got += (size_t) n;
        in[got] = '\0';
        if (strstr(in, "PONG") != NULL)
            break;
    }
    in[got] = '\0';
    CHECK_CONTAINS(in, "PONG");
    close(fd);
}

static atomic_int           mismatch_errors;
static natsSubscription     *volatile mismatch_sub;

static void
on_mismatch_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    if (err == NATS_MISMATCH)
    {
        mismatch_sub = sub;
        atomic_fetch_add(&mismatch_errors, 1);
    }
}

// Waits for NextMsg to report the sequence mismatch a heartbeat revealed.
static natsStatus
next_until_mismatch(natsSubscription *sub, int64_t timeout_ms)
{
    int64_t     deadline = tu_now_ms() + timeout_ms;
    natsStatus  s = NATS_TIMEOUT;

    while (tu_now_ms() < deadline)
    {
        natsMsg *msg = NULL;

        s = natsSubscription_NextMsg(&msg, sub, 50);
        natsMsg_Destroy(msg);
        if (s != NATS_TIMEOUT)
            break;
    }
    return s;
}

static void
test_sequence_mismatch(void)
{
    natsConnection              *nc  = NULL;
    jsCtx                       *js  = NULL;
    natsSubscription            *sub = NULL;
    natsSubscription            *asub = NULL;
    natsOptions                 *opts = NULL;
    jsConsumerSequenceMismatch  csm;
    ju_counter                  c;
    int                         i;

    counter_init(&c);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, ju_url));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_mismatch_error, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    ju_add_stream(js, "SM", "sm.>");
    ju_publish(js, "sm.a", "m", 2);

    // A synchronous subscription without heartbeats of its own, so that
    // only the heartbeats sent here reach it.
    CHECK_OK(js_SubscribeSync(&sub, js, "sm.a", NULL, NULL, NULL));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    for (i = 0; i < 2; i++)
    {
        natsMsg *msg = next_with_data(sub, NULL);

        CHECK_OK(natsMsg_Ack(msg, NULL));
        natsMsg_Destroy(msg);
    }
    CHECK_STATUS(natsSubscription_GetSequenceMismatch(&csm, sub), NATS_NOT_FOUND);

    // A heartbeat reports consumer sequence 5 as sent; the client got 2.
    raw_hpub(natsSubscription_GetSubject(sub), NULL, "NATS/1.0 100 Idle Heartbeat",
             "Nats-Last-Consumer: 5\r\nNats-Last-Stream: 7\r\n");
    CHECK_STATUS(next_until_mismatch(sub, 3000), NATS_MISMATCH);
    CHECK_LAST_ERROR_CONTAINS("consumer sequence mismatch");
    memset(&csm, 0, sizeof(csm));
    CHECK_OK(natsSubscription_GetSequenceMismatch(&csm, sub));
    CHECK_INT(csm.Stream, 2);
    CHECK_INT(csm.ConsumerClient, 2);
    CHECK_INT(csm.ConsumerServer, 5);
    // NextMsg reports a mismatch once.
    check_no_msg(sub, 200);
    // A heartbeat that agrees clears it.
    raw_hpub(natsSubscription_GetSubject(sub), NULL, "NATS/1.0 100 Idle Heartbeat",
             "Nats-Last-Consumer: 2\r\nNats-Last-Stream: 2\r\n");
    {
        int64_t     deadline = tu_now_ms() + 3000;
        natsStatus  s = NATS_OK;

        while (((s = natsSubscription_GetSequenceMismatch(&csm, sub)) == NATS_OK) && (tu_now_ms() < deadline))
            tu_sleep_ms(10);
        CHECK_STATUS(s, NATS_NOT_FOUND);
    }

    // The library replies to a flow-control request with an empty message
    // at once when every message before it was delivered. It does the same
    // for the reply subject a stalled consumer puts in a heartbeat.
    {
        natsSubscription    *fc = NULL;
        natsMsg             *reply = NULL;

        CHECK_OK(natsConnection_SubscribeSync(&fc, nc, "smfc.>"));
        CHECK_OK(natsConnection_Flush(nc));
        raw_hpub(natsSubscription_GetSubject(sub), "smfc.request", "NATS/1.0 100 FlowControl Request", "");
        CHECK_OK(natsSubscription_NextMsg(&reply, fc, 3000));
        if (reply != NULL)
        {
            CHECK_STR(natsMsg_GetSubject(reply), "smfc.request");
            CHECK_INT(natsMsg_GetDataLength(reply), 0);
        }
        natsMsg_Destroy(reply);
        reply = NULL;
        raw_hpub(natsSubscription_GetSubject(sub), NULL, "NATS/1.0 100 Idle Heartbeat",
                 "Nats-Last-Consumer: 2\r\nNats-Consumer-Stalled: smfc.stalled\r\n");
        CHECK_OK(natsSubscription_NextMsg(&reply, fc, 3000));
        if (reply != NULL)
            CHECK_STR(natsMsg_GetSubject(reply), "smfc.stalled");
        natsMsg_Destroy(reply);
        // Neither control message reached the application.
        check_no_msg(sub, 100);

        // With messages still queued, the reply waits until the
        // application has taken every message that came before the request.
        ju_publish(js, "sm.a", "q", 3);
        {
            int64_t deadline = tu_now_ms() + 3000;
            int     pending  = 0;

            while ((pending < 3) && (tu_now_ms() < deadline))
            {
                natsSubscription_GetPending(sub, &pending, NULL);
                if (pending < 3)
                    tu_sleep_ms(5);
            }
            CHECK_INT(pending, 3);
        }
        raw_hpub(natsSubscription_GetSubject(sub), "smfc.later", "NATS/1.0 100 FlowControl Request", "");
        for (i = 0; i < 3; i++)
        {
            natsMsg *msg = NULL;

            reply = NULL;
            CHECK_STATUS(natsSubscription_NextMsg(&reply, fc, 150), NATS_TIMEOUT);
            natsMsg_Destroy(reply);
            msg = next_with_data(sub, NULL);
            natsMsg_Destroy(msg);
        }
        reply = NULL;
        CHECK_OK(natsSubscription_NextMsg(&reply, fc, 3000));
        if (reply != NULL)
            CHECK_STR(natsMsg_GetSubject(reply), "smfc.later");
        natsMsg_Destroy(reply);
        natsSubscription_Destroy(fc);
    }
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);

    // An asynchronous subscription hears of the mismatch through the
    // error handler, once until it clears.
    CHECK_OK(js_Subscribe(&asub, js, "sm.a", on_count, &c, NULL, NULL, NULL));
    if (asub != NULL)
    {
        // The stream has 5 messages now.
        CHECK(tu_wait_for_count(&c.count, 5, 5000));
        raw_hpub(natsSubscription_GetSubject(asub), NULL, "NATS/1.0 100 Idle Heartbeat",
                 "Nats-Last-Consumer: 9\r\n");
        raw_hpub(natsSubscription_GetSubject(asub), NULL, "NATS/1.0 100 Idle Heartbeat",
                 "Nats-Last-Consumer: 9\r\n");
        CHECK(tu_wait_for_count(&mismatch_errors, 1, 3000));
        CHECK(mismatch_sub == asub);
        tu_sleep_ms(200);
        CHECK_INT(atomic_load(&mismatch_errors), 1);
        CHECK_OK(natsSubscription_GetSequenceMismatch(&csm, asub));
        CHECK_INT(csm.Stream, 5);
        CHECK_INT(csm.ConsumerClient, 5);
        CHECK_INT(csm.ConsumerServer, 9);
        CHECK_OK(natsSubscription_Unsubscribe(asub));
        natsSubscription_Destroy(asub);
    }
    CHECK_OK(js_DeleteStream(js, "SM", NULL, NULL));
    ju_close(nc, js);
}

// An ordered consumer whose heartbeat reports a gap replaces its consumer
// and resumes after the last message it delivered.
static void
test_ordered_reset_on_mismatch(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerInfo      *ci  = NULL;
    jsSubOptions        so;
    char                first[128] = "";
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "OM", "om.>");
    ju_publish(js, "om.a", "m", 10);
    jsSubOptions_Init(&so);
    so.Ordered = true;
    CHECK_OK(js_SubscribeSync(&sub, js, "om.a", NULL, &so, NULL));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    for (i = 0; i < 5; i++)
    {
        char    expected[16];
        natsMsg *msg;

        snprintf(expected, sizeof(expected), "m-%d", i);
        msg = next_with_data(sub, expected);
        natsMsg_Destroy(msg);
    }
    ci = sub_info(sub);
    if (ci != NULL)
        snprintf(first, sizeof(first), "%s", ci->Name);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    raw_hpub(natsSubscription_GetSubject(sub), NULL, "NATS/1.0 100 Idle Heartbeat",
             "Nats-Last-Consumer: 50\r\n");
    // Messages 5 to 9 arrive once each, in order, whichever consumer
    // sends them, and nothing else.
    for (i = 5; i < 10; i++)
    {
        char    expected[16];
        natsMsg *msg;

        snprintf(expected, sizeof(expected), "m-%d", i);
        msg = next_with_data(sub, expected);
        natsMsg_Destroy(msg);
    }
    check_no_msg(sub, 300);
    {
        int64_t deadline = tu_now_ms() + 3000;
        bool    replaced = false;

        while (!replaced && (tu_now_ms() < deadline))
        {
            if (natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL) == NATS_OK)
            {
                replaced = (strcmp(ci->Name, first) != 0);
                jsConsumerInfo_Destroy(ci);
                ci = NULL;
            }
            if (!replaced)
                tu_sleep_ms(20);
        }
        CHECK(replaced);
    }
    // The replaced consumer is deleted.
    check_consumer_exists(js, "OM", first, false, 3000);
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "OM", NULL, NULL));
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_sub_options_init);
    RUN_TEST(test_subscribe_bad_input);
    RUN_TEST(test_sync_ephemeral_and_metadata);
    RUN_TEST(test_destroy_and_drain);
    RUN_TEST(test_async_auto_and_manual_ack);
    RUN_TEST(test_bind_durable_and_checks);
    RUN_TEST(test_queue_group);
    RUN_TEST(test_multiple_filter_subjects);
    RUN_TEST(test_ack_kinds);
    RUN_TEST(test_ack_bad_input);
    RUN_TEST(test_ordered_consumer);
    RUN_TEST(test_flow_control);
    RUN_TEST(test_metadata_subject_forms);
    RUN_TEST(test_sequence_mismatch);
    RUN_TEST(test_ordered_reset_on_mismatch);
    return tu_finish();
}
