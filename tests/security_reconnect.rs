//! Runs `tests/c/security/reconnect.c`: connections authenticated with a
//! token, a user and password, an NKey, user credentials, or a client
//! certificate reconnect after the server restarts on the same port, with
//! the same credentials, and carry messages again. The program requests the
//! restart with `CTL restart` (see `security::run_security_test_with`).

mod common;
#[path = "security/mod.rs"]
mod security;

use security::{
    args, creds_text, nkey_user, run_security_test_with, Operator, Pki, RestartableServer, TempDir,
};

fn run_with_restarts(server: &mut RestartableServer, arguments: &[String]) {
    run_security_test_with("reconnect", false, arguments, &mut |request| {
        server.handle_control(request)
    });
}

#[test]
fn reconnect_with_token() {
    let mut server = RestartableServer::start(&security::token_config("tok-s3cr3t-42"));
    let port = server.port_arg();
    run_with_restarts(&mut server, &args(&["token", &port]));
}

#[test]
fn reconnect_with_user_password() {
    let mut server =
        RestartableServer::start(&security::users_config(&[("alice", "pa55-w0rd-s3cr3t")]));
    let port = server.port_arg();
    run_with_restarts(&mut server, &args(&["userpass", &port]));
}

#[test]
fn reconnect_with_nkey() {
    let user = nkey_user();
    let dir = TempDir::new("reconnect-nkey");
    dir.write("user.pub", &format!("{}\n", user.public_key));
    dir.write("user.nk", &format!("{}\n", user.seed));
    let mut server = RestartableServer::start(&security::nkey_users_config(&[&user.public_key]));
    let port = server.port_arg();
    run_with_restarts(&mut server, &args(&["nkey", &port, &dir.arg()]));
}

#[test]
fn reconnect_with_user_credentials() {
    let operator = Operator::new();
    let user = nkey_user();
    let dir = TempDir::new("reconnect-creds");
    let jwt = operator.user_jwt(&user, "reconnect-user", None, None);
    dir.write("user.jwt", &jwt);
    dir.write("user.creds", &creds_text(&jwt, &user.seed));
    dir.write("user.nk", &format!("{}\n", user.seed));
    let mut server = RestartableServer::start(&operator.server_config());
    let port = server.port_arg();
    run_with_restarts(&mut server, &args(&["creds", &port, &dir.arg()]));
}

#[test]
fn reconnect_with_client_certificate() {
    let pki = Pki::generate();
    let mut server = RestartableServer::start(&security::mutual_tls_config(&pki));
    let port = server.port_arg();
    run_with_restarts(&mut server, &args(&["tls", &port, &pki.arg()]));
}
