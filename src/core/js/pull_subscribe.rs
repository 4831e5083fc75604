//! Creating a pull subscription: finding the stream, binding to an
//! existing consumer or creating one, and subscribing to the wildcard
//! inbox the fetch requests reply to.

use std::sync::Arc;

use serde::Serialize;

use super::consumer::{AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy};
use super::context::{
    check_consumer_name, check_stream_name, decode_reply, to_json, JetStream, RequestOptions,
};
use super::error::{JsError, JsResult};
use super::json;
use super::consumer_check::{check_config, raise_pending_limits, SetPolicies};
use super::jssub::{JsSub, JsSubKind};
use super::pull::PullState;
use super::pull_async::AsyncPull;
use crate::core::{Status, Subscription};

/// `err_code` of a create that raced with another client creating the
/// same consumer.
const CONSUMER_NAME_EXISTS: u16 = 10013;
/// `err_code` of a create of a consumer that exists and is in use.
const CONSUMER_EXISTING_ACTIVE: u16 = 10105;

/// Options of the pull subscribe calls (the parts of `jsSubOptions` that
/// apply to pull subscriptions).
#[derive(Debug, Clone, Default)]
pub struct PullSubscribeOptions {
    /// Stream to use; looked up from the subject when unset.
    pub stream: Option<String>,
    /// Existing consumer to bind to.
    pub consumer: Option<String>,
    /// Queue group of the inbox subscription. Without a durable name, the
    /// queue name is used as the durable name.
    pub queue: Option<String>,
    /// The application acknowledges messages itself.
    pub manual_ack: bool,
    /// Ordered consumers cannot be pulled; set only to report that.
    pub ordered: bool,
    /// Configuration of the consumer to create, and the values an existing
    /// consumer must have.
    pub config: ConsumerConfig,
    /// The application set the deliver policy (`jsSubOptions_Init` leaves
    /// it unset).
    pub deliver_policy_set: bool,
    /// The application set the ack policy.
    pub ack_policy_set: bool,
    /// The application set the replay policy.
    pub replay_policy_set: bool,
}

/// Checks an existing consumer against the subscribe call: its filter
/// subjects must contain the subject, it must be a pull consumer, and it
/// must have the configuration values the application set.
fn check_existing(info: &ConsumerInfo, subject: Option<&str>, opts: &PullSubscribeOptions) -> JsResult<()> {
    let cfg = &info.config;
    let filters: Vec<&str> = if !cfg.filter_subjects.is_empty() {
        cfg.filter_subjects.iter().map(String::as_str).collect()
    } else {
        json::non_empty(&cfg.filter_subject).into_iter().collect()
    };
    if let Some(subject) = subject {
        if !filters.is_empty() && !filters.contains(&subject) {
            return Err(if filters.len() == 1 {
                JsError::new(
                    Status::Err,
                    format!(
                        "subject '{subject}' does not match consumer filter subject '{}'.",
                        filters[0]
                    ),
                )
            } else {
                JsError::new(Status::Err, "1 subjects do not match any consumer filter subjects.")
            });
        }
    }
    if json::non_empty(&opts.queue).is_some() {
        if cfg.heartbeat > 0 {
            return Err(JsError::new(Status::Err, NO_HEARTBEAT_FOR_QUEUE));
        }
        if cfg.flow_control {
            return Err(JsError::new(Status::Err, NO_FLOW_CONTROL_FOR_QUEUE));
        }
    }
    if json::non_empty(&cfg.deliver_subject).is_some() {
        return Err(JsError::new(
            Status::Err,
            "cannot pull subscribe to push based consumer",
        ));
    }
    let set = SetPolicies {
        deliver: opts.deliver_policy_set.then_some(opts.config.deliver_policy),
        ack: opts.ack_policy_set.then_some(opts.config.ack_policy),
        replay: opts.replay_policy_set.then_some(opts.config.replay_policy),
    };
    check_config(cfg, &opts.config, set)
}

const NO_HEARTBEAT_FOR_QUEUE: &str =
    "a queue subscription cannot be created for a consumer with heartbeat";
