//! Runs `tests/c/library.c`: library open/close, clocks, version, status
//! texts, the thread-local last error and inboxes. No server is needed.

mod common;

use common::{args, run_c_test};

#[test]
fn library_functions() {
    run_c_test("library", &args(&[]));
}
