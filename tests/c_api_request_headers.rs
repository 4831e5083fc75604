//! Runs `tests/c/request.c` (request/reply) and `tests/c/headers.c`
//! (message headers and no-responders messages).

mod common;

use common::{args, run_c_test, NatsServer};

#[test]
fn request_reply() {
    let server = NatsServer::start(&[]);
    run_c_test("request", &args(&[&server.url()]));
}

#[test]
fn message_headers() {
    let server = NatsServer::start(&[]);
    run_c_test("headers", &args(&[&server.url()]));
}
