//! Stream management calls: create, update, purge, delete, information,
//! listing, and reading or deleting single messages.

use std::time::Instant;

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::context::{
    check_stream_name, decode_reply, decode_required, require_stream_name, to_json, CallOptions,
    JetStream, RequestOptions,
};
use super::error::{JsError, JsResult};
use super::json::{self, nullable};
use super::stream::{DirectGetOptions, ExternalStream, StoredMsg, StreamConfig, StreamInfo};
use crate::core::{Headers, Message, Status};

/// Stream calls that report a missing stream as `NotFound`.
const STREAM_NOT_FOUND: &[u16] = &[JsError::STREAM_NOT_FOUND];

/// Calls that report a missing stream or consumer as `NotFound`.
const STREAM_OR_CONSUMER_NOT_FOUND: &[u16] =
    &[JsError::STREAM_NOT_FOUND, JsError::CONSUMER_NOT_FOUND];

/// Paging fields of list replies.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Page {
    pub(crate) total: i64,
    pub(crate) offset: i64,
    pub(crate) limit: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PagedStreamInfo {
    #[serde(flatten)]
    info: StreamInfo,
    #[serde(flatten)]
    page: Page,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StreamList {
    #[serde(flatten)]
    page: Page,
    #[serde(deserialize_with = "nullable")]
    streams: Vec<StreamInfo>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct NameList {
    #[serde(flatten)]
    pub(crate) page: Page,
    /// Stream names, or consumer names in a consumer names reply.
    #[serde(rename = "streams", alias = "consumers", deserialize_with = "nullable")]
    pub(crate) names: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Success {
    pub(crate) success: bool,
}

#[derive(Serialize)]
struct ListRequest<'a> {
    offset: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

#[derive(Serialize)]
struct InfoRequest<'a> {
    #[serde(skip_serializing_if = "json::is_false")]
    deleted_details: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    subjects_filter: Option<&'a str>,
    #[serde(skip_serializing_if = "json::is_not_positive")]
    offset: i64,
}

#[derive(Serialize)]
struct PurgeRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<&'a str>,
    #[serde(skip_serializing_if = "json::is_zero_u64")]
    seq: u64,
    #[serde(skip_serializing_if = "json::is_zero_u64")]
    keep: u64,
}

#[derive(Serialize)]
struct MsgGetRequest<'a> {
    #[serde(skip_serializing_if = "json::is_zero_u64")]
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_by_subj: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_by_subj: Option<&'a str>,
}

#[derive(Serialize)]
struct MsgDeleteRequest {
    seq: u64,
    #[serde(skip_serializing_if = "json::is_false")]
    no_erase: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MsgGetReply {
    message: Option<RawStoredMsg>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStoredMsg {
    subject: String,
    seq: u64,
    hdrs: Option<String>,
    data: Option<String>,
    #[serde(with = "json::utc_time")]
    time: i64,
}

/// Time left of a call's budget that started at `start`, or a timeout.
pub(crate) fn remaining(call: &CallOptions, start: Instant) -> JsResult<std::time::Duration> {
    call.wait
        .checked_sub(start.elapsed())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            JsError::new(
                Status::Timeout,
                "timed out while listing the JetStream API pages",
            )
        })
}

/// Replaces each source's domain with the external API prefix it stands
/// for, as stream creation requires.
fn convert_domains(cfg: &StreamConfig) -> JsResult<Option<StreamConfig>> {
    let has_domain = |s: &super::stream::StreamSource| json::non_empty(&s.domain).is_some();
    let mirror_domain = cfg.mirror.as_ref().is_some_and(has_domain);
    let source_domain = cfg.sources.iter().any(has_domain);
    if !mirror_domain && !source_domain {
        return Ok(None);
    }

    if cfg
        .mirror
        .as_ref()
        .is_some_and(|m| has_domain(m) && m.external.is_some())
    {
        return Err(JsError::invalid_arg(
            "mirror's domain and external are both set",
        ));
    }
    if cfg
        .sources
        .iter()
        .any(|s| has_domain(s) && s.external.is_some())
    {
        return Err(JsError::invalid_arg(
            "source's domain and external are both set",
        ));
    }

    let mut converted = cfg.clone();
    for source in converted
        .mirror
        .iter_mut()
        .chain(converted.sources.iter_mut())
    {
        if let Some(domain) = json::non_empty(&source.domain) {
            source.external = Some(ExternalStream {
                api_prefix: Some(format!("$JS.{domain}.API")),
                deliver_prefix: None,
            });
        }
    }
    Ok(Some(converted))
}

