// Pull subscriptions across a server restart on the same port and store
// directory: the subscription keeps fetching after the client reconnects,
// and a fetch waiting while the server goes away returns within its
// timeout.
//
// The restart is requested from the harness in tests/cluster/mod.rs: the
// program prints `CTL restart 0` and reads `OK` or `ERR <reason>` from its
// standard input.
//
// Usage: pull_restart <url-with-jetstream>

#include "js_util.h"

static pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;

// Asks the harness to run `command` on server 0 and checks the response.
static bool
ctl(const char *command)
{
    char response[1024];
    bool ok;

    if (getenv("NATS_RESILIENCE_CONTROL") == NULL)
    {
        tu_fail(__FILE__, __LINE__, "`CTL %s` needs the harness of tests/cluster/mod.rs", command);
        return false;
    }
    pthread_mutex_lock(&ctl_mu);
    printf("CTL %s 0\n", command);
    fflush(stdout);
    ok = (fgets(response, sizeof(response), stdin) != NULL);
    pthread_mutex_unlock(&ctl_mu);
    if (!ok)
    {
        tu_fail(__FILE__, __LINE__, "no response to `CTL %s`", command);
        return false;
    }
    response[strcspn(response, "\r\n")] = '\0';
    if (strcmp(response, "OK") != 0)
    {
        tu_fail(__FILE__, __LINE__, "`CTL %s` failed: %s", command, response);
        return false;
    }
    return true;
}

static atomic_int reconnects;

static void
on_reconnected(natsConnection *nc, void *closure)
{
    atomic_fetch_add(&reconnects, 1);
}

// Connects with fast, unlimited reconnects.
static bool
connect_resilient(natsConnection **nc, jsCtx **js)
{
    natsOptions *opts = NULL;

    *nc = NULL;
    *js = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    if (opts == NULL)
        return false;
    CHECK_OK(natsOptions_SetURL(opts, ju_url));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, on_reconnected, NULL));
    CHECK_OK(natsConnection_Connect(nc, opts));
    natsOptions_Destroy(opts);
    if (*nc == NULL)
        return false;
    CHECK_OK(natsConnection_JetStream(js, *nc, NULL));
    return (*js != NULL);
}

// Waits up to 15 s until JetStream has recovered `stream` after a restart.
static bool
wait_stream_ready(jsCtx *js, const char *stream)
{
    int64_t deadline = tu_now_ms() + 15000;

    while (tu_now_ms() < deadline)
    {
        jsStreamInfo *si = NULL;

        if (js_GetStreamInfo(&si, js, stream, NULL, NULL) == NATS_OK)
        {
            jsStreamInfo_Destroy(si);
            return true;
        }
        tu_sleep_ms(100);
    }
    tu_fail(__FILE__, __LINE__, "stream %s not available within 15 s of the restart", stream);
    return false;
}

// Fetches `count` messages and checks they are "<prefix>-0" on, acking each.
static void
fetch_and_ack(natsSubscription *sub, const char *prefix, int count)
{
    natsMsgList list;
    int         i;

    CHECK_OK(natsSubscription_Fetch(&list, sub, count, 5000, NULL));
    CHECK_INT(list.Count, count);
    for (i = 0; i < list.Count; i++)
    {
        char expected[64];

        snprintf(expected, sizeof(expected), "%s-%d", prefix, i);
        CHECK_STR(natsMsg_GetData(list.Msgs[i]), expected);
        CHECK_OK(natsMsg_AckSync(list.Msgs[i], NULL, NULL));
    }
    natsMsgList_Destroy(&list);
}

static void
test_fetch_after_restart(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsStreamConfig      cfg;
    const char          *subjects[] = {"prs.>"};
    jsErrCode           jerr = 0;

    if (!connect_resilient(&nc, &js))
    {
        ju_close(nc, js);
        return;
    }
    jsStreamConfig_Init(&cfg);
    cfg.Name = "PRS";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, &jerr));
    ju_publish(js, "prs.a", "before", 5);
    CHECK_OK(js_PullSubscribe(&sub, js, "prs.a", "D", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    fetch_and_ack(sub, "before", 5);

    atomic_store(&reconnects, 0);
    if (ctl("restart"))
    {
        CHECK(tu_wait_for_count(&reconnects, 1, 15000));
        CHECK(wait_stream_ready(js, "PRS"));
        CHECK(natsSubscription_IsValid(sub));

        // The same subscription and durable pick up what came after the
        // restart, and nothing acknowledged before it is redelivered.
        ju_publish(js, "prs.a", "after", 5);
        fetch_and_ack(sub, "after", 5);
        CHECK_ERR(natsSubscription_Fetch(&list, sub, 1, 300, NULL), NATS_TIMEOUT);
    }

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

static void *
restart_later(void *arg)
{
    tu_sleep_ms(300);
    ctl("restart");
    return NULL;
}

static void
test_fetch_during_restart(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    natsMsgList         list;
    jsErrCode           jerr = 0;
    pthread_t           thread;
    int64_t             start;
    natsStatus          s;

    if (!connect_resilient(&nc, &js))
    {
        ju_close(nc, js);
        return;
    }
    CHECK(wait_stream_ready(js, "PRS"));
    CHECK_OK(js_PullSubscribe(&sub, js, "prs.b", "DB", NULL, NULL, &jerr));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }

    // The request is lost with the server: the fetch ends at its timeout.
    atomic_store(&reconnects, 0);
    pthread_create(&thread, NULL, restart_later, NULL);
    start = tu_now_ms();
    s = natsSubscription_Fetch(&list, sub, 1, 2000, NULL);
    CHECK_INT(s, NATS_TIMEOUT);
    CHECK(tu_now_ms() - start < 6000);
    pthread_join(thread, NULL);
    CHECK(tu_wait_for_count(&reconnects, 1, 15000));
    CHECK(wait_stream_ready(js, "PRS"));

    // The next fetch works.
    ju_publish(js, "prs.b", "b", 2);
    fetch_and_ack(sub, "b", 2);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_fetch_after_restart);
    RUN_TEST(test_fetch_during_restart);
    return tu_finish();
}
