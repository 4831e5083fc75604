//! Helpers for the `tests/resilience_*.rs` and `tests/js_cluster.rs`
//! integration tests.
//!
//! `Cluster` runs nats-server processes on fixed loopback ports, optionally
//! routed into one cluster and optionally with JetStream, each member
//! storing into its own directory. Each member can be killed, restarted,
//! stopped with SIGSTOP, resumed and put into lame duck mode.
//! `run_resilience_test` runs a C program from `tests/c/resilience/` that
//! requests those actions, and `run_cluster_test` one from another folder
//! of `tests/c/`.
//!
//! # Control protocol
//!
//! A C program requests a server action by printing one line
//! `CTL <command> [<member>]` on its standard output and then reading one
//! response line from its standard input: `OK` or `ERR <reason>`. The
//! commands are `kill`, `start`, `restart`, `stop` (SIGSTOP), `cont`
//! (SIGCONT), `ldm` (SIGUSR2, lame duck mode) and `wait_ready` (no member:
//! waits until every running member accepts clients and has routes to every
//! other running member; with JetStream also until every running member's
//! `/healthz` monitoring endpoint reports JetStream healthy). `start` and
//! `restart` return once the member is ready in that sense. Member indexes
//! start at 0 and follow the order of the URLs passed to the program. The
//! server name of member N is `member-N`.
//!
//! Requires `mod common;` in the including test file.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::common;

/// Cluster name passed to every member with `--cluster_name`.
pub const CLUSTER_NAME: &str = "resilience";

/// How long a member may take to accept clients and have its routes up.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the JetStream members may take to report healthy, which after
/// a restart includes catching up with the streams' other replicas.
const JETSTREAM_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `start` waits for a member in lame duck mode to exit by itself
/// before killing it. nats-server needs its grace period plus up to one
/// second per client.
const LAME_DUCK_EXIT_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a restarted member keeps retrying when its port is still taken
/// (for example by a client's ephemeral port while the member was down).
const PORT_IN_USE_RETRY: Duration = Duration::from_secs(5);

static UNIQUE_COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_suffix() -> String {
    let n = UNIQUE_COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{}-{}", std::process::id(), n)
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

/// How to build a group of servers.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// Number of members.
    pub size: usize,
    /// Route the members into one cluster. Without routes the members are
    /// independent servers that only share the test's lifetime.
    pub routes: bool,
    /// Extra configuration file contents given to every member with `-c`,
    /// for settings that have no command-line flag (lame duck timing).
    pub config: Option<String>,
    /// Extra command-line arguments for every member.
    pub args: Vec<String>,
    /// Enable JetStream, storing into the member's own directory, which
    /// survives restarts of the member.
    pub jetstream: bool,
}

impl ClusterOptions {
    /// `size` members routed into one cluster.
    pub fn routed(size: usize) -> Self {
        ClusterOptions {
            size,
            routes: true,
            config: None,
            args: Vec::new(),
            jetstream: false,
        }
    }

    /// Independent servers without routes.
    pub fn standalone(size: usize) -> Self {
        ClusterOptions {
            size,
            routes: false,
            config: None,
            args: Vec::new(),
            jetstream: false,
        }
    }

