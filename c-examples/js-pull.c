/*
 * JetStream walkthrough, part 2: consumes a stream with a durable pull
 * consumer, fetching batches with natsSubscription_Fetch and acknowledging
 * each message with natsMsg_Ack.
 *
 *   nats-server -js -p 4222 &
 *   ./js-stream 127.0.0.1:4222 ORDERS     # creates and fills the stream
 *   ./js-pull [HOST:PORT] [STREAM]
 *
 * HOST:PORT defaults to 127.0.0.1:4222 and STREAM to "ORDERS". The
 * consumer is named "PROCESSOR"; an existing one is deleted first, so each
 * run consumes the stream from its first message.
 */
#include <stdio.h>
#include <string.h>

#include <nats/nats.h>

#define DURABLE "PROCESSOR"
#define BATCH 10
#define FETCH_WAIT_MS 1000

static int
fail(const char *what, natsStatus s, jsErrCode jerr)
{
    const char *detail = nats_GetLastError(NULL);

    fprintf(stderr, "%s failed: %s (JetStream error code %d, %s)\n", what,
            natsStatus_GetText(s), (int) jerr, (detail != NULL ? detail : "no detail"));
    return 1;
}

/* Fetches until a fetch times out with no message, which means the
   consumer has delivered everything. Sets *received to the number of
   messages acknowledged. */
static natsStatus
consume(natsSubscription *sub, int *received, jsErrCode *jerr)
{
    natsStatus s = NATS_OK;

    *received = 0;
    while (s == NATS_OK)
    {
        natsMsgList list = {0};
        int         i;

        s = natsSubscription_Fetch(&list, sub, BATCH, FETCH_WAIT_MS, jerr);
        for (i = 0; (s == NATS_OK) && (i < list.Count); i++)
        {
            natsMsg *msg = list.Msgs[i];

            if (*received < 3)
                printf("fetched '%s': %.*s\n", natsMsg_GetSubject(msg),
                       natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
            /* Without an acknowledgment the server delivers the message
               again once the consumer's AckWait has passed. */
            s = natsMsg_Ack(msg, NULL);
            if (s == NATS_OK)
                (*received)++;
        }
        if ((s == NATS_OK) && (list.Count > 0))
            printf("fetched a batch of %d messages\n", list.Count);
        natsMsgList_Destroy(&list);
    }
    return (s == NATS_TIMEOUT ? NATS_OK : s);
}

int
main(int argc, char **argv)
{
    const char          *hostPort = (argc > 1 ? argv[1] : "127.0.0.1:4222");
    const char          *stream   = (argc > 2 ? argv[2] : "ORDERS");
    natsConnection      *nc       = NULL;
    jsCtx               *js       = NULL;
    natsSubscription    *sub      = NULL;
    jsConsumerInfo      *ci       = NULL;
    jsSubOptions        subOpts;
    jsErrCode           jerr      = 0;
    natsStatus          s;
    char                url[512];
    char                subject[256];
    int                 received  = 0;
    int                 rc        = 1;

    snprintf(url, sizeof(url), "nats://%s", hostPort);
    snprintf(subject, sizeof(subject), "%s.>", stream);
    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);
    if (s != NATS_OK)
    {
        rc = fail("connect", s, 0);
        goto done;
    }

    /* NATS_NOT_FOUND only means there was no consumer to delete. */
    s = js_DeleteConsumer(js, stream, DURABLE, NULL, &jerr);
    if ((s != NATS_OK) && (s != NATS_NOT_FOUND))
    {
        rc = fail("js_DeleteConsumer", s, jerr);
        goto done;
    }

    /* Creates the durable consumer on the stream that stores `subject`. */
    jsSubOptions_Init(&subOpts);
    subOpts.Stream = stream;
    s = js_PullSubscribe(&sub, js, subject, DURABLE, NULL, &subOpts, &jerr);
    if (s != NATS_OK)
    {
        rc = fail("js_PullSubscribe", s, jerr);
        goto done;
    }

    s = consume(sub, &received, &jerr);
    if (s != NATS_OK)
    {
        rc = fail("natsSubscription_Fetch", s, jerr);
        goto done;
    }
    printf("pull consumer '%s': received and acknowledged %d messages\n", DURABLE, received);

    s = js_GetConsumerInfo(&ci, js, stream, DURABLE, NULL, &jerr);
    if (s != NATS_OK)
    {
        rc = fail("js_GetConsumerInfo", s, jerr);
        goto done;
    }
    printf("consumer '%s': %llu pending, %lld waiting for an acknowledgment\n", ci->Name,
           (unsigned long long) ci->NumPending, (long long) ci->NumAckPending);
    rc = (received > 0 ? 0 : 1);

done:
    jsConsumerInfo_Destroy(ci);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
