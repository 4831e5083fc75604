//! Acknowledgments of JetStream messages and the metadata encoded in their
//! `$JS.ACK` reply subject.

use std::time::Duration;

use super::error::{JsError, JsResult};
use crate::core::{Message, Status};

/// Prefix of the reply subject of every message a consumer delivers.
pub(crate) const ACK_PREFIX: &str = "$JS.ACK.";

/// Kind of acknowledgment, with the body the server expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    /// Processed (`+ACK`).
    Ack,
    /// Not processed, redeliver (`-NAK`), optionally after a delay.
    Nak(Option<Duration>),
    /// Still working on it, restart the ack wait (`+WPI`).
    InProgress,
    /// Do not redeliver (`+TERM`).
    Term,
}

impl AckKind {
    fn body(self) -> String {
        match self {
            AckKind::Ack => "+ACK".to_string(),
            AckKind::Nak(None) => "-NAK".to_string(),
            AckKind::Nak(Some(delay)) => format!("-NAK {{\"delay\":{}}}", delay.as_nanos()),
            AckKind::InProgress => "+WPI".to_string(),
            AckKind::Term => "+TERM".to_string(),
        }
    }
}

/// Metadata of a message delivered by a consumer, parsed from its reply subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgMetadata {
    /// JetStream domain, `None` when the subject has none (or `_`).
    pub domain: Option<String>,
    pub stream: String,
    pub consumer: String,
    /// Number of times the message was delivered, this delivery included.
    pub num_delivered: u64,
    /// Stream sequence.
    pub stream_seq: u64,
    /// Consumer sequence.
    pub consumer_seq: u64,
    /// Time the message was stored, in nanoseconds since the Unix epoch.
    pub timestamp: i64,
    /// Messages left for the consumer after this one.
    pub num_pending: u64,
}

fn number(token: &str) -> Option<u64> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// Parses the tokens after `$JS.ACK.`: the old form has 7 tokens
/// (`<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>`), the
/// new one at least 9, starting with `<domain>.<account hash>` and possibly
/// followed by more tokens, which are ignored. Returns `None` when the
/// subject has another shape or a number does not parse.
pub fn parse_ack_tokens(tokens: &str) -> Option<MsgMetadata> {
    let parts: Vec<&str> = tokens.split('.').collect();
    let (domain, rest) = match parts.len() {
        7 => (None, &parts[..]),
        n if n >= 9 => {
            let domain = match parts[0] {
                "" | "_" => None,
                d => Some(d.to_string()),
            };
            (domain, &parts[2..9])
        }
        _ => return None,
    };
    let timestamp = number(rest[5])?;
    Some(MsgMetadata {
        domain,
        stream: rest[0].to_string(),
        consumer: rest[1].to_string(),
        num_delivered: number(rest[2])?,
        stream_seq: number(rest[3])?,
        consumer_seq: number(rest[4])?,
        timestamp: i64::try_from(timestamp).ok()?,
        num_pending: number(rest[6])?,
    })
}

/// Parses a whole reply subject; `None` when it is not a `$JS.ACK` subject
/// of a known shape.
pub fn parse_ack_subject(reply: &str) -> Option<MsgMetadata> {
    parse_ack_tokens(reply.strip_prefix(ACK_PREFIX)?)
}

fn not_bound() -> JsError {
    JsError::new(Status::IllegalState, "not a JetStream message")
}

fn not_js() -> JsError {
    JsError::new(Status::IllegalState, "not a JetStream message")
}

impl Message {
    /// Acknowledges a message of a JetStream subscription. Once the message
    /// was acknowledged (ack, nak or term) further calls do nothing and
    /// succeed, as in cnats. `sync` waits for the server's confirmation up
    /// to `wait`, or the context's wait time when `wait` is zero; a
    /// non-zero `wait` makes any kind synchronous.
    pub fn js_ack(&mut self, kind: AckKind, sync: bool, wait: Duration) -> JsResult<()> {
        if self.is_acked() {
            return Ok(());
        }
        let js = self.js_sub().cloned().ok_or_else(not_bound)?;
        let reply = match self.reply() {
            Some(r) if !r.is_empty() => r.to_string(),
            _ => return Err(not_js()),
        };
        let body = kind.body();
        let conn = js.js.connection();
        if sync || !wait.is_zero() {
            let timeout = if wait.is_zero() { js.js.wait() } else { wait };
            conn.request(&reply, body.as_bytes(), timeout).map_err(|e| match e.status {
                Status::Timeout => {
                    JsError::new(Status::Timeout, "timed out waiting for the acknowledgment to be confirmed")
                }
                // cnats reports the JetStream API's "not enabled" code here
                // too, although it usually means the consumer is gone.
                Status::NoResponders => JsError::api(
                    Status::NoResponders,
                    JsError::NOT_ENABLED,
                    "no responders for the acknowledgment: the consumer may no longer exist",
                ),
                _ => e.into(),
            })?;
        } else {
            conn.publish(&reply, body.as_bytes())?;
        }
        if kind != AckKind::InProgress {
            self.set_acked();
        }
        Ok(())
    }

    /// Metadata of a message of a JetStream subscription.
    pub fn js_metadata(&self) -> JsResult<MsgMetadata> {
        if self.js_sub().is_none() {
            return Err(not_bound());
        }
        let reply = match self.reply() {
            Some(r) if !r.is_empty() => r,
            _ => return Err(not_js()),
        };
        parse_ack_subject(reply).ok_or_else(|| JsError::new(Status::Err, format!("invalid meta data '{reply}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_form_parses() {
        let m = parse_ack_subject("$JS.ACK.ORDERS.dur.2.10.4.1700000000000000000.7").unwrap();
        assert_eq!(m.domain, None);
        assert_eq!(m.stream, "ORDERS");
        assert_eq!(m.consumer, "dur");
        assert_eq!(m.num_delivered, 2);
        assert_eq!(m.stream_seq, 10);
        assert_eq!(m.consumer_seq, 4);
        assert_eq!(m.timestamp, 1_700_000_000_000_000_000);
        assert_eq!(m.num_pending, 7);
    }

    #[test]
    fn new_form_parses() {
        let m = parse_ack_subject("$JS.ACK.hub.ACCHASH.S.C.1.2.3.4.5.rand").unwrap();
        assert_eq!(m.domain.as_deref(), Some("hub"));
        assert_eq!(m.stream, "S");
        assert_eq!(m.consumer, "C");
        assert_eq!((m.num_delivered, m.stream_seq, m.consumer_seq), (1, 2, 3));
        assert_eq!((m.timestamp, m.num_pending), (4, 5));
        let m = parse_ack_subject("$JS.ACK._.ACCHASH.S.C.1.2.3.4.5").unwrap();
        assert_eq!(m.domain, None);
        let m = parse_ack_subject("$JS.ACK._.ACCHASH.S.C.1.2.3.4.5.r.extra").unwrap();
        assert_eq!(m.num_pending, 5);
    }

    #[test]
    fn bad_subjects_rejected() {
        assert!(parse_ack_subject("$JS.ACK.S.C.1.2.3.4").is_none());
        assert!(parse_ack_subject("$JS.ACK.a.b.S.C.1.2.3.4").is_none());
        assert!(parse_ack_subject("$JS.ACK.S.C.x.2.3.4.5").is_none());
        assert!(parse_ack_subject("$JS.ACK.S.C.1.2.3.4.-5").is_none());
        assert!(parse_ack_subject("_INBOX.S.C.1.2.3.4.5").is_none());
    }
}
