//! Establishing connections: the INFO / CONNECT / PING handshake, the
//! first connect, and the reconnect loop over the server pool.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::stream::Stream;

use super::conn::{ConnInner, ConnStatus, Connection};
use super::events::{self, Event};
use super::info::{ConnectInfo, ServerInfo};
use super::io::{serve, Ended};
use super::options::ConnectionCallback;
use super::runtime;
use super::status::{Error, Result, Status};
use super::url::ServerUrl;

/// Client version sent in CONNECT.
const CLIENT_VERSION: &str = "3.13.0";

/// Maximum length of a protocol line during the handshake.
const MAX_HANDSHAKE_LINE: usize = 1024 * 1024;

/// A socket whose handshake is done, with bytes read past the PONG.
pub(crate) struct Established {
    pub(crate) stream: Stream,
    pub(crate) info: ServerInfo,
    pub(crate) leftover: Vec<u8>,
    pub(crate) local_addr: Option<SocketAddr>,
    /// Index of the server in the pool.
    pub(crate) server: usize,
}

/// Maps an I/O error, reporting TLS failures (such as the server
/// rejecting the client certificate after the handshake) as
/// `NATS_SSL_ERROR`.
pub(crate) fn io_error(context: &str, e: std::io::Error) -> Error {
    let tls = e
        .get_ref()
        .is_some_and(|inner| inner.is::<openssl::ssl::Error>() || inner.is::<openssl::error::ErrorStack>());
    let status = if tls { Status::SslError } else { Status::IoError };
    Error::new(status, format!("{context}: {e}"))
}

