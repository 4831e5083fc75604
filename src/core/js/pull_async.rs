//! Asynchronous pull subscriptions (`js_PullSubscribeAsync`): the library
//! sends the pull requests itself and hands the messages to a callback.
//!
//! Everything runs on the subscription's delivery thread: the wrapper
//! installed as the subscription's handler sorts each message, calls the
//! application's handler for stream messages, and sends the next request
//! when the previous one is used up (or `keep_ahead` messages before). The
//! subscription's idle timeout serves as the timer for the overall
//! `timeout` and for missed heartbeats, so no extra thread is needed.
//!
//! The subscription ends, and is unsubscribed, when `max_messages` were
//! delivered, `timeout` passed, the server ended a request with a status
//! (404, 408, 409, ...), a heartbeat was missed, or a request could not be
//! sent. The completion handler then runs with that status, or `Ok` when
//! the application unsubscribed, or `ConnectionClosed`.
//!
//! NOTE: a request the server loses (it restarted while the request was
//! pending) is not sent again, as in cnats 3.13. With a heartbeat the
//! subscription then ends with `MissedHeartbeat`; without one it waits
//! for its timeout, or indefinitely when it has none.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::pull::{classify, FetchRequest, Fetched, PullState, DEFAULT_ASYNC_FETCH_SIZE, PIN_ID_HEADER};
use crate::core::status::{Error, Result, Status};
use crate::core::sub::{Closed, MessageHandler};
use crate::core::{Message, Subscription};

/// Runs once when an asynchronous pull subscription has stopped, with the
/// status that ended it.
pub type FetchCompleteHandler = Arc<dyn Fn(&Subscription, Status) + Send + Sync>;

/// Decides the next pull request: returns the number of messages and the
/// maximum bytes (0 for no limit) to ask for, or `None` to send nothing
/// now.
pub type FetchNextHandler = Arc<dyn Fn(&Subscription) -> Option<(i32, i64)> + Send + Sync>;

/// Options of an asynchronous pull subscription.
#[derive(Clone, Default)]
pub struct AsyncPullOptions {
    /// End the subscription this long after it started; zero for never.
    pub timeout: Duration,
    /// End the subscription after this many messages; 0 for no limit.
    pub max_messages: i32,
    /// End the subscription after this many bytes; 0 for no limit.
    pub max_bytes: i64,
    /// Ask the server not to wait for messages it does not have yet.
    pub no_wait: bool,
    /// Idle heartbeat interval asked of the server; zero for none. Two
    /// intervals without anything from the server end the subscription.
    pub heartbeat: Duration,
    /// Priority group of the requests.
    pub group: Option<String>,
    /// Priority groups: minimum pending messages of the consumer.
    pub min_pending: i64,
    /// Priority groups: minimum messages waiting for acknowledgment.
    pub min_ack_pending: i64,
    /// Messages per request; 0 means 128, the default of cnats 3.13.
    pub fetch_size: i32,
    /// Send the next request when this many requested messages are still
    /// to come, instead of waiting for the current request to be used up.
    pub keep_ahead: i32,
    /// Replaces the built-in choice of the next request.
    pub next: Option<FetchNextHandler>,
    /// Runs once the subscription has stopped.
    pub complete: Option<FetchCompleteHandler>,
}

impl AsyncPullOptions {
    /// Checks the options as `js_PullSubscribeAsync` does. `priority_groups`
    /// are the groups of the consumer configuration the call passes.
    pub fn check(&self, priority_groups: &[String]) -> Result<()> {
        if self.keep_ahead <= 0 {
            return Ok(());
        }
        if self.max_bytes > 0 {
            return Err(Error::new(Status::InvalidArg, "Can not use MaxBytes and KeepAhead together"));
        }
        if self.no_wait {
            return Err(Error::new(Status::InvalidArg, "Can not use NoWait with KeepAhead together"));
        }
        let group = self.group.as_deref().filter(|g| !g.is_empty());
        if !priority_groups.is_empty() {
            let Some(group) = group else {
                return Err(Error::new(Status::InvalidArg, "Group is required for a priority group consumer"));
            };
            if !priority_groups.iter().any(|g| g == group) {
                return Err(Error::new(Status::InvalidArg, "Group is not part of the priority group consumer"));
            }
        } else if group.is_some() {
            return Err(Error::new(
                Status::InvalidArg,
                "Group is not supported for a non-priority group consumer",
            ));
        }
        Ok(())
    }

