/*
 * Benchmarks of a NATS C client library through the cnats API.
 *
 * The same source is built once per library under test, so the binaries
 * differ only by the nats.h and libnats they were built against. It calls
 * only functions that cnats 3.4.1 declares. Each subcommand runs one
 * scenario against the server at URL and prints its figures on standard
 * output as
 *
 *     RESULT <scenario> <metric> <value>
 *
 * A scenario that passes its time limit prints
 * "RESULT <scenario> timeout <seconds>" and exits with status 2. Any other
 * failure is described on standard error, and the exit status is 1.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#define EXIT_FAILED 1
#define EXIT_TIMEOUT 2

#define DEFAULT_TIMEOUT_S 60

/* SIGALRM ends a process stuck inside a library call this many seconds
   after the scenario's own deadline has passed. */
#define ALARM_GRACE_S 10

/* Time allowed for destroying the objects and closing the library once the
   figures are printed. */
#define TEARDOWN_LIMIT_S 10

/* Connect timeout, and the time each request waits for its reply. */
#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 5000

/* Requests sent before timing starts, so that the first request's setup
   (the reply subscription) is not counted. */
#define REQUEST_WARMUP 20

/* Maximum sleep of a thread that waits for deliveries before it checks the
   deadline, the connection state and the dropped counts again. */
#define WAIT_SLICE_NS 100000000

/* The time a freshly made connection is given to start its threads before
   its memory is read. */
#define MEMORY_SETTLE_NS 200000000

/* Publish loops read the clock once per this many messages. */
#define DEADLINE_CHECK_MASK 1023

#define SUBJECT_PUBLISH "bench.pub"
#define SUBJECT_DELIVERY "bench.delivery"
#define SUBJECT_REQUEST "bench.request"
#define QUEUE_GROUP "bench.workers"

#define MAX_SUBSCRIBERS 1000
#define MAX_PAYLOAD_SIZE (1024 * 1024)

static const char *server_url;
static int timeout_s = DEFAULT_TIMEOUT_S;
static int64_t deadline_ns;
static char scenario[64];
static char timeout_line[128];

/* Message that the SIGALRM handler writes, and its file descriptor. */
static int alarm_fd = STDOUT_FILENO;
static char alarm_message[192];

/* Written by the library's callback threads. */
static int disconnect_count;
static int async_error_count;
static int last_async_error;

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { ns / 1000000000, ns % 1000000000 };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    {
    }
}

static void on_alarm(int signal_number)
{
    ssize_t written;

    (void) signal_number;
    written = write(alarm_fd, alarm_message, strlen(alarm_message));
    (void) written;
    _exit(EXIT_TIMEOUT);
}

/* Names the running scenario and starts its time limit. */
static void start_scenario(const char *name)
{
    snprintf(scenario, sizeof(scenario), "%s", name);
    snprintf(timeout_line, sizeof(timeout_line), "RESULT %s timeout %d\n", scenario, timeout_s);
    snprintf(alarm_message, sizeof(alarm_message), "%s", timeout_line);
    deadline_ns = now_ns() + (int64_t) timeout_s * 1000000000;
    signal(SIGALRM, on_alarm);
    alarm((unsigned) (timeout_s + ALARM_GRACE_S));
}

static void exit_timeout(void)
{
    fputs(timeout_line, stdout);
    fflush(NULL);
    _exit(EXIT_TIMEOUT);
}

/* Ends the process when the scenario's deadline has passed. */
static void check_deadline(void)
{
    if (now_ns() > deadline_ns)
    {
        exit_timeout();
    }
}

/* _exit skips the library's exit handlers, which must not hang a failed run. */
static void exit_failed(void)
{
    fflush(NULL);
    _exit(EXIT_FAILED);
}

static void check_status(natsStatus status, const char *call)
{
    const char *detail;

    if (status == NATS_OK)
    {
        return;
    }
    fprintf(stderr, "%s: %s failed: %s\n", scenario, call, natsStatus_GetText(status));
    detail = nats_GetLastError(NULL);
    if (detail != NULL && detail[0] != '\0')
    {
        fprintf(stderr, "%s: last error: %s\n", scenario, detail);
    }
    exit_failed();
}

static void *allocate(size_t size)
{
    void *memory = calloc(1, size);

    if (memory == NULL)
    {
        fprintf(stderr, "%s: out of memory allocating %zu bytes\n", scenario, size);
        exit_failed();
    }
    return memory;
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus status,
                           void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_add_fetch(&async_error_count, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&last_async_error, (int) status, __ATOMIC_RELAXED);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    __atomic_add_fetch(&disconnect_count, 1, __ATOMIC_RELAXED);
}

/* Fails the scenario if any connection was lost, because reconnection is
   off and the figures would be meaningless. */
static void check_connections(void)
{
    if (__atomic_load_n(&disconnect_count, __ATOMIC_RELAXED) > 0)
    {
        fprintf(stderr, "%s: a connection to %s was lost\n", scenario, server_url);
        exit_failed();
    }
}

