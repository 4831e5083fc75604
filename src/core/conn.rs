//! The connection: shared state, publishing, subscribing, flushing and
//! closing. Socket I/O lives in `io.rs`, request/reply in `request.rs`.

use std::collections::VecDeque;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::events::{self, Event};
use super::info::ServerInfo;
use super::message::Message;
use super::options::Options;
use super::request::RespMux;
use super::status::{Error, Result, Status};
use super::sub::{Closed, MessageHandler, SubInner, Subscription};
use super::url::{self, ServerUrl};

/// Outbound bytes a connected client may queue before publishers wait for
/// the socket. Kept small so the two alternating write buffers stay
/// allocated: larger buffers were freed and re-faulted on every swap, which
/// cost more than the waits (1 KiB publishes ran at 1.4M/s with 32 MiB and
/// 2.5M/s with 1 MiB on a 2-core machine).
const MAX_OUTBOUND_WHILE_CONNECTED: usize = 1024 * 1024;

/// Maximum time `close` waits for buffered data to reach the socket.
const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// State a delivery thread keeps about the publishes of its current callback.
struct CallbackPublishes {
    /// Connections the callback published on; their data is written out
    /// when the callback returns.
    conns: Vec<Arc<ConnInner>>,
    /// Set while a callback runs with nothing queued behind its message,
    /// until its first publish: that publish is written from the callback
    /// thread itself, which saves waking the writer task for a reply.
    direct: bool,
}

thread_local! {
    /// `None` on threads that are not delivery threads.
    static CALLBACK_PUBLISHES: std::cell::RefCell<Option<CallbackPublishes>> =
        const { std::cell::RefCell::new(None) };
}

/// Sending mode of a publish made on a delivery thread.
enum CallbackPublish {
    /// Not a delivery thread: wake the writer task.
    NotCallback,
    /// The callback's first publish with nothing queued: write it now.
    Direct,
    /// Wake the writer task; the data is also written when the callback returns.
    Noted,
}

/// Marks the current thread as a delivery thread, whose publishes are
/// written out when its callback returns.
pub(crate) fn mark_callback_thread() {
    CALLBACK_PUBLISHES.with(|c| {
        *c.borrow_mut() = Some(CallbackPublishes {
            conns: Vec::new(),
            direct: false,
        })
    });
}

/// Lets the next publish of the current delivery callback write to the
/// socket itself when `allow` is true; called around each callback.
pub(crate) fn allow_direct_publish(allow: bool) {
    CALLBACK_PUBLISHES.with(|c| {
        if let Some(st) = c.borrow_mut().as_mut() {
            st.direct = allow;
        }
    });
}

fn note_callback_publish(conn: &Arc<ConnInner>) -> CallbackPublish {
    CALLBACK_PUBLISHES.with(|c| match c.borrow_mut().as_mut() {
        None => CallbackPublish::NotCallback,
        Some(st) => {
            if std::mem::take(&mut st.direct) {
                return CallbackPublish::Direct;
            }
            if !st.conns.iter().any(|known| Arc::ptr_eq(known, conn)) {
                st.conns.push(conn.clone());
            }
            CallbackPublish::Noted
        }
    })
}

/// Writes out what the current delivery callback published.
pub(crate) fn flush_callback_publishes() {
    let conns = CALLBACK_PUBLISHES.with(|c| c.borrow_mut().as_mut().map(|st| std::mem::take(&mut st.conns)));
    for conn in conns.into_iter().flatten() {
        let mut out = conn.out.lock();
        conn.write_now(&mut out);
    }
}

/// State of a connection, with cnats' numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    Disconnected = 0,
    Connecting = 1,
    Connected = 2,
    Closed = 3,
    Reconnecting = 4,
    DrainingSubs = 5,
    DrainingPubs = 6,
}

/// Counters of a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub reconnects: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) in_msgs: AtomicU64,
    pub(crate) in_bytes: AtomicU64,
    pub(crate) out_msgs: AtomicU64,
    pub(crate) out_bytes: AtomicU64,
    pub(crate) reconnects: AtomicU64,
}

/// A thread waiting for the PONG that replies to its PING.
pub(crate) struct PongWaiter {
    done: Mutex<Option<Result<()>>>,
    cond: Condvar,
}

impl PongWaiter {
    fn new() -> Arc<PongWaiter> {
        Arc::new(PongWaiter {
            done: Mutex::new(None),
            cond: Condvar::new(),
        })
    }

    pub(crate) fn complete(&self, result: Result<()>) {
        let mut done = self.done.lock();
        if done.is_none() {
            *done = Some(result);
        }
        self.cond.notify_all();
    }
}

