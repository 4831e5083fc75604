//! Runs `tests/c/headers_standalone.c`, the standalone `natsHeader_*` API
//! that cnats added in 3.11.

mod common;

use common::{args, c_library, header_declares, run_c_test};

#[test]
fn standalone_headers() {
    if !header_declares("natsHeader_New") {
        // This repository's header must declare it; only an older external
        // cnats (such as Debian's 3.4.1, used to validate the other tests)
        // may lack it.
        assert!(
            !c_library().is_ours,
            "include/nats/nats.h does not declare natsHeader_New, part of the cnats 3.13 API"
        );
        println!(
            "skipping standalone_headers: the external library at {} predates natsHeader_*",
            c_library().include_dir.display()
        );
        return;
    }
    run_c_test("headers_standalone", &args(&[]));
}