static void report_async_errors(void)
{
    int count = __atomic_load_n(&async_error_count, __ATOMIC_RELAXED);

    if (count > 0)
    {
        fprintf(stderr, "%s: %d asynchronous errors, the last: %s\n", scenario, count,
                natsStatus_GetText((natsStatus) __atomic_load_n(&last_async_error,
                                                                __ATOMIC_RELAXED)));
    }
}

/* Builds options for one connection to server_url with reconnection off,
   so that a lost connection fails the scenario. */
static natsOptions *create_options(void)
{
    natsOptions *opts = NULL;

    check_status(natsOptions_Create(&opts), "natsOptions_Create");
    check_status(natsOptions_SetURL(opts, server_url), "natsOptions_SetURL");
    check_status(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS), "natsOptions_SetTimeout");
    check_status(natsOptions_SetAllowReconnect(opts, false), "natsOptions_SetAllowReconnect");
    check_status(natsOptions_SetErrorHandler(opts, on_async_error, NULL),
                 "natsOptions_SetErrorHandler");
    check_status(natsOptions_SetDisconnectedCB(opts, on_disconnected, NULL),
                 "natsOptions_SetDisconnectedCB");
    return opts;
}

static natsConnection *connect_to_server(void)
{
    natsOptions *opts = create_options();
    natsConnection *nc = NULL;

    check_status(natsConnection_Connect(&nc, opts), "natsConnection_Connect");
    natsOptions_Destroy(opts);
    return nc;
}

/* Flushes with whatever time is left before the deadline. */
static void flush_before_deadline(natsConnection *nc)
{
    int64_t remaining_ms = (deadline_ns - now_ns()) / 1000000;
    natsStatus status;

    if (remaining_ms <= 0)
    {
        exit_timeout();
    }
    status = natsConnection_FlushTimeout(nc, remaining_ms);
    if (status == NATS_TIMEOUT)
    {
        exit_timeout();
    }
    check_status(status, "natsConnection_FlushTimeout");
}

static char *create_payload(int size)
{
    char *payload = allocate((size_t) size + 1);

    for (int i = 0; i < size; i++)
    {
        payload[i] = (char) ('a' + i % 26);
    }
    return payload;
}

static void publish_messages(natsConnection *nc, const char *subject, const char *payload,
                             int size, long count)
{
    for (long i = 0; i < count; i++)
    {
        check_status(natsConnection_Publish(nc, subject, payload, size),
                     "natsConnection_Publish");
        if ((i & DEADLINE_CHECK_MASK) == 0)
        {
            check_deadline();
        }
    }
}

static void print_result(const char *metric, double value)
{
    printf("RESULT %s %s %.3f\n", scenario, metric, value);
}

static void print_count(const char *metric, long long value)
{
    printf("RESULT %s %s %lld\n", scenario, metric, value);
}

/* Prints message and payload rates. MB is 10^6 bytes of payload, without
   the protocol framing. */
static void print_rates(const char *rate_metric, long messages, int size, int64_t elapsed_ns)
{
    double seconds = (double) elapsed_ns / 1e9;

    print_result(rate_metric, (double) messages / seconds);
    print_result("MB_per_s", (double) messages * size / seconds / 1e6);
    print_result("seconds", seconds);
}

/* Reads this process's resident set size, in KiB, from /proc/self/status. */
static long read_rss_kib(void)
{
    FILE *file = fopen("/proc/self/status", "r");
    char line[256];
    long rss_kib = -1;

    if (file == NULL)
    {
        fprintf(stderr, "%s: cannot open /proc/self/status: %s\n", scenario, strerror(errno));
        exit_failed();
    }
    while (fgets(line, sizeof(line), file) != NULL)
    {
        if (sscanf(line, "VmRSS: %ld kB", &rss_kib) == 1)
        {
            break;
        }
    }
    fclose(file);
    if (rss_kib < 0)
    {
        fprintf(stderr, "%s: no VmRSS line in /proc/self/status\n", scenario);
        exit_failed();
    }
    return rss_kib;
}

/*
 * Starts the teardown's own time limit once the figures are printed. A
 * library that hangs while destroying its objects makes the run time out,
 * with a message on standard error, after TEARDOWN_LIMIT_S seconds.
 */
static void start_teardown(void)
{
    report_async_errors();
    fflush(stdout);
    snprintf(alarm_message, sizeof(alarm_message),
             "%s: destroying the connections and closing the library took over %d s\n",
             scenario, TEARDOWN_LIMIT_S);
    alarm_fd = STDERR_FILENO;
    alarm(TEARDOWN_LIMIT_S);
}

/* --- publish only ------------------------------------------------------ */

static int run_publish(int size, long count)
{
    char name[64];
    natsConnection *nc;
    char *payload;
    int64_t start;
    int64_t elapsed;

    snprintf(name, sizeof(name), "pub_%dB", size);
    start_scenario(name);
    nc = connect_to_server();
    payload = create_payload(size);

    start = now_ns();
    publish_messages(nc, SUBJECT_PUBLISH, payload, size, count);
    flush_before_deadline(nc);
    elapsed = now_ns() - start;

    check_connections();
    print_rates("msgs_per_s", count, size, elapsed);
    start_teardown();
    natsConnection_Destroy(nc);
    free(payload);
    nats_Close();
    return 0;
}

