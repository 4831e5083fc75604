// Pull subscriptions: js_PullSubscribe binding and creating consumers,
// js_UnpinConsumer,
// natsSubscription_Fetch and natsSubscription_FetchRequest (batch, expires,
// no wait, max bytes, heartbeats, priority groups, status messages), bad
// input, and js_PullSubscribeAsync with its limits and handlers.
//
// Some cases need the server to misbehave (stay silent, send a given
// status), so they run against a fake JetStream API under the prefix
// "FAKE.API", served by handlers of this program.
//
// Usage: pull <url-with-jetstream>

#include "js_util.h"

#define MS_NS ((int64_t) 1000000)

// Initializes subscribe options and checks the call.
static void
pu_sub_options(jsSubOptions *so)
{
    CHECK_OK(jsSubOptions_Init(so));
}

// Acknowledges a message with natsMsg_Ack.
static void
pu_ack(natsConnection *nc, natsMsg *msg)
{
    CHECK_OK(natsMsg_Ack(msg, NULL));
}

// Checks that `list` contains `count` messages "<prefix>-<first + i>".
static void
pu_check_list(natsMsgList *list, const char *prefix, int first, int count)
{
    int i;

    CHECK_INT(list->Count, count);
    for (i = 0; (i < list->Count) && (i < count); i++)
    {
        char expected[64];

        snprintf(expected, sizeof(expected), "%s-%d", prefix, first + i);
        CHECK_STR(natsMsg_GetData(list->Msgs[i]), expected);
    }
}

// Returns whether the consumer exists, checked with js_GetConsumerInfo.
static bool
pu_consumer_exists(jsCtx *js, const char *stream, const char *consumer)
{
    jsConsumerInfo  *ci = NULL;
    natsStatus      s;

    s = js_GetConsumerInfo(&ci, js, stream, consumer, NULL, NULL);
    jsConsumerInfo_Destroy(ci);
    if ((s != NATS_OK) && (s != NATS_NOT_FOUND))
        tu_fail(__FILE__, __LINE__, "js_GetConsumerInfo(%s, %s) returned %d", stream, consumer, (int) s);
    return (s == NATS_OK);
}

// Returns the number of consumers of `stream` (0 when it has none).
static int
pu_consumer_count(jsCtx *js, const char *stream)
{
    jsConsumerNamesList *names = NULL;
    int                 count  = 0;

    if (js_ConsumerNames(&names, js, stream, NULL, NULL) == NATS_OK)
    {
        count = names->Count;
        jsConsumerNamesList_Destroy(names);
    }
    return count;
}

static void
test_fetch_request_init(void)
{
    jsFetchRequest req;

    memset(&req, 0xFF, sizeof(req));
    CHECK_OK(jsFetchRequest_Init(&req));
    CHECK_INT(req.Expires, 0);
    CHECK_INT(req.Batch, 0);
    CHECK_INT(req.MaxBytes, 0);
    CHECK(!req.NoWait);
#if TU_CNATS_3_13
    CHECK_INT(req.Heartbeat, 0);
    CHECK_INT(req.MinPending, 0);
    CHECK_INT(req.MinAckPending, 0);
    CHECK(req.ID == NULL);
    CHECK(req.Group == NULL);
#endif
    CHECK_ERR(jsFetchRequest_Init(NULL), NATS_INVALID_ARG);
}

