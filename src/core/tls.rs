//! TLS through OpenSSL: the settings a connection uses and the upgrade of
//! a TCP socket to TLS.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509StoreContextRef, X509};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use super::status::{Error, Result, Status};

/// Callback that decides whether a certificate in the server's chain is
/// acceptable, given OpenSSL's own verdict.
pub type VerifyCallback = Arc<dyn Fn(bool, &mut X509StoreContextRef) -> bool + Send + Sync>;

/// A certificate chain with its private key, as PEM.
#[derive(Clone)]
pub struct CertificateChain {
    pub certs_pem: Vec<u8>,
    pub key_pem: super::secret::Secret,
}

/// TLS settings of a connection.
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// Trusted CA certificates, as PEM; `None` uses the system's.
    pub ca_pem: Option<Vec<u8>>,
    /// Folder of hashed CA certificates, as for `openssl rehash`.
    pub ca_path: Option<PathBuf>,
    /// Client certificate chain and key.
    pub chain: Option<CertificateChain>,
    /// Files of a client certificate chain and key, read again at every connect.
    pub dynamic_chain: Option<(PathBuf, PathBuf)>,
    /// OpenSSL cipher list for TLS 1.2 and lower.
    pub ciphers: Option<String>,
    /// OpenSSL cipher suites for TLS 1.3.
    pub cipher_suites: Option<String>,
    /// Host name to verify instead of the URL's host.
    pub expected_hostname: Option<String>,
    /// Accept any server certificate.
    pub skip_verify: bool,
    pub verify_callback: Option<VerifyCallback>,
    /// Run the TLS handshake before the server's INFO.
    pub handshake_first: bool,
}

/// Wraps an OpenSSL error with `NATS_SSL_ERROR` and a context.
pub(crate) fn ssl_error(context: &str, e: impl std::fmt::Display) -> Error {
    Error::new(Status::SslError, format!("{context}: {e}"))
}

/// Parses PEM certificates, failing when there is none.
pub fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<X509>> {
    let certs = X509::stack_from_pem(pem).map_err(|e| ssl_error(&format!("invalid {what}"), e))?;
    if certs.is_empty() {
        return Err(Error::new(Status::SslError, format!("no certificate found in {what}")));
    }
    Ok(certs)
}

/// Parses a PEM private key.
pub fn parse_key(pem: &[u8], what: &str) -> Result<PKey<Private>> {
    PKey::private_key_from_pem(pem).map_err(|e| ssl_error(&format!("invalid {what}"), e))
}

/// Reads a file for a TLS option, mapping failures to `NATS_SSL_ERROR`.
pub fn read_file(path: &std::path::Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::new(
            Status::SslError,
            format!("failed to read the {what} file '{}': {e}", path.display()),
        )
    })
}

/// Checks that a certificate chain and key parse and belong together.
pub fn check_chain(chain: &CertificateChain) -> Result<()> {
    let certs = parse_certs(&chain.certs_pem, "certificate chain")?;
    let key = parse_key(chain.key_pem.as_bytes(), "private key")?;
    let public = certs[0]
        .public_key()
        .map_err(|e| ssl_error("invalid certificate", e))?;
    if !public.public_eq(&key) {
        return Err(Error::new(
            Status::SslError,
            "the private key does not match the certificate",
        ));
    }
    Ok(())
}

/// Checks an OpenSSL cipher list (TLS 1.2) or cipher suite string (TLS 1.3).
pub fn check_ciphers(list: &str, tls13: bool) -> Result<()> {
    let mut builder = SslConnector::builder(SslMethod::tls_client())
        .map_err(|e| ssl_error("failed to create a TLS context", e))?;
    let result = if tls13 {
        builder.set_ciphersuites(list)
    } else {
        builder.set_cipher_list(list)
    };
    result.map_err(|e| ssl_error(&format!("invalid cipher list '{list}'"), e))
}

