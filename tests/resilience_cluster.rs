//! Cluster tests: three routed nats-server members on loopback (see
//! `tests/cluster/mod.rs`) with the C programs of `tests/c/resilience/`
//! killing, restarting, stopping and lame-ducking members through the
//! harness.
//!
//! The tests take a lock so that they run one at a time: the reconnect time
//! they print is only meaningful without other clusters competing for the
//! two CPUs of the test machines.
//!
//! `rotation_soak` runs for ten minutes and is ignored by default; run it
//! with `cargo test --release --test resilience_cluster -- --ignored
//! --nocapture`.

mod common;
#[path = "cluster/mod.rs"]
mod cluster;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use cluster::{run_resilience_test, Cluster, ClusterOptions};

/// Lame duck settings with a short grace period, so that the member starts
/// evicting clients half a second after SIGUSR2. nats-server rejects a
/// `lame_duck_duration` under 30 s; with few clients it closes them about
/// one second apart regardless.
const LAME_DUCK_CONFIG: &str = "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"500ms\"\n";

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn stale_connection_with_sigstop() {
    let _serial = serial();
    let mut servers = Cluster::start(3);
    let urls = servers.urls();
    run_resilience_test("stale", &urls[..2], &mut servers, Duration::from_secs(60));
}

#[test]
fn lame_duck_moves_client() {
    let _serial = serial();
    let mut servers = Cluster::start_with(ClusterOptions::routed(3).config(LAME_DUCK_CONFIG));
    let urls = servers.urls();
    run_resilience_test("lame_duck", &urls, &mut servers, Duration::from_secs(60));
}

/// The publisher is on member 0 and the slow subscriber on member 1, so the
/// messages that overflow it cross a route.
#[test]
fn slow_subscriber_across_route() {
    let _serial = serial();
    let mut servers = Cluster::start(3);
    let urls = servers.urls();
    run_resilience_test(
        "slow_consumer",
        &urls[..2],
        &mut servers,
        Duration::from_secs(60),
    );
}

#[test]
fn reconnect_time_after_kill() {
    let _serial = serial();
    let mut servers = Cluster::start(3);
    let mut args = servers.urls();
    args.push("reconnect_time".to_string());
    let run = run_resilience_test("cluster", &args, &mut servers, Duration::from_secs(60));
    let max = run
        .value("reconnect_ms_max")
        .expect("the program printed reconnect_ms_max=N");
    println!("reconnect_ms_max={max}");
}

/// Publisher and subscriber for 20 s while members restart in rotation.
#[test]
fn rotation_keeps_buffered_messages() {
    let _serial = serial();
    let mut servers = Cluster::start(3);
    let mut args = servers.urls();
    args.push("rotation".to_string());
    args.push("20".to_string());
    run_resilience_test("cluster", &args, &mut servers, Duration::from_secs(90));
}

/// Runs the rotation test for ten minutes (ignored, so not run in CI).
#[test]
#[ignore = "soak test: runs for ten minutes"]
fn rotation_soak() {
    let _serial = serial();
    let mut servers = Cluster::start(3);
    let mut args = servers.urls();
    args.push("rotation".to_string());
    args.push("600".to_string());
    run_resilience_test("cluster", &args, &mut servers, Duration::from_secs(720));
}
