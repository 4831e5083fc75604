//! Helpers for the `tests/security_*.rs` integration tests.
//!
//! - `Pki` generates a certificate authority and the server and client
//!   certificates that the TLS tests need, at run time, into a temporary
//!   directory.
//! - `Operator`, `nkey_user` and `creds_text` create operator, account and
//!   user NKeys and JWTs in the layout of nats-io/jwt v2.
//! - The `*_config` functions return nats-server configuration files.
//! - `build_security_program` compiles `tests/c/security/<name>.c`, and
//!   `run_security_test` runs it and carries out its requests to restart a
//!   server (`CTL restart` on stdout, replied to with `OK` or
//!   `ERR <reason>` on stdin).
//! - `RestartableServer` runs a nats-server on a fixed port, so that it can
//!   be killed and started again at the same address.
//!
//! The test files declare `mod common;` next to `mod security;`, and this
//! module uses `common` for the nats-server binary, ports and the C library.

#![allow(dead_code)]

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nkeys::KeyPair;
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};
use serde_json::{json, Value};

use crate::common;

/// How long a C security program may run before it is killed.
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(90);

/// How long a restarted server may take to accept TCP connections again.
const RESTART_TIMEOUT: Duration = Duration::from_secs(10);

static UNIQUE_COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_suffix() -> String {
    let n = UNIQUE_COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{}-{}", std::process::id(), n)
}

/// Returns the seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("system clock is after 1970")
        .as_secs() as i64
}

