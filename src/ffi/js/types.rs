//! The JetStream structs, enums, handles and callback types of the C API,
//! laid out as in cnats 3.13.
//!
//! Strings and arrays in structs that the application fills (configs and
//! options) belong to the application. Strings and arrays in structs the
//! library returns (information, lists, acknowledgments) are allocated with
//! `malloc` and freed by the matching `_Destroy` function.

use libc::{c_char, c_int, c_void};

use super::errcode::jsErrCode;
use crate::ffi::status::natsStatus;
use crate::ffi::types::{natsConnection, natsMetadata, natsMsg, natsSubscription};

/// A JetStream context. Created by `natsConnection_JetStream`, released by
/// `jsCtx_Destroy`.
pub struct jsCtx {
    _private: [u8; 0],
}

/// An atomic batch publish in progress. Created by `js_BatchPublishStart`,
/// released by `jsAtomicBatchCtx_Destroy`.
pub struct jsAtomicBatchCtx {
    pub(crate) batch: crate::core::js::AtomicBatch,
}

/// Retention policy of a stream's messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsRetentionPolicy {
    /// Until a limit (messages, bytes or age) is reached. The default.
    js_LimitsPolicy = 0,
    /// Until every consumer has acknowledged the message.
    js_InterestPolicy = 1,
    /// Until one consumer has acknowledged the message.
    js_WorkQueuePolicy = 2,
}

/// Policy applied to new messages once a stream limit is reached.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsDiscardPolicy {
    /// Old messages are removed. The default.
    js_DiscardOld = 0,
    /// New messages are rejected.
    js_DiscardNew = 1,
}

/// Storage backend of a stream.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsStorageType {
    /// On disk. The default.
    js_FileStorage = 0,
    /// In memory only.
    js_MemoryStorage = 1,
}

/// Compression of stored messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsStorageCompression {
    /// No compression. The default.
    js_StorageCompressionNone = 0,
    /// S2 compression.
    js_StorageCompressionS2 = 1,
}

/// Start position of a consumer in the stream.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsDeliverPolicy {
    /// From the first message. The default.
    js_DeliverAll = 0,
    /// From the last message.
    js_DeliverLast = 1,
    /// From the next message stored after the consumer is created.
    js_DeliverNew = 2,
    /// From `OptStartSeq`.
    js_DeliverByStartSequence = 3,
    /// From `OptStartTime`.
    js_DeliverByStartTime = 4,
    /// From the last message of each subject.
    js_DeliverLastPerSubject = 5,
}

/// Acknowledgment policy of delivered messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsAckPolicy {
    /// Every message must be acknowledged. The default.
    js_AckExplicit = 0,
    /// No acknowledgment.
    js_AckNone = 1,
    /// Acknowledging a message acknowledges all messages before it.
    js_AckAll = 2,
}

/// Pace of delivery of stored messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsReplayPolicy {
    /// As fast as possible. The default.
    js_ReplayInstant = 0,
    /// With the timing of the original publishes.
    js_ReplayOriginal = 1,
}

/// Persistence mode: when the server acknowledges a stored message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsPersistModeType {
    /// After the message is flushed to storage. The default.
    js_PersistDefault = 0,
    /// Possibly before the message is flushed (nats-server 2.12+).
    js_PersistAsync = 1,
}

/// Message scheduling options of `jsPubOptions` (nats-server 2.14+).
#[repr(C)]
pub struct jsScheduleOptions {
    /// Schedule: `@at <time>`, `@every <duration>` or a cron expression.
    pub Schedule: *const c_char,
    /// Subject the scheduled message is published to.
    pub Target: *const c_char,
    /// Subject whose last message is published in place of this one.
    pub Source: *const c_char,
    /// TTL of the produced messages, in milliseconds.
    pub TTL: i64,
    /// Time zone of a cron schedule (UTC when NULL).
    pub TimeZone: *const c_char,
    /// Produced messages roll up their subject.
    pub Rollup: bool,
    /// Cancels the schedule stored on this subject; exclusive with the
    /// other fields.
    pub CancelScheduledSubject: *const c_char,
}

