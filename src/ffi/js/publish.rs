//! Synchronous JetStream publishing (`js_Publish`, `js_PublishMsg`) and
//! atomic batches (`js_BatchPublishStart`, `js_BatchPublishAdd`,
//! `js_BatchPublishCommit`).

use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::alloc::{c_box, free, opt_c_string, read_str};
use super::context::{fail, millis, reset_err_code, with_js, OnNotFound};
use super::errcode::jsErrCode;
use super::types::{jsAtomicBatchCtx, jsCtx, jsPubAck, jsPubOptions};
use crate::core::js::{AtomicBatch, JsError, JsResult, PubAck, PubOptions, ScheduleOptions};
use crate::core::Message;
use crate::ffi::error::{guard, guard_status, null_arg};
use crate::ffi::handles::payload;
use crate::ffi::status::natsStatus;
use crate::ffi::types::natsMsg;

/// Converts publish options; NULL gives `None`. A negative `MaxWait` is
/// an error for synchronous publishes and means no timeout for
/// asynchronous ones, as in cnats.
pub(crate) unsafe fn read_pub_options(
    opts: *const jsPubOptions,
    asynchronous: bool,
) -> JsResult<Option<PubOptions>> {
    if opts.is_null() {
        return Ok(None);
    }
    let o = opts;
    let max_wait = if asynchronous {
        Duration::from_millis((*o).MaxWait.max(0) as u64)
    } else {
        millis("MaxWait", (*o).MaxWait)?
    };
    let s = &(*o).Schedule;
    Ok(Some(PubOptions {
        max_wait,
        msg_id: read_str("MsgId", (*o).MsgId)?,
        expect_stream: read_str("ExpectStream", (*o).ExpectStream)?,
        expect_last_msg_id: read_str("ExpectLastMsgId", (*o).ExpectLastMsgId)?,
        expect_last_seq: (*o).ExpectLastSeq,
        expect_last_subject_seq: (*o).ExpectLastSubjectSeq,
        expect_last_subject_seq_subject: read_str(
            "ExpectLastSubjectSeqSubject",
            (*o).ExpectLastSubjectSeqSubject,
        )?,
        expect_no_message: (*o).ExpectNoMessage,
        msg_ttl: (*o).MsgTTL,
        schedule: ScheduleOptions {
            schedule: read_str("Schedule.Schedule", s.Schedule)?,
            target: read_str("Schedule.Target", s.Target)?,
            source: read_str("Schedule.Source", s.Source)?,
            ttl: s.TTL,
            time_zone: read_str("Schedule.TimeZone", s.TimeZone)?,
            rollup: s.Rollup,
            cancel_scheduled_subject: read_str(
                "Schedule.CancelScheduledSubject",
                s.CancelScheduledSubject,
            )?,
        },
    }))
}

/// Builds a `malloc`ed acknowledgment, freed by [`free_pub_ack`].
pub(crate) fn c_pub_ack(ack: &PubAck) -> jsPubAck {
    jsPubAck {
        Stream: opt_c_string(&ack.stream),
        Sequence: ack.sequence,
        Domain: opt_c_string(&ack.domain),
        Duplicate: ack.duplicate,
        Batch: opt_c_string(&ack.batch),
        Count: ack.count,
        Value: opt_c_string(&ack.value),
    }
}

/// Frees the strings of an acknowledgment built by [`c_pub_ack`].
pub(crate) unsafe fn free_pub_ack_strings(pa: *mut jsPubAck) {
    free((*pa).Stream);
    free((*pa).Domain);
    free((*pa).Batch);
    free((*pa).Value);
}

unsafe fn store_ack(pub_ack: *mut *mut jsPubAck, ack: Option<PubAck>) {
    if !pub_ack.is_null() {
        *pub_ack = ack.map_or(std::ptr::null_mut(), |a| c_box(c_pub_ack(&a)));
    }
}

/// Initializes publish options to all zero/NULL fields. Returns
/// `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsPubOptions_Init(opts: *mut jsPubOptions) -> natsStatus {
    const F: &str = "jsPubOptions_Init";
    guard_status(F, || {
        if opts.is_null() {
            return null_arg(F, "opts");
        }
        std::ptr::write_bytes(opts, 0, 1);
        natsStatus::NATS_OK
    })
}

/// Publishes `dataLen` bytes of `data` (NULL when `dataLen` is 0) on
/// `subj` and waits for the stream's acknowledgment; see `js_PublishMsg`.
#[no_mangle]
pub unsafe extern "C" fn js_Publish(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "js_Publish";
    with_js(F, js, errCode, OnNotFound::SetError, |ctx| {
        let subject = read_str("subj", subj)?.unwrap_or_default();
        if subject.is_empty() {
            return Err(JsError::invalid_arg("subject is required"));
        }
        let bytes = payload(F, data, dataLen)
            .map_err(|_| JsError::invalid_arg("invalid data or data length"))?;
        let options = read_pub_options(opts, false)?;
        let mut msg = Message::new(&subject, None, bytes)?;
        let ack = ctx.publish_msg(&mut msg, options.as_ref())?;
        store_ack(pubAck, ack);
        Ok(())
    })
}

