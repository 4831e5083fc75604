//! Runs `tests/c/js/publish.c`: synchronous and asynchronous JetStream
//! publishing, message ids, expectations, TTLs and atomic batches.

mod common;
mod js;

use common::args;

#[test]
fn jetstream_publish() {
    let server = js::start_js_server();
    js::run_js_test("publish", &args(&[&server.url()]));
}
