//! JetStream: the `$JS.API` request/reply protocol for managing streams and
//! consumers, and publishing with acknowledgments.
//!
//! [`JetStream`] is a context over a [`Connection`](crate::core::Connection):
//! it holds the API prefix, the default request timeout and the state of
//! asynchronous publishes. Each management call sends one JSON request to
//! `<prefix>.<API subject>` and decodes the JSON reply. Server errors come
//! back as [`JsError`] with the server's `err_code`.

pub mod account;
pub mod ack;
pub mod batch;
pub mod consumer;
mod consumer_api;
mod consumer_check;
pub mod context;
pub mod error;
mod json;
pub mod jssub;
pub mod publish;
pub mod publish_async;
pub mod pull;
pub mod pull_async;
pub mod pull_subscribe;
pub mod push;
pub mod stream;
mod stream_api;
pub mod time;

pub use account::{AccountInfo, AccountLimits, ApiStats, Tier};
pub use batch::AtomicBatch;
pub use consumer::{
    AckPolicy, ConsumerConfig, ConsumerInfo, ConsumerPauseResponse, ConsumerResetResponse,
    DeliverPolicy, PriorityGroupState, ReplayPolicy, SequenceInfo,
};
pub use context::{JetStream, JetStreamOptions, PurgeOptions, RequestOptions, StreamInfoOptions};
pub use error::{JsError, JsResult};
pub use publish::{PubAck, PubOptions, ScheduleOptions};
pub use publish_async::{AckHandler, ErrHandler, PublishAsyncOptions};
pub use pull::{FetchRequest, PullState};
pub use pull_async::{AsyncPull, AsyncPullOptions, FetchCompleteHandler, FetchNextHandler};
pub use pull_subscribe::PullSubscribeOptions;
pub use stream::{
    ClusterInfo, ConsumerLimits, DirectGetOptions, DiscardPolicy, ExternalStream, LostStreamData,
    PeerInfo, PersistMode, Placement, RePublish, RetentionPolicy, StorageCompression, StorageType,
    StoredMsg, StreamAlternate, StreamConfig, StreamInfo, StreamSource, StreamSourceInfo,
    StreamState, SubjectTransform,
};
