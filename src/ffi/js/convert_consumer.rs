//! Conversions between the C consumer structs and the core's.

use std::ptr::{addr_of, addr_of_mut, null_mut};

use libc::c_int;

use super::alloc::{
    array_len, c_array, c_box, c_len, c_string_array, free, free_string_array, invalid_enum,
    opt_c_string, read_enum, read_str, read_str_array, write_enum,
};
use super::convert_stream::{c_cluster, c_metadata, free_cluster, free_metadata, read_metadata};
use super::types::*;
use crate::core::js::consumer::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, ReplayPolicy, SequenceInfo,
};
use crate::core::js::JsError;

fn deliver_policy(value: c_int) -> Result<DeliverPolicy, JsError> {
    match value {
        0 => Ok(DeliverPolicy::All),
        1 => Ok(DeliverPolicy::Last),
        2 => Ok(DeliverPolicy::New),
        3 => Ok(DeliverPolicy::ByStartSequence),
        4 => Ok(DeliverPolicy::ByStartTime),
        5 => Ok(DeliverPolicy::LastPerSubject),
        _ => Err(invalid_enum("deliver policy", value)),
    }
}

fn ack_policy(value: c_int) -> Result<AckPolicy, JsError> {
    match value {
        0 => Ok(AckPolicy::Explicit),
        1 => Ok(AckPolicy::None),
        2 => Ok(AckPolicy::All),
        _ => Err(invalid_enum("ack policy", value)),
    }
}

fn replay_policy(value: c_int) -> Result<ReplayPolicy, JsError> {
    match value {
        0 => Ok(ReplayPolicy::Instant),
        1 => Ok(ReplayPolicy::Original),
        _ => Err(invalid_enum("replay policy", value)),
    }
}

/// Replaces a negative policy (left unset by `jsConsumerConfig_Init`) with
/// the default, in the application's struct as cnats does, and returns it.
unsafe fn policy_or_default<E>(field: *mut E, default: c_int) -> c_int {
    let value = read_enum(field);
    if value < 0 {
        write_enum(field, default);
        default
    } else {
        value
    }
}

/// Converts an application's consumer config. Unset policies are set to
/// their defaults in `cfg` first.
pub(crate) unsafe fn read_consumer_config(
    cfg: *mut jsConsumerConfig,
) -> Result<ConsumerConfig, JsError> {
    let c = cfg;
    let deliver = policy_or_default(addr_of_mut!((*c).DeliverPolicy), 0);
    let ack = policy_or_default(addr_of_mut!((*c).AckPolicy), 0);
    let replay = policy_or_default(addr_of_mut!((*c).ReplayPolicy), 0);
    let backoff_len = array_len("BackOff", (*c).BackOff, (*c).BackOffLen)?;
    let backoff = (0..backoff_len).map(|i| *(*c).BackOff.add(i)).collect();
    Ok(ConsumerConfig {
        name: read_str("Name", (*c).Name)?,
        durable: read_str("Durable", (*c).Durable)?,
        description: read_str("Description", (*c).Description)?,
        deliver_policy: deliver_policy(deliver)?,
        opt_start_seq: (*c).OptStartSeq,
        opt_start_time: (*c).OptStartTime,
        ack_policy: ack_policy(ack)?,
        ack_wait: (*c).AckWait,
        max_deliver: (*c).MaxDeliver,
        backoff,
        filter_subject: read_str("FilterSubject", (*c).FilterSubject)?,
        replay_policy: replay_policy(replay)?,
        rate_limit: (*c).RateLimit,
        sample_frequency: read_str("SampleFrequency", (*c).SampleFrequency)?,
        max_waiting: (*c).MaxWaiting,
        max_ack_pending: (*c).MaxAckPending,
        flow_control: (*c).FlowControl,
        heartbeat: (*c).Heartbeat,
        headers_only: (*c).HeadersOnly,
        max_request_batch: (*c).MaxRequestBatch,
        max_request_expires: (*c).MaxRequestExpires,
        max_request_max_bytes: (*c).MaxRequestMaxBytes,
        deliver_subject: read_str("DeliverSubject", (*c).DeliverSubject)?,
        deliver_group: read_str("DeliverGroup", (*c).DeliverGroup)?,
        inactive_threshold: (*c).InactiveThreshold,
        replicas: (*c).Replicas,
        memory_storage: (*c).MemoryStorage,
        filter_subjects: read_str_array(
            "FilterSubjects",
            (*c).FilterSubjects,
            (*c).FilterSubjectsLen,
        )?,
        metadata: read_metadata(addr_of!((*c).Metadata))?,
        pause_until: (*c).PauseUntil,
        priority_policy: read_str("PriorityPolicy", (*c).PriorityPolicy)?,
        pinned_ttl: (*c).PinnedTTL,
        priority_groups: read_str_array(
            "PriorityGroups",
            (*c).PriorityGroups,
            (*c).PriorityGroupsLen,
        )?,
    })
}

