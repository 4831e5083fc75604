// Reading and deleting single stream messages: js_GetMsg, js_GetLastMsg,
// js_DirectGetMsg, js_DeleteMsg and js_EraseMsg.
//
// Usage: messages <url-with-jetstream>

#include "js_util.h"

// Creates stream MSGS on "msgs.>" (with direct get when `direct`) holding
//   1: msgs.a "first" with header X-Test: one
//   2: msgs.b "second"
//   3: msgs.a "third"
static void
setup_stream(jsCtx *js, const char *name, bool direct)
{
    jsStreamConfig  cfg;
    const char      *subjects[1];
    natsMsg         *msg = NULL;
    char            subject[64];

    snprintf(subject, sizeof(subject), "%s.>", name);
    subjects[0] = subject;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.AllowDirect = direct;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    snprintf(subject, sizeof(subject), "%s.a", name);
    CHECK_OK(natsMsg_Create(&msg, subject, NULL, "first", 5));
    CHECK_OK(natsMsgHeader_Set(msg, "X-Test", "one"));
    CHECK_OK(js_PublishMsg(NULL, js, msg, NULL, NULL));
    natsMsg_Destroy(msg);
    snprintf(subject, sizeof(subject), "%s.b", name);
    CHECK_OK(js_Publish(NULL, js, subject, "second", 6, NULL, NULL));
    snprintf(subject, sizeof(subject), "%s.a", name);
    CHECK_OK(js_Publish(NULL, js, subject, "third", 5, NULL, NULL));
}

static void
check_msg(natsMsg *msg, const char *subject, const char *data)
{
    CHECK(msg != NULL);
    if (msg == NULL)
        return;
    CHECK_STR(natsMsg_GetSubject(msg), subject);
    CHECK_INT(natsMsg_GetDataLength(msg), (int) strlen(data));
    CHECK_STR(natsMsg_GetData(msg), data);
}

