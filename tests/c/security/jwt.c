// JWT authentication tests against a server in operator mode with a memory
// resolver: user credentials from files, memory and callbacks, rejected
// credentials, permissions in the user JWT, and user JWTs that expire while
// connected.
//
// Usage (DIR contains the files that tests/security_jwt.rs writes):
//   jwt creds       PORT DIR SIG   user.creds, user.jwt, user.nk, and the
//                                  rejected other-account.creds,
//                                  wrong-seed.creds, expired.creds; SIG is
//                                  the hex Ed25519 signature of
//                                  SIGNED_MESSAGE with the seed in user.nk
//   jwt permissions PORT DIR       restricted.creds: may not publish to
//                                  forbidden.> nor subscribe to secret.>
//   jwt expiry_close PORT DIR      expiring.creds: a user JWT that expires a
//                                  few seconds after the program starts
//   jwt expiry_renew PORT DIR      expiring.jwt and expiring.creds as above,
//                                  fresh.jwt and fresh.creds for the same
//                                  user without expiry, user.nk
//
// NOTE: Debian's cnats 3.4.1 now and then sends a CONNECT with a user JWT
// but without its signature, which nats-server logs as "Signature missing"
// at debug level. It happened about once in 40 runs, and then one connect of
// a comparison run fails with NATS_CONNECTION_AUTH_FAILED. cnats 3.14 built
// from source did not show it in 60 runs.

#include "security.h"

#define SIGNED_MESSAGE  "security-test-message"

// How long to wait for the expiry of a JWT that expires a few seconds after
// the program starts.
#define EXPIRY_WAIT_MS  (20000)

static int          port;
static const char   *dir;
static const char   *expectedSignatureHex;
static char         url[128];

static char         userSeed[256];

static const char *
file_in_dir(char *buf, const char *name)
{
    return sec_path(buf, SEC_PATH_MAX, dir, name);
}

// Reads DIR/NAME, without a trailing newline, into a malloc'ed string.
static char *
read_trimmed(const char *name)
{
    char path[SEC_PATH_MAX];
    char *data = sec_read_file(file_in_dir(path, name));

    if (data != NULL)
        data[strcspn(data, "\r\n")] = '\0';
    return data;
}

static void
hex_encode(const unsigned char *data, int len, char *out, size_t size)
{
    int i;

    out[0] = '\0';
    for (i = 0; (i < len) && ((size_t) (2 * i + 2) < size); i++)
        sprintf(out + 2 * i, "%02x", data[i]);
}

// ---------------------------------------------------------------------------
// Callbacks
// ---------------------------------------------------------------------------

typedef struct
{
    // JWT returned by the first call, and by every later one.
    const char  *first;
    const char  *later;
    atomic_int  calls;
    natsStatus  failWith;

} jwtSource;

static natsStatus
user_jwt(char **userJWT, char **customErrTxt, void *closure)
{
    jwtSource   *src = (jwtSource *) closure;
    int         n    = atomic_fetch_add(&src->calls, 1);

    if (src->failWith != NATS_OK)
    {
        *customErrTxt = strdup("the test JWT source is unavailable");
        return src->failWith;
    }
    *userJWT = strdup((n == 0) || (src->later == NULL) ? src->first : src->later);
    return (*userJWT == NULL ? NATS_NO_MEMORY : NATS_OK);
}

typedef struct
{
    const char  *seed;
    atomic_int  calls;

} signer;

static natsStatus
sign_nonce(char **customErrTxt, unsigned char **signature, int *signatureLength,
           const char *nonce, void *closure)
{
    signer *sg = (signer *) closure;

    atomic_fetch_add(&sg->calls, 1);
    return nats_Sign(sg->seed, nonce, signature, signatureLength);
}

// ---------------------------------------------------------------------------
// creds mode
// ---------------------------------------------------------------------------

