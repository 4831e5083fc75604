// Event loop tests with the libevent adapter: a libevent base running on
// its own thread reads the connection's socket, messages flow through it,
// a reconnect attaches the new socket and closing detaches.
//
// Usage: evloop_libevent URL

#include <pthread.h>

#include <nats/adapters/libevent.h>

#include "test_util.h"

static const char *url;

static atomic_int attaches;
static atomic_int detaches;
static atomic_int received;

static natsStatus
countingAttach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    atomic_fetch_add(&attaches, 1);
    return natsLibevent_Attach(userData, loop, nc, socket);
}

static natsStatus
countingDetach(void *userData)
{
    atomic_fetch_add(&detaches, 1);
    return natsLibevent_Detach(userData);
}

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    atomic_fetch_add(&received, 1);
    natsMsg_Destroy(msg);
}

static void *
run_base(void *arg)
{
    event_base_loop((struct event_base *) arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void
test_messages_flow_through_the_loop(void)
{
    struct event_base   *base = event_base_new();
    pthread_t           loopThread;
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *reply TU_UNUSED = NULL;
    int                 i;

    CHECK(base != NULL);
    CHECK(pthread_create(&loopThread, NULL, run_base, base) == 0);

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetEventLoop(opts, base, countingAttach, natsLibevent_Read,
                                      natsLibevent_Write, countingDetach));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_INT(atomic_load(&attaches), 1);

    CHECK_OK(natsConnection_Subscribe(&sub, nc, "evloop.libevent", on_msg, NULL));
    for (i = 0; i < 1000; i++)
        CHECK_OK(natsConnection_PublishString(nc, "evloop.libevent", "hello"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&received, 1000, 5000));

#if TU_CNATS_3_13
    // A forced reconnect attaches the new socket; messages keep flowing.
    CHECK_OK(natsConnection_Reconnect(nc));
    for (i = 0; (i < 200) && (atomic_load(&attaches) < 2); i++)
        tu_sleep_ms(10);
    CHECK_INT(atomic_load(&attaches), 2);
    for (i = 0; (i < 200) && (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED); i++)
        tu_sleep_ms(10);
    CHECK_STATUS(natsConnection_Request(&reply, nc, "evloop.nobody", "x", 1, 1000), NATS_NO_RESPONDERS);
    for (i = 0; i < 100; i++)
        CHECK_OK(natsConnection_PublishString(nc, "evloop.libevent", "again"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&received, 1100, 5000));
#endif

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    CHECK_INT(atomic_load(&detaches), 1);
    natsOptions_Destroy(opts);

    event_base_loopbreak(base);
    pthread_join(loopThread, NULL);
    event_base_free(base);
}

static void
test_set_event_loop_rejects_missing_callbacks(void)
{
    natsOptions *opts = NULL;
    int         dummy = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_SetEventLoop(opts, NULL, natsLibevent_Attach, natsLibevent_Read,
                                          natsLibevent_Write, natsLibevent_Detach), NATS_INVALID_ARG);
    CHECK_STATUS(natsOptions_SetEventLoop(opts, &dummy, NULL, natsLibevent_Read,
                                          natsLibevent_Write, natsLibevent_Detach), NATS_INVALID_ARG);
    CHECK_STATUS(natsOptions_SetEventLoop(NULL, &dummy, natsLibevent_Attach, natsLibevent_Read,
                                          natsLibevent_Write, natsLibevent_Detach), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();
    natsLibevent_Init();

    RUN_TEST(test_messages_flow_through_the_loop);
    RUN_TEST(test_set_event_loop_rejects_missing_callbacks);

    nats_Close();
    libevent_global_shutdown();
    return tu_finish();
}
