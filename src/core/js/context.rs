//! The JetStream context: API prefix, request timeout and per-call option
//! resolution, and the request/decode step every API call shares.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::{JsError, JsResult};
use super::publish_async::{AsyncPublisher, PublishAsyncOptions};
use crate::core::{Connection, Message, Status};

/// API prefix used when neither a prefix nor a domain is configured.
pub(crate) const DEFAULT_API_PREFIX: &str = "$JS.API";

/// How long API requests wait for their reply unless configured otherwise.
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// Advanced purge options: which messages a purge removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeOptions {
    /// Purge only messages whose subject matches this filter (wildcards allowed).
    pub subject: Option<String>,
    /// Purge up to, but not including, this sequence. Exclusive with `keep`.
    pub sequence: u64,
    /// Keep this many of the newest messages. Exclusive with `sequence`.
    pub keep: u64,
}

impl PurgeOptions {
    /// Returns whether any field is set, so that these options replace the context's.
    pub fn is_set(&self) -> bool {
        self.subject.is_some() || self.sequence > 0 || self.keep > 0
    }
}

/// Extra details requested with stream information.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamInfoOptions {
    /// Include the sequences of deleted messages.
    pub deleted_details: bool,
    /// Include the message count of each subject matching this filter. For
    /// the stream list, only streams with a matching subject are returned.
    pub subjects_filter: Option<String>,
}

/// Options of a JetStream context.
#[derive(Clone, Default)]
pub struct JetStreamOptions {
    /// API prefix, `$JS.API` when unset; a trailing dot is ignored.
    pub prefix: Option<String>,
    /// JetStream domain; when set the prefix is `$JS.<domain>.API`.
    pub domain: Option<String>,
    /// Timeout of API requests and synchronous publishes; zero means 5 s.
    pub wait: Duration,
    /// Purge options used when a purge call does not set any.
    pub purge: PurgeOptions,
    /// Ask for deleted message details when a call passes no options.
    pub deleted_details: bool,
    /// Asynchronous publishing settings.
    pub publish_async: PublishAsyncOptions,
}

/// Options of one API call; unset fields fall back to the context's.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// API prefix for this call.
    pub prefix: Option<String>,
    /// Domain for this call; takes precedence over `prefix`.
    pub domain: Option<String>,
    /// Request timeout; zero means the context's.
    pub wait: Duration,
    /// Purge options; used when any field is set.
    pub purge: PurgeOptions,
    /// Stream information options. They replace the context's whenever a
    /// call passes options.
    pub info: StreamInfoOptions,
}

/// Options of one call after falling back to the context's.
pub(crate) struct CallOptions {
    /// API prefix without a trailing dot.
    pub(crate) prefix: String,
    pub(crate) wait: Duration,
    pub(crate) purge: PurgeOptions,
    pub(crate) info: StreamInfoOptions,
}

pub(crate) struct JsInner {
    pub(crate) conn: Connection,
    /// API prefix without a trailing dot.
    pub(crate) prefix: String,
    pub(crate) wait: Duration,
    pub(crate) purge: PurgeOptions,
    pub(crate) deleted_details: bool,
    pub(crate) publisher: Arc<AsyncPublisher>,
}

impl Drop for JsInner {
    fn drop(&mut self) {
        self.publisher.close();
    }
}

/// A JetStream context; clones share one context.
#[derive(Clone)]
pub struct JetStream {
    pub(crate) inner: Arc<JsInner>,
}

fn without_trailing_dot(text: &str) -> &str {
    text.strip_suffix('.').unwrap_or(text)
}

fn domain_prefix(domain: &str) -> String {
    format!("$JS.{}.API", without_trailing_dot(domain))
}

/// Chooses the API prefix: a domain wins over a prefix, an empty value
/// counts as unset.
fn choose_prefix(domain: Option<&str>, prefix: Option<&str>) -> Option<String> {
    if let Some(domain) = domain.filter(|d| !d.is_empty()) {
        return Some(domain_prefix(domain));
    }
    prefix
        .filter(|p| !p.is_empty())
        .map(|p| without_trailing_dot(p).to_string())
}

