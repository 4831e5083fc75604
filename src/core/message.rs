//! Messages: subject, optional reply subject, optional headers and payload.

use std::sync::Arc;

use super::header::{Headers, STATUS_HEADER};
use super::js::jssub::JsSub;
use super::status::{Error, Result, Status};

/// Status code the server puts in the header of a no-responders reply.
const NO_RESPONDERS_STATUS: &str = "503";

/// A message received from or about to be sent to the server.
///
/// Subject, reply and payload share one allocation laid out as
/// `subject \0 reply \0 payload \0`, so each can be handed to C as a
/// NUL-terminated string without copying.
#[derive(Debug, Clone)]
pub struct Message {
    buf: Box<[u8]>,
    subject_len: u32,
    reply_len: Option<u32>,
    data_len: u32,
    /// Raw header block as received, decoded on first access.
    raw_headers: Option<Box<[u8]>>,
    headers: Option<Headers>,
    no_responders: bool,
    /// Flags of a JetStream message, see `JS_ACKED` and `JS_NO_DESTROY`.
    js_flags: u8,
    /// Subscription a JetStream message came from; set only for messages
    /// of JetStream subscriptions, so plain messages carry no reference.
    js: Option<Arc<JsSub>>,
    /// Stream sequence and store time (nanoseconds since the Unix epoch)
    /// of a message read back from a stream with a get call.
    stored: Option<Box<(u64, i64)>>,
}

/// The message was acknowledged (ack, nak or term).
const JS_ACKED: u8 = 1;
/// A callback runs inside an auto-ack wrapper: destroying the message is
/// left to the wrapper.
const JS_NO_DESTROY: u8 = 2;

impl Message {
    /// Creates a message from its parts. The reply subject is optional.
    pub fn new(subject: &str, reply: Option<&str>, data: &[u8]) -> Result<Message> {
        if subject.is_empty() {
            return Err(Error::new(Status::InvalidSubject, "subject must not be empty"));
        }
        Ok(Message::from_parts(
            subject.as_bytes(),
            reply.map(str::as_bytes),
            None,
            data,
        ))
    }

    /// Builds a message from wire parts. `raw_headers` is the header block
    /// including its trailing empty line.
    pub(crate) fn from_parts(
        subject: &[u8],
        reply: Option<&[u8]>,
        raw_headers: Option<&[u8]>,
        data: &[u8],
    ) -> Message {
        Message::from_parts_padded(subject, reply, raw_headers, data, 0)
    }

    /// Like [`Message::from_parts`], with `padding` zero bytes after the
    /// payload's NUL for applications that write past the payload.
    pub(crate) fn from_parts_padded(
        subject: &[u8],
        reply: Option<&[u8]>,
        raw_headers: Option<&[u8]>,
        data: &[u8],
        padding: usize,
    ) -> Message {
        let reply_bytes = reply.unwrap_or(b"");
        let mut buf = Vec::with_capacity(subject.len() + reply_bytes.len() + data.len() + 3 + padding);
        buf.extend_from_slice(subject);
        buf.push(0);
        buf.extend_from_slice(reply_bytes);
        buf.push(0);
        buf.extend_from_slice(data);
        buf.push(0);
        buf.resize(buf.len() + padding, 0);
        let mut msg = Message {
            buf: buf.into_boxed_slice(),
            subject_len: subject.len() as u32,
            reply_len: reply.map(|r| r.len() as u32),
            data_len: data.len() as u32,
            // An empty header block (HMSG with a header length of 0) counts
            // as no headers.
            raw_headers: raw_headers.filter(|h| !h.is_empty()).map(|h| h.to_vec().into_boxed_slice()),
            headers: None,
            no_responders: false,
            js_flags: 0,
            js: None,
            stored: None,
        };
        if let Some(block) = raw_headers.filter(|h| !h.is_empty()) {
            msg.no_responders = data.is_empty() && status_code(block) == Some(NO_RESPONDERS_STATUS);
        }
        msg
    }

