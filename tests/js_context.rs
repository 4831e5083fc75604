//! Runs `tests/c/js/context.c`: JetStream context options, API prefix and
//! domain, request timeouts, account information, and a server without
//! JetStream.

mod common;
mod js;

use common::{args, NatsServer};

#[test]
fn jetstream_context() {
    let server = js::start_js_server();
    let plain = NatsServer::start(&[]);
    js::run_js_test("context", &args(&[&server.url(), &plain.url()]));
}