/// Error object of an API response.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiErrorBody {
    code: i64,
    err_code: u16,
    description: Option<String>,
}

impl JetStream {
    /// Creates a context over `conn`, which it keeps alive.
    pub fn new(conn: &Connection, opts: JetStreamOptions) -> JetStream {
        let prefix = choose_prefix(opts.domain.as_deref(), opts.prefix.as_deref())
            .unwrap_or_else(|| DEFAULT_API_PREFIX.to_string());
        let wait = if opts.wait.is_zero() {
            DEFAULT_WAIT
        } else {
            opts.wait
        };
        JetStream {
            inner: Arc::new(JsInner {
                conn: conn.clone(),
                prefix,
                wait,
                purge: opts.purge,
                deleted_details: opts.deleted_details,
                publisher: Arc::new(AsyncPublisher::new(opts.publish_async)),
            }),
        }
    }

    /// Returns the connection the context sends through.
    pub fn connection(&self) -> &Connection {
        &self.inner.conn
    }

    /// Returns the API prefix, without a trailing dot.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// Returns the default request timeout.
    pub fn wait(&self) -> Duration {
        self.inner.wait
    }

    /// Stops asynchronous publishing: the reply subscription is removed and
    /// messages still waiting for an acknowledgment are dropped. Calls that
    /// wait for acknowledgments return. Other calls keep working.
    pub fn close(&self) {
        self.inner.publisher.close();
    }

    /// Identity of the shared context, stable while any handle lives.
    pub fn as_ptr(&self) -> *const () {
        Arc::as_ptr(&self.inner) as *const ()
    }

    /// Leaks one reference for a foreign owner.
    pub fn into_raw(self) -> *const () {
        Arc::into_raw(self.inner) as *const ()
    }

    /// Takes back a reference leaked by [`JetStream::into_raw`].
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` and be used once.
    pub unsafe fn from_raw(ptr: *const ()) -> JetStream {
        JetStream {
            inner: Arc::from_raw(ptr as *const JsInner),
        }
    }

    /// Borrows a leaked reference as a new handle without taking it over.
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` and still be owned by the caller.
    pub unsafe fn clone_from_raw(ptr: *const ()) -> JetStream {
        let inner = ptr as *const JsInner;
        Arc::increment_strong_count(inner);
        JetStream {
            inner: Arc::from_raw(inner),
        }
    }

    /// Resolves one call's options against the context's.
    pub(crate) fn call_options(&self, opts: Option<&RequestOptions>) -> CallOptions {
        let inner = &self.inner;
        let Some(o) = opts else {
            return CallOptions {
                prefix: inner.prefix.clone(),
                wait: inner.wait,
                purge: inner.purge.clone(),
                info: StreamInfoOptions {
                    deleted_details: inner.deleted_details,
                    subjects_filter: None,
                },
            };
        };
        CallOptions {
            prefix: choose_prefix(o.domain.as_deref(), o.prefix.as_deref())
                .unwrap_or_else(|| inner.prefix.clone()),
            wait: if o.wait.is_zero() { inner.wait } else { o.wait },
            purge: if o.purge.is_set() {
                o.purge.clone()
            } else {
                inner.purge.clone()
            },
            info: o.info.clone(),
        }
    }

    /// Sends `body` to `<prefix>.<api>` and waits up to `timeout` for the
    /// reply. No responders means JetStream is not enabled, reported with
    /// code [`JsError::NOT_ENABLED`].
    pub(crate) fn api_request(
        &self,
        call: &CallOptions,
        api: &str,
        body: &[u8],
        timeout: Duration,
    ) -> JsResult<Message> {
        let subject = format!("{}.{api}", call.prefix);
        self.inner
            .conn
            .request(&subject, body, timeout)
            .map_err(|e| match e.status {
                Status::NoResponders => {
                    JsError::api(Status::NoResponders, JsError::NOT_ENABLED, e.text)
                }
                Status::Timeout => JsError::new(
                    Status::Timeout,
                    format!("timed out after {timeout:?} waiting for the reply to {subject}"),
                ),
                _ => e.into(),
            })
    }
}

