//! Runs `tests/c/resilience/retry_connect.c`: the client starts before its
//! server exists (natsOptions_SetRetryOnFailedConnect). The server is only
//! created here; the program starts it through the harness.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

#[test]
fn retry_on_failed_connect() {
    let mut servers = Cluster::create(ClusterOptions::standalone(1));
    let url = servers.url(0);
    run_resilience_test("retry_connect", &[url], &mut servers, Duration::from_secs(60));
}
