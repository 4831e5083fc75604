//! Consumer management calls: create, update, information, delete, reset,
//! pause and listing.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::consumer::{ConsumerConfig, ConsumerInfo, ConsumerPauseResponse, ConsumerResetResponse};
use super::context::{
    check_consumer_name, check_stream_name, decode_required, to_json, JetStream, RequestOptions,
};
use super::error::{JsError, JsResult};
use super::json::{self, nullable};
use super::stream_api::{remaining, Page};
use crate::core::Status;

/// Consumer calls that report a missing consumer as `NotFound`.
const CONSUMER_NOT_FOUND: &[u16] = &[JsError::CONSUMER_NOT_FOUND];

/// Calls that report a missing stream or consumer as `NotFound`.
const STREAM_OR_CONSUMER_NOT_FOUND: &[u16] =
    &[JsError::STREAM_NOT_FOUND, JsError::CONSUMER_NOT_FOUND];

#[derive(Serialize)]
struct CreateRequest<'a> {
    stream_name: &'a str,
    config: &'a ConsumerConfig,
}

#[derive(Serialize)]
struct OffsetRequest {
    offset: i64,
}

#[derive(Serialize)]
struct ResetRequest {
    seq: u64,
}

#[derive(Serialize)]
struct PauseRequest {
    #[serde(with = "json::utc_time", skip_serializing_if = "json::is_not_positive")]
    pause_until: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConsumerList {
    #[serde(flatten)]
    page: Page,
    #[serde(deserialize_with = "nullable")]
    consumers: Vec<ConsumerInfo>,
}

impl JetStream {
    /// Creates a consumer on `stream`, or updates it if it exists with a
    /// compatible configuration, and returns its information.
    ///
    /// The API subject carries the name: `CONSUMER.CREATE.<stream>.<name>`
    /// (with the filter subject appended when there is exactly one), the
    /// durable form for a durable without a name, or an ephemeral create.
    pub fn add_consumer(
        &self,
        stream: &str,
        cfg: &ConsumerConfig,
        opts: Option<&RequestOptions>,
    ) -> JsResult<ConsumerInfo> {
        check_stream_name(stream)?;
        let name = json::non_empty(&cfg.name);
        let durable = json::non_empty(&cfg.durable);
        if let Some(name) = name {
            check_consumer_name(name, false)?;
        }
        if let Some(durable) = durable {
            check_consumer_name(durable, true)?;
        }

        let call = self.call_options(opts);
        let api = match (name, durable) {
            (Some(name), _) => match json::non_empty(&cfg.filter_subject) {
                Some(filter) if cfg.filter_subjects.is_empty() => {
                    format!("CONSUMER.CREATE.{stream}.{name}.{filter}")
                }
                _ => format!("CONSUMER.CREATE.{stream}.{name}"),
            },
            (None, None) => format!("CONSUMER.CREATE.{stream}"),
            (None, Some(durable)) => format!("CONSUMER.DURABLE.CREATE.{stream}.{durable}"),
        };
        let body = to_json(&CreateRequest {
            stream_name: stream,
            config: cfg,
        })?;
        let reply = self.api_request(&call, &api, &body, call.wait)?;
        let info: ConsumerInfo = decode_required(&reply, CONSUMER_NOT_FOUND)?;

        // A server older than 2.10 ignores the list and filters nothing.
        if !cfg.filter_subjects.is_empty() && info.config.filter_subjects.is_empty() {
            return Err(JsError::invalid_arg(
                "multiple consumer filter subjects not supported by the server",
            ));
        }
        Ok(info)
    }

    /// Updates a durable consumer; the configuration must have a durable name.
    pub fn update_consumer(
        &self,
        stream: &str,
        cfg: &ConsumerConfig,
        opts: Option<&RequestOptions>,
    ) -> JsResult<ConsumerInfo> {
        if json::non_empty(&cfg.durable).is_none() {
            return Err(JsError::invalid_arg("durable name is required"));
        }
        self.add_consumer(stream, cfg, opts)
    }

    /// Returns a consumer's configuration and state.
    pub fn consumer_info(
        &self,
        stream: &str,
        consumer: &str,
        opts: Option<&RequestOptions>,
    ) -> JsResult<ConsumerInfo> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let call = self.call_options(opts);
        let reply = self.api_request(
            &call,
            &format!("CONSUMER.INFO.{stream}.{consumer}"),
            &[],
            call.wait,
        )?;
        decode_required(&reply, CONSUMER_NOT_FOUND)
    }

