//! Message headers: an ordered multimap with case-sensitive names, encoded
//! on the wire as a `NATS/1.0` block.

use std::ffi::CString;

use super::status::{Error, Result, Status};

/// First line of every header block the client sends.
const HEADER_LINE: &str = "NATS/1.0";

/// Header name carrying a status code such as 503 for no responders.
pub const STATUS_HEADER: &str = "Status";

/// Header name carrying the description that follows a status code.
pub const DESCRIPTION_HEADER: &str = "Description";

/// One header name with its values, stored NUL-terminated so the C layer
/// can hand out pointers that stay valid until the header changes.
#[derive(Debug, Clone)]
struct Entry {
    key: CString,
    values: Vec<CString>,
}

/// Ordered header multimap. Names compare case-sensitively.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    entries: Vec<Entry>,
}

fn to_cstring(what: &str, text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| {
        Error::new(
            Status::InvalidArg,
            format!("header {what} '{}' contains a NUL byte", text.escape_default()),
        )
    })
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::new(Status::InvalidArg, "header name must not be empty"));
    }
    if let Some(bad) = key.chars().find(|c| *c == ':' || c.is_whitespace() || c.is_control()) {
        return Err(Error::new(
            Status::InvalidArg,
            format!("header name '{key}' contains the invalid character {bad:?}"),
        ));
    }
    Ok(())
}

/// Replaces CR and LF, which would end the header line, with spaces.
fn clean_value(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\r', '\n']) {
        std::borrow::Cow::Owned(value.replace(['\r', '\n'], " "))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

impl Headers {
    /// Creates an empty header map.
    pub fn new() -> Headers {
        Headers::default()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.key.as_bytes() == key.as_bytes())
    }

    /// Replaces every value of `key` with `value`. CR and LF in the value
    /// are sent as spaces.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        check_key(key)?;
        let value = to_cstring("value", &clean_value(value))?;
        match self.position(key) {
            Some(index) => self.entries[index].values = vec![value],
            None => self.entries.push(Entry {
                key: to_cstring("name", key)?,
                values: vec![value],
            }),
        }
        Ok(())
    }

    /// Appends `value` to the values of `key`. CR and LF in the value are
    /// sent as spaces.
    pub fn add(&mut self, key: &str, value: &str) -> Result<()> {
        check_key(key)?;
        let value = to_cstring("value", &clean_value(value))?;
        match self.position(key) {
            Some(index) => self.entries[index].values.push(value),
            None => self.entries.push(Entry {
                key: to_cstring("name", key)?,
                values: vec![value],
            }),
        }
        Ok(())
    }

    /// Returns the first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_c(key).and_then(|v| v.to_str().ok())
    }

    /// Returns the first value of `key` as a NUL-terminated string.
    pub fn get_c(&self, key: &str) -> Option<&std::ffi::CStr> {
        self.position(key)
            .and_then(|i| self.entries[i].values.first())
            .map(|v| v.as_c_str())
    }

    /// Returns every value of `key`, in insertion order.
    pub fn values_c(&self, key: &str) -> Option<Vec<&std::ffi::CStr>> {
        self.position(key)
            .map(|i| self.entries[i].values.iter().map(|v| v.as_c_str()).collect())
    }

    /// Returns every header name, in insertion order.
    pub fn keys_c(&self) -> Vec<&std::ffi::CStr> {
        self.entries.iter().map(|e| e.key.as_c_str()).collect()
    }

    /// Removes `key` and its values; returns whether it was present.
    pub fn delete(&mut self, key: &str) -> bool {
        match self.position(key) {
            Some(index) => {
                self.entries.remove(index);
                true
            }
            None => false,
        }
    }

    /// Number of distinct header names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the wire form (`NATS/1.0\r\n`, one `Name: Value\r\n` per
    /// value, then an empty line) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(HEADER_LINE.as_bytes());
        out.extend_from_slice(b"\r\n");
        for entry in &self.entries {
            for value in &entry.values {
                out.extend_from_slice(entry.key.as_bytes());
                out.extend_from_slice(b": ");
                out.extend_from_slice(value.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    /// Length of the wire form produced by [`Headers::encode_into`].
    pub fn encoded_len(&self) -> usize {
        let mut len = HEADER_LINE.len() + 4;
        for entry in &self.entries {
            for value in &entry.values {
                len += entry.key.as_bytes().len() + 2 + value.as_bytes().len() + 2;
            }
        }
        len
    }

    /// Parses a header block received from the server. The status code and
    /// description on the first line (`NATS/1.0 503 No Responders`) become
    /// the `Status` and `Description` headers, as cnats presents them.
    pub fn decode(block: &[u8]) -> Result<Headers> {
        let text = std::str::from_utf8(block)
            .map_err(|_| Error::new(Status::ProtocolError, "header block is not valid UTF-8"))?;
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or("");
        let rest = first.strip_prefix(HEADER_LINE).ok_or_else(|| {
            Error::new(
                Status::ProtocolError,
                format!("header block does not start with {HEADER_LINE}: '{first}'"),
            )
        })?;
        let mut headers = Headers::new();
        let rest = rest.trim();
        if !rest.is_empty() {
            let (code, description) = match rest.split_once(' ') {
                Some((code, description)) => (code, description.trim()),
                None => (rest, ""),
            };
            headers.push_raw(STATUS_HEADER, code);
            if !description.is_empty() {
                headers.push_raw(DESCRIPTION_HEADER, description);
            }
        }
        for line in lines {
            if line.is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(Error::new(
                    Status::ProtocolError,
                    format!("header line without a colon: '{line}'"),
                ));
            };
            headers.push_raw(key.trim(), value.trim());
        }
        Ok(headers)
    }

    /// Adds a value without validation, for names and values read off the
    /// wire; text with NUL bytes is dropped because C cannot represent it.
    fn push_raw(&mut self, key: &str, value: &str) {
        let (Ok(ckey), Ok(cvalue)) = (CString::new(key), CString::new(value)) else {
            return;
        };
        match self.position(key) {
            Some(index) => self.entries[index].values.push(cvalue),
            None => self.entries.push(Entry {
                key: ckey,
                values: vec![cvalue],
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_decode() {
        let mut h = Headers::new();
        h.set("Key", "a").unwrap();
        h.add("Key", "b").unwrap();
        h.set("key", "lower").unwrap();
        let mut wire = Vec::new();
        h.encode_into(&mut wire);
        assert_eq!(wire.len(), h.encoded_len());
        let back = Headers::decode(&wire).unwrap();
        assert_eq!(back.values_c("Key").unwrap().len(), 2);
        assert_eq!(back.get("key"), Some("lower"));
    }

    #[test]
    fn status_line_becomes_headers() {
        let h = Headers::decode(b"NATS/1.0 503\r\n\r\n").unwrap();
        assert_eq!(h.get(STATUS_HEADER), Some("503"));
        let h = Headers::decode(b"NATS/1.0 408 Request Timeout\r\nA: b\r\n\r\n").unwrap();
        assert_eq!(h.get(DESCRIPTION_HEADER), Some("Request Timeout"));
        assert_eq!(h.get("A"), Some("b"));
    }

    #[test]
    fn rejects_bad_names() {
        let mut h = Headers::new();
        assert!(h.set("", "x").is_err());
        assert!(h.set("a b", "x").is_err());
        assert!(h.set("a:b", "x").is_err());
        h.set("ok", "x\r\ny").unwrap();
        assert_eq!(h.get("ok"), Some("x  y"));
    }
}
