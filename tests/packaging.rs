//! Builds and installs the library with the top-level CMakeLists.txt into a
//! temporary prefix, then builds each consumer project in `tests/consumers/`
//! the way a user of the installed library would, and runs it against a
//! nats-server v2.15.1 on loopback.
//!
//! The CMake build directory, `target/tmp/packaging-<profile>/cmake-build`,
//! is kept between runs so that its cargo build is incremental. The install
//! prefix and the consumers' build directories are made anew on each run.
//!
//! Debian's libnats-dev (cnats 3.4.1) installs a `cnats` CMake package,
//! `libnats.pc` and headers in system paths, so every consumer test checks
//! that it found the copy under the temporary prefix, and that the program
//! reports the version of the committed headers.
//!
//! Needs cmake, make, cc, pkg-config, readelf, nm and nats-server v2.15.1. A
//! missing tool fails the test with the package to install.

mod common;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{repo_root, NatsServer};

/// Upper bound for the CMake build, whose cargo step compiles the crate and
/// its dependencies in release mode from scratch on the first run.
const CMAKE_BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Upper bound for a configure step, an install or a consumer build.
const STEP_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Upper bound for one consumer program run and for a quick tool query.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------

/// A finished command with its output.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    command: String,
}

impl Ran {
    fn report(&self) -> String {
        format!(
            "command: {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

fn read_lossy(path: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(mut file) = fs::File::open(path) {
        let _ = file.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `command` with no standard input, killing it after `timeout`.
/// Output goes through files so that a chatty command never blocks on a
/// full pipe. Returns an error if it cannot start or times out.
fn run(command: &mut Command, timeout: Duration) -> Result<Ran, String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let text = format!("{command:?}");
    let log_dir = work_dir().join("logs");
    fs::create_dir_all(&log_dir)
        .map_err(|e| format!("cannot create {}: {e}", log_dir.display()))?;
    let id = COUNTER.fetch_add(1, Ordering::SeqCst);
    let stdout_path = log_dir.join(format!("{}-{id}.stdout", std::process::id()));
    let stderr_path = log_dir.join(format!("{}-{id}.stderr", std::process::id()));
    let stdout = fs::File::create(&stdout_path)
        .map_err(|e| format!("cannot create {}: {e}", stdout_path.display()))?;
    let stderr = fs::File::create(&stderr_path)
        .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;

    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .spawn()
        .map_err(|e| format!("cannot start {text}: {e}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for {text}: {e}")),
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "timed out after {timeout:?} and was killed: {text}\n--- stdout ---\n{}\n\
                 --- stderr ---\n{}",
                read_lossy(&stdout_path),
                read_lossy(&stderr_path)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };

    let ran = Ran {
        status,
        stdout: read_lossy(&stdout_path),
        stderr: read_lossy(&stderr_path),
        command: text,
    };
    let _ = fs::remove_file(&stdout_path);
    let _ = fs::remove_file(&stderr_path);
    Ok(ran)
}

/// Runs `command` and returns its output, or an error with the full report
/// when it fails or exits unsuccessfully. `step` names the step in errors.
fn run_ok(step: &str, command: &mut Command, timeout: Duration) -> Result<Ran, String> {
    let ran = run(command, timeout).map_err(|e| format!("{step}: {e}"))?;
    if !ran.status.success() {
        return Err(format!("{step} failed\n{}", ran.report()));
    }
    Ok(ran)
}

/// Panics with installation instructions unless `tool --version` runs.
fn require_tool(tool: &str, package: &str) {
    let works = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false);
    if !works {
        panic!("`{tool}` is missing or broken: install it with `apt-get install {package}`");
    }
}

// ---------------------------------------------------------------------------
// Paths and expected values
// ---------------------------------------------------------------------------

/// Returns `target/<profile>/deps`, the test binary's own folder, where cargo
/// puts the `libnats.so` that it built for this test run. Only `cargo build`
/// copies it up to `target/<profile>`, so that copy may be missing or older.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the running test binary");
    exe.parent()
        .expect("test binary lives in target/<profile>/deps/")
        .to_path_buf()
}

/// Scratch folder of this test binary, one per cargo profile so that a
/// debug and a release run never share an install prefix.
fn work_dir() -> PathBuf {
    let profile = library_dir()
        .parent()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "unknown".to_string());
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("packaging-{profile}"))
}

/// `NATS_VERSION_STRING` from the committed `include/nats/version.h`.
fn header_version() -> String {
    let path = repo_root().join("include/nats/version.h");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let line = text
        .lines()
        .find(|line| line.starts_with("#define NATS_VERSION_STRING "))
        .unwrap_or_else(|| panic!("{} does not define NATS_VERSION_STRING", path.display()));
    line.split('"')
        .nth(1)
        .unwrap_or_else(|| panic!("NATS_VERSION_STRING is not a string literal: {line}"))
        .to_string()
}

