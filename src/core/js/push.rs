//! Push subscriptions: binding to or creating a consumer that sends to a
//! deliver subject, flow control, idle heartbeats, sequence mismatch
//! detection and ordered consumers.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::ack::parse_ack_subject;
use super::consumer::{AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, ReplayPolicy};
use super::context::{check_consumer_name, decode_required, to_json, JetStream, RequestOptions};
use super::error::{JsError, JsResult};
use super::consumer_check::{check_config, raise_pending_limits, SetPolicies};
use super::json::non_empty;
use super::jssub::{JsSub, JsSubKind, SeqMismatch};
use crate::core::header::STATUS_HEADER;
use crate::core::sub::{Closed, MessageHandler, SubInner};
use crate::core::{Error, Message, Status, Subscription};

/// Header of a heartbeat that carries a pending flow-control reply subject.
const CONSUMER_STALLED_HEADER: &str = "Nats-Consumer-Stalled";
/// Header of a heartbeat with the last consumer sequence the server sent.
const LAST_CONSUMER_HEADER: &str = "Nats-Last-Consumer";
/// Heartbeat interval of an ordered consumer unless the configuration sets
/// one: 5 seconds, in nanoseconds, as in cnats.
const ORDERED_HEARTBEAT: i64 = 5_000_000_000;
/// Ack wait an ordered consumer is created with (it never uses it): one day.
const ORDERED_ACK_WAIT: i64 = 24 * 3600 * 1_000_000_000;
/// How often the heartbeat monitor checks whether its subscription closed.
const MONITOR_TICK: Duration = Duration::from_millis(50);
/// JetStream error code of a consumer name that exists with another configuration.
const CONSUMER_NAME_EXISTS: u16 = 10013;
/// JetStream error code of a durable consumer bound to another subscription.
const CONSUMER_EXISTING_ACTIVE: u16 = 10105;

/// Options of a push subscribe call.
#[derive(Debug, Clone, Default)]
pub struct PushSubscribeOptions {
    /// Stream of the consumer; looked up from the first subject when unset.
    pub stream: Option<String>,
    /// Existing consumer to bind to.
    pub consumer: Option<String>,
    /// Queue group (the consumer's deliver group).
    pub queue: Option<String>,
    /// The application acknowledges messages itself: no auto-ack.
    pub manual_ack: bool,
    /// Configuration of the consumer to create, or to check an existing one against.
    pub config: ConsumerConfig,
    /// Deliver policy set by the application; `None` means the default.
    pub deliver_policy: Option<DeliverPolicy>,
    /// Ack policy set by the application; `None` means the default.
    pub ack_policy: Option<AckPolicy>,
    /// Replay policy set by the application; `None` means the default.
    pub replay_policy: Option<ReplayPolicy>,
    /// Ordered consumer: no acks, flow control and heartbeats on, and the
    /// library recreates the consumer after a gap.
    pub ordered: bool,
}

impl PushSubscribeOptions {
    /// Policies the application set explicitly, for [`check_config`].
    fn set_policies(&self) -> SetPolicies {
        SetPolicies {
            deliver: self.deliver_policy,
            ack: self.ack_policy,
            replay: self.replay_policy,
        }
    }
}

fn err(text: impl Into<String>) -> JsError {
    JsError::new(Status::Err, text)
}