    pub fn config(mut self, contents: &str) -> Self {
        self.config = Some(contents.to_string());
        self
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Enables JetStream on every member.
    pub fn jetstream(mut self) -> Self {
        self.jetstream = true;
        self
    }
}

/// One nats-server of a cluster, with ports that stay the same across
/// restarts so that clients can reconnect to the same URL.
pub struct Member {
    pub index: usize,
    pub client_port: u16,
    pub cluster_port: u16,
    pub monitor_port: u16,
    child: Option<Child>,
    stopped: bool,
    /// Set by `lame_duck`: the process exits by itself once it has evicted
    /// its clients.
    lame_duck: bool,
    /// Number of times this member was started.
    pub starts: usize,
    dir: PathBuf,
}

impl Member {
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.client_port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Log of the current (or last) run of this member.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("server-{}.log", self.starts))
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Reports whether the process was started and has not exited.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            None => false,
            Some(child) => matches!(child.try_wait(), Ok(None)),
        }
    }

    fn signal(&mut self, signal: libc::c_int) -> Result<(), String> {
        let pid = match self.pid() {
            Some(pid) => pid,
            None => return Err(format!("member {} is not running", self.index)),
        };
        // SAFETY: kill(2) has no memory-safety preconditions. The pid is
        // that of our own child, which has not been reaped yet (reaping
        // only happens in `reap`, which also clears `child`), so the pid
        // cannot belong to another process.
        let rc = unsafe { libc::kill(pid as libc::pid_t, signal) };
        if rc != 0 {
            return Err(format!(
                "kill({pid}, {signal}) for member {} failed: {}",
                self.index,
                std::io::Error::last_os_error()
            ));
        }
        Ok(())
    }

    /// Kills the process (resuming it first if it is stopped) and reaps it.
    fn reap(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        if self.stopped {
            // SAFETY: see `signal`; the child is not reaped yet.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGCONT);
            }
            self.stopped = false;
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

/// A group of nats-server processes on loopback, killed and reaped on drop.
pub struct Cluster {
    pub options: ClusterOptions,
    pub members: Vec<Member>,
    dir: PathBuf,
}

impl Cluster {
    /// Starts `size` routed members and waits until the routes are up.
    pub fn start(size: usize) -> Cluster {
        Cluster::start_with(ClusterOptions::routed(size))
    }

    /// Starts every member of `options` and waits until they are ready.
    pub fn start_with(options: ClusterOptions) -> Cluster {
        let mut cluster = Cluster::create(options);
        for i in 0..cluster.members.len() {
            cluster.spawn(i).unwrap_or_else(|e| panic!("{e}"));
        }
        cluster.wait_ready().unwrap_or_else(|e| panic!("{e}"));
        cluster
    }

    /// Allocates ports and directories for the members without starting
    /// any, so that a test can start them one by one with `start_member`.
    pub fn create(options: ClusterOptions) -> Cluster {
        assert!(options.size > 0, "a cluster needs at least one member");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("resilience-clusters")
            .join(format!("cluster-{}", unique_suffix()));
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create cluster directory {}: {e}", dir.display()));
        let members = (0..options.size)
            .map(|index| {
                let member_dir = dir.join(format!("member-{index}"));
                fs::create_dir_all(&member_dir).unwrap_or_else(|e| {
                    panic!("cannot create member directory {}: {e}", member_dir.display())
                });
                Member {
                    index,
                    client_port: common::free_port("127.0.0.1"),
                    cluster_port: common::free_port("127.0.0.1"),
                    monitor_port: common::free_port("127.0.0.1"),
                    child: None,
                    stopped: false,
                    lame_duck: false,
                    starts: 0,
                    dir: member_dir,
                }
            })
            .collect();
        Cluster {
            options,
            members,
            dir,
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn url(&self, index: usize) -> String {
        self.members[index].url()
    }

    /// Client URLs of all members, in member order.
    pub fn urls(&self) -> Vec<String> {
        self.members.iter().map(Member::url).collect()
    }

    /// Client URLs of all members joined with commas, as
    /// `natsConnection_ConnectTo` accepts them.
    pub fn url_list(&self) -> String {
        self.urls().join(",")
    }

    fn check_index(&self, index: usize) -> Result<(), String> {
        if index >= self.members.len() {
            return Err(format!(
                "member {index} does not exist (the cluster has {})",
                self.members.len()
            ));
        }
        Ok(())
    }

    fn command_for(&self, index: usize) -> Result<Command, String> {
        let member = &self.members[index];
        let mut command = Command::new(common::nats_server_bin());
        command
            .arg("-a")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(member.client_port.to_string())
            .arg("-m")
            .arg(member.monitor_port.to_string())
            .arg("-n")
            .arg(format!("member-{index}"));
        if self.options.routes {
            let routes: Vec<String> = self
                .members
                .iter()
                .filter(|other| other.index != index)
                .map(|other| format!("nats://127.0.0.1:{}", other.cluster_port))
                .collect();
            command
                .arg("--cluster_name")
                .arg(CLUSTER_NAME)
                .arg("-cluster")
                .arg(format!("nats://127.0.0.1:{}", member.cluster_port));
            if !routes.is_empty() {
                command.arg("-routes").arg(routes.join(","));
            }
        }
        if self.options.jetstream {
            command.arg("-js").arg("-sd").arg(member.dir.join("js"));
        }
        if let Some(config) = &self.options.config {
            let path = member.dir.join("server.conf");
            fs::write(&path, config)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            command.arg("-c").arg(path);
        }
        command.args(&self.options.args);
        Ok(command)
    }

    /// Starts the member's process and waits until it accepts TCP
    /// connections on its client port (routes are not waited for).
    fn spawn(&mut self, index: usize) -> Result<(), String> {
        self.check_index(index)?;
        if self.members[index].lame_duck {
            // nats-server in lame duck mode exits after evicting its clients;
            // its client port stays taken until then.
            let deadline = Instant::now() + LAME_DUCK_EXIT_TIMEOUT;
            while self.members[index].is_running() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            self.members[index].lame_duck = false;
            self.members[index].reap();
        }
        if self.members[index].is_running() {
            return Err(format!("member {index} is already running"));
        }
        self.members[index].reap();
        let retry_deadline = Instant::now() + PORT_IN_USE_RETRY;
        loop {
            let mut command = self.command_for(index)?;
            let member = &mut self.members[index];
            member.starts += 1;
            let log = member.log_path();
            let log_file = fs::File::create(&log)
                .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
            let log_file_err = log_file
                .try_clone()
                .map_err(|e| format!("cannot clone log file handle: {e}"))?;
            let child = command
                .stdin(Stdio::null())
                .stdout(Stdio::from(log_file))
                .stderr(Stdio::from(log_file_err))
                .spawn()
                .map_err(|e| format!("cannot start {command:?}: {e}"))?;
            member.child = Some(child);
            member.stopped = false;
            match wait_accepting(member) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    member.reap();
                    let log_text = member.log_text();
                    if log_text.contains("address already in use")
                        && Instant::now() < retry_deadline
                    {
                        std::thread::sleep(Duration::from_millis(200));
                        continue;
                    }
                    return Err(format!("{e} ({command:?}); log:\n{log_text}"));
                }
            }
        }
    }

    /// Starts a member that is not running and waits until the cluster is
    /// ready again.
    pub fn start_member(&mut self, index: usize) -> Result<(), String> {
        self.spawn(index)?;
        self.wait_ready()
    }

    /// Kills a member with SIGKILL (resuming it first if stopped).
    pub fn kill(&mut self, index: usize) -> Result<(), String> {
        self.check_index(index)?;
        if self.members[index].child.is_none() {
            return Err(format!("member {index} is not running"));
        }
        self.members[index].reap();
        Ok(())
    }

    /// Kills a member and starts it again on the same ports.
    pub fn restart(&mut self, index: usize) -> Result<(), String> {
        self.check_index(index)?;
        self.members[index].reap();
        self.start_member(index)
    }

    /// Stops a member with SIGSTOP, so that it keeps its sockets open but
    /// sends nothing (no PONG) until `resume`.
    pub fn stop(&mut self, index: usize) -> Result<(), String> {
        self.check_index(index)?;
        self.members[index].signal(libc::SIGSTOP)?;
        self.members[index].stopped = true;
        Ok(())
    }

    /// Resumes a member stopped with `stop`.
    pub fn resume(&mut self, index: usize) -> Result<(), String> {
        self.check_index(index)?;
        self.members[index].signal(libc::SIGCONT)?;
        self.members[index].stopped = false;
        Ok(())
    }

    /// Sends SIGUSR2, which puts nats-server into lame duck mode. The server
    /// stops accepting clients, sends its clients an INFO with `ldm`, closes
    /// them after its grace period and then exits.
    pub fn lame_duck(&mut self, index: usize) -> Result<(), String> {
        self.check_index(index)?;
        self.members[index].signal(libc::SIGUSR2)?;
        self.members[index].lame_duck = true;
        Ok(())
    }

    /// Waits until every running, not stopped member accepts clients and,
    /// for routed clusters, has a route to every other such member.
    pub fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let live: Vec<usize> = (0..self.members.len())
                .filter(|&i| {
                    let member = &mut self.members[i];
                    !member.stopped && member.is_running()
                })
                .collect();
            let mut problem = None;
            for &i in &live {
                if let Err(e) = wait_accepting(&mut self.members[i]) {
                    return Err(e);
                }
                if !self.options.routes {
                    continue;
                }
                match self.route_peers(i) {
                    Ok(peers) if peers >= live.len() - 1 => {}
                    Ok(peers) => {
                        problem = Some(format!(
                            "member {i} has routes to {peers} of the {} other running members",
                            live.len() - 1
                        ));
                        break;
                    }
                    Err(e) => {
                        problem = Some(e);
                        break;
                    }
                }
            }
            match problem {
                None if self.options.jetstream => return self.wait_jetstream_healthy(&live),
                None => return Ok(()),
                Some(problem) if Instant::now() >= deadline => {
                    return Err(format!(
                        "cluster not ready within {READY_TIMEOUT:?}: {problem}"
                    ))
                }
                Some(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Waits until `/healthz` of every member in `live` returns 200. On a
    /// JetStream server that endpoint runs the full JetStream health check,
    /// which fails until the member has recovered its streams after a start.
    fn wait_jetstream_healthy(&self, live: &[usize]) -> Result<(), String> {
        let deadline = Instant::now() + JETSTREAM_READY_TIMEOUT;
        for &i in live {
            loop {
                match http_get(self.members[i].monitor_port, "/healthz") {
                    Ok(_) => break,
                    Err(e) if Instant::now() >= deadline => {
                        return Err(format!(
                            "member {i} did not report JetStream healthy within \
                             {JETSTREAM_READY_TIMEOUT:?}: {e}"
                        ))
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        }
        Ok(())
    }

    /// Returns the number of distinct servers that `index` has routes to,
    /// from its monitoring endpoint `/routez`. Route pooling (nats-server
    /// 2.10 and later) opens several routes per peer, so routes are counted
    /// by `remote_id`.
    pub fn route_peers(&self, index: usize) -> Result<usize, String> {
        let body = http_get(self.members[index].monitor_port, "/routez")?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| format!("invalid /routez JSON from member {index}: {e}: {body}"))?;
        let routes = match json.get("routes").and_then(|r| r.as_array()) {
            Some(routes) => routes,
            None => return Ok(0),
        };
        let peers: HashSet<&str> = routes
            .iter()
            .filter_map(|route| route.get("remote_id").and_then(|id| id.as_str()))
            .collect();
        Ok(peers.len())
    }

    /// Returns the monitoring endpoint `/connz` of a member as JSON.
    pub fn connz(&self, index: usize) -> Result<serde_json::Value, String> {
        let body = http_get(self.members[index].monitor_port, "/connz")?;
        serde_json::from_str(&body)
            .map_err(|e| format!("invalid /connz JSON from member {index}: {e}: {body}"))
    }

    /// Logs of every member's current run, for failure messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for member in &self.members {
            text.push_str(&format!(
                "--- member {} log ({}) ---\n{}\n",
                member.index,
                member.log_path().display(),
                member.log_text()
            ));
        }
        text
    }

    /// Runs one control command from a C program and returns the response
    /// line (without the newline).
    pub fn handle_control(&mut self, command: &str) -> String {
        let words: Vec<&str> = command.split_whitespace().collect();
        let member = words.get(1).map(|w| w.parse::<usize>());
        let result = match (words.first().copied(), member) {
            (Some("wait_ready"), None) => self.wait_ready(),
            (Some(_), Some(Err(e))) => Err(format!("invalid member index in `{command}`: {e}")),
            (Some(verb), Some(Ok(index))) => match verb {
                "kill" => self.kill(index),
                "start" => self.start_member(index),
                "restart" => self.restart(index),
                "stop" => self.stop(index),
                "cont" => self.resume(index),
                "ldm" => self.lame_duck(index),
                _ => Err(format!("unknown control command `{command}`")),
            },
            _ => Err(format!("unknown or incomplete control command `{command}`")),
        };
        match result {
            Ok(()) => "OK".to_string(),
            // The response must be one line, so newlines in the reason
            // become ` | `.
            Err(e) => format!("ERR {}", e.replace('\n', " | ")),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for member in &mut self.members {
            member.reap();
        }
        if std::thread::panicking() {
            eprintln!("the cluster's server logs are in {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Waits until the member's client port accepts TCP connections.
fn wait_accepting(member: &mut Member) -> Result<(), String> {
    let addr: SocketAddr = format!("127.0.0.1:{}", member.client_port)
        .parse()
        .expect("loopback socket address");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(child) = member.child.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "member {} (nats-server) exited with {status} before accepting clients",
                    member.index
                ));
            }
        } else {
            return Err(format!("member {} is not running", member.index));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "member {} did not accept connections on {addr} within {READY_TIMEOUT:?}",
                member.index
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `GET path` to a loopback monitoring port and returns the body.
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("loopback address");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("cannot connect to monitoring port {port}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| format!("cannot set a read timeout: {e}"))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("cannot send GET {path} to port {port}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("cannot read the response to GET {path} from port {port}: {e}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("malformed HTTP response from port {port}: {response}"))?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(format!("GET {path} on port {port} returned: {head}: {body}"));
    }
    Ok(body.to_string())
}

// ---------------------------------------------------------------------------
// C programs
// ---------------------------------------------------------------------------

/// Directory of the resilience C programs and their header `resil.h`.
fn resilience_source_dir() -> PathBuf {
    common::repo_root().join("tests").join("c").join("resilience")
}

/// Compiles `tests/c/resilience/<name>.c` against the library selected by
/// `NATS_TEST_INCLUDE_DIR` and `NATS_TEST_LIB_DIR` (this crate's build by
/// default) and returns the executable. Each program is compiled once per
/// test process.
pub fn build_resilience_program(name: &str) -> PathBuf {
    build_cluster_program("resilience", name)
}

/// Compiles `tests/c/<folder>/<name>.c` like [`build_resilience_program`].
/// The program can include `resil.h` for the control protocol.
pub fn build_cluster_program(folder: &str, name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    let key = format!("{folder}/{name}");
    if let Some(path) = built.get(&key) {
        return path.clone();
    }

    let library = common::c_library();
    let source_dir = common::repo_root().join("tests").join("c").join(folder);
    let source = source_dir.join(format!("{name}.c"));
    if !source.is_file() {
        panic!("C test source {} does not exist", source.display());
    }
    let target_root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    let out_dir = target_root
        .join("c-tests")
        .join(&library.label)
        .join(folder);
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let exe = out_dir.join(name);
    // Compile to a private name and rename, so that another test process
    // running the same program never reads a half-written file.
    let tmp_exe = out_dir.join(format!(".{name}.{}", unique_suffix()));

    let mut command = Command::new("cc");
    command
        .args(["-std=gnu11", "-g", "-O1", "-Wall", "-Wextra", "-Werror"])
        .arg("-Wno-unused-parameter")
        .arg("-pthread")
        .arg(format!("-I{}", source_dir.display()))
        .arg(format!("-I{}", resilience_source_dir().display()))
        .arg(format!("-I{}", library.include_dir.display()))
        .arg(&source)
        .arg("-o")
        .arg(&tmp_exe)
        .arg(format!("-L{}", library.lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", library.lib_dir.display()))
        .arg("-lnats")
        .stdin(Stdio::null());
    let output = command.output().unwrap_or_else(|e| {
        panic!("cannot run cc (install a C compiler with `apt-get install gcc`): {e}")
    });
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
        panic!("cannot move {} to {}: {e}", tmp_exe.display(), exe.display())
    });
    built.insert(key, exe.clone());
    exe
}

/// Output of a finished resilience C program.
#[derive(Debug)]
pub struct ResilienceRun {
    pub status: ExitStatus,
    /// Standard output, including the `CTL` request lines.
    pub stdout: String,
    pub stderr: String,
    pub command: String,
    /// Each control request with its response, in order.
    pub controls: Vec<(String, String)>,
}

impl ResilienceRun {
    pub fn report(&self) -> String {
        format!(
            "command: {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }

    /// Returns the value of the first `key=VALUE` word printed on stdout.
    pub fn value(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}=");
        self.stdout
            .split_whitespace()
            .find_map(|word| word.strip_prefix(&prefix).map(str::to_string))
    }
}

enum ProgramEvent {
    Line(String),
    Eof,
}

/// Runs a built program with `args`, serving its control requests against
/// `cluster`, and kills it if it runs longer than `timeout`.
pub fn run_resilience_program(
    exe: &Path,
    args: &[String],
    cluster: &mut Cluster,
    timeout: Duration,
) -> ResilienceRun {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-test-output");
    fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    let stderr_path = out_dir.join(format!("resilience-{}.stderr", unique_suffix()));
    let stderr_file = fs::File::create(&stderr_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", stderr_path.display()));

    let mut command = Command::new(exe);
    command.args(args);
    // The programs arm an alarm a little before the harness kills them, so
    // that a hang reports which test was running.
    let watchdog = timeout.as_secs().saturating_sub(5).max(1);
    command.env("NATS_TEST_C_WATCHDOG_SECS", watchdog.to_string());
    command.env("NATS_RESILIENCE_CONTROL", "1");
    let command_text = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr_file))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command_text}: {e}"));
    let mut stdin: ChildStdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");

    let (sender, receiver) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    let _ = sender.send(ProgramEvent::Eof);
                    return;
                }
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if sender.send(ProgramEvent::Line(text)).is_err() {
                        return;
                    }
                }
            }
        }
    });

    let deadline = Instant::now() + timeout;
    let mut output = String::new();
    let mut controls = Vec::new();
    let mut timed_out = false;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            timed_out = true;
            break;
        }
        match receiver.recv_timeout(remaining) {
            Ok(ProgramEvent::Line(line)) => {
                output.push_str(&line);
                if !line.ends_with('\n') {
                    output.push('\n');
                }
                if let Some(request) = line.trim_end().strip_prefix("CTL ") {
                    let response = cluster.handle_control(request);
                    output.push_str(&format!("(harness: {request} -> {response})\n"));
                    controls.push((request.to_string(), response.clone()));
                    // A write error means the program exited, and its exit
                    // status is checked below.
                    let _ = writeln!(stdin, "{response}");
                    let _ = stdin.flush();
                }
            }
            Ok(ProgramEvent::Eof) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                timed_out = true;
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    drop(stdin);

    if timed_out {
        let _ = child.kill();
    }
    // The program closed its stdout, so it is exiting; bound the wait anyway.
    let exit_deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= exit_deadline => {
                let _ = child.kill();
                timed_out = true;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("cannot wait for {command_text}: {e}"),
        }
    };
    let _ = reader.join();
    while let Ok(ProgramEvent::Line(line)) = receiver.try_recv() {
        output.push_str(&line);
    }
    let mut stderr = String::new();
    if let Ok(mut file) = fs::File::open(&stderr_path) {
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        stderr = String::from_utf8_lossy(&bytes).into_owned();
    }
    let _ = fs::remove_file(&stderr_path);

    let run = ResilienceRun {
        status,
        stdout: output,
        stderr,
        command: command_text,
        controls,
    };
    if timed_out {
        panic!(
            "C program timed out after {timeout:?} and was killed\n{}\n{}",
            run.report(),
            cluster.logs()
        );
    }
    run
}

