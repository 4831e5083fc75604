//! The safe Rust NATS client that the C layer wraps. Nothing in this
//! module knows about C types.

pub mod auth;
pub mod conn;
pub(crate) mod connect;
pub mod delivery;
pub mod drain;
pub mod events;
pub mod evloop;
pub mod header;
pub mod info;
pub mod js;
pub mod lifecycle;
pub(crate) mod io;
pub mod message;
pub mod options;
pub mod parser;
pub(crate) mod poll;
pub(crate) mod pool;
pub(crate) mod request;
pub mod runtime;
pub mod secret;
pub mod status;
pub(crate) mod stream;
pub mod sub;
pub mod tls;
pub mod url;

pub use conn::{ConnStatus, Connection, Statistics};
pub use header::Headers;
pub use message::Message;
pub use options::Options;
pub use status::{Error, Result, Status};
pub use sub::{SubStats, Subscription};

/// URL used when no server is configured.
pub const DEFAULT_URL: &str = "nats://localhost:4222";

/// Returns a new unique inbox subject under `prefix`.
pub fn new_inbox(prefix: &str) -> String {
    format!("{prefix}{}", nuid::next())
}
