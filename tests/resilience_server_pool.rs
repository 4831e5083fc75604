//! Runs `tests/c/resilience/server_pool.c`: discovered servers, pool order,
//! and servers leaving the pool after MaxReconnect attempts, against a
//! three-member cluster of which only member 0 runs at first.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn server_pool() {
    let mut servers = Cluster::create(ClusterOptions::routed(3));
    servers.start_member(0).unwrap_or_else(|e| panic!("{e}"));
    let urls = servers.urls();
    run_resilience_test("server_pool", &urls, &mut servers, Duration::from_secs(90));
}
