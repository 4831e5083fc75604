// JetStream contexts: options, the API prefix and domain, the request
// timeout, account information and JetStream not being enabled.
//
// Usage: context <url-with-jetstream> <url-without-jetstream>

#include "js_util.h"

static const char *plain_url = NULL;

// A canned account information reply with a tier, as a server with tiered
// limits sends it.
static const char *ACCOUNT_REPLY =
    "{\"type\":\"io.nats.jetstream.api.v1.account_info_response\","
    "\"memory\":11,\"storage\":22,\"streams\":3,\"consumers\":4,\"domain\":\"hub\","
    "\"limits\":{\"max_memory\":100,\"max_storage\":200,\"max_streams\":10,\"max_consumers\":20,"
    "\"max_ack_pending\":30,\"memory_max_stream_bytes\":40,\"storage_max_stream_bytes\":50,"
    "\"max_bytes_required\":true},"
    "\"api\":{\"total\":7,\"errors\":1},"
    "\"tiers\":{\"R1\":{\"memory\":5,\"storage\":6,\"streams\":1,\"consumers\":2,"
    "\"limits\":{\"max_memory\":-1,\"max_storage\":300,\"max_streams\":-1,\"max_consumers\":-1,"
    "\"max_ack_pending\":-1,\"memory_max_stream_bytes\":-1,\"storage_max_stream_bytes\":-1,"
    "\"max_bytes_required\":false}}}}";

static void
test_options_init(void)
{
    jsOptions   o;
    jsPubOptions po;

    memset(&o, 0xFF, sizeof(o));
    CHECK_OK(jsOptions_Init(&o));
    CHECK(o.Prefix == NULL);
    CHECK(o.Domain == NULL);
    CHECK_INT(o.Wait, 0);
    CHECK_INT(o.PublishAsync.MaxPending, 0);
    CHECK(o.PublishAsync.AckHandler == NULL);
    CHECK(o.PublishAsync.ErrHandler == NULL);
    CHECK_INT(o.PublishAsync.StallWait, 0);
    CHECK(o.Stream.Purge.Subject == NULL);
    CHECK_INT(o.Stream.Purge.Sequence, 0);
    CHECK_INT(o.Stream.Purge.Keep, 0);
    CHECK(!o.Stream.Info.DeletedDetails);
    CHECK(o.Stream.Info.SubjectsFilter == NULL);
    CHECK_ERR(jsOptions_Init(NULL), NATS_INVALID_ARG);

    memset(&po, 0xFF, sizeof(po));
    CHECK_OK(jsPubOptions_Init(&po));
    CHECK_INT(po.MaxWait, 0);
    CHECK(po.MsgId == NULL);
    CHECK_INT(po.ExpectLastSeq, 0);
    CHECK(!po.ExpectNoMessage);
    CHECK_ERR(jsPubOptions_Init(NULL), NATS_INVALID_ARG);
}