/// A fresh directory under the cargo target directory, removed on drop
/// unless the test is failing, so that its files can be inspected.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("security")
            .join(format!("{label}-{}", unique_suffix()));
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `contents` to `name` in this directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.join(name);
        fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Returns the directory path as a command-line argument.
    pub fn arg(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("security test files kept in {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

// ---------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------

/// Common name of the certificate authority that signs the test certificates.
pub const CA_NAME: &str = "NATS Security Test CA";
/// Common name of a second authority that the server does not trust.
pub const OTHER_CA_NAME: &str = "NATS Untrusted Test CA";
/// DNS name and IP address in the wrong-host server certificate. The
/// address is in TEST-NET-1 (RFC 5737), so it is never the loopback.
pub const WRONG_HOST_DNS: &str = "wrong.example.com";
pub const WRONG_HOST_IP: &str = "192.0.2.1";

/// What a generated certificate is for.
enum CertUse {
    Server,
    Client,
}

/// Validity of a generated certificate.
enum Validity {
    /// From one day ago to 30 days from now.
    Current,
    /// From two days ago to one day ago.
    Expired,
}

struct Authority {
    cert: X509,
    key: PKey<Private>,
}

fn new_rsa_key() -> PKey<Private> {
    let rsa = Rsa::generate(2048).expect("generate an RSA key");
    PKey::from_rsa(rsa).expect("wrap the RSA key")
}

fn random_serial() -> Asn1Integer {
    let mut serial = BigNum::new().expect("allocate a serial number");
    serial
        .rand(120, openssl::bn::MsbOption::MAYBE_ZERO, false)
        .expect("generate a random serial number");
    serial.to_asn1_integer().expect("convert the serial number")
}

fn name_with_cn(common_name: &str) -> X509Name {
    let mut name = X509Name::builder().expect("create a certificate name");
    name.append_entry_by_text("O", "NATS C client security tests")
        .expect("set O");
    name.append_entry_by_text("CN", common_name)
        .expect("set CN");
    name.build()
}

fn new_authority(common_name: &str) -> Authority {
    let key = new_rsa_key();
    let name = name_with_cn(common_name);
    let mut builder = X509::builder().expect("create a certificate builder");
    builder.set_version(2).expect("set version 3");
    builder
        .set_serial_number(&random_serial())
        .expect("set the serial number");
    builder.set_subject_name(&name).expect("set the subject");
    builder.set_issuer_name(&name).expect("set the issuer");
    builder.set_pubkey(&key).expect("set the public key");

    let now = unix_now();
    builder
        .set_not_before(&Asn1Time::from_unix(now - 86_400).expect("time"))
        .expect("set notBefore");
    builder
        .set_not_after(&Asn1Time::from_unix(now + 30 * 86_400).expect("time"))
        .expect("set notAfter");

    builder
        .append_extension(
            BasicConstraints::new()
                .critical()
                .ca()
                .build()
                .expect("basicConstraints"),
        )
        .expect("add basicConstraints");
    builder
        .append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .expect("keyUsage"),
        )
        .expect("add keyUsage");
    let ski = SubjectKeyIdentifier::new()
        .build(&builder.x509v3_context(None, None))
        .expect("subjectKeyIdentifier");
    builder
        .append_extension(ski)
        .expect("add subjectKeyIdentifier");

    builder
        .sign(&key, MessageDigest::sha256())
        .expect("self-sign the authority");
    Authority {
        cert: builder.build(),
        key,
    }
}

/// Issues a certificate signed by `ca` with the given subject alternative
/// names (`dns` and `ips`).
fn issue(
    ca: &Authority,
    common_name: &str,
    dns: &[&str],
    ips: &[&str],
    usage: CertUse,
    validity: Validity,
) -> (X509, PKey<Private>) {
    let key = new_rsa_key();
    let mut builder = X509::builder().expect("create a certificate builder");
    builder.set_version(2).expect("set version 3");
    builder
        .set_serial_number(&random_serial())
        .expect("set the serial number");
    builder
        .set_subject_name(&name_with_cn(common_name))
        .expect("set the subject");
    builder
        .set_issuer_name(ca.cert.subject_name())
        .expect("set the issuer");
    builder.set_pubkey(&key).expect("set the public key");

    let now = unix_now();
    let (not_before, not_after) = match validity {
        Validity::Current => (now - 86_400, now + 30 * 86_400),
        Validity::Expired => (now - 2 * 86_400, now - 86_400),
    };
    builder
        .set_not_before(&Asn1Time::from_unix(not_before).expect("time"))
        .expect("set notBefore");
    builder
        .set_not_after(&Asn1Time::from_unix(not_after).expect("time"))
        .expect("set notAfter");

    builder
        .append_extension(BasicConstraints::new().build().expect("basicConstraints"))
        .expect("add basicConstraints");
    builder
        .append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()
                .expect("keyUsage"),
        )
        .expect("add keyUsage");

    let mut eku = ExtendedKeyUsage::new();
    match usage {
        CertUse::Server => eku.server_auth(),
        CertUse::Client => eku.client_auth(),
    };
    builder
        .append_extension(eku.build().expect("extendedKeyUsage"))
        .expect("add extendedKeyUsage");

    if !dns.is_empty() || !ips.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for name in dns {
            san.dns(name);
        }
        for ip in ips {
            san.ip(ip);
        }
        let san = san
            .build(&builder.x509v3_context(Some(&ca.cert), None))
            .expect("subjectAltName");
        builder.append_extension(san).expect("add subjectAltName");
    }

    let aki = AuthorityKeyIdentifier::new()
        .keyid(false)
        .build(&builder.x509v3_context(Some(&ca.cert), None))
        .expect("authorityKeyIdentifier");
    builder
        .append_extension(aki)
        .expect("add authorityKeyIdentifier");

    builder
        .sign(&ca.key, MessageDigest::sha256())
        .expect("sign the certificate");
    (builder.build(), key)
}

/// Certificates and keys in PEM files, generated for one test:
///
/// | file | contents |
/// |---|---|
/// | `ca.pem` | the trusted CA |
/// | `capath/<hash>.0` | the trusted CA, in a folder for `LoadCATrustedCertificatesPath` |
/// | `server-cert.pem`, `server-key.pem` | SAN `DNS:localhost`, `IP:127.0.0.1` |
/// | `client-cert.pem`, `client-key.pem` | client certificate, CN `nats-client` |
/// | `expired-cert.pem`, `expired-key.pem` | server certificate that expired a day ago |
/// | `wronghost-cert.pem`, `wronghost-key.pem` | SAN `DNS:wrong.example.com`, `IP:192.0.2.1` |
/// | `other-ca.pem` | an authority that the server does not trust |
/// | `other-client-cert.pem`, `other-client-key.pem` | client certificate signed by `other-ca.pem` |
/// | `not-a-certificate.pem` | text without any PEM block |
pub struct Pki {
    pub dir: TempDir,
}

