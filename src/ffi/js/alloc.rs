//! Memory of the structs the library returns, and reading the strings and
//! arrays of the structs the application passes.
//!
//! Returned structs, their strings and their arrays are allocated with
//! `calloc` so that C code and the `_Destroy` functions can release them
//! with `free`. An allocation failure aborts, as Rust allocations do.

use std::ffi::CStr;

use libc::{c_char, c_int, c_void};

use crate::core::js::JsError;
use crate::core::Status;

/// Allocates zeroed memory for `count` values of `T`; NULL for none.
fn alloc_zeroed<T>(count: usize) -> *mut T {
    if count == 0 {
        return std::ptr::null_mut();
    }
    let size = std::mem::size_of::<T>().max(1);
    let p = unsafe { libc::calloc(count, size) } as *mut T;
    if p.is_null() {
        let layout =
            std::alloc::Layout::array::<T>(count).unwrap_or(std::alloc::Layout::new::<T>());
        std::alloc::handle_alloc_error(layout);
    }
    p
}

/// Moves `value` into `malloc` memory.
pub(crate) fn c_box<T>(value: T) -> *mut T {
    let p = alloc_zeroed::<T>(1);
    unsafe { p.write(value) };
    p
}

/// Moves `values` into a `malloc` array; NULL when empty.
pub(crate) fn c_array<T>(values: Vec<T>) -> *mut T {
    let p = alloc_zeroed::<T>(values.len());
    for (i, v) in values.into_iter().enumerate() {
        unsafe { p.add(i).write(v) };
    }
    p
}

/// Copies `text` into a NUL-terminated `malloc` string. A NUL inside the
/// text ends the C string there.
pub(crate) fn c_string(text: &str) -> *mut c_char {
    let bytes = text.as_bytes();
    let p = alloc_zeroed::<u8>(bytes.len() + 1);
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    p as *mut c_char
}

/// Like [`c_string`], with NULL for `None`.
pub(crate) fn opt_c_string(text: &Option<String>) -> *mut c_char {
    text.as_deref().map_or(std::ptr::null_mut(), c_string)
}

/// Copies strings into a `malloc` array of `malloc` strings.
pub(crate) fn c_string_array(texts: &[String]) -> (*mut *const c_char, c_int) {
    let pointers: Vec<*const c_char> = texts.iter().map(|t| c_string(t) as *const c_char).collect();
    let len = pointers.len() as c_int;
    (c_array(pointers), len)
}

/// Converts a count to the `int` of a C struct.
pub(crate) fn c_len(len: usize) -> c_int {
    c_int::try_from(len).unwrap_or(c_int::MAX)
}

/// Frees a `malloc` pointer; NULL is ignored.
pub(crate) unsafe fn free<T>(p: *const T) {
    if !p.is_null() {
        libc::free(p as *mut c_void);
    }
}

/// Frees an array of `len` `malloc` strings and the array itself.
pub(crate) unsafe fn free_string_array(list: *const *const c_char, len: c_int) {
    if list.is_null() {
        return;
    }
    for i in 0..len.max(0) as usize {
        free(*list.add(i));
    }
    free(list);
}

/// Frees an array of `len` boxed values, destroying each with `destroy`,
/// and the array itself.
pub(crate) unsafe fn free_boxed_array<T>(
    list: *mut *mut T,
    len: c_int,
    destroy: unsafe fn(*mut T),
) {
    if list.is_null() {
        return;
    }
    for i in 0..len.max(0) as usize {
        destroy(*list.add(i));
    }
    free(list);
}

/// Reads an optional C string field of an application struct.
pub(crate) unsafe fn read_str(field: &str, p: *const c_char) -> Result<Option<String>, JsError> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p)
        .to_str()
        .map(|s| Some(s.to_string()))
        .map_err(|_| JsError::invalid_arg(format!("'{field}' is not valid UTF-8")))
}

/// Reads a C string field that the request needs; NULL reads as empty.
pub(crate) unsafe fn read_string(field: &str, p: *const c_char) -> Result<String, JsError> {
    Ok(read_str(field, p)?.unwrap_or_default())
}

/// Checks a C array field: a negative length counts as empty, a positive
/// one needs a non-NULL array.
pub(crate) fn array_len<T>(field: &str, p: *const T, len: c_int) -> Result<usize, JsError> {
    if len <= 0 {
        return Ok(0);
    }
    if p.is_null() {
        return Err(JsError::invalid_arg(format!(
            "'{field}' is NULL but its length is {len}"
        )));
    }
    Ok(len as usize)
}

/// Reads an array of C strings; NULL entries are rejected.
pub(crate) unsafe fn read_str_array(
    field: &str,
    p: *const *const c_char,
    len: c_int,
) -> Result<Vec<String>, JsError> {
    let n = array_len(field, p, len)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let item = *p.add(i);
        if item.is_null() {
            return Err(JsError::invalid_arg(format!("'{field}[{i}]' is NULL")));
        }
        out.push(read_string(field, item)?);
    }
    Ok(out)
}

/// Reads a C enum field as its integer value. The application may store
/// any value (consumer configs hold -1 for "server default"), which a
/// Rust enum cannot hold, so the field is never read as the enum type.
pub(crate) unsafe fn read_enum<E>(p: *const E) -> c_int {
    debug_assert_eq!(std::mem::size_of::<E>(), std::mem::size_of::<c_int>());
    (p as *const c_int).read()
}

/// Stores an integer into a C enum field without making a Rust value of
/// the enum type, which the integer may not be.
pub(crate) unsafe fn write_enum<E>(p: *mut E, value: c_int) {
    debug_assert_eq!(std::mem::size_of::<E>(), std::mem::size_of::<c_int>());
    (p as *mut c_int).write(value);
}

/// Rejects an integer that is not one of an enum's values.
pub(crate) fn invalid_enum(enum_name: &str, value: c_int) -> JsError {
    JsError::new(Status::InvalidArg, format!("invalid {enum_name} {value}"))
}

/// Hands a message to C as a `natsMsg` the caller destroys.
pub(crate) fn boxed_msg(msg: crate::core::Message) -> *mut crate::ffi::types::natsMsg {
    Box::into_raw(Box::new(crate::ffi::types::natsMsg { msg }))
}
