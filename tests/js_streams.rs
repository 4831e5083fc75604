//! Runs `tests/c/js/streams.c` (stream management and stream information)
//! and `tests/c/js/messages.c` (reading and deleting stream messages).

mod common;
mod js;

use common::args;

#[test]
fn stream_management() {
    let server = js::start_js_server();
    js::run_js_test("streams", &args(&[&server.url()]));
}

#[test]
fn stream_messages() {
    let server = js::start_js_server();
    js::run_js_test("messages", &args(&[&server.url()]));
}
