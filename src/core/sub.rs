//! Subscriptions: the per-subscription message queue, pending limits,
//! auto-unsubscribe, and the delivery thread of asynchronous subscriptions.

use std::collections::VecDeque;
use std::ffi::CString;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::conn::{ConnInner, Connection};
use super::js::jssub::{self, JsSub};
use super::message::Message;
use super::status::{Error, Result, Status};

/// Callback of an asynchronous subscription. It receives `None` when the
/// subscription has an idle timeout and no message came within it.
pub type MessageHandler = Arc<dyn Fn(&Subscription, Option<Message>) + Send + Sync>;
/// Callback run once a subscription has stopped delivering.
pub type CompleteCallback = Arc<dyn Fn() + Send + Sync>;

/// Snapshot of a subscription's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubStats {
    pub pending_msgs: i64,
    pub pending_bytes: i64,
    pub max_pending_msgs: i64,
    pub max_pending_bytes: i64,
    pub delivered: i64,
    pub dropped: i64,
}

/// Why a subscription stopped.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closed {
    Open,
    Unsubscribed,
    MaxDelivered,
    ConnectionClosed,
    /// Closed at the end of a drain.
    Drained,
}

/// Progress of a subscription drain.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DrainState {
    /// The UNSUB was flushed (or the flush failed): no more messages come.
    pub(crate) flushed: bool,
    /// Outcome once the drain has finished.
    pub(crate) done: Option<Status>,
    /// The drain's deadline passed with messages left.
    pub(crate) timed_out: bool,
}

pub(crate) struct SubState {
    queue: VecDeque<Message>,
    pending_bytes: i64,
    pub(crate) limit_msgs: i64,
    pub(crate) limit_bytes: i64,
    max_pending_msgs: i64,
    max_pending_bytes: i64,
    /// Messages accepted from the socket (queued or dropped).
    received: u64,
    /// Messages handed to the application.
    delivered: u64,
    dropped: i64,
    /// Auto-unsubscribe limit, 0 for none.
    pub(crate) max: u64,
    pub(crate) closed: Closed,
    slow_consumer: bool,
    /// A thread is blocked waiting for a message.
    pub(crate) waiting: bool,
    /// Queued on its shared delivery thread (pool subscriptions only).
    pub(crate) scheduled: bool,
    /// The delivery thread is running the callback.
    pub(crate) in_callback: bool,
    pub(crate) drain: Option<DrainState>,
    pub(crate) on_complete: Option<CompleteCallback>,
}

pub(crate) struct SubInner {
    pub(crate) sid: u64,
    pub(crate) subject: String,
    /// The subject as a C string, made on first use.
    subject_c: std::sync::OnceLock<CString>,
    pub(crate) queue_group: Option<String>,
    pub(crate) conn: Arc<ConnInner>,
    pub(crate) handler: Option<MessageHandler>,
    /// Shared delivery thread, when the subscription does not have its own.
    pub(crate) worker: Option<Arc<super::delivery::Worker>>,
    /// Signalled when a draining subscription's queue or callback state
    /// changes, and when its drain finishes.
    pub(crate) drain_cond: Condvar,
    /// Idle time after which the handler is called without a message.
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) state: Mutex<SubState>,
    pub(crate) cond: Condvar,
    /// JetStream extension slot: set, at creation, only for subscriptions
    /// made by the JetStream subscribe calls. See [`crate::core::js::jssub`].
    pub(crate) js: Option<Arc<JsSub>>,
}

/// A subscription handle; clones share one subscription.
#[derive(Clone)]
pub struct Subscription {
    pub(crate) inner: Arc<SubInner>,
}

/// What the socket reader did with a message offered to a subscription.
pub(crate) enum Offer {
    Queued,
    /// Queued, and a thread is blocked waiting: the caller must call
    /// [`SubInner::wake`] once it has queued the rest of its batch.
    QueuedWake,
    /// Dropped because a pending limit was reached; `first` is true for the
    /// first drop of a slow-consumer episode.
    Dropped { first: bool },
    /// Dropped because the subscription is closed or past its limit.
    Ignored,
}

impl SubState {
    /// Records the outcome of a drain from why the subscription closed.
    pub(crate) fn finish_drain(&mut self) {
        let why = self.closed;
        if let Some(drain) = self.drain.as_mut() {
            if drain.done.is_none() {
                drain.done = Some(match why {
                    Closed::ConnectionClosed => Status::ConnectionClosed,
                    Closed::Drained if drain.timed_out => Status::Timeout,
                    Closed::Drained => Status::Ok,
                    _ => Status::InvalidSubscription,
                });
            }
        }
    }

    /// Messages handed to the application so far.
    pub(crate) fn delivered(&self) -> u64 {
        self.delivered
    }