/// Bytes waiting for the socket and the bookkeeping that must change with
/// them under one lock.
pub(crate) struct Outbound {
    pub(crate) buf: Vec<u8>,
    /// One entry per PING sent or buffered, oldest first; `None` for PINGs
    /// of the keep-alive timer.
    pub(crate) pongs: VecDeque<Option<Arc<PongWaiter>>>,
    /// Offsets in `buf` of the PINGs not yet handed to the socket.
    pub(crate) ping_offsets: Vec<usize>,
    /// PONGs to discard: replies to PINGs whose waiters were failed when
    /// the previous socket was lost.
    pub(crate) stale_pongs: usize,
    pub(crate) pings_out: i32,
    /// The writer has been woken and has not taken the buffer yet.
    pub(crate) signaled: bool,
    /// A socket is up and the handshake is done.
    pub(crate) connected: bool,
    /// Write half of the current socket, for writes from application
    /// threads; `None` while disconnected.
    pub(crate) socket: Option<Arc<tokio::net::tcp::OwnedWriteHalf>>,
    /// The writer task has taken a chunk it has not finished writing, so
    /// nothing else may write to the socket.
    pub(crate) writing: bool,
    pub(crate) closed: bool,
    /// A connection drain has reached its publishers: publishing fails.
    pub(crate) draining_pubs: bool,
    pub(crate) max_payload: i64,
    pub(crate) headers_supported: bool,
}

impl Outbound {
    /// Appends a PING and registers who waits for its PONG.
    pub(crate) fn push_ping(&mut self, waiter: Option<Arc<PongWaiter>>) {
        self.ping_offsets.push(self.buf.len());
        self.buf.extend_from_slice(b"PING\r\n");
        self.pongs.push_back(waiter);
    }

    /// Drops the first `n` bytes of `buf` after they reached the socket.
    fn consume(&mut self, n: usize) {
        if n >= self.buf.len() {
            self.buf.clear();
            self.ping_offsets.clear();
            return;
        }
        self.buf.drain(..n);
        self.ping_offsets.retain(|&offset| offset >= n);
        for offset in &mut self.ping_offsets {
            *offset -= n;
        }
    }
}

pub(crate) struct State {
    pub(crate) status: ConnStatus,
    pub(crate) info: ServerInfo,
    pub(crate) url: Option<ServerUrl>,
    pub(crate) pool: super::pool::ServerPool,
    /// Local address of the current socket.
    pub(crate) local_addr: Option<std::net::SocketAddr>,
    pub(crate) last_error: Option<(Status, CString)>,
    /// The I/O task has finished.
    pub(crate) io_done: bool,
}

pub(crate) struct ConnInner {
    pub(crate) opts: Options,
    pub(crate) state: Mutex<State>,
    pub(crate) state_cond: Condvar,
    pub(crate) out: Mutex<Outbound>,
    pub(crate) out_cond: Condvar,
    pub(crate) writer_wake: tokio::sync::Notify,
    pub(crate) close_wake: tokio::sync::Notify,
    /// The server sent an error that closes the connection for good.
    pub(crate) fatal_server_error: std::sync::atomic::AtomicBool,
    /// Asks the I/O task to drop the socket and reconnect.
    pub(crate) force_reconnect: tokio::sync::Notify,
    /// Subscriptions by id. Ids are small sequential integers, so a
    /// multiplicative hash serves better than the default SipHash.
    pub(crate) subs: Mutex<rustc_hash::FxHashMap<u64, Arc<SubInner>>>,
    next_sid: AtomicU64,
    pub(crate) resp: RespMux,
    pub(crate) counters: Counters,
    name_c: Option<CString>,
    /// State of the event loop mode, unused without an event loop.
    pub(crate) evloop: super::evloop::LoopState,
    /// Counts this connection as live for `nats_CloseAndWait`.
    _token: super::lifecycle::ConnectionToken,
    /// Abort handle of the I/O task, used when a close cannot flush in time.
    pub(crate) io_task: Mutex<Option<tokio::task::AbortHandle>>,
}

/// A connection handle; clones share one connection.
#[derive(Clone)]
pub struct Connection {
    pub(crate) inner: Arc<ConnInner>,
}

/// Rejects subjects the protocol cannot carry: empty ones and ones with
/// whitespace, which would split the protocol line.
pub(crate) fn check_publish_subject(subject: &str) -> Result<()> {
    if subject.is_empty() {
        return Err(Error::new(Status::InvalidSubject, "subject must not be empty"));
    }
    if subject.bytes().any(|b| b == b' ' || b == b'\t' || b == b'\r' || b == b'\n') {
        return Err(Error::new(
            Status::InvalidSubject,
            format!("subject '{}' contains whitespace", subject.escape_default()),
        ));
    }
    Ok(())
}

