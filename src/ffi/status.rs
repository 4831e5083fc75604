//! The `natsStatus` and `natsConnStatus` enums of `nats/status.h`.

use crate::core::{ConnStatus, Status};

/// Status code returned by most functions of the library.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum natsStatus {
    /// OK.
    NATS_OK = 0,
    /// Error.
    NATS_ERR = 1,
    /// Protocol Error.
    NATS_PROTOCOL_ERROR = 2,
    /// IO Error.
    NATS_IO_ERROR = 3,
    /// Line too long.
    NATS_LINE_TOO_LONG = 4,
    /// Connection Closed.
    NATS_CONNECTION_CLOSED = 5,
    /// No server available for connection.
    NATS_NO_SERVER = 6,
    /// Stale Connection.
    NATS_STALE_CONNECTION = 7,
    /// Secure Connection not available.
    NATS_SECURE_CONNECTION_WANTED = 8,
    /// Secure Connection Required.
    NATS_SECURE_CONNECTION_REQUIRED = 9,
    /// Connection Disconnected.
    NATS_CONNECTION_DISCONNECTED = 10,
    /// Authentication Violation.
    NATS_CONNECTION_AUTH_FAILED = 11,
    /// Not Permitted.
    NATS_NOT_PERMITTED = 12,
    /// Not Found.
    NATS_NOT_FOUND = 13,
    /// TCP Address missing.
    NATS_ADDRESS_MISSING = 14,
    /// Invalid Subject.
    NATS_INVALID_SUBJECT = 15,
    /// Invalid Argument.
    NATS_INVALID_ARG = 16,
    /// Invalid Subscription.
    NATS_INVALID_SUBSCRIPTION = 17,
    /// Invalid Timeout.
    NATS_INVALID_TIMEOUT = 18,
    /// Illegal State.
    NATS_ILLEGAL_STATE = 19,
    /// Slow Consumer, messages dropped.
    NATS_SLOW_CONSUMER = 20,
    /// Maximum Payload Exceeded.
    NATS_MAX_PAYLOAD = 21,
    /// Maximum Messages Delivered.
    NATS_MAX_DELIVERED_MSGS = 22,
    /// Insufficient Buffer.
    NATS_INSUFFICIENT_BUFFER = 23,
    /// No Memory.
    NATS_NO_MEMORY = 24,
    /// System Error.
    NATS_SYS_ERROR = 25,
    /// Timeout.
    NATS_TIMEOUT = 26,
    /// Initialization Failed.
    NATS_FAILED_TO_INITIALIZE = 27,
    /// Not Initialized.
    NATS_NOT_INITIALIZED = 28,
    /// SSL Error.
    NATS_SSL_ERROR = 29,
    /// Not Supported By Server.
    NATS_NO_SERVER_SUPPORT = 30,
    /// Not Yet Connected.
    NATS_NOT_YET_CONNECTED = 31,
    /// Draining in progress.
    NATS_DRAINING = 32,
    /// Invalid queue name.
    NATS_INVALID_QUEUE_NAME = 33,
    /// No responders available for request.
    NATS_NO_RESPONDERS = 34,
    /// Mismatch.
    NATS_MISMATCH = 35,
    /// Missed Server Heartbeat.
    NATS_MISSED_HEARTBEAT = 36,
    /// Limit reached.
    NATS_LIMIT_REACHED = 37,
    /// Jetstream Consumer PinID Mismatch.
    NATS_PIN_ID_MISMATCH = 38,
    /// Invalid Configuration.
    NATS_INVALID_CONFIG = 39,
    /// One past the largest status value.
    NATS_MAX_STATUS_VALUE = 40,
}

// Maps each C status to the core status of the same value.
macro_rules! c_statuses {
    ($($c:ident => $core:ident,)*) => {
        impl From<Status> for natsStatus {
            fn from(s: Status) -> natsStatus {
                match s {
                    $(Status::$core => natsStatus::$c,)*
                }
            }
        }

        impl natsStatus {
            /// The core status with the same value, if this is not the sentinel.
            pub fn to_core(self) -> Option<Status> {
                match self {
                    $(natsStatus::$c => Some(Status::$core),)*
                    natsStatus::NATS_MAX_STATUS_VALUE => None,
                }
            }
        }
    };
}