static void
test_chained_creds_file(void)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    char            path[SEC_PATH_MAX];
    unsigned char   sig[64];
    char            hex[256];

    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, file_in_dir(path, "user.creds"), NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    sec_check_roundtrip(nc);
    if (nc != NULL)
    {
        // The connection signs with the seed of the creds file.
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
test_jwt_and_seed_files(void)
{
    natsOptions *opts = sec_options(url);
    char        jwtPath[SEC_PATH_MAX];
    char        seedPath[SEC_PATH_MAX];

    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, file_in_dir(jwtPath, "user.jwt"),
                                                     file_in_dir(seedPath, "user.nk")));
    sec_check_connects(opts);

    CHECK_ERR(natsOptions_SetUserCredentialsFromFiles(opts, NULL, seedPath), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

static void
test_creds_from_memory(void)
{
#if TU_CNATS_3_13
    natsOptions *opts  = sec_options(url);
    char        path[SEC_PATH_MAX];
    char        *creds = sec_read_file(file_in_dir(path, "user.creds"));

    if (creds != NULL)
    {
        CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, creds));
        // The options keep their own copy.
        memset(creds, 'x', strlen(creds));
        sec_check_connects(opts);
        free(creds);
    }
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_SetUserCredentialsFromMemory is new in cnats 3.13");
#endif
}

static void
test_creds_from_memory_invalid(void)
{
#if TU_CNATS_3_13
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    const char      *text = "no JWT here, only a fake seed SUAFAKESEEDTEXT";

    // cnats 3.13 keeps the text and parses it at connect, which then fails
    // (with NATS_NOT_FOUND and no error text).
    CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, text));
    CHECK(natsConnection_Connect(&nc, opts) != NATS_OK);
    CHECK(nc == NULL);
    CHECK_NO_SECRET("SUAFAKESEEDTEXT");
    natsConnection_Destroy(nc);

    // NULL clears the credentials, and the server rejects the connection.
    CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, NULL));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_SetUserCredentialsFromMemory is new in cnats 3.13");
#endif
}

static void
test_creds_callbacks(void)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    char            *jwt  = read_trimmed("user.jwt");
    jwtSource       src;
    signer          sg;
    unsigned char   sig[64];

    memset(&src, 0, sizeof(src));
    memset(&sg, 0, sizeof(sg));
    src.first = jwt;
    sg.seed = userSeed;
    CHECK_OK(natsOptions_SetUserCredentialsCallbacks(opts, user_jwt, &src, sign_nonce, &sg));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    sec_check_roundtrip(nc);
    CHECK_INT(atomic_load(&src.calls), 1);
    CHECK_INT(atomic_load(&sg.calls), 1);
    if (nc != NULL)
    {
        // Callbacks give the library no seed to sign with.
        CHECK_ERR(natsConnection_Sign(nc, (const unsigned char *) "x", 1, sig), NATS_ERR);
    }
    natsConnection_Destroy(nc);

    // One callback without the other is invalid.
    CHECK_ERR(natsOptions_SetUserCredentialsCallbacks(opts, user_jwt, &src, NULL, NULL),
              NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetUserCredentialsCallbacks(opts, NULL, NULL, sign_nonce, &sg),
              NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
    free(jwt);
}

static void
test_jwt_callback_error(void)
{
    natsOptions *opts = sec_options(url);
    jwtSource   src;
    signer      sg;

    // The callback's status and text become the connect error.
    memset(&src, 0, sizeof(src));
    memset(&sg, 0, sizeof(sg));
    src.first = "unused";
    src.failWith = NATS_NOT_FOUND;
    sg.seed = userSeed;
    CHECK_OK(natsOptions_SetUserCredentialsCallbacks(opts, user_jwt, &src, sign_nonce, &sg));
    CHECK_CONNECT_FAILS(opts, NATS_NOT_FOUND, "the test JWT source is unavailable");
    CHECK_INT(atomic_load(&src.calls), 1);
    CHECK_INT(atomic_load(&sg.calls), 0);
    natsOptions_Destroy(opts);
}

// Returns the user seed (the line that starts with "SU") of the creds file
// DIR/NAME in `buf`.
static void
creds_seed(const char *name, char *buf, size_t size)
{
    char path[SEC_PATH_MAX];
    char *data = sec_read_file(file_in_dir(path, name));
    char *line = NULL;

    buf[0] = '\0';
    if (data == NULL)
        return;
    for (line = strtok(data, "\n"); line != NULL; line = strtok(NULL, "\n"))
    {
        if (strncmp(line, "SU", 2) == 0)
        {
            snprintf(buf, size, "%s", line);
            break;
        }
    }
    memset(data, 0, strlen(data));
    free(data);
    CHECK(buf[0] != '\0');
}

