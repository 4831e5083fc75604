//! Pull subscriptions: `js_PullSubscribe`, `js_PullSubscribeAsync`,
//! `natsSubscription_Fetch`, `natsSubscription_FetchRequest` and
//! `jsFetchRequest_Init`.

use std::ptr::addr_of;
use std::sync::Arc;
use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::alloc::{boxed_msg, c_array, c_len, read_enum, read_str, read_str_array, read_string};
use super::context::{fail, js_ref, read_request_options, reset_err_code, with_js, OnNotFound};
use super::convert_consumer::read_consumer_config;
use super::errcode::jsErrCode;
use super::types::{jsCtx, jsFetchRequest, jsOptions, jsOptionsPullSubscribeAsync, jsSubOptions};
use crate::core::js::ack::AckKind;
use crate::core::js::{
    AsyncPull, AsyncPullOptions, FetchCompleteHandler, FetchNextHandler, FetchRequest, JsError,
    PullSubscribeOptions,
};
use crate::core::sub::MessageHandler;
use crate::core::{Message, Status, Subscription};
use crate::ffi::error::{guard_status, null_arg, set_error, set_text};
use crate::ffi::handles::sub_ref;
use crate::ffi::status::natsStatus;
use crate::ffi::types::{natsConnection, natsMsg, natsMsgList, natsSubscription, SendPtr};

/// Converts the subscribe options; NULL gives the defaults of
/// `jsSubOptions_Init`. The application's struct is not changed.
unsafe fn read_sub_options(opts: *const jsSubOptions) -> Result<PullSubscribeOptions, JsError> {
    if opts.is_null() {
        return Ok(PullSubscribeOptions::default());
    }
    let o = opts;
    let cfg = addr_of!((*o).Config);
    let deliver_policy_set = read_enum(addr_of!((*cfg).DeliverPolicy)) >= 0;
    let ack_policy_set = read_enum(addr_of!((*cfg).AckPolicy)) >= 0;
    let replay_policy_set = read_enum(addr_of!((*cfg).ReplayPolicy)) >= 0;
    // A bitwise copy (the struct holds only numbers and borrowed
    // pointers), because the conversion fills unset policies in.
    let mut copy = std::ptr::read(cfg);
    let config = read_consumer_config(&mut copy)?;
    Ok(PullSubscribeOptions {
        stream: read_str("Stream", (*o).Stream)?,
        consumer: read_str("Consumer", (*o).Consumer)?,
        queue: read_str("Queue", (*o).Queue)?,
        manual_ack: (*o).ManualAck,
        ordered: (*o).Ordered,
        config,
        deliver_policy_set,
        ack_policy_set,
        replay_policy_set,
    })
}

/// Copies fetched messages into the application's list.
unsafe fn fill_list(list: *mut natsMsgList, msgs: Vec<Message>) {
    let pointers: Vec<*mut natsMsg> = msgs.into_iter().map(boxed_msg).collect();
    (*list).Count = c_len(pointers.len());
    (*list).Msgs = c_array(pointers);
}

/// Converts an application's fetch request.
unsafe fn read_fetch_request(req: *const jsFetchRequest) -> Result<FetchRequest, JsError> {
    let r = req;
    Ok(FetchRequest {
        expires: (*r).Expires,
        batch: (*r).Batch,
        max_bytes: (*r).MaxBytes,
        no_wait: (*r).NoWait,
        heartbeat: (*r).Heartbeat,
        min_pending: (*r).MinPending,
        min_ack_pending: (*r).MinAckPending,
        id: read_str("ID", (*r).ID)?,
        group: read_str("Group", (*r).Group)?,
        priority: (*r).Priority,
    })
}

/// Runs a fetch for the `natsSubscription_Fetch*` calls.
unsafe fn fetch_into(
    func: &'static str,
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    req: &FetchRequest,
    simple: bool,
) -> natsStatus {
    if sub.is_null() {
        return null_arg(func, "sub");
    }
    let s = sub_ref(sub);
    match crate::core::js::pull::fetch(&s, req, simple) {
        Ok(msgs) => {
            fill_list(list, msgs);
            natsStatus::NATS_OK
        }
        Err(e) => set_error(func, &e),
    }
}

