//! Publishing to a stream and waiting for the server's acknowledgment.

use std::time::Duration;

use serde::Deserialize;

use super::context::{decode_reply, JetStream};
use super::error::{JsError, JsResult};
use super::json;
use super::time::format_go_duration;
use crate::core::{Message, Status};

/// Header with the message id used for duplicate detection.
pub(crate) const MSG_ID_HEADER: &str = "Nats-Msg-Id";
/// Header with the per-message TTL.
pub(crate) const MSG_TTL_HEADER: &str = "Nats-TTL";
const EXPECTED_STREAM_HEADER: &str = "Nats-Expected-Stream";
const EXPECTED_LAST_SEQ_HEADER: &str = "Nats-Expected-Last-Sequence";
const EXPECTED_LAST_SUBJECT_SEQ_HEADER: &str = "Nats-Expected-Last-Subject-Sequence";
const EXPECTED_LAST_SUBJECT_SEQ_SUBJECT_HEADER: &str =
    "Nats-Expected-Last-Subject-Sequence-Subject";
const EXPECTED_LAST_MSG_ID_HEADER: &str = "Nats-Expected-Last-Msg-Id";
const SCHEDULE_HEADER: &str = "Nats-Schedule";
const SCHEDULE_TARGET_HEADER: &str = "Nats-Schedule-Target";
const SCHEDULE_SOURCE_HEADER: &str = "Nats-Schedule-Source";
const SCHEDULE_TTL_HEADER: &str = "Nats-Schedule-TTL";
const SCHEDULE_TIME_ZONE_HEADER: &str = "Nats-Schedule-Time-Zone";
const SCHEDULE_ROLLUP_HEADER: &str = "Nats-Schedule-Rollup";
const SCHEDULER_HEADER: &str = "Nats-Scheduler";
const SCHEDULE_NEXT_HEADER: &str = "Nats-Schedule-Next";

/// Message scheduling options (nats-server 2.14+).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleOptions {
    /// Schedule: `@at <time>`, `@every <duration>` or a cron expression.
    pub schedule: Option<String>,
    /// Subject the scheduled message is published to.
    pub target: Option<String>,
    /// Subject whose last message is published in place of this one.
    pub source: Option<String>,
    /// TTL of the produced messages, in milliseconds.
    pub ttl: i64,
    /// Time zone of a cron schedule.
    pub time_zone: Option<String>,
    /// Produced messages roll up their subject.
    pub rollup: bool,
    /// Cancels the schedule stored on this subject; exclusive with the
    /// other fields.
    pub cancel_scheduled_subject: Option<String>,
}

impl ScheduleOptions {
    fn has_schedule_fields(&self) -> bool {
        json::non_empty(&self.schedule).is_some()
            || json::non_empty(&self.target).is_some()
            || json::non_empty(&self.source).is_some()
            || self.ttl != 0
            || json::non_empty(&self.time_zone).is_some()
            || self.rollup
    }
}

/// Options of a JetStream publish, sent as message headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubOptions {
    /// How long to wait for the acknowledgment; zero means the context's
    /// wait. For asynchronous publishes, zero means no timeout.
    pub max_wait: Duration,
    /// Message id for duplicate detection (`Nats-Msg-Id`).
    pub msg_id: Option<String>,
    /// Stream that must store the message.
    pub expect_stream: Option<String>,
    /// Message id the stream's last message must have.
    pub expect_last_msg_id: Option<String>,
    /// Sequence the stream's last message must have.
    pub expect_last_seq: u64,
    /// Sequence the last message on the subject must have.
    pub expect_last_subject_seq: u64,
    /// Subject (may be a wildcard) that `expect_last_subject_seq` applies to.
    pub expect_last_subject_seq_subject: Option<String>,
    /// The subject must have no message yet.
    pub expect_no_message: bool,
    /// Message TTL in milliseconds (`Nats-TTL`, nats-server 2.11+); the
    /// stream must allow message TTLs.
    pub msg_ttl: i64,
    /// Scheduling options.
    pub schedule: ScheduleOptions,
}