/// `libnats.so.<major>.<minor>`, the SONAME that the CMake build sets.
fn expected_soname() -> String {
    let version = header_version();
    let mut parts = version.split('.');
    let major = parts.next().expect("major version");
    let minor = parts.next().expect("minor version");
    format!("libnats.so.{major}.{minor}")
}

/// Removes `dir` if it exists and creates it empty.
fn fresh_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

// ---------------------------------------------------------------------------
// The CMake build and install, done once per test process
// ---------------------------------------------------------------------------

struct Install {
    /// `CMAKE_INSTALL_PREFIX` of the install.
    prefix: PathBuf,
    /// The CMake build directory.
    build_dir: PathBuf,
}

/// Returns the installed prefix, configuring, building and installing on the
/// first call. Every test that needs it fails with the same message if that
/// did not work.
fn install() -> &'static Install {
    static INSTALL: OnceLock<Result<Install, String>> = OnceLock::new();
    match INSTALL.get_or_init(build_and_install) {
        Ok(install) => install,
        Err(message) => panic!("CMake build and install failed: {message}"),
    }
}

/// Deletes a kept build directory that a CMake run from another source tree
/// configured, because CMake refuses to reuse it.
fn discard_foreign_build_dir(build_dir: &Path, source_dir: &Path) -> Result<(), String> {
    let cache = build_dir.join("CMakeCache.txt");
    let Ok(text) = fs::read_to_string(&cache) else {
        return Ok(());
    };
    let home = text
        .lines()
        .find_map(|line| line.strip_prefix("CMAKE_HOME_DIRECTORY:INTERNAL="));
    if home.map(Path::new) != Some(source_dir) {
        fresh_dir(build_dir)?;
    }
    Ok(())
}

fn build_and_install() -> Result<Install, String> {
    require_tool("cmake", "cmake");
    require_tool("make", "make");
    require_tool("cc", "gcc");

    let source_dir = repo_root();
    let work = work_dir();
    let build_dir = work.join("cmake-build");
    let prefix = work.join("prefix");
    discard_foreign_build_dir(&build_dir, &source_dir)?;
    fresh_dir(&prefix)?;

    run_ok(
        "cmake configure",
        Command::new("cmake")
            .arg("-S")
            .arg(&source_dir)
            .arg("-B")
            .arg(&build_dir)
            .arg(format!("-DCMAKE_INSTALL_PREFIX={}", prefix.display()))
            .arg("-DCMAKE_BUILD_TYPE=Release"),
        STEP_TIMEOUT,
    )?;
    run_ok(
        "cmake build",
        Command::new("cmake").arg("--build").arg(&build_dir),
        CMAKE_BUILD_TIMEOUT,
    )?;
    run_ok(
        "cmake install",
        Command::new("cmake").arg("--install").arg(&build_dir),
        STEP_TIMEOUT,
    )?;
    Ok(Install { prefix, build_dir })
}

// ---------------------------------------------------------------------------
// Inspecting the results
// ---------------------------------------------------------------------------

