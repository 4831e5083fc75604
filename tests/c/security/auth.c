// Authentication tests without JWTs: tokens, users and passwords, NKeys,
// nats_Sign, and the publish and subscribe permissions of a configured
// user. Secrets must never appear in error texts.
//
// Usage:
//   auth token       PORT            `authorization { token: "tok-s3cr3t-42" }`
//   auth userpass    PORT DEAD_PORT  user "alice", password "pa55-w0rd-s3cr3t";
//                                    DEAD_PORT has no listener
//   auth nkey        PORT DIR SIG    NKey users; DIR has user.pub, user.nk
//                                    (seed), other.pub, other.nk (a user the
//                                    server does not know), bad.nk; SIG is
//                                    the hex Ed25519 signature of
//                                    SIGNED_MESSAGE with the seed in user.nk
//   auth permissions PORT            user "limited"/"limited-pw" who may not
//                                    publish to forbidden.> nor subscribe to
//                                    secret.>

#include "security.h"

#define TOKEN           "tok-s3cr3t-42"
#define USER            "alice"
#define PASSWORD        "pa55-w0rd-s3cr3t"
#define LIMITED_USER    "limited"
#define LIMITED_PASS    "limited-pw"
#define SIGNED_MESSAGE  "security-test-message"

static int          port;
static int          deadPort;
static const char   *dir;
static const char   *expectedSignatureHex;
static char         url[128];

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
    natsOptions *opts = sec_options(url);

    CHECK_OK(natsOptions_SetToken(opts, TOKEN));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_token_in_url(void)
{
    natsOptions *opts = NULL;
    char        tokenUrl[256];

    snprintf(tokenUrl, sizeof(tokenUrl), "nats://%s@127.0.0.1:%d", TOKEN, port);
    opts = sec_options(tokenUrl);
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_token_handler(void)
{
    natsOptions *opts = sec_options(url);

    atomic_store(&tokenHandlerCalls, 0);
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *) TOKEN));
    sec_check_connects(opts);
    CHECK_INT(atomic_load(&tokenHandlerCalls), 1);

    // A token and a handler exclude each other.
    CHECK_ERR(natsOptions_SetToken(opts, TOKEN), NATS_ILLEGAL_STATE);
    natsOptions_Destroy(opts);
}

static void
test_token_rejected(void)
{
    natsOptions *opts = sec_options(url);
    char        tokenUrl[256];

    CHECK_OK(natsOptions_SetToken(opts, "wrong-tok-s3cr3t"));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("wrong-tok-s3cr3t");
    natsOptions_Destroy(opts);

    opts = sec_options(url);
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *) "wrong-tok-s3cr3t"));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("wrong-tok-s3cr3t");
    natsOptions_Destroy(opts);

    snprintf(tokenUrl, sizeof(tokenUrl), "nats://wrong-tok-s3cr3t@127.0.0.1:%d", port);
    opts = sec_options(tokenUrl);
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("wrong-tok-s3cr3t");
    natsOptions_Destroy(opts);

    // No token at all.
    opts = sec_options(url);
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------
// userpass mode
// ---------------------------------------------------------------------------