// Connects with the creds file DIR/NAME and checks that the server rejects
// it, and that the error shows no seed.
static void
check_creds_rejected(const char *name)
{
    natsOptions *opts = sec_options(url);
    char        path[SEC_PATH_MAX];
    char        seed[256];

    creds_seed(name, seed, sizeof(seed));
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, file_in_dir(path, name), NULL));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    if (seed[0] != '\0')
        CHECK_NO_SECRET(seed);
    CHECK_NO_SECRET(userSeed);
    natsOptions_Destroy(opts);
}

static void
test_creds_rejected(void)
{
    // A user of an account the server does not know.
    check_creds_rejected("other-account.creds");
    // The JWT of one user with the seed of another.
    check_creds_rejected("wrong-seed.creds");
    // A JWT that expired an hour ago.
    check_creds_rejected("expired.creds");
}

static void
test_no_credentials_rejected(void)
{
    natsOptions *opts = sec_options(url);

    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    natsOptions_Destroy(opts);

    // A token is no substitute for a JWT.
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetToken(opts, "some-token"));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    natsOptions_Destroy(opts);
}

static void
test_unusable_creds_files(void)
{
    natsOptions *opts = sec_options(url);
    char        missing[SEC_PATH_MAX];
    char        jwtPath[SEC_PATH_MAX];

    // The files are read at connect: a missing one fails there, and the
    // error names it.
    file_in_dir(missing, "no-such.creds");
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, missing, NULL));
    CHECK_CONNECT_FAILS(opts, NATS_ERR, missing);
    natsOptions_Destroy(opts);

    opts = sec_options(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, file_in_dir(jwtPath, "user.jwt"),
                                                     missing));
    CHECK_CONNECT_FAILS(opts, NATS_ERR, missing);
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------
// permissions mode
// ---------------------------------------------------------------------------

static natsConnection *
connect_restricted(secErrors *errors)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    char            path[SEC_PATH_MAX];

    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts,
                                                     file_in_dir(path, "restricted.creds"), NULL));
    CHECK_OK(natsOptions_SetErrorHandler(opts, sec_error_handler, errors));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

static void
test_jwt_publish_denied(void)
{
    secErrors       errors;
    natsConnection  *nc = NULL;
    char            text[512];
    const char      *lastText = NULL;

    sec_errors_init(&errors);
    nc = connect_restricted(&errors);
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_PublishString(nc, "forbidden.jwt", "not allowed"));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK(tu_wait_for_count(&errors.calls, 1, SEC_WAIT_MS));
        CHECK_STATUS(sec_errors_last(&errors, text, sizeof(text)), NATS_NOT_PERMITTED);
        CHECK_CONTAINS(text, "Permissions Violation for Publish to");
        CHECK_CONTAINS(text, "forbidden.jwt");
        CHECK_STATUS(natsConnection_GetLastError(nc, &lastText), NATS_NOT_PERMITTED);

        // The connection stays up and can use the subjects it may use.
        CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
        sec_check_roundtrip(nc);
        CHECK_INT(atomic_load(&errors.calls), 1);
        CHECK_NO_SECRET(userSeed);
    }
    natsConnection_Destroy(nc);
    sec_errors_destroy(&errors);
}

static void
test_jwt_subscribe_denied(void)
{
    secErrors           errors;
    natsConnection      *nc  = NULL;
    natsSubscription    *sub = NULL;
    char                text[512];

    sec_errors_init(&errors);
    nc = connect_restricted(&errors);
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "secret.jwt"));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK(tu_wait_for_count(&errors.calls, 1, SEC_WAIT_MS));
        CHECK_STATUS(sec_errors_last(&errors, text, sizeof(text)), NATS_NOT_PERMITTED);
        CHECK_CONTAINS(text, "Permissions Violation for Subscription to");
        CHECK_CONTAINS(text, "secret.jwt");

        CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
        sec_check_roundtrip(nc);
        CHECK_INT(atomic_load(&errors.calls), 1);
    }
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    sec_errors_destroy(&errors);
}