/// Options of a JetStream publish. Initialize with `jsPubOptions_Init`.
#[repr(C)]
pub struct jsPubOptions {
    /// How long to wait for the acknowledgment, in milliseconds; 0 means
    /// the context's wait (for asynchronous publishes, no timeout).
    pub MaxWait: i64,
    /// Message id for duplicate detection (`Nats-Msg-Id`).
    pub MsgId: *const c_char,
    /// Stream that must store the message.
    pub ExpectStream: *const c_char,
    /// Message id the stream's last message must have.
    pub ExpectLastMsgId: *const c_char,
    /// Sequence the stream's last message must have.
    pub ExpectLastSeq: u64,
    /// Sequence the last message on the subject must have.
    pub ExpectLastSubjectSeq: u64,
    /// Subject `ExpectLastSubjectSeq` applies to, when not the message's.
    pub ExpectLastSubjectSeqSubject: *const c_char,
    /// The subject must have no message yet.
    pub ExpectNoMessage: bool,
    /// Message TTL in milliseconds (nats-server 2.11+).
    pub MsgTTL: i64,
    /// Scheduling options (nats-server 2.14+).
    pub Schedule: jsScheduleOptions,
}

/// Placement of a stream in a cluster. Initialize with `jsPlacement_Init`.
#[repr(C)]
pub struct jsPlacement {
    /// Cluster name.
    pub Cluster: *const c_char,
    /// Server tags.
    pub Tags: *mut *const c_char,
    /// Number of entries in `Tags`.
    pub TagsLen: c_int,
}

/// Access to a stream in another account. Initialize with
/// `jsExternalStream_Init`.
#[repr(C)]
pub struct jsExternalStream {
    /// API prefix of the other account.
    pub APIPrefix: *const c_char,
    /// Delivery prefix of the other account.
    pub DeliverPrefix: *const c_char,
}

/// A stream that a mirror or source copies from. Initialize with
/// `jsStreamSource_Init`.
#[repr(C)]
pub struct jsStreamSource {
    /// Name of the origin stream.
    pub Name: *const c_char,
    /// First sequence to copy.
    pub OptStartSeq: u64,
    /// First time to copy from, in nanoseconds since the Unix epoch.
    pub OptStartTime: i64,
    /// Copy only messages on this subject.
    pub FilterSubject: *const c_char,
    /// Access to the origin in another account; exclusive with `Domain`.
    pub External: *mut jsExternalStream,
    /// Domain of the origin; sent as the external API prefix `$JS.<Domain>.API`.
    pub Domain: *const c_char,
}

/// Republishing of stored messages. Initialize with `jsRePublish_Init`.
#[repr(C)]
pub struct jsRePublish {
    /// Subjects to republish (`>` when NULL).
    pub Source: *const c_char,
    /// Destination subject; republishing is off when NULL.
    pub Destination: *const c_char,
    /// Republish only the headers.
    pub HeadersOnly: bool,
}

/// A subject transform: messages on `Source` are stored under `Destination`.
#[repr(C)]
pub struct jsSubjectTransformConfig {
    /// Subject filter.
    pub Source: *const c_char,
    /// Destination pattern.
    pub Destination: *const c_char,
}

/// Limits applied to every consumer of a stream.
#[repr(C)]
pub struct jsStreamConsumerLimits {
    /// Inactivity threshold, in nanoseconds.
    pub InactiveThreshold: i64,
    /// Maximum unacknowledged messages per consumer.
    pub MaxAckPending: c_int,
}

