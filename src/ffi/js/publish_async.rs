//! Asynchronous JetStream publishing: `js_PublishAsync`,
//! `js_PublishMsgAsync`, `js_PublishAsyncComplete`,
//! `js_PublishAsyncGetPendingList`, and the C publish handlers.

use std::ffi::CString;
use std::mem::MaybeUninit;
use std::ptr::{addr_of, addr_of_mut, null_mut};
use std::sync::Arc;

use libc::{c_char, c_int, c_void};

use super::alloc::{boxed_msg, c_array, c_len, read_str, write_enum};
use super::context::{fail, js_ref, millis, OnNotFound};
use super::publish::{c_pub_ack, free_pub_ack_strings, read_pub_options};
use super::types::{jsCtx, jsOptionsPublishAsync, jsPubAckErr, jsPubOptions};
use crate::core::js::{AckHandler, ErrHandler, JetStream, JsError, PublishAsyncOptions};
use crate::core::{Message, Status};
use crate::ffi::error::{self, guard_status, null_arg};
use crate::ffi::handles::payload;
use crate::ffi::status::natsStatus;
use crate::ffi::types::{natsMsg, natsMsgList, SendPtr};

/// Builds the failure record passed to the handlers. `ErrCode` is written
/// as an integer because the server may send a code the enum lacks.
unsafe fn pub_ack_err(msg: *mut natsMsg, e: &JsError, text: &CString) -> MaybeUninit<jsPubAckErr> {
    let mut pae = MaybeUninit::<jsPubAckErr>::zeroed();
    let p = pae.as_mut_ptr();
    addr_of_mut!((*p).Msg).write(msg);
    addr_of_mut!((*p).Err).write(natsStatus::from(e.status));
    write_enum(addr_of_mut!((*p).ErrCode), c_int::from(e.code));
    addr_of_mut!((*p).ErrText).write(text.as_ptr());
    pae
}

fn error_text(e: &JsError) -> CString {
    CString::new(e.text.replace('\0', " ")).unwrap_or_default()
}

fn ack_handler(
    cb: unsafe extern "C" fn(
        *mut jsCtx,
        *mut natsMsg,
        *mut super::types::jsPubAck,
        *mut jsPubAckErr,
        *mut c_void,
    ),
    closure: SendPtr,
) -> AckHandler {
    Arc::new(move |js: &JetStream, msg: Message, outcome| {
        let closure = closure;
        let js_ptr = js.as_ptr() as *mut jsCtx;
        let msg_ptr = boxed_msg(msg);
        unsafe {
            match outcome {
                Ok(ack) => {
                    let mut pa = c_pub_ack(&ack);
                    cb(js_ptr, msg_ptr, &mut pa, null_mut(), closure.0);
                    free_pub_ack_strings(&mut pa);
                }
                Err(e) => {
                    let text = error_text(&e);
                    // As in cnats, the message goes in `msg` and `pae->Msg` is NULL.
                    let mut pae = pub_ack_err(null_mut(), &e, &text);
                    cb(js_ptr, msg_ptr, null_mut(), pae.as_mut_ptr(), closure.0);
                }
            }
        }
    })
}

fn err_handler(
    cb: unsafe extern "C" fn(*mut jsCtx, *mut jsPubAckErr, *mut c_void),
    closure: SendPtr,
) -> ErrHandler {
    Arc::new(move |js: &JetStream, msg: Message, e: JsError| {
        let closure = closure;
        let js_ptr = js.as_ptr() as *mut jsCtx;
        let msg_ptr = boxed_msg(msg);
        let text = error_text(&e);
        unsafe {
            let mut pae = pub_ack_err(msg_ptr, &e, &text);
            cb(js_ptr, pae.as_mut_ptr(), closure.0);
            // A handler that resent the message cleared `pae->Msg`, and the
            // message now belongs to the new publish.
            let left = addr_of!((*pae.as_ptr()).Msg).read();
            if left == msg_ptr {
                drop(Box::from_raw(msg_ptr));
            }
        }
    })
}

/// Converts the asynchronous publishing options of a context.
pub(crate) unsafe fn read_publish_async(
    o: &jsOptionsPublishAsync,
) -> Result<PublishAsyncOptions, JsError> {
    let stall_wait = millis("PublishAsync.StallWait", o.StallWait)?;
    let ack = o
        .AckHandler
        .map(|cb| ack_handler(cb, SendPtr(o.AckHandlerClosure)));
    let err = if ack.is_some() {
        None
    } else {
        o.ErrHandler
            .map(|cb| err_handler(cb, SendPtr(o.ErrHandlerClosure)))
    };
    Ok(PublishAsyncOptions {
        max_pending: o.MaxPending,
        stall_wait,
        ack_handler: ack,
        err_handler: err,
    })
}

