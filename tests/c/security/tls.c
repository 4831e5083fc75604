// TLS tests: server verification, mutual TLS, handshake first, host name
// and expiry checks, the verification callback, ciphers, the proxy
// connection handler, and the token flow over TLS.
//
// Usage (CERTDIR contains the files that tests/security/mod.rs `Pki` writes):
//   tls server_auth     CERTDIR TLS_PORT PLAIN_PORT HTTP_PORT DEAD_PORT
//                       TLS_PORT: server certificate for localhost and
//                       127.0.0.1, monitoring on HTTP_PORT; PLAIN_PORT: no
//                       TLS; DEAD_PORT: a loopback port without a listener
//   tls mutual          CERTDIR PORT   TLS with `verify: true`
//   tls handshake_first CERTDIR PORT   TLS with `handshake_first: true`
//   tls wrong_host      CERTDIR PORT   certificate for wrong.example.com
//   tls expired         CERTDIR PORT   certificate that expired a day ago
//   tls token           CERTDIR PORT   TLS and `authorization { token }`

#include "security.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define TOKEN "tls-token-s3cr3t"

// OpenSSL's texts for the verification errors (X509_verify_cert_error_string).
#define REASON_UNKNOWN_ISSUER   "unable to get local issuer certificate"
#define REASON_EXPIRED          "certificate has expired"
#define REASON_HOSTNAME         "hostname mismatch"
#define REASON_IP_ADDRESS       "IP address mismatch"

static const char   *certDir;
static int          port;
static int          plainPort;
static int          httpPort;
static int          deadPort;
static char         tlsUrl[128];
static char         natsUrl[128];

static char         caFile[SEC_PATH_MAX];
static char         otherCaFile[SEC_PATH_MAX];
static char         caPath[SEC_PATH_MAX];
static char         notACertFile[SEC_PATH_MAX];
static char         clientCert[SEC_PATH_MAX];
static char         clientKey[SEC_PATH_MAX];
static char         otherClientCert[SEC_PATH_MAX];
static char         otherClientKey[SEC_PATH_MAX];
static char         serverKey[SEC_PATH_MAX];

// Options for tls://127.0.0.1:PORT that trust ca.pem.
static natsOptions *
trusted_tls_options(void)
{
    natsOptions *opts = sec_options(tlsUrl);

    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    return opts;
}

// ---------------------------------------------------------------------------
// Verification callback (cnats 3.13)
// ---------------------------------------------------------------------------

#if TU_CNATS_3_13

// What the verification callback saw, reset by verify_reset().
static struct
{
    atomic_int  calls;
    atomic_int  rejectedByOpenSSL;  // calls with preverifyOk == 0
    atomic_int  firstError;         // X509_STORE_CTX_get_error of the first rejected call
    atomic_int  sawLeaf;            // depth 0 with subject CN=<expected leaf>
    atomic_int  sawCa;              // depth 1 with the CA's subject
    int         verdict;            // value to return, or -1 for preverifyOk
    const char  *leafName;

} verify;

static void
verify_reset(int verdict, const char *leafName)
{
    atomic_store(&verify.calls, 0);
    atomic_store(&verify.rejectedByOpenSSL, 0);
    atomic_store(&verify.firstError, 0);
    atomic_store(&verify.sawLeaf, 0);
    atomic_store(&verify.sawCa, 0);
    verify.verdict = verdict;
    verify.leafName = leafName;
}

// Reads the certificate under verification from OpenSSL's X509_STORE_CTX,
// which cnats passes as `ctx`.
static int
verify_callback(int preverifyOk, void *ctx)
{
    X509_STORE_CTX *store   = (X509_STORE_CTX *) ctx;
    X509            *cert   = X509_STORE_CTX_get_current_cert(store);
    int             depth   = X509_STORE_CTX_get_error_depth(store);
    char            subject[256] = {0};
    char            leafCn[300];

    atomic_fetch_add(&verify.calls, 1);
    if (cert != NULL)
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
    snprintf(leafCn, sizeof(leafCn), "CN=%s", verify.leafName);
    if ((depth == 0) && (strstr(subject, leafCn) != NULL))
        atomic_store(&verify.sawLeaf, 1);
    if ((depth == 1) && (strstr(subject, "CN=NATS Security Test CA") != NULL))
        atomic_store(&verify.sawCa, 1);
    if (!preverifyOk)
    {
        int expectedNone = 0;

        atomic_fetch_add(&verify.rejectedByOpenSSL, 1);
        atomic_compare_exchange_strong(&verify.firstError, &expectedNone,
                                       X509_STORE_CTX_get_error(store));
    }
    return (verify.verdict < 0 ? preverifyOk : verify.verdict);
}

#endif