/// Returns the dynamic section of an ELF file as `readelf -d` prints it.
fn dynamic_section(file: &Path) -> String {
    require_tool("readelf", "binutils");
    let ran = run_ok(
        "readelf -d",
        Command::new("readelf").arg("-d").arg(file),
        RUN_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    ran.stdout
}

/// Returns the names in the `(NEEDED)` entries of an ELF file.
fn needed_libraries(file: &Path) -> Vec<String> {
    dynamic_section(file)
        .lines()
        .filter(|line| line.contains("(NEEDED)"))
        .filter_map(|line| line.split('[').nth(1)?.split(']').next())
        .map(str::to_string)
        .collect()
}

/// Returns the `(SONAME)` entry of a shared library, if it has one.
fn soname(file: &Path) -> Option<String> {
    dynamic_section(file)
        .lines()
        .find(|line| line.contains("(SONAME)"))
        .and_then(|line| {
            line.split('[')
                .nth(1)?
                .split(']')
                .next()
                .map(str::to_string)
        })
}

/// Runs a consumer program against a fresh server and checks its output.
/// `env` is applied after LD_LIBRARY_PATH is removed, so an installed
/// consumer has to find the library through its RUNPATH.
fn run_consumer(exe: &Path, label: &str, env: &[(&str, &Path)]) {
    let server = NatsServer::start(&[]);
    let mut command = Command::new(exe);
    command
        .arg(server.url())
        .arg(label)
        .env_remove("LD_LIBRARY_PATH");
    for (name, value) in env {
        command.env(name, value);
    }
    let ran = run(&mut command, RUN_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    let version = header_version();
    assert!(
        ran.status.success(),
        "consumer {label} exited unsuccessfully\n{}",
        ran.report()
    );
    assert!(
        ran.stdout.contains(&format!("header version: {version}\n")),
        "consumer {label} was not compiled with headers of version {version}\n{}",
        ran.report()
    );
    assert!(
        ran.stdout
            .contains(&format!("library version: {version}\n")),
        "consumer {label} did not load a library of version {version} (Debian's cnats \
         reports 3.4.1)\n{}",
        ran.report()
    );
    assert!(
        ran.stdout
            .contains(&format!("received: hello from {label}\n")),
        "consumer {label} did not receive its own message\n{}",
        ran.report()
    );
}

/// Configures and builds the CMake project `tests/consumers/<name>` in a
/// fresh directory with `cache_args`, and returns the build directory.
fn build_cmake_consumer(name: &str, cache_args: &[String]) -> PathBuf {
    let source = repo_root().join("tests/consumers").join(name);
    let build = work_dir().join("consumers").join(name);
    fresh_dir(&build).unwrap_or_else(|e| panic!("{e}"));
    let mut configure = Command::new("cmake");
    configure
        .arg("-S")
        .arg(&source)
        .arg("-B")
        .arg(&build)
        .args(cache_args);
    run_ok(&format!("configuring {name}"), &mut configure, STEP_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    run_ok(
        &format!("building {name}"),
        Command::new("cmake").arg("--build").arg(&build),
        STEP_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    build
}

/// Returns the value of `name` in a CMake build directory's cache.
fn cache_value(build: &Path, name: &str) -> Option<String> {
    let text = fs::read_to_string(build.join("CMakeCache.txt")).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.split(':').next() == Some(name)).then(|| value.to_string())
    })
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|e| panic!("cannot resolve {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn install_layout() {
    let install = install();
    let prefix = &install.prefix;
    let version = header_version();
    let soname = expected_soname();
    let lib = prefix.join("lib");

    for header in ["nats.h", "nats/nats.h", "nats/status.h", "nats/version.h"] {
        let installed = prefix.join("include").join(header);
        let committed = repo_root().join("include").join(header);
        let installed_bytes = fs::read(&installed)
            .unwrap_or_else(|e| panic!("header {} is not installed: {e}", installed.display()));
        let committed_bytes = fs::read(&committed)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", committed.display()));
        assert!(
            installed_bytes == committed_bytes,
            "installed {} differs from {}",
            installed.display(),
            committed.display()
        );
    }

    let real = lib.join(format!("libnats.so.{version}"));
    assert!(real.is_file(), "{} is not installed", real.display());
    assert!(
        !fs::symlink_metadata(&real)
            .unwrap()
            .file_type()
            .is_symlink(),
        "{} must be the library file, not a link",
        real.display()
    );
    let links = [
        (soname.clone(), format!("libnats.so.{version}")),
        ("libnats.so".to_string(), soname.clone()),
    ];
    for (link, target) in links {
        let path = lib.join(&link);
        let found = fs::read_link(&path)
            .unwrap_or_else(|e| panic!("{} is not a symbolic link: {e}", path.display()));
        assert_eq!(
            found,
            PathBuf::from(&target),
            "{} points to the wrong file",
            path.display()
        );
    }
    assert_eq!(
        self::soname(&real).as_deref(),
        Some(soname.as_str()),
        "SONAME of {}",
        real.display()
    );

    let archive = fs::read(lib.join("libnats.a")).expect("libnats.a is installed");
    let static_archive =
        fs::read(lib.join("libnats_static.a")).expect("libnats_static.a is installed");
    assert!(
        archive.starts_with(b"!<arch>\n"),
        "libnats.a is not an ar archive"
    );
    assert!(
        archive == static_archive,
        "libnats.a and libnats_static.a differ"
    );

    for file in [
        "lib/pkgconfig/libnats.pc",
        "lib/cmake/cnats/cnats-config.cmake",
        "lib/cmake/cnats/cnats-config-version.cmake",
    ] {
        assert!(prefix.join(file).is_file(), "{file} is not installed");
    }

    let examples = install.build_dir.join("examples");
    let sources = fs::read_dir(repo_root().join("c-examples")).expect("c-examples/ exists");
    for entry in sources {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("c") {
            continue;
        }
        let stem = path.file_stem().unwrap();
        let exe = examples.join(stem);
        assert!(exe.is_file(), "example {} was not built", exe.display());
        assert!(
            needed_libraries(&exe).contains(&soname),
            "example {} does not link {soname}",
            exe.display()
        );
    }
}

#[test]
fn cmake_consumer_shared() {
    let prefix = &install().prefix;
    let build = build_cmake_consumer(
        "cmake-shared",
        &[
            format!("-DCMAKE_PREFIX_PATH={}", prefix.display()),
            format!("-DCNATS_EXPECTED_PREFIX={}", prefix.display()),
        ],
    );
    let cnats_dir = cache_value(&build, "cnats_DIR").expect("cnats_DIR is in the cache");
    assert_eq!(
        canonical(Path::new(&cnats_dir)),
        canonical(&prefix.join("lib/cmake/cnats")),
        "find_package(cnats) did not pick the installed package"
    );
    let exe = build.join("consumer");
    let needed = needed_libraries(&exe);
    assert!(
        needed.contains(&expected_soname()),
        "consumer does not link {}: NEEDED {needed:?}",
        expected_soname()
    );
    run_consumer(&exe, "cmake-shared", &[]);
}

#[test]
fn cmake_consumer_static() {
    let prefix = &install().prefix;
    let package_dir = prefix.join("lib/cmake/cnats");
    let build = build_cmake_consumer(
        "cmake-static",
        &[
            format!("-Dcnats_DIR={}", package_dir.display()),
            format!("-DCNATS_EXPECTED_PREFIX={}", prefix.display()),
        ],
    );
    let exe = build.join("consumer");
    let needed = needed_libraries(&exe);
    assert!(
        !needed.iter().any(|name| name.starts_with("libnats")),
        "the static consumer still needs a shared libnats: NEEDED {needed:?}"
    );
    run_consumer(&exe, "cmake-static", &[]);
}

#[test]
fn pkg_config_consumer() {
    require_tool("pkg-config", "pkg-config");
    require_tool("make", "make");
    let prefix = &install().prefix;
    let pc_dir = prefix.join("lib/pkgconfig");
    let query = |args: &[&str]| -> String {
        let mut command = Command::new("pkg-config");
        command
            .args(args)
            .arg("libnats")
            .env("PKG_CONFIG_PATH", &pc_dir);
        let ran = run_ok(
            &format!("pkg-config {}", args.join(" ")),
            &mut command,
            RUN_TIMEOUT,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        ran.stdout.trim().to_string()
    };

    assert_eq!(
        query(&["--modversion"]),
        header_version(),
        "libnats.pc version"
    );
    assert_eq!(
        canonical(Path::new(&query(&["--variable=prefix"]))),
        canonical(prefix),
        "pkg-config picked a libnats.pc outside the install prefix"
    );
    let cflags = query(&["--cflags"]);
    assert!(
        cflags.contains(&format!("-I{}", prefix.join("include").display())),
        "--cflags lacks the include directory: {cflags}"
    );
    let libs = query(&["--libs"]);
    assert!(
        libs.contains(&format!("-L{}", prefix.join("lib").display())) && libs.contains("-lnats"),
        "--libs lacks the library: {libs}"
    );
    let static_libs = query(&["--static", "--libs"]);
    for flag in ["-lssl", "-lcrypto", "-lpthread", "-ldl", "-lm"] {
        assert!(
            static_libs.split_whitespace().any(|word| word == flag),
            "--static --libs lacks {flag}: {static_libs}"
        );
    }

    let out = work_dir().join("consumers/pkg-config");
    fresh_dir(&out).unwrap_or_else(|e| panic!("{e}"));
    let mut make = Command::new("make");
    make.arg("-C")
        .arg(repo_root().join("tests/consumers/pkg-config"))
        .arg(format!("OUT={}", out.display()))
        .env("PKG_CONFIG_PATH", &pc_dir);
    run_ok("make with pkg-config", &mut make, STEP_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    let exe = out.join("consumer");
    assert!(
        needed_libraries(&exe).contains(&expected_soname()),
        "pkg-config consumer does not link {}",
        expected_soname()
    );
    run_consumer(&exe, "pkg-config", &[]);
}

/// `cc pubsub.c -Iinclude -Ltarget/<profile>/deps -lnats`, run with
/// LD_LIBRARY_PATH, against the crate's own build output and no install.
#[test]
fn plain_cc_consumer() {
    require_tool("cc", "gcc");
    let lib_dir = library_dir();
    let library = lib_dir.join("libnats.so");
    assert!(
        library.is_file(),
        "{} is missing although cargo builds it for the tests",
        library.display()
    );
    let out = work_dir().join("consumers/plain-cc");
    fresh_dir(&out).unwrap_or_else(|e| panic!("{e}"));
    let exe = out.join("consumer");
    let mut cc = Command::new("cc");
    cc.arg(repo_root().join("tests/consumers/pubsub.c"))
        .arg(format!("-I{}", repo_root().join("include").display()))
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-lnats")
        .arg("-o")
        .arg(&exe);
    run_ok("cc", &mut cc, STEP_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    run_consumer(&exe, "plain-cc", &[("LD_LIBRARY_PATH", &lib_dir)]);
}
