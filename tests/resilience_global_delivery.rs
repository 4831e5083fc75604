//! Runs `tests/c/resilience/global_delivery.c`: 20 subscriptions on a
//! delivery pool of 2 threads, each delivered serially and in order.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn global_message_delivery() {
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1));
    let url = servers.url(0);
    run_resilience_test("global_delivery", &[url], &mut servers, Duration::from_secs(60));
}
