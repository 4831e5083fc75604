//! `natsOptions_*`: creating, changing and destroying connection options.

use std::ffi::CStr;
use std::sync::Arc;
use std::time::Duration;

use libc::{c_char, c_int, c_void};
use parking_lot::Mutex;

use super::error::{guard, guard_status, null_arg, set_text};
use super::handles::{opt_str, req_str};
use super::status::natsStatus;
use super::types::{
    natsConnection, natsConnectionHandler, natsCustomReconnectDelayHandler, natsErrHandler,
    natsOptions, natsSubscription, natsTokenHandler, SendPtr,
};
use crate::core::options::ConnectionCallback;
use crate::core::{Options, Status};

/// Milliseconds from C, where negative values were rejected earlier.
fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

/// Locks the options behind `opts`, or records `NATS_INVALID_ARG` when it
/// is NULL or `invalid` holds.
pub(crate) unsafe fn with_opts(
    func: &'static str,
    opts: *mut natsOptions,
    invalid: Option<&str>,
    body: impl FnOnce(&mut Options) -> natsStatus,
) -> natsStatus {
    guard_status(func, || {
        if opts.is_null() {
            return null_arg(func, "opts");
        }
        if let Some(why) = invalid {
            return set_text(func, Status::InvalidArg, format!("{func}: {why}"));
        }
        let mut guard = (*opts).inner.lock();
        body(&mut guard)
    })
}

/// Creates options with cnats' defaults; release them with `natsOptions_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_Create(newOpts: *mut *mut natsOptions) -> natsStatus {
    guard_status("natsOptions_Create", || {
        if newOpts.is_null() {
            return null_arg("natsOptions_Create", "newOpts");
        }
        if let Err(e) = crate::core::runtime::open() {
            return super::error::set_error("natsOptions_Create", &e);
        }
        *newOpts = Box::into_raw(Box::new(natsOptions {
            inner: Mutex::new(Options::default()),
        }));
        natsStatus::NATS_OK
    })
}

/// Releases options; NULL is ignored. Connections made with them keep
/// their own copy.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_Destroy(opts: *mut natsOptions) {
    if opts.is_null() {
        return;
    }
    guard("natsOptions_Destroy", (), || {
        // Passwords, tokens and seeds are `Secret`s, wiped as they drop.
        drop(Box::from_raw(opts));
    })
}

/// Sets the server URL, or a comma-separated list of them; NULL clears it.
/// The URLs are parsed when connecting, where an invalid one fails.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetURL(opts: *mut natsOptions, url: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetURL";
    with_opts(F, opts, None, |o| match opt_str(F, "url", url) {
        Ok(u) => {
            // Parsed at connect time, as cnats does.
            o.url = u.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
            natsStatus::NATS_OK
        }
        Err(s) => s,
    })
}

/// Sets the list of server URLs; NULL with a count of 0 clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetServers(
    opts: *mut natsOptions,
    servers: *mut *const c_char,
    serversCount: c_int,
) -> natsStatus {
    const F: &str = "natsOptions_SetServers";
    let invalid = if !servers.is_null() && serversCount <= 0 {
        Some("serversCount must be positive when servers is not NULL")
    } else if servers.is_null() && serversCount > 0 {
        Some("servers is NULL but serversCount is positive")
    } else {
        None
    };
    with_opts(F, opts, invalid, |o| {
        let mut list = Vec::new();
        for i in 0..serversCount.max(0) as usize {
            let p = *servers.add(i);
            let text = match req_str(F, "servers[i]", p) {
                Ok(t) => t,
                Err(s) => return s,
            };
            list.push(text.trim().to_string());
        }
        o.servers = list;
        natsStatus::NATS_OK
    })
}

/// Sets the user and password sent when the URL carries none; NULL clears.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserInfo(
    opts: *mut natsOptions,
    user: *const c_char,
    password: *const c_char,
) -> natsStatus {
    const F: &str = "natsOptions_SetUserInfo";
    with_opts(F, opts, None, |o| {
        let (u, p) = match (opt_str(F, "user", user), opt_str(F, "password", password)) {
            (Ok(u), Ok(p)) => (u, p),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        o.user = u.map(str::to_string);
        o.password = p.map(crate::core::secret::Secret::new);
        natsStatus::NATS_OK
    })
}

/// Sets the authentication token; NULL clears it. Fails with
/// `NATS_ILLEGAL_STATE` when a token handler is set.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetToken(opts: *mut natsOptions, token: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetToken";
    with_opts(F, opts, None, |o| {
        let t = match opt_str(F, "token", token) {
            Ok(t) => t,
            Err(s) => return s,
        };
        if t.is_some() && o.token_handler.is_some() {
            return set_text(
                F,
                Status::IllegalState,
                "Cannot set a token if a token handler has already been set",
            );
        }
        o.token = t.map(crate::core::secret::Secret::new);
        natsStatus::NATS_OK
    })
}

