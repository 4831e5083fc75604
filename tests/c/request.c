// Request/reply tests: the Request functions against an echoing replier,
// manual request/reply with an inbox, timeouts, no responders and
// concurrent requests from several threads.
//
// Usage: request URL

#include "test_util.h"

static const char *url;

// Replies to every request with "re:" followed by the request payload, and
// copies the "Trace" header of the request into the reply.
static void
on_echo_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    atomic_int  *served = (atomic_int *) closure;
    const char  *reply  = natsMsg_GetReply(msg);
    const char  *trace  = NULL;
    natsMsg     *resp   = NULL;
    char        buf[256];
    int         n;

    if (reply == NULL)
    {
        natsMsg_Destroy(msg);
        return;
    }
    // Count before replying: the requester may check the count as soon as
    // the reply arrives, which can be before this callback returns.
    if (served != NULL)
        atomic_fetch_add(served, 1);
    n = snprintf(buf, sizeof(buf), "re:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    if ((natsMsgHeader_Get(msg, "Trace", &trace) == NATS_OK)
        && (natsMsg_Create(&resp, reply, NULL, buf, n) == NATS_OK))
    {
        natsMsgHeader_Set(resp, "Trace", trace);
        natsConnection_PublishMsg(nc, resp);
        natsMsg_Destroy(resp);
    }
    else
    {
        natsConnection_Publish(nc, reply, buf, n);
    }
    natsMsg_Destroy(msg);
}

// Receives requests and never replies.
static void
on_silent_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    natsMsg_Destroy(msg);
}

static void
test_request_variants(void)
{
    natsConnection      *nc     = tu_connect(url);
    natsSubscription    *svc    = NULL;
    natsMsg             *reply  = NULL;
    natsMsg             *req    = NULL;
    const char          *trace  = NULL;
    atomic_int          served;

    if (nc == NULL)
        return;
    atomic_store(&served, 0);
    CHECK_OK(natsConnection_Subscribe(&svc, nc, "svc.echo", on_echo_request, &served));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsConnection_Request(&reply, nc, "svc.echo", "bytes", 5, 2000));
    if (reply != NULL)
    {
        CHECK_STR(natsMsg_GetData(reply), "re:bytes");
        // Replies arrive on a unique inbox subject.
        CHECK(strncmp(natsMsg_GetSubject(reply), "_INBOX.", 7) == 0);
    }
    natsMsg_Destroy(reply);
    reply = NULL;

    CHECK_OK(natsConnection_RequestString(&reply, nc, "svc.echo", "string", 2000));
    if (reply != NULL)
        CHECK_STR(natsMsg_GetData(reply), "re:string");
    natsMsg_Destroy(reply);
    reply = NULL;

    CHECK_OK(natsMsg_Create(&req, "svc.echo", NULL, "msg", 3));
    CHECK_OK(natsMsgHeader_Set(req, "Trace", "abc-123"));
    CHECK_OK(natsConnection_RequestMsg(&reply, nc, req, 2000));
    if (reply != NULL)
    {
        CHECK_STR(natsMsg_GetData(reply), "re:msg");
        CHECK_OK(natsMsgHeader_Get(reply, "Trace", &trace));
        CHECK_STR(trace, "abc-123");
    }
    natsMsg_Destroy(reply);
    reply = NULL;
    natsMsg_Destroy(req);

    // An empty request payload.
    CHECK_OK(natsConnection_Request(&reply, nc, "svc.echo", NULL, 0, 2000));
    if (reply != NULL)
        CHECK_STR(natsMsg_GetData(reply), "re:");
    natsMsg_Destroy(reply);

    CHECK_INT(atomic_load(&served), 4);

    natsSubscription_Destroy(svc);
    natsConnection_Destroy(nc);
}

