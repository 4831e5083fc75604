//! Runs `tests/c/security/auth.c`: token, user/password and NKey
//! authentication, `nats_Sign`, and the permissions of a configured user.
//! The NKeys are generated for each test.

mod common;
#[path = "security/mod.rs"]
mod security;

use common::{unused_port, NatsServer};
use security::{args, nkey_user, run_security_test, TempDir};

/// Message that `auth.c` signs, and whose expected signature the harness
/// computes with the nkeys crate.
const SIGNED_MESSAGE: &str = "security-test-message";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn auth_token() {
    let server = NatsServer::start_with_config(&security::token_config("tok-s3cr3t-42"));
    run_security_test("auth", false, &args(&["token", &server.port_arg()]));
}

#[test]
fn auth_user_password() {
    let server =
        NatsServer::start_with_config(&security::users_config(&[("alice", "pa55-w0rd-s3cr3t")]));
    let dead_port = unused_port().to_string();
    let run = run_security_test(
        "auth",
        false,
        &args(&["userpass", &server.port_arg(), &dead_port]),
    );
    security::assert_no_secret("auth output", &run.stdout, &["pa55-w0rd-s3cr3t"]);
}

#[test]
fn auth_nkey() {
    let user = nkey_user();
    let other = nkey_user();
    let dir = TempDir::new("nkey");
    dir.write("user.pub", &format!("{}\n", user.public_key));
    dir.write("user.nk", &format!("{}\n", user.seed));
    dir.write("other.pub", &format!("{}\n", other.public_key));
    dir.write("other.nk", &format!("{}\n", other.seed));
    // Starts like a user seed, but the checksum and length are wrong.
    dir.write("bad.nk", "SUAMBADSEEDTEXTTHATISNOTAVALIDNKEYSEEDATALL\n");
    let signature = user
        .key_pair
        .sign(SIGNED_MESSAGE.as_bytes())
        .expect("sign with the user seed");

    let server = NatsServer::start_with_config(&security::nkey_users_config(&[&user.public_key]));
    let run = run_security_test(
        "auth",
        false,
        &args(&["nkey", &server.port_arg(), &dir.arg(), &hex(&signature)]),
    );
    security::assert_no_secret("auth output", &run.stdout, &[&user.seed, &other.seed]);
}

#[test]
fn auth_user_permissions() {
    let server =
        NatsServer::start_with_config(&security::restricted_user_config("limited", "limited-pw"));
    run_security_test("auth", false, &args(&["permissions", &server.port_arg()]));
}
