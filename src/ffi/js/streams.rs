//! Stream management: `jsStreamConfig_Init` and the other initializers,
//! `js_AddStream`, `js_UpdateStream`, `js_PurgeStream`, `js_DeleteStream`,
//! `js_GetStreamInfo`, `js_Streams`, `js_StreamNames`, and reading or
//! deleting single messages.

use libc::c_char;

use super::alloc::{
    boxed_msg, c_array, c_len, c_string, free, free_boxed_array, read_str, read_string,
};
use super::context::{fail, js_ref, read_request_options, with_js, OnNotFound};
use super::convert_stream::{c_stream_info, free_stream_info, read_stream_config};
use super::errcode::jsErrCode;
use super::types::*;
use crate::core::js::{DirectGetOptions, JsError};
use crate::ffi::error::{guard, guard_status, null_arg};
use crate::ffi::status::natsStatus;
use crate::ffi::types::natsMsg;

/// Error code the server uses for a missing stream.
const STREAM_NOT_FOUND: u16 = jsErrCode::JSStreamNotFoundErr as u16;

unsafe fn zero<T>(p: *mut T, func: &'static str, arg: &str) -> natsStatus {
    if p.is_null() {
        return null_arg(func, arg);
    }
    std::ptr::write_bytes(p, 0, 1);
    natsStatus::NATS_OK
}

/// Initializes a stream config with the server's defaults: limits
/// retention, file storage, one replica, discard old, no compression, and
/// -1 (no limit) for `MaxConsumers`, `MaxMsgs`, `MaxBytes` and
/// `MaxMsgSize`; every other field is zero or NULL. Returns
/// `NATS_INVALID_ARG` when `cfg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsStreamConfig_Init(cfg: *mut jsStreamConfig) -> natsStatus {
    const F: &str = "jsStreamConfig_Init";
    guard_status(F, || {
        let s = zero(cfg, F, "cfg");
        if s == natsStatus::NATS_OK {
            let c = &mut *cfg;
            c.Retention = jsRetentionPolicy::js_LimitsPolicy;
            c.MaxConsumers = -1;
            c.MaxMsgs = -1;
            c.MaxBytes = -1;
            c.MaxMsgSize = -1;
            c.Storage = jsStorageType::js_FileStorage;
            c.Discard = jsDiscardPolicy::js_DiscardOld;
            c.Replicas = 1;
            c.Compression = jsStorageCompression::js_StorageCompressionNone;
        }
        s
    })
}

/// Initializes a placement to all zero/NULL fields. Returns
/// `NATS_INVALID_ARG` when `placement` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsPlacement_Init(placement: *mut jsPlacement) -> natsStatus {
    guard_status("jsPlacement_Init", || {
        zero(placement, "jsPlacement_Init", "placement")
    })
}

/// Initializes a stream source to all zero/NULL fields. Returns
/// `NATS_INVALID_ARG` when `source` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsStreamSource_Init(source: *mut jsStreamSource) -> natsStatus {
    guard_status("jsStreamSource_Init", || {
        zero(source, "jsStreamSource_Init", "source")
    })
}

/// Initializes an external stream to NULL prefixes. Returns
/// `NATS_INVALID_ARG` when `external` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsExternalStream_Init(external: *mut jsExternalStream) -> natsStatus {
    guard_status("jsExternalStream_Init", || {
        zero(external, "jsExternalStream_Init", "external")
    })
}

/// Initializes a republish config to NULL subjects and no headers-only.
/// Returns `NATS_INVALID_ARG` when `rp` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsRePublish_Init(rp: *mut jsRePublish) -> natsStatus {
    guard_status("jsRePublish_Init", || zero(rp, "jsRePublish_Init", "rp"))
}

/// Initializes direct get options to all zero/NULL fields. Returns
/// `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsDirectGetMsgOptions_Init(
    opts: *mut jsDirectGetMsgOptions,
) -> natsStatus {
    guard_status("jsDirectGetMsgOptions_Init", || {
        zero(opts, "jsDirectGetMsgOptions_Init", "opts")
    })
}

