//! Counts of the library's live connections and threads, so that closing
//! the library can wait for them and never pulls the runtime out from
//! under a connection that is still in use.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::status::{Error, Result, Status};

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
static THREADS: AtomicUsize = AtomicUsize::new(0);
/// Connection handles held by the application: created, not yet destroyed.
static HANDLES: AtomicUsize = AtomicUsize::new(0);
static CHANGED: Condvar = Condvar::new();
static LOCK: Mutex<()> = Mutex::new(());

thread_local! {
    static LIBRARY_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn changed() {
    let _guard = LOCK.lock();
    CHANGED.notify_all();
}

/// Held by a live connection.
pub(crate) struct ConnectionToken(());

impl ConnectionToken {
    pub(crate) fn new() -> ConnectionToken {
        CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        ConnectionToken(())
    }
}

impl Drop for ConnectionToken {
    fn drop(&mut self) {
        CONNECTIONS.fetch_sub(1, Ordering::SeqCst);
        changed();
    }
}

/// Held by a running library thread for its whole life.
pub(crate) struct ThreadToken(());

impl Drop for ThreadToken {
    fn drop(&mut self) {
        THREADS.fetch_sub(1, Ordering::SeqCst);
        changed();
    }
}

/// Starts a named library thread that counts as live until `body` returns.
pub(crate) fn spawn(name: String, body: impl FnOnce() + Send + 'static) -> Result<()> {
    THREADS.fetch_add(1, Ordering::SeqCst);
    let token = ThreadToken(());
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let _token = token;
            LIBRARY_THREAD.with(|flag| flag.set(true));
            body();
        })
        .map(|_| ())
        .map_err(|e| Error::new(Status::SysError, format!("failed to start a library thread: {e}")))
}

/// Whether the calling thread is one the library started (a callback).
pub fn on_library_thread() -> bool {
    LIBRARY_THREAD.with(|flag| flag.get())
}

/// Counts a connection handle given to the application.
pub fn handle_created() {
    HANDLES.fetch_add(1, Ordering::SeqCst);
}

/// Counts a connection handle the application destroyed.
pub fn handle_released() {
    HANDLES.fetch_sub(1, Ordering::SeqCst);
}

/// Number of connection handles the application has not destroyed.
pub fn open_handles() -> usize {
    HANDLES.load(Ordering::SeqCst)
}

/// Number of connections not yet released.
pub fn live_connections() -> usize {
    CONNECTIONS.load(Ordering::SeqCst)
}

/// Waits until no connection and no library thread is alive; `None`
/// waits without limit. Returns false at the deadline.
pub fn wait_idle(timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut guard = LOCK.lock();
    loop {
        if CONNECTIONS.load(Ordering::SeqCst) == 0 && THREADS.load(Ordering::SeqCst) == 0 {
            return true;
        }
        match deadline {
            Some(d) => {
                if CHANGED.wait_until(&mut guard, d).timed_out() {
                    return CONNECTIONS.load(Ordering::SeqCst) == 0 && THREADS.load(Ordering::SeqCst) == 0;
                }
            }
            None => {
                CHANGED.wait_for(&mut guard, Duration::from_millis(100));
            }
        }
    }
}