/// Initializes a fetch request to all zeroes (no limits, no options).
/// Returns `NATS_INVALID_ARG` when `request` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsFetchRequest_Init(request: *mut jsFetchRequest) -> natsStatus {
    const F: &str = "jsFetchRequest_Init";
    guard_status(F, || {
        if request.is_null() {
            return null_arg(F, "request");
        }
        std::ptr::write_bytes(request, 0, 1);
        natsStatus::NATS_OK
    })
}

/// Fetches up to `batch` messages of the pull subscription `sub`, waiting
/// up to `timeout` milliseconds, and stores them in `list`, which the
/// application releases with `natsMsgList_Destroy`.
///
/// When more than one message is missing, the first request is a no-wait
/// request, so that what the consumer has now returns at once. Only when
/// it has nothing does a second request wait for messages.
/// Returns `NATS_OK` with at least one message, `NATS_TIMEOUT` when none
/// came in time, `NATS_INVALID_ARG` for a NULL argument or a `batch` below
/// 1, `NATS_INVALID_TIMEOUT` for a `timeout` below 1, and
/// `NATS_INVALID_SUBSCRIPTION` for a subscription that is not a pull
/// subscription. `errCode` (may be NULL) is set to 0.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Fetch(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    batch: c_int,
    timeout: i64,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "natsSubscription_Fetch";
    guard_status(F, || {
        reset_err_code(errCode);
        if list.is_null() {
            return null_arg(F, "list");
        }
        std::ptr::write_bytes(list, 0, 1);
        let req = FetchRequest {
            batch,
            expires: timeout.saturating_mul(1_000_000),
            ..FetchRequest::default()
        };
        fetch_into(F, list, sub, &req, true)
    })
}

/// Fetches messages of the pull subscription `sub` with the options of
/// `request` (batch, max bytes, expiration, no wait, heartbeat, priority
/// group fields) and stores them in `list`.
///
/// Returns `NATS_OK` with the messages that arrived before the request
/// ended. Without any message, returns why it ended. `NATS_TIMEOUT`:
/// `Expires` passed or the server expired the request (408).
/// `NATS_NOT_FOUND`: a no-wait request found nothing (404).
/// `NATS_LIMIT_REACHED`, with the server's description as the last error:
/// a 409, for example when the next message is larger than `MaxBytes` or
/// the consumer was deleted. `NATS_MISSED_HEARTBEAT`: the server sent
/// nothing for two `Heartbeat` intervals. `Expires` must be positive
/// unless `NoWait` is set (`NATS_INVALID_TIMEOUT`).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_FetchRequest(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    request: *mut jsFetchRequest,
) -> natsStatus {
    const F: &str = "natsSubscription_FetchRequest";
    guard_status(F, || {
        if list.is_null() {
            return null_arg(F, "list");
        }
        std::ptr::write_bytes(list, 0, 1);
        if request.is_null() {
            return null_arg(F, "request");
        }
        let req = match read_fetch_request(request) {
            Ok(r) => r,
            Err(e) => return set_text(F, e.status, e.text),
        };
        fetch_into(F, list, sub, &req, false)
    })
}

/// Creates a pull subscription on `subject`, read with
/// `natsSubscription_Fetch` and `natsSubscription_FetchRequest`.
///
/// The consumer is `subOpts->Consumer`, else `durable`, else
/// `subOpts->Config.Durable`: an existing one is bound to (its
/// configuration must match what `subOpts->Config` sets), a missing one is
/// created with `subject` as its filter. Without any name an ephemeral
/// consumer is created. `natsSubscription_Unsubscribe` and
/// `natsSubscription_Drain` delete a consumer this call created;
/// `natsSubscription_Destroy` never does. The stream is
/// `subOpts->Stream`, or looked up from `subject`. `opts` (may be NULL)
/// gives the API prefix, domain and wait time. `errCode` (may be NULL)
/// receives the server's error code.
#[no_mangle]
pub unsafe extern "C" fn js_PullSubscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "js_PullSubscribe";
    guard_status(F, || {
        reset_err_code(errCode);
        if sub.is_null() {
            return null_arg(F, "sub");
        }
        if js.is_null() {
            return null_arg(F, "js");
        }
        let result = subscribe(&js_ref(js), subject, durable, opts, subOpts, None);
        match result {
            Ok(s) => {
                *sub = s.into_raw() as *mut natsSubscription;
                natsStatus::NATS_OK
            }
            Err(e) => fail(F, &e, errCode, OnNotFound::SetError),
        }
    })
}

