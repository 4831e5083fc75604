// Threading tests. Message callbacks publish, send requests, unsubscribe
// or destroy their own subscription. Many threads publish on one
// connection. One subscription's callbacks run one at a time, in order.
//
// Usage: threading URL

#include "test_util.h"

static const char *url;

// Counts messages and destroys them.
static void
on_count(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    natsMsg_Destroy(msg);
    atomic_fetch_add((atomic_int *) closure, 1);
}

// Republishes every message to "thr.forwarded" from inside the callback.
static void
on_forward(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    if (natsConnection_Publish(nc, "thr.forwarded", natsMsg_GetData(msg),
                               natsMsg_GetDataLength(msg)) != NATS_OK)
    {
        atomic_fetch_add((atomic_int *) closure, 1);
    }
    natsMsg_Destroy(msg);
}

static void
test_callback_publishes(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *in   = NULL;
    natsSubscription    *out  = NULL;
    atomic_int          failures;
    atomic_int          forwarded;
    int                 i;

    if (nc == NULL)
        return;
    atomic_store(&failures, 0);
    atomic_store(&forwarded, 0);
    CHECK_OK(natsConnection_Subscribe(&out, nc, "thr.forwarded", on_count, &forwarded));
    CHECK_OK(natsConnection_Subscribe(&in, nc, "thr.incoming", on_forward, &failures));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 200; i++)
        CHECK_OK(natsConnection_PublishString(nc, "thr.incoming", "fwd"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK(tu_wait_for_count(&forwarded, 200, 5000));
    CHECK_INT(atomic_load(&forwarded), 200);
    CHECK_INT(atomic_load(&failures), 0);

    natsSubscription_Destroy(in);
    natsSubscription_Destroy(out);
    natsConnection_Destroy(nc);
}

static void
on_service(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    if (natsMsg_GetReply(msg) != NULL)
        natsConnection_PublishString(nc, natsMsg_GetReply(msg), "pong");
    natsMsg_Destroy(msg);
}

typedef struct
{
    atomic_int  ok;
    atomic_int  failed;

} requestResults;

// Sends a request and waits for its reply, all inside a message callback.
static void
on_trigger_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    requestResults  *r     = (requestResults *) closure;
    natsMsg         *reply = NULL;

    if ((natsConnection_RequestString(&reply, nc, "thr.service", "ping", 3000) == NATS_OK)
        && (strcmp(natsMsg_GetData(reply), "pong") == 0))
    {
        atomic_fetch_add(&r->ok, 1);
    }
    else
    {
        atomic_fetch_add(&r->failed, 1);
    }
    natsMsg_Destroy(reply);
    natsMsg_Destroy(msg);
}

