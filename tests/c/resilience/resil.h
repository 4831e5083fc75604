// Test framework for the connection-resilience C programs.
//
// Each program defines `static void test_xxx(void)` functions, runs them with
// RUN_TEST() and returns rs_finish() from main(). A failed check prints
// `FAIL <test>: <expression> (file:line)`. rs_finish() prints
// `N passed, N failed` (with `, N skipped` when a test skipped itself),
// counting tests rather than checks, and returns non-zero if any failed.
//
// The programs run under the harness in tests/cluster/mod.rs, which owns the
// nats-server processes. rs_ctl() requests that it kill, restart, stop
// (SIGSTOP), resume or lame-duck one of them. It prints `CTL <command>` on
// stdout and reads `OK` or `ERR <reason>` from stdin.
//
// The programs build against this repository's headers (cnats 3.13 API) and
// against Debian's cnats 3.4.1, so that a check can be compared with the
// original library. Checks of 3.13-only API are wrapped in `#if RS_CNATS_3_13`.

#ifndef NATS_C_RESILIENCE_RESIL_H_
#define NATS_C_RESILIENCE_RESIL_H_

#include <nats/nats.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if defined(NATS_VERSION_NUMBER)
#define RS_CNATS_3_13 (NATS_VERSION_NUMBER >= 0x030D00)
#else
#define RS_CNATS_3_13 1
#endif

#define RS_UNUSED __attribute__((unused))

static const char *volatile rs_test_name = "(none)";
static atomic_int rs_test_failures;
static int rs_tests_passed;
static int rs_tests_failed;
static int rs_tests_skipped;
static bool rs_test_skipped;

// Returns the text of a status, or a placeholder for values that the
// header's version does not define (natsStatus_GetText would read out of
// bounds). NATS_MISSED_HEARTBEAT (36) is the last status of cnats 3.4.1.
static RS_UNUSED const char *
rs_status_text(natsStatus s)
{
#if RS_CNATS_3_13
    const int last = 39;
#else
    const int last = 36;
#endif

    if (((int) s < 0) || ((int) s > last))
        return "(unknown status)";
    return natsStatus_GetText(s);
}

static RS_UNUSED void
rs_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    atomic_fetch_add(&rs_test_failures, 1);
    flockfile(stdout);
    printf("FAIL %s: ", rs_test_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (%s:%d)\n", file, line);
    fflush(stdout);
    funlockfile(stdout);
}

