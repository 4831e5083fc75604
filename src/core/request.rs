//! Request/reply over one wildcard inbox subscription per connection.
//!
//! The first request subscribes to `<inbox prefix><nuid>.*`; each request
//! gets a token appended to that prefix as its reply subject. The socket
//! reader hands a reply straight to the waiting thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::conn::ConnInner;
use super::message::Message;
use super::poll::Pollers;
use super::status::{Error, Result, Status};

/// Where a reply lands for the requesting thread.
struct ReplySlot {
    reply: Mutex<Option<Result<Message>>>,
    cond: Condvar,
}

struct MuxState {
    /// Reply subject prefix, `<inbox prefix><nuid>.`; empty until first use.
    prefix: String,
    waiting: HashMap<u64, Arc<ReplySlot>>,
    closed: bool,
}

pub(crate) struct RespMux {
    inbox_prefix: String,
    /// Subscription id of the wildcard inbox subscription, 0 before the
    /// first request.
    pub(crate) sid: AtomicU64,
    next_token: AtomicU64,
    state: Mutex<MuxState>,
}

impl RespMux {
    pub(crate) fn new(inbox_prefix: &str) -> RespMux {
        RespMux {
            inbox_prefix: inbox_prefix.to_string(),
            sid: AtomicU64::new(0),
            next_token: AtomicU64::new(1),
            state: Mutex::new(MuxState {
                prefix: String::new(),
                waiting: HashMap::new(),
                closed: false,
            }),
        }
    }

    /// Hands a message that arrived on the inbox subscription to its waiter.
    pub(crate) fn deliver(&self, msg: Message) {
        let subject = msg.subject();
        let mut st = self.state.lock();
        let Some(token) = subject
            .strip_prefix(st.prefix.as_str())
            .and_then(|t| t.parse::<u64>().ok())
        else {
            return;
        };
        if let Some(slot) = st.waiting.remove(&token) {
            drop(st);
            let mut reply = slot.reply.lock();
            *reply = Some(Ok(msg));
            slot.cond.notify_one();
        }
    }

    /// Fails every waiting request; called when the connection closes.
    pub(crate) fn close(&self) {
        self.state.lock().closed = true;
        self.fail_all(Status::ConnectionClosed);
    }

    /// Fails every waiting request with `status`.
    pub(crate) fn fail_all(&self, status: Status) {
        let slots: Vec<Arc<ReplySlot>> = self.state.lock().waiting.drain().map(|(_, s)| s).collect();
        for slot in slots {
            *slot.reply.lock() = Some(Err(Error::from_status(status)));
            slot.cond.notify_one();
        }
    }
}

fn ensure_subscribed(conn: &Arc<ConnInner>) -> Result<String> {
    let mux = &conn.resp;
    {
        let st = mux.state.lock();
        if st.closed {
            return Err(Error::from_status(Status::ConnectionClosed));
        }
        if mux.sid.load(Ordering::Acquire) != 0 {
            return Ok(st.prefix.clone());
        }
    }
    // Subscribe outside the mux lock; a second thread racing here creates a
    // spare subscription that it unsubscribes again.
    let prefix = format!("{}{}.", mux.inbox_prefix, nuid::next());
    let sub = conn.subscribe(&format!("{prefix}*"), None, None, None)?;
    let mut st = mux.state.lock();
    if mux.sid.load(Ordering::Acquire) != 0 {
        let existing = st.prefix.clone();
        drop(st);
        let _ = sub.unsubscribe();
        return Ok(existing);
    }
    st.prefix = prefix.clone();
    mux.sid.store(sub.id(), Ordering::Release);
    Ok(prefix)
}

