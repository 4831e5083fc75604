//! Runs `tests/c/js/push.c` (push subscriptions, acknowledgments,
//! metadata, ordered consumers and flow control against one server) and
//! `tests/c/js/push_restart.c` (a missed heartbeat while the server is
//! stopped, and an ordered consumer across a server restart).

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
fn push_subscriptions() {
    let server = js::start_js_server();
    js::run_js_test("push", &args(&[&server.url()]));
}

#[test]
fn push_server_stop_and_restart() {
    // The store directory outlives each server process, so a restarted
    // server finds its streams again.
    let store = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("js-push-restart-{}", std::process::id()));
    let _ = fs::remove_dir_all(&store);
    fs::create_dir_all(&store).unwrap_or_else(|e| panic!("cannot create {}: {e}", store.display()));
    let store_arg = store.to_string_lossy().to_string();
    let mut servers = Cluster::start_with(ClusterOptions::standalone(1).args(&["-js", "-sd", &store_arg]));
    let exe = js::build_js_program("push_restart");
    let run = run_resilience_program(&exe, &[servers.url(0)], &mut servers, Duration::from_secs(90));
    println!("{}", run.report());
    match summary_counts(&run.stdout) {
        None => panic!("push_restart printed no summary\n{}\n{}", run.report(), servers.logs()),
        Some((_, failed)) if failed > 0 => {
            panic!("push_restart: {failed} C test(s) failed\n{}\n{}", run.report(), servers.logs())
        }
        Some((0, 0)) => panic!("push_restart ran no test\n{}", run.report()),
        Some(_) => {}
    }
    assert!(run.status.success(), "push_restart exited unsuccessfully\n{}", run.report());
    drop(servers);
    let _ = fs::remove_dir_all(&store);
}
