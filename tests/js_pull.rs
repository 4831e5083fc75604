//! Runs `tests/c/js/pull.c` (pull subscriptions, fetch requests and their
//! status messages, bad input, and asynchronous pull subscriptions) and
//! `tests/c/js/pull_restart.c` (fetching across a server restart).

mod common;
mod js;
#[path = "cluster/mod.rs"]
mod cluster;

use std::fs;
use std::path::Path;
use std::time::Duration;

use cluster::{run_resilience_program, summary_counts, Cluster, ClusterOptions};
use common::args;

#[test]
fn pull_subscriptions() {
    let server = js::start_js_server();
    js::run_js_test("pull", &args(&[&server.url()]));
}

#[test]
fn pull_server_restart() {
    // The store directory outlives each server process, so a restarted
    // server finds its stream and durable consumers again.
    let store = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("js-pull-restart-{}", std::process::id()));
    let _ = fs::remove_dir_all(&store);
    fs::create_dir_all(&store).unwrap_or_else(|e| panic!("cannot create {}: {e}", store.display()));
    let store_arg = store.to_string_lossy().to_string();
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1).args(&["-js", "-sd", &store_arg]));
    let exe = js::build_js_program("pull_restart");
    let run = run_resilience_program(&exe, &[servers.url(0)], &mut servers, Duration::from_secs(90));
    println!("{}", run.report());
    match summary_counts(&run.stdout) {
        None => panic!("pull_restart printed no summary\n{}\n{}", run.report(), servers.logs()),
        Some((_, failed)) if failed > 0 => {
            panic!("pull_restart: {failed} C test(s) failed\n{}\n{}", run.report(), servers.logs())
        }
        Some((0, 0)) => panic!("pull_restart ran no test\n{}", run.report()),
        Some(_) => {}
    }
    assert!(run.status.success(), "pull_restart exited unsuccessfully\n{}", run.report());
    drop(servers);
    let _ = fs::remove_dir_all(&store);
}