impl Pki {
    pub fn generate() -> Pki {
        let dir = TempDir::new("pki");
        let ca = new_authority(CA_NAME);
        let other_ca = new_authority(OTHER_CA_NAME);

        write_pem(&dir, "ca.pem", &ca.cert.to_pem().expect("CA to PEM"));
        write_pem(
            &dir,
            "other-ca.pem",
            &other_ca.cert.to_pem().expect("CA to PEM"),
        );

        // OpenSSL looks up a CA in a folder by the hash of its subject name,
        // as `openssl rehash` names the files.
        let capath = dir.join("capath");
        fs::create_dir_all(&capath)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", capath.display()));
        let hashed = capath.join(format!("{:08x}.0", ca.cert.subject_name_hash()));
        fs::write(&hashed, ca.cert.to_pem().expect("CA to PEM"))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", hashed.display()));

        let pairs = [
            (
                "server",
                issue(
                    &ca,
                    "localhost",
                    &["localhost"],
                    &["127.0.0.1"],
                    CertUse::Server,
                    Validity::Current,
                ),
            ),
            (
                "client",
                issue(
                    &ca,
                    "nats-client",
                    &[],
                    &[],
                    CertUse::Client,
                    Validity::Current,
                ),
            ),
            (
                "expired",
                issue(
                    &ca,
                    "localhost",
                    &["localhost"],
                    &["127.0.0.1"],
                    CertUse::Server,
                    Validity::Expired,
                ),
            ),
            (
                "wronghost",
                issue(
                    &ca,
                    WRONG_HOST_DNS,
                    &[WRONG_HOST_DNS],
                    &[WRONG_HOST_IP],
                    CertUse::Server,
                    Validity::Current,
                ),
            ),
            (
                "other-client",
                issue(
                    &other_ca,
                    "untrusted-client",
                    &[],
                    &[],
                    CertUse::Client,
                    Validity::Current,
                ),
            ),
        ];
        for (prefix, (cert, key)) in pairs {
            write_pem(
                &dir,
                &format!("{prefix}-cert.pem"),
                &cert.to_pem().expect("certificate to PEM"),
            );
            write_pem(
                &dir,
                &format!("{prefix}-key.pem"),
                &key.private_key_to_pem_pkcs8().expect("key to PEM"),
            );
        }
        dir.write(
            "not-a-certificate.pem",
            "This file contains no PEM block.\n",
        );
        Pki { dir }
    }

    /// Returns the absolute path of one of the generated files, for configs.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// Returns the directory path as a command-line argument.
    pub fn arg(&self) -> String {
        self.dir.arg()
    }
}