/// Configuration of a stream. Initialize with `jsStreamConfig_Init`.
/// Durations are in nanoseconds.
#[repr(C)]
pub struct jsStreamConfig {
    /// Stream name, required; it cannot contain `.`.
    pub Name: *const c_char,
    pub Description: *const c_char,
    /// Subjects the stream stores; the server uses the name when empty.
    pub Subjects: *mut *const c_char,
    pub SubjectsLen: c_int,
    pub Retention: jsRetentionPolicy,
    /// Maximum consumers, -1 for no limit.
    pub MaxConsumers: i64,
    /// Maximum messages, -1 for no limit.
    pub MaxMsgs: i64,
    /// Maximum bytes, -1 for no limit.
    pub MaxBytes: i64,
    /// Maximum message age in nanoseconds, 0 for no limit.
    pub MaxAge: i64,
    /// Maximum messages per subject, -1 for no limit.
    pub MaxMsgsPerSubject: i64,
    /// Maximum size of one message, -1 for no limit.
    pub MaxMsgSize: i32,
    pub Discard: jsDiscardPolicy,
    pub Storage: jsStorageType,
    pub Replicas: i64,
    /// Do not acknowledge published messages.
    pub NoAck: bool,
    pub Template: *const c_char,
    /// Duplicate detection window, in nanoseconds.
    pub Duplicates: i64,
    pub Placement: *mut jsPlacement,
    pub Mirror: *mut jsStreamSource,
    pub Sources: *mut *mut jsStreamSource,
    pub SourcesLen: c_int,
    /// No message can be added or removed.
    pub Sealed: bool,
    /// Messages cannot be deleted.
    pub DenyDelete: bool,
    /// The stream cannot be purged.
    pub DenyPurge: bool,
    /// Allow the `Nats-Rollup` header to purge older messages.
    pub AllowRollup: bool,
    pub RePublish: *mut jsRePublish,
    /// Allow direct get from any replica.
    pub AllowDirect: bool,
    /// Allow direct get from mirrors too.
    pub MirrorDirect: bool,
    /// Apply the discard-new policy per subject.
    pub DiscardNewPerSubject: bool,
    /// User metadata as key/value pairs.
    pub Metadata: natsMetadata,
    pub Compression: jsStorageCompression,
    /// First sequence of the stream.
    pub FirstSeq: u64,
    /// Transform applied to the subject of incoming messages.
    pub SubjectTransform: jsSubjectTransformConfig,
    /// Limits applied to every consumer.
    pub ConsumerLimits: jsStreamConsumerLimits,
    /// Allow a per-message TTL (nats-server 2.11+).
    pub AllowMsgTTL: bool,
    /// TTL of the delete markers the server adds, in nanoseconds (nats-server 2.11+).
    pub SubjectDeleteMarkerTTL: i64,
    /// Persistence mode (nats-server 2.12+).
    pub PersistMode: jsPersistModeType,
    /// Allow atomic batch publishing (nats-server 2.12+).
    pub AllowAtomic: bool,
    /// Allow counter messages (nats-server 2.12+).
    pub AllowMsgCounter: bool,
    /// Allow scheduled messages (nats-server 2.14+).
    pub AllowMsgSchedules: bool,
    /// Allow non-atomic batch publishing (nats-server 2.14+).
    pub AllowBatched: bool,
}

/// Messages the server lost.
#[repr(C)]
pub struct jsLostStreamData {
    /// Sequences of the lost messages.
    pub Msgs: *mut u64,
    pub MsgsLen: c_int,
    /// Bytes lost.
    pub Bytes: u64,
}

/// Message count of one subject of a stream.
#[repr(C)]
pub struct jsStreamStateSubject {
    pub Subject: *const c_char,
    pub Msgs: u64,
}

/// Message counts per subject, returned when `jsOptions.Stream.Info.SubjectsFilter` is set.
#[repr(C)]
pub struct jsStreamStateSubjects {
    pub List: *mut jsStreamStateSubject,
    pub Count: c_int,
}

/// State of a stream. Times are nanoseconds since the Unix epoch.
#[repr(C)]
pub struct jsStreamState {
    pub Msgs: u64,
    pub Bytes: u64,
    pub FirstSeq: u64,
    pub FirstTime: i64,
    pub LastSeq: u64,
    pub LastTime: i64,
    pub NumSubjects: i64,
    /// Counts per subject, NULL unless a subjects filter was given.
    pub Subjects: *mut jsStreamStateSubjects,
    pub NumDeleted: u64,
    /// Deleted sequences, NULL unless deleted details were requested.
    pub Deleted: *mut u64,
    pub DeletedLen: c_int,
    pub Lost: *mut jsLostStreamData,
    pub Consumers: i64,
}

/// A server that hosts a replica.
#[repr(C)]
pub struct jsPeerInfo {
    pub Name: *mut c_char,
    /// Whether the replica is up to date.
    pub Current: bool,
    pub Offline: bool,
    /// Time since the server was last seen, in nanoseconds.
    pub Active: i64,
    pub Lag: u64,
}

