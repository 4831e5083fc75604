//! Runs `tests/c/evloop_libevent.c` and `tests/c/evloop_libuv.c`: the
//! adapters in `include/nats/adapters/` let a libevent or libuv loop read
//! the connection's socket, across a reconnect and a close.

mod common;

use common::{args, run_c_test_with, NatsServer};

/// Fails with the package to install when a loop library's headers are missing.
fn require_header(header: &str, package: &str) {
    let found = ["/usr/include", "/usr/local/include"]
        .iter()
        .any(|dir| std::path::Path::new(dir).join(header).is_file());
    assert!(found, "{header} is missing: install it with `apt-get install {package}`");
}

#[test]
fn libevent_adapter() {
    require_header("event2/event.h", "libevent-dev");
    let server = NatsServer::start(&[]);
    run_c_test_with("evloop_libevent", &["-levent", "-levent_pthreads"], &args(&[&server.url()]));
}

#[test]
fn libuv_adapter() {
    require_header("uv.h", "libuv1-dev");
    let server = NatsServer::start(&[]);
    run_c_test_with("evloop_libuv", &["-luv"], &args(&[&server.url()]));
}