/* --- delivery to asynchronous subscribers ------------------------------ */

/* Counts the messages that the subscribers of one scenario receive. */
struct delivery
{
    pthread_mutex_t lock;
    pthread_cond_t done;
    long expected;
    int payload_size;
    long received;
    long wrong_size;
    int64_t done_ns;
};

static void init_delivery(struct delivery *delivery, long expected, int payload_size)
{
    pthread_condattr_t attr;

    memset(delivery, 0, sizeof(*delivery));
    delivery->expected = expected;
    delivery->payload_size = payload_size;
    pthread_mutex_init(&delivery->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&delivery->done, &attr);
    pthread_condattr_destroy(&attr);
}

static void on_delivery(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct delivery *delivery = closure;
    long received;

    (void) nc;
    (void) sub;
    if (natsMsg_GetDataLength(msg) != delivery->payload_size)
    {
        __atomic_add_fetch(&delivery->wrong_size, 1, __ATOMIC_RELAXED);
    }
    natsMsg_Destroy(msg);
    received = __atomic_add_fetch(&delivery->received, 1, __ATOMIC_RELAXED);
    if (received == delivery->expected)
    {
        int64_t done_ns = now_ns();

        pthread_mutex_lock(&delivery->lock);
        delivery->done_ns = done_ns;
        pthread_cond_signal(&delivery->done);
        pthread_mutex_unlock(&delivery->lock);
    }
}

static int64_t count_dropped(natsConnection *nc, natsSubscription **subs, int count)
{
    int64_t total = 0;

    for (int i = 0; i < count; i++)
    {
        int64_t dropped = 0;
        natsStatus status = natsSubscription_GetDropped(subs[i], &dropped);

        if (status != NATS_OK && natsConnection_IsClosed(nc))
        {
            fprintf(stderr, "%s: the subscribers' connection to %s was closed\n", scenario,
                    server_url);
            exit_failed();
        }
        check_status(status, "natsSubscription_GetDropped");
        total += dropped;
    }
    return total;
}

/* Waits until every expected message was received or dropped, and returns
   the time at which that happened. */
static int64_t wait_for_delivery(struct delivery *delivery, natsConnection *nc,
                                 natsSubscription **subs, int count, int64_t *dropped)
{
    for (;;)
    {
        int64_t wake_ns = now_ns() + WAIT_SLICE_NS;
        struct timespec wake = { wake_ns / 1000000000, wake_ns % 1000000000 };
        int64_t done_ns;
        long received;

        pthread_mutex_lock(&delivery->lock);
        if (delivery->done_ns == 0)
        {
            pthread_cond_timedwait(&delivery->done, &delivery->lock, &wake);
        }
        done_ns = delivery->done_ns;
        pthread_mutex_unlock(&delivery->lock);

        /* A lost connection invalidates its subscriptions, so it is
           reported before their dropped counts are read. */
        check_connections();
        *dropped = count_dropped(nc, subs, count);
        if (done_ns != 0)
        {
            return done_ns;
        }
        received = __atomic_load_n(&delivery->received, __ATOMIC_RELAXED);
        if (received + *dropped >= delivery->expected)
        {
            return now_ns();
        }
        if (now_ns() > deadline_ns)
        {
            fprintf(stderr, "%s: received %ld and dropped %lld of %ld messages\n", scenario,
                    received, (long long) *dropped, delivery->expected);
            report_async_errors();
            exit_timeout();
        }
    }
}

/*
 * Publishes count messages on one connection to subscriber_count
 * asynchronous subscriptions that share a second connection, and times
 * from the first publish until the subscribers have received them all.
 * With a queue group each message reaches one member, otherwise every
 * subscriber receives every message.
 */