// ---------------------------------------------------------------------------
// server_auth mode
// ---------------------------------------------------------------------------

static void
test_tls_url_with_ca_file(void)
{
    natsOptions     *opts = trusted_tls_options();
    natsConnection  *nc   = NULL;
    char            buf[256];

    CHECK_OK(natsConnection_Connect(&nc, opts));
    sec_check_roundtrip(nc);
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
        CHECK_STR(buf, tlsUrl);
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
}

static void
test_tls_localhost_matches_dns_san(void)
{
    natsOptions *opts = NULL;
    char        url[128];

    snprintf(url, sizeof(url), "tls://localhost:%d", port);
    opts = sec_options(url);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_set_secure_with_nats_url(void)
{
    natsOptions *opts = sec_options(natsUrl);

    CHECK_OK(natsOptions_SetSecure(opts, true));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_ca_from_memory(void)
{
    natsOptions *opts = sec_options(tlsUrl);
    char        *pem  = sec_read_file(caFile);

    if (pem == NULL)
        return;
    CHECK_OK(natsOptions_SetCATrustedCertificates(opts, pem));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
    free(pem);
}

static void
test_ca_from_path(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = sec_options(tlsUrl);
    char        emptyDir[SEC_PATH_MAX];

    CHECK_OK(natsOptions_LoadCATrustedCertificatesPath(opts, caPath));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);

    // OpenSSL reads a CA folder only while it verifies, so a folder without
    // the CA is accepted by the option and fails the handshake.
    snprintf(emptyDir, sizeof(emptyDir), "%s/empty-capath", certDir);
    mkdir(emptyDir, 0700);
    opts = sec_options(tlsUrl);
    CHECK_OK(natsOptions_LoadCATrustedCertificatesPath(opts, emptyDir));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);

    opts = sec_options(tlsUrl);
    CHECK_ERR(natsOptions_LoadCATrustedCertificatesPath(opts, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_LoadCATrustedCertificatesPath(opts, ""), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_LoadCATrustedCertificatesPath is new in cnats 3.13");
#endif
}

static void
test_untrusted_server_without_ca(void)
{
    // Only the system's default CAs are trusted, and none signed the server.
    natsOptions *opts = sec_options(tlsUrl);

    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);
}

static void
test_other_ca_rejects_server(void)
{
    natsOptions *opts = sec_options(tlsUrl);

    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, otherCaFile));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);
}

static void
test_server_requiring_tls_switches_plain_url(void)
{
    natsOptions     *opts = NULL;
    natsConnection  *nc   = NULL;

    // The server's INFO requires TLS, so the client switches to TLS and
    // verifies the server against the system's CAs, which fails.
    tu_reset_last_error();
    CHECK_STATUS(natsConnection_ConnectTo(&nc, natsUrl), NATS_SSL_ERROR);
    CHECK(nc == NULL);
    CHECK_CONTAINS(sec_last_error_text(), REASON_UNKNOWN_ISSUER);

    opts = sec_options(natsUrl);
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);
}

static void
test_server_requiring_tls_uses_loaded_ca(void)
{
    // A CA without SetSecure: the switch to TLS keeps the loaded CA.
    natsOptions *opts = sec_options(natsUrl);

    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_tls_wanted_but_server_has_none(void)
{
    natsOptions *opts = NULL;
    char        url[128];

#if TU_CNATS_3_13
    {
        natsConnection *nc = NULL;

        // cnats 3.4.1 still connects in plain text here.
        snprintf(url, sizeof(url), "tls://127.0.0.1:%d", plainPort);
        tu_reset_last_error();
        CHECK_STATUS(natsConnection_ConnectTo(&nc, url), NATS_SECURE_CONNECTION_WANTED);
        CHECK(nc == NULL);
        natsConnection_Destroy(nc);
    }
#endif

    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", plainPort);
    opts = sec_options(url);
    CHECK_OK(natsOptions_SetSecure(opts, true));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    CHECK_CONNECT_FAILS(opts, NATS_SECURE_CONNECTION_WANTED, NULL);
    natsOptions_Destroy(opts);
}

static void
test_skip_server_verification(void)
{
    natsOptions *opts = sec_options(tlsUrl);

    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    sec_check_connects(opts);

    // Turning it off again restores the verification.
    CHECK_OK(natsOptions_SkipServerVerification(opts, false));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);
}

