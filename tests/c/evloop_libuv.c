// Event loop tests with the libuv adapter: the main thread runs a libuv
// loop that reads the connection's socket while a worker thread publishes;
// a reconnect attaches the new socket and closing detaches.
//
// Usage: evloop_libuv URL

#include <pthread.h>

#include <nats/adapters/libuv.h>

#include "test_util.h"

static const char *url;

static atomic_int attaches;
static atomic_int detaches;
static atomic_int received;
static atomic_int workerDone;

static natsConnection *nc;

static natsStatus
countingAttach(void **userData, void *loop, natsConnection *conn, natsSock socket)
{
    atomic_fetch_add(&attaches, 1);
    return natsLibuv_Attach(userData, loop, conn, socket);
}

static natsStatus
countingDetach(void *userData)
{
    atomic_fetch_add(&detaches, 1);
    return natsLibuv_Detach(userData);
}

static void
on_msg(natsConnection *conn, natsSubscription *sub, natsMsg *msg, void *closure)
{
    atomic_fetch_add(&received, 1);
    natsMsg_Destroy(msg);
}

// Publishes, forces a reconnect, publishes again, then closes.
static void *
worker(void *arg)
{
    int i;

    for (i = 0; i < 1000; i++)
        CHECK_OK(natsConnection_PublishString(nc, "evloop.libuv", "hello"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&received, 1000, 5000));

#if TU_CNATS_3_13
    CHECK_OK(natsConnection_Reconnect(nc));
    for (i = 0; (i < 300) && (atomic_load(&attaches) < 2); i++)
        tu_sleep_ms(10);
    CHECK_INT(atomic_load(&attaches), 2);
    for (i = 0; (i < 300) && (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED); i++)
        tu_sleep_ms(10);
    for (i = 0; i < 100; i++)
        CHECK_OK(natsConnection_PublishString(nc, "evloop.libuv", "again"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&received, 1100, 5000));
#endif

    natsConnection_Close(nc);
    CHECK_INT(atomic_load(&detaches), 1);
    atomic_store(&workerDone, 1);
    return NULL;
}

static void
on_timer(uv_timer_t *timer)
{
    if (atomic_load(&workerDone))
        uv_stop(timer->loop);
}

static void
test_messages_flow_through_the_loop(void)
{
    uv_loop_t           *loop = uv_default_loop();
    uv_timer_t          timer;
    pthread_t           workerThread;
    natsOptions         *opts = NULL;
    natsSubscription    *sub  = NULL;
    int64_t             deadline;

    natsLibuv_Init();
    natsLibuv_SetThreadLocalLoop(loop);

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetEventLoop(opts, loop, countingAttach, natsLibuv_Read,
                                      natsLibuv_Write, countingDetach));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_INT(atomic_load(&attaches), 1);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "evloop.libuv", on_msg, NULL));

    CHECK(pthread_create(&workerThread, NULL, worker, NULL) == 0);
    uv_timer_init(loop, &timer);
    uv_timer_start(&timer, on_timer, 10, 10);
    deadline = tu_now_ms() + 20000;
    while (!atomic_load(&workerDone) && (tu_now_ms() < deadline))
        uv_run(loop, UV_RUN_ONCE);
    CHECK(atomic_load(&workerDone));
    pthread_join(workerThread, NULL);

    // Let the loop close the adapter's handles, then stop.
    uv_timer_stop(&timer);
    uv_close((uv_handle_t *) &timer, NULL);
    deadline = tu_now_ms() + 5000;
    while ((uv_run(loop, UV_RUN_NOWAIT) != 0) && (tu_now_ms() < deadline))
        tu_sleep_ms(1);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    CHECK(uv_loop_close(loop) == 0);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_messages_flow_through_the_loop);

    nats_Close();
    return tu_finish();
}
