//! Acknowledging JetStream messages and reading their metadata:
//! `natsMsg_Ack`, `natsMsg_AckSync`, `natsMsg_Nak`, `natsMsg_NakWithDelay`,
//! `natsMsg_InProgress`, `natsMsg_Term`, `natsMsg_GetMetaData`,
//! `jsMsgMetaData_Destroy`, `natsMsg_GetSequence` and `natsMsg_GetTime`.

use std::time::Duration;

use super::alloc::{c_box, c_string, free, opt_c_string};
use super::context::{fail, reset_err_code, OnNotFound};
use super::errcode::jsErrCode;
use super::types::{jsMsgMetaData, jsOptions, jsSequencePair};
use crate::core::js::ack::AckKind;
use crate::ffi::error::{guard, guard_status, null_arg, set_text};
use crate::ffi::status::natsStatus;
use crate::ffi::types::natsMsg;

/// Wait time of one acknowledgment: `opts->Wait` in milliseconds, zero
/// when `opts` is NULL or the wait is not positive.
unsafe fn ack_wait(opts: *const jsOptions) -> Duration {
    if opts.is_null() || (*opts).Wait <= 0 {
        return Duration::ZERO;
    }
    Duration::from_millis((*opts).Wait as u64)
}

unsafe fn ack(
    func: &'static str,
    msg: *mut natsMsg,
    kind: AckKind,
    sync: bool,
    opts: *const jsOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    guard_status(func, || {
        reset_err_code(err_code);
        if msg.is_null() {
            return null_arg(func, "msg");
        }
        match (*msg).msg.js_ack(kind, sync, ack_wait(opts)) {
            Ok(()) => natsStatus::NATS_OK,
            Err(e) => fail(func, &e, err_code, OnNotFound::SetError),
        }
    })
}

/// Acknowledges a message of a JetStream subscription without waiting
/// for the server, unless `opts->Wait` is positive (then it waits that
/// many milliseconds for the confirmation). Once a message was
/// acknowledged, acknowledging it again does nothing and returns
/// `NATS_OK`. Returns `NATS_ILLEGAL_STATE` for a message that does not
/// come from a JetStream subscription.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Ack(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    ack("natsMsg_Ack", msg, AckKind::Ack, false, opts, std::ptr::null_mut())
}

/// Like `natsMsg_Ack`, and waits for the server's confirmation for
/// `opts->Wait` milliseconds, or the context's wait time.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_AckSync(
    msg: *mut natsMsg,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    ack("natsMsg_AckSync", msg, AckKind::Ack, true, opts, errCode)
}

/// Tells the server the message was not processed, so it is redelivered.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Nak(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    ack("natsMsg_Nak", msg, AckKind::Nak(None), false, opts, std::ptr::null_mut())
}

/// Like `natsMsg_Nak`, with the redelivery delayed by `delay`
/// milliseconds (0 or less means no delay).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_NakWithDelay(msg: *mut natsMsg, delay: i64, opts: *mut jsOptions) -> natsStatus {
    let kind = if delay > 0 {
        AckKind::Nak(Some(Duration::from_millis(delay as u64)))
    } else {
        AckKind::Nak(None)
    };
    ack("natsMsg_NakWithDelay", msg, kind, false, opts, std::ptr::null_mut())
}

/// Tells the server the message is still being processed, which restarts
/// its ack wait. Can be called many times; the message still needs a
/// final acknowledgment.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_InProgress(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    ack("natsMsg_InProgress", msg, AckKind::InProgress, false, opts, std::ptr::null_mut())
}

/// Tells the server never to redeliver the message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Term(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    ack("natsMsg_Term", msg, AckKind::Term, false, opts, std::ptr::null_mut())
}

/// Parses the JetStream metadata of a message of a JetStream subscription
/// into `*new_meta`, released with `jsMsgMetaData_Destroy`. Returns
/// `NATS_ILLEGAL_STATE` for a message that does not come from a JetStream
/// subscription and `NATS_ERR` when its reply subject is not a
/// `$JS.ACK` subject.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetMetaData(new_meta: *mut *mut jsMsgMetaData, msg: *mut natsMsg) -> natsStatus {
    const F: &str = "natsMsg_GetMetaData";
    guard_status(F, || {
        if new_meta.is_null() {
            return null_arg(F, "new_meta");
        }
        if msg.is_null() {
            return null_arg(F, "msg");
        }
        match (*msg).msg.js_metadata() {
            Ok(m) => {
                *new_meta = c_box(jsMsgMetaData {
                    Sequence: jsSequencePair {
                        Consumer: m.consumer_seq,
                        Stream: m.stream_seq,
                    },
                    NumDelivered: m.num_delivered,
                    NumPending: m.num_pending,
                    Timestamp: m.timestamp,
                    Stream: c_string(&m.stream),
                    Consumer: c_string(&m.consumer),
                    Domain: opt_c_string(&m.domain),
                });
                natsStatus::NATS_OK
            }
            Err(e) => set_text(F, e.status, e.text),
        }
    })
}

/// Releases metadata from `natsMsg_GetMetaData`; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsMsgMetaData_Destroy(meta: *mut jsMsgMetaData) {
    if meta.is_null() {
        return;
    }
    guard("jsMsgMetaData_Destroy", (), || {
        free((*meta).Stream);
        free((*meta).Consumer);
        free((*meta).Domain);
        free(meta);
    })
}

/// Returns the stream sequence of a message read with `js_GetMsg`,
/// `js_GetLastMsg` or `js_DirectGetMsg`; 0 for NULL and other messages.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSequence(msg: *mut natsMsg) -> u64 {
    if msg.is_null() {
        return 0;
    }
    (*msg).msg.stored_position().map_or(0, |(seq, _)| seq)
}

/// Returns the time, in nanoseconds since the Unix epoch (UTC), at which a
/// message read with `js_GetMsg`, `js_GetLastMsg` or `js_DirectGetMsg` was
/// stored; 0 for NULL and other messages.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetTime(msg: *mut natsMsg) -> i64 {
    if msg.is_null() {
        return 0;
    }
    (*msg).msg.stored_position().map_or(0, |(_, time)| time)
}
