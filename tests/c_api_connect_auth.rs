//! Runs the connection tests: `tests/c/connect_auth.c` (token and
//! user/password authentication), `tests/c/connect_urls.c` (URLs, server
//! lists, IPv6) and `tests/c/connect_options.c` (connection information and
//! options).

mod common;

use common::{args, ipv6_loopback_available, run_c_test, unused_port, NatsServer, ServerOptions};

/// Server users: one password needs percent-encoding in a URL.
const USERS_CONFIG: &str = r#"
authorization {
  users = [
    { user: "der-user", password: "p@ss/w:rd%" }
    { user: "plain", password: "simple" }
  ]
}
"#;

#[test]
fn connect_with_token_auth() {
    let server = NatsServer::start(&["--auth", "mytoken"]);
    run_c_test("connect_auth", &args(&["token", &server.port_arg()]));
}

#[test]
fn connect_with_user_password_auth() {
    let server = NatsServer::start_with_config(USERS_CONFIG);
    run_c_test("connect_auth", &args(&["userpass", &server.port_arg()]));
}

#[test]
fn connect_urls_and_server_lists() {
    let server = NatsServer::start(&[]);
    let dead_port = unused_port().to_string();
    run_c_test(
        "connect_urls",
        &args(&["plain", &server.port_arg(), &dead_port]),
    );
}

#[test]
fn connect_over_ipv6() {
    // The only case a test may skip: the machine has no IPv6 loopback.
    if let Err(reason) = ipv6_loopback_available() {
        println!("skipping connect_over_ipv6: no IPv6 loopback on this machine ({reason})");
        return;
    }
    let server = NatsServer::start_with(ServerOptions::default().host("::1"));
    run_c_test("connect_urls", &args(&["ipv6", &server.port_arg()]));
}

#[test]
fn connection_info_and_options() {
    let server = NatsServer::start(&[]);
    run_c_test("connect_options", &args(&[&server.url()]));
}
