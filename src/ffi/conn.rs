//! `natsConnection_*`: connecting, publishing, requests, subscribing and
//! reading connection state.

use std::sync::Arc;
use std::time::Duration;

use libc::{c_char, c_int, c_void};

use super::error::{guard, guard_status, null_arg, set_error, set_text, status_of};
use super::handles::{conn_ref, copy_to_buffer, opt_str, payload, subject_str};
use super::status::{natsConnStatus, natsStatus};
use super::types::{natsConnection, natsMsg, natsMsgHandler, natsOptions, natsStatistics, natsSubscription, SendPtr};
use crate::core::{Connection, Status, Subscription};

/// Flush timeout used by `natsConnection_Flush`: 10 seconds.
const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

unsafe fn store_conn(nc: *mut *mut natsConnection, conn: Connection) {
    crate::core::lifecycle::handle_created();
    *nc = conn.into_raw() as *mut natsConnection;
}

/// Connects to a server with `options` (NULL for defaults, which means
/// `NATS_DEFAULT_URL`). Blocks until connected or failed; on success `*nc`
/// receives a connection released with `natsConnection_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Connect(
    nc: *mut *mut natsConnection,
    options: *mut natsOptions,
) -> natsStatus {
    const F: &str = "natsConnection_Connect";
    guard_status(F, || {
        if nc.is_null() {
            return null_arg(F, "nc");
        }
        let opts = if options.is_null() {
            crate::core::Options::default()
        } else {
            (*options).inner.lock().clone()
        };
        match Connection::connect(&opts) {
            Ok(conn) => {
                let connected = conn.status() != crate::core::ConnStatus::Reconnecting;
                store_conn(nc, conn);
                if connected {
                    natsStatus::NATS_OK
                } else {
                    set_text(
                        F,
                        Status::NotYetConnected,
                        "no server was reachable yet; the connection keeps retrying in the background",
                    )
                }
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Connects with default options to `urls`, a comma-separated list of
/// server URLs (NULL for `NATS_DEFAULT_URL`).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ConnectTo(
    nc: *mut *mut natsConnection,
    urls: *const c_char,
) -> natsStatus {
    const F: &str = "natsConnection_ConnectTo";
    guard_status(F, || {
        if nc.is_null() {
            return null_arg(F, "nc");
        }
        let urls = match opt_str(F, "urls", urls) {
            Ok(u) => u.unwrap_or(crate::core::DEFAULT_URL),
            Err(s) => return s,
        };
        match Connection::connect_to(urls) {
            Ok(conn) => {
                store_conn(nc, conn);
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Runs `body` with the connection behind `nc`, or records
/// `NATS_INVALID_ARG` when it is NULL.
pub(crate) unsafe fn with_conn(
    func: &'static str,
    nc: *mut natsConnection,
    body: impl FnOnce(&Connection) -> natsStatus,
) -> natsStatus {
    guard_status(func, || {
        if nc.is_null() {
            return null_arg(func, "nc");
        }
        let conn = conn_ref(nc);
        body(&conn)
    })
}

/// Closes the connection: pending data is flushed (for at most 2 seconds),
/// subscriptions stop, and the closed callback runs. The handle stays valid
/// until `natsConnection_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Close(nc: *mut natsConnection) {
    if nc.is_null() {
        return;
    }
    guard("natsConnection_Close", (), || conn_ref(nc).close())
}

/// Closes the connection if needed and releases the handle; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Destroy(nc: *mut natsConnection) {
    if nc.is_null() {
        return;
    }
    guard("natsConnection_Destroy", (), || {
        let conn = Connection::from_raw(nc as *const ());
        crate::core::lifecycle::handle_released();
        conn.close();
    })
}

/// Returns true if the connection is closed (or `nc` is NULL).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsClosed(nc: *mut natsConnection) -> bool {
    if nc.is_null() {
        return true;
    }
    guard("natsConnection_IsClosed", true, || conn_ref(nc).is_closed())
}

/// Returns true while the connection is reconnecting.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsReconnecting(nc: *mut natsConnection) -> bool {
    if nc.is_null() {
        return false;
    }
    guard("natsConnection_IsReconnecting", false, || conn_ref(nc).is_reconnecting())
}

/// Returns the state of the connection; NULL gives `NATS_CONN_STATUS_CLOSED`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Status(nc: *mut natsConnection) -> natsConnStatus {
    if nc.is_null() {
        return natsConnStatus::NATS_CONN_STATUS_CLOSED;
    }
    guard("natsConnection_Status", natsConnStatus::NATS_CONN_STATUS_CLOSED, || {
        conn_ref(nc).status().into()
    })
}

/// Returns the number of bytes buffered and not yet sent, or -1 when `nc`
/// is NULL or closed.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Buffered(nc: *mut natsConnection) -> c_int {
    if nc.is_null() {
        return -1;
    }
    guard("natsConnection_Buffered", -1, || {
        let conn = conn_ref(nc);
        if conn.is_closed() {
            -1
        } else {
            conn.buffered().min(c_int::MAX as usize) as c_int
        }
    })
}

/// Sends a PING and waits up to 10 seconds for the server's PONG, so that
/// everything published before has reached the server.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Flush(nc: *mut natsConnection) -> natsStatus {
    with_conn("natsConnection_Flush", nc, |conn| {
        status_of("natsConnection_Flush", conn.flush_timeout(DEFAULT_FLUSH_TIMEOUT))
    })
}

/// Like `natsConnection_Flush` with a timeout in milliseconds; a timeout of
/// 0 or less is `NATS_INVALID_TIMEOUT`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_FlushTimeout(nc: *mut natsConnection, timeout: i64) -> natsStatus {
    const F: &str = "natsConnection_FlushTimeout";
    with_conn(F, nc, |conn| {
        if timeout <= 0 {
            return set_text(F, Status::InvalidTimeout, format!("{F}: timeout must be positive"));
        }
        status_of(F, conn.flush_timeout(Duration::from_millis(timeout as u64)))
    })
}

/// Returns the largest payload the server accepts, 0 when `nc` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetMaxPayload(nc: *mut natsConnection) -> i64 {
    if nc.is_null() {
        return 0;
    }
    guard("natsConnection_GetMaxPayload", 0, || conn_ref(nc).max_payload())
}

