//! Push subscriptions: `jsSubOptions_Init`, `js_Subscribe`,
//! `js_SubscribeSync`, `js_SubscribeMulti`, `js_SubscribeSyncMulti`,
//! `natsSubscription_GetConsumerInfo` and
//! `natsSubscription_GetSequenceMismatch`.

use std::ptr::addr_of_mut;
use std::sync::Arc;
use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::alloc::{read_enum, read_str, write_enum};
use super::context::{fail, read_request_options, reset_err_code, with_js, OnNotFound};
use super::convert_consumer::{c_consumer_info, read_consumer_config};
use super::errcode::jsErrCode;
use super::types::*;
use crate::core::js::ack::AckKind;
use crate::core::js::consumer::{AckPolicy, DeliverPolicy, ReplayPolicy};
use crate::core::js::push::PushSubscribeOptions;
use crate::core::js::JsError;
use crate::core::sub::MessageHandler;
use crate::core::{Message, Subscription};
use crate::ffi::error::{guard_status, null_arg, set_text};
use crate::ffi::handles::sub_ref;
use crate::ffi::status::natsStatus;
use crate::ffi::types::{natsConnection, natsMsg, natsMsgHandler, natsSubscription, SendPtr};

/// Error code the server uses for a missing consumer.
const CONSUMER_NOT_FOUND: u16 = jsErrCode::JSConsumerNotFoundErr as u16;

/// Initializes subscribe options: every field zero, NULL or false, and the
/// consumer config's deliver, ack and replay policies -1 (unset, so the
/// defaults apply). Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsSubOptions_Init(opts: *mut jsSubOptions) -> natsStatus {
    const F: &str = "jsSubOptions_Init";
    guard_status(F, || {
        if opts.is_null() {
            return null_arg(F, "opts");
        }
        std::ptr::write_bytes(opts, 0, 1);
        write_enum(addr_of_mut!((*opts).Config.DeliverPolicy), -1);
        write_enum(addr_of_mut!((*opts).Config.AckPolicy), -1);
        write_enum(addr_of_mut!((*opts).Config.ReplayPolicy), -1);
        natsStatus::NATS_OK
    })
}

fn deliver_policy(v: c_int) -> Option<DeliverPolicy> {
    Some(match v {
        0 => DeliverPolicy::All,
        1 => DeliverPolicy::Last,
        2 => DeliverPolicy::New,
        3 => DeliverPolicy::ByStartSequence,
        4 => DeliverPolicy::ByStartTime,
        5 => DeliverPolicy::LastPerSubject,
        _ => return None,
    })
}

fn ack_policy(v: c_int) -> Option<AckPolicy> {
    Some(match v {
        0 => AckPolicy::Explicit,
        1 => AckPolicy::None,
        2 => AckPolicy::All,
        _ => return None,
    })
}

fn replay_policy(v: c_int) -> Option<ReplayPolicy> {
    Some(match v {
        0 => ReplayPolicy::Instant,
        1 => ReplayPolicy::Original,
        _ => return None,
    })
}

/// Converts the application's subscribe options; NULL gives the defaults.
/// The application's struct is left unchanged.
unsafe fn read_sub_options(opts: *const jsSubOptions) -> Result<PushSubscribeOptions, JsError> {
    if opts.is_null() {
        return Ok(PushSubscribeOptions::default());
    }
    // A bitwise copy (the struct owns nothing): the config conversion
    // writes the default policies into the struct it reads, which must
    // not be the application's.
    let mut config: jsConsumerConfig = std::ptr::read(addr_of_mut!((*(opts as *mut jsSubOptions)).Config));
    let deliver = read_enum(addr_of_mut!(config.DeliverPolicy));
    let ack = read_enum(addr_of_mut!(config.AckPolicy));
    let replay = read_enum(addr_of_mut!(config.ReplayPolicy));
    let converted = read_consumer_config(&mut config);
    Ok(PushSubscribeOptions {
        stream: read_str("Stream", (*opts).Stream)?,
        consumer: read_str("Consumer", (*opts).Consumer)?,
        queue: read_str("Queue", (*opts).Queue)?,
        manual_ack: (*opts).ManualAck,
        config: converted?,
        deliver_policy: deliver_policy(deliver),
        ack_policy: ack_policy(ack),
        replay_policy: replay_policy(replay),
        ordered: (*opts).Ordered,
    })
}

