//! `natsSubscription_*`: reading messages, limits, counters and
//! unsubscribing.

use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::error::{guard, guard_status, null_arg, set_error, status_of};
use super::handles::sub_ref;
use super::status::natsStatus;
use super::types::{natsConnection, natsMsg, natsOnCompleteCB, natsSubscription, SendPtr};
use crate::core::{SubStats, Subscription};

pub(crate) unsafe fn with_sub(
    func: &'static str,
    sub: *mut natsSubscription,
    body: impl FnOnce(&Subscription) -> natsStatus,
) -> natsStatus {
    guard_status(func, || {
        if sub.is_null() {
            return null_arg(func, "sub");
        }
        let s = sub_ref(sub);
        body(&s)
    })
}

fn clamp_int(v: i64) -> c_int {
    v.clamp(c_int::MIN as i64, c_int::MAX as i64) as c_int
}

/// Waits up to `timeout` milliseconds for the next message of a
/// synchronous subscription; 0 or less only checks for a queued one.
/// Returns `NATS_TIMEOUT` when none came, `NATS_ILLEGAL_STATE` on an
/// asynchronous subscription, `NATS_SLOW_CONSUMER` once after messages were
/// dropped, and `NATS_MAX_DELIVERED_MSGS` past an auto-unsubscribe limit.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_NextMsg(
    nextMsg: *mut *mut natsMsg,
    sub: *mut natsSubscription,
    timeout: i64,
) -> natsStatus {
    const F: &str = "natsSubscription_NextMsg";
    with_sub(F, sub, |s| {
        if nextMsg.is_null() {
            return null_arg(F, "nextMsg");
        }
        match s.next_msg(Duration::from_millis(timeout.max(0) as u64)) {
            Ok(msg) => {
                *nextMsg = Box::into_raw(Box::new(natsMsg { msg }));
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Removes the subscription's interest; a second call gives
/// `NATS_INVALID_SUBSCRIPTION`.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Unsubscribe(sub: *mut natsSubscription) -> natsStatus {
    with_sub("natsSubscription_Unsubscribe", sub, |s| {
        status_of("natsSubscription_Unsubscribe", s.unsubscribe())
    })
}

/// Unsubscribes automatically once `max` messages in total were delivered.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_AutoUnsubscribe(sub: *mut natsSubscription, max: c_int) -> natsStatus {
    with_sub("natsSubscription_AutoUnsubscribe", sub, |s| {
        status_of("natsSubscription_AutoUnsubscribe", s.auto_unsubscribe(max))
    })
}

/// Stores the number of queued, not yet delivered messages in `*queuedMsgs`.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_QueuedMsgs(sub: *mut natsSubscription, queuedMsgs: *mut u64) -> natsStatus {
    const F: &str = "natsSubscription_QueuedMsgs";
    with_sub(F, sub, |s| {
        if queuedMsgs.is_null() {
            return null_arg(F, "queuedMsgs");
        }
        match s.queued_msgs() {
            Ok(n) => {
                *queuedMsgs = n;
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Returns the connection of the subscription, or NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetConnection(sub: *mut natsSubscription) -> *mut natsConnection {
    if sub.is_null() {
        return std::ptr::null_mut();
    }
    guard("natsSubscription_GetConnection", std::ptr::null_mut(), || {
        sub_ref(sub).connection_ptr() as *mut natsConnection
    })
}

/// Returns the subscription id, 0 when `sub` is NULL or no longer valid.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetID(sub: *mut natsSubscription) -> i64 {
    if sub.is_null() {
        return 0;
    }
    guard("natsSubscription_GetID", 0, || {
        let s = sub_ref(sub);
        if s.is_valid() {
            s.id() as i64
        } else {
            0
        }
    })
}

/// Returns the subject of the subscription, valid as long as the
/// subscription; NULL when `sub` is NULL or no longer valid.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetSubject(sub: *mut natsSubscription) -> *const c_char {
    if sub.is_null() {
        return std::ptr::null();
    }
    guard("natsSubscription_GetSubject", std::ptr::null(), || {
        let s = sub_ref(sub);
        if s.is_valid() {
            s.subject_c().as_ptr()
        } else {
            std::ptr::null()
        }
    })
}

/// Sets the subscription's pending limits; -1 (any negative value) means
/// no limit and 0 is `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_SetPendingLimits(
    sub: *mut natsSubscription,
    msgLimit: c_int,
    bytesLimit: c_int,
) -> natsStatus {
    with_sub("natsSubscription_SetPendingLimits", sub, |s| {
        status_of(
            "natsSubscription_SetPendingLimits",
            s.set_pending_limits(i64::from(msgLimit), i64::from(bytesLimit)),
        )
    })
}

unsafe fn write_opt<T>(out: *mut T, value: T) {
    if !out.is_null() {
        *out = value;
    }
}

unsafe fn with_stats(
    func: &'static str,
    sub: *mut natsSubscription,
    body: impl FnOnce(SubStats),
) -> natsStatus {
    with_sub(func, sub, |s| match s.stats() {
        Ok(st) => {
            body(st);
            natsStatus::NATS_OK
        }
        Err(e) => set_error(func, &e),
    })
}

/// Reads the subscription's pending limits; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetPendingLimits(
    sub: *mut natsSubscription,
    msgLimit: *mut c_int,
    bytesLimit: *mut c_int,
) -> natsStatus {
    const F: &str = "natsSubscription_GetPendingLimits";
    with_sub(F, sub, |s| match s.pending_limits() {
        Ok((m, b)) => {
            write_opt(msgLimit, clamp_int(m));
            write_opt(bytesLimit, clamp_int(b));
            natsStatus::NATS_OK
        }
        Err(e) => set_error(F, &e),
    })
}

/// Reads the number of queued messages and bytes; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetPending(
    sub: *mut natsSubscription,
    msgs: *mut c_int,
    bytes: *mut c_int,
) -> natsStatus {
    with_stats("natsSubscription_GetPending", sub, |st| {
        write_opt(msgs, clamp_int(st.pending_msgs));
        write_opt(bytes, clamp_int(st.pending_bytes));
    })
}

/// Reads the number of messages delivered to the application.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetDelivered(sub: *mut natsSubscription, msgs: *mut i64) -> natsStatus {
    const F: &str = "natsSubscription_GetDelivered";
    if !sub.is_null() && msgs.is_null() {
        return null_arg(F, "msgs");
    }
    with_stats(F, sub, |st| write_opt(msgs, st.delivered))
}

/// Reads the number of messages dropped because a pending limit was reached.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetDropped(sub: *mut natsSubscription, msgs: *mut i64) -> natsStatus {
    const F: &str = "natsSubscription_GetDropped";
    if !sub.is_null() && msgs.is_null() {
        return null_arg(F, "msgs");
    }
    with_stats(F, sub, |st| write_opt(msgs, st.dropped))
}

