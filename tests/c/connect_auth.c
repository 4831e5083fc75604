// Authentication tests: tokens (option, URL, handler) and user/password
// (option, URL, percent-encoded URL), including the failures.
//
// Usage:
//   connect_auth token    PORT   server started with --auth mytoken
//   connect_auth userpass PORT   server with users der-user and plain

#include "test_util.h"

#define TOKEN           "mytoken"
#define SPECIAL_USER    "der-user"
#define SPECIAL_PASS    "p@ss/w:rd%"
// SPECIAL_PASS with '@', '/', ':' and '%' percent-encoded.
#define SPECIAL_PASS_ENCODED "p%40ss%2Fw%3Ard%25"
#define PLAIN_USER      "plain"
#define PLAIN_PASS      "simple"

static int          port;
static char         url[128];

// Connects with `opts` and checks that it fails with AUTH_FAILED and the
// server's "Authorization Violation" text as the last error.
static void
check_auth_failure(natsOptions *opts)
{
    natsConnection  *nc = NULL;
    natsStatus      ls  = NATS_OK;
    const char      *txt;

    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nc == NULL);
    txt = nats_GetLastError(&ls);
    CHECK_STATUS(ls, NATS_CONNECTION_AUTH_FAILED);
    CHECK_CONTAINS(txt, "Authorization Violation");
    natsConnection_Destroy(nc);
}

// ---------------------------------------------------------------------------
// token mode
// ---------------------------------------------------------------------------

static atomic_int tokenHandlerCalls;

static const char *
token_handler(void *closure)
{
    atomic_fetch_add(&tokenHandlerCalls, 1);
    return (const char *) closure;
}

static void
test_token_option(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetToken(opts, TOKEN));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_token_in_url(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            tokenUrl[256];
    char            buf[256];

    tu_make_url(tokenUrl, sizeof(tokenUrl), TOKEN, "127.0.0.1", port);

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, tokenUrl));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    // The connected URL keeps the user info exactly as given.
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, tokenUrl);
    natsConnection_Destroy(nc);
    nc = NULL;
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_ConnectTo(&nc, tokenUrl));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
}

static void
test_token_in_url_wins_over_option(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            tokenUrl[256];

    // The user info of the URL is used before the token option.
    tu_make_url(tokenUrl, sizeof(tokenUrl), TOKEN, "127.0.0.1", port);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, tokenUrl));
    CHECK_OK(natsOptions_SetToken(opts, "not-the-token"));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_token_handler(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    atomic_store(&tokenHandlerCalls, 0);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *) TOKEN));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    CHECK(atomic_load(&tokenHandlerCalls) >= 1);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_token_handler_wrong_token(void)
{
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *) "bad"));
    check_auth_failure(opts);
    natsOptions_Destroy(opts);
}

static void
test_token_wrong(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    natsStatus      ls    = NATS_OK;
    char            badUrl[256];

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetToken(opts, "wrongtoken"));
    check_auth_failure(opts);
    natsOptions_Destroy(opts);

    tu_make_url(badUrl, sizeof(badUrl), "wrongtoken", "127.0.0.1", port);
    CHECK_STATUS(natsConnection_ConnectTo(&nc, badUrl), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nc == NULL);
    CHECK_CONTAINS(nats_GetLastError(&ls), "Authorization Violation");
    CHECK_STATUS(ls, NATS_CONNECTION_AUTH_FAILED);
}

static void
test_token_missing(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    natsStatus      ls    = NATS_OK;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    check_auth_failure(opts);
    natsOptions_Destroy(opts);

    CHECK_STATUS(natsConnection_ConnectTo(&nc, url), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nc == NULL);
    CHECK_CONTAINS(nats_GetLastError(&ls), "Authorization Violation");
}

static void
test_token_and_handler_conflict(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            tokenUrl[256];

    // The conflict is rejected by the second option call, in either order.
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetToken(opts, TOKEN));
    CHECK_STATUS(natsOptions_SetTokenHandler(opts, token_handler, (void *) TOKEN),
                 NATS_ILLEGAL_STATE);
    CHECK_CONTAINS(nats_GetLastError(NULL), "token");
    // Clearing the handler is allowed while a token is set.
    CHECK_OK(natsOptions_SetTokenHandler(opts, NULL, NULL));
    // Clearing the token allows setting a handler.
    CHECK_OK(natsOptions_SetToken(opts, NULL));
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *) TOKEN));
    CHECK_STATUS(natsOptions_SetToken(opts, TOKEN), NATS_ILLEGAL_STATE);
    // Clearing the token is allowed while a handler is set.
    CHECK_OK(natsOptions_SetToken(opts, NULL));

    // A token in the URL and a token handler conflict at connect time.
    tu_make_url(tokenUrl, sizeof(tokenUrl), TOKEN, "127.0.0.1", port);
    CHECK_OK(natsOptions_SetURL(opts, tokenUrl));
    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_ILLEGAL_STATE);
    CHECK(nc == NULL);
    natsOptions_Destroy(opts);
}