static void
test_callback_requests(void)
{
    natsConnection      *nc      = tu_connect(url);
    natsSubscription    *svc     = NULL;
    natsSubscription    *trigger = NULL;
    requestResults      r;
    int                 i;

    if (nc == NULL)
        return;
    memset(&r, 0, sizeof(r));
    CHECK_OK(natsConnection_Subscribe(&svc, nc, "thr.service", on_service, NULL));
    CHECK_OK(natsConnection_Subscribe(&trigger, nc, "thr.trigger", on_trigger_request, &r));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 20; i++)
        CHECK_OK(natsConnection_PublishString(nc, "thr.trigger", "go"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK(tu_wait_for_count(&r.ok, 20, 20000));
    CHECK_INT(atomic_load(&r.ok), 20);
    CHECK_INT(atomic_load(&r.failed), 0);

    natsSubscription_Destroy(trigger);
    natsSubscription_Destroy(svc);
    natsConnection_Destroy(nc);
}

typedef struct
{
    atomic_int  calls;
    atomic_int  unsubStatus;

} unsubState;

// Unsubscribes its own subscription on the first message.
static void
on_unsubscribe_self(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    unsubState *st = (unsubState *) closure;

    if (atomic_fetch_add(&st->calls, 1) == 0)
        atomic_store(&st->unsubStatus, (int) natsSubscription_Unsubscribe(sub));
    natsMsg_Destroy(msg);
}

static void
test_callback_unsubscribes(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    unsubState          st;
    int                 i;

    if (nc == NULL)
        return;
    atomic_store(&st.calls, 0);
    atomic_store(&st.unsubStatus, -1);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "thr.unsub", on_unsubscribe_self, &st));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 50; i++)
        CHECK_OK(natsConnection_PublishString(nc, "thr.unsub", "x"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK(tu_wait_for_count(&st.calls, 1, 5000));
    tu_sleep_ms(200);
    // Messages already queued are dropped once the subscription is closed.
    CHECK_INT(atomic_load(&st.calls), 1);
    CHECK_INT(atomic_load(&st.unsubStatus), NATS_OK);
    CHECK(!natsSubscription_IsValid(sub));

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

typedef struct
{
    atomic_int  calls;
    atomic_int  destroyed;

} destroyState;

// Destroys its own subscription on the first message. The test never
// touches the subscription again.
static void
on_destroy_self(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    destroyState *st = (destroyState *) closure;

    if (atomic_fetch_add(&st->calls, 1) == 0)
    {
        natsSubscription_Destroy(sub);
        atomic_store(&st->destroyed, 1);
    }
    natsMsg_Destroy(msg);
}

static void
test_callback_destroys_own_subscription(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sub   = NULL;
    natsSubscription    *check = NULL;
    natsMsg             *msg   = NULL;
    destroyState        st;
    int                 i;

    if (nc == NULL)
        return;
    atomic_store(&st.calls, 0);
    atomic_store(&st.destroyed, 0);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "thr.destroy", on_destroy_self, &st));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 50; i++)
        CHECK_OK(natsConnection_PublishString(nc, "thr.destroy", "x"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK(tu_wait_for_flag(&st.destroyed, 5000));
    tu_sleep_ms(200);
    CHECK_INT(atomic_load(&st.calls), 1);

    // The connection is unaffected.
    CHECK_OK(natsConnection_SubscribeSync(&check, nc, "thr.after"));
    CHECK_OK(natsConnection_PublishString(nc, "thr.after", "still works"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&msg, check, 2000));
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(check);
    natsConnection_Destroy(nc);
}

#define PUBLISH_THREADS     (8)
#define MSGS_PER_THREAD     (2000)

typedef struct
{
    atomic_int  total;
    atomic_int  outOfOrder;
    atomic_int  malformed;
    int         nextSeq[PUBLISH_THREADS];

} multiPubState;

// Checks that each publisher's messages arrive in its own order. The
// callback of one subscription never runs concurrently, so nextSeq needs
// no lock.
static void
on_multi_pub(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    multiPubState   *st     = (multiPubState *) closure;
    int             thread  = -1;
    int             seq     = -1;

    if ((sscanf(natsMsg_GetData(msg), "%d:%d", &thread, &seq) != 2)
        || (thread < 0) || (thread >= PUBLISH_THREADS))
    {
        atomic_fetch_add(&st->malformed, 1);
    }
    else
    {
        if (seq != st->nextSeq[thread])
            atomic_fetch_add(&st->outOfOrder, 1);
        st->nextSeq[thread] = seq + 1;
    }
    natsMsg_Destroy(msg);
    atomic_fetch_add(&st->total, 1);
}

typedef struct
{
    natsConnection  *nc;
    int             index;
    int             failures;

} publisherArgs;

static void *
publisher_thread(void *arg)
{
    publisherArgs   *a = (publisherArgs *) arg;
    char            buf[32];
    int             i;

    for (i = 0; i < MSGS_PER_THREAD; i++)
    {
        snprintf(buf, sizeof(buf), "%d:%d", a->index, i);
        if (natsConnection_PublishString(a->nc, "thr.multi", buf) != NATS_OK)
            a->failures++;
    }
    nats_ReleaseThreadMemory();
    return NULL;
}

static void
test_many_publisher_threads(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsConnection      *sc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    pthread_t           threads[PUBLISH_THREADS];
    publisherArgs       pargs[PUBLISH_THREADS];
    multiPubState       *st  = calloc(1, sizeof(multiPubState));
    int                 i;

    if ((nc == NULL) || (sc == NULL) || (st == NULL))
    {
        natsConnection_Destroy(nc);
        natsConnection_Destroy(sc);
        free(st);
        return;
    }
    CHECK_OK(natsConnection_Subscribe(&sub, sc, "thr.multi", on_multi_pub, st));
    CHECK_OK(natsConnection_Flush(sc));

    for (i = 0; i < PUBLISH_THREADS; i++)
    {
        pargs[i].nc = nc;
        pargs[i].index = i;
        pargs[i].failures = 0;
        CHECK(pthread_create(&threads[i], NULL, publisher_thread, &pargs[i]) == 0);
    }
    for (i = 0; i < PUBLISH_THREADS; i++)
    {
        pthread_join(threads[i], NULL);
        CHECK_INT(pargs[i].failures, 0);
    }
    CHECK_OK(natsConnection_FlushTimeout(nc, 10000));

    CHECK(tu_wait_for_count(&st->total, PUBLISH_THREADS * MSGS_PER_THREAD, 20000));
    CHECK_INT(atomic_load(&st->total), PUBLISH_THREADS * MSGS_PER_THREAD);
    CHECK_INT(atomic_load(&st->outOfOrder), 0);
    CHECK_INT(atomic_load(&st->malformed), 0);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(sc);
    natsConnection_Destroy(nc);
    free(st);
}

typedef struct
{
    atomic_int  active;
    atomic_int  overlaps;
    atomic_int  received;
    atomic_int  outOfOrder;

} serialState;

// Detects two invocations of the same subscription's callback at once, and
// keeps some invocations slow so an overlap would have time to happen.
static void
on_serial(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    serialState *st = (serialState *) closure;
    int         n   = atomic_load(&st->received);

    if (atomic_fetch_add(&st->active, 1) != 0)
        atomic_fetch_add(&st->overlaps, 1);
    if (atoi(natsMsg_GetData(msg)) != n)
        atomic_fetch_add(&st->outOfOrder, 1);
    if ((n % 50) == 0)
        tu_sleep_ms(2);
    atomic_fetch_sub(&st->active, 1);
    natsMsg_Destroy(msg);
    atomic_fetch_add(&st->received, 1);
}

static void
test_callbacks_are_serial_and_ordered(void)
{
    natsConnection      *nc  = tu_connect(url);
    natsSubscription    *sub = NULL;
    serialState         st;
    char                buf[16];
    int                 i;

    if (nc == NULL)
        return;
    memset(&st, 0, sizeof(st));
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "thr.serial", on_serial, &st));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 2000; i++)
    {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "thr.serial", buf));
    }
    CHECK_OK(natsConnection_Flush(nc));

    CHECK(tu_wait_for_count(&st.received, 2000, 20000));
    CHECK_INT(atomic_load(&st.received), 2000);
    CHECK_INT(atomic_load(&st.overlaps), 0);
    CHECK_INT(atomic_load(&st.outOfOrder), 0);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_unsubscribe_while_callbacks_run(void)
{
    natsConnection      *nc   = tu_connect(url);
    natsSubscription    *sub  = NULL;
    atomic_int          count;
    int                 before;
    int                 i;

    if (nc == NULL)
        return;
    atomic_store(&count, 0);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "thr.racing", on_count, &count));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 5000; i++)
        CHECK_OK(natsConnection_PublishString(nc, "thr.racing", "x"));

    // Unsubscribing from another thread while messages are being delivered
    // stops the deliveries soon after.
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK_OK(natsConnection_Flush(nc));
    tu_sleep_ms(100);
    before = atomic_load(&count);
    tu_sleep_ms(200);
    CHECK_INT(atomic_load(&count), before);
    CHECK(before <= 5000);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_callback_publishes);
    RUN_TEST(test_callback_requests);
    RUN_TEST(test_callback_unsubscribes);
    RUN_TEST(test_callback_destroys_own_subscription);
    RUN_TEST(test_many_publisher_threads);
    RUN_TEST(test_callbacks_are_serial_and_ordered);
    RUN_TEST(test_unsubscribe_while_callbacks_run);

    nats_Close();
    return tu_finish();
}
