//! Consumer management: `jsConsumerConfig_Init`, `js_AddConsumer`,
//! `js_UpdateConsumer`, `js_GetConsumerInfo`, `js_DeleteConsumer`,
//! `js_ResetConsumer`, `js_PauseConsumer`, `js_Consumers` and
//! `js_ConsumerNames`.

use std::ptr::addr_of_mut;

use libc::c_char;

use super::alloc::{c_array, c_box, c_len, free, free_boxed_array, read_string, write_enum};
use super::context::{read_request_options, with_js, OnNotFound};
use super::convert_consumer::{c_consumer_info, free_consumer_info, read_consumer_config};
use super::errcode::jsErrCode;
use super::streams::{free_names_list, names_list};
use super::types::*;
use crate::core::js::{JetStream, JsError};
use crate::ffi::error::{guard, guard_status, null_arg};
use crate::ffi::status::natsStatus;

/// Error code the server uses for a missing consumer.
const CONSUMER_NOT_FOUND: u16 = jsErrCode::JSConsumerNotFoundErr as u16;

/// Initializes a consumer config: every field zero or NULL, and the
/// deliver, ack and replay policies -1 so that `js_AddConsumer` applies
/// the defaults (deliver all, explicit ack, instant replay). Returns
/// `NATS_INVALID_ARG` when `cc` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerConfig_Init(cc: *mut jsConsumerConfig) -> natsStatus {
    const F: &str = "jsConsumerConfig_Init";
    guard_status(F, || {
        if cc.is_null() {
            return null_arg(F, "cc");
        }
        std::ptr::write_bytes(cc, 0, 1);
        write_enum(addr_of_mut!((*cc).DeliverPolicy), -1);
        write_enum(addr_of_mut!((*cc).AckPolicy), -1);
        write_enum(addr_of_mut!((*cc).ReplayPolicy), -1);
        natsStatus::NATS_OK
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn add_or_update(
    func: &'static str,
    update: bool,
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    err_code: *mut jsErrCode,
) -> natsStatus {
    with_js(func, js, err_code, OnNotFound::SetError, |ctx| {
        if cfg.is_null() {
            return Err(JsError::invalid_arg("consumer configuration required"));
        }
        let config = read_consumer_config(cfg)?;
        let name = read_string("stream", stream)?;
        let options = read_request_options(opts)?;
        let info = if update {
            ctx.update_consumer(&name, &config, options.as_ref())?
        } else {
            ctx.add_consumer(&name, &config, options.as_ref())?
        };
        if !ci.is_null() {
            *ci = c_consumer_info(&info);
        }
        Ok(())
    })
}

/// Creates a consumer on stream `stream` from `cfg` (required), or updates
/// it when it exists. Policies left at -1 by `jsConsumerConfig_Init` are
/// set to their defaults in `cfg`. `Name` and `Durable` cannot contain
/// `.`, space, `*` or `>`.
///
/// `ci` may be NULL; otherwise it receives the consumer's information,
/// which the caller releases with `jsConsumerInfo_Destroy`. `errCode`, if
/// not NULL, receives the server's JetStream error code on failure.
#[no_mangle]
pub unsafe extern "C" fn js_AddConsumer(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    add_or_update("js_AddConsumer", false, ci, js, stream, cfg, opts, errCode)
}

/// Updates the durable consumer `cfg->Durable` (required) of stream
/// `stream`. `ci` may be NULL; otherwise it receives the consumer's
/// information, released with `jsConsumerInfo_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn js_UpdateConsumer(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    cfg: *mut jsConsumerConfig,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    add_or_update(
        "js_UpdateConsumer",
        true,
        ci,
        js,
        stream,
        cfg,
        opts,
        errCode,
    )
}

/// Retrieves the configuration and state of consumer `consumer` of stream
/// `stream` into `*ci`, which the caller releases with
/// `jsConsumerInfo_Destroy`. A missing consumer returns `NATS_NOT_FOUND`
/// with `errCode` 10014 and the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_GetConsumerInfo(
    ci: *mut *mut jsConsumerInfo,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_GetConsumerInfo",
        js,
        errCode,
        OnNotFound::ClearFor(CONSUMER_NOT_FOUND),
        |ctx| {
            if ci.is_null() {
                return Err(JsError::invalid_arg("'ci' is NULL"));
            }
            let (stream, consumer) = (
                read_string("stream", stream)?,
                read_string("consumer", consumer)?,
            );
            let options = read_request_options(opts)?;
            let info = ctx.consumer_info(&stream, &consumer, options.as_ref())?;
            *ci = c_consumer_info(&info);
            Ok(())
        },
    )
}

/// Deletes consumer `consumer` of stream `stream`. A missing consumer
/// returns `NATS_NOT_FOUND` with `errCode` 10014 and the last error
/// cleared.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteConsumer(
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_DeleteConsumer",
        js,
        errCode,
        OnNotFound::ClearFor(CONSUMER_NOT_FOUND),
        |ctx| {
            let (stream, consumer) = (
                read_string("stream", stream)?,
                read_string("consumer", consumer)?,
            );
            let options = read_request_options(opts)?;
            ctx.delete_consumer(&stream, &consumer, options.as_ref())
        },
    )
}

