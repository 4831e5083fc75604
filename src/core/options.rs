//! Connection options, with cnats' defaults.

use std::sync::Arc;
use std::time::Duration;

use super::auth::{NKeyAuth, UserCredentials};
use super::conn::Connection;
use super::secret::Secret;
use super::tls::TlsOptions;
use super::status::Error;
use super::sub::Subscription;

/// Connect timeout: 2 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Interval between client PINGs: 2 minutes.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(120);
/// Unanswered PINGs tolerated before the connection is declared stale.
pub const DEFAULT_MAX_PINGS_OUT: i32 = 2;
/// Size of the socket read buffer: 32 KiB.
pub const DEFAULT_IO_BUF_SIZE: usize = 32 * 1024;
/// Messages a subscription may queue before it is a slow consumer.
pub const DEFAULT_MAX_PENDING_MSGS: i64 = 65536;
/// Bytes a subscription may queue per allowed pending message when no
/// byte limit is set: 1 KiB, so 64 MiB for the default message limit.
pub const PENDING_BYTES_PER_MSG: i64 = 1024;

impl Options {
    /// Pending byte limit new subscriptions get.
    pub fn pending_bytes_limit(&self) -> i64 {
        self.max_pending_bytes
            .unwrap_or(self.max_pending_msgs.saturating_mul(PENDING_BYTES_PER_MSG))
    }
}
/// Reconnect attempts per server before it leaves the pool.
pub const DEFAULT_MAX_RECONNECT: i32 = 60;
/// Pause between two rounds of reconnect attempts: 2 seconds.
pub const DEFAULT_RECONNECT_WAIT: Duration = Duration::from_secs(2);
/// Random extra pause added to the reconnect wait: 100 ms.
pub const DEFAULT_RECONNECT_JITTER: Duration = Duration::from_millis(100);
/// Random extra pause for TLS connections: 1 second.
pub const DEFAULT_RECONNECT_JITTER_TLS: Duration = Duration::from_secs(1);
/// Bytes of publishes kept while reconnecting: 8 MiB.
pub const DEFAULT_RECONNECT_BUF_SIZE: usize = 8 * 1024 * 1024;
/// Prefix of inbox subjects.
pub const DEFAULT_INBOX_PREFIX: &str = "_INBOX.";

/// Callback run on connection events (closed, disconnected, reconnected…).
pub type ConnectionCallback = Arc<dyn Fn(&Connection) + Send + Sync>;
/// Callback run on asynchronous errors, such as a slow consumer.
pub type ErrorCallback = Arc<dyn Fn(&Connection, Option<&Subscription>, &Error) + Send + Sync>;
/// Callback that produces the token to send at each connect.
pub type TokenCallback = Arc<dyn Fn() -> Option<String> + Send + Sync>;
/// Callback that returns the reconnect delay for an attempt number.
pub type ReconnectDelayCallback = Arc<dyn Fn(&Connection, i32) -> Duration + Send + Sync>;

/// Callback that opens a TCP connection to a host and port, for example
/// through a proxy.
pub type ProxyConnectCallback =
    Arc<dyn Fn(&str, u16) -> super::status::Result<std::net::TcpStream> + Send + Sync>;

