//! Stream configuration and stream information, with the JSON field names
//! and omit rules of the JetStream API.
//!
//! Durations are nanoseconds and times are nanoseconds since the Unix
//! epoch, as on the wire. Decoded fields the server leaves out take their
//! zero value.

use serde::{Deserialize, Serialize};

use super::json::{self, is_false, is_none_or_empty, is_zero_i64, is_zero_u64, nullable};
use crate::core::Message;

/// Retention policy of a stream's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RetentionPolicy {
    /// Until a limit (messages, bytes or age) is reached.
    #[default]
    #[serde(rename = "limits")]
    Limits,
    /// Until every consumer has acknowledged the message.
    #[serde(rename = "interest")]
    Interest,
    /// Until one consumer has acknowledged the message.
    #[serde(rename = "workqueue")]
    WorkQueue,
}

/// Policy applied to new messages once a stream limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DiscardPolicy {
    /// Old messages are removed.
    #[default]
    #[serde(rename = "old")]
    Old,
    /// New messages are rejected.
    #[serde(rename = "new")]
    New,
}

/// Storage backend of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StorageType {
    /// On disk.
    #[default]
    #[serde(rename = "file")]
    File,
    /// In memory only.
    #[serde(rename = "memory")]
    Memory,
}

/// Compression of stored messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StorageCompression {
    /// No compression.
    #[default]
    #[serde(rename = "none")]
    None,
    /// S2 compression.
    #[serde(rename = "s2")]
    S2,
}

/// Persistence mode: when the server acknowledges a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PersistMode {
    /// After the message is flushed to storage.
    #[default]
    #[serde(rename = "default")]
    Default,
    /// Possibly before the message is flushed (nats-server 2.12+).
    #[serde(rename = "async")]
    Async,
}

impl PersistMode {
    fn is_default(&self) -> bool {
        *self == PersistMode::Default
    }
}

/// Placement of a stream in a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// Cluster name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Server tags.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tags: Vec<String>,
}

/// Access to a stream in another account or domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalStream {
    /// API prefix of the other account.
    #[serde(rename = "api", serialize_with = "json::none_as_empty")]
    pub api_prefix: Option<String>,
    /// Delivery prefix of the other account.
    #[serde(rename = "deliver", skip_serializing_if = "is_none_or_empty")]
    pub deliver_prefix: Option<String>,
}

/// A stream that a mirror or source copies from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    /// Name of the origin stream.
    #[serde(serialize_with = "json::none_as_empty")]
    pub name: Option<String>,
    /// First sequence to copy.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    /// First time to copy from, in nanoseconds since the Unix epoch.
    #[serde(with = "json::utc_time", skip_serializing_if = "json::is_not_positive")]
    pub opt_start_time: i64,
    /// Copy only messages matching this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Access to the origin in another account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// Domain of the origin. Exclusive with `external`; on creation it is
    /// sent as an external API prefix `$JS.<domain>.API`. Never decoded.
    #[serde(skip)]
    pub domain: Option<String>,
}

/// Republishing of stored messages to another subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RePublish {
    /// Subjects to republish, `>` when unset.
    #[serde(rename = "src", skip_serializing_if = "is_none_or_empty")]
    pub source: Option<String>,
    /// Destination subject.
    #[serde(rename = "dest", serialize_with = "json::none_as_empty")]
    pub destination: Option<String>,
    /// Republish only the headers.
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
}

/// A subject transform: messages on `source` are stored under `destination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransform {
    /// Subject filter to transform.
    #[serde(rename = "src", serialize_with = "json::none_as_empty")]
    pub source: Option<String>,
    /// Destination pattern.
    #[serde(rename = "dest", serialize_with = "json::none_as_empty")]
    pub destination: Option<String>,
}

/// Limits applied to every consumer of a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerLimits {
    /// Inactivity threshold in nanoseconds.
    pub inactive_threshold: i64,
    /// Maximum unacknowledged messages per consumer.
    pub max_ack_pending: i32,
}

