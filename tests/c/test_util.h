// Minimal test framework shared by the C API test programs.
//
// Each program defines small `static void test_xxx(void)` functions, runs
// them with RUN_TEST() and returns tu_finish() from main(). A failed check
// prints `FAIL <test>: <expression> (file:line)`. At the end, tu_finish()
// prints `N passed, N failed`, counting tests rather than checks, with
// `, N skipped` appended when a test skipped itself. It returns non-zero if
// any test failed.
//
// The programs must build against both this repository's headers (cnats
// 3.13 API) and Debian's cnats 3.4.1, which is how the tests are validated.
// Checks of behavior that only exists in, or changed for, 3.13 are wrapped
// in `#if TU_CNATS_3_13`.

#ifndef NATS_C_TEST_UTIL_H_
#define NATS_C_TEST_UTIL_H_

#include <nats/nats.h>

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(NATS_VERSION_NUMBER)
#define TU_CNATS_3_13 (NATS_VERSION_NUMBER >= 0x030D00)
#else
// Only this repository's header may lack the macro, and it targets 3.13.
// library.c reports the missing macro as a failure.
#define TU_CNATS_3_13 1
#endif

// Last natsStatus value whose text exists in every supported version
// (NATS_MISSED_HEARTBEAT, 36, is the last one in cnats 3.4.1).
#define TU_LAST_COMMON_STATUS (36)

// Marks helpers that some programs do not use, so -Werror stays quiet.
#define TU_UNUSED __attribute__((unused))

static const char *volatile tu_test_name = "(none)";
static atomic_int tu_test_failures;
static int tu_tests_passed;
static int tu_tests_failed;
static int tu_tests_skipped;
static bool tu_test_skipped;

// Returns the text of a status, or a placeholder for values the header's
// version does not define (natsStatus_GetText would read out of bounds).
static TU_UNUSED const char *
tu_status_text(natsStatus s)
{
#if TU_CNATS_3_13
    const int last = 39;
#else
    const int last = TU_LAST_COMMON_STATUS;
#endif

    if (((int) s < 0) || ((int) s > last))
        return "(unknown status)";
    return natsStatus_GetText(s);
}

static TU_UNUSED void
tu_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    atomic_fetch_add(&tu_test_failures, 1);
    flockfile(stdout);
    printf("FAIL %s: ", tu_test_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (%s:%d)\n", file, line);
    fflush(stdout);
    funlockfile(stdout);
}