/// Reads the highest number of queued messages and bytes seen; either
/// output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetMaxPending(
    sub: *mut natsSubscription,
    msgs: *mut c_int,
    bytes: *mut c_int,
) -> natsStatus {
    with_stats("natsSubscription_GetMaxPending", sub, |st| {
        write_opt(msgs, clamp_int(st.max_pending_msgs));
        write_opt(bytes, clamp_int(st.max_pending_bytes));
    })
}

/// Resets the high-water marks read by `natsSubscription_GetMaxPending`.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_ClearMaxPending(sub: *mut natsSubscription) -> natsStatus {
    with_sub("natsSubscription_ClearMaxPending", sub, |s| {
        status_of("natsSubscription_ClearMaxPending", s.clear_max_pending())
    })
}

/// Reads all counters at once; every output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetStats(
    sub: *mut natsSubscription,
    pendingMsgs: *mut c_int,
    pendingBytes: *mut c_int,
    maxPendingMsgs: *mut c_int,
    maxPendingBytes: *mut c_int,
    deliveredMsgs: *mut i64,
    droppedMsgs: *mut i64,
) -> natsStatus {
    with_stats("natsSubscription_GetStats", sub, |st| {
        write_opt(pendingMsgs, clamp_int(st.pending_msgs));
        write_opt(pendingBytes, clamp_int(st.pending_bytes));
        write_opt(maxPendingMsgs, clamp_int(st.max_pending_msgs));
        write_opt(maxPendingBytes, clamp_int(st.max_pending_bytes));
        write_opt(deliveredMsgs, st.delivered);
        write_opt(droppedMsgs, st.dropped);
    })
}

/// Returns true while the subscription receives messages.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_IsValid(sub: *mut natsSubscription) -> bool {
    if sub.is_null() {
        return false;
    }
    guard("natsSubscription_IsValid", false, || sub_ref(sub).is_valid())
}

/// Accepted for compatibility: messages are always handed to the
/// subscription as soon as they are read.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_NoDeliveryDelay(sub: *mut natsSubscription) -> natsStatus {
    with_sub("natsSubscription_NoDeliveryDelay", sub, |_| natsStatus::NATS_OK)
}

/// Sets a callback run once the subscription's delivery thread has ended.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_SetOnCompleteCB(
    sub: *mut natsSubscription,
    cb: natsOnCompleteCB,
    closure: *mut c_void,
) -> natsStatus {
    const F: &str = "natsSubscription_SetOnCompleteCB";
    with_sub(F, sub, |s| {
        let callback = cb.map(|f| {
            let closure = SendPtr(closure);
            std::sync::Arc::new(move || {
                let closure = closure;
                unsafe { f(closure.0) }
            }) as crate::core::sub::CompleteCallback
        });
        status_of(F, s.set_on_complete(callback))
    })
}

/// Unsubscribes if still valid and releases the handle; NULL is ignored.
/// Safe to call from the subscription's own callback.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Destroy(sub: *mut natsSubscription) {
    if sub.is_null() {
        return;
    }
    guard("natsSubscription_Destroy", (), || {
        let s = Subscription::from_raw(sub as *const ());
        if s.is_valid() {
            let _ = s.unsubscribe_on_destroy();
        }
    })
}
