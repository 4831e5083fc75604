/*
 * Connects to a NATS server that requires a token, subscribes, publishes
 * one message and waits for it.
 *
 *   nats-server --auth mytoken -p 4222 &
 *   ./token [MODE] [HOST:PORT] [TOKEN]
 *
 * MODE picks how the token reaches the library:
 *   option     natsOptions_SetToken (the default)
 *   url        nats://TOKEN@HOST:PORT through natsOptions_SetURL
 *   connectto  nats://TOKEN@HOST:PORT through natsConnection_ConnectTo
 *   handler    natsOptions_SetTokenHandler
 * HOST:PORT defaults to 127.0.0.1:4222 and TOKEN to "mytoken".
 */
#include <stdio.h>
#include <string.h>

#include <nats/nats.h>

static const char *token = "mytoken";

static const char *
tokenHandler(void *closure)
{
    (void) closure;
    return token;
}

static int
fail(const char *what, natsStatus s)
{
    const char *detail = nats_GetLastError(NULL);

    fprintf(stderr, "%s failed: %s (%s)\n", what, natsStatus_GetText(s),
            (detail != NULL ? detail : "no detail"));
    return 1;
}

static natsStatus
connect(natsConnection **nc, const char *mode, const char *hostPort)
{
    natsOptions *opts = NULL;
    natsStatus  s;
    char        url[512];

    if (strcmp(mode, "connectto") == 0)
    {
        snprintf(url, sizeof(url), "nats://%s@%s", token, hostPort);
        return natsConnection_ConnectTo(nc, url);
    }

    s = natsOptions_Create(&opts);
    if ((s == NATS_OK) && (strcmp(mode, "url") == 0))
    {
        snprintf(url, sizeof(url), "nats://%s@%s", token, hostPort);
        s = natsOptions_SetURL(opts, url);
    }
    else if (s == NATS_OK)
    {
        snprintf(url, sizeof(url), "nats://%s", hostPort);
        s = natsOptions_SetURL(opts, url);
        if ((s == NATS_OK) && (strcmp(mode, "handler") == 0))
            s = natsOptions_SetTokenHandler(opts, tokenHandler, NULL);
        else if (s == NATS_OK)
            s = natsOptions_SetToken(opts, token);
    }
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, opts);

    natsOptions_Destroy(opts);
    return s;
}

int
main(int argc, char **argv)
{
    const char       *mode     = (argc > 1 ? argv[1] : "option");
    const char       *hostPort = (argc > 2 ? argv[2] : "127.0.0.1:4222");
    natsConnection   *nc       = NULL;
    natsSubscription *sub      = NULL;
    natsMsg          *msg      = NULL;
    natsStatus       s;
    int              rc        = 1;

    if (argc > 3)
        token = argv[3];

    s = connect(&nc, mode, hostPort);
    if (s != NATS_OK)
    {
        rc = fail("connect", s);
        goto done;
    }
    printf("connected to %s (token passed with mode '%s')\n", hostPort, mode);

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
    nats_Close();
    return rc;
}