/// Decodes a JetStream API reply. An `error` object becomes a [`JsError`]
/// whose status is `NotFound` when its `err_code` is in `not_found` and
/// `Err` otherwise. An empty reply gives `None`.
pub(crate) fn decode_reply<T: DeserializeOwned>(
    msg: &Message,
    not_found: &[u16],
) -> JsResult<Option<T>> {
    let data = msg.data();
    if data.is_empty() {
        return Ok(None);
    }
    // Most replies carry no error: decode those straight into `T`, which
    // costs about a third of going through a `serde_json::Value`.
    if memchr::memmem::find(data, b"\"error\"").is_none() {
        return serde_json::from_slice::<T>(data)
            .map(Some)
            .map_err(|e| JsError::new(Status::Err, format!("unexpected JetStream API reply: {e}")));
    }
    let mut value: serde_json::Value = serde_json::from_slice(data).map_err(|e| {
        JsError::new(
            Status::Err,
            format!("invalid JSON in the JetStream API reply: {e}"),
        )
    })?;
    if let Some(error) = value.get_mut("error").filter(|e| e.is_object()) {
        let body = ApiErrorBody::deserialize(error.take()).unwrap_or_default();
        if body.code != 0 || body.err_code != 0 {
            let status = if not_found.contains(&body.err_code) {
                Status::NotFound
            } else {
                Status::Err
            };
            let text = body
                .description
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| {
                    format!("JetStream API error {} (code {})", body.err_code, body.code)
                });
            return Err(JsError::api(status, body.err_code, text));
        }
    }
    T::deserialize(value)
        .map(Some)
        .map_err(|e| JsError::new(Status::Err, format!("unexpected JetStream API reply: {e}")))
}

/// Like [`decode_reply`] for replies that must not be empty.
pub(crate) fn decode_required<T: DeserializeOwned>(
    msg: &Message,
    not_found: &[u16],
) -> JsResult<T> {
    decode_reply(msg, not_found)?
        .ok_or_else(|| JsError::new(Status::Err, "the JetStream API reply is empty"))
}

/// Serializes a request body.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> JsResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| {
        JsError::new(
            Status::Err,
            format!("cannot encode the JetStream request: {e}"),
        )
    })
}

/// Rejects an empty stream name or one with a `.`, which the API subject
/// cannot carry.
pub(crate) fn check_stream_name(stream: &str) -> JsResult<()> {
    if stream.is_empty() {
        return Err(JsError::invalid_arg("stream name is required"));
    }
    if stream.contains('.') {
        return Err(JsError::invalid_arg(format!(
            "invalid stream name '{stream}' (cannot contain '.')"
        )));
    }
    Ok(())
}

/// Rejects an empty stream name; message calls accept any other name.
pub(crate) fn require_stream_name(stream: &str) -> JsResult<()> {
    if stream.is_empty() {
        return Err(JsError::invalid_arg("stream name is required"));
    }
    Ok(())
}

/// Rejects an empty consumer or durable name, or one containing `.`, a
/// space, `*` or `>`.
pub(crate) fn check_consumer_name(name: &str, durable: bool) -> JsResult<()> {
    if name.is_empty() {
        return Err(JsError::invalid_arg("consumer name is required"));
    }
    if let Some(bad) = name.chars().find(|c| matches!(c, '.' | ' ' | '*' | '>')) {
        let what = if durable { "durable" } else { "consumer" };
        return Err(JsError::invalid_arg(format!(
            "invalid {what} name '{name}' (cannot contain '{bad}')"
        )));
    }
    Ok(())
}