    /// Idle timeout of the subscription, which checks `timeout` and the
    /// heartbeats: a quarter of the shorter one, within 5 to 100 ms.
    pub fn tick(&self) -> Option<Duration> {
        let shortest = [self.timeout, self.heartbeat]
            .into_iter()
            .filter(|d| !d.is_zero())
            .min()?;
        Some((shortest / 4).clamp(Duration::from_millis(5), Duration::from_millis(100)))
    }
}

/// Counters of an asynchronous pull subscription.
struct Progress {
    /// Messages asked for by all requests so far.
    requested: i64,
    delivered: i64,
    delivered_bytes: i64,
    /// When something last came from the server or a request was sent.
    last_activity: Instant,
    /// Pin id the server assigned, sent with the next requests.
    pin_id: Option<String>,
    /// Status that ended the subscription, once it ended.
    ended: Option<Status>,
}

/// Effect of a handled message on the subscription.
enum Next {
    Continue,
    End(Status),
}

/// State shared by the handler wrapper and the subscribe call.
pub struct AsyncPull {
    opts: AsyncPullOptions,
    start: Instant,
    user: MessageHandler,
    /// Set once the subscription and its consumer exist.
    pull: OnceLock<Arc<PullState>>,
    progress: Mutex<Progress>,
}

impl AsyncPull {
    /// Creates the state for a subscription that delivers to `user`.
    pub fn new(mut opts: AsyncPullOptions, user: MessageHandler) -> Arc<AsyncPull> {
        if opts.fetch_size <= 0 {
            opts.fetch_size = DEFAULT_ASYNC_FETCH_SIZE;
        }
        let now = Instant::now();
        Arc::new(AsyncPull {
            opts,
            start: now,
            user,
            pull: OnceLock::new(),
            progress: Mutex::new(Progress {
                requested: 0,
                delivered: 0,
                delivered_bytes: 0,
                last_activity: now,
                pin_id: None,
                ended: None,
            }),
        })
    }

    /// Returns the handler to install on the inbox subscription.
    pub fn handler(self: &Arc<Self>) -> MessageHandler {
        let this = self.clone();
        Arc::new(move |sub: &Subscription, msg: Option<Message>| this.on_message(sub, msg))
    }

    /// Idle timeout the subscription needs for its timers, if any.
    pub fn tick(&self) -> Option<Duration> {
        self.opts.tick()
    }

    /// Sends the first request of the subscription `sub`, which
    /// [`JetStream::pull_subscribe`](super::JetStream::pull_subscribe)
    /// created with this state.
    pub fn start(&self, sub: &Subscription) -> Result<()> {
        let pull = sub
            .js_sub()
            .and_then(|js| js.pull.clone())
            .ok_or_else(|| Error::new(Status::InvalidSubscription, "not a JetStream pull subscription"))?;
        let _ = self.pull.set(pull);
        self.progress.lock().last_activity = Instant::now();
        self.fetch_more(sub)
    }

    /// Status the completion handler receives: what ended the
    /// subscription, else `ConnectionClosed` when the connection closed,
    /// else `Ok`.
    pub fn final_status(&self, connection_closed: bool) -> Status {
        match self.progress.lock().ended {
            Some(status) => status,
            None if connection_closed => Status::ConnectionClosed,
            None => Status::Ok,
        }
    }

