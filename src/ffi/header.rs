//! `natsHeader_*`: a set of headers that exists apart from any message.

use libc::{c_char, c_int};

use super::error::{guard, guard_status, null_arg};
use super::msg::ops;
use super::status::natsStatus;
use super::types::natsHeader;
use crate::core::Headers;

unsafe fn with_header(
    func: &'static str,
    h: *mut natsHeader,
    body: impl FnOnce(&mut Headers) -> natsStatus,
) -> natsStatus {
    guard_status(func, || {
        if h.is_null() {
            return null_arg(func, "h");
        }
        body(&mut (*h).headers)
    })
}

/// Creates an empty header set, released with `natsHeader_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_New(new_header: *mut *mut natsHeader) -> natsStatus {
    guard_status("natsHeader_New", || {
        if new_header.is_null() {
            return null_arg("natsHeader_New", "new_header");
        }
        *new_header = Box::into_raw(Box::new(natsHeader {
            headers: Headers::new(),
        }));
        natsStatus::NATS_OK
    })
}

/// Sets `key` to `value`, replacing its previous values.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Set(h: *mut natsHeader, key: *const c_char, value: *const c_char) -> natsStatus {
    with_header("natsHeader_Set", h, |hs| ops::set("natsHeader_Set", hs, key, value, false, false))
}

/// Adds `value` to the values of `key`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Add(h: *mut natsHeader, key: *const c_char, value: *const c_char) -> natsStatus {
    with_header("natsHeader_Add", h, |hs| ops::set("natsHeader_Add", hs, key, value, true, false))
}

/// Points `*value` at the first value of `key`; `NATS_NOT_FOUND` when absent.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Get(h: *mut natsHeader, key: *const c_char, value: *mut *const c_char) -> natsStatus {
    with_header("natsHeader_Get", h, |hs| ops::get("natsHeader_Get", Some(hs), key, value))
}

/// Returns every value of `key` in a `malloc` array the caller frees.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Values(
    h: *mut natsHeader,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    with_header("natsHeader_Values", h, |hs| ops::values("natsHeader_Values", Some(hs), key, values, count))
}

/// Returns every name in a `malloc` array the caller frees;
/// `NATS_NOT_FOUND` when the set is empty.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Keys(h: *mut natsHeader, keys: *mut *mut *const c_char, count: *mut c_int) -> natsStatus {
    with_header("natsHeader_Keys", h, |hs| ops::keys("natsHeader_Keys", Some(hs), keys, count))
}

/// Returns the number of distinct names, 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_KeysCount(h: *mut natsHeader) -> c_int {
    if h.is_null() {
        return 0;
    }
    (*h).headers.len() as c_int
}

/// Removes `key`; `NATS_NOT_FOUND` when absent.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Delete(h: *mut natsHeader, key: *const c_char) -> natsStatus {
    with_header("natsHeader_Delete", h, |hs| ops::delete("natsHeader_Delete", Some(hs), key))
}

/// Releases a header set; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Destroy(h: *mut natsHeader) {
    if !h.is_null() {
        guard("natsHeader_Destroy", (), || drop(Box::from_raw(h)));
    }
}
