//! Connection lifecycle calls: reconnect, drain, the server pool and the
//! addresses and timings of the current socket.

use std::time::Duration;

use libc::{c_char, c_int};

use super::conn::with_conn;
use super::error::{guard, null_arg, set_error, set_text, status_of};
use super::handles::{conn_ref, copy_to_buffer, malloc_array, malloc_cstring, sub_ref};
use super::sub::with_sub;
use super::status::natsStatus;
use super::types::{natsConnection, natsSubscription};
use crate::core::Status;

fn millis_or_zero(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

/// Drops the current socket and reconnects using the server pool, as if
/// the server had gone away. Returns immediately.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Reconnect(nc: *mut natsConnection) -> natsStatus {
    with_conn("natsConnection_Reconnect", nc, |c| {
        status_of("natsConnection_Reconnect", c.reconnect())
    })
}

/// Returns true while the connection drains.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsDraining(nc: *mut natsConnection) -> bool {
    if nc.is_null() {
        return false;
    }
    guard("natsConnection_IsDraining", false, || conn_ref(nc).is_draining())
}

/// Drains the connection in the background with a 30 second timeout:
/// every subscription stops receiving and delivers what it has, then
/// publishing stops, pending data is flushed and the connection closes.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Drain(nc: *mut natsConnection) -> natsStatus {
    natsConnection_DrainTimeout(nc, 0)
}

/// Like `natsConnection_Drain` with a timeout in milliseconds (0 or less
/// for the default). Past the timeout the connection is closed anyway and
/// the error handler receives `NATS_TIMEOUT`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_DrainTimeout(nc: *mut natsConnection, timeout: i64) -> natsStatus {
    with_conn("natsConnection_DrainTimeout", nc, |c| {
        status_of("natsConnection_DrainTimeout", c.drain(millis_or_zero(timeout)))
    })
}

unsafe fn string_list(
    func: &'static str,
    list: crate::core::Result<Vec<String>>,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    if servers.is_null() {
        return null_arg(func, "servers");
    }
    if count.is_null() {
        return null_arg(func, "count");
    }
    let list = match list {
        Ok(l) => l,
        Err(e) => return set_error(func, &e),
    };
    *servers = std::ptr::null_mut();
    *count = 0;
    if list.is_empty() {
        return natsStatus::NATS_OK;
    }
    let mut ptrs = Vec::with_capacity(list.len());
    for url in &list {
        let p = malloc_cstring(url);
        if p.is_null() {
            for q in ptrs {
                libc::free(q as *mut libc::c_void);
            }
            return set_text(func, Status::NoMemory, "out of memory");
        }
        ptrs.push(p);
    }
    let array = malloc_array(&ptrs);
    if array.is_null() {
        for q in ptrs {
            libc::free(q as *mut libc::c_void);
        }
        return set_text(func, Status::NoMemory, "out of memory");
    }
    *servers = array;
    *count = ptrs.len() as c_int;
    natsStatus::NATS_OK
}

/// Returns the URLs of every server in the pool (configured and
/// discovered, without credentials) as a `malloc` array of `malloc`
/// strings; the caller frees each string and the array.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    const F: &str = "natsConnection_GetServers";
    with_conn(F, nc, |c| string_list(F, c.servers(), servers, count))
}

/// Like `natsConnection_GetServers` for the servers learned from the cluster.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetDiscoveredServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    const F: &str = "natsConnection_GetDiscoveredServers";
    with_conn(F, nc, |c| string_list(F, c.discovered_servers(), servers, count))
}

/// Measures the round trip to the server with a PING and stores it in
/// `*rtt`, in nanoseconds.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetRTT(nc: *mut natsConnection, rtt: *mut i64) -> natsStatus {
    const F: &str = "natsConnection_GetRTT";
    with_conn(F, nc, |c| {
        if rtt.is_null() {
            return null_arg(F, "rtt");
        }
        if c.is_reconnecting() {
            return set_text(F, Status::ConnectionDisconnected, "the connection is reconnecting");
        }
        match c.rtt() {
            Ok(d) => {
                *rtt = d.as_nanos() as i64;
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Stores the client IP the server reported in `*ip`, a `malloc` string
/// the caller frees.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientIP(nc: *mut natsConnection, ip: *mut *mut c_char) -> natsStatus {
    const F: &str = "natsConnection_GetClientIP";
    with_conn(F, nc, |c| {
        if ip.is_null() {
            return null_arg(F, "ip");
        }
        match c.client_ip() {
            Ok(text) => {
                *ip = malloc_cstring(&text);
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Stores the local IP (a `malloc` string the caller frees) and port of
/// the connection's socket.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLocalIPAndPort(
    nc: *mut natsConnection,
    ip: *mut *mut c_char,
    port: *mut c_int,
) -> natsStatus {
    const F: &str = "natsConnection_GetLocalIPAndPort";
    with_conn(F, nc, |c| {
        if ip.is_null() {
            return null_arg(F, "ip");
        }
        if port.is_null() {
            return null_arg(F, "port");
        }
        match c.local_addr() {
            Ok(addr) => {
                *ip = malloc_cstring(&addr.ip().to_string());
                *port = c_int::from(addr.port());
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Copies the text of the connection's last error into `buf` of `n`
/// bytes (truncated to fit) and returns that error's status.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ReadLastError(nc: *mut natsConnection, buf: *mut c_char, n: usize) -> natsStatus {
    const F: &str = "natsConnection_ReadLastError";
    with_conn(F, nc, |c| {
        if buf.is_null() || n == 0 {
            return null_arg(F, "buf");
        }
        match c.last_error() {
            Some((status, text)) => {
                let bytes = text.as_bytes();
                let len = bytes.len().min(n - 1);
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf as *mut u8, len);
                *buf.add(len) = 0;
                natsStatus::from(status)
            }
            None => copy_to_buffer(F, "", buf, n),
        }
    })
}

/// Drains the subscription in the background: the server stops sending,
/// and the messages already received are delivered before it closes.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Drain(sub: *mut natsSubscription) -> natsStatus {
    natsSubscription_DrainTimeout(sub, 0)
}

/// Like `natsSubscription_Drain`; past `timeout` milliseconds (when
/// positive) the subscription is closed even if messages remain.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_DrainTimeout(sub: *mut natsSubscription, timeout: i64) -> natsStatus {
    with_sub("natsSubscription_DrainTimeout", sub, |s| {
        status_of("natsSubscription_DrainTimeout", s.drain(millis_or_zero(timeout)))
    })
}

/// Waits up to `timeout` milliseconds (0 or less: no limit) for the drain
/// to finish. `NATS_ILLEGAL_STATE` if no drain was started.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_WaitForDrainCompletion(sub: *mut natsSubscription, timeout: i64) -> natsStatus {
    with_sub("natsSubscription_WaitForDrainCompletion", sub, |s| {
        status_of("natsSubscription_WaitForDrainCompletion", s.wait_for_drain(millis_or_zero(timeout)))
    })
}

/// Returns how the finished drain went: `NATS_OK`, `NATS_TIMEOUT`,
/// `NATS_INVALID_SUBSCRIPTION` or `NATS_CONNECTION_CLOSED`, and
/// `NATS_ILLEGAL_STATE` when no drain has finished.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_DrainCompletionStatus(sub: *mut natsSubscription) -> natsStatus {
    if sub.is_null() {
        return null_arg("natsSubscription_DrainCompletionStatus", "sub");
    }
    guard("natsSubscription_DrainCompletionStatus", natsStatus::NATS_ERR, || {
        natsStatus::from(sub_ref(sub).drain_status())
    })
}