const NO_FLOW_CONTROL_FOR_QUEUE: &str =
    "a queue subscription cannot be created for a consumer with flow control";

impl JetStream {
    /// Creates a pull subscription on `subject` (which may be empty when
    /// binding to a stream and consumer). It binds to the consumer named by
    /// `opts.consumer` or the durable name when that consumer exists, and
    /// creates the consumer otherwise (durable when a name is given,
    /// ephemeral without one).
    ///
    /// With `async_pull` the subscription is asynchronous and the library
    /// sends the pull requests (see [`AsyncPull::start`]); without it the
    /// application reads the subscription with fetch calls.
    pub fn pull_subscribe(
        &self,
        subject: Option<&str>,
        durable: Option<&str>,
        opts: &PullSubscribeOptions,
        call: Option<&RequestOptions>,
        async_pull: Option<Arc<AsyncPull>>,
    ) -> JsResult<Subscription> {
        let subject = subject.filter(|s| !s.is_empty());
        let mut config = opts.config.clone();
        if config.inactive_threshold < 0 {
            return Err(JsError::invalid_arg(format!(
                "invalid InactiveThreshold value ({}), needs to be greater or equal to 0",
                config.inactive_threshold
            )));
        }
        if config.opt_start_seq > 0 {
            config.deliver_policy = DeliverPolicy::ByStartSequence;
        }
        if config.opt_start_time > 0 {
            config.deliver_policy = DeliverPolicy::ByStartTime;
        }
        let queue = json::non_empty(&opts.queue);
        let mut durable = durable
            .filter(|d| !d.is_empty())
            .or(json::non_empty(&config.durable))
            .map(str::to_string);
        let stream_opt = json::non_empty(&opts.stream).map(str::to_string);
        let consumer_opt = json::non_empty(&opts.consumer).map(str::to_string);
        let bound = stream_opt.is_some() && consumer_opt.is_some();
        if subject.is_none() && !bound {
            return Err(JsError::invalid_arg(
                "subject is required unless binding to a stream and consumer",
            ));
        }
        if opts.ordered {
            return Err(JsError::invalid_arg("can not use pull mode for an ordered consumer"));
        }
        if let Some(queue) = queue {
            if config.heartbeat > 0 {
                return Err(JsError::invalid_arg(NO_HEARTBEAT_FOR_QUEUE));
            }
            if config.flow_control {
                return Err(JsError::invalid_arg(NO_FLOW_CONTROL_FOR_QUEUE));
            }
            if durable.is_none() {
                durable = Some(queue.to_string());
            }
        }
        if let Some(d) = &durable {
            check_consumer_name(d, true)?;
        }
        let consumer = consumer_opt.or_else(|| durable.clone());
        let stream = match stream_opt {
            Some(s) => s,
            // `subject` is set whenever the stream is not (checked above).
            None => self.stream_name_by_subject(subject.unwrap_or_default(), call)?,
        };

        let mut existing: Option<ConsumerInfo> = None;
        if let Some(name) = &consumer {
            match self.consumer_info(&stream, name, call) {
                Ok(info) => existing = Some(info),
                Err(e) if e.status == Status::NotFound && !bound => {}
                Err(e) => {
                    // A bound pull subscription tolerates a consumer that
                    // cannot be looked up now (JetStream unavailable).
                    let lookup_failed = e.status == Status::Timeout || e.code == JsError::NOT_ENABLED;
                    if !(bound && lookup_failed) {
                        return Err(e);
                    }
                }
            }
        }

        let mut created = false;
        let mut max_ack_pending = 0;
        let consumer_name = loop {
            if let Some(info) = &existing {
                check_existing(info, subject, opts)?;
                max_ack_pending = info.config.max_ack_pending;
                break info.name.clone().or_else(|| consumer.clone()).unwrap_or_default();
            }
            if bound {
                // Bound to a consumer that could not be looked up.
                break consumer.clone().unwrap_or_default();
            }
            let mut cfg = config.clone();
            cfg.filter_subject = subject.map(str::to_string);
            cfg.durable = durable.clone();
            cfg.deliver_group = queue.map(str::to_string);
            match self.add_consumer(&stream, &cfg, call) {
                Ok(info) => {
                    created = true;
                    max_ack_pending = info.config.max_ack_pending;
                    break info.name.clone().unwrap_or_default();
                }
                Err(e) if e.code == CONSUMER_NAME_EXISTS || e.code == CONSUMER_EXISTING_ACTIVE => {
                    // Another client created it first: bind to theirs.
                    let name = consumer.clone().unwrap_or_default();
                    existing = Some(self.consumer_info(&stream, &name, call)?);
                }
                Err(e) => return Err(e),
            }
        };

        let conn = self.connection();
        let inbox = crate::core::new_inbox(&conn.inner.opts.inbox_prefix);
        let inbox = inbox.trim_end_matches('.').to_string();
        let wildcard = format!("{inbox}.*");
        let mut js_sub = JsSub::new(self.clone(), JsSubKind::Pull, &stream, &consumer_name, created);
        js_sub.ack_none = config.ack_policy == AckPolicy::None;
        js_sub.manual_ack = opts.manual_ack;
        js_sub.pull = Some(Arc::new(PullState::new(self.prefix(), &stream, &consumer_name, &inbox)));
        js_sub.async_pull = async_pull.clone();
        let (handler, idle) = match &async_pull {
            Some(a) => (Some(a.handler()), a.tick()),
            None => (None, None),
        };
        let subscribed = conn
            .inner
            .subscribe_ext(&wildcard, queue, handler, idle, Some(Arc::new(js_sub)));
        let subscription = match subscribed {
            Ok(s) => s,
            Err(e) => {
                if created {
                    let _ = self.delete_consumer(&stream, &consumer_name, call);
                }
                return Err(e.into());
            }
        };
        raise_pending_limits(&subscription, max_ack_pending);
        Ok(subscription)
    }
}