static int run_delivery(const char *name, int size, long count, int subscriber_count,
                        bool queue_group)
{
    natsConnection *sub_nc;
    natsConnection *pub_nc;
    natsSubscription **subs;
    struct delivery delivery;
    char *payload;
    long expected = queue_group ? count : count * subscriber_count;
    long received;
    long wrong_size;
    int64_t dropped;
    int64_t start;
    int64_t done;

    start_scenario(name);
    init_delivery(&delivery, expected, size);
    sub_nc = connect_to_server();
    pub_nc = connect_to_server();
    subs = allocate(sizeof(*subs) * (size_t) subscriber_count);
    for (int i = 0; i < subscriber_count; i++)
    {
        if (queue_group)
        {
            check_status(natsConnection_QueueSubscribe(&subs[i], sub_nc, SUBJECT_DELIVERY,
                                                       QUEUE_GROUP, on_delivery, &delivery),
                         "natsConnection_QueueSubscribe");
        }
        else
        {
            check_status(natsConnection_Subscribe(&subs[i], sub_nc, SUBJECT_DELIVERY,
                                                  on_delivery, &delivery),
                         "natsConnection_Subscribe");
        }
        /* The limits are finite because cnats 3.4.1 does not document what
           a negative limit means. */
        check_status(natsSubscription_SetPendingLimits(subs[i], INT_MAX, INT_MAX),
                     "natsSubscription_SetPendingLimits");
    }
    /* The server has every SUB once this returns, so none misses a message. */
    flush_before_deadline(sub_nc);
    payload = create_payload(size);

    start = now_ns();
    publish_messages(pub_nc, SUBJECT_DELIVERY, payload, size, count);
    flush_before_deadline(pub_nc);
    done = wait_for_delivery(&delivery, sub_nc, subs, subscriber_count, &dropped);

    check_connections();
    received = __atomic_load_n(&delivery.received, __ATOMIC_RELAXED);
    wrong_size = __atomic_load_n(&delivery.wrong_size, __ATOMIC_RELAXED);
    if (wrong_size > 0)
    {
        fprintf(stderr, "%s: %ld messages arrived with a payload size other than %d\n",
                scenario, wrong_size, size);
        exit_failed();
    }
    print_rates("recv_msgs_per_s", received, size, done - start);
    print_count("dropped", (long long) dropped);
    start_teardown();

    for (int i = 0; i < subscriber_count; i++)
    {
        natsSubscription_Destroy(subs[i]);
    }
    natsConnection_Destroy(pub_nc);
    natsConnection_Destroy(sub_nc);
    free(subs);
    free(payload);
    nats_Close();
    return 0;
}

/* --- request/reply ----------------------------------------------------- */

static int reply_error_count;

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    const char *reply = natsMsg_GetReply(msg);

    (void) sub;
    (void) closure;
    if (reply == NULL
        || natsConnection_Publish(nc, reply, natsMsg_GetData(msg), natsMsg_GetDataLength(msg))
               != NATS_OK)
    {
        __atomic_add_fetch(&reply_error_count, 1, __ATOMIC_RELAXED);
    }
    natsMsg_Destroy(msg);
}

static int compare_int64(const void *left, const void *right)
{
    int64_t a = *(const int64_t *) left;
    int64_t b = *(const int64_t *) right;

    return (a > b) - (a < b);
}

/* Returns the nearest-rank percentile of sorted values, in microseconds. */
static double percentile_us(const int64_t *sorted, long count, int percent)
{
    long rank = (count * percent + 99) / 100;

    if (rank < 1)
    {
        rank = 1;
    }
    return (double) sorted[rank - 1] / 1000.0;
}

static void send_request(natsConnection *nc, const char *payload, int size, long index)
{
    natsMsg *reply = NULL;
    natsStatus status;

    status = natsConnection_Request(&reply, nc, SUBJECT_REQUEST, payload, size,
                                    REQUEST_TIMEOUT_MS);
    if (status == NATS_TIMEOUT)
    {
        fprintf(stderr, "%s: request %ld got no reply within %d ms\n", scenario, index,
                REQUEST_TIMEOUT_MS);
        exit_failed();
    }
    check_status(status, "natsConnection_Request");
    if (natsMsg_GetDataLength(reply) != size)
    {
        fprintf(stderr, "%s: reply %ld has %d bytes, expected %d\n", scenario, index,
                natsMsg_GetDataLength(reply), size);
        exit_failed();
    }
    natsMsg_Destroy(reply);
}

/*
 * Sends count requests one after another with natsConnection_Request to a
 * replier that responds from an asynchronous subscription on a second
 * connection, and reports the round-trip rate and latency percentiles.
 */
static int run_request_reply(int size, long count)
{
    char name[64];
    natsConnection *replier_nc;
    natsConnection *requester_nc;
    natsSubscription *sub = NULL;
    int64_t *latencies;
    char *payload;
    int64_t start;
    int64_t elapsed;

    snprintf(name, sizeof(name), "reqrep_%dB", size);
    start_scenario(name);
    replier_nc = connect_to_server();
    requester_nc = connect_to_server();
    check_status(natsConnection_Subscribe(&sub, replier_nc, SUBJECT_REQUEST, on_request, NULL),
                 "natsConnection_Subscribe");
    flush_before_deadline(replier_nc);
    payload = create_payload(size);
    latencies = allocate(sizeof(*latencies) * (size_t) count);

    for (long i = 0; i < REQUEST_WARMUP; i++)
    {
        send_request(requester_nc, payload, size, i - REQUEST_WARMUP);
    }

    start = now_ns();
    for (long i = 0; i < count; i++)
    {
        int64_t sent = now_ns();

        if (sent > deadline_ns)
        {
            fprintf(stderr, "%s: %ld of %ld requests done\n", scenario, i, count);
            exit_timeout();
        }
        send_request(requester_nc, payload, size, i);
        latencies[i] = now_ns() - sent;
    }
    elapsed = now_ns() - start;

    check_connections();
    if (__atomic_load_n(&reply_error_count, __ATOMIC_RELAXED) > 0)
    {
        fprintf(stderr, "%s: the replier failed to respond to %d requests\n", scenario,
                __atomic_load_n(&reply_error_count, __ATOMIC_RELAXED));
        exit_failed();
    }
    qsort(latencies, (size_t) count, sizeof(*latencies), compare_int64);
    print_result("msgs_per_s", (double) count / ((double) elapsed / 1e9));
    print_result("p50_us", percentile_us(latencies, count, 50));
    print_result("p99_us", percentile_us(latencies, count, 99));
    start_teardown();

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(requester_nc);
    natsConnection_Destroy(replier_nc);
    free(latencies);
    free(payload);
    nats_Close();
    return 0;
}