/// Checks that an existing consumer can serve this push subscription and
/// returns its deliver subject.
fn check_consumer_info(info: &ConsumerInfo, subjects: &[String], o: &PushSubscribeOptions) -> JsResult<String> {
    let cfg = &info.config;
    let mut filters: Vec<&str> = cfg.filter_subjects.iter().map(String::as_str).collect();
    if filters.is_empty() {
        if let Some(f) = non_empty(&cfg.filter_subject) {
            filters.push(f);
        }
    }
    if !subjects.is_empty() && !filters.is_empty() {
        let all_match = subjects.iter().all(|s| filters.contains(&s.as_str()));
        if !all_match {
            if subjects.len() == 1 && filters.len() == 1 {
                return Err(err(format!(
                    "subject '{}' does not match consumer filter subject '{}'.",
                    subjects[0], filters[0]
                )));
            }
            return Err(err(format!(
                "{} subjects do not match any consumer filter subjects.",
                subjects.len()
            )));
        }
    }
    let queue = non_empty(&o.queue);
    if queue.is_some() {
        if cfg.heartbeat > 0 {
            return Err(err("a queue subscription cannot be created for a consumer with heartbeat"));
        }
        if cfg.flow_control {
            return Err(err("a queue subscription cannot be created for a consumer with flow control"));
        }
    }
    let Some(deliver) = non_empty(&cfg.deliver_subject) else {
        return Err(err("must use pull subscribe to bind to pull based consumer"));
    };
    match (non_empty(&cfg.deliver_group), queue) {
        (None, Some(_)) => {
            return Err(err("cannot create a queue subscription for a consumer without a deliver group"))
        }
        (None, None) if info.push_bound => return Err(err("consumer is already bound to a subscription")),
        (Some(group), None) => {
            return Err(err(format!(
                "cannot create a subscription for a consumer with a deliver group {group}"
            )))
        }
        (Some(group), Some(q)) if group != q => {
            return Err(err(format!(
                "cannot create a queue subscription '{q}' for a consumer with a deliver group '{group}'"
            )))
        }
        _ => {}
    }
    check_config(cfg, &o.config, o.set_policies())?;
    Ok(deliver.to_string())
}