static void
run_token_tests(void)
{
    tu_make_url(url, sizeof(url), NULL, "127.0.0.1", port);
    RUN_TEST(test_token_option);
    RUN_TEST(test_token_in_url);
    RUN_TEST(test_token_in_url_wins_over_option);
    RUN_TEST(test_token_handler);
    RUN_TEST(test_token_handler_wrong_token);
    RUN_TEST(test_token_wrong);
    RUN_TEST(test_token_missing);
    RUN_TEST(test_token_and_handler_conflict);
}

// ---------------------------------------------------------------------------
// userpass mode
// ---------------------------------------------------------------------------

static void
test_user_info_option(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetUserInfo(opts, SPECIAL_USER, SPECIAL_PASS));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    nc = NULL;

    CHECK_OK(natsOptions_SetUserInfo(opts, PLAIN_USER, PLAIN_PASS));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_user_info_wrong_password(void)
{
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetUserInfo(opts, PLAIN_USER, "wrong"));
    check_auth_failure(opts);
    natsOptions_Destroy(opts);
}

static void
test_user_info_missing(void)
{
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    check_auth_failure(opts);
    natsOptions_Destroy(opts);
}

static void
test_user_info_in_url(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            credUrl[256];
    char            buf[256];

    tu_make_url(credUrl, sizeof(credUrl), PLAIN_USER ":" PLAIN_PASS, "127.0.0.1", port);

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, credUrl));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, credUrl);
    natsConnection_Destroy(nc);
    nc = NULL;
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_ConnectTo(&nc, credUrl));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    nc = NULL;

    tu_make_url(credUrl, sizeof(credUrl), PLAIN_USER ":wrong", "127.0.0.1", port);
    CHECK_STATUS(natsConnection_ConnectTo(&nc, credUrl), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nc == NULL);
}

static void
test_user_info_in_url_percent_encoded(void)
{
#if TU_CNATS_3_13
    // Percent-decoding of the user info was added in cnats 3.9.
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;
    char            credUrl[256];
    char            buf[256];

    tu_make_url(credUrl, sizeof(credUrl), SPECIAL_USER ":" SPECIAL_PASS_ENCODED,
             "127.0.0.1", port);

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, credUrl));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    tu_check_usable(nc);
    // The connected URL shows the user info still encoded.
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK_STR(buf, credUrl);
    natsConnection_Destroy(nc);
    nc = NULL;
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_ConnectTo(&nc, credUrl));
    tu_check_usable(nc);
    natsConnection_Destroy(nc);
    nc = NULL;

    // An invalid escape fails with NATS_ERR (not NATS_INVALID_ARG) in 3.13.
    tu_make_url(credUrl, sizeof(credUrl), PLAIN_USER ":bad%zz", "127.0.0.1", port);
    CHECK_ERR(natsConnection_ConnectTo(&nc, credUrl), NATS_ERR);
    CHECK(nc == NULL);
    CHECK_CONTAINS(nats_GetLastError(NULL), "percent");
#else
    tu_skip("cnats before 3.9 does not decode percent-encoded user info");
#endif
}

static void
run_userpass_tests(void)
{
    tu_make_url(url, sizeof(url), NULL, "127.0.0.1", port);
    RUN_TEST(test_user_info_option);
    RUN_TEST(test_user_info_wrong_password);
    RUN_TEST(test_user_info_missing);
    RUN_TEST(test_user_info_in_url);
    RUN_TEST(test_user_info_in_url_percent_encoded);
}

int
main(int argc, char **argv)
{
    const char  *usage = "token|userpass PORT";
    const char  *mode  = tu_arg(argc, argv, 1, usage);

    tu_start_watchdog();
    tu_open_library();
    port = atoi(tu_arg(argc, argv, 2, usage));

    if (strcmp(mode, "token") == 0)
        run_token_tests();
    else if (strcmp(mode, "userpass") == 0)
        run_userpass_tests();
    else
    {
        fprintf(stderr, "unknown mode '%s'; usage: %s %s\n", mode, argv[0], usage);
        return 2;
    }

    nats_Close();
    return tu_finish();
}