/// Copies the connection's counters into `stats`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetStats(nc: *mut natsConnection, stats: *mut natsStatistics) -> natsStatus {
    const F: &str = "natsConnection_GetStats";
    with_conn(F, nc, |conn| {
        if stats.is_null() {
            return null_arg(F, "stats");
        }
        (*stats).stats = conn.stats();
        natsStatus::NATS_OK
    })
}

unsafe fn text_query(
    func: &'static str,
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
    get: impl FnOnce(&Connection) -> Option<String>,
) -> natsStatus {
    with_conn(func, nc, |conn| {
        if buffer.is_null() {
            return null_arg(func, "buffer");
        }
        if bufferSize == 0 {
            return set_text(func, Status::InvalidArg, format!("{func}: bufferSize is 0"));
        }
        match get(conn) {
            Some(text) => copy_to_buffer(func, &text, buffer, bufferSize),
            None => {
                *buffer = 0;
                natsStatus::NATS_OK
            }
        }
    })
}

/// Copies the URL of the connected server (without credentials) into
/// `buffer`; an empty string when not connected.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedUrl(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
) -> natsStatus {
    text_query("natsConnection_GetConnectedUrl", nc, buffer, bufferSize, Connection::connected_url)
}

/// Copies the id of the connected server into `buffer`; an empty string
/// when not connected.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedServerId(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: usize,
) -> natsStatus {
    text_query("natsConnection_GetConnectedServerId", nc, buffer, bufferSize, Connection::connected_server_id)
}

/// Returns the connection's last asynchronous error and points
/// `*lastError` at its text (empty when there is none). The text stays
/// valid until the next error of the connection.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLastError(
    nc: *mut natsConnection,
    lastError: *mut *const c_char,
) -> natsStatus {
    if nc.is_null() {
        return null_arg("natsConnection_GetLastError", "nc");
    }
    guard("natsConnection_GetLastError", natsStatus::NATS_ERR, || {
        let conn = conn_ref(nc);
        let inner = &conn.inner;
        let st = inner.state.lock();
        match &st.last_error {
            Some((status, text)) => {
                if !lastError.is_null() {
                    *lastError = text.as_ptr();
                }
                natsStatus::from(*status)
            }
            None => {
                if !lastError.is_null() {
                    *lastError = c"".as_ptr();
                }
                natsStatus::NATS_OK
            }
        }
    })
}