fn write_pem(dir: &TempDir, name: &str, pem: &[u8]) {
    let path = dir.join(name);
    fs::write(&path, pem).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

// ---------------------------------------------------------------------------
// Server configurations
// ---------------------------------------------------------------------------

/// Quotes a string for a nats-server configuration file.
pub fn quoted(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes to JSON")
}

/// Returns a `tls { }` block with the server certificate `<cert_prefix>-cert.pem`
/// and its key, trusting `ca.pem` for client certificates, plus `extra`
/// lines such as `verify: true`.
pub fn tls_block(pki: &Pki, cert_prefix: &str, extra: &str) -> String {
    format!(
        "tls {{\n  cert_file: {}\n  key_file: {}\n  ca_file: {}\n  timeout: 2\n  {extra}\n}}\n",
        quoted(&pki.path(&format!("{cert_prefix}-cert.pem"))),
        quoted(&pki.path(&format!("{cert_prefix}-key.pem"))),
        quoted(&pki.path("ca.pem")),
    )
}

/// Returns the configuration of a server that requires TLS and does not
/// check client certificates.
pub fn tls_config(pki: &Pki, cert_prefix: &str) -> String {
    tls_block(pki, cert_prefix, "")
}

/// Returns the same configuration with monitoring on `http_port` so that a test can read the
/// negotiated TLS version and cipher from `/connz`.
pub fn tls_config_with_monitoring(pki: &Pki, http_port: u16) -> String {
    format!(
        "http: \"127.0.0.1:{http_port}\"\n{}",
        tls_block(pki, "server", "")
    )
}

/// Returns the configuration of a server that requires a client
/// certificate signed by `ca.pem`.
pub fn mutual_tls_config(pki: &Pki) -> String {
    tls_block(pki, "server", "verify: true")
}

/// Returns the configuration of a server that expects the TLS handshake
/// before it sends INFO.
pub fn handshake_first_config(pki: &Pki) -> String {
    tls_block(pki, "server", "handshake_first: true")
}

/// Returns the configuration of a server that accepts only `token`.
pub fn token_config(token: &str) -> String {
    format!("authorization {{\n  token: {}\n}}\n", quoted(token))
}

/// Returns the configuration of a server with the given users and passwords.
pub fn users_config(users: &[(&str, &str)]) -> String {
    let entries: Vec<String> = users
        .iter()
        .map(|(user, password)| {
            format!(
                "    {{ user: {}, password: {} }}",
                quoted(user),
                quoted(password)
            )
        })
        .collect();
    format!(
        "authorization {{\n  users = [\n{}\n  ]\n}}\n",
        entries.join("\n")
    )
}

/// Returns the configuration of a server whose only users are the given
/// NKey public keys.
pub fn nkey_users_config(public_keys: &[&str]) -> String {
    let entries: Vec<String> = public_keys
        .iter()
        .map(|key| format!("    {{ nkey: {} }}", quoted(key)))
        .collect();
    format!(
        "authorization {{\n  users = [\n{}\n  ]\n}}\n",
        entries.join("\n")
    )
}

/// Subjects the restricted users may not publish to or subscribe to.
pub const DENIED_PUBLISH: &str = "forbidden.>";
pub const DENIED_SUBSCRIBE: &str = "secret.>";

/// Returns the configuration of a server with user `user`/`password`, who
/// may not publish to
/// `forbidden.>` nor subscribe to `secret.>`.
pub fn restricted_user_config(user: &str, password: &str) -> String {
    format!(
        "authorization {{\n  users = [\n    {{\n      user: {}\n      password: {}\n      \
         permissions: {{\n        publish: {{ deny: [{}] }}\n        \
         subscribe: {{ deny: [{}] }}\n      }}\n    }}\n  ]\n}}\n",
        quoted(user),
        quoted(password),
        quoted(DENIED_PUBLISH),
        quoted(DENIED_SUBSCRIBE)
    )
}

// ---------------------------------------------------------------------------
// NKeys and JWTs
// ---------------------------------------------------------------------------

/// An NKey user: its public key (`U...`) and seed (`SU...`).
pub struct NKeyUser {
    pub key_pair: KeyPair,
    pub public_key: String,
    pub seed: String,
}

pub fn nkey_user() -> NKeyUser {
    let key_pair = KeyPair::new_user();
    let public_key = key_pair.public_key();
    let seed = key_pair.seed().expect("seed of a new user key");
    NKeyUser {
        key_pair,
        public_key,
        seed,
    }
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648 alphabet) without padding, as Go's
/// `base32.StdEncoding.WithPadding(base32.NoPadding)`.
fn base32_no_pad(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32_ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Computes the `jti` of a claim as nats-io/jwt v2 does (`ClaimsData.hash`
/// in v2/claims.go): SHA-512/256 of the JSON of the standard claims with an
/// empty `jti`, in base32 without padding. Go marshals the fields in the
/// order `aud, exp, jti, iat, iss, name, nbf, sub` and omits empty ones.
fn claims_id(
    expires: Option<i64>,
    issued_at: i64,
    issuer: &str,
    name: &str,
    subject: &str,
) -> String {
    let mut fields = Vec::new();
    if let Some(exp) = expires {
        fields.push(format!("\"exp\":{exp}"));
    }
    fields.push(format!("\"iat\":{issued_at}"));
    fields.push(format!("\"iss\":{}", quoted(issuer)));
    fields.push(format!("\"name\":{}", quoted(name)));
    fields.push(format!("\"sub\":{}", quoted(subject)));
    let json = format!("{{{}}}", fields.join(","));
    let digest = MessageDigest::from_name("SHA512-256").expect("OpenSSL provides SHA-512/256");
    let hash = openssl::hash::hash(digest, json.as_bytes()).expect("hash the claims");
    base32_no_pad(&hash)
}

/// Encodes and signs a JWT with header `{"typ":"JWT","alg":"ed25519-nkey"}`
/// and the claims `jti`, `iat`, `iss`, `sub`, `name`, optional `exp`, and
/// `nats` (the type-specific part, which must contain `type` and `version`).
pub fn encode_jwt(
    signer: &KeyPair,
    subject: &str,
    name: &str,
    expires: Option<i64>,
    nats: Value,
) -> String {
    let issuer = signer.public_key();
    let issued_at = unix_now();
    let jti = claims_id(expires, issued_at, &issuer, name, subject);
    let mut claims = json!({
        "jti": jti,
        "iat": issued_at,
        "iss": issuer,
        "name": name,
        "sub": subject,
        "nats": nats,
    });
    if let Some(exp) = expires {
        claims["exp"] = json!(exp);
    }
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = signer.sign(signing_input.as_bytes()).expect("sign the JWT");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Decodes the claims of a JWT without checking its signature.
pub fn decode_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three segments");
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .expect("the claims segment is base64url");
    serde_json::from_slice(&bytes).expect("the claims are JSON")
}

/// Formats a `.creds` file as `nsc` writes it.
pub fn creds_text(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

/// User permissions for a user JWT: `pub` and `sub` objects with optional
/// `allow` and `deny` lists.
pub fn deny_permissions(publish: &[&str], subscribe: &[&str]) -> Value {
    let mut pub_perm = json!({});
    let mut sub_perm = json!({});
    if !publish.is_empty() {
        pub_perm["deny"] = json!(publish);
    }
    if !subscribe.is_empty() {
        sub_perm["deny"] = json!(subscribe);
    }
    json!({ "pub": pub_perm, "sub": sub_perm })
}

/// An operator with one account, for a server in operator mode with a
/// memory resolver.
pub struct Operator {
    pub operator: KeyPair,
    pub account: KeyPair,
    pub operator_jwt: String,
    pub account_jwt: String,
}

impl Operator {
    pub fn new() -> Operator {
        let operator = KeyPair::new_operator();
        let account = KeyPair::new_account();
        let operator_public = operator.public_key();
        let operator_jwt = encode_jwt(
            &operator,
            &operator_public,
            "security-test-operator",
            None,
            json!({ "type": "operator", "version": 2 }),
        );
        let account_jwt = account_jwt(&operator, &account, "security-test-account");
        Operator {
            operator,
            account,
            operator_jwt,
            account_jwt,
        }
    }

    /// Issues a user JWT for `user`, signed by the account. `permissions` is
    /// merged into the `nats` claim (see `deny_permissions`).
    pub fn user_jwt(
        &self,
        user: &NKeyUser,
        name: &str,
        permissions: Option<Value>,
        expires: Option<i64>,
    ) -> String {
        let mut nats = json!({
            "pub": {},
            "sub": {},
            "subs": -1,
            "data": -1,
            "payload": -1,
            "type": "user",
            "version": 2,
        });
        if let Some(Value::Object(perms)) = permissions {
            for (key, value) in perms {
                nats[key] = value;
            }
        }
        encode_jwt(&self.account, &user.public_key, name, expires, nats)
    }

    /// Returns the configuration of a server that trusts this operator and
    /// preloads the account into a memory resolver.
    pub fn server_config(&self) -> String {
        format!(
            "operator: {}\nresolver: MEMORY\nresolver_preload: {{\n  {}: {}\n}}\n",
            quoted(&self.operator_jwt),
            self.account.public_key(),
            quoted(&self.account_jwt)
        )
    }
}

/// Issues an account JWT with no limits, the defaults of `nsc add account`.
pub fn account_jwt(operator: &KeyPair, account: &KeyPair, name: &str) -> String {
    encode_jwt(
        operator,
        &account.public_key(),
        name,
        None,
        json!({
            "limits": {
                "subs": -1,
                "data": -1,
                "payload": -1,
                "imports": -1,
                "exports": -1,
                "wildcards": true,
                "conn": -1,
                "leaf": -1,
            },
            "default_permissions": { "pub": {}, "sub": {} },
            "type": "account",
            "version": 2,
        }),
    )
}

// ---------------------------------------------------------------------------
// A server on a fixed port
// ---------------------------------------------------------------------------

/// A nats-server on a port chosen once, so that it can be killed and
/// started again at the same address. Killed and reaped on drop.
pub struct RestartableServer {
    child: Option<Child>,
    pub port: u16,
    config: PathBuf,
    log: PathBuf,
    dir: TempDir,
    starts: usize,
}

impl RestartableServer {
    pub fn start(config: &str) -> RestartableServer {
        let dir = TempDir::new("server");
        let config_path = dir.write("server.conf", config);
        let mut server = RestartableServer {
            child: None,
            port: common::free_port("127.0.0.1"),
            config: config_path,
            log: dir.join("server.log"),
            dir,
            starts: 0,
        };
        server
            .spawn()
            .unwrap_or_else(|e| panic!("nats-server failed to start: {e}"));
        server
    }

    fn spawn(&mut self) -> Result<(), String> {
        if self.child.is_some() {
            return Err("the server is already running".to_string());
        }
        self.starts += 1;
        let log_file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("cannot open {}: {e}", self.log.display()))?;
        let log_file_err = log_file
            .try_clone()
            .map_err(|e| format!("cannot clone the log file handle: {e}"))?;
        let child = Command::new(common::nats_server_bin())
            .arg("-a")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_file_err))
            .spawn()
            .map_err(|e| format!("cannot start nats-server: {e}"))?;
        self.child = Some(child);
        self.wait_accepting()
    }

    fn wait_accepting(&mut self) -> Result<(), String> {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port)
            .parse()
            .expect("loopback socket address");
        let deadline = Instant::now() + RESTART_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "nats-server exited with {status} (start {}); log:\n{}",
                        self.starts,
                        self.log_text()
                    ));
                }
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "nats-server did not accept connections on {addr} within \
                     {RESTART_TIMEOUT:?}; log:\n{}",
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) -> Result<(), String> {
        let mut child = self
            .child
            .take()
            .ok_or_else(|| "the server is not running".to_string())?;
        child
            .kill()
            .map_err(|e| format!("cannot kill nats-server: {e}"))?;
        child
            .wait()
            .map_err(|e| format!("cannot wait for nats-server: {e}"))?;
        Ok(())
    }

    /// Kills the server and starts it again on the same port.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill()?;
        self.spawn()
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port_arg(&self) -> String {
        self.port.to_string()
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Carries out a `CTL` request of a C program: `restart`, `kill` or
    /// `start`.
    pub fn handle_control(&mut self, command: &str) -> Result<(), String> {
        match command {
            "restart" => self.restart(),
            "kill" => self.kill(),
            "start" => self.spawn(),
            other => Err(format!("unknown control command `{other}`")),
        }
    }
}