static void
test_expected_hostname(void)
{
    natsOptions *opts = trusted_tls_options();

    // The URL has an IP address, the expected name replaces it.
    CHECK_OK(natsOptions_SetExpectedHostname(opts, "localhost"));
    sec_check_connects(opts);

    CHECK_OK(natsOptions_SetExpectedHostname(opts, "other.example.com"));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_HOSTNAME);

    // NULL goes back to the URL's host.
    CHECK_OK(natsOptions_SetExpectedHostname(opts, NULL));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_unloadable_ca_files(void)
{
    natsOptions *opts = sec_options(tlsUrl);
    char        missing[SEC_PATH_MAX];

    sec_path(missing, sizeof(missing), certDir, "no-such-ca.pem");
    CHECK_ERR(natsOptions_LoadCATrustedCertificates(opts, missing), NATS_SSL_ERROR);
    CHECK_CONTAINS(sec_last_error_text(), missing);
    CHECK_ERR(natsOptions_LoadCATrustedCertificates(opts, notACertFile), NATS_SSL_ERROR);
    CHECK_ERR(natsOptions_SetCATrustedCertificates(opts, "not a PEM certificate"),
              NATS_SSL_ERROR);
    CHECK_ERR(natsOptions_LoadCATrustedCertificates(opts, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_LoadCATrustedCertificates(opts, ""), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCATrustedCertificates(opts, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCATrustedCertificates(opts, ""), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

// Returns the JSON of the open connection named `name` in /connz, cut
// before the next connection, in `out`.
static bool
connz_entry(const char *name, char *out, size_t size)
{
    static char response[65536];
    char        needle[128];
    const char  *start;
    const char  *end;

    if (!sec_http_get(httpPort, "/connz", response, sizeof(response)))
        return false;
    snprintf(needle, sizeof(needle), "\"name\": \"%s\"", name);
    start = strstr(response, needle);
    if (start == NULL)
        return false;
    end = strstr(start, "\"cid\"");
    if (end == NULL)
        end = start + strlen(start);
    snprintf(out, size, "%.*s", (int) (end - start), start);
    return true;
}

// Connects with `opts` under connection name `name` and checks, in the
// server's /connz, the negotiated TLS version and the start of the cipher
// suite's name.
static void
check_negotiated(natsOptions *opts, const char *name, const char *version, const char *cipher)
{
    natsConnection  *nc = NULL;
    char            entry[4096];
    char            expected[128];

    CHECK_OK(natsOptions_SetName(opts, name));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    if (nc == NULL)
        return;
    sec_check_roundtrip(nc);
    if (!connz_entry(name, entry, sizeof(entry)))
    {
        tu_fail(__FILE__, __LINE__, "connection %s not found in /connz on port %d", name, httpPort);
    }
    else
    {
        snprintf(expected, sizeof(expected), "\"tls_version\": \"%s\"", version);
        CHECK_CONTAINS(entry, expected);
        snprintf(expected, sizeof(expected), "\"tls_cipher_suite\": \"%s", cipher);
        CHECK_CONTAINS(entry, expected);
    }
    natsConnection_Destroy(nc);
}

static void
test_cipher_suites_tls13(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_SetCipherSuites(opts, "TLS_CHACHA20_POLY1305_SHA256"));
    check_negotiated(opts, "suite-chacha", "1.3", "TLS_CHACHA20_POLY1305_SHA256");
    natsOptions_Destroy(opts);

    opts = trusted_tls_options();
    CHECK_OK(natsOptions_SetCipherSuites(opts, "TLS_AES_256_GCM_SHA384"));
    check_negotiated(opts, "suite-aes256", "1.3", "TLS_AES_256_GCM_SHA384");
    natsOptions_Destroy(opts);

    opts = trusted_tls_options();
    CHECK_ERR(natsOptions_SetCipherSuites(opts, "NOT_A_CIPHER_SUITE"), NATS_SSL_ERROR);
    natsOptions_Destroy(opts);
}

static void
test_ciphers_list(void)
{
    natsOptions *opts = trusted_tls_options();

    // The list applies to TLS 1.2 and lower. nats-server 2.15 and OpenSSL 3
    // agree on TLS 1.3, and cnats has no option to cap the version, so only
    // the acceptance of the list is visible.
    CHECK_OK(natsOptions_SetCiphers(opts, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"));
    check_negotiated(opts, "cipher-list", "1.3", "TLS_AES_");
    natsOptions_Destroy(opts);

    opts = trusted_tls_options();
    CHECK_ERR(natsOptions_SetCiphers(opts, "NOT-A-CIPHER"), NATS_SSL_ERROR);
    CHECK_ERR(natsOptions_SetCiphers(opts, NULL), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_SetCiphers(opts, ""), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
}

static void
test_verification_callback(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = trusted_tls_options();

    // With the CA loaded, OpenSSL accepts both certificates of the chain and
    // the callback keeps its verdict.
    verify_reset(-1, "localhost");
    CHECK_OK(natsOptions_SetSSLVerificationCallback(opts, verify_callback));
    sec_check_connects(opts);
    CHECK(atomic_load(&verify.calls) >= 2);
    CHECK_INT(atomic_load(&verify.rejectedByOpenSSL), 0);
    CHECK_INT(atomic_load(&verify.sawLeaf), 1);
    CHECK_INT(atomic_load(&verify.sawCa), 1);

    // A callback that rejects fails the handshake.
    verify_reset(0, "localhost");
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, NULL);
    CHECK(atomic_load(&verify.calls) >= 1);
    natsOptions_Destroy(opts);

    // Without the CA, OpenSSL rejects and a callback that accepts anyway
    // lets the connection through.
    opts = sec_options(tlsUrl);
    verify_reset(1, "localhost");
    CHECK_OK(natsOptions_SetSSLVerificationCallback(opts, verify_callback));
    sec_check_connects(opts);
    CHECK(atomic_load(&verify.rejectedByOpenSSL) >= 1);
    CHECK_INT(atomic_load(&verify.firstError), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

    // NULL restores OpenSSL's verdict.
    CHECK_OK(natsOptions_SetSSLVerificationCallback(opts, NULL));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);

    // Setting a callback turns SkipServerVerification off.
    opts = sec_options(tlsUrl);
    verify_reset(0, "localhost");
    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    CHECK_OK(natsOptions_SetSSLVerificationCallback(opts, verify_callback));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, NULL);
    CHECK(atomic_load(&verify.calls) >= 1);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_SetSSLVerificationCallback is new in cnats 3.13");
#endif
}

#if TU_CNATS_3_13

static struct
{
    atomic_int  calls;
    int         realPort;
    int         seenPort;
    char        seenHost[128];
    natsStatus  failWith;

} proxy;

// Connects to the real server port on 127.0.0.1, whatever port the URL names.
static natsStatus
proxy_connect(natsSock *fd, char *host, int urlPort, void *closure)
{
    struct sockaddr_in  addr;
    int                 s;

    atomic_fetch_add(&proxy.calls, 1);
    snprintf(proxy.seenHost, sizeof(proxy.seenHost), "%s", (host == NULL ? "(null)" : host));
    proxy.seenPort = urlPort;
    CHECK(closure == (void *) &proxy);
    if (proxy.failWith != NATS_OK)
        return proxy.failWith;

    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return NATS_SYS_ERROR;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) proxy.realPort);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *) &addr, sizeof(addr)) != 0)
    {
        close(s);
        return NATS_SYS_ERROR;
    }
    *fd = s;
    return NATS_OK;
}