/// The servers that host a stream or consumer.
#[repr(C)]
pub struct jsClusterInfo {
    pub Name: *mut c_char,
    pub Leader: *mut c_char,
    pub Replicas: *mut *mut jsPeerInfo,
    pub ReplicasLen: c_int,
    pub RaftGroup: *mut c_char,
    /// Time the leader was elected, in nanoseconds since the Unix epoch.
    pub LeaderSince: i64,
    pub SystemAcc: bool,
    pub TrafficAcc: *mut c_char,
}

/// State of a mirror or source.
#[repr(C)]
pub struct jsStreamSourceInfo {
    pub Name: *mut c_char,
    pub External: *mut jsExternalStream,
    /// Messages not yet copied.
    pub Lag: u64,
    /// Time since the last activity, in nanoseconds.
    pub Active: i64,
    pub FilterSubject: *const c_char,
    pub SubjectTransforms: *mut jsSubjectTransformConfig,
    pub SubjectTransformsLen: c_int,
}

/// Another copy of a stream, such as a mirror.
#[repr(C)]
pub struct jsStreamAlternate {
    pub Name: *const c_char,
    pub Domain: *const c_char,
    pub Cluster: *const c_char,
}

/// Configuration and state of a stream, released with `jsStreamInfo_Destroy`.
#[repr(C)]
pub struct jsStreamInfo {
    pub Config: *mut jsStreamConfig,
    /// Creation time, in nanoseconds since the Unix epoch.
    pub Created: i64,
    pub State: jsStreamState,
    pub Cluster: *mut jsClusterInfo,
    pub Mirror: *mut jsStreamSourceInfo,
    pub Sources: *mut *mut jsStreamSourceInfo,
    pub SourcesLen: c_int,
    pub Alternates: *mut *mut jsStreamAlternate,
    pub AlternatesLen: c_int,
}

/// Stream information list, released with `jsStreamInfoList_Destroy`.
#[repr(C)]
pub struct jsStreamInfoList {
    pub List: *mut *mut jsStreamInfo,
    pub Count: c_int,
}

/// Stream names, released with `jsStreamNamesList_Destroy`.
#[repr(C)]
pub struct jsStreamNamesList {
    pub List: *mut *mut c_char,
    pub Count: c_int,
}

/// Configuration of a consumer. Initialize with `jsConsumerConfig_Init`,
/// which sets the three policies to -1 so that the server defaults apply.
/// Durations are in nanoseconds; numeric options at 0 are left to the server.
#[repr(C)]
pub struct jsConsumerConfig {
    pub Name: *const c_char,
    /// Durable name; it cannot contain `.`, space, `*` or `>`.
    pub Durable: *const c_char,
    pub Description: *const c_char,
    pub DeliverPolicy: jsDeliverPolicy,
    pub OptStartSeq: u64,
    /// Start time, in nanoseconds since the Unix epoch.
    pub OptStartTime: i64,
    pub AckPolicy: jsAckPolicy,
    pub AckWait: i64,
    pub MaxDeliver: i64,
    /// Redelivery delays, in nanoseconds.
    pub BackOff: *mut i64,
    pub BackOffLen: c_int,
    pub FilterSubject: *const c_char,
    pub ReplayPolicy: jsReplayPolicy,
    /// Delivery rate limit in bits per second.
    pub RateLimit: u64,
    /// Sampling percentage of acknowledgment advisories, such as "50".
    pub SampleFrequency: *const c_char,
    pub MaxWaiting: i64,
    pub MaxAckPending: i64,
    pub FlowControl: bool,
    pub Heartbeat: i64,
    /// Deliver only headers, with the payload size in `Nats-Msg-Size`.
    pub HeadersOnly: bool,
    pub MaxRequestBatch: i64,
    pub MaxRequestExpires: i64,
    pub MaxRequestMaxBytes: i64,
    pub DeliverSubject: *const c_char,
    pub DeliverGroup: *const c_char,
    pub InactiveThreshold: i64,
    pub Replicas: i64,
    pub MemoryStorage: bool,
    /// Filter subjects (nats-server 2.10+), exclusive with `FilterSubject`.
    pub FilterSubjects: *mut *const c_char,
    pub FilterSubjectsLen: c_int,
    pub Metadata: natsMetadata,
    /// Paused until this time, in nanoseconds since the Unix epoch (nats-server 2.11+).
    pub PauseUntil: i64,
    /// `pinned_client`, `overflow` or `prioritized` (nats-server 2.11+).
    pub PriorityPolicy: *const c_char,
    /// Time after which an idle pinned client is unpinned, in nanoseconds.
    pub PinnedTTL: i64,
    pub PriorityGroups: *mut *const c_char,
    pub PriorityGroupsLen: c_int,
}

