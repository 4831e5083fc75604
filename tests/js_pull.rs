//! Runs `tests/c/js/pull.c`: pull subscriptions, fetch requests and their
//! status messages, bad input, and asynchronous pull subscriptions.

mod common;
mod js;

use common::args;

#[test]
fn pull_subscriptions() {
    let server = js::start_js_server();
    js::run_js_test("pull", &args(&[&server.url()]));
}
