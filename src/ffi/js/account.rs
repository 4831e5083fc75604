//! `js_GetAccountInfo` and `jsAccountInfo_Destroy`.

use super::alloc::{c_array, c_box, c_len, c_string, free, free_boxed_array, opt_c_string};
use super::context::{read_request_options, with_js, OnNotFound};
use super::errcode::jsErrCode;
use super::types::{jsAPIStats, jsAccountInfo, jsAccountLimits, jsCtx, jsOptions, jsTier};
use crate::core::js::{AccountLimits, JsError};
use crate::ffi::error::guard;
use crate::ffi::status::natsStatus;

fn c_limits(l: &AccountLimits) -> jsAccountLimits {
    jsAccountLimits {
        MaxMemory: l.max_memory,
        MaxStore: l.max_store,
        MaxStreams: l.max_streams,
        MaxConsumers: l.max_consumers,
        MaxAckPending: l.max_ack_pending,
        MemoryMaxStreamBytes: l.memory_max_stream_bytes,
        StoreMaxStreamBytes: l.store_max_stream_bytes,
        MaxBytesRequired: l.max_bytes_required,
    }
}

unsafe fn free_tier(t: *mut jsTier) {
    if !t.is_null() {
        free((*t).Name);
        free(t);
    }
}

/// Retrieves the account's JetStream usage, limits and API counters into
/// `*ai`, which the caller releases with `jsAccountInfo_Destroy`. `opts`
/// may be NULL. When JetStream is not enabled the call returns
/// `NATS_NO_RESPONDERS` with `errCode` 10076 (`JSNotEnabledErr`).
#[no_mangle]
pub unsafe extern "C" fn js_GetAccountInfo(
    ai: *mut *mut jsAccountInfo,
    js: *mut jsCtx,
    opts: *mut jsOptions,
    errCode: *mut jsErrCode,
) -> natsStatus {
    with_js(
        "js_GetAccountInfo",
        js,
        errCode,
        OnNotFound::SetError,
        |ctx| {
            if ai.is_null() {
                return Err(JsError::invalid_arg("'ai' is NULL"));
            }
            let options = read_request_options(opts)?;
            let info = ctx.account_info(options.as_ref())?;
            let tiers: Vec<*mut jsTier> = info
                .tiers
                .iter()
                .map(|(name, t)| {
                    c_box(jsTier {
                        Name: c_string(name),
                        Memory: t.memory,
                        Store: t.store,
                        Streams: t.streams,
                        Consumers: t.consumers,
                        Limits: c_limits(&t.limits),
                    })
                })
                .collect();
            *ai = c_box(jsAccountInfo {
                Memory: info.memory,
                Store: info.store,
                Streams: info.streams,
                Consumers: info.consumers,
                Domain: opt_c_string(&info.domain),
                API: jsAPIStats {
                    Total: info.api.total,
                    Errors: info.api.errors,
                },
                Limits: c_limits(&info.limits),
                TiersLen: c_len(tiers.len()),
                Tiers: c_array(tiers),
            });
            Ok(())
        },
    )
}

/// Releases an account information object, its domain and its tiers;
/// NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn jsAccountInfo_Destroy(ai: *mut jsAccountInfo) {
    if ai.is_null() {
        return;
    }
    guard("jsAccountInfo_Destroy", (), || {
        free((*ai).Domain);
        free_boxed_array((*ai).Tiers, (*ai).TiersLen, free_tier);
        free(ai);
    })
}
