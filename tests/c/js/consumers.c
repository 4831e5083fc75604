// Consumer management: configs and their defaults, create (ephemeral,
// named, durable), update, info compared with the server's JSON, delete,
// reset, pause, listing, and decoding of every info field.
//
// Usage: consumers <url-with-jetstream>

#include "js_util.h"

#define SECOND_NS ((int64_t) 1000000000)

static void
test_config_init_defaults(void)
{
    jsConsumerConfig cc;

    memset(&cc, 0xFF, sizeof(cc));
    CHECK_OK(jsConsumerConfig_Init(&cc));
    // The enums may be unsigned, so compare them as int.
    CHECK_INT((int) cc.DeliverPolicy, -1);
    CHECK_INT((int) cc.AckPolicy, -1);
    CHECK_INT((int) cc.ReplayPolicy, -1);
    CHECK(cc.Name == NULL);
    CHECK(cc.Durable == NULL);
    CHECK_INT(cc.AckWait, 0);
    CHECK_INT(cc.MaxDeliver, 0);
    CHECK(cc.BackOff == NULL);
    CHECK(cc.DeliverSubject == NULL);
#if TU_CNATS_3_13
    CHECK(cc.FilterSubjects == NULL);
    CHECK_INT(cc.Metadata.Count, 0);
    CHECK_INT(cc.PauseUntil, 0);
    CHECK(cc.PriorityPolicy == NULL);
#endif
    CHECK_ERR(jsConsumerConfig_Init(NULL), NATS_INVALID_ARG);
}

static void
test_add_consumer_defaults(void)
{
    natsConnection      *nc = NULL;
    jsCtx               *js = NULL;
    jsConsumerInfo      *ci = NULL;
    jsConsumerConfig    cc;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CDEF", "cdef.>");
    ju_publish(js, "cdef.a", "a", 3);

    // An ephemeral pull consumer with every default.
    jsConsumerConfig_Init(&cc);
    CHECK_OK(js_AddConsumer(&ci, js, "CDEF", &cc, NULL, &jerr));
    CHECK_INT(jerr, 0);
    // The unset policies were set to their defaults in the caller's config.
    CHECK_INT(cc.DeliverPolicy, js_DeliverAll);
    CHECK_INT(cc.AckPolicy, js_AckExplicit);
    CHECK_INT(cc.ReplayPolicy, js_ReplayInstant);
    if (ci != NULL)
    {
        CHECK_STR(ci->Stream, "CDEF");
        CHECK(ci->Name != NULL);
        CHECK(ci->Created > 0);
        CHECK(ci->Config != NULL);
        CHECK_INT(ci->Config->DeliverPolicy, js_DeliverAll);
        CHECK_INT(ci->Config->AckPolicy, js_AckExplicit);
        CHECK_INT(ci->Config->ReplayPolicy, js_ReplayInstant);
        CHECK_INT(ci->Config->AckWait, 30 * SECOND_NS);
        CHECK_INT(ci->Config->MaxDeliver, -1);
        CHECK_INT(ci->NumPending, 3);
        CHECK(!ci->PushBound);
    }
    jsConsumerInfo_Destroy(ci);
    jsConsumerInfo_Destroy(NULL);
    CHECK_OK(js_DeleteStream(js, "CDEF", NULL, NULL));
    ju_close(nc, js);
}

