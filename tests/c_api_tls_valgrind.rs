//! Runs `tests/c/tls_leak.c` under valgrind against a TLS server with a
//! token, so every run checks the TLS paths for leaks and invalid memory
//! accesses (the other TLS tests run without valgrind because their short
//! timeouts do not survive its slowdown).

mod common;

use std::path::Path;
use std::process::Command;

use common::{args, build_c_program, run_c_program, NatsServer};

fn openssl(dir: &Path, arguments: &[&str]) {
    let output = Command::new("openssl")
        .args(arguments)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): install it with `apt-get install openssl`"));
    assert!(
        output.status.success(),
        "openssl {arguments:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Creates a CA and a server certificate for localhost and 127.0.0.1.
fn make_certificates(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem",
                   "-out", "ca.pem", "-days", "2", "-subj", "/CN=tls-leak-test-ca"]);
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem",
                   "-out", "server.csr", "-subj", "/CN=localhost"]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    openssl(dir, &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                   "-CAcreateserial", "-out", "server-cert.pem", "-days", "2", "-extfile", "ext.cnf"]);
}

#[test]
fn tls_paths_under_valgrind() {
    let valgrind = Command::new("valgrind").arg("--version").output();
    assert!(
        valgrind.is_ok_and(|o| o.status.success()),
        "valgrind is missing: install it with `apt-get install valgrind`"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tls-leak-{}", std::process::id()));
    make_certificates(&dir);
    let config = format!(
        "authorization {{ token: mytoken }}\ntls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  timeout: 30\n}}\n",
        dir.join("server-cert.pem").display(),
        dir.join("server-key.pem").display()
    );
    let server = NatsServer::start_with_config(&config);
    let url = format!("tls://127.0.0.1:{}", server.port_arg());
    let exe = build_c_program("tls_leak");
    let tls_args = args(&[&url, &dir.join("ca.pem").display().to_string()]);
    // Under NATS_TEST_VALGRIND=1 the helper already runs the program in
    // valgrind; otherwise this test does.
    if std::env::var("NATS_TEST_VALGRIND").as_deref() == Ok("1") {
        let run = run_c_program(&exe, &tls_args);
        assert!(run.status.success(), "valgrind run failed:\n{}", run.report());
        return;
    }
    let mut command = vec![
        "--quiet".to_string(),
        "--leak-check=full".to_string(),
        "--errors-for-leak-kinds=definite".to_string(),
        "--error-exitcode=99".to_string(),
        exe.display().to_string(),
    ];
    command.extend(tls_args);
    let run = run_c_program(Path::new("valgrind"), &command);
    println!("{}", run.report());
    assert!(run.stdout.contains("2 passed, 0 failed"), "tls_leak failed:\n{}", run.report());
    assert!(
        run.status.success(),
        "valgrind reported memory errors or definite leaks (exit {:?}):\n{}",
        run.status.code(),
        run.report()
    );
}
