/*
 * JetStream walkthrough, part 3: consumes a stream with a push consumer.
 * The library calls a message handler for each message, and the handler
 * acknowledges it with natsMsg_Ack.
 *
 *   nats-server -js -p 4222 &
 *   ./js-stream 127.0.0.1:4222 ORDERS     # creates and fills the stream
 *   ./js-push [HOST:PORT] [STREAM]
 *
 * HOST:PORT defaults to 127.0.0.1:4222 and STREAM to "ORDERS". The
 * consumer is ephemeral: js_Subscribe creates it, and
 * natsSubscription_Unsubscribe deletes it.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

/* How long the example waits for the stream's messages. */
#define RECEIVE_WAIT_MS 10000

/* Updated by the library's thread that runs onMsg. */
static atomic_int received;
static atomic_int ackFailures;

/* Runs on a library thread for each message. With ManualAck set, the
   library leaves the acknowledgment to this handler. */
static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    jsMsgMetaData   *meta = NULL;

    (void) nc;
    (void) sub;
    (void) closure;
    if ((atomic_load(&received) < 3) && (natsMsg_GetMetaData(&meta, msg) == NATS_OK))
    {
        printf("received '%s' (stream sequence %llu, delivery %llu): %.*s\n",
               natsMsg_GetSubject(msg), (unsigned long long) meta->Sequence.Stream,
               (unsigned long long) meta->NumDelivered, natsMsg_GetDataLength(msg),
               natsMsg_GetData(msg));
        jsMsgMetaData_Destroy(meta);
    }
    if (natsMsg_Ack(msg, NULL) != NATS_OK)
        atomic_fetch_add(&ackFailures, 1);
    atomic_fetch_add(&received, 1);
    natsMsg_Destroy(msg);
}

static int
fail(const char *what, natsStatus s, jsErrCode jerr)
{
    const char *detail = nats_GetLastError(NULL);

    fprintf(stderr, "%s failed: %s (JetStream error code %d, %s)\n", what,
            natsStatus_GetText(s), (int) jerr, (detail != NULL ? detail : "no detail"));
    return 1;
}

static void
sleepMs(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

int
main(int argc, char **argv)
{
    const char          *hostPort = (argc > 1 ? argv[1] : "127.0.0.1:4222");
    const char          *stream   = (argc > 2 ? argv[2] : "ORDERS");
    natsConnection      *nc       = NULL;
    jsCtx               *js       = NULL;
    natsSubscription    *sub      = NULL;
    jsStreamInfo        *si       = NULL;
    jsSubOptions        subOpts;
    jsErrCode           jerr      = 0;
    natsStatus          s;
    char                url[512];
    char                subject[256];
    int                 expected;
    int                 waited    = 0;
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

    s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
    if (s != NATS_OK)
    {
        rc = fail("js_GetStreamInfo", s, jerr);
        goto done;
    }
    expected = (int) si->State.Msgs;

    /* The default delivery policy starts at the stream's first message. */
    jsSubOptions_Init(&subOpts);
    subOpts.Stream = stream;
    subOpts.ManualAck = true;
    s = js_Subscribe(&sub, js, subject, onMsg, NULL, NULL, &subOpts, &jerr);
    if (s != NATS_OK)
    {
        rc = fail("js_Subscribe", s, jerr);
        goto done;
    }

    while ((atomic_load(&received) < expected) && (waited < RECEIVE_WAIT_MS))
    {
        sleepMs(10);
        waited += 10;
    }
    printf("push consumer: received and acknowledged %d of the stream's %d messages "
           "(%d acknowledgments failed)\n", atomic_load(&received) - atomic_load(&ackFailures),
           expected, atomic_load(&ackFailures));
    if ((atomic_load(&received) >= expected) && (atomic_load(&ackFailures) == 0))
        rc = 0;

done:
    /* Deletes the consumer, which natsSubscription_Destroy alone would
       leave to the server to remove once it has been inactive a while. */
    if (sub != NULL)
        natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