static void
test_user_info_option(void)
{
    natsOptions *opts = sec_options(url);

    CHECK_OK(natsOptions_SetUserInfo(opts, USER, PASSWORD));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_user_info_in_url(void)
{
    natsOptions *opts = NULL;
    char        userUrl[256];

    snprintf(userUrl, sizeof(userUrl), "nats://%s:%s@127.0.0.1:%d", USER, PASSWORD, port);
    opts = sec_options(userUrl);
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_user_info_rejected(void)
{
    natsOptions *opts = sec_options(url);
    char        userUrl[256];

    CHECK_OK(natsOptions_SetUserInfo(opts, USER, "wrong-pa55-s3cr3t"));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("wrong-pa55-s3cr3t");
    natsOptions_Destroy(opts);

    opts = sec_options(url);
    CHECK_OK(natsOptions_SetUserInfo(opts, "mallory", PASSWORD));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET(PASSWORD);
    natsOptions_Destroy(opts);

    snprintf(userUrl, sizeof(userUrl), "nats://%s:wrong-pa55-s3cr3t@127.0.0.1:%d", USER, port);
    opts = sec_options(userUrl);
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("wrong-pa55-s3cr3t");
    natsOptions_Destroy(opts);
}

static void
test_password_not_in_connect_errors(void)
{
    natsOptions *opts = NULL;
    char        userUrl[256];

    // No server listens on DEAD_PORT: the error names the failure, not the
    // password of the URL.
    snprintf(userUrl, sizeof(userUrl), "nats://%s:%s@127.0.0.1:%d", USER, PASSWORD, deadPort);
    opts = sec_options(userUrl);
    CHECK_CONNECT_FAILS(opts, NATS_NO_SERVER, NULL);
    CHECK_NO_SECRET(PASSWORD);
    natsOptions_Destroy(opts);

    opts = sec_options(userUrl);
    CHECK_OK(natsOptions_SetUserInfo(opts, USER, PASSWORD));
    CHECK_CONNECT_FAILS(opts, NATS_NO_SERVER, NULL);
    CHECK_NO_SECRET(PASSWORD);
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------
// nkey mode
// ---------------------------------------------------------------------------

static char userPub[128];
static char userSeed[256];
static char otherPub[128];
static char otherSeed[256];
static char userSeedFile[SEC_PATH_MAX];
static char otherSeedFile[SEC_PATH_MAX];
static char badSeedFile[SEC_PATH_MAX];

// Reads the first line of DIR/NAME into `buf`.
static void
read_line(const char *name, char *buf, size_t size)
{
    char    path[SEC_PATH_MAX];
    char    *data = sec_read_file(sec_path(path, sizeof(path), dir, name));

    buf[0] = '\0';
    if (data == NULL)
        return;
    data[strcspn(data, "\r\n")] = '\0';
    snprintf(buf, size, "%s", data);
    memset(data, 0, strlen(data));
    free(data);
}

typedef struct
{
    const char  *seed;
    atomic_int  calls;
    // When not NATS_OK, the handler fails with this status and text.
    natsStatus  failWith;
    // When true, the handler signs another text than the nonce.
    bool        signWrongText;

} signer;

static natsStatus
sign_nonce(char **customErrTxt, unsigned char **signature, int *signatureLength,
           const char *nonce, void *closure)
{
    signer *sg = (signer *) closure;

    atomic_fetch_add(&sg->calls, 1);
    if (sg->failWith != NATS_OK)
    {
        *customErrTxt = strdup("the test signer refused to sign");
        return sg->failWith;
    }
    return nats_Sign(sg->seed, (sg->signWrongText ? "not the nonce" : nonce),
                     signature, signatureLength);
}

static void
hex_encode(const unsigned char *data, int len, char *out, size_t size)
{
    int i;

    out[0] = '\0';
    for (i = 0; (i < len) && ((size_t) (2 * i + 2) < size); i++)
        sprintf(out + 2 * i, "%02x", data[i]);
}

static void
test_nkey_with_signature_handler(void)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    signer          sg;
    unsigned char   sig[64];

    memset(&sg, 0, sizeof(sg));
    sg.seed = userSeed;
    CHECK_OK(natsOptions_SetNKey(opts, userPub, sign_nonce, &sg));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    sec_check_roundtrip(nc);
    CHECK_INT(atomic_load(&sg.calls), 1);
    if (nc != NULL)
    {
        // Without a seed the library has nothing to sign with.
        CHECK_ERR(natsConnection_Sign(nc, (const unsigned char *) "x", 1, sig), NATS_ERR);
        CHECK_NO_SECRET(userSeed);
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_nkey_from_seed_file(void)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    unsigned char   sig[64];
    char            hex[256];

    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, userPub, userSeedFile));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    sec_check_roundtrip(nc);
    if (nc != NULL)
    {
        memset(sig, 0, sizeof(sig));
        CHECK_OK(natsConnection_Sign(nc, (const unsigned char *) SIGNED_MESSAGE,
                                     (int) strlen(SIGNED_MESSAGE), sig));
        hex_encode(sig, 64, hex, sizeof(hex));
        CHECK_STR(hex, expectedSignatureHex);
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_nkey_rejected(void)
{
    natsOptions *opts = NULL;
    signer      sg;

    // The seed of another key signs the nonce.
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, userPub, otherSeedFile));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET(otherSeed);
    natsOptions_Destroy(opts);

    // A key the server does not know.
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, otherPub, otherSeedFile));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET(otherSeed);
    natsOptions_Destroy(opts);

    // A signature of the wrong text.
    memset(&sg, 0, sizeof(sg));
    sg.seed = userSeed;
    sg.signWrongText = true;
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetNKey(opts, userPub, sign_nonce, &sg));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_INT(atomic_load(&sg.calls), 1);
    natsOptions_Destroy(opts);

    // No NKey at all.
    opts = sec_options(url);
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    natsOptions_Destroy(opts);
}