impl Drop for RestartableServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "nats-server on port {} logged to {}:\n{}",
                self.port,
                self.log.display(),
                self.log_text()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Building and running the C programs
// ---------------------------------------------------------------------------

/// Compiles `tests/c/security/<name>.c` against the library selected by
/// `common::c_library()` (this crate's by default; see tests/common/mod.rs
/// for `NATS_TEST_INCLUDE_DIR` and `NATS_TEST_LIB_DIR`). Programs that call
/// OpenSSL themselves pass `link_openssl`. Each program is compiled once per
/// test process.
pub fn build_security_program(name: &str, link_openssl: bool) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }

    let library = common::c_library();
    let c_dir = common::repo_root().join("tests").join("c");
    let source = c_dir.join("security").join(format!("{name}.c"));
    if !source.is_file() {
        panic!("C test source {} does not exist", source.display());
    }
    let target_root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    let out_dir = target_root
        .join("c-tests")
        .join(&library.label)
        .join("security");
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let exe = out_dir.join(name);
    // Compiling to a private name and renaming keeps a concurrent test
    // process from running a half-written file.
    let tmp_exe = out_dir.join(format!(".{name}.{}", unique_suffix()));

    let mut command = Command::new("cc");
    command
        .args(["-std=gnu11", "-g", "-O1", "-Wall", "-Wextra", "-Werror"])
        .args(["-Wno-unused-parameter", "-pthread"])
        .arg(format!("-I{}", c_dir.join("security").display()))
        .arg(format!("-I{}", c_dir.display()))
        .arg(format!("-I{}", library.include_dir.display()))
        .arg(&source)
        .arg("-o")
        .arg(&tmp_exe)
        .arg(format!("-L{}", library.lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", library.lib_dir.display()))
        .arg("-lnats");
    if link_openssl {
        command.args(["-lssl", "-lcrypto"]);
    }
    command.stdin(Stdio::null());
    let output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("the C compiler `cc` is missing: install one with `apt-get install gcc`")
        }
        Err(e) => panic!("cannot run cc: {e}"),
    };
    if !output.status.success() {
        let _ = fs::remove_file(&tmp_exe);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("openssl/") {
            "\nthe OpenSSL headers are missing: install them with `apt-get install libssl-dev`"
        } else {
            ""
        };
        panic!(
            "compiling {} failed ({}):\n{:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}{hint}",
            source.display(),
            output.status,
            command,
            String::from_utf8_lossy(&output.stdout),
        );
    }
    fs::rename(&tmp_exe, &exe).unwrap_or_else(|e| {
        panic!(
            "cannot move {} to {}: {e}",
            tmp_exe.display(),
            exe.display()
        )
    });
    built.insert(name.to_string(), exe.clone());
    exe
}

