// Connects over TLS with a token, publishes, receives and closes, so that
// a run under valgrind checks the TLS paths for leaks and invalid memory
// accesses. The connect timeout is long because valgrind slows the
// handshake down.
//
// Usage: tls_leak URL CA_FILE

#include "test_util.h"

static const char *url;
static const char *caFile;

static void
test_tls_round_trip(void)
{
    natsOptions         *opts = NULL;
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    natsMsg             *msg  = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    CHECK_OK(natsOptions_SetToken(opts, "mytoken"));
    CHECK_OK(natsOptions_SetTimeout(opts, 60000));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "tls.leak"));
    CHECK_OK(natsConnection_PublishString(nc, "tls.leak", "hello"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, 30000));
    if (msg != NULL)
        CHECK_STR(natsMsg_GetData(msg), "hello");

    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_bad_ca_file(void)
{
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_LoadCATrustedCertificates(opts, "/nonexistent/ca.pem"), NATS_SSL_ERROR);
    natsOptions_Destroy(opts);
}

int
main(int argc, char **argv)
{
    url = tu_arg(argc, argv, 1, "URL CA_FILE");
    caFile = tu_arg(argc, argv, 2, "URL CA_FILE");
    tu_start_watchdog();
    tu_open_library();

    RUN_TEST(test_tls_round_trip);
    RUN_TEST(test_bad_ca_file);

    CHECK_OK(nats_CloseAndWait(0));
    return tu_finish();
}