c_statuses! {
    NATS_OK => Ok,
    NATS_ERR => Err,
    NATS_PROTOCOL_ERROR => ProtocolError,
    NATS_IO_ERROR => IoError,
    NATS_LINE_TOO_LONG => LineTooLong,
    NATS_CONNECTION_CLOSED => ConnectionClosed,
    NATS_NO_SERVER => NoServer,
    NATS_STALE_CONNECTION => StaleConnection,
    NATS_SECURE_CONNECTION_WANTED => SecureConnectionWanted,
    NATS_SECURE_CONNECTION_REQUIRED => SecureConnectionRequired,
    NATS_CONNECTION_DISCONNECTED => ConnectionDisconnected,
    NATS_CONNECTION_AUTH_FAILED => ConnectionAuthFailed,
    NATS_NOT_PERMITTED => NotPermitted,
    NATS_NOT_FOUND => NotFound,
    NATS_ADDRESS_MISSING => AddressMissing,
    NATS_INVALID_SUBJECT => InvalidSubject,
    NATS_INVALID_ARG => InvalidArg,
    NATS_INVALID_SUBSCRIPTION => InvalidSubscription,
    NATS_INVALID_TIMEOUT => InvalidTimeout,
    NATS_ILLEGAL_STATE => IllegalState,
    NATS_SLOW_CONSUMER => SlowConsumer,
    NATS_MAX_PAYLOAD => MaxPayload,
    NATS_MAX_DELIVERED_MSGS => MaxDeliveredMsgs,
    NATS_INSUFFICIENT_BUFFER => InsufficientBuffer,
    NATS_NO_MEMORY => NoMemory,
    NATS_SYS_ERROR => SysError,
    NATS_TIMEOUT => Timeout,
    NATS_FAILED_TO_INITIALIZE => FailedToInitialize,
    NATS_NOT_INITIALIZED => NotInitialized,
    NATS_SSL_ERROR => SslError,
    NATS_NO_SERVER_SUPPORT => NoServerSupport,
    NATS_NOT_YET_CONNECTED => NotYetConnected,
    NATS_DRAINING => Draining,
    NATS_INVALID_QUEUE_NAME => InvalidQueueName,
    NATS_NO_RESPONDERS => NoResponders,
    NATS_MISMATCH => Mismatch,
    NATS_MISSED_HEARTBEAT => MissedHeartbeat,
    NATS_LIMIT_REACHED => LimitReached,
    NATS_PIN_ID_MISMATCH => PinIdMismatch,
    NATS_INVALID_CONFIG => InvalidConfig,
}

/// State of a connection.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum natsConnStatus {
    /// The connection is disconnected.
    NATS_CONN_STATUS_DISCONNECTED = 0,
    /// The connection is being established.
    NATS_CONN_STATUS_CONNECTING = 1,
    /// The connection is connected.
    NATS_CONN_STATUS_CONNECTED = 2,
    /// The connection is closed.
    NATS_CONN_STATUS_CLOSED = 3,
    /// The connection lost its server and is reconnecting.
    NATS_CONN_STATUS_RECONNECTING = 4,
    /// The connection is draining its subscriptions.
    NATS_CONN_STATUS_DRAINING_SUBS = 5,
    /// The connection is draining its publishers.
    NATS_CONN_STATUS_DRAINING_PUBS = 6,
}

impl From<ConnStatus> for natsConnStatus {
    fn from(s: ConnStatus) -> natsConnStatus {
        match s {
            ConnStatus::Disconnected => natsConnStatus::NATS_CONN_STATUS_DISCONNECTED,
            ConnStatus::Connecting => natsConnStatus::NATS_CONN_STATUS_CONNECTING,
            ConnStatus::Connected => natsConnStatus::NATS_CONN_STATUS_CONNECTED,
            ConnStatus::Closed => natsConnStatus::NATS_CONN_STATUS_CLOSED,
            ConnStatus::Reconnecting => natsConnStatus::NATS_CONN_STATUS_RECONNECTING,
            ConnStatus::DrainingSubs => natsConnStatus::NATS_CONN_STATUS_DRAINING_SUBS,
            ConnStatus::DrainingPubs => natsConnStatus::NATS_CONN_STATUS_DRAINING_PUBS,
        }
    }
}