/// Resets consumer `consumer` of stream `stream` to stream sequence `seq`
/// (0: the consumer's start), dropping its pending and redelivery state
/// (nats-server 2.14+). `new_crr` may be NULL; otherwise it receives the
/// reply, which the caller releases with `jsConsumerResetResponse_Destroy`.
/// A missing consumer returns `NATS_NOT_FOUND` with `errCode` 10014 and
/// the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_ResetConsumer(
    new_crr: *mut *mut jsConsumerResetResponse,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    seq: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_ResetConsumer",
        js,
        errCode,
        OnNotFound::ClearFor(CONSUMER_NOT_FOUND),
        |ctx| {
            let (stream, consumer) = (
                read_string("stream", stream)?,
                read_string("consumer", consumer)?,
            );
            let options = read_request_options(opts)?;
            let reply = ctx.reset_consumer(&stream, &consumer, seq, options.as_ref())?;
            if !new_crr.is_null() {
                *new_crr = c_box(jsConsumerResetResponse {
                    Consumer: c_consumer_info(&reply.consumer),
                    ResetSeq: reply.reset_seq,
                });
            }
            Ok(())
        },
    )
}

/// Releases a reset reply and its consumer information; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerResetResponse_Destroy(crr: *mut jsConsumerResetResponse) {
    if crr.is_null() {
        return;
    }
    guard("jsConsumerResetResponse_Destroy", (), || {
        free_consumer_info((*crr).Consumer);
        free(crr);
    })
}

/// Pauses consumer `consumer` of stream `stream` until `pauseUntil`
/// (nanoseconds since the Unix epoch); 0 resumes it (nats-server 2.11+).
/// `new_cpr` is required and receives the reply, which the caller releases
/// with `jsConsumerPauseResponse_Destroy`. A missing consumer returns
/// `NATS_NOT_FOUND` with `errCode` 10014 and the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_PauseConsumer(
    new_cpr: *mut *mut jsConsumerPauseResponse,
    js: *mut jsCtx,
    stream: *const c_char,
    consumer: *const c_char,
    pauseUntil: u64,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_PauseConsumer",
        js,
        errCode,
        OnNotFound::ClearFor(CONSUMER_NOT_FOUND),
        |ctx| {
            if new_cpr.is_null() {
                return Err(JsError::invalid_arg("'new_cpr' is NULL"));
            }
            let (stream, consumer) = (
                read_string("stream", stream)?,
                read_string("consumer", consumer)?,
            );
            let options = read_request_options(opts)?;
            let reply = ctx.pause_consumer(&stream, &consumer, pauseUntil, options.as_ref())?;
            *new_cpr = c_box(jsConsumerPauseResponse {
                Paused: reply.paused,
                PauseUntil: reply.pause_until,
                PauseRemaining: reply.pause_remaining,
            });
            Ok(())
        },
    )
}

/// Releases a pause reply; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerPauseResponse_Destroy(cpr: *mut jsConsumerPauseResponse) {
    if !cpr.is_null() {
        guard("jsConsumerPauseResponse_Destroy", (), || free(cpr));
    }
}

/// Releases a consumer information object and everything it points to;
/// NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerInfo_Destroy(ci: *mut jsConsumerInfo) {
    if !ci.is_null() {
        guard("jsConsumerInfo_Destroy", (), || free_consumer_info(ci));
    }
}

/// Retrieves the information of every consumer of stream `stream` into
/// `*list`, which the caller releases with `jsConsumerInfoList_Destroy`.
/// No consumer returns `NATS_NOT_FOUND` with the last error cleared; a
/// missing stream returns `NATS_NOT_FOUND` with `errCode` 10059.
#[no_mangle]
pub unsafe extern "C" fn js_Consumers(
    list: *mut *mut jsConsumerInfoList,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_Consumers",
        js,
        errCode,
        OnNotFound::ClearFor(0),
        |ctx: &JetStream| {
            if list.is_null() {
                return Err(JsError::invalid_arg("'list' is NULL"));
            }
            let stream = read_string("stream", stream)?;
            let options = read_request_options(opts)?;
            let consumers = ctx.consumers(&stream, options.as_ref())?;
            let items: Vec<*mut jsConsumerInfo> = consumers.iter().map(c_consumer_info).collect();
            *list = c_box(jsConsumerInfoList {
                Count: c_len(items.len()),
                List: c_array(items),
            });
            Ok(())
        },
    )
}

/// Releases a consumer information list with every information in it;
/// NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerInfoList_Destroy(list: *mut jsConsumerInfoList) {
    if list.is_null() {
        return;
    }
    guard("jsConsumerInfoList_Destroy", (), || {
        free_boxed_array((*list).List, (*list).Count, free_consumer_info);
        free(list);
    })
}

/// Retrieves the names of every consumer of stream `stream` into `*list`,
/// which the caller releases with `jsConsumerNamesList_Destroy`. No
/// consumer returns `NATS_NOT_FOUND` with the last error cleared.
#[no_mangle]
pub unsafe extern "C" fn js_ConsumerNames(
    list: *mut *mut jsConsumerNamesList,
    js: *mut jsCtx,
    stream: *const c_char,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_ConsumerNames",
        js,
        errCode,
        OnNotFound::ClearFor(0),
        |ctx| {
            if list.is_null() {
                return Err(JsError::invalid_arg("'list' is NULL"));
            }
            let stream = read_string("stream", stream)?;
            let options = read_request_options(opts)?;
            let names = ctx.consumer_names(&stream, options.as_ref())?;
            *list = names_list(&names) as *mut jsConsumerNamesList;
            Ok(())
        },
    )
}

/// Releases a consumer names list and its strings; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsConsumerNamesList_Destroy(list: *mut jsConsumerNamesList) {
    if !list.is_null() {
        guard("jsConsumerNamesList_Destroy", (), || {
            free_names_list(list as *mut jsStreamNamesList)
        });
    }
}
