/*
 * The program that every consumer project in this folder builds. It checks
 * that the headers and the library it was built with agree, then connects
 * to a NATS server, publishes one message to a subject of its own, receives
 * it on a synchronous subscription and prints what it got.
 *
 *   ./consumer nats://127.0.0.1:4222 LABEL
 *
 * Output lines, which tests/packaging.rs checks:
 *   header version: <NATS_VERSION_STRING>
 *   library version: <nats_GetVersion()>
 *   received: hello from LABEL
 */
/* getpid() is POSIX, and the Makefile build compiles with -std=c99. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nats.h>

static int
fail(const char *what, natsStatus s)
{
    const char *detail = nats_GetLastError(NULL);

    fprintf(stderr, "%s failed: %s (%s)\n", what, natsStatus_GetText(s),
            (detail != NULL ? detail : "no detail"));
    return 1;
}

int
main(int argc, char **argv)
{
    natsConnection   *nc  = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *msg = NULL;
    natsStatus       s;
    char             subject[128];
    char             payload[128];
    int              rc = 1;

    if (argc != 3)
    {
        fprintf(stderr, "usage: %s URL LABEL\n", argv[0]);
        return 2;
    }

    printf("header version: %s\n", NATS_VERSION_STRING);
    printf("library version: %s\n", nats_GetVersion());
    if (!nats_CheckCompatibility())
    {
        fprintf(stderr, "headers %s do not match library %s\n",
                NATS_VERSION_STRING, nats_GetVersion());
        return 1;
    }

    snprintf(subject, sizeof(subject), "consumers.%s.%ld", argv[2], (long) getpid());
    snprintf(payload, sizeof(payload), "hello from %s", argv[2]);

    s = natsConnection_ConnectTo(&nc, argv[1]);
    if (s != NATS_OK)
        return fail("natsConnection_ConnectTo", s);

    s = natsConnection_SubscribeSync(&sub, nc, subject);
    if (s == NATS_OK)
        s = natsConnection_PublishString(nc, subject, payload);
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&msg, sub, 5000);
    if (s != NATS_OK)
    {
        rc = fail("publish and receive", s);
        goto done;
    }
    printf("received: %.*s\n", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    rc = (strcmp(natsMsg_GetSubject(msg), subject) == 0 ? 0 : 1);

done:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
