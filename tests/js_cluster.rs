//! Runs `tests/c/js/cluster.c` against three routed members with
//! JetStream (see `tests/cluster/mod.rs`): publishing to a stream with
//! three replicas while the client's member, or the stream leader, is
//! killed and started again.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::time::Duration;

use cluster::{run_cluster_test, Cluster, ClusterOptions};

#[test]
fn publish_while_members_die() {
    let mut servers = Cluster::start_with(ClusterOptions::routed(3).jetstream());
    let urls = servers.urls();
    run_cluster_test("js", "cluster", &urls, &mut servers, Duration::from_secs(420));
}