static void
test_pull_subscribe_bad_input(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerConfig    cc;
    jsSubOptions        so;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PBAD", "pbad.>");

    CHECK_ERR(js_PullSubscribe(NULL, js, "pbad.a", "D", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PullSubscribe(&sub, NULL, "pbad.a", "D", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(sub == NULL);

    // Neither a subject nor a stream and consumer to bind to.
    CHECK_ERR(js_PullSubscribe(&sub, js, NULL, "D", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PullSubscribe(&sub, js, "", "D", NULL, NULL, &jerr), NATS_INVALID_ARG);

    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", "bad.name", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("invalid durable name");

    CHECK_ERR(js_PullSubscribe(&sub, js, "nostream.a", "D", NULL, NULL, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("no stream matches subject");

    pu_sub_options(&so);
    so.Ordered = true;
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", NULL, NULL, &so, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("can not use pull mode for an ordered consumer");

    pu_sub_options(&so);
    so.Config.InactiveThreshold = -1;
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", "D", NULL, &so, &jerr), NATS_INVALID_ARG);

    // Binding to a consumer that does not exist.
    pu_sub_options(&so);
    so.Stream = "PBAD";
    so.Consumer = "MISSING";
    CHECK_STATUS(js_PullSubscribe(&sub, js, NULL, NULL, NULL, &so, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
    CHECK(sub == NULL);

    // A push consumer cannot be pulled.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "PUSH";
    cc.DeliverSubject = "pbad_deliver";
    CHECK_OK(js_AddConsumer(NULL, js, "PBAD", &cc, NULL, &jerr));
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", "PUSH", NULL, NULL, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("cannot pull subscribe to push based consumer");

    // An existing consumer must match what the options set.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "PULLD";
    cc.AckWait = 30000 * MS_NS;
    CHECK_OK(js_AddConsumer(NULL, js, "PBAD", &cc, NULL, &jerr));
    pu_sub_options(&so);
    so.Config.AckWait = 10000 * MS_NS;
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", "PULLD", NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("configuration requests ack wait");
    CHECK(sub == NULL);
    pu_sub_options(&so);
    so.Config.DeliverPolicy = js_DeliverLast;
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", "PULLD", NULL, &so, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("configuration requests deliver policy to be 1, but consumer's value is 0");
    // Options that match bind to it.
    pu_sub_options(&so);
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = 30000 * MS_NS;
    CHECK_OK(js_PullSubscribe(&sub, js, "pbad.a", "PULLD", NULL, &so, &jerr));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // The subject must match the consumer's filter.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "FILTERED";
    cc.FilterSubject = "pbad.x";
    CHECK_OK(js_AddConsumer(NULL, js, "PBAD", &cc, NULL, &jerr));
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.y", "FILTERED", NULL, NULL, &jerr), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("does not match consumer filter subject");

    // A closed connection.
    natsConnection_Close(nc);
    CHECK_ERR(js_PullSubscribe(&sub, js, "pbad.a", "D", NULL, NULL, &jerr), NATS_CONNECTION_CLOSED);
    CHECK(sub == NULL);
    ju_close(nc, js);
}

static void
test_pull_subscribe_create_and_bind(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsConsumerConfig    cc;
    jsSubOptions        so;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PCB", "pcb.>");
    ju_publish(js, "pcb.a", "m", 3);

    // A durable the library creates is deleted by unsubscribe.
    CHECK_OK(js_PullSubscribe(&sub, js, "pcb.a", "NEWD", NULL, NULL, &jerr));
    CHECK_INT(jerr, 0);
    CHECK(sub != NULL);
    CHECK(natsSubscription_IsValid(sub));
    CHECK(pu_consumer_exists(js, "PCB", "NEWD"));
    {
        jsConsumerInfo *ci = NULL;

        CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr));
        CHECK(ci != NULL);
        if (ci != NULL)
        {
            CHECK_STR(ci->Stream, "PCB");
            CHECK_STR(ci->Name, "NEWD");
            CHECK_INT(ci->NumPending, 3);
            CHECK(ci->Config->DeliverSubject == NULL);
            CHECK_STR(ci->Config->FilterSubject, "pcb.a");
        }
        jsConsumerInfo_Destroy(ci);
    }
    CHECK_OK(natsSubscription_Fetch(&list, sub, 3, 5000, &jerr));
    pu_check_list(&list, "m", 0, 3);
    natsMsgList_Destroy(&list);
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!pu_consumer_exists(js, "PCB", "NEWD"));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // An ephemeral consumer (no durable name) is deleted by unsubscribe too.
    CHECK_OK(js_PullSubscribe(&sub, js, "pcb.a", NULL, NULL, NULL, &jerr));
    CHECK_INT(pu_consumer_count(js, "PCB"), 1);
    CHECK_OK(natsSubscription_Fetch(&list, sub, 1, 5000, &jerr));
    pu_check_list(&list, "m", 0, 1);
    natsMsgList_Destroy(&list);
    {
        jsConsumerInfo *ci = NULL;

        CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr));
        CHECK(ci != NULL);
        if (ci != NULL)
            CHECK_INT(ci->NumAckPending, 1);
        jsConsumerInfo_Destroy(ci);
    }
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK_INT(pu_consumer_count(js, "PCB"), 0);
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Destroy keeps a consumer the library created.
    CHECK_OK(js_PullSubscribe(&sub, js, "pcb.a", "KEPT", NULL, NULL, &jerr));
    natsSubscription_Destroy(sub);
    sub = NULL;
    CHECK(pu_consumer_exists(js, "PCB", "KEPT"));

    // The durable name can come from the config too.
    pu_sub_options(&so);
    so.Config.Durable = "FROMCFG";
    CHECK_OK(js_PullSubscribe(&sub, js, "pcb.a", NULL, NULL, &so, &jerr));
    CHECK(pu_consumer_exists(js, "PCB", "FROMCFG"));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // A durable that exists is bound to and survives unsubscribe; its
    // progress carries over between subscriptions.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "OLD";
    cc.AckPolicy = js_AckExplicit;
    CHECK_OK(js_AddConsumer(NULL, js, "PCB", &cc, NULL, &jerr));
    CHECK_OK(js_PullSubscribe(&sub, js, "pcb.a", "OLD", NULL, NULL, &jerr));
    CHECK_OK(natsSubscription_Fetch(&list, sub, 2, 5000, &jerr));
    pu_check_list(&list, "m", 0, 2);
    if (list.Count == 2)
    {
        pu_ack(nc, list.Msgs[0]);
        pu_ack(nc, list.Msgs[1]);
    }
    natsMsgList_Destroy(&list);
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;
    CHECK(pu_consumer_exists(js, "PCB", "OLD"));

    // Bound by stream and consumer name, without a subject.
    pu_sub_options(&so);
    so.Stream = "PCB";
    so.Consumer = "OLD";
    CHECK_OK(js_PullSubscribe(&sub, js, NULL, NULL, NULL, &so, &jerr));
    CHECK_OK(natsSubscription_Fetch(&list, sub, 5, 1000, &jerr));
    pu_check_list(&list, "m", 2, 1);
    natsMsgList_Destroy(&list);
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;
    CHECK(pu_consumer_exists(js, "PCB", "OLD"));

    ju_close(nc, js);
}

static void
test_fetch_batches(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsErrCode           jerr = 0;
    int64_t             start;
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PFB", "pfb.>");
    ju_publish(js, "pfb.a", "m", 10);
    CHECK_OK(js_PullSubscribe(&sub, js, "pfb.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    CHECK_OK(natsSubscription_Fetch(&list, sub, 4, 5000, &jerr));
    pu_check_list(&list, "m", 0, 4);
    for (i = 0; i < list.Count; i++)
        pu_ack(nc, list.Msgs[i]);
    natsMsgList_Destroy(&list);

    // More than what is left: the rest returns at once.
    start = tu_now_ms();
    CHECK_OK(natsSubscription_Fetch(&list, sub, 100, 5000, &jerr));
    CHECK(tu_now_ms() - start < 2000);
    pu_check_list(&list, "m", 4, 6);
    for (i = 0; i < list.Count; i++)
        pu_ack(nc, list.Msgs[i]);
    natsMsgList_Destroy(&list);

    // Nothing left: NATS_TIMEOUT after the timeout, an empty list.
    start = tu_now_ms();
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 5, 300, &jerr), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start >= 250);
    CHECK(tu_now_ms() - start < 3000);
    CHECK_INT(list.Count, 0);
    CHECK(list.Msgs == NULL);

    // A message published while a fetch waits is returned by it.
    ju_publish(js, "pfb.a", "late", 1);
    CHECK_OK(natsSubscription_Fetch(&list, sub, 1, 5000, &jerr));
    pu_check_list(&list, "late", 0, 1);
    natsMsgList_Destroy(&list);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void *
pu_fetch_in_thread(void *arg)
{
    natsSubscription    *sub = (natsSubscription *) arg;
    natsMsgList         list;

    CHECK_STATUS(natsSubscription_Fetch(&list, sub, 1, 1500, NULL), NATS_TIMEOUT);
    return NULL;
}

static void
test_fetch_concurrent_rejected(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsErrCode           jerr = 0;
    pthread_t           thread;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PCC", "pcc.>");
    CHECK_OK(js_PullSubscribe(&sub, js, "pcc.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // A second fetch while one waits on the same subscription fails.
    pthread_create(&thread, NULL, pu_fetch_in_thread, sub);
    tu_sleep_ms(300);
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, 100, NULL), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("concurrent fetch request not allowed");
    pthread_join(thread, NULL);

    // Once it returned, fetching works again.
    ju_publish(js, "pcc.a", "m", 1);
    CHECK_OK(natsSubscription_Fetch(&list, sub, 1, 2000, NULL));
    pu_check_list(&list, "m", 0, 1);
    natsMsgList_Destroy(&list);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_fetch_bad_input(void)
{
    natsConnection      *nc    = NULL;
    jsCtx               *js    = NULL;
    natsSubscription    *sub   = NULL;
    natsSubscription    *plain = NULL;
    natsMsg             *msg   = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PFBAD", "pfbad.>");
    CHECK_OK(js_PullSubscribe(&sub, js, "pfbad.a", "D", NULL, NULL, &jerr));

    CHECK_ERR(natsSubscription_Fetch(NULL, sub, 1, 1000, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_Fetch(&list, NULL, 1, 1000, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 0, 1000, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_Fetch(&list, sub, -3, 1000, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, 0, &jerr), NATS_INVALID_TIMEOUT);
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, -5, NULL), NATS_INVALID_TIMEOUT);
    CHECK_INT(list.Count, 0);

    jsFetchRequest_Init(&req);
    req.Batch = 1;
    req.Expires = 1000 * MS_NS;
    CHECK_ERR(natsSubscription_FetchRequest(NULL, sub, &req), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_FetchRequest(&list, NULL, &req), NATS_INVALID_ARG);
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, NULL), NATS_INVALID_ARG);
    req.Batch = 0;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_INVALID_ARG);
    req.Batch = 1;
    req.MaxBytes = -1;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_INVALID_ARG);
    req.MaxBytes = 0;
    req.Expires = 0;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_INVALID_TIMEOUT);

    // A subscription that is not a pull subscription.
    CHECK_OK(natsConnection_SubscribeSync(&plain, nc, "pfbad.plain"));
    CHECK_ERR(natsSubscription_Fetch(&list, plain, 1, 100, &jerr), NATS_INVALID_SUBSCRIPTION);
    CHECK_LAST_ERROR_CONTAINS("not a JetStream pull subscription");
    req.Expires = 100 * MS_NS;
    CHECK_ERR(natsSubscription_FetchRequest(&list, plain, &req), NATS_INVALID_SUBSCRIPTION);
    natsSubscription_Destroy(plain);

    // A push subscription is not a pull subscription either.
    CHECK_OK(js_SubscribeSync(&plain, js, "pfbad.push", NULL, NULL, &jerr));
    CHECK_ERR(natsSubscription_Fetch(&list, plain, 1, 100, &jerr), NATS_INVALID_SUBSCRIPTION);
    CHECK_LAST_ERROR_CONTAINS("not a JetStream pull subscription");
    CHECK_ERR(natsSubscription_FetchRequest(&list, plain, &req), NATS_INVALID_SUBSCRIPTION);
    CHECK_OK(natsSubscription_Unsubscribe(plain));
    natsSubscription_Destroy(plain);
    plain = NULL;

    // NextMsg does not apply to a pull subscription.
    CHECK_ERR(natsSubscription_NextMsg(&msg, sub, 100), NATS_INVALID_SUBSCRIPTION);
    CHECK_LAST_ERROR_CONTAINS("not applicable to JetStream pull subscriptions");
    CHECK(msg == NULL);

    // An unsubscribed pull subscription.
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, 100, &jerr), NATS_INVALID_SUBSCRIPTION);
    natsSubscription_Destroy(sub);
    sub = NULL;

    // A closed connection.
    CHECK_OK(js_PullSubscribe(&sub, js, "pfbad.a", "D2", NULL, NULL, &jerr));
    natsConnection_Close(nc);
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, 100, &jerr), NATS_CONNECTION_CLOSED);
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_CONNECTION_CLOSED);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_fetch_request_no_wait_and_expires(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    jsErrCode           jerr = 0;
    int64_t             start;
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PNW", "pnw.>");
    ju_publish(js, "pnw.a", "m", 3);
    CHECK_OK(js_PullSubscribe(&sub, js, "pnw.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // No wait with an expiration: what is there comes back at once.
    jsFetchRequest_Init(&req);
    req.Batch = 10;
    req.NoWait = true;
    req.Expires = 3000 * MS_NS;
    start = tu_now_ms();
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    CHECK(tu_now_ms() - start < 2000);
    pu_check_list(&list, "m", 0, 3);
    for (i = 0; i < list.Count; i++)
        pu_ack(nc, list.Msgs[i]);
    natsMsgList_Destroy(&list);
    CHECK_OK(natsConnection_Flush(nc));

    // No wait with an expiration and nothing there: NATS_TIMEOUT.
    jsFetchRequest_Init(&req);
    req.Batch = 10;
    req.NoWait = true;
    req.Expires = 500 * MS_NS;
    start = tu_now_ms();
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start < 3000);
    CHECK_INT(list.Count, 0);

    // No wait without an expiration and nothing there: the server's 404.
    jsFetchRequest_Init(&req);
    req.Batch = 10;
    req.NoWait = true;
    start = tu_now_ms();
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &req), NATS_NOT_FOUND);
    CHECK(tu_now_ms() - start < 2000);
    CHECK_INT(list.Count, 0);

    // Expiration only: fewer messages than the batch return when the
    // request expires.
    ju_publish(js, "pnw.a", "n", 2);
    jsFetchRequest_Init(&req);
    req.Batch = 10;
    req.Expires = 500 * MS_NS;
    start = tu_now_ms();
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    CHECK(tu_now_ms() - start >= 400);
    CHECK(tu_now_ms() - start < 3000);
    pu_check_list(&list, "n", 0, 2);
    natsMsgList_Destroy(&list);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_fetch_max_bytes(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    jsErrCode           jerr = 0;
    char                payload[100];
    int                 i;
    int                 total = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PMB", "pmb.>");
    memset(payload, 'x', sizeof(payload));
    for (i = 0; i < 10; i++)
        CHECK_OK(js_Publish(NULL, js, "pmb.a", payload, (int) sizeof(payload), NULL, &jerr));
    CHECK_OK(js_PullSubscribe(&sub, js, "pmb.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // Room for a few messages of 100 bytes (the server also counts the
    // subject, reply and headers).
    jsFetchRequest_Init(&req);
    req.Batch = 10;
    req.MaxBytes = 450;
    req.Expires = 2000 * MS_NS;
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    CHECK(list.Count >= 1);
    CHECK(list.Count < 10);
    for (i = 0; i < list.Count; i++)
    {
        total += natsMsg_GetDataLength(list.Msgs[i]);
        pu_ack(nc, list.Msgs[i]);
    }
    CHECK(total <= 450);
    natsMsgList_Destroy(&list);

    // Less than one message: the server's 409 ends the request.
    jsFetchRequest_Init(&req);
    req.Batch = 10;
    req.MaxBytes = 50;
    req.Expires = 2000 * MS_NS;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_LIMIT_REACHED);
    CHECK_LAST_ERROR_CONTAINS("MaxBytes");
    CHECK_INT(list.Count, 0);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

#if TU_CNATS_3_13
static void
test_fetch_heartbeat_keeps_request(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    jsErrCode           jerr = 0;
    int64_t             start;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PHB", "phb.>");
    CHECK_OK(js_PullSubscribe(&sub, js, "phb.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // The server's heartbeats every 100 ms keep the request alive until it
    // expires, with no missed heartbeat.
    jsFetchRequest_Init(&req);
    req.Batch = 1;
    req.Expires = 1000 * MS_NS;
    req.Heartbeat = 100 * MS_NS;
    start = tu_now_ms();
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start >= 900);
    CHECK(tu_now_ms() - start < 3000);

    // A message arriving during such a request is returned.
    ju_publish(js, "phb.a", "m", 1);
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    pu_check_list(&list, "m", 0, 1);
    natsMsgList_Destroy(&list);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}
#endif

// --- Fake JetStream API under FAKE.API -----------------------------------

static const char *pu_fake_info =
    "{\"type\":\"io.nats.jetstream.api.v1.consumer_info_response\","
    "\"stream_name\":\"FAKE\",\"name\":\"C\",\"created\":\"2024-01-01T00:00:00Z\","
    "\"config\":{\"durable_name\":\"C\",\"deliver_policy\":\"all\","
    "\"ack_policy\":\"explicit\",\"replay_policy\":\"instant\",\"max_ack_pending\":1000},"
    "\"delivered\":{\"consumer_seq\":0,\"stream_seq\":0},"
    "\"ack_floor\":{\"consumer_seq\":0,\"stream_seq\":0},"
    "\"num_ack_pending\":0,\"num_redelivered\":0,\"num_waiting\":0,\"num_pending\":0}";

// Status the fake MSG.NEXT handler replies with: NULL to stay silent.
static const char *volatile pu_fake_status = NULL;
static const char *volatile pu_fake_description = NULL;
static atomic_int pu_fake_requests;

static void
pu_fake_next(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    const char  *reply = natsMsg_GetReply(msg);
    natsMsg     *resp  = NULL;

    atomic_fetch_add(&pu_fake_requests, 1);
    if ((reply != NULL) && (pu_fake_status != NULL)
        && (natsMsg_Create(&resp, reply, NULL, NULL, 0) == NATS_OK))
    {
        natsMsgHeader_Set(resp, "Status", pu_fake_status);
        if (pu_fake_description != NULL)
            natsMsgHeader_Set(resp, "Description", pu_fake_description);
        natsConnection_PublishMsg(nc, resp);
        natsMsg_Destroy(resp);
    }
    natsMsg_Destroy(msg);
}

// Starts the fake API on `nc` and binds a pull subscription to its
// consumer through `js`, which must use the prefix FAKE.API.
static bool
pu_fake_start(natsConnection *nc, jsCtx *js, natsSubscription **info_sub, natsSubscription **next_sub,
              natsSubscription **sub, natsMsgHandler cb, jsOptions *jo)
{
    jsSubOptions so;

    atomic_store(&pu_fake_requests, 0);
    CHECK_OK(natsConnection_Subscribe(info_sub, nc, "FAKE.API.CONSUMER.INFO.FAKE.C",
                                      ju_fake_handler, (void *) pu_fake_info));
    CHECK_OK(natsConnection_Subscribe(next_sub, nc, "FAKE.API.CONSUMER.MSG.NEXT.FAKE.C", pu_fake_next, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    pu_sub_options(&so);
    so.Stream = "FAKE";
    so.Consumer = "C";
#if TU_CNATS_3_13
    if (cb != NULL)
        CHECK_OK(js_PullSubscribeAsync(sub, js, NULL, NULL, cb, NULL, jo, &so, NULL));
    else
#endif
        CHECK_OK(js_PullSubscribe(sub, js, NULL, NULL, NULL, &so, NULL));
    return (*sub != NULL);
}

static void
pu_fake_stop(natsSubscription *info_sub, natsSubscription *next_sub, natsSubscription *sub)
{
    natsSubscription_Destroy(sub);
    natsSubscription_Destroy(next_sub);
    natsSubscription_Destroy(info_sub);
    pu_fake_status = NULL;
    pu_fake_description = NULL;
}

static void
pu_fake_connect(natsConnection **nc, jsCtx **js)
{
    jsOptions jo;

    jsOptions_Init(&jo);
    jo.Prefix = "FAKE.API";
    ju_connect(nc, js, &jo);
}

static void
test_fetch_status_messages(void)
{
    natsConnection      *nc       = NULL;
    jsCtx               *js       = NULL;
    natsSubscription    *info_sub = NULL;
    natsSubscription    *next_sub = NULL;
    natsSubscription    *sub      = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    int64_t             start;

    pu_fake_connect(&nc, &js);
    if (js == NULL)
        return;
    if (!pu_fake_start(nc, js, &info_sub, &next_sub, &sub, NULL, NULL))
    {
        pu_fake_stop(info_sub, next_sub, sub);
        ju_close(nc, js);
        return;
    }

    jsFetchRequest_Init(&req);
    req.Batch = 5;
    req.Expires = 5000 * MS_NS;

    pu_fake_status = "408";
    pu_fake_description = "Request Timeout";
    start = tu_now_ms();
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start < 3000);

    pu_fake_status = "404";
    pu_fake_description = "No Messages";
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &req), NATS_NOT_FOUND);

    pu_fake_status = "409";
    pu_fake_description = "Leadership Change";
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_LIMIT_REACHED);
    CHECK_LAST_ERROR_CONTAINS("Leadership Change");

    pu_fake_status = "409";
    pu_fake_description = "Consumer Deleted";
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_LIMIT_REACHED);
    CHECK_LAST_ERROR_CONTAINS("Consumer Deleted");

    pu_fake_status = "400";
    pu_fake_description = "Bad Request";
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("Bad Request");

    pu_fake_status = "500";
    pu_fake_description = "Something Else";
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("Something Else");

#if TU_CNATS_3_13
    pu_fake_status = "423";
    pu_fake_description = "Nats-Pin-Id mismatch";
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &req), NATS_PIN_ID_MISMATCH);
#endif

    // natsSubscription_Fetch retries a 404 of its first, no-wait request
    // with a waiting one, and reports the 404 of that one.
    atomic_store(&pu_fake_requests, 0);
    pu_fake_status = "404";
    pu_fake_description = "No Messages";
    CHECK_STATUS(natsSubscription_Fetch(&list, sub, 5, 5000, NULL), NATS_NOT_FOUND);
    CHECK_INT(atomic_load(&pu_fake_requests), 2);

    pu_fake_stop(info_sub, next_sub, sub);
    ju_close(nc, js);
}