impl JetStream {
    /// Creates a stream and returns its information.
    pub fn add_stream(
        &self,
        cfg: &StreamConfig,
        opts: Option<&RequestOptions>,
    ) -> JsResult<StreamInfo> {
        check_stream_name(&cfg.name)?;
        let call = self.call_options(opts);
        let converted = convert_domains(cfg)?;
        let body = to_json(converted.as_ref().unwrap_or(cfg))?;
        let reply = self.api_request(
            &call,
            &format!("STREAM.CREATE.{}", cfg.name),
            &body,
            call.wait,
        )?;
        decode_required(&reply, STREAM_NOT_FOUND)
    }

    /// Updates a stream's configuration and returns its information.
    pub fn update_stream(
        &self,
        cfg: &StreamConfig,
        opts: Option<&RequestOptions>,
    ) -> JsResult<StreamInfo> {
        check_stream_name(&cfg.name)?;
        let call = self.call_options(opts);
        let body = to_json(cfg)?;
        let reply = self.api_request(
            &call,
            &format!("STREAM.UPDATE.{}", cfg.name),
            &body,
            call.wait,
        )?;
        decode_required(&reply, STREAM_NOT_FOUND)
    }

    /// Purges a stream, limited by the purge options of `opts` or of the
    /// context.
    pub fn purge_stream(&self, stream: &str, opts: Option<&RequestOptions>) -> JsResult<()> {
        check_stream_name(stream)?;
        let call = self.call_options(opts);
        let purge = &call.purge;
        if purge.sequence > 0 && purge.keep > 0 {
            return Err(JsError::invalid_arg(format!(
                "purge sequence ({}) and keep ({}) are mutually exclusive",
                purge.sequence, purge.keep
            )));
        }
        let filter = json::non_empty(&purge.subject);
        let body = if filter.is_some() || purge.sequence > 0 || purge.keep > 0 {
            to_json(&PurgeRequest {
                filter,
                seq: purge.sequence,
                keep: purge.keep,
            })?
        } else {
            Vec::new()
        };
        let reply = self.api_request(&call, &format!("STREAM.PURGE.{stream}"), &body, call.wait)?;
        self.expect_success(&reply, STREAM_OR_CONSUMER_NOT_FOUND, || {
            format!("failed to purge stream '{stream}'")
        })
    }

    /// Deletes a stream and its messages.
    pub fn delete_stream(&self, stream: &str, opts: Option<&RequestOptions>) -> JsResult<()> {
        check_stream_name(stream)?;
        let call = self.call_options(opts);
        let reply = self.api_request(&call, &format!("STREAM.DELETE.{stream}"), &[], call.wait)?;
        self.expect_success(&reply, STREAM_OR_CONSUMER_NOT_FOUND, || {
            format!("failed to delete stream '{stream}'")
        })
    }

    pub(crate) fn expect_success(
        &self,
        reply: &Message,
        not_found: &[u16],
        failure: impl FnOnce() -> String,
    ) -> JsResult<()> {
        let success = decode_reply::<Success>(reply, not_found)?.is_some_and(|s| s.success);
        if success {
            Ok(())
        } else {
            Err(JsError::new(Status::Err, failure()))
        }
    }

    /// Returns a stream's configuration and state. With a subjects filter,
    /// every page of subjects is fetched and merged.
    pub fn stream_info(&self, stream: &str, opts: Option<&RequestOptions>) -> JsResult<StreamInfo> {
        check_stream_name(stream)?;
        let call = self.call_options(opts);
        let filter = json::non_empty(&call.info.subjects_filter).map(str::to_string);
        let api = format!("STREAM.INFO.{stream}");
        let mut subjects = Vec::new();
        let mut offset = 0i64;
        loop {
            let body = if call.info.deleted_details || filter.is_some() {
                to_json(&InfoRequest {
                    deleted_details: call.info.deleted_details,
                    subjects_filter: filter.as_deref(),
                    offset: if filter.is_some() { offset } else { 0 },
                })?
            } else {
                Vec::new()
            };
            let reply = self.api_request(&call, &api, &body, call.wait)?;
            let mut paged: PagedStreamInfo = decode_required(&reply, STREAM_NOT_FOUND)?;
            if filter.is_none() {
                return Ok(paged.info);
            }
            let page_subjects = std::mem::take(&mut paged.info.state.subjects);
            let received = page_subjects.len();
            offset += received as i64;
            subjects.extend(page_subjects);
            // A page without subjects ends the loop even if the total
            // promised more, so that a changing stream cannot loop forever.
            if offset >= paged.page.total || received == 0 {
                paged.info.state.subjects = subjects;
                return Ok(paged.info);
            }
        }
    }

