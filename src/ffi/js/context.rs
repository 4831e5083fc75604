//! `jsOptions_Init`, `natsConnection_JetStream`, `jsCtx_Destroy`, and the
//! plumbing the other JetStream calls share: handle access, option
//! conversion and error reporting.

use std::mem::ManuallyDrop;
use std::time::Duration;

use super::alloc::{read_str, write_enum};
use super::errcode::jsErrCode;
use super::publish_async::read_publish_async;
use super::types::{jsCtx, jsOptions};
use crate::core::js::{
    JetStream, JetStreamOptions, JsError, PurgeOptions, RequestOptions, StreamInfoOptions,
};
use crate::core::Status;
use crate::ffi::error::{self, guard, guard_status, null_arg, set_text};
use crate::ffi::handles::conn_ref;
use crate::ffi::status::natsStatus;
use crate::ffi::types::natsConnection;

/// Borrows the context behind a C handle without touching its count.
///
/// # Safety
/// `js` must be a live handle from `natsConnection_JetStream`.
pub(crate) unsafe fn js_ref(js: *mut jsCtx) -> ManuallyDrop<JetStream> {
    ManuallyDrop::new(JetStream::from_raw(js as *const ()))
}

/// Reporting of a "not found" error from the server (a missing stream,
/// consumer or message).
#[derive(Clone, Copy)]
pub(crate) enum OnNotFound {
    /// Record the server's description as the last error.
    SetError,
    /// Return `NATS_NOT_FOUND` with the last error cleared, as cnats does
    /// for calls where "not found" is an expected outcome.
    Clear,
    /// Like `Clear`, only for this server error code.
    ClearFor(u16),
}

/// Resets the caller's error code, as every call does first.
pub(crate) unsafe fn reset_err_code(err_code: *mut jsErrCode) {
    if !err_code.is_null() {
        write_enum(err_code, 0);
    }
}

/// Stores the server's error code and records the error.
pub(crate) unsafe fn fail(
    func: &'static str,
    e: &JsError,
    err_code: *mut jsErrCode,
    on_not_found: OnNotFound,
) -> natsStatus {
    if !err_code.is_null() && e.code != 0 {
        write_enum(err_code, libc::c_int::from(e.code));
    }
    if e.status == Status::NotFound {
        let clear = match on_not_found {
            OnNotFound::SetError => false,
            OnNotFound::Clear => true,
            OnNotFound::ClearFor(code) => e.code == code,
        };
        if clear {
            error::clear();
            return natsStatus::NATS_NOT_FOUND;
        }
    }
    set_text(func, e.status, e.text.clone())
}

/// Runs a JetStream call: checks `js`, resets `errCode`, and reports the
/// body's error.
pub(crate) unsafe fn with_js(
    func: &'static str,
    js: *mut jsCtx,
    err_code: *mut jsErrCode,
    on_not_found: OnNotFound,
    body: impl FnOnce(&JetStream) -> Result<(), JsError>,
) -> natsStatus {
    guard_status(func, || {
        reset_err_code(err_code);
        if js.is_null() {
            return null_arg(func, "js");
        }
        let ctx = js_ref(js);
        match body(&ctx) {
            Ok(()) => natsStatus::NATS_OK,
            Err(e) => fail(func, &e, err_code, on_not_found),
        }
    })
}

/// Converts a non-negative millisecond option.
pub(crate) fn millis(name: &str, value: i64) -> Result<Duration, JsError> {
    if value < 0 {
        return Err(JsError::invalid_arg(format!(
            "option '{name}' ({value}) cannot be negative"
        )));
    }
    Ok(Duration::from_millis(value as u64))
}

unsafe fn read_purge(opts: *const jsOptions) -> Result<PurgeOptions, JsError> {
    let purge = &(*opts).Stream.Purge;
    Ok(PurgeOptions {
        subject: read_str("Stream.Purge.Subject", purge.Subject)?,
        sequence: purge.Sequence,
        keep: purge.Keep,
    })
}