unsafe fn add_or_update(
    func: &'static str,
    update: bool,
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    with_js(func, js, err_code, OnNotFound::SetError, |ctx| {
        if cfg.is_null() {
            return Err(JsError::invalid_arg("stream configuration required"));
        }
        let config = read_stream_config(cfg)?;
        let options = read_request_options(opts)?;
        let info = if update {
            ctx.update_stream(&config, options.as_ref())?
        } else {
            ctx.add_stream(&config, options.as_ref())?
        };
        if !si.is_null() {
            *si = c_stream_info(&info);
        }
        Ok(())
    })
}

/// Creates a stream from `cfg` (required; its `Name` is required and
/// cannot contain `.`).
///
/// `si` may be NULL; otherwise it receives the new stream's information,
/// which the caller releases with `jsStreamInfo_Destroy`. `opts` may be
/// NULL. `errCode`, if not NULL, receives the server's JetStream error code
/// on failure (0 otherwise). Server errors return `NATS_ERR` with the
/// server's description as the last error.
#[no_mangle]
pub unsafe extern "C" fn js_AddStream(
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    add_or_update("js_AddStream", false, si, js, cfg, opts, errCode)
}

/// Updates the stream named by `cfg->Name` to the configuration `cfg`.
///
/// `si` may be NULL; otherwise it receives the stream's information, which
/// the caller releases with `jsStreamInfo_Destroy`. A missing stream
/// returns `NATS_NOT_FOUND`; `errCode`, if not NULL, receives the server's
/// JetStream error code.
#[no_mangle]
pub unsafe extern "C" fn js_UpdateStream(
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    cfg: *mut jsStreamConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    add_or_update("js_UpdateStream", true, si, js, cfg, opts, errCode)
}

/// Purges the messages of stream `stream`.
///
/// `opts->Stream.Purge`, or the context's purge options when `opts` sets
/// none, limits the purge: `Subject` to one subject, `Sequence` to the
/// messages below that sequence, and `Keep` keeps the newest messages.
/// `Sequence` and `Keep` are exclusive. A missing stream returns
/// `NATS_NOT_FOUND` with `errCode` 10059 and the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_PurgeStream(
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_PurgeStream",
        js,
        errCode,
        OnNotFound::ClearFor(STREAM_NOT_FOUND),
        |ctx| {
            let name = read_string("stream", stream)?;
            let options = read_request_options(opts)?;
            ctx.purge_stream(&name, options.as_ref())
        },
    )
}

/// Deletes stream `stream` and its messages. A missing stream returns
/// `NATS_NOT_FOUND` with `errCode` 10059 and the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteStream(
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_DeleteStream",
        js,
        errCode,
        OnNotFound::ClearFor(STREAM_NOT_FOUND),
        |ctx| {
            let name = read_string("stream", stream)?;
            let options = read_request_options(opts)?;
            ctx.delete_stream(&name, options.as_ref())
        },
    )
}

/// Retrieves the configuration and state of stream `stream` into `*si`,
/// which the caller releases with `jsStreamInfo_Destroy`.
///
/// With `opts->Stream.Info.DeletedDetails` the state lists deleted
/// sequences; with `opts->Stream.Info.SubjectsFilter` it lists the message
/// count of each matching subject (all pages are fetched). A missing stream
/// returns `NATS_NOT_FOUND` with `errCode` 10059 and the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_GetStreamInfo(
    si: *mut *mut jsStreamInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    const F: &str = "js_GetStreamInfo";
    with_js(F, js, errCode, OnNotFound::Clear, |ctx| {
        if si.is_null() {
            return Err(JsError::invalid_arg("'si' is NULL"));
        }
        let name = read_string("stream", stream)?;
        let options = read_request_options(opts)?;
        let info = ctx.stream_info(&name, options.as_ref())?;
        *si = c_stream_info(&info);
        Ok(())
    })
}

/// Releases a stream information object and everything it points to;
/// NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsStreamInfo_Destroy(si: *mut jsStreamInfo) {
    if !si.is_null() {
        guard("jsStreamInfo_Destroy", (), || free_stream_info(si));
    }
}