#endif

static void
test_proxy_conn_handler(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = NULL;
    char        url[128];

    // The URL's port has no server: only the handler's socket reaches one,
    // and TLS runs over that socket with the URL's host name.
    snprintf(url, sizeof(url), "tls://127.0.0.1:%d", deadPort);
    memset(&proxy, 0, sizeof(proxy));
    proxy.realPort = port;
    opts = sec_options(url);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    CHECK_OK(natsOptions_SetProxyConnHandler(opts, proxy_connect, &proxy));
    sec_check_connects(opts);
    CHECK_INT(atomic_load(&proxy.calls), 1);
    CHECK_STR(proxy.seenHost, "127.0.0.1");
    CHECK_INT(proxy.seenPort, deadPort);

    // A handler error fails the connect like a refused TCP connection.
    proxy.failWith = NATS_ERR;
    atomic_store(&proxy.calls, 0);
    CHECK_CONNECT_FAILS(opts, NATS_NO_SERVER, NULL);
    CHECK(atomic_load(&proxy.calls) >= 1);

    // NULL goes back to direct connections, which find no server.
    proxy.failWith = NATS_OK;
    atomic_store(&proxy.calls, 0);
    CHECK_OK(natsOptions_SetProxyConnHandler(opts, NULL, NULL));
    CHECK_CONNECT_FAILS(opts, NATS_NO_SERVER, NULL);
    CHECK_INT(atomic_load(&proxy.calls), 0);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_SetProxyConnHandler is new in cnats 3.13");
#endif
}

#define CONCURRENT_CONNECTS (8)

typedef struct
{
    natsOptions     *opts;
    natsStatus      status;
    pthread_t       thread;

} concurrentConnect;

static void *
connect_thread(void *arg)
{
    concurrentConnect   *cc = (concurrentConnect *) arg;
    natsConnection      *nc = NULL;

    cc->status = natsConnection_Connect(&nc, cc->opts);
    if (cc->status == NATS_OK)
        cc->status = natsConnection_Flush(nc);
    natsConnection_Destroy(nc);
    return NULL;
}