static void
test_get_msg(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    natsMsg         *msg = NULL;
    const char      *val = NULL;
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    setup_stream(js, "GET", false);

    CHECK_OK(js_GetMsg(&msg, js, "GET", 1, NULL, &jerr));
    CHECK_INT(jerr, 0);
    check_msg(msg, "GET.a", "first");
    if (msg != NULL)
    {
        CHECK_OK(natsMsgHeader_Get(msg, "X-Test", &val));
        CHECK_STR(val, "one");
    }
    natsMsg_Destroy(msg);
    msg = NULL;

    CHECK_OK(js_GetMsg(&msg, js, "GET", 2, NULL, &jerr));
    check_msg(msg, "GET.b", "second");
    natsMsg_Destroy(msg);
    msg = NULL;

    CHECK_OK(js_GetLastMsg(&msg, js, "GET", "GET.a", NULL, &jerr));
    check_msg(msg, "GET.a", "third");
    natsMsg_Destroy(msg);
    msg = NULL;

    // Missing messages.
    CHECK_STATUS(js_GetMsg(&msg, js, "GET", 100, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSNoMessageFoundErr);
    CHECK(msg == NULL);
    jerr = 0;
    CHECK_STATUS(js_GetLastMsg(&msg, js, "GET", "GET.none", NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSNoMessageFoundErr);
    CHECK_ERR(js_GetMsg(&msg, js, "GET_MISSING", 1, NULL, &jerr), NATS_ERR);
    CHECK_INT(jerr, JSStreamNotFoundErr);

    // Bad arguments.
    CHECK_ERR(js_GetMsg(&msg, js, "GET", 0, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetMsg(NULL, js, "GET", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetMsg(&msg, NULL, "GET", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetMsg(&msg, js, NULL, 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetMsg(&msg, js, "", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetLastMsg(&msg, js, "GET", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetLastMsg(&msg, js, "GET", "", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetLastMsg(NULL, js, "GET", "GET.a", NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_GetLastMsg(&msg, js, NULL, "GET.a", NULL, &jerr), NATS_INVALID_ARG);
    CHECK(msg == NULL);
    CHECK_OK(js_DeleteStream(js, "GET", NULL, NULL));
    ju_close(nc, js);
}

static void
test_direct_get_msg(void)
{
    natsConnection          *nc  = NULL;
    jsCtx                   *js  = NULL;
    natsMsg                 *msg = NULL;
    const char              *val = NULL;
    jsDirectGetMsgOptions   dg;

    if (!ju_connect(&nc, &js, NULL))
        return;
    setup_stream(js, "DIRECT", true);

    jsDirectGetMsgOptions_Init(&dg);
    dg.Sequence = 1;
    CHECK_OK(js_DirectGetMsg(&msg, js, "DIRECT", NULL, &dg));
    check_msg(msg, "DIRECT.a", "first");
    if (msg != NULL)
    {
        CHECK_OK(natsMsgHeader_Get(msg, "X-Test", &val));
        CHECK_STR(val, "one");
        CHECK_OK(natsMsgHeader_Get(msg, "Nats-Stream", &val));
        CHECK_STR(val, "DIRECT");
        CHECK_OK(natsMsgHeader_Get(msg, "Nats-Sequence", &val));
        CHECK_STR(val, "1");
        CHECK_OK(natsMsgHeader_Get(msg, "Nats-Subject", &val));
        CHECK_STR(val, "DIRECT.a");
        CHECK_OK(natsMsgHeader_Get(msg, "Nats-Time-Stamp", &val));
    }
    natsMsg_Destroy(msg);
    msg = NULL;

    // The next message on a subject from a sequence.
    jsDirectGetMsgOptions_Init(&dg);
    dg.Sequence = 2;
    dg.NextBySubject = "DIRECT.a";
    CHECK_OK(js_DirectGetMsg(&msg, js, "DIRECT", NULL, &dg));
    check_msg(msg, "DIRECT.a", "third");
    natsMsg_Destroy(msg);
    msg = NULL;

    // The last message on a subject.
    jsDirectGetMsgOptions_Init(&dg);
    dg.LastBySubject = "DIRECT.b";
    CHECK_OK(js_DirectGetMsg(&msg, js, "DIRECT", NULL, &dg));
    check_msg(msg, "DIRECT.b", "second");
    natsMsg_Destroy(msg);
    msg = NULL;

    // Missing ones.
    jsDirectGetMsgOptions_Init(&dg);
    dg.Sequence = 100;
    CHECK_STATUS(js_DirectGetMsg(&msg, js, "DIRECT", NULL, &dg), NATS_NOT_FOUND);
    CHECK(msg == NULL);
    jsDirectGetMsgOptions_Init(&dg);
    dg.LastBySubject = "DIRECT.none";
    CHECK_STATUS(js_DirectGetMsg(&msg, js, "DIRECT", NULL, &dg), NATS_NOT_FOUND);

    // A stream without direct get has nobody answering on its subject.
    setup_stream(js, "NODIRECT", false);
    jsDirectGetMsgOptions_Init(&dg);
    dg.Sequence = 1;
    CHECK_STATUS(js_DirectGetMsg(&msg, js, "NODIRECT", NULL, &dg), NATS_NO_RESPONDERS);

    CHECK_ERR(js_DirectGetMsg(NULL, js, "DIRECT", NULL, &dg), NATS_INVALID_ARG);
    CHECK_ERR(js_DirectGetMsg(&msg, NULL, "DIRECT", NULL, &dg), NATS_INVALID_ARG);
    CHECK_ERR(js_DirectGetMsg(&msg, js, "DIRECT", NULL, NULL), NATS_INVALID_ARG);
    CHECK_ERR(js_DirectGetMsg(&msg, js, NULL, NULL, &dg), NATS_INVALID_ARG);
    CHECK_ERR(js_DirectGetMsg(&msg, js, "", NULL, &dg), NATS_INVALID_ARG);
    CHECK(msg == NULL);
    CHECK_OK(js_DeleteStream(js, "DIRECT", NULL, NULL));
    CHECK_OK(js_DeleteStream(js, "NODIRECT", NULL, NULL));
    ju_close(nc, js);
}

static void
test_delete_and_erase_msg(void)
{
    natsConnection  *nc  = NULL;
    jsCtx           *js  = NULL;
    natsMsg         *msg = NULL;
    jsStreamInfo    *si  = NULL;
    jsErrCode       jerr = 0;

    if (!ju_connect(&nc, &js, NULL))
        return;
    setup_stream(js, "DELMSG", false);

    CHECK_OK(js_DeleteMsg(js, "DELMSG", 1, NULL, &jerr));
    CHECK_INT(jerr, 0);
    CHECK_OK(js_EraseMsg(js, "DELMSG", 2, NULL, &jerr));
    CHECK_STATUS(js_GetMsg(&msg, js, "DELMSG", 1, NULL, NULL), NATS_NOT_FOUND);
    CHECK_STATUS(js_GetMsg(&msg, js, "DELMSG", 2, NULL, NULL), NATS_NOT_FOUND);
    CHECK_OK(js_GetMsg(&msg, js, "DELMSG", 3, NULL, NULL));
    natsMsg_Destroy(msg);
    CHECK_OK(js_GetStreamInfo(&si, js, "DELMSG", NULL, NULL));
    if (si != NULL)
        CHECK_INT(si->State.Msgs, 1);
    jsStreamInfo_Destroy(si);

    // Deleting again fails with the server's error.
    CHECK_ERR(js_DeleteMsg(js, "DELMSG", 1, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0);
    jerr = 0;
    CHECK_ERR(js_EraseMsg(js, "DELMSG", 2, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0);
    tu_reset_last_error();
    CHECK_STATUS(js_DeleteMsg(js, "DELMSG_MISSING", 1, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_INT(jerr, JSStreamNotFoundErr);

    CHECK_ERR(js_DeleteMsg(NULL, "DELMSG", 3, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_DeleteMsg(js, NULL, 3, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_EraseMsg(NULL, "DELMSG", 3, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_ERR(js_EraseMsg(js, "", 3, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteStream(js, "DELMSG", NULL, NULL));
    ju_close(nc, js);
}

int
main(int argc, char **argv)
{
    ju_main_start(argc, argv);

    RUN_TEST(test_get_msg);
    RUN_TEST(test_direct_get_msg);
    RUN_TEST(test_delete_and_erase_msg);
    return tu_finish();
}
