// Stream management: configs and their defaults, create, update, info,
// purge, delete, listing, and the information decoded for every config
// and state field, compared with the server's own JSON.
//
// Usage: streams <url-with-jetstream>

#include "js_util.h"

#define SECOND_NS ((int64_t) 1000000000)

static void
test_config_init_defaults(void)
{
    jsStreamConfig          cfg;
    jsPlacement             placement;
    jsStreamSource          source;
    jsExternalStream        external;
    jsRePublish             rp;
    jsDirectGetMsgOptions   dg;

    memset(&cfg, 0xFF, sizeof(cfg));
    CHECK_OK(jsStreamConfig_Init(&cfg));
    CHECK(cfg.Name == NULL);
    CHECK(cfg.Subjects == NULL);
    CHECK_INT(cfg.SubjectsLen, 0);
    CHECK_INT(cfg.Retention, js_LimitsPolicy);
    CHECK_INT(cfg.MaxConsumers, -1);
    CHECK_INT(cfg.MaxMsgs, -1);
    CHECK_INT(cfg.MaxBytes, -1);
    CHECK_INT(cfg.MaxMsgSize, -1);
    CHECK_INT(cfg.MaxAge, 0);
    CHECK_INT(cfg.MaxMsgsPerSubject, 0);
    CHECK_INT(cfg.Storage, js_FileStorage);
    CHECK_INT(cfg.Discard, js_DiscardOld);
    CHECK_INT(cfg.Replicas, 1);
    CHECK(cfg.Placement == NULL);
    CHECK(cfg.Mirror == NULL);
    CHECK(cfg.RePublish == NULL);
#if TU_CNATS_3_13
    CHECK_INT(cfg.Compression, js_StorageCompressionNone);
    CHECK_INT(cfg.Metadata.Count, 0);
    CHECK_INT(cfg.FirstSeq, 0);
    CHECK(cfg.SubjectTransform.Source == NULL);
    CHECK_INT(cfg.ConsumerLimits.MaxAckPending, 0);
    CHECK(!cfg.AllowMsgTTL);
    CHECK_INT(cfg.PersistMode, js_PersistDefault);
    CHECK(!cfg.AllowAtomic);
#endif
    CHECK_ERR(jsStreamConfig_Init(NULL), NATS_INVALID_ARG);

    memset(&placement, 0xFF, sizeof(placement));
    CHECK_OK(jsPlacement_Init(&placement));
    CHECK(placement.Cluster == NULL);
    CHECK(placement.Tags == NULL);
    CHECK_INT(placement.TagsLen, 0);
    CHECK_ERR(jsPlacement_Init(NULL), NATS_INVALID_ARG);

    memset(&source, 0xFF, sizeof(source));
    CHECK_OK(jsStreamSource_Init(&source));
    CHECK(source.Name == NULL);
    CHECK_INT(source.OptStartSeq, 0);
    CHECK_INT(source.OptStartTime, 0);
    CHECK(source.External == NULL);
#if TU_CNATS_3_13
    CHECK(source.Domain == NULL);
#endif
    CHECK_ERR(jsStreamSource_Init(NULL), NATS_INVALID_ARG);

    memset(&external, 0xFF, sizeof(external));
    CHECK_OK(jsExternalStream_Init(&external));
    CHECK(external.APIPrefix == NULL);
    CHECK(external.DeliverPrefix == NULL);
    CHECK_ERR(jsExternalStream_Init(NULL), NATS_INVALID_ARG);

    memset(&rp, 0xFF, sizeof(rp));
    CHECK_OK(jsRePublish_Init(&rp));
    CHECK(rp.Source == NULL);
    CHECK(rp.Destination == NULL);
    CHECK(!rp.HeadersOnly);
    CHECK_ERR(jsRePublish_Init(NULL), NATS_INVALID_ARG);

    memset(&dg, 0xFF, sizeof(dg));
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    CHECK_INT(dg.Sequence, 0);
    CHECK(dg.NextBySubject == NULL);
    CHECK(dg.LastBySubject == NULL);
    CHECK_ERR(jsDirectGetMsgOptions_Init(NULL), NATS_INVALID_ARG);
}