static void
test_add_consumer_every_field(void)
{
    natsConnection      *nc   = NULL;
    jsCtx               *js   = NULL;
    jsConsumerInfo      *ci   = NULL;
    jsConsumerConfig    cc;
    int64_t             backoff[] = {SECOND_NS, 2 * SECOND_NS};
    jsErrCode           jerr = 0;
    char                *raw = NULL;
#if TU_CNATS_3_13
    const char          *md[] = {"team", "core"};
    const char          *groups[] = {"g1"};
#endif

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CFULL", "cfull.>");
    ju_publish(js, "cfull.a", "a", 4);
    ju_publish(js, "cfull.b", "b", 2);

    jsConsumerConfig_Init(&cc);
    cc.Durable = "PULL";
    cc.Description = "pull consumer";
    cc.DeliverPolicy = js_DeliverByStartSequence;
    cc.OptStartSeq = 2;
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = 10 * SECOND_NS;
    cc.MaxDeliver = 5;
    cc.BackOff = backoff;
    cc.BackOffLen = 2;
    cc.FilterSubject = "cfull.a";
    cc.ReplayPolicy = js_ReplayOriginal;
    cc.SampleFrequency = "50%";
    cc.MaxWaiting = 20;
    cc.MaxAckPending = 100;
    cc.HeadersOnly = true;
    cc.MaxRequestBatch = 50;
    cc.MaxRequestExpires = 20 * SECOND_NS;
    cc.MaxRequestMaxBytes = 1 << 16;
    cc.InactiveThreshold = 60 * SECOND_NS;
    cc.MemoryStorage = true;
#if TU_CNATS_3_13
    cc.Metadata.List = md;
    cc.Metadata.Count = 1;
    cc.PriorityPolicy = "pinned_client";
    cc.PinnedTTL = 30 * SECOND_NS;
    cc.PriorityGroups = groups;
    cc.PriorityGroupsLen = 1;
#endif
    CHECK_OK(js_AddConsumer(&ci, js, "CFULL", &cc, NULL, &jerr));
    CHECK_INT(jerr, 0);
    raw = ju_raw(nc, "CONSUMER.INFO.CFULL.PULL", NULL);
    if ((ci != NULL) && (raw != NULL))
    {
        jsConsumerConfig *c = ci->Config;

        CHECK_STR(ci->Name, "PULL");
        CHECK_STR(ci->Stream, "CFULL");
        CHECK_STR(c->Durable, "PULL");
        CHECK_STR(c->Description, "pull consumer");
        CHECK_INT(c->DeliverPolicy, js_DeliverByStartSequence);
        CHECK_INT(c->OptStartSeq, 2);
        CHECK_INT(c->AckPolicy, js_AckExplicit);
        // With a backoff the server uses its first delay as the ack wait.
        CHECK_INT(c->AckWait, backoff[0]);
        CHECK_INT(c->MaxDeliver, 5);
        CHECK_INT(c->BackOffLen, 2);
        if (c->BackOffLen == 2)
        {
            CHECK_INT(c->BackOff[0], SECOND_NS);
            CHECK_INT(c->BackOff[1], 2 * SECOND_NS);
        }
        CHECK_STR(c->FilterSubject, "cfull.a");
        CHECK_INT(c->ReplayPolicy, js_ReplayOriginal);
        CHECK_STR(c->SampleFrequency, "50%");
        CHECK_INT(c->MaxWaiting, 20);
        CHECK_INT(c->MaxAckPending, 100);
        CHECK(c->HeadersOnly);
        CHECK_INT(c->MaxRequestBatch, 50);
        CHECK_INT(c->MaxRequestExpires, 20 * SECOND_NS);
        CHECK_INT(c->MaxRequestMaxBytes, 1 << 16);
        CHECK_INT(c->InactiveThreshold, 60 * SECOND_NS);
        CHECK(c->MemoryStorage);
        // Messages 3 and 4 on cfull.a from sequence 2.
        CHECK_INT(ci->NumPending, 3);
        CHECK_INT(ci->Delivered.Consumer, 0);
        CHECK_INT(ci->AckFloor.Consumer, 0);
        CHECK_INT(ci->NumAckPending, 0);
        CHECK_INT(ci->NumRedelivered, 0);
        CHECK_INT(ci->NumWaiting, 0);

        CHECK_JSON(raw, "\"durable_name\":\"PULL\"");
        CHECK_JSON(raw, "\"description\":\"pull consumer\"");
        CHECK_JSON(raw, "\"deliver_policy\":\"by_start_sequence\"");
        CHECK_JSON(raw, "\"opt_start_seq\":%llu", (unsigned long long) c->OptStartSeq);
        CHECK_JSON(raw, "\"ack_policy\":\"explicit\"");
        CHECK_JSON(raw, "\"ack_wait\":%lld", (long long) c->AckWait);
        CHECK_JSON(raw, "\"max_deliver\":%lld", (long long) c->MaxDeliver);
        CHECK_JSON(raw, "\"backoff\":[%lld,%lld]", (long long) backoff[0], (long long) backoff[1]);
        CHECK_JSON(raw, "\"filter_subject\":\"%s\"", c->FilterSubject);
        CHECK_JSON(raw, "\"replay_policy\":\"original\"");
        CHECK_JSON(raw, "\"sample_freq\":\"%s\"", c->SampleFrequency);
        CHECK_JSON(raw, "\"max_waiting\":%lld", (long long) c->MaxWaiting);
        CHECK_JSON(raw, "\"max_ack_pending\":%lld", (long long) c->MaxAckPending);
        CHECK_JSON(raw, "\"headers_only\":true");
        CHECK_JSON(raw, "\"max_batch\":%lld", (long long) c->MaxRequestBatch);
        CHECK_JSON(raw, "\"max_expires\":%lld", (long long) c->MaxRequestExpires);
        CHECK_JSON(raw, "\"max_bytes\":%lld", (long long) c->MaxRequestMaxBytes);
        CHECK_JSON(raw, "\"inactive_threshold\":%lld", (long long) c->InactiveThreshold);
        CHECK_JSON(raw, "\"mem_storage\":true");
        CHECK_JSON(raw, "\"num_pending\":%llu", (unsigned long long) ci->NumPending);
        CHECK_JSON(raw, "\"stream_name\":\"%s\",\"name\":\"%s\"", ci->Stream, ci->Name);
#if TU_CNATS_3_13
        {
            int i, found = 0;

            for (i = 0; i < c->Metadata.Count; i++)
                found += ((strcmp(c->Metadata.List[2 * i], "team") == 0)
                          && (strcmp(c->Metadata.List[2 * i + 1], "core") == 0));
            CHECK_INT(found, 1);
        }
        CHECK_STR(c->PriorityPolicy, "pinned_client");
        CHECK_INT(c->PinnedTTL, 30 * SECOND_NS);
        CHECK_INT(c->PriorityGroupsLen, 1);
        if (c->PriorityGroupsLen == 1)
            CHECK_STR(c->PriorityGroups[0], "g1");
        CHECK_INT(ci->PriorityGroupsLen, 1);
        if (ci->PriorityGroupsLen == 1)
        {
            CHECK_STR(ci->PriorityGroups[0].Group, "g1");
            CHECK(ci->PriorityGroups[0].PinnedClientID == NULL);
            CHECK_INT(ci->PriorityGroups[0].PinnedTS, 0);
        }
        CHECK(!ci->Paused);
        CHECK_JSON(raw, "\"team\":\"core\"");
        CHECK_JSON(raw, "\"priority_policy\":\"pinned_client\"");
        CHECK_JSON(raw, "\"priority_timeout\":%lld", (long long) c->PinnedTTL);
        CHECK_JSON(raw, "\"priority_groups\":[\"g1\"]");
#endif
    }
    free(raw);
    jsConsumerInfo_Destroy(ci);
    CHECK_OK(js_DeleteStream(js, "CFULL", NULL, NULL));
    ju_close(nc, js);
}