/// Sets a callback that returns the token at each connect; NULL clears it.
/// Fails with `NATS_ILLEGAL_STATE` when a token is set.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetTokenHandler(
    opts: *mut natsOptions,
    tokenCb: natsTokenHandler,
    closure: *mut c_void,
) -> natsStatus {
    const F: &str = "natsOptions_SetTokenHandler";
    with_opts(F, opts, None, |o| {
        if tokenCb.is_some() && o.token.is_some() {
            return set_text(
                F,
                Status::IllegalState,
                "Cannot set a token handler if a token has already been set",
            );
        }
        o.token_handler = tokenCb.map(|cb| {
            let closure = SendPtr(closure);
            Arc::new(move || {
                let closure = closure;
                let p = unsafe { cb(closure.0) };
                if p.is_null() {
                    None
                } else {
                    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
                }
            }) as crate::core::options::TokenCallback
        });
        natsStatus::NATS_OK
    })
}

/// Keeps the server list in the given order instead of shuffling it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNoRandomize(opts: *mut natsOptions, noRandomize: bool) -> natsStatus {
    with_opts("natsOptions_SetNoRandomize", opts, None, |o| {
        o.no_randomize = noRandomize;
        natsStatus::NATS_OK
    })
}
/// Asks the server to acknowledge each protocol message with +OK.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetVerbose(opts: *mut natsOptions, verbose: bool) -> natsStatus {
    with_opts("natsOptions_SetVerbose", opts, None, |o| {
        o.verbose = verbose;
        natsStatus::NATS_OK
    })
}
/// Asks the server for strict protocol checking.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetPedantic(opts: *mut natsOptions, pedantic: bool) -> natsStatus {
    with_opts("natsOptions_SetPedantic", opts, None, |o| {
        o.pedantic = pedantic;
        natsStatus::NATS_OK
    })
}
/// Stops the server from sending the connection its own publishes.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNoEcho(opts: *mut natsOptions, noEcho: bool) -> natsStatus {
    with_opts("natsOptions_SetNoEcho", opts, None, |o| {
        o.no_echo = noEcho;
        natsStatus::NATS_OK
    })
}
/// Enables or disables reconnecting after a lost connection (default on).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetAllowReconnect(opts: *mut natsOptions, allow: bool) -> natsStatus {
    with_opts("natsOptions_SetAllowReconnect", opts, None, |o| {
        o.allow_reconnect = allow;
        natsStatus::NATS_OK
    })
}
/// Ignores servers the cluster announces; only the configured ones are used.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIgnoreDiscoveredServers(opts: *mut natsOptions, ignore: bool) -> natsStatus {
    with_opts("natsOptions_SetIgnoreDiscoveredServers", opts, None, |o| {
        o.ignore_discovered_servers = ignore;
        natsStatus::NATS_OK
    })
}
/// Asks the server not to send no-responders replies to requests.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_DisableNoResponders(opts: *mut natsOptions, disabled: bool) -> natsStatus {
    with_opts("natsOptions_DisableNoResponders", opts, None, |o| {
        o.disable_no_responders = disabled;
        natsStatus::NATS_OK
    })
}

/// Sets the connect timeout in milliseconds; 0 means no timeout.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetTimeout(opts: *mut natsOptions, timeout: i64) -> natsStatus {
    let bad = (timeout < 0).then_some("timeout must not be negative");
    with_opts("natsOptions_SetTimeout", opts, bad, |o| {
        o.timeout = millis(timeout);
        natsStatus::NATS_OK
    })
}

/// Sets the connection name shown by the server; NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetName(opts: *mut natsOptions, name: *const c_char) -> natsStatus {
    const F: &str = "natsOptions_SetName";
    with_opts(F, opts, None, |o| match opt_str(F, "name", name) {
        Ok(n) => {
            o.name = n.map(str::to_string);
            natsStatus::NATS_OK
        }
        Err(s) => s,
    })
}

/// Sets the interval between keep-alive PINGs in milliseconds; 0 or less
/// disables them.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetPingInterval(opts: *mut natsOptions, interval: i64) -> natsStatus {
    with_opts("natsOptions_SetPingInterval", opts, None, |o| {
        o.ping_interval = millis(interval);
        natsStatus::NATS_OK
    })
}

