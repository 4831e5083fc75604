//! Atomic batch publishing (nats-server 2.12+): messages tagged with a
//! batch id and sequence are stored together when the last one, marked
//! as the commit, arrives.

use parking_lot::Mutex;

use super::context::JetStream;
use super::error::{JsError, JsResult};
use super::publish::{PubAck, PubOptions};
use crate::core::Message;

const BATCH_ID_HEADER: &str = "Nats-Batch-Id";
const BATCH_SEQUENCE_HEADER: &str = "Nats-Batch-Sequence";
const BATCH_COMMIT_HEADER: &str = "Nats-Batch-Commit";

/// An atomic batch in progress. The stream must allow atomic publishing.
pub struct AtomicBatch {
    js: JetStream,
    id: String,
    /// Messages added so far; also serializes the adds.
    count: Mutex<u64>,
}

impl AtomicBatch {
    /// Starts a batch with a new id and publishes its first message. The
    /// batch is returned even when that publish fails.
    pub fn start(
        js: &JetStream,
        msg: &mut Message,
        opts: Option<&PubOptions>,
    ) -> (AtomicBatch, JsResult<Option<PubAck>>) {
        let batch = AtomicBatch {
            js: js.clone(),
            id: nuid::next().to_string(),
            count: Mutex::new(0),
        };
        let result = batch.add(msg, opts);
        (batch, result)
    }

    /// The batch id sent in `Nats-Batch-Id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Messages added so far, including failed ones.
    pub fn count(&self) -> u64 {
        *self.count.lock()
    }

    /// Publishes the next message of the batch and waits for the server's
    /// reply, which is empty until the commit.
    pub fn add(&self, msg: &mut Message, opts: Option<&PubOptions>) -> JsResult<Option<PubAck>> {
        let mut count = self.count.lock();
        let headers = msg.headers_mut()?;
        headers.set(BATCH_ID_HEADER, &self.id)?;
        headers.set(BATCH_SEQUENCE_HEADER, &(*count + 1).to_string())?;
        *count += 1;
        self.js.publish_msg(msg, opts)
    }

    /// Publishes the last message of the batch with the commit marker and
    /// returns the acknowledgment of the whole batch.
    pub fn commit(&self, msg: &mut Message, opts: Option<&PubOptions>) -> JsResult<Option<PubAck>> {
        msg.headers_mut()
            .map_err(JsError::from)?
            .set(BATCH_COMMIT_HEADER, "1")?;
        self.add(msg, opts)
    }
}
