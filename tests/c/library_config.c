// nats_OpenWithConfig and the event loop calls that adapters make: a
// config turns on the shared delivery pool by default, and the
// compatibility calls accept NULL and stray sockets without crashing.
//
// Usage: library_config URL

#include <dirent.h>

#include "test_util.h"

static const char *url;
static atomic_int received;

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    atomic_fetch_add(&received, 1);
    natsMsg_Destroy(msg);
}

static void
test_open_with_config_uses_pool(void)
{
    natsClientConfig    config;
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;
    int                 i;

    memset(&config, 0, sizeof(config));
    config.DefaultToThreadPool = true;
    config.ThreadPoolMax       = 2;
    CHECK_OK(nats_OpenWithConfig(&config));
    CHECK_OK(nats_OpenWithConfig(NULL));

    // Connections made after the config deliver through the pool, which
    // must still hand every message to the callback.
    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "config.pool", on_msg, NULL));
    for (i = 0; i < 100; i++)
        CHECK_OK(natsConnection_PublishString(nc, "config.pool", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&received, 100, 5000));
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_event_loop_calls_tolerate_misuse(void)
{
    natsSock        sock = 12345;
    natsConnection  *nc  = NULL;

    natsConnection_ProcessReadEvent(NULL);
    natsConnection_ProcessWriteEvent(NULL);
    natsConnection_ProcessDetachedEvent(NULL);
    natsConnection_ProcessCloseEvent(NULL);
    // The library closes its own sockets, so this only marks it released.
    natsConnection_ProcessCloseEvent(&sock);
    CHECK_INT(sock, -1);

    // Without an event loop the read and write calls do nothing.
    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    natsConnection_ProcessReadEvent(nc);
    natsConnection_ProcessWriteEvent(nc);
    CHECK_OK(natsConnection_Flush(nc));
    natsConnection_Destroy(nc);
}

// Returns the number of threads in this process.
static int
thread_count(void)
{
    DIR             *dir   = opendir("/proc/self/task");
    struct dirent   *entry = NULL;
    int             count  = 0;

    if (dir == NULL)
        return -1;
    while ((entry = readdir(dir)) != NULL)
    {
        if (entry->d_name[0] != '.')
            count++;
    }
    closedir(dir);
    return count;
}

static void
test_close_ends_threads(void)
{
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;

    atomic_store(&received, 0);
    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "config.close", on_msg, NULL));
    CHECK_OK(natsConnection_PublishString(nc, "config.close", "x"));
    CHECK(tu_wait_for_count(&received, 1, 5000));
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);

    // With every connection destroyed, nats_Close waits for the library's
    // threads, so only the main thread is left when it returns.
    nats_Close();
    CHECK_INT(thread_count(), 1);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_open_with_config_uses_pool);
    RUN_TEST(test_event_loop_calls_tolerate_misuse);
    CHECK_OK(nats_CloseAndWait(5000));

    CHECK_OK(nats_Open(-1));
    RUN_TEST(test_close_ends_threads);
    return tu_finish();
}
