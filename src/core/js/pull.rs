//! Pull subscriptions: fetch requests sent to
//! `<prefix>.CONSUMER.MSG.NEXT.<stream>.<consumer>`, and reading their
//! replies from the subscription's wildcard inbox.
//!
//! A pull subscription listens on `<inbox>.*`. Each fetch request gets a
//! new id and requests the reply on `<inbox>.<id>`, so that a status
//! message left over from an earlier request (a late 408, for example) is
//! recognised by its subject and ignored.
//!
//! The server ends a request with a status message that has headers and no
//! payload: 404 (no messages), 408 (request expired), 409 (a limit such as
//! max bytes was reached, or the consumer was deleted, or its leader
//! changed), 423 (pin id mismatch), 400 (bad request). Status 100 is an
//! idle heartbeat.

use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Serialize;

use super::json::{is_false, is_not_positive, is_none_or_empty};
use crate::core::header::{DESCRIPTION_HEADER, STATUS_HEADER};
use crate::core::status::{Error, Result, Status};
use crate::core::{Connection, Message, Subscription};

/// Batch size of each pull request of `js_PullSubscribeAsync` unless the
/// options set a fetch size (cnats 3.13 uses the same default).
pub(crate) const DEFAULT_ASYNC_FETCH_SIZE: i32 = 128;

/// Header with the pin id of a consumer with the `pinned_client` priority
/// policy.
pub(crate) const PIN_ID_HEADER: &str = "Nats-Pin-Id";

/// Last error text of a status message that has no description.
const NO_DESCRIPTION: &str = "error checking pull subscribe message";

/// One pull request, as `natsSubscription_FetchRequest` takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRequest {
    /// How long the request stays valid, in nanoseconds; 0 for no limit
    /// (only together with `no_wait`).
    pub expires: i64,
    /// Maximum number of messages.
    pub batch: i32,
    /// Maximum number of bytes; 0 for no limit.
    pub max_bytes: i64,
    /// Ask the server to reply at once with what it has.
    pub no_wait: bool,
    /// Idle heartbeat interval the server should keep, in nanoseconds.
    pub heartbeat: i64,
    /// Priority groups: serve the request only when the consumer has at
    /// least this many pending messages.
    pub min_pending: i64,
    /// Priority groups: serve the request only when the consumer has at
    /// least this many messages waiting for an acknowledgment.
    pub min_ack_pending: i64,
    /// Pin id of a `pinned_client` priority group.
    pub id: Option<String>,
    /// Priority group the request belongs to.
    pub group: Option<String>,
    /// Priority of the request, 0 (highest) to 9, for the `prioritized`
    /// policy.
    pub priority: u8,
}

/// JSON body of a pull request.
#[derive(Serialize)]
struct PullRequestBody<'a> {
    batch: i32,
    #[serde(skip_serializing_if = "is_not_positive")]
    max_bytes: i64,
    #[serde(skip_serializing_if = "is_not_positive")]
    expires: i64,
    #[serde(skip_serializing_if = "is_not_positive")]
    idle_heartbeat: i64,
    #[serde(skip_serializing_if = "is_false")]
    no_wait: bool,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    group: &'a Option<String>,
    #[serde(skip_serializing_if = "is_not_positive")]
    min_pending: i64,
    #[serde(skip_serializing_if = "is_not_positive")]
    min_ack_pending: i64,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    id: &'a Option<String>,
    #[serde(skip_serializing_if = "is_zero_u8")]
    priority: u8,
}

fn is_zero_u8(value: &u8) -> bool {
    *value == 0
}

impl FetchRequest {
    /// Encodes the request. The expiration sent is 10 ms shorter than the
    /// client's wait (for expirations of 20 ms or more), so that the
    /// server's 408 arrives while the client still waits.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let expires = if self.expires >= 20_000_000 {
            self.expires - 10_000_000
        } else {
            self.expires
        };
        let body = PullRequestBody {
            batch: self.batch,
            max_bytes: self.max_bytes,
            expires,
            idle_heartbeat: self.heartbeat,
            no_wait: self.no_wait,
            group: &self.group,
            min_pending: self.min_pending,
            min_ack_pending: self.min_ack_pending,
            id: &self.id,
            priority: self.priority,
        };
        serde_json::to_vec(&body).expect("a pull request always encodes")
    }
}

