//! TLS and authentication options (`natsOptions_*`), and signing with the
//! connection's or a given NKey.

use std::ffi::CStr;
use std::path::PathBuf;
use std::sync::Arc;

use foreign_types::ForeignTypeRef;
use libc::{c_char, c_int, c_uchar, c_void};

use super::error::{guard_status, null_arg, set_error, set_text};
use super::handles::{conn_ref, opt_str, req_str};
use super::options::with_opts;
use super::status::natsStatus;
use super::types::{natsConnection, natsOptions, SendPtr};
use crate::core::auth::{NKeyAuth, SignCallback, UserCredentials};
use crate::core::secret::Secret;
use crate::core::tls::{self, CertificateChain};
use crate::core::{Error, Options, Status};

/// Callback that checks one certificate of the server's chain; `ctx` is
/// OpenSSL's `X509_STORE_CTX *`. Returns 1 to accept, 0 to reject.
pub type natsSSLVerifyCb = Option<unsafe extern "C" fn(preverifyOk: c_int, ctx: *mut c_void) -> c_int>;

/// Callback that signs `nonce`. It stores a `malloc` signature in
/// `*signature` (freed by the library) and its length; on failure it may
/// store a `malloc` error text in `*customErrTxt`.
pub type natsSignatureHandler = Option<
    unsafe extern "C" fn(
        customErrTxt: *mut *mut c_char,
        signature: *mut *mut c_uchar,
        signatureLength: *mut c_int,
        nonce: *const c_char,
        closure: *mut c_void,
    ) -> natsStatus,
>;

/// Callback that returns the user JWT in `*userJWT` (a `malloc` string freed
/// by the library); on failure it may store a `malloc` error text.
pub type natsUserJWTHandler = Option<
    unsafe extern "C" fn(userJWT: *mut *mut c_char, customErrTxt: *mut *mut c_char, closure: *mut c_void) -> natsStatus,
>;

/// Turns TLS on for the options (any TLS setting implies it).
fn secure(o: &mut Options) {
    o.secure = true;
}

/// Requires TLS for every connection made with these options (or stops
/// requiring it, which also clears the other TLS settings).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSecure(opts: *mut natsOptions, secure: bool) -> natsStatus {
    with_opts("natsOptions_SetSecure", opts, None, |o| {
        o.secure = secure;
        if !secure {
            o.tls = Default::default();
        }
        natsStatus::NATS_OK
    })
}

/// Runs the TLS handshake right after the TCP connect, before the server's
/// INFO, for servers configured with `handshake_first`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_TLSHandshakeFirst(opts: *mut natsOptions) -> natsStatus {
    with_opts("natsOptions_TLSHandshakeFirst", opts, None, |o| {
        secure(o);
        o.tls.handshake_first = true;
        natsStatus::NATS_OK
    })
}

/// Accepted for compatibility: TLS handshakes never share state here, so
/// they may always run concurrently.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_AllowConcurrentTLSHandshakes(opts: *mut natsOptions) -> natsStatus {
    with_opts("natsOptions_AllowConcurrentTLSHandshakes", opts, None, |_| natsStatus::NATS_OK)
}

