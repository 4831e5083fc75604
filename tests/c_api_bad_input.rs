//! Runs `tests/c/bad_input.c`: NULL and invalid arguments, invalid subjects,
//! calls on closed connections and `*_Destroy(NULL)`.

mod common;

use common::{args, run_c_test, NatsServer};

#[test]
fn bad_input() {
    let server = NatsServer::start(&[]);
    run_c_test("bad_input", &args(&[&server.url()]));
}