fn deliver_policy_c(p: DeliverPolicy) -> jsDeliverPolicy {
    match p {
        DeliverPolicy::All => jsDeliverPolicy::js_DeliverAll,
        DeliverPolicy::Last => jsDeliverPolicy::js_DeliverLast,
        DeliverPolicy::New => jsDeliverPolicy::js_DeliverNew,
        DeliverPolicy::ByStartSequence => jsDeliverPolicy::js_DeliverByStartSequence,
        DeliverPolicy::ByStartTime => jsDeliverPolicy::js_DeliverByStartTime,
        DeliverPolicy::LastPerSubject => jsDeliverPolicy::js_DeliverLastPerSubject,
    }
}

fn ack_policy_c(p: AckPolicy) -> jsAckPolicy {
    match p {
        AckPolicy::Explicit => jsAckPolicy::js_AckExplicit,
        AckPolicy::None => jsAckPolicy::js_AckNone,
        AckPolicy::All => jsAckPolicy::js_AckAll,
    }
}

fn replay_policy_c(p: ReplayPolicy) -> jsReplayPolicy {
    match p {
        ReplayPolicy::Instant => jsReplayPolicy::js_ReplayInstant,
        ReplayPolicy::Original => jsReplayPolicy::js_ReplayOriginal,
    }
}

/// Builds a `malloc`ed consumer config, freed by [`free_consumer_config`].
pub(crate) fn c_consumer_config(cfg: &ConsumerConfig) -> *mut jsConsumerConfig {
    let (filter_subjects, filter_subjects_len) = c_string_array(&cfg.filter_subjects);
    let (priority_groups, priority_groups_len) = c_string_array(&cfg.priority_groups);
    c_box(jsConsumerConfig {
        Name: opt_c_string(&cfg.name),
        Durable: opt_c_string(&cfg.durable),
        Description: opt_c_string(&cfg.description),
        DeliverPolicy: deliver_policy_c(cfg.deliver_policy),
        OptStartSeq: cfg.opt_start_seq,
        OptStartTime: cfg.opt_start_time,
        AckPolicy: ack_policy_c(cfg.ack_policy),
        AckWait: cfg.ack_wait,
        MaxDeliver: cfg.max_deliver,
        BackOffLen: c_len(cfg.backoff.len()),
        BackOff: c_array(cfg.backoff.clone()),
        FilterSubject: opt_c_string(&cfg.filter_subject),
        ReplayPolicy: replay_policy_c(cfg.replay_policy),
        RateLimit: cfg.rate_limit,
        SampleFrequency: opt_c_string(&cfg.sample_frequency),
        MaxWaiting: cfg.max_waiting,
        MaxAckPending: cfg.max_ack_pending,
        FlowControl: cfg.flow_control,
        Heartbeat: cfg.heartbeat,
        HeadersOnly: cfg.headers_only,
        MaxRequestBatch: cfg.max_request_batch,
        MaxRequestExpires: cfg.max_request_expires,
        MaxRequestMaxBytes: cfg.max_request_max_bytes,
        DeliverSubject: opt_c_string(&cfg.deliver_subject),
        DeliverGroup: opt_c_string(&cfg.deliver_group),
        InactiveThreshold: cfg.inactive_threshold,
        Replicas: cfg.replicas,
        MemoryStorage: cfg.memory_storage,
        FilterSubjects: filter_subjects,
        FilterSubjectsLen: filter_subjects_len,
        Metadata: c_metadata(&cfg.metadata),
        PauseUntil: cfg.pause_until,
        PriorityPolicy: opt_c_string(&cfg.priority_policy),
        PinnedTTL: cfg.pinned_ttl,
        PriorityGroups: priority_groups,
        PriorityGroupsLen: priority_groups_len,
    })
}