/// Wraps the application's callback. Unless the subscription acknowledges
/// manually or its consumer needs no acks, the message is acknowledged
/// after the callback returns (if the callback did not acknowledge it),
/// and destroyed then: a `natsMsg_Destroy` inside the callback is deferred.
fn js_message_handler(
    cb: unsafe extern "C" fn(*mut natsConnection, *mut natsSubscription, *mut natsMsg, *mut c_void),
    closure: *mut c_void,
) -> MessageHandler {
    let closure = SendPtr(closure);
    Arc::new(move |sub: &Subscription, msg: Option<Message>| {
        let closure = closure;
        let Some(mut msg) = msg else {
            return;
        };
        let auto_ack = sub.js_sub().is_some_and(|js| !js.manual_ack && !js.ack_none);
        if auto_ack {
            msg.set_no_destroy(true);
        }
        let ptr = Box::into_raw(Box::new(natsMsg { msg }));
        unsafe {
            cb(
                sub.connection_ptr() as *mut natsConnection,
                sub.as_ptr() as *mut natsSubscription,
                ptr,
                closure.0,
            );
        }
        if auto_ack {
            let mut owned = unsafe { Box::from_raw(ptr) };
            owned.msg.set_no_destroy(false);
            if let Err(e) = owned.msg.js_ack(AckKind::Ack, false, Duration::ZERO) {
                log::debug!("auto-ack of a message of subscription {} failed: {e}", sub.id());
            }
        }
    })
}

/// Reads `numSubjects` subjects; NULL or a count of 0 or less gives none.
unsafe fn read_subjects(subjects: *const *const c_char, count: c_int) -> Result<Vec<String>, JsError> {
    if subjects.is_null() || count <= 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let subject = read_str("subjects", *subjects.add(i))?.unwrap_or_default();
        out.push(subject);
    }
    // One empty subject is no subject, as cnats treats it.
    if out.len() == 1 && out[0].is_empty() {
        out.clear();
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
unsafe fn subscribe(
    func: &'static str,
    new_sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: Result<Vec<String>, JsError>,
    cb: Option<natsMsgHandler>,
    closure: *mut c_void,
    opts: *mut jsOptions,
    sub_opts: *mut jsSubOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    if let Some(None) = cb {
        reset_err_code(err_code);
        return null_arg(func, "cb");
    }
    if new_sub.is_null() {
        reset_err_code(err_code);
        return null_arg(func, "sub");
    }
    with_js(func, js, err_code, OnNotFound::SetError, |ctx| {
        let subjects = subjects?;
        let options = read_request_options(opts)?;
        let o = read_sub_options(sub_opts)?;
        let handler = cb.flatten().map(|f| js_message_handler(f, closure));
        let sub = ctx.subscribe_push(&subjects, handler, options.as_ref(), &o)?;
        *new_sub = sub.into_raw() as *mut natsSubscription;
        Ok(())
    })
}

unsafe fn single_subject(subject: *const c_char) -> Result<Vec<String>, JsError> {
    Ok(match read_str("subject", subject)? {
        Some(s) if !s.is_empty() => vec![s],
        _ => Vec::new(),
    })
}

/// Creates an asynchronous push subscription on `subject`: `cb` receives
/// each message. The stream is looked up from the subject unless
/// `subOpts->Stream` is set. With `subOpts->Consumer` or
/// `subOpts->Config.Durable` naming an existing consumer the subscription
/// binds to it, otherwise the library creates a consumer with a new inbox
/// as its deliver subject (deleted again by `natsSubscription_Unsubscribe`
/// and `natsSubscription_Drain`, kept by `natsSubscription_Destroy`).
///
/// Messages are acknowledged after `cb` returns unless
/// `subOpts->ManualAck` is set or the consumer's ack policy is
/// `js_AckNone`.
/// `subOpts->Ordered` creates an ordered consumer that the library
/// recreates after a gap. `opts` and `subOpts` may be NULL; `errCode`, if
/// not NULL, receives the server's JetStream error code on failure.
#[no_mangle]
pub unsafe extern "C" fn js_Subscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    let subjects = single_subject(subject);
    subscribe("js_Subscribe", sub, js, subjects, Some(cb), cbClosure, opts, subOpts, errCode)
}

