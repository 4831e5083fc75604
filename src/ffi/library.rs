//! Library-wide functions: open and close, time, version, status texts,
//! the last error, inboxes and statistics objects.

use std::ffi::CStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libc::{c_char, FILE};

use super::error::{self, guard, guard_status, null_arg, set_error, set_text};
use super::handles::copy_to_buffer;
use super::status::natsStatus;
use super::types::{natsClientConfig, natsInbox, natsStatistics};
use super::version::{NATS_VERSION_NUMBER, NATS_VERSION_REQUIRED_NUMBER};
use crate::core::{runtime, Status};

/// Initializes the library. Optional: the first connect does it too.
/// `lockSpinCount` is accepted for compatibility and ignored.
#[no_mangle]
pub extern "C" fn nats_Open(lockSpinCount: i64) -> natsStatus {
    let _ = lockSpinCount;
    guard_status("nats_Open", || match runtime::open() {
        Ok(()) => natsStatus::NATS_OK,
        Err(e) => set_error("nats_Open", &e),
    })
}

/// Initializes the library with settings; `config` may be NULL for
/// defaults. `DefaultToThreadPool` and `ThreadPoolMax` configure the shared
/// delivery pool; the other fields are accepted and have no effect.
#[no_mangle]
pub unsafe extern "C" fn nats_OpenWithConfig(config: *mut natsClientConfig) -> natsStatus {
    const F: &str = "nats_OpenWithConfig";
    guard_status(F, || {
        if !config.is_null() {
            let c = &*config;
            if c.ThreadPoolMax > 0 {
                if let Err(e) = crate::core::delivery::set_pool_size(c.ThreadPoolMax as usize) {
                    return set_error(F, &e);
                }
            }
            crate::core::delivery::set_default_to_pool(c.DefaultToThreadPool);
        }
        nats_Open(-1)
    })
}

/// Sets the maximum number of threads of the shared delivery pool used by
/// connections with `natsOptions_UseGlobalMessageDelivery`. The pool
/// only grows; `max` must be at least 1.
#[no_mangle]
pub extern "C" fn nats_SetMessageDeliveryPoolSize(max: libc::c_int) -> natsStatus {
    const F: &str = "nats_SetMessageDeliveryPoolSize";
    guard_status(F, || {
        if max <= 0 {
            return set_text(F, Status::InvalidArg, format!("{F}: max must be at least 1, got {max}"));
        }
        match crate::core::delivery::set_pool_size(max as usize) {
            Ok(()) => natsStatus::NATS_OK,
            Err(e) => set_error(F, &e),
        }
    })
}

/// Returns the library version as text, for example "3.13.0".
#[no_mangle]
pub extern "C" fn nats_GetVersion() -> *const c_char {
    c"3.13.0".as_ptr()
}

/// Returns the library version as `(major << 16) | (minor << 8) | patch`.
#[no_mangle]
pub extern "C" fn nats_GetVersionNumber() -> u32 {
    NATS_VERSION_NUMBER
}

/// Checks that the headers a program was built with suit this library;
/// prints both versions and exits the process when they do not.
#[no_mangle]
pub unsafe extern "C" fn nats_CheckCompatibilityImpl(
    reqVerNumber: u32,
    verNumber: u32,
    verString: *const c_char,
) -> bool {
    if verNumber < NATS_VERSION_REQUIRED_NUMBER || reqVerNumber > NATS_VERSION_NUMBER {
        let header = if verString.is_null() {
            "?".into()
        } else {
            CStr::from_ptr(verString).to_string_lossy()
        };
        eprintln!(
            "Incompatible versions:\nHeader : {header} (requires {}.{}.{})\nLibrary: 3.13.0 (requires {}.{}.{})",
            reqVerNumber >> 16,
            (reqVerNumber >> 8) & 0xff,
            reqVerNumber & 0xff,
            NATS_VERSION_REQUIRED_NUMBER >> 16,
            (NATS_VERSION_REQUIRED_NUMBER >> 8) & 0xff,
            NATS_VERSION_REQUIRED_NUMBER & 0xff
        );
        std::process::exit(1);
    }
    true
}

/// Checks header and library compatibility with this library's own
/// version numbers; the header macro of the same name passes the
/// header's numbers instead.
#[no_mangle]
pub unsafe extern "C" fn nats_CheckCompatibility() -> bool {
    nats_CheckCompatibilityImpl(
        NATS_VERSION_REQUIRED_NUMBER,
        NATS_VERSION_NUMBER,
        c"3.13.0".as_ptr(),
    )
}