/// Publishes `dataLen` bytes of `data` on `subj` without waiting for the
/// acknowledgment; see `js_PublishMsgAsync`. The library copies the data.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsync(
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *mut jsPubOptions,
) -> natsStatus {
    const F: &str = "js_PublishAsync";
    guard_status(F, || {
        if js.is_null() {
            return null_arg(F, "js");
        }
        let result = (|| {
            let subject = read_str("subj", subj)?.unwrap_or_default();
            if subject.is_empty() {
                return Err(JsError::new(Status::InvalidSubject, "subject is required"));
            }
            let bytes = payload(F, data, dataLen)
                .map_err(|_| JsError::invalid_arg("invalid data or data length"))?;
            let options = read_pub_options(opts, true)?;
            let msg = Message::new(&subject, None, bytes)?;
            js_ref(js)
                .publish_msg_async(msg, options.as_ref())
                .map_err(|(e, _)| e)
        })();
        match result {
            Ok(()) => natsStatus::NATS_OK,
            Err(e) => fail(F, &e, null_mut(), OnNotFound::SetError),
        }
    })
}

/// Publishes `*msg` without waiting for the acknowledgment.
///
/// On success the library owns the message and sets `*msg` to NULL, so a
/// following `natsMsg_Destroy(*msg)` does nothing. Without handlers the
/// library destroys the message once it is acknowledged. The context's
/// `PublishAsync.AckHandler` receives every message and owns it. The
/// `PublishAsync.ErrHandler` receives the failed ones, which the library
/// destroys after the handler returns unless the handler resent them. The
/// handlers run on a library thread. With `opts->MaxWait` set, a publish not acknowledged within that many
/// milliseconds fails with `NATS_TIMEOUT`. When `PublishAsync.MaxPending`
/// publishes are unacknowledged, the call waits up to
/// `PublishAsync.StallWait` milliseconds and then fails with
/// `NATS_TIMEOUT`. On failure `*msg` still belongs to the caller.
#[no_mangle]
pub unsafe extern "C" fn js_PublishMsgAsync(
    js: *mut jsCtx,
    msg: *mut *mut natsMsg,
    opts: *mut jsPubOptions,
) -> natsStatus {
    const F: &str = "js_PublishMsgAsync";
    guard_status(F, || {
        if js.is_null() {
            return null_arg(F, "js");
        }
        if msg.is_null() || (*msg).is_null() {
            return null_arg(F, "msg");
        }
        let options = match read_pub_options(opts, true) {
            Ok(o) => o,
            Err(e) => return fail(F, &e, null_mut(), OnNotFound::SetError),
        };
        let placeholder = match Message::new("_", None, &[]) {
            Ok(m) => m,
            Err(e) => return error::set_error(F, &e),
        };
        let message = std::mem::replace(&mut (**msg).msg, placeholder);
        match js_ref(js).publish_msg_async(message, options.as_ref()) {
            Ok(()) => {
                drop(Box::from_raw(*msg));
                *msg = null_mut();
                natsStatus::NATS_OK
            }
            Err((e, back)) => {
                (**msg).msg = back;
                fail(F, &e, null_mut(), OnNotFound::SetError)
            }
        }
    })
}

/// Waits until every asynchronous publish of `js` is acknowledged or
/// failed and its handler has returned. Without `opts->MaxWait` the wait
/// has no limit; otherwise the call returns `NATS_TIMEOUT` after that many
/// milliseconds. A negative `MaxWait` is `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsyncComplete(
    js: *mut jsCtx,
    opts: *mut jsPubOptions,
) -> natsStatus {
    const F: &str = "js_PublishAsyncComplete";
    guard_status(F, || {
        if js.is_null() {
            return null_arg(F, "js");
        }
        let result = read_pub_options(opts, false).and_then(|o| {
            js_ref(js).publish_async_complete(o.map(|o| o.max_wait).unwrap_or_default())
        });
        match result {
            Ok(()) => natsStatus::NATS_OK,
            Err(e) => fail(F, &e, null_mut(), OnNotFound::SetError),
        }
    })
}

/// Takes back the messages of `js` still waiting for an acknowledgment,
/// in publish order, into `pending`: the caller owns them again (it may
/// resend them) and releases the list with `natsMsgList_Destroy`.
/// Acknowledgments that arrive later are ignored. No pending message
/// returns `NATS_NOT_FOUND` with the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsyncGetPendingList(
    pending: *mut natsMsgList,
    js: *mut jsCtx,
) -> natsStatus {
    const F: &str = "js_PublishAsyncGetPendingList";
    guard_status(F, || {
        if pending.is_null() {
            return null_arg(F, "pending");
        }
        if js.is_null() {
            return null_arg(F, "js");
        }
        match js_ref(js).publish_async_pending() {
            Ok(messages) => {
                let pointers: Vec<*mut natsMsg> = messages.into_iter().map(boxed_msg).collect();
                (*pending).Count = c_len(pointers.len());
                (*pending).Msgs = c_array(pointers);
                natsStatus::NATS_OK
            }
            Err(e) => fail(F, &e, null_mut(), OnNotFound::Clear),
        }
    })
}