/* --- subscription churn ------------------------------------------------ */

/* Returns count distinct subject names, in one allocation of fixed-size
   slots, so that formatting them is not timed. */
static char *create_subjects(long count, size_t slot)
{
    char *subjects = allocate(slot * (size_t) count);

    for (long i = 0; i < count; i++)
    {
        snprintf(subjects + slot * (size_t) i, slot, "bench.subs.%ld", i);
    }
    return subjects;
}

static void subscribe_sync_all(natsConnection *nc, natsSubscription **subs, const char *subjects,
                               size_t slot, long count)
{
    for (long i = 0; i < count; i++)
    {
        check_status(natsConnection_SubscribeSync(&subs[i], nc, subjects + slot * (size_t) i),
                     "natsConnection_SubscribeSync");
        if ((i & DEADLINE_CHECK_MASK) == 0)
        {
            check_deadline();
        }
    }
}

/*
 * Creates count synchronous subscriptions on distinct subjects, flushes,
 * then unsubscribes and destroys them all and flushes again, so that each
 * phase ends when the server has processed it. The cycle runs repeats
 * times, and the figures are the mean of one cycle.
 */
static int run_subscriptions(long count, long repeats)
{
    const size_t slot = 32;
    char name[64];
    natsConnection *nc;
    natsSubscription **subs;
    char *subjects;
    int64_t subscribe_ns = 0;
    int64_t unsubscribe_ns = 0;

    snprintf(name, sizeof(name), "subs_%ld", count);
    start_scenario(name);
    nc = connect_to_server();
    subs = allocate(sizeof(*subs) * (size_t) count);
    subjects = create_subjects(count, slot);

    for (long cycle = 0; cycle < repeats; cycle++)
    {
        int64_t start = now_ns();
        int64_t subscribed;

        subscribe_sync_all(nc, subs, subjects, slot, count);
        flush_before_deadline(nc);
        subscribed = now_ns();
        for (long i = 0; i < count; i++)
        {
            check_status(natsSubscription_Unsubscribe(subs[i]), "natsSubscription_Unsubscribe");
            natsSubscription_Destroy(subs[i]);
            if ((i & DEADLINE_CHECK_MASK) == 0)
            {
                check_deadline();
            }
        }
        flush_before_deadline(nc);
        subscribe_ns += subscribed - start;
        unsubscribe_ns += now_ns() - subscribed;
    }

    check_connections();
    print_result("subscribe_ms", (double) subscribe_ns / 1e6 / (double) repeats);
    print_result("unsubscribe_ms", (double) unsubscribe_ns / 1e6 / (double) repeats);
    print_result("total_ms", (double) (subscribe_ns + unsubscribe_ns) / 1e6 / (double) repeats);
    start_teardown();

    natsConnection_Destroy(nc);
    free(subs);
    free(subjects);
    nats_Close();
    return 0;
}

/* --- connect and close ------------------------------------------------- */

static void connect_and_close(natsOptions *opts)
{
    natsConnection *nc = NULL;

    check_status(natsConnection_Connect(&nc, opts), "natsConnection_Connect");
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
}

/* Times cycles of natsConnection_Connect, natsConnection_Close and
   natsConnection_Destroy after one untimed warm-up cycle. */
static int run_connect(long cycles)
{
    natsOptions *opts;
    int64_t start;
    int64_t elapsed;

    start_scenario("connect_close");
    opts = create_options();
    /* Closing a connection on purpose also fires the disconnected
       callback, so this scenario does not count disconnections. */
    check_status(natsOptions_SetDisconnectedCB(opts, NULL, NULL), "natsOptions_SetDisconnectedCB");
    connect_and_close(opts);

    start = now_ns();
    for (long i = 0; i < cycles; i++)
    {
        check_deadline();
        connect_and_close(opts);
    }
    elapsed = now_ns() - start;

    print_result("us_per_cycle", (double) elapsed / 1e3 / (double) cycles);
    start_teardown();
    natsOptions_Destroy(opts);
    nats_Close();
    return 0;
}

/* --- resident memory --------------------------------------------------- */

/* Reports the resident memory added by the first and by a second idle
   connection, after the library was opened with nats_Open. */