    /// Subject, without the trailing NUL.
    pub fn subject(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.subject_len as usize]).unwrap_or("")
    }

    /// Subject followed by a NUL byte.
    pub fn subject_with_nul(&self) -> &[u8] {
        &self.buf[..self.subject_len as usize + 1]
    }

    fn reply_start(&self) -> usize {
        self.subject_len as usize + 1
    }

    /// Reply subject, if the message has one.
    pub fn reply(&self) -> Option<&str> {
        let len = self.reply_len? as usize;
        let start = self.reply_start();
        std::str::from_utf8(&self.buf[start..start + len]).ok()
    }

    /// Reply subject followed by a NUL byte, if the message has one.
    pub fn reply_with_nul(&self) -> Option<&[u8]> {
        let len = self.reply_len? as usize;
        let start = self.reply_start();
        Some(&self.buf[start..start + len + 1])
    }

    fn data_start(&self) -> usize {
        self.reply_start() + self.reply_len.unwrap_or(0) as usize + 1
    }

    /// Payload.
    pub fn data(&self) -> &[u8] {
        let start = self.data_start();
        &self.buf[start..start + self.data_len as usize]
    }

    /// Payload followed by a NUL byte.
    pub fn data_with_nul(&self) -> &[u8] {
        let start = self.data_start();
        &self.buf[start..start + self.data_len as usize + 1]
    }

    /// Whether this is a no-responders reply: no payload and a `Status`
    /// header of 503.
    pub fn is_no_responders(&self) -> bool {
        match &self.headers {
            Some(h) => self.data_len == 0 && h.get(STATUS_HEADER) == Some(NO_RESPONDERS_STATUS),
            None => self.no_responders,
        }
    }

    /// Whether the message has at least one header, without decoding them.
    pub fn has_headers(&self) -> bool {
        match &self.headers {
            Some(h) => !h.is_empty(),
            None => self.raw_headers.is_some(),
        }
    }

    /// Decoded headers, if any; decoding happens on first call.
    pub fn headers(&mut self) -> Result<Option<&Headers>> {
        self.decode_headers()?;
        Ok(self.headers.as_ref())
    }

    /// Decoded headers for changing, created empty when the message has none.
    pub fn headers_mut(&mut self) -> Result<&mut Headers> {
        self.decode_headers()?;
        Ok(self.headers.get_or_insert_with(Headers::new))
    }

    fn decode_headers(&mut self) -> Result<()> {
        if self.headers.is_none() {
            if let Some(raw) = self.raw_headers.take() {
                match Headers::decode(&raw) {
                    Ok(h) => self.headers = Some(h),
                    Err(e) => {
                        self.raw_headers = Some(raw);
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// JetStream subscription this message was delivered on, if any.
    pub fn js_sub(&self) -> Option<&Arc<JsSub>> {
        self.js.as_ref()
    }

    /// Links a message to the JetStream subscription delivering it.
    pub(crate) fn attach_js(&mut self, js: Arc<JsSub>) {
        self.js = Some(js);
    }

    /// Records the stream sequence and store time of a message read from a stream.
    pub fn set_stored_position(&mut self, sequence: u64, time: i64) {
        self.stored = Some(Box::new((sequence, time)));
    }

    /// Stream sequence and store time of a message read from a stream,
    /// `None` for other messages.
    pub fn stored_position(&self) -> Option<(u64, i64)> {
        self.stored.as_deref().copied()
    }

    /// Returns whether the message was acknowledged already.
    pub fn is_acked(&self) -> bool {
        self.js_flags & JS_ACKED != 0
    }

    /// Records that the message was acknowledged.
    pub fn set_acked(&mut self) {
        self.js_flags |= JS_ACKED;
    }

    /// Whether destroying the message is left to an auto-ack wrapper.
    pub fn no_destroy(&self) -> bool {
        self.js_flags & JS_NO_DESTROY != 0
    }

    /// Sets or clears the flag read by [`Message::no_destroy`].
    pub fn set_no_destroy(&mut self, on: bool) {
        if on {
            self.js_flags |= JS_NO_DESTROY;
        } else {
            self.js_flags &= !JS_NO_DESTROY;
        }
    }

    /// Total size counted against pending byte limits: payload plus headers.
    pub fn size(&self) -> usize {
        self.data_len as usize + self.raw_headers.as_ref().map_or(0, |h| h.len())
    }

    /// Header block to publish, re-encoded when the headers were decoded.
    pub(crate) fn wire_headers(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match (&self.headers, &self.raw_headers) {
            (Some(h), _) if !h.is_empty() => {
                let mut out = Vec::with_capacity(h.encoded_len());
                h.encode_into(&mut out);
                Some(std::borrow::Cow::Owned(out))
            }
            (Some(_), _) => None,
            (None, Some(raw)) => Some(std::borrow::Cow::Borrowed(raw)),
            (None, None) => None,
        }
    }
}

/// Returns the status code on the first line of a header block, if any.
fn status_code(block: &[u8]) -> Option<&str> {
    let end = block.iter().position(|b| *b == b'\r').unwrap_or(block.len());
    let line = std::str::from_utf8(&block[..end]).ok()?;
    let rest = line.strip_prefix("NATS/1.0")?.trim_start();
    let code = rest.split(' ').next()?;
    if code.is_empty() {
        None
    } else {
        Some(code)
    }
}

/// Returns the value of the `Status` header of a decoded message.
pub fn message_status(msg: &mut Message) -> Option<String> {
    msg.headers()
        .ok()
        .flatten()
        .and_then(|h| h.get(STATUS_HEADER).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_nul_terminated() {
        let m = Message::new("foo", Some("bar"), b"hello").unwrap();
        assert_eq!(m.subject_with_nul(), b"foo\0");
        assert_eq!(m.reply_with_nul(), Some(&b"bar\0"[..]));
        assert_eq!(m.data_with_nul(), b"hello\0");
        let m = Message::new("foo", None, b"").unwrap();
        assert_eq!(m.reply(), None);
        assert_eq!(m.data_with_nul(), b"\0");
    }

    #[test]
    fn no_responders_detected() {
        let m = Message::from_parts(b"_INBOX.x", None, Some(b"NATS/1.0 503\r\n\r\n"), b"");
        assert!(m.is_no_responders());
        let m = Message::from_parts(b"x", None, Some(b"NATS/1.0\r\nA: b\r\n\r\n"), b"");
        assert!(!m.is_no_responders());
    }
}