impl ConsumerLimits {
    fn is_unset(&self) -> bool {
        self.inactive_threshold == 0 && self.max_ack_pending == 0
    }
}

/// Configuration of a stream.
///
/// `Default` gives the zero value of every field, which is what a decoded
/// configuration holds for fields the server leaves out. Use
/// [`StreamConfig::new`] for the defaults of a new stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// Stream name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub description: Option<String>,
    /// Subjects the stream stores.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subjects: Vec<String>,
    /// Retention policy.
    pub retention: RetentionPolicy,
    /// Maximum consumers, -1 for no limit.
    pub max_consumers: i64,
    /// Maximum messages, -1 for no limit.
    pub max_msgs: i64,
    /// Maximum bytes, -1 for no limit.
    pub max_bytes: i64,
    /// Maximum message age in nanoseconds, 0 for no limit.
    pub max_age: i64,
    /// Maximum size of one message, -1 for no limit.
    pub max_msg_size: i32,
    /// Maximum messages per subject, -1 for no limit.
    pub max_msgs_per_subject: i64,
    /// Discard policy.
    pub discard: DiscardPolicy,
    /// Storage type.
    pub storage: StorageType,
    /// Number of replicas.
    #[serde(rename = "num_replicas")]
    pub replicas: i64,
    /// Do not acknowledge published messages.
    #[serde(skip_serializing_if = "is_false")]
    pub no_ack: bool,
    /// Template that owns the stream.
    #[serde(rename = "template_owner", skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Window for duplicate detection, in nanoseconds.
    #[serde(rename = "duplicate_window", skip_serializing_if = "is_zero_i64")]
    pub duplicates: i64,
    /// Cluster placement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// Stream this stream mirrors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    /// Streams this stream sources from.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub sources: Vec<StreamSource>,
    /// No message can be added or removed.
    #[serde(skip_serializing_if = "is_false")]
    pub sealed: bool,
    /// Messages cannot be deleted.
    #[serde(skip_serializing_if = "is_false")]
    pub deny_delete: bool,
    /// The stream cannot be purged.
    #[serde(skip_serializing_if = "is_false")]
    pub deny_purge: bool,
    /// Allow the `Nats-Rollup` header to purge older messages.
    #[serde(rename = "allow_rollup_hdrs", skip_serializing_if = "is_false")]
    pub allow_rollup: bool,
    /// Republishing of stored messages; sent only with a destination.
    #[serde(rename = "republish", skip_serializing_if = "RePublish::is_unset_opt")]
    pub republish: Option<RePublish>,
    /// Allow direct get from any replica.
    #[serde(skip_serializing_if = "is_false")]
    pub allow_direct: bool,
    /// Allow direct get from mirrors too.
    #[serde(skip_serializing_if = "is_false")]
    pub mirror_direct: bool,
    /// Apply the discard-new policy per subject.
    #[serde(skip_serializing_if = "is_false")]
    pub discard_new_per_subject: bool,
    /// User metadata, in order.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "json::ordered_map::serialize",
        deserialize_with = "json::ordered_map::deserialize"
    )]
    pub metadata: Vec<(String, String)>,
    /// Storage compression.
    pub compression: StorageCompression,
    /// First sequence of the stream.
    pub first_seq: u64,
    /// Transform applied to the subject of incoming messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    /// Limits applied to every consumer.
    #[serde(skip_serializing_if = "ConsumerLimits::is_unset")]
    pub consumer_limits: ConsumerLimits,
    /// Allow a per-message TTL in the `Nats-TTL` header (nats-server 2.11+).
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_ttl: bool,
    /// TTL of the delete markers the server adds, in nanoseconds; 0 for none.
    #[serde(skip_serializing_if = "json::is_not_positive")]
    pub subject_delete_marker_ttl: i64,
    /// Persistence mode (nats-server 2.12+).
    #[serde(skip_serializing_if = "PersistMode::is_default")]
    pub persist_mode: PersistMode,
    /// Allow atomic batch publishing.
    #[serde(skip_serializing_if = "is_false")]
    pub allow_atomic: bool,
    /// Allow counter messages (nats-server 2.12+).
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_counter: bool,
    /// Allow scheduled messages (nats-server 2.14+).
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_schedules: bool,
    /// Allow non-atomic batch publishing (nats-server 2.14+).
    #[serde(skip_serializing_if = "is_false")]
    pub allow_batched: bool,
}