static int run_memory_idle(void)
{
    natsConnection *first;
    natsConnection *second;
    long base_kib;
    long first_kib;
    long second_kib;

    start_scenario("mem_idle_conn");
    check_status(nats_Open(-1), "nats_Open");
    base_kib = read_rss_kib();

    first = connect_to_server();
    flush_before_deadline(first);
    sleep_ns(MEMORY_SETTLE_NS);
    first_kib = read_rss_kib();

    second = connect_to_server();
    flush_before_deadline(second);
    sleep_ns(MEMORY_SETTLE_NS);
    second_kib = read_rss_kib();

    check_connections();
    /* first_conn_KiB counts what the library sets up lazily on the first
       connection, which differs by library (cnats loads OpenSSL in
       nats_Open), so process_KiB, the whole process with one idle
       connection, is the fairer total. */
    print_count("process_KiB", first_kib);
    print_count("first_conn_KiB", first_kib - base_kib);
    print_count("second_conn_KiB", second_kib - first_kib);
    start_teardown();

    natsConnection_Destroy(second);
    natsConnection_Destroy(first);
    nats_Close();
    return 0;
}

/* Reports the resident memory added by count synchronous subscriptions on
   one connection that is already open. */
static int run_memory_subscriptions(long count)
{
    const size_t slot = 32;
    char name[64];
    natsConnection *nc;
    natsSubscription **subs;
    char *subjects;
    long base_kib;
    long added_kib;

    snprintf(name, sizeof(name), "mem_subs_%ld", count);
    start_scenario(name);
    nc = connect_to_server();
    flush_before_deadline(nc);
    subs = allocate(sizeof(*subs) * (size_t) count);
    subjects = create_subjects(count, slot);
    sleep_ns(MEMORY_SETTLE_NS);
    base_kib = read_rss_kib();

    subscribe_sync_all(nc, subs, subjects, slot, count);
    flush_before_deadline(nc);
    added_kib = read_rss_kib() - base_kib;

    check_connections();
    print_count("rss_KiB", added_kib);
    print_result("bytes_per_sub", (double) added_kib * 1024.0 / (double) count);
    start_teardown();

    for (long i = 0; i < count; i++)
    {
        natsSubscription_Destroy(subs[i]);
    }
    natsConnection_Destroy(nc);
    free(subs);
    free(subjects);
    nats_Close();
    return 0;
}

/* --- JetStream publishing ---------------------------------------------- */

/* Time each JetStream API request (stream creation and deletion) and each
   synchronous publish waits for its reply. */
#define JS_REQUEST_TIMEOUT_MS 10000

/* Publishes sent before timing starts, so that the setup of the first one
   (the reply subscription) is not counted. */
#define JS_WARMUP 100

#define JS_STREAM_NAME "BENCH_JS"
#define JS_SUBJECT "bench.js"

static int js_async_errors;
static int js_last_async_error;

/* Counts failed asynchronous publishes; the message belongs to the library. */
static void on_js_publish_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    (void) js;
    (void) closure;
    __atomic_fetch_add(&js_async_errors, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&js_last_async_error, (int) pae->Err, __ATOMIC_RELAXED);
}

/* Creates the file-storage stream the JetStream scenarios publish to,
   deleting one left behind by an earlier run that failed. */
static void create_bench_stream(jsCtx *js)
{
    jsStreamConfig config;
    const char *subjects[] = {JS_SUBJECT};
    jsErrCode error_code = 0;
    natsStatus status;

    (void) js_DeleteStream(js, JS_STREAM_NAME, NULL, NULL);
    jsStreamConfig_Init(&config);
    config.Name = JS_STREAM_NAME;
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    status = js_AddStream(NULL, js, &config, NULL, &error_code);
    if (status != NATS_OK)
    {
        fprintf(stderr, "%s: creating stream %s failed (JetStream error code %d); "
                "the server needs JetStream enabled\n", scenario, JS_STREAM_NAME,
                (int) error_code);
    }
    check_status(status, "js_AddStream");
}

/* Checks that the stream stored `expected` messages, then deletes it. */
static void check_and_delete_bench_stream(jsCtx *js, long expected)
{
    jsStreamInfo *info = NULL;
    uint64_t stored;

    check_status(js_GetStreamInfo(&info, js, JS_STREAM_NAME, NULL, NULL), "js_GetStreamInfo");
    stored = info->State.Msgs;
    jsStreamInfo_Destroy(info);
    if (stored != (uint64_t) expected)
    {
        fprintf(stderr, "%s: stream %s stored %llu messages, expected %ld\n", scenario,
                JS_STREAM_NAME, (unsigned long long) stored, expected);
        exit_failed();
    }
    check_status(js_DeleteStream(js, JS_STREAM_NAME, NULL, NULL), "js_DeleteStream");
}