/// Rejects subscription subjects with empty tokens or misplaced `>`, on
/// top of the publish checks.
pub(crate) fn check_subscribe_subject(subject: &str) -> Result<()> {
    let bytes = subject.as_bytes();
    if bytes.is_empty() {
        return check_publish_subject(subject);
    }
    // One pass: whitespace anywhere, empty tokens, and '>' other than as
    // the whole last token.
    let mut token_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => return check_publish_subject(subject),
            b'.' => {
                if i == token_start {
                    return Err(empty_token(subject));
                }
                token_start = i + 1;
            }
            b'>' if i != token_start || i + 1 != bytes.len() => {
                return Err(Error::new(
                    Status::InvalidSubject,
                    format!("subject '{subject}' may only use '>' as its last token"),
                ));
            }
            _ => {}
        }
    }
    if token_start == bytes.len() {
        return Err(empty_token(subject));
    }
    Ok(())
}

fn empty_token(subject: &str) -> Error {
    Error::new(Status::InvalidSubject, format!("subject '{subject}' has an empty token"))
}

fn check_queue_group(queue: &str) -> Result<()> {
    if queue.is_empty() {
        return Err(Error::new(Status::InvalidArg, "queue group must not be empty"));
    }
    if queue.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(Error::new(
            Status::InvalidQueueName,
            format!("queue group '{}' contains whitespace", queue.escape_default()),
        ));
    }
    Ok(())
}

fn write_decimal(out: &mut Vec<u8>, n: usize) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(n).as_bytes());
}

impl ConnInner {
    pub(crate) fn new(opts: Options, servers: Vec<ServerUrl>) -> Arc<ConnInner> {
        let name_c = opts.name.as_deref().and_then(|n| CString::new(n).ok());
        Arc::new(ConnInner {
            state: Mutex::new(State {
                status: ConnStatus::Connecting,
                info: ServerInfo::default(),
                url: None,
                pool: super::pool::ServerPool::new(servers),
                local_addr: None,
                last_error: None,
                io_done: false,
            }),
            state_cond: Condvar::new(),
            out: Mutex::new(Outbound {
                buf: Vec::new(),
                pongs: VecDeque::new(),
                ping_offsets: Vec::new(),
                stale_pongs: 0,
                pings_out: 0,
                signaled: false,
                connected: false,
                socket: None,
                writing: false,
                closed: false,
                draining_pubs: false,
                max_payload: 0,
                headers_supported: false,
            }),
            out_cond: Condvar::new(),
            writer_wake: tokio::sync::Notify::new(),
            close_wake: tokio::sync::Notify::new(),
            force_reconnect: tokio::sync::Notify::new(),
            fatal_server_error: std::sync::atomic::AtomicBool::new(false),
            subs: Mutex::new(rustc_hash::FxHashMap::default()),
            next_sid: AtomicU64::new(1),
            resp: RespMux::new(&opts.inbox_prefix),
            counters: Counters::default(),
            name_c,
            io_task: Mutex::new(None),
            _token: super::lifecycle::ConnectionToken::new(),
            evloop: Default::default(),
            opts,
        })
    }

    /// Wakes the writer unless it is already due to run.
    #[inline]
    pub(crate) fn kick_writer(&self, out: &mut Outbound) {
        if !out.signaled {
            out.signaled = true;
            self.writer_wake.notify_one();
        }
    }

    /// Writes the buffer to the socket from the calling thread when the
    /// writer task is idle, so a request or flush does not wait for the
    /// task to be scheduled. What the socket does not take is left to the
    /// writer task.
    pub(crate) fn write_now(&self, out: &mut Outbound) {
        if !out.writing && !out.buf.is_empty() {
            if let Some(socket) = out.socket.clone() {
                // On would-block or failure the writer task retries, and a
                // failure surfaces through the reader or its own write.
                if let Ok(n) = socket.try_write(&out.buf) {
                    out.consume(n);
                }
            }
        }
        if !out.buf.is_empty() {
            self.kick_writer(out);
        }
    }

    /// Waits while the connected outbound buffer is over its limit.
    fn wait_for_room(&self, out: &mut parking_lot::MutexGuard<'_, Outbound>) -> Result<()> {
        if out.connected {
            while out.buf.len() >= MAX_OUTBOUND_WHILE_CONNECTED && out.connected && !out.closed {
                self.kick_writer(out);
                self.out_cond.wait_for(out, Duration::from_millis(100));
            }
        } else if !out.closed && out.buf.len() >= self.opts.reconnect_buf_size {
            return Err(Error::new(
                Status::InsufficientBuffer,
                format!(
                    "reconnect buffer of {} bytes is full",
                    self.opts.reconnect_buf_size
                ),
            ));
        }
        if out.closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        Ok(())
    }