impl RePublish {
    fn is_unset_opt(value: &Option<RePublish>) -> bool {
        value
            .as_ref()
            .map_or(true, |r| is_none_or_empty(&r.destination))
    }
}

impl StreamConfig {
    /// Returns the configuration of a new stream named `name` with the
    /// server's defaults: no limits, limits retention, file storage, one
    /// replica, discard old messages.
    pub fn new(name: impl Into<String>) -> StreamConfig {
        StreamConfig {
            name: name.into(),
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_msg_size: -1,
            replicas: 1,
            ..StreamConfig::default()
        }
    }
}

/// Messages the server lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LostStreamData {
    /// Sequences of the lost messages.
    #[serde(deserialize_with = "nullable")]
    pub msgs: Vec<u64>,
    /// Bytes lost.
    pub bytes: u64,
}

/// State of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamState {
    /// Stored messages.
    #[serde(rename = "messages")]
    pub msgs: u64,
    /// Stored bytes.
    pub bytes: u64,
    /// First sequence.
    pub first_seq: u64,
    /// Time of the first message.
    #[serde(rename = "first_ts", with = "json::utc_time")]
    pub first_time: i64,
    /// Last sequence.
    pub last_seq: u64,
    /// Time of the last message.
    #[serde(rename = "last_ts", with = "json::utc_time")]
    pub last_time: i64,
    /// Number of distinct subjects.
    pub num_subjects: i64,
    /// Message count per subject, present when a subjects filter was given.
    #[serde(deserialize_with = "json::ordered_map::deserialize")]
    pub subjects: Vec<(String, u64)>,
    /// Number of deleted messages.
    pub num_deleted: u64,
    /// Sequences of deleted messages, present when requested.
    #[serde(deserialize_with = "nullable")]
    pub deleted: Vec<u64>,
    /// Lost messages, if any.
    pub lost: Option<LostStreamData>,
    /// Number of consumers.
    #[serde(rename = "consumer_count")]
    pub consumers: i64,
}

/// A server that hosts a replica.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    /// Server name.
    pub name: Option<String>,
    /// Whether the replica is up to date.
    pub current: bool,
    /// Whether the server is offline.
    pub offline: bool,
    /// Time since the server was last seen, in nanoseconds.
    pub active: i64,
    /// Operations the replica is behind.
    pub lag: u64,
}

/// The servers that host a stream or consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// Cluster name.
    pub name: Option<String>,
    /// Server that leads the group.
    pub leader: Option<String>,
    /// The other replicas.
    #[serde(deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    /// Name of the Raft group.
    pub raft_group: Option<String>,
    /// Time the leader was elected.
    #[serde(with = "json::utc_time")]
    pub leader_since: i64,
    /// Whether this is the system account's group.
    #[serde(rename = "system_account")]
    pub system_acc: bool,
    /// Account that carries the replication traffic.
    #[serde(rename = "traffic_account")]
    pub traffic_acc: Option<String>,
}

/// State of a mirror or source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamSourceInfo {
    /// Origin stream.
    pub name: Option<String>,
    /// Access to the origin in another account.
    pub external: Option<ExternalStream>,
    /// Messages not yet copied.
    pub lag: u64,
    /// Time since the last activity, in nanoseconds.
    pub active: i64,
    /// Subject filter.
    pub filter_subject: Option<String>,
    /// Subject transforms.
    #[serde(deserialize_with = "nullable")]
    pub subject_transforms: Vec<SubjectTransform>,
}

/// Another copy of a stream, such as a mirror.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamAlternate {
    /// Stream name.
    pub name: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
}