    pub(crate) fn queue_is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Messages queued and not yet delivered.
    pub(crate) fn queued(&self) -> u64 {
        self.queue.len() as u64
    }

    /// Messages queued so far: received minus dropped.
    pub(crate) fn accepted(&self) -> u64 {
        self.received.saturating_sub(self.dropped.max(0) as u64)
    }
}

impl SubInner {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        sid: u64,
        subject: &str,
        queue_group: Option<&str>,
        conn: Arc<ConnInner>,
        handler: Option<MessageHandler>,
        worker: Option<Arc<super::delivery::Worker>>,
        idle_timeout: Option<Duration>,
        limit_msgs: i64,
        limit_bytes: i64,
        js: Option<Arc<JsSub>>,
    ) -> Result<Arc<SubInner>> {
        if memchr::memchr(0, subject.as_bytes()).is_some() {
            return Err(Error::new(Status::InvalidSubject, "subject contains a NUL byte"));
        }
        Ok(Arc::new(SubInner {
            sid,
            subject: subject.to_string(),
            subject_c: std::sync::OnceLock::new(),
            queue_group: queue_group.map(str::to_string),
            conn,
            handler,
            worker,
            drain_cond: Condvar::new(),
            idle_timeout,
            state: Mutex::new(SubState {
                queue: VecDeque::new(),
                pending_bytes: 0,
                limit_msgs,
                limit_bytes,
                max_pending_msgs: 0,
                max_pending_bytes: 0,
                received: 0,
                delivered: 0,
                dropped: 0,
                max: 0,
                closed: Closed::Open,
                slow_consumer: false,
                waiting: false,
                scheduled: false,
                in_callback: false,
                drain: None,
                on_complete: None,
            }),
            cond: Condvar::new(),
            js,
        }))
    }

    /// Queues a message from the socket reader, applying the limits.
    pub(crate) fn offer(&self, msg: Message) -> Offer {
        let msg = match &self.js {
            None => msg,
            Some(js) => match jssub::on_incoming(self, js, msg) {
                Some(msg) => msg,
                None => return Offer::Ignored,
            },
        };
        let mut st = self.state.lock();
        if st.closed != Closed::Open || st.drain.is_some_and(|d| d.flushed) {
            return Offer::Ignored;
        }
        st.received += 1;
        // Past an auto-unsubscribe limit, queue only what can still be
        // delivered.
        if st.max > 0 && st.delivered + st.queue.len() as u64 >= st.max {
            return Offer::Ignored;
        }
        let size = msg.size() as i64;
        let over_msgs = st.limit_msgs > 0 && st.queue.len() as i64 >= st.limit_msgs;
        let over_bytes = st.limit_bytes > 0 && st.pending_bytes + size > st.limit_bytes;
        if over_msgs || over_bytes {
            st.dropped += 1;
            let first = !st.slow_consumer;
            st.slow_consumer = true;
            return Offer::Dropped { first };
        }
        st.slow_consumer = false;
        st.queue.push_back(msg);
        st.pending_bytes += size;
        let n = st.queue.len() as i64;
        if n > st.max_pending_msgs {
            st.max_pending_msgs = n;
        }
        if st.pending_bytes > st.max_pending_bytes {
            st.max_pending_bytes = st.pending_bytes;
        }
        if self.worker.is_some() {
            if !st.scheduled {
                st.scheduled = true;
                return Offer::QueuedWake;
            }
        } else if st.waiting {
            st.waiting = false;
            return Offer::QueuedWake;
        }
        Offer::Queued
    }

    /// Wakes the thread that delivers this subscription's messages. Called
    /// outside the lock after a batch of offers, so a burst of messages
    /// costs one wake-up.
    pub(crate) fn wake(self: &Arc<Self>) {
        match &self.worker {
            Some(worker) => worker.schedule(self.clone()),
            None => {
                self.cond.notify_one();
            }
        }
    }

    /// Marks the subscription closed and wakes any waiter.
    pub(crate) fn close(self: &Arc<Self>, why: Closed) {
        let mut st = self.state.lock();
        if st.closed == Closed::Open {
            st.closed = why;
        }
        st.waiting = false;
        // An asynchronous subscription's drain finishes on its delivery
        // thread, once the running callback and the completion callback
        // have returned.
        if self.handler.is_none() {
            st.finish_drain();
        }
        self.cond.notify_all();
        self.drain_cond.notify_all();
        // A pool subscription needs one more turn on its delivery thread to
        // run its completion callback.
        let schedule = self.worker.is_some() && !st.scheduled;
        if schedule {
            st.scheduled = true;
        }
        drop(st);
        if schedule {
            if let Some(worker) = &self.worker {
                worker.schedule(self.clone());
            }
        }
    }

    /// Whether the subscription delivers through a callback.
    pub(crate) fn is_async(&self) -> bool {
        self.handler.is_some()
    }

    pub(crate) fn take(&self, st: &mut SubState) -> Option<Message> {
        let mut msg = st.queue.pop_front()?;
        st.pending_bytes -= msg.size() as i64;
        st.delivered += 1;
        if let Some(js) = &self.js {
            jssub::on_taken(js, st.delivered, &mut msg);
        }
        Some(msg)
    }
}