// ---------------------------------------------------------------------------
// expiry modes
// ---------------------------------------------------------------------------

// Waits for the server's "User Authentication Expired" report.
// Waits for the server's "User Authentication Expired" report, which must be
// the first one and have the status NATS_CONNECTION_AUTH_FAILED.
static void
check_expiry_reported(secErrors *errors)
{
    char text[sizeof(errors->allTexts)];

    if (!tu_wait_for_count(&errors->calls, 1, EXPIRY_WAIT_MS))
    {
        tu_fail(__FILE__, __LINE__, "no error reported within %d ms of the JWT's expiry",
                EXPIRY_WAIT_MS);
        return;
    }
    CHECK_STATUS(sec_errors_first(errors), NATS_CONNECTION_AUTH_FAILED);
    sec_errors_all(errors, text, sizeof(text));
#if TU_CNATS_3_13
    CHECK_CONTAINS(text, "User Authentication Expired");
#else
    // cnats 3.4.1 passes no text to the handler (see sec_error_handler).
    (void) text;
#endif
}

static void
test_expired_jwt_closes_connection(void)
{
    natsOptions     *opts = sec_options(url);
    natsConnection  *nc   = NULL;
    secErrors       errors;
    secEvents       events;
    char            path[SEC_PATH_MAX];
    const char      *lastText = NULL;

    sec_errors_init(&errors);
    memset(&events, 0, sizeof(events));
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts,
                                                     file_in_dir(path, "expiring.creds"), NULL));
    CHECK_OK(natsOptions_SetErrorHandler(opts, sec_error_handler, &errors));
    sec_set_reconnect_options(opts, &events);
    // Far more attempts than fit in the wait below, so that only the
    // library's own stop on repeated authentication errors closes it.
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 1000));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    sec_check_roundtrip(nc);
    if (nc != NULL)
    {
        check_expiry_reported(&errors);

        // The file still contains the expired JWT. The server accepts it
        // again until the second of its expiry has passed, and expires it at
        // once, and after that it rejects it with "Authorization Violation".
        // After the same error twice in a row the library stops reconnecting
        // and closes the connection.
        CHECK(tu_wait_for_flag(&events.closed, EXPIRY_WAIT_MS));
        CHECK_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
        CHECK(atomic_load(&events.disconnected) >= 1);
        CHECK_STATUS(natsConnection_GetLastError(nc, &lastText), NATS_CONNECTION_AUTH_FAILED);
        if ((lastText == NULL)
            || ((strstr(lastText, "Authorization Violation") == NULL)
                && (strstr(lastText, "User Authentication Expired") == NULL)))
        {
            tu_fail(__FILE__, __LINE__, "the last error of the closed connection is the server's "
                    "rejection (got \"%s\")", (lastText == NULL ? "NULL" : lastText));
        }
        CHECK_STATUS(natsConnection_PublishString(nc, "after.close", "x"),
                     NATS_CONNECTION_CLOSED);
        CHECK_NO_SECRET(userSeed);
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    sec_errors_destroy(&errors);
}

typedef struct
{
    natsOptions     *opts;
    natsConnection  *nc;
    secErrors       errors;
    secEvents       events;

} renewable;

static void
renewable_init(renewable *r)
{
    memset(r, 0, sizeof(*r));
    sec_errors_init(&r->errors);
    r->opts = sec_options(url);
    CHECK_OK(natsOptions_SetErrorHandler(r->opts, sec_error_handler, &r->errors));
    sec_set_reconnect_options(r->opts, &r->events);
}

// After the expiry, the connection reconnects with the renewed credentials.
static void
renewable_check(renewable *r)
{
    check_expiry_reported(&r->errors);
    CHECK(tu_wait_for_flag(&r->events.reconnected, EXPIRY_WAIT_MS));
    CHECK_INT(natsConnection_Status(r->nc), NATS_CONN_STATUS_CONNECTED);
    CHECK_INT(atomic_load(&r->events.closed), 0);
    sec_check_roundtrip(r->nc);
}

