// Drain tests. Connection drain delivers every message already received
// before closing, then fires the closed callback. Publishing is allowed
// while subscriptions drain and returns NATS_DRAINING in the publisher
// phase. Subscription drain is checked with WaitForDrainCompletion,
// DrainCompletionStatus and the on-complete callback.
//
// Usage: drain URL

#include "resil.h"

static const char *url;

// Message callback that sleeps `delay_ms` per message and counts them.
typedef struct
{
    // Callbacks started and finished.
    atomic_int  entered;
    atomic_int  delivered;
    int         delay_ms;
    // Delivered count seen by the closed or on-complete callback.
    atomic_int  delivered_at_end;
    atomic_int  ended;

} slowSub;

static void
on_slow_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    slowSub *s = (slowSub *) closure;

    atomic_fetch_add(&s->entered, 1);
    if (s->delay_ms > 0)
        rs_sleep_ms(s->delay_ms);
    atomic_fetch_add(&s->delivered, 1);
    natsMsg_Destroy(msg);
}

static void
on_closed_count(natsConnection *nc, void *closure)
{
    slowSub *s = (slowSub *) closure;

    atomic_store(&s->delivered_at_end, atomic_load(&s->delivered));
    atomic_fetch_add(&s->ended, 1);
}

static void
on_sub_complete(void *closure)
{
    slowSub *s = (slowSub *) closure;

    atomic_store(&s->delivered_at_end, atomic_load(&s->delivered));
    atomic_fetch_add(&s->ended, 1);
}

// Publishes `count` messages from a separate connection and waits until
// the subscription has all of them (queued or handed to the callback).
static bool
feed(natsSubscription *sub, slowSub *s, const char *subject, int count)
{
    natsConnection  *pub = NULL;
    int64_t         deadline;
    int             i;
    bool            ok = false;

    if (natsConnection_ConnectTo(&pub, url) != NATS_OK)
        return false;
    for (i = 0; i < count; i++)
        rs_publish_number(pub, subject, i);
    natsConnection_Flush(pub);
    natsConnection_Destroy(pub);

    deadline = rs_now_ms() + 10000;
    while (rs_now_ms() < deadline)
    {
        int pending = 0;

        natsSubscription_GetPending(sub, &pending, NULL);
        if (atomic_load(&s->entered) + pending >= count)
        {
            ok = true;
            break;
        }
        rs_sleep_ms(2);
    }
    return ok;
}

// Drain delivers all 100 received messages (10 ms each, about 1 s) and
// only then closes. While the subscriptions drain, publishing still works
// and new subscriptions are rejected.
static void
test_connection_drain_delivers_all(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsSubscription    *late = NULL;
    slowSub             s;

    memset(&s, 0, sizeof(s));
    s.delay_ms = 10;
    REQUIRE_OK(rs_create_options(&opts, url, NULL));
    REQUIRE_OK(natsOptions_SetClosedCB(opts, on_closed_count, &s));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_Subscribe(&sub, nc, "rs.drain.all", on_slow_msg, &s));
    REQUIRE_OK(natsConnection_Flush(nc));
    REQUIRE(feed(sub, &s, "rs.drain.all", 100));
    CHECK_MSG(atomic_load(&s.delivered) < 50, "the callbacks ran too fast (%d done)",
              atomic_load(&s.delivered));

    CHECK_OK(natsConnection_DrainTimeout(nc, 20000));
    CHECK(natsConnection_IsDraining(nc));
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_DRAINING_SUBS);
    CHECK_OK(natsConnection_PublishString(nc, "rs.drain.other", "allowed"));
    CHECK_STATUS(natsConnection_SubscribeSync(&late, nc, "rs.drain.late"), NATS_DRAINING);

    CHECK_MSG(rs_wait_count(&s.ended, 1, 20000), "the connection did not close within 20 s");
    CHECK_INT(atomic_load(&s.delivered_at_end), 100);
    CHECK_INT(atomic_load(&s.delivered), 100);
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    CHECK(!natsConnection_IsDraining(nc));
    CHECK_STATUS(natsConnection_PublishString(nc, "rs.drain.other", "x"),
                 NATS_CONNECTION_CLOSED);