impl Subscription {
    pub(crate) fn from_inner(inner: Arc<SubInner>) -> Subscription {
        Subscription { inner }
    }

    /// Waits up to `timeout` for the next message of a synchronous subscription.
    pub fn next_msg(&self, timeout: Duration) -> Result<Message> {
        let inner = &self.inner;
        let pull = inner.js.as_ref().is_some_and(|js| js.pull.is_some());
        if pull
            && inner.handler.is_none()
            && inner.state.lock().closed == Closed::Open
            && !inner.conn.out.lock().closed
        {
            return Err(Error::new(
                Status::InvalidSubscription,
                "not applicable to JetStream pull subscriptions",
            ));
        }
        self.next_msg_internal(timeout)
    }

    /// Like [`Subscription::next_msg`], for the library's own readers of a
    /// subscription (pull fetches).
    pub(crate) fn next_msg_internal(&self, timeout: Duration) -> Result<Message> {
        let inner = &self.inner;
        if inner.handler.is_some() {
            return Err(Error::new(
                Status::IllegalState,
                "NextMsg cannot be used on an asynchronous subscription",
            ));
        }
        let deadline = Instant::now().checked_add(timeout);
        let mut st = inner.state.lock();
        let mut waited = false;
        loop {
            // A closed connection is reported first, as cnats does, even for
            // a subscription a drain closed before.
            if st.closed != Closed::Open && inner.conn.out.lock().closed {
                return Err(Error::from_status(Status::ConnectionClosed));
            }
            match st.closed {
                Closed::Open => {}
                Closed::ConnectionClosed => return Err(Error::from_status(Status::ConnectionClosed)),
                Closed::MaxDelivered => return Err(Error::from_status(Status::MaxDeliveredMsgs)),
                // A call that was waiting when a drain emptied the
                // subscription times out, as in cnats; a later call finds
                // the subscription invalid.
                Closed::Drained if waited => return Err(Error::from_status(Status::Timeout)),
                Closed::Unsubscribed | Closed::Drained => {
                    return Err(Error::from_status(Status::InvalidSubscription))
                }
            }
            if st.slow_consumer {
                st.slow_consumer = false;
                return Err(Error::from_status(Status::SlowConsumer));
            }
            if let Some(js) = &inner.js {
                jssub::check_next_msg(js)?;
            }
            if let Some(msg) = inner.take(&mut st) {
                if st.drain.is_some() {
                    inner.drain_cond.notify_all();
                }
                if let Some(js) = &inner.js {
                    drop(st);
                    jssub::after_delivery(inner, js);
                    st = inner.state.lock();
                }
                if msg.is_no_responders() {
                    return Err(Error::from_status(Status::NoResponders));
                }
                if st.max > 0 && st.delivered >= st.max {
                    st.closed = Closed::MaxDelivered;
                    drop(st);
                    inner.conn.remove_sub(inner.sid);
                }
                return Ok(msg);
            }
            st.waiting = true;
            waited = true;
            let timed_out = match deadline {
                Some(d) => inner.cond.wait_until(&mut st, d).timed_out(),
                None => {
                    inner.cond.wait(&mut st);
                    false
                }
            };
            if timed_out && st.queue.is_empty() && st.closed == Closed::Open {
                st.waiting = false;
                return Err(Error::from_status(Status::Timeout));
            }
        }
    }

    /// Removes interest in the subject; the server stops sending messages.
    /// A JetStream subscription whose consumer the library created also
    /// deletes that consumer.
    pub fn unsubscribe(&self) -> Result<()> {
        self.inner.conn.unsubscribe(&self.inner, 0)?;
        match &self.inner.js {
            Some(js) => jssub::delete_consumer_if_owned(js),
            None => Ok(()),
        }
    }

    /// Unsubscribes when the application destroys the subscription: a
    /// JetStream consumer is kept, even one the library created.
    pub fn unsubscribe_on_destroy(&self) -> Result<()> {
        if let Some(js) = &self.inner.js {
            js.keep_consumer();
        }
        self.inner.conn.unsubscribe(&self.inner, 0)
    }

    /// JetStream state of the subscription, `None` for a plain one.
    pub fn js_sub(&self) -> Option<&Arc<JsSub>> {
        self.inner.js.as_ref()
    }

