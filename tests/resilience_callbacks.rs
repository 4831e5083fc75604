//! Runs `tests/c/resilience/callbacks.c`: connection callbacks run on a
//! library thread, in event order, and may call back into the library.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn connection_callbacks() {
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1));
    let url = servers.url(0);
    run_resilience_test("callbacks", &[url], &mut servers, Duration::from_secs(60));
}