cleanup:
    natsSubscription_Destroy(late);
    natsSubscription_Destroy(sub);
    if ((nc != NULL) && !rs_wait_count(&s.ended, 1, 5000))
        natsConnection_Close(nc);
    rs_wait_count(&s.ended, 1, 5000);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

// Fake server for the publisher phase. It replies PONG to every PING except
// while the client is in the publisher phase of a drain, so that the final
// flush cannot complete and the phase lasts until the drain timeout.
typedef struct
{
    // Guards `nc`, which the test clears before destroying the connection.
    pthread_mutex_t mu;
    natsConnection  *nc;
    atomic_int      unanswered;

} pubPhaseServer;

static void
pub_phase_set_conn(pubPhaseServer *p, natsConnection *nc)
{
    pthread_mutex_lock(&p->mu);
    p->nc = nc;
    pthread_mutex_unlock(&p->mu);
}

static bool
pub_phase_in_publisher_phase(pubPhaseServer *p)
{
    bool in_phase;

    pthread_mutex_lock(&p->mu);
    in_phase = ((p->nc != NULL)
                && (natsConnection_Status(p->nc) == NATS_CONN_STATUS_DRAINING_PUBS));
    pthread_mutex_unlock(&p->mu);
    return in_phase;
}

static void
pub_phase_handler(rsListener *l, int fd, int index)
{
    pubPhaseServer  *p    = (pubPhaseServer *) l->closure;
    rsFakeConn      *conn = calloc(1, sizeof(rsFakeConn));
    char            line[4096];

    if (conn == NULL)
        return;
    conn->fd = fd;
    if (!rs_fake_send_info(fd, l->port))
        goto done;
    while (!atomic_load(&l->stop))
    {
        int n = rs_fake_read_line(conn, line, sizeof(line), 20);

        if (n < 0)
            break;
        if ((n == 0) || (strcmp(line, "PING") != 0))
            continue;
        if (pub_phase_in_publisher_phase(p))
        {
            atomic_fetch_add(&p->unanswered, 1);
            continue;
        }
        if (!rs_send_all(fd, "PONG\r\n"))
            break;
    }
done:
    free(conn);
}

// In the publisher phase of a drain, publish and subscribe return
// NATS_DRAINING; the drain timeout then closes the connection.
static void
test_publish_in_publisher_phase(void)
{
    rsListener          *l    = calloc(1, sizeof(rsListener));
    pubPhaseServer      p;
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    rsEvents            ev;
    char                fake_url[64];
    bool                listening = false;
    bool                in_phase;

    rs_events_init(&ev);
    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.mu, NULL);
    REQUIRE(l != NULL);
    REQUIRE(rs_listener_start(l, pub_phase_handler, &p));
    listening = true;
    snprintf(fake_url, sizeof(fake_url), "nats://127.0.0.1:%d", l->port);
    REQUIRE_OK(rs_create_options(&opts, fake_url, &ev));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    pub_phase_set_conn(&p, nc);

    CHECK_OK(natsConnection_DrainTimeout(nc, 3000));
    in_phase = rs_wait_conn_status(nc, NATS_CONN_STATUS_DRAINING_PUBS, 2500);
    CHECK_MSG(in_phase, "the drain did not reach the publisher phase within 2.5 s "
              "(status %d)", (int) natsConnection_Status(nc));
    if (in_phase)
    {
        CHECK(natsConnection_IsDraining(nc));
        CHECK_STATUS(natsConnection_PublishString(nc, "rs.drain.pub", "late"),
                     NATS_DRAINING);
        CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, "rs.drain.sub"), NATS_DRAINING);
    }
    CHECK_MSG(rs_wait_count(&ev.closed, 1, 6000),
              "the drain timeout did not close the connection");
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);

cleanup:
    pub_phase_set_conn(&p, NULL);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    if (listening)
        rs_listener_stop(l);
    free(l);
    pthread_mutex_destroy(&p.mu);
    rs_events_destroy(&ev);
}