/// Like `js_Subscribe` with `numSubjects` filter subjects (nats-server
/// 2.10 or later).
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeMulti(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *const *const c_char,
    numSubjects: c_int,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    let list = read_subjects(subjects, numSubjects);
    subscribe("js_SubscribeMulti", sub, js, list, Some(cb), cbClosure, opts, subOpts, errCode)
}

/// Like `js_Subscribe` for a synchronous subscription: messages are read
/// with `natsSubscription_NextMsg` and acknowledged by the application.
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeSync(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    let subjects = single_subject(subject);
    subscribe(
        "js_SubscribeSync",
        sub,
        js,
        subjects,
        None,
        std::ptr::null_mut(),
        opts,
        subOpts,
        errCode,
    )
}

/// Like `js_SubscribeSync` with `numSubjects` filter subjects (nats-server
/// 2.10 or later).
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeSyncMulti(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *const *const c_char,
    numSubjects: c_int,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    let list = read_subjects(subjects, numSubjects);
    subscribe(
        "js_SubscribeSyncMulti",
        sub,
        js,
        list,
        None,
        std::ptr::null_mut(),
        opts,
        subOpts,
        errCode,
    )
}

/// Retrieves the information of the consumer of a JetStream subscription
/// into `*ci`, released with `jsConsumerInfo_Destroy`. Returns
/// `NATS_INVALID_SUBSCRIPTION` for a subscription that is not a JetStream one.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetConsumerInfo(
    ci: *mut *mut jsConsumerInfo,
    sub: *mut natsSubscription,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "natsSubscription_GetConsumerInfo";
    guard_status(F, || {
        reset_err_code(errCode);
        if ci.is_null() {
            return null_arg(F, "ci");
        }
        if sub.is_null() {
            return null_arg(F, "sub");
        }
        let s = sub_ref(sub);
        let result = read_request_options(opts).and_then(|o| s.consumer_info(o.as_ref()));
        match result {
            Ok(info) => {
                *ci = c_consumer_info(&info);
                natsStatus::NATS_OK
            }
            Err(e) => fail(F, &e, errCode, OnNotFound::ClearFor(CONSUMER_NOT_FOUND)),
        }
    })
}

/// Fills `*csm` with the gap between the consumer sequence the client
/// last received and the one the server last sent, as the latest
/// heartbeat reported it. Returns `NATS_NOT_FOUND` (without setting an
/// error) when they agree, and `NATS_INVALID_SUBSCRIPTION` for a
/// subscription that is not a JetStream one.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetSequenceMismatch(
    csm: *mut jsConsumerSequenceMismatch,
    sub: *mut natsSubscription,
) -> natsStatus {
    const F: &str = "natsSubscription_GetSequenceMismatch";
    guard_status(F, || {
        if csm.is_null() {
            return null_arg(F, "csm");
        }
        if sub.is_null() {
            return null_arg(F, "sub");
        }
        match sub_ref(sub).sequence_mismatch() {
            Ok(Some(m)) => {
                *csm = jsConsumerSequenceMismatch {
                    Stream: m.stream,
                    ConsumerClient: m.client,
                    ConsumerServer: m.server,
                };
                natsStatus::NATS_OK
            }
            Ok(None) => natsStatus::NATS_NOT_FOUND,
            Err(e) => set_text(F, e.status, e.text),
        }
    })
}