/// Retrieves the information of every stream into `*list`, which the
/// caller releases with `jsStreamInfoList_Destroy`. With
/// `opts->Stream.Info.SubjectsFilter`, only streams with a matching subject
/// are listed. No stream returns `NATS_NOT_FOUND` with the last error
/// cleared.
#[no_mangle]
pub unsafe extern "C" fn js_Streams(
    list: *mut *mut jsStreamInfoList,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js("js_Streams", js, errCode, OnNotFound::ClearFor(0), |ctx| {
        if list.is_null() {
            return Err(JsError::invalid_arg("'list' is NULL"));
        }
        let options = read_request_options(opts)?;
        let streams = ctx.streams(options.as_ref())?;
        let items: Vec<*mut jsStreamInfo> = streams.iter().map(c_stream_info).collect();
        *list = super::alloc::c_box(jsStreamInfoList {
            Count: c_len(items.len()),
            List: c_array(items),
        });
        Ok(())
    })
}

/// Releases a stream information list with every information in it; NULL
/// is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsStreamInfoList_Destroy(list: *mut jsStreamInfoList) {
    if list.is_null() {
        return;
    }
    guard("jsStreamInfoList_Destroy", (), || {
        free_boxed_array((*list).List, (*list).Count, free_stream_info);
        free(list);
    })
}

/// Retrieves the names of every stream into `*list`, which the caller
/// releases with `jsStreamNamesList_Destroy`. With
/// `opts->Stream.Info.SubjectsFilter`, only streams with a matching subject
/// are listed. No stream returns `NATS_NOT_FOUND` with the last error
/// cleared.
#[no_mangle]
pub unsafe extern "C" fn js_StreamNames(
    list: *mut *mut jsStreamNamesList,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_StreamNames",
        js,
        errCode,
        OnNotFound::ClearFor(0),
        |ctx| {
            if list.is_null() {
                return Err(JsError::invalid_arg("'list' is NULL"));
            }
            let options = read_request_options(opts)?;
            let names = ctx.stream_names(options.as_ref())?;
            *list = names_list(&names);
            Ok(())
        },
    )
}

/// Builds a `malloc`ed names list; stream and consumer names lists share
/// one layout.
pub(crate) fn names_list(names: &[String]) -> *mut jsStreamNamesList {
    let items: Vec<*mut c_char> = names.iter().map(|n| c_string(n)).collect();
    super::alloc::c_box(jsStreamNamesList {
        Count: c_len(items.len()),
        List: c_array(items),
    })
}

/// Frees a names list built by [`names_list`].
pub(crate) unsafe fn free_names_list(list: *mut jsStreamNamesList) {
    if list.is_null() {
        return;
    }
    super::alloc::free_string_array((*list).List as *const *const c_char, (*list).Count);
    free(list);
}

/// Releases a stream names list and its strings; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsStreamNamesList_Destroy(list: *mut jsStreamNamesList) {
    if !list.is_null() {
        guard("jsStreamNamesList_Destroy", (), || free_names_list(list));
    }
}

unsafe fn get_stored(
    func: &'static str,
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    err_code: *mut jsErrCode,
    read: impl FnOnce(&crate::core::js::JetStream) -> Result<crate::core::js::StoredMsg, JsError>,
) -> natsStatus {
    with_js(func, js, err_code, OnNotFound::SetError, |ctx| {
        if msg.is_null() {
            return Err(JsError::invalid_arg("'msg' is NULL"));
        }
        let stored = read(ctx)?;
        let mut message = stored.message;
        message.set_stored_position(stored.sequence, stored.time);
        *msg = boxed_msg(message);
        Ok(())
    })
}

