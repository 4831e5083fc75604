//! Runs `tests/c/resilience/reconnect.c`: subscriptions resent after a
//! reconnect, publishes buffered while disconnected, and the reconnect
//! buffer limit. The program kills and restarts the server through the
//! harness in `tests/cluster/mod.rs`.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn reconnect() {
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1));
    let url = servers.url(0);
    run_resilience_test("reconnect", &[url], &mut servers, Duration::from_secs(60));
}