/// Output of a finished C program.
#[derive(Debug)]
pub struct ProgramRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub command: String,
}

impl ProgramRun {
    pub fn report(&self) -> String {
        format!(
            "command: {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

fn reply(stdin: &mut ChildStdin, result: Result<(), String>) {
    let line = match result {
        Ok(()) => "OK\n".to_string(),
        Err(reason) => format!("ERR {}\n", reason.replace('\n', " ")),
    };
    // The program may have exited meanwhile, and its output then shows why.
    let _ = stdin.write_all(line.as_bytes());
    let _ = stdin.flush();
}

/// Runs `exe` with `args`, replies to each `CTL <command>` line it prints
/// with the result of `control(command)`, and kills it after `timeout`.
pub fn run_security_program(
    exe: &Path,
    args: &[String],
    timeout: Duration,
    control: &mut dyn FnMut(&str) -> Result<(), String>,
) -> ProgramRun {
    let mut command = Command::new(exe);
    command.args(args);
    // The C programs arm an alarm a little before the harness kills them,
    // so that a hang reports which test was running.
    let watchdog = timeout.as_secs().saturating_sub(5).max(1);
    command.env("NATS_TEST_C_WATCHDOG_SECS", watchdog.to_string());
    let command_text = format!("{command:?}");

    let out_dir = TempDir::new("run");
    let stderr_path = out_dir.join("stderr");
    let stderr_file = fs::File::create(&stderr_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", stderr_path.display()));
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr_file))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command_text}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");

    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(line) => {
                    if lines_tx.send(line).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });

