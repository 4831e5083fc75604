//! State a JetStream subscription keeps next to its core subscription.
//!
//! A core [`Subscription`](crate::core::Subscription) created by the
//! JetStream subscribe calls carries an `Arc<JsSub>` in its extension slot
//! (`SubInner::js`). Plain subscriptions leave the slot empty, so the
//! socket reader and the delivery paths only test an `Option` for them.
//!
//! Messages taken from a JetStream subscription get a clone of that `Arc`
//! (see [`Message::js_sub`](crate::core::Message::js_sub)), which is how
//! an acknowledgment finds its connection and the context's timeout.
//!
//! Push and pull subscriptions share [`JsSub`]; what only one kind needs
//! lives in [`JsSubState`] and is left at its default by the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::consumer::ConsumerConfig;
use super::context::JetStream;
use super::pull::PullState;
use super::pull_async::AsyncPull;
use crate::core::sub::SubInner;
use crate::core::Message;

/// Delivery mode of a JetStream subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsSubKind {
    /// The server sends messages to a deliver subject.
    Push,
    /// The application pulls messages with fetch requests.
    Pull,
}

/// Consumer sequences of the client and the server, compared on heartbeats.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeqMismatch {
    /// Stream sequence of the last message the client received.
    pub stream: u64,
    /// Consumer sequence of the last message the client received.
    pub client: u64,
    /// Last consumer sequence the server sent.
    pub server: u64,
}

/// Mutable per-subscription JetStream state, guarded by [`JsSub::state`].
#[derive(Debug, Default)]
pub struct JsSubState {
    /// Consumer name; an ordered consumer changes it on every reset.
    pub consumer: String,
    /// Stream sequence of the last message handed to the subscription.
    pub sseq: u64,
    /// Consumer sequence of the last message handed to the subscription.
    pub dseq: u64,
    /// Whether `sseq` and `dseq` come from a message yet.
    pub have_sequences: bool,
    /// Sequences compared by the last heartbeat without a reply subject.
    pub mismatch: SeqMismatch,
    /// A mismatch is waiting to be reported once to a synchronous reader.
    pub mismatch_pending: bool,
    /// The current mismatch was reported; no more reports until it clears.
    pub mismatch_reported: bool,
    /// Flow-control replies to send once the subscription has delivered
    /// this many messages: (delivered count, reply subject).
    pub fc_replies: Vec<(u64, String)>,
    /// Flow-control replies due, sent once the subscription's lock is released.
    pub fc_due: Vec<String>,
    /// Something arrived since the heartbeat timer last looked.
    pub active: bool,
    /// When the last message or heartbeat arrived.
    pub last_activity: Option<Instant>,
    /// Ordered consumer: a reset is under way and old messages are dropped.
    pub resetting: bool,
}

/// JetStream part of a subscription; see the module documentation.
pub struct JsSub {
    /// Context the subscription was made with: connection, API prefix and
    /// the wait time of acknowledgments and API calls.
    pub js: JetStream,
    /// Push or pull.
    pub kind: JsSubKind,
    /// Stream the consumer belongs to.
    pub stream: String,
    /// Whether the library created the consumer. Such a consumer is
    /// deleted by unsubscribe and drain, never by destroy.
    delete_consumer: AtomicBool,
    /// Ordered push consumer: no acks, gaps make the library recreate the
    /// consumer.
    pub ordered: bool,
    /// Acknowledgments are not sent (ack policy none, or ordered).
    pub ack_none: bool,
    /// The application acknowledges messages itself (no auto-ack).
    pub manual_ack: bool,
    /// Idle heartbeat interval the consumer was created with, if any.
    pub heartbeat: Option<Duration>,
    /// Ordered consumer: the configuration each replacement is created from.
    pub ordered_config: Option<ConsumerConfig>,
    /// State that changes while the subscription runs.
    pub state: Mutex<JsSubState>,
    /// Pull subscriptions: the request subject and fetch ids.
    pub pull: Option<Arc<PullState>>,
    /// Asynchronous pull subscriptions: the library's request loop.
    pub async_pull: Option<Arc<AsyncPull>>,
}

impl std::fmt::Debug for JsSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsSub")
            .field("kind", &self.kind)
            .field("stream", &self.stream)
            .field("ordered", &self.ordered)
            .finish_non_exhaustive()
    }
}

impl JsSub {
    /// Creates the state of a new JetStream subscription.
    pub fn new(js: JetStream, kind: JsSubKind, stream: &str, consumer: &str, delete_consumer: bool) -> JsSub {
        JsSub {
            js,
            kind,
            stream: stream.to_string(),
            delete_consumer: AtomicBool::new(delete_consumer),
            ordered: false,
            ack_none: false,
            manual_ack: false,
            heartbeat: None,
            ordered_config: None,
            state: Mutex::new(JsSubState {
                consumer: consumer.to_string(),
                ..JsSubState::default()
            }),
            pull: None,
            async_pull: None,
        }
    }