unsafe fn subscribe(
    js: &crate::core::js::JetStream,
    subject: *const c_char,
    durable: *const c_char,
    opts: *const jsOptions,
    sub_opts: *const jsSubOptions,
    async_pull: Option<Arc<AsyncPull>>,
) -> Result<Subscription, JsError> {
    let subject = read_str("subject", subject)?;
    let durable = read_str("durable", durable)?;
    let call = read_request_options(opts)?;
    let options = read_sub_options(sub_opts)?;
    js.pull_subscribe(
        subject.as_deref(),
        durable.as_deref(),
        &options,
        call.as_ref(),
        async_pull,
    )
}

/// Wraps the application's callback. Unless the subscription acknowledges
/// manually or its consumer needs no acks, the message is acknowledged
/// after the callback returns (when the callback did not ack, nak or term
/// it), as cnats does. A `natsMsg_Destroy` in the callback is then
/// deferred until after that ack.
fn message_handler(
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
        let ptr = boxed_msg(msg);
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

fn complete_handler(
    cb: unsafe extern "C" fn(*mut natsConnection, *mut natsSubscription, natsStatus, *mut c_void),
    closure: *mut c_void,
) -> FetchCompleteHandler {
    let closure = SendPtr(closure);
    Arc::new(move |sub: &Subscription, status: Status| {
        let closure = closure;
        unsafe {
            cb(
                sub.connection_ptr() as *mut natsConnection,
                sub.as_ptr() as *mut natsSubscription,
                natsStatus::from(status),
                closure.0,
            )
        }
    })
}

fn next_handler(
    cb: unsafe extern "C" fn(*mut c_int, *mut i64, *mut natsSubscription, *mut c_void) -> bool,
    closure: *mut c_void,
) -> FetchNextHandler {
    let closure = SendPtr(closure);
    Arc::new(move |sub: &Subscription| {
        let closure = closure;
        let mut messages: c_int = 0;
        let mut max_bytes: i64 = 0;
        let more = unsafe {
            cb(
                &mut messages,
                &mut max_bytes,
                sub.as_ptr() as *mut natsSubscription,
                closure.0,
            )
        };
        (more && messages > 0).then_some((messages, max_bytes.max(0)))
    })
}

/// Converts the `PullSubscribeAsync` part of the context options.
unsafe fn read_async_options(o: *const jsOptionsPullSubscribeAsync) -> Result<AsyncPullOptions, JsError> {
    let millis = |v: i64| Duration::from_millis(v.max(0) as u64);
    Ok(AsyncPullOptions {
        timeout: millis((*o).Timeout),
        max_messages: (*o).MaxMessages.max(0),
        max_bytes: (*o).MaxBytes.max(0),
        no_wait: (*o).NoWait,
        heartbeat: millis((*o).Heartbeat),
        group: read_str("PullSubscribeAsync.Group", (*o).Group)?,
        min_pending: (*o).MinPending,
        min_ack_pending: (*o).MinAckPending,
        fetch_size: (*o).FetchSize,
        keep_ahead: (*o).KeepAhead.max(0),
        next: (*o).NextHandler.map(|f| next_handler(f, (*o).NextHandlerClosure)),
        complete: (*o).CompleteHandler.map(|f| complete_handler(f, (*o).CompleteHandlerClosure)),
    })
}

/// Creates a pull subscription whose messages the library requests
/// itself and passes to `msgCB`, on the subscription's own thread.
///
/// The consumer is found or created as by `js_PullSubscribe`.
/// `jsOpts->PullSubscribeAsync` sets the requests: `FetchSize` messages
/// each (128 when 0), the next one sent once the previous one is used up
/// or when only `KeepAhead` requested messages are still to come, or as
/// `NextHandler` decides. The subscription is unsubscribed, which deletes
/// a consumer it created, once it reaches `MaxMessages` messages or
/// `MaxBytes` bytes or `Timeout` milliseconds. It also ends when the
/// server ends a request (404 with `NoWait`, 408, 409), or sends nothing
/// for two `Heartbeat` intervals. `CompleteHandler` then runs with
/// `NATS_MAX_DELIVERED_MSGS`, `NATS_LIMIT_REACHED`, `NATS_TIMEOUT`,
/// `NATS_NOT_FOUND`, `NATS_MISSED_HEARTBEAT` and so on, `NATS_OK` after an
/// unsubscribe by the application, or `NATS_CONNECTION_CLOSED`. Messages
/// are acknowledged after `msgCB` returns unless `opts->ManualAck` is set
/// or the ack policy is none.
#[no_mangle]
pub unsafe extern "C" fn js_PullSubscribeAsync(
    newsub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    msgCB: super::super::types::natsMsgHandler,
    msgCBClosure: *mut c_void,
    jsOpts: *mut jsOptions,
    opts: *mut jsSubOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "js_PullSubscribeAsync";
    guard_status(F, || {
        if newsub.is_null() {
            return null_arg(F, "newsub");
        }
        let Some(cb) = msgCB else {
            return null_arg(F, "msgCB");
        };
        let async_opts = if jsOpts.is_null() {
            AsyncPullOptions::default()
        } else {
            match read_async_options(addr_of!((*jsOpts).PullSubscribeAsync)) {
                Ok(o) => o,
                Err(e) => return set_text(F, e.status, e.text),
            }
        };
        let groups = if opts.is_null() {
            Vec::new()
        } else {
            let cfg = addr_of!((*opts).Config);
            match read_str_array("PriorityGroups", (*cfg).PriorityGroups, (*cfg).PriorityGroupsLen) {
                Ok(g) => g,
                Err(e) => return set_text(F, e.status, e.text),
            }
        };
        if let Err(e) = async_opts.check(&groups) {
            return set_error(F, &e);
        }
        reset_err_code(errCode);
        if js.is_null() {
            return null_arg(F, "js");
        }
        let async_pull = AsyncPull::new(async_opts, message_handler(cb, msgCBClosure));
        let ctx = js_ref(js);
        let sub = match subscribe(&ctx, subject, durable, jsOpts, opts, Some(async_pull.clone())) {
            Ok(s) => s,
            Err(e) => return fail(F, &e, errCode, OnNotFound::SetError),
        };
        if let Err(e) = async_pull.start(&sub) {
            let _ = sub.unsubscribe_on_destroy();
            return set_error(F, &e);
        }
        *newsub = sub.into_raw() as *mut natsSubscription;
        natsStatus::NATS_OK
    })
}

/// Unpins the subscription pinned to priority group `group` of consumer
/// `consumer` (priority policy `pinned_client`), so that the server pins
/// another pull subscription. The group must be 1 to 16 characters of
/// `[A-Za-z0-9-_/=]` (`NATS_INVALID_ARG`). A missing consumer returns
/// `NATS_NOT_FOUND` with `errCode` 10014 and the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_UnpinConsumer(
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    group: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_UnpinConsumer",
        js,
        errCode,
        OnNotFound::ClearFor(jsErrCode::JSConsumerNotFoundErr as u16),
        |ctx| {
            let stream = read_string("stream", stream)?;
            let consumer = read_string("consumer", consumer)?;
            let group = read_string("group", group)?;
            let options = read_request_options(opts)?;
            ctx.unpin_consumer(&stream, &consumer, &group, options.as_ref())
        },
    )
}