/// Sets how many PINGs may go unanswered before the connection is stale.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPingsOut(opts: *mut natsOptions, maxPingsOut: c_int) -> natsStatus {
    with_opts("natsOptions_SetMaxPingsOut", opts, None, |o| {
        o.max_pings_out = maxPingsOut;
        natsStatus::NATS_OK
    })
}

/// Sets the socket read buffer size in bytes; 0 selects the default.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIOBufSize(opts: *mut natsOptions, ioBufSize: c_int) -> natsStatus {
    let bad = (ioBufSize < 0).then_some("ioBufSize must not be negative");
    with_opts("natsOptions_SetIOBufSize", opts, bad, |o| {
        o.io_buf_size = if ioBufSize == 0 {
            crate::core::options::DEFAULT_IO_BUF_SIZE
        } else {
            ioBufSize as usize
        };
        natsStatus::NATS_OK
    })
}

/// Sets the default pending message limit of new subscriptions.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPendingMsgs(opts: *mut natsOptions, maxPending: c_int) -> natsStatus {
    let bad = (maxPending <= 0).then_some("maxPending must be positive");
    with_opts("natsOptions_SetMaxPendingMsgs", opts, bad, |o| {
        o.max_pending_msgs = i64::from(maxPending);
        natsStatus::NATS_OK
    })
}

/// Sets the default pending byte limit of new subscriptions.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPendingBytes(opts: *mut natsOptions, maxPending: i64) -> natsStatus {
    let bad = (maxPending <= 0).then_some("maxPending must be positive");
    with_opts("natsOptions_SetMaxPendingBytes", opts, bad, |o| {
        o.max_pending_bytes = Some(maxPending);
        natsStatus::NATS_OK
    })
}

/// Sets how many reconnect rounds are tried before giving up; negative
/// means forever.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxReconnect(opts: *mut natsOptions, maxReconnect: c_int) -> natsStatus {
    with_opts("natsOptions_SetMaxReconnect", opts, None, |o| {
        o.max_reconnect = maxReconnect;
        natsStatus::NATS_OK
    })
}

/// Sets the wait between reconnect rounds, in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectWait(opts: *mut natsOptions, reconnectWait: i64) -> natsStatus {
    let bad = (reconnectWait < 0).then_some("reconnectWait must not be negative");
    with_opts("natsOptions_SetReconnectWait", opts, bad, |o| {
        o.reconnect_wait = millis(reconnectWait);
        natsStatus::NATS_OK
    })
}

/// Sets the maximum random extra wait between reconnect rounds, in
/// milliseconds, for plain and TLS connections.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectJitter(
    opts: *mut natsOptions,
    jitter: i64,
    jitterTLS: i64,
) -> natsStatus {
    let bad = (jitter < 0 || jitterTLS < 0).then_some("jitter values must not be negative");
    with_opts("natsOptions_SetReconnectJitter", opts, bad, |o| {
        o.reconnect_jitter = millis(jitter);
        o.reconnect_jitter_tls = millis(jitterTLS);
        natsStatus::NATS_OK
    })
}

/// Sets a callback that chooses the wait before each reconnect round.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCustomReconnectDelay(
    opts: *mut natsOptions,
    cb: natsCustomReconnectDelayHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetCustomReconnectDelay", opts, None, |o| {
        o.custom_reconnect_delay = cb.map(|cb| {
            let closure = SendPtr(closure);
            Arc::new(move |conn: &crate::core::Connection, attempts: i32| {
                let closure = closure;
                let ms = unsafe { cb(conn.as_ptr() as *mut natsConnection, attempts, closure.0) };
                millis(ms)
            }) as crate::core::options::ReconnectDelayCallback
        });
        natsStatus::NATS_OK
    })
}

/// Sets how many bytes of publishes are kept while reconnecting; 0 selects
/// the default of 8 MiB.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectBufSize(
    opts: *mut natsOptions,
    reconnectBufSize: c_int,
) -> natsStatus {
    let bad = (reconnectBufSize < 0).then_some("reconnectBufSize must not be negative");
    with_opts("natsOptions_SetReconnectBufSize", opts, bad, |o| {
        o.reconnect_buf_size = if reconnectBufSize == 0 {
            crate::core::options::DEFAULT_RECONNECT_BUF_SIZE
        } else {
            reconnectBufSize as usize
        };
        natsStatus::NATS_OK
    })
}

fn connection_callback(cb: natsConnectionHandler, closure: *mut c_void) -> Option<ConnectionCallback> {
    let cb = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move |conn: &crate::core::Connection| {
        let closure = closure;
        unsafe { cb(conn.as_ptr() as *mut natsConnection, closure.0) }
    }))
}

