//! Runs `tests/c/js/push.c`: push subscriptions, acknowledgments,
//! metadata, ordered consumers and flow control against one server.

mod common;
mod js;

use common::args;

#[test]
fn push_subscriptions() {
    let server = js::start_js_server();
    js::run_js_test("push", &args(&[&server.url()]));
}
