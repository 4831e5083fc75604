//! Runs `tests/c/resilience/slow_consumer.c` with the publisher and the
//! subscriber on the same server: pending limits, dropped messages and one
//! NATS_SLOW_CONSUMER error per episode.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn slow_consumer() {
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1));
    let url = servers.url(0);
    run_resilience_test(
        "slow_consumer",
        &[url.clone(), url],
        &mut servers,
        Duration::from_secs(60),
    );
}