static void
renewable_destroy(renewable *r)
{
    natsConnection_Destroy(r->nc);
    natsOptions_Destroy(r->opts);
    sec_errors_destroy(&r->errors);
}

static void
test_renewed_credentials_reconnect(void)
{
    renewable   viaCallback;
    renewable   viaFile;
    jwtSource   src;
    signer      sg;
    char        *expiringJwt = read_trimmed("expiring.jwt");
    char        *freshJwt    = read_trimmed("fresh.jwt");
    char        renewablePath[SEC_PATH_MAX];
    char        source[SEC_PATH_MAX];

    // Both connections start before the JWT expires; the callback returns
    // the fresh JWT from its second call, and the creds file is rewritten
    // while connected.
    memset(&src, 0, sizeof(src));
    memset(&sg, 0, sizeof(sg));
    src.first = expiringJwt;
    src.later = freshJwt;
    sg.seed = userSeed;
    renewable_init(&viaCallback);
    CHECK_OK(natsOptions_SetUserCredentialsCallbacks(viaCallback.opts, user_jwt, &src,
                                                     sign_nonce, &sg));
    CHECK_OK(natsConnection_Connect(&viaCallback.nc, viaCallback.opts));

    file_in_dir(renewablePath, "renewable.creds");
    CHECK(sec_copy_file(file_in_dir(source, "expiring.creds"), renewablePath));
    renewable_init(&viaFile);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(viaFile.opts, renewablePath, NULL));
    CHECK_OK(natsConnection_Connect(&viaFile.nc, viaFile.opts));
    CHECK(sec_copy_file(file_in_dir(source, "fresh.creds"), renewablePath));

    if ((viaCallback.nc != NULL) && (viaFile.nc != NULL))
    {
        renewable_check(&viaCallback);
        CHECK(atomic_load(&src.calls) >= 2);
        CHECK(atomic_load(&sg.calls) >= 2);
        renewable_check(&viaFile);
    }
    renewable_destroy(&viaCallback);
    renewable_destroy(&viaFile);
    free(expiringJwt);
    free(freshJwt);
}

// ---------------------------------------------------------------------------

int
main(int argc, char **argv)
{
    const char  *usage = "creds|permissions|expiry_close|expiry_renew PORT DIR [SIGNATURE_HEX]";
    const char  *mode  = tu_arg(argc, argv, 1, usage);
    char        *seed  = NULL;

    port = atoi(tu_arg(argc, argv, 2, usage));
    dir = tu_arg(argc, argv, 3, usage);
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);

    tu_start_watchdog();
    tu_open_library();

    seed = read_trimmed("user.nk");
    if (seed != NULL)
    {
        snprintf(userSeed, sizeof(userSeed), "%s", seed);
        free(seed);
    }

    if (strcmp(mode, "creds") == 0)
    {
        expectedSignatureHex = tu_arg(argc, argv, 4, usage);
        RUN_TEST(test_chained_creds_file);
        RUN_TEST(test_jwt_and_seed_files);
        RUN_TEST(test_creds_from_memory);
        RUN_TEST(test_creds_from_memory_invalid);
        RUN_TEST(test_creds_callbacks);
        RUN_TEST(test_jwt_callback_error);
        RUN_TEST(test_creds_rejected);
        RUN_TEST(test_no_credentials_rejected);
        RUN_TEST(test_unusable_creds_files);
    }
    else if (strcmp(mode, "permissions") == 0)
    {
        RUN_TEST(test_jwt_publish_denied);
        RUN_TEST(test_jwt_subscribe_denied);
    }
    else if (strcmp(mode, "expiry_close") == 0)
    {
        RUN_TEST(test_expired_jwt_closes_connection);
    }
    else if (strcmp(mode, "expiry_renew") == 0)
    {
        RUN_TEST(test_renewed_credentials_reconnect);
    }
    else
    {
        fprintf(stderr, "unknown mode %s\nusage: %s %s\n", mode, argv[0], usage);
        return 2;
    }

    nats_Close();
    return tu_finish();
}
