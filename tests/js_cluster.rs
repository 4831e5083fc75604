//! Runs the programs of `tests/c/js/cluster*.c` against three routed
//! members with JetStream (see `tests/cluster/mod.rs`): publishing to and
//! consuming from streams with three replicas while the client's member,
//! or the stream or consumer leader, is killed and started again.
//!
//! The tests take a lock so that only one cluster runs at a time: leader
//! elections and catching up after a restart slow down a lot when two
//! clusters compete for the two CPUs of the test machines.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use cluster::{run_cluster_test, Cluster, ClusterOptions};

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn publish_while_members_die() {
    let _serial = serial();
    let mut servers = Cluster::start_with(ClusterOptions::routed(3).jetstream());
    let urls = servers.urls();
    run_cluster_test("js", "cluster", &urls, &mut servers, Duration::from_secs(420));
}

#[test]
fn pull_consume_while_members_die() {
    let _serial = serial();
    let mut servers = Cluster::start_with(ClusterOptions::routed(3).jetstream());
    let urls = servers.urls();
    run_cluster_test(
        "js",
        "cluster_pull",
        &urls,
        &mut servers,
        Duration::from_secs(360),
    );
}