static void
test_context_bad_args(void)
{
    natsConnection  *nc = tu_connect(ju_url);
    jsCtx           *js = NULL;
    jsOptions       o;

    if (nc == NULL)
        return;
    CHECK_ERR(natsConnection_JetStream(NULL, nc, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsConnection_JetStream(&js, NULL, NULL), NATS_INVALID_ARG);
    CHECK(js == NULL);

    jsOptions_Init(&o);
    o.Wait = -1;
    CHECK_ERR(natsConnection_JetStream(&js, nc, &o), NATS_INVALID_ARG);
    CHECK(js == NULL);
    jsOptions_Init(&o);
    o.PublishAsync.StallWait = -1;
    CHECK_ERR(natsConnection_JetStream(&js, nc, &o), NATS_INVALID_ARG);
    CHECK(js == NULL);

    // Destroying NULL does nothing.
    jsCtx_Destroy(NULL);
    natsConnection_Destroy(nc);
}

static void
test_account_info(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    jsAccountInfo   *ai  = NULL;
    jsErrCode       jerr = 9999;
    char            *raw = NULL;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "ACC", "acc.>");
    CHECK_OK(js_GetAccountInfo(&ai, js, NULL, &jerr));
    CHECK_INT(jerr, 0);
    CHECK(ai != NULL);
    raw = ju_raw(nc, "INFO", NULL);
    if ((ai != NULL) && (raw != NULL))
    {
        CHECK_INT(ai->Streams, 1);
        CHECK_JSON(raw, "\"streams\":%lld", (long long) ai->Streams);
        CHECK_JSON(raw, "\"consumers\":%lld", (long long) ai->Consumers);
        CHECK_JSON(raw, "\"memory\":%llu", (unsigned long long) ai->Memory);
        CHECK_JSON(raw, "\"max_memory\":%lld", (long long) ai->Limits.MaxMemory);
        CHECK_JSON(raw, "\"max_storage\":%lld", (long long) ai->Limits.MaxStore);
        CHECK_JSON(raw, "\"max_streams\":%lld", (long long) ai->Limits.MaxStreams);
        CHECK_JSON(raw, "\"max_consumers\":%lld", (long long) ai->Limits.MaxConsumers);
        CHECK_JSON(raw, "\"max_ack_pending\":%lld", (long long) ai->Limits.MaxAckPending);
        CHECK_JSON(raw, "\"memory_max_stream_bytes\":%lld", (long long) ai->Limits.MemoryMaxStreamBytes);
        CHECK_JSON(raw, "\"storage_max_stream_bytes\":%lld", (long long) ai->Limits.StoreMaxStreamBytes);
        CHECK_JSON(raw, "\"max_bytes_required\":%s", ai->Limits.MaxBytesRequired ? "true" : "false");
        // The raw request is one more API call than the one we decoded.
        CHECK_JSON(raw, "\"total\":%llu", (unsigned long long) ai->API.Total + 1);
        CHECK(ai->Domain == NULL);
        CHECK_INT(ai->TiersLen, 0);
    }
    free(raw);
    jsAccountInfo_Destroy(ai);
    jsAccountInfo_Destroy(NULL);

    CHECK_ERR(js_GetAccountInfo(NULL, js, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetAccountInfo(&ai, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "ACC", NULL, NULL));
    ju_close(nc, js);
}

static void
test_account_info_decodes_every_field(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsAccountInfo       *ai  = NULL;
    jsOptions           o;

    jsOptions_Init(&o);
    o.Prefix = "$FAKE.API.";
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "$FAKE.API.INFO", ju_fake_handler, (void *) ACCOUNT_REPLY));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(js_GetAccountInfo(&ai, js, NULL, NULL));
    CHECK_STR(ju_fake_subject, "$FAKE.API.INFO");
    if (ai != NULL)
    {
        CHECK_INT(ai->Memory, 11);
        CHECK_INT(ai->Store, 22);
        CHECK_INT(ai->Streams, 3);
        CHECK_INT(ai->Consumers, 4);
        CHECK_STR(ai->Domain, "hub");
        CHECK_INT(ai->API.Total, 7);
        CHECK_INT(ai->API.Errors, 1);
        CHECK_INT(ai->Limits.MaxMemory, 100);
        CHECK_INT(ai->Limits.MaxStore, 200);
        CHECK_INT(ai->Limits.MaxStreams, 10);
        CHECK_INT(ai->Limits.MaxConsumers, 20);
        CHECK_INT(ai->Limits.MaxAckPending, 30);
        CHECK_INT(ai->Limits.MemoryMaxStreamBytes, 40);
        CHECK_INT(ai->Limits.StoreMaxStreamBytes, 50);
        CHECK(ai->Limits.MaxBytesRequired);
#if TU_CNATS_3_13
        // cnats 3.4.1 reads the tiers from a "tier" field the server never sends.
        CHECK_INT(ai->TiersLen, 1);
        if (ai->TiersLen == 1)
        {
            CHECK_STR(ai->Tiers[0]->Name, "R1");
            CHECK_INT(ai->Tiers[0]->Memory, 5);
            CHECK_INT(ai->Tiers[0]->Store, 6);
            CHECK_INT(ai->Tiers[0]->Streams, 1);
            CHECK_INT(ai->Tiers[0]->Consumers, 2);
            CHECK_INT(ai->Tiers[0]->Limits.MaxStore, 300);
            CHECK_INT(ai->Tiers[0]->Limits.MaxMemory, -1);
        }
#endif
    }
    jsAccountInfo_Destroy(ai);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_domain_and_prefix(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsAccountInfo       *ai  = NULL;
    jsOptions           o;

    // A domain in the context options: a trailing dot is dropped.
    jsOptions_Init(&o);
    o.Domain = "hub.";
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "$JS.hub.API.>", ju_fake_handler, (void *) ACCOUNT_REPLY));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(js_GetAccountInfo(&ai, js, NULL, NULL));
    CHECK_STR(ju_fake_subject, "$JS.hub.API.INFO");
    jsAccountInfo_Destroy(ai);
    ai = NULL;

    // A domain in the call's options wins over the context's.
    jsOptions_Init(&o);
    o.Domain = "leaf";
    natsSubscription_Destroy(sub);
    sub = NULL;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "$JS.leaf.API.>", ju_fake_handler, (void *) ACCOUNT_REPLY));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(js_GetAccountInfo(&ai, js, &o, NULL));
    CHECK_STR(ju_fake_subject, "$JS.leaf.API.INFO");
    jsAccountInfo_Destroy(ai);
    ai = NULL;

    // So does a prefix.
    jsOptions_Init(&o);
    o.Prefix = "$JS.leaf.API";
    CHECK_OK(js_GetAccountInfo(&ai, js, &o, NULL));
    CHECK(ai != NULL);
    jsAccountInfo_Destroy(ai);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_wait_option(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsAccountInfo       *ai  = NULL;
    jsErrCode           jerr = 0;
    jsOptions           o;
    int64_t             start;

    // A subscriber that never replies makes the request time out.
    jsOptions_Init(&o);
    o.Prefix = "$SILENT.API";
    o.Wait = 300;
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "$SILENT.API.>"));
    CHECK_OK(natsConnection_Flush(nc));
    start = tu_now_ms();
    CHECK_STATUS(js_GetAccountInfo(&ai, js, NULL, &jerr), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start >= 250);
    CHECK(tu_now_ms() - start < 3000);
    CHECK(ai == NULL);
    CHECK_INT(jerr, 0);

    // The call's own Wait wins.
    jsOptions_Init(&o);
    o.Wait = 100;
    start = tu_now_ms();
    CHECK_STATUS(js_GetAccountInfo(&ai, js, &o, &jerr), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start < 280);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void
