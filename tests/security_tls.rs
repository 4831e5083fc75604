//! Runs `tests/c/security/tls.c` against nats-server with TLS: server
//! verification, mutual TLS, `handshake_first`, a certificate for the
//! wrong host, an expired certificate, and token authentication over TLS.
//! The certificates are generated for each test (see `security::Pki`).

mod common;
#[path = "security/mod.rs"]
mod security;

use common::{free_port, unused_port, NatsServer};
use security::{args, run_security_test, Pki};

#[test]
fn tls_server_verification() {
    let pki = Pki::generate();
    let http_port = free_port("127.0.0.1");
    let tls_server =
        NatsServer::start_with_config(&security::tls_config_with_monitoring(&pki, http_port));
    let plain_server = NatsServer::start(&[]);
    let dead_port = unused_port();
    run_security_test(
        "tls",
        true,
        &args(&[
            "server_auth",
            &pki.arg(),
            &tls_server.port_arg(),
            &plain_server.port_arg(),
            &http_port.to_string(),
            &dead_port.to_string(),
        ]),
    );
}

#[test]
fn tls_mutual_verification() {
    let pki = Pki::generate();
    let server = NatsServer::start_with_config(&security::mutual_tls_config(&pki));
    run_security_test(
        "tls",
        true,
        &args(&["mutual", &pki.arg(), &server.port_arg()]),
    );
}

#[test]
fn tls_handshake_first() {
    let pki = Pki::generate();
    let server = NatsServer::start_with_config(&security::handshake_first_config(&pki));
    run_security_test(
        "tls",
        true,
        &args(&["handshake_first", &pki.arg(), &server.port_arg()]),
    );
}

#[test]
fn tls_wrong_host_certificate() {
    let pki = Pki::generate();
    let server = NatsServer::start_with_config(&security::tls_config(&pki, "wronghost"));
    run_security_test(
        "tls",
        true,
        &args(&["wrong_host", &pki.arg(), &server.port_arg()]),
    );
}

#[test]
fn tls_expired_certificate() {
    let pki = Pki::generate();
    let server = NatsServer::start_with_config(&security::tls_config(&pki, "expired"));
    run_security_test(
        "tls",
        true,
        &args(&["expired", &pki.arg(), &server.port_arg()]),
    );
}

#[test]
fn tls_token_flow() {
    let pki = Pki::generate();
    let config = format!(
        "{}{}",
        security::tls_config(&pki, "server"),
        security::token_config("tls-token-s3cr3t")
    );
    let server = NatsServer::start_with_config(&config);
    run_security_test(
        "tls",
        true,
        &args(&["token", &pki.arg(), &server.port_arg()]),
    );
}
