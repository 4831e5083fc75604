//! Draining: unsubscribe, let the messages already received be delivered,
//! then close the subscription (or, for a connection, every subscription,
//! then the publishers, then the connection itself).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{ConnInner, ConnStatus, Connection};
use super::status::{Error, Result, Status};
use super::sub::{Closed, DrainState, SubInner, Subscription};

/// Drain timeout of `natsConnection_Drain`: 30 seconds.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Flush timeout used when a subscription drain has no timeout of its own.
const DRAIN_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// Marks a subscription draining and sends its UNSUB; it stays in the
/// connection's map so messages already on the way are still queued.
fn begin(sub: &Arc<SubInner>) -> Result<()> {
    {
        let mut st = sub.state.lock();
        if st.closed != Closed::Open {
            return Err(Error::new(
                Status::InvalidSubscription,
                "subscription is no longer valid",
            ));
        }
        if st.drain.is_some() {
            return Ok(());
        }
        st.drain = Some(DrainState::default());
    }
    let line = format!("UNSUB {}\r\n", sub.sid);
    sub.conn.send_proto_if_connected(line.as_bytes())
}

/// Records that no more messages will arrive, then waits until the queue
/// is empty and no callback is running, or the deadline passes. Closes the
/// subscription either way.
fn finish(sub: &Arc<SubInner>, deadline: Option<Instant>) {
    // NOTE: the outcome is recorded by `SubState::finish_drain` when the
    // subscription closes (or, for asynchronous ones, when its delivery
    // thread has finished), so a timeout is reported through `timed_out`.
    let timed_out = {
        let mut st = sub.state.lock();
        if let Some(d) = st.drain.as_mut() {
            d.flushed = true;
        }
        let mut timed_out = false;
        while st.closed == Closed::Open && (!st.queue_is_empty() || st.in_callback) {
            match deadline {
                Some(d) => {
                    if sub.drain_cond.wait_until(&mut st, d).timed_out() {
                        timed_out = true;
                        break;
                    }
                }
                None => sub.drain_cond.wait(&mut st),
            }
        }
        if timed_out {
            if let Some(d) = st.drain.as_mut() {
                d.timed_out = true;
            }
        }
        timed_out
    };
    let _ = timed_out;
    sub.conn.remove_sub(sub.sid);
    // A JetStream consumer the library created goes before the drain
    // counts as finished, as in cnats.
    if sub.js.is_some() {
        super::js::jssub::delete_consumer_after_drain(sub);
    }
    if !sub.is_async() {
        // Asynchronous subscriptions run this from their delivery thread;
        // a synchronous one runs it here, before the drain counts as done.
        let cb = sub.state.lock().on_complete.take();
        if let Some(cb) = cb {
            cb();
        }
    }
    sub.close(Closed::Drained);
}

impl Subscription {
    /// Starts draining in the background; `timeout` of zero means the
    /// drain itself has no deadline (the UNSUB flush still has one).
    pub fn drain(&self, timeout: Duration) -> Result<()> {
        let sub = self.inner.clone();
        if sub.conn.out.lock().closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        begin(&sub)?;
        let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
        let name = format!("nats-drain-{}", sub.sid);
        super::lifecycle::spawn(name, move || {
                let flush_timeout = deadline.map_or(DRAIN_FLUSH_TIMEOUT, |d| {
                    d.saturating_duration_since(Instant::now())
                });
                if let Err(e) = sub.conn.flush(flush_timeout) {
                    log::debug!("flush of the UNSUB of draining subscription {} failed: {e}", sub.sid);
                }
                finish(&sub, deadline);
            })
    }

    /// Waits up to `timeout` (zero: no limit) for the drain to finish.
    pub fn wait_for_drain(&self, timeout: Duration) -> Result<()> {
        let inner = &self.inner;
        let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
        let mut st = inner.state.lock();
        if st.drain.is_none() {
            return Err(Error::new(Status::IllegalState, "the subscription is not draining"));
        }
        while st.drain.is_some_and(|d| d.done.is_none()) {
            match deadline {
                Some(d) => {
                    if inner.drain_cond.wait_until(&mut st, d).timed_out()
                        && st.drain.is_some_and(|d| d.done.is_none())
                    {
                        return Err(Error::new(Status::Timeout, "timed out waiting for the drain to finish"));
                    }
                }
                None => inner.drain_cond.wait(&mut st),
            }
        }
        Ok(())
    }

    /// Outcome of a finished drain: `Ok` when every pending message was
    /// delivered, `IllegalState` before the drain started or finished.
    pub fn drain_status(&self) -> Status {
        match self.inner.state.lock().drain {
            Some(DrainState { done: Some(s), .. }) => s,
            _ => Status::IllegalState,
        }
    }
}

impl Connection {
    /// Drains every subscription, then stops publishing, flushes and
    /// closes; runs in the background. Publishing fails with `Draining`
    /// once the subscriptions are drained.
    pub fn drain(&self, timeout: Duration) -> Result<()> {
        let inner = self.inner.clone();
        {
            let mut st = inner.state.lock();
            match st.status {
                ConnStatus::Closed => return Err(Error::from_status(Status::ConnectionClosed)),
                ConnStatus::DrainingSubs | ConnStatus::DrainingPubs => {
                    return Err(Error::new(Status::Draining, "the connection is already draining"))
                }
                ConnStatus::Reconnecting | ConnStatus::Connecting | ConnStatus::Disconnected => {
                    return Err(Error::new(
                        Status::IllegalState,
                        "the connection cannot drain while it is not connected",
                    ))
                }
                ConnStatus::Connected => st.status = ConnStatus::DrainingSubs,
            }
        }
        let deadline = Instant::now() + if timeout.is_zero() { DEFAULT_DRAIN_TIMEOUT } else { timeout };
        super::lifecycle::spawn("nats-drain".to_string(), move || drain_connection(&inner, deadline))
    }

    /// Whether a drain of the connection is in progress.
    pub fn is_draining(&self) -> bool {
        matches!(self.status(), ConnStatus::DrainingSubs | ConnStatus::DrainingPubs)
    }
}

fn drain_connection(inner: &Arc<ConnInner>, deadline: Instant) {
    let subs: Vec<Arc<SubInner>> = inner.subs.lock().values().cloned().collect();
    // The reply subscription of requests drains last: deleting the
    // JetStream consumers of drained subscriptions needs requests.
    let resp_sid = inner.resp.sid.load(std::sync::atomic::Ordering::Relaxed);
    let (resp, subs): (Vec<_>, Vec<_>) = subs.into_iter().partition(|s| s.sid == resp_sid);
    let mut draining = Vec::new();
    for sub in subs {
        if begin(&sub).is_ok() {
            draining.push(sub);
        }
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    if let Err(e) = inner.flush(remaining.max(Duration::from_millis(1))) {
        log::debug!("flush while draining the connection failed: {e}");
    }
    for sub in &draining {
        finish(sub, Some(deadline));
    }
    for sub in resp {
        if begin(&sub).is_ok() {
            finish(&sub, Some(deadline));
        }
    }
    let timed_out = Instant::now() >= deadline;
    inner.set_status(ConnStatus::DrainingPubs);
    inner.out.lock().draining_pubs = true;
    let remaining = deadline.saturating_duration_since(Instant::now());
    if !remaining.is_zero() {
        let _ = inner.flush(remaining);
    }
    if timed_out || Instant::now() >= deadline {
        inner.post_error(None, Error::new(Status::Timeout, "drain did not finish before its timeout"));
    }
    inner.close();
}
