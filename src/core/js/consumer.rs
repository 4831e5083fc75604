//! Consumer configuration and consumer information, with the JSON field
//! names and omit rules of the JetStream API.

use serde::{Deserialize, Serialize};

use super::json::{self, is_false, is_none_or_empty, is_not_positive, is_zero_u64, nullable};
use super::stream::ClusterInfo;

/// Start position of a consumer in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DeliverPolicy {
    /// From the first message.
    #[default]
    #[serde(rename = "all")]
    All,
    /// From the last message.
    #[serde(rename = "last")]
    Last,
    /// From the next message stored.
    #[serde(rename = "new")]
    New,
    /// From `opt_start_seq`.
    #[serde(rename = "by_start_sequence")]
    ByStartSequence,
    /// From `opt_start_time`.
    #[serde(rename = "by_start_time")]
    ByStartTime,
    /// From the last message of each subject.
    #[serde(rename = "last_per_subject")]
    LastPerSubject,
}

/// Acknowledgment policy of delivered messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AckPolicy {
    /// Every message must be acknowledged.
    #[default]
    #[serde(rename = "explicit")]
    Explicit,
    /// No acknowledgment.
    #[serde(rename = "none")]
    None,
    /// Acknowledging a message acknowledges all before it.
    #[serde(rename = "all")]
    All,
}

/// Pace of delivery of stored messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ReplayPolicy {
    /// As fast as possible.
    #[default]
    #[serde(rename = "instant")]
    Instant,
    /// With the timing of the original publishes.
    #[serde(rename = "original")]
    Original,
}

/// Configuration of a consumer.
///
/// Numeric options at 0 (or below, for signed ones) are left out of the
/// request so that the server applies its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    /// Consumer name.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub name: Option<String>,
    /// Durable name.
    #[serde(rename = "durable_name", skip_serializing_if = "is_none_or_empty")]
    pub durable: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub description: Option<String>,
    /// Start of delivery.
    pub deliver_policy: DeliverPolicy,
    /// Start sequence for [`DeliverPolicy::ByStartSequence`].
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    /// Start time for [`DeliverPolicy::ByStartTime`], nanoseconds since the epoch.
    #[serde(with = "json::utc_time", skip_serializing_if = "is_not_positive")]
    pub opt_start_time: i64,
    /// Acknowledgment policy.
    pub ack_policy: AckPolicy,
    /// Time to wait for an acknowledgment, in nanoseconds.
    #[serde(skip_serializing_if = "is_not_positive")]
    pub ack_wait: i64,
    /// Maximum deliveries of one message.
    #[serde(skip_serializing_if = "is_not_positive")]
    pub max_deliver: i64,
    /// Redelivery delays, in nanoseconds.
    #[serde(
        rename = "backoff",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub backoff: Vec<i64>,
    /// Deliver only messages on this subject.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub filter_subject: Option<String>,
    /// Replay policy.
    pub replay_policy: ReplayPolicy,
    /// Delivery rate limit in bits per second.
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_zero_u64")]
    pub rate_limit: u64,
    /// Sampling percentage of acknowledgment advisories, such as `"50"`.
    #[serde(rename = "sample_freq", skip_serializing_if = "is_none_or_empty")]
    pub sample_frequency: Option<String>,
    /// Maximum waiting pull requests.
    #[serde(skip_serializing_if = "is_not_positive")]
    pub max_waiting: i64,
    /// Maximum unacknowledged messages.
    #[serde(skip_serializing_if = "is_not_positive")]
    pub max_ack_pending: i64,
    /// Flow control of push consumers.
    #[serde(skip_serializing_if = "is_false")]
    pub flow_control: bool,
    /// Idle heartbeat interval of push consumers, in nanoseconds.
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_not_positive")]
    pub heartbeat: i64,
    /// Deliver only headers, with the payload size in `Nats-Msg-Size`.
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
    /// Maximum batch of one pull request.
    #[serde(rename = "max_batch", skip_serializing_if = "is_not_positive")]
    pub max_request_batch: i64,
    /// Maximum expiration of one pull request, in nanoseconds.
    #[serde(rename = "max_expires", skip_serializing_if = "is_not_positive")]
    pub max_request_expires: i64,
    /// Maximum bytes of one pull request.
    #[serde(rename = "max_bytes", skip_serializing_if = "is_not_positive")]
    pub max_request_max_bytes: i64,
    /// Subject push consumers deliver to.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub deliver_subject: Option<String>,
    /// Queue group of push consumers.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub deliver_group: Option<String>,
    /// Inactivity after which the server removes the consumer, in nanoseconds.
    #[serde(skip_serializing_if = "is_not_positive")]
    pub inactive_threshold: i64,
    /// Number of replicas, 0 for the stream's.
    #[serde(rename = "num_replicas", skip_serializing_if = "is_not_positive")]
    pub replicas: i64,
    /// Keep the consumer state in memory.
    #[serde(rename = "mem_storage", skip_serializing_if = "is_false")]
    pub memory_storage: bool,
    /// Deliver only messages on these subjects (nats-server 2.10+).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub filter_subjects: Vec<String>,
    /// User metadata, in order.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "json::ordered_map::serialize",
        deserialize_with = "json::ordered_map::deserialize"
    )]
    pub metadata: Vec<(String, String)>,
    /// Paused until this time, in nanoseconds since the epoch (nats-server 2.11+).
    #[serde(with = "json::utc_time", skip_serializing_if = "is_not_positive")]
    pub pause_until: i64,
    /// Priority policy: `pinned_client`, `overflow` or `prioritized`.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub priority_policy: Option<String>,
    /// Time after which a pinned client without pull requests is unpinned,
    /// in nanoseconds.
    #[serde(rename = "priority_timeout", skip_serializing_if = "is_not_positive")]
    pub pinned_ttl: i64,
    /// Priority groups.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub priority_groups: Vec<String>,
}