#if TU_CNATS_3_13
static void
test_fetch_missed_heartbeat(void)
{
    natsConnection      *nc       = NULL;
    jsCtx               *js       = NULL;
    natsSubscription    *info_sub = NULL;
    natsSubscription    *next_sub = NULL;
    natsSubscription    *sub      = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    int64_t             start;

    pu_fake_connect(&nc, &js);
    if (js == NULL)
        return;
    if (!pu_fake_start(nc, js, &info_sub, &next_sub, &sub, NULL, NULL))
    {
        pu_fake_stop(info_sub, next_sub, sub);
        ju_close(nc, js);
        return;
    }

    // The fake server never replies, so no heartbeat comes.
    jsFetchRequest_Init(&req);
    req.Batch = 5;
    req.Expires = 5000 * MS_NS;
    req.Heartbeat = 100 * MS_NS;
    start = tu_now_ms();
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &req), NATS_MISSED_HEARTBEAT);
    CHECK(tu_now_ms() - start >= 150);
    CHECK(tu_now_ms() - start < 2000);
    CHECK_INT(list.Count, 0);

    pu_fake_stop(info_sub, next_sub, sub);
    ju_close(nc, js);
}

static void
test_fetch_priority_groups(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    jsConsumerConfig    cc;
    jsErrCode           jerr = 0;
    const char          *groups[] = {"G"};
    const char          *pin = NULL;
    char                first_pin[128] = "";
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PPG", "ppg.>");
    ju_publish(js, "ppg.a", "m", 3);

    jsConsumerConfig_Init(&cc);
    cc.Durable = "OVER";
    cc.AckPolicy = js_AckExplicit;
    cc.PriorityPolicy = "overflow";
    cc.PriorityGroups = groups;
    cc.PriorityGroupsLen = 1;
    CHECK_OK(js_AddConsumer(NULL, js, "PPG", &cc, NULL, &jerr));
    CHECK_OK(js_PullSubscribe(&sub, js, "ppg.a", "OVER", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // Without the group the server rejects the request.
    jsFetchRequest_Init(&req);
    req.Batch = 3;
    req.Expires = 1000 * MS_NS;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_INVALID_ARG);

    // MinPending above what the consumer has: nothing is served.
    req.Group = "G";
    req.MinPending = 100;
    req.Expires = 500 * MS_NS;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_TIMEOUT);

    // MinPending met.
    req.MinPending = 1;
    req.Expires = 2000 * MS_NS;
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    pu_check_list(&list, "m", 0, 3);
    natsMsgList_Destroy(&list);

    // MinAckPending above the 3 messages waiting for an ack: nothing.
    ju_publish(js, "ppg.a", "n", 1);
    jsFetchRequest_Init(&req);
    req.Batch = 1;
    req.Group = "G";
    req.MinAckPending = 10;
    req.Expires = 500 * MS_NS;
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_TIMEOUT);
    req.MinAckPending = 3;
    req.Expires = 2000 * MS_NS;
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    pu_check_list(&list, "n", 0, 1);
    natsMsgList_Destroy(&list);
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Pinned client: messages carry the pin id, a wrong one is rejected.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "PINNED";
    cc.AckPolicy = js_AckNone;
    cc.PriorityPolicy = "pinned_client";
    cc.PriorityGroups = groups;
    cc.PriorityGroupsLen = 1;
    cc.PinnedTTL = 10000 * MS_NS;
    CHECK_OK(js_AddConsumer(NULL, js, "PPG", &cc, NULL, &jerr));
    CHECK_OK(js_PullSubscribe(&sub, js, "ppg.a", "PINNED", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    jsFetchRequest_Init(&req);
    req.Batch = 2;
    req.Group = "G";
    req.Expires = 2000 * MS_NS;
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    CHECK(list.Count >= 1);
    for (i = 0; i < list.Count; i++)
    {
        pin = NULL;
        CHECK_OK(natsMsgHeader_Get(list.Msgs[i], "Nats-Pin-Id", &pin));
        CHECK(pin != NULL);
    }
    snprintf(first_pin, sizeof(first_pin), "%s", (pin == NULL ? "" : pin));
    natsMsgList_Destroy(&list);
    req.ID = "not-the-pin";
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &req), NATS_PIN_ID_MISMATCH);

    // Unpinning makes the server pin the next request under a new id.
    CHECK_OK(js_UnpinConsumer(js, "PPG", "PINNED", "G", NULL, &jerr));
    CHECK_INT(jerr, 0);
    ju_publish(js, "ppg.a", "u", 1);
    req.ID = NULL;
    req.Batch = 1;
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &req));
    CHECK_INT(list.Count, 1);
    if (list.Count == 1)
    {
        pin = NULL;
        CHECK_OK(natsMsgHeader_Get(list.Msgs[0], "Nats-Pin-Id", &pin));
        CHECK(pin != NULL);
        if (pin != NULL)
            CHECK(strcmp(pin, first_pin) != 0);
    }
    natsMsgList_Destroy(&list);

    CHECK_ERR(js_UnpinConsumer(NULL, "PPG", "PINNED", "G", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_UnpinConsumer(js, "PPG", "PINNED", "", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_UnpinConsumer(js, "PPG", "PINNED", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_UnpinConsumer(js, "PPG", "PINNED", "abcdefghijklmnopq", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("longer than 16 characters");
    CHECK_ERR(js_UnpinConsumer(js, "PPG", "PINNED", "bad group", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_UnpinConsumer(js, "PPG", "bad.name", "G", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_UnpinConsumer(js, "", "PINNED", "G", NULL, &jerr), NATS_INVALID_ARG);
    tu_reset_last_error();
    CHECK_STATUS(js_UnpinConsumer(js, "PPG", "MISSING", "G", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
    CHECK_NO_LAST_ERROR();

    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}
#endif

// Deletes consumer "D" of stream PDEL after 300 ms.
static void *
pu_delete_later(void *arg)
{
    jsCtx *js = (jsCtx *) arg;

    tu_sleep_ms(300);
    CHECK_OK(js_DeleteConsumer(js, "PDEL", "D", NULL, NULL));
    return NULL;
}

static void
test_fetch_consumer_deleted(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsFetchRequest      req;
    jsErrCode           jerr = 0;
    pthread_t           thread;
    int64_t             start;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PDEL", "pdel.>");
    CHECK_OK(js_PullSubscribe(&sub, js, "pdel.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // The server ends the waiting request with 409 Consumer Deleted.
    jsFetchRequest_Init(&req);
    req.Batch = 5;
    req.Expires = 10000 * MS_NS;
    pthread_create(&thread, NULL, pu_delete_later, js);
    start = tu_now_ms();
    CHECK_ERR(natsSubscription_FetchRequest(&list, sub, &req), NATS_LIMIT_REACHED);
    CHECK_LAST_ERROR_CONTAINS("Consumer Deleted");
    CHECK(tu_now_ms() - start < 5000);
    pthread_join(thread, NULL);

    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

// --- js_PullSubscribeAsync ------------------------------------------------

#if TU_CNATS_3_13
typedef struct
{
    atomic_int  messages;
    atomic_int  done;
    atomic_int  completions;
    natsStatus  status;
    bool        manual;
    natsConnection *nc;
    char        last[64];
} pu_async;

static pu_async pu_state;

static void
pu_async_reset(natsConnection *nc, bool manual)
{
    atomic_store(&pu_state.messages, 0);
    atomic_store(&pu_state.done, 0);
    atomic_store(&pu_state.completions, 0);
    pu_state.status = NATS_OK;
    pu_state.manual = manual;
    pu_state.nc = nc;
    pu_state.last[0] = '\0';
}

static void
pu_async_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    snprintf(pu_state.last, sizeof(pu_state.last), "%s", natsMsg_GetData(msg));
    if (pu_state.manual)
        pu_ack(nc, msg);
    atomic_fetch_add(&pu_state.messages, 1);
    natsMsg_Destroy(msg);
}

static void
pu_async_complete(natsConnection *nc, natsSubscription *sub, natsStatus s, void *closure)
{
    pu_state.status = s;
    atomic_fetch_add(&pu_state.completions, 1);
    atomic_store(&pu_state.done, 1);
}

static void
pu_async_options(jsOptions *jo)
{
    jsOptions_Init(jo);
    jo->PullSubscribeAsync.CompleteHandler = pu_async_complete;
}

// Returns the consumer's number of messages waiting for an ack, -1 when
// the info call fails.
static int64_t
pu_ack_pending(jsCtx *js, const char *stream, const char *consumer)
{
    jsConsumerInfo  *ci = NULL;
    int64_t         n   = -1;

    CHECK_OK(js_GetConsumerInfo(&ci, js, stream, consumer, NULL, NULL));
    if (ci != NULL)
        n = ci->NumAckPending;
    jsConsumerInfo_Destroy(ci);
    return n;
}

static void
test_pull_async_bad_input(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsSubOptions        so;
    jsErrCode           jerr = 0;
    const char          *groups[] = {"G"};

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PABAD", "pabad.>");

    CHECK_ERR(js_PullSubscribeAsync(NULL, js, "pabad.a", "D", pu_async_msg, NULL, NULL, NULL, &jerr),
              NATS_INVALID_ARG);
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", NULL, NULL, NULL, NULL, &jerr),
              NATS_INVALID_ARG);
    CHECK_ERR(js_PullSubscribeAsync(&sub, NULL, "pabad.a", "D", pu_async_msg, NULL, NULL, NULL, &jerr),
              NATS_INVALID_ARG);
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "nostream.a", "D", pu_async_msg, NULL, NULL, NULL, &jerr),
              NATS_ERR);

    jsOptions_Init(&jo);
    jo.PullSubscribeAsync.KeepAhead = 2;
    jo.PullSubscribeAsync.MaxBytes = 1000;
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr),
              NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("Can not use MaxBytes and KeepAhead together");

    jsOptions_Init(&jo);
    jo.PullSubscribeAsync.KeepAhead = 2;
    jo.PullSubscribeAsync.NoWait = true;
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr),
              NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("Can not use NoWait with KeepAhead together");

    jsOptions_Init(&jo);
    jo.PullSubscribeAsync.KeepAhead = 2;
    jo.PullSubscribeAsync.Group = "G";
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr),
              NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("Group is not supported for a non-priority group consumer");

    pu_sub_options(&so);
    so.Config.PriorityGroups = groups;
    so.Config.PriorityGroupsLen = 1;
    jo.PullSubscribeAsync.Group = NULL;
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", pu_async_msg, NULL, &jo, &so, &jerr),
              NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("Group is required for a priority group consumer");
    jo.PullSubscribeAsync.Group = "OTHER";
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", pu_async_msg, NULL, &jo, &so, &jerr),
              NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("Group is not part of the priority group consumer");
    CHECK(sub == NULL);

    natsConnection_Close(nc);
    CHECK_ERR(js_PullSubscribeAsync(&sub, js, "pabad.a", "D", pu_async_msg, NULL, NULL, NULL, &jerr),
              NATS_CONNECTION_CLOSED);
    ju_close(nc, js);
}

static void
test_pull_async_max_messages_auto_ack(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsOptions           jo;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PAM", "pam.>");
    ju_publish(js, "pam.a", "m", 25);

    // 20 of 25 messages in requests of 3, acknowledged by the library.
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.MaxMessages = 20;
    jo.PullSubscribeAsync.FetchSize = 3;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pam.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK_INT(jerr, 0);
    CHECK(tu_wait_for_flag(&pu_state.done, 10000));
    CHECK_INT(atomic_load(&pu_state.messages), 20);
    CHECK_STR(pu_state.last, "m-19");
    CHECK_INT(pu_state.status, NATS_MAX_DELIVERED_MSGS);
    CHECK_INT(atomic_load(&pu_state.completions), 1);
    // The subscription ended by itself and deleted the consumer it made.
    CHECK(!natsSubscription_IsValid(sub));
    CHECK(!pu_consumer_exists(js, "PAM", "D"));
    // The library's own requests own an asynchronous pull subscription.
    CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, 100, NULL), NATS_ERR);
    CHECK_LAST_ERROR_CONTAINS("concurrent fetch request not allowed");
    natsSubscription_Destroy(sub);
    sub = NULL;

    // With a bound durable: every message acknowledged, the consumer kept.
    {
        jsConsumerConfig cc;

        jsConsumerConfig_Init(&cc);
        cc.Durable = "BOUND";
        cc.AckPolicy = js_AckExplicit;
        CHECK_OK(js_AddConsumer(NULL, js, "PAM", &cc, NULL, &jerr));
    }
    pu_async_reset(nc, false);
    jo.PullSubscribeAsync.MaxMessages = 25;
    jo.PullSubscribeAsync.FetchSize = 10;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pam.a", "BOUND", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 10000));
    CHECK_INT(atomic_load(&pu_state.messages), 25);
    CHECK_INT(pu_state.status, NATS_MAX_DELIVERED_MSGS);
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(pu_consumer_exists(js, "PAM", "BOUND"));
    CHECK_INT(pu_ack_pending(js, "PAM", "BOUND"), 0);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_pull_async_manual_ack_keep_ahead(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsSubOptions        so;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PAK", "pak.>");
    ju_publish(js, "pak.a", "m", 30);

    pu_async_reset(nc, true);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.MaxMessages = 30;
    jo.PullSubscribeAsync.FetchSize = 4;
    jo.PullSubscribeAsync.KeepAhead = 2;
    pu_sub_options(&so);
    so.ManualAck = true;
    so.Config.Durable = "MAN";
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pak.a", NULL, pu_async_msg, NULL, &jo, &so, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 10000));
    CHECK_INT(atomic_load(&pu_state.messages), 30);
    CHECK_STR(pu_state.last, "m-29");
    CHECK_INT(pu_state.status, NATS_MAX_DELIVERED_MSGS);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_pull_async_timeout_and_no_wait(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsErrCode           jerr = 0;
    int64_t             start;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PAT", "pat.>");

    // Nothing to deliver: the subscription ends at its timeout.
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.Timeout = 400;
    start = tu_now_ms();
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pat.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK(tu_now_ms() - start >= 350);
    CHECK_INT(pu_state.status, NATS_TIMEOUT);
    CHECK_INT(atomic_load(&pu_state.messages), 0);
    natsSubscription_Destroy(sub);
    sub = NULL;

    // No wait: what is there, then the server's 404 ends it.
    ju_publish(js, "pat.a", "m", 3);
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.NoWait = true;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pat.a", "NW", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(atomic_load(&pu_state.messages), 3);
    CHECK_INT(pu_state.status, NATS_NOT_FOUND);
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Heartbeats from the server keep a subscription without messages
    // alive until its timeout.
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.Timeout = 800;
    jo.PullSubscribeAsync.Heartbeat = 100;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pat.b", "HB", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(pu_state.status, NATS_TIMEOUT);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
pu_slow_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    tu_sleep_ms(60);
    pu_async_msg(nc, sub, msg, closure);
}

static void
test_pull_async_timeout_delivers_received(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PATD", "patd.>");
    ju_publish(js, "patd.a", "m", 10);

    // The 10 messages arrive at once, and the slow callback is still
    // working through them when the timeout passes: they are all
    // delivered before the subscription ends.
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.Timeout = 250;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "patd.a", "D", pu_slow_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(atomic_load(&pu_state.messages), 10);
    CHECK_STR(pu_state.last, "m-9");
    CHECK_INT(pu_state.status, NATS_TIMEOUT);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static atomic_int pu_next_calls;

// Asks for 2 messages per request, 3 requests in all.
static bool
pu_next_two(int *messages, int64_t *maxBytes, natsSubscription *sub, void *closure)
{
    if (atomic_fetch_add(&pu_next_calls, 1) >= 3)
        return false;
    *messages = 2;
    *maxBytes = 0;
    return true;
}

// Asks for one message at a time while fewer than 2 were delivered.
static bool
pu_next_one(int *messages, int64_t *maxBytes, natsSubscription *sub, void *closure)
{
    if (atomic_load(&pu_state.messages) != atomic_fetch_add(&pu_next_calls, 1))
        return false;
    if (atomic_load(&pu_state.messages) >= 2)
        return false;
    *messages = 1;
    return true;
}

static void
test_pull_async_next_handler(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PAN", "pan.>");
    ju_publish(js, "pan.a", "m", 20);

    // The handler requests 2 messages at a time. After its third request
    // no more come, and the timeout ends the subscription.
    atomic_store(&pu_next_calls, 0);
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.Timeout = 1500;
    jo.PullSubscribeAsync.NextHandler = pu_next_two;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pan.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(atomic_load(&pu_state.messages), 6);
    CHECK_INT(pu_state.status, NATS_TIMEOUT);
    natsSubscription_Destroy(sub);
    sub = NULL;

    // The next handler is not called again after it declined.
    atomic_store(&pu_next_calls, 0);
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.Timeout = 800;
    jo.PullSubscribeAsync.NextHandler = pu_next_one;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pan.a", "D2", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(atomic_load(&pu_state.messages), 2);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_pull_async_max_bytes(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsErrCode           jerr = 0;
    char                payload[100];
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PAB", "pab.>");
    memset(payload, 'x', sizeof(payload));
    for (i = 0; i < 20; i++)
        CHECK_OK(js_Publish(NULL, js, "pab.a", payload, (int) sizeof(payload), NULL, &jerr));

    // A few messages fit in 500 bytes, then a limit ends the subscription.
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.PullSubscribeAsync.MaxBytes = 500;
    jo.PullSubscribeAsync.Timeout = 5000;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pab.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_flag(&pu_state.done, 8000));
    CHECK(atomic_load(&pu_state.messages) >= 1);
    CHECK(atomic_load(&pu_state.messages) <= 5);
    CHECK_INT(pu_state.status, NATS_LIMIT_REACHED);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_pull_async_missed_heartbeat(void)
{
    natsConnection      *nc       = NULL;
    jsCtx               *js       = NULL;
    natsSubscription    *info_sub = NULL;
    natsSubscription    *next_sub = NULL;
    natsSubscription    *sub      = NULL;
    jsOptions           jo;
    int64_t             start;

    pu_fake_connect(&nc, &js);
    if (js == NULL)
        return;
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.Prefix = "FAKE.API";
    jo.PullSubscribeAsync.Heartbeat = 100;
    jo.PullSubscribeAsync.Timeout = 5000;
    start = tu_now_ms();
    if (pu_fake_start(nc, js, &info_sub, &next_sub, &sub, pu_async_msg, &jo))
    {
        CHECK(tu_wait_for_flag(&pu_state.done, 4000));
        CHECK_INT(pu_state.status, NATS_MISSED_HEARTBEAT);
        CHECK(tu_now_ms() - start < 3000);
        CHECK(atomic_load(&pu_fake_requests) >= 1);
    }
    pu_fake_stop(info_sub, next_sub, sub);

    // A 409 from the server ends the subscription with its status.
    info_sub = next_sub = sub = NULL;
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    jo.Prefix = "FAKE.API";
    pu_fake_status = "409";
    pu_fake_description = "Leadership Change";
    if (pu_fake_start(nc, js, &info_sub, &next_sub, &sub, pu_async_msg, &jo))
    {
        CHECK(tu_wait_for_flag(&pu_state.done, 4000));
        CHECK_INT(pu_state.status, NATS_LIMIT_REACHED);
    }
    pu_fake_stop(info_sub, next_sub, sub);
    ju_close(nc, js);
}

static void
test_pull_async_unsubscribe_drain_close(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           jo;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PAU", "pau.>");
    ju_publish(js, "pau.a", "m", 5);

    // The application unsubscribes: the completion status is NATS_OK and
    // the consumer the library made is deleted.
    pu_async_reset(nc, false);
    pu_async_options(&jo);
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pau.a", "D", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_count(&pu_state.messages, 5, 5000));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(pu_state.status, NATS_OK);
    CHECK(!pu_consumer_exists(js, "PAU", "D"));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Drain deletes it too.
    pu_async_reset(nc, false);
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pau.a", "DR", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_count(&pu_state.messages, 5, 5000));
    CHECK_OK(natsSubscription_Drain(sub));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 5000));
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    {
        int64_t deadline = tu_now_ms() + 3000;

        while (pu_consumer_exists(js, "PAU", "DR") && (tu_now_ms() < deadline))
            tu_sleep_ms(50);
    }
    CHECK(!pu_consumer_exists(js, "PAU", "DR"));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Closing the connection completes with NATS_CONNECTION_CLOSED.
    pu_async_reset(nc, false);
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "pau.a", "CL", pu_async_msg, NULL, &jo, NULL, &jerr));
    CHECK(tu_wait_for_count(&pu_state.messages, 5, 5000));
    natsConnection_Close(nc);
    CHECK(tu_wait_for_flag(&pu_state.done, 5000));
    CHECK_INT(pu_state.status, NATS_CONNECTION_CLOSED);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}
#endif

static void
test_pull_drain_deletes_consumer(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsErrCode           jerr = 0;
    int64_t             deadline;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PDR", "pdr.>");
    CHECK_OK(js_PullSubscribe(&sub, js, "pdr.a", "D", NULL, NULL, &jerr));
    CHECK(pu_consumer_exists(js, "PDR", "D"));
    CHECK_OK(natsSubscription_Drain(sub));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 5000));
    deadline = tu_now_ms() + 3000;
    while (pu_consumer_exists(js, "PDR", "D") && (tu_now_ms() < deadline))
        tu_sleep_ms(50);
    CHECK(!pu_consumer_exists(js, "PDR", "D"));
    natsSubscription_Destroy(sub);
    sub = NULL;

    // Draining a subscription bound to an existing durable keeps it.
    {
        jsConsumerConfig cc;

        jsConsumerConfig_Init(&cc);
        cc.Durable = "BOUND";
        CHECK_OK(js_AddConsumer(NULL, js, "PDR", &cc, NULL, &jerr));
    }
    CHECK_OK(js_PullSubscribe(&sub, js, "pdr.a", "BOUND", NULL, NULL, &jerr));
    CHECK_OK(natsSubscription_Drain(sub));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 5000));
    tu_sleep_ms(200);
    CHECK(pu_consumer_exists(js, "PDR", "BOUND"));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_fetch_request_init);
    RUN_TEST(test_pull_subscribe_bad_input);
    RUN_TEST(test_pull_subscribe_create_and_bind);
    RUN_TEST(test_fetch_batches);
    RUN_TEST(test_fetch_bad_input);
    RUN_TEST(test_fetch_concurrent_rejected);
    RUN_TEST(test_fetch_request_no_wait_and_expires);
    RUN_TEST(test_fetch_max_bytes);
    RUN_TEST(test_fetch_status_messages);
    RUN_TEST(test_fetch_consumer_deleted);
    RUN_TEST(test_pull_drain_deletes_consumer);
#if TU_CNATS_3_13
    RUN_TEST(test_fetch_heartbeat_keeps_request);
    RUN_TEST(test_fetch_missed_heartbeat);
    RUN_TEST(test_fetch_priority_groups);
    RUN_TEST(test_pull_async_bad_input);
    RUN_TEST(test_pull_async_max_messages_auto_ack);
    RUN_TEST(test_pull_async_manual_ack_keep_ahead);
    RUN_TEST(test_pull_async_timeout_and_no_wait);
    RUN_TEST(test_pull_async_timeout_delivers_received);
    RUN_TEST(test_pull_async_next_handler);
    RUN_TEST(test_pull_async_max_bytes);
    RUN_TEST(test_pull_async_missed_heartbeat);
    RUN_TEST(test_pull_async_unsubscribe_drain_close);
#endif
    return tu_finish();
}
