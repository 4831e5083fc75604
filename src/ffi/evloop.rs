//! External event loop support: `natsOptions_SetEventLoop` and the
//! `natsConnection_Process*Event` calls an adapter makes.

use std::sync::Arc;

use libc::c_void;

use super::error::guard;
use super::handles::conn_ref;
use super::options::with_opts;
use super::status::natsStatus;
use super::types::{natsConnection, natsOptions, natsSock, SendPtr};
use crate::core::evloop::EventLoop;
use crate::core::{Connection, Error, Status};

/// Callback that starts watching `socket` for `nc` in `loop`. On the first
/// call `*userData` is NULL and the adapter stores its own state there; on
/// calls after a reconnect it contains that state again.
pub type natsEvLoop_Attach = Option<
    unsafe extern "C" fn(userData: *mut *mut c_void, loop_: *mut c_void, nc: *mut natsConnection, socket: natsSock) -> natsStatus,
>;
/// Callback that starts (`add` true) or stops read notifications.
pub type natsEvLoop_ReadAddRemove = Option<unsafe extern "C" fn(userData: *mut c_void, add: bool) -> natsStatus>;
/// Callback that starts (`add` true) or stops write notifications.
pub type natsEvLoop_WriteAddRemove = Option<unsafe extern "C" fn(userData: *mut c_void, add: bool) -> natsStatus>;
/// Callback that stops watching the connection, which is closed.
pub type natsEvLoop_Detach = Option<unsafe extern "C" fn(userData: *mut c_void) -> natsStatus>;

struct CEventLoop {
    loop_: SendPtr,
    attach: unsafe extern "C" fn(*mut *mut c_void, *mut c_void, *mut natsConnection, natsSock) -> natsStatus,
    read: unsafe extern "C" fn(*mut c_void, bool) -> natsStatus,
    write: unsafe extern "C" fn(*mut c_void, bool) -> natsStatus,
    detach: unsafe extern "C" fn(*mut c_void) -> natsStatus,
}

fn check(what: &str, status: natsStatus) -> crate::core::Result<()> {
    if status == natsStatus::NATS_OK {
        return Ok(());
    }
    Err(Error::new(
        status.to_core().unwrap_or(Status::Err),
        format!("the event loop's {what} callback failed"),
    ))
}

impl EventLoop for CEventLoop {
    fn attach(&self, conn: &Connection, fd: std::os::fd::RawFd, state: &mut usize) -> crate::core::Result<()> {
        let mut user = *state as *mut c_void;
        let status = unsafe { (self.attach)(&mut user, self.loop_.0, conn.as_ptr() as *mut natsConnection, fd) };
        *state = user as usize;
        check("attach", status)
    }

    fn read(&self, state: usize, add: bool) -> crate::core::Result<()> {
        check("read", unsafe { (self.read)(state as *mut c_void, add) })
    }

    fn write(&self, state: usize, add: bool) -> crate::core::Result<()> {
        check("write", unsafe { (self.write)(state as *mut c_void, add) })
    }

    fn detach(&self, state: usize) -> crate::core::Result<()> {
        check("detach", unsafe { (self.detach)(state as *mut c_void) })
    }
}

/// Makes the application's event loop `loop` read the connections' sockets
/// (plain TCP; TLS connections are read by the library itself). The
/// library calls `attachCb` with the socket after each connect and
/// reconnect, `readCb` to start and stop read notifications, and
/// `detachCb` once the connection is closed; the loop calls
/// `natsConnection_ProcessReadEvent` when the socket is readable. Writes
/// stay with the library, so `writeCb` is never asked to add. The
/// callbacks may be called from library threads.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetEventLoop(
    opts: *mut natsOptions,
    loop_: *mut c_void,
    attachCb: natsEvLoop_Attach,
    readCb: natsEvLoop_ReadAddRemove,
    writeCb: natsEvLoop_WriteAddRemove,
    detachCb: natsEvLoop_Detach,
) -> natsStatus {
    let bad = (loop_.is_null() || attachCb.is_none() || readCb.is_none() || writeCb.is_none() || detachCb.is_none())
        .then_some("loop and all four callbacks are required");
    with_opts("natsOptions_SetEventLoop", opts, bad, |o| {
        let hooks = CEventLoop {
            loop_: SendPtr(loop_),
            attach: attachCb.expect("checked above"),
            read: readCb.expect("checked above"),
            write: writeCb.expect("checked above"),
            detach: detachCb.expect("checked above"),
        };
        o.event_loop = Some(Arc::new(hooks));
        natsStatus::NATS_OK
    })
}

/// Reads and processes what the connection's socket has; the event loop
/// calls it when the socket is readable.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessReadEvent(nc: *mut natsConnection) {
    if nc.is_null() {
        return;
    }
    guard("natsConnection_ProcessReadEvent", (), || conn_ref(nc).process_read_event())
}

/// Accepted for compatibility: the library writes from its own threads and
/// never requests write notifications from the loop.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessWriteEvent(nc: *mut natsConnection) {
    if nc.is_null() {
        return;
    }
    guard("natsConnection_ProcessWriteEvent", (), || conn_ref(nc).process_write_event())
}

/// Marks `*socket` as released by the loop by setting it to -1. The
/// library closes its sockets itself, so this never closes a descriptor.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessCloseEvent(socket: *mut natsSock) {
    if !socket.is_null() {
        *socket = -1;
    }
}

/// Accepted for compatibility: called by adapters once detached; the
/// library holds no reference for the loop that would need releasing.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessDetachedEvent(nc: *mut natsConnection) {
    let _ = nc;
}