/// Every setting of a connection. Cloned when a connection is created, so
/// later changes to the options do not affect it.
#[derive(Clone)]
pub struct Options {
    /// URL list set with `SetURL`, as given (comma-separated).
    pub url: Option<String>,
    /// URLs set with `SetServers`.
    pub servers: Vec<String>,
    pub no_randomize: bool,
    pub timeout: Duration,
    pub name: Option<String>,
    pub verbose: bool,
    pub pedantic: bool,
    pub no_echo: bool,
    /// Zero disables client PINGs.
    pub ping_interval: Duration,
    pub max_pings_out: i32,
    pub io_buf_size: usize,
    pub max_pending_msgs: i64,
    /// `None` means 1 KiB per allowed pending message, as cnats sizes it.
    pub max_pending_bytes: Option<i64>,
    pub allow_reconnect: bool,
    /// Negative means unlimited.
    pub max_reconnect: i32,
    pub reconnect_wait: Duration,
    pub reconnect_jitter: Duration,
    pub reconnect_jitter_tls: Duration,
    pub custom_reconnect_delay: Option<ReconnectDelayCallback>,
    pub reconnect_buf_size: usize,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub token: Option<Secret>,
    pub token_handler: Option<TokenCallback>,
    /// Require TLS (set by `SetSecure` or any TLS option).
    pub secure: bool,
    pub tls: TlsOptions,
    pub user_credentials: Option<UserCredentials>,
    pub nkey: Option<NKeyAuth>,
    pub closed_cb: Option<ConnectionCallback>,
    pub disconnected_cb: Option<ConnectionCallback>,
    pub reconnected_cb: Option<ConnectionCallback>,
    pub discovered_servers_cb: Option<ConnectionCallback>,
    pub lame_duck_cb: Option<ConnectionCallback>,
    pub connected_cb: Option<ConnectionCallback>,
    pub error_cb: Option<ErrorCallback>,
    pub ignore_discovered_servers: bool,
    pub retry_on_failed_connect: bool,
    pub fail_requests_on_disconnect: bool,
    pub send_asap: bool,
    pub disable_no_responders: bool,
    pub use_old_request_style: bool,
    pub inbox_prefix: String,
    /// Zero disables the write deadline.
    pub write_deadline: Duration,
    pub ignore_auth_error_abort: bool,
    /// Zero bytes allocated after each received payload.
    pub message_padding: usize,
    /// Opens the TCP connection in place of the library, for proxies.
    pub proxy_connect: Option<ProxyConnectCallback>,
    /// The application's event loop that reads the socket, if any.
    pub event_loop: Option<Arc<dyn super::evloop::EventLoop>>,
    /// Deliver asynchronous messages through the shared thread pool.
    pub global_delivery: bool,
    /// Address families to connect to: 0 any, 4, 6, 46 or 64 (in that order).
    pub ip_resolution_order: i32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            url: None,
            servers: Vec::new(),
            no_randomize: false,
            timeout: DEFAULT_TIMEOUT,
            name: None,
            verbose: false,
            pedantic: false,
            no_echo: false,
            ping_interval: DEFAULT_PING_INTERVAL,
            max_pings_out: DEFAULT_MAX_PINGS_OUT,
            io_buf_size: DEFAULT_IO_BUF_SIZE,
            max_pending_msgs: DEFAULT_MAX_PENDING_MSGS,
            max_pending_bytes: None,
            allow_reconnect: true,
            max_reconnect: DEFAULT_MAX_RECONNECT,
            reconnect_wait: DEFAULT_RECONNECT_WAIT,
            reconnect_jitter: DEFAULT_RECONNECT_JITTER,
            reconnect_jitter_tls: DEFAULT_RECONNECT_JITTER_TLS,
            custom_reconnect_delay: None,
            reconnect_buf_size: DEFAULT_RECONNECT_BUF_SIZE,
            user: None,
            password: None,
            token: None,
            token_handler: None,
            secure: false,
            tls: TlsOptions::default(),
            user_credentials: None,
            nkey: None,
            closed_cb: None,
            disconnected_cb: None,
            reconnected_cb: None,
            discovered_servers_cb: None,
            lame_duck_cb: None,
            connected_cb: None,
            error_cb: None,
            ignore_discovered_servers: false,
            retry_on_failed_connect: false,
            fail_requests_on_disconnect: false,
            send_asap: false,
            disable_no_responders: false,
            use_old_request_style: false,
            inbox_prefix: DEFAULT_INBOX_PREFIX.to_string(),
            write_deadline: Duration::ZERO,
            ignore_auth_error_abort: false,
            ip_resolution_order: 0,
            global_delivery: super::delivery::default_to_pool(),
            message_padding: 0,
            event_loop: None,
            proxy_connect: None,
        }
    }
}