    let deadline = Instant::now() + timeout;
    let mut output = String::new();
    let mut timed_out = false;
    loop {
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            break;
        }
        match lines_rx.recv_timeout(deadline - now) {
            Ok(line) => {
                output.push_str(&line);
                output.push('\n');
                if let Some(request) = line.strip_prefix("CTL ") {
                    let result = control(request.trim());
                    if let Err(reason) = &result {
                        output.push_str(&format!("(harness) CTL {request} failed: {reason}\n"));
                    }
                    reply(&mut stdin, result);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                timed_out = true;
                break;
            }
            // The program closed its stdout, so it has exited or is exiting.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    drop(stdin);

    let status = if timed_out {
        let _ = child.kill();
        let _ = child.wait();
        let _ = reader.join();
        panic!(
            "C program timed out after {timeout:?} and was killed\ncommand: {command_text}\n\
             --- stdout ---\n{output}\n--- stderr ---\n{}",
            fs::read_to_string(&stderr_path).unwrap_or_default()
        );
    } else {
        let exit_deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < exit_deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "C program closed its stdout but did not exit within 10s\n\
                         command: {command_text}\n--- stdout ---\n{output}"
                    );
                }
                Err(e) => panic!("cannot wait for {command_text}: {e}"),
            }
        }
    };
    let _ = reader.join();

    ProgramRun {
        status,
        stdout: output,
        stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
        command: command_text,
    }
}