/// Loads the trusted CA certificates from a PEM file; fails with
/// `NATS_SSL_ERROR` when the file cannot be read or parsed.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCATrustedCertificates(opts: *mut natsOptions, fileName: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_LoadCATrustedCertificates";
    let empty = fileName.is_null() || *fileName == 0;
    with_opts(F, opts, empty.then_some("fileName is NULL or empty"), |o| {
        let path = match req_str(F, "fileName", fileName) {
            Ok(p) => PathBuf::from(p),
            Err(s) => return s,
        };
        let loaded = tls::read_file(&path, "CA certificates").and_then(|pem| {
            tls::parse_certs(&pem, "CA certificates file")?;
            Ok(pem)
        });
        match loaded {
            Ok(pem) => {
                secure(o);
                o.tls.ca_pem = Some(pem);
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Trusts the CA certificates of a folder prepared with `openssl rehash`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCATrustedCertificatesPath(opts: *mut natsOptions, path: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_LoadCATrustedCertificatesPath";
    let empty = path.is_null() || *path == 0;
    with_opts(F, opts, empty.then_some("path is NULL or empty"), |o| {
        let dir = match req_str(F, "path", path) {
            Ok(p) => PathBuf::from(p),
            Err(s) => return s,
        };
        if !dir.is_dir() {
            return set_text(F, Status::SslError, format!("CA path '{}' is not a readable folder", dir.display()));
        }
        secure(o);
        o.tls.ca_path = Some(dir);
        natsStatus::NATS_OK
    })
}

/// Trusts the CA certificates given as PEM text.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCATrustedCertificates(opts: *mut natsOptions, certificates: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetCATrustedCertificates";
    with_opts(F, opts, None, |o| {
        let pem = match nonempty_str(F, "certificates", certificates) {
            Ok(p) => p.as_bytes().to_vec(),
            Err(s) => return s,
        };
        if let Err(e) = tls::parse_certs(&pem, "CA certificates") {
            return set_error(F, &e);
        }
        secure(o);
        o.tls.ca_pem = Some(pem);
        natsStatus::NATS_OK
    })
}

/// Reads a required, non-empty string argument.
unsafe fn nonempty_str<'a>(func: &'static str, arg: &str, p: *const c_char) -> Result<&'a str, natsStatus> {
    match req_str(func, arg, p)? {
        "" => Err(set_text(func, Status::InvalidArg, format!("{func}: argument '{arg}' is empty"))),
        s => Ok(s),
    }
}

unsafe fn load_chain(func: &'static str, certs: *const c_char, key: *const c_char) -> Result<(PathBuf, PathBuf, CertificateChain), natsStatus> {
    let certs = PathBuf::from(nonempty_str(func, "certsFileName", certs)?);
    let key = PathBuf::from(nonempty_str(func, "keyFileName", key)?);
    let chain = tls::read_file(&certs, "certificate chain")
        .and_then(|c| Ok((c, tls::read_file(&key, "private key")?)))
        .map(|(c, k)| CertificateChain {
            certs_pem: c,
            key_pem: Secret::from_bytes(k),
        })
        .and_then(|chain| tls::check_chain(&chain).map(|()| chain))
        .map_err(|e| set_error(func, &e))?;
    Ok((certs, key, chain))
}

/// Loads the client certificate chain and private key from PEM files.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCertificatesChain(
    opts: *mut natsOptions,
    certsFileName: *const c_char,
    keyFileName: *const c_char,
) -> natsStatus {
    const F: &str = "natsOptions_LoadCertificatesChain";
    with_opts(F, opts, None, |o| match load_chain(F, certsFileName, keyFileName) {
        Ok((_, _, chain)) => {
            secure(o);
            o.tls.chain = Some(chain);
            o.tls.dynamic_chain = None;
            natsStatus::NATS_OK
        }
        Err(s) => s,
    })
}

