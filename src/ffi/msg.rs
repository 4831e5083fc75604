//! `natsMsg_*` and `natsMsgHeader_*`: message fields and message headers.

use std::ffi::CStr;

use libc::{c_char, c_int};

use super::error::{guard, guard_status, null_arg, set_error, set_text};
use super::handles::{malloc_array, opt_str, req_str};
use super::status::natsStatus;
use super::types::{natsMsg, natsMsgList};
use crate::core::{Headers, Message, Status};

/// Creates a message to publish with `natsConnection_PublishMsg`. `reply`
/// may be NULL; `data` may be NULL when `dataLen` is 0.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Create(
    newMsg: *mut *mut natsMsg,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_char,
    dataLen: c_int,
) -> natsStatus {
    const F: &str = "natsMsg_Create";
    guard_status(F, || {
        if newMsg.is_null() {
            return null_arg(F, "newMsg");
        }
        let subject = match opt_str(F, "subj", subj) {
            Ok(Some(s)) if !s.is_empty() => s,
            Ok(_) => return set_text(F, Status::InvalidArg, format!("{F}: subject is NULL or empty")),
            Err(s) => return s,
        };
        let reply = match opt_str(F, "reply", reply) {
            Ok(Some("")) => return set_text(F, Status::InvalidArg, format!("{F}: reply is empty; pass NULL for none")),
            Ok(r) => r,
            Err(s) => return s,
        };
        let bytes = match super::handles::payload(F, data as *const libc::c_void, dataLen) {
            Ok(b) => b,
            Err(s) => return s,
        };
        match Message::new(subject, reply, bytes) {
            Ok(msg) => {
                *newMsg = Box::into_raw(Box::new(natsMsg { msg }));
                natsStatus::NATS_OK
            }
            Err(e) => set_error(F, &e),
        }
    })
}

/// Returns the subject, valid as long as the message; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSubject(msg: *const natsMsg) -> *const c_char {
    if msg.is_null() {
        return std::ptr::null();
    }
    (*msg).msg.subject_with_nul().as_ptr() as *const c_char
}

/// Returns the reply subject, or NULL when the message has none.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetReply(msg: *const natsMsg) -> *const c_char {
    if msg.is_null() {
        return std::ptr::null();
    }
    (*msg)
        .msg
        .reply_with_nul()
        .map_or(std::ptr::null(), |r| r.as_ptr() as *const c_char)
}

/// Returns the payload. It is always followed by a NUL byte, so a text
/// payload can be used as a C string.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetData(msg: *const natsMsg) -> *const c_char {
    if msg.is_null() {
        return std::ptr::null();
    }
    (*msg).msg.data_with_nul().as_ptr() as *const c_char
}

/// Returns the payload length in bytes, 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetDataLength(msg: *const natsMsg) -> c_int {
    if msg.is_null() {
        return 0;
    }
    (*msg).msg.data().len() as c_int
}

/// Returns true when the message is the server's no-responders reply.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_IsNoResponders(msg: *mut natsMsg) -> bool {
    if msg.is_null() {
        return false;
    }
    (*msg).msg.is_no_responders()
}

/// Releases a message; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Destroy(msg: *mut natsMsg) {
    if !msg.is_null() {
        // Inside an auto-ack callback the wrapper destroys the message
        // after acknowledging it.
        if (*msg).msg.no_destroy() {
            return;
        }
        guard("natsMsg_Destroy", (), || drop(Box::from_raw(msg)));
    }
}

/// Releases the messages of a list and its array; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsMsgList_Destroy(list: *mut natsMsgList) {
    if list.is_null() || (*list).Msgs.is_null() {
        return;
    }
    let l = &mut *list;
    for i in 0..l.Count.max(0) as usize {
        natsMsg_Destroy(*l.Msgs.add(i));
    }
    libc::free(l.Msgs as *mut libc::c_void);
    l.Msgs = std::ptr::null_mut();
    l.Count = 0;
}

/// Header operations shared by `natsMsgHeader_*` and `natsHeader_*`.
pub(crate) mod ops {
    use super::*;

    /// Sets or adds a value. A NULL value is stored as empty when
    /// `null_value_ok`, as message headers allow, and is rejected otherwise.
    pub(crate) unsafe fn set(
        func: &'static str,
        h: &mut Headers,
        key: *const c_char,
        value: *const c_char,
        append: bool,
        null_value_ok: bool,
    ) -> natsStatus {
        let key = match key_arg(func, key) {
            Ok(k) => k,
            Err(s) => return s,
        };
        if value.is_null() && !null_value_ok {
            return null_arg(func, "value");
        }
        let value = match opt_str(func, "value", value) {
            Ok(v) => v.unwrap_or(""),
            Err(s) => return s,
        };
        let result = if append { h.add(key, value) } else { h.set(key, value) };
        match result {
            Ok(()) => natsStatus::NATS_OK,
            Err(e) => set_error(func, &e),
        }
    }