/// Gap between the consumer sequences seen by the client and the server.
#[repr(C)]
pub struct jsConsumerSequenceMismatch {
    /// Stream sequence to resume from.
    pub Stream: u64,
    /// Last consumer sequence the client received.
    pub ConsumerClient: u64,
    /// Last consumer sequence the server sent.
    pub ConsumerServer: u64,
}

/// Options of the JetStream subscribe calls.
#[repr(C)]
pub struct jsSubOptions {
    /// Stream to bind to.
    pub Stream: *const c_char,
    /// Existing consumer to bind to.
    pub Consumer: *const c_char,
    /// Queue group.
    pub Queue: *const c_char,
    /// The application acknowledges messages itself.
    pub ManualAck: bool,
    /// Consumer configuration.
    pub Config: jsConsumerConfig,
    /// Ordered consumer.
    pub Ordered: bool,
}

/// A consumer and a stream sequence.
#[repr(C)]
pub struct jsSequencePair {
    pub Consumer: u64,
    pub Stream: u64,
}

/// A consumer and a stream sequence with the time of the last activity.
#[repr(C)]
pub struct jsSequenceInfo {
    pub Consumer: u64,
    pub Stream: u64,
    /// Last activity, in nanoseconds since the Unix epoch.
    pub Last: i64,
}

/// State of a priority group of a pull consumer.
#[repr(C)]
pub struct jsPriorityGroupState {
    pub Group: *mut c_char,
    pub PinnedClientID: *mut c_char,
    /// Time the client was pinned, in nanoseconds since the Unix epoch.
    pub PinnedTS: i64,
}

/// Configuration and state of a consumer, released with `jsConsumerInfo_Destroy`.
#[repr(C)]
pub struct jsConsumerInfo {
    pub Stream: *mut c_char,
    pub Name: *mut c_char,
    /// Creation time, in nanoseconds since the Unix epoch.
    pub Created: i64,
    pub Config: *mut jsConsumerConfig,
    pub Delivered: jsSequenceInfo,
    pub AckFloor: jsSequenceInfo,
    pub NumAckPending: i64,
    pub NumRedelivered: i64,
    pub NumWaiting: i64,
    pub NumPending: u64,
    pub Cluster: *mut jsClusterInfo,
    pub PushBound: bool,
    pub Paused: bool,
    /// Time left until the pause ends, in nanoseconds.
    pub PauseRemaining: i64,
    pub PriorityGroups: *mut jsPriorityGroupState,
    pub PriorityGroupsLen: c_int,
}

/// Consumer information list, released with `jsConsumerInfoList_Destroy`.
#[repr(C)]
pub struct jsConsumerInfoList {
    pub List: *mut *mut jsConsumerInfo,
    pub Count: c_int,
}

/// Consumer names, released with `jsConsumerNamesList_Destroy`.
#[repr(C)]
pub struct jsConsumerNamesList {
    pub List: *mut *mut c_char,
    pub Count: c_int,
}

/// Reply to `js_PauseConsumer`, released with `jsConsumerPauseResponse_Destroy`.
#[repr(C)]
pub struct jsConsumerPauseResponse {
    pub Paused: bool,
    /// End of the pause, in nanoseconds since the Unix epoch.
    pub PauseUntil: i64,
    /// Time left until the pause ends, in nanoseconds.
    pub PauseRemaining: i64,
}

/// Reply to `js_ResetConsumer`, released with
/// `jsConsumerResetResponse_Destroy`, which also releases `Consumer`.
#[repr(C)]
pub struct jsConsumerResetResponse {
    /// The consumer after the reset.
    pub Consumer: *mut jsConsumerInfo,
    /// Stream sequence the consumer was reset to.
    pub ResetSeq: u64,
}

/// API call counters of the account.
#[repr(C)]
pub struct jsAPIStats {
    pub Total: u64,
    pub Errors: u64,
}