/// Reads until one full protocol line is in `buf`; returns its length
/// including CRLF.
async fn read_line(stream: &mut Stream, buf: &mut Vec<u8>) -> Result<usize> {
    loop {
        if let Some(i) = memchr::memmem::find(buf, b"\r\n") {
            return Ok(i + 2);
        }
        if buf.len() > MAX_HANDSHAKE_LINE {
            return Err(Error::new(Status::LineTooLong, "protocol line too long"));
        }
        let mut chunk = [0u8; 4096];
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| io_error("read failed", e))?;
        if n == 0 {
            return Err(Error::new(
                Status::ProtocolError,
                "connection closed by the server during the handshake",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Maps an `-ERR` text to `NATS_CONNECTION_AUTH_FAILED` when it reports
/// an authentication or authorization failure.
pub(crate) fn auth_error(text: &str) -> Option<Status> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("authorization violation") || lower.contains("user authentication expired")
    {
        Some(Status::ConnectionAuthFailed)
    } else {
        None
    }
}

fn connect_line(inner: &ConnInner, url: &ServerUrl, info: &ServerInfo, tls: bool) -> Result<Vec<u8>> {
    let opts = &inner.opts;
    let nonce = info.nonce.as_deref().unwrap_or("").as_bytes();
    let proof = if let Some(creds) = &opts.user_credentials {
        creds.prove(nonce)?
    } else if let Some(nkey) = &opts.nkey {
        nkey.prove(nonce)?
    } else {
        super::auth::Proof::default()
    };
    let handler_token;
    let (mut user, mut pass, mut token) = (None, None, None);
    match (&url.user, &url.password) {
        (Some(u), Some(p)) => {
            user = Some(u.as_str());
            pass = Some(p.as_str());
        }
        (Some(t), None) => token = Some(t.as_str()),
        (None, Some(p)) => pass = Some(p.as_str()),
        (None, None) => {}
    }
    if user.is_none() && token.is_none() {
        if let Some(u) = &opts.user {
            user = Some(u.as_str());
            pass = opts.password.as_ref().map(super::secret::Secret::as_str);
        }
    }
    if token.is_none() && user.is_none() {
        if let Some(handler) = &opts.token_handler {
            handler_token = handler();
            token = handler_token.as_deref();
        } else {
            token = opts.token.as_ref().map(super::secret::Secret::as_str);
        }
    }
    let connect = ConnectInfo {
        verbose: opts.verbose,
        pedantic: opts.pedantic,
        tls_required: tls,
        name: opts.name.as_deref(),
        lang: "C",
        version: CLIENT_VERSION,
        protocol: 1,
        echo: !opts.no_echo,
        headers: info.headers,
        no_responders: info.headers && !opts.disable_no_responders,
        user,
        pass,
        auth_token: token,
        jwt: proof.jwt.as_deref(),
        nkey: proof.nkey.as_deref(),
        sig: proof.sig.as_deref(),
    };
    let json = serde_json::to_vec(&connect)
        .map_err(|e| Error::new(Status::Err, format!("failed to encode CONNECT: {e}")))?;
    let mut line = Vec::with_capacity(json.len() + 16);
    line.extend_from_slice(b"CONNECT ");
    line.extend_from_slice(&json);
    line.extend_from_slice(b"\r\nPING\r\n");
    Ok(line)
}

/// Resolves `url` and connects to the first address that accepts, in the
/// family order `order` asks for (0 keeps the resolver's order).
async fn open_socket(url: &ServerUrl, order: i32) -> Result<TcpStream> {
    let no_server = |why: String| {
        Error::new(
            Status::NoServer,
            format!("failed to connect to {}: {why}", url.redacted()),
        )
    };
    let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host(url.host_port())
        .await
        .map_err(|e| no_server(e.to_string()))?
        .collect();
    match order {
        4 => addrs.retain(SocketAddr::is_ipv4),
        6 => addrs.retain(SocketAddr::is_ipv6),
        46 => addrs.sort_by_key(|a| a.is_ipv6()),
        64 => addrs.sort_by_key(|a| a.is_ipv4()),
        _ => {}
    }
    let mut last = no_server("no address of the requested family".to_string());
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = no_server(e.to_string()),
        }
    }
    Err(last)
}

/// Opens a socket to `url` and runs the INFO / CONNECT / PING handshake,
/// upgrading to TLS when either side requires it.
async fn establish(inner: &ConnInner, url: &ServerUrl, server: usize) -> Result<Established> {
    let tcp = match inner.opts.proxy_connect.clone() {
        Some(proxy) => {
            let host = url.host.clone();
            let port = url.port;
            let std_stream = tokio::task::spawn_blocking(move || proxy(&host, port))
                .await
                .map_err(|e| Error::new(Status::Err, format!("proxy connect callback failed: {e}")))??;
            std_stream
                .set_nonblocking(true)
                .map_err(|e| io_error("failed to make the proxy socket non-blocking", e))?;
            TcpStream::from_std(std_stream).map_err(|e| io_error("failed to use the proxy socket", e))?
        }
        None => open_socket(url, inner.opts.ip_resolution_order).await?,
    };
    let _ = tcp.set_nodelay(true);
    let local_addr = tcp.local_addr().ok();
    let tls_opts = &inner.opts.tls;
    let wants_tls = inner.opts.secure || url.is_tls() || tls_opts.handshake_first;
    let mut stream = if tls_opts.handshake_first {
        Stream::Tls(Box::new(super::tls::upgrade(tls_opts, tcp, &url.host).await?))
    } else {
        Stream::Plain(tcp)
    };
    let mut buf = Vec::with_capacity(4096);
    let n = read_line(&mut stream, &mut buf).await.map_err(|e| {
        // A server that closes before its INFO (for example one that wants
        // the TLS handshake first) reports as a closed connection.
        if e.status == Status::ProtocolError {
            Error::new(Status::ConnectionClosed, e.text)
        } else {
            e
        }
    })?;
    let line = &buf[..n - 2];
    let json = line
        .strip_prefix(b"INFO ")
        .or_else(|| line.strip_prefix(b"INFO"))
        .ok_or_else(|| {
            Error::new(
                Status::ProtocolError,
                format!("expected INFO, got '{}'", String::from_utf8_lossy(line)),
            )
        })?;
    let info = ServerInfo::parse(json).map_err(|e| Error::new(Status::Err, e))?;
    buf.drain(..n);
    if wants_tls && !info.tls_required && !info.tls_available && !tls_opts.handshake_first {
        return Err(Error::new(
            Status::SecureConnectionWanted,
            format!("TLS was requested but {} does not offer it", url.redacted()),
        ));
    }
    // A server that requires TLS gets it even when the options did not ask
    // for it; verification then applies as configured.
    let use_tls = wants_tls || info.tls_required;
    if use_tls {
        if let Stream::Plain(tcp) = stream {
            stream = Stream::Tls(Box::new(super::tls::upgrade(tls_opts, tcp, &url.host).await?));
        }
    }
    let line = connect_line(inner, url, &info, use_tls)?;
    stream
        .write_all(&line)
        .await
        .map_err(|e| io_error("write failed", e))?;
    loop {
        let n = read_line(&mut stream, &mut buf).await?;
        let reply = String::from_utf8_lossy(&buf[..n - 2]).to_string();
        buf.drain(..n);
        if reply.starts_with("+OK") || reply.starts_with("INFO") || reply.starts_with("PING") {
            continue;
        }
        if reply.starts_with("PONG") {
            break;
        }
        if let Some(rest) = reply.strip_prefix("-ERR") {
            let text = rest.trim().trim_matches('\'').trim().to_string();
            let status = auth_error(&text).unwrap_or(Status::Err);
            return Err(Error::new(status, text));
        }
        return Err(Error::new(
            Status::ProtocolError,
            format!("expected PONG, got '{reply}'"),
        ));
    }
    Ok(Established {
        stream,
        info,
        leftover: buf,
        local_addr,
        server,
    })
}

/// Tries one server, with the connect timeout.
async fn attempt(inner: &ConnInner, url: &ServerUrl, server: usize) -> Result<Established> {
    let timeout = inner.opts.timeout;
    let result = if timeout.is_zero() {
        establish(inner, url, server).await
    } else {
        match tokio::time::timeout(timeout, establish(inner, url, server)).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                Status::Timeout,
                format!("timed out connecting to {}", url.redacted()),
            )),
        }
    };
    if let Err(e) = &result {
        log::debug!("connect to {} failed: {}", url.redacted(), e);
    }
    result
}

