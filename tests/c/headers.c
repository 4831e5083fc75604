// Message header tests: natsMsgHeader_* on created messages, headers sent
// and received through the server (HMSG), and natsMsg_IsNoResponders.
//
// Usage: headers URL

#include "test_util.h"

static const char *url;

// Returns true if `key` is one of the `count` strings in `keys`.
static bool
has_key(const char **keys, int count, const char *key)
{
    int i;

    for (i = 0; i < count; i++)
    {
        if (strcmp(keys[i], key) == 0)
            return true;
    }
    return false;
}

static void
test_no_headers_not_found(void)
{
    natsMsg     *msg    = NULL;
    const char  *value  = "unchanged";
    const char  **values = NULL;
    const char  **keys   = NULL;
    int         count   = -1;

    CHECK_OK(natsMsg_Create(&msg, "hdr.subject", NULL, "data", 4));
    if (msg == NULL)
        return;
    CHECK_STATUS(natsMsgHeader_Get(msg, "Missing", &value), NATS_NOT_FOUND);
    CHECK(value == NULL);
    CHECK_STATUS(natsMsgHeader_Values(msg, "Missing", &values, &count), NATS_NOT_FOUND);
    CHECK(values == NULL);
    CHECK_INT(count, 0);
    count = -1;
    CHECK_STATUS(natsMsgHeader_Keys(msg, &keys, &count), NATS_NOT_FOUND);
    CHECK(keys == NULL);
    CHECK_INT(count, 0);
    CHECK_STATUS(natsMsgHeader_Delete(msg, "Missing"), NATS_NOT_FOUND);
    natsMsg_Destroy(msg);
}

static void
test_set_add_get_values(void)
{
    natsMsg     *msg     = NULL;
    const char  *value   = NULL;
    const char  **values = NULL;
    int         count    = 0;

    CHECK_OK(natsMsg_Create(&msg, "hdr.subject", NULL, NULL, 0));
    if (msg == NULL)
        return;

    CHECK_OK(natsMsgHeader_Set(msg, "Key1", "v1"));
    CHECK_OK(natsMsgHeader_Get(msg, "Key1", &value));
    CHECK_STR(value, "v1");

    // Set replaces every value of the key.
    CHECK_OK(natsMsgHeader_Add(msg, "Key1", "extra"));
    CHECK_OK(natsMsgHeader_Set(msg, "Key1", "v2"));
    CHECK_OK(natsMsgHeader_Values(msg, "Key1", &values, &count));
    CHECK_INT(count, 1);
    free((void *) values);
    values = NULL;

    // Add appends, in order; Get returns the first value.
    CHECK_OK(natsMsgHeader_Add(msg, "Key1", "v3"));
    CHECK_OK(natsMsgHeader_Add(msg, "Key1", "v4"));
    CHECK_OK(natsMsgHeader_Get(msg, "Key1", &value));
    CHECK_STR(value, "v2");
    CHECK_OK(natsMsgHeader_Values(msg, "Key1", &values, &count));
    CHECK_INT(count, 3);
    if (count == 3)
    {
        CHECK_STR(values[0], "v2");
        CHECK_STR(values[1], "v3");
        CHECK_STR(values[2], "v4");
    }
    free((void *) values);
    values = NULL;

    // Add creates a key that does not exist yet.
    CHECK_OK(natsMsgHeader_Add(msg, "Fresh", "f1"));
    CHECK_OK(natsMsgHeader_Get(msg, "Fresh", &value));
    CHECK_STR(value, "f1");

    // Values of one key are not affected by another key.
    CHECK_STATUS(natsMsgHeader_Values(msg, "Missing", &values, &count), NATS_NOT_FOUND);
    natsMsg_Destroy(msg);
}

static void
test_keys_are_case_sensitive(void)
{
    natsMsg     *msg   = NULL;
    const char  *value = NULL;
    const char  **keys = NULL;
    int         count  = 0;

    CHECK_OK(natsMsg_Create(&msg, "hdr.subject", NULL, NULL, 0));
    if (msg == NULL)
        return;
    CHECK_OK(natsMsgHeader_Set(msg, "Key", "upper"));
    CHECK_OK(natsMsgHeader_Set(msg, "key", "lower"));
    CHECK_OK(natsMsgHeader_Get(msg, "Key", &value));
    CHECK_STR(value, "upper");
    CHECK_OK(natsMsgHeader_Get(msg, "key", &value));
    CHECK_STR(value, "lower");
    CHECK_STATUS(natsMsgHeader_Get(msg, "KEY", &value), NATS_NOT_FOUND);

    CHECK_OK(natsMsgHeader_Keys(msg, &keys, &count));
    CHECK_INT(count, 2);
    CHECK(has_key(keys, count, "Key"));
    CHECK(has_key(keys, count, "key"));
    free((void *) keys);

    CHECK_STATUS(natsMsgHeader_Delete(msg, "KEY"), NATS_NOT_FOUND);
    CHECK_OK(natsMsgHeader_Delete(msg, "key"));
    CHECK_OK(natsMsgHeader_Get(msg, "Key", &value));
    CHECK_STR(value, "upper");
    natsMsg_Destroy(msg);
}

