// Library-level tests: open/close, clocks, version, status texts, the
// thread-local last error and inboxes. Needs no server.
//
// Usage: library

#include "test_util.h"

// natsStatus_GetText() for every status of cnats 3.13.
static const char *statusTexts[] = {
    "OK",
    "Error",
    "Protocol Error",
    "IO Error",
    "Line too long",
    "Connection Closed",
    "No server available for connection",
    "Stale Connection",
    "Secure Connection not available",
    "Secure Connection Required",
    "Connection Disconnected",
    "Authentication Violation",
    "Not Permitted",
    "Not Found",
    "TCP Address missing",
    "Invalid Subject",
    "Invalid Argument",
    "Invalid Subscription",
    "Invalid Timeout",
    "Illegal State",
    "Slow Consumer, messages dropped",
    "Maximum Payload Exceeded",
    "Maximum Messages Delivered",
    "Insufficient Buffer",
    "No Memory",
    "System Error",
    "Timeout",
    "Initialization Failed",
    "Not Initialized",
    "SSL Error",
    "Not Supported By Server",
    "Not Yet Connected",
    "Draining in progress",
    "Invalid queue name",
    "No responders available for request",
    "Mismatch",
    "Missed Server Heartbeat",
    "Limit reached",
    "Jetstream Consumer PinID Mismatch",
    "Invalid Configuration",
};