/// Publishes a request and waits up to `timeout` for its reply.
pub(crate) fn request(
    conn: &Arc<ConnInner>,
    subject: &str,
    headers: Option<&[u8]>,
    data: &[u8],
    timeout: Duration,
) -> Result<Message> {
    super::conn::check_publish_subject(subject)?;
    if conn.opts.use_old_request_style {
        return old_style_request(conn, subject, headers, data, timeout);
    }
    let prefix = ensure_subscribed(conn)?;
    let mux = &conn.resp;
    let token = mux.next_token.fetch_add(1, Ordering::Relaxed);
    let slot = Arc::new(ReplySlot {
        reply: Mutex::new(None),
        cond: Condvar::new(),
    });
    mux.state.lock().waiting.insert(token, slot.clone());
    let mut itoa_buf = itoa::Buffer::new();
    let mut reply_subject = String::with_capacity(prefix.len() + 20);
    reply_subject.push_str(&prefix);
    reply_subject.push_str(itoa_buf.format(token));
    if let Err(e) = conn.publish_raw(subject, Some(&reply_subject), headers, data, true) {
        mux.state.lock().waiting.remove(&token);
        return Err(e);
    }
    let deadline = Instant::now().checked_add(timeout);
    if let Some(result) = poll_for_reply(&slot, timeout) {
        let msg = result?;
        if msg.is_no_responders() {
            return Err(Error::from_status(Status::NoResponders));
        }
        return Ok(msg);
    }
    let mut reply = slot.reply.lock();
    loop {
        if let Some(result) = reply.take() {
            let msg = result?;
            if msg.is_no_responders() {
                return Err(Error::from_status(Status::NoResponders));
            }
            return Ok(msg);
        }
        let timed_out = match deadline {
            Some(d) => slot.cond.wait_until(&mut reply, d).timed_out(),
            None => {
                slot.cond.wait(&mut reply);
                false
            }
        };
        if timed_out && reply.is_none() {
            drop(reply);
            mux.state.lock().waiting.remove(&token);
            // The reply may have landed between the timeout and the removal.
            if let Some(result) = slot.reply.lock().take() {
                let msg = result?;
                if msg.is_no_responders() {
                    return Err(Error::from_status(Status::NoResponders));
                }
                return Ok(msg);
            }
            return Err(Error::new(Status::Timeout, "timed out waiting for the reply"));
        }
    }
}

/// How long a requesting thread polls for its reply before it sleeps on
/// the condition variable. A reply from a nearby responder often lands
/// within this window, so the thread skips the sleep and the wake-up.
const REPLY_POLL: Duration = Duration::from_micros(200);

/// Requesting threads that may poll at once; the others sleep at once.
static REPLY_POLLERS: Pollers = Pollers::new(1);

/// Polls for a reply for up to [`REPLY_POLL`], and never longer than the
/// request's `timeout`, so a zero timeout fails at once as in cnats.
fn poll_for_reply(slot: &ReplySlot, timeout: Duration) -> Option<Result<Message>> {
    REPLY_POLLERS.poll(REPLY_POLL.min(timeout), || slot.reply.try_lock().and_then(|mut reply| reply.take()))
}

/// Sends a request through an inbox subscription of its own, removed
/// after the reply or the timeout.
fn old_style_request(
    conn: &Arc<ConnInner>,
    subject: &str,
    headers: Option<&[u8]>,
    data: &[u8],
    timeout: Duration,
) -> Result<Message> {
    let inbox = super::new_inbox(&conn.opts.inbox_prefix);
    let sub = conn.subscribe(&inbox, None, None, None)?;
    let result = sub
        .auto_unsubscribe(1)
        .and_then(|()| conn.publish_raw(subject, Some(&inbox), headers, data, true))
        .and_then(|()| sub.next_msg(timeout));
    if sub.is_valid() {
        let _ = sub.unsubscribe();
    }
    match result {
        Ok(msg) if msg.is_no_responders() => Err(Error::from_status(Status::NoResponders)),
        Ok(msg) => Ok(msg),
        Err(e) if e.status == Status::Timeout => Err(Error::new(Status::Timeout, "timed out waiting for the reply")),
        Err(e) => Err(e),
    }
}