static void
test_delete(void)
{
    natsMsg     *msg   = NULL;
    const char  *value = NULL;
    const char  **keys = NULL;
    int         count  = 0;

    CHECK_OK(natsMsg_Create(&msg, "hdr.subject", NULL, NULL, 0));
    if (msg == NULL)
        return;
    CHECK_OK(natsMsgHeader_Add(msg, "Multi", "a"));
    CHECK_OK(natsMsgHeader_Add(msg, "Multi", "b"));
    CHECK_OK(natsMsgHeader_Set(msg, "Other", "o"));

    // Delete removes every value of the key.
    CHECK_OK(natsMsgHeader_Delete(msg, "Multi"));
    CHECK_STATUS(natsMsgHeader_Get(msg, "Multi", &value), NATS_NOT_FOUND);
    CHECK_STATUS(natsMsgHeader_Delete(msg, "Multi"), NATS_NOT_FOUND);
    CHECK_OK(natsMsgHeader_Keys(msg, &keys, &count));
    CHECK_INT(count, 1);
    if (count == 1)
        CHECK_STR(keys[0], "Other");
    free((void *) keys);
    keys = NULL;

    // With the last key gone, Keys reports NOT_FOUND again.
    CHECK_OK(natsMsgHeader_Delete(msg, "Other"));
    CHECK_STATUS(natsMsgHeader_Keys(msg, &keys, &count), NATS_NOT_FOUND);
    natsMsg_Destroy(msg);
}