/// Records a new socket's server and marks the connection connected.
fn install(inner: &Arc<ConnInner>, est: &Established) {
    {
        let mut st = inner.state.lock();
        st.info = est.info.clone();
        st.local_addr = est.local_addr;
        st.pool.current = Some(est.server);
        if let Some(server) = st.pool.servers.get_mut(est.server) {
            server.reconnects = 0;
            server.last_auth_error = None;
            server.last_attempt = Some(Instant::now());
            st.url = Some(server.url.clone());
        }
        if !inner.opts.ignore_discovered_servers {
            let randomize = !inner.opts.no_randomize;
            st.pool.add_discovered(&est.info.connect_urls, randomize);
        }
    }
    let mut out = inner.out.lock();
    out.max_payload = est.info.max_payload;
    out.headers_supported = est.info.headers;
    out.connected = true;
    out.pings_out = 0;
    out.signaled = false;
}

/// Tries every server of the pool once, in order.
async fn first_connect(inner: &ConnInner) -> Result<Established> {
    let servers: Vec<ServerUrl> = inner.state.lock().pool.servers.iter().map(|s| s.url.clone()).collect();
    let mut last = Error::new(Status::NoServer, "no server available for connection");
    for (index, url) in servers.iter().enumerate() {
        match attempt(inner, url, index).await {
            Ok(est) => return Ok(est),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Makes the first connection and starts the I/O task. With
/// retry-on-failed-connect, a failed first attempt leaves the connection
/// reconnecting in the background instead of failing.
pub(crate) fn connect(inner: &Arc<ConnInner>) -> Result<()> {
    let handle = runtime::handle()?;
    let first = runtime::block_on(first_connect(inner))?;
    let est = match first {
        Ok(est) => {
            install(inner, &est);
            inner.set_status(ConnStatus::Connected);
            attach_on_caller(inner, &est)?;
            Some(est)
        }
        Err(e) if inner.opts.retry_on_failed_connect && inner.opts.allow_reconnect => {
            inner.set_last_error(&e);
            if inner.opts.connected_cb.is_some() {
                // With a callback to report success, keep trying in the
                // background and return at once.
                inner.set_status(ConnStatus::Reconnecting);
                None
            } else {
                // Without one, retry here until connected or out of attempts.
                match runtime::block_on(reconnect(inner, true))? {
                    Some(est) => {
                        attach_on_caller(inner, &est)?;
                        Some(est)
                    }
                    None => {
                        inner.set_status(ConnStatus::Closed);
                        inner.out.lock().closed = true;
                        return Err(Error::new(
                            Status::NoServer,
                            format!("no server available after the reconnect attempts: {}", e.text),
                        ));
                    }
                }
            }
        }
        Err(e) => {
            inner.set_status(ConnStatus::Closed);
            inner.out.lock().closed = true;
            return Err(e);
        }
    };
    let task_inner = inner.clone();
    let task = handle.spawn(async move {
        run(task_inner.clone(), est).await;
        let mut st = task_inner.state.lock();
        st.io_done = true;
        task_inner.state_cond.notify_all();
    });
    *inner.io_task.lock() = Some(task.abort_handle());
    Ok(())
}

/// Attaches the application's event loop to the first socket on the
/// thread that connects, which is usually the loop's own thread: adapters
/// such as the libuv one must create their loop handles there.
fn attach_on_caller(inner: &Arc<ConnInner>, est: &Established) -> Result<()> {
    use std::os::fd::AsRawFd;

    let (Some(evloop), Stream::Plain(tcp)) = (inner.opts.event_loop.as_ref(), &est.stream) else {
        return Ok(());
    };
    let conn = Connection::from_inner(inner.clone());
    let mut state = *inner.evloop.user_state.lock();
    let result = evloop
        .attach(&conn, tcp.as_raw_fd(), &mut state)
        .and_then(|()| evloop.read(state, true));
    *inner.evloop.user_state.lock() = state;
    *inner.evloop.attached.lock() = true;
    if let Err(e) = result {
        inner.set_status(ConnStatus::Closed);
        inner.out.lock().closed = true;
        return Err(e);
    }
    inner.evloop.pre_attached.store(true, Ordering::Relaxed);
    Ok(())
}

/// Serves sockets one after the other until the connection closes.
async fn run(inner: Arc<ConnInner>, first: Option<Established>) {
    let mut next = first;
    let mut ever_connected = next.is_some();
    loop {
        let est = match next.take() {
            Some(est) => est,
            None => match reconnect(&inner, !ever_connected).await {
                Some(est) => {
                    let cb = if ever_connected {
                        inner.opts.reconnected_cb.clone()
                    } else {
                        inner.opts.connected_cb.clone()
                    };
                    ever_connected = true;
                    post_conn_event(&inner, cb);
                    est
                }
                None => {
                    close_from_io(&inner);
                    return;
                }
            },
        };
        let error = match serve(&inner, est).await {
            Ended::Closed => return,
            Ended::Failed(e) => e,
        };
        if inner.out.lock().closed {
            return;
        }
        log::info!("disconnected: {error}");
        on_disconnect(&inner, &error);
        // An -ERR the client cannot recover from (such as a limit the
        // server enforces) closes the connection, as cnats does, instead of
        // reconnecting into the same error.
        if !inner.opts.allow_reconnect || inner.fatal_server_error.load(Ordering::Relaxed) {
            close_from_io(&inner);
            return;
        }
        inner.set_status(ConnStatus::Reconnecting);
        post_conn_event(&inner, inner.opts.disconnected_cb.clone());
    }
}

fn on_disconnect(inner: &Arc<ConnInner>, error: &Error) {
    {
        let mut out = inner.out.lock();
        out.connected = false;
        ConnInner::fail_pongs(&mut out, Status::ConnectionDisconnected);
    }
    if inner.opts.fail_requests_on_disconnect {
        inner.resp.fail_all(Status::ConnectionDisconnected);
    }
    inner.set_last_error(error);
}

pub(crate) fn post_conn_event(inner: &Arc<ConnInner>, cb: Option<ConnectionCallback>) {
    if let Some(cb) = cb {
        events::post(Event::Connection {
            conn: Connection::from_inner(inner.clone()),
            cb,
        });
    }
}

/// Closes the connection from the I/O task without waiting for itself.
fn close_from_io(inner: &Arc<ConnInner>) {
    {
        let mut st = inner.state.lock();
        st.io_done = true;
        inner.state_cond.notify_all();
    }
    let inner = inner.clone();
    // `close` waits for the I/O task, so it cannot run on it.
    let closer = inner.clone();
    if super::lifecycle::spawn("nats-close".to_string(), move || closer.close()).is_err() {
        log::error!("failed to start a thread to close the connection");
    }
    drop(inner);
}

/// Sleeps for `wait`; returns false when the connection closes meanwhile.
async fn sleep_unless_closed(inner: &ConnInner, wait: Duration) -> bool {
    if wait.is_zero() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = inner.close_wake.notified() => {
            inner.close_wake.notify_one();
            false
        }
    }
}

/// Tries the pool until a server accepts. A server is not tried again
/// within the reconnect wait of its previous attempt (or of the connection
/// to it that just ended), so a server that drops every new connection
/// cannot cause a reconnect storm. With a custom reconnect delay, that
/// delay is slept after each pass over the pool instead. Servers leave the
/// pool after `max_reconnect` failed attempts; returns `None` when the pool
/// is empty or the connection is closed. `first` marks the initial connect
/// of retry-on-failed-connect, which is not counted as a reconnect.
async fn reconnect(inner: &Arc<ConnInner>, first: bool) -> Option<Established> {
    let mut round: i32 = 0;
    loop {
        if inner.out.lock().closed {
            return None;
        }
        round += 1;
        let order: Vec<(usize, ServerUrl, Option<Instant>)> = {
            let st = inner.state.lock();
            st.pool
                .reconnect_order()
                .into_iter()
                .map(|i| (i, st.pool.servers[i].url.clone(), st.pool.servers[i].last_attempt))
                .collect()
        };
        if order.is_empty() {
            inner.set_last_error(&Error::new(
                Status::NoServer,
                "no server left in the pool to reconnect to",
            ));
            return None;
        }
        for (_, url, last_attempt) in order {
            if inner.out.lock().closed {
                return None;
            }
            if inner.opts.custom_reconnect_delay.is_none() {
                if let Some(at) = last_attempt {
                    let wait = reconnect_wait(inner, &url);
                    if !sleep_unless_closed(inner, wait.saturating_sub(at.elapsed())).await {
                        return None;
                    }
                }
            }
            // Servers may have left the pool during this pass, so look the
            // server up again by URL.
            let index = {
                let mut st = inner.state.lock();
                let Some(index) = st.pool.servers.iter().position(|s| s.url == url) else {
                    continue;
                };
                st.pool.servers[index].last_attempt = Some(Instant::now());
                index
            };
            let result = tokio::select! {
                r = attempt(inner, &url, index) => r,
                _ = inner.close_wake.notified() => {
                    inner.close_wake.notify_one();
                    return None;
                }
            };
            match result {
                Ok(est) => {
                    install(inner, &est);
                    resend_subscriptions(inner);
                    if !first {
                        inner.counters.reconnects.fetch_add(1, Ordering::Relaxed);
                    }
                    inner.set_status(ConnStatus::Connected);
                    if !first {
                        crate::core::js::jssub::on_reconnected(inner);
                    }
                    return Some(est);
                }
                Err(e) => {
                    let give_up = record_failure(inner, index, &url, &e);
                    // A server that used up its attempts leaves the pool now,
                    // even if a later server of this pass accepts.
                    inner.state.lock().pool.prune(inner.opts.max_reconnect);
                    if e.status == Status::ConnectionAuthFailed {
                        inner.post_error(None, e.clone());
                    } else {
                        inner.set_last_error(&e);
                    }
                    if give_up {
                        return None;
                    }
                }
            }
        }
        inner.state.lock().pool.prune(inner.opts.max_reconnect);
        if let Some(cb) = &inner.opts.custom_reconnect_delay {
            let wait = cb(&Connection::from_inner(inner.clone()), round);
            if !sleep_unless_closed(inner, wait).await {
                return None;
            }
        }
    }
}

/// Counts a failed attempt on a server. Returns true when the server
/// rejected the same credentials twice in a row and the options say to
/// stop there.
fn record_failure(inner: &ConnInner, index: usize, url: &ServerUrl, e: &Error) -> bool {
    let mut st = inner.state.lock();
    let Some(server) = st.pool.servers.get_mut(index) else {
        return false;
    };
    if server.url != *url {
        return false;
    }
    server.reconnects += 1;
    if e.status == Status::ConnectionAuthFailed {
        let repeated = server.last_auth_error.as_deref() == Some(e.text.as_str());
        server.last_auth_error = Some(e.text.clone());
        return repeated && !inner.opts.ignore_auth_error_abort;
    }
    server.last_auth_error = None;
    false
}

/// Reconnect wait plus a random jitter, larger for TLS servers.
fn reconnect_wait(inner: &ConnInner, url: &ServerUrl) -> Duration {
    let jitter = if url.is_tls() {
        inner.opts.reconnect_jitter_tls
    } else {
        inner.opts.reconnect_jitter
    };
    inner.opts.reconnect_wait + random_below(jitter)
}

fn random_below(max: Duration) -> Duration {
    let nanos = max.as_nanos() as u64;
    if nanos == 0 {
        return Duration::ZERO;
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_nanos(seed % nanos)
}

/// Puts the SUB (and remaining auto-unsubscribe) lines of every
/// subscription in front of what was buffered while disconnected, so the
/// server knows them before those publishes arrive.
fn resend_subscriptions(inner: &ConnInner) {
    let mut out = inner.out.lock();
    let mut protos = Vec::new();
    for sub in inner.subs.lock().values() {
        let st = sub.state.lock();
        match &sub.queue_group {
            Some(q) => protos.extend_from_slice(format!("SUB {} {} {}\r\n", sub.subject, q, sub.sid).as_bytes()),
            None => protos.extend_from_slice(format!("SUB {} {}\r\n", sub.subject, sub.sid).as_bytes()),
        }
        if st.max > 0 {
            let remaining = st.max.saturating_sub(st.delivered() + st.queued()).max(1);
            protos.extend_from_slice(format!("UNSUB {} {}\r\n", sub.sid, remaining).as_bytes());
        }
    }
    let shift = protos.len();
    protos.extend_from_slice(&out.buf);
    out.buf = protos;
    for offset in &mut out.ping_offsets {
        *offset += shift;
    }
}
