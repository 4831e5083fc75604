//! Helpers of the `tests/js_*.rs` integration tests: a JetStream-enabled
//! server, and building and running the C programs of `tests/c/js/`.
//!
//! The programs are compiled against the headers this build generated
//! (`$OUT_DIR/include`), so that they see the JetStream declarations even
//! when the committed `include/` has not been regenerated yet. With
//! `NATS_TEST_INCLUDE_DIR`/`NATS_TEST_LIB_DIR` they build against another
//! library instead, for example Debian's cnats 3.4.1, where checks of
//! newer API are left out by `TU_CNATS_3_13`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::common::{c_library, repo_root, run_c_program, CRun, NatsServer};

/// Starts a nats-server with JetStream storing into its own directory.
pub fn start_js_server() -> NatsServer {
    NatsServer::start(&["-js", "-sd", "{dir}/js"])
}

/// Directory with the `nats/nats.h` the programs include.
fn include_dir() -> PathBuf {
    let library = c_library();
    if library.is_ours {
        PathBuf::from(env!("OUT_DIR")).join("include")
    } else {
        library.include_dir.clone()
    }
}

/// Root of the cargo target directory.
fn target_root() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| tmp.to_path_buf())
}

/// Compiles `tests/c/js/<name>.c` once per test process and returns the
/// executable's path.
pub fn build_js_program(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }

    let library = c_library();
    let c_dir = repo_root().join("tests").join("c");
    let source = c_dir.join("js").join(format!("{name}.c"));
    assert!(
        source.is_file(),
        "C test source {} does not exist",
        source.display()
    );
    let out_dir = target_root()
        .join("c-tests")
        .join(&library.label)
        .join("js");
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let exe = out_dir.join(name);
    // Compiled to a private name and renamed, so that another test process
    // never runs a half-written executable.
    let tmp_exe = out_dir.join(format!(".{name}.{}", std::process::id()));

    let mut command = Command::new("cc");
    command
        .args([
            "-std=gnu11",
            "-g",
            "-O1",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
            "-pthread",
        ])
        .arg(format!("-I{}", c_dir.display()))
        .arg(format!("-I{}", c_dir.join("js").display()))
        .arg(format!("-I{}", include_dir().display()))
        .arg(&source)
        .arg("-o")
        .arg(&tmp_exe)
        .arg(format!("-L{}", library.lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", library.lib_dir.display()))
        .arg("-lnats")
        .stdin(Stdio::null());

    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run cc: {e}"));
    if !output.status.success() {
        let _ = fs::remove_file(&tmp_exe);
        panic!(
            "compiling {} failed ({}):\n{command:?}\n{}{}",
            source.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fs::rename(&tmp_exe, &exe).unwrap_or_else(|e| {
        panic!(
            "cannot move {} to {}: {e}",
            tmp_exe.display(),
            exe.display()
        )
    });
    built.insert(name.to_string(), exe.clone());
    exe
}

/// Returns the passed and failed counts of the `N passed, M failed[, K
/// skipped]` line every C test program prints last.
fn summary(stdout: &str) -> Option<(u32, u32)> {
    let line = stdout.lines().rev().find(|l| l.contains(" passed, "))?;
    let mut numbers = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty());
    let passed = numbers.next()?.parse().ok()?;
    let failed = numbers.next()?.parse().ok()?;
    Some((passed, failed))
}

/// Builds and runs `tests/c/js/<name>.c` with `args`, and panics with its
/// output unless it exits with status 0 after passing at least one test.
pub fn run_js_test(name: &str, args: &[String]) -> CRun {
    let exe = build_js_program(name);
    let run = run_c_program(&exe, args);
    println!("{}", run.report());
    match summary(&run.stdout) {
        None => panic!(
            "{name} printed no `N passed, N failed` summary\n{}",
            run.report()
        ),
        Some((_, failed)) if failed > 0 => {
            panic!("{name}: {failed} C test(s) failed\n{}", run.report())
        }
        Some((0, 0)) => panic!("{name} ran no test\n{}", run.report()),
        Some(_) => {}
    }
    assert!(
        run.status.success(),
        "{name} exited unsuccessfully\n{}",
        run.report()
    );
    run
}