static void
test_nkey_signature_handler_error(void)
{
    natsOptions *opts = sec_options(url);
    signer      sg;

    // The handler's status and text become the connect error.
    memset(&sg, 0, sizeof(sg));
    sg.seed = userSeed;
    sg.failWith = NATS_NOT_PERMITTED;
    CHECK_OK(natsOptions_SetNKey(opts, userPub, sign_nonce, &sg));
    CHECK_CONNECT_FAILS(opts, NATS_NOT_PERMITTED, "the test signer refused to sign");
    CHECK_INT(atomic_load(&sg.calls), 1);
    natsOptions_Destroy(opts);
}

static void
test_nkey_unusable_seed_files(void)
{
    natsOptions *opts = NULL;
    char        missing[SEC_PATH_MAX];
    char        *badSeed = NULL;

    // The seed file is read at connect, so a missing one fails there and
    // the error names the file.
    sec_path(missing, sizeof(missing), dir, "no-such-seed.nk");
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, userPub, missing));
    CHECK_CONNECT_FAILS(opts, NATS_ERR, missing);
    natsOptions_Destroy(opts);

    // A file without a valid seed: its text never shows in the error.
    badSeed = sec_read_file(badSeedFile);
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, userPub, badSeedFile));
    {
        natsConnection *nc = NULL;

        CHECK(natsConnection_Connect(&nc, opts) != NATS_OK);
        CHECK(nc == NULL);
        natsConnection_Destroy(nc);
    }
    if (badSeed != NULL)
    {
        badSeed[strcspn(badSeed, "\r\n")] = '\0';
        CHECK_NO_SECRET(badSeed);
        free(badSeed);
    }
    natsOptions_Destroy(opts);

    opts = sec_options(url);
    CHECK_ERR(natsOptions_SetNKeyFromSeed(opts, userPub, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetNKey(opts, userPub, NULL, NULL), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

static void
test_nats_sign(void)
{
    unsigned char   *sig    = NULL;
    int             sigLen  = 0;
    char            hex[256];
    char            truncated[256];

    CHECK_OK(nats_Sign(userSeed, SIGNED_MESSAGE, &sig, &sigLen));
    CHECK_INT(sigLen, 64);
    if (sig != NULL)
    {
        hex_encode(sig, sigLen, hex, sizeof(hex));
        CHECK_STR(hex, expectedSignatureHex);
        free(sig);
        sig = NULL;
    }

    // A damaged seed is rejected without being echoed.
    snprintf(truncated, sizeof(truncated), "%.*s", (int) strlen(userSeed) - 3, userSeed);
    tu_reset_last_error();
    CHECK(nats_Sign(truncated, SIGNED_MESSAGE, &sig, &sigLen) != NATS_OK);
    CHECK(sig == NULL);
    CHECK_NO_SECRET(truncated);
    // The public key is not a seed.
    tu_reset_last_error();
    CHECK(nats_Sign(userPub, SIGNED_MESSAGE, &sig, &sigLen) != NATS_OK);
    CHECK(sig == NULL);

    CHECK_ERR(nats_Sign(NULL, SIGNED_MESSAGE, &sig, &sigLen), NATS_INVALID_ARG);
    CHECK_ERR(nats_Sign(userSeed, SIGNED_MESSAGE, NULL, &sigLen), NATS_INVALID_ARG);
    CHECK_NO_SECRET(userSeed);
}

// ---------------------------------------------------------------------------
// permissions mode
// ---------------------------------------------------------------------------

// Waits until the error handler has been called `calls` times.
static bool
wait_errors(secErrors *e, int calls)
{
    return tu_wait_for_count(&e->calls, calls, SEC_WAIT_MS);
}

static natsConnection *
connect_limited(secErrors *errors)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;

    CHECK_OK(natsOptions_SetUserInfo(opts, LIMITED_USER, LIMITED_PASS));
    CHECK_OK(natsOptions_SetErrorHandler(opts, sec_error_handler, errors));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

static void
test_publish_denied(void)
{
    secErrors       errors;
    natsConnection  *nc = NULL;
    char            text[512];
    const char      *lastText = NULL;

    sec_errors_init(&errors);
    nc = connect_limited(&errors);
    if (nc != NULL)
    {
        // The publish itself succeeds. The server replies with -ERR, which
        // the error handler reports, and the connection stays up.
        CHECK_OK(natsConnection_PublishString(nc, "forbidden.x", "not allowed"));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK(wait_errors(&errors, 1));
        CHECK_STATUS(sec_errors_last(&errors, text, sizeof(text)), NATS_NOT_PERMITTED);
        CHECK_CONTAINS(text, "Permissions Violation for Publish to");
        CHECK_CONTAINS(text, "forbidden.x");
        CHECK_STATUS(natsConnection_GetLastError(nc, &lastText), NATS_NOT_PERMITTED);
        CHECK_CONTAINS(lastText, "forbidden.x");

        CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
        sec_check_roundtrip(nc);
        CHECK_INT(atomic_load(&errors.calls), 1);
        CHECK_NO_SECRET(LIMITED_PASS);
        CHECK(strstr(text, LIMITED_PASS) == NULL);
    }
    natsConnection_Destroy(nc);
    sec_errors_destroy(&errors);
}

static void
test_subscribe_denied(void)
{
    secErrors           errors;
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;
    char                text[512];

    sec_errors_init(&errors);
    nc = connect_limited(&errors);
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "secret.x"));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK(wait_errors(&errors, 1));
        CHECK_STATUS(sec_errors_last(&errors, text, sizeof(text)), NATS_NOT_PERMITTED);
        CHECK_CONTAINS(text, "Permissions Violation for Subscription to");
        CHECK_CONTAINS(text, "secret.x");

        CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
        sec_check_roundtrip(nc);
        CHECK_INT(atomic_load(&errors.calls), 1);
    }
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    sec_errors_destroy(&errors);
}