// Subscription drain: every received message is delivered, the
// on-complete callback runs after the last one, WaitForDrainCompletion
// returns and DrainCompletionStatus is NATS_OK; the connection stays up.
static void
test_subscription_drain_completes(void)
{
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;
    slowSub             s;

    memset(&s, 0, sizeof(s));
    s.delay_ms = 5;
    REQUIRE_OK(natsConnection_ConnectTo(&nc, url));
    REQUIRE_OK(natsConnection_Subscribe(&sub, nc, "rs.drain.sub", on_slow_msg, &s));
    REQUIRE_OK(natsSubscription_SetOnCompleteCB(sub, on_sub_complete, &s));
    REQUIRE_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsSubscription_WaitForDrainCompletion(sub, 100), NATS_ILLEGAL_STATE);
    REQUIRE(feed(sub, &s, "rs.drain.sub", 100));

    CHECK_OK(natsSubscription_Drain(sub));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 15000));
    CHECK_STATUS(natsSubscription_DrainCompletionStatus(sub), NATS_OK);
    CHECK_INT(atomic_load(&s.delivered), 100);
    CHECK(rs_wait_count(&s.ended, 1, 5000));
    CHECK_INT(atomic_load(&s.delivered_at_end), 100);
    CHECK_INT(atomic_load(&s.ended), 1);
    CHECK(!natsSubscription_IsValid(sub));
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    CHECK_OK(natsConnection_PublishString(nc, "rs.drain.sub", "after"));
    CHECK_OK(natsConnection_Flush(nc));
    rs_sleep_ms(100);
    CHECK_INT(atomic_load(&s.delivered), 100);

cleanup:
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

// A subscription drain that cannot finish in its timeout completes with
// DrainCompletionStatus NATS_TIMEOUT.
static void
test_subscription_drain_timeout(void)
{
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;
    slowSub             s;

    memset(&s, 0, sizeof(s));
    s.delay_ms = 20;
    REQUIRE_OK(natsConnection_ConnectTo(&nc, url));
    REQUIRE_OK(natsConnection_Subscribe(&sub, nc, "rs.drain.slow", on_slow_msg, &s));
    REQUIRE_OK(natsConnection_Flush(nc));
    REQUIRE(feed(sub, &s, "rs.drain.slow", 100));

    CHECK_OK(natsSubscription_DrainTimeout(sub, 200));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 10000));
    CHECK_STATUS(natsSubscription_DrainCompletionStatus(sub), NATS_TIMEOUT);
    CHECK_MSG(atomic_load(&s.delivered) < 100, "all %d messages were delivered within "
              "the 200 ms timeout at 20 ms each", atomic_load(&s.delivered));

cleanup:
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

typedef struct
{
    natsSubscription    *sub;
    natsStatus          status;
    int64_t             elapsed_ms;
} blockedNext;

static void *
wait_next_msg(void *arg)
{
    blockedNext *b   = arg;
    natsMsg     *msg = NULL;
    int64_t     start = rs_now_ms();

    b->status = natsSubscription_NextMsg(&msg, b->sub, 5000);
    b->elapsed_ms = rs_now_ms() - start;
    natsMsg_Destroy(msg);
    return NULL;
}

// A NextMsg call blocked on an empty synchronous subscription returns
// NATS_TIMEOUT when the subscription is drained, as in cnats, well before
// its own timeout.
static void
test_drain_wakes_blocked_next_msg(void)
{
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;
    blockedNext         b;
    pthread_t           thread;

    memset(&b, 0, sizeof(b));
    REQUIRE_OK(natsConnection_ConnectTo(&nc, url));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, nc, "rs.drain.blocked"));
    REQUIRE_OK(natsConnection_Flush(nc));
    b.sub = sub;
    REQUIRE(pthread_create(&thread, NULL, wait_next_msg, &b) == 0);
    rs_sleep_ms(200);

    CHECK_OK(natsSubscription_Drain(sub));
    pthread_join(thread, NULL);
    CHECK_STATUS(b.status, NATS_TIMEOUT);
    CHECK_MSG(b.elapsed_ms < 4000, "NextMsg returned after %lld ms", (long long) b.elapsed_ms);
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 5000));

cleanup:
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    url = rs_arg(argc, argv, 1, "URL");
    rs_init();

    RUN_TEST(test_connection_drain_delivers_all);
    RUN_TEST(test_publish_in_publisher_phase);
    RUN_TEST(test_subscription_drain_completes);
    RUN_TEST(test_subscription_drain_timeout);
    RUN_TEST(test_drain_wakes_blocked_next_msg);

    nats_Close();
    return rs_finish();
}