test_jetstream_not_enabled(void)
{
    natsConnection  *nc = tu_connect(plain_url);
    jsCtx           *js = NULL;
    jsAccountInfo   *ai = NULL;
    jsStreamInfo    *si = NULL;
    jsErrCode       jerr = 0;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_STATUS(js_GetAccountInfo(&ai, js, NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK_INT(jerr, JSNotEnabledErr);
    CHECK(ai == NULL);
    jerr = 0;
    CHECK_STATUS(js_GetStreamInfo(&si, js, "ANY", NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK_INT(jerr, JSNotEnabledErr);
    jerr = 0;
    CHECK_STATUS(js_Publish(NULL, js, "foo", "x", 1, NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK_INT(jerr, JSNotEnabledErr);
    ju_close(nc, js);
}

static void
test_context_outlives_connection_handle(void)
{
    natsConnection  *nc = tu_connect(ju_url);
    jsCtx           *js = NULL;
    jsAccountInfo   *ai = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    // Destroying the connection closes it, but the context holds its own
    // reference, so its calls fail with a status instead of touching
    // freed memory.
    natsConnection_Destroy(nc);
    CHECK_STATUS(js_GetAccountInfo(&ai, js, NULL, NULL), NATS_CONNECTION_CLOSED);
    jsAccountInfo_Destroy(ai);
    jsCtx_Destroy(js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);
    plain_url = tu_arg(argc, argv, 2, "<url-with-jetstream> <url-without-jetstream>");

    RUN_TEST(test_options_init);
    RUN_TEST(test_context_bad_args);
    RUN_TEST(test_account_info);
    RUN_TEST(test_account_info_decodes_every_field);
    RUN_TEST(test_domain_and_prefix);
    RUN_TEST(test_wait_option);
    RUN_TEST(test_jetstream_not_enabled);
    RUN_TEST(test_context_outlives_connection_handle);
    return tu_finish();
}