/// Checks a priority group name: 1 to 16 characters of `A-Z`, `a-z`,
/// `0-9`, `-`, `_`, `/` and `=`, as the server requires.
fn check_group_name(group: &str) -> JsResult<()> {
    if group.is_empty() {
        return Err(JsError::invalid_arg("group must not be empty"));
    }
    if group.chars().count() > 16 {
        return Err(JsError::invalid_arg("group must not be longer than 16 characters"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '=');
    if !group.chars().all(allowed) {
        return Err(JsError::invalid_arg("group must contain only [A-Za-z0-9-_/=]"));
    }
    Ok(())
}

#[derive(Serialize)]
struct UnpinRequest<'a> {
    group: &'a str,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct UnpinResponse {
    success: Option<bool>,
}

impl JetStream {
    /// Unpins the client pinned to priority group `group` of a consumer
    /// with the `pinned_client` policy, so that the server pins another
    /// one (nats-server 2.11+).
    pub fn unpin_consumer(
        &self,
        stream: &str,
        consumer: &str,
        group: &str,
        opts: Option<&RequestOptions>,
    ) -> JsResult<()> {
        check_stream_name(stream)?;
        check_consumer_name(consumer, false)?;
        check_group_name(group)?;
        let call = self.call_options(opts);
        let body = to_json(&UnpinRequest { group })?;
        let reply = self.api_request(
            &call,
            &format!("CONSUMER.UNPIN.{stream}.{consumer}"),
            &body,
            call.wait,
        )?;
        // nats-server 2.15 replies with only the response type: no error
        // means success. An explicit `"success": false` is a failure.
        let not_found = [JsError::STREAM_NOT_FOUND, JsError::CONSUMER_NOT_FOUND];
        let result: Option<UnpinResponse> = decode_reply(&reply, &not_found)?;
        if result.is_some_and(|r| r.success == Some(false)) {
            return Err(JsError::new(
                Status::Err,
                format!("failed to unpin group '{group}' at consumer '{consumer}'"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_checked() {
        assert!(check_group_name("G-1_a/b=").is_ok());
        assert!(check_group_name("").is_err());
        assert!(check_group_name("abcdefghijklmnopq").is_err());
        assert!(check_group_name("bad group").is_err());
        assert!(check_group_name("a.b").is_err());
    }
}