// Makes the calling thread's last error NATS_INVALID_ARG, raised directly
// by natsOptions_SetTimeout.
static void
raise_invalid_arg(void)
{
    natsOptions *opts = NULL;

    if (natsOptions_Create(&opts) != NATS_OK)
        return;
    CHECK_STATUS(natsOptions_SetTimeout(opts, -1), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

static void
test_open(void)
{
    // Opening an already open library is fine.
    CHECK_OK(nats_Open(-1));
    CHECK_OK(nats_Open(-1));
    CHECK_OK(nats_Open(100));
}

static void
test_clocks(void)
{
    int64_t now     = nats_Now();
    int64_t wall    = ((int64_t) time(NULL)) * 1000;
    int64_t nanos   = nats_NowInNanoSeconds();
    int64_t start;
    int64_t elapsed;

    // nats_Now is wall-clock time in milliseconds.
    CHECK(now > wall - 2000);
    CHECK(now < wall + 2000);
    CHECK(nanos / 1000000 >= now - 1000);
    CHECK(nanos / 1000000 <= now + 1000);

#if TU_CNATS_3_13
    {
        int64_t m1 = nats_NowMonotonicInNanoSeconds();
        int64_t m2 = nats_NowMonotonicInNanoSeconds();

        CHECK(m1 > 0);
        CHECK(m2 >= m1);
    }
#endif

    start = tu_now_ms();
    nats_Sleep(100);
    elapsed = tu_now_ms() - start;
    CHECK(elapsed >= 95);
    CHECK(elapsed < 2000);
}

static void
test_version(void)
{
#if defined(NATS_VERSION_NUMBER) && defined(NATS_VERSION_STRING)
    char    prefix[32];

    CHECK_STR(nats_GetVersion(), NATS_VERSION_STRING);
    CHECK_INT(nats_GetVersionNumber(), NATS_VERSION_NUMBER);
    // The string starts with the three numbers encoded in the number.
    snprintf(prefix, sizeof(prefix), "%u.%u.%u",
             (unsigned) ((NATS_VERSION_NUMBER >> 16) & 0xFF),
             (unsigned) ((NATS_VERSION_NUMBER >> 8) & 0xFF),
             (unsigned) (NATS_VERSION_NUMBER & 0xFF));
    CHECK(strncmp(nats_GetVersion(), prefix, strlen(prefix)) == 0);
    CHECK(nats_CheckCompatibility());
#if TU_CNATS_3_13
    CHECK(nats_GetVersionNumber() >= 0x030D00);
#endif
#else
    tu_fail(__FILE__, __LINE__, "nats.h defines NATS_VERSION_NUMBER and NATS_VERSION_STRING");
#endif
}

static void
test_status_texts(void)
{
    int last = TU_LAST_COMMON_STATUS;
    int i;

#if TU_CNATS_3_13
    // Statuses 37 to 39 were added after cnats 3.4.1.
    last = (int) (sizeof(statusTexts) / sizeof(statusTexts[0])) - 1;
    CHECK_INT(NATS_INVALID_CONFIG, 39);
#endif
    CHECK_INT(NATS_MISSED_HEARTBEAT, 36);
    for (i = 0; i <= last; i++)
    {
        const char *text = natsStatus_GetText((natsStatus) i);

        if ((text == NULL) || (strcmp(text, statusTexts[i]) != 0))
        {
            tu_fail(__FILE__, __LINE__, "natsStatus_GetText(%d) == \"%s\" (got \"%s\")",
                    i, statusTexts[i], (text == NULL ? "NULL" : text));
        }
    }
}

typedef struct
{
    bool        errorBefore;
    natsStatus  statusBefore;
    natsStatus  stackStatus;
    char        stack[256];
    long        printedBytes;
    natsStatus  raised;
    natsStatus  statusAfter;
    char        textAfter[256];

} threadErrorResult;

static const char *
unused_token_cb(void *closure)
{
    return "unused";
}

static void *
error_thread(void *arg)
{
    threadErrorResult   *r    = (threadErrorResult *) arg;
    natsOptions         *opts = NULL;
    const char          *txt;
    FILE                *f;

    // Nothing from the main thread is visible here.
    r->errorBefore = (nats_GetLastError(&r->statusBefore) != NULL);
    strcpy(r->stack, "not cleared");
    r->stackStatus = nats_GetLastErrorStack(r->stack, sizeof(r->stack));
    f = tmpfile();
    if (f != NULL)
    {
        nats_PrintLastErrorStack(f);
        fflush(f);
        r->printedBytes = ftell(f);
        fclose(f);
    }

    // An error raised here stays here.
    if (natsOptions_Create(&opts) == NATS_OK)
    {
        natsOptions_SetTokenHandler(opts, unused_token_cb, NULL);
        r->raised = natsOptions_SetToken(opts, "conflict");
        natsOptions_Destroy(opts);
    }
    txt = nats_GetLastError(&r->statusAfter);
    snprintf(r->textAfter, sizeof(r->textAfter), "%s", (txt == NULL ? "" : txt));

    nats_ReleaseThreadMemory();
    return NULL;
}

static void
test_last_error_is_thread_local(void)
{
    threadErrorResult   r;
    pthread_t           thread;
    natsStatus          s   = NATS_OK;
    const char          *txt;

    raise_invalid_arg();
    txt = nats_GetLastError(&s);
    CHECK_STATUS(s, NATS_INVALID_ARG);
    CHECK_CONTAINS(txt, "Invalid Argument");

    memset(&r, 0, sizeof(r));
    r.printedBytes = -1;
    CHECK(pthread_create(&thread, NULL, error_thread, &r) == 0);
    pthread_join(thread, NULL);

    CHECK(!r.errorBefore);
    CHECK_STATUS(r.statusBefore, NATS_OK);
    CHECK_STATUS(r.stackStatus, NATS_OK);
    CHECK_STR(r.stack, "");
    CHECK_INT(r.printedBytes, 0);
    CHECK_STATUS(r.raised, NATS_ILLEGAL_STATE);
    CHECK_STATUS(r.statusAfter, NATS_ILLEGAL_STATE);
    CHECK_CONTAINS(r.textAfter, "token");

    // The main thread still has its own error.
    txt = nats_GetLastError(&s);
    CHECK_STATUS(s, NATS_INVALID_ARG);
    CHECK_CONTAINS(txt, "Invalid Argument");
}

static void
test_last_error_survives_success(void)
{
    natsOptions *opts = NULL;
    natsStatus  s     = NATS_OK;

    // cnats does not clear the last error when a later call succeeds.
    raise_invalid_arg();
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetTimeout(opts, 10));
    natsOptions_Destroy(opts);
    CHECK(nats_GetLastError(&s) != NULL);
    CHECK_STATUS(s, NATS_INVALID_ARG);
    // A NULL status pointer is allowed.
    CHECK(nats_GetLastError(NULL) != NULL);
}

static void
test_last_error_stack(void)
{
    natsConnection  *nc = NULL;
    char            buf[512];
    char            small[5];
    const char      *lastLine;

    // The stack lists function names, innermost first, one per line.
    raise_invalid_arg();
    CHECK_OK(nats_GetLastErrorStack(buf, sizeof(buf)));
    CHECK_STR(buf, "natsOptions_SetTimeout");

    CHECK_STATUS(nats_GetLastErrorStack(NULL, 10), NATS_INVALID_ARG);
    CHECK_STATUS(nats_GetLastErrorStack(buf, 0), NATS_INVALID_ARG);
    CHECK_STATUS(nats_GetLastErrorStack(small, sizeof(small)), NATS_INSUFFICIENT_BUFFER);

    // An error from deep inside a call ends with the public function.
    CHECK_STATUS(natsConnection_ConnectTo(&nc, "nats://127.0.0.1:notaport"), NATS_INVALID_ARG);
    CHECK_OK(nats_GetLastErrorStack(buf, sizeof(buf)));
    lastLine = strrchr(buf, '\n');
    lastLine = (lastLine == NULL ? buf : lastLine + 1);
    CHECK_STR(lastLine, "natsConnection_ConnectTo");
}

static void
test_print_last_error_stack(void)
{
    FILE    *f = tmpfile();
    char    out[1024];
    char    versionLine[128];
    size_t  n;

    CHECK(f != NULL);
    if (f == NULL)
        return;

    raise_invalid_arg();
    nats_PrintLastErrorStack(f);
    fflush(f);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);

    // Status number and text, then the stack with numbered frames.
    CHECK(strncmp(out, "Error: 16 - Invalid Argument", 28) == 0);
    snprintf(versionLine, sizeof(versionLine), "Stack: (library version: %s)",
             nats_GetVersion());
    CHECK_CONTAINS(out, versionLine);
    CHECK_CONTAINS(out, "01 - natsOptions_SetTimeout");
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

#define INBOX_COUNT (1000)

static void
test_inbox(void)
{
    natsInbox   *inboxes[INBOX_COUNT];
    int         created = 0;
    int         badForm = 0;
    int         i, j;

    for (i = 0; i < INBOX_COUNT; i++)
    {
        const char *s;

        inboxes[i] = NULL;
        if (natsInbox_Create(&inboxes[i]) != NATS_OK)
            break;
        created++;
        s = (const char *) inboxes[i];
        // "_INBOX." followed by a 22-character unique id.
        if ((strncmp(s, "_INBOX.", 7) != 0) || (strlen(s) != 29))
        {
            badForm++;
            continue;
        }
        for (j = 7; j < 29; j++)
        {
            char c = s[j];

            if (!(((c >= '0') && (c <= '9')) || ((c >= 'a') && (c <= 'z'))
                  || ((c >= 'A') && (c <= 'Z'))))
            {
                badForm++;
                break;
            }
        }
    }
    CHECK_INT(created, INBOX_COUNT);
    CHECK_INT(badForm, 0);

    qsort(inboxes, created, sizeof(inboxes[0]), compare_strings);
    for (i = 1; i < created; i++)
    {
        if (strcmp((const char *) inboxes[i - 1], (const char *) inboxes[i]) == 0)
        {
            tu_fail(__FILE__, __LINE__, "inbox %s was created twice",
                    (const char *) inboxes[i]);
            break;
        }
    }
    for (i = 0; i < created; i++)
        natsInbox_Destroy(inboxes[i]);
    natsInbox_Destroy(NULL);
}

static void
test_close_and_reopen(void)
{
    // Closing waits for the library's threads. A second close finds
    // nothing open.
    CHECK_OK(nats_CloseAndWait(0));
    CHECK_STATUS(nats_CloseAndWait(0), NATS_NOT_INITIALIZED);
    // The library can be opened again after a complete close.
    CHECK_OK(nats_Open(-1));
    CHECK_OK(nats_CloseAndWait(5000));
    CHECK_OK(nats_Open(-1));
}

int
main(int argc, char **argv)
{
    tu_start_watchdog();

    RUN_TEST(test_open);
    RUN_TEST(test_clocks);
    RUN_TEST(test_version);
    RUN_TEST(test_status_texts);
    RUN_TEST(test_last_error_is_thread_local);
    RUN_TEST(test_last_error_survives_success);
    RUN_TEST(test_last_error_stack);
    RUN_TEST(test_print_last_error_stack);
    RUN_TEST(test_inbox);
    RUN_TEST(test_close_and_reopen);

    nats_Close();
    return tu_finish();
}