// Prints an informational line (measurements, counts) under the test name.
static RS_UNUSED void
rs_note(const char *fmt, ...)
{
    va_list ap;

    flockfile(stdout);
    printf("note %s: ", rs_test_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    funlockfile(stdout);
}

#define CHECK(expr) \
    do \
    { \
        if (!(expr)) \
            rs_fail(__FILE__, __LINE__, "%s", #expr); \
    } while (0)

// Checks a boolean and prints a formatted explanation when it is false.
#define CHECK_MSG(expr, ...) \
    do \
    { \
        if (!(expr)) \
        { \
            char _rs_buf[512]; \
            snprintf(_rs_buf, sizeof(_rs_buf), __VA_ARGS__); \
            rs_fail(__FILE__, __LINE__, "%s: %s", #expr, _rs_buf); \
        } \
    } while (0)

#define CHECK_STATUS(expr, expected) \
    do \
    { \
        natsStatus _rs_got = (expr); \
        natsStatus _rs_exp = (expected); \
        if (_rs_got != _rs_exp) \
        { \
            rs_fail(__FILE__, __LINE__, "%s == %s (got %d '%s', expected %d '%s')", \
                    #expr, #expected, (int) _rs_got, rs_status_text(_rs_got), \
                    (int) _rs_exp, rs_status_text(_rs_exp)); \
        } \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS((expr), NATS_OK)

#define CHECK_INT(actual, expected) \
    do \
    { \
        long long _rs_a = (long long) (actual); \
        long long _rs_e = (long long) (expected); \
        if (_rs_a != _rs_e) \
        { \
            rs_fail(__FILE__, __LINE__, "%s == %s (got %lld, expected %lld)", \
                    #actual, #expected, _rs_a, _rs_e); \
        } \
    } while (0)

#define CHECK_STR(actual, expected) \
    do \
    { \
        const char *_rs_a = (actual); \
        const char *_rs_e = (expected); \
        if ((_rs_a == NULL) || (_rs_e == NULL) || (strcmp(_rs_a, _rs_e) != 0)) \
        { \
            rs_fail(__FILE__, __LINE__, "%s == \"%s\" (got %s%s%s)", #actual, \
                    (_rs_e == NULL ? "(null)" : _rs_e), (_rs_a == NULL ? "" : "\""), \
                    (_rs_a == NULL ? "NULL" : _rs_a), (_rs_a == NULL ? "" : "\"")); \
        } \
    } while (0)

// Evaluates a natsStatus expression and fails the test (returning from the
// test function) unless it is NATS_OK. For setup steps whose failure makes
// the rest of the test meaningless.
#define REQUIRE_OK(expr) \
    do \
    { \
        natsStatus _rs_s = (expr); \
        if (_rs_s != NATS_OK) \
        { \
            rs_fail(__FILE__, __LINE__, "%s == NATS_OK (got %d '%s': %s)", #expr, \
                    (int) _rs_s, rs_status_text(_rs_s), nats_GetLastError(NULL)); \
            goto cleanup; \
        } \
    } while (0)

#define REQUIRE(expr) \
    do \
    { \
        if (!(expr)) \
        { \
            rs_fail(__FILE__, __LINE__, "%s", #expr); \
            goto cleanup; \
        } \
    } while (0)

static RS_UNUSED void
rs_watchdog_fired(int sig)
{
    const char  *prefix = "FAIL watchdog: test did not finish in time: ";
    const char  *name   = rs_test_name;

    // Only async-signal-safe calls here.
    if (write(STDOUT_FILENO, prefix, strlen(prefix)) < 0)
        _exit(3);
    if (write(STDOUT_FILENO, name, strlen(name)) < 0)
        _exit(3);
    if (write(STDOUT_FILENO, "\n", 1) < 0)
        _exit(3);
    _exit(3);
}

// Arms an alarm that names the running test if the program hangs. The
// harness sets NATS_TEST_C_WATCHDOG_SECS a little below its own timeout.
static RS_UNUSED void
rs_start_watchdog(void)
{
    const char  *env  = getenv("NATS_TEST_C_WATCHDOG_SECS");
    int         secs  = (env != NULL ? atoi(env) : 0);

    if (secs <= 0)
        secs = 55;
    signal(SIGALRM, rs_watchdog_fired);
    alarm((unsigned) secs);
}

static RS_UNUSED void
rs_run(const char *name, void (*fn)(void))
{
    rs_test_name = name;
    rs_test_skipped = false;
    atomic_store(&rs_test_failures, 0);
    printf("run  %s\n", name);
    fflush(stdout);

    fn();

    if (rs_test_skipped && (atomic_load(&rs_test_failures) == 0))
        rs_tests_skipped++;
    else if (atomic_load(&rs_test_failures) == 0)
    {
        rs_tests_passed++;
        printf("ok   %s\n", name);
    }
    else
    {
        rs_tests_failed++;
        printf("FAILED %s\n", name);
    }
    fflush(stdout);
    rs_test_name = "(between tests)";
}

#define RUN_TEST(fn) rs_run(#fn, fn)

static RS_UNUSED void
rs_skip(const char *reason)
{
    rs_test_skipped = true;
    printf("skip %s: %s\n", rs_test_name, reason);
    fflush(stdout);
}

static RS_UNUSED int
rs_finish(void)
{
    if (rs_tests_skipped > 0)
        printf("%d passed, %d failed, %d skipped\n", rs_tests_passed, rs_tests_failed,
               rs_tests_skipped);
    else
        printf("%d passed, %d failed\n", rs_tests_passed, rs_tests_failed);
    fflush(stdout);
    return (rs_tests_failed == 0 ? 0 : 1);
}

// Opens the library (as programs should before any other call) and arms the
// watchdog. Exits with a failure summary if nats_Open fails.
static RS_UNUSED void
rs_init(void)
{
    natsStatus s;

    setvbuf(stdout, NULL, _IOLBF, 0);
    rs_start_watchdog();
    s = nats_Open(-1);
    if (s != NATS_OK)
    {
        printf("FAIL setup: nats_Open(-1) returned %d '%s'\n", (int) s, rs_status_text(s));
        printf("0 passed, 1 failed\n");
        exit(1);
    }
}

// Returns argv[index], or exits with a usage message if it is missing.
static RS_UNUSED const char *
rs_arg(int argc, char **argv, int index, const char *usage)
{
    if (index >= argc)
    {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        exit(2);
    }
    return argv[index];
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

// Milliseconds on a monotonic clock, independent of the library under test.
static RS_UNUSED int64_t
rs_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((int64_t) ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

static RS_UNUSED void
rs_sleep_ms(int64_t ms)
{
    struct timespec ts;

    ts.tv_sec  = (time_t) (ms / 1000);
    ts.tv_nsec = (long) ((ms % 1000) * 1000000);
    nanosleep(&ts, NULL);
}

// Polls an atomic counter until it reaches `target` or `timeout_ms` passes.
// Returns true if the target was reached.
static RS_UNUSED bool
rs_wait_count(atomic_int *counter, int target, int64_t timeout_ms)
{
    int64_t deadline = rs_now_ms() + timeout_ms;

    while (atomic_load(counter) < target)
    {
        if (rs_now_ms() >= deadline)
            return false;
        rs_sleep_ms(2);
    }
    return true;
}

// Polls until the connection reaches `status` or `timeout_ms` passes.
static RS_UNUSED bool
rs_wait_conn_status(natsConnection *nc, natsConnStatus status, int64_t timeout_ms)
{
    int64_t deadline = rs_now_ms() + timeout_ms;

    while (natsConnection_Status(nc) != status)
    {
        if (rs_now_ms() >= deadline)
            return false;
        rs_sleep_ms(2);
    }
    return true;
}

// ---------------------------------------------------------------------------
// Server control through the harness
// ---------------------------------------------------------------------------

static pthread_mutex_t rs_ctl_mutex = PTHREAD_MUTEX_INITIALIZER;

// Sends one control command (for example "kill 0", "restart 1", "stop 0",
// "cont 0", "ldm 2", "wait_ready") and waits for the harness to carry it
// out. Returns true on `OK`; otherwise prints the reason as a failure.
static RS_UNUSED bool
rs_ctl(const char *fmt, ...)
{
    char        command[128];
    char        response[1024];
    va_list     ap;
    bool        ok = false;

    va_start(ap, fmt);
    vsnprintf(command, sizeof(command), fmt, ap);
    va_end(ap);

    if (getenv("NATS_RESILIENCE_CONTROL") == NULL)
    {
        rs_fail(__FILE__, __LINE__, "control command `%s` needs the harness in "
                "tests/cluster/mod.rs (NATS_RESILIENCE_CONTROL is not set)", command);
        return false;
    }

    pthread_mutex_lock(&rs_ctl_mutex);
    flockfile(stdout);
    printf("CTL %s\n", command);
    fflush(stdout);
    funlockfile(stdout);
    if (fgets(response, sizeof(response), stdin) == NULL)
    {
        rs_fail(__FILE__, __LINE__, "no response to control command `%s`", command);
    }
    else
    {
        response[strcspn(response, "\r\n")] = '\0';
        ok = (strcmp(response, "OK") == 0);
        if (!ok)
            rs_fail(__FILE__, __LINE__, "control command `%s` failed: %s", command, response);
    }
    pthread_mutex_unlock(&rs_ctl_mutex);
    return ok;
}

// ---------------------------------------------------------------------------
// Connection event recorder
// ---------------------------------------------------------------------------

#define RS_MAX_EVENTS 256

// Connection and error callbacks record into this. Events is a string of
// one letter per callback in the order they ran: C connected,
// D disconnected, R reconnected, X closed, S discovered servers, L lame
// duck mode, E error handler.
typedef struct
{
    pthread_mutex_t mu;
    char            events[RS_MAX_EVENTS + 1];
    int             count;
    atomic_int      connected;
    atomic_int      disconnected;
    atomic_int      reconnected;
    atomic_int      closed;
    atomic_int      discovered;
    atomic_int      lame_duck;
    atomic_int      errors;
    atomic_int      slow_consumer_errors;
    // Status of the last error-handler call.
    atomic_int      last_error;
    // Set when any callback ran on the thread that created the recorder.
    atomic_int      on_caller_thread;
    pthread_t       caller;
    // Monotonic time (ms) of the last disconnected and reconnected event.
    _Atomic int64_t disconnected_at;
    _Atomic int64_t reconnected_at;

} rsEvents;

static RS_UNUSED void
rs_events_init(rsEvents *ev)
{
    memset(ev, 0, sizeof(*ev));
    pthread_mutex_init(&ev->mu, NULL);
    ev->caller = pthread_self();
}

static RS_UNUSED void
rs_events_destroy(rsEvents *ev)
{
    pthread_mutex_destroy(&ev->mu);
}

static RS_UNUSED void
rs_events_add(rsEvents *ev, char letter)
{
    if (pthread_equal(pthread_self(), ev->caller))
        atomic_store(&ev->on_caller_thread, 1);
    pthread_mutex_lock(&ev->mu);
    if (ev->count < RS_MAX_EVENTS)
    {
        ev->events[ev->count++] = letter;
        ev->events[ev->count] = '\0';
    }
    pthread_mutex_unlock(&ev->mu);
}

// Copies the event letters recorded so far into `buf`.
static RS_UNUSED void
rs_events_copy(rsEvents *ev, char *buf, size_t size)
{
    pthread_mutex_lock(&ev->mu);
    snprintf(buf, size, "%s", ev->events);
    pthread_mutex_unlock(&ev->mu);
}

static RS_UNUSED void
rs_on_connected(natsConnection *nc, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    rs_events_add(ev, 'C');
    atomic_fetch_add(&ev->connected, 1);
}

static RS_UNUSED void
rs_on_disconnected(natsConnection *nc, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    atomic_store(&ev->disconnected_at, rs_now_ms());
    rs_events_add(ev, 'D');
    atomic_fetch_add(&ev->disconnected, 1);
}

static RS_UNUSED void
rs_on_reconnected(natsConnection *nc, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    atomic_store(&ev->reconnected_at, rs_now_ms());
    rs_events_add(ev, 'R');
    atomic_fetch_add(&ev->reconnected, 1);
}

static RS_UNUSED void
rs_on_closed(natsConnection *nc, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    rs_events_add(ev, 'X');
    atomic_fetch_add(&ev->closed, 1);
}

static RS_UNUSED void
rs_on_discovered(natsConnection *nc, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    rs_events_add(ev, 'S');
    atomic_fetch_add(&ev->discovered, 1);
}

static RS_UNUSED void
rs_on_lame_duck(natsConnection *nc, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    rs_events_add(ev, 'L');
    atomic_fetch_add(&ev->lame_duck, 1);
}

static RS_UNUSED void
rs_on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    rsEvents *ev = (rsEvents *) closure;

    atomic_store(&ev->last_error, (int) err);
    if (err == NATS_SLOW_CONSUMER)
        atomic_fetch_add(&ev->slow_consumer_errors, 1);
    rs_events_add(ev, 'E');
    atomic_fetch_add(&ev->errors, 1);
}

// Sets every connection callback of `opts` to the recorder's handlers.
static RS_UNUSED natsStatus
rs_set_event_callbacks(natsOptions *opts, rsEvents *ev)
{
    natsStatus s = NATS_OK;

    s = natsOptions_SetDisconnectedCB(opts, rs_on_disconnected, ev);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(opts, rs_on_reconnected, ev);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(opts, rs_on_closed, ev);
    if (s == NATS_OK)
        s = natsOptions_SetDiscoveredServersCB(opts, rs_on_discovered, ev);
    if (s == NATS_OK)
        s = natsOptions_SetLameDuckModeCB(opts, rs_on_lame_duck, ev);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(opts, rs_on_error, ev);
    return s;
}

// Sets the server pool of `opts` from a comma-separated URL list. cnats's
// natsOptions_SetURL takes one URL only; lists go through SetServers.
static RS_UNUSED natsStatus
rs_set_servers(natsOptions *opts, const char *urls)
{
    char        *copy   = strdup(urls);
    const char  *list[16];
    int         count   = 0;
    char        *save   = NULL;
    char        *token;
    natsStatus  s;

    if (copy == NULL)
        return NATS_NO_MEMORY;
    for (token = strtok_r(copy, ",", &save); (token != NULL) && (count < 16);
         token = strtok_r(NULL, ",", &save))
    {
        list[count++] = token;
    }
    s = natsOptions_SetServers(opts, list, count);
    free(copy);
    return s;
}

// Creates options for `urls` (comma-separated) with the recorder's
// callbacks (when `ev` is not NULL), no randomization, unlimited reconnect
// attempts and a 100 ms reconnect wait without jitter, so that tests
// reconnect quickly and predictably.
static RS_UNUSED natsStatus
rs_create_options(natsOptions **out, const char *urls, rsEvents *ev)
{
    natsOptions *opts = NULL;
    natsStatus  s     = natsOptions_Create(&opts);

    if (s == NATS_OK)
        s = rs_set_servers(opts, urls);
    if (s == NATS_OK)
        s = natsOptions_SetNoRandomize(opts, true);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(opts, 100);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(opts, 0, 0);
    if ((s == NATS_OK) && (ev != NULL))
        s = rs_set_event_callbacks(opts, ev);
    if (s != NATS_OK)
        natsOptions_Destroy(opts);
    else
        *out = opts;
    return s;
}

// Closes and destroys a connection whose callbacks record into `ev`, after
// waiting (at most 5 s) for its closed callback. Callbacks run on library
// threads and may still be queued when natsConnection_Close returns, while
// `ev` usually lives on the test's stack. Fails the test if the closed
// callback does not run. Accepts a NULL connection.
static RS_UNUSED void
rs_destroy_conn(natsConnection *nc, rsEvents *ev)
{
    int closed_before;

    if (nc == NULL)
        return;
    closed_before = atomic_load(&ev->closed);
    natsConnection_Close(nc);
    if ((closed_before == 0) && !rs_wait_count(&ev->closed, 1, 5000))
        rs_fail(__FILE__, __LINE__, "the closed callback did not run within 5 s of "
                "natsConnection_Close");
    natsConnection_Destroy(nc);
}

// ---------------------------------------------------------------------------
// Message counting
// ---------------------------------------------------------------------------

// Records the numbers carried by messages whose payload is a decimal
// sequence number, and counts duplicates (a number seen before) and
// out-of-order arrivals (a new number below the highest seen so far).
typedef struct
{
    pthread_mutex_t mu;
    atomic_int      received;
    int             duplicates;
    int             out_of_order;
    int64_t         last;
    int             capacity;
    // seen[n] counts arrivals of number n (0 <= n < capacity).
    int             *seen;
    // Numbers outside [0, capacity), or payloads that are not numbers.
    int             unexpected;
    // Optional: sleep this many ms in each callback (a slow subscriber).
    int             delay_ms;

} rsSequence;

static RS_UNUSED void
rs_sequence_init(rsSequence *seq, int capacity)
{
    memset(seq, 0, sizeof(*seq));
    pthread_mutex_init(&seq->mu, NULL);
    seq->capacity = capacity;
    seq->seen = calloc((size_t) capacity, sizeof(int));
    seq->last = -1;
}

static RS_UNUSED void
rs_sequence_destroy(rsSequence *seq)
{
    free(seq->seen);
    seq->seen = NULL;
    pthread_mutex_destroy(&seq->mu);
}

static RS_UNUSED void
rs_sequence_record(rsSequence *seq, const char *data, int len)
{
    char    text[256];
    char    *end = NULL;
    long    n;

    if ((len <= 0) || (len >= (int) sizeof(text)))
    {
        pthread_mutex_lock(&seq->mu);
        seq->unexpected++;
        pthread_mutex_unlock(&seq->mu);
        atomic_fetch_add(&seq->received, 1);
        return;
    }
    memcpy(text, data, (size_t) len);
    text[len] = '\0';
    n = strtol(text, &end, 10);

    pthread_mutex_lock(&seq->mu);
    if ((end == text) || (*end != '\0') || (n < 0) || (n >= seq->capacity))
        seq->unexpected++;
    else
    {
        if (seq->seen[n] > 0)
            seq->duplicates++;
        else if (n < seq->last)
            seq->out_of_order++;
        seq->seen[n]++;
        if (n > seq->last)
            seq->last = n;
    }
    pthread_mutex_unlock(&seq->mu);
    atomic_fetch_add(&seq->received, 1);
}

// Message callback that records the sequence number in the payload.
static RS_UNUSED void
rs_on_sequence_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    rsSequence *seq = (rsSequence *) closure;

    if (seq->delay_ms > 0)
        rs_sleep_ms(seq->delay_ms);
    rs_sequence_record(seq, natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

// Returns how many numbers in [from, to) were never received.
static RS_UNUSED int
rs_sequence_missing(rsSequence *seq, int from, int to)
{
    int missing = 0;
    int i;

    pthread_mutex_lock(&seq->mu);
    for (i = from; (i < to) && (i < seq->capacity); i++)
    {
        if (seq->seen[i] == 0)
            missing++;
    }
    pthread_mutex_unlock(&seq->mu);
    return missing;
}

// Publishes the decimal text of `n` on `subject`.
static RS_UNUSED natsStatus
rs_publish_number(natsConnection *nc, const char *subject, int n)
{
    char text[32];

    snprintf(text, sizeof(text), "%d", n);
    return natsConnection_PublishString(nc, subject, text);
}

// ---------------------------------------------------------------------------
// Fake TCP servers
// ---------------------------------------------------------------------------

// A loopback TCP listener run by a thread. With `handler` NULL it accepts
// each connection, counts it and closes it at once (a server that always
// fails the NATS handshake). Otherwise it runs `handler` on each accepted
// socket, one connection at a time, in the listener's thread.
typedef struct rsListener rsListener;

typedef void (*rsConnHandler)(rsListener *l, int fd, int index);

struct rsListener
{
    int             fd;
    int             port;
    pthread_t       thread;
    atomic_int      accepted;
    atomic_int      stop;
    // When positive, connections past this many wait in the backlog
    // until the test raises it or sets it to 0 (no limit).
    atomic_int      max_accepts;
    rsConnHandler   handler;
    void            *closure;
    // Position of each accepted connection among the accepts of all
    // listeners of the program (0 first), for ordering checks.
    int             accept_order[64];
};

static atomic_int rs_accepts_of_all_listeners;

static RS_UNUSED void *
rs_listener_run(void *arg)
{
    rsListener *l = (rsListener *) arg;

    while (!atomic_load(&l->stop))
    {
        struct timeval  tv = { 0, 50000 };
        fd_set          set;
        int             fd;
        int             n;

        if ((atomic_load(&l->max_accepts) > 0)
            && (atomic_load(&l->accepted) >= atomic_load(&l->max_accepts)))
        {
            rs_sleep_ms(5);
            continue;
        }
        FD_ZERO(&set);
        FD_SET(l->fd, &set);
        if (select(l->fd + 1, &set, NULL, NULL, &tv) <= 0)
            continue;
        fd = accept(l->fd, NULL, NULL);
        if (fd < 0)
            continue;
        n = atomic_fetch_add(&l->accepted, 1);
        if (n < 64)
            l->accept_order[n] = atomic_fetch_add(&rs_accepts_of_all_listeners, 1);
        if (l->handler != NULL)
            l->handler(l, fd, n);
        close(fd);
    }
    return NULL;
}

// Starts a listener on 127.0.0.1 with a port chosen by the kernel.
static RS_UNUSED bool
rs_listener_start(rsListener *l, rsConnHandler handler, void *closure)
{
    struct sockaddr_in  addr;
    socklen_t           len = sizeof(addr);
    int                 one = 1;

    memset(l, 0, sizeof(*l));
    l->handler = handler;
    l->closure = closure;
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (l->fd < 0)
        return false;
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if ((bind(l->fd, (struct sockaddr *) &addr, sizeof(addr)) != 0)
        || (listen(l->fd, 16) != 0)
        || (getsockname(l->fd, (struct sockaddr *) &addr, &len) != 0))
    {
        close(l->fd);
        return false;
    }
    l->port = ntohs(addr.sin_port);
    if (pthread_create(&l->thread, NULL, rs_listener_run, l) != 0)
    {
        close(l->fd);
        return false;
    }
    return true;
}

static RS_UNUSED void
rs_listener_stop(rsListener *l)
{
    atomic_store(&l->stop, 1);
    pthread_join(l->thread, NULL);
    close(l->fd);
}

// Writes all of `text` to a socket. Returns false on error.
static RS_UNUSED bool
rs_send_all(int fd, const char *text)
{
    size_t  len = strlen(text);
    size_t  off = 0;

    while (off < len)
    {
        ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        off += (size_t) n;
    }
    return true;
}

// Buffered reader for the socket of a fake server's connection.
typedef struct
{
    int     fd;
    char    buf[65536];
    size_t  len;

} rsFakeConn;

// Reads one CRLF-terminated line (returned without the CRLF) into `line`,
// waiting at most `timeout_ms`. Returns 1 for a line, 0 on timeout (any
// partial line stays buffered) and -1 when the peer closed or on error.
// A line longer than `size` is truncated.
static RS_UNUSED int
rs_fake_read_line(rsFakeConn *c, char *line, size_t size, int64_t timeout_ms)
{
    int64_t deadline = rs_now_ms() + timeout_ms;

    for (;;)
    {
        char            *nl = memchr(c->buf, '\n', c->len);
        struct timeval  tv;
        fd_set          set;
        int64_t         left;
        ssize_t         n;

        if (nl != NULL)
        {
            size_t  used = (size_t) (nl - c->buf) + 1;
            size_t  text = used - 1;

            if ((text > 0) && (c->buf[text - 1] == '\r'))
                text--;
            if (text >= size)
                text = size - 1;
            memcpy(line, c->buf, text);
            line[text] = '\0';
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            return 1;
        }
        if (c->len == sizeof(c->buf))
            return -1;
        left = deadline - rs_now_ms();
        if (left <= 0)
            return 0;
        tv.tv_sec = (time_t) (left / 1000);
        tv.tv_usec = (suseconds_t) ((left % 1000) * 1000);
        FD_ZERO(&set);
        FD_SET(c->fd, &set);
        n = select(c->fd + 1, &set, NULL, NULL, &tv);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n <= 0)
            return -1;
        c->len += (size_t) n;
    }
}

// Sends the INFO line that a fake server greets a client with.
static RS_UNUSED bool
rs_fake_send_info(int fd, int port)
{
    char info[256];

    snprintf(info, sizeof(info),
             "INFO {\"server_id\":\"FAKE\",\"version\":\"2.15.1\",\"proto\":1,"
             "\"host\":\"127.0.0.1\",\"port\":%d,\"headers\":true,"
             "\"max_payload\":1048576}\r\n", port);
    return rs_send_all(fd, info);
}

#endif // NATS_C_RESILIENCE_RESIL_H_