/// Like `natsOptions_LoadCertificatesChain`, but the files are read at
/// every connect (and need not exist yet), so renewed certificates are
/// picked up; a missing or invalid file fails that connect with
/// `NATS_SSL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCertificatesChainDynamic(
    opts: *mut natsOptions,
    certsFileName: *const c_char,
    keyFileName: *const c_char,
) -> natsStatus {
    const F: &str = "natsOptions_LoadCertificatesChainDynamic";
    let empty = |p: *const c_char| p.is_null() || *p == 0;
    let bad = (empty(certsFileName) || empty(keyFileName)).then_some("certsFileName and keyFileName are required");
    with_opts(F, opts, bad, |o| {
        // The files are read at each connect, so they need not exist yet.
        let (certs, key) = match (req_str(F, "certsFileName", certsFileName), req_str(F, "keyFileName", keyFileName)) {
            (Ok(c), Ok(k)) => (PathBuf::from(c), PathBuf::from(k)),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        secure(o);
        o.tls.dynamic_chain = Some((certs, key));
        o.tls.chain = None;
        natsStatus::NATS_OK
    })
}

/// Sets the client certificate chain and private key from PEM text.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCertificatesChain(opts: *mut natsOptions, cert: *const c_char, key: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetCertificatesChain";
    with_opts(F, opts, None, |o| {
        let (c, k) = match (nonempty_str(F, "cert", cert), nonempty_str(F, "key", key)) {
            (Ok(c), Ok(k)) => (c, k),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        let chain = CertificateChain {
            certs_pem: c.as_bytes().to_vec(),
            key_pem: Secret::new(k),
        };
        if let Err(e) = tls::check_chain(&chain) {
            return set_error(F, &e);
        }
        secure(o);
        o.tls.chain = Some(chain);
        o.tls.dynamic_chain = None;
        natsStatus::NATS_OK
    })
}

/// Sets the OpenSSL cipher list for TLS 1.2 and lower, for example
/// "ECDHE-RSA-AES128-GCM-SHA256"; an unknown list is `NATS_SSL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCiphers(opts: *mut natsOptions, ciphers: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetCiphers";
    let empty = ciphers.is_null() || *ciphers == 0;
    with_opts(F, opts, empty.then_some("ciphers is NULL or empty"), |o| {
        let list = match req_str(F, "ciphers", ciphers) {
            Ok(l) => l,
            Err(s) => return s,
        };
        match tls::check_ciphers(list, false) {
            Ok(()) => {
                secure(o);
                o.tls.ciphers = Some(list.to_string());
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Sets the OpenSSL cipher suites for TLS 1.3, for example
/// "TLS_AES_128_GCM_SHA256"; an unknown suite is `NATS_SSL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCipherSuites(opts: *mut natsOptions, ciphers: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetCipherSuites";
    let empty = ciphers.is_null() || *ciphers == 0;
    with_opts(F, opts, empty.then_some("ciphers is NULL or empty"), |o| {
        let list = match req_str(F, "ciphers", ciphers) {
            Ok(l) => l,
            Err(s) => return s,
        };
        match tls::check_ciphers(list, true) {
            Ok(()) => {
                secure(o);
                o.tls.cipher_suites = Some(list.to_string());
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Sets the host name the server certificate must match, in place of the
/// URL's host; NULL goes back to the URL's host.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetExpectedHostname(opts: *mut natsOptions, hostname: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetExpectedHostname";
    with_opts(F, opts, None, |o| match opt_str(F, "hostname", hostname) {
        Ok(h) => {
            secure(o);
            o.tls.expected_hostname = h.filter(|h| !h.is_empty()).map(str::to_string);
            natsStatus::NATS_OK
        }
        Err(s) => s,
    })
}

/// Accepts any server certificate. Only for tests: the connection is then
/// open to impersonation.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SkipServerVerification(opts: *mut natsOptions, skip: bool) -> natsStatus {
    with_opts("natsOptions_SkipServerVerification", opts, None, |o| {
        secure(o);
        o.tls.skip_verify = skip;
        natsStatus::NATS_OK
    })
}

/// Sets a callback that decides on each certificate of the server's chain;
/// NULL restores OpenSSL's own verification.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSSLVerificationCallback(opts: *mut natsOptions, callback: natsSSLVerifyCb) -> natsStatus {
    with_opts("natsOptions_SetSSLVerificationCallback", opts, None, |o| {
        secure(o);
        // A callback decides on verification, so it cannot stay skipped.
        if callback.is_some() {
            o.tls.skip_verify = false;
        }
        o.tls.verify_callback = callback.map(|cb| {
            Arc::new(move |ok: bool, ctx: &mut openssl::x509::X509StoreContextRef| {
                let raw = ctx.as_ptr() as *mut c_void;
                unsafe { cb(c_int::from(ok), raw) != 0 }
            }) as tls::VerifyCallback
        });
        natsStatus::NATS_OK
    })
}

/// Takes a `malloc` string returned by a callback, freeing it.
unsafe fn take_c_string(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let text = CStr::from_ptr(p).to_string_lossy().into_owned();
    libc::free(p as *mut c_void);
    Some(text)
}

fn signature_callback(cb: unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_uchar, *mut c_int, *const c_char, *mut c_void) -> natsStatus, closure: *mut c_void) -> SignCallback {
    let closure = SendPtr(closure);
    Arc::new(move |nonce: &[u8]| {
        let closure = closure;
        let nonce = std::ffi::CString::new(nonce.to_vec()).unwrap_or_default();
        let mut err_txt: *mut c_char = std::ptr::null_mut();
        let mut sig: *mut c_uchar = std::ptr::null_mut();
        let mut len: c_int = 0;
        let status = unsafe { cb(&mut err_txt, &mut sig, &mut len, nonce.as_ptr(), closure.0) };
        let text = unsafe { take_c_string(err_txt) };
        if status != natsStatus::NATS_OK {
            if !sig.is_null() {
                unsafe { libc::free(sig as *mut c_void) };
            }
            let core = status.to_core().unwrap_or(Status::Err);
            return Err(Error::new(core, text.unwrap_or_else(|| "the signature callback failed".to_string())));
        }
        if sig.is_null() || len <= 0 {
            return Err(Error::new(Status::Err, "the signature callback returned no signature"));
        }
        let bytes = unsafe { std::slice::from_raw_parts(sig, len as usize).to_vec() };
        unsafe { libc::free(sig as *mut c_void) };
        Ok(bytes)
    })
}

/// Authenticates with an NKey: `pubKey` is the public user key and `sigCB`
/// signs the server's nonce with its seed. An empty `pubKey` clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNKey(
    opts: *mut natsOptions,
    pubKey: *const c_char,
    sigCB: natsSignatureHandler,
    sigClosure: *mut c_void,
) -> natsStatus {
    const F: &str = "natsOptions_SetNKey";
    let has_key = !pubKey.is_null() && *pubKey != 0;
    let bad = (has_key && sigCB.is_none()).then_some("a signature callback is required with a public key");
    with_opts(F, opts, bad, |o| {
        if !has_key {
            o.nkey = None;
            return natsStatus::NATS_OK;
        }
        let key = match req_str(F, "pubKey", pubKey) {
            Ok(k) => k.to_string(),
            Err(s) => return s,
        };
        let sign = signature_callback(sigCB.expect("checked above"), sigClosure);
        o.nkey = Some(NKeyAuth::Callback { public_key: key, sign });
        o.user_credentials = None;
        natsStatus::NATS_OK
    })
}

/// Authenticates with an NKey whose seed is read from `seedFile` at each
/// connect. An empty `pubKey` clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNKeyFromSeed(opts: *mut natsOptions, pubKey: *const c_char, seedFile: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetNKeyFromSeed";
    let has_key = !pubKey.is_null() && *pubKey != 0;
    let has_seed = !seedFile.is_null() && *seedFile != 0;
    let bad = (has_key && !has_seed).then_some("a seed file is required with a public key");
    with_opts(F, opts, bad, |o| {
        if !has_key {
            o.nkey = None;
            return natsStatus::NATS_OK;
        }
        let (key, seed) = match (req_str(F, "pubKey", pubKey), req_str(F, "seedFile", seedFile)) {
            (Ok(k), Ok(s)) => (k.to_string(), PathBuf::from(s)),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        o.nkey = Some(NKeyAuth::SeedFile { public_key: key, seed });
        o.user_credentials = None;
        natsStatus::NATS_OK
    })
}

/// Authenticates with a user JWT and seed read at each connect from a
/// chained `.creds` file, or from a JWT file and a seed file. NULL clears.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsFromFiles(
    opts: *mut natsOptions,
    userOrChainedFile: *const c_char,
    seedFile: *const c_char,
) -> natsStatus {
    const F: &str = "natsOptions_SetUserCredentialsFromFiles";
    with_opts(F, opts, None, |o| {
        let (user, seed) = match (opt_str(F, "userOrChainedFile", userOrChainedFile), opt_str(F, "seedFile", seedFile)) {
            (Ok(u), Ok(s)) => (u.filter(|u| !u.is_empty()), s.filter(|s| !s.is_empty())),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        match (user, seed) {
            (None, Some(_)) => set_text(F, Status::InvalidArg, "user or chained file need to be specified"),
            (None, None) => {
                o.user_credentials = None;
                natsStatus::NATS_OK
            }
            (Some(u), s) => {
                o.user_credentials = Some(UserCredentials::Files {
                    user_or_chained: PathBuf::from(u),
                    seed: s.map(PathBuf::from),
                });
                o.nkey = None;
                natsStatus::NATS_OK
            }
        }
    })
}

/// Authenticates with the text of a chained `.creds` file (user JWT and
/// seed), parsed at each connect; NULL clears.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsFromMemory(opts: *mut natsOptions, jwtAndSeedContent: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetUserCredentialsFromMemory";
    with_opts(F, opts, None, |o| {
        let text = match opt_str(F, "jwtAndSeedContent", jwtAndSeedContent) {
            Ok(t) => t,
            Err(s) => return s,
        };
        let Some(text) = text else {
            o.user_credentials = None;
            return natsStatus::NATS_OK;
        };
        // Like cnats, the text is parsed at connect, which fails if it holds
        // no JWT or no seed.
        o.user_credentials = Some(UserCredentials::Memory(Secret::new(text)));
        o.nkey = None;
        natsStatus::NATS_OK
    })
}

/// Authenticates with callbacks: `ujwtCB` returns the user JWT and `sigCB`
/// signs the server's nonce. Both NULL clears; one without the other is
/// `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsCallbacks(
    opts: *mut natsOptions,
    ujwtCB: natsUserJWTHandler,
    ujwtClosure: *mut c_void,
    sigCB: natsSignatureHandler,
    sigClosure: *mut c_void,
) -> natsStatus {
    const F: &str = "natsOptions_SetUserCredentialsCallbacks";
    let bad = (ujwtCB.is_some() != sigCB.is_some()).then_some("both callbacks must be set, or neither");
    with_opts(F, opts, bad, |o| {
        let (Some(jwt_cb), Some(sig_cb)) = (ujwtCB, sigCB) else {
            o.user_credentials = None;
            return natsStatus::NATS_OK;
        };
        let closure = SendPtr(ujwtClosure);
        let jwt = Arc::new(move || {
            let closure = closure;
            let mut jwt: *mut c_char = std::ptr::null_mut();
            let mut err_txt: *mut c_char = std::ptr::null_mut();
            let status = unsafe { jwt_cb(&mut jwt, &mut err_txt, closure.0) };
            let text = unsafe { take_c_string(err_txt) };
            let jwt = unsafe { take_c_string(jwt) };
            if status != natsStatus::NATS_OK {
                let core = status.to_core().unwrap_or(Status::Err);
                return Err(Error::new(core, text.unwrap_or_else(|| "the user JWT callback failed".to_string())));
            }
            jwt.ok_or_else(|| Error::new(Status::Err, "the user JWT callback returned no JWT"))
        }) as crate::core::auth::JwtCallback;
        o.user_credentials = Some(UserCredentials::Callbacks {
            jwt,
            sign: signature_callback(sig_cb, sigClosure),
        });
        o.nkey = None;
        natsStatus::NATS_OK
    })
}

/// Signs `message` with the NKey or user credentials the connection was
/// created with, writing the 64-byte signature to `sig`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Sign(
    nc: *mut natsConnection,
    message: *const c_uchar,
    messageLen: c_int,
    sig: *mut c_uchar,
) -> natsStatus {
    const F: &str = "natsConnection_Sign";
    guard_status(F, || {
        if nc.is_null() {
            return null_arg(F, "nc");
        }
        if sig.is_null() {
            return null_arg(F, "sig");
        }
        if messageLen < 0 || (message.is_null() && messageLen > 0) {
            return null_arg(F, "message");
        }
        let data = if message.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(message, messageLen as usize)
        };
        match conn_ref(nc).sign(data) {
            Ok(bytes) if bytes.len() == 64 => {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), sig, 64);
                natsStatus::NATS_OK
            }
            Ok(bytes) => set_text(F, Status::Err, format!("signature has {} bytes, expected 64", bytes.len())),
            Err(e) => set_error(F, &e),
        }
    })
}

/// Signs `input` with the NKey seed `encodedSeed`; `*signature` receives a
/// `malloc` buffer the caller frees and `*signatureLength` its length (64).
#[no_mangle]
pub unsafe extern "C" fn nats_Sign(
    encodedSeed: *const c_char,
    input: *const c_char,
    signature: *mut *mut c_uchar,
    signatureLength: *mut c_int,
) -> natsStatus {
    const F: &str = "nats_Sign";
    guard_status(F, || {
        let seed = match req_str(F, "encodedSeed", encodedSeed) {
            Ok(s) => Secret::new(s),
            Err(s) => return s,
        };
        if input.is_null() {
            return null_arg(F, "input");
        }
        if signature.is_null() {
            return null_arg(F, "signature");
        }
        if signatureLength.is_null() {
            return null_arg(F, "signatureLength");
        }
        let data = CStr::from_ptr(input).to_bytes();
        match crate::core::auth::sign_with_seed(&seed, data) {
            Ok(bytes) => {
                let p = super::handles::malloc_array(&bytes);
                if p.is_null() {
                    return set_text(F, Status::NoMemory, "out of memory");
                }
                *signature = p;
                *signatureLength = bytes.len() as c_int;
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