/// Frees a consumer config built by [`c_consumer_config`]; NULL is ignored.
pub(crate) unsafe fn free_consumer_config(cfg: *mut jsConsumerConfig) {
    if cfg.is_null() {
        return;
    }
    let c = cfg;
    free((*c).Name);
    free((*c).Durable);
    free((*c).Description);
    free((*c).BackOff);
    free((*c).FilterSubject);
    free((*c).SampleFrequency);
    free((*c).DeliverSubject);
    free((*c).DeliverGroup);
    free_string_array((*c).FilterSubjects, (*c).FilterSubjectsLen);
    free_metadata(&mut (*c).Metadata);
    free((*c).PriorityPolicy);
    free_string_array((*c).PriorityGroups, (*c).PriorityGroupsLen);
    free(cfg);
}

fn c_sequence(s: &SequenceInfo) -> jsSequenceInfo {
    jsSequenceInfo {
        Consumer: s.consumer,
        Stream: s.stream,
        Last: s.last,
    }
}

/// Builds a `malloc`ed consumer info, freed by [`free_consumer_info`].
pub(crate) fn c_consumer_info(info: &ConsumerInfo) -> *mut jsConsumerInfo {
    let groups: Vec<jsPriorityGroupState> = info
        .priority_groups
        .iter()
        .map(|g| jsPriorityGroupState {
            Group: opt_c_string(&g.group),
            PinnedClientID: opt_c_string(&g.pinned_client_id),
            PinnedTS: g.pinned_ts,
        })
        .collect();
    c_box(jsConsumerInfo {
        Stream: opt_c_string(&info.stream),
        Name: opt_c_string(&info.name),
        Created: info.created,
        Config: c_consumer_config(&info.config),
        Delivered: c_sequence(&info.delivered),
        AckFloor: c_sequence(&info.ack_floor),
        NumAckPending: info.num_ack_pending,
        NumRedelivered: info.num_redelivered,
        NumWaiting: info.num_waiting,
        NumPending: info.num_pending,
        Cluster: c_cluster(&info.cluster),
        PushBound: info.push_bound,
        Paused: info.paused,
        PauseRemaining: info.pause_remaining,
        PriorityGroupsLen: c_len(groups.len()),
        PriorityGroups: if groups.is_empty() {
            null_mut()
        } else {
            c_array(groups)
        },
    })
}

/// Frees a consumer info built by [`c_consumer_info`]; NULL is ignored.
pub(crate) unsafe fn free_consumer_info(ci: *mut jsConsumerInfo) {
    if ci.is_null() {
        return;
    }
    let c = ci;
    free((*c).Stream);
    free((*c).Name);
    free_consumer_config((*c).Config);
    free_cluster((*c).Cluster);
    let groups = (*c).PriorityGroups;
    if !groups.is_null() {
        for i in 0..(*c).PriorityGroupsLen.max(0) as usize {
            free((*groups.add(i)).Group);
            free((*groups.add(i)).PinnedClientID);
        }
        free(groups);
    }
    free(ci);
}
