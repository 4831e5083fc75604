//! Conversions between C pointers and core handles.

use std::ffi::CStr;
use std::mem::ManuallyDrop;

use libc::c_char;

use super::error::{null_arg, set_text};
use super::status::natsStatus;
use super::types::{natsConnection, natsSubscription};
use crate::core::{Connection, Status, Subscription};

/// Borrows the connection behind a C handle without touching its count.
///
/// # Safety
/// `nc` must be a live handle from `natsConnection_Connect`.
pub unsafe fn conn_ref(nc: *mut natsConnection) -> ManuallyDrop<Connection> {
    ManuallyDrop::new(Connection::from_raw(nc as *const ()))
}

/// Borrows the subscription behind a C handle without touching its count.
///
/// # Safety
/// `sub` must be a live handle from a subscribe function.
pub unsafe fn sub_ref(sub: *mut natsSubscription) -> ManuallyDrop<Subscription> {
    ManuallyDrop::new(Subscription::from_raw(sub as *const ()))
}

/// Reads an optional C string argument; NULL gives `None`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string.
pub unsafe fn opt_str<'a>(
    func: &'static str,
    arg: &str,
    p: *const c_char,
) -> Result<Option<&'a str>, natsStatus> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p).to_str().map(Some).map_err(|_| {
        set_text(
            func,
            Status::InvalidArg,
            format!("{func}: argument '{arg}' is not valid UTF-8"),
        )
    })
}

/// Reads a required C string argument; NULL is `NATS_INVALID_ARG`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string.
pub unsafe fn req_str<'a>(
    func: &'static str,
    arg: &str,
    p: *const c_char,
) -> Result<&'a str, natsStatus> {
    match opt_str(func, arg, p)? {
        Some(s) => Ok(s),
        None => Err(null_arg(func, arg)),
    }
}

/// Reads a subject argument: NULL or invalid UTF-8 is `NATS_INVALID_SUBJECT`
/// as cnats reports a missing subject.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string.
pub unsafe fn subject_str<'a>(func: &'static str, p: *const c_char) -> Result<&'a str, natsStatus> {
    if p.is_null() {
        return Err(set_text(
            func,
            Status::InvalidSubject,
            format!("{func}: subject is NULL"),
        ));
    }
    let bytes = CStr::from_ptr(p).to_bytes();
    if bytes.is_ascii() {
        // SAFETY: ASCII is valid UTF-8; this skips the slower general check
        // on the publish path, where subjects are nearly always ASCII.
        return Ok(std::str::from_utf8_unchecked(bytes));
    }
    std::str::from_utf8(bytes).map_err(|_| {
        set_text(
            func,
            Status::InvalidSubject,
            format!("{func}: subject is not valid UTF-8"),
        )
    })
}

/// Reads `len` bytes of payload; NULL with a zero length is an empty payload.
///
/// # Safety
/// `data` must point to `len` readable bytes when not NULL.
pub unsafe fn payload<'a>(
    func: &'static str,
    data: *const libc::c_void,
    len: libc::c_int,
) -> Result<&'a [u8], natsStatus> {
    if len < 0 {
        return Err(set_text(
            func,
            Status::InvalidArg,
            format!("{func}: data length {len} is negative"),
        ));
    }
    if data.is_null() {
        if len > 0 {
            return Err(null_arg(func, "data"));
        }
        return Ok(&[]);
    }
    Ok(std::slice::from_raw_parts(data as *const u8, len as usize))
}

/// Copies `text` into a new `malloc` buffer the application frees with
/// `free`. Returns NULL when out of memory.
pub fn malloc_cstring(text: &str) -> *mut c_char {
    let bytes = text.as_bytes();
    unsafe {
        let p = libc::malloc(bytes.len() + 1) as *mut u8;
        if p.is_null() {
            return std::ptr::null_mut();
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *p.add(bytes.len()) = 0;
        p as *mut c_char
    }
}

/// Copies pointers into a new `malloc` array the application frees with
/// `free`. Returns NULL when out of memory or when `items` is empty.
pub fn malloc_array<T: Copy>(items: &[T]) -> *mut T {
    if items.is_empty() {
        return std::ptr::null_mut();
    }
    unsafe {
        let p = libc::malloc(std::mem::size_of_val(items)) as *mut T;
        if p.is_null() {
            return p;
        }
        std::ptr::copy_nonoverlapping(items.as_ptr(), p, items.len());
        p
    }
}

/// Copies `text` and a NUL into a caller's buffer of `size` bytes.
///
/// # Safety
/// `buffer` must point to `size` writable bytes.
pub unsafe fn copy_to_buffer(
    func: &'static str,
    text: &str,
    buffer: *mut c_char,
    size: usize,
) -> natsStatus {
    let bytes = text.as_bytes();
    if bytes.len() + 1 > size {
        return set_text(
            func,
            Status::InsufficientBuffer,
            format!(
                "{func}: buffer of {size} bytes is too small for {} bytes",
                bytes.len() + 1
            ),
        );
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer as *mut u8, bytes.len());
    *buffer.add(bytes.len()) = 0;
    natsStatus::NATS_OK
}
