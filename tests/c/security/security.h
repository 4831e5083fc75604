// Helpers shared by the security test programs in tests/c/security/.
//
// The programs use the framework of tests/c/test_util.h (CHECK macros,
// RUN_TEST, tu_finish) and build against this repository's headers (cnats
// 3.13 API) and against Debian's cnats 3.4.1. Calls that 3.4.1 lacks are
// wrapped in `#if TU_CNATS_3_13`.
//
// The Rust harness (tests/security/mod.rs) generates the certificates and
// credentials into a folder whose path it passes on the command line, and
// replies to `CTL <command>` lines on stdout with `OK` or `ERR <reason>` on
// stdin (see sec_control).

#ifndef NATS_C_SECURITY_H_
#define NATS_C_SECURITY_H_

#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define SEC_PATH_MAX (1024)

// Subject of the round trips that prove a connection carries messages.
#define SEC_ROUNDTRIP_SUBJECT "security.roundtrip"

// How long a test waits for a message or a callback.
#define SEC_WAIT_MS (5000)

// Formats "DIR/NAME" into `buf`.
static TU_UNUSED const char *
sec_path(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

// Reads a whole file into a malloc'ed, NUL-terminated string, or returns
// NULL after a failed check.
static TU_UNUSED char *
sec_read_file(const char *path)
{
    FILE    *f    = fopen(path, "rb");
    char    *data = NULL;
    long    size  = 0;

    if (f == NULL)
    {
        tu_fail(__FILE__, __LINE__, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if ((fseek(f, 0, SEEK_END) != 0) || ((size = ftell(f)) < 0) || (fseek(f, 0, SEEK_SET) != 0))
    {
        tu_fail(__FILE__, __LINE__, "cannot find the size of %s", path);
        fclose(f);
        return NULL;
    }
    data = calloc(1, (size_t) size + 1);
    if ((data != NULL) && (fread(data, 1, (size_t) size, f) != (size_t) size))
    {
        tu_fail(__FILE__, __LINE__, "cannot read %s", path);
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

// Writes `contents` to `path`, replacing the file. Returns false after a
// failed check.
static TU_UNUSED bool
sec_write_file(const char *path, const char *contents)
{
    FILE    *f  = fopen(path, "wb");
    size_t  len = strlen(contents);
    bool    ok;

    if (f == NULL)
    {
        tu_fail(__FILE__, __LINE__, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    ok = (fwrite(contents, 1, len, f) == len);
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        tu_fail(__FILE__, __LINE__, "cannot write %s", path);
    return ok;
}

// Copies the file `src` over `dst`.
static TU_UNUSED bool
sec_copy_file(const char *src, const char *dst)
{
    char    *data = sec_read_file(src);
    bool    ok;

    if (data == NULL)
        return false;
    ok = sec_write_file(dst, data);
    free(data);
    return ok;
}

// Returns the text of the calling thread's last error, or "" if none.
static TU_UNUSED const char *
sec_last_error_text(void)
{
    natsStatus  s   = NATS_OK;
    const char  *t  = nats_GetLastError(&s);

    return (t == NULL ? "" : t);
}

// Checks that neither the last error nor the error stack of the calling
// thread contains `secret`. Secrets are never printed, only their length.
#define CHECK_NO_SECRET(secret) \
    do \
    { \
        const char  *_sec_s = (secret); \
        char        _sec_stack[2048]; \
        _sec_stack[0] = '\0'; \
        (void) nats_GetLastErrorStack(_sec_stack, sizeof(_sec_stack)); \
        if (strstr(sec_last_error_text(), _sec_s) != NULL) \
            tu_fail(__FILE__, __LINE__, "the last error contains the secret %s (%zu characters)", \
                    #secret, strlen(_sec_s)); \
        if (strstr(_sec_stack, _sec_s) != NULL) \
            tu_fail(__FILE__, __LINE__, "the error stack contains the secret %s (%zu characters)", \
                    #secret, strlen(_sec_s)); \
    } while (0)

// Connects with `opts` and checks that it fails with `expected`, that the
// thread's last error has the same status, and that its text contains
// `reason` (skipped when NULL).
#define CHECK_CONNECT_FAILS(opts, expected, reason) \
    do \
    { \
        natsConnection  *_sec_nc = NULL; \
        natsStatus      _sec_ls  = NATS_OK; \
        const char      *_sec_r  = (reason); \
        const char      *_sec_t; \
        tu_reset_last_error(); \
        CHECK_STATUS(natsConnection_Connect(&_sec_nc, (opts)), (expected)); \
        CHECK(_sec_nc == NULL); \
        _sec_t = nats_GetLastError(&_sec_ls); \
        CHECK_STATUS(_sec_ls, (expected)); \
        if (_sec_r != NULL) \
            CHECK_CONTAINS(_sec_t, _sec_r); \
        natsConnection_Destroy(_sec_nc); \
    } while (0)

// Subscribes synchronously to `subject`, publishes `payload` to it and checks
// that the same payload arrives.
static TU_UNUSED void
sec_check_roundtrip_on(natsConnection *nc, const char *subject, const char *payload)
{
    natsSubscription    *sub = NULL;
    natsMsg             *msg = NULL;

    CHECK(nc != NULL);
    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, subject));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_PublishString(nc, subject, payload));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, SEC_WAIT_MS));
    if (msg != NULL)
    {
        CHECK_STR(natsMsg_GetSubject(msg), subject);
        CHECK_INT(natsMsg_GetDataLength(msg), strlen(payload));
        CHECK(memcmp(natsMsg_GetData(msg), payload, strlen(payload)) == 0);
        natsMsg_Destroy(msg);
    }
    natsSubscription_Destroy(sub);
}

static TU_UNUSED void
sec_check_roundtrip(natsConnection *nc)
{
    sec_check_roundtrip_on(nc, SEC_ROUNDTRIP_SUBJECT, "secured payload");
}

// Connects with `opts`, checks that the connection carries a message, and
// closes it.
static TU_UNUSED void
sec_check_connects(natsOptions *opts)
{
    natsConnection  *nc = NULL;

    CHECK_OK(natsConnection_Connect(&nc, opts));
    if (nc == NULL)
    {
        const char *t = sec_last_error_text();
        tu_fail(__FILE__, __LINE__, "the failed connect left the last error \"%s\"", t);
        return;
    }
    CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    sec_check_roundtrip(nc);
    natsConnection_Destroy(nc);
}

// Creates options with `url` and a 2 s connect timeout, or exits.
static TU_UNUSED natsOptions *
sec_options(const char *url)
{
    natsOptions *opts = NULL;

    if ((natsOptions_Create(&opts) != NATS_OK)
        || (natsOptions_SetURL(opts, url) != NATS_OK)
        || (natsOptions_SetTimeout(opts, 2000) != NATS_OK))
    {
        printf("FAIL setup: cannot create options for %s\n", url);
        printf("0 passed, 1 failed\n");
        exit(1);
    }
    return opts;
}

// Sends an HTTP/1.0 GET for `path` to the monitoring port on 127.0.0.1 and
// stores the response (headers and body) in `buf`. Returns false on error.
static TU_UNUSED bool
sec_http_get(int port, const char *path, char *buf, size_t size)
{
    struct sockaddr_in  addr;
    char                request[512];
    size_t              total = 0;
    int                 fd;
    struct timeval      tv = { 5, 0 };

    buf[0] = '\0';
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) != 0)
    {
        close(fd);
        return false;
    }
    snprintf(request, sizeof(request), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (write(fd, request, strlen(request)) != (ssize_t) strlen(request))
    {
        close(fd);
        return false;
    }
    while (total + 1 < size)
    {
        ssize_t n = read(fd, buf + total, size - 1 - total);
        if (n <= 0)
            break;
        total += (size_t) n;
    }
    buf[total] = '\0';
    close(fd);
    return (total > 0);
}

// Asks the harness to run `command` (for example "restart") and waits for
// its answer. Returns true on `OK`; prints the reason otherwise.
static TU_UNUSED bool
sec_control(const char *command)
{
    char line[1024];

    flockfile(stdout);
    printf("CTL %s\n", command);
    fflush(stdout);
    funlockfile(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL)
    {
        tu_fail(__FILE__, __LINE__, "no answer from the harness to CTL %s", command);
        return false;
    }
    if (strncmp(line, "OK", 2) == 0)
        return true;
    tu_fail(__FILE__, __LINE__, "the harness could not run CTL %s: %s", command, line);
    return false;
}

// Counters and the last error report of an asynchronous error handler.
typedef struct
{
    pthread_mutex_t mu;
    atomic_int      calls;
    natsStatus      firstStatus;
    natsStatus      lastStatus;
    char            lastText[512];
    // Concatenated texts of all reports, separated by " | ".
    char            allTexts[4096];

} secErrors;

static TU_UNUSED void
sec_errors_init(secErrors *e)
{
    memset(e, 0, sizeof(*e));
    pthread_mutex_init(&e->mu, NULL);
}

static TU_UNUSED void
sec_errors_destroy(secErrors *e)
{
    pthread_mutex_destroy(&e->mu);
}

// natsErrHandler that records the status and the error text. cnats 3.13
// sets the report's text as the calling thread's last error before it calls
// the handler. Older versions only offer natsConnection_GetLastError, which
// a reconnect may already have cleared.
static TU_UNUSED void
sec_error_handler(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    secErrors   *e   = (secErrors *) closure;
    const char  *txt = NULL;

#if TU_CNATS_3_13
    txt = nats_GetLastError(NULL);
#endif
    if ((txt == NULL) || (txt[0] == '\0'))
        (void) natsConnection_GetLastError(nc, &txt);
    pthread_mutex_lock(&e->mu);
    if (atomic_load(&e->calls) == 0)
        e->firstStatus = err;
    e->lastStatus = err;
    snprintf(e->lastText, sizeof(e->lastText), "%s", (txt == NULL ? "" : txt));
    if (strlen(e->allTexts) + strlen(e->lastText) + 4 < sizeof(e->allTexts))
    {
        if (e->allTexts[0] != '\0')
            strcat(e->allTexts, " | ");
        strcat(e->allTexts, e->lastText);
    }
    pthread_mutex_unlock(&e->mu);
    atomic_fetch_add(&e->calls, 1);
}

// Returns the status of the first report.
static TU_UNUSED natsStatus
sec_errors_first(secErrors *e)
{
    natsStatus s;

    pthread_mutex_lock(&e->mu);
    s = e->firstStatus;
    pthread_mutex_unlock(&e->mu);
    return s;
}

// Copies all recorded texts under the lock.
static TU_UNUSED void
sec_errors_all(secErrors *e, char *text, size_t size)
{
    pthread_mutex_lock(&e->mu);
    snprintf(text, size, "%s", e->allTexts);
    pthread_mutex_unlock(&e->mu);
}

// Copies the last recorded status and text under the lock.
static TU_UNUSED natsStatus
sec_errors_last(secErrors *e, char *text, size_t size)
{
    natsStatus s;

    pthread_mutex_lock(&e->mu);
    s = e->lastStatus;
    snprintf(text, size, "%s", e->lastText);
    pthread_mutex_unlock(&e->mu);
    return s;
}

// Connection events counted by sec_on_* callbacks.
typedef struct
{
    atomic_int disconnected;
    atomic_int reconnected;
    atomic_int closed;

} secEvents;

static TU_UNUSED void
sec_on_disconnected(natsConnection *nc, void *closure)
{
    atomic_fetch_add(&((secEvents *) closure)->disconnected, 1);
}

static TU_UNUSED void
sec_on_reconnected(natsConnection *nc, void *closure)
{
    atomic_fetch_add(&((secEvents *) closure)->reconnected, 1);
}

static TU_UNUSED void
sec_on_closed(natsConnection *nc, void *closure)
{
    atomic_fetch_add(&((secEvents *) closure)->closed, 1);
}

// Sets the event callbacks, a 100 ms reconnect wait without jitter and
// 50 reconnect attempts, so that a restarted server is found quickly.
static TU_UNUSED void
sec_set_reconnect_options(natsOptions *opts, secEvents *ev)
{
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, sec_on_disconnected, ev));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, sec_on_reconnected, ev));
    CHECK_OK(natsOptions_SetClosedCB(opts, sec_on_closed, ev));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsOptions_SetReconnectJitter(opts, 0, 0));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 50));
}

#endif // NATS_C_SECURITY_H_
