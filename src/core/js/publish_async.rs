//! Asynchronous publishing: messages go out with a reply subject of the
//! context's own inbox, and a subscription on that inbox matches each
//! acknowledgment to the pending message and runs the handlers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::context::{decode_reply, JetStream, JsInner};
use super::error::{JsError, JsResult};
use super::publish::{PubAck, PubOptions};
use crate::core::{Message, Status, Subscription};

/// How long a publish waits for room when `max_pending` messages are
/// unacknowledged, unless configured otherwise.
pub(crate) const DEFAULT_STALL_WAIT: Duration = Duration::from_millis(200);

/// How long the timeout thread sleeps when no publish has a deadline.
const IDLE_TIMER_SLEEP: Duration = Duration::from_secs(60);

/// Runs for every acknowledged or failed asynchronous publish, with the
/// message, which the handler then owns.
pub type AckHandler = Arc<dyn Fn(&JetStream, Message, Result<PubAck, JsError>) + Send + Sync>;

/// Runs for every failed asynchronous publish, with the message.
pub type ErrHandler = Arc<dyn Fn(&JetStream, Message, JsError) + Send + Sync>;

/// Settings of asynchronous publishing.
#[derive(Clone, Default)]
pub struct PublishAsyncOptions {
    /// Maximum unacknowledged publishes; 0 or less for no limit.
    pub max_pending: i64,
    /// How long a publish waits for room under `max_pending`; zero means 200 ms.
    pub stall_wait: Duration,
    /// Handler of every outcome. When set, `err_handler` is not used.
    pub ack_handler: Option<AckHandler>,
    /// Handler of failures.
    pub err_handler: Option<ErrHandler>,
}

#[derive(Default)]
struct AsyncState {
    closed: bool,
    sub: Option<Subscription>,
    /// Reply subject prefix, `<inbox prefix><nuid>.`, set on first use.
    prefix: String,
    next_id: u64,
    pending: rustc_hash::FxHashMap<u64, Message>,
    /// Publishes counted against `max_pending`: pending ones and those
    /// whose handler is still running.
    in_flight: i64,
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    timer_started: bool,
    /// Publishes still unacknowledged when the publisher closed.
    abandoned: usize,
}

pub(crate) struct AsyncPublisher {
    opts: PublishAsyncOptions,
    state: Mutex<AsyncState>,
    /// Signalled when `in_flight` drops or the publisher closes.
    changed: Condvar,
    /// Signalled when a new deadline is added or the publisher closes.
    timer_wake: Condvar,
}

fn closed_error() -> JsError {
    JsError::new(Status::IllegalState, "the JetStream context is closed")
}

/// Interprets an acknowledgment message.
fn parse_ack(msg: &Message) -> Result<PubAck, JsError> {
    if msg.is_no_responders() {
        return Err(JsError::new(
            Status::NoResponders,
            Status::NoResponders.text(),
        ));
    }
    decode_reply::<PubAck>(msg, &[]).map(Option::unwrap_or_default)
}

impl AsyncPublisher {
    pub(crate) fn new(mut opts: PublishAsyncOptions) -> AsyncPublisher {
        if opts.stall_wait.is_zero() {
            opts.stall_wait = DEFAULT_STALL_WAIT;
        }
        if opts.ack_handler.is_some() {
            opts.err_handler = None;
        }
        AsyncPublisher {
            opts,
            state: Mutex::new(AsyncState::default()),
            changed: Condvar::new(),
            timer_wake: Condvar::new(),
        }
    }

    pub(crate) fn close(&self) {
        let sub = {
            let mut st = self.state.lock();
            if st.closed {
                return;
            }
            st.closed = true;
            st.abandoned = st.pending.len();
            st.pending.clear();
            st.deadlines.clear();
            st.in_flight = 0;
            st.sub.take()
        };
        self.changed.notify_all();
        self.timer_wake.notify_all();
        if let Some(sub) = sub {
            let _ = sub.unsubscribe();
        }
    }

    /// Subscribes to the reply inbox on first use.
    fn ensure_subscribed(&self, st: &mut AsyncState, js: &JetStream) -> JsResult<()> {
        if st.sub.is_some() {
            return Ok(());
        }
        // NOTE: the inbox prefix is read from the connection's options;
        // the core has no public accessor for it.
        let prefix = format!("{}{}.", js.inner.conn.inner.opts.inbox_prefix, nuid::next());
        let weak: Weak<JsInner> = Arc::downgrade(&js.inner);
        let handler: crate::core::sub::MessageHandler = Arc::new(move |_sub, msg| {
            let (Some(msg), Some(inner)) = (msg, weak.upgrade()) else {
                return;
            };
            let js = JetStream { inner };
            let publisher = js.inner.publisher.clone();
            publisher.on_reply(&js, msg);
        });
        let sub = js.inner.conn.subscribe(&format!("{prefix}*"), handler)?;
        sub.set_pending_limits(-1, -1)?;
        st.prefix = prefix;
        st.sub = Some(sub);
        Ok(())
    }

