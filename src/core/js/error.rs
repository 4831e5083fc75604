//! The error type of JetStream calls: a status, the server's JetStream
//! error code when the server reported the failure, and a description.

use std::fmt;

use crate::core::{Error, Status};

/// A failed JetStream call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// Client status: `NotFound` for a missing stream, consumer or message,
    /// `Err` for other server errors, or the status of a local failure.
    pub status: Status,
    /// The server's `err_code` (for example 10059 for a missing stream), or
    /// 0 when the failure was not reported by the JetStream API.
    pub code: u16,
    /// The server's description or the reason of a local failure.
    pub text: String,
}

impl JsError {
    /// `err_code` of a missing stream.
    pub(crate) const STREAM_NOT_FOUND: u16 = 10059;
    /// `err_code` of a missing consumer.
    pub(crate) const CONSUMER_NOT_FOUND: u16 = 10014;
    /// `err_code` of a missing message.
    pub(crate) const NO_MESSAGE_FOUND: u16 = 10037;
    /// Code reported when nothing answers on the API subject, which means
    /// JetStream is not enabled for the account.
    pub(crate) const NOT_ENABLED: u16 = 10076;

    /// Creates an error that did not come from the JetStream API.
    pub fn new(status: Status, text: impl Into<String>) -> JsError {
        JsError {
            status,
            code: 0,
            text: text.into(),
        }
    }

    /// Creates an error reported by the JetStream API.
    pub fn api(status: Status, code: u16, text: impl Into<String>) -> JsError {
        JsError {
            status,
            code,
            text: text.into(),
        }
    }

    /// Creates an `InvalidArg` error.
    pub fn invalid_arg(text: impl Into<String>) -> JsError {
        JsError::new(Status::InvalidArg, text)
    }
}

impl From<Error> for JsError {
    fn from(e: Error) -> JsError {
        JsError::new(e.status, e.text)
    }
}

impl From<JsError> for Error {
    fn from(e: JsError) -> Error {
        Error::new(e.status, e.text)
    }
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code == 0 {
            f.write_str(&self.text)
        } else {
            write!(f, "{} (JetStream error {})", self.text, self.code)
        }
    }
}

impl std::error::Error for JsError {}

/// Result type of JetStream calls.
pub type JsResult<T> = std::result::Result<T, JsError>;