impl PubOptions {
    /// Sets the headers these options stand for on `msg`.
    pub fn apply(&self, msg: &mut Message) -> JsResult<()> {
        let headers = msg.headers_mut()?;
        if let Some(id) = json::non_empty(&self.msg_id) {
            headers.set(MSG_ID_HEADER, id)?;
        }
        if let Some(id) = json::non_empty(&self.expect_last_msg_id) {
            headers.set(EXPECTED_LAST_MSG_ID_HEADER, id)?;
        }
        if let Some(stream) = json::non_empty(&self.expect_stream) {
            headers.set(EXPECTED_STREAM_HEADER, stream)?;
        }
        if self.expect_last_seq > 0 {
            headers.set(EXPECTED_LAST_SEQ_HEADER, &self.expect_last_seq.to_string())?;
        }
        if self.expect_no_message {
            headers.set(EXPECTED_LAST_SUBJECT_SEQ_HEADER, "0")?;
        } else if self.expect_last_subject_seq > 0 {
            headers.set(
                EXPECTED_LAST_SUBJECT_SEQ_HEADER,
                &self.expect_last_subject_seq.to_string(),
            )?;
            if let Some(subject) = json::non_empty(&self.expect_last_subject_seq_subject) {
                headers.set(EXPECTED_LAST_SUBJECT_SEQ_SUBJECT_HEADER, subject)?;
            }
        }
        if self.msg_ttl < 0 {
            return Err(JsError::invalid_arg(format!(
                "option 'MsgTTL' ({}) cannot be negative",
                self.msg_ttl
            )));
        }
        if self.msg_ttl > 0 {
            headers.set(
                MSG_TTL_HEADER,
                &format_go_duration(self.msg_ttl.saturating_mul(1_000_000)),
            )?;
        }
        self.apply_schedule(msg)
    }

    fn apply_schedule(&self, msg: &mut Message) -> JsResult<()> {
        let schedule = &self.schedule;
        let headers = msg.headers_mut()?;
        let text_headers = [
            (SCHEDULE_HEADER, &schedule.schedule),
            (SCHEDULE_TARGET_HEADER, &schedule.target),
            (SCHEDULE_SOURCE_HEADER, &schedule.source),
        ];
        for (name, value) in text_headers {
            if let Some(value) = json::non_empty(value) {
                headers.set(name, value)?;
            }
        }
        if schedule.ttl < 0 {
            return Err(JsError::invalid_arg(format!(
                "option 'Schedule.TTL' ({}) cannot be negative",
                schedule.ttl
            )));
        }
        if schedule.ttl > 0 {
            headers.set(
                SCHEDULE_TTL_HEADER,
                &format_go_duration(schedule.ttl.saturating_mul(1_000_000)),
            )?;
        }
        if let Some(zone) = json::non_empty(&schedule.time_zone) {
            headers.set(SCHEDULE_TIME_ZONE_HEADER, zone)?;
        }
        if schedule.rollup {
            headers.set(SCHEDULE_ROLLUP_HEADER, "sub")?;
        }
        if let Some(cancel) = json::non_empty(&schedule.cancel_scheduled_subject) {
            if schedule.has_schedule_fields() {
                return Err(JsError::invalid_arg(format!(
                    "option 'Schedule.CancelScheduledSubject' ({cancel}) cannot be used with other schedule options"
                )));
            }
            headers.set(SCHEDULER_HEADER, cancel)?;
            headers.set(SCHEDULE_NEXT_HEADER, "purge")?;
        }
        Ok(())
    }
}

/// The server's acknowledgment of a stored message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PubAck {
    /// Stream that stored the message.
    pub stream: Option<String>,
    /// Stream sequence of the message.
    #[serde(rename = "seq")]
    pub sequence: u64,
    /// Domain of the stream.
    pub domain: Option<String>,
    /// Whether the message id was already stored, so this copy was dropped.
    pub duplicate: bool,
    /// Id of the atomic batch the message committed.
    pub batch: Option<String>,
    /// Number of messages in the committed batch.
    pub count: u64,
    /// Counter value, for streams that allow message counters.
    #[serde(rename = "val")]
    pub value: Option<String>,
}

impl JetStream {
    /// Publishes `data` on `subject` and waits for the acknowledgment.
    /// `None` means the server replied with an empty message.
    pub fn publish(
        &self,
        subject: &str,
        data: &[u8],
        opts: Option<&PubOptions>,
    ) -> JsResult<Option<PubAck>> {
        if subject.is_empty() {
            return Err(JsError::invalid_arg("subject is required"));
        }
        let mut msg = Message::new(subject, None, data)?;
        self.publish_msg(&mut msg, opts)
    }

    /// Publishes `msg` and waits for the acknowledgment. The headers the
    /// options stand for are set on `msg`. `None` means the server replied
    /// with an empty message.
    pub fn publish_msg(
        &self,
        msg: &mut Message,
        opts: Option<&PubOptions>,
    ) -> JsResult<Option<PubAck>> {
        if msg.subject().is_empty() {
            return Err(JsError::invalid_arg("subject is required"));
        }
        let mut wait = self.inner.wait;
        if let Some(opts) = opts {
            opts.apply(msg)?;
            if !opts.max_wait.is_zero() {
                wait = opts.max_wait;
            }
        }
        let reply = self
            .inner
            .conn
            .request_msg(msg, wait)
            .map_err(|e| match e.status {
                Status::NoResponders => {
                    JsError::api(Status::NoResponders, JsError::NOT_ENABLED, e.text)
                }
                Status::Timeout => JsError::new(
                    Status::Timeout,
                    format!(
                        "timed out after {wait:?} waiting for the publish acknowledgment on '{}'",
                        msg.subject()
                    ),
                ),
                _ => e.into(),
            })?;
        decode_reply(&reply, &[])
    }
}