    /// Current consumer name.
    pub fn consumer(&self) -> String {
        self.state.lock().consumer.clone()
    }

    /// Whether unsubscribe or drain must delete the consumer.
    pub fn deletes_consumer(&self) -> bool {
        self.delete_consumer.load(Ordering::Acquire)
    }

    /// Keeps the consumer when the subscription goes away (destroy).
    pub fn keep_consumer(&self) {
        self.delete_consumer.store(false, Ordering::Release);
    }

    /// Sets whether unsubscribe or drain deletes the consumer.
    pub fn set_delete_consumer(&self, on: bool) {
        self.delete_consumer.store(on, Ordering::Release);
    }
}

// Hooks the core subscription calls for JetStream subscriptions only.

/// Called by the socket reader before a message is queued on a JetStream
/// subscription. Returns the message to queue, or `None` when it was a
/// control message handled here (or must be dropped).
pub(crate) fn on_incoming(sub: &SubInner, js: &JsSub, msg: Message) -> Option<Message> {
    match js.kind {
        JsSubKind::Push => super::push::on_incoming(sub, js, msg),
        JsSubKind::Pull => Some(msg),
    }
}

/// Called, under the subscription's lock, when a message is taken from the
/// queue for the application; `delivered` counts it already.
pub(crate) fn on_taken(js: &Arc<JsSub>, delivered: u64, msg: &mut Message) {
    msg.attach_js(js.clone());
    let mut st = js.state.lock();
    if st.fc_replies.first().is_some_and(|(n, _)| *n <= delivered) {
        let due: Vec<(u64, String)> = st.fc_replies.drain(..).collect();
        for (n, reply) in due {
            if n <= delivered {
                st.fc_due.push(reply);
            } else {
                st.fc_replies.push((n, reply));
            }
        }
    }
}

/// Called outside the subscription's lock after a message was taken:
/// sends the flow-control replies that became due.
pub(crate) fn after_delivery(sub: &SubInner, js: &JsSub) {
    let due = {
        let mut st = js.state.lock();
        if st.fc_due.is_empty() {
            return;
        }
        std::mem::take(&mut st.fc_due)
    };
    for reply in due {
        if let Err(e) = sub.conn.publish_raw(&reply, None, None, &[], false) {
            log::debug!("sending a flow-control reply failed: {e}");
        }
    }
}

/// Called by `next_msg` before it takes a message: reports a sequence
/// mismatch once, as cnats does.
pub(crate) fn check_next_msg(js: &JsSub) -> crate::core::Result<()> {
    let mut st = js.state.lock();
    if st.mismatch_pending {
        st.mismatch_pending = false;
        return Err(crate::core::Error::new(
            crate::core::Status::Mismatch,
            "consumer sequence mismatch",
        ));
    }
    Ok(())
}

/// Deletes the consumer when the library created it; called after an
/// unsubscribe or at the end of a drain.
pub(crate) fn delete_consumer_if_owned(js: &JsSub) -> crate::core::Result<()> {
    if !js.delete_consumer.swap(false, Ordering::AcqRel) {
        return Ok(());
    }
    let consumer = js.consumer();
    js.js.delete_consumer(&js.stream, &consumer, None).map_err(|e| {
        if e.status == crate::core::Status::NotFound {
            crate::core::Error::new(e.status, format!("failed to delete consumer '{consumer}': not found"))
        } else {
            e.into()
        }
    })
}

/// Deletes the consumer of a drained subscription when the library
/// created it, and reports a failure to the error handler.
pub(crate) fn delete_consumer_after_drain(sub: &Arc<SubInner>) {
    let Some(js) = &sub.js else {
        return;
    };
    let consumer = js.consumer();
    if let Err(e) = delete_consumer_if_owned(js) {
        let text = format!(
            "failed to delete consumer '{consumer}': {} ({})",
            e.status as u32,
            e.status.text()
        );
        log::warn!("{text}");
        sub.conn.post_error(Some(sub), crate::core::Error::new(e.status, text));
    }
}

/// Called after a reconnect, with no lock held: ordered consumers are
/// recreated at once, since a restarted server may have lost them.
pub(crate) fn on_reconnected(conn: &crate::core::conn::ConnInner) {
    let ordered: Vec<Arc<SubInner>> = conn
        .subs
        .lock()
        .values()
        .filter(|s| s.js.as_ref().is_some_and(|js| js.ordered))
        .cloned()
        .collect();
    for sub in ordered {
        super::push::reset_after_reconnect(&sub);
    }
}

/// Called on the delivery thread of an asynchronous JetStream subscription
/// once it has stopped, before the subscription's completion callback:
/// runs the fetch completion handler of an asynchronous pull subscription.
pub(crate) fn on_finished(sub: &Arc<SubInner>, js: &JsSub) {
    if let Some(async_pull) = &js.async_pull {
        let closed = sub.state.lock().closed == crate::core::sub::Closed::ConnectionClosed;
        async_pull.complete(&crate::core::Subscription::from_inner(sub.clone()), closed);
    }
}
