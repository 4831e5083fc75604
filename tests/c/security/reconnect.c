// Reconnect tests: connections that authenticate with a token, a user and
// password, an NKey, user credentials, or a client certificate keep their
// credentials across a server restart on the same port, resend their
// subscriptions and carry messages again.
//
// Usage (the harness restarts the server when the program prints
// `CTL restart`):
//   reconnect token    PORT       `authorization { token: "tok-s3cr3t-42" }`
//   reconnect userpass PORT       user "alice", password "pa55-w0rd-s3cr3t"
//   reconnect nkey     PORT DIR   NKey user; DIR has user.pub and user.nk
//   reconnect creds    PORT DIR   operator mode; DIR has user.creds,
//                                 user.jwt and user.nk
//   reconnect tls      PORT DIR   TLS with `verify: true`; DIR is the
//                                 certificate folder of `Pki`

#include "security.h"

#define TOKEN       "tok-s3cr3t-42"
#define USER        "alice"
#define PASSWORD    "pa55-w0rd-s3cr3t"
#define MAX_CLIENTS (8)

static int          port;
static const char   *dir;
static char         url[128];

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

// One connection under test, with its own events and subscription.
typedef struct
{
    const char          *label;
    natsOptions         *opts;
    natsConnection      *nc;
    natsSubscription    *sub;
    char                subject[64];
    secEvents           events;
    secErrors           errors;
    atomic_int          received;

} client;

static client   clients[MAX_CLIENTS];
static int      clientCount;

// Callbacks whose calls show that the credentials are fetched again, and
// how many calls each setup expects after the first connect and one
// reconnect (one call per connect of each client that uses it).
static atomic_int   tokenHandlerCalls;
static atomic_int   signatureCalls;
static atomic_int   jwtCalls;
static int          expectedTokenHandlerCalls;
static int          expectedSignatureCalls;
static int          expectedJwtCalls;
static char         *userSeed;
static char         *userJwt;

static const char *
token_handler(void *closure)
{
    atomic_fetch_add(&tokenHandlerCalls, 1);
    return TOKEN;
}

static natsStatus
sign_nonce(char **customErrTxt, unsigned char **signature, int *signatureLength,
           const char *nonce, void *closure)
{
    atomic_fetch_add(&signatureCalls, 1);
    return nats_Sign(userSeed, nonce, signature, signatureLength);
}

static natsStatus
user_jwt(char **jwt, char **customErrTxt, void *closure)
{
    atomic_fetch_add(&jwtCalls, 1);
    *jwt = strdup(userJwt);
    return (*jwt == NULL ? NATS_NO_MEMORY : NATS_OK);
}

static void
on_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    atomic_fetch_add(&((client *) closure)->received, 1);
    natsMsg_Destroy(msg);
}

// Adds a client with reconnect options and an error handler, and returns
// its options for the mode's credentials.
static natsOptions *
add_client(const char *label, const char *clientUrl)
{
    client *c = NULL;

    if (clientCount == MAX_CLIENTS)
    {
        printf("FAIL setup: more than MAX_CLIENTS (%d) clients\n", MAX_CLIENTS);
        printf("0 passed, 1 failed\n");
        exit(1);
    }
    c = &clients[clientCount];
    memset(c, 0, sizeof(*c));
    c->label = label;
    snprintf(c->subject, sizeof(c->subject), "reconnect.%d", clientCount);
    sec_errors_init(&c->errors);
    c->opts = sec_options(clientUrl);
    sec_set_reconnect_options(c->opts, &c->events);
    CHECK_OK(natsOptions_SetErrorHandler(c->opts, sec_error_handler, &c->errors));
    clientCount++;
    return c->opts;
}

static void
setup_token(void)
{
    char tokenUrl[256];

    CHECK_OK(natsOptions_SetToken(add_client("token option", url), TOKEN));
    CHECK_OK(natsOptions_SetTokenHandler(add_client("token handler", url), token_handler, NULL));
    expectedTokenHandlerCalls = 2;
    snprintf(tokenUrl, sizeof(tokenUrl), "nats://%s@127.0.0.1:%d", TOKEN, port);
    (void) add_client("token in URL", tokenUrl);
}