/// Stores the client id the server assigned in `*cid`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientID(nc: *mut natsConnection, cid: *mut u64) -> natsStatus {
    const F: &str = "natsConnection_GetClientID";
    with_conn(F, nc, |conn| {
        if cid.is_null() {
            return null_arg(F, "cid");
        }
        if conn.is_closed() {
            return set_text(F, Status::ConnectionClosed, "connection is closed");
        }
        *cid = conn.client_id();
        natsStatus::NATS_OK
    })
}

/// Returns the name set with `natsOptions_SetName`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetName(nc: *mut natsConnection) -> *const c_char {
    if nc.is_null() {
        return std::ptr::null();
    }
    guard("natsConnection_GetName", std::ptr::null(), || {
        let conn = conn_ref(nc);
        // The name lives in the shared connection, which outlives the borrow.
        conn.name_c().map_or(std::ptr::null(), |n| n.as_ptr())
    })
}

/// Returns `NATS_OK` if the connected server supports message headers,
/// `NATS_NO_SERVER_SUPPORT` otherwise.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_HasHeaderSupport(nc: *mut natsConnection) -> natsStatus {
    const F: &str = "natsConnection_HasHeaderSupport";
    with_conn(F, nc, |conn| {
        if conn.is_closed() {
            return set_text(F, Status::ConnectionClosed, "connection is closed");
        }
        if conn.inner.out.lock().headers_supported {
            natsStatus::NATS_OK
        } else {
            natsStatus::NATS_NO_SERVER_SUPPORT
        }
    })
}

/// Publishes `dataLen` bytes of `data` on `subj`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Publish(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    const F: &str = "natsConnection_Publish";
    with_conn(F, nc, |conn| {
        let (subject, bytes) = match (subject_str(F, subj), payload(F, data, dataLen)) {
            (Ok(s), Ok(b)) => (s, b),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        status_of(F, conn.publish(subject, bytes))
    })
}

/// Publishes the NUL-terminated string `str` (without its NUL) on `subj`;
/// NULL publishes an empty payload.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishString(
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
) -> natsStatus {
    let len = if str.is_null() { 0 } else { libc::strlen(str) as c_int };
    publish_impl("natsConnection_PublishString", nc, subj, None, str as *const c_void, len)
}

unsafe fn publish_impl(
    func: &'static str,
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: Option<*const c_char>,
    data: *const c_void,
    len: c_int,
) -> natsStatus {
    with_conn(func, nc, |conn| {
        let subject = match subject_str(func, subj) {
            Ok(s) => s,
            Err(s) => return s,
        };
        let bytes = match payload(func, data, len) {
            Ok(b) => b,
            Err(s) => return s,
        };
        match reply {
            None => status_of(func, conn.publish(subject, bytes)),
            Some(r) => {
                let reply = match opt_str(func, "reply", r) {
                    Ok(Some(r)) if !r.is_empty() => r,
                    Ok(_) => {
                        return set_text(func, Status::InvalidArg, format!("{func}: reply is NULL or empty"))
                    }
                    Err(s) => return s,
                };
                status_of(func, conn.publish_request(subject, reply, bytes))
            }
        }
    })
}

/// Publishes a message, with its reply subject and headers if it has them.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishMsg(nc: *mut natsConnection, msg: *mut natsMsg) -> natsStatus {
    const F: &str = "natsConnection_PublishMsg";
    with_conn(F, nc, |conn| {
        if msg.is_null() {
            return null_arg(F, "msg");
        }
        status_of(F, conn.publish_msg(&(*msg).msg))
    })
}

/// Publishes `data` on `subj` with `reply` as the reply subject.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishRequest(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    publish_impl("natsConnection_PublishRequest", nc, subj, Some(reply), data, dataLen)
}

/// Publishes the string `str` on `subj` with `reply` as the reply subject.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishRequestString(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    str: *const c_char,
) -> natsStatus {
    let len = if str.is_null() { 0 } else { libc::strlen(str) as c_int };
    publish_impl("natsConnection_PublishRequestString", nc, subj, Some(reply), str as *const c_void, len)
}

