//! Runs `tests/c/js/consumers.c`: consumer configs, create, update, info,
//! delete, reset, pause and listing.

mod common;
mod js;

use common::args;

#[test]
fn consumer_management() {
    let server = js::start_js_server();
    js::run_js_test("consumers", &args(&[&server.url()]));
}