static jsCtx *create_js_context(natsConnection *nc, int64_t max_pending)
{
    jsOptions options;
    jsCtx *js = NULL;

    check_status(jsOptions_Init(&options), "jsOptions_Init");
    options.Wait = JS_REQUEST_TIMEOUT_MS;
    if (max_pending > 0)
    {
        options.PublishAsync.MaxPending = max_pending;
        options.PublishAsync.ErrHandler = on_js_publish_error;
    }
    check_status(natsConnection_JetStream(&js, nc, &options), "natsConnection_JetStream");
    return js;
}

/* js_Publish in a loop: each call waits for the stream's acknowledgment. */
static int run_js_publish_sync(int size, long count)
{
    char name[64];
    natsConnection *nc;
    jsCtx *js;
    char *payload;
    int64_t start;
    int64_t elapsed;

    snprintf(name, sizeof(name), "js_pub_sync_%dB", size);
    start_scenario(name);
    nc = connect_to_server();
    js = create_js_context(nc, 0);
    create_bench_stream(js);
    payload = create_payload(size);

    for (int i = 0; i < JS_WARMUP; i++)
    {
        check_status(js_Publish(NULL, js, JS_SUBJECT, payload, size, NULL, NULL), "js_Publish");
    }
    start = now_ns();
    for (long i = 0; i < count; i++)
    {
        check_status(js_Publish(NULL, js, JS_SUBJECT, payload, size, NULL, NULL), "js_Publish");
        if ((i & DEADLINE_CHECK_MASK) == 0)
        {
            check_deadline();
        }
    }
    elapsed = now_ns() - start;

    check_connections();
    check_and_delete_bench_stream(js, count + JS_WARMUP);
    print_rates("msgs_per_s", count, size, elapsed);
    start_teardown();
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    free(payload);
    nats_Close();
    return 0;
}

/* js_PublishAsync in a loop with at most `max_pending` unacknowledged
   publishes, then js_PublishAsyncComplete. The time includes waiting for
   the last acknowledgment. */
static int run_js_publish_async(int size, long count, long max_pending)
{
    char name[64];
    natsConnection *nc;
    jsCtx *js;
    jsPubOptions complete_options;
    char *payload;
    int64_t start;
    int64_t elapsed;
    int64_t remaining_ms;
    natsStatus status;
    int errors;

    snprintf(name, sizeof(name), "js_pub_async_%dB", size);
    start_scenario(name);
    nc = connect_to_server();
    js = create_js_context(nc, max_pending);
    create_bench_stream(js);
    payload = create_payload(size);

    for (int i = 0; i < JS_WARMUP; i++)
    {
        check_status(js_PublishAsync(js, JS_SUBJECT, payload, size, NULL), "js_PublishAsync");
    }
    check_status(js_PublishAsyncComplete(js, NULL), "js_PublishAsyncComplete");
    start = now_ns();
    for (long i = 0; i < count; i++)
    {
        check_status(js_PublishAsync(js, JS_SUBJECT, payload, size, NULL), "js_PublishAsync");
        if ((i & DEADLINE_CHECK_MASK) == 0)
        {
            check_deadline();
        }
    }
    remaining_ms = (deadline_ns - now_ns()) / 1000000;
    if (remaining_ms <= 0)
    {
        exit_timeout();
    }
    check_status(jsPubOptions_Init(&complete_options), "jsPubOptions_Init");
    complete_options.MaxWait = remaining_ms;
    status = js_PublishAsyncComplete(js, &complete_options);
    if (status == NATS_TIMEOUT)
    {
        exit_timeout();
    }
    check_status(status, "js_PublishAsyncComplete");
    elapsed = now_ns() - start;

    errors = __atomic_load_n(&js_async_errors, __ATOMIC_RELAXED);
    if (errors > 0)
    {
        fprintf(stderr, "%s: %d asynchronous publishes failed, the last with: %s\n", scenario,
                errors,
                natsStatus_GetText((natsStatus) __atomic_load_n(&js_last_async_error,
                                                                __ATOMIC_RELAXED)));
        exit_failed();
    }
    check_connections();
    check_and_delete_bench_stream(js, count + JS_WARMUP);
    print_rates("msgs_per_s", count, size, elapsed);
    start_teardown();
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    free(payload);
    nats_Close();
    return 0;
}

/* --- command line ------------------------------------------------------ */

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: natsbench [-t SECONDS] URL SCENARIO [ARGS]\n"
            "\n"
            "Runs one benchmark scenario against the NATS server at URL and prints\n"
            "\"RESULT <scenario> <metric> <value>\" lines.\n"
            "\n"
            "  -t SECONDS                 time limit of the scenario (default %d)\n"
            "\n"
            "scenarios (SIZE is the payload in bytes):\n"
            "  version                    print the library version\n"
            "  pub SIZE COUNT             publish COUNT messages, then flush\n"
            "  pubsub SIZE COUNT          publish to one async subscriber\n"
            "  fanout SIZE COUNT SUBS     publish to SUBS async subscribers\n"
            "  queue SIZE COUNT MEMBERS   publish to a queue group of MEMBERS\n"
            "  reqrep SIZE COUNT          COUNT request/reply round trips\n"
            "  subs COUNT [REPEATS]       create, then unsubscribe COUNT sync subscriptions,\n"
            "                             REPEATS times (default 1); reports one cycle\n"
            "  connect CYCLES             time CYCLES connect/close cycles\n"
            "  mem_idle                   resident memory of idle connections\n"
            "  mem_subs COUNT             resident memory of COUNT sync subscriptions\n"
            "  js_pub_sync SIZE COUNT     COUNT js_Publish calls to a new file stream\n"
            "                             (the server needs JetStream)\n"
            "  js_pub_async SIZE COUNT MAX_PENDING\n"
            "                             COUNT js_PublishAsync calls with at most\n"
            "                             MAX_PENDING unacknowledged, then\n"
            "                             js_PublishAsyncComplete\n",
            DEFAULT_TIMEOUT_S);
}