/// JetStream limits of an account or tier; -1 means no limit.
#[repr(C)]
pub struct jsAccountLimits {
    pub MaxMemory: i64,
    pub MaxStore: i64,
    pub MaxStreams: i64,
    pub MaxConsumers: i64,
    pub MaxAckPending: i64,
    pub MemoryMaxStreamBytes: i64,
    pub StoreMaxStreamBytes: i64,
    pub MaxBytesRequired: bool,
}

/// Usage and limits of one tier of the account.
#[repr(C)]
pub struct jsTier {
    pub Name: *const c_char,
    pub Memory: u64,
    pub Store: u64,
    pub Streams: i64,
    pub Consumers: i64,
    pub Limits: jsAccountLimits,
}

/// JetStream usage and limits of the account, released with `jsAccountInfo_Destroy`.
#[repr(C)]
pub struct jsAccountInfo {
    pub Memory: u64,
    pub Store: u64,
    pub Streams: i64,
    pub Consumers: i64,
    pub Domain: *mut c_char,
    pub API: jsAPIStats,
    pub Limits: jsAccountLimits,
    pub Tiers: *mut *mut jsTier,
    pub TiersLen: c_int,
}

/// JetStream metadata of a message delivered by a consumer.
#[repr(C)]
pub struct jsMsgMetaData {
    pub Sequence: jsSequencePair,
    pub NumDelivered: u64,
    pub NumPending: u64,
    /// Time the message was stored, in nanoseconds since the Unix epoch.
    pub Timestamp: i64,
    pub Stream: *mut c_char,
    pub Consumer: *mut c_char,
    pub Domain: *mut c_char,
}

/// Acknowledgment of a stored message, released with `jsPubAck_Destroy`.
#[repr(C)]
pub struct jsPubAck {
    pub Stream: *mut c_char,
    pub Sequence: u64,
    pub Domain: *mut c_char,
    /// The message id was already stored, so this copy was dropped.
    pub Duplicate: bool,
    /// Id of the atomic batch this message committed.
    pub Batch: *mut c_char,
    /// Number of messages in the committed batch.
    pub Count: u64,
    /// Counter value, for streams that allow message counters.
    pub Value: *mut c_char,
}

/// A failed asynchronous publish, passed to the publish handlers.
#[repr(C)]
pub struct jsPubAckErr {
    /// The message. In `jsPubAckErrHandler` the library destroys it after
    /// the handler returns, unless the handler sets this to NULL, as a
    /// successful `js_PublishMsgAsync(js, &pae->Msg, ...)` does.
    pub Msg: *mut natsMsg,
    pub Err: natsStatus,
    /// The server's error code, or 0.
    pub ErrCode: jsErrCode,
    /// Description of the failure, valid during the handler.
    pub ErrText: *const c_char,
}

/// Selection of the message `js_DirectGetMsg` returns. Initialize with
/// `jsDirectGetMsgOptions_Init`.
#[repr(C)]
pub struct jsDirectGetMsgOptions {
    /// The message at this sequence (or the first after it with `NextBySubject`).
    pub Sequence: u64,
    /// The next message on this subject.
    pub NextBySubject: *const c_char,
    /// The last message on this subject.
    pub LastBySubject: *const c_char,
}

/// A pull request of `natsSubscription_FetchRequest`.
#[repr(C)]
pub struct jsFetchRequest {
    /// Expiration of the request, in nanoseconds.
    pub Expires: i64,
    /// Maximum messages.
    pub Batch: c_int,
    /// Maximum bytes.
    pub MaxBytes: i64,
    /// Return at once when no message is available.
    pub NoWait: bool,
    /// Server heartbeat interval, in nanoseconds.
    pub Heartbeat: i64,
    pub MinPending: i64,
    pub MinAckPending: i64,
    /// Pin id, for consumers with the `pinned_client` priority policy.
    pub ID: *const c_char,
    pub Group: *const c_char,
    /// Priority of the request, 0 (highest) to 9.
    pub Priority: u8,
}

/// Callback run when a `js_PullSubscribeAsync` subscription finishes.
pub type jsFetchCompleteHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        sub: *mut natsSubscription,
        s: natsStatus,
        closure: *mut c_void,
    ),
>;

/// Callback that decides the size of the next pull request of a
/// `js_PullSubscribeAsync` subscription; returns false to skip it.
pub type jsFetchNextHandler = Option<
    unsafe extern "C" fn(
        messages: *mut c_int,
        maxBytes: *mut i64,
        sub: *mut natsSubscription,
        closure: *mut c_void,
    ) -> bool,
