//! The thread-local last error and its stack of function names, and the
//! panic guard every exported function runs in.

use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::natsStatus;
use crate::core::{Error, Status};

/// Frames kept in the error stack; deeper ones are only counted.
const MAX_FRAMES: usize = 20;

struct LastError {
    status: natsStatus,
    text: CString,
    frames: Vec<&'static str>,
    dropped_frames: usize,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError {
        status: natsStatus::NATS_OK,
        text: CString::default(),
        frames: Vec::new(),
        dropped_frames: 0,
    });
}

/// Records `error` as the calling thread's last error, raised in `func`,
/// and returns its status.
pub fn set_error(func: &'static str, error: &Error) -> natsStatus {
    let status = natsStatus::from(error.status);
    // The text starts with the status' own description, as cnats' texts
    // do, followed by the detail.
    let fixed = error.status.text();
    let text = if error.text.to_ascii_lowercase().contains(&fixed.to_ascii_lowercase()) {
        error.text.clone()
    } else {
        format!("{fixed}: {}", error.text)
    };
    LAST_ERROR.with(|cell| {
        let mut last = cell.borrow_mut();
        last.status = status;
        last.text = CString::new(text.replace('\0', " ")).unwrap_or_default();
        last.frames.clear();
        last.frames.push(func);
        last.dropped_frames = 0;
    });
    status
}

/// Records an error with the status' own description.
pub fn set_status(func: &'static str, status: Status) -> natsStatus {
    set_error(func, &Error::from_status(status))
}

/// Records an error with a text of its own.
pub fn set_text(func: &'static str, status: Status, text: impl Into<String>) -> natsStatus {
    set_error(func, &Error::new(status, text))
}

/// Records a NULL-argument error naming the argument.
pub fn null_arg(func: &'static str, arg: &str) -> natsStatus {
    set_text(func, Status::InvalidArg, format!("{func}: argument '{arg}' is NULL"))
}

/// Adds `func` to the stack of the current error, as a caller that passes
/// the error on.
pub fn push_frame(func: &'static str) {
    LAST_ERROR.with(|cell| {
        let mut last = cell.borrow_mut();
        if last.frames.last() == Some(&func) {
            return;
        }
        if last.frames.len() < MAX_FRAMES {
            last.frames.push(func);
        } else {
            last.dropped_frames += 1;
        }
    });
}

/// Maps a core result to a status, recording the error.
pub fn status_of(func: &'static str, result: crate::core::Result<()>) -> natsStatus {
    match result {
        Ok(()) => natsStatus::NATS_OK,
        Err(e) => set_error(func, &e),
    }
}

/// Returns the last error's status and text pointer, or `None` when the
/// thread has no error.
pub fn last_error() -> Option<(natsStatus, *const libc::c_char)> {
    LAST_ERROR.with(|cell| {
        let last = cell.borrow();
        if last.status == natsStatus::NATS_OK {
            None
        } else {
            Some((last.status, last.text.as_ptr()))
        }
    })
}

/// Returns the function names of the last error's stack, innermost first,
/// and how many more were not kept.
pub fn last_error_stack() -> Option<(Vec<&'static str>, usize)> {
    LAST_ERROR.with(|cell| {
        let last = cell.borrow();
        if last.status == natsStatus::NATS_OK || last.frames.is_empty() {
            None
        } else {
            Some((last.frames.clone(), last.dropped_frames))
        }
    })
}

/// Clears the calling thread's last error.
pub fn clear() {
    LAST_ERROR.with(|cell| {
        let mut last = cell.borrow_mut();
        last.status = natsStatus::NATS_OK;
        last.text = CString::default();
        last.frames.clear();
        last.dropped_frames = 0;
    });
}

/// Runs `body`, turning a panic into `on_panic` and an `NATS_ERR` last
/// error naming `func`.
pub fn guard<R>(func: &'static str, on_panic: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            set_text(func, Status::Err, format!("{func}: internal error: {what}"));
            on_panic
        }
    }
}

/// Runs a status-returning body inside [`guard`].
pub fn guard_status(func: &'static str, body: impl FnOnce() -> natsStatus) -> natsStatus {
    guard(func, natsStatus::NATS_ERR, body)
}