// Checks a boolean expression.
#define CHECK(expr) \
    do \
    { \
        if (!(expr)) \
            tu_fail(__FILE__, __LINE__, "%s", #expr); \
    } while (0)

// Checks that a status equals the expected one, printing both on failure.
#define CHECK_STATUS(expr, expected) \
    do \
    { \
        natsStatus _tu_got = (expr); \
        natsStatus _tu_exp = (expected); \
        if (_tu_got != _tu_exp) \
        { \
            tu_fail(__FILE__, __LINE__, "%s == %s (got %d '%s', expected %d '%s')", \
                    #expr, #expected, (int) _tu_got, tu_status_text(_tu_got), \
                    (int) _tu_exp, tu_status_text(_tu_exp)); \
        } \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS((expr), NATS_OK)

// Checks that two C strings are equal; either may be NULL.
#define CHECK_STR(actual, expected) \
    do \
    { \
        const char *_tu_a = (actual); \
        const char *_tu_e = (expected); \
        if ((_tu_a == NULL) || (_tu_e == NULL) || (strcmp(_tu_a, _tu_e) != 0)) \
        { \
            tu_fail(__FILE__, __LINE__, "%s == \"%s\" (got %s%s%s)", #actual, \
                    (_tu_e == NULL ? "(null)" : _tu_e), \
                    (_tu_a == NULL ? "" : "\""), (_tu_a == NULL ? "NULL" : _tu_a), \
                    (_tu_a == NULL ? "" : "\"")); \
        } \
    } while (0)

// Checks that a C string contains a substring.
#define CHECK_CONTAINS(haystack, needle) \
    do \
    { \
        const char *_tu_h = (haystack); \
        const char *_tu_n = (needle); \
        if ((_tu_h == NULL) || (strstr(_tu_h, _tu_n) == NULL)) \
        { \
            tu_fail(__FILE__, __LINE__, "%s contains \"%s\" (got %s%s%s)", #haystack, \
                    _tu_n, (_tu_h == NULL ? "" : "\""), \
                    (_tu_h == NULL ? "NULL" : _tu_h), (_tu_h == NULL ? "" : "\"")); \
        } \
    } while (0)

// Checks that two integers are equal, printing both on failure.
#define CHECK_INT(actual, expected) \
    do \
    { \
        long long _tu_a = (long long) (actual); \
        long long _tu_e = (long long) (expected); \
        if (_tu_a != _tu_e) \
        { \
            tu_fail(__FILE__, __LINE__, "%s == %s (got %lld, expected %lld)", \
                    #actual, #expected, _tu_a, _tu_e); \
        } \
    } while (0)

static TU_UNUSED void
tu_watchdog_fired(int sig)
{
    const char  *prefix = "FAIL watchdog: test did not finish in time: ";
    const char  *name   = tu_test_name;

    // Only async-signal-safe calls here.
    if (write(STDOUT_FILENO, prefix, strlen(prefix)) < 0)
        _exit(3);
    if (write(STDOUT_FILENO, name, strlen(name)) < 0)
        _exit(3);
    if (write(STDOUT_FILENO, "\n", 1) < 0)
        _exit(3);
    _exit(3);
}

// Arms an alarm that names the running test if the program hangs. The Rust
// harness sets NATS_TEST_C_WATCHDOG_SECS a little below its own timeout.
static TU_UNUSED void
tu_start_watchdog(void)
{
    const char  *env  = getenv("NATS_TEST_C_WATCHDOG_SECS");
    int         secs  = (env != NULL ? atoi(env) : 0);

    if (secs <= 0)
        secs = 50;

    signal(SIGALRM, tu_watchdog_fired);
    alarm((unsigned) secs);
}

static TU_UNUSED void
tu_run(const char *name, void (*fn)(void))
{
    tu_test_name = name;
    tu_test_skipped = false;
    atomic_store(&tu_test_failures, 0);

    fn();

    if (tu_test_skipped && (atomic_load(&tu_test_failures) == 0))
        tu_tests_skipped++;
    else if (atomic_load(&tu_test_failures) == 0)
    {
        tu_tests_passed++;
        printf("ok   %s\n", name);
    }
    else
    {
        tu_tests_failed++;
        printf("FAILED %s\n", name);
    }
    fflush(stdout);
    tu_test_name = "(between tests)";
}

#define RUN_TEST(fn) tu_run(#fn, fn)

// Marks the running test as skipped and prints why. A skipped test counts
// as neither passed nor failed.
static TU_UNUSED void
tu_skip(const char *reason)
{
    tu_test_skipped = true;
    printf("skip %s: %s\n", tu_test_name, reason);
    fflush(stdout);
}

static TU_UNUSED int
tu_finish(void)
{
    if (tu_tests_skipped > 0)
        printf("%d passed, %d failed, %d skipped\n", tu_tests_passed, tu_tests_failed,
               tu_tests_skipped);
    else
        printf("%d passed, %d failed\n", tu_tests_passed, tu_tests_failed);
    fflush(stdout);
    return (tu_tests_failed == 0 ? 0 : 1);
}

// Initializes the library, as programs should before any other call: in
// cnats, natsMsg_Destroy() on a message created before the library was
// opened crashes.
static TU_UNUSED void
tu_open_library(void)
{
    natsStatus s = nats_Open(-1);

    if (s != NATS_OK)
    {
        printf("FAIL setup: nats_Open(-1) returned %d '%s'\n", (int) s, tu_status_text(s));
        printf("0 passed, 1 failed\n");
        exit(1);
    }
}

// Returns argv[index], or exits with a usage message if it is missing.
static TU_UNUSED const char *
tu_arg(int argc, char **argv, int index, const char *usage)
{
    if (index >= argc)
    {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        exit(2);
    }
    return argv[index];
}

// Milliseconds on a monotonic clock, independent of the library under test.
static TU_UNUSED int64_t
tu_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((int64_t) ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

static TU_UNUSED void
tu_sleep_ms(int64_t ms)
{
    struct timespec ts;

    ts.tv_sec  = (time_t) (ms / 1000);
    ts.tv_nsec = (long) ((ms % 1000) * 1000000);
    nanosleep(&ts, NULL);
}

// Polls an atomic counter until it reaches `target` or `timeout_ms` passes.
// Returns true if the target was reached.
static TU_UNUSED bool
tu_wait_for_count(atomic_int *counter, int target, int64_t timeout_ms)
{
    int64_t deadline = tu_now_ms() + timeout_ms;

    while (atomic_load(counter) < target)
    {
        if (tu_now_ms() >= deadline)
            return false;
        tu_sleep_ms(2);
    }
    return true;
}

// Polls an atomic flag until it becomes non-zero or `timeout_ms` passes.
static TU_UNUSED bool
tu_wait_for_flag(atomic_int *flag, int64_t timeout_ms)
{
    return tu_wait_for_count(flag, 1, timeout_ms);
}

// Connects to `url` and returns the connection, or NULL after a failed check.
static TU_UNUSED natsConnection *
tu_connect(const char *url)
{
    natsConnection  *nc = NULL;
    natsStatus      s   = natsConnection_ConnectTo(&nc, url);

    if (s != NATS_OK)
    {
        tu_fail(__FILE__, __LINE__, "natsConnection_ConnectTo(%s) == NATS_OK (got %d '%s')",
                url, (int) s, tu_status_text(s));
        return NULL;
    }
    return nc;
}

// Formats "nats://[USERINFO@]HOST:PORT" into `buf`.
static TU_UNUSED void
tu_make_url(char *buf, size_t size, const char *userInfo, const char *host, int port)
{
    snprintf(buf, size, "nats://%s%s%s:%d",
             (userInfo == NULL ? "" : userInfo),
             (userInfo == NULL ? "" : "@"), host, port);
}

// Checks that `nc` is connected and that a publish and a flush succeed.
static TU_UNUSED void
tu_check_usable(natsConnection *nc)
{
    CHECK(nc != NULL);
    if (nc == NULL)
        return;
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    CHECK_OK(natsConnection_PublishString(nc, "usable.check", "x"));
    CHECK_OK(natsConnection_Flush(nc));
}

// Sets the calling thread's last error to a known value (NATS_ILLEGAL_STATE
// from a token/token-handler conflict), so that a following check can tell
// whether the call under test updated it. A successful cnats call does not
// clear the last error, so without a reset the check could pass on an
// error left by an earlier call.
static TU_UNUSED const char *
tu_token_cb_for_reset(void *closure)
{
    return "unused";
}

static TU_UNUSED void
tu_reset_last_error(void)
{
    natsOptions *opts = NULL;

    if (natsOptions_Create(&opts) != NATS_OK)
        return;
    natsOptions_SetTokenHandler(opts, tu_token_cb_for_reset, NULL);
    (void) natsOptions_SetToken(opts, "conflict");
    natsOptions_Destroy(opts);
}

// Checks that `expr` returns `expected` and records it as the thread's last
// error with a non-empty text.
#define CHECK_ERR(expr, expected) \
    do \
    { \
        natsStatus  _tu_ls   = NATS_OK; \
        const char  *_tu_txt = NULL; \
        tu_reset_last_error(); \
        CHECK_STATUS((expr), (expected)); \
        _tu_txt = nats_GetLastError(&_tu_ls); \
        if ((_tu_ls != (expected)) || (_tu_txt == NULL) || (_tu_txt[0] == '\0')) \
        { \
            tu_fail(__FILE__, __LINE__, "%s sets last error %s (got %d '%s', text %s)", \
                    #expr, #expected, (int) _tu_ls, tu_status_text(_tu_ls), \
                    (_tu_txt == NULL ? "NULL" : _tu_txt)); \
        } \
    } while (0)

#endif // NATS_C_TEST_UTIL_H_
