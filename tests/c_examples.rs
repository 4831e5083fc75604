//! Runs `c-examples/run-js-examples.sh`, which builds the JetStream
//! examples against the library under test (see `tests/common/mod.rs`)
//! and runs them against a nats-server it starts on a free loopback port.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Time for compiling the examples and running all of them.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

#[test]
fn js_examples_script_runs() {
    let library = common::c_library();
    let script = common::repo_root().join("c-examples").join("run-js-examples.sh");
    let out_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-examples");
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let stdout_path = out_dir.join(format!("js-examples-{}.out", std::process::id()));
    let stdout_file = std::fs::File::create(&stdout_path).expect("create the output file");
    let stderr_file = stdout_file.try_clone().expect("clone the output file handle");

    let mut child = Command::new("bash")
        .arg(&script)
        .arg("--no-cargo-build")
        .env("NATS_SERVER_BIN", common::nats_server_bin())
        .env("NATS_INCLUDE_DIR", &library.include_dir)
        .env("NATS_LIB_DIR", &library.lib_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout_file))
        .stderr(Stdio::from(stderr_file))
        // Its own process group, so that a timeout also ends the server
        // and the example the script started.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script.display()));

    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the script") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            // SAFETY: kill(2) has no memory-safety preconditions. The group
            // id is the pid of our child, which is not reaped yet, so the
            // group cannot belong to other processes.
            unsafe {
                libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
            }
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let _ = std::fs::remove_file(&stdout_path);
    println!("{output}");

    let status = status.unwrap_or_else(|| {
        panic!("{} did not finish within {SCRIPT_TIMEOUT:?}:\n{output}", script.display())
    });
    assert!(status.success(), "{} failed ({status}):\n{output}", script.display());
    assert!(
        output.contains("all JetStream examples ran"),
        "the script did not report that every example ran:\n{output}"
    );
    assert!(
        output.contains("async publish: 100 messages acknowledged, 0 failed"),
        "js-stream did not report its asynchronous acknowledgments:\n{output}"
    );
    assert!(
        output.contains("stream 'ORDERS': 105 messages"),
        "js-stream did not report the stream's 105 messages:\n{output}"
    );
    assert!(
        output.contains("pull consumer 'PROCESSOR': received and acknowledged 105 messages"),
        "js-pull did not receive the stream's 105 messages:\n{output}"
    );
    assert!(
        output.contains("push consumer: received and acknowledged 105 of the stream's 105 messages"),
        "js-push did not receive the stream's 105 messages:\n{output}"
    );
}