unsafe fn finish_request(
    func: &'static str,
    replyMsg: *mut *mut natsMsg,
    result: crate::core::Result<crate::core::Message>,
) -> natsStatus {
    match result {
        Ok(msg) => {
            *replyMsg = Box::into_raw(Box::new(natsMsg { msg }));
            natsStatus::NATS_OK
        }
        // A request that gets no reply in time is an expected outcome, so
        // like cnats it leaves the last error alone.
        Err(e) if e.status == Status::Timeout => natsStatus::NATS_TIMEOUT,
        Err(e) => set_error(func, &e),
    }
}

/// A timeout of 0 or less still sends the request, which then times out
/// at once, as with cnats.
fn request_timeout(_func: &'static str, timeout: i64) -> Result<Duration, natsStatus> {
    Ok(Duration::from_millis(timeout.max(0) as u64))
}

/// Publishes a request on `subj` and waits up to `timeout` milliseconds
/// for the reply, stored in `*replyMsg` for the caller to destroy.
/// Returns `NATS_NO_RESPONDERS` when no subscriber listens on `subj`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Request(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    timeout: i64,
) -> natsStatus {
    const F: &str = "natsConnection_Request";
    with_conn(F, nc, |conn| {
        if replyMsg.is_null() {
            return null_arg(F, "replyMsg");
        }
        let (subject, bytes) = match (subject_str(F, subj), payload(F, data, dataLen)) {
            (Ok(s), Ok(b)) => (s, b),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        let timeout = match request_timeout(F, timeout) {
            Ok(t) => t,
            Err(s) => return s,
        };
        finish_request(F, replyMsg, conn.request(subject, bytes, timeout))
    })
}

/// Like `natsConnection_Request` with a NUL-terminated string payload.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestString(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
    timeout: i64,
) -> natsStatus {
    let len = if str.is_null() { 0 } else { libc::strlen(str) as c_int };
    natsConnection_Request(replyMsg, nc, subj, str as *const c_void, len, timeout)
}

/// Sends `requestMsg` (subject, headers and payload; its reply subject is
/// replaced) and waits up to `timeout` milliseconds for the reply.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestMsg(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    requestMsg: *mut natsMsg,
    timeout: i64,
) -> natsStatus {
    const F: &str = "natsConnection_RequestMsg";
    with_conn(F, nc, |conn| {
        if replyMsg.is_null() {
            return null_arg(F, "replyMsg");
        }
        if requestMsg.is_null() {
            return null_arg(F, "requestMsg");
        }
        let timeout = match request_timeout(F, timeout) {
            Ok(t) => t,
            Err(s) => return s,
        };
        finish_request(F, replyMsg, conn.request_msg(&(*requestMsg).msg, timeout))
    })
}