    /// Unsubscribes automatically after `max` messages in total have been
    /// delivered.
    pub fn auto_unsubscribe(&self, max: i32) -> Result<()> {
        if max <= 0 {
            return self.unsubscribe();
        }
        self.inner.conn.unsubscribe(&self.inner, max as u64)
    }

    /// Subscription id, as sent in the SUB protocol line.
    pub fn id(&self) -> u64 {
        self.inner.sid
    }

    /// Subject the subscription was created with.
    pub fn subject(&self) -> &str {
        &self.inner.subject
    }

    /// Subject as a NUL-terminated string.
    pub fn subject_c(&self) -> &std::ffi::CStr {
        self.inner
            .subject_c
            .get_or_init(|| CString::new(self.inner.subject.as_str()).unwrap_or_default())
    }

    /// Queue group, if any.
    pub fn queue_group(&self) -> Option<&str> {
        self.inner.queue_group.as_deref()
    }

    /// Returns whether a drain closed the subscription.
    pub(crate) fn was_drained(&self) -> bool {
        self.inner.state.lock().closed == Closed::Drained
    }

    /// Whether the subscription still receives messages.
    pub fn is_valid(&self) -> bool {
        self.inner.state.lock().closed == Closed::Open
    }

    /// Whether the subscription delivers through a callback.
    pub fn is_async(&self) -> bool {
        self.inner.handler.is_some()
    }

    /// Connection the subscription belongs to.
    pub fn connection(&self) -> Connection {
        Connection::from_inner(self.inner.conn.clone())
    }

    fn check_open(&self) -> Result<parking_lot::MutexGuard<'_, SubState>> {
        let st = self.inner.state.lock();
        if st.closed != Closed::Open {
            return Err(Error::from_status(Status::InvalidSubscription));
        }
        Ok(st)
    }

    /// Number of messages waiting in the queue.
    pub fn queued_msgs(&self) -> Result<u64> {
        Ok(self.check_open()?.queue.len() as u64)
    }

    /// Sets the pending limits. A negative value means no limit; zero is invalid.
    pub fn set_pending_limits(&self, msgs: i64, bytes: i64) -> Result<()> {
        if msgs == 0 || bytes == 0 {
            return Err(Error::new(
                Status::InvalidArg,
                "pending limits cannot be zero, use a negative value for no limit",
            ));
        }
        let mut st = self.check_open()?;
        st.limit_msgs = msgs;
        st.limit_bytes = bytes;
        Ok(())
    }

    /// Pending limits (messages, bytes).
    pub fn pending_limits(&self) -> Result<(i64, i64)> {
        let st = self.check_open()?;
        Ok((st.limit_msgs, st.limit_bytes))
    }

    /// Counters of the subscription.
    pub fn stats(&self) -> Result<SubStats> {
        let st = self.check_open()?;
        Ok(SubStats {
            pending_msgs: st.queue.len() as i64,
            pending_bytes: st.pending_bytes,
            max_pending_msgs: st.max_pending_msgs,
            max_pending_bytes: st.max_pending_bytes,
            delivered: st.delivered as i64,
            dropped: st.dropped,
        })
    }

    /// Resets the high-water marks of pending messages and bytes.
    pub fn clear_max_pending(&self) -> Result<()> {
        let mut st = self.check_open()?;
        st.max_pending_msgs = 0;
        st.max_pending_bytes = 0;
        Ok(())
    }

    /// Sets a callback run once the subscription has stopped delivering.
    pub fn set_on_complete(&self, cb: Option<CompleteCallback>) -> Result<()> {
        let mut st = self.check_open()?;
        st.on_complete = cb;
        Ok(())
    }

    /// Identity of the shared subscription, stable while any handle lives.
    pub fn as_ptr(&self) -> *const () {
        Arc::as_ptr(&self.inner) as *const ()
    }

    /// Leaks one reference for a foreign owner; see [`Subscription::from_raw`].
    pub fn into_raw(self) -> *const () {
        Arc::into_raw(self.inner) as *const ()
    }

    /// Takes back a reference leaked by [`Subscription::into_raw`].
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` and be used once.
    pub unsafe fn from_raw(ptr: *const ()) -> Subscription {
        Subscription {
            inner: Arc::from_raw(ptr as *const SubInner),
        }
    }

    /// Borrows a reference leaked by [`Subscription::into_raw`] without
    /// taking ownership.
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` and still be owned by the caller.
    pub unsafe fn clone_from_raw(ptr: *const ()) -> Subscription {
        let inner = ptr as *const SubInner;
        Arc::increment_strong_count(inner);
        Subscription {
            inner: Arc::from_raw(inner),
        }
    }
}

impl Subscription {
    /// Identity of the connection this subscription belongs to.
    pub fn connection_ptr(&self) -> *const () {
        Arc::as_ptr(&self.inner.conn) as *const ()
    }
}