/// Sets the callback run once the connection is closed.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetClosedCB(
    opts: *mut natsOptions,
    cb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetClosedCB", opts, None, |o| {
        o.closed_cb = connection_callback(cb, closure);
        natsStatus::NATS_OK
    })
}
/// Sets the callback run when the connection loses its server.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetDisconnectedCB(
    opts: *mut natsOptions,
    cb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetDisconnectedCB", opts, None, |o| {
        o.disconnected_cb = connection_callback(cb, closure);
        natsStatus::NATS_OK
    })
}
/// Sets the callback run when the connection has reconnected.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectedCB(
    opts: *mut natsOptions,
    cb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetReconnectedCB", opts, None, |o| {
        o.reconnected_cb = connection_callback(cb, closure);
        natsStatus::NATS_OK
    })
}
/// Sets the callback run when the server enters lame duck mode.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetLameDuckModeCB(
    opts: *mut natsOptions,
    cb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetLameDuckModeCB", opts, None, |o| {
        o.lame_duck_cb = connection_callback(cb, closure);
        natsStatus::NATS_OK
    })
}

/// Sets the callback for asynchronous errors, such as slow consumers and
/// permission violations.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetErrorHandler(
    opts: *mut natsOptions,
    errHandler: natsErrHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetErrorHandler", opts, None, |o| {
        o.error_cb = errHandler.map(|cb| {
            let closure = SendPtr(closure);
            Arc::new(
                move |conn: &crate::core::Connection,
                      sub: Option<&crate::core::Subscription>,
                      err: &crate::core::Error| {
                    let closure = closure;
                    let sub_ptr = sub.map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut natsSubscription);
                    unsafe {
                        cb(
                            conn.as_ptr() as *mut natsConnection,
                            sub_ptr,
                            natsStatus::from(err.status),
                            closure.0,
                        )
                    }
                },
            ) as crate::core::options::ErrorCallback
        });
        natsStatus::NATS_OK
    })
}

/// Sets the prefix of inbox subjects used for requests; NULL restores
/// `_INBOX.`. The prefix must be a valid subject without wildcards.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCustomInboxPrefix(
    opts: *mut natsOptions,
    inboxPrefix: *const c_char,
) -> natsStatus {
    const F: &str = "natsOptions_SetCustomInboxPrefix";
    with_opts(F, opts, None, |o| {
        let prefix = match opt_str(F, "inboxPrefix", inboxPrefix) {
            Ok(p) => p.unwrap_or(""),
            Err(s) => return s,
        };
        if prefix.is_empty() {
            o.inbox_prefix = crate::core::options::DEFAULT_INBOX_PREFIX.to_string();
            return natsStatus::NATS_OK;
        }
        let bare = prefix.strip_suffix('.').unwrap_or(prefix);
        let valid = crate::core::conn::check_subscribe_subject(bare).is_ok()
            && !bare.split('.').any(|t| t == "*" || t == ">");
        if !valid {
            return set_text(
                F,
                Status::InvalidArg,
                format!("{F}: invalid inbox prefix '{prefix}'"),
            );
        }
        o.inbox_prefix = format!("{bare}.");
        natsStatus::NATS_OK
    })
}

/// Keeps the connection object and retries in the background when the
/// first connect fails: `natsConnection_Connect` then returns
/// `NATS_NOT_YET_CONNECTED` and `connectedCb` runs once connected.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetRetryOnFailedConnect(
    opts: *mut natsOptions,
    retry: bool,
    connectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetRetryOnFailedConnect", opts, None, |o| {
        o.retry_on_failed_connect = retry;
        o.connected_cb = if retry { connection_callback(connectedCb, closure) } else { None };
        natsStatus::NATS_OK
    })
}

/// Makes pending requests fail with `NATS_CONNECTION_DISCONNECTED` as soon
/// as the connection is lost, instead of waiting for their timeout.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetFailRequestsOnDisconnect(opts: *mut natsOptions, failRequests: bool) -> natsStatus {
    with_opts("natsOptions_SetFailRequestsOnDisconnect", opts, None, |o| {
        o.fail_requests_on_disconnect = failRequests;
        natsStatus::NATS_OK
    })
}

/// Sets how long, in milliseconds, a socket write may block before the
/// connection is treated as stale and reconnects; 0 disables the limit.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetWriteDeadline(opts: *mut natsOptions, deadline: i64) -> natsStatus {
    let bad = (deadline < 0).then_some("deadline must not be negative");
    with_opts("natsOptions_SetWriteDeadline", opts, bad, |o| {
        o.write_deadline = millis(deadline);
        natsStatus::NATS_OK
    })
}

