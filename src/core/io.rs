//! Serving one socket: the reader, the writer and the keep-alive PINGs,
//! all on the shared runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, WriteHalf};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use super::stream::Stream;

use super::conn::{ConnInner, Connection};
use super::connect::{auth_error, io_error, post_conn_event, Established};
use super::info::ServerInfo;
use super::message::Message;
use super::parser::{self, Op};
use super::status::{Error, Result, Status};
use super::sub::{Offer, SubInner};

/// Initial capacity of the writer's spare buffer.
const WRITE_CHUNK_HINT: usize = 64 * 1024;

/// Spare buffers above this capacity (grown by one huge publish) are
/// released instead of kept for the next swap.
const MAX_SPARE_CAPACITY: usize = 4 * 1024 * 1024;

/// Free buffer space below which the reader grows its buffer before the
/// next read.
const MIN_READ_ROOM: usize = 1024;

/// What ended a socket's life.
pub(crate) enum Ended {
    Closed,
    Failed(Error),
}

/// Runs one socket until it fails or the connection closes.
pub(crate) async fn serve(inner: &Arc<ConnInner>, est: Established) -> Ended {
    let Established {
        stream, leftover, ..
    } = est;
    let result = match stream {
        Stream::Plain(tcp) if inner.opts.event_loop.is_some() => {
            let (reader, writer) = tcp.into_split();
            let writer = Arc::new(writer);
            inner.out.lock().socket = Some(writer.clone());
            run_with_event_loop(inner, reader, Writer::Plain(writer), leftover).await
        }
        Stream::Plain(tcp) => {
            let (reader, writer) = tcp.into_split();
            let writer = Arc::new(writer);
            inner.out.lock().socket = Some(writer.clone());
            run_socket(inner, reader, Writer::Plain(writer), leftover).await
        }
        Stream::Tls(tls) => {
            let (reader, writer) = tokio::io::split(*tls);
            run_socket(inner, reader, Writer::Tls(writer), leftover).await
        }
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

async fn run_socket(
    inner: &Arc<ConnInner>,
    reader: impl AsyncRead + Unpin,
    writer: Writer,
    leftover: Vec<u8>,
) -> Result<()> {
    tokio::select! {
        r = read_loop(inner, reader, leftover) => r,
        r = write_loop(inner, writer) => r,
        r = ping_loop(inner) => r,
        _ = inner.force_reconnect.notified() => Err(Error::new(
            Status::ConnectionDisconnected,
            "reconnect requested by the application",
        )),
    }
}

/// Serves a socket whose reads the application's event loop drives.
async fn run_with_event_loop(
    inner: &Arc<ConnInner>,
    reader: tokio::net::tcp::OwnedReadHalf,
    writer: Writer,
    leftover: Vec<u8>,
) -> Result<()> {
    let loop_reader = super::evloop::LoopReader::new(reader, leftover);
    let fd = loop_reader.fd();
    *inner.evloop.reader.lock() = Some(loop_reader);
    *inner.evloop.attached.lock() = true;
    let attached = if inner.evloop.pre_attached.swap(false, Ordering::Relaxed) {
        Ok(())
    } else {
        super::evloop::call(inner, move |l, conn, state| {
            l.attach(conn, fd, state)?;
            l.read(*state, true)
        })
        .await
    };
    let result = match attached {
        Err(e) => Err(e),
        Ok(()) => {
            // Bytes that arrived with the handshake are parsed now.
            Connection::from_inner(inner.clone()).process_read_event();
            tokio::select! {
                r = write_loop(inner, writer) => r,
                r = ping_loop(inner) => r,
                _ = inner.evloop.failed.notified() => Err(super::evloop::take_failure(inner)),
                _ = inner.force_reconnect.notified() => Err(Error::new(
                    Status::ConnectionDisconnected,
                    "reconnect requested by the application",
                )),
            }
        }
    };
    let _ = super::evloop::call(inner, |l, _, state| l.read(*state, false)).await;
    // Dropping the read half (with the write half) closes the socket.
    inner.evloop.reader.lock().take();
    result
}

/// The write side of a socket. Plain sockets are shared with application
/// threads for direct writes; TLS streams are written by the task only.
enum Writer {
    Plain(Arc<OwnedWriteHalf>),
    Tls(WriteHalf<SslStream<TcpStream>>),
}

impl Writer {
    async fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Writer::Plain(w) => write_all_shared(w, data).await,
            Writer::Tls(w) => {
                w.write_all(data).await?;
                w.flush().await
            }
        }
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

async fn write_loop(inner: &Arc<ConnInner>, mut writer: Writer) -> Result<()> {
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
        let deadline = inner.opts.write_deadline;
        let written = if deadline.is_zero() {
            writer.write_all(&spare).await
        } else {
            match tokio::time::timeout(deadline, writer.write_all(&spare)).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(Error::new(
                        Status::StaleConnection,
                        format!("write blocked for more than the write deadline of {deadline:?}"),
                    ))
                }
            }
        };
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
    mut reader: impl AsyncRead + Unpin,
    leftover: Vec<u8>,
) -> Result<()> {
    let size = inner.opts.io_buf_size.max(4096);
    // Reads go into the vector's spare capacity, which is never zeroed, so
    // an idle connection only touches the pages its few bytes land in.
    let mut buf = leftover;
    buf.reserve(size.saturating_sub(buf.len()));
    let mut batch = Batch::default();
    loop {
        if !buf.is_empty() {
            let parsed = parser::parse(&buf, |op| handle_op(inner, &mut batch, op));
            batch.finish();
            let consumed = parsed?;
            if consumed > 0 {
                buf.drain(..consumed);
            }
        }
        if buf.capacity() - buf.len() < MIN_READ_ROOM {
            // One operation is larger than the buffer: grow it.
            buf.reserve(buf.capacity().max(size));
        }
        let n = reader
            .read_buf(&mut buf)
            .await
            .map_err(|e| io_error("read failed", e))?;
        if n == 0 {
            return Err(Error::new(
                Status::ConnectionDisconnected,
                "connection closed by the server",
            ));
        }
    }
}

