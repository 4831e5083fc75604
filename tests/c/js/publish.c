// Publishing to JetStream: acknowledgments, message ids and duplicates,
// expectations, message TTLs, timeouts, asynchronous publishing with its
// handlers, stalls and pending list, and atomic batches.
//
// Usage: publish <url-with-jetstream>

#include "js_util.h"

static void
test_publish_ack(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsPubAck        *pa = NULL;
    jsErrCode       jerr = 9999;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PUB", "pub.>");

    CHECK_OK(js_Publish(&pa, js, "pub.a", "hello", 5, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (pa != NULL)
    {
        CHECK_STR(pa->Stream, "PUB");
        CHECK_INT(pa->Sequence, 1);
        CHECK(!pa->Duplicate);
        CHECK(pa->Domain == NULL);
#if TU_CNATS_3_13
        CHECK(pa->Batch == NULL);
        CHECK_INT(pa->Count, 0);
        CHECK(pa->Value == NULL);
#endif
    }
    jsPubAck_Destroy(pa);
    jsPubAck_Destroy(NULL);
    pa = NULL;

    // No acknowledgment wanted, and an empty payload.
    CHECK_OK(js_Publish(NULL, js, "pub.b", NULL, 0, NULL, &jerr));
    CHECK_OK(js_Publish(&pa, js, "pub.b", "", 0, NULL, &jerr));
    if (pa != NULL)
        CHECK_INT(pa->Sequence, 3);
    jsPubAck_Destroy(pa);
    pa = NULL;

    CHECK_ERR(js_Publish(&pa, NULL, "pub.a", "x", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_Publish(&pa, js, NULL, "x", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_Publish(&pa, js, "", "x", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_PublishMsg(&pa, js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(pa == NULL);
    CHECK_OK(js_DeleteStream(js, "PUB", NULL, NULL));
    ju_close(nc, js);
}

static void
test_publish_msg_headers(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    jsPubAck        *pa  = NULL;
    natsMsg         *msg = NULL;
    natsMsg         *got = NULL;
    const char      *val = NULL;
    jsPubOptions    po;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "PUBMSG", "pubmsg.>");
    CHECK_OK(natsMsg_Create(&msg, "pubmsg.a", NULL, "payload", 7));
    CHECK_OK(natsMsgHeader_Set(msg, "X-App", "yes"));
    jsPubOptions_Init(&po);
    po.MsgId = "m-1";
    CHECK_OK(js_PublishMsg(&pa, js, msg, &po, NULL));
    // The options went out as headers set on the caller's message.
    CHECK_OK(natsMsgHeader_Get(msg, "Nats-Msg-Id", &val));
    CHECK_STR(val, "m-1");
    natsMsg_Destroy(msg);

    CHECK_OK(js_GetMsg(&got, js, "PUBMSG", 1, NULL, NULL));
    if (got != NULL)
    {
        CHECK_STR(natsMsg_GetData(got), "payload");
        CHECK_OK(natsMsgHeader_Get(got, "X-App", &val));
        CHECK_STR(val, "yes");
        CHECK_OK(natsMsgHeader_Get(got, "Nats-Msg-Id", &val));
        CHECK_STR(val, "m-1");
    }
    natsMsg_Destroy(got);
    jsPubAck_Destroy(pa);
    CHECK_OK(js_DeleteStream(js, "PUBMSG", NULL, NULL));
    ju_close(nc, js);
}

static void
test_duplicate_msg_ids(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsPubAck        *pa = NULL;
    jsStreamInfo    *si = NULL;
    jsPubOptions    po;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "DUP", "dup.>");
    jsPubOptions_Init(&po);
    po.MsgId = "unique-1";
    CHECK_OK(js_Publish(&pa, js, "dup.a", "one", 3, &po, NULL));
    if (pa != NULL)
    {
        CHECK(!pa->Duplicate);
        CHECK_INT(pa->Sequence, 1);
    }
    jsPubAck_Destroy(pa);
    pa = NULL;

    // The same id again is reported as a duplicate of the stored message.
    CHECK_OK(js_Publish(&pa, js, "dup.a", "one again", 9, &po, NULL));
    if (pa != NULL)
    {
        CHECK(pa->Duplicate);
        CHECK_INT(pa->Sequence, 1);
        CHECK_STR(pa->Stream, "DUP");
    }
    jsPubAck_Destroy(pa);
    pa = NULL;

    po.MsgId = "unique-2";
    CHECK_OK(js_Publish(&pa, js, "dup.a", "two", 3, &po, NULL));
    if (pa != NULL)
    {
        CHECK(!pa->Duplicate);
        CHECK_INT(pa->Sequence, 2);
    }
    jsPubAck_Destroy(pa);
    CHECK_OK(js_GetStreamInfo(&si, js, "DUP", NULL, NULL));
    if (si != NULL)
        CHECK_INT(si->State.Msgs, 2);
    jsStreamInfo_Destroy(si);
    CHECK_OK(js_DeleteStream(js, "DUP", NULL, NULL));
    ju_close(nc, js);
}

static void
test_expectations(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsPubAck        *pa = NULL;
    jsPubOptions    po;
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "EXP", "exp.>");
    jsPubOptions_Init(&po);
    po.MsgId = "first";
    CHECK_OK(js_Publish(NULL, js, "exp.a", "1", 1, &po, NULL));

    jsPubOptions_Init(&po);
    po.ExpectStream = "OTHER";
    CHECK_ERR(js_Publish(&pa, js, "exp.a", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamNotMatchErr);
    CHECK_LAST_ERROR_CONTAINS("expected stream does not match");
    CHECK(pa == NULL);
    po.ExpectStream = "EXP";
    CHECK_OK(js_Publish(NULL, js, "exp.a", "2", 1, &po, &jerr));
    CHECK_INT(jerr, 0);

    jsPubOptions_Init(&po);
    po.ExpectLastSeq = 1;
    CHECK_ERR(js_Publish(NULL, js, "exp.a", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamWrongLastSequenceErr);
    po.ExpectLastSeq = 2;
    CHECK_OK(js_Publish(NULL, js, "exp.b", "3", 1, &po, &jerr));

    jsPubOptions_Init(&po);
    po.ExpectLastMsgId = "not-it";
    CHECK_ERR(js_Publish(NULL, js, "exp.a", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamWrongLastMsgIDErr);

    // Per subject: exp.a was last stored at sequence 2.
    jsPubOptions_Init(&po);
    po.ExpectLastSubjectSeq = 1;
    CHECK_ERR(js_Publish(NULL, js, "exp.a", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamWrongLastSequenceErr);
    po.ExpectLastSubjectSeq = 2;
    CHECK_OK(js_Publish(NULL, js, "exp.a", "4", 1, &po, &jerr));

    // No message yet on exp.new, then one.
    jsPubOptions_Init(&po);
    po.ExpectNoMessage = true;
    CHECK_OK(js_Publish(NULL, js, "exp.new", "5", 1, &po, &jerr));
    CHECK_ERR(js_Publish(NULL, js, "exp.new", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamWrongLastSequenceErr);

#if TU_CNATS_3_13
    // The last sequence of a wildcard subject: exp.new was stored at 5.
    jsPubOptions_Init(&po);
    po.ExpectLastSubjectSeq = 5;
    po.ExpectLastSubjectSeqSubject = "exp.*";
    CHECK_OK(js_Publish(NULL, js, "exp.a", "6", 1, &po, &jerr));
    po.ExpectLastSubjectSeq = 3;
    CHECK_ERR(js_Publish(NULL, js, "exp.a", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamWrongLastSequenceErr);
#endif
    CHECK_OK(js_DeleteStream(js, "EXP", NULL, NULL));
    ju_close(nc, js);
}

#if TU_CNATS_3_13
static void
test_msg_ttl(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    natsMsg         *got = NULL;
    const char      *val = NULL;
    jsStreamConfig  cfg;
    const char      *subjects[] = {"ttl.>"};
    jsPubOptions    po;
    jsErrCode       jerr = 0;
    int64_t         deadline;
    natsStatus      s = NATS_OK;

    if (!ju_connect(&nc, &js, NULL))
        return;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "TTL";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.AllowMsgTTL = true;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    jsPubOptions_Init(&po);
    po.MsgTTL = 1500;
    CHECK_OK(js_Publish(NULL, js, "ttl.a", "short", 5, &po, &jerr));
    CHECK_OK(js_GetMsg(&got, js, "TTL", 1, NULL, NULL));
    if (got != NULL)
    {
        CHECK_OK(natsMsgHeader_Get(got, "Nats-TTL", &val));
        CHECK_STR(val, "1.5s");
    }
    natsMsg_Destroy(got);
    got = NULL;

    // The server removes the message once its TTL has passed.
    deadline = tu_now_ms() + 6000;
    while (tu_now_ms() < deadline)
    {
        s = js_GetMsg(&got, js, "TTL", 1, NULL, NULL);
        natsMsg_Destroy(got);
        got = NULL;
        if (s == NATS_NOT_FOUND)
            break;
        tu_sleep_ms(100);
    }
    CHECK_STATUS(s, NATS_NOT_FOUND);

    po.MsgTTL = -1;
    CHECK_ERR(js_Publish(NULL, js, "ttl.a", "x", 1, &po, &jerr), NATS_INVALID_ARG);
    CHECK_INT(jerr, 0);

    // A stream that does not allow TTLs rejects them.
    ju_add_stream(js, "NOTTL", "nottl.>");
    po.MsgTTL = 1000;
    CHECK_ERR(js_Publish(NULL, js, "nottl.a", "x", 1, &po, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSMessageTTLDisabledErr);
    CHECK_OK(js_DeleteStream(js, "TTL", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "NOTTL", NULL, NULL));
    ju_close(nc, js);
}
#endif

static void
test_publish_timeout_and_no_stream(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsPubOptions        po;
    jsErrCode           jerr = 0;
    int64_t             start;

    if (!ju_connect(&nc, &js, NULL))
        return;
    // Nothing answers: no stream listens on the subject.
    CHECK_STATUS(js_Publish(NULL, js, "nostream.a", "x", 1, NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK_INT(jerr, JSNotEnabledErr);

    // A plain subscriber that never replies makes the publish time out.
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "silent.>"));
    CHECK_OK(natsConnection_Flush(nc));
    jsPubOptions_Init(&po);
    po.MaxWait = 200;
    start = tu_now_ms();
    CHECK_STATUS(js_Publish(NULL, js, "silent.a", "x", 1, &po, &jerr), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start >= 150);
    CHECK(tu_now_ms() - start < 2000);

    po.MaxWait = -1;
    CHECK_ERR(js_Publish(NULL, js, "silent.a", "x", 1, &po, &jerr), NATS_INVALID_ARG);
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

// Outcomes seen by the asynchronous publish handlers.
typedef struct
{
    atomic_int  acks;
    atomic_int  errors;
    atomic_int  no_responders;
    atomic_int  timeouts;
    atomic_int  server_errors;
    atomic_int  resends;
    atomic_int  bad;
    uint64_t    last_seq;
    jsErrCode   last_code;
} outcomes;

static void
ack_handler(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    outcomes *o = (outcomes *) closure;

    if ((msg == NULL) || ((pa == NULL) == (pae == NULL)))
        atomic_fetch_add(&o->bad, 1);
    if (pa != NULL)
    {
        if (pa->Sequence <= o->last_seq)
            atomic_fetch_add(&o->bad, 1);
        o->last_seq = pa->Sequence;
        atomic_fetch_add(&o->acks, 1);
    }
    if (pae != NULL)
    {
        if ((pae->Msg != NULL) || (pae->ErrText == NULL) || (pae->ErrText[0] == '\0'))
            atomic_fetch_add(&o->bad, 1);
        if (pae->Err == NATS_NO_RESPONDERS)
            atomic_fetch_add(&o->no_responders, 1);
        atomic_fetch_add(&o->errors, 1);
    }
    natsMsg_Destroy(msg);
}

static void
err_handler(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    outcomes *o = (outcomes *) closure;

    if ((pae == NULL) || (pae->Msg == NULL) || (pae->ErrText == NULL))
    {
        atomic_fetch_add(&o->bad, 1);
        return;
    }
    atomic_fetch_add(&o->errors, 1);
    if (pae->Err == NATS_NO_RESPONDERS)
        atomic_fetch_add(&o->no_responders, 1);
    else if (pae->Err == NATS_TIMEOUT)
        atomic_fetch_add(&o->timeouts, 1);
    else if (pae->Err == NATS_ERR)
    {
        o->last_code = pae->ErrCode;
        atomic_fetch_add(&o->server_errors, 1);
    }
    // Resend a "resend.*" message once; the library then leaves it alone.
    if ((strncmp(natsMsg_GetSubject(pae->Msg), "resend.", 7) == 0) && (atomic_fetch_add(&o->resends, 1) == 0))
    {
        if (js_PublishMsgAsync(js, &pae->Msg, NULL) != NATS_OK)
            atomic_fetch_add(&o->bad, 1);
        if (pae->Msg != NULL)
            atomic_fetch_add(&o->bad, 1);
    }
}

static void
test_publish_async(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    natsMsg         *msg = NULL;
    jsStreamInfo    *si  = NULL;
    jsPubOptions    po;
    int             i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    ju_add_stream(js, "ASYNC", "async.>");
    // Nothing pending yet.
    CHECK_OK(js_PublishAsyncComplete(js, NULL));

    for (i = 0; i < 100; i++)
    {
        char data[16];

        snprintf(data, sizeof(data), "%d", i);
        CHECK_OK(js_PublishAsync(js, "async.a", data, (int) strlen(data), NULL));
    }
    CHECK_OK(natsMsg_Create(&msg, "async.b", NULL, "m", 1));
    CHECK_OK(js_PublishMsgAsync(js, &msg, NULL));
    // The library owns the message now.
    CHECK(msg == NULL);
    natsMsg_Destroy(msg);

    jsPubOptions_Init(&po);
    po.MaxWait = 5000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK_OK(js_GetStreamInfo(&si, js, "ASYNC", NULL, NULL));
    if (si != NULL)
        CHECK_INT(si->State.Msgs, 101);
    jsStreamInfo_Destroy(si);

    po.MaxWait = -1;
    CHECK_ERR(js_PublishAsyncComplete(js, &po), NATS_INVALID_ARG);
    CHECK_ERR(js_PublishAsyncComplete(NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(js_PublishAsync(NULL, "async.a", "x", 1, NULL), NATS_INVALID_ARG);
    CHECK_ERR(js_PublishMsgAsync(js, NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(js_PublishMsgAsync(js, &msg, NULL), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "ASYNC", NULL, NULL));
    ju_close(nc, js);
}

static void
test_publish_async_ack_handler(void)
{
    natsConnection  *nc = NULL;
    jsCtx           *js = NULL;
    jsOptions       o;
    jsPubOptions    po;
    outcomes        out;
    int             i;

    memset(&out, 0, sizeof(out));
    jsOptions_Init(&o);
    o.PublishAsync.AckHandler = ack_handler;
    o.PublishAsync.AckHandlerClosure = &out;
    // The ack handler takes precedence over the error handler.
    o.PublishAsync.ErrHandler = err_handler;
    o.PublishAsync.ErrHandlerClosure = NULL;
    if (!ju_connect(&nc, &js, &o))
        return;
    ju_add_stream(js, "ACKH", "ackh.>");
    for (i = 0; i < 10; i++)
        CHECK_OK(js_PublishAsync(js, "ackh.a", "x", 1, NULL));
    for (i = 0; i < 2; i++)
        CHECK_OK(js_PublishAsync(js, "nostream.ackh", "x", 1, NULL));
    jsPubOptions_Init(&po);
    po.MaxWait = 5000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK_INT(atomic_load(&out.acks), 10);
    CHECK_INT(atomic_load(&out.errors), 2);
    CHECK_INT(atomic_load(&out.no_responders), 2);
    CHECK_INT(atomic_load(&out.bad), 0);
    CHECK_INT(out.last_seq, 10);
    CHECK_OK(js_DeleteStream(js, "ACKH", NULL, NULL));
    ju_close(nc, js);
}

static void
test_publish_async_err_handler(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsOptions           o;
    jsPubOptions        po;
    outcomes            out;
    int                 i;

    memset(&out, 0, sizeof(out));
    jsOptions_Init(&o);
    o.PublishAsync.ErrHandler = err_handler;
    o.PublishAsync.ErrHandlerClosure = &out;
    if (!ju_connect(&nc, &js, &o))
        return;
    ju_add_stream(js, "ERRH", "errh.>");
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "quiet.>"));
    CHECK_OK(natsConnection_Flush(nc));

    // Successes do not reach the error handler.
    for (i = 0; i < 5; i++)
        CHECK_OK(js_PublishAsync(js, "errh.a", "x", 1, NULL));
    // A server error, with its code.
    jsPubOptions_Init(&po);
    po.ExpectStream = "WRONG";
    CHECK_OK(js_PublishAsync(js, "errh.a", "x", 1, &po));
    // No stream: resent once from the handler, so it fails twice.
    CHECK_OK(js_PublishAsync(js, "resend.a", "x", 1, NULL));
    // No acknowledgment within MaxWait.
    jsPubOptions_Init(&po);
    po.MaxWait = 200;
    CHECK_OK(js_PublishAsync(js, "quiet.a", "x", 1, &po));

    jsPubOptions_Init(&po);
    po.MaxWait = 5000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK_INT(atomic_load(&out.bad), 0);
    CHECK_INT(atomic_load(&out.server_errors), 1);
    CHECK_INT(out.last_code, JSStreamNotMatchErr);
    CHECK_INT(atomic_load(&out.no_responders), 2);
    CHECK_INT(atomic_load(&out.resends), 2);
    CHECK_INT(atomic_load(&out.timeouts), 1);
    CHECK_INT(atomic_load(&out.errors), 4);
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "ERRH", NULL, NULL));
    ju_close(nc, js);
}

static void
test_publish_async_stall_and_pending(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         pending;
    jsOptions           o;
    int64_t             start;
    int                 i;

    jsOptions_Init(&o);
    o.PublishAsync.MaxPending = 3;
    o.PublishAsync.StallWait = 150;
    if (!ju_connect(&nc, &js, &o))
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "hush.>"));
    CHECK_OK(natsConnection_Flush(nc));

    for (i = 0; i < 3; i++)
    {
        char data[16];

        snprintf(data, sizeof(data), "%d", i);
        CHECK_OK(js_PublishAsync(js, "hush.a", data, (int) strlen(data), NULL));
    }
    // A fourth waits for room, then gives up.
    start = tu_now_ms();
    CHECK_STATUS(js_PublishAsync(js, "hush.a", "3", 1, NULL), NATS_TIMEOUT);
    CHECK(tu_now_ms() - start >= 100);
    CHECK(tu_now_ms() - start < 2000);

    // Take back the unacknowledged messages (cnats does not order them).
    memset(&pending, 0, sizeof(pending));
    CHECK_OK(js_PublishAsyncGetPendingList(&pending, js));
    CHECK_INT(pending.Count, 3);
    {
        int seen[3] = {0, 0, 0};

        for (i = 0; i < pending.Count; i++)
        {
            int n = atoi(natsMsg_GetData(pending.Msgs[i]));

            CHECK_STR(natsMsg_GetSubject(pending.Msgs[i]), "hush.a");
            if ((n >= 0) && (n < 3))
                seen[n]++;
        }
        CHECK_INT(seen[0] + seen[1] + seen[2], 3);
        CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    }
    natsMsgList_Destroy(&pending);
    memset(&pending, 0, sizeof(pending));
    CHECK_STATUS(js_PublishAsyncGetPendingList(&pending, js), NATS_NOT_FOUND);
    // With nothing pending, completion does not wait.
    CHECK_OK(js_PublishAsyncComplete(js, NULL));
    CHECK_ERR(js_PublishAsyncGetPendingList(NULL, js), NATS_INVALID_ARG);
    CHECK_ERR(js_PublishAsyncGetPendingList(&pending, NULL), NATS_INVALID_ARG);

    // Destroying a context with pending publishes releases their messages.
    CHECK_OK(js_PublishAsync(js, "hush.b", "x", 1, NULL));
    {
        jsPubOptions po;

        jsPubOptions_Init(&po);
        po.MaxWait = 100;
        CHECK_STATUS(js_PublishAsyncComplete(js, &po), NATS_TIMEOUT);
    }
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

#if TU_CNATS_3_13
static void
test_atomic_batch(void)
{
    natsConnection      *nc    = NULL;
    jsCtx               *js    = NULL;
    jsAtomicBatchCtx    *batch = NULL;
    jsPubAck            *pa    = NULL;
    natsMsg             *msg   = NULL;
    jsStreamInfo        *si    = NULL;
    jsStreamConfig      cfg;
    const char          *subjects[] = {"batch.>"};
    jsErrCode           jerr = 0;
    int                 i;

    if (!ju_connect(&nc, &js, NULL))
        return;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "BATCH";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.AllowAtomic = true;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    CHECK_OK(natsMsg_Create(&msg, "batch.a", NULL, "first", 5));
    CHECK_ERR(js_BatchPublishStart(NULL, NULL, js, msg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_BatchPublishStart(&batch, NULL, NULL, msg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_BatchPublishStart(&batch, NULL, js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(batch == NULL);
    CHECK_OK(js_BatchPublishStart(&batch, &pa, js, msg, NULL, &jerr));
    CHECK(batch != NULL);
    // The server acknowledges only the commit.
    CHECK(pa == NULL);
    natsMsg_Destroy(msg);
    msg = NULL;

    for (i = 0; i < 5; i++)
    {
        CHECK_OK(natsMsg_Create(&msg, "batch.a", NULL, "middle", 6));
        CHECK_OK(js_BatchPublishAdd(NULL, batch, msg, NULL, &jerr));
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    // Nothing is stored before the commit.
    CHECK_OK(js_GetStreamInfo(&si, js, "BATCH", NULL, NULL));
    if (si != NULL)
        CHECK_INT(si->State.Msgs, 0);
    jsStreamInfo_Destroy(si);
    si = NULL;

    CHECK_OK(natsMsg_Create(&msg, "batch.a", NULL, "last", 4));
    CHECK_ERR(js_BatchPublishAdd(NULL, NULL, msg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_BatchPublishAdd(NULL, batch, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_BatchPublishCommit(NULL, NULL, msg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_BatchPublishCommit(NULL, batch, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_BatchPublishCommit(&pa, batch, msg, NULL, &jerr));
    CHECK_INT(jerr, 0);
    if (pa != NULL)
    {
        CHECK_INT(pa->Count, 7);
        CHECK_INT(pa->Sequence, 7);
        CHECK(pa->Batch != NULL);
        CHECK_STR(pa->Stream, "BATCH");
    }
    jsPubAck_Destroy(pa);
    pa = NULL;
    natsMsg_Destroy(msg);
    msg = NULL;
    jsAtomicBatchCtx_Destroy(batch);
    jsAtomicBatchCtx_Destroy(NULL);
    batch = NULL;
    CHECK_OK(js_GetStreamInfo(&si, js, "BATCH", NULL, NULL));
    if (si != NULL)
        CHECK_INT(si->State.Msgs, 7);
    jsStreamInfo_Destroy(si);

    // A stream without atomic publishing rejects the batch; the batch
    // context is returned anyway and must be destroyed.
    ju_add_stream(js, "NOBATCH", "nobatch.>");
    CHECK_OK(natsMsg_Create(&msg, "nobatch.a", NULL, "x", 1));
    CHECK_ERR(js_BatchPublishStart(&batch, &pa, js, msg, NULL, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSBatchPublishNotEnabledErr);
    CHECK(batch != NULL);
    CHECK(pa == NULL);
    jsAtomicBatchCtx_Destroy(batch);
    natsMsg_Destroy(msg);
    CHECK_OK(js_DeleteStream(js, "BATCH", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "NOBATCH", NULL, NULL));
    ju_close(nc, js);
}
#endif

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_publish_ack);
    RUN_TEST(test_publish_msg_headers);
    RUN_TEST(test_duplicate_msg_ids);
    RUN_TEST(test_expectations);
#if TU_CNATS_3_13
    RUN_TEST(test_msg_ttl);
#endif
    RUN_TEST(test_publish_timeout_and_no_stream);
    RUN_TEST(test_publish_async);
    RUN_TEST(test_publish_async_ack_handler);
    RUN_TEST(test_publish_async_err_handler);
    RUN_TEST(test_publish_async_stall_and_pending);
#if TU_CNATS_3_13
    RUN_TEST(test_atomic_batch);
#endif
    return tu_finish();
}