/// Returns the time since the Unix epoch in milliseconds.
#[no_mangle]
pub extern "C" fn nats_Now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Returns the time since the Unix epoch in nanoseconds.
#[no_mangle]
pub extern "C" fn nats_NowInNanoSeconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Returns a monotonic clock reading in nanoseconds, for measuring intervals.
#[no_mangle]
pub extern "C" fn nats_NowMonotonicInNanoSeconds() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// Sleeps for `sleepTime` milliseconds.
#[no_mangle]
pub extern "C" fn nats_Sleep(sleepTime: i64) {
    if sleepTime > 0 {
        std::thread::sleep(Duration::from_millis(sleepTime as u64));
    }
}

/// Returns the fixed description of a status; unknown values give
/// "Unknown Status".
#[no_mangle]
pub extern "C" fn natsStatus_GetText(s: natsStatus) -> *const c_char {
    // Read the value as an integer: C may pass any int in a natsStatus.
    let value = s as i32;
    match Status::from_i32(value) {
        Some(status) => status.text_with_nul().as_ptr() as *const c_char,
        None => c"Unknown Status".as_ptr(),
    }
}

/// Returns the text of the calling thread's last error, or NULL when there
/// is none; `status`, when not NULL, receives the error's status. The text
/// stays valid until the thread's next error.
#[no_mangle]
pub unsafe extern "C" fn nats_GetLastError(status: *mut natsStatus) -> *const c_char {
    let last = error::last_error();
    if !status.is_null() {
        *status = last.map_or(natsStatus::NATS_OK, |(s, _)| s);
    }
    last.map_or(std::ptr::null(), |(_, text)| text)
}

fn stack_text() -> Option<String> {
    let (frames, dropped) = error::last_error_stack()?;
    let mut text = frames.join("\n");
    if dropped > 0 {
        text.push_str(&format!("\n{dropped} more..."));
    }
    Some(text)
}

/// Copies the function names of the calling thread's last error, one per
/// line, into `buffer` of `bufLen` bytes. Returns `NATS_INSUFFICIENT_BUFFER`
/// when they do not fit.
#[no_mangle]
pub unsafe extern "C" fn nats_GetLastErrorStack(buffer: *mut c_char, bufLen: usize) -> natsStatus {
    if buffer.is_null() || bufLen == 0 {
        return natsStatus::NATS_INVALID_ARG;
    }
    *buffer = 0;
    match stack_text() {
        None => natsStatus::NATS_OK,
        Some(text) => {
            let bytes = text.as_bytes();
            if bytes.len() + 1 > bufLen {
                let n = bufLen - 1;
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer as *mut u8, n);
                *buffer.add(n) = 0;
                return natsStatus::NATS_INSUFFICIENT_BUFFER;
            }
            copy_to_buffer("nats_GetLastErrorStack", &text, buffer, bufLen)
        }
    }
}

/// Prints the calling thread's last error and its stack to `file`, one
/// numbered frame per line.
#[no_mangle]
pub unsafe extern "C" fn nats_PrintLastErrorStack(file: *mut FILE) {
    if file.is_null() {
        return;
    }
    let Some((status, text)) = error::last_error() else {
        return;
    };
    let text = CStr::from_ptr(text).to_string_lossy();
    let fixed = CStr::from_ptr(natsStatus_GetText(status)).to_string_lossy();
    let mut out = format!("Error: {} - {}", status as i32, fixed);
    if !text.is_empty() {
        out.push_str(" - ");
        out.push_str(&text);
    }
    out.push_str("\nStack: (library version: 3.13.0)\n");
    if let Some((frames, dropped)) = error::last_error_stack() {
        for (i, frame) in frames.iter().enumerate() {
            out.push_str(&format!("  {:02} - {frame}\n", i + 1));
        }
        if dropped > 0 {
            out.push_str(&format!(" {dropped} more...\n"));
        }
    }
    let c = std::ffi::CString::new(out.replace('\0', " ")).unwrap_or_default();
    libc::fputs(c.as_ptr(), file);
    libc::fflush(file);
}

