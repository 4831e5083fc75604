// Global message delivery: with natsOptions_UseGlobalMessageDelivery and a
// pool of 2 delivery threads (nats_SetMessageDeliveryPoolSize), the
// callbacks of one subscription never run concurrently and see its
// messages in order, for 20 subscriptions sharing the pool.
//
// Usage: global_delivery URL

#include "resil.h"

#define SUBSCRIPTIONS   20
#define MESSAGES        200
#define MAX_THREADS     16

static const char *url;

typedef struct
{
    atomic_int  in_callback;
    atomic_int  overlaps;
    atomic_int  received;
    int         last;
    int         out_of_order;

} subState;

static subState         states[SUBSCRIPTIONS];
static pthread_mutex_t  threads_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t        threads[MAX_THREADS];
static int              thread_count;
static atomic_int       on_main_thread;
static pthread_t        main_thread;

static void
note_thread(void)
{
    pthread_t   self = pthread_self();
    int         i;

    if (pthread_equal(self, main_thread))
        atomic_store(&on_main_thread, 1);
    pthread_mutex_lock(&threads_mu);
    for (i = 0; i < thread_count; i++)
    {
        if (pthread_equal(threads[i], self))
            break;
    }
    if ((i == thread_count) && (thread_count < MAX_THREADS))
        threads[thread_count++] = self;
    pthread_mutex_unlock(&threads_mu);
}

static void
on_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    subState    *st = (subState *) closure;
    int         n   = atoi(natsMsg_GetData(msg));

    if (atomic_fetch_add(&st->in_callback, 1) != 0)
        atomic_fetch_add(&st->overlaps, 1);
    note_thread();
    // Only this subscription's callback touches `last`, so a concurrent
    // second callback would also show up as a wrong order here.
    if (n != st->last + 1)
        st->out_of_order++;
    st->last = n;
    // Stay in the callback a little, so that a second delivery thread
    // running the same subscription would overlap.
    if ((n % 10) == 0)
        rs_sleep_ms(1);
    atomic_fetch_add(&st->received, 1);
    atomic_fetch_sub(&st->in_callback, 1);
    natsMsg_Destroy(msg);
}

static void
test_pool_serializes_each_subscription(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsConnection      *pub  = NULL;
    natsSubscription    *subs[SUBSCRIPTIONS];
    char                subject[64];
    int                 created = 0;
    int                 i, m;

    memset(subs, 0, sizeof(subs));
    memset(states, 0, sizeof(states));
    main_thread = pthread_self();
    for (i = 0; i < SUBSCRIPTIONS; i++)
        states[i].last = -1;

    REQUIRE_OK(nats_SetMessageDeliveryPoolSize(2));
    REQUIRE_OK(rs_create_options(&opts, url, NULL));
    REQUIRE_OK(natsOptions_UseGlobalMessageDelivery(opts, true));
    REQUIRE_OK(natsConnection_Connect(&nc, opts));
    for (i = 0; i < SUBSCRIPTIONS; i++)
    {
        snprintf(subject, sizeof(subject), "rs.global.%d", i);
        REQUIRE_OK(natsConnection_Subscribe(&subs[i], nc, subject, on_message, &states[i]));
        created++;
    }
    REQUIRE_OK(natsConnection_Flush(nc));

    REQUIRE_OK(natsConnection_ConnectTo(&pub, url));
    for (m = 0; m < MESSAGES; m++)
    {
        for (i = 0; i < SUBSCRIPTIONS; i++)
        {
            snprintf(subject, sizeof(subject), "rs.global.%d", i);
            CHECK_OK(rs_publish_number(pub, subject, m));
        }
    }
    CHECK_OK(natsConnection_FlushTimeout(pub, 10000));

    for (i = 0; i < SUBSCRIPTIONS; i++)
    {
        CHECK_MSG(rs_wait_count(&states[i].received, MESSAGES, 30000),
                  "subscription %d got %d of %d messages", i,
                  atomic_load(&states[i].received), MESSAGES);
    }
    for (i = 0; i < SUBSCRIPTIONS; i++)
    {
        CHECK_MSG(atomic_load(&states[i].overlaps) == 0,
                  "subscription %d had %d concurrent callbacks", i,
                  atomic_load(&states[i].overlaps));
        CHECK_MSG(states[i].out_of_order == 0,
                  "subscription %d saw %d messages out of order", i,
                  states[i].out_of_order);
        CHECK_INT(atomic_load(&states[i].received), MESSAGES);
    }
    pthread_mutex_lock(&threads_mu);
    rs_note("callbacks ran on %d threads", thread_count);
    CHECK_MSG((thread_count >= 1) && (thread_count <= 2),
              "callbacks ran on %d threads with a delivery pool of 2", thread_count);
    pthread_mutex_unlock(&threads_mu);
    CHECK_INT(atomic_load(&on_main_thread), 0);

cleanup:
    for (i = 0; i < created; i++)
        natsSubscription_Destroy(subs[i]);
    natsConnection_Destroy(pub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

int
main(int argc, char **argv)
{
    url = rs_arg(argc, argv, 1, "URL");
    rs_init();

    RUN_TEST(test_pool_serializes_each_subscription);

    nats_Close();
    return rs_finish();
}