static void
test_add_push_and_named_consumers(void)
{
    natsConnection      *nc = NULL;
    jsCtx               *js = NULL;
    jsConsumerInfo      *ci = NULL;
    jsConsumerConfig    cc;
    char                *raw = NULL;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CPUSH", "cpush.>");

    // A push consumer with flow control and heartbeats.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "PUSH";
    cc.DeliverSubject = "deliver.push";
    cc.DeliverGroup = "workers";
    cc.DeliverPolicy = js_DeliverNew;
    cc.AckPolicy = js_AckAll;
    cc.FlowControl = true;
    cc.Heartbeat = 5 * SECOND_NS;
    cc.RateLimit = 1000000;
    CHECK_OK(js_AddConsumer(&ci, js, "CPUSH", &cc, NULL, NULL));
    raw = ju_raw(nc, "CONSUMER.INFO.CPUSH.PUSH", NULL);
    if ((ci != NULL) && (raw != NULL))
    {
        CHECK_STR(ci->Config->DeliverSubject, "deliver.push");
        CHECK_STR(ci->Config->DeliverGroup, "workers");
        CHECK_INT(ci->Config->DeliverPolicy, js_DeliverNew);
        CHECK_INT(ci->Config->AckPolicy, js_AckAll);
        CHECK(ci->Config->FlowControl);
        CHECK_INT(ci->Config->Heartbeat, 5 * SECOND_NS);
        CHECK_INT(ci->Config->RateLimit, 1000000);
        CHECK_JSON(raw, "\"deliver_subject\":\"deliver.push\"");
        CHECK_JSON(raw, "\"deliver_group\":\"workers\"");
        CHECK_JSON(raw, "\"deliver_policy\":\"new\"");
        CHECK_JSON(raw, "\"ack_policy\":\"all\"");
        CHECK_JSON(raw, "\"flow_control\":true");
        CHECK_JSON(raw, "\"idle_heartbeat\":%lld", (long long) ci->Config->Heartbeat);
        CHECK_JSON(raw, "\"rate_limit_bps\":%llu", (unsigned long long) ci->Config->RateLimit);
        // Nothing subscribes on the deliver subject.
        CHECK(!ci->PushBound);
    }
    free(raw);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    // A named (not durable) consumer with a filter and no acks.
    jsConsumerConfig_Init(&cc);
    cc.Name = "NAMED";
    cc.FilterSubject = "cpush.x";
    cc.AckPolicy = js_AckNone;
    cc.DeliverPolicy = js_DeliverLast;
    CHECK_OK(js_AddConsumer(&ci, js, "CPUSH", &cc, NULL, NULL));
    if (ci != NULL)
    {
        CHECK_STR(ci->Name, "NAMED");
        CHECK(ci->Config->Durable == NULL);
        CHECK_INT(ci->Config->AckPolicy, js_AckNone);
        CHECK_INT(ci->Config->DeliverPolicy, js_DeliverLast);
    }
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    // Delivery from a start time, and from the last message per subject.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "BYTIME";
    cc.DeliverPolicy = js_DeliverByStartTime;
    cc.OptStartTime = 1622644205500000000LL;
    CHECK_OK(js_AddConsumer(&ci, js, "CPUSH", &cc, NULL, NULL));
    if (ci != NULL)
        CHECK_INT(ci->Config->OptStartTime, 1622644205500000000LL);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    jsConsumerConfig_Init(&cc);
    cc.Durable = "LPS";
    cc.DeliverPolicy = js_DeliverLastPerSubject;
    cc.FilterSubject = "cpush.>";
    CHECK_OK(js_AddConsumer(&ci, js, "CPUSH", &cc, NULL, NULL));
    if (ci != NULL)
        CHECK_INT(ci->Config->DeliverPolicy, js_DeliverLastPerSubject);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

#if TU_CNATS_3_13
    // Several filter subjects (nats-server 2.10+).
    {
        const char *filters[] = {"cpush.a", "cpush.b"};

        jsConsumerConfig_Init(&cc);
        cc.Durable = "MULTI";
        cc.FilterSubjects = filters;
        cc.FilterSubjectsLen = 2;
        CHECK_OK(js_AddConsumer(&ci, js, "CPUSH", &cc, NULL, NULL));
        if (ci != NULL)
        {
            CHECK_INT(ci->Config->FilterSubjectsLen, 2);
            if (ci->Config->FilterSubjectsLen == 2)
            {
                CHECK_STR(ci->Config->FilterSubjects[0], "cpush.a");
                CHECK_STR(ci->Config->FilterSubjects[1], "cpush.b");
            }
        }
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
    }
#endif
    CHECK_OK(js_DeleteStream(js, "CPUSH", NULL, NULL));
    ju_close(nc, js);
}