static void
test_concurrent_tls_handshakes(void)
{
    natsOptions         *opts = trusted_tls_options();
    concurrentConnect   cc[CONCURRENT_CONNECTS];
    int                 i;

#if TU_CNATS_3_13
    CHECK_OK(natsOptions_AllowConcurrentTLSHandshakes(opts));
#endif
    for (i = 0; i < CONCURRENT_CONNECTS; i++)
    {
        cc[i].opts = opts;
        cc[i].status = NATS_ERR;
        CHECK_INT(pthread_create(&cc[i].thread, NULL, connect_thread, &cc[i]), 0);
    }
    for (i = 0; i < CONCURRENT_CONNECTS; i++)
    {
        pthread_join(cc[i].thread, NULL);
        CHECK_OK(cc[i].status);
    }
    natsOptions_Destroy(opts);
}

static void
test_tls_options_copied_at_connect(void)
{
    natsOptions     *opts = trusted_tls_options();
    natsConnection  *nc   = NULL;

    // cnats 3.13 shares the options' SSL context with its connections and
    // rejects TLS changes while one exists (NATS_ILLEGAL_STATE). This
    // library copies the options at connect, so a change is accepted and
    // leaves the existing connection as it was, as in cnats 3.4.1.
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsOptions_SkipServerVerification(opts, false));
    natsConnection_Destroy(nc);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    natsOptions_Destroy(opts);
}

static void
test_set_secure_false_clears_tls_settings(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_SetSecure(opts, false));
    CHECK_OK(natsOptions_SetURL(opts, natsUrl));
    // The server still requires TLS, and the CA is gone.
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------
// mutual mode
// ---------------------------------------------------------------------------

static void
test_client_certificate_from_files(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_LoadCertificatesChain(opts, clientCert, clientKey));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_client_certificate_from_memory(void)
{
    natsOptions *opts = trusted_tls_options();
    char        *cert = sec_read_file(clientCert);
    char        *key  = sec_read_file(clientKey);

    if ((cert != NULL) && (key != NULL))
    {
        CHECK_OK(natsOptions_SetCertificatesChain(opts, cert, key));
        sec_check_connects(opts);
    }
    natsOptions_Destroy(opts);
    free(cert);
    free(key);
}

// Connects with `opts` to the server that verifies client certificates and
// checks that it rejects the client. With TLS 1.3 the server sends its alert
// after the client has finished the handshake, so the client sees it on its
// first read: cnats 3.14 reports NATS_CONNECTION_CLOSED, and a handshake
// failure is NATS_SSL_ERROR; both are accepted.
static void
check_client_rejected(natsOptions *opts)
{
    natsConnection  *nc = NULL;
    natsStatus      s;

    s = natsConnection_Connect(&nc, opts);
    CHECK(nc == NULL);
    natsConnection_Destroy(nc);
#if TU_CNATS_3_13
    if ((s != NATS_SSL_ERROR) && (s != NATS_CONNECTION_CLOSED))
    {
        tu_fail(__FILE__, __LINE__,
                "connect with a rejected client certificate returns NATS_SSL_ERROR or "
                "NATS_CONNECTION_CLOSED (got %d '%s', last error \"%s\")",
                (int) s, tu_status_text(s), sec_last_error_text());
    }
#else
    // cnats 3.4.1 reports NATS_PROTOCOL_ERROR ("Expected 'PONG', got ''").
    CHECK(s != NATS_OK);
#endif
}

static void
test_client_certificate_missing(void)
{
    natsOptions *opts = trusted_tls_options();

    check_client_rejected(opts);
    natsOptions_Destroy(opts);
}

static void
test_client_certificate_untrusted(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_LoadCertificatesChain(opts, otherClientCert, otherClientKey));
    check_client_rejected(opts);
    natsOptions_Destroy(opts);
}

static void
test_client_certificate_dynamic_reload(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = trusted_tls_options();
    char        dynCert[SEC_PATH_MAX];
    char        dynKey[SEC_PATH_MAX];

    sec_path(dynCert, sizeof(dynCert), certDir, "dynamic-cert.pem");
    sec_path(dynKey, sizeof(dynKey), certDir, "dynamic-key.pem");

    // Each connect reads the files again: an untrusted certificate, then the
    // trusted one, then the untrusted one again, with the same options.
    CHECK(sec_copy_file(otherClientCert, dynCert));
    CHECK(sec_copy_file(otherClientKey, dynKey));
    CHECK_OK(natsOptions_LoadCertificatesChainDynamic(opts, dynCert, dynKey));
    check_client_rejected(opts);

    CHECK(sec_copy_file(clientCert, dynCert));
    CHECK(sec_copy_file(clientKey, dynKey));
    sec_check_connects(opts);

    CHECK(sec_copy_file(otherClientCert, dynCert));
    CHECK(sec_copy_file(otherClientKey, dynKey));
    check_client_rejected(opts);
    natsOptions_Destroy(opts);

    opts = trusted_tls_options();
    CHECK_ERR(natsOptions_LoadCertificatesChainDynamic(opts, NULL, dynKey), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_LoadCertificatesChainDynamic(opts, dynCert, ""), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_LoadCertificatesChainDynamic is new in cnats 3.13");
#endif
}

static void
test_client_certificate_dynamic_missing_files(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = trusted_tls_options();
    char        dynCert[SEC_PATH_MAX];
    char        dynKey[SEC_PATH_MAX];

    sec_path(dynCert, sizeof(dynCert), certDir, "dynamic-later-cert.pem");
    sec_path(dynKey, sizeof(dynKey), certDir, "dynamic-later-key.pem");
    unlink(dynCert);
    unlink(dynKey);

    // The option call reads nothing, the connect fails to load the files,
    // and a connect after they appear succeeds.
    CHECK_OK(natsOptions_LoadCertificatesChainDynamic(opts, dynCert, dynKey));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, dynCert);

    CHECK(sec_copy_file(clientCert, dynCert));
    CHECK(sec_copy_file(clientKey, dynKey));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_LoadCertificatesChainDynamic is new in cnats 3.13");
#endif
}

