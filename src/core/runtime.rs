//! The shared tokio runtime that runs every connection's socket I/O.

use std::sync::Arc;
use std::time::Duration;

use once_cell::sync::Lazy;
use parking_lot::Mutex;
use tokio::runtime::{Builder, Handle, Runtime};

use super::status::{Error, Result, Status};

/// I/O worker threads. Two keep reading and writing of busy connections
/// apart without spending a core per connection.
const IO_WORKER_THREADS: usize = 2;

static RUNTIME: Lazy<Mutex<Option<Arc<Runtime>>>> = Lazy::new(|| Mutex::new(None));

/// Starts the runtime if it is not running yet.
pub fn open() -> Result<()> {
    handle().map(|_| ())
}

/// Returns a handle to the runtime, starting it on first use.
pub fn handle() -> Result<Handle> {
    let mut guard = RUNTIME.lock();
    if let Some(rt) = guard.as_ref() {
        return Ok(rt.handle().clone());
    }
    let rt = Builder::new_multi_thread()
        .worker_threads(IO_WORKER_THREADS)
        .thread_name("nats-io")
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                Status::FailedToInitialize,
                format!("failed to start the I/O runtime: {e}"),
            )
        })?;
    let handle = rt.handle().clone();
    *guard = Some(Arc::new(rt));
    Ok(handle)
}

/// Whether the runtime is running.
pub fn is_open() -> bool {
    RUNTIME.lock().is_some()
}

/// Stops the runtime, waiting up to `timeout` for its tasks to end.
/// Returns false if tasks were still running at the deadline.
pub fn close(timeout: Duration) -> bool {
    let rt = RUNTIME.lock().take();
    let Some(rt) = rt else {
        return true;
    };
    match Arc::try_unwrap(rt) {
        Ok(rt) => {
            rt.shutdown_timeout(timeout);
            true
        }
        // Another thread holds the runtime for a moment (a connect in
        // progress); it is dropped when that thread lets go.
        Err(_) => false,
    }
}

/// Runs `future` to completion on the runtime from an application thread.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    let rt = {
        let guard = RUNTIME.lock();
        guard.clone()
    };
    let rt = match rt {
        Some(rt) => rt,
        None => {
            open()?;
            RUNTIME.lock().clone().ok_or_else(|| Error::from_status(Status::NotInitialized))?
        }
    };
    Ok(rt.block_on(future))
}
