// JetStream push subscriptions while the server misbehaves. A server
// stopped with SIGSTOP makes the library report a missed heartbeat through
// the error handler. An ordered consumer delivers every message exactly
// once and in order across a server restart on the same port and store
// directory.
//
// The server actions are requested from the harness in
// tests/cluster/mod.rs: the program prints `CTL <command> 0` and reads
// `OK` or `ERR <reason>` from its standard input.
//
// Usage: push_restart <url-with-jetstream>

#include "js_util.h"

#define MS_NS ((int64_t) 1000000)

// Asks the harness to run `command` on server 0 and checks the response.
static bool
ctl(const char *command)
{
    char response[1024];

    if (getenv("NATS_RESILIENCE_CONTROL") == NULL)
    {
        tu_fail(__FILE__, __LINE__, "`CTL %s` needs the harness of tests/cluster/mod.rs", command);
        return false;
    }
    printf("CTL %s 0\n", command);
    fflush(stdout);
    if (fgets(response, sizeof(response), stdin) == NULL)
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

// Errors posted to the connection's error handler.
static atomic_int           missed_hb;
static atomic_int           other_errors;
static natsSubscription     *volatile missed_hb_sub;

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    if (err == NATS_MISSED_HEARTBEAT)
    {
        missed_hb_sub = sub;
        atomic_fetch_add(&missed_hb, 1);
    }
    else
        atomic_fetch_add(&other_errors, 1);
}

// Connects with fast reconnects and the counting error handler.
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
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_error, NULL));
    CHECK_OK(natsConnection_Connect(nc, opts));
    natsOptions_Destroy(opts);
    if (*nc == NULL)
        return false;
    CHECK_OK(natsConnection_JetStream(js, *nc, NULL));
    return (*js != NULL);
}

static void
noop_handler(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    natsMsg_Destroy(msg);
}

static void
test_missed_heartbeat(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsSubOptions        so;
    int64_t             start;

    if (!connect_resilient(&nc, &js))
    {
        ju_close(nc, js);
        return;
    }
    ju_add_stream(js, "HB", "hb.>");

    jsSubOptions_Init(&so);
    so.Config.Heartbeat = 500 * MS_NS;
    CHECK_OK(js_Subscribe(&sub, js, "hb.a", noop_handler, NULL, NULL, &so, NULL));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    // Heartbeats flow: nothing is reported while the server runs.
    tu_sleep_ms(1500);
    CHECK_INT(atomic_load(&missed_hb), 0);

    // A stopped server sends no heartbeats: the library reports the miss
    // within two heartbeat intervals (plus some slack).
    start = tu_now_ms();
    if (ctl("stop"))
    {
        CHECK(tu_wait_for_count(&missed_hb, 1, 4000));
        CHECK(tu_now_ms() - start >= 500);
        CHECK(missed_hb_sub == sub);
        ctl("cont");
    }
    // Once the server is back, heartbeats come again and reports stop.
    tu_sleep_ms(1200);
    {
        int before = atomic_load(&missed_hb);

        tu_sleep_ms(1500);
        CHECK_INT(atomic_load(&missed_hb), before);
    }

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "HB", NULL, NULL));
    ju_close(nc, js);
}

#define ORDERED_TOTAL 200

// Stream sequences seen by the ordered consumer's callback.
static pthread_mutex_t  seen_mu = PTHREAD_MUTEX_INITIALIZER;
static int              seen_count[ORDERED_TOTAL + 1];
static atomic_int       received;
static atomic_int       out_of_order;
static uint64_t         last_seq;

static void
on_ordered(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    jsMsgMetaData *meta = NULL;

    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK)
    {
        pthread_mutex_lock(&seen_mu);
        if (meta->Sequence.Stream != last_seq + 1)
            atomic_fetch_add(&out_of_order, 1);
        last_seq = meta->Sequence.Stream;
        if (meta->Sequence.Stream <= ORDERED_TOTAL)
            seen_count[meta->Sequence.Stream]++;
        pthread_mutex_unlock(&seen_mu);
        jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
    atomic_fetch_add(&received, 1);
}

// Publishes "<prefix>-<i>", retrying while the restarted server's
// JetStream is not ready yet.
static void
publish_retrying(jsCtx *js, const char *subject, const char *prefix, int count)
{
    int i;

    for (i = 0; i < count; i++)
    {
        char        data[64];
        natsStatus  s = NATS_OK;
        int64_t     deadline = tu_now_ms() + 15000;

        snprintf(data, sizeof(data), "%s-%d", prefix, i);
        do
        {
            s = js_Publish(NULL, js, subject, data, (int) strlen(data), NULL, NULL);
            if (s != NATS_OK)
                tu_sleep_ms(100);
        } while ((s != NATS_OK) && (tu_now_ms() < deadline));
        CHECK_OK(s);
    }
}

static void
test_ordered_across_restart(void)
{
    natsConnection      *nc  = NULL;
    jsCtx               *js  = NULL;
    natsSubscription    *sub = NULL;
    jsSubOptions        so;
    char                first[128] = "";
    int                 i;

    if (!connect_resilient(&nc, &js))
    {
        ju_close(nc, js);
        return;
    }
    ju_add_stream(js, "ORDR", "ordr.>");
    ju_publish(js, "ordr.a", "m", ORDERED_TOTAL / 2);

    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.Heartbeat = 300 * MS_NS;
    CHECK_OK(js_Subscribe(&sub, js, "ordr.a", on_ordered, NULL, NULL, &so, NULL));
    if (sub == NULL)
    {
        ju_close(nc, js);
        return;
    }
    CHECK(tu_wait_for_count(&received, ORDERED_TOTAL / 2, 5000));
    {
        jsConsumerInfo *ci = NULL;

        CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL));
        if (ci != NULL)
            snprintf(first, sizeof(first), "%s", ci->Name);
        jsConsumerInfo_Destroy(ci);
    }

    // The restarted server has the stream (file storage) but not the
    // ordered consumer (memory storage): the library recreates it from
    // the next stream sequence once heartbeats are missed.
    if (ctl("restart"))
    {
        publish_retrying(js, "ordr.a", "n", ORDERED_TOTAL / 2);
        CHECK(tu_wait_for_count(&received, ORDERED_TOTAL, 20000));
    }
    tu_sleep_ms(500);
    CHECK_INT(atomic_load(&received), ORDERED_TOTAL);
    CHECK_INT(atomic_load(&out_of_order), 0);
    pthread_mutex_lock(&seen_mu);
    for (i = 1; i <= ORDERED_TOTAL; i++)
    {
        if (seen_count[i] != 1)
            tu_fail(__FILE__, __LINE__, "stream sequence %d delivered %d times", i, seen_count[i]);
    }
    pthread_mutex_unlock(&seen_mu);
    // The messages after the restart came from a new consumer.
    {
        jsConsumerInfo *ci = NULL;

        CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL));
        if (ci != NULL)
        {
            CHECK(strcmp(ci->Name, first) != 0);
            CHECK_INT(ci->Delivered.Stream, ORDERED_TOTAL);
        }
        jsConsumerInfo_Destroy(ci);
    }
    // The errors reported during the restart were missed heartbeats and
    // failed attempts to recreate the consumer while the server was down.
    printf("missed heartbeats %d, other errors %d\n", atomic_load(&missed_hb), atomic_load(&other_errors));

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    CHECK_OK(js_DeleteStream(js, "ORDR", NULL, NULL));
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_missed_heartbeat);
    RUN_TEST(test_ordered_across_restart);
    return tu_finish();
}