/// Configuration and state of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    /// Configuration; `None` only if the server left it out.
    pub config: Option<StreamConfig>,
    /// Creation time.
    #[serde(with = "json::utc_time")]
    pub created: i64,
    /// Current state.
    pub state: StreamState,
    /// Cluster details.
    pub cluster: Option<ClusterInfo>,
    /// State of the mirror.
    pub mirror: Option<StreamSourceInfo>,
    /// State of the sources.
    #[serde(deserialize_with = "nullable")]
    pub sources: Vec<StreamSourceInfo>,
    /// Other copies of the stream.
    #[serde(deserialize_with = "nullable")]
    pub alternates: Vec<StreamAlternate>,
}

/// Selection of the message a direct get returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectGetOptions {
    /// The message at this sequence, or the first one after it when
    /// `next_by_subject` is set.
    pub sequence: u64,
    /// The next message on this subject.
    pub next_by_subject: Option<String>,
    /// The last message on this subject.
    pub last_by_subject: Option<String>,
}

/// A message read from a stream, with its stream sequence and time.
#[derive(Debug, Clone)]
pub struct StoredMsg {
    /// The message: original subject, headers and payload.
    pub message: Message,
    /// Stream sequence.
    pub sequence: u64,
    /// Time the message was stored, in nanoseconds since the Unix epoch.
    pub time: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_config_sends_only_set_fields() {
        let json = serde_json::to_value(StreamConfig::new("S")).unwrap();
        let object = json.as_object().unwrap();
        for always in [
            "name",
            "retention",
            "max_consumers",
            "max_msgs",
            "max_bytes",
            "max_age",
            "max_msg_size",
            "max_msgs_per_subject",
            "discard",
            "storage",
            "num_replicas",
            "compression",
            "first_seq",
        ] {
            assert!(object.contains_key(always), "{always} missing from {json}");
        }
        for omitted in [
            "description",
            "subjects",
            "no_ack",
            "template_owner",
            "duplicate_window",
            "placement",
            "mirror",
            "sources",
            "sealed",
            "republish",
            "metadata",
            "subject_transform",
            "consumer_limits",
            "allow_msg_ttl",
            "persist_mode",
        ] {
            assert!(!object.contains_key(omitted), "{omitted} present in {json}");
        }
        assert_eq!(json["max_msgs"], -1);
        assert_eq!(json["retention"], "limits");
        assert_eq!(json["storage"], "file");
    }

    #[test]
    fn republish_without_destination_is_not_sent() {
        let mut cfg = StreamConfig::new("S");
        cfg.republish = Some(RePublish {
            source: Some(">".into()),
            destination: None,
            headers_only: true,
        });
        let json = serde_json::to_value(&cfg).unwrap();
        assert!(json.get("republish").is_none());
        cfg.republish.as_mut().unwrap().destination = Some("rp.>".into());
        let json = serde_json::to_value(&cfg).unwrap();
        assert_eq!(json["republish"]["dest"], "rp.>");
        assert_eq!(json["republish"]["src"], ">");
        assert_eq!(json["republish"]["headers_only"], true);
    }

    #[test]
    fn metadata_keeps_its_order() {
        let text = r#"{"name":"S","metadata":{"z":"1","a":"2","m":"3"}}"#;
        let cfg: StreamConfig = serde_json::from_str(text).unwrap();
        let keys: Vec<&str> = cfg.metadata.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn null_lists_decode_as_empty() {
        let text = r#"{"config":{"name":"S","subjects":null,"sources":null},
            "state":{"deleted":null,"subjects":null},"sources":null,"alternates":null}"#;
        let info: StreamInfo = serde_json::from_str(text).unwrap();
        let cfg = info.config.unwrap();
        assert!(cfg.subjects.is_empty());
        assert!(cfg.sources.is_empty());
        assert!(info.state.deleted.is_empty());
        assert!(info.state.subjects.is_empty());
        assert!(info.sources.is_empty());
    }

    #[test]
    fn unknown_policy_is_an_error() {
        let text = r#"{"name":"S","retention":"forever"}"#;
        assert!(serde_json::from_str::<StreamConfig>(text).is_err());
    }
}