/// Releases the library's resources. Connections that are still open keep
/// working, and what they use is released when they are destroyed. When
/// the application has destroyed every connection, waits up to 500 ms for
/// their teardown and the library's threads to end.
#[no_mangle]
pub extern "C" fn nats_Close() {
    guard("nats_Close", (), || {
        crate::core::events::shutdown();
        crate::core::delivery::stop_pool();
        let all_destroyed = !crate::core::lifecycle::on_library_thread()
            && crate::core::lifecycle::open_handles() == 0;
        if all_destroyed {
            crate::core::lifecycle::wait_idle(Some(Duration::from_millis(500)));
        }
        if crate::core::lifecycle::live_connections() == 0 {
            runtime::close(Duration::from_secs(2));
        }
    })
}

/// Like `nats_Close`, then waits up to `timeout` milliseconds (0 or less
/// for no limit) until every connection has been destroyed and every
/// library thread has ended. Returns `NATS_TIMEOUT` when that did not
/// happen in time (the library then stays usable),
/// `NATS_ILLEGAL_STATE` when called from a library callback, and
/// `NATS_NOT_INITIALIZED` when the library is not open.
#[no_mangle]
pub extern "C" fn nats_CloseAndWait(timeout: i64) -> natsStatus {
    const F: &str = "nats_CloseAndWait";
    guard_status(F, || {
        if crate::core::lifecycle::on_library_thread() {
            return set_text(F, Status::IllegalState, "nats_CloseAndWait cannot be called from a library callback");
        }
        if !runtime::is_open() {
            return set_text(F, Status::NotInitialized, "the library is not open, or was already closed");
        }
        crate::core::events::shutdown();
        crate::core::delivery::stop_pool();
        let limit = (timeout > 0).then(|| Duration::from_millis(timeout as u64));
        if !crate::core::lifecycle::wait_idle(limit) {
            return set_text(
                F,
                Status::Timeout,
                "connections or library threads were still alive at the deadline",
            );
        }
        runtime::close(Duration::from_secs(2));
        natsStatus::NATS_OK
    })
}

/// Releases the calling thread's library memory (its last error).
#[no_mangle]
pub extern "C" fn nats_ReleaseThreadMemory() {
    error::clear();
}

/// Creates a new unique inbox subject, released with `natsInbox_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsInbox_Create(newInbox: *mut *mut natsInbox) -> natsStatus {
    guard_status("natsInbox_Create", || {
        if newInbox.is_null() {
            return null_arg("natsInbox_Create", "newInbox");
        }
        let inbox = crate::core::new_inbox(crate::core::options::DEFAULT_INBOX_PREFIX);
        let p = super::handles::malloc_cstring(&inbox);
        if p.is_null() {
            return set_text("natsInbox_Create", Status::NoMemory, "out of memory");
        }
        *newInbox = p;
        natsStatus::NATS_OK
    })
}

/// Releases an inbox; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsInbox_Destroy(inbox: *mut natsInbox) {
    if !inbox.is_null() {
        libc::free(inbox as *mut libc::c_void);
    }
}

/// Creates a statistics object, filled by `natsConnection_GetStats`.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_Create(newStats: *mut *mut natsStatistics) -> natsStatus {
    guard_status("natsStatistics_Create", || {
        if newStats.is_null() {
            return null_arg("natsStatistics_Create", "newStats");
        }
        *newStats = Box::into_raw(Box::new(natsStatistics {
            stats: Default::default(),
        }));
        natsStatus::NATS_OK
    })
}

/// Reads the counters of a statistics object; each output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_GetCounts(
    stats: *const natsStatistics,
    inMsgs: *mut u64,
    inBytes: *mut u64,
    outMsgs: *mut u64,
    outBytes: *mut u64,
    reconnects: *mut u64,
) -> natsStatus {
    guard_status("natsStatistics_GetCounts", || {
        if stats.is_null() {
            return null_arg("natsStatistics_GetCounts", "stats");
        }
        let s = &(*stats).stats;
        for (out, value) in [
            (inMsgs, s.in_msgs),
            (inBytes, s.in_bytes),
            (outMsgs, s.out_msgs),
            (outBytes, s.out_bytes),
            (reconnects, s.reconnects),
        ] {
            if !out.is_null() {
                *out = value;
            }
        }
        natsStatus::NATS_OK
    })
}

/// Releases a statistics object; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_Destroy(stats: *mut natsStatistics) {
    if !stats.is_null() {
        drop(Box::from_raw(stats));
    }
}
