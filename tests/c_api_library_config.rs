//! Runs `tests/c/library_config.c`: `nats_OpenWithConfig` and the event
//! loop calls used outside an event loop.

mod common;

use common::{args, run_c_test, NatsServer};

#[test]
fn library_config_and_event_calls() {
    let server = NatsServer::start(&[]);
    run_c_test("library_config", &args(&[&server.url()]));
}