static void
setup_userpass(void)
{
    char userUrl[256];

    CHECK_OK(natsOptions_SetUserInfo(add_client("user info option", url), USER, PASSWORD));
    snprintf(userUrl, sizeof(userUrl), "nats://%s:%s@127.0.0.1:%d", USER, PASSWORD, port);
    (void) add_client("user info in URL", userUrl);
}

static void
setup_nkey(void)
{
    char    *pub = read_trimmed("user.pub");
    char    path[SEC_PATH_MAX];

    userSeed = read_trimmed("user.nk");
    if ((pub == NULL) || (userSeed == NULL))
    {
        free(pub);
        return;
    }
    CHECK_OK(natsOptions_SetNKey(add_client("NKey signature handler", url), pub, sign_nonce, NULL));
    expectedSignatureCalls = 2;
    CHECK_OK(natsOptions_SetNKeyFromSeed(add_client("NKey seed file", url), pub,
                                         file_in_dir(path, "user.nk")));
    free(pub);
}

static void
setup_creds(void)
{
    char path[SEC_PATH_MAX];
    char seedPath[SEC_PATH_MAX];

    userSeed = read_trimmed("user.nk");
    userJwt = read_trimmed("user.jwt");
    if ((userSeed == NULL) || (userJwt == NULL))
        return;
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(add_client("chained creds file", url),
                                                     file_in_dir(path, "user.creds"), NULL));
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(add_client("JWT and seed files", url),
                                                     file_in_dir(path, "user.jwt"),
                                                     file_in_dir(seedPath, "user.nk")));
    CHECK_OK(natsOptions_SetUserCredentialsCallbacks(add_client("credential callbacks", url),
                                                     user_jwt, NULL, sign_nonce, NULL));
    expectedJwtCalls = 2;
    expectedSignatureCalls = 2;
#if TU_CNATS_3_13
    {
        char *creds = sec_read_file(file_in_dir(path, "user.creds"));

        if (creds != NULL)
        {
            CHECK_OK(natsOptions_SetUserCredentialsFromMemory(add_client("creds in memory", url),
                                                              creds));
            free(creds);
        }
    }
#endif
}

static void
setup_tls(void)
{
    char        tlsUrl[128];
    char        ca[SEC_PATH_MAX];
    char        cert[SEC_PATH_MAX];
    char        key[SEC_PATH_MAX];
    char        *caPem   = NULL;
    char        *certPem = NULL;
    char        *keyPem  = NULL;
    natsOptions *opts    = NULL;

    snprintf(tlsUrl, sizeof(tlsUrl), "tls://127.0.0.1:%d", port);
    file_in_dir(ca, "ca.pem");
    file_in_dir(cert, "client-cert.pem");
    file_in_dir(key, "client-key.pem");

    opts = add_client("certificate files", tlsUrl);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ca));
    CHECK_OK(natsOptions_LoadCertificatesChain(opts, cert, key));

    caPem = sec_read_file(ca);
    certPem = sec_read_file(cert);
    keyPem = sec_read_file(key);
    if ((caPem != NULL) && (certPem != NULL) && (keyPem != NULL))
    {
        opts = add_client("certificates in memory", url);
        CHECK_OK(natsOptions_SetSecure(opts, true));
        CHECK_OK(natsOptions_SetCATrustedCertificates(opts, caPem));
        CHECK_OK(natsOptions_SetCertificatesChain(opts, certPem, keyPem));
    }
    free(caPem);
    free(certPem);
    free(keyPem);

#if TU_CNATS_3_13
    opts = add_client("certificate files read at each connect", tlsUrl);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ca));
    CHECK_OK(natsOptions_LoadCertificatesChainDynamic(opts, cert, key));
#endif
}

// Publishes on each client's subject and waits until its own subscription
// has received `expected` messages in total.
static void
check_subscriptions_deliver(int expected)
{
    int i;

    for (i = 0; i < clientCount; i++)
    {
        client *c = &clients[i];

        if (c->nc == NULL)
            continue;
        CHECK_OK(natsConnection_PublishString(c->nc, c->subject, c->label));
        CHECK_OK(natsConnection_Flush(c->nc));
        if (!tu_wait_for_count(&c->received, expected, SEC_WAIT_MS))
        {
            tu_fail(__FILE__, __LINE__, "%s: %d of %d messages arrived on %s", c->label,
                    atomic_load(&c->received), expected, c->subject);
        }
    }
}

