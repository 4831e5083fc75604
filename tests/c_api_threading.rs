//! Runs `tests/c/threading.c`: callbacks that publish, request, unsubscribe
//! or destroy their subscription, concurrent publishers and serial delivery.

mod common;

use common::{args, run_c_test, NatsServer};

#[test]
fn threading() {
    let server = NatsServer::start(&[]);
    run_c_test("threading", &args(&[&server.url()]));
}
