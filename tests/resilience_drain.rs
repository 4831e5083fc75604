//! Runs `tests/c/resilience/drain.c`: connection and subscription drain,
//! NATS_DRAINING in the publisher phase, drain completion status.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn drain() {
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1));
    let url = servers.url(0);
    run_resilience_test("drain", &[url], &mut servers, Duration::from_secs(60));
}