    fn on_reply(&self, js: &JetStream, msg: Message) {
        let id = {
            let st = self.state.lock();
            msg.subject()
                .strip_prefix(st.prefix.as_str())
                .and_then(|suffix| suffix.parse::<u64>().ok())
        };
        if let Some(id) = id {
            self.complete(js, id, parse_ack(&msg));
        }
    }

    /// Removes a pending publish and runs the handlers for its outcome.
    fn complete(&self, js: &JetStream, id: u64, outcome: Result<PubAck, JsError>) {
        let Some(msg) = self.state.lock().pending.remove(&id) else {
            return;
        };
        match (&self.opts.ack_handler, &self.opts.err_handler, outcome) {
            (Some(ack), _, outcome) => ack(js, msg, outcome),
            (None, Some(err), Err(e)) => err(js, msg, e),
            _ => drop(msg),
        }
        let mut st = self.state.lock();
        st.in_flight = (st.in_flight - 1).max(0);
        drop(st);
        self.changed.notify_all();
    }

    fn start_timer(&self, st: &mut AsyncState, js: &JetStream) -> JsResult<()> {
        if st.timer_started {
            return Ok(());
        }
        let publisher = js.inner.publisher.clone();
        let weak = Arc::downgrade(&js.inner);
        std::thread::Builder::new()
            .name("nats-js-pub-timeout".into())
            .spawn(move || publisher.run_timer(weak))
            .map_err(|e| {
                JsError::new(
                    Status::SysError,
                    format!("cannot start the publish timeout thread: {e}"),
                )
            })?;
        st.timer_started = true;
        Ok(())
    }

    /// Fails publishes whose acknowledgment did not come before their
    /// deadline, until the publisher closes.
    fn run_timer(self: Arc<Self>, weak: Weak<JsInner>) {
        loop {
            let mut st = self.state.lock();
            if st.closed {
                return;
            }
            let now = Instant::now();
            let mut expired = Vec::new();
            while let Some(Reverse((deadline, id))) = st.deadlines.peek().copied() {
                if deadline > now {
                    break;
                }
                st.deadlines.pop();
                if st.pending.contains_key(&id) {
                    expired.push(id);
                }
            }
            if expired.is_empty() {
                let wake_at = st.deadlines.peek().map(|Reverse((d, _))| *d);
                match wake_at {
                    Some(at) => {
                        self.timer_wake.wait_until(&mut st, at);
                    }
                    None => {
                        self.timer_wake.wait_for(&mut st, IDLE_TIMER_SLEEP);
                    }
                }
                continue;
            }
            drop(st);
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let js = JetStream { inner };
            for id in expired {
                let timeout = JsError::new(
                    Status::Timeout,
                    "timed out waiting for the publish acknowledgment",
                );
                self.complete(&js, id, Err(timeout));
            }
        }
    }
}

impl JetStream {
    /// Publishes `data` on `subject` without waiting for the
    /// acknowledgment; see [`JetStream::publish_msg_async`].
    pub fn publish_async(
        &self,
        subject: &str,
        data: &[u8],
        opts: Option<&PubOptions>,
    ) -> JsResult<()> {
        let msg = Message::new(subject, None, data)?;
        self.publish_msg_async(msg, opts).map_err(|(e, _)| e)
    }

    /// Publishes `msg` without waiting for the acknowledgment, which the
    /// handlers receive later with the message. With `max_wait` set in
    /// `opts`, a publish without acknowledgment by then fails with
    /// `Timeout`. When `max_pending` publishes are unacknowledged, the call
    /// waits up to the stall wait for room.
    ///
    /// On failure the message comes back with the error.
    // The error carries the message back, which is over clippy's size
    // limit since messages have JetStream fields.
    #[allow(clippy::result_large_err)]
    pub fn publish_msg_async(
        &self,
        mut msg: Message,
        opts: Option<&PubOptions>,
    ) -> Result<(), (JsError, Message)> {
        if let Some(opts) = opts {
            if let Err(e) = opts.apply(&mut msg) {
                return Err((e, msg));
            }
        }
        let max_wait = opts.map_or(Duration::ZERO, |o| o.max_wait);
        let publisher = &self.inner.publisher;
        let (id, reply) = match self.register(max_wait) {
            Ok(registered) => registered,
            Err(e) => return Err((e, msg)),
        };
        let wire = match wire_message(&mut msg, &reply) {
            Ok(wire) => wire,
            Err(e) => {
                publisher.forget();
                return Err((e, msg));
            }
        };
        {
            let mut st = publisher.state.lock();
            st.pending.insert(id, msg);
            if !max_wait.is_zero() {
                st.deadlines.push(Reverse((Instant::now() + max_wait, id)));
                publisher.timer_wake.notify_all();
            }
        }
        if let Err(e) = self.inner.conn.publish_msg(&wire) {
            // If the acknowledgment was handled meanwhile the message is
            // gone and the publish counts as done.
            let mut st = publisher.state.lock();
            if let Some(msg) = st.pending.remove(&id) {
                st.in_flight = (st.in_flight - 1).max(0);
                drop(st);
                publisher.changed.notify_all();
                return Err((e.into(), msg));
            }
        }
        Ok(())
    }