static void
test_manual_request_with_inbox(void)
{
    natsConnection      *nc     = tu_connect(url);
    natsSubscription    *svc    = NULL;
    natsSubscription    *inbox  = NULL;
    natsInbox           *name   = NULL;
    natsMsg             *reply  = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_Subscribe(&svc, nc, "svc.manual", on_echo_request, NULL));
    CHECK_OK(natsInbox_Create(&name));
    CHECK_OK(natsConnection_SubscribeSync(&inbox, nc, (const char *) name));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsConnection_PublishRequestString(nc, "svc.manual", (const char *) name, "one"));
    CHECK_OK(natsConnection_PublishRequest(nc, "svc.manual", (const char *) name, "two", 3));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsSubscription_NextMsg(&reply, inbox, 2000));
    if (reply != NULL)
    {
        CHECK_STR(natsMsg_GetSubject(reply), (const char *) name);
        CHECK_STR(natsMsg_GetData(reply), "re:one");
    }
    natsMsg_Destroy(reply);
    reply = NULL;
    CHECK_OK(natsSubscription_NextMsg(&reply, inbox, 2000));
    if (reply != NULL)
        CHECK_STR(natsMsg_GetData(reply), "re:two");
    natsMsg_Destroy(reply);

    natsSubscription_Destroy(inbox);
    natsInbox_Destroy(name);
    natsSubscription_Destroy(svc);
    natsConnection_Destroy(nc);
}

static void
test_request_timeout(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *svc   = NULL;
    natsSubscription    *echo  = NULL;
    natsMsg             *reply = NULL;
    int64_t             start;
    int64_t             elapsed;

    if (nc == NULL)
        return;
    // A responder exists, so this is a timeout and not "no responders".
    CHECK_OK(natsConnection_Subscribe(&svc, nc, "svc.silent", on_silent_request, NULL));
    CHECK_OK(natsConnection_Flush(nc));

    // cnats returns the timeout without recording it as the last error.
    start = tu_now_ms();
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "svc.silent", "anyone?", 300),
                 NATS_TIMEOUT);
    elapsed = tu_now_ms() - start;
    CHECK(reply == NULL);
    CHECK(elapsed >= 280);
    CHECK(elapsed < 3000);

    // The connection still works after a timed-out request.
    CHECK_OK(natsConnection_Flush(nc));

    // A timeout of zero or less fails at once, even with a fast responder.
    CHECK_OK(natsConnection_Subscribe(&echo, nc, "svc.fast", on_echo_request, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "svc.fast", "now", 0), NATS_TIMEOUT);
    CHECK(reply == NULL);
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "svc.fast", "now", -1), NATS_TIMEOUT);
    CHECK(reply == NULL);
    natsSubscription_Destroy(echo);

    natsSubscription_Destroy(svc);
    natsConnection_Destroy(nc);
}

static void
test_no_responders(void)
{
    natsConnection  *nc    = tu_connect(url);
    natsMsg         *reply = NULL;
    int64_t         start;

    if (nc == NULL)
        return;

    // The server replies at once with a 503 status, long before the timeout.
    start = tu_now_ms();
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "svc.nobody", "hello?", 5000),
                 NATS_NO_RESPONDERS);
    CHECK(reply == NULL);
    CHECK(tu_now_ms() - start < 2500);

    CHECK_STATUS(natsConnection_Request(&reply, nc, "svc.nobody", "x", 1, 5000),
                 NATS_NO_RESPONDERS);
    CHECK(reply == NULL);

    natsConnection_Destroy(nc);
}

