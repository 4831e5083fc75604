//! Checks shared by push and pull subscriptions that bind to an existing
//! consumer: its configuration against the application's, and the
//! subscription's pending limits against the consumer's window.

use super::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy};
use super::error::{JsError, JsResult};
use super::json;
use crate::core::{Status, Subscription};

/// Policies the application set explicitly; `None` leaves the consumer's.
#[derive(Clone, Copy, Default)]
pub(crate) struct SetPolicies {
    pub(crate) deliver: Option<DeliverPolicy>,
    pub(crate) ack: Option<AckPolicy>,
    pub(crate) replay: Option<ReplayPolicy>,
}

fn mismatch(field: &str, requested: impl std::fmt::Display, actual: impl std::fmt::Display) -> JsError {
    JsError::new(
        Status::Err,
        format!("configuration requests {field} to be {requested}, but consumer's value is {actual}"),
    )
}

fn string_differs(user: &Option<String>, server: &Option<String>) -> bool {
    match json::non_empty(user) {
        None => false,
        Some(u) => json::non_empty(server) != Some(u),
    }
}

fn quoted(value: &Option<String>) -> String {
    format!("'{}'", value.as_deref().unwrap_or(""))
}

/// Returns an error when the application set `requested` (positive) and
/// the consumer has another value.
fn check_number(field: &str, requested: i64, actual: i64) -> JsResult<()> {
    if requested > 0 && requested != actual {
        return Err(mismatch(field, requested, actual));
    }
    Ok(())
}

/// Checks that an existing consumer has every value the application set.
/// The fields are checked in cnats' order, so the first difference reported
/// is the same, and policies and flags are printed as numbers, as cnats
/// does (the enums are declared in cnats' order).
pub(crate) fn check_config(server: &ConsumerConfig, user: &ConsumerConfig, set: SetPolicies) -> JsResult<()> {
    if string_differs(&user.durable, &server.durable) {
        return Err(mismatch("durable", quoted(&user.durable), quoted(&server.durable)));
    }
    if string_differs(&user.description, &server.description) {
        return Err(mismatch("description", quoted(&user.description), quoted(&server.description)));
    }

    if let Some(p) = set.deliver.filter(|p| *p != server.deliver_policy) {
        return Err(mismatch("deliver policy", p as i32, server.deliver_policy as i32));
    }
    if user.opt_start_seq > 0 && user.opt_start_seq != server.opt_start_seq {
        return Err(mismatch("optional start sequence", user.opt_start_seq, server.opt_start_seq));
    }
    check_number("optional start time", user.opt_start_time, server.opt_start_time)?;
    if let Some(p) = set.ack.filter(|p| *p != server.ack_policy) {
        return Err(mismatch("ack policy", p as i32, server.ack_policy as i32));
    }
    check_number("ack wait", user.ack_wait, server.ack_wait)?;
    check_number("max deliver", user.max_deliver, server.max_deliver)?;
    if !user.backoff.is_empty() && user.backoff.len() != server.backoff.len() {
        return Err(mismatch("backoff list length", user.backoff.len(), server.backoff.len()));
    }
    if let Some(p) = set.replay.filter(|p| *p != server.replay_policy) {
        return Err(mismatch("replay policy", p as i32, server.replay_policy as i32));
    }
    if user.rate_limit > 0 && user.rate_limit != server.rate_limit {
        return Err(mismatch("rate limit", user.rate_limit, server.rate_limit));
    }
    if string_differs(&user.sample_frequency, &server.sample_frequency) {
        return Err(mismatch(
            "sample frequency",
            quoted(&user.sample_frequency),
            quoted(&server.sample_frequency),
        ));
    }

    check_number("max waiting", user.max_waiting, server.max_waiting)?;
    check_number("max ack pending", user.max_ack_pending, server.max_ack_pending)?;
    // Flow control the application did not ask for is handled anyway, so
    // only a request for it on a consumer without it is an error.
    if user.flow_control && !server.flow_control {
        return Err(mismatch("flow control", "'true'", "'false'"));
    }
    check_number("heartbeat", user.heartbeat, server.heartbeat)?;
    if user.headers_only != server.headers_only {
        return Err(mismatch("headers only", i32::from(user.headers_only), i32::from(server.headers_only)));
    }
    check_number("max request batch", user.max_request_batch, server.max_request_batch)?;
    check_number("max request expires", user.max_request_expires, server.max_request_expires)?;
    check_number("inactive threshold", user.inactive_threshold, server.inactive_threshold)?;
    check_number("replicas", user.replicas, server.replicas)?;
    if user.memory_storage != server.memory_storage {
        return Err(mismatch(
            "memory storage",
            i32::from(user.memory_storage),
            i32::from(server.memory_storage),
        ));
    }
    Ok(())
}

/// Raises the subscription's pending limits so that a full window of
/// unacknowledged messages fits: `max_ack_pending` messages and 1 MiB per
/// message, as cnats does.
pub(crate) fn raise_pending_limits(sub: &Subscription, max_ack_pending: i64) {
    let Ok((msgs, bytes)) = sub.pending_limits() else {
        return;
    };
    if max_ack_pending > msgs {
        let bytes = bytes.max(max_ack_pending.saturating_mul(1024 * 1024));
        let clamp = |v: i64| v.min(i64::from(i32::MAX));
        let _ = sub.set_pending_limits(clamp(max_ack_pending), clamp(bytes));
    }
}