/// State the reader keeps across the operations of one read: the last
/// subscription looked up and the subscriptions to wake at the end.
#[derive(Default)]
pub(crate) struct Batch {
    last: Option<Arc<SubInner>>,
    wake: Vec<Arc<SubInner>>,
}

impl Batch {
    /// Returns the subscription `sid`, kept for the next message, without
    /// touching its reference count when it is the same as last time.
    fn lookup(&mut self, inner: &ConnInner, sid: u64) -> Option<&Arc<SubInner>> {
        if self.last.as_ref().is_none_or(|sub| sub.sid != sid) {
            self.last = inner.subs.lock().get(&sid).cloned();
        }
        self.last.as_ref()
    }

    pub(crate) fn finish(&mut self) {
        for sub in self.wake.drain(..) {
            sub.wake();
        }
        // Drop the cached subscription so an unsubscribed one is freed.
        self.last = None;
    }
}

pub(crate) fn handle_op(inner: &Arc<ConnInner>, batch: &mut Batch, op: Op<'_>) -> Result<()> {
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
            let msg = Message::from_parts_padded(subject, reply, headers, payload, inner.opts.message_padding);
            if sid == inner.resp.sid.load(Ordering::Relaxed) {
                inner.resp.deliver(msg);
                return Ok(());
            }
            if let Some(sub) = batch.lookup(inner, sid) {
                match sub.offer(msg) {
                    Offer::QueuedWake => {
                        let sub = sub.clone();
                        batch.wake.push(sub);
                    }
                    Offer::Dropped { first: true } => {
                        inner.post_error(Some(sub), Error::from_status(Status::SlowConsumer))
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
                // For example an expired user JWT: the handler hears why
                // before the reconnect attempts start.
                inner.post_error(None, Error::new(status, text.clone()));
                return Err(Error::new(status, text));
            }
            inner.fatal_server_error.store(true, Ordering::Relaxed);
            inner.post_error(None, Error::new(Status::Err, text.clone()));
            return Err(Error::new(Status::Err, text));
        }
        Op::Info(json) => {
            if let Ok(info) = ServerInfo::parse(json) {
                let added = {
                    let mut st = inner.state.lock();
                    let added = !inner.opts.ignore_discovered_servers
                        && st.pool.add_discovered(&info.connect_urls, !inner.opts.no_randomize);
                    if !info.client_ip.is_empty() {
                        st.info.client_ip.clone_from(&info.client_ip);
                    }
                    if info.max_payload > 0 {
                        st.info.max_payload = info.max_payload;
                        inner.out.lock().max_payload = info.max_payload;
                    }
                    added
                };
                if added {
                    post_conn_event(inner, inner.opts.discovered_servers_cb.clone());
                }
                if info.ldm {
                    post_conn_event(inner, inner.opts.lame_duck_cb.clone());
                }
            }
        }
    }
    Ok(())
}