static void
test_add_stream_bad_args(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsStreamInfo    *si = NULL;
    jsStreamConfig  cfg;
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "BAD";

    jerr = 9999;
    CHECK_ERR(js_AddStream(&si, NULL, &cfg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_INT(jerr, 0);
    CHECK_ERR(js_AddStream(&si, js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_UpdateStream(&si, js, NULL, NULL, &jerr), NATS_INVALID_ARG);

    cfg.Name = NULL;
    CHECK_ERR(js_AddStream(&si, js, &cfg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("stream name is required");
    cfg.Name = "";
    CHECK_ERR(js_AddStream(&si, js, &cfg, NULL, &jerr), NATS_INVALID_ARG);
    cfg.Name = "a.b";
    CHECK_ERR(js_AddStream(&si, js, &cfg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_CONTAINS("invalid stream name");
    CHECK_ERR(js_UpdateStream(&si, js, &cfg, NULL, &jerr), NATS_INVALID_ARG);

    // A value that is not one of the enum's is rejected before sending.
    cfg.Name = "BAD";
    cfg.Retention = (jsRetentionPolicy) 7;
    CHECK_ERR(js_AddStream(&si, js, &cfg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(si == NULL);
    CHECK_INT(jerr, 0);
    ju_close(nc, js);
}

static void
test_add_stream_every_field(void)
{
    natsConnection  *nc   = NULL;
    jsCtx           *js   = NULL;
    jsStreamInfo    *si   = NULL;
    jsStreamConfig  cfg;
    jsRePublish     rp;
    const char      *subjects[] = {"full.a", "full.b.>"};
    jsErrCode       jerr  = 0;
    char            *raw  = NULL;
#if TU_CNATS_3_13
    const char      *md[] = {"k1", "v1", "k2", "v2"};
#endif

    if (!ju_connect(&nc, &js, NULL))
        return;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "FULL";
    cfg.Description = "every field";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 2;
    cfg.MaxConsumers = 10;
    cfg.MaxMsgs = 1000;
    cfg.MaxBytes = 1 << 20;
    cfg.MaxAge = 3600 * SECOND_NS;
    cfg.MaxMsgsPerSubject = 100;
    cfg.MaxMsgSize = 4096;
    cfg.Duplicates = 60 * SECOND_NS;
    cfg.DenyDelete = true;
    cfg.AllowRollup = true;
    cfg.AllowDirect = true;
    jsRePublish_Init(&rp);
    rp.Source = "full.>";
    rp.Destination = "rp.>";
    rp.HeadersOnly = true;
    cfg.RePublish = &rp;
#if TU_CNATS_3_13
    cfg.Metadata.List = md;
    cfg.Metadata.Count = 2;
    cfg.Compression = js_StorageCompressionS2;
    cfg.FirstSeq = 10;
    cfg.SubjectTransform.Source = "full.a";
    cfg.SubjectTransform.Destination = "full.b.a";
    cfg.ConsumerLimits.InactiveThreshold = 30 * SECOND_NS;
    cfg.ConsumerLimits.MaxAckPending = 500;
    cfg.AllowMsgTTL = true;
    cfg.SubjectDeleteMarkerTTL = SECOND_NS;
    cfg.AllowAtomic = true;
    cfg.AllowMsgSchedules = true;
    cfg.AllowBatched = true;
#endif

    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, &jerr));
    CHECK_INT(jerr, 0);
    CHECK(si != NULL);
    raw = ju_raw(nc, "STREAM.INFO.FULL", NULL);
    if ((si != NULL) && (si->Config != NULL) && (raw != NULL))
    {
        jsStreamConfig *c = si->Config;

        CHECK_STR(c->Name, "FULL");
        CHECK_STR(c->Description, "every field");
        CHECK_INT(c->SubjectsLen, 2);
        if (c->SubjectsLen == 2)
        {
            CHECK_STR(c->Subjects[0], "full.a");
            CHECK_STR(c->Subjects[1], "full.b.>");
        }
        CHECK_INT(c->Retention, js_LimitsPolicy);
        CHECK_INT(c->MaxConsumers, 10);
        CHECK_INT(c->MaxMsgs, 1000);
        CHECK_INT(c->MaxBytes, 1 << 20);
        CHECK_INT(c->MaxAge, 3600 * SECOND_NS);
        CHECK_INT(c->MaxMsgsPerSubject, 100);
        CHECK_INT(c->MaxMsgSize, 4096);
        CHECK_INT(c->Discard, js_DiscardOld);
        CHECK_INT(c->Storage, js_FileStorage);
        CHECK_INT(c->Replicas, 1);
        CHECK_INT(c->Duplicates, 60 * SECOND_NS);
        CHECK(c->DenyDelete);
        CHECK(!c->DenyPurge);
        CHECK(c->AllowRollup);
        CHECK(c->AllowDirect);
        CHECK(!c->MirrorDirect);
        CHECK(c->RePublish != NULL);
        if (c->RePublish != NULL)
        {
            CHECK_STR(c->RePublish->Source, "full.>");
            CHECK_STR(c->RePublish->Destination, "rp.>");
            CHECK(c->RePublish->HeadersOnly);
        }
        CHECK(si->Created > 0);
        CHECK_INT(si->State.Msgs, 0);
#if TU_CNATS_3_13
        // The server adds its own "_nats." keys to the metadata.
        {
            int i, found = 0;

            for (i = 0; i < c->Metadata.Count; i++)
            {
                if ((strcmp(c->Metadata.List[2 * i], "k1") == 0) && (strcmp(c->Metadata.List[2 * i + 1], "v1") == 0))
                    found++;
                if ((strcmp(c->Metadata.List[2 * i], "k2") == 0) && (strcmp(c->Metadata.List[2 * i + 1], "v2") == 0))
                    found++;
            }
            CHECK_INT(found, 2);
        }
        CHECK_INT(c->Compression, js_StorageCompressionS2);
        CHECK_INT(c->FirstSeq, 10);
        CHECK_STR(c->SubjectTransform.Source, "full.a");
        CHECK_STR(c->SubjectTransform.Destination, "full.b.a");
        CHECK_INT(c->ConsumerLimits.InactiveThreshold, 30 * SECOND_NS);
        CHECK_INT(c->ConsumerLimits.MaxAckPending, 500);
        CHECK(c->AllowMsgTTL);
        CHECK_INT(c->SubjectDeleteMarkerTTL, SECOND_NS);
        CHECK(c->AllowAtomic);
        CHECK(!c->AllowMsgCounter);
        CHECK(c->AllowMsgSchedules);
        CHECK(c->AllowBatched);
        CHECK_INT(c->PersistMode, js_PersistDefault);
        CHECK_INT(si->State.FirstSeq, 10);
        CHECK_JSON(raw, "\"k1\":\"v1\"");
        CHECK_JSON(raw, "\"compression\":\"s2\"");
        CHECK_JSON(raw, "\"first_seq\":%llu", (unsigned long long) c->FirstSeq);
        CHECK_JSON(raw, "\"subject_transform\":{\"src\":\"%s\",\"dest\":\"%s\"}",
                   c->SubjectTransform.Source, c->SubjectTransform.Destination);
        CHECK_JSON(raw, "\"consumer_limits\":{\"inactive_threshold\":%lld,\"max_ack_pending\":%d}",
                   (long long) c->ConsumerLimits.InactiveThreshold, c->ConsumerLimits.MaxAckPending);
        CHECK_JSON(raw, "\"subject_delete_marker_ttl\":%lld", (long long) c->SubjectDeleteMarkerTTL);
        CHECK_JSON(raw, "\"allow_msg_ttl\":true");
        CHECK_JSON(raw, "\"allow_atomic\":true");
        CHECK_JSON(raw, "\"allow_msg_schedules\":true");
        CHECK_JSON(raw, "\"allow_batched\":true");
#endif
        // The same values, as the server reports them.
        CHECK_JSON(raw, "\"config\":{\"name\":\"%s\",\"description\":\"%s\"", c->Name, c->Description);
        CHECK_JSON(raw, "\"max_consumers\":%lld", (long long) c->MaxConsumers);
        CHECK_JSON(raw, "\"max_msgs\":%lld", (long long) c->MaxMsgs);
        CHECK_JSON(raw, "\"max_bytes\":%lld", (long long) c->MaxBytes);
        CHECK_JSON(raw, "\"max_age\":%lld", (long long) c->MaxAge);
        CHECK_JSON(raw, "\"max_msgs_per_subject\":%lld", (long long) c->MaxMsgsPerSubject);
        CHECK_JSON(raw, "\"max_msg_size\":%d", (int) c->MaxMsgSize);
        CHECK_JSON(raw, "\"duplicate_window\":%lld", (long long) c->Duplicates);
        CHECK_JSON(raw, "\"num_replicas\":%lld", (long long) c->Replicas);
        CHECK_JSON(raw, "\"deny_delete\":true");
        CHECK_JSON(raw, "\"allow_rollup_hdrs\":true");
        CHECK_JSON(raw, "\"allow_direct\":true");
        CHECK_JSON(raw, "\"headers_only\":true");
        CHECK_JSON(raw, "\"retention\":\"limits\"");
        CHECK_JSON(raw, "\"storage\":\"file\"");
        CHECK_JSON(raw, "\"discard\":\"old\"");
        CHECK_JSON(raw, "\"first_seq\":%llu", (unsigned long long) si->State.FirstSeq);
    }
    free(raw);
    jsStreamInfo_Destroy(si);
    jsStreamInfo_Destroy(NULL);

    // Creating it again with the same config succeeds; with another, fails.
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, &jerr));
    cfg.MaxMsgs = 5;
    CHECK_ERR(js_AddStream(NULL, js, &cfg, NULL, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamNameExistErr);
    CHECK_LAST_ERROR_CONTAINS("stream name already in use");
    CHECK_OK(js_DeleteStream(js, "FULL", NULL, NULL));
    ju_close(nc, js);
}

static void
test_add_stream_other_policies(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsStreamInfo    *si = NULL;
    jsStreamConfig  cfg;
    jsPlacement     placement;
    const char      *subjects[] = {"dnps.>"};
    const char      *tags[] = {"east", "ssd"};
    char            *raw = NULL;

    if (!ju_connect(&nc, &js, NULL))
        return;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "DNPS";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Retention = js_WorkQueuePolicy;
    cfg.Discard = js_DiscardNew;
    cfg.MaxMsgsPerSubject = 5;
    cfg.DiscardNewPerSubject = true;
    cfg.DenyPurge = true;
    cfg.NoAck = true;
    jsPlacement_Init(&placement);
    placement.Cluster = "west";
    placement.Tags = tags;
    placement.TagsLen = 2;
    cfg.Placement = &placement;
#if TU_CNATS_3_13
    cfg.PersistMode = js_PersistAsync;
#endif
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    raw = ju_raw(nc, "STREAM.INFO.DNPS", NULL);
    if ((si != NULL) && (raw != NULL))
    {
        jsStreamConfig *c = si->Config;

        CHECK_INT(c->Retention, js_WorkQueuePolicy);
        CHECK_INT(c->Discard, js_DiscardNew);
        CHECK(c->DiscardNewPerSubject);
        CHECK(c->DenyPurge);
        CHECK(c->NoAck);
        CHECK(c->Placement != NULL);
        if (c->Placement != NULL)
        {
            CHECK_STR(c->Placement->Cluster, "west");
            CHECK_INT(c->Placement->TagsLen, 2);
            if (c->Placement->TagsLen == 2)
            {
                CHECK_STR(c->Placement->Tags[0], "east");
                CHECK_STR(c->Placement->Tags[1], "ssd");
            }
        }
        CHECK_JSON(raw, "\"retention\":\"workqueue\"");
        CHECK_JSON(raw, "\"discard\":\"new\"");
        CHECK_JSON(raw, "\"discard_new_per_subject\":true");
        CHECK_JSON(raw, "\"no_ack\":true");
        CHECK_JSON(raw, "\"placement\":{\"cluster\":\"west\",\"tags\":[\"east\",\"ssd\"]}");
#if TU_CNATS_3_13
        CHECK_INT(c->PersistMode, js_PersistAsync);
        CHECK_JSON(raw, "\"persist_mode\":\"async\"");
#endif
    }
    free(raw);
    jsStreamInfo_Destroy(si);
    si = NULL;
    CHECK_OK(js_DeleteStream(js, "DNPS", NULL, NULL));

    // Memory storage and interest retention.
    jsStreamConfig_Init(&cfg);
    cfg.Name = "MEM";
    cfg.Retention = js_InterestPolicy;
    cfg.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    if (si != NULL)
    {
        CHECK_INT(si->Config->Storage, js_MemoryStorage);
        CHECK_INT(si->Config->Retention, js_InterestPolicy);
        // Without subjects the server uses the stream name.
        CHECK_INT(si->Config->SubjectsLen, 1);
        if (si->Config->SubjectsLen == 1)
            CHECK_STR(si->Config->Subjects[0], "MEM");
    }
    jsStreamInfo_Destroy(si);
    si = NULL;
    CHECK_OK(js_DeleteStream(js, "MEM", NULL, NULL));

#if TU_CNATS_3_13
    // Counters need limits retention.
    jsStreamConfig_Init(&cfg);
    cfg.Name = "CNT";
    cfg.AllowMsgCounter = true;
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    if (si != NULL)
        CHECK(si->Config->AllowMsgCounter);
    jsStreamInfo_Destroy(si);
    CHECK_OK(js_DeleteStream(js, "CNT", NULL, NULL));
#endif
    ju_close(nc, js);
}

static void
test_update_stream(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsStreamInfo    *si = NULL;
    jsStreamConfig  cfg;
    const char      *subjects[] = {"upd.>"};
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "UPD";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    cfg.Description = "updated";
    cfg.MaxMsgs = 42;
    CHECK_OK(js_UpdateStream(&si, js, &cfg, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (si != NULL)
    {
        CHECK_STR(si->Config->Description, "updated");
        CHECK_INT(si->Config->MaxMsgs, 42);
    }
    jsStreamInfo_Destroy(si);
    si = NULL;

    // Changing the storage type is not allowed.
    cfg.Storage = js_MemoryStorage;
    CHECK_ERR(js_UpdateStream(&si, js, &cfg, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0);
    CHECK(si == NULL);

    // Sealing is only possible with an update.
    cfg.Storage = js_FileStorage;
    cfg.Sealed = true;
    CHECK_OK(js_UpdateStream(&si, js, &cfg, NULL, &jerr));
    if (si != NULL)
        CHECK(si->Config->Sealed);
    jsStreamInfo_Destroy(si);
    si = NULL;

    // Updating a stream that does not exist.
    cfg.Name = "UPD_MISSING";
    cfg.Sealed = false;
    CHECK_STATUS(js_UpdateStream(&si, js, &cfg, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSStreamNotFoundErr);
    CHECK(si == NULL);
    CHECK_OK(js_DeleteStream(js, "UPD", NULL, NULL));
    ju_close(nc, js);
}

static void
test_stream_info(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsStreamInfo    *si = NULL;
    jsOptions       o;
    jsErrCode       jerr = 0;
    char            *raw = NULL;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "INFO", "info.>");
    ju_publish(js, "info.a", "a", 3);
    ju_publish(js, "info.b", "b", 2);
    ju_publish(js, "info.c.d", "c", 1);
    CHECK_OK(js_DeleteMsg(js, "INFO", 2, NULL, NULL));

    CHECK_OK(js_GetStreamInfo(&si, js, "INFO", NULL, &jerr));
    CHECK_INT(jerr, 0);
    raw = ju_raw(nc, "STREAM.INFO.INFO", NULL);
    if ((si != NULL) && (raw != NULL))
    {
        CHECK_INT(si->State.Msgs, 5);
        CHECK_INT(si->State.FirstSeq, 1);
        CHECK_INT(si->State.LastSeq, 6);
        CHECK_INT(si->State.NumDeleted, 1);
        CHECK_INT(si->State.NumSubjects, 3);
        CHECK(si->State.FirstTime > 0);
        CHECK(si->State.LastTime >= si->State.FirstTime);
        CHECK(si->State.Deleted == NULL);
        CHECK(si->State.Subjects == NULL);
        CHECK(si->State.Lost == NULL);
        CHECK_INT(si->State.Consumers, 0);
        CHECK(si->Cluster != NULL);
        if (si->Cluster != NULL)
        {
            CHECK(si->Cluster->Leader != NULL);
            CHECK_JSON(raw, "\"cluster\":{\"leader\":\"%s\"}", si->Cluster->Leader);
        }
        CHECK(si->Mirror == NULL);
        CHECK_INT(si->SourcesLen, 0);
#if TU_CNATS_3_13
        CHECK_INT(si->AlternatesLen, 0);
#endif
        CHECK_JSON(raw, "\"messages\":%llu", (unsigned long long) si->State.Msgs);
        CHECK_JSON(raw, "\"bytes\":%llu", (unsigned long long) si->State.Bytes);
        CHECK_JSON(raw, "\"first_seq\":%llu", (unsigned long long) si->State.FirstSeq);
        CHECK_JSON(raw, "\"last_seq\":%llu", (unsigned long long) si->State.LastSeq);
        CHECK_JSON(raw, "\"num_deleted\":%llu", (unsigned long long) si->State.NumDeleted);
        CHECK_JSON(raw, "\"num_subjects\":%lld", (long long) si->State.NumSubjects);
        CHECK_JSON(raw, "\"consumer_count\":%lld", (long long) si->State.Consumers);
    }
    free(raw);
    jsStreamInfo_Destroy(si);
    si = NULL;

    // Deleted details and the subjects filter.
    jsOptions_Init(&o);
    o.Stream.Info.DeletedDetails = true;
    o.Stream.Info.SubjectsFilter = "info.>";
    CHECK_OK(js_GetStreamInfo(&si, js, "INFO", &o, &jerr));
    if (si != NULL)
    {
        CHECK_INT(si->State.DeletedLen, 1);
        if (si->State.DeletedLen == 1)
            CHECK_INT(si->State.Deleted[0], 2);
        CHECK(si->State.Subjects != NULL);
        if (si->State.Subjects != NULL)
        {
            int i;
            uint64_t a = 0, b = 0, cd = 0;

            CHECK_INT(si->State.Subjects->Count, 3);
            for (i = 0; i < si->State.Subjects->Count; i++)
            {
                jsStreamStateSubject *subj = &si->State.Subjects->List[i];

                if (strcmp(subj->Subject, "info.a") == 0)
                    a = subj->Msgs;
                else if (strcmp(subj->Subject, "info.b") == 0)
                    b = subj->Msgs;
                else if (strcmp(subj->Subject, "info.c.d") == 0)
                    cd = subj->Msgs;
            }
            CHECK_INT(a, 2);
            CHECK_INT(b, 2);
            CHECK_INT(cd, 1);
        }
    }
    jsStreamInfo_Destroy(si);
    si = NULL;

    o.Stream.Info.DeletedDetails = false;
    o.Stream.Info.SubjectsFilter = "info.c.*";
    CHECK_OK(js_GetStreamInfo(&si, js, "INFO", &o, &jerr));
    if ((si != NULL) && (si->State.Subjects != NULL))
    {
        CHECK_INT(si->State.Subjects->Count, 1);
        CHECK_STR(si->State.Subjects->List[0].Subject, "info.c.d");
        CHECK(si->State.Deleted == NULL);
    }
    else
        CHECK(false);
    jsStreamInfo_Destroy(si);
    si = NULL;

    // A missing stream is NATS_NOT_FOUND with the last error cleared.
    tu_reset_last_error();
    CHECK_STATUS(js_GetStreamInfo(&si, js, "INFO_MISSING", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSStreamNotFoundErr);
    CHECK(si == NULL);
    CHECK_NO_LAST_ERROR();

    CHECK_ERR(js_GetStreamInfo(NULL, js, "INFO", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetStreamInfo(&si, NULL, "INFO", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetStreamInfo(&si, js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetStreamInfo(&si, js, "", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetStreamInfo(&si, js, "IN.FO", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "INFO", NULL, NULL));
    ju_close(nc, js);
}

static uint64_t
stream_msgs(jsCtx *js, const char *stream)
{
    jsStreamInfo    *si = NULL;
    uint64_t        n   = UINT64_MAX;

    CHECK_OK(js_GetStreamInfo(&si, js, stream, NULL, NULL));
    if (si != NULL)
        n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return n;
}

static void
test_purge_stream(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    jsCtx           *js2 = NULL;
    jsOptions       o;
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PURGE", "purge.>");
    ju_publish(js, "purge.a", "a", 5);
    ju_publish(js, "purge.b", "b", 5);

    // Only one subject.
    jsOptions_Init(&o);
    o.Stream.Purge.Subject = "purge.a";
    CHECK_OK(js_PurgeStream(js, "PURGE", &o, &jerr));
    CHECK_INT(jerr, 0);
    CHECK_INT(stream_msgs(js, "PURGE"), 5);

    // Keep the newest 2.
    jsOptions_Init(&o);
    o.Stream.Purge.Keep = 2;
    CHECK_OK(js_PurgeStream(js, "PURGE", &o, &jerr));
    CHECK_INT(stream_msgs(js, "PURGE"), 2);

    // Up to (not including) sequence 10.
    jsOptions_Init(&o);
    o.Stream.Purge.Sequence = 10;
    CHECK_OK(js_PurgeStream(js, "PURGE", &o, &jerr));
    CHECK_INT(stream_msgs(js, "PURGE"), 1);

    // Sequence and Keep together are rejected.
    o.Stream.Purge.Keep = 1;
    CHECK_ERR(js_PurgeStream(js, "PURGE", &o, &jerr), NATS_INVALID_ARG);
    CHECK_INT(jerr, 0);

    // Purge options of the context apply when a call sets none.
    ju_publish(js, "purge.a", "a", 3);
    jsOptions_Init(&o);
    o.Stream.Purge.Subject = "purge.a";
    CHECK_OK(natsConnection_JetStream(&js2, nc, &o));
    CHECK_OK(js_PurgeStream(js2, "PURGE", NULL, &jerr));
    CHECK_INT(stream_msgs(js, "PURGE"), 1);
    jsCtx_Destroy(js2);

    // Everything.
    CHECK_OK(js_PurgeStream(js, "PURGE", NULL, &jerr));
    CHECK_INT(stream_msgs(js, "PURGE"), 0);

    tu_reset_last_error();
    CHECK_STATUS(js_PurgeStream(js, "PURGE_MISSING", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSStreamNotFoundErr);
#if TU_CNATS_3_13
    CHECK_NO_LAST_ERROR();
#endif
    CHECK_ERR(js_PurgeStream(NULL, "PURGE", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PurgeStream(js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PurgeStream(js, "PUR.GE", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "PURGE", NULL, NULL));
    ju_close(nc, js);
}

static void
test_delete_stream(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsStreamInfo    *si = NULL;
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "DEL", "del.>");
    CHECK_OK(js_DeleteStream(js, "DEL", NULL, &jerr));
    CHECK_INT(jerr, 0);
    CHECK_STATUS(js_GetStreamInfo(&si, js, "DEL", NULL, NULL), NATS_NOT_FOUND);

    tu_reset_last_error();
    CHECK_STATUS(js_DeleteStream(js, "DEL", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSStreamNotFoundErr);
#if TU_CNATS_3_13
    CHECK_NO_LAST_ERROR();
#endif
    CHECK_ERR(js_DeleteStream(NULL, "DEL", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_DeleteStream(js, "", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_DeleteStream(js, "D.EL", NULL, &jerr), NATS_INVALID_ARG);
    ju_close(nc, js);
}

static void
test_list_streams(void)
{
    natsConnection      *nc    = NULL;
    jsCtx               *js    = NULL;
    jsStreamInfoList    *list  = NULL;
    jsStreamNamesList   *names = NULL;
    jsOptions           o;
    jsErrCode           jerr = 0;
    int                 i, found = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "LIST1", "list1.>");
    ju_add_stream(js, "LIST2", "list2.>");
    ju_publish(js, "list2.x", "x", 2);

    CHECK_OK(js_Streams(&list, js, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (list != NULL)
    {
        CHECK(list->Count >= 2);
        for (i = 0; i < list->Count; i++)
        {
            if (strcmp(list->List[i]->Config->Name, "LIST2") == 0)
            {
                CHECK_INT(list->List[i]->State.Msgs, 2);
                found++;
            }
            if (strcmp(list->List[i]->Config->Name, "LIST1") == 0)
                found++;
        }
        CHECK_INT(found, 2);
    }
    jsStreamInfoList_Destroy(list);
    jsStreamInfoList_Destroy(NULL);
    list = NULL;

    CHECK_OK(js_StreamNames(&names, js, NULL, &jerr));
    found = 0;
    if (names != NULL)
    {
        for (i = 0; i < names->Count; i++)
            found += (strcmp(names->List[i], "LIST1") == 0) + (strcmp(names->List[i], "LIST2") == 0);
        CHECK_INT(found, 2);
    }
    jsStreamNamesList_Destroy(names);
    jsStreamNamesList_Destroy(NULL);
    names = NULL;

    // A subjects filter selects the streams with a matching subject.
    jsOptions_Init(&o);
    o.Stream.Info.SubjectsFilter = "list2.x";
    CHECK_OK(js_Streams(&list, js, &o, &jerr));
    if (list != NULL)
    {
        CHECK_INT(list->Count, 1);
        CHECK_STR(list->List[0]->Config->Name, "LIST2");
    }
    jsStreamInfoList_Destroy(list);
    list = NULL;
    CHECK_OK(js_StreamNames(&names, js, &o, &jerr));
    if (names != NULL)
    {
        CHECK_INT(names->Count, 1);
        CHECK_STR(names->List[0], "LIST2");
    }
    jsStreamNamesList_Destroy(names);
    names = NULL;

    // No match is NATS_NOT_FOUND.
    o.Stream.Info.SubjectsFilter = "nothing.here";
    CHECK_STATUS(js_Streams(&list, js, &o, &jerr), NATS_NOT_FOUND);
    CHECK(list == NULL);
    CHECK_STATUS(js_StreamNames(&names, js, &o, &jerr), NATS_NOT_FOUND);
    CHECK(names == NULL);

    CHECK_ERR(js_Streams(NULL, js, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_Streams(&list, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_StreamNames(NULL, js, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_StreamNames(&names, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "LIST1", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "LIST2", NULL, NULL));
    ju_close(nc, js);
}

// Waits until stream `name` holds `count` messages.
static bool
wait_for_msgs(jsCtx *js, const char *name, uint64_t count)
{
    int64_t deadline = tu_now_ms() + 5000;

    while (tu_now_ms() < deadline)
    {
        jsStreamInfo    *si = NULL;
        bool            done = false;

        if (js_GetStreamInfo(&si, js, name, NULL, NULL) == NATS_OK)
            done = (si->State.Msgs == count);
        jsStreamInfo_Destroy(si);
        if (done)
            return true;
        tu_sleep_ms(20);
    }
    return false;
}

static void
test_mirror_and_sources(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsStreamInfo    *si = NULL;
    jsStreamConfig  cfg;
    jsStreamSource  mirror, s1, s2;
    jsStreamSource  *sources[2] = {&s1, &s2};
    char            *raw = NULL;
    int             i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "ORIG1", "orig1.>");
    ju_add_stream(js, "ORIG2", "orig2.>");
    ju_publish(js, "orig1.a", "a", 3);
    ju_publish(js, "orig2.a", "a", 2);
    ju_publish(js, "orig2.b", "b", 2);

    jsStreamConfig_Init(&cfg);
    cfg.Name = "MIRROR";
    jsStreamSource_Init(&mirror);
    mirror.Name = "ORIG1";
    mirror.OptStartSeq = 2;
    cfg.Mirror = &mirror;
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    if ((si != NULL) && (si->Config->Mirror != NULL))
    {
        CHECK_STR(si->Config->Mirror->Name, "ORIG1");
        CHECK_INT(si->Config->Mirror->OptStartSeq, 2);
    }
    else
        CHECK(false);
    jsStreamInfo_Destroy(si);
    si = NULL;
    CHECK(wait_for_msgs(js, "MIRROR", 2));
    CHECK_OK(js_GetStreamInfo(&si, js, "MIRROR", NULL, NULL));
    raw = ju_raw(nc, "STREAM.INFO.MIRROR", NULL);
    if ((si != NULL) && (si->Mirror != NULL) && (raw != NULL))
    {
        CHECK_STR(si->Mirror->Name, "ORIG1");
        CHECK_INT(si->Mirror->Lag, 0);
        CHECK_JSON(raw, "\"mirror\":{\"name\":\"%s\",\"lag\":%llu", si->Mirror->Name,
                   (unsigned long long) si->Mirror->Lag);
    }
    else
        CHECK(false);
    free(raw);
    jsStreamInfo_Destroy(si);
    si = NULL;

    jsStreamConfig_Init(&cfg);
    cfg.Name = "AGG";
    jsStreamSource_Init(&s1);
    s1.Name = "ORIG1";
    jsStreamSource_Init(&s2);
    s2.Name = "ORIG2";
    s2.FilterSubject = "orig2.b";
    cfg.Sources = sources;
    cfg.SourcesLen = 2;
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    if (si != NULL)
    {
        CHECK_INT(si->Config->SourcesLen, 2);
        for (i = 0; i < si->Config->SourcesLen; i++)
        {
            if (strcmp(si->Config->Sources[i]->Name, "ORIG2") == 0)
                CHECK_STR(si->Config->Sources[i]->FilterSubject, "orig2.b");
        }
    }
    jsStreamInfo_Destroy(si);
    si = NULL;
    CHECK(wait_for_msgs(js, "AGG", 5));
    CHECK_OK(js_GetStreamInfo(&si, js, "AGG", NULL, NULL));
    raw = ju_raw(nc, "STREAM.INFO.AGG", NULL);
    if ((si != NULL) && (raw != NULL))
    {
        int names = 0;

        CHECK_INT(si->SourcesLen, 2);
        for (i = 0; i < si->SourcesLen; i++)
        {
            names += (strcmp(si->Sources[i]->Name, "ORIG1") == 0) + (strcmp(si->Sources[i]->Name, "ORIG2") == 0);
            CHECK_JSON(raw, "{\"name\":\"%s\",\"lag\":%llu", si->Sources[i]->Name,
                       (unsigned long long) si->Sources[i]->Lag);
#if TU_CNATS_3_13
            if (strcmp(si->Sources[i]->Name, "ORIG2") == 0)
                CHECK_STR(si->Sources[i]->FilterSubject, "orig2.b");
#endif
        }
        CHECK_INT(names, 2);
    }
    free(raw);
    jsStreamInfo_Destroy(si);
    si = NULL;

#if TU_CNATS_3_13
    // A source with both a domain and an external prefix is rejected.
    {
        jsExternalStream ext;

        jsExternalStream_Init(&ext);
        ext.APIPrefix = "$JS.other.API";
        jsStreamSource_Init(&s1);
        s1.Name = "ORIG1";
        s1.Domain = "other";
        s1.External = &ext;
        jsStreamConfig_Init(&cfg);
        cfg.Name = "BOTH";
        cfg.Sources = sources;
        cfg.SourcesLen = 1;
        CHECK_ERR(js_AddStream(NULL, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
        cfg.Sources = NULL;
        cfg.SourcesLen = 0;
        cfg.Mirror = &s1;
        CHECK_ERR(js_AddStream(NULL, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
        // A NULL entry in Sources is rejected too.
        cfg.Mirror = NULL;
        sources[0] = NULL;
        cfg.Sources = sources;
        cfg.SourcesLen = 1;
        CHECK_ERR(js_AddStream(NULL, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    }
#endif

    CHECK_OK(js_DeleteStream(js, "AGG", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "MIRROR", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "ORIG1", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "ORIG2", NULL, NULL));
    ju_close(nc, js);
}

// A stream information reply with every field a single server cannot
// produce: replicas, alternates, lost messages, external sources.
static const char *FAKE_INFO =
    "{\"type\":\"io.nats.jetstream.api.v1.stream_create_response\","
    "\"config\":{\"name\":\"FAKE\",\"subjects\":[\"fake.>\"],\"retention\":\"interest\","
    "\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"max_msgs_per_subject\":-1,"
    "\"max_msg_size\":-1,\"discard\":\"new\",\"storage\":\"memory\",\"num_replicas\":3,"
    "\"template_owner\":\"TPL\",\"sealed\":true,\"mirror_direct\":true,"
    "\"mirror\":{\"name\":\"UP\",\"opt_start_seq\":5,\"opt_start_time\":\"2021-06-02T14:30:05.5Z\","
    "\"filter_subject\":\"up.>\",\"external\":{\"api\":\"$JS.up.API\",\"deliver\":\"dlv.up\"}},"
    "\"sources\":[{\"name\":\"S1\"},{\"name\":\"S2\",\"external\":{\"api\":\"$JS.s2.API\"}}],"
    "\"republish\":{\"src\":\">\",\"dest\":\"rp.>\"}},"
    "\"created\":\"2021-06-02T14:30:05.000000001Z\","
    "\"state\":{\"messages\":10,\"bytes\":200,\"first_seq\":3,\"first_ts\":\"2021-06-02T14:30:06Z\","
    "\"last_seq\":14,\"last_ts\":\"2021-06-02T16:30:07+02:00\",\"num_subjects\":2,"
    "\"subjects\":{\"fake.a\":4,\"fake.b\":6},\"num_deleted\":2,\"deleted\":[5,9],"
    "\"lost\":{\"msgs\":[11,12],\"bytes\":40},\"consumer_count\":7},"
    "\"cluster\":{\"name\":\"C1\",\"leader\":\"srv1\",\"raft_group\":\"RG\","
    "\"leader_since\":\"2021-06-02T14:30:05Z\",\"system_account\":true,\"traffic_account\":\"TA\","
    "\"replicas\":[{\"name\":\"srv2\",\"current\":true,\"active\":1500,\"lag\":3},"
    "{\"name\":\"srv3\",\"offline\":true,\"active\":2500,\"lag\":9}]},"
    "\"mirror\":{\"name\":\"UP\",\"lag\":17,\"active\":123,\"filter_subject\":\"up.>\","
    "\"external\":{\"api\":\"$JS.up.API\",\"deliver\":\"dlv.up\"},"
    "\"subject_transforms\":[{\"src\":\"up.a\",\"dest\":\"x.a\"},{\"src\":\"up.b\",\"dest\":\"x.b\"}]},"
    "\"sources\":[{\"name\":\"S1\",\"lag\":1,\"active\":-1},{\"name\":\"S2\",\"lag\":2,\"active\":5,"
    "\"external\":{\"api\":\"$JS.s2.API\"}}],"
    "\"alternates\":[{\"name\":\"FAKE\",\"cluster\":\"C1\"},{\"name\":\"FAKE_M\",\"domain\":\"d2\",\"cluster\":\"C2\"}]}";

static void
test_info_decodes_every_field(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsStreamInfo        *si  = NULL;
    jsStreamConfig      cfg;
    jsStreamSource      mirror, s1, s2;
    jsStreamSource      *sources[2] = {&s1, &s2};
    jsExternalStream    ext;
    jsOptions           o;
#if !TU_CNATS_3_13
    jsExternalStream    ext2;
#endif

    jsOptions_Init(&o);
    o.Prefix = "$FAKE.API";
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "$FAKE.API.STREAM.CREATE.FAKE", ju_fake_handler, (void *) FAKE_INFO));
    CHECK_OK(natsConnection_Flush(nc));

    jsStreamConfig_Init(&cfg);
    cfg.Name = "FAKE";
    cfg.Template = "TPL";
    cfg.Sealed = true;
    cfg.MirrorDirect = true;
    jsStreamSource_Init(&mirror);
    mirror.Name = "UP";
    mirror.OptStartSeq = 5;
    mirror.OptStartTime = 1622644205500000000LL;
    mirror.FilterSubject = "up.>";
    jsExternalStream_Init(&ext);
    ext.APIPrefix = "$JS.up.API";
    ext.DeliverPrefix = "dlv.up";
    mirror.External = &ext;
    cfg.Mirror = &mirror;
    jsStreamSource_Init(&s1);
    s1.Name = "S1";
    jsStreamSource_Init(&s2);
    s2.Name = "S2";
#if TU_CNATS_3_13
    s2.Domain = "s2";
#else
    jsExternalStream_Init(&ext2);
    ext2.APIPrefix = "$JS.s2.API";
    // cnats 3.4.1 crashes on a NULL deliver prefix.
    ext2.DeliverPrefix = "dlv.s2";
    s2.External = &ext2;
#endif
    cfg.Sources = sources;
    cfg.SourcesLen = 2;

    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    // What the request carried.
    CHECK_CONTAINS(ju_fake_request, "\"template_owner\":\"TPL\"");
    CHECK_CONTAINS(ju_fake_request, "\"sealed\":true");
    CHECK_CONTAINS(ju_fake_request, "\"mirror_direct\":true");
    CHECK_CONTAINS(ju_fake_request, "\"opt_start_time\":\"2021-06-02T14:30:05.5Z\"");
    CHECK_CONTAINS(ju_fake_request, "\"external\":{\"api\":\"$JS.up.API\",\"deliver\":\"dlv.up\"}");
#if TU_CNATS_3_13
    // A source's domain goes out as its external API prefix.
    CHECK_CONTAINS(ju_fake_request, "\"external\":{\"api\":\"$JS.s2.API\"}");
    // The caller's source is left as it was.
    CHECK(s2.External == NULL);
#endif

    if (si == NULL)
    {
        natsSubscription_Destroy(sub);
        ju_close(nc, js);
        return;
    }
    {
        jsStreamConfig *c = si->Config;

        CHECK_INT(c->Retention, js_InterestPolicy);
        CHECK_INT(c->Discard, js_DiscardNew);
        CHECK_INT(c->Storage, js_MemoryStorage);
        CHECK_INT(c->Replicas, 3);
        CHECK_STR(c->Template, "TPL");
        CHECK(c->Sealed);
        CHECK(c->MirrorDirect);
        CHECK(c->Mirror != NULL);
        if (c->Mirror != NULL)
        {
            CHECK_STR(c->Mirror->Name, "UP");
            CHECK_INT(c->Mirror->OptStartSeq, 5);
            CHECK_INT(c->Mirror->OptStartTime, 1622644205500000000LL);
            CHECK_STR(c->Mirror->FilterSubject, "up.>");
            CHECK(c->Mirror->External != NULL);
            if (c->Mirror->External != NULL)
            {
                CHECK_STR(c->Mirror->External->APIPrefix, "$JS.up.API");
                CHECK_STR(c->Mirror->External->DeliverPrefix, "dlv.up");
            }
        }
        CHECK_INT(c->SourcesLen, 2);
        if (c->SourcesLen == 2)
        {
            CHECK_STR(c->Sources[0]->Name, "S1");
            CHECK(c->Sources[0]->External == NULL);
            CHECK_STR(c->Sources[1]->Name, "S2");
            CHECK(c->Sources[1]->External != NULL);
            if (c->Sources[1]->External != NULL)
            {
                CHECK_STR(c->Sources[1]->External->APIPrefix, "$JS.s2.API");
                CHECK(c->Sources[1]->External->DeliverPrefix == NULL);
            }
        }
        CHECK(c->RePublish != NULL);
        if (c->RePublish != NULL)
        {
            CHECK_STR(c->RePublish->Source, ">");
            CHECK_STR(c->RePublish->Destination, "rp.>");
            CHECK(!c->RePublish->HeadersOnly);
        }
    }
    CHECK_INT(si->Created, 1622644205000000001LL);
    CHECK_INT(si->State.Msgs, 10);
    CHECK_INT(si->State.Bytes, 200);
    CHECK_INT(si->State.FirstSeq, 3);
    CHECK_INT(si->State.FirstTime, 1622644206000000000LL);
    CHECK_INT(si->State.LastSeq, 14);
    CHECK_INT(si->State.LastTime, 1622644207000000000LL);
    CHECK_INT(si->State.NumSubjects, 2);
    CHECK(si->State.Subjects != NULL);
    if (si->State.Subjects != NULL)
    {
        CHECK_INT(si->State.Subjects->Count, 2);
    }
    CHECK_INT(si->State.NumDeleted, 2);
    CHECK_INT(si->State.DeletedLen, 2);
    if (si->State.DeletedLen == 2)
    {
        CHECK_INT(si->State.Deleted[0], 5);
        CHECK_INT(si->State.Deleted[1], 9);
    }
    CHECK(si->State.Lost != NULL);
    if (si->State.Lost != NULL)
    {
        CHECK_INT(si->State.Lost->MsgsLen, 2);
        if (si->State.Lost->MsgsLen == 2)
        {
            CHECK_INT(si->State.Lost->Msgs[0], 11);
            CHECK_INT(si->State.Lost->Msgs[1], 12);
        }
        CHECK_INT(si->State.Lost->Bytes, 40);
    }
    CHECK_INT(si->State.Consumers, 7);

    CHECK(si->Cluster != NULL);
    if (si->Cluster != NULL)
    {
        jsClusterInfo *ci = si->Cluster;

        CHECK_STR(ci->Name, "C1");
        CHECK_STR(ci->Leader, "srv1");
#if TU_CNATS_3_13
        CHECK_STR(ci->RaftGroup, "RG");
        CHECK_INT(ci->LeaderSince, 1622644205000000000LL);
        CHECK(ci->SystemAcc);
        CHECK_STR(ci->TrafficAcc, "TA");
#endif
        CHECK_INT(ci->ReplicasLen, 2);
        if (ci->ReplicasLen == 2)
        {
            CHECK_STR(ci->Replicas[0]->Name, "srv2");
            CHECK(ci->Replicas[0]->Current);
            CHECK(!ci->Replicas[0]->Offline);
            CHECK_INT(ci->Replicas[0]->Active, 1500);
            CHECK_INT(ci->Replicas[0]->Lag, 3);
            CHECK_STR(ci->Replicas[1]->Name, "srv3");
            CHECK(!ci->Replicas[1]->Current);
            CHECK(ci->Replicas[1]->Offline);
            CHECK_INT(ci->Replicas[1]->Active, 2500);
            CHECK_INT(ci->Replicas[1]->Lag, 9);
        }
    }
    CHECK(si->Mirror != NULL);
    if (si->Mirror != NULL)
    {
        CHECK_STR(si->Mirror->Name, "UP");
        CHECK_INT(si->Mirror->Lag, 17);
        CHECK_INT(si->Mirror->Active, 123);
        CHECK(si->Mirror->External != NULL);
        if (si->Mirror->External != NULL)
            CHECK_STR(si->Mirror->External->DeliverPrefix, "dlv.up");
#if TU_CNATS_3_13
        CHECK_STR(si->Mirror->FilterSubject, "up.>");
        CHECK_INT(si->Mirror->SubjectTransformsLen, 2);
        if (si->Mirror->SubjectTransformsLen == 2)
        {
            CHECK_STR(si->Mirror->SubjectTransforms[0].Source, "up.a");
            CHECK_STR(si->Mirror->SubjectTransforms[0].Destination, "x.a");
            CHECK_STR(si->Mirror->SubjectTransforms[1].Source, "up.b");
            CHECK_STR(si->Mirror->SubjectTransforms[1].Destination, "x.b");
        }
#endif
    }
    CHECK_INT(si->SourcesLen, 2);
    if (si->SourcesLen == 2)
    {
        CHECK_STR(si->Sources[0]->Name, "S1");
        CHECK_INT(si->Sources[0]->Lag, 1);
        CHECK_INT(si->Sources[0]->Active, -1);
        CHECK(si->Sources[0]->External == NULL);
        CHECK_STR(si->Sources[1]->Name, "S2");
        CHECK_INT(si->Sources[1]->Lag, 2);
        CHECK(si->Sources[1]->External != NULL);
    }
#if TU_CNATS_3_13
    CHECK_INT(si->AlternatesLen, 2);
    if (si->AlternatesLen == 2)
    {
        CHECK_STR(si->Alternates[0]->Name, "FAKE");
        CHECK(si->Alternates[0]->Domain == NULL);
        CHECK_STR(si->Alternates[0]->Cluster, "C1");
        CHECK_STR(si->Alternates[1]->Name, "FAKE_M");
        CHECK_STR(si->Alternates[1]->Domain, "d2");
        CHECK_STR(si->Alternates[1]->Cluster, "C2");
    }
#endif
    jsStreamInfo_Destroy(si);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_config_init_defaults);
    RUN_TEST(test_add_stream_bad_args);
    RUN_TEST(test_add_stream_every_field);
    RUN_TEST(test_add_stream_other_policies);
    RUN_TEST(test_update_stream);
    RUN_TEST(test_stream_info);
    RUN_TEST(test_purge_stream);
    RUN_TEST(test_delete_stream);
    RUN_TEST(test_list_streams);
    RUN_TEST(test_mirror_and_sources);
    RUN_TEST(test_info_decodes_every_field);
    return tu_finish();
}