/// Finds the `N passed, M failed[, K skipped]` summary line and returns the
/// passed and failed counts.
pub fn summary_counts(stdout: &str) -> Option<(u32, u32)> {
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

/// Builds and runs `tests/c/resilience/<name>.c` with `args` against
/// `cluster`, prints its output, and panics (with the server logs) unless it
/// exits with status 0 and reports at least one passed and no failed test.
pub fn run_resilience_test(
    name: &str,
    args: &[String],
    cluster: &mut Cluster,
    timeout: Duration,
) -> ResilienceRun {
    run_cluster_test("resilience", name, args, cluster, timeout)
}

/// Builds and runs `tests/c/<folder>/<name>.c` like
/// [`run_resilience_test`].
pub fn run_cluster_test(
    folder: &str,
    name: &str,
    args: &[String],
    cluster: &mut Cluster,
    timeout: Duration,
) -> ResilienceRun {
    let exe = build_cluster_program(folder, name);
    let run = run_resilience_program(&exe, args, cluster, timeout);
    println!("{}", run.report());
    match summary_counts(&run.stdout) {
        None => panic!(
            "{name} printed no `N passed, N failed` summary (crashed or exited early)\n{}\n{}",
            run.report(),
            cluster.logs()
        ),
        Some((_, failed)) if failed > 0 => panic!(
            "{name}: {failed} C test(s) failed\n{}\n{}",
            run.report(),
            cluster.logs()
        ),
        Some((0, 0)) => panic!("{name} ran no test\n{}", run.report()),
        Some(_) => {}
    }
    if !run.status.success() {
        panic!(
            "{name} exited unsuccessfully\n{}\n{}",
            run.report(),
            cluster.logs()
        );
    }
    run
}