/// Kind of a message taken from a pull subscription.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// A stream message for the application.
    User(Message),
    /// An idle heartbeat, or a status message of an earlier request.
    Ignored,
    /// A status message that ends the current request.
    End(Error),
}

/// Returns the fetch id ending `subject` when it is `<reply_prefix><id>`.
fn fetch_id_of(reply_prefix: &str, subject: &str) -> Option<u64> {
    let digits = subject.strip_prefix(reply_prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Sorts a message of a pull subscription. Status messages of a request
/// other than `fetch_id` are ignored.
pub(crate) fn classify(mut msg: Message, reply_prefix: &str, fetch_id: u64) -> Fetched {
    if !msg.data().is_empty() || !msg.has_headers() {
        return Fetched::User(msg);
    }
    let (status, description) = match msg.headers() {
        Ok(Some(headers)) => match headers.get(STATUS_HEADER) {
            Some(status) => (
                status.to_string(),
                headers.get(DESCRIPTION_HEADER).map(str::to_string),
            ),
            None => return Fetched::User(msg),
        },
        Ok(None) => return Fetched::User(msg),
        Err(e) => return Fetched::End(e),
    };
    if status.starts_with("100") {
        return Fetched::Ignored;
    }
    if fetch_id_of(reply_prefix, msg.subject()) != Some(fetch_id) {
        return Fetched::Ignored;
    }
    let text = description
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| NO_DESCRIPTION.to_string());
    let error = match status.get(..3).unwrap_or(&status) {
        "404" => Error::from_status(Status::NotFound),
        "408" => Error::from_status(Status::Timeout),
        "409" => Error::new(Status::LimitReached, text),
        "503" => Error::from_status(Status::NoResponders),
        "423" => Error::from_status(Status::PinIdMismatch),
        "400" => Error::new(Status::InvalidArg, text),
        _ => Error::new(Status::Err, text),
    };
    Fetched::End(error)
}

/// Returns whether a message taken from a pull subscription is a stream
/// message, without looking at status codes.
pub(crate) fn is_user_message(msg: &mut Message) -> bool {
    if !msg.data().is_empty() || !msg.has_headers() {
        return true;
    }
    match msg.headers() {
        Ok(Some(headers)) => headers.get(STATUS_HEADER).is_none(),
        _ => true,
    }
}

/// Fetch ids of a pull subscription. A synchronous fetch sets `in_fetch`
/// while it runs.
#[derive(Debug, Default)]
struct FetchIds {
    in_fetch: bool,
    last_id: u64,
}

/// Pull part of a JetStream subscription.
#[derive(Debug)]
pub struct PullState {
    /// `<prefix>.CONSUMER.MSG.NEXT.<stream>.<consumer>`.
    pub(crate) next_subject: String,
    /// The subscription's subject without its final `*`: `<inbox>.`.
    pub(crate) reply_prefix: String,
    ids: Mutex<FetchIds>,
}

impl PullState {
    /// Creates the state of a subscription on `<inbox>.*` that pulls from
    /// `consumer`.
    pub(crate) fn new(prefix: &str, stream: &str, consumer: &str, inbox: &str) -> PullState {
        PullState {
            next_subject: format!("{prefix}.CONSUMER.MSG.NEXT.{stream}.{consumer}"),
            reply_prefix: format!("{inbox}."),
            ids: Mutex::new(FetchIds::default()),
        }
    }

    /// Starts a request: returns its id and reply subject.
    pub(crate) fn next_request(&self) -> (u64, String) {
        let mut ids = self.ids.lock();
        ids.last_id += 1;
        let id = ids.last_id;
        (id, format!("{}{id}", self.reply_prefix))
    }

    /// Id of the latest request.
    pub(crate) fn last_id(&self) -> u64 {
        self.ids.lock().last_id
    }

    /// Sends a pull request for the reply subject `reply`.
    pub(crate) fn send(&self, conn: &Connection, reply: &str, req: &FetchRequest) -> Result<()> {
        conn.publish_request(&self.next_subject, reply, &req.to_json())
    }

    /// Marks a synchronous fetch as running, or fails when one already is.
    fn begin_fetch(&self) -> Result<()> {
        let mut ids = self.ids.lock();
        if ids.in_fetch {
            return Err(Error::new(Status::Err, "concurrent fetch request not allowed"));
        }
        ids.in_fetch = true;
        Ok(())
    }

    fn end_fetch(&self) {
        self.ids.lock().in_fetch = false;
    }
}

/// Checks a fetch request the way `natsSubscription_FetchRequest` does.
pub(crate) fn check_request(req: &FetchRequest) -> Result<()> {
    if req.batch <= 0 {
        return Err(Error::new(
            Status::InvalidArg,
            format!("invalid batch size {}, must be at least 1", req.batch),
        ));
    }
    if req.max_bytes < 0 {
        return Err(Error::new(
            Status::InvalidArg,
            format!("invalid max bytes {}, cannot be negative", req.max_bytes),
        ));
    }
    if !req.no_wait && req.expires <= 0 {
        return Err(Error::new(
            Status::InvalidTimeout,
            format!(
                "invalid expiration {} ns, must be positive unless no wait is set",
                req.expires
            ),
        ));
    }
    Ok(())
}

/// Waits for the next message of a pull subscription. `Ok(None)` means the
/// wait timed out; `wait` of zero only takes a queued message.
fn next_queued(sub: &Subscription, wait: Duration) -> Result<Option<Message>> {
    match sub.next_msg_internal(wait) {
        Ok(msg) => Ok(Some(msg)),
        Err(e) if e.status == Status::Timeout => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs one fetch on the synchronous pull subscription `sub`; an
/// asynchronous one, or a subscription that is not a pull subscription, is
/// an error.
///
/// Messages already queued (left over from an earlier fetch) are taken
/// first. Then one request is sent for the rest, and its replies are read
/// until the batch or `max_bytes` is complete, the request ends with a
/// status, or `expires` passes. With `simple` (`natsSubscription_Fetch`),
/// the first request is a no-wait one when more than one message is
/// missing, and a 404 without any message is retried as a waiting request.
///
/// Whatever messages arrived are returned with success even when the
/// request ended with an error. With no message, the error is returned:
/// `Timeout` when `expires` passed or the server sent 408, `NotFound` for
/// 404, `MissedHeartbeat` when the server stayed silent for two heartbeat
/// intervals.
pub fn fetch(sub: &Subscription, req: &FetchRequest, simple: bool) -> Result<Vec<Message>> {
    check_request(req)?;
    let Some(pull) = sub.js_sub().and_then(|js| js.pull.clone()) else {
        return Err(Error::new(Status::InvalidSubscription, "not a JetStream pull subscription"));
    };
    if sub.is_async() {
        // The library's own request loop owns an asynchronous subscription.
        return Err(Error::new(Status::Err, "concurrent fetch request not allowed"));
    }
    if sub.connection().is_closed() {
        return Err(Error::from_status(Status::ConnectionClosed));
    }
    if !sub.is_valid() {
        return Err(Error::new(Status::InvalidSubscription, "subscription is no longer valid"));
    }
    pull.begin_fetch()?;
    let result = run_fetch(sub, &pull, req.clone(), simple);
    pull.end_fetch();
    result
}

fn run_fetch(
    sub: &Subscription,
    pull: &PullState,
    mut req: FetchRequest,
    simple: bool,
) -> Result<Vec<Message>> {
    let batch = req.batch as usize;
    let max_bytes = req.max_bytes;
    let mut msgs: Vec<Message> = Vec::new();
    let mut size: i64 = 0;
    let want_more = |msgs: &Vec<Message>, size: i64| {
        msgs.len() < batch && (max_bytes == 0 || size < max_bytes)
    };

    let start = Instant::now();
    let deadline = (req.expires > 0).then(|| start + Duration::from_nanos(req.expires as u64));
    let (fetch_id, reply) = pull.next_request();

    // Messages queued before this fetch: only stream messages count, any
    // status left in the queue belongs to an earlier request.
    while want_more(&msgs, size) {
        match next_queued(sub, Duration::ZERO)? {
            None => break,
            Some(mut msg) => {
                if is_user_message(&mut msg) {
                    size += msg.size() as i64;
                    msgs.push(msg);
                }
            }
        }
    }

    let mut no_wait = if simple {
        batch - msgs.len() > 1
    } else {
        req.no_wait
    };
    let heartbeat = (req.heartbeat > 0).then(|| Duration::from_nanos(req.heartbeat as u64));
    let mut last_activity = Instant::now();
    let mut send = true;
    let mut outcome: Result<()> = Ok(());

    while outcome.is_ok() && want_more(&msgs, size) {
        let now = Instant::now();
        let mut wait = match deadline {
            Some(d) if d <= now => {
                outcome = Err(Error::from_status(Status::Timeout));
                break;
            }
            Some(d) => d - now,
            // Only a no-wait request has no expiration. The server replies
            // to it at once, so the wait is bounded by the default API wait.
            None => sub_wait_limit(),
        };
        if send {
            send = false;
            req.batch = (batch - msgs.len()) as i32;
            req.expires = deadline.map_or(0, |_| wait.as_nanos() as i64);
            req.no_wait = no_wait;
            if let Err(e) = pull.send(&sub.connection(), &reply, &req) {
                outcome = Err(e);
                break;
            }
            last_activity = Instant::now();
        }
        if let Some(hb) = heartbeat {
            let silent_until = last_activity + hb * 2;
            wait = wait.min(silent_until.saturating_duration_since(Instant::now()));
        }
        let msg = match next_queued(sub, wait) {
            Ok(Some(msg)) => msg,
            Ok(None) => {
                // A drain that emptied the subscription ends the fetch as a
                // timeout, as a waiting NextMsg does.
                if sub.was_drained() {
                    outcome = Err(Error::from_status(Status::Timeout));
                    break;
                }
                if let Some(hb) = heartbeat {
                    if last_activity.elapsed() >= hb * 2 {
                        outcome = Err(Error::from_status(Status::MissedHeartbeat));
                    }
                } else if deadline.is_none() {
                    outcome = Err(Error::from_status(Status::Timeout));
                }
                continue;
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        };
        last_activity = Instant::now();
        match classify(msg, &pull.reply_prefix, fetch_id) {
            Fetched::User(msg) => {
                size += msg.size() as i64;
                msgs.push(msg);
            }
            Fetched::Ignored => {}
            Fetched::End(e) => {
                if simple && no_wait && e.status == Status::NotFound && msgs.is_empty() {
                    // Nothing was there yet: ask again, waiting this time.
                    no_wait = false;
                    send = true;
                } else {
                    outcome = Err(e);
                }
            }
        }
    }

    match outcome {
        Err(e) if msgs.is_empty() => Err(e),
        _ => Ok(msgs),
    }
}

/// Bound of a wait for the reply to a no-wait request without expiration.
fn sub_wait_limit() -> Duration {
    super::context::DEFAULT_WAIT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_msg(subject: &str, block: &str) -> Message {
        Message::from_parts(subject.as_bytes(), None, Some(block.as_bytes()), b"")
    }

    #[test]
    fn request_json_leaves_out_unset_fields() {
        let req = FetchRequest {
            batch: 5,
            ..FetchRequest::default()
        };
        assert_eq!(String::from_utf8(req.to_json()).unwrap(), r#"{"batch":5}"#);
    }

    #[test]
    fn request_json_shortens_expires() {
        let req = FetchRequest {
            batch: 1,
            expires: 1_000_000_000,
            max_bytes: 100,
            no_wait: true,
            heartbeat: 50_000_000,
            min_pending: 2,
            min_ack_pending: 3,
            id: Some("pin".into()),
            group: Some("G".into()),
            priority: 4,
        };
        assert_eq!(
            String::from_utf8(req.to_json()).unwrap(),
            r#"{"batch":1,"max_bytes":100,"expires":990000000,"idle_heartbeat":50000000,"no_wait":true,"group":"G","min_pending":2,"min_ack_pending":3,"id":"pin","priority":4}"#
        );
        let short = FetchRequest {
            batch: 1,
            expires: 15_000_000,
            ..FetchRequest::default()
        };
        assert!(String::from_utf8(short.to_json()).unwrap().contains(r#""expires":15000000"#));
    }

    #[test]
    fn classify_statuses() {
        let prefix = "_INBOX.abc.";
        let cases = [
            ("NATS/1.0 404 No Messages\r\n\r\n", Status::NotFound),
            ("NATS/1.0 408 Request Timeout\r\n\r\n", Status::Timeout),
            (
                "NATS/1.0 409 Message Size Exceeds MaxBytes\r\n\r\n",
                Status::LimitReached,
            ),
            ("NATS/1.0 423 Nats-Pin-Id mismatch\r\n\r\n", Status::PinIdMismatch),
            ("NATS/1.0 400 Bad Request\r\n\r\n", Status::InvalidArg),
            ("NATS/1.0 503\r\n\r\n", Status::NoResponders),
        ];
        for (block, status) in cases {
            match classify(status_msg("_INBOX.abc.7", block), prefix, 7) {
                Fetched::End(e) => assert_eq!(e.status, status, "{block}"),
                other => panic!("{block}: got {other:?}"),
            }
        }
    }

    #[test]
    fn classify_409_keeps_description() {
        let msg = status_msg("_INBOX.abc.2", "NATS/1.0 409 Consumer Deleted\r\n\r\n");
        match classify(msg, "_INBOX.abc.", 2) {
            Fetched::End(e) => {
                assert_eq!(e.status, Status::LimitReached);
                assert_eq!(e.text, "Consumer Deleted");
            }
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn classify_ignores_heartbeats_and_old_requests() {
        let hb = status_msg("_INBOX.abc.3", "NATS/1.0 100 Idle Heartbeat\r\n\r\n");
        assert!(matches!(classify(hb, "_INBOX.abc.", 3), Fetched::Ignored));
        let old = status_msg("_INBOX.abc.2", "NATS/1.0 408 Request Timeout\r\n\r\n");
        assert!(matches!(classify(old, "_INBOX.abc.", 3), Fetched::Ignored));
        let user = Message::from_parts(b"_INBOX.abc.3", Some(b"$JS.ACK.x"), None, b"hi");
        assert!(matches!(classify(user, "_INBOX.abc.", 3), Fetched::User(_)));
    }

    #[test]
    fn check_request_rejects_bad_values() {
        let ok = FetchRequest {
            batch: 1,
            expires: 1,
            ..FetchRequest::default()
        };
        assert!(check_request(&ok).is_ok());
        let no_batch = FetchRequest { batch: 0, ..ok.clone() };
        assert_eq!(check_request(&no_batch).unwrap_err().status, Status::InvalidArg);
        let negative = FetchRequest { max_bytes: -1, ..ok.clone() };
        assert_eq!(check_request(&negative).unwrap_err().status, Status::InvalidArg);
        let no_expires = FetchRequest { expires: 0, ..ok.clone() };
        assert_eq!(check_request(&no_expires).unwrap_err().status, Status::InvalidTimeout);
        let no_wait = FetchRequest { expires: 0, no_wait: true, ..ok };
        assert!(check_request(&no_wait).is_ok());
    }
}