static void
test_no_responders_disabled(void)
{
    natsOptions     *opts  = NULL;
    natsConnection  *nc    = NULL;
    natsMsg         *reply = NULL;

    // Without the no-responders feature, the request simply times out.
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_DisableNoResponders(opts, true));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    if (nc != NULL)
    {
        CHECK_STATUS(natsConnection_RequestString(&reply, nc, "svc.nobody", "x", 300),
                     NATS_TIMEOUT);
        CHECK(reply == NULL);
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_old_request_style(void)
{
    natsOptions         *opts  = NULL;
    natsConnection      *nc    = NULL;
    natsSubscription    *svc   = NULL;
    natsMsg             *reply = NULL;

    // The old style uses a new inbox subscription per request.
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_UseOldRequestStyle(opts, true));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    if (nc == NULL)
        return;

    CHECK_OK(natsConnection_Subscribe(&svc, nc, "svc.old", on_echo_request, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_RequestString(&reply, nc, "svc.old", "legacy", 2000));
    if (reply != NULL)
        CHECK_STR(natsMsg_GetData(reply), "re:legacy");
    natsMsg_Destroy(reply);
    reply = NULL;

    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "svc.nobody", "x", 2000),
                 NATS_NO_RESPONDERS);
    CHECK(reply == NULL);

    natsSubscription_Destroy(svc);
    natsConnection_Destroy(nc);
}

#define REQUEST_THREADS         (6)
#define REQUESTS_PER_THREAD     (50)

typedef struct
{
    natsConnection  *nc;
    int             index;
    int             ok;
    int             mismatched;
    int             failed;

} requesterState;

static void *
requester_thread(void *arg)
{
    requesterState  *st = (requesterState *) arg;
    char            payload[64];
    char            expected[80];
    int             i;

    for (i = 0; i < REQUESTS_PER_THREAD; i++)
    {
        natsMsg     *reply = NULL;
        natsStatus  s;

        snprintf(payload, sizeof(payload), "t%d-%d", st->index, i);
        snprintf(expected, sizeof(expected), "re:%s", payload);
        s = natsConnection_RequestString(&reply, st->nc, "svc.concurrent", payload, 5000);
        if (s != NATS_OK)
            st->failed++;
        else if (strcmp(natsMsg_GetData(reply), expected) != 0)
            st->mismatched++;
        else
            st->ok++;
        natsMsg_Destroy(reply);
    }
    nats_ReleaseThreadMemory();
    return NULL;
}

static void
test_concurrent_requests(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsConnection      *svcNc = tu_connect(url);
    natsSubscription    *svc   = NULL;
    pthread_t           threads[REQUEST_THREADS];
    requesterState      states[REQUEST_THREADS];
    atomic_int          served;
    int                 i;

    if ((nc == NULL) || (svcNc == NULL))
    {
        natsConnection_Destroy(nc);
        natsConnection_Destroy(svcNc);
        return;
    }
    atomic_store(&served, 0);
    // The replier uses its own connection; all requesters share one.
    CHECK_OK(natsConnection_Subscribe(&svc, svcNc, "svc.concurrent", on_echo_request, &served));
    CHECK_OK(natsConnection_Flush(svcNc));

    memset(states, 0, sizeof(states));
    for (i = 0; i < REQUEST_THREADS; i++)
    {
        states[i].nc = nc;
        states[i].index = i;
        CHECK(pthread_create(&threads[i], NULL, requester_thread, &states[i]) == 0);
    }
    for (i = 0; i < REQUEST_THREADS; i++)
    {
        pthread_join(threads[i], NULL);
        CHECK_INT(states[i].ok, REQUESTS_PER_THREAD);
        CHECK_INT(states[i].mismatched, 0);
        CHECK_INT(states[i].failed, 0);
    }
    CHECK_INT(atomic_load(&served), REQUEST_THREADS * REQUESTS_PER_THREAD);

    natsSubscription_Destroy(svc);
    natsConnection_Destroy(svcNc);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_request_variants);
    RUN_TEST(test_manual_request_with_inbox);
    RUN_TEST(test_request_timeout);
    RUN_TEST(test_no_responders);
    RUN_TEST(test_no_responders_disabled);
    RUN_TEST(test_old_request_style);
    RUN_TEST(test_concurrent_requests);

    nats_Close();
    return tu_finish();
}