>;

/// Callback run for a failed asynchronous publish.
pub type jsPubAckErrHandler =
    Option<unsafe extern "C" fn(js: *mut jsCtx, pae: *mut jsPubAckErr, closure: *mut c_void)>;

/// Callback run for every asynchronous publish outcome: `pa` on success,
/// `pae` on failure. The handler owns `msg` and must destroy it.
pub type jsPubAckHandler = Option<
    unsafe extern "C" fn(
        js: *mut jsCtx,
        msg: *mut natsMsg,
        pa: *mut jsPubAck,
        pae: *mut jsPubAckErr,
        closure: *mut c_void,
    ),
>;

/// Options of `js_PullSubscribeAsync`, part of `jsOptions`.
#[repr(C)]
pub struct jsOptionsPullSubscribeAsync {
    /// Unsubscribe after this many milliseconds.
    pub Timeout: i64,
    /// Unsubscribe after this many messages.
    pub MaxMessages: c_int,
    /// Unsubscribe after this many bytes.
    pub MaxBytes: i64,
    /// Do not wait for messages the server does not have yet.
    pub NoWait: bool,
    pub CompleteHandler: jsFetchCompleteHandler,
    pub CompleteHandlerClosure: *mut c_void,
    /// Server heartbeat interval, in milliseconds.
    pub Heartbeat: i64,
    pub Group: *const c_char,
    pub MinPending: i64,
    pub MinAckPending: i64,
    /// Messages asked for per pull request.
    pub FetchSize: c_int,
    /// Messages ahead of the current request at which the next one is sent.
    pub KeepAhead: c_int,
    pub NextHandler: jsFetchNextHandler,
    pub NextHandlerClosure: *mut c_void,
}

/// Asynchronous publishing options, part of `jsOptions`.
#[repr(C)]
pub struct jsOptionsPublishAsync {
    /// Maximum unacknowledged publishes; 0 for no limit.
    pub MaxPending: i64,
    /// Runs for every outcome; when set, `ErrHandler` is not used.
    pub AckHandler: jsPubAckHandler,
    pub AckHandlerClosure: *mut c_void,
    /// Runs for every failure.
    pub ErrHandler: jsPubAckErrHandler,
    pub ErrHandlerClosure: *mut c_void,
    /// How long a publish waits for room under `MaxPending`, in
    /// milliseconds; 0 means 200.
    pub StallWait: i64,
    /// Receive acknowledgments through the connection's request
    /// subscription.
    /// NOTE: ignored; this library always uses one subscription per context.
    pub MuxReplies: bool,
}

/// Purge options: which messages `js_PurgeStream` removes.
#[repr(C)]
pub struct jsOptionsStreamPurge {
    /// Only messages on this subject (wildcards allowed).
    pub Subject: *const c_char,
    /// Up to, not including, this sequence; exclusive with `Keep`.
    pub Sequence: u64,
    /// Keep this many of the newest messages; exclusive with `Sequence`.
    pub Keep: u64,
}

/// Stream information options.
#[repr(C)]
pub struct jsOptionsStreamInfo {
    /// Return the sequences of deleted messages.
    pub DeletedDetails: bool,
    /// Return the message counts of the subjects matching this filter;
    /// for `js_Streams` and `js_StreamNames`, list only streams with a
    /// matching subject.
    pub SubjectsFilter: *const c_char,
}

/// Stream call options, part of `jsOptions`.
#[repr(C)]
pub struct jsOptionsStream {
    pub Purge: jsOptionsStreamPurge,
    pub Info: jsOptionsStreamInfo,
}

/// Options of a JetStream context, or of one call. Initialize with
/// `jsOptions_Init`.
#[repr(C)]
pub struct jsOptions {
    /// API prefix, `$JS.API` when NULL.
    pub Prefix: *const c_char,
    /// Domain; when set the prefix is `$JS.<Domain>.API`.
    pub Domain: *const c_char,
    /// Request timeout in milliseconds; 0 means the context's (5000 by default).
    pub Wait: i64,
    pub PublishAsync: jsOptionsPublishAsync,
    pub PullSubscribeAsync: jsOptionsPullSubscribeAsync,
    pub Stream: jsOptionsStream,
}
