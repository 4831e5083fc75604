// Helpers shared by the JetStream C test programs: connecting with a
// JetStream context, raw JetStream API requests to compare our decoded
// structs with the server's JSON, and error checks.
//
// Like test_util.h, the programs also build against Debian's cnats 3.4.1,
// with checks of 3.13 API inside `#if TU_CNATS_3_13`.

#ifndef NATS_C_JS_UTIL_H_
#define NATS_C_JS_UTIL_H_

#include "test_util.h"

static const char *ju_url = NULL;

// Connects to ju_url and creates a JetStream context with `opts` (may be
// NULL). Returns false after a failed check.
static TU_UNUSED bool
ju_connect(natsConnection **nc, jsCtx **js, jsOptions *opts)
{
    *nc = tu_connect(ju_url);
    *js = NULL;
    if (*nc == NULL)
        return false;
    CHECK_OK(natsConnection_JetStream(js, *nc, opts));
    if (*js == NULL)
    {
        natsConnection_Destroy(*nc);
        *nc = NULL;
        return false;
    }
    return true;
}

static TU_UNUSED void
ju_close(natsConnection *nc, jsCtx *js)
{
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
}

// Sends `body` (may be NULL) to "$JS.API.<api>" with a plain request and
// returns the reply payload as a malloc'ed string, or NULL after a failed
// check. This is the server's own view, independent of the js_* decoders.
static TU_UNUSED char *
ju_raw(natsConnection *nc, const char *api, const char *body)
{
    char        subject[256];
    natsMsg     *reply = NULL;
    char        *copy  = NULL;
    natsStatus  s;

    snprintf(subject, sizeof(subject), "$JS.API.%s", api);
    s = natsConnection_Request(&reply, nc, subject, body, (body == NULL ? 0 : (int) strlen(body)), 5000);
    CHECK_OK(s);
    if (s != NATS_OK)
        return NULL;
    copy = strdup(natsMsg_GetData(reply));
    natsMsg_Destroy(reply);
    return copy;
}

// Checks that `json` contains the text formatted from the arguments.
#define CHECK_JSON(json, ...) \
    do \
    { \
        char _ju_snippet[1024]; \
        snprintf(_ju_snippet, sizeof(_ju_snippet), __VA_ARGS__); \
        CHECK_CONTAINS((json), _ju_snippet); \
    } while (0)

// Checks that the calling thread has no last error.
#define CHECK_NO_LAST_ERROR() \
    do \
    { \
        natsStatus _ju_ls = NATS_OK; \
        const char *_ju_txt = nats_GetLastError(&_ju_ls); \
        if ((_ju_txt != NULL) || (_ju_ls != NATS_OK)) \
            tu_fail(__FILE__, __LINE__, "last error cleared (got %d '%s')", (int) _ju_ls, \
                    (_ju_txt == NULL ? "NULL" : _ju_txt)); \
    } while (0)

// Checks that the last error text contains `needle`.
#define CHECK_LAST_ERROR_CONTAINS(needle) \
    do \
    { \
        natsStatus _ju_ls = NATS_OK; \
        CHECK_CONTAINS(nats_GetLastError(&_ju_ls), (needle)); \
    } while (0)

// Creates a file stream named `name` on `subject` and checks the call.
static TU_UNUSED void
ju_add_stream(jsCtx *js, const char *name, const char *subject)
{
    jsStreamConfig  cfg;
    const char      *subjects[] = {subject};
    jsErrCode       jerr = 0;

    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, &jerr));
    CHECK_INT(jerr, 0);
}

// Publishes `count` messages "<prefix>-<i>" on `subject` and checks each ack.
static TU_UNUSED void
ju_publish(jsCtx *js, const char *subject, const char *prefix, int count)
{
    int i;

    for (i = 0; i < count; i++)
    {
        char data[64];

        snprintf(data, sizeof(data), "%s-%d", prefix, i);
        CHECK_OK(js_Publish(NULL, js, subject, data, (int) strlen(data), NULL, NULL));
    }
}

// Reply handler of a fake JetStream API responder: answers every request
// with the JSON in `closure` and keeps a copy of the last request body.
static char ju_fake_request[8192];
static char ju_fake_subject[256];

static TU_UNUSED void
ju_fake_handler(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    const char *reply = natsMsg_GetReply(msg);

    snprintf(ju_fake_request, sizeof(ju_fake_request), "%.*s",
             natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    snprintf(ju_fake_subject, sizeof(ju_fake_subject), "%s", natsMsg_GetSubject(msg));
    if (reply != NULL)
        natsConnection_PublishString(nc, reply, (const char *) closure);
    natsMsg_Destroy(msg);
}

static TU_UNUSED void
ju_main_start(int argc, char **argv)
{
    ju_url = tu_arg(argc, argv, 1, "<nats-url-with-jetstream> [<nats-url-without-jetstream>]");
    tu_open_library();
    tu_start_watchdog();
}

#endif // NATS_C_JS_UTIL_H_
