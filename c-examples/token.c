/*
 * Connects to a NATS server that requires a token, subscribes, publishes
 * one message and waits for it.
 *
 *   nats-server --auth mytoken -p 4222 &
 *   ./token [url] [token]
 *
 * The URL defaults to nats://127.0.0.1:4222 and the token to "mytoken".
 */
#include <stdio.h>
#include <string.h>

#include <nats/nats.h>

static int
fail(const char *what, natsStatus s)
{
    fprintf(stderr, "%s failed: %s (%s)\n", what, natsStatus_GetText(s),
            nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "no detail");
    return 1;
}

int
main(int argc, char **argv)
{
    const char       *url   = (argc > 1 ? argv[1] : "nats://127.0.0.1:4222");
    const char       *token = (argc > 2 ? argv[2] : "mytoken");
    natsOptions      *opts  = NULL;
    natsConnection   *nc    = NULL;
    natsSubscription *sub   = NULL;
    natsMsg          *msg   = NULL;
    natsStatus       s;
    int              rc     = 1;

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetToken(opts, token);
    if (s != NATS_OK)
        return fail("setting options", s);

    s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK)
    {
        rc = fail("natsConnection_Connect", s);
        goto done;
    }
    printf("connected to %s\n", url);

    s = natsConnection_SubscribeSync(&sub, nc, "greetings");
    if (s == NATS_OK)
        s = natsConnection_PublishString(nc, "greetings", "hello from a token-authenticated client");
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&msg, sub, 5000);
    if (s != NATS_OK)
    {
        rc = fail("publish and receive", s);
        goto done;
    }
    printf("received on '%s': %.*s\n", natsMsg_GetSubject(msg),
           natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    rc = 0;

done:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return rc;
}
