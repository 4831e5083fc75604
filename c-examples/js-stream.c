/*
 * JetStream walkthrough, part 1: creates a stream, publishes to it with
 * acknowledgments (synchronously, then asynchronously) and prints the
 * stream information.
 *
 *   nats-server -js -p 4222 &
 *   ./js-stream [HOST:PORT] [STREAM]
 *
 * HOST:PORT defaults to 127.0.0.1:4222 and STREAM to "ORDERS". The stream
 * stores the subjects "<STREAM>.>" in memory; an existing stream of that
 * name is deleted first, so the example can run again against the same
 * server.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <nats/nats.h>

#define SYNC_COUNT 5
#define ASYNC_COUNT 100

/* Written by the library's thread that runs onPublishError. */
static atomic_int asyncFailures;

static int
fail(const char *what, natsStatus s, jsErrCode jerr)
{
    const char *detail = nats_GetLastError(NULL);

    fprintf(stderr, "%s failed: %s (JetStream error code %d, %s)\n", what,
            natsStatus_GetText(s), (int) jerr, (detail != NULL ? detail : "no detail"));
    return 1;
}

/* Runs on a library thread for each asynchronous publish that failed. The
   library destroys the message after the handler returns. */
static void
onPublishError(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    (void) js;
    (void) closure;
    atomic_fetch_add(&asyncFailures, 1);
    fprintf(stderr, "asynchronous publish failed: %s (%s)\n", natsStatus_GetText(pae->Err),
            (pae->ErrText != NULL ? pae->ErrText : "no detail"));
}

static natsStatus
createStream(jsCtx *js, const char *name, jsErrCode *jerr)
{
    jsStreamConfig  cfg;
    jsStreamInfo    *si = NULL;
    char            subject[256];
    const char      *subjects[1];
    natsStatus      s;

    /* NATS_NOT_FOUND only means there was no stream to delete. */
    s = js_DeleteStream(js, name, NULL, jerr);
    if ((s != NATS_OK) && (s != NATS_NOT_FOUND))
        return s;

    snprintf(subject, sizeof(subject), "%s.>", name);
    subjects[0] = subject;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_MemoryStorage;
    s = js_AddStream(&si, js, &cfg, NULL, jerr);
    if (s == NATS_OK)
        printf("created stream '%s' on subjects '%s'\n", si->Config->Name, subject);
    jsStreamInfo_Destroy(si);
    return s;
}

/* js_Publish returns once the stream has stored the message. */
static natsStatus
publishSync(jsCtx *js, const char *stream, jsErrCode *jerr)
{
    char        subject[256];
    natsStatus  s = NATS_OK;
    int         i;

    snprintf(subject, sizeof(subject), "%s.new", stream);
    for (i = 1; (s == NATS_OK) && (i <= SYNC_COUNT); i++)
    {
        jsPubAck        *pa = NULL;
        jsPubOptions    po;
        char            data[64];
        char            msgId[64];

        snprintf(data, sizeof(data), "order %d", i);
        /* The server drops a second message with the same id (within the
           stream's duplicate window), so a retried publish stores once. */
        snprintf(msgId, sizeof(msgId), "order-%d", i);
        jsPubOptions_Init(&po);
        po.MsgId = msgId;
        s = js_Publish(&pa, js, subject, data, (int) strlen(data), &po, jerr);
        if (s == NATS_OK)
            printf("sync publish '%s': stored as sequence %llu of stream '%s'%s\n", data,
                   (unsigned long long) pa->Sequence, pa->Stream,
                   (pa->Duplicate ? " (duplicate)" : ""));
        jsPubAck_Destroy(pa);
    }
    return s;
}

/* js_PublishAsync returns at once; js_PublishAsyncComplete waits until
   every acknowledgment has arrived or failed. */
static natsStatus
publishAsync(jsCtx *js, const char *stream)
{
    jsPubOptions    po;
    char            subject[256];
    natsStatus      s = NATS_OK;
    int             i;

    snprintf(subject, sizeof(subject), "%s.shipped", stream);
    for (i = 1; (s == NATS_OK) && (i <= ASYNC_COUNT); i++)
    {
        char data[64];

        snprintf(data, sizeof(data), "shipment %d", i);
        s = js_PublishAsync(js, subject, data, (int) strlen(data), NULL);
    }
    if (s != NATS_OK)
        return s;

    jsPubOptions_Init(&po);
    po.MaxWait = 10000;
    s = js_PublishAsyncComplete(js, &po);
    if (s == NATS_OK)
        printf("async publish: %d messages acknowledged, %d failed\n",
               ASYNC_COUNT - atomic_load(&asyncFailures), atomic_load(&asyncFailures));
    return s;
}

static natsStatus
printStreamInfo(jsCtx *js, const char *stream, jsErrCode *jerr)
{
    jsStreamInfo    *si = NULL;
    natsStatus      s   = js_GetStreamInfo(&si, js, stream, NULL, jerr);

    if (s != NATS_OK)
        return s;
    printf("stream '%s': %llu messages, %llu bytes, sequences %llu to %llu, %lld consumers\n",
           si->Config->Name, (unsigned long long) si->State.Msgs,
           (unsigned long long) si->State.Bytes, (unsigned long long) si->State.FirstSeq,
           (unsigned long long) si->State.LastSeq, (long long) si->State.Consumers);
    jsStreamInfo_Destroy(si);
    return NATS_OK;
}

int
main(int argc, char **argv)
{
    const char      *hostPort   = (argc > 1 ? argv[1] : "127.0.0.1:4222");
    const char      *stream     = (argc > 2 ? argv[2] : "ORDERS");
    natsConnection  *nc         = NULL;
    jsCtx           *js         = NULL;
    jsOptions       jsOpts;
    jsErrCode       jerr        = 0;
    natsStatus      s;
    char            url[512];
    int             rc          = 1;

    snprintf(url, sizeof(url), "nats://%s", hostPort);
    s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK)
    {
        rc = fail("connect", s, 0);
        goto done;
    }

    jsOptions_Init(&jsOpts);
    jsOpts.PublishAsync.MaxPending = 50;
    jsOpts.PublishAsync.ErrHandler = onPublishError;
    s = natsConnection_JetStream(&js, nc, &jsOpts);
    if (s != NATS_OK)
    {
        rc = fail("natsConnection_JetStream", s, 0);
        goto done;
    }

    if ((s = createStream(js, stream, &jerr)) != NATS_OK)
        rc = fail("creating the stream", s, jerr);
    else if ((s = publishSync(js, stream, &jerr)) != NATS_OK)
        rc = fail("js_Publish", s, jerr);
    else if ((s = publishAsync(js, stream)) != NATS_OK)
        rc = fail("asynchronous publishing", s, 0);
    else if ((s = printStreamInfo(js, stream, &jerr)) != NATS_OK)
        rc = fail("js_GetStreamInfo", s, jerr);
    else
        rc = (atomic_load(&asyncFailures) == 0 ? 0 : 1);

done:
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