/// Writes every publish to the socket before the publish call returns
/// (when the writer is idle), trading throughput for latency.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSendAsap(opts: *mut natsOptions, sendAsap: bool) -> natsStatus {
    with_opts("natsOptions_SetSendAsap", opts, None, |o| {
        o.send_asap = sendAsap;
        natsStatus::NATS_OK
    })
}

/// Sets the callback run when the cluster announces servers the pool did
/// not know.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetDiscoveredServersCB(
    opts: *mut natsOptions,
    discoveredServersCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetDiscoveredServersCB", opts, None, |o| {
        o.discovered_servers_cb = connection_callback(discoveredServersCb, closure);
        natsStatus::NATS_OK
    })
}

/// Keeps retrying a server that rejected the same credentials twice in a
/// row, instead of closing the connection.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIgnoreAuthErrorAbort(opts: *mut natsOptions, ignore: bool) -> natsStatus {
    with_opts("natsOptions_SetIgnoreAuthErrorAbort", opts, None, |o| {
        o.ignore_auth_error_abort = ignore;
        natsStatus::NATS_OK
    })
}

/// Uses a new inbox subscription for every request instead of one shared
/// wildcard subscription.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_UseOldRequestStyle(opts: *mut natsOptions, useOldStyle: bool) -> natsStatus {
    with_opts("natsOptions_UseOldRequestStyle", opts, None, |o| {
        o.use_old_request_style = useOldStyle;
        natsStatus::NATS_OK
    })
}

/// Sets which address families a host name resolves to and in which
/// order: 0 (any, as resolved), 4, 6, 46 (IPv4 first) or 64 (IPv6 first).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_IPResolutionOrder(opts: *mut natsOptions, order: c_int) -> natsStatus {
    let bad = (!matches!(order, 0 | 4 | 6 | 46 | 64)).then_some("order must be 0, 4, 6, 46 or 64");
    with_opts("natsOptions_IPResolutionOrder", opts, bad, |o| {
        o.ip_resolution_order = order;
        natsStatus::NATS_OK
    })
}

/// Delivers this connection's asynchronous messages through the library's
/// shared pool of threads instead of one thread per subscription.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_UseGlobalMessageDelivery(opts: *mut natsOptions, global: bool) -> natsStatus {
    with_opts("natsOptions_UseGlobalMessageDelivery", opts, None, |o| {
        o.global_delivery = global;
        natsStatus::NATS_OK
    })
}

/// Allocates `paddingSize` extra zero bytes after the payload of every
/// received message.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMessageBufferPadding(opts: *mut natsOptions, paddingSize: c_int) -> natsStatus {
    let bad = (paddingSize < 0).then_some("paddingSize must not be negative");
    with_opts("natsOptions_SetMessageBufferPadding", opts, bad, |o| {
        o.message_padding = paddingSize as usize;
        natsStatus::NATS_OK
    })
}

/// Callback that opens the TCP connection to `host`:`port` itself (for
/// example through a proxy) and stores the connected socket in `*fd`.
pub type natsProxyConnHandler = Option<
    unsafe extern "C" fn(fd: *mut super::types::natsSock, host: *mut c_char, port: c_int, closure: *mut c_void) -> natsStatus,
>;

/// Sets a callback that opens the TCP connections in place of the
/// library; NULL restores direct connections. The library owns and closes
/// the socket it returns.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetProxyConnHandler(
    opts: *mut natsOptions,
    proxyConnHandler: natsProxyConnHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetProxyConnHandler", opts, None, |o| {
        o.proxy_connect = proxyConnHandler.map(|cb| {
            let closure = SendPtr(closure);
            Arc::new(move |host: &str, port: u16| {
                use std::os::fd::FromRawFd;
                let closure = closure;
                let chost = std::ffi::CString::new(host).unwrap_or_default();
                let mut fd: super::types::natsSock = -1;
                let status = unsafe { cb(&mut fd, chost.as_ptr() as *mut c_char, c_int::from(port), closure.0) };
                if status != natsStatus::NATS_OK {
                    // Like a refused TCP connection.
                    return Err(crate::core::Error::new(
                        Status::NoServer,
                        format!("proxy connect callback failed for {host}:{port} with status {}", status as i32),
                    ));
                }
                if fd < 0 {
                    return Err(crate::core::Error::new(Status::NoServer, "proxy connect callback returned no socket"));
                }
                Ok(unsafe { std::net::TcpStream::from_raw_fd(fd) })
            }) as crate::core::options::ProxyConnectCallback
        });
        natsStatus::NATS_OK
    })
}