    /// Returns the information of every stream, or of the streams with a
    /// subject matching the subjects filter of `opts`. No stream at all is
    /// `NotFound`.
    pub fn streams(&self, opts: Option<&RequestOptions>) -> JsResult<Vec<StreamInfo>> {
        let call = self.call_options(opts);
        let start = Instant::now();
        let filter = json::non_empty(&call.info.subjects_filter).map(str::to_string);
        let mut streams: Vec<StreamInfo> = Vec::new();
        let mut offset = 0i64;
        loop {
            let body = to_json(&ListRequest {
                offset,
                subject: filter.as_deref(),
            })?;
            let timeout = remaining(&call, start)?;
            let reply = self.api_request(&call, "STREAM.LIST", &body, timeout)?;
            let list: StreamList = decode_required(&reply, STREAM_NOT_FOUND)?;
            for info in list.streams {
                let name = info.config.as_ref().map(|c| c.name.as_str()).unwrap_or("");
                if name.is_empty() {
                    return Err(JsError::new(
                        Status::Err,
                        "stream name missing from configuration",
                    ));
                }
                match streams
                    .iter_mut()
                    .find(|s| s.config.as_ref().map(|c| c.name.as_str()) == Some(name))
                {
                    Some(existing) => *existing = info,
                    None => streams.push(info),
                }
            }
            offset += list.page.limit;
            if offset >= list.page.total || list.page.limit <= 0 {
                break;
            }
        }
        if streams.is_empty() {
            return Err(JsError::new(Status::NotFound, "no stream found"));
        }
        Ok(streams)
    }

    /// Returns the names of every stream, or of the streams with a subject
    /// matching the subjects filter of `opts`. No stream is `NotFound`.
    pub fn stream_names(&self, opts: Option<&RequestOptions>) -> JsResult<Vec<String>> {
        let call = self.call_options(opts);
        let filter = json::non_empty(&call.info.subjects_filter).map(str::to_string);
        let names = self.list_names(&call, "STREAM.NAMES", filter.as_deref())?;
        if names.is_empty() {
            return Err(JsError::new(Status::NotFound, "no stream found"));
        }
        Ok(names)
    }

