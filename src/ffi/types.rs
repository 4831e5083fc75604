//! Opaque handle types, public structs and callback typedefs of the C API.

use libc::{c_char, c_int, c_void};

use super::status::natsStatus;

/// A connection to a NATS server. Created by `natsConnection_Connect`,
/// released by `natsConnection_Destroy`.
pub struct natsConnection {
    _private: [u8; 0],
}

/// A subscription. Created by the subscribe functions, released by
/// `natsSubscription_Destroy`.
pub struct natsSubscription {
    _private: [u8; 0],
}

/// A message. Messages passed to callbacks or returned by `NextMsg` and
/// `Request` belong to the application, which releases them with
/// `natsMsg_Destroy`.
pub struct natsMsg {
    pub(crate) msg: crate::core::Message,
}

/// Connection options. Created by `natsOptions_Create`, released by
/// `natsOptions_Destroy`; a connection keeps its own copy.
pub struct natsOptions {
    pub(crate) inner: parking_lot::Mutex<crate::core::Options>,
}

/// Connection counters, filled by `natsConnection_GetStats`.
pub struct natsStatistics {
    pub(crate) stats: crate::core::Statistics,
}

/// A standalone set of message headers.
pub struct natsHeader {
    pub(crate) headers: crate::core::Headers,
}

/// An inbox subject: a NUL-terminated string released with `natsInbox_Destroy`.
pub type natsInbox = c_char;

/// A socket descriptor.
pub type natsSock = c_int;

/// A list of messages; `natsMsgList_Destroy` releases the messages and the array.
#[repr(C)]
pub struct natsMsgList {
    /// Array of `Count` messages.
    pub Msgs: *mut *mut natsMsg,
    /// Number of messages in `Msgs`.
    pub Count: c_int,
}

/// Key/value metadata as a flat array: `List[2*i]` is a key and
/// `List[2*i+1]` its value.
#[repr(C)]
pub struct natsMetadata {
    /// Alternating keys and values, `2 * Count` strings.
    pub List: *mut *const c_char,
    /// Number of key/value pairs.
    pub Count: c_int,
}

/// Callback run when a library thread starts.
pub type natsThreadStartedHandler = Option<unsafe extern "C" fn(closure: *mut c_void)>;

/// Library-wide settings for `nats_OpenWithConfig`.
#[repr(C)]
pub struct __natsClientConfig {
    /// Write deadline, in milliseconds, applied to new connections.
    pub DefaultWriteDeadline: i64,
    /// Spin count of internal locks (kept for compatibility).
    pub LockSpinCount: i64,
    /// Deliver messages of all subscriptions through the shared pool.
    pub DefaultToThreadPool: bool,
    /// Maximum threads in the shared delivery pool.
    pub ThreadPoolMax: c_int,
    /// Deliver replies through the shared pool.
    pub DefaultRepliesToThreadPool: bool,
    /// Use a separate pool for replies.
    pub UseSeparatePoolForReplies: bool,
    /// Maximum threads in the replies pool.
    pub ReplyThreadPoolMax: c_int,
    /// Called on every thread the library starts.
    pub ThreadStartedHandler: natsThreadStartedHandler,
    /// Closure passed to `ThreadStartedHandler`.
    pub ThreadStartedHandlerClosure: *mut c_void,
}

/// Library-wide settings for `nats_OpenWithConfig`.
pub type natsClientConfig = __natsClientConfig;

/// Callback of an asynchronous subscription. The message belongs to the
/// callback, which must release it with `natsMsg_Destroy`.
pub type natsMsgHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        sub: *mut natsSubscription,
        msg: *mut natsMsg,
        closure: *mut c_void,
    ),
>;

/// Callback for connection events: closed, disconnected, reconnected,
/// discovered servers, lame duck mode, connected.
pub type natsConnectionHandler =
    Option<unsafe extern "C" fn(nc: *mut natsConnection, closure: *mut c_void)>;

/// Callback for asynchronous errors such as a slow consumer. `subscription`
/// is NULL when the error is not tied to one.
pub type natsErrHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        subscription: *mut natsSubscription,
        err: natsStatus,
        closure: *mut c_void,
    ),
>;

/// Callback that returns the token to send at each connect. The library
/// copies the string.
pub type natsTokenHandler = Option<unsafe extern "C" fn(closure: *mut c_void) -> *const c_char>;

/// Callback run once a subscription has stopped delivering.
pub type natsOnCompleteCB = Option<unsafe extern "C" fn(closure: *mut c_void)>;

/// Callback that returns how long to wait, in milliseconds, before the
/// reconnect attempt number `attempts`.
pub type natsCustomReconnectDelayHandler = Option<
    unsafe extern "C" fn(nc: *mut natsConnection, attempts: c_int, closure: *mut c_void) -> i64,
>;

/// A raw pointer that crosses threads: the application promises the
/// closure it registered may be used from library threads.
#[derive(Clone, Copy)]
pub(crate) struct SendPtr(pub *mut c_void);

unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

/// URL used when no server is given: `nats://localhost:4222`.
pub const NATS_DEFAULT_URL: &str = "nats://localhost:4222";