/// Retrieves the message at sequence `seq` (at least 1) of stream `stream`
/// into `*msg`, which the caller releases with `natsMsg_Destroy`. The
/// message has the original subject, headers and payload. A missing
/// message returns `NATS_NOT_FOUND` with `errCode` 10037.
#[no_mangle]
pub unsafe extern "C" fn js_GetMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    get_stored("js_GetMsg", msg, js, errCode, |ctx| {
        if seq < 1 {
            return Err(JsError::invalid_arg(
                "the message sequence must be at least 1",
            ));
        }
        let name = read_string("stream", stream)?;
        let options = read_request_options(opts)?;
        ctx.get_msg(&name, seq, options.as_ref())
    })
}

/// Retrieves the last message stored on `subject` in stream `stream` into
/// `*msg`, which the caller releases with `natsMsg_Destroy`. A missing
/// message returns `NATS_NOT_FOUND` with `errCode` 10037.
#[no_mangle]
pub unsafe extern "C" fn js_GetLastMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    subject: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    get_stored("js_GetLastMsg", msg, js, errCode, |ctx| {
        let subject = read_string("subject", subject)?;
        if subject.is_empty() {
            return Err(JsError::invalid_arg("subject is required"));
        }
        let name = read_string("stream", stream)?;
        let options = read_request_options(opts)?;
        ctx.get_last_msg(&name, &subject, options.as_ref())
    })
}

/// Retrieves a message straight from any server holding stream `stream`,
/// which must allow direct get, into `*msg` (released with
/// `natsMsg_Destroy`). `dgOpts` (required) selects the message by
/// `Sequence`, `NextBySubject` or `LastBySubject`; the server rejects
/// invalid combinations. The message has the original subject and the
/// `Nats-Stream`, `Nats-Sequence`, `Nats-Time-Stamp` and `Nats-Subject`
/// headers. A missing message returns `NATS_NOT_FOUND`.
#[no_mangle]
pub unsafe extern "C" fn js_DirectGetMsg(
    msg: *mut *mut natsMsg,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    dgOpts: *mut jsDirectGetMsgOptions,
) -> natsStatus {
    const F: &str = "js_DirectGetMsg";
    guard_status(F, || {
        if msg.is_null() {
            return null_arg(F, "msg");
        }
        if js.is_null() {
            return null_arg(F, "js");
        }
        if dgOpts.is_null() {
            return null_arg(F, "dgOpts");
        }
        let ctx = js_ref(js);
        let result = (|| {
            let get = DirectGetOptions {
                sequence: (*dgOpts).Sequence,
                next_by_subject: read_str("NextBySubject", (*dgOpts).NextBySubject)?,
                last_by_subject: read_str("LastBySubject", (*dgOpts).LastBySubject)?,
            };
            let name = read_string("stream", stream)?;
            let options = read_request_options(opts)?;
            ctx.direct_get_msg(&name, options.as_ref(), &get)
        })();
        match result {
            Ok(stored) => {
                let mut message = stored.message;
                message.set_stored_position(stored.sequence, stored.time);
                *msg = boxed_msg(message);
                natsStatus::NATS_OK
            }
            Err(e) => fail(F, &e, std::ptr::null_mut(), OnNotFound::SetError),
        }
    })
}

unsafe fn remove_msg(
    func: &'static str,
    erase: bool,
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    with_js(func, js, err_code, OnNotFound::SetError, |ctx| {
        let name = read_string("stream", stream)?;
        let options = read_request_options(opts)?;
        if erase {
            ctx.erase_msg(&name, seq, options.as_ref())
        } else {
            ctx.delete_msg(&name, seq, options.as_ref())
        }
    })
}

/// Deletes the message at sequence `seq` of stream `stream`; its content
/// may remain on disk until overwritten (see `js_EraseMsg`). `errCode`, if
/// not NULL, receives the server's JetStream error code on failure.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteMsg(
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    remove_msg("js_DeleteMsg", false, js, stream, seq, opts, errCode)
}

/// Deletes the message at sequence `seq` of stream `stream` and overwrites
/// its content in storage. `errCode`, if not NULL, receives the server's
/// JetStream error code on failure.
#[no_mangle]
pub unsafe extern "C" fn js_EraseMsg(
    js: *mut jsCtx,
    stream: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    remove_msg("js_EraseMsg", true, js, stream, seq, opts, errCode)
}