    /// Appends one PUB or HPUB to the outbound buffer.
    pub(crate) fn publish_raw(
        self: &Arc<Self>,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        data: &[u8],
        write_now: bool,
    ) -> Result<()> {
        check_publish_subject(subject)?;
        if let Some(r) = reply {
            if !r.is_empty() {
                check_publish_subject(r)?;
            }
        }
        let reply = reply.filter(|r| !r.is_empty());
        let hdr_len = headers.map_or(0, <[u8]>::len);
        let total = hdr_len + data.len();
        let mut out = self.out.lock();
        if out.closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        if out.draining_pubs {
            return Err(Error::new(Status::Draining, "the connection is draining its publishers"));
        }
        if out.max_payload > 0 && total as i64 > out.max_payload {
            return Err(Error::new(
                Status::MaxPayload,
                format!(
                    "Payload {} greater than maximum allowed: {}",
                    total, out.max_payload
                ),
            ));
        }
        if headers.is_some() && out.connected && !out.headers_supported {
            return Err(Error::new(
                Status::NoServerSupport,
                "the server does not support message headers",
            ));
        }
        self.wait_for_room(&mut out)?;
        let buf = &mut out.buf;
        buf.reserve(subject.len() + reply.map_or(0, str::len) + total + 32);
        buf.extend_from_slice(if headers.is_some() { b"HPUB " } else { b"PUB " });
        buf.extend_from_slice(subject.as_bytes());
        buf.push(b' ');
        if let Some(r) = reply {
            buf.extend_from_slice(r.as_bytes());
            buf.push(b' ');
        }
        if let Some(h) = headers {
            write_decimal(buf, h.len());
            buf.push(b' ');
        }
        write_decimal(buf, total);
        buf.extend_from_slice(b"\r\n");
        if let Some(h) = headers {
            buf.extend_from_slice(h);
        }
        buf.extend_from_slice(data);
        buf.extend_from_slice(b"\r\n");
        if write_now || self.opts.send_asap {
            self.write_now(&mut out);
        } else if let CallbackPublish::Direct = note_callback_publish(self) {
            self.write_now(&mut out);
        } else {
            self.kick_writer(&mut out);
        }
        drop(out);
        self.counters.out_msgs.fetch_add(1, Ordering::Relaxed);
        self.counters.out_bytes.fetch_add(total as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Appends a protocol line when connected; while disconnected the line
    /// is dropped because the reconnect resends the subscriptions.
    pub(crate) fn send_proto_if_connected(&self, line: &[u8]) -> Result<()> {
        self.send_proto_parts_if_connected(&[line])
    }

    /// Like [`ConnInner::send_proto_if_connected`] for a line given in
    /// parts, which are copied straight into the outbound buffer.
    pub(crate) fn send_proto_parts_if_connected(&self, parts: &[&[u8]]) -> Result<()> {
        let mut out = self.out.lock();
        if out.closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        if out.connected {
            for part in parts {
                out.buf.extend_from_slice(part);
            }
            self.kick_writer(&mut out);
        }
        Ok(())
    }

    pub(crate) fn remove_sub(&self, sid: u64) -> Option<Arc<SubInner>> {
        self.subs.lock().remove(&sid)
    }

    pub(crate) fn unsubscribe(&self, sub: &Arc<SubInner>, max: u64) -> Result<()> {
        if self.out.lock().closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        {
            let mut st = sub.state.lock();
            if st.closed != Closed::Open {
                return Err(Error::new(
                    Status::InvalidSubscription,
                    "subscription is no longer valid",
                ));
            }
            // As in cnats, the limit counts messages handed to the
            // application, so those already queued are still delivered.
            if max > 0 && st.delivered() < max {
                st.max = max;
                drop(st);
                let mut sid_text = itoa::Buffer::new();
                let mut max_text = itoa::Buffer::new();
                return self.send_proto_parts_if_connected(&[
                    b"UNSUB ",
                    sid_text.format(sub.sid).as_bytes(),
                    b" ",
                    max_text.format(max).as_bytes(),
                    b"\r\n",
                ]);
            }
        }
        let reason = if max > 0 { Closed::MaxDelivered } else { Closed::Unsubscribed };
        self.remove_sub(sub.sid);
        sub.close(reason);
        let mut sid_text = itoa::Buffer::new();
        self.send_proto_parts_if_connected(&[b"UNSUB ", sid_text.format(sub.sid).as_bytes(), b"\r\n"])
    }

    pub(crate) fn subscribe(
        self: &Arc<Self>,
        subject: &str,
        queue: Option<&str>,
        handler: Option<MessageHandler>,
        idle_timeout: Option<Duration>,
    ) -> Result<Subscription> {
        self.subscribe_ext(subject, queue, handler, idle_timeout, None)
    }

    /// Like [`ConnInner::subscribe`], with the JetStream state of a
    /// JetStream subscription. The state is in place before the SUB goes out.
    pub(crate) fn subscribe_ext(
        self: &Arc<Self>,
        subject: &str,
        queue: Option<&str>,
        handler: Option<MessageHandler>,
        idle_timeout: Option<Duration>,
        js: Option<Arc<crate::core::js::jssub::JsSub>>,
    ) -> Result<Subscription> {
        check_subscribe_subject(subject)?;
        if let Some(q) = queue {
            check_queue_group(q)?;
        }
        if self.out.lock().closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        if matches!(
            self.state.lock().status,
            ConnStatus::DrainingSubs | ConnStatus::DrainingPubs
        ) {
            return Err(Error::new(Status::Draining, "the connection is draining"));
        }
        let sid = self.next_sid.fetch_add(1, Ordering::Relaxed);
        let is_async = handler.is_some();
        // Subscriptions with an idle timeout keep their own thread, which
        // measures the idle time.
        let use_pool = is_async && idle_timeout.is_none() && self.opts.global_delivery;
        let worker = if use_pool {
            Some(super::delivery::pool_worker()?)
        } else {
            None
        };
        let inner = SubInner::new(
            sid,
            subject,
            queue,
            self.clone(),
            handler,
            worker,
            idle_timeout,
            self.opts.max_pending_msgs,
            self.opts.pending_bytes_limit(),
            js,
        )?;
        let sub = Subscription::from_inner(inner.clone());
        if is_async && !use_pool {
            super::delivery::start_thread(&sub)?;
        }
        self.subs.lock().insert(sid, inner);
        let mut sid_text = itoa::Buffer::new();
        let sid_text = sid_text.format(sid).as_bytes();
        let sent = match queue {
            Some(q) => self.send_proto_parts_if_connected(&[
                b"SUB ",
                subject.as_bytes(),
                b" ",
                q.as_bytes(),
                b" ",
                sid_text,
                b"\r\n",
            ]),
            None => self.send_proto_parts_if_connected(&[b"SUB ", subject.as_bytes(), b" ", sid_text, b"\r\n"]),
        };
        if let Err(e) = sent {
            self.remove_sub(sid);
            sub.inner.close(Closed::ConnectionClosed);
            return Err(e);
        }
        Ok(sub)
    }

    /// Sends a PING and waits for its PONG.
    pub(crate) fn flush(&self, timeout: Duration) -> Result<()> {
        let waiter = PongWaiter::new();
        {
            let mut out = self.out.lock();
            if out.closed {
                return Err(Error::from_status(Status::ConnectionClosed));
            }
            out.push_ping(Some(waiter.clone()));
            self.write_now(&mut out);
        }
        let deadline = Instant::now() + timeout;
        let mut done = waiter.done.lock();
        while done.is_none() {
            if waiter.cond.wait_until(&mut done, deadline).timed_out() && done.is_none() {
                return Err(Error::new(Status::Timeout, "timed out waiting for the flush PONG"));
            }
        }
        done.take().unwrap_or(Ok(()))
    }

    /// Fails every flush waiter; PINGs still buffered are answered after a
    /// reconnect and their PONGs discarded.
    pub(crate) fn fail_pongs(out: &mut Outbound, status: Status) {
        for waiter in out.pongs.drain(..).flatten() {
            waiter.complete(Err(Error::from_status(status)));
        }
        out.stale_pongs = out.ping_offsets.len();
        out.pings_out = 0;
    }

    pub(crate) fn set_last_error(&self, error: &Error) {
        let text = CString::new(error.text.replace('\0', " ")).unwrap_or_default();
        self.state.lock().last_error = Some((error.status, text));
    }

    pub(crate) fn post_error(self: &Arc<Self>, sub: Option<&Arc<SubInner>>, error: Error) {
        self.set_last_error(&error);
        // Without a handler of its own the application gets cnats' default
        // one, which prints the error to stderr.
        let cb = self.opts.error_cb.clone().unwrap_or_else(|| Arc::new(print_async_error));
        events::post(Event::Error {
            conn: Connection::from_inner(self.clone()),
            sub: sub.map(|s| Subscription::from_inner(s.clone())),
            error,
            cb,
        });
    }

    /// Closes the connection: flushes what it can, stops the I/O task,
    /// closes every subscription and posts the closed callback.
    pub(crate) fn close(self: &Arc<Self>) {
        {
            let mut out = self.out.lock();
            if out.closed {
                return;
            }
            out.closed = true;
            Self::fail_pongs(&mut out, Status::ConnectionClosed);
            self.out_cond.notify_all();
        }
        let was_connected = {
            let mut st = self.state.lock();
            let was = st.status == ConnStatus::Connected;
            st.status = ConnStatus::Closed;
            was
        };
        self.close_wake.notify_one();
        self.writer_wake.notify_one();
        // Wait for the I/O task to write out the buffer and exit.
        {
            let deadline = Instant::now() + CLOSE_FLUSH_TIMEOUT;
            let mut st = self.state.lock();
            while !st.io_done {
                if self.state_cond.wait_until(&mut st, deadline).timed_out() {
                    break;
                }
            }
        }
        if let Some(task) = self.io_task.lock().take() {
            task.abort();
        }
        super::evloop::detach(self);
        let subs: Vec<Arc<SubInner>> = self.subs.lock().drain().map(|(_, s)| s).collect();
        for sub in subs {
            sub.close(Closed::ConnectionClosed);
        }
        self.resp.close();
        if was_connected {
            if let Some(cb) = self.opts.disconnected_cb.clone() {
                events::post(Event::Connection {
                    conn: Connection::from_inner(self.clone()),
                    cb,
                });
            }
        }
        if let Some(cb) = self.opts.closed_cb.clone() {
            events::post(Event::Connection {
                conn: Connection::from_inner(self.clone()),
                cb,
            });
        }
    }

    pub(crate) fn set_status(&self, status: ConnStatus) {
        let mut st = self.state.lock();
        if st.status != ConnStatus::Closed {
            st.status = status;
        }
        self.state_cond.notify_all();
    }
}

impl Connection {
    pub(crate) fn from_inner(inner: Arc<ConnInner>) -> Connection {
        Connection { inner }
    }

    /// Connects with `opts`, blocking until connected or failed.
    pub fn connect(opts: &Options) -> Result<Connection> {
        if opts.token.is_some() && opts.token_handler.is_some() {
            return Err(Error::new(
                Status::IllegalState,
                "a token and a token handler cannot both be set",
            ));
        }
        let mut servers = Vec::new();
        for s in &opts.servers {
            servers.push(ServerUrl::parse(s)?);
        }
        if !opts.no_randomize && servers.len() > 1 {
            shuffle(&mut servers);
        }
        if let Some(list) = &opts.url {
            // The URL set with SetURL goes first, ahead of the SetServers ones.
            let parsed = url::parse_list(list)?;
            servers.splice(0..0, parsed);
        }
        if servers.is_empty() {
            servers.push(ServerUrl::parse(super::DEFAULT_URL)?);
        }
        if opts.token_handler.is_some()
            && servers.iter().any(|u| u.user.is_some() && u.password.is_none())
        {
            return Err(Error::new(
                Status::IllegalState,
                "a token in the URL and a token handler cannot both be used",
            ));
        }
        let inner = ConnInner::new(opts.clone(), servers);
        super::connect::connect(&inner)?;
        Ok(Connection { inner })
    }

    /// Connects to a comma-separated list of URLs with default options.
    pub fn connect_to(urls: &str) -> Result<Connection> {
        let opts = Options {
            url: Some(urls.to_string()),
            ..Options::default()
        };
        Connection::connect(&opts)
    }

    /// Publishes `data` on `subject`.
    #[inline]
    pub fn publish(&self, subject: &str, data: &[u8]) -> Result<()> {
        self.inner.publish_raw(subject, None, None, data, false)
    }

    /// Publishes `data` on `subject` with a reply subject.
    pub fn publish_request(&self, subject: &str, reply: &str, data: &[u8]) -> Result<()> {
        self.inner.publish_raw(subject, Some(reply), None, data, false)
    }

    /// Publishes a message, with its headers if it has any.
    pub fn publish_msg(&self, msg: &Message) -> Result<()> {
        let headers = msg.wire_headers();
        self.inner
            .publish_raw(msg.subject(), msg.reply(), headers.as_deref(), msg.data(), false)
    }

    /// Publishes and writes to the socket before returning when the writer
    /// is idle, for lower latency than [`Connection::publish`]. Order with
    /// earlier publishes is kept.
    pub fn send(&self, subject: &str, reply: Option<&str>, data: &[u8]) -> Result<()> {
        self.inner.publish_raw(subject, reply, None, data, true)
    }

    /// Like [`Connection::send`] for a message with its headers.
    pub fn send_msg(&self, msg: &Message) -> Result<()> {
        let headers = msg.wire_headers();
        self.inner
            .publish_raw(msg.subject(), msg.reply(), headers.as_deref(), msg.data(), true)
    }

    /// Creates an asynchronous subscription whose handler runs on its own thread.
    pub fn subscribe(&self, subject: &str, handler: MessageHandler) -> Result<Subscription> {
        self.inner.subscribe(subject, None, Some(handler), None)
    }

    /// Creates an asynchronous subscription, optionally in a queue group,
    /// whose handler also runs with `None` after `idle_timeout` without
    /// messages.
    pub fn subscribe_with_timeout(
        &self,
        subject: &str,
        queue: Option<&str>,
        idle_timeout: Duration,
        handler: MessageHandler,
    ) -> Result<Subscription> {
        self.inner.subscribe(subject, queue, Some(handler), Some(idle_timeout))
    }

    /// Creates a synchronous subscription read with `next_msg`.
    pub fn subscribe_sync(&self, subject: &str) -> Result<Subscription> {
        self.inner.subscribe(subject, None, None, None)
    }

    /// Creates an asynchronous queue subscription.
    pub fn queue_subscribe(
        &self,
        subject: &str,
        queue: &str,
        handler: MessageHandler,
    ) -> Result<Subscription> {
        self.inner.subscribe(subject, Some(queue), Some(handler), None)
    }

    /// Creates a synchronous queue subscription.
    pub fn queue_subscribe_sync(&self, subject: &str, queue: &str) -> Result<Subscription> {
        self.inner.subscribe(subject, Some(queue), None, None)
    }

    /// Sends a PING and waits up to `timeout` for the server's PONG.
    pub fn flush_timeout(&self, timeout: Duration) -> Result<()> {
        self.inner.flush(timeout)
    }

    /// Sends a request and waits up to `timeout` for the reply.
    pub fn request(&self, subject: &str, data: &[u8], timeout: Duration) -> Result<Message> {
        super::request::request(&self.inner, subject, None, data, timeout)
    }

    /// Sends a request message (with its headers) and waits for the reply.
    pub fn request_msg(&self, msg: &Message, timeout: Duration) -> Result<Message> {
        let headers = msg.wire_headers();
        super::request::request(&self.inner, msg.subject(), headers.as_deref(), msg.data(), timeout)
    }

    /// Drops the current socket and reconnects, as if the server had
    /// gone away. Fails when the connection is closed or may not reconnect.
    pub fn reconnect(&self) -> Result<()> {
        if self.is_closed() {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        if !self.inner.opts.allow_reconnect {
            return Err(Error::new(
                Status::IllegalState,
                "reconnect is not allowed by the connection's options",
            ));
        }
        self.inner.force_reconnect.notify_one();
        Ok(())
    }

    /// URLs of every server in the pool, without credentials; still
    /// available once the connection is closed.
    pub fn servers(&self) -> Result<Vec<String>> {
        Ok(self.inner.state.lock().pool.urls(false))
    }

    /// URLs of the servers learned from the cluster.
    pub fn discovered_servers(&self) -> Result<Vec<String>> {
        Ok(self.inner.state.lock().pool.urls(true))
    }

    /// Round-trip time to the server, measured with a PING.
    pub fn rtt(&self) -> Result<Duration> {
        let start = Instant::now();
        self.inner.flush(super::options::DEFAULT_TIMEOUT * 5)?;
        Ok(start.elapsed())
    }

    /// The client's IP address as the server reports it.
    pub fn client_ip(&self) -> Result<String> {
        if self.is_closed() {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        let st = self.inner.state.lock();
        if st.info.client_ip.is_empty() {
            return Err(Error::new(Status::NotFound, "the server did not report the client IP"));
        }
        Ok(st.info.client_ip.clone())
    }

    /// Local address and port of the socket.
    pub fn local_addr(&self) -> Result<std::net::SocketAddr> {
        if self.is_closed() {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        let st = self.inner.state.lock();
        if st.status != ConnStatus::Connected {
            return Err(Error::from_status(Status::ConnectionDisconnected));
        }
        st.local_addr
            .ok_or_else(|| Error::new(Status::NotFound, "local address unknown"))
    }

    /// Signs `data` with the NKey or user credentials of the options.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        let opts = &self.inner.opts;
        // Like cnats, only credentials whose seed the library holds can
        // sign; with application signing callbacks it is the
        // application's job.
        match (&opts.user_credentials, &opts.nkey) {
            (Some(super::auth::UserCredentials::Callbacks { .. }), _)
            | (None, Some(super::auth::NKeyAuth::Callback { .. })) => {
                return Err(Error::new(
                    Status::Err,
                    "the connection signs through an application callback and holds no seed to sign with",
                ))
            }
            (Some(creds), _) => return creds.sign(data),
            (None, Some(nkey)) => return nkey.sign(data),
            (None, None) => {}
        }
        Err(Error::new(
            Status::InvalidArg,
            "the connection has no NKey or user credentials to sign with",
        ))
    }

    /// Whether the server supports headers.
    pub fn headers_supported(&self) -> bool {
        self.inner.out.lock().headers_supported
    }

    /// Closes the connection. Calling it again does nothing.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.inner.out.lock().closed
    }

    /// Current state.
    pub fn status(&self) -> ConnStatus {
        self.inner.state.lock().status
    }

    /// Whether a reconnect is in progress.
    pub fn is_reconnecting(&self) -> bool {
        self.status() == ConnStatus::Reconnecting
    }

    /// Bytes buffered and not yet written to the socket.
    pub fn buffered(&self) -> usize {
        self.inner.out.lock().buf.len()
    }

    /// The server's maximum payload, 0 before the first connect.
    pub fn max_payload(&self) -> i64 {
        self.inner.out.lock().max_payload
    }

    /// Counters of the connection.
    pub fn stats(&self) -> Statistics {
        let c = &self.inner.counters;
        Statistics {
            in_msgs: c.in_msgs.load(Ordering::Relaxed),
            in_bytes: c.in_bytes.load(Ordering::Relaxed),
            out_msgs: c.out_msgs.load(Ordering::Relaxed),
            out_bytes: c.out_bytes.load(Ordering::Relaxed),
            reconnects: c.reconnects.load(Ordering::Relaxed),
        }
    }

    /// URL of the server currently connected to, without credentials.
    pub fn connected_url(&self) -> Option<String> {
        let st = self.inner.state.lock();
        if st.status != ConnStatus::Connected {
            return None;
        }
        st.url.as_ref().map(|u| u.full.clone())
    }

    /// Id of the server currently connected to.
    pub fn connected_server_id(&self) -> Option<String> {
        let st = self.inner.state.lock();
        if st.status != ConnStatus::Connected {
            return None;
        }
        Some(st.info.server_id.clone())
    }

    /// Client id the server assigned.
    pub fn client_id(&self) -> u64 {
        self.inner.state.lock().info.client_id
    }

    /// Last asynchronous error of the connection.
    pub fn last_error(&self) -> Option<(Status, CString)> {
        self.inner.state.lock().last_error.clone()
    }

    /// Connection name set in the options, NUL-terminated.
    pub fn name_c(&self) -> Option<&std::ffi::CStr> {
        self.inner.name_c.as_deref()
    }

    /// Identity of the shared connection, stable while any handle lives.
    pub fn as_ptr(&self) -> *const () {
        Arc::as_ptr(&self.inner) as *const ()
    }

    /// Leaks one reference for a foreign owner.
    pub fn into_raw(self) -> *const () {
        Arc::into_raw(self.inner) as *const ()
    }

    /// Takes back a reference leaked by [`Connection::into_raw`].
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` and be used once.
    pub unsafe fn from_raw(ptr: *const ()) -> Connection {
        Connection {
            inner: Arc::from_raw(ptr as *const ConnInner),
        }
    }

    /// Borrows a leaked reference as a new handle without taking it over.
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` and still be owned by the caller.
    pub unsafe fn clone_from_raw(ptr: *const ()) -> Connection {
        let inner = ptr as *const ConnInner;
        Arc::increment_strong_count(inner);
        Connection {
            inner: Arc::from_raw(inner),
        }
    }
}

/// Prints an asynchronous error the way cnats' default error handler does:
/// `Error 20 - Slow Consumer, messages dropped on connection [7] on "subject"`.
fn print_async_error(conn: &Connection, sub: Option<&Subscription>, error: &Error) {
    let status = error.status;
    let cid = conn.client_id();
    match sub {
        Some(s) => eprintln!(
            "Error {} - {} on connection [{cid}] on \"{}\"",
            status as i32,
            status.text(),
            s.subject()
        ),
        None => eprintln!("Error {} - {} on connection [{cid}]", status as i32, status.text()),
    }
}

/// Shuffles the server pool with a clock-seeded xorshift: the order only
/// needs to spread clients over servers, not to be unpredictable.
pub(crate) fn shuffle<T>(servers: &mut [T]) {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x9E37_79B9_7F4A_7C15)
        | 1;
    for i in (1..servers.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        servers.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_checks() {
        assert!(check_publish_subject("foo.bar").is_ok());
        assert_eq!(check_publish_subject("").unwrap_err().status, Status::InvalidSubject);
        assert_eq!(check_publish_subject("a b").unwrap_err().status, Status::InvalidSubject);
        assert!(check_subscribe_subject("foo.*.>").is_ok());
        assert!(check_subscribe_subject("foo..bar").is_err());
        assert!(check_subscribe_subject("foo.>.bar").is_err());
        assert!(check_subscribe_subject("foo.").is_err());
        assert!(check_subscribe_subject(".foo").is_err());
        assert!(check_subscribe_subject(">").is_ok());
        assert!(check_subscribe_subject("*").is_ok());
        assert!(check_subscribe_subject("foo.a>b").is_err());
        assert!(check_subscribe_subject("foo.>x").is_err());
        assert!(check_subscribe_subject("foo.>.").is_err());
        assert!(check_subscribe_subject("").is_err());
        assert!(check_subscribe_subject("foo bar").is_err());
        assert!(check_subscribe_subject("foo.\tbar").is_err());
    }
}