fn connector(opts: &TlsOptions) -> Result<SslConnector> {
    let mut builder = SslConnector::builder(SslMethod::tls_client())
        .map_err(|e| ssl_error("failed to create a TLS context", e))?;
    builder
        .set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| ssl_error("failed to set the TLS version", e))?;
    if let Some(pem) = &opts.ca_pem {
        let mut store = X509StoreBuilder::new().map_err(|e| ssl_error("failed to create a CA store", e))?;
        for cert in parse_certs(pem, "CA certificates")? {
            store
                .add_cert(cert)
                .map_err(|e| ssl_error("failed to add a CA certificate", e))?;
        }
        builder.set_cert_store(store.build());
    }
    if let Some(path) = &opts.ca_path {
        builder
            .load_verify_locations(None, Some(path))
            .map_err(|e| ssl_error(&format!("failed to load CA path '{}'", path.display()), e))?;
    }
    let chain = match &opts.dynamic_chain {
        Some((certs, key)) => Some(CertificateChain {
            certs_pem: read_file(certs, "certificate chain")?,
            key_pem: super::secret::Secret::from_bytes(read_file(key, "private key")?),
        }),
        None => opts.chain.clone(),
    };
    if let Some(chain) = chain {
        let certs = parse_certs(&chain.certs_pem, "certificate chain")?;
        let key = parse_key(chain.key_pem.as_bytes(), "private key")?;
        let mut certs = certs.into_iter();
        let leaf = certs.next().expect("parse_certs returns at least one");
        builder
            .set_certificate(&leaf)
            .map_err(|e| ssl_error("failed to use the client certificate", e))?;
        for extra in certs {
            builder
                .add_extra_chain_cert(extra)
                .map_err(|e| ssl_error("failed to add a chain certificate", e))?;
        }
        builder
            .set_private_key(&key)
            .map_err(|e| ssl_error("failed to use the private key", e))?;
        builder
            .check_private_key()
            .map_err(|e| ssl_error("the private key does not match the certificate", e))?;
    }
    if let Some(list) = &opts.ciphers {
        builder
            .set_cipher_list(list)
            .map_err(|e| ssl_error(&format!("invalid cipher list '{list}'"), e))?;
    }
    if let Some(list) = &opts.cipher_suites {
        builder
            .set_ciphersuites(list)
            .map_err(|e| ssl_error(&format!("invalid cipher suites '{list}'"), e))?;
    }
    if opts.skip_verify {
        builder.set_verify(SslVerifyMode::NONE);
    } else if let Some(cb) = opts.verify_callback.clone() {
        builder.set_verify_callback(SslVerifyMode::PEER, move |ok, ctx| cb(ok, ctx));
    } else {
        builder.set_verify(SslVerifyMode::PEER);
    }
    Ok(builder.build())
}

/// Runs the TLS handshake on `tcp` for server `host`.
pub(crate) async fn upgrade(opts: &TlsOptions, tcp: TcpStream, host: &str) -> Result<SslStream<TcpStream>> {
    let connector = connector(opts)?;
    let name = opts.expected_hostname.as_deref().unwrap_or(host);
    let mut config = connector
        .configure()
        .map_err(|e| ssl_error("failed to configure TLS", e))?;
    // SNI carries host names only; an IP address is verified against the
    // certificate's IP addresses instead of its host names.
    let is_ip = name.parse::<std::net::IpAddr>().is_ok();
    config.set_verify_hostname(!opts.skip_verify && !is_ip);
    config.set_use_server_name_indication(!is_ip);
    let ssl = if is_ip && !opts.skip_verify {
        let mut ssl = config
            .into_ssl("localhost")
            .map_err(|e| ssl_error("failed to configure TLS", e))?;
        let ip: std::net::IpAddr = name.parse().expect("checked above");
        ssl.param_mut()
            .set_ip(ip)
            .map_err(|e| ssl_error("failed to set the expected IP address", e))?;
        ssl
    } else {
        config
            .into_ssl(name)
            .map_err(|e| ssl_error("failed to configure TLS", e))?
    };
    let mut stream = SslStream::new(ssl, tcp).map_err(|e| ssl_error("failed to start TLS", e))?;
    Pin::new(&mut stream).connect().await.map_err(|e| {
        let verify = stream.ssl().verify_result();
        if verify != openssl::x509::X509VerifyResult::OK {
            ssl_error("TLS handshake failed", format!("{e}: certificate verify failed: {}", verify.error_string()))
        } else {
            ssl_error("TLS handshake failed", e)
        }
    })?;
    Ok(stream)
}