static void
test_reconnect_keeps_credentials(void)
{
    int i;

    for (i = 0; i < clientCount; i++)
    {
        client *c = &clients[i];
        natsStatus s = natsConnection_Connect(&c->nc, c->opts);

        if (s != NATS_OK)
        {
            tu_fail(__FILE__, __LINE__, "%s: connect returned %d '%s' (%s)", c->label, (int) s,
                    tu_status_text(s), sec_last_error_text());
            continue;
        }
        CHECK_OK(natsConnection_Subscribe(&c->sub, c->nc, c->subject, on_message, c));
        CHECK_OK(natsConnection_Flush(c->nc));
    }
    check_subscriptions_deliver(1);

    if (!sec_control("restart"))
        return;

    for (i = 0; i < clientCount; i++)
    {
        client *c = &clients[i];

        if (c->nc == NULL)
            continue;
        if (!tu_wait_for_flag(&c->events.reconnected, 10000))
        {
            const char  *txt = NULL;
            natsStatus  s    = natsConnection_GetLastError(c->nc, &txt);

            tu_fail(__FILE__, __LINE__, "%s: no reconnect within 10 s (status %d, last error %d '%s')",
                    c->label, (int) natsConnection_Status(c->nc), (int) s,
                    (txt == NULL ? "" : txt));
            continue;
        }
        CHECK(atomic_load(&c->events.disconnected) >= 1);
        CHECK_INT(atomic_load(&c->events.closed), 0);
        CHECK_INT(natsConnection_Status(c->nc), NATS_CONN_STATUS_CONNECTED);
        if (atomic_load(&c->errors.calls) != 0)
        {
            char text[512];

            (void) sec_errors_last(&c->errors, text, sizeof(text));
            tu_fail(__FILE__, __LINE__, "%s: the error handler reported \"%s\"", c->label, text);
        }
    }

    // The resent subscriptions deliver, and new ones work too.
    check_subscriptions_deliver(2);
    for (i = 0; i < clientCount; i++)
        sec_check_roundtrip(clients[i].nc);
}

static void
test_credentials_fetched_again(void)
{
    // The reconnect calls the callbacks again. It needs a new signature
    // because the restarted server sends a new nonce.
    CHECK_INT(atomic_load(&tokenHandlerCalls), expectedTokenHandlerCalls);
    CHECK_INT(atomic_load(&signatureCalls), expectedSignatureCalls);
    CHECK_INT(atomic_load(&jwtCalls), expectedJwtCalls);
}

static void (*setup)(void);

static void
test_setup(void)
{
    setup();
    CHECK(clientCount > 0);
}

static void
destroy_clients(void)
{
    int i;

    for (i = 0; i < clientCount; i++)
    {
        natsSubscription_Destroy(clients[i].sub);
        natsConnection_Destroy(clients[i].nc);
        natsOptions_Destroy(clients[i].opts);
        sec_errors_destroy(&clients[i].errors);
    }
    clientCount = 0;
}

int
main(int argc, char **argv)
{
    const char *usage = "token|userpass|nkey|creds|tls PORT [DIR]";
    const char *mode  = tu_arg(argc, argv, 1, usage);

    port = atoi(tu_arg(argc, argv, 2, usage));
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);

    tu_start_watchdog();
    tu_open_library();

    if (strcmp(mode, "token") == 0)
        setup = setup_token;
    else if (strcmp(mode, "userpass") == 0)
        setup = setup_userpass;
    else
    {
        dir = tu_arg(argc, argv, 3, usage);
        if (strcmp(mode, "nkey") == 0)
            setup = setup_nkey;
        else if (strcmp(mode, "creds") == 0)
            setup = setup_creds;
        else if (strcmp(mode, "tls") == 0)
            setup = setup_tls;
        else
        {
            fprintf(stderr, "unknown mode %s\nusage: %s %s\n", mode, argv[0], usage);
            return 2;
        }
    }

    RUN_TEST(test_setup);
    RUN_TEST(test_reconnect_keeps_credentials);
    RUN_TEST(test_credentials_fetched_again);

    destroy_clients();
    free(userSeed);
    free(userJwt);
    nats_Close();
    return tu_finish();
}
