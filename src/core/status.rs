//! Status codes and the error type of the core client.

use std::fmt;

macro_rules! statuses {
    ($($name:ident = $value:expr, $text:expr;)*) => {
        /// Outcome of a client operation. The numeric values are those of
        /// cnats' `natsStatus`, so the C layer converts by value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum Status {
            $($name = $value,)*
        }

        impl Status {
            /// Every status, in numeric order.
            pub const ALL: &'static [Status] = &[$(Status::$name,)*];

            /// Returns the fixed description cnats gives this status.
            pub fn text(self) -> &'static str {
                match self {
                    $(Status::$name => $text,)*
                }
            }

            /// Returns the fixed description with a trailing NUL byte.
            pub fn text_with_nul(self) -> &'static str {
                match self {
                    $(Status::$name => concat!($text, "\0"),)*
                }
            }
        }
    };
}

statuses! {
    Ok = 0, "OK";
    Err = 1, "Error";
    ProtocolError = 2, "Protocol Error";
    IoError = 3, "IO Error";
    LineTooLong = 4, "Line too long";
    ConnectionClosed = 5, "Connection Closed";
    NoServer = 6, "No server available for connection";
    StaleConnection = 7, "Stale Connection";
    SecureConnectionWanted = 8, "Secure Connection not available";
    SecureConnectionRequired = 9, "Secure Connection Required";
    ConnectionDisconnected = 10, "Connection Disconnected";
    ConnectionAuthFailed = 11, "Authentication Violation";
    NotPermitted = 12, "Not Permitted";
    NotFound = 13, "Not Found";
    AddressMissing = 14, "TCP Address missing";
    InvalidSubject = 15, "Invalid Subject";
    InvalidArg = 16, "Invalid Argument";
    InvalidSubscription = 17, "Invalid Subscription";
    InvalidTimeout = 18, "Invalid Timeout";
    IllegalState = 19, "Illegal State";
    SlowConsumer = 20, "Slow Consumer, messages dropped";
    MaxPayload = 21, "Maximum Payload Exceeded";
    MaxDeliveredMsgs = 22, "Maximum Messages Delivered";
    InsufficientBuffer = 23, "Insufficient Buffer";
    NoMemory = 24, "No Memory";
    SysError = 25, "System Error";
    Timeout = 26, "Timeout";
    FailedToInitialize = 27, "Initialization Failed";
    NotInitialized = 28, "Not Initialized";
    SslError = 29, "SSL Error";
    NoServerSupport = 30, "Not Supported By Server";
    NotYetConnected = 31, "Not Yet Connected";
    Draining = 32, "Draining in progress";
    InvalidQueueName = 33, "Invalid queue name";
    NoResponders = 34, "No responders available for request";
    Mismatch = 35, "Mismatch";
    MissedHeartbeat = 36, "Missed Server Heartbeat";
    LimitReached = 37, "Limit reached";
    PinIdMismatch = 38, "Jetstream Consumer PinID Mismatch";
    InvalidConfig = 39, "Invalid Configuration";
}

impl Status {
    /// Converts a raw status value; values outside the known range map to `None`.
    pub fn from_i32(value: i32) -> Option<Status> {
        usize::try_from(value)
            .ok()
            .and_then(|index| Status::ALL.get(index).copied())
    }
}

/// A failed operation: its status and a human-readable explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub text: String,
}

impl Error {
    /// Creates an error with an explanation of its own.
    pub fn new(status: Status, text: impl Into<String>) -> Error {
        Error {
            status,
            text: text.into(),
        }
    }

    /// Creates an error whose explanation is the status' fixed description.
    pub fn from_status(status: Status) -> Error {
        Error {
            status,
            text: status.text().to_string(),
        }
    }
}

impl From<Status> for Error {
    fn from(status: Status) -> Error {
        Error::from_status(status)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Error {}

/// Result type of the core client.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_dense() {
        for (index, status) in Status::ALL.iter().enumerate() {
            assert_eq!(*status as i32, index as i32);
        }
    }

    #[test]
    fn out_of_range_is_none() {
        assert_eq!(Status::from_i32(-1), None);
        assert_eq!(Status::from_i32(40), None);
        assert_eq!(Status::from_i32(26), Some(Status::Timeout));
    }
}