static void
test_permissions_wrong_password(void)
{
    natsOptions *opts = sec_options(url);

    CHECK_OK(natsOptions_SetUserInfo(opts, LIMITED_USER, "not-limited-pw"));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("not-limited-pw");
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------

static void
load_nkey_files(void)
{
    read_line("user.pub", userPub, sizeof(userPub));
    read_line("user.nk", userSeed, sizeof(userSeed));
    read_line("other.pub", otherPub, sizeof(otherPub));
    read_line("other.nk", otherSeed, sizeof(otherSeed));
    sec_path(userSeedFile, sizeof(userSeedFile), dir, "user.nk");
    sec_path(otherSeedFile, sizeof(otherSeedFile), dir, "other.nk");
    sec_path(badSeedFile, sizeof(badSeedFile), dir, "bad.nk");
}

int
main(int argc, char **argv)
{
    const char *usage = "token|userpass|nkey|permissions PORT [DEAD_PORT | DIR SIGNATURE_HEX]";
    const char *mode  = tu_arg(argc, argv, 1, usage);

    port = atoi(tu_arg(argc, argv, 2, usage));
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);

    tu_start_watchdog();
    tu_open_library();

    if (strcmp(mode, "token") == 0)
    {
        RUN_TEST(test_token_option);
        RUN_TEST(test_token_in_url);
        RUN_TEST(test_token_handler);
        RUN_TEST(test_token_rejected);
    }
    else if (strcmp(mode, "userpass") == 0)
    {
        deadPort = atoi(tu_arg(argc, argv, 3, usage));
        RUN_TEST(test_user_info_option);
        RUN_TEST(test_user_info_in_url);
        RUN_TEST(test_user_info_rejected);
        RUN_TEST(test_password_not_in_connect_errors);
    }
    else if (strcmp(mode, "nkey") == 0)
    {
        dir = tu_arg(argc, argv, 3, usage);
        expectedSignatureHex = tu_arg(argc, argv, 4, usage);
        load_nkey_files();
        RUN_TEST(test_nkey_with_signature_handler);
        RUN_TEST(test_nkey_from_seed_file);
        RUN_TEST(test_nkey_rejected);
        RUN_TEST(test_nkey_signature_handler_error);
        RUN_TEST(test_nkey_unusable_seed_files);
        RUN_TEST(test_nats_sign);
    }
    else if (strcmp(mode, "permissions") == 0)
    {
        RUN_TEST(test_publish_denied);
        RUN_TEST(test_subscribe_denied);
        RUN_TEST(test_permissions_wrong_password);
    }
    else
    {
        fprintf(stderr, "unknown mode %s\nusage: %s %s\n", mode, argv[0], usage);
        return 2;
    }

    nats_Close();
    return tu_finish();
}