/// Finds the `N passed, M failed[, K skipped]` summary line that the C
/// programs print last, and returns the passed and failed counts.
fn summary_counts(stdout: &str) -> Option<(u32, u32)> {
    stdout.lines().rev().find_map(|line| {
        let line = line.trim();
        let (passed, rest) = line.split_once(" passed, ")?;
        let failed = match rest.split_once(" failed") {
            Some((failed, "")) => failed,
            Some((failed, skipped)) => {
                let skipped = skipped.strip_prefix(", ")?.strip_suffix(" skipped")?;
                skipped.parse::<u32>().ok()?;
                failed
            }
            None => return None,
        };
        Some((passed.parse().ok()?, failed.parse().ok()?))
    })
}

/// Builds and runs `tests/c/security/<name>.c`, passing `CTL` requests to
/// `control`, and panics with its output unless it exits with status 0 and
/// reports no failed test.
pub fn run_security_test_with(
    name: &str,
    link_openssl: bool,
    args: &[String],
    control: &mut dyn FnMut(&str) -> Result<(), String>,
) -> ProgramRun {
    let exe = build_security_program(name, link_openssl);
    let run = run_security_program(&exe, args, PROGRAM_TIMEOUT, control);
    println!("{}", run.report());
    match summary_counts(&run.stdout) {
        None => panic!(
            "{name} printed no `N passed, N failed` summary (crashed or exited early)\n{}",
            run.report()
        ),
        Some((_, failed)) if failed > 0 => {
            panic!("{name}: {failed} C test(s) failed\n{}", run.report())
        }
        Some((0, 0)) => panic!("{name} ran no test\n{}", run.report()),
        Some(_) => {}
    }
    if !run.status.success() {
        panic!("{name}: it exited unsuccessfully\n{}", run.report());
    }
    run
}

/// Builds and runs a program that sends the harness no `CTL` request.
pub fn run_security_test(name: &str, link_openssl: bool, args: &[String]) -> ProgramRun {
    run_security_test_with(name, link_openssl, args, &mut |request| {
        Err(format!(
            "this test has no server to control (request `{request}`)"
        ))
    })
}

/// Formats command-line arguments.
pub fn args(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// Checks that `text` contains none of `secrets`, naming the first one found.
pub fn assert_no_secret(label: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{label} contains a secret ({} characters starting with {:?})",
            secret.len(),
            &secret[..secret.len().min(4)]
        );
    }
}
