//! JetStream usage and limits of the account.

use serde::Deserialize;

use super::context::{decode_required, JetStream, RequestOptions};
use super::error::JsResult;
use super::json;

/// API call counters of the account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApiStats {
    /// Calls made.
    pub total: u64,
    /// Calls that failed.
    pub errors: u64,
}

/// JetStream limits of the account or of one tier; -1 means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountLimits {
    /// Memory storage, in bytes.
    pub max_memory: i64,
    /// File storage, in bytes.
    #[serde(rename = "max_storage")]
    pub max_store: i64,
    /// Streams.
    pub max_streams: i64,
    /// Consumers.
    pub max_consumers: i64,
    /// Unacknowledged messages per consumer.
    pub max_ack_pending: i64,
    /// Bytes of one memory stream.
    pub memory_max_stream_bytes: i64,
    /// Bytes of one file stream.
    #[serde(rename = "storage_max_stream_bytes")]
    pub store_max_stream_bytes: i64,
    /// Whether streams must set a byte limit.
    pub max_bytes_required: bool,
}

/// Usage and limits of one tier (such as `R1` or `R3`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Tier {
    /// Memory used, in bytes.
    pub memory: u64,
    /// File storage used, in bytes.
    #[serde(rename = "storage")]
    pub store: u64,
    /// Streams.
    pub streams: i64,
    /// Consumers.
    pub consumers: i64,
    /// Limits.
    pub limits: AccountLimits,
}

/// JetStream usage and limits of the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountInfo {
    /// Memory used, in bytes.
    pub memory: u64,
    /// File storage used, in bytes.
    #[serde(rename = "storage")]
    pub store: u64,
    /// Streams.
    pub streams: i64,
    /// Consumers.
    pub consumers: i64,
    /// JetStream domain.
    pub domain: Option<String>,
    /// API counters.
    pub api: ApiStats,
    /// Limits.
    pub limits: AccountLimits,
    /// Usage per tier, in the server's order. The server sends tiers only
    /// when the account has tiered limits.
    #[serde(alias = "tier", deserialize_with = "json::ordered_map::deserialize")]
    pub tiers: Vec<(String, Tier)>,
}

impl JetStream {
    /// Returns the account's JetStream usage and limits.
    pub fn account_info(&self, opts: Option<&RequestOptions>) -> JsResult<AccountInfo> {
        let call = self.call_options(opts);
        let reply = self.api_request(&call, "INFO", &[], call.wait)?;
        decode_required(&reply, &[])
    }
}
