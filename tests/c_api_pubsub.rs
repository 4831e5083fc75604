//! Runs `tests/c/pubsub.c` (publish and subscribe) and `tests/c/sub_limits.c`
//! (pending limits, slow consumers, statistics and maximum payload).

mod common;

use common::{args, run_c_test, NatsServer};

#[test]
fn pubsub() {
    let server = NatsServer::start(&[]);
    run_c_test("pubsub", &args(&[&server.url()]));
}

#[test]
fn subscription_limits_and_stats() {
    let server = NatsServer::start(&[]);
    let small = NatsServer::start_with_config("max_payload: 1024\n");
    run_c_test("sub_limits", &args(&[&server.url(), &small.url()]));
}