    /// Counts a new publish, waiting for room under `max_pending`, and
    /// returns its id and reply subject.
    fn register(&self, max_wait: Duration) -> JsResult<(u64, String)> {
        let publisher = &self.inner.publisher;
        let mut st = publisher.state.lock();
        if st.closed {
            return Err(closed_error());
        }
        publisher.ensure_subscribed(&mut st, self)?;
        st.in_flight += 1;
        let id = st.next_id;
        st.next_id += 1;
        let max_pending = publisher.opts.max_pending;
        if max_pending > 0 && st.in_flight > max_pending {
            let deadline = Instant::now() + publisher.opts.stall_wait;
            while st.in_flight > max_pending && !st.closed {
                if publisher.changed.wait_until(&mut st, deadline).timed_out() {
                    break;
                }
            }
            if st.closed {
                return Err(closed_error());
            }
            if st.in_flight > max_pending {
                st.in_flight -= 1;
                return Err(JsError::new(
                    Status::Timeout,
                    "stalled with too many outstanding async published messages",
                ));
            }
        }
        if !max_wait.is_zero() {
            if let Err(e) = publisher.start_timer(&mut st, self) {
                st.in_flight -= 1;
                return Err(e);
            }
        }
        let mut id_text = itoa::Buffer::new();
        let id_text = id_text.format(id);
        let mut reply = String::with_capacity(st.prefix.len() + id_text.len());
        reply.push_str(&st.prefix);
        reply.push_str(id_text);
        Ok((id, reply))
    }

    /// Waits until every asynchronous publish is acknowledged or failed and
    /// its handler has returned. A zero `max_wait` waits without limit;
    /// otherwise the call fails with `Timeout` after `max_wait`.
    pub fn publish_async_complete(&self, max_wait: Duration) -> JsResult<()> {
        let publisher = &self.inner.publisher;
        let deadline = (!max_wait.is_zero()).then(|| Instant::now() + max_wait);
        let mut st = publisher.state.lock();
        while st.in_flight > 0 && !st.closed {
            match deadline {
                Some(d) => {
                    if publisher.changed.wait_until(&mut st, d).timed_out() {
                        break;
                    }
                }
                None => publisher.changed.wait(&mut st),
            }
        }
        if st.closed && st.abandoned > 0 {
            return Err(JsError::new(
                Status::IllegalState,
                format!(
                    "the JetStream context was destroyed with {} asynchronous publishes not acknowledged",
                    st.abandoned
                ),
            ));
        }
        if st.in_flight > 0 && !st.closed {
            return Err(JsError::new(
                Status::Timeout,
                format!(
                    "timed out with {} asynchronous publishes not acknowledged",
                    st.in_flight
                ),
            ));
        }
        Ok(())
    }

    /// Takes back every message still waiting for its acknowledgment, in
    /// publish order; acknowledgments that arrive later are ignored. No
    /// pending message is `NotFound`.
    pub fn publish_async_pending(&self) -> JsResult<Vec<Message>> {
        let publisher = &self.inner.publisher;
        let mut st = publisher.state.lock();
        if st.pending.is_empty() {
            return Err(JsError::new(
                Status::NotFound,
                "no pending asynchronous publish",
            ));
        }
        let mut drained: Vec<(u64, Message)> = st.pending.drain().collect();
        st.in_flight = (st.in_flight - drained.len() as i64).max(0);
        drop(st);
        publisher.changed.notify_all();
        drained.sort_by_key(|(id, _)| *id);
        Ok(drained.into_iter().map(|(_, msg)| msg).collect())
    }
}

impl AsyncPublisher {
    /// Uncounts a registered publish that never went out.
    fn forget(&self) {
        let mut st = self.state.lock();
        st.in_flight = (st.in_flight - 1).max(0);
        drop(st);
        self.changed.notify_all();
    }
}

/// Copies `msg` with `reply` as its reply subject, for sending.
fn wire_message(msg: &mut Message, reply: &str) -> JsResult<Message> {
    let mut wire = Message::new(msg.subject(), Some(reply), msg.data())?;
    if let Some(headers) = msg.headers()? {
        if !headers.is_empty() {
            *wire.headers_mut()? = headers.clone();
        }
    }
    Ok(wire)
}