static void
test_unloadable_client_certificates(void)
{
    natsOptions *opts = trusted_tls_options();
    char        missing[SEC_PATH_MAX];
    char        *cert = sec_read_file(clientCert);
    char        *key  = sec_read_file(clientKey);

    sec_path(missing, sizeof(missing), certDir, "no-such-cert.pem");
    CHECK_ERR(natsOptions_LoadCertificatesChain(opts, missing, clientKey), NATS_SSL_ERROR);
    CHECK_CONTAINS(sec_last_error_text(), missing);
    CHECK_ERR(natsOptions_LoadCertificatesChain(opts, clientCert, missing), NATS_SSL_ERROR);
    CHECK_CONTAINS(sec_last_error_text(), missing);
    CHECK_ERR(natsOptions_LoadCertificatesChain(opts, notACertFile, clientKey), NATS_SSL_ERROR);
    // A key that does not belong to the certificate.
    CHECK_ERR(natsOptions_LoadCertificatesChain(opts, clientCert, serverKey), NATS_SSL_ERROR);
    CHECK_ERR(natsOptions_LoadCertificatesChain(opts, NULL, clientKey), NATS_INVALID_ARG);
    CHECK_ERR(natsOptions_LoadCertificatesChain(opts, clientCert, ""), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);

    opts = trusted_tls_options();
    if ((cert != NULL) && (key != NULL))
    {
        CHECK_ERR(natsOptions_SetCertificatesChain(opts, "not a certificate", key), NATS_SSL_ERROR);
        CHECK_ERR(natsOptions_SetCertificatesChain(opts, cert, "not a key"), NATS_SSL_ERROR);
        CHECK_ERR(natsOptions_SetCertificatesChain(opts, NULL, key), NATS_INVALID_ARG);
        CHECK_ERR(natsOptions_SetCertificatesChain(opts, cert, ""), NATS_INVALID_ARG);
        // The key material never appears in the error.
        CHECK_ERR(natsOptions_SetCertificatesChain(opts, "not a certificate", key), NATS_SSL_ERROR);
        CHECK_NO_SECRET(key);
    }
    natsOptions_Destroy(opts);
    free(cert);
    free(key);
}

// ---------------------------------------------------------------------------
// handshake_first mode
// ---------------------------------------------------------------------------

static void
test_handshake_first(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_TLSHandshakeFirst(opts));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);

    // The option implies TLS, so a nats:// URL works too.
    opts = sec_options(natsUrl);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    CHECK_OK(natsOptions_TLSHandshakeFirst(opts));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);

    // The certificate is still verified.
    opts = sec_options(tlsUrl);
    CHECK_OK(natsOptions_TLSHandshakeFirst(opts));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_UNKNOWN_ISSUER);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_TLSHandshakeFirst is new in cnats 3.13");
#endif
}

static void
test_handshake_first_required(void)
{
    natsOptions *opts = trusted_tls_options();

    // The client waits for INFO, the server for a TLS ClientHello, until the
    // server's 2 s TLS timeout closes the connection (cnats 3.4.1 and 3.14
    // both report NATS_CONNECTION_CLOSED).
    CHECK_OK(natsOptions_SetTimeout(opts, 5000));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_CLOSED, NULL);
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------
// wrong_host mode
// ---------------------------------------------------------------------------

static void
test_wrong_host_rejected(void)
{
    natsOptions *opts = trusted_tls_options();
    char        url[128];

    // The IP address of the URL is not among the certificate's SANs.
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_IP_ADDRESS);
    natsOptions_Destroy(opts);

    snprintf(url, sizeof(url), "tls://localhost:%d", port);
    opts = sec_options(url);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_HOSTNAME);
    natsOptions_Destroy(opts);
}