/// Publishes `msg` and waits for the stream's acknowledgment, up to
/// `opts->MaxWait` milliseconds or the context's wait.
///
/// `opts` may be NULL. Its fields are sent as headers set on `msg`:
/// `MsgId` as `Nats-Msg-Id`, the `Expect*` fields as `Nats-Expected-*`
/// headers, `MsgTTL` as `Nats-TTL`, and the schedule options. A message id
/// already stored within the stream's duplicate window gives an
/// acknowledgment with `Duplicate` set. `pubAck` may be NULL;
/// otherwise it receives the acknowledgment, which the caller releases
/// with `jsPubAck_Destroy`. A failed expectation or another server error
/// returns `NATS_ERR` with the server's description as the last error and
/// its code in `errCode`. When no stream stores the subject, the call
/// returns `NATS_NO_RESPONDERS` with `errCode` 10076.
#[no_mangle]
pub unsafe extern "C" fn js_PublishMsg(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js("js_PublishMsg", js, errCode, OnNotFound::SetError, |ctx| {
        if msg.is_null() {
            return Err(JsError::invalid_arg("'msg' is NULL"));
        }
        let options = read_pub_options(opts, false)?;
        let ack = ctx.publish_msg(&mut (*msg).msg, options.as_ref())?;
        store_ack(pubAck, ack);
        Ok(())
    })
}

/// Releases an acknowledgment and its strings; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsPubAck_Destroy(pubAck: *mut jsPubAck) {
    if pubAck.is_null() {
        return;
    }
    guard("jsPubAck_Destroy", (), || {
        free_pub_ack_strings(pubAck);
        free(pubAck);
    })
}

/// Runs a batch call, reporting its error with `errCode`.
unsafe fn batch_call(
    func: &'static str,
    err_code: *mut jsErrCode,
    body: impl FnOnce() -> Result<natsStatus, JsError>,
) -> natsStatus {
    guard_status(func, || {
        reset_err_code(err_code);
        match body() {
            Ok(s) => s,
            Err(e) => fail(func, &e, err_code, OnNotFound::SetError),
        }
    })
}

/// Starts an atomic batch on `js` (the stream must allow atomic publish)
/// and publishes `msg` as its first message with the `Nats-Batch-Id` and
/// `Nats-Batch-Sequence` headers.
///
/// `*ctx` receives the batch, even when the first publish fails. The
/// caller releases it with `jsAtomicBatchCtx_Destroy` after the commit or
/// when abandoning the batch. `new_puback` may be
/// NULL; the server acknowledges only the commit, so it receives NULL for
/// other messages. `ctx`, `js` and `msg` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn js_BatchPublishStart(
    ctx: *mut *mut jsAtomicBatchCtx,
    new_puback: *mut *mut jsPubAck,
    js: *mut jsCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "js_BatchPublishStart";
    batch_call(F, errCode, || {
        if ctx.is_null() {
            return Ok(null_arg(F, "ctx"));
        }
        if js.is_null() {
            return Ok(null_arg(F, "js"));
        }
        if msg.is_null() {
            return Ok(null_arg(F, "msg"));
        }
        let options = read_pub_options(opts, false)?;
        let context = super::context::js_ref(js);
        let (batch, result) = AtomicBatch::start(&context, &mut (*msg).msg, options.as_ref());
        *ctx = Box::into_raw(Box::new(jsAtomicBatchCtx { batch }));
        store_ack(new_puback, result?);
        Ok(natsStatus::NATS_OK)
    })
}

unsafe fn batch_add(
    func: &'static str,
    commit: bool,
    new_puback: *mut *mut jsPubAck,
    ctx: *mut jsAtomicBatchCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    batch_call(func, err_code, || {
        if ctx.is_null() {
            return Ok(null_arg(func, "ctx"));
        }
        if msg.is_null() {
            return Ok(null_arg(func, "msg"));
        }
        let options = read_pub_options(opts, false)?;
        let batch = &(*ctx).batch;
        let message = &mut (*msg).msg;
        let ack = if commit {
            batch.commit(message, options.as_ref())?
        } else {
            batch.add(message, options.as_ref())?
        };
        store_ack(new_puback, ack);
        Ok(natsStatus::NATS_OK)
    })
}

/// Publishes `msg` as the next message of the atomic batch `ctx`.
/// `new_puback` may be NULL; it receives NULL unless the server replied
/// with an acknowledgment. `ctx` and `msg` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn js_BatchPublishAdd(
    new_puback: *mut *mut jsPubAck,
    ctx: *mut jsAtomicBatchCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    batch_add(
        "js_BatchPublishAdd",
        false,
        new_puback,
        ctx,
        msg,
        opts,
        errCode,
    )
}

/// Publishes `msg` as the last message of the atomic batch `ctx`, with the
/// `Nats-Batch-Commit` header, and waits for the acknowledgment of the
/// whole batch (`Count` is the number of messages). `new_puback` may be
/// NULL; otherwise the caller releases it with `jsPubAck_Destroy`. A
/// rejected batch returns `NATS_ERR` with the server's code in `errCode`.
#[no_mangle]
pub unsafe extern "C" fn js_BatchPublishCommit(
    new_puback: *mut *mut jsPubAck,
    ctx: *mut jsAtomicBatchCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    batch_add(
        "js_BatchPublishCommit",
        true,
        new_puback,
        ctx,
        msg,
        opts,
        errCode,
    )
}

/// Releases an atomic batch and its reference to the JetStream context;
/// NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsAtomicBatchCtx_Destroy(ctx: *mut jsAtomicBatchCtx) {
    if !ctx.is_null() {
        guard("jsAtomicBatchCtx_Destroy", (), || drop(Box::from_raw(ctx)));
    }
}