/// A consumer and stream sequence with the time of the last activity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    /// Consumer sequence.
    #[serde(rename = "consumer_seq")]
    pub consumer: u64,
    /// Stream sequence.
    #[serde(rename = "stream_seq")]
    pub stream: u64,
    /// Last activity, in nanoseconds since the epoch.
    #[serde(rename = "last_active", with = "json::utc_time")]
    pub last: i64,
}

/// State of a priority group of a pull consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    /// Group name.
    pub group: Option<String>,
    /// Pinned client id.
    #[serde(rename = "pinned_client_id")]
    pub pinned_client_id: Option<String>,
    /// Time the client was pinned, in nanoseconds since the epoch.
    #[serde(rename = "pinned_ts", with = "json::utc_time")]
    pub pinned_ts: i64,
}

/// Configuration and state of a consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerInfo {
    /// Stream name.
    #[serde(rename = "stream_name")]
    pub stream: Option<String>,
    /// Consumer name.
    pub name: Option<String>,
    /// Creation time.
    #[serde(with = "json::utc_time")]
    pub created: i64,
    /// Configuration.
    pub config: ConsumerConfig,
    /// Last delivered message.
    pub delivered: SequenceInfo,
    /// Highest contiguous acknowledged message.
    pub ack_floor: SequenceInfo,
    /// Delivered and not yet acknowledged messages.
    pub num_ack_pending: i64,
    /// Redelivered messages.
    pub num_redelivered: i64,
    /// Waiting pull requests.
    pub num_waiting: i64,
    /// Messages not yet delivered.
    pub num_pending: u64,
    /// Cluster details.
    pub cluster: Option<ClusterInfo>,
    /// Whether a push consumer has an active subscriber.
    pub push_bound: bool,
    /// Whether the consumer is paused.
    pub paused: bool,
    /// Time left until the pause ends, in nanoseconds.
    pub pause_remaining: i64,
    /// Priority groups.
    #[serde(deserialize_with = "nullable")]
    pub priority_groups: Vec<PriorityGroupState>,
}

/// Reply to a consumer pause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseResponse {
    /// Whether the consumer is paused.
    pub paused: bool,
    /// End of the pause, in nanoseconds since the epoch.
    #[serde(with = "json::utc_time")]
    pub pause_until: i64,
    /// Time left until the pause ends, in nanoseconds.
    pub pause_remaining: i64,
}

/// Reply to a consumer reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerResetResponse {
    /// The consumer after the reset.
    #[serde(flatten)]
    pub consumer: ConsumerInfo,
    /// Stream sequence the consumer was reset to.
    pub reset_seq: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_sends_only_the_policies() {
        let json = serde_json::to_value(ConsumerConfig::default()).unwrap();
        let object = json.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["ack_policy", "deliver_policy", "replay_policy"]);
        assert_eq!(json["deliver_policy"], "all");
        assert_eq!(json["ack_policy"], "explicit");
        assert_eq!(json["replay_policy"], "instant");
    }

    #[test]
    fn set_fields_use_the_server_names() {
        let cfg = ConsumerConfig {
            durable: Some("D".into()),
            heartbeat: 5,
            max_request_batch: 7,
            rate_limit: 9,
            memory_storage: true,
            pinned_ttl: 11,
            backoff: vec![1, 2],
            opt_start_time: 1_000_000_000,
            ..ConsumerConfig::default()
        };
        let json = serde_json::to_value(&cfg).unwrap();
        assert_eq!(json["durable_name"], "D");
        assert_eq!(json["idle_heartbeat"], 5);
        assert_eq!(json["max_batch"], 7);
        assert_eq!(json["rate_limit_bps"], 9);
        assert_eq!(json["mem_storage"], true);
        assert_eq!(json["priority_timeout"], 11);
        assert_eq!(json["backoff"], serde_json::json!([1, 2]));
        assert_eq!(json["opt_start_time"], "1970-01-01T00:00:01Z");
    }

    #[test]
    fn reset_reply_carries_the_consumer() {
        let text =
            r#"{"stream_name":"S","name":"C","config":{"deliver_policy":"new"},"reset_seq":4}"#;
        let reply: ConsumerResetResponse = serde_json::from_str(text).unwrap();
        assert_eq!(reply.reset_seq, 4);
        assert_eq!(reply.consumer.name.as_deref(), Some("C"));
        assert_eq!(reply.consumer.config.deliver_policy, DeliverPolicy::New);
    }
}
