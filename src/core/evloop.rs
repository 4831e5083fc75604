//! External event loops (libuv, libevent): the application's loop polls
//! the socket and calls back into the library to read it. Writes, PINGs and
//! reconnects stay on the library's runtime.

use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::net::tcp::OwnedReadHalf;

use super::conn::{ConnInner, Connection};
use super::io::Batch;
use super::parser;
use super::status::{Error, Result, Status};

/// An event loop the application lends the library. `state` is the
/// connection's own value for the loop, set by `attach` and passed back to
/// every later call.
pub trait EventLoop: Send + Sync {
    /// Starts watching `fd` for `conn`, on the first connect and after each
    /// reconnect.
    fn attach(&self, conn: &Connection, fd: RawFd, state: &mut usize) -> Result<()>;
    /// Starts (`true`) or stops (`false`) read notifications.
    fn read(&self, state: usize, add: bool) -> Result<()>;
    /// Starts or stops write notifications.
    fn write(&self, state: usize, add: bool) -> Result<()>;
    /// Stops watching; the connection is closed.
    fn detach(&self, state: usize) -> Result<()>;
}

/// The read side of a socket driven by the application's loop.
pub(crate) struct LoopReader {
    reader: OwnedReadHalf,
    buf: Vec<u8>,
    batch: Batch,
    /// First failure seen, for the I/O task to act on.
    failed: Option<Error>,
}

/// Per-connection state of the event loop mode.
#[derive(Default)]
pub(crate) struct LoopState {
    pub(crate) reader: Mutex<Option<LoopReader>>,
    /// Signalled when a read from the loop failed.
    pub(crate) failed: tokio::sync::Notify,
    /// The loop has been attached at least once.
    pub(crate) attached: Mutex<bool>,
    /// The connection's value for the loop (see [`EventLoop`]).
    pub(crate) user_state: Mutex<usize>,
    /// The first socket was attached by the connecting thread already.
    pub(crate) pre_attached: std::sync::atomic::AtomicBool,
}

/// Bytes the reader makes room for before each read.
const READ_CHUNK: usize = 32 * 1024;

impl LoopReader {
    pub(crate) fn new(reader: OwnedReadHalf, leftover: Vec<u8>) -> LoopReader {
        LoopReader {
            reader,
            buf: leftover,
            batch: Batch::default(),
            failed: None,
        }
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.reader.as_ref().as_raw_fd()
    }

    /// Parses what is buffered. Returns an error that ends the socket.
    fn parse(&mut self, inner: &Arc<ConnInner>) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let batch = &mut self.batch;
        let parsed = parser::parse(&self.buf, |op| super::io::handle_op(inner, batch, op));
        self.batch.finish();
        let consumed = parsed?;
        self.buf.drain(..consumed);
        Ok(())
    }

    /// Reads everything the socket has without blocking and dispatches it.
    fn read_available(&mut self, inner: &Arc<ConnInner>) -> Result<()> {
        self.parse(inner)?;
        let fd = self.fd();
        loop {
            self.buf.reserve(READ_CHUNK);
            let spare = self.buf.spare_capacity_mut();
            // The runtime never reads this half, so reading the descriptor
            // directly does not race with it.
            let n = unsafe {
                libc::recv(
                    fd,
                    spare.as_mut_ptr() as *mut libc::c_void,
                    spare.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n == 0 {
                return Err(Error::new(Status::ConnectionDisconnected, "connection closed by the server"));
            }
            if n < 0 {
                let e = std::io::Error::last_os_error();
                return match e.kind() {
                    std::io::ErrorKind::WouldBlock => Ok(()),
                    std::io::ErrorKind::Interrupted => continue,
                    _ => Err(Error::new(Status::IoError, format!("read failed: {e}"))),
                };
            }
            unsafe { self.buf.set_len(self.buf.len() + n as usize) };
            self.parse(inner)?;
        }
    }
}

impl Connection {
    /// Reads and dispatches what the socket has; called by the application's
    /// event loop when the socket is readable.
    pub fn process_read_event(&self) {
        let inner = &self.inner;
        let mut guard = inner.evloop.reader.lock();
        let Some(reader) = guard.as_mut() else {
            return;
        };
        if reader.failed.is_some() {
            return;
        }
        if let Err(e) = reader.read_available(inner) {
            reader.failed = Some(e);
            inner.evloop.failed.notify_one();
        }
    }

    /// Accepted for compatibility: the library's runtime does the writes,
    /// so it never asks the loop for write notifications.
    pub fn process_write_event(&self) {}
}

/// Takes the failure recorded by the loop-driven reader.
pub(crate) fn take_failure(inner: &ConnInner) -> Error {
    inner
        .evloop
        .reader
        .lock()
        .as_mut()
        .and_then(|r| r.failed.take())
        .unwrap_or_else(|| Error::new(Status::ConnectionDisconnected, "connection lost"))
}

/// Runs an event loop callback off the runtime's threads, because it is
/// application code that may block.
pub(crate) async fn call(
    inner: &Arc<ConnInner>,
    f: impl FnOnce(&dyn EventLoop, &Connection, &mut usize) -> Result<()> + Send + 'static,
) -> Result<()> {
    let Some(evloop) = inner.opts.event_loop.clone() else {
        return Ok(());
    };
    let conn = Connection::from_inner(inner.clone());
    tokio::task::spawn_blocking(move || {
        let mut state = *conn.inner.evloop.user_state.lock();
        let result = f(evloop.as_ref(), &conn, &mut state);
        *conn.inner.evloop.user_state.lock() = state;
        result
    })
    .await
    .unwrap_or_else(|e| Err(Error::new(Status::Err, format!("event loop callback failed: {e}"))))
}

/// Tells the loop to stop watching a connection that is closing; runs on
/// the closing thread.
pub(crate) fn detach(inner: &ConnInner) {
    let Some(evloop) = inner.opts.event_loop.as_ref() else {
        return;
    };
    let mut attached = inner.evloop.attached.lock();
    if !*attached {
        return;
    }
    *attached = false;
    drop(attached);
    let state = *inner.evloop.user_state.lock();
    if let Err(e) = evloop.detach(state) {
        log::warn!("event loop detach failed: {e}");
    }
}
