// Cluster tests against three routed members.
//
// reconnect_time: kills the connected member three times and prints how
// long the client took to reconnect (`reconnect_ms=N`).
//
// rotation: a publisher of numbered messages and a subscriber, on separate
// connections, run for SECONDS while members are restarted in rotation
// (alternately the publisher's and the subscriber's member). Core NATS may
// lose messages that are in flight when a member dies, so exactly-once
// delivery is required only for the messages the publisher buffered while
// it was reconnecting, in rounds where the subscriber's member stayed up.
// Duplicates and reordering are failures for every message. It prints
// published, delivered, lost and duplicated counts.
//
// Usage: cluster URL0 URL1 URL2 reconnect_time|rotation [SECONDS]

#include "resil.h"

static const char   *urls[3];
static const char   *test_name;
static int          rotation_seconds = 20;

static int
port_of(const char *url)
{
    const char *colon = strrchr(url, ':');

    return (colon == NULL ? -1 : atoi(colon + 1));
}

// Returns the index of the member that `nc` is connected to, or -1.
static int
connected_member(natsConnection *nc)
{
    char    buf[256];
    int     port;
    int     i;

    buf[0] = '\0';
    if (natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)) != NATS_OK)
        return -1;
    port = port_of(buf);
    for (i = 0; i < 3; i++)
    {
        if (port_of(urls[i]) == port)
            return i;
    }
    return -1;
}

static natsStatus
create_cluster_options(natsOptions **opts, rsEvents *ev, int first)
{
    char list[1024];

    snprintf(list, sizeof(list), "%s,%s,%s", urls[first % 3], urls[(first + 1) % 3],
             urls[(first + 2) % 3]);
    return rs_create_options(opts, list, ev);
}

// ---------------------------------------------------------------------------
// Reconnect time
// ---------------------------------------------------------------------------

// With ReconnectWait 100 ms the client moves to a live member right after
// its member is killed. Measured from just before the kill request.
static void
test_reconnect_time(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;
    rsEvents            ev;
    int64_t             worst = 0;
    int                 round;

    rs_events_init(&ev);
    REQUIRE_OK(create_cluster_options(&opts, &ev, 0));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    REQUIRE_OK(natsConnection_SubscribeSync(&sub, nc, "rs.cluster.rt"));
    REQUIRE_OK(natsConnection_Flush(nc));

    for (round = 1; round <= 3; round++)
    {
        int     member = connected_member(nc);
        int64_t before_kill;
        int64_t reconnect_ms;
        int64_t gap_ms;

        REQUIRE(member >= 0);
        before_kill = rs_now_ms();
        REQUIRE(rs_ctl("kill %d", member));
        CHECK_MSG(rs_wait_count(&ev.reconnected, round, 10000),
                  "round %d: no reconnect within 10 s of killing member %d", round, member);
        reconnect_ms = atomic_load(&ev.reconnected_at) - before_kill;
        gap_ms = atomic_load(&ev.reconnected_at) - atomic_load(&ev.disconnected_at);
        printf("reconnect_ms=%lld (round %d, member %d killed, disconnected callback to "
               "reconnected callback %lld ms)\n", (long long) reconnect_ms, round, member,
               (long long) gap_ms);
        if (reconnect_ms > worst)
            worst = reconnect_ms;
        CHECK_MSG(reconnect_ms < 2000, "round %d: reconnect took %lld ms", round,
                  (long long) reconnect_ms);
        CHECK(connected_member(nc) != member);

        CHECK_OK(natsConnection_PublishString(nc, "rs.cluster.rt", "after"));
        CHECK_OK(natsSubscription_NextMsg(&msg, sub, 5000));
        natsMsg_Destroy(msg);
        msg = NULL;
        REQUIRE(rs_ctl("start %d", member));
    }
    printf("reconnect_ms_max=%lld\n", (long long) worst);

cleanup:
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    rs_destroy_conn(nc, &ev);
    natsOptions_Destroy(opts);
    rs_events_destroy(&ev);
}

// ---------------------------------------------------------------------------
// Rotation
// ---------------------------------------------------------------------------

// Per published number: accepted by the publish call, buffered while the
// publisher was disconnected, and the rotation round it was published in.
typedef struct
{
    natsConnection  *nc;
    rsEvents        *ev;
    int             capacity;
    unsigned char   *accepted;
    unsigned char   *buffered;
    int             *round;
    atomic_int      current_round;
    atomic_int      stop;
    atomic_int      published;
    atomic_int      publish_errors;
    // Accepted publishes made between a disconnected callback and the
    // following reconnected callback.
    atomic_int      in_window;

} publisher;