static void
test_wrong_host_expected_hostname(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_SetExpectedHostname(opts, "wrong.example.com"));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_wrong_host_skip_verification(void)
{
    natsOptions *opts = sec_options(tlsUrl);

    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_wrong_host_callback(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = trusted_tls_options();

    verify_reset(-1, "wrong.example.com");
    CHECK_OK(natsOptions_SetSSLVerificationCallback(opts, verify_callback));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, NULL);
    CHECK(atomic_load(&verify.rejectedByOpenSSL) >= 1);
    CHECK_INT(atomic_load(&verify.firstError), X509_V_ERR_IP_ADDRESS_MISMATCH);
    CHECK_INT(atomic_load(&verify.sawLeaf), 1);

    verify_reset(1, "wrong.example.com");
    sec_check_connects(opts);
    CHECK(atomic_load(&verify.rejectedByOpenSSL) >= 1);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_SetSSLVerificationCallback is new in cnats 3.13");
#endif
}

// ---------------------------------------------------------------------------
// expired mode
// ---------------------------------------------------------------------------

static void
test_expired_rejected(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, REASON_EXPIRED);
    natsOptions_Destroy(opts);
}

static void
test_expired_skip_verification(void)
{
    natsOptions *opts = sec_options(tlsUrl);

    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_expired_callback(void)
{
#if TU_CNATS_3_13
    natsOptions *opts = trusted_tls_options();

    verify_reset(-1, "localhost");
    CHECK_OK(natsOptions_SetSSLVerificationCallback(opts, verify_callback));
    CHECK_CONNECT_FAILS(opts, NATS_SSL_ERROR, NULL);
    CHECK_INT(atomic_load(&verify.firstError), X509_V_ERR_CERT_HAS_EXPIRED);

    verify_reset(1, "localhost");
    sec_check_connects(opts);
    CHECK_INT(atomic_load(&verify.firstError), X509_V_ERR_CERT_HAS_EXPIRED);
    natsOptions_Destroy(opts);
#else
    tu_skip("natsOptions_SetSSLVerificationCallback is new in cnats 3.13");
#endif
}

// ---------------------------------------------------------------------------
// token mode
// ---------------------------------------------------------------------------

typedef struct
{
    pthread_mutex_t mu;
    atomic_int      count;
    char            data[128];
    char            subject[128];

} received;

static void
on_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    received *r = (received *) closure;

    pthread_mutex_lock(&r->mu);
    snprintf(r->data, sizeof(r->data), "%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    snprintf(r->subject, sizeof(r->subject), "%s", natsMsg_GetSubject(msg));
    pthread_mutex_unlock(&r->mu);
    atomic_fetch_add(&r->count, 1);
    natsMsg_Destroy(msg);
}

static void
test_token_flow_over_tls(void)
{
    natsOptions         *opts = trusted_tls_options();
    natsConnection      *nc   = NULL;
    natsSubscription    *sub  = NULL;
    received            r;

    // The flow of cnats' examples/connect.c with a token, over TLS.
    memset(&r, 0, sizeof(r));
    pthread_mutex_init(&r.mu, NULL);
    CHECK_OK(natsOptions_SetToken(opts, TOKEN));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    if (nc != NULL)
    {
        CHECK_OK(natsConnection_Subscribe(&sub, nc, "tls.token.foo", on_message, &r));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK_OK(natsConnection_PublishString(nc, "tls.token.foo", "hello over TLS"));
        CHECK_OK(natsConnection_Flush(nc));
        CHECK(tu_wait_for_count(&r.count, 1, SEC_WAIT_MS));
        pthread_mutex_lock(&r.mu);
        CHECK_STR(r.data, "hello over TLS");
        CHECK_STR(r.subject, "tls.token.foo");
        pthread_mutex_unlock(&r.mu);
        CHECK_OK(natsSubscription_Unsubscribe(sub));
    }
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    pthread_mutex_destroy(&r.mu);
}

static void
test_token_in_tls_url(void)
{
    natsOptions *opts = NULL;
    char        url[256];

    snprintf(url, sizeof(url), "tls://%s@127.0.0.1:%d", TOKEN, port);
    opts = sec_options(url);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    sec_check_connects(opts);
    natsOptions_Destroy(opts);
}

static void
test_wrong_token_over_tls(void)
{
    natsOptions *opts = trusted_tls_options();

    CHECK_OK(natsOptions_SetToken(opts, "not-the-token"));
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    CHECK_NO_SECRET("not-the-token");
    natsOptions_Destroy(opts);

    opts = trusted_tls_options();
    CHECK_CONNECT_FAILS(opts, NATS_CONNECTION_AUTH_FAILED, "Authorization Violation");
    natsOptions_Destroy(opts);
}

// ---------------------------------------------------------------------------

static void
set_paths(void)
{
    sec_path(caFile, sizeof(caFile), certDir, "ca.pem");
    sec_path(otherCaFile, sizeof(otherCaFile), certDir, "other-ca.pem");
    sec_path(caPath, sizeof(caPath), certDir, "capath");
    sec_path(notACertFile, sizeof(notACertFile), certDir, "not-a-certificate.pem");
    sec_path(clientCert, sizeof(clientCert), certDir, "client-cert.pem");
    sec_path(clientKey, sizeof(clientKey), certDir, "client-key.pem");
    sec_path(otherClientCert, sizeof(otherClientCert), certDir, "other-client-cert.pem");
    sec_path(otherClientKey, sizeof(otherClientKey), certDir, "other-client-key.pem");
    sec_path(serverKey, sizeof(serverKey), certDir, "server-key.pem");
}

int
main(int argc, char **argv)
{
    const char *usage = "server_auth|mutual|handshake_first|wrong_host|expired|token CERTDIR PORT "
                        "[PLAIN_PORT HTTP_PORT DEAD_PORT]";
    const char *mode  = tu_arg(argc, argv, 1, usage);

    certDir = tu_arg(argc, argv, 2, usage);
    port = atoi(tu_arg(argc, argv, 3, usage));
    snprintf(tlsUrl, sizeof(tlsUrl), "tls://127.0.0.1:%d", port);
    snprintf(natsUrl, sizeof(natsUrl), "nats://127.0.0.1:%d", port);
    set_paths();

    tu_start_watchdog();
    tu_open_library();

    if (strcmp(mode, "server_auth") == 0)
    {
        plainPort = atoi(tu_arg(argc, argv, 4, usage));
        httpPort = atoi(tu_arg(argc, argv, 5, usage));
        deadPort = atoi(tu_arg(argc, argv, 6, usage));
        RUN_TEST(test_tls_url_with_ca_file);
        RUN_TEST(test_tls_localhost_matches_dns_san);
        RUN_TEST(test_set_secure_with_nats_url);
        RUN_TEST(test_ca_from_memory);
        RUN_TEST(test_ca_from_path);
        RUN_TEST(test_untrusted_server_without_ca);
        RUN_TEST(test_other_ca_rejects_server);
        RUN_TEST(test_server_requiring_tls_switches_plain_url);
        RUN_TEST(test_server_requiring_tls_uses_loaded_ca);
        RUN_TEST(test_tls_wanted_but_server_has_none);
        RUN_TEST(test_skip_server_verification);
        RUN_TEST(test_expected_hostname);
        RUN_TEST(test_unloadable_ca_files);
        RUN_TEST(test_cipher_suites_tls13);
        RUN_TEST(test_ciphers_list);
        RUN_TEST(test_verification_callback);
        RUN_TEST(test_proxy_conn_handler);
        RUN_TEST(test_concurrent_tls_handshakes);
        RUN_TEST(test_tls_options_copied_at_connect);
        RUN_TEST(test_set_secure_false_clears_tls_settings);
    }
    else if (strcmp(mode, "mutual") == 0)
    {
        RUN_TEST(test_client_certificate_from_files);
        RUN_TEST(test_client_certificate_from_memory);
        RUN_TEST(test_client_certificate_missing);
        RUN_TEST(test_client_certificate_untrusted);
        RUN_TEST(test_client_certificate_dynamic_reload);
        RUN_TEST(test_client_certificate_dynamic_missing_files);
        RUN_TEST(test_unloadable_client_certificates);
    }
    else if (strcmp(mode, "handshake_first") == 0)
    {
        RUN_TEST(test_handshake_first);
        RUN_TEST(test_handshake_first_required);
    }
    else if (strcmp(mode, "wrong_host") == 0)
    {
        RUN_TEST(test_wrong_host_rejected);
        RUN_TEST(test_wrong_host_expected_hostname);
        RUN_TEST(test_wrong_host_skip_verification);
        RUN_TEST(test_wrong_host_callback);
    }
    else if (strcmp(mode, "expired") == 0)
    {
        RUN_TEST(test_expired_rejected);
        RUN_TEST(test_expired_skip_verification);
        RUN_TEST(test_expired_callback);
    }
    else if (strcmp(mode, "token") == 0)
    {
        RUN_TEST(test_token_flow_over_tls);
        RUN_TEST(test_token_in_tls_url);
        RUN_TEST(test_wrong_token_over_tls);
    }
    else
    {
        fprintf(stderr, "unknown mode %s\nusage: %s %s\n", mode, argv[0], usage);
        return 2;
    }

    nats_Close();
    return tu_finish();
}