static void
test_add_consumer_errors(void)
{
    natsConnection      *nc = NULL;
    jsCtx               *js = NULL;
    jsConsumerInfo      *ci = NULL;
    jsConsumerConfig    cc;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CERR", "cerr.>");
    jsConsumerConfig_Init(&cc);

    jerr = 9999;
    CHECK_ERR(js_AddConsumer(&ci, NULL, "CERR", &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_INT(jerr, 0);
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_AddConsumer(&ci, js, NULL, &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_AddConsumer(&ci, js, "CE.RR", &cc, NULL, &jerr), NATS_INVALID_ARG);
    cc.Durable = "bad.durable";
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR", &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("invalid durable name");
    cc.Durable = "bad*";
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR", &cc, NULL, &jerr), NATS_INVALID_ARG);
    cc.Durable = NULL;
    cc.Name = "bad name";
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR", &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("invalid consumer name");
    cc.Name = NULL;
    cc.DeliverPolicy = (jsDeliverPolicy) 9;
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR", &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(ci == NULL);

    // The server rejects an invalid combination.
    jsConsumerConfig_Init(&cc);
    cc.Durable = "WRONG";
    cc.FlowControl = true;
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR", &cc, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0);
    CHECK(ci == NULL);

    // A missing stream.
    jsConsumerConfig_Init(&cc);
    jerr = 0;
    CHECK_ERR(js_AddConsumer(&ci, js, "CERR_MISSING", &cc, NULL, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamNotFoundErr);
    CHECK_OK(js_DeleteStream(js, "CERR", NULL, NULL));
    ju_close(nc, js);
}

static void
test_update_consumer(void)
{
    natsConnection      *nc = NULL;
    jsCtx               *js = NULL;
    jsConsumerInfo      *ci = NULL;
    jsConsumerConfig    cc;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CUPD", "cupd.>");
    jsConsumerConfig_Init(&cc);
    cc.Durable = "DUR";
    CHECK_OK(js_AddConsumer(NULL, js, "CUPD", &cc, NULL, &jerr));

    cc.Description = "changed";
    cc.MaxAckPending = 7;
    CHECK_OK(js_UpdateConsumer(&ci, js, "CUPD", &cc, NULL, &jerr));
    if (ci != NULL)
    {
        CHECK_STR(ci->Config->Description, "changed");
        CHECK_INT(ci->Config->MaxAckPending, 7);
    }
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    // Changing the deliver policy is not allowed.
    cc.DeliverPolicy = js_DeliverNew;
    CHECK_ERR(js_UpdateConsumer(&ci, js, "CUPD", &cc, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0);

    // An update needs a durable name.
    jsConsumerConfig_Init(&cc);
    cc.Name = "NODUR";
    CHECK_ERR(js_UpdateConsumer(&ci, js, "CUPD", &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("durable name is required");
    CHECK_ERR(js_UpdateConsumer(&ci, js, "CUPD", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(ci == NULL);
    CHECK_OK(js_DeleteStream(js, "CUPD", NULL, NULL));
    ju_close(nc, js);
}

static void
test_consumer_info_and_delete(void)
{
    natsConnection      *nc = NULL;
    jsCtx               *js = NULL;
    jsConsumerInfo      *ci = NULL;
    jsConsumerConfig    cc;
    jsErrCode           jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CINFO", "cinfo.>");
    ju_publish(js, "cinfo.a", "a", 2);
    jsConsumerConfig_Init(&cc);
    cc.Durable = "C1";
    CHECK_OK(js_AddConsumer(NULL, js, "CINFO", &cc, NULL, NULL));

    CHECK_OK(js_GetConsumerInfo(&ci, js, "CINFO", "C1", NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (ci != NULL)
    {
        CHECK_STR(ci->Name, "C1");
        CHECK_INT(ci->NumPending, 2);
    }
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    tu_reset_last_error();
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "CINFO", "NOPE", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
#if TU_CNATS_3_13
    CHECK_NO_LAST_ERROR();
#endif
    CHECK(ci == NULL);
    jerr = 0;
    CHECK_ERR(js_GetConsumerInfo(&ci, js, "CINFO_MISSING", "C1", NULL, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamNotFoundErr);

    CHECK_ERR(js_GetConsumerInfo(NULL, js, "CINFO", "C1", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetConsumerInfo(&ci, NULL, "CINFO", "C1", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetConsumerInfo(&ci, js, NULL, "C1", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetConsumerInfo(&ci, js, "CINFO", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetConsumerInfo(&ci, js, "CINFO", "C.1", NULL, &jerr), NATS_INVALID_ARG);

    CHECK_OK(js_DeleteConsumer(js, "CINFO", "C1", NULL, &jerr));
    CHECK_INT(jerr, 0);
    tu_reset_last_error();
    CHECK_STATUS(js_DeleteConsumer(js, "CINFO", "C1", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
#if TU_CNATS_3_13
    CHECK_NO_LAST_ERROR();
#endif
    CHECK_ERR(js_DeleteConsumer(NULL, "CINFO", "C1", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_DeleteConsumer(js, "CINFO", "", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_DeleteConsumer(js, "", "C1", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "CINFO", NULL, NULL));
    ju_close(nc, js);
}

static void
test_list_consumers(void)
{
    natsConnection      *nc    = NULL;
    jsCtx               *js    = NULL;
    jsConsumerInfoList  *list  = NULL;
    jsConsumerNamesList *names = NULL;
    jsConsumerConfig    cc;
    jsErrCode           jerr = 0;
    int                 i, found = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CLIST", "clist.>");

    // No consumer yet.
    CHECK_STATUS(js_Consumers(&list, js, "CLIST", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(list == NULL);
    CHECK_STATUS(js_ConsumerNames(&names, js, "CLIST", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(names == NULL);

    jsConsumerConfig_Init(&cc);
    cc.Durable = "A";
    CHECK_OK(js_AddConsumer(NULL, js, "CLIST", &cc, NULL, NULL));
    jsConsumerConfig_Init(&cc);
    cc.Durable = "B";
    CHECK_OK(js_AddConsumer(NULL, js, "CLIST", &cc, NULL, NULL));

    CHECK_OK(js_Consumers(&list, js, "CLIST", NULL, &jerr));
    if (list != NULL)
    {
        CHECK_INT(list->Count, 2);
        for (i = 0; i < list->Count; i++)
            found += (strcmp(list->List[i]->Name, "A") == 0) + (strcmp(list->List[i]->Name, "B") == 0);
        CHECK_INT(found, 2);
    }
    jsConsumerInfoList_Destroy(list);
    jsConsumerInfoList_Destroy(NULL);

    found = 0;
    CHECK_OK(js_ConsumerNames(&names, js, "CLIST", NULL, &jerr));
    if (names != NULL)
    {
        CHECK_INT(names->Count, 2);
        for (i = 0; i < names->Count; i++)
            found += (strcmp(names->List[i], "A") == 0) + (strcmp(names->List[i], "B") == 0);
        CHECK_INT(found, 2);
    }
    jsConsumerNamesList_Destroy(names);
    jsConsumerNamesList_Destroy(NULL);

    list = NULL;
    names = NULL;
    CHECK_STATUS(js_Consumers(&list, js, "CLIST_MISSING", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSStreamNotFoundErr);
    CHECK_STATUS(js_ConsumerNames(&names, js, "CLIST_MISSING", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_ERR(js_Consumers(NULL, js, "CLIST", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_Consumers(&list, NULL, "CLIST", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_Consumers(&list, js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_ConsumerNames(NULL, js, "CLIST", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_ConsumerNames(&names, js, "CL.IST", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "CLIST", NULL, NULL));
    ju_close(nc, js);
}

#if TU_CNATS_3_13
static void
test_pause_and_reset_consumer(void)
{
    natsConnection          *nc  = NULL;
    jsCtx                   *js  = NULL;
    jsConsumerInfo          *ci  = NULL;
    jsConsumerPauseResponse *cpr = NULL;
    jsConsumerResetResponse *crr = NULL;
    jsConsumerConfig        cc;
    jsErrCode               jerr = 0;
    // 2100-01-01T00:00:00Z, in nanoseconds since the epoch.
    uint64_t                until = 4102444800ULL * 1000000000ULL;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "CPAUSE", "cpause.>");
    ju_publish(js, "cpause.a", "a", 5);
    jsConsumerConfig_Init(&cc);
    cc.Durable = "P";
    CHECK_OK(js_AddConsumer(NULL, js, "CPAUSE", &cc, NULL, NULL));

    CHECK_OK(js_PauseConsumer(&cpr, js, "CPAUSE", "P", until, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (cpr != NULL)
    {
        CHECK(cpr->Paused);
        CHECK_INT(cpr->PauseUntil, (int64_t) until);
        CHECK(cpr->PauseRemaining > 0);
    }
    jsConsumerPauseResponse_Destroy(cpr);
    jsConsumerPauseResponse_Destroy(NULL);
    cpr = NULL;
    CHECK_OK(js_GetConsumerInfo(&ci, js, "CPAUSE", "P", NULL, NULL));
    if (ci != NULL)
    {
        CHECK(ci->Paused);
        CHECK(ci->PauseRemaining > 0);
        CHECK_INT(ci->Config->PauseUntil, (int64_t) until);
    }
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    // 0 resumes.
    CHECK_OK(js_PauseConsumer(&cpr, js, "CPAUSE", "P", 0, NULL, &jerr));
    if (cpr != NULL)
        CHECK(!cpr->Paused);
    jsConsumerPauseResponse_Destroy(cpr);
    cpr = NULL;

    tu_reset_last_error();
    CHECK_STATUS(js_PauseConsumer(&cpr, js, "CPAUSE", "NOPE", until, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
    CHECK_NO_LAST_ERROR();
    CHECK_ERR(js_PauseConsumer(NULL, js, "CPAUSE", "P", until, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PauseConsumer(&cpr, NULL, "CPAUSE", "P", until, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PauseConsumer(&cpr, js, "CPAUSE", "P.X", until, NULL, &jerr), NATS_INVALID_ARG);

    // Reset to sequence 3.
    CHECK_OK(js_ResetConsumer(&crr, js, "CPAUSE", "P", 3, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (crr != NULL)
    {
        CHECK_INT(crr->ResetSeq, 3);
        CHECK(crr->Consumer != NULL);
        if (crr->Consumer != NULL)
        {
            CHECK_STR(crr->Consumer->Name, "P");
            CHECK_INT(crr->Consumer->NumPending, 3);
        }
    }
    jsConsumerResetResponse_Destroy(crr);
    jsConsumerResetResponse_Destroy(NULL);
    crr = NULL;
    // Without a sequence, and without asking for the reply.
    CHECK_OK(js_ResetConsumer(NULL, js, "CPAUSE", "P", 0, NULL, &jerr));
    // nats-server 2.15.1 does not answer a reset of a missing consumer;
    // test_reset_not_found checks that reply with a fake server.
    CHECK_ERR(js_ResetConsumer(&crr, NULL, "CPAUSE", "P", 0, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_ResetConsumer(&crr, js, NULL, "P", 0, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_ResetConsumer(&crr, js, "CPAUSE", "", 0, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "CPAUSE", NULL, NULL));
    ju_close(nc, js);
}

static const char *CONSUMER_NOT_FOUND_REPLY =
    "{\"type\":\"io.nats.jetstream.api.v1.consumer_reset_response\","
    "\"error\":{\"code\":404,\"err_code\":10014,\"description\":\"consumer not found\"}}";

static void
test_reset_not_found(void)
{
    natsConnection          *nc  = NULL;
    jsCtx                   *js  = NULL;
    natsSubscription        *sub = NULL;
    jsConsumerResetResponse *crr = NULL;
    jsErrCode               jerr = 0;
    jsOptions               o;

    jsOptions_Init(&o);
    o.Prefix = "$FAKER.API";
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "$FAKER.API.CONSUMER.RESET.S.NOPE", ju_fake_handler,
                                      (void *) CONSUMER_NOT_FOUND_REPLY));
    CHECK_OK(natsConnection_Flush(nc));
    tu_reset_last_error();
    CHECK_STATUS(js_ResetConsumer(&crr, js, "S", "NOPE", 5, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSConsumerNotFoundErr);
    CHECK_NO_LAST_ERROR();
    CHECK(crr == NULL);
    CHECK_STR(ju_fake_request, "{\"seq\":5}");
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}
#endif

// A consumer information reply with the fields a single server leaves
// empty here: cluster replicas, deliveries, pinned priority groups.
static const char *FAKE_CONSUMER =
    "{\"type\":\"io.nats.jetstream.api.v1.consumer_info_response\","
    "\"stream_name\":\"S\",\"name\":\"C\",\"created\":\"2021-06-02T14:30:05Z\","
    "\"config\":{\"durable_name\":\"C\",\"deliver_policy\":\"last_per_subject\",\"ack_policy\":\"none\","
    "\"replay_policy\":\"original\",\"num_replicas\":3,\"filter_subjects\":null},"
    "\"delivered\":{\"consumer_seq\":10,\"stream_seq\":20,\"last_active\":\"2021-06-02T14:30:06Z\"},"
    "\"ack_floor\":{\"consumer_seq\":8,\"stream_seq\":18,\"last_active\":\"2021-06-02T14:30:07Z\"},"
    "\"num_ack_pending\":2,\"num_redelivered\":1,\"num_waiting\":4,\"num_pending\":30,"
    "\"cluster\":{\"name\":\"C1\",\"leader\":\"srv1\",\"replicas\":[{\"name\":\"srv2\",\"current\":true}]},"
    "\"push_bound\":true,\"paused\":true,\"pause_remaining\":1000,"
    "\"priority_groups\":[{\"group\":\"g1\",\"pinned_client_id\":\"pin\",\"pinned_ts\":\"2021-06-02T14:30:08Z\"}]}";

static void
test_info_decodes_every_field(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsConsumerInfo      *ci  = NULL;
    jsOptions           o;

    jsOptions_Init(&o);
    o.Prefix = "$FAKEC.API";
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "$FAKEC.API.CONSUMER.INFO.S.C", ju_fake_handler, (void *) FAKE_CONSUMER));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(js_GetConsumerInfo(&ci, js, "S", "C", NULL, NULL));
    if (ci != NULL)
    {
        CHECK_STR(ci->Stream, "S");
        CHECK_STR(ci->Name, "C");
        CHECK_INT(ci->Created, 1622644205000000000LL);
        CHECK_INT(ci->Config->DeliverPolicy, js_DeliverLastPerSubject);
        CHECK_INT(ci->Config->AckPolicy, js_AckNone);
        CHECK_INT(ci->Config->ReplayPolicy, js_ReplayOriginal);
        CHECK_INT(ci->Config->Replicas, 3);
        CHECK_INT(ci->Delivered.Consumer, 10);
        CHECK_INT(ci->Delivered.Stream, 20);
        CHECK_INT(ci->Delivered.Last, 1622644206000000000LL);
        CHECK_INT(ci->AckFloor.Consumer, 8);
        CHECK_INT(ci->AckFloor.Stream, 18);
        CHECK_INT(ci->AckFloor.Last, 1622644207000000000LL);
        CHECK_INT(ci->NumAckPending, 2);
        CHECK_INT(ci->NumRedelivered, 1);
        CHECK_INT(ci->NumWaiting, 4);
        CHECK_INT(ci->NumPending, 30);
        CHECK(ci->PushBound);
        CHECK(ci->Cluster != NULL);
        if (ci->Cluster != NULL)
        {
            CHECK_STR(ci->Cluster->Name, "C1");
            CHECK_INT(ci->Cluster->ReplicasLen, 1);
            if (ci->Cluster->ReplicasLen == 1)
                CHECK(ci->Cluster->Replicas[0]->Current);
        }
#if TU_CNATS_3_13
        CHECK(ci->Paused);
        CHECK_INT(ci->PauseRemaining, 1000);
        CHECK_INT(ci->PriorityGroupsLen, 1);
        if (ci->PriorityGroupsLen == 1)
        {
            CHECK_STR(ci->PriorityGroups[0].Group, "g1");
            CHECK_STR(ci->PriorityGroups[0].PinnedClientID, "pin");
            CHECK_INT(ci->PriorityGroups[0].PinnedTS, 1622644208000000000LL);
        }
        CHECK_INT(ci->Config->FilterSubjectsLen, 0);
#endif
    }
    jsConsumerInfo_Destroy(ci);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_config_init_defaults);
    RUN_TEST(test_add_consumer_defaults);
    RUN_TEST(test_add_consumer_every_field);
    RUN_TEST(test_add_push_and_named_consumers);
    RUN_TEST(test_add_consumer_errors);
    RUN_TEST(test_update_consumer);
    RUN_TEST(test_consumer_info_and_delete);
    RUN_TEST(test_list_consumers);
#if TU_CNATS_3_13
    RUN_TEST(test_pause_and_reset_consumer);
    RUN_TEST(test_reset_not_found);
#endif
    RUN_TEST(test_info_decodes_every_field);
    return tu_finish();
}