/// Checks the options cnats rejects before any request is sent.
fn check_options(subjects: &[String], o: &PushSubscribeOptions) -> JsResult<()> {
    if o.config.inactive_threshold < 0 {
        return Err(JsError::invalid_arg(format!(
            "invalid InactiveThreshold value ({}), needs to be greater or equal to 0",
            o.config.inactive_threshold
        )));
    }
    let bound = non_empty(&o.stream).is_some() && non_empty(&o.consumer).is_some();
    if subjects.is_empty() && !bound {
        return Err(JsError::invalid_arg(
            "a subject is required unless both the stream and the consumer are set",
        ));
    }
    if subjects.iter().any(String::is_empty) {
        return Err(JsError::invalid_arg("subjects cannot be empty"));
    }
    let queue = non_empty(&o.queue).is_some();
    if o.ordered {
        if non_empty(&o.config.durable).is_some() {
            return Err(JsError::invalid_arg("durable can not be set for an ordered consumer"));
        }
        if o.ack_policy.is_some() {
            return Err(JsError::invalid_arg("ack policy can not be set for an ordered consume"));
        }
        if o.config.max_deliver > 0 && o.config.max_deliver != 1 {
            return Err(JsError::invalid_arg("max deliver can not be set for an ordered consumer"));
        }
        if non_empty(&o.config.deliver_subject).is_some() {
            return Err(JsError::invalid_arg("deliver subject can not be set for an ordered consumer"));
        }
        if queue {
            return Err(JsError::invalid_arg("queue can not be set for an ordered consumer"));
        }
        if non_empty(&o.consumer).is_some() {
            return Err(JsError::invalid_arg("can not bind existing consumer for an ordered consumer"));
        }
    } else if queue {
        if o.config.heartbeat > 0 {
            return Err(JsError::invalid_arg(
                "a queue subscription cannot be created for a consumer with heartbeat",
            ));
        }
        if o.config.flow_control {
            return Err(JsError::invalid_arg(
                "a queue subscription cannot be created for a consumer with flow control",
            ));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct StreamBySubjectRequest<'a> {
    subject: &'a str,
}

#[derive(Deserialize, Default)]
struct StreamNamesReply {
    #[serde(default, deserialize_with = "super::json::nullable")]
    streams: Vec<String>,
}

/// Consumer step of a subscribe call: bind to one or create one.
enum Plan {
    /// Bind to an existing consumer with this deliver subject.
    Bind { info: Box<ConsumerInfo>, deliver: String },
    /// Create a consumer from this configuration.
    Create(Box<ConsumerConfig>),
}

impl JetStream {
    /// Returns the name of the stream that stores `subject`.
    pub fn stream_name_by_subject(&self, subject: &str, opts: Option<&RequestOptions>) -> JsResult<String> {
        let call = self.call_options(opts);
        let body = to_json(&StreamBySubjectRequest { subject })?;
        let reply = self.api_request(&call, "STREAM.NAMES", &body, call.wait)?;
        let names: StreamNamesReply = decode_required(&reply, &[])?;
        names
            .streams
            .into_iter()
            .next()
            .ok_or_else(|| err("no stream matches subject"))
    }

    /// Creates a push subscription on `subjects` (several need nats-server
    /// 2.10 or later). Without a handler the subscription is synchronous.
    /// A handler is called with each message; acknowledging is up to it
    /// (the C layer adds auto-ack on top).
    pub fn subscribe_push(
        &self,
        subjects: &[String],
        handler: Option<MessageHandler>,
        opts: Option<&RequestOptions>,
        o: &PushSubscribeOptions,
    ) -> JsResult<Subscription> {
        check_options(subjects, o)?;
        let mut o = o.clone();
        if o.config.opt_start_seq > 0 {
            o.config.deliver_policy = DeliverPolicy::ByStartSequence;
        }
        if o.config.opt_start_time > 0 {
            o.config.deliver_policy = DeliverPolicy::ByStartTime;
        }
        let mut durable = non_empty(&o.config.durable).map(str::to_string);
        if !o.ordered && durable.is_none() {
            durable = non_empty(&o.queue).map(str::to_string);
        }
        if let Some(d) = &durable {
            check_consumer_name(d, true)?;
        }
        let consumer = non_empty(&o.consumer).map(str::to_string).or_else(|| durable.clone());
        let bound = non_empty(&o.stream).is_some() && non_empty(&o.consumer).is_some();
        let stream = match non_empty(&o.stream) {
            Some(s) => s.to_string(),
            None => self.stream_name_by_subject(&subjects[0], opts)?,
        };

        let mut attempts = 0;
        loop {
            attempts += 1;
            let plan = self.plan(&stream, consumer.as_deref(), bound, durable.as_deref(), subjects, opts, &o)?;
            match self.start(&stream, plan, handler.clone(), opts, &o) {
                Err(e) if attempts < 2 && (e.code == CONSUMER_NAME_EXISTS || e.code == CONSUMER_EXISTING_ACTIVE) => {
                    // Another subscriber created the durable first: bind to it.
                    continue;
                }
                other => return other,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        stream: &str,
        consumer: Option<&str>,
        bound: bool,
        durable: Option<&str>,
        subjects: &[String],
        opts: Option<&RequestOptions>,
        o: &PushSubscribeOptions,
    ) -> JsResult<Plan> {
        if let Some(name) = consumer {
            match self.consumer_info(stream, name, opts) {
                Ok(info) => {
                    let deliver = check_consumer_info(&info, subjects, o)?;
                    return Ok(Plan::Bind {
                        info: Box::new(info),
                        deliver,
                    });
                }
                Err(e) if e.status == Status::NotFound && !bound => {}
                Err(e) => return Err(e),
            }
        }
        let conn = self.connection();
        let mut cfg = o.config.clone();
        cfg.deliver_subject = Some(crate::core::new_inbox(&conn.inner.opts.inbox_prefix));
        if subjects.len() == 1 {
            cfg.filter_subject = Some(subjects[0].clone());
            cfg.filter_subjects.clear();
        } else {
            cfg.filter_subject = None;
            cfg.filter_subjects = subjects.to_vec();
        }
        if o.ordered {
            cfg.flow_control = true;
            cfg.ack_policy = AckPolicy::None;
            cfg.max_deliver = 1;
            cfg.ack_wait = ORDERED_ACK_WAIT;
            if cfg.heartbeat <= 0 {
                cfg.heartbeat = ORDERED_HEARTBEAT;
            }
            cfg.memory_storage = true;
            cfg.replicas = 1;
            // The library names each ordered consumer so that it can tell
            // its messages from those of a consumer it replaced.
            cfg.name = Some(nuid::next().to_string());
        } else {
            cfg.durable = durable.map(str::to_string);
            cfg.deliver_group = non_empty(&o.queue).map(str::to_string);
        }
        Ok(Plan::Create(Box::new(cfg)))
    }

    fn start(
        &self,
        stream: &str,
        plan: Plan,
        handler: Option<MessageHandler>,
        opts: Option<&RequestOptions>,
        o: &PushSubscribeOptions,
    ) -> JsResult<Subscription> {
        let (deliver, cfg, consumer) = match &plan {
            Plan::Bind { info, deliver } => (
                deliver.clone(),
                &info.config,
                info.name.clone().unwrap_or_default(),
            ),
            Plan::Create(cfg) => (
                cfg.deliver_subject.clone().unwrap_or_default(),
                cfg.as_ref(),
                cfg.name.clone().or_else(|| cfg.durable.clone()).unwrap_or_default(),
            ),
        };
        let mut js_sub = JsSub::new(self.clone(), JsSubKind::Push, stream, &consumer, false);
        js_sub.ordered = o.ordered;
        js_sub.ack_none = o.ordered || cfg.ack_policy == AckPolicy::None;
        js_sub.manual_ack = o.manual_ack;
        js_sub.heartbeat = (cfg.heartbeat > 0).then(|| Duration::from_nanos(cfg.heartbeat as u64));
        if o.ordered {
            js_sub.ordered_config = Some(cfg.clone());
        }
        let js_sub = Arc::new(js_sub);

        // Subscribe first, so that nothing the new consumer sends is lost.
        let conn = self.connection();
        let sub = conn
            .inner
            .subscribe_ext(&deliver, non_empty(&o.queue), handler, None, Some(js_sub.clone()))?;
        let mut max_ack_pending = cfg.max_ack_pending;
        if let Plan::Create(cfg) = &plan {
            match self.add_consumer(stream, cfg, opts) {
                Ok(info) => {
                    js_sub.set_delete_consumer(true);
                    max_ack_pending = info.config.max_ack_pending;
                    if !o.ordered {
                        if let Some(name) = &info.name {
                            js_sub.state.lock().consumer.clone_from(name);
                        }
                    }
                }
                Err(e) => {
                    let _ = sub.unsubscribe_on_destroy();
                    return Err(e);
                }
            }
        }

        if let Some(hb) = js_sub.heartbeat {
            if let Err(e) = start_heartbeat_monitor(&sub, hb) {
                let _ = sub.unsubscribe();
                return Err(e);
            }
        }
        raise_pending_limits(&sub, max_ack_pending);
        Ok(sub)
    }
}

/// Kind of a JetStream control message: status 100, no payload.
enum ControlMsg {
    Heartbeat,
    FlowControl,
    Other,
}

fn control_kind(msg: &Message) -> Option<ControlMsg> {
    if !msg.data().is_empty() || !msg.has_headers() {
        return None;
    }
    let mut copy = msg.clone();
    let headers = copy.headers().ok()??;
    let status = headers.get(STATUS_HEADER)?;
    if status != "100" {
        return None;
    }
    let description = headers.get(crate::core::header::DESCRIPTION_HEADER).unwrap_or("");
    Some(if description.starts_with("Idle") {
        ControlMsg::Heartbeat
    } else if description.starts_with("Flow") {
        ControlMsg::FlowControl
    } else {
        ControlMsg::Other
    })
}

fn header_value(msg: &Message, key: &str) -> Option<String> {
    let mut copy = msg.clone();
    let headers = copy.headers().ok()??;
    headers.get(key).map(str::to_string)
}

fn sub_arc(sub: &SubInner) -> Option<Arc<SubInner>> {
    sub.conn.subs.lock().get(&sub.sid).cloned()
}

fn publish_empty(sub: &SubInner, subject: &str) {
    if let Err(e) = sub.conn.publish_raw(subject, None, None, &[], false) {
        log::debug!("sending a flow-control reply to {subject} failed: {e}");
    }
}

/// Handles a message for a push subscription before it is queued; see
/// `jssub::on_incoming`.
pub(crate) fn on_incoming(sub: &SubInner, js: &JsSub, msg: Message) -> Option<Message> {
    match control_kind(&msg) {
        Some(ControlMsg::Heartbeat) => {
            on_heartbeat(sub, js, &msg);
            None
        }
        Some(ControlMsg::FlowControl) => {
            if let Some(reply) = msg.reply().filter(|r| !r.is_empty()) {
                on_flow_control(sub, js, reply);
            }
            None
        }
        Some(ControlMsg::Other) => None,
        None => on_data(sub, js, msg),
    }
}

fn on_data(sub: &SubInner, js: &JsSub, msg: Message) -> Option<Message> {
    let meta = msg.reply().and_then(parse_ack_subject);
    let mut st = js.state.lock();
    st.active = true;
    let Some(meta) = meta else {
        return Some(msg);
    };
    if js.ordered {
        if meta.consumer != st.consumer {
            // A message of a consumer this subscription replaced.
            return None;
        }
        if meta.consumer_seq != st.dseq + 1 {
            let start = st.sseq + 1;
            drop(st);
            reset_ordered(sub, start);
            return None;
        }
    }
    st.dseq = meta.consumer_seq;
    st.sseq = meta.stream_seq;
    st.have_sequences = true;
    Some(msg)
}

fn on_flow_control(sub: &SubInner, js: &JsSub, reply: &str) {
    // The reply goes out once the application has received every message
    // that came before the flow-control request. The subscription's lock
    // is held while the reply is scheduled so that a delivery cannot slip
    // in between.
    let sub_state = sub.state.lock();
    let accepted = sub_state.accepted();
    if sub_state.delivered() >= accepted {
        drop(sub_state);
        publish_empty(sub, reply);
        return;
    }
    let mut st = js.state.lock();
    st.fc_replies.clear();
    st.fc_replies.push((accepted, reply.to_string()));
}

fn on_heartbeat(sub: &SubInner, js: &JsSub, msg: &Message) {
    if let Some(reply) = header_value(msg, CONSUMER_STALLED_HEADER) {
        publish_empty(sub, &reply);
    }
    let mut st = js.state.lock();
    st.active = true;
    if msg.reply().is_some_and(|r| !r.is_empty()) || !st.have_sequences {
        return;
    }
    let Some(last) = header_value(msg, LAST_CONSUMER_HEADER).and_then(|v| v.parse::<u64>().ok()) else {
        return;
    };
    st.mismatch = SeqMismatch {
        stream: st.sseq,
        client: st.dseq,
        server: last,
    };
    if last == st.dseq {
        st.mismatch_pending = false;
        st.mismatch_reported = false;
        return;
    }
    if js.ordered {
        let start = st.sseq + 1;
        drop(st);
        reset_ordered(sub, start);
        return;
    }
    if st.mismatch_reported {
        return;
    }
    st.mismatch_reported = true;
    if sub.is_async() {
        drop(st);
        if let Some(arc) = sub_arc(sub) {
            sub.conn.post_error(
                Some(&arc),
                Error::new(Status::Mismatch, "consumer sequence mismatch"),
            );
        }
    } else {
        st.mismatch_pending = true;
    }
}

/// Replaces the consumer of an ordered subscription with one that starts
/// at stream sequence `start`. The new consumer is created on a library
/// thread, since this runs on the socket reader.
fn reset_ordered(sub: &SubInner, start: u64) {
    if sub.state.lock().closed != Closed::Open {
        return;
    }
    let Some(sub) = sub_arc(sub) else {
        return;
    };
    let Some(js) = sub.js.clone() else {
        return;
    };
    let (old, new) = {
        let mut st = js.state.lock();
        let new = nuid::next().to_string();
        let old = std::mem::replace(&mut st.consumer, new.clone());
        st.dseq = 0;
        st.have_sequences = false;
        st.fc_replies.clear();
        st.fc_due.clear();
        st.resetting = true;
        (old, new)
    };
    let name = format!("nats-ordered-{}", sub.sid);
    let weak = Arc::downgrade(&sub);
    let spawned = crate::core::lifecycle::spawn(name, move || recreate_ordered(&weak, &js, &old, &new, start));
    if let Err(e) = spawned {
        log::warn!("starting the thread that recreates an ordered consumer failed: {e}");
    }
}

fn recreate_ordered(sub: &Weak<SubInner>, js: &JsSub, old: &str, new: &str, start: u64) {
    let Some(sub) = sub.upgrade() else {
        return;
    };
    if !old.is_empty() {
        // The old consumer may be gone already (a restarted server loses
        // memory consumers), so a failure here is expected and ignored.
        if let Err(e) = js.js.delete_consumer(&js.stream, old, None) {
            log::debug!("deleting replaced ordered consumer {old} failed: {e}");
        }
    }
    let Some(mut cfg) = js.ordered_config.clone() else {
        return;
    };
    cfg.name = Some(new.to_string());
    cfg.deliver_subject = Some(sub.subject.clone());
    cfg.deliver_policy = DeliverPolicy::ByStartSequence;
    cfg.opt_start_seq = start.max(1);
    cfg.opt_start_time = 0;
    let result = js.js.add_consumer(&js.stream, &cfg, None);
    js.state.lock().resetting = false;
    match result {
        Ok(_) => js.set_delete_consumer(true),
        Err(e) => {
            if sub.state.lock().closed != Closed::Open {
                return;
            }
            let text = format!(
                "error recreating ordered consumer, will try again: status={} error={}",
                e.status as u32, e.text
            );
            sub.conn.post_error(Some(&sub), Error::new(e.status, text));
        }
    }
}

/// Recreates the consumer of an ordered subscription after a reconnect,
/// from the stream sequence after the last one delivered.
pub(crate) fn reset_after_reconnect(sub: &Arc<SubInner>) {
    let Some(js) = &sub.js else {
        return;
    };
    let start = js.state.lock().sseq + 1;
    reset_ordered(sub, start);
}

/// Starts the thread that reports missed heartbeats: when nothing came
/// for two heartbeat intervals it posts `MissedHeartbeat` to the error
/// handler, and an ordered subscription also recreates its consumer.
fn start_heartbeat_monitor(sub: &Subscription, heartbeat: Duration) -> JsResult<()> {
    let weak = Arc::downgrade(&sub.inner);
    let period = heartbeat * 2;
    let name = format!("nats-js-hb-{}", sub.inner.sid);
    crate::core::lifecycle::spawn(name, move || {
        let mut next = Instant::now() + period;
        loop {
            std::thread::sleep(MONITOR_TICK.min(period));
            let Some(sub) = weak.upgrade() else {
                return;
            };
            if sub.state.lock().closed != Closed::Open || sub.conn.out.lock().closed {
                return;
            }
            if Instant::now() < next {
                continue;
            }
            next = Instant::now() + period;
            check_heartbeat(&sub);
        }
    })?;
    Ok(())
}

fn check_heartbeat(sub: &Arc<SubInner>) {
    let Some(js) = &sub.js else {
        return;
    };
    let (missed, start, resetting) = {
        let mut st = js.state.lock();
        let missed = !st.active;
        st.active = false;
        (missed, st.sseq + 1, st.resetting)
    };
    if !missed {
        return;
    }
    // A reset already under way (after a reconnect, for example) gets to
    // finish before another one starts.
    if js.ordered && !resetting {
        reset_ordered(sub, start);
    }
    sub.conn.post_error(Some(sub), Error::from_status(Status::MissedHeartbeat));
}

impl Subscription {
    /// Information on the consumer of a JetStream subscription.
    pub fn consumer_info(&self, opts: Option<&RequestOptions>) -> JsResult<ConsumerInfo> {
        let js = self
            .js_sub()
            .ok_or_else(|| JsError::new(Status::InvalidSubscription, "not a JetStream subscription"))?;
        let consumer = js.consumer();
        if consumer.is_empty() {
            return Err(JsError::new(Status::InvalidSubscription, "the subscription has no consumer yet"));
        }
        js.js.consumer_info(&js.stream, &consumer, opts)
    }

    /// Last sequence mismatch a heartbeat reported, `None` when the
    /// client and the server agree.
    pub fn sequence_mismatch(&self) -> JsResult<Option<SeqMismatch>> {
        let js = self
            .js_sub()
            .ok_or_else(|| JsError::new(Status::InvalidSubscription, "not a JetStream subscription"))?;
        let m = js.state.lock().mismatch;
        Ok((m.client != m.server).then_some(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_info(deliver: &str, group: Option<&str>) -> ConsumerInfo {
        let mut info: ConsumerInfo = serde_json::from_str(r#"{"config":{}}"#).unwrap();
        info.config.deliver_subject = Some(deliver.to_string());
        info.config.deliver_group = group.map(str::to_string);
        info
    }

    #[test]
    fn ordered_option_checks() {
        let subjects = vec!["a".to_string()];
        let ordered = PushSubscribeOptions {
            ordered: true,
            ..Default::default()
        };
        assert!(check_options(&subjects, &ordered).is_ok());
        let mut o = ordered.clone();
        o.config.durable = Some("d".into());
        assert!(check_options(&subjects, &o).unwrap_err().text.contains("durable"));
        let mut o = ordered.clone();
        o.manual_ack = true;
        assert!(check_options(&subjects, &o).is_ok(), "cnats accepts manual ack here");
        let mut o = ordered.clone();
        o.config.max_deliver = 1;
        assert!(check_options(&subjects, &o).is_ok());
        o.config.max_deliver = 2;
        assert!(check_options(&subjects, &o).unwrap_err().text.contains("max deliver"));
    }

    #[test]
    fn missing_subject_needs_binding() {
        let none: Vec<String> = Vec::new();
        let o = PushSubscribeOptions::default();
        assert_eq!(check_options(&none, &o).unwrap_err().status, Status::InvalidArg);
        let bound = PushSubscribeOptions {
            stream: Some("S".into()),
            consumer: Some("C".into()),
            ..Default::default()
        };
        assert!(check_options(&none, &bound).is_ok());
    }

    #[test]
    fn config_differences_reported_in_order() {
        let server = ConsumerConfig {
            ack_wait: 10,
            heartbeat: 7,
            ..Default::default()
        };
        let mut o = PushSubscribeOptions::default();
        assert!(check_config(&server, &o.config, o.set_policies()).is_ok());
        o.config.heartbeat = 8;
        o.config.ack_wait = 5;
        let e = check_config(&server, &o.config, o.set_policies()).unwrap_err();
        assert_eq!(e.text, "configuration requests ack wait to be 5, but consumer's value is 10");
        o.config.ack_wait = 0;
        let e = check_config(&server, &o.config, o.set_policies()).unwrap_err();
        assert!(e.text.contains("heartbeat to be 8"));
        o.config.heartbeat = 0;
        o.config.flow_control = true;
        assert!(check_config(&server, &o.config, o.set_policies()).unwrap_err().text.contains("flow control"));
    }

    #[test]
    fn deliver_group_must_match_queue() {
        let subjects = vec!["a".to_string()];
        let plain = PushSubscribeOptions::default();
        let queued = PushSubscribeOptions {
            queue: Some("q".into()),
            ..Default::default()
        };
        let grouped = push_info("dlv", Some("q"));
        assert_eq!(check_consumer_info(&grouped, &subjects, &queued).unwrap(), "dlv");
        assert!(check_consumer_info(&grouped, &subjects, &plain).is_err());
        let other = PushSubscribeOptions {
            queue: Some("other".into()),
            ..Default::default()
        };
        assert!(check_consumer_info(&grouped, &subjects, &other).is_err());
        let ungrouped = push_info("dlv", None);
        assert!(check_consumer_info(&ungrouped, &subjects, &queued).is_err());
        assert_eq!(check_consumer_info(&ungrouped, &subjects, &plain).unwrap(), "dlv");
        let mut bound = push_info("dlv", None);
        bound.push_bound = true;
        assert!(check_consumer_info(&bound, &subjects, &plain).unwrap_err().text.contains("already bound"));
    }
}