// Reports whether the disconnected callback fired more often than the
// reconnected one. The callbacks run asynchronously, so this window opens
// and closes a little after the connection's status changes.
static bool
in_callback_window(publisher *p)
{
    return (atomic_load(&p->ev->disconnected) > atomic_load(&p->ev->reconnected));
}

static void *
run_publisher(void *arg)
{
    publisher   *p = (publisher *) arg;
    int         n;

    for (n = 0; (n < p->capacity) && !atomic_load(&p->stop); n++)
    {
        bool        window = in_callback_window(p);
        bool        before = natsConnection_IsReconnecting(p->nc);
        natsStatus  s      = rs_publish_number(p->nc, "rs.cluster.rotation", n);
        bool        after  = natsConnection_IsReconnecting(p->nc);

        p->round[n] = atomic_load(&p->current_round);
        p->accepted[n] = (s == NATS_OK);
        // Reconnecting both before and after the call means the message went
        // to the reconnect buffer: the status cannot go to connected and back
        // within one publish. cnats 3.4.1 reconnects within a few ms, often
        // before its disconnected callback runs, so the callback window alone
        // would miss most buffered messages.
        p->buffered[n] = (s == NATS_OK) && before && after;
        if (window && (s == NATS_OK))
            atomic_fetch_add(&p->in_window, 1);
        if (s != NATS_OK)
            atomic_fetch_add(&p->publish_errors, 1);
        atomic_store(&p->published, n + 1);
        {
            // 200 us between publishes: with the sleep's overhead, about
            // 4000 messages a second.
            struct timespec ts = { 0, 200000 };

            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

#define MAX_ROUNDS 1024

static void
test_rotation(void)
{
    natsOptions         *pub_opts = NULL;
    natsOptions         *sub_opts = NULL;
    natsConnection      *pub      = NULL;
    natsConnection      *subc     = NULL;
    natsSubscription    *sub      = NULL;
    rsEvents            pub_ev;
    rsEvents            sub_ev;
    rsSequence          seq;
    publisher           p;
    pthread_t           thread;
    bool                running = false;
    // Rounds whose buffered messages must all arrive: the publisher's
    // member was restarted and the subscriber's was not.
    bool                strict_round[MAX_ROUNDS];
    int                 rounds = 0;
    int64_t             end;
    int                 published, accepted = 0, delivered = 0, lost = 0;
    int                 buffered = 0, buffered_strict = 0, buffered_strict_lost = 0;
    int                 buffered_other_lost = 0, unaccepted_delivered = 0;
    int                 i;

    memset(&p, 0, sizeof(p));
    memset(strict_round, 0, sizeof(strict_round));
    rs_events_init(&pub_ev);
    rs_events_init(&sub_ev);
    // Room for 6000 messages a second, above the publisher's rate.
    p.capacity = rotation_seconds * 6000 + 10000;
    rs_sequence_init(&seq, p.capacity);
    p.accepted = calloc((size_t) p.capacity, 1);
    p.buffered = calloc((size_t) p.capacity, 1);
    p.round = calloc((size_t) p.capacity, sizeof(int));
    REQUIRE(seq.seen != NULL);
    REQUIRE(p.accepted != NULL);
    REQUIRE(p.buffered != NULL);
    REQUIRE(p.round != NULL);

    REQUIRE_OK(create_cluster_options(&sub_opts, &sub_ev, 2));
    REQUIRE_OK(natsConnection_Connect(&subc, sub_opts));
    REQUIRE_OK(natsConnection_Subscribe(&sub, subc, "rs.cluster.rotation",
                                        rs_on_sequence_msg, &seq));
    REQUIRE_OK(natsSubscription_SetPendingLimits(sub, -1, -1));
    REQUIRE_OK(natsConnection_Flush(subc));
    REQUIRE_OK(create_cluster_options(&pub_opts, &pub_ev, 0));
    REQUIRE_OK(natsConnection_Connect(&pub, pub_opts));
    // Let the subscription's interest reach the publisher's member.
    rs_sleep_ms(300);

    p.nc = pub;
    p.ev = &pub_ev;
    REQUIRE(pthread_create(&thread, NULL, run_publisher, &p) == 0);
    running = true;

    end = rs_now_ms() + (int64_t) rotation_seconds * 1000;
    while ((rs_now_ms() + 1500 < end) && (rounds < MAX_ROUNDS))
    {
        int pub_member;
        int sub_member;
        int target;

        rs_sleep_ms(1000);
        pub_member = connected_member(pub);
        sub_member = connected_member(subc);
        target = ((rounds % 2) == 0 ? pub_member : sub_member);
        if (target < 0)
            target = rounds % 3;
        strict_round[rounds] = (target == pub_member) && (target != sub_member);
        atomic_store(&p.current_round, rounds);
        if (!rs_ctl("restart %d", target))
            break;
        rounds++;
        // Both clients are back before the next round starts.
        CHECK(rs_wait_conn_status(pub, NATS_CONN_STATUS_CONNECTED, 10000));
        CHECK(rs_wait_conn_status(subc, NATS_CONN_STATUS_CONNECTED, 10000));
        rs_sleep_ms(300);
        // Messages published from here on belong to no restart round.
        atomic_store(&p.current_round, MAX_ROUNDS);
    }

    atomic_store(&p.stop, 1);
    pthread_join(thread, NULL);
    running = false;
    CHECK_OK(natsConnection_FlushTimeout(pub, 10000));
    // Wait until the subscriber stops receiving for a second (at most 20 s).
    {
        int64_t deadline = rs_now_ms() + 20000;
        int     last = -1;

        while ((rs_now_ms() < deadline) && (atomic_load(&seq.received) != last))
        {
            last = atomic_load(&seq.received);
            rs_sleep_ms(1000);
        }
    }

    published = atomic_load(&p.published);
    pthread_mutex_lock(&seq.mu);
    for (i = 0; i < published; i++)
    {
        bool got = (seq.seen[i] > 0);

        if (p.accepted[i])
        {
            accepted++;
            if (got)
                delivered++;
            else
                lost++;
        }
        else if (got)
            unaccepted_delivered++;
        if (p.buffered[i])
        {
            bool strict = (p.round[i] < MAX_ROUNDS) && strict_round[p.round[i]];

            buffered++;
            if (strict)
                buffered_strict++;
            if (!got && strict)
                buffered_strict_lost++;
            else if (!got)
                buffered_other_lost++;
        }
    }
    pthread_mutex_unlock(&seq.mu);

    printf("published=%d accepted=%d delivered=%d lost=%d duplicated=%d reordered=%d "
           "publish_errors=%d rounds=%d buffered=%d buffered_strict=%d "
           "buffered_strict_lost=%d buffered_other_lost=%d published_in_callback_window=%d\n",
           published, accepted, delivered, lost, seq.duplicates, seq.out_of_order,
           atomic_load(&p.publish_errors), rounds, buffered, buffered_strict,
           buffered_strict_lost, buffered_other_lost, atomic_load(&p.in_window));
    rs_note("publisher reconnects %d, subscriber reconnects %d",
            atomic_load(&pub_ev.reconnected), atomic_load(&sub_ev.reconnected));

    CHECK_INT(seq.duplicates, 0);
    CHECK_INT(seq.out_of_order, 0);
    CHECK_INT(seq.unexpected, 0);
    CHECK_INT(unaccepted_delivered, 0);
    CHECK_INT(buffered_strict_lost, 0);
    CHECK(rounds >= 2);
    CHECK(delivered > 0);
    CHECK_MSG(buffered_strict > 0, "no message was buffered while the publisher was "
              "disconnected, so the exactly-once check had nothing to check");
    CHECK(atomic_load(&pub_ev.reconnected) >= 1);
    CHECK(atomic_load(&sub_ev.reconnected) >= 1);

cleanup:
    if (running)
    {
        atomic_store(&p.stop, 1);
        pthread_join(thread, NULL);
    }
    natsSubscription_Destroy(sub);
    rs_destroy_conn(pub, &pub_ev);
    rs_destroy_conn(subc, &sub_ev);
    natsOptions_Destroy(pub_opts);
    natsOptions_Destroy(sub_opts);
    rs_sequence_destroy(&seq);
    free(p.accepted);
    free(p.buffered);
    free(p.round);
    rs_events_destroy(&pub_ev);
    rs_events_destroy(&sub_ev);
}

int
main(int argc, char **argv)
{
    const char *usage = "URL0 URL1 URL2 reconnect_time|rotation [SECONDS]";

    urls[0] = rs_arg(argc, argv, 1, usage);
    urls[1] = rs_arg(argc, argv, 2, usage);
    urls[2] = rs_arg(argc, argv, 3, usage);
    test_name = rs_arg(argc, argv, 4, usage);
    if (argc > 5)
        rotation_seconds = atoi(argv[5]);
    if (rotation_seconds < 5)
    {
        fprintf(stderr, "SECONDS must be at least 5, got %s\n", argv[5]);
        return 2;
    }
    rs_init();

    if (strcmp(test_name, "reconnect_time") == 0)
        RUN_TEST(test_reconnect_time);
    else if (strcmp(test_name, "rotation") == 0)
        RUN_TEST(test_rotation);
    else
    {
        fprintf(stderr, "unknown test `%s`; usage: %s %s\n", test_name, argv[0], usage);
        return 2;
    }

    nats_Close();
    return rs_finish();
}