static void exit_usage(const char *message, const char *value)
{
    fprintf(stderr, "natsbench: %s: %s\n\n", message, value);
    print_usage(stderr);
    exit(EXIT_FAILED);
}

static long parse_count(const char *text, long max)
{
    char *end = NULL;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1 || value > max)
    {
        char message[64];

        snprintf(message, sizeof(message), "expected an integer from 1 to %ld", max);
        exit_usage(message, text);
    }
    return value;
}

static void expect_arguments(int argc, int expected, const char *command)
{
    if (argc != expected)
    {
        exit_usage("wrong number of arguments for scenario", command);
    }
}

int main(int argc, char **argv)
{
    const char *command;
    char **args;
    int arg_count;
    int first = 1;

    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
    {
        print_usage(stdout);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "-t") == 0)
    {
        timeout_s = (int) parse_count(argv[2], 3600);
        first = 3;
    }
    if (argc - first < 2)
    {
        print_usage(stderr);
        return EXIT_FAILED;
    }
    server_url = argv[first];
    command = argv[first + 1];
    args = argv + first + 2;
    arg_count = argc - first - 2;
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (strcmp(command, "version") == 0)
    {
        expect_arguments(arg_count, 0, command);
        printf("VERSION %s\n", nats_GetVersion());
        return 0;
    }
    if (strcmp(command, "pub") == 0)
    {
        expect_arguments(arg_count, 2, command);
        return run_publish((int) parse_count(args[0], MAX_PAYLOAD_SIZE),
                           parse_count(args[1], LONG_MAX));
    }
    if (strcmp(command, "pubsub") == 0 || strcmp(command, "fanout") == 0
        || strcmp(command, "queue") == 0)
    {
        bool single = strcmp(command, "pubsub") == 0;
        int size;
        long count;
        int subscribers = 1;
        char name[64];

        expect_arguments(arg_count, single ? 2 : 3, command);
        size = (int) parse_count(args[0], MAX_PAYLOAD_SIZE);
        count = parse_count(args[1], LONG_MAX / MAX_SUBSCRIBERS);
        if (single)
        {
            snprintf(name, sizeof(name), "pubsub_%dB", size);
        }
        else
        {
            subscribers = (int) parse_count(args[2], MAX_SUBSCRIBERS);
            snprintf(name, sizeof(name), "%s_%dB_x%d", command, size, subscribers);
        }
        return run_delivery(name, size, count, subscribers, strcmp(command, "queue") == 0);
    }
    if (strcmp(command, "reqrep") == 0)
    {
        expect_arguments(arg_count, 2, command);
        return run_request_reply((int) parse_count(args[0], MAX_PAYLOAD_SIZE),
                                 parse_count(args[1], 100000000));
    }
    if (strcmp(command, "subs") == 0)
    {
        if (arg_count != 1)
        {
            expect_arguments(arg_count, 2, command);
        }
        return run_subscriptions(parse_count(args[0], 10000000),
                                 arg_count == 2 ? parse_count(args[1], 1000000) : 1);
    }
    if (strcmp(command, "connect") == 0)
    {
        expect_arguments(arg_count, 1, command);
        return run_connect(parse_count(args[0], 1000000));
    }
    if (strcmp(command, "mem_idle") == 0)
    {
        expect_arguments(arg_count, 0, command);
        return run_memory_idle();
    }
    if (strcmp(command, "mem_subs") == 0)
    {
        expect_arguments(arg_count, 1, command);
        return run_memory_subscriptions(parse_count(args[0], 10000000));
    }
    if (strcmp(command, "js_pub_sync") == 0)
    {
        expect_arguments(arg_count, 2, command);
        return run_js_publish_sync((int) parse_count(args[0], MAX_PAYLOAD_SIZE),
                                   parse_count(args[1], LONG_MAX - JS_WARMUP));
    }
    if (strcmp(command, "js_pub_async") == 0)
    {
        expect_arguments(arg_count, 3, command);
        return run_js_publish_async((int) parse_count(args[0], MAX_PAYLOAD_SIZE),
                                    parse_count(args[1], LONG_MAX - JS_WARMUP),
                                    parse_count(args[2], 1000000));
    }
    exit_usage("unknown scenario", command);
    return EXIT_FAILED;
}