/// Converts the options of one call; NULL gives `None`.
pub(crate) unsafe fn read_request_options(
    opts: *const jsOptions,
) -> Result<Option<RequestOptions>, JsError> {
    if opts.is_null() {
        return Ok(None);
    }
    let o = opts;
    Ok(Some(RequestOptions {
        prefix: read_str("Prefix", (*o).Prefix)?,
        domain: read_str("Domain", (*o).Domain)?,
        wait: Duration::from_millis((*o).Wait.max(0) as u64),
        purge: read_purge(o)?,
        info: StreamInfoOptions {
            deleted_details: (*o).Stream.Info.DeletedDetails,
            subjects_filter: read_str(
                "Stream.Info.SubjectsFilter",
                (*o).Stream.Info.SubjectsFilter,
            )?,
        },
    }))
}

/// Initializes `opts` to all defaults (every field zero or NULL). Returns
/// `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsOptions_Init(opts: *mut jsOptions) -> natsStatus {
    const F: &str = "jsOptions_Init";
    guard_status(F, || {
        if opts.is_null() {
            return null_arg(F, "opts");
        }
        std::ptr::write_bytes(opts, 0, 1);
        natsStatus::NATS_OK
    })
}

unsafe fn read_context_options(opts: *const jsOptions) -> Result<JetStreamOptions, JsError> {
    if opts.is_null() {
        return Ok(JetStreamOptions::default());
    }
    let o = opts;
    let wait = millis("Wait", (*o).Wait)?;
    let publish_async = read_publish_async(&(*o).PublishAsync)?;
    Ok(JetStreamOptions {
        prefix: read_str("Prefix", (*o).Prefix)?,
        domain: read_str("Domain", (*o).Domain)?,
        wait,
        purge: read_purge(o)?,
        deleted_details: (*o).Stream.Info.DeletedDetails,
        publish_async,
    })
}

/// Creates a JetStream context on `nc` and stores it in `*js`.
///
/// `opts` may be NULL. Its `Prefix` (default `$JS.API`) or `Domain`
/// (prefix `$JS.<Domain>.API`) selects the API subjects. `Wait` is the
/// timeout of API requests and publishes in milliseconds (default 5000).
/// `PublishAsync` configures asynchronous publishing. `Stream.Purge` and
/// `Stream.Info.DeletedDetails` become defaults for calls without options.
/// The caller releases the context with `jsCtx_Destroy`. The context holds
/// its own reference to the connection, so its calls fail with a status
/// rather than touching freed memory once the connection is closed or
/// destroyed. Returns `NATS_INVALID_ARG` for a NULL `js` or
/// `nc`, or a negative `Wait` or `PublishAsync.StallWait`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_JetStream(
    js: *mut *mut jsCtx,
    nc: *mut natsConnection,
    opts: *mut jsOptions,
) -> natsStatus {
    const F: &str = "natsConnection_JetStream";
    guard_status(F, || {
        if js.is_null() {
            return null_arg(F, "js");
        }
        if nc.is_null() {
            return null_arg(F, "nc");
        }
        let options = match read_context_options(opts) {
            Ok(o) => o,
            Err(e) => return fail(F, &e, std::ptr::null_mut(), OnNotFound::SetError),
        };
        let conn = conn_ref(nc);
        let ctx = JetStream::new(&conn, options);
        *js = ctx.into_raw() as *mut jsCtx;
        natsStatus::NATS_OK
    })
}

/// Destroys a JetStream context: asynchronous publishing stops, messages
/// still waiting for an acknowledgment are destroyed, and the context's
/// reference to the connection is released. An atomic batch started on
/// the context keeps it usable for the batch until the batch is
/// destroyed. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsCtx_Destroy(js: *mut jsCtx) {
    if js.is_null() {
        return;
    }
    guard("jsCtx_Destroy", (), || {
        let ctx = JetStream::from_raw(js as *const ());
        ctx.close();
    })
}