    /// Fetches every page of a names list, without duplicates.
    pub(crate) fn list_names(
        &self,
        call: &CallOptions,
        api: &str,
        subject: Option<&str>,
    ) -> JsResult<Vec<String>> {
        let start = Instant::now();
        let mut names: Vec<String> = Vec::new();
        let mut offset = 0i64;
        loop {
            let body = to_json(&ListRequest { offset, subject })?;
            let timeout = remaining(call, start)?;
            let reply = self.api_request(call, api, &body, timeout)?;
            let list: NameList = decode_required(&reply, STREAM_NOT_FOUND)?;
            for name in list.names {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            offset += list.page.limit;
            if offset >= list.page.total || list.page.limit <= 0 {
                return Ok(names);
            }
        }
    }

    /// Reads the message at sequence `seq` of a stream.
    pub fn get_msg(
        &self,
        stream: &str,
        seq: u64,
        opts: Option<&RequestOptions>,
    ) -> JsResult<StoredMsg> {
        if seq == 0 {
            return Err(JsError::invalid_arg(
                "the message sequence must be at least 1",
            ));
        }
        self.get_stored(
            stream,
            &MsgGetRequest {
                seq,
                last_by_subj: None,
                next_by_subj: None,
            },
            opts,
        )
    }

    /// Reads the last message stored on `subject` in a stream.
    pub fn get_last_msg(
        &self,
        stream: &str,
        subject: &str,
        opts: Option<&RequestOptions>,
    ) -> JsResult<StoredMsg> {
        if subject.is_empty() {
            return Err(JsError::invalid_arg("subject is required"));
        }
        self.get_stored(
            stream,
            &MsgGetRequest {
                seq: 0,
                last_by_subj: Some(subject),
                next_by_subj: None,
            },
            opts,
        )
    }

    fn get_stored(
        &self,
        stream: &str,
        request: &MsgGetRequest<'_>,
        opts: Option<&RequestOptions>,
    ) -> JsResult<StoredMsg> {
        require_stream_name(stream)?;
        let call = self.call_options(opts);
        let body = to_json(request)?;
        let reply =
            self.api_request(&call, &format!("STREAM.MSG.GET.{stream}"), &body, call.wait)?;
        let decoded: MsgGetReply = decode_required(&reply, &[JsError::NO_MESSAGE_FOUND])?;
        let raw = decoded
            .message
            .ok_or_else(|| JsError::new(Status::NotFound, "message content not found"))?;
        stored_from_raw(raw)
    }

    /// Reads a message straight from any server that stores the stream,
    /// which must allow direct get. The returned message has the original
    /// subject and the headers the server adds (`Nats-Stream`,
    /// `Nats-Sequence`, `Nats-Time-Stamp`, `Nats-Subject`).
    pub fn direct_get_msg(
        &self,
        stream: &str,
        opts: Option<&RequestOptions>,
        get: &DirectGetOptions,
    ) -> JsResult<StoredMsg> {
        require_stream_name(stream)?;
        let call = self.call_options(opts);
        let subject = format!("{}.DIRECT.GET.{stream}", call.prefix);
        let result = match json::non_empty(&get.last_by_subject) {
            Some(last) => self
                .inner
                .conn
                .request(&format!("{subject}.{last}"), &[], call.wait),
            None => {
                let body = to_json(&MsgGetRequest {
                    seq: get.sequence,
                    last_by_subj: None,
                    next_by_subj: json::non_empty(&get.next_by_subject),
                })?;
                self.inner.conn.request(&subject, &body, call.wait)
            }
        };
        let reply = result.map_err(JsError::from)?;
        stored_from_direct(reply)
    }

    /// Deletes the message at sequence `seq`; its content stays on disk
    /// until overwritten.
    pub fn delete_msg(
        &self,
        stream: &str,
        seq: u64,
        opts: Option<&RequestOptions>,
    ) -> JsResult<()> {
        self.remove_msg(stream, seq, true, opts)
    }

    /// Deletes the message at sequence `seq` and overwrites its content.
    pub fn erase_msg(&self, stream: &str, seq: u64, opts: Option<&RequestOptions>) -> JsResult<()> {
        self.remove_msg(stream, seq, false, opts)
    }

    fn remove_msg(
        &self,
        stream: &str,
        seq: u64,
        no_erase: bool,
        opts: Option<&RequestOptions>,
    ) -> JsResult<()> {
        require_stream_name(stream)?;
        let call = self.call_options(opts);
        let body = to_json(&MsgDeleteRequest { seq, no_erase })?;
        let reply = self.api_request(
            &call,
            &format!("STREAM.MSG.DELETE.{stream}"),
            &body,
            call.wait,
        )?;
        self.expect_success(&reply, STREAM_OR_CONSUMER_NOT_FOUND, || {
            format!("failed to delete message {seq}")
        })
    }
}

fn decode_base64(field: &str, text: &Option<String>) -> JsResult<Vec<u8>> {
    match text.as_deref() {
        None | Some("") => Ok(Vec::new()),
        Some(t) => base64::engine::general_purpose::STANDARD
            .decode(t)
            .map_err(|e| {
                JsError::new(
                    Status::Err,
                    format!("invalid base64 in the stored message's {field}: {e}"),
                )
            }),
    }
}

fn stored_from_raw(raw: RawStoredMsg) -> JsResult<StoredMsg> {
    let headers = decode_base64("hdrs", &raw.hdrs)?;
    let data = decode_base64("data", &raw.data)?;
    if raw.subject.is_empty() {
        return Err(JsError::new(
            Status::Err,
            "the stored message has no subject",
        ));
    }
    let mut message = Message::new(&raw.subject, None, &data)?;
    if !headers.is_empty() {
        *message.headers_mut()? = Headers::decode(&headers)?;
    }
    Ok(StoredMsg {
        message,
        sequence: raw.seq,
        time: raw.time,
    })
}

/// Turns a direct get reply into the stored message it carries, or into
/// the error its status header reports.
fn stored_from_direct(mut reply: Message) -> JsResult<StoredMsg> {
    if !reply.has_headers() {
        return Err(JsError::new(
            Status::Err,
            "direct get message response should have headers",
        ));
    }
    let empty = reply.data().is_empty();
    let headers = reply.headers()?.cloned().unwrap_or_default();

    if empty {
        if let Some(code) = headers.get(crate::core::header::STATUS_HEADER) {
            if code == "404" {
                return Err(JsError::new(Status::NotFound, "message not found"));
            }
            let description = headers
                .get(crate::core::header::DESCRIPTION_HEADER)
                .unwrap_or(code);
            return Err(JsError::new(
                Status::Err,
                format!("error getting message: {description}"),
            ));
        }
    }

    let header = |name: &str| headers.get(name).filter(|v| !v.is_empty());
    if header("Nats-Stream").is_none() {
        return Err(JsError::new(
            Status::Err,
            "missing stream name in the direct get reply",
        ));
    }
    let sequence = header("Nats-Sequence")
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            JsError::new(
                Status::Err,
                format!(
                    "missing or invalid sequence '{}'",
                    headers.get("Nats-Sequence").unwrap_or("")
                ),
            )
        })?;
    let stamp = header("Nats-Time-Stamp").unwrap_or("");
    let time = super::time::parse_rfc3339(stamp)
        .ok()
        .filter(|t| *t != 0)
        .ok_or_else(|| {
            JsError::new(
                Status::Err,
                format!("missing or invalid timestamp '{stamp}'"),
            )
        })?;
    let subject = header("Nats-Subject").ok_or_else(|| {
        JsError::new(
            Status::Err,
            "missing or invalid subject in the direct get reply",
        )
    })?;

    let mut message = Message::new(subject, None, reply.data())?;
    *message.headers_mut()? = headers.clone();
    Ok(StoredMsg {
        message,
        sequence,
        time,
    })
}