fn message_handler(cb: unsafe extern "C" fn(*mut natsConnection, *mut natsSubscription, *mut natsMsg, *mut c_void), closure: *mut c_void) -> crate::core::sub::MessageHandler {
    let closure = SendPtr(closure);
    Arc::new(move |sub: &Subscription, msg: Option<crate::core::Message>| {
        let closure = closure;
        let msg_ptr = msg.map_or(std::ptr::null_mut(), |m| Box::into_raw(Box::new(natsMsg { msg: m })));
        unsafe {
            cb(
                sub.connection_ptr() as *mut natsConnection,
                sub.as_ptr() as *mut natsSubscription,
                msg_ptr,
                closure.0,
            )
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn subscribe_impl(
    func: &'static str,
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queue: Option<*const c_char>,
    timeout: Option<i64>,
    cb: Option<natsMsgHandler>,
    closure: *mut c_void,
) -> natsStatus {
    with_conn(func, nc, |conn| {
        if sub.is_null() {
            return null_arg(func, "sub");
        }
        let subject = match subject_str(func, subject) {
            Ok(s) => s,
            Err(s) => return s,
        };
        let queue = match queue {
            None => None,
            Some(q) => match opt_str(func, "queueGroup", q) {
                Ok(Some(q)) if !q.is_empty() => Some(q),
                Ok(_) => return set_text(func, Status::InvalidArg, format!("{func}: queue group is NULL or empty")),
                Err(s) => return s,
            },
        };
        let handler = match cb {
            None => None,
            Some(None) => return null_arg(func, "cb"),
            Some(Some(f)) => Some(message_handler(f, closure)),
        };
        let result = match (handler, timeout) {
            (Some(h), Some(t)) => {
                if t <= 0 {
                    return set_text(func, Status::InvalidArg, format!("{func}: timeout must be positive"));
                }
                conn.subscribe_with_timeout(subject, queue, Duration::from_millis(t as u64), h)
            }
            (Some(h), None) => match queue {
                Some(q) => conn.queue_subscribe(subject, q, h),
                None => conn.subscribe(subject, h),
            },
            (None, _) => match queue {
                Some(q) => conn.queue_subscribe_sync(subject, q),
                None => conn.subscribe_sync(subject),
            },
        };
        match result {
            Ok(s) => {
                *sub = s.into_raw() as *mut natsSubscription;
                natsStatus::NATS_OK
            }
            Err(e) => set_error(func, &e),
        }
    })
}

/// Creates an asynchronous subscription on `subject`; `cb` runs on the
/// subscription's own thread for each message, one at a time, in order.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Subscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    subscribe_impl("natsConnection_Subscribe", sub, nc, subject, None, None, Some(cb), cbClosure)
}

/// Like `natsConnection_Subscribe`; `cb` also runs with a NULL message
/// after `timeout` milliseconds without messages.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SubscribeTimeout(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    timeout: i64,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    subscribe_impl("natsConnection_SubscribeTimeout", sub, nc, subject, None, Some(timeout), Some(cb), cbClosure)
}

/// Creates a synchronous subscription, read with `natsSubscription_NextMsg`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SubscribeSync(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
) -> natsStatus {
    subscribe_impl("natsConnection_SubscribeSync", sub, nc, subject, None, None, None, std::ptr::null_mut())
}

/// Creates an asynchronous subscription in queue group `queueGroup`: each
/// message goes to one member of the group.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    subscribe_impl("natsConnection_QueueSubscribe", sub, nc, subject, Some(queueGroup), None, Some(cb), cbClosure)
}

/// Like `natsConnection_QueueSubscribe` with an idle timeout in
/// milliseconds after which `cb` runs with a NULL message.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribeTimeout(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
    timeout: i64,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    subscribe_impl(
        "natsConnection_QueueSubscribeTimeout",
        sub,
        nc,
        subject,
        Some(queueGroup),
        Some(timeout),
        Some(cb),
        cbClosure,
    )
}

/// Creates a synchronous subscription in queue group `queueGroup`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribeSync(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
) -> natsStatus {
    subscribe_impl(
        "natsConnection_QueueSubscribeSync",
        sub,
        nc,
        subject,
        Some(queueGroup),
        None,
        None,
        std::ptr::null_mut(),
    )
}


/// Publishes `data` on `subj` and, when the writer is idle, writes it to
/// the socket before returning. Order with earlier publishes is kept.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Send(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    const F: &str = "natsConnection_Send";
    with_conn(F, nc, |conn| {
        let (subject, bytes) = match (subject_str(F, subj), payload(F, data, dataLen)) {
            (Ok(s), Ok(b)) => (s, b),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        status_of(F, conn.send(subject, None, bytes))
    })
}

/// Like `natsConnection_PublishMsg`, writing to the socket before
/// returning when the writer is idle.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendMsg(nc: *mut natsConnection, msg: *mut natsMsg) -> natsStatus {
    const F: &str = "natsConnection_SendMsg";
    with_conn(F, nc, |conn| {
        if msg.is_null() {
            return null_arg(F, "msg");
        }
        status_of(F, conn.send_msg(&(*msg).msg))
    })
}

/// Like `natsConnection_PublishRequest`, writing to the socket before
/// returning when the writer is idle.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendRequest(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    const F: &str = "natsConnection_SendRequest";
    with_conn(F, nc, |conn| {
        let (subject, bytes) = match (subject_str(F, subj), payload(F, data, dataLen)) {
            (Ok(s), Ok(b)) => (s, b),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        let reply = match opt_str(F, "reply", reply) {
            Ok(Some(r)) if !r.is_empty() => r,
            Ok(_) => return set_text(F, Status::InvalidArg, format!("{F}: reply is NULL or empty")),
            Err(s) => return s,
        };
        status_of(F, conn.send(subject, Some(reply), bytes))
    })
}
