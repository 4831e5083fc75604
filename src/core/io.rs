//! Socket I/O of a connection: the handshake, the reader, the writer, the
//! keep-alive PINGs and reconnection, all on the shared runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::conn::{ConnInner, ConnStatus, Connection};
use super::events::{self, Event};
use super::info::{ConnectInfo, ServerInfo};
use super::message::Message;
use super::parser::{self, Op};
use super::runtime;
use super::status::{Error, Result, Status};
use super::sub::{Offer, SubInner};
use super::url::ServerUrl;

/// Client version sent in CONNECT.
const CLIENT_VERSION: &str = "3.13.0";

/// Initial capacity of the writer's spare buffer.
const WRITE_CHUNK_HINT: usize = 64 * 1024;

/// Spare buffers above this capacity (grown by one huge publish) are
/// released instead of kept for the next swap.
const MAX_SPARE_CAPACITY: usize = 4 * 1024 * 1024;

fn io_error(context: &str, e: std::io::Error) -> Error {
    Error::new(Status::IoError, format!("{context}: {e}"))
}

/// A socket whose handshake is done, with bytes read past the PONG.
struct Established {
    stream: TcpStream,
    info: ServerInfo,
    leftover: Vec<u8>,
}

/// Reads until one full protocol line is in `buf`; returns its length
/// including CRLF.
async fn read_line(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<usize> {
    loop {
        if let Some(i) = memchr::memmem::find(buf, b"\r\n") {
            return Ok(i + 2);
        }
        if buf.len() > 1024 * 1024 {
            return Err(Error::new(Status::LineTooLong, "protocol line too long"));
        }
        let mut chunk = [0u8; 4096];
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| io_error("read failed", e))?;
        if n == 0 {
            return Err(Error::new(Status::ConnectionClosed, "connection closed by the server"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn auth_error(text: &str) -> Option<Status> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("authorization violation") || lower.contains("user authentication expired")
    {
        Some(Status::ConnectionAuthFailed)
    } else {
        None
    }
}

fn connect_line(inner: &ConnInner, url: &ServerUrl, info: &ServerInfo) -> Result<Vec<u8>> {
    let opts = &inner.opts;
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
            pass = opts.password.as_deref();
        }
    }
    if token.is_none() && user.is_none() {
        if let Some(handler) = &opts.token_handler {
            handler_token = handler();
            token = handler_token.as_deref();
        } else {
            token = opts.token.as_deref();
        }
    }
    let connect = ConnectInfo {
        verbose: opts.verbose,
        pedantic: opts.pedantic,
        tls_required: false,
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
    };
    let json = serde_json::to_vec(&connect)
        .map_err(|e| Error::new(Status::Err, format!("failed to encode CONNECT: {e}")))?;
    let mut line = Vec::with_capacity(json.len() + 16);
    line.extend_from_slice(b"CONNECT ");
    line.extend_from_slice(&json);
    line.extend_from_slice(b"\r\nPING\r\n");
    Ok(line)
}

/// Opens a socket to `url` and runs the INFO / CONNECT / PING handshake.
async fn establish(inner: &ConnInner, url: &ServerUrl) -> Result<Established> {
    let addr = url.host_port();
    let mut stream = TcpStream::connect(&addr).await.map_err(|e| {
        Error::new(
            Status::NoServer,
            format!("failed to connect to {}: {e}", url.redacted()),
        )
    })?;
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(4096);
    let n = read_line(&mut stream, &mut buf).await?;
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
    let info = ServerInfo::parse(json).map_err(|e| Error::new(Status::ProtocolError, e))?;
    buf.drain(..n);
    if info.tls_required || inner.opts.secure || url.is_tls() {
        if !info.tls_required && !info.tls_available {
            return Err(Error::new(
                Status::SecureConnectionWanted,
                "TLS was requested but the server does not offer it",
            ));
        }
        // NOTE: TLS is not implemented yet, so a server that requires it
        // cannot be used.
        return Err(Error::new(
            Status::SecureConnectionRequired,
            "the server requires TLS, which this build does not support yet",
        ));
    }
    let line = connect_line(inner, url, &info)?;
    stream
        .write_all(&line)
        .await
        .map_err(|e| io_error("write failed", e))?;
    loop {
        let n = read_line(&mut stream, &mut buf).await?;
        let reply = String::from_utf8_lossy(&buf[..n - 2]).to_string();
        buf.drain(..n);
        if reply.starts_with("+OK") {
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
        if reply.starts_with("INFO") || reply.starts_with("PING") {
            continue;
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
    })
}

/// Records a new socket's server and marks the connection connected.
fn install(inner: &ConnInner, url: &ServerUrl, info: &ServerInfo) {
    {
        let mut st = inner.state.lock();
        st.info = info.clone();
        st.url = Some(url.clone());
    }
    let mut out = inner.out.lock();
    out.max_payload = info.max_payload;
    out.headers_supported = info.headers;
    out.connected = true;
    out.pings_out = 0;
    out.signaled = false;
}

/// Tries each server once, in pool order.
async fn try_servers(inner: &ConnInner) -> Result<(ServerUrl, Established)> {
    let servers = inner.state.lock().servers.clone();
    let mut last = Error::new(Status::NoServer, "no server available for connection");
    for url in servers {
        let attempt = if inner.opts.timeout.is_zero() {
            Ok(establish(inner, &url).await)
        } else {
            tokio::time::timeout(inner.opts.timeout, establish(inner, &url)).await
        };
        match attempt {
            Ok(Ok(est)) => return Ok((url, est)),
            Ok(Err(e)) => {
                log::debug!("connect to {} failed: {}", url.redacted(), e);
                last = e;
            }
            Err(_) => {
                last = Error::new(
                    Status::NoServer,
                    format!("timed out connecting to {}", url.redacted()),
                )
            }
        }
    }
    Err(last)
}

/// Makes the first connection and starts the I/O task.
pub(crate) fn connect(inner: &Arc<ConnInner>) -> Result<()> {
    let handle = runtime::handle()?;
    let (url, est) = runtime::block_on(try_servers(inner))?.map_err(|e| {
        inner.set_status(ConnStatus::Closed);
        inner.out.lock().closed = true;
        e
    })?;
    install(inner, &url, &est.info);
    inner.set_status(ConnStatus::Connected);
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

/// What ended a socket's life.
enum Ended {
    Closed,
    Failed(Error),
}

async fn run(inner: Arc<ConnInner>, mut est: Established) {
    loop {
        let ended = serve(&inner, est).await;
        let error = match ended {
            Ended::Closed => return,
            Ended::Failed(e) => e,
        };
        if inner.out.lock().closed {
            return;
        }
        log::info!("disconnected: {error}");
        {
            let mut out = inner.out.lock();
            out.connected = false;
            ConnInner::fail_pongs(&mut out, Status::ConnectionDisconnected);
        }
        inner.set_last_error(&error);
        if !inner.opts.allow_reconnect {
            close_from_io(&inner);
            return;
        }
        inner.set_status(ConnStatus::Reconnecting);
        post_conn_event(&inner, inner.opts.disconnected_cb.clone());
        match reconnect(&inner).await {
            Some(next) => est = next,
            None => {
                close_from_io(&inner);
                return;
            }
        }
    }
}

fn post_conn_event(inner: &Arc<ConnInner>, cb: Option<super::options::ConnectionCallback>) {
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
    // `close` runs callbacks' bookkeeping and may block briefly, so it
    // runs off the runtime.
    std::thread::spawn(move || inner.close());
}

/// Tries the server pool until one accepts, honouring the reconnect wait
/// and the per-server attempt limit. Returns `None` when giving up.
async fn reconnect(inner: &Arc<ConnInner>) -> Option<Established> {
    let mut attempts: i32 = 0;
    loop {
        if inner.out.lock().closed {
            return None;
        }
        let max = inner.opts.max_reconnect;
        if max >= 0 && attempts >= max {
            return None;
        }
        attempts += 1;
        match try_servers(inner).await {
            Ok((url, est)) => {
                install_after_reconnect(inner, &url, &est);
                inner.counters.reconnects.fetch_add(1, Ordering::Relaxed);
                inner.set_status(ConnStatus::Connected);
                post_conn_event(inner, inner.opts.reconnected_cb.clone());
                return Some(est);
            }
            Err(e) => {
                inner.set_last_error(&e);
                let wait = match &inner.opts.custom_reconnect_delay {
                    Some(cb) => cb(&Connection::from_inner(inner.clone()), attempts),
                    None => inner.opts.reconnect_wait + jitter(inner.opts.reconnect_jitter),
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = inner.close_wake.notified() => return None,
                }
            }
        }
    }
}

fn jitter(max: Duration) -> Duration {
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

/// After a reconnect, puts the subscriptions in front of what was buffered
/// while disconnected, so they reach the server before those publishes.
fn install_after_reconnect(inner: &ConnInner, url: &ServerUrl, est: &Established) {
    install(inner, url, &est.info);
    let mut out = inner.out.lock();
    let mut protos = Vec::new();
    for sub in inner.subs.lock().values() {
        let st = sub.state.lock();
        match &sub.queue_group {
            Some(q) => protos.extend_from_slice(format!("SUB {} {} {}\r\n", sub.subject, q, sub.sid).as_bytes()),
            None => protos.extend_from_slice(format!("SUB {} {}\r\n", sub.subject, sub.sid).as_bytes()),
        }
        if st.max > 0 {
            let remaining = st.max.saturating_sub(st.received());
            protos.extend_from_slice(format!("UNSUB {} {}\r\n", sub.sid, remaining.max(1)).as_bytes());
        }
    }
    protos.extend_from_slice(&out.buf);
    out.buf = protos;
}

/// Runs one socket until it fails or the connection closes.
async fn serve(inner: &Arc<ConnInner>, est: Established) -> Ended {
    let Established {
        stream, leftover, ..
    } = est;
    let (reader, writer) = stream.into_split();
    let writer = Arc::new(writer);
    inner.out.lock().socket = Some(writer.clone());
    let result = tokio::select! {
        r = read_loop(inner, reader, leftover) => r,
        r = write_loop(inner, writer) => r,
        r = ping_loop(inner) => r,
    };
    {
        let mut out = inner.out.lock();
        out.socket = None;
        out.writing = false;
    }
    match result {
        Ok(()) => Ended::Closed,
        Err(e) => Ended::Failed(e),
    }
}

/// Writes all of `data`, waiting for the socket to accept more as needed.
async fn write_all_shared(writer: &OwnedWriteHalf, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        writer.writable().await?;
        match writer.try_write(data) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn write_loop(inner: &Arc<ConnInner>, writer: Arc<OwnedWriteHalf>) -> Result<()> {
    enum Next {
        Write,
        Wait,
        Finish,
    }
    let mut spare: Vec<u8> = Vec::with_capacity(WRITE_CHUNK_HINT);
    loop {
        let next = {
            let mut out = inner.out.lock();
            if !out.buf.is_empty() {
                std::mem::swap(&mut out.buf, &mut spare);
                out.ping_offsets.clear();
                out.signaled = true;
                out.writing = true;
                inner.out_cond.notify_all();
                Next::Write
            } else {
                out.signaled = false;
                if out.closed {
                    Next::Finish
                } else {
                    Next::Wait
                }
            }
        };
        match next {
            Next::Finish => {
                // Dropping the last write half shuts the socket down.
                return Ok(());
            }
            Next::Wait => {
                inner.writer_wake.notified().await;
                continue;
            }
            Next::Write => {}
        }
        let written = write_all_shared(&writer, &spare).await;
        inner.out.lock().writing = false;
        spare.clear();
        if spare.capacity() > MAX_SPARE_CAPACITY {
            spare = Vec::with_capacity(WRITE_CHUNK_HINT);
        }
        written.map_err(|e| io_error("write failed", e))?;
    }
}

async fn ping_loop(inner: &Arc<ConnInner>) -> Result<()> {
    let interval = inner.opts.ping_interval;
    if interval.is_zero() {
        std::future::pending::<()>().await;
    }
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        ticker.tick().await;
        let mut out = inner.out.lock();
        if out.closed {
            return Ok(());
        }
        out.pings_out += 1;
        if out.pings_out > inner.opts.max_pings_out {
            return Err(Error::from_status(Status::StaleConnection));
        }
        out.push_ping(None);
        inner.kick_writer(&mut out);
    }
}

async fn read_loop(
    inner: &Arc<ConnInner>,
    mut reader: OwnedReadHalf,
    leftover: Vec<u8>,
) -> Result<()> {
    let size = inner.opts.io_buf_size.max(4096);
    let mut buf = leftover;
    buf.reserve(size);
    let mut filled = buf.len();
    buf.resize(filled.max(size), 0);
    let mut batch = Batch::default();
    loop {
        if filled > 0 {
            let parsed = parser::parse(&buf[..filled], |op| handle_op(inner, &mut batch, op));
            batch.finish();
            let consumed = parsed?;
            if consumed > 0 {
                buf.copy_within(consumed..filled, 0);
                filled -= consumed;
            }
        }
        if filled == buf.len() {
            // One operation is larger than the buffer: grow it.
            let new_len = buf.len() * 2;
            buf.resize(new_len, 0);
        }
        let n = reader
            .read(&mut buf[filled..])
            .await
            .map_err(|e| io_error("read failed", e))?;
        if n == 0 {
            return Err(Error::new(
                Status::ConnectionDisconnected,
                "connection closed by the server",
            ));
        }
        filled += n;
    }
}

/// State the reader keeps across the operations of one read: the last
/// subscription looked up and the subscriptions to wake at the end.
#[derive(Default)]
struct Batch {
    last: Option<Arc<SubInner>>,
    wake: Vec<Arc<SubInner>>,
}

impl Batch {
    fn lookup(&mut self, inner: &ConnInner, sid: u64) -> Option<Arc<SubInner>> {
        if let Some(sub) = &self.last {
            if sub.sid == sid {
                return Some(sub.clone());
            }
        }
        let sub = inner.subs.lock().get(&sid).cloned();
        self.last.clone_from(&sub);
        sub
    }

    fn finish(&mut self) {
        for sub in self.wake.drain(..) {
            sub.wake();
        }
        // Drop the cached subscription so an unsubscribed one is freed.
        self.last = None;
    }
}

fn handle_op(inner: &Arc<ConnInner>, batch: &mut Batch, op: Op<'_>) -> Result<()> {
    match op {
        Op::Msg {
            subject,
            sid,
            reply,
            headers,
            payload,
        } => {
            let c = &inner.counters;
            c.in_msgs.fetch_add(1, Ordering::Relaxed);
            c.in_bytes
                .fetch_add((payload.len() + headers.map_or(0, <[u8]>::len)) as u64, Ordering::Relaxed);
            let msg = Message::from_parts(subject, reply, headers, payload, sid);
            if sid == inner.resp.sid.load(Ordering::Relaxed) {
                inner.resp.deliver(msg);
                return Ok(());
            }
            if let Some(sub) = batch.lookup(inner, sid) {
                match sub.offer(msg) {
                    Offer::QueuedWake => batch.wake.push(sub),
                    Offer::Dropped { first: true } => {
                        inner.post_error(Some(&sub), Error::from_status(Status::SlowConsumer))
                    }
                    _ => {}
                }
            }
        }
        Op::Ping => {
            let mut out = inner.out.lock();
            out.buf.extend_from_slice(b"PONG\r\n");
            inner.kick_writer(&mut out);
        }
        Op::Pong => {
            let mut out = inner.out.lock();
            out.pings_out = 0;
            if out.stale_pongs > 0 {
                out.stale_pongs -= 1;
            } else if let Some(Some(waiter)) = out.pongs.pop_front() {
                waiter.complete(Ok(()));
            }
        }
        Op::Ok => {}
        Op::Err(text) => {
            let text = String::from_utf8_lossy(text).to_string();
            let lower = text.to_ascii_lowercase();
            if lower == "stale connection" {
                return Err(Error::new(Status::StaleConnection, text));
            }
            if lower.contains("permissions violation") {
                inner.post_error(None, Error::new(Status::NotPermitted, text));
                return Ok(());
            }
            if let Some(status) = auth_error(&text) {
                return Err(Error::new(status, text));
            }
            inner.post_error(None, Error::new(Status::Err, text.clone()));
            return Err(Error::new(Status::Err, text));
        }
        Op::Info(json) => {
            if let Ok(info) = ServerInfo::parse(json) {
                let mut st = inner.state.lock();
                if !info.connect_urls.is_empty() && !inner.opts.ignore_discovered_servers {
                    for u in &info.connect_urls {
                        if let Ok(url) = ServerUrl::parse(u) {
                            if !st.servers.iter().any(|s| s.host_port() == url.host_port()) {
                                st.servers.push(url);
                            }
                        }
                    }
                }
                if info.ldm {
                    drop(st);
                    post_conn_event(inner, inner.opts.lame_duck_cb.clone());
                }
            }
        }
    }
    Ok(())
}