static void
test_invalid_arguments(void)
{
    natsMsg     *msg     = NULL;
    const char  *value   = NULL;
    const char  **values = NULL;
    int         count    = 0;

    CHECK_OK(natsMsg_Create(&msg, "hdr.subject", NULL, NULL, 0));
    if (msg == NULL)
        return;
    CHECK_ERR(natsMsgHeader_Set(NULL, "Key", "v"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Set(msg, NULL, "v"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Set(msg, "", "v"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Add(NULL, "Key", "v"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Add(msg, NULL, "v"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Add(msg, "", "v"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Get(NULL, "Key", &value), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Get(msg, NULL, &value), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Get(msg, "", &value), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Get(msg, "Key", NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Values(NULL, "Key", &values, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Values(msg, "", &values, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Values(msg, "Key", NULL, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Values(msg, "Key", &values, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Keys(NULL, &values, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Keys(msg, NULL, &count), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Keys(msg, &values, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Delete(NULL, "Key"), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Delete(msg, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsMsgHeader_Delete(msg, ""), NATS_INVALID_ARG);
    natsMsg_Destroy(msg);
}

typedef struct
{
    natsMsg     *msg;
    natsStatus  getStatus;
    natsStatus  deleteStatus;
    natsStatus  lastStatus;
    bool        hasLastError;

} notFoundResult;

static void *
not_found_thread(void *arg)
{
    notFoundResult  *r     = (notFoundResult *) arg;
    const char      *value = NULL;

    r->getStatus    = natsMsgHeader_Get(r->msg, "Missing", &value);
    r->deleteStatus = natsMsgHeader_Delete(r->msg, "Missing");
    r->hasLastError = (nats_GetLastError(&r->lastStatus) != NULL);
    nats_ReleaseThreadMemory();
    return NULL;
}

static void
test_not_found_sets_no_error(void)
{
    notFoundResult  r;
    pthread_t       thread;

    memset(&r, 0, sizeof(r));
    CHECK_OK(natsMsg_Create(&r.msg, "hdr.subject", NULL, NULL, 0));
    if (r.msg == NULL)
        return;
    CHECK_OK(natsMsgHeader_Set(r.msg, "Present", "yes"));

    // NOT_FOUND is an expected outcome, not an error: a fresh thread still
    // has no last error after getting it.
    CHECK(pthread_create(&thread, NULL, not_found_thread, &r) == 0);
    pthread_join(thread, NULL);
    CHECK_STATUS(r.getStatus, NATS_NOT_FOUND);
    CHECK_STATUS(r.deleteStatus, NATS_NOT_FOUND);
    CHECK(!r.hasLastError);
    CHECK_STATUS(r.lastStatus, NATS_OK);
    natsMsg_Destroy(r.msg);
}

static void
test_headers_over_the_wire(void)
{
    natsConnection      *nc      = tu_connect(url);
    natsSubscription    *sub     = NULL;
    natsMsg             *out     = NULL;
    natsMsg             *msg     = NULL;
    const char          *value   = NULL;
    const char          **values = NULL;
    const char          **keys   = NULL;
    int                 count    = 0;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "hdr.wire"));

    CHECK_OK(natsMsg_Create(&out, "hdr.wire", "hdr.reply", "body", 4));
    CHECK_OK(natsMsgHeader_Set(out, "X-One", "1"));
    CHECK_OK(natsMsgHeader_Add(out, "X-Multi", "first"));
    CHECK_OK(natsMsgHeader_Add(out, "X-Multi", "second"));
    CHECK_OK(natsMsgHeader_Add(out, "X-Multi", "third"));
    CHECK_OK(natsMsgHeader_Set(out, "Mixed-Case", "Value With Spaces"));
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 2000));
    if (msg != NULL)
    {
        CHECK_STR(natsMsg_GetSubject(msg), "hdr.wire");
        CHECK_STR(natsMsg_GetReply(msg), "hdr.reply");
        CHECK_INT(natsMsg_GetDataLength(msg), 4);
        CHECK_STR(natsMsg_GetData(msg), "body");

        CHECK_OK(natsMsgHeader_Get(msg, "X-One", &value));
        CHECK_STR(value, "1");
        CHECK_OK(natsMsgHeader_Get(msg, "Mixed-Case", &value));
        CHECK_STR(value, "Value With Spaces");
        // Keys keep their case on the wire.
        CHECK_STATUS(natsMsgHeader_Get(msg, "x-one", &value), NATS_NOT_FOUND);
        CHECK_STATUS(natsMsgHeader_Get(msg, "mixed-case", &value), NATS_NOT_FOUND);

        CHECK_OK(natsMsgHeader_Values(msg, "X-Multi", &values, &count));
        CHECK_INT(count, 3);
        if (count == 3)
        {
            CHECK_STR(values[0], "first");
            CHECK_STR(values[1], "second");
            CHECK_STR(values[2], "third");
        }
        free((void *) values);

        CHECK_OK(natsMsgHeader_Keys(msg, &keys, &count));
        CHECK_INT(count, 3);
        CHECK(has_key(keys, count, "X-One"));
        CHECK(has_key(keys, count, "X-Multi"));
        CHECK(has_key(keys, count, "Mixed-Case"));
        free((void *) keys);

        // A received message's headers can be changed like any other.
        CHECK_OK(natsMsgHeader_Set(msg, "X-One", "changed"));
        CHECK_OK(natsMsgHeader_Get(msg, "X-One", &value));
        CHECK_STR(value, "changed");
        CHECK_OK(natsMsgHeader_Delete(msg, "X-Multi"));
        CHECK_STATUS(natsMsgHeader_Get(msg, "X-Multi", &value), NATS_NOT_FOUND);
    }
    natsMsg_Destroy(msg);
    natsMsg_Destroy(out);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void
test_forward_received_message(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *in    = NULL;
    natsSubscription    *fwd   = NULL;
    natsMsg             *out   = NULL;
    natsMsg             *msg   = NULL;
    natsMsg             *again = NULL;
    natsMsg             *copy  = NULL;
    const char          *value = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&in, nc, "hdr.in"));
    CHECK_OK(natsConnection_SubscribeSync(&fwd, nc, "hdr.fwd"));

    CHECK_OK(natsMsg_Create(&out, "hdr.in", NULL, "payload", 7));
    CHECK_OK(natsMsgHeader_Set(out, "Kept", "yes"));
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&msg, in, 2000));

    // Republish the received headers, untouched, in a new message.
    if (msg != NULL)
    {
        CHECK_OK(natsMsgHeader_Get(msg, "Kept", &value));
        CHECK_OK(natsMsg_Create(&copy, "hdr.fwd", NULL, natsMsg_GetData(msg),
                                natsMsg_GetDataLength(msg)));
        CHECK_OK(natsMsgHeader_Set(copy, "Kept", value));
        CHECK_OK(natsConnection_PublishMsg(nc, copy));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK_OK(natsSubscription_NextMsg(&again, fwd, 2000));
        if (again != NULL)
        {
            CHECK_STR(natsMsg_GetData(again), "payload");
            CHECK_OK(natsMsgHeader_Get(again, "Kept", &value));
            CHECK_STR(value, "yes");
        }
    }
    natsMsg_Destroy(again);
    natsMsg_Destroy(copy);
    natsMsg_Destroy(msg);
    natsMsg_Destroy(out);
    natsSubscription_Destroy(fwd);
    natsSubscription_Destroy(in);
    natsConnection_Destroy(nc);
}

static void
test_header_value_line_breaks(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sub   = NULL;
    natsMsg             *out   = NULL;
    natsMsg             *msg   = NULL;
    const char          *value = NULL;

    if (nc == NULL)
        return;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "hdr.crlf"));
    // CR and LF in a value are sent as spaces, so they cannot end the line.
    CHECK_OK(natsMsg_Create(&out, "hdr.crlf", NULL, "x", 1));
    CHECK_OK(natsMsgHeader_Set(out, "Broken", "line1\r\nline2"));
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 2000));
    if (msg != NULL)
    {
        CHECK_OK(natsMsgHeader_Get(msg, "Broken", &value));
        CHECK_STR(value, "line1  line2");
        CHECK_STR(natsMsg_GetData(msg), "x");
    }
    natsMsg_Destroy(msg);
    natsMsg_Destroy(out);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

typedef struct
{
    atomic_int  received;
    atomic_int  noResponders;
    char        status[16];

} noRespState;

static void
on_inbox_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    noRespState *st  = (noRespState *) closure;
    const char  *val = NULL;

    if (natsMsg_IsNoResponders(msg))
        atomic_fetch_add(&st->noResponders, 1);
    if (natsMsgHeader_Get(msg, "Status", &val) == NATS_OK)
        snprintf(st->status, sizeof(st->status), "%s", val);
    natsMsg_Destroy(msg);
    atomic_fetch_add(&st->received, 1);
}

static void
test_is_no_responders(void)
{
    natsConnection      *nc    = tu_connect(url);
    natsSubscription    *sub   = NULL;
    natsSubscription    *sync  = NULL;
    natsInbox           *inbox = NULL;
    natsInbox           *inbox2 = NULL;
    natsMsg             *msg   = NULL;
    noRespState         st;

    if (nc == NULL)
        return;
    memset(&st, 0, sizeof(st));

    // A request to a subject with no subscriber comes back as an empty
    // message with a "503" status header.
    CHECK_OK(natsInbox_Create(&inbox));
    CHECK_OK(natsConnection_Subscribe(&sub, nc, (const char *) inbox, on_inbox_msg, &st));
    CHECK_OK(natsConnection_PublishRequestString(nc, "hdr.nobody", (const char *) inbox, "?"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(tu_wait_for_count(&st.received, 1, 3000));
    CHECK_INT(atomic_load(&st.noResponders), 1);
    CHECK_STR(st.status, "503");

    // A sync subscription reports it as NATS_NO_RESPONDERS from NextMsg.
    CHECK_OK(natsInbox_Create(&inbox2));
    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, (const char *) inbox2));
    CHECK_OK(natsConnection_PublishRequestString(nc, "hdr.nobody", (const char *) inbox2, "?"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sync, 2000), NATS_NO_RESPONDERS);
    CHECK(msg == NULL);

    // Only an empty message with status 503 qualifies.
    CHECK(!natsMsg_IsNoResponders(NULL));
    CHECK_OK(natsMsg_Create(&msg, "hdr.local", NULL, NULL, 0));
    CHECK(!natsMsg_IsNoResponders(msg));
    CHECK_OK(natsMsgHeader_Set(msg, "Status", "503"));
    CHECK(natsMsg_IsNoResponders(msg));
    CHECK_OK(natsMsgHeader_Set(msg, "Status", "404"));
    CHECK(!natsMsg_IsNoResponders(msg));
    natsMsg_Destroy(msg);
    msg = NULL;
    CHECK_OK(natsMsg_Create(&msg, "hdr.local", NULL, "data", 4));
    CHECK_OK(natsMsgHeader_Set(msg, "Status", "503"));
    CHECK(!natsMsg_IsNoResponders(msg));
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sync);
    natsSubscription_Destroy(sub);
    natsInbox_Destroy(inbox2);
    natsInbox_Destroy(inbox);
    natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_no_headers_not_found);
    RUN_TEST(test_set_add_get_values);
    RUN_TEST(test_keys_are_case_sensitive);
    RUN_TEST(test_delete);
    RUN_TEST(test_invalid_arguments);
    RUN_TEST(test_not_found_sets_no_error);
    RUN_TEST(test_headers_over_the_wire);
    RUN_TEST(test_forward_received_message);
    RUN_TEST(test_header_value_line_breaks);
    RUN_TEST(test_is_no_responders);

    nats_Close();
    return tu_finish();
}