    /// Deletes a consumer.
    pub fn delete_consumer(
        &self,
        stream: &str,
        consumer: &str,
        opts: Option<&RequestOptions>,
    ) -> JsResult<()> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let call = self.call_options(opts);
        let reply = self.api_request(
            &call,
            &format!("CONSUMER.DELETE.{stream}.{consumer}"),
            &[],
            call.wait,
        )?;
        self.expect_success(&reply, STREAM_OR_CONSUMER_NOT_FOUND, || {
            format!("failed to delete consumer '{consumer}'")
        })
    }

    /// Resets a consumer to stream sequence `seq`, or to its start when
    /// `seq` is 0, dropping its pending and redelivery state (nats-server
    /// 2.14+).
    pub fn reset_consumer(
        &self,
        stream: &str,
        consumer: &str,
        seq: u64,
        opts: Option<&RequestOptions>,
    ) -> JsResult<ConsumerResetResponse> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let call = self.call_options(opts);
        let body = if seq > 0 {
            to_json(&ResetRequest { seq })?
        } else {
            Vec::new()
        };
        let reply = self.api_request(
            &call,
            &format!("CONSUMER.RESET.{stream}.{consumer}"),
            &body,
            call.wait,
        )?;
        decode_required(&reply, CONSUMER_NOT_FOUND)
    }

    /// Pauses a consumer until `pause_until` (nanoseconds since the epoch);
    /// 0 resumes it (nats-server 2.11+).
    pub fn pause_consumer(
        &self,
        stream: &str,
        consumer: &str,
        pause_until: u64,
        opts: Option<&RequestOptions>,
    ) -> JsResult<ConsumerPauseResponse> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        let pause_until = i64::try_from(pause_until).map_err(|_| {
            JsError::invalid_arg(format!("pause time {pause_until} is past the year 2262"))
        })?;
        let call = self.call_options(opts);
        let body = to_json(&PauseRequest { pause_until })?;
        let reply = self.api_request(
            &call,
            &format!("CONSUMER.PAUSE.{stream}.{consumer}"),
            &body,
            call.wait,
        )?;
        decode_required(&reply, CONSUMER_NOT_FOUND)
    }

    /// Returns the information of every consumer of `stream`. No consumer
    /// is `NotFound`.
    pub fn consumers(
        &self,
        stream: &str,
        opts: Option<&RequestOptions>,
    ) -> JsResult<Vec<ConsumerInfo>> {
        check_stream_name(stream)?;
        let call = self.call_options(opts);
        let start = Instant::now();
        let api = format!("CONSUMER.LIST.{stream}");
        let mut consumers: Vec<ConsumerInfo> = Vec::new();
        let mut offset = 0i64;
        loop {
            let body = to_json(&OffsetRequest { offset })?;
            let timeout = remaining(&call, start)?;
            let reply = self.api_request(&call, &api, &body, timeout)?;
            let list: ConsumerList = decode_required(&reply, &[JsError::STREAM_NOT_FOUND])?;
            for info in list.consumers {
                if json::non_empty(&info.name).is_none() {
                    return Err(JsError::new(Status::Err, "consumer name missing"));
                }
                match consumers.iter_mut().find(|c| c.name == info.name) {
                    Some(existing) => *existing = info,
                    None => consumers.push(info),
                }
            }
            offset += list.page.limit;
            if offset >= list.page.total || list.page.limit <= 0 {
                break;
            }
        }
        if consumers.is_empty() {
            return Err(JsError::new(Status::NotFound, "no consumer found"));
        }
        Ok(consumers)
    }

    /// Returns the names of every consumer of `stream`. No consumer is
    /// `NotFound`.
    pub fn consumer_names(
        &self,
        stream: &str,
        opts: Option<&RequestOptions>,
    ) -> JsResult<Vec<String>> {
        check_stream_name(stream)?;
        let call = self.call_options(opts);
        let names = self.list_names(&call, &format!("CONSUMER.NAMES.{stream}"), None)?;
        if names.is_empty() {
            return Err(JsError::new(Status::NotFound, "no consumer found"));
        }
        Ok(names)
    }
}