    pub(crate) unsafe fn key_arg<'a>(func: &'static str, key: *const c_char) -> Result<&'a str, natsStatus> {
        match req_str(func, "key", key)? {
            "" => Err(set_text(func, Status::InvalidArg, format!("{func}: key is empty"))),
            k => Ok(k),
        }
    }

    pub(crate) unsafe fn get(
        func: &'static str,
        h: Option<&Headers>,
        key: *const c_char,
        value: *mut *const c_char,
    ) -> natsStatus {
        let key = match key_arg(func, key) {
            Ok(k) => k,
            Err(s) => return s,
        };
        if value.is_null() {
            return null_arg(func, "value");
        }
        *value = std::ptr::null();
        match h.and_then(|h| h.get_c(key)) {
            Some(v) => {
                *value = v.as_ptr();
                natsStatus::NATS_OK
            }
            None => natsStatus::NATS_NOT_FOUND,
        }
    }

    unsafe fn out_list(
        func: &'static str,
        items: Vec<&CStr>,
        out: *mut *mut *const c_char,
        count: *mut c_int,
    ) -> natsStatus {
        let ptrs: Vec<*const c_char> = items.iter().map(|c| c.as_ptr()).collect();
        let array = malloc_array(&ptrs);
        if array.is_null() {
            return set_text(func, Status::NoMemory, "out of memory");
        }
        *out = array;
        *count = ptrs.len() as c_int;
        natsStatus::NATS_OK
    }

    pub(crate) unsafe fn values(
        func: &'static str,
        h: Option<&Headers>,
        key: *const c_char,
        values: *mut *mut *const c_char,
        count: *mut c_int,
    ) -> natsStatus {
        let key = match key_arg(func, key) {
            Ok(k) => k,
            Err(s) => return s,
        };
        if values.is_null() {
            return null_arg(func, "values");
        }
        if count.is_null() {
            return null_arg(func, "count");
        }
        *values = std::ptr::null_mut();
        *count = 0;
        match h.and_then(|h| h.values_c(key)) {
            Some(list) if !list.is_empty() => out_list(func, list, values, count),
            _ => natsStatus::NATS_NOT_FOUND,
        }
    }

    pub(crate) unsafe fn keys(
        func: &'static str,
        h: Option<&Headers>,
        keys: *mut *mut *const c_char,
        count: *mut c_int,
    ) -> natsStatus {
        if keys.is_null() {
            return null_arg(func, "keys");
        }
        if count.is_null() {
            return null_arg(func, "count");
        }
        *keys = std::ptr::null_mut();
        *count = 0;
        match h {
            Some(h) if !h.is_empty() => out_list(func, h.keys_c(), keys, count),
            _ => natsStatus::NATS_NOT_FOUND,
        }
    }

    pub(crate) unsafe fn delete(func: &'static str, h: Option<&mut Headers>, key: *const c_char) -> natsStatus {
        let key = match key_arg(func, key) {
            Ok(k) => k,
            Err(s) => return s,
        };
        let deleted = h.is_some_and(|h| h.delete(key));
        if deleted {
            natsStatus::NATS_OK
        } else {
            natsStatus::NATS_NOT_FOUND
        }
    }
}

unsafe fn with_msg(
    func: &'static str,
    msg: *mut natsMsg,
    body: impl FnOnce(&mut Message) -> natsStatus,
) -> natsStatus {
    guard_status(func, || {
        if msg.is_null() {
            return null_arg(func, "msg");
        }
        body(&mut (*msg).msg)
    })
}

/// Sets header `key` to `value`, replacing its previous values.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Set(msg: *mut natsMsg, key: *const c_char, value: *const c_char) -> natsStatus {
    const F: &str = "natsMsgHeader_Set";
    with_msg(F, msg, |m| match m.headers_mut() {
        Ok(h) => ops::set(F, h, key, value, false, true),
        Err(e) => set_error(F, &e),
    })
}

/// Adds `value` to the values of header `key`.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Add(msg: *mut natsMsg, key: *const c_char, value: *const c_char) -> natsStatus {
    const F: &str = "natsMsgHeader_Add";
    with_msg(F, msg, |m| match m.headers_mut() {
        Ok(h) => ops::set(F, h, key, value, true, true),
        Err(e) => set_error(F, &e),
    })
}

/// Points `*value` at the first value of header `key`, valid until the
/// header changes or the message is destroyed. `NATS_NOT_FOUND` when absent.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Get(
    msg: *mut natsMsg,
    key: *const c_char,
    value: *mut *const c_char,
) -> natsStatus {
    const F: &str = "natsMsgHeader_Get";
    with_msg(F, msg, |m| match m.headers() {
        Ok(h) => ops::get(F, h, key, value),
        Err(e) => set_error(F, &e),
    })
}

/// Returns every value of header `key` in `*values`, an array the caller
/// releases with `free` (the strings belong to the message).
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Values(
    msg: *mut natsMsg,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    const F: &str = "natsMsgHeader_Values";
    with_msg(F, msg, |m| match m.headers() {
        Ok(h) => ops::values(F, h, key, values, count),
        Err(e) => set_error(F, &e),
    })
}

/// Returns every header name in `*keys`, an array the caller releases with
/// `free` (the strings belong to the message). `NATS_NOT_FOUND` when the
/// message has no headers.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Keys(
    msg: *mut natsMsg,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    const F: &str = "natsMsgHeader_Keys";
    with_msg(F, msg, |m| match m.headers() {
        Ok(h) => ops::keys(F, h, keys, count),
        Err(e) => set_error(F, &e),
    })
}

/// Removes header `key`; `NATS_NOT_FOUND` when absent.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Delete(msg: *mut natsMsg, key: *const c_char) -> natsStatus {
    const F: &str = "natsMsgHeader_Delete";
    with_msg(F, msg, |m| {
        if !m.has_headers() {
            return match ops::key_arg(F, key) {
                Ok(_) => natsStatus::NATS_NOT_FOUND,
                Err(s) => s,
            };
        }
        match m.headers_mut() {
            Ok(h) => ops::delete(F, Some(h), key),
            Err(e) => set_error(F, &e),
        }
    })
}