    /// Runs the completion handler, if any.
    pub fn complete(&self, sub: &Subscription, connection_closed: bool) {
        if let Some(cb) = &self.opts.complete {
            cb(sub, self.final_status(connection_closed));
        }
    }

    fn end(&self, sub: &Subscription, status: Status) {
        {
            let mut progress = self.progress.lock();
            if progress.ended.is_some() {
                return;
            }
            progress.ended = Some(status);
        }
        // Unsubscribing also deletes a consumer the library created.
        if let Err(e) = sub.unsubscribe() {
            log::debug!("ending asynchronous pull subscription {} failed: {e}", sub.id());
        }
    }

    /// Returns whether the subscription's `timeout` has passed.
    fn timed_out(&self) -> bool {
        !self.opts.timeout.is_zero() && self.start.elapsed() >= self.opts.timeout
    }

    /// Returns whether the server was silent for two heartbeat intervals.
    fn missed_heartbeat(&self) -> bool {
        if self.opts.heartbeat.is_zero() {
            return false;
        }
        let last = self.progress.lock().last_activity;
        last.elapsed() >= self.opts.heartbeat * 2
    }

    fn on_message(&self, sub: &Subscription, msg: Option<Message>) {
        let Some(pull) = self.pull.get() else {
            return;
        };
        if self.progress.lock().ended.is_some() {
            return;
        }
        let Some(msg) = msg else {
            // An idle tick: nothing is queued.
            if self.timed_out() {
                self.end(sub, Status::Timeout);
            } else if self.missed_heartbeat() {
                self.end(sub, Status::MissedHeartbeat);
            }
            return;
        };
        self.progress.lock().last_activity = Instant::now();
        let fetch_id = pull.last_id();
        let next = match classify(msg, &pull.reply_prefix, fetch_id) {
            Fetched::Ignored => Next::Continue,
            Fetched::End(e) => Next::End(e.status),
            Fetched::User(msg) => self.deliver(sub, msg),
        };
        // A draining subscription only delivers what it already received,
        // and one the callback unsubscribed needs nothing more.
        let (stopping, queue_empty) = {
            let st = sub.inner.state.lock();
            (st.drain.is_some() || st.closed != Closed::Open, st.queue_is_empty())
        };
        match next {
            Next::End(status) => self.end(sub, status),
            Next::Continue if stopping => {}
            // Past the timeout, the messages already received are still
            // delivered, then the subscription ends.
            Next::Continue if self.timed_out() => {
                if queue_empty {
                    self.end(sub, Status::Timeout);
                }
            }
            Next::Continue => {
                if let Err(e) = self.fetch_more(sub) {
                    log::debug!("pull request of subscription {} failed: {e}", sub.id());
                    self.end(sub, e.status);
                }
            }
        }
    }

    /// Hands a stream message to the application unless a limit was
    /// already reached.
    fn deliver(&self, sub: &Subscription, mut msg: Message) -> Next {
        let pin = msg
            .headers()
            .ok()
            .flatten()
            .and_then(|h| h.get(PIN_ID_HEADER).map(str::to_string))
            .filter(|p| !p.is_empty());
        let size = msg.size() as i64;
        let last = {
            let mut progress = self.progress.lock();
            if pin.is_some() {
                progress.pin_id = pin;
            }
            if self.opts.max_bytes > 0 && progress.delivered_bytes >= self.opts.max_bytes {
                return Next::End(Status::LimitReached);
            }
            if self.opts.max_messages > 0 && progress.delivered >= i64::from(self.opts.max_messages) {
                return Next::End(Status::MaxDeliveredMsgs);
            }
            progress.delivered += 1;
            progress.delivered_bytes += size;
            self.opts.max_messages > 0 && progress.delivered == i64::from(self.opts.max_messages)
        };
        (self.user)(sub, Some(msg));
        if last {
            return Next::End(Status::MaxDeliveredMsgs);
        }
        Next::Continue
    }

