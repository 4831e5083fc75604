//! Runs `tests/c/security/jwt.c` against nats-server in operator mode
//! (`operator`, `resolver: MEMORY`, `resolver_preload`): user credentials,
//! rejected credentials, permissions in a user JWT, and user JWTs that
//! expire while connected. The NKeys and JWTs are generated for each test.

mod common;
#[path = "security/mod.rs"]
mod security;

use common::NatsServer;
use security::{
    args, build_security_program, creds_text, decode_claims, deny_permissions, nkey_user,
    run_security_test, unix_now, NKeyUser, Operator, TempDir, DENIED_PUBLISH, DENIED_SUBSCRIBE,
};

/// Message that `jwt.c` signs with `natsConnection_Sign`.
const SIGNED_MESSAGE: &str = "security-test-message";

/// Seconds between writing an expiring JWT and its expiry: long enough for
/// the C program to start and connect, short enough to keep the test quick.
const EXPIRES_IN_SECS: i64 = 4;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `user.jwt`, `user.creds`, `user.nk` and `user.pub` for `user`.
fn write_user_files(dir: &TempDir, user: &NKeyUser, jwt: &str) {
    dir.write("user.jwt", jwt);
    dir.write("user.creds", &creds_text(jwt, &user.seed));
    dir.write("user.nk", &format!("{}\n", user.seed));
    dir.write("user.pub", &format!("{}\n", user.public_key));
}

#[test]
fn jwt_generated_claims_layout() {
    let operator = Operator::new();
    let user = nkey_user();
    let jwt = operator.user_jwt(&user, "layout", None, Some(unix_now() + 60));

    let header = jwt.split('.').next().expect("a JWT has a header");
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
            .expect("the header is base64url"),
    )
    .expect("the header is JSON");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["alg"], "ed25519-nkey");

    let claims = decode_claims(&jwt);
    assert_eq!(claims["iss"], operator.account.public_key());
    assert_eq!(claims["sub"], user.public_key);
    assert_eq!(claims["nats"]["type"], "user");
    assert_eq!(claims["nats"]["version"], 2);
    assert_eq!(claims["jti"].as_str().map(str::len), Some(52));
    assert!(claims["exp"].as_i64().is_some());

    let account_claims = decode_claims(&operator.account_jwt);
    assert_eq!(account_claims["iss"], operator.operator.public_key());
    assert_eq!(account_claims["nats"]["type"], "account");
    let operator_claims = decode_claims(&operator.operator_jwt);
    assert_eq!(operator_claims["iss"], operator_claims["sub"]);
    assert_eq!(operator_claims["nats"]["type"], "operator");
}

#[test]
fn jwt_user_credentials() {
    let operator = Operator::new();
    let user = nkey_user();
    let other_user = nkey_user();
    let dir = TempDir::new("jwt-creds");

    let jwt = operator.user_jwt(&user, "security-user", None, None);
    write_user_files(&dir, &user, &jwt);

    // A user of an account that is signed by another operator, so unknown
    // to the server.
    let stray = Operator::new();
    let stray_jwt = stray.user_jwt(&other_user, "stray-user", None, None);
    dir.write(
        "other-account.creds",
        &creds_text(&stray_jwt, &other_user.seed),
    );
    dir.write("wrong-seed.creds", &creds_text(&jwt, &other_user.seed));
    let expired_jwt = operator.user_jwt(&user, "expired-user", None, Some(unix_now() - 3600));
    dir.write("expired.creds", &creds_text(&expired_jwt, &user.seed));

    let signature = user
        .key_pair
        .sign(SIGNED_MESSAGE.as_bytes())
        .expect("sign with the user seed");
    let server = NatsServer::start_with_config(&operator.server_config());
    let run = run_security_test(
        "jwt",
        false,
        &args(&["creds", &server.port_arg(), &dir.arg(), &hex(&signature)]),
    );
    security::assert_no_secret("jwt output", &run.stdout, &[&user.seed, &other_user.seed]);
}

#[test]
fn jwt_user_permissions() {
    let operator = Operator::new();
    let user = nkey_user();
    let dir = TempDir::new("jwt-permissions");
    let jwt = operator.user_jwt(&user, "security-user", None, None);
    write_user_files(&dir, &user, &jwt);
    let restricted = operator.user_jwt(
        &user,
        "restricted-user",
        Some(deny_permissions(&[DENIED_PUBLISH], &[DENIED_SUBSCRIBE])),
        None,
    );
    dir.write("restricted.creds", &creds_text(&restricted, &user.seed));

    let server = NatsServer::start_with_config(&operator.server_config());
    run_security_test(
        "jwt",
        false,
        &args(&["permissions", &server.port_arg(), &dir.arg()]),
    );
}

#[test]
fn jwt_expiry_closes_connection() {
    let operator = Operator::new();
    let user = nkey_user();
    let dir = TempDir::new("jwt-expiry-close");
    let server = NatsServer::start_with_config(&operator.server_config());
    // Compile first, so that the JWT expires a known time after the start.
    build_security_program("jwt", false);

    let jwt = operator.user_jwt(&user, "security-user", None, None);
    write_user_files(&dir, &user, &jwt);
    let expiring = operator.user_jwt(
        &user,
        "expiring-user",
        None,
        Some(unix_now() + EXPIRES_IN_SECS),
    );
    dir.write("expiring.creds", &creds_text(&expiring, &user.seed));
    run_security_test(
        "jwt",
        false,
        &args(&["expiry_close", &server.port_arg(), &dir.arg()]),
    );
}

#[test]
fn jwt_expiry_renewed_credentials() {
    let operator = Operator::new();
    let user = nkey_user();
    let dir = TempDir::new("jwt-expiry-renew");
    let server = NatsServer::start_with_config(&operator.server_config());
    build_security_program("jwt", false);

    let fresh = operator.user_jwt(&user, "fresh-user", None, None);
    write_user_files(&dir, &user, &fresh);
    dir.write("fresh.jwt", &fresh);
    dir.write("fresh.creds", &creds_text(&fresh, &user.seed));
    let expiring = operator.user_jwt(
        &user,
        "expiring-user",
        None,
        Some(unix_now() + EXPIRES_IN_SECS),
    );
    dir.write("expiring.jwt", &expiring);
    dir.write("expiring.creds", &creds_text(&expiring, &user.seed));
    run_security_test(
        "jwt",
        false,
        &args(&["expiry_renew", &server.port_arg(), &dir.arg()]),
    );
}