    /// Chooses the next request when the application set no next handler:
    /// `fetch_size` messages (fewer near `max_messages`) once no more than
    /// `keep_ahead` requested messages are still to come.
    fn auto_next(&self) -> Option<(i32, i64)> {
        let progress = self.progress.lock();
        let ahead = progress.requested - progress.delivered;
        if ahead > i64::from(self.opts.keep_ahead) {
            return None;
        }
        let mut want = i64::from(self.opts.fetch_size);
        if self.opts.max_messages > 0 {
            let unrequested = i64::from(self.opts.max_messages) - progress.requested;
            if unrequested <= 0 {
                return None;
            }
            want = want.min(unrequested);
        }
        let mut max_bytes = 0;
        if self.opts.max_bytes > 0 {
            max_bytes = self.opts.max_bytes - progress.delivered_bytes;
            if max_bytes <= 0 {
                return None;
            }
        }
        (want > 0).then_some((want as i32, max_bytes))
    }

    /// Sends the next request if the next-request handler returns one.
    fn fetch_more(&self, sub: &Subscription) -> Result<()> {
        let Some(pull) = self.pull.get() else {
            return Ok(());
        };
        let choice = match &self.opts.next {
            Some(next) => next(sub),
            None => self.auto_next(),
        };
        let Some((batch, max_bytes)) = choice else {
            return Ok(());
        };
        let expires = if self.opts.timeout.is_zero() {
            0
        } else {
            let left = self.opts.timeout.saturating_sub(self.start.elapsed());
            if left.is_zero() {
                // A request without expiration would outlive the timeout.
                return Ok(());
            }
            i64::try_from(left.as_nanos()).unwrap_or(i64::MAX)
        };
        let req = FetchRequest {
            expires,
            batch,
            max_bytes,
            no_wait: self.opts.no_wait,
            heartbeat: i64::try_from(self.opts.heartbeat.as_nanos()).unwrap_or(i64::MAX),
            min_pending: self.opts.min_pending,
            min_ack_pending: self.opts.min_ack_pending,
            id: self.progress.lock().pin_id.clone(),
            group: self.opts.group.clone(),
            priority: 0,
        };
        let (_, reply) = pull.next_request();
        pull.send(&sub.connection(), &reply, &req)?;
        let mut progress = self.progress.lock();
        progress.requested += i64::from(batch);
        progress.last_activity = Instant::now();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_keep_ahead_combinations() {
        let base = AsyncPullOptions {
            keep_ahead: 2,
            ..AsyncPullOptions::default()
        };
        assert!(base.check(&[]).is_ok());
        let bytes = AsyncPullOptions { max_bytes: 10, ..base.clone() };
        assert_eq!(bytes.check(&[]).unwrap_err().status, Status::InvalidArg);
        let no_wait = AsyncPullOptions { no_wait: true, ..base.clone() };
        assert_eq!(no_wait.check(&[]).unwrap_err().status, Status::InvalidArg);
        let groups = ["A".to_string()];
        assert!(base.check(&groups).is_err());
        let other = AsyncPullOptions { group: Some("B".into()), ..base.clone() };
        assert!(other.check(&groups).is_err());
        assert!(other.check(&[]).is_err());
        let good = AsyncPullOptions { group: Some("A".into()), ..base };
        assert!(good.check(&groups).is_ok());
    }

    #[test]
    fn tick_follows_the_shorter_timer() {
        let none = AsyncPullOptions::default();
        assert_eq!(none.tick(), None);
        let hb = AsyncPullOptions {
            heartbeat: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
            ..AsyncPullOptions::default()
        };
        assert_eq!(hb.tick(), Some(Duration::from_millis(50)));
        let long = AsyncPullOptions {
            timeout: Duration::from_secs(60),
            ..AsyncPullOptions::default()
        };
        assert_eq!(long.tick(), Some(Duration::from_millis(100)));
    }
}
