//! Conversions between the C stream structs and the core's: application
//! configs into core configs, and core information into `malloc`ed C
//! structs, with the functions that free those.

use std::ptr::{addr_of, null_mut};

use libc::c_int;

use super::alloc::{
    array_len, c_array, c_box, c_len, c_string, c_string_array, free, free_boxed_array,
    free_string_array, invalid_enum, opt_c_string, read_enum, read_str, read_str_array,
    read_string,
};
use super::types::*;
use crate::core::js::stream::{
    ClusterInfo, ConsumerLimits, DiscardPolicy, ExternalStream, PeerInfo, PersistMode, Placement,
    RePublish, RetentionPolicy, StorageCompression, StorageType, StreamAlternate, StreamConfig,
    StreamInfo, StreamSource, StreamSourceInfo, StreamState, SubjectTransform,
};
use crate::core::js::JsError;
use crate::ffi::types::natsMetadata;

type Converted<T> = Result<T, JsError>;

/// Reads the key/value pairs of a `natsMetadata`.
pub(crate) unsafe fn read_metadata(md: *const natsMetadata) -> Converted<Vec<(String, String)>> {
    let count = (*md).Count;
    let list = (*md).List;
    let n = array_len("Metadata.List", list, count)?;
    let mut pairs = Vec::with_capacity(n);
    for i in 0..n {
        let key = *list.add(2 * i);
        let value = *list.add(2 * i + 1);
        if key.is_null() || value.is_null() {
            return Err(JsError::invalid_arg(format!(
                "metadata entry {i} has a NULL key or value"
            )));
        }
        pairs.push((
            read_string("Metadata key", key)?,
            read_string("Metadata value", value)?,
        ));
    }
    Ok(pairs)
}

/// Builds a `natsMetadata` of `malloc` strings.
pub(crate) fn c_metadata(pairs: &[(String, String)]) -> natsMetadata {
    let flat: Vec<String> = pairs
        .iter()
        .flat_map(|(k, v)| [k.clone(), v.clone()])
        .collect();
    let (list, _) = c_string_array(&flat);
    natsMetadata {
        List: list,
        Count: c_len(pairs.len()),
    }
}

/// Frees the strings and list of a `natsMetadata` built by [`c_metadata`].
pub(crate) unsafe fn free_metadata(md: &mut natsMetadata) {
    free_string_array(md.List, md.Count.saturating_mul(2));
    md.List = null_mut();
    md.Count = 0;
}

fn retention(value: c_int) -> Converted<RetentionPolicy> {
    match value {
        0 => Ok(RetentionPolicy::Limits),
        1 => Ok(RetentionPolicy::Interest),
        2 => Ok(RetentionPolicy::WorkQueue),
        _ => Err(invalid_enum("retention policy", value)),
    }
}

fn discard(value: c_int) -> Converted<DiscardPolicy> {
    match value {
        0 => Ok(DiscardPolicy::Old),
        1 => Ok(DiscardPolicy::New),
        _ => Err(invalid_enum("discard policy", value)),
    }
}

fn storage(value: c_int) -> Converted<StorageType> {
    match value {
        0 => Ok(StorageType::File),
        1 => Ok(StorageType::Memory),
        _ => Err(invalid_enum("storage type", value)),
    }
}

fn compression(value: c_int) -> Converted<StorageCompression> {
    match value {
        0 => Ok(StorageCompression::None),
        1 => Ok(StorageCompression::S2),
        _ => Err(invalid_enum("storage compression", value)),
    }
}

fn persist_mode(value: c_int) -> Converted<PersistMode> {
    match value {
        0 => Ok(PersistMode::Default),
        1 => Ok(PersistMode::Async),
        _ => Err(invalid_enum("persist mode", value)),
    }
}

unsafe fn read_external(p: *const jsExternalStream) -> Converted<Option<ExternalStream>> {
    if p.is_null() {
        return Ok(None);
    }
    Ok(Some(ExternalStream {
        api_prefix: read_str("External.APIPrefix", (*p).APIPrefix)?,
        deliver_prefix: read_str("External.DeliverPrefix", (*p).DeliverPrefix)?,
    }))
}

unsafe fn read_source(field: &str, p: *const jsStreamSource) -> Converted<StreamSource> {
    if p.is_null() {
        return Err(JsError::invalid_arg(format!("'{field}' is NULL")));
    }
    Ok(StreamSource {
        name: read_str("Name", (*p).Name)?,
        opt_start_seq: (*p).OptStartSeq,
        opt_start_time: (*p).OptStartTime,
        filter_subject: read_str("FilterSubject", (*p).FilterSubject)?,
        external: read_external((*p).External)?,
        domain: read_str("Domain", (*p).Domain)?,
    })
}

/// Converts an application's stream config.
pub(crate) unsafe fn read_stream_config(cfg: *const jsStreamConfig) -> Converted<StreamConfig> {
    let c = cfg;
    let placement = if (*c).Placement.is_null() {
        None
    } else {
        let p = (*c).Placement;
        Some(Placement {
            cluster: read_str("Placement.Cluster", (*p).Cluster)?,
            tags: read_str_array("Placement.Tags", (*p).Tags, (*p).TagsLen)?,
        })
    };
    let mirror = if (*c).Mirror.is_null() {
        None
    } else {
        Some(read_source("Mirror", (*c).Mirror)?)
    };
    let source_count = array_len("Sources", (*c).Sources, (*c).SourcesLen)?;
    let mut sources = Vec::with_capacity(source_count);
    for i in 0..source_count {
        sources.push(read_source(&format!("Sources[{i}]"), *(*c).Sources.add(i))?);
    }
    let republish = if (*c).RePublish.is_null() {
        None
    } else {
        let r = (*c).RePublish;
        Some(RePublish {
            source: read_str("RePublish.Source", (*r).Source)?,
            destination: read_str("RePublish.Destination", (*r).Destination)?,
            headers_only: (*r).HeadersOnly,
        })
    };
    let transform = SubjectTransform {
        source: read_str("SubjectTransform.Source", (*c).SubjectTransform.Source)?,
        destination: read_str(
            "SubjectTransform.Destination",
            (*c).SubjectTransform.Destination,
        )?,
    };
    let transform_set = [&transform.source, &transform.destination]
        .iter()
        .any(|s| s.as_deref().is_some_and(|t| !t.is_empty()));
    Ok(StreamConfig {
        name: read_string("Name", (*c).Name)?,
        description: read_str("Description", (*c).Description)?,
        subjects: read_str_array("Subjects", (*c).Subjects, (*c).SubjectsLen)?,
        retention: retention(read_enum(addr_of!((*c).Retention)))?,
        max_consumers: (*c).MaxConsumers,
        max_msgs: (*c).MaxMsgs,
        max_bytes: (*c).MaxBytes,
        max_age: (*c).MaxAge,
        max_msg_size: (*c).MaxMsgSize,
        max_msgs_per_subject: (*c).MaxMsgsPerSubject,
        discard: discard(read_enum(addr_of!((*c).Discard)))?,
        storage: storage(read_enum(addr_of!((*c).Storage)))?,
        replicas: (*c).Replicas,
        no_ack: (*c).NoAck,
        template: read_str("Template", (*c).Template)?,
        duplicates: (*c).Duplicates,
        placement,
        mirror,
        sources,
        sealed: (*c).Sealed,
        deny_delete: (*c).DenyDelete,
        deny_purge: (*c).DenyPurge,
        allow_rollup: (*c).AllowRollup,
        republish,
        allow_direct: (*c).AllowDirect,
        mirror_direct: (*c).MirrorDirect,
        discard_new_per_subject: (*c).DiscardNewPerSubject,
        metadata: read_metadata(addr_of!((*c).Metadata))?,
        compression: compression(read_enum(addr_of!((*c).Compression)))?,
        first_seq: (*c).FirstSeq,
        subject_transform: transform_set.then_some(transform),
        consumer_limits: ConsumerLimits {
            inactive_threshold: (*c).ConsumerLimits.InactiveThreshold,
            max_ack_pending: (*c).ConsumerLimits.MaxAckPending,
        },
        allow_msg_ttl: (*c).AllowMsgTTL,
        subject_delete_marker_ttl: (*c).SubjectDeleteMarkerTTL,
        persist_mode: persist_mode(read_enum(addr_of!((*c).PersistMode)))?,
        allow_atomic: (*c).AllowAtomic,
        allow_msg_counter: (*c).AllowMsgCounter,
        allow_msg_schedules: (*c).AllowMsgSchedules,
        allow_batched: (*c).AllowBatched,
    })
}

fn c_external(external: &Option<ExternalStream>) -> *mut jsExternalStream {
    match external {
        None => null_mut(),
        Some(e) => c_box(jsExternalStream {
            APIPrefix: opt_c_string(&e.api_prefix),
            DeliverPrefix: opt_c_string(&e.deliver_prefix),
        }),
    }
}

unsafe fn free_external(p: *mut jsExternalStream) {
    if p.is_null() {
        return;
    }
    free((*p).APIPrefix);
    free((*p).DeliverPrefix);
    free(p);
}

fn c_source(s: &StreamSource) -> *mut jsStreamSource {
    c_box(jsStreamSource {
        Name: opt_c_string(&s.name),
        OptStartSeq: s.opt_start_seq,
        OptStartTime: s.opt_start_time,
        FilterSubject: opt_c_string(&s.filter_subject),
        External: c_external(&s.external),
        Domain: opt_c_string(&s.domain),
    })
}

unsafe fn free_source(p: *mut jsStreamSource) {
    if p.is_null() {
        return;
    }
    free((*p).Name);
    free((*p).FilterSubject);
    free_external((*p).External);
    free((*p).Domain);
    free(p);
}

fn retention_c(p: RetentionPolicy) -> jsRetentionPolicy {
    match p {
        RetentionPolicy::Limits => jsRetentionPolicy::js_LimitsPolicy,
        RetentionPolicy::Interest => jsRetentionPolicy::js_InterestPolicy,
        RetentionPolicy::WorkQueue => jsRetentionPolicy::js_WorkQueuePolicy,
    }
}

fn discard_c(p: DiscardPolicy) -> jsDiscardPolicy {
    match p {
        DiscardPolicy::Old => jsDiscardPolicy::js_DiscardOld,
        DiscardPolicy::New => jsDiscardPolicy::js_DiscardNew,
    }
}

fn storage_c(s: StorageType) -> jsStorageType {
    match s {
        StorageType::File => jsStorageType::js_FileStorage,
        StorageType::Memory => jsStorageType::js_MemoryStorage,
    }
}

fn compression_c(c: StorageCompression) -> jsStorageCompression {
    match c {
        StorageCompression::None => jsStorageCompression::js_StorageCompressionNone,
        StorageCompression::S2 => jsStorageCompression::js_StorageCompressionS2,
    }
}

fn persist_mode_c(p: PersistMode) -> jsPersistModeType {
    match p {
        PersistMode::Default => jsPersistModeType::js_PersistDefault,
        PersistMode::Async => jsPersistModeType::js_PersistAsync,
    }
}

/// Builds a `malloc`ed copy of a stream config, freed by [`free_stream_config`].
pub(crate) fn c_stream_config(cfg: &StreamConfig) -> *mut jsStreamConfig {
    let (subjects, subjects_len) = c_string_array(&cfg.subjects);
    let placement = cfg.placement.as_ref().map_or(null_mut(), |p| {
        let (tags, tags_len) = c_string_array(&p.tags);
        c_box(jsPlacement {
            Cluster: opt_c_string(&p.cluster),
            Tags: tags,
            TagsLen: tags_len,
        })
    });
    let sources: Vec<*mut jsStreamSource> = cfg.sources.iter().map(c_source).collect();
    let republish = cfg.republish.as_ref().map_or(null_mut(), |r| {
        c_box(jsRePublish {
            Source: opt_c_string(&r.source),
            Destination: opt_c_string(&r.destination),
            HeadersOnly: r.headers_only,
        })
    });
    let transform = cfg.subject_transform.clone().unwrap_or_default();
    c_box(jsStreamConfig {
        Name: c_string(&cfg.name),
        Description: opt_c_string(&cfg.description),
        Subjects: subjects,
        SubjectsLen: subjects_len,
        Retention: retention_c(cfg.retention),
        MaxConsumers: cfg.max_consumers,
        MaxMsgs: cfg.max_msgs,
        MaxBytes: cfg.max_bytes,
        MaxAge: cfg.max_age,
        MaxMsgsPerSubject: cfg.max_msgs_per_subject,
        MaxMsgSize: cfg.max_msg_size,
        Discard: discard_c(cfg.discard),
        Storage: storage_c(cfg.storage),
        Replicas: cfg.replicas,
        NoAck: cfg.no_ack,
        Template: opt_c_string(&cfg.template),
        Duplicates: cfg.duplicates,
        Placement: placement,
        Mirror: cfg.mirror.as_ref().map_or(null_mut(), c_source),
        SourcesLen: c_len(sources.len()),
        Sources: c_array(sources),
        Sealed: cfg.sealed,
        DenyDelete: cfg.deny_delete,
        DenyPurge: cfg.deny_purge,
        AllowRollup: cfg.allow_rollup,
        RePublish: republish,
        AllowDirect: cfg.allow_direct,
        MirrorDirect: cfg.mirror_direct,
        DiscardNewPerSubject: cfg.discard_new_per_subject,
        Metadata: c_metadata(&cfg.metadata),
        Compression: compression_c(cfg.compression),
        FirstSeq: cfg.first_seq,
        SubjectTransform: jsSubjectTransformConfig {
            Source: opt_c_string(&transform.source),
            Destination: opt_c_string(&transform.destination),
        },
        ConsumerLimits: jsStreamConsumerLimits {
            InactiveThreshold: cfg.consumer_limits.inactive_threshold,
            MaxAckPending: cfg.consumer_limits.max_ack_pending,
        },
        AllowMsgTTL: cfg.allow_msg_ttl,
        SubjectDeleteMarkerTTL: cfg.subject_delete_marker_ttl,
        PersistMode: persist_mode_c(cfg.persist_mode),
        AllowAtomic: cfg.allow_atomic,
        AllowMsgCounter: cfg.allow_msg_counter,
        AllowMsgSchedules: cfg.allow_msg_schedules,
        AllowBatched: cfg.allow_batched,
    })
}

/// Frees a stream config built by [`c_stream_config`]; NULL is ignored.
pub(crate) unsafe fn free_stream_config(cfg: *mut jsStreamConfig) {
    if cfg.is_null() {
        return;
    }
    let c = &mut *cfg;
    free(c.Name);
    free(c.Description);
    free_string_array(c.Subjects, c.SubjectsLen);
    free(c.Template);
    if !c.Placement.is_null() {
        free((*c.Placement).Cluster);
        free_string_array((*c.Placement).Tags, (*c.Placement).TagsLen);
        free(c.Placement);
    }
    free_source(c.Mirror);
    free_boxed_array(c.Sources, c.SourcesLen, free_source);
    if !c.RePublish.is_null() {
        free((*c.RePublish).Source);
        free((*c.RePublish).Destination);
        free(c.RePublish);
    }
    free_metadata(&mut c.Metadata);
    free(c.SubjectTransform.Source);
    free(c.SubjectTransform.Destination);
    free(cfg);
}

fn c_peer(peer: &PeerInfo) -> *mut jsPeerInfo {
    c_box(jsPeerInfo {
        Name: opt_c_string(&peer.name),
        Current: peer.current,
        Offline: peer.offline,
        Active: peer.active,
        Lag: peer.lag,
    })
}

unsafe fn free_peer(p: *mut jsPeerInfo) {
    if !p.is_null() {
        free((*p).Name);
        free(p);
    }
}

/// Builds a `malloc`ed cluster info, freed by [`free_cluster`].
pub(crate) fn c_cluster(cluster: &Option<ClusterInfo>) -> *mut jsClusterInfo {
    let Some(c) = cluster else {
        return null_mut();
    };
    let replicas: Vec<*mut jsPeerInfo> = c.replicas.iter().map(c_peer).collect();
    c_box(jsClusterInfo {
        Name: opt_c_string(&c.name),
        Leader: opt_c_string(&c.leader),
        ReplicasLen: c_len(replicas.len()),
        Replicas: c_array(replicas),
        RaftGroup: opt_c_string(&c.raft_group),
        LeaderSince: c.leader_since,
        SystemAcc: c.system_acc,
        TrafficAcc: opt_c_string(&c.traffic_acc),
    })
}

/// Frees a cluster info built by [`c_cluster`]; NULL is ignored.
pub(crate) unsafe fn free_cluster(p: *mut jsClusterInfo) {
    if p.is_null() {
        return;
    }
    free((*p).Name);
    free((*p).Leader);
    free_boxed_array((*p).Replicas, (*p).ReplicasLen, free_peer);
    free((*p).RaftGroup);
    free((*p).TrafficAcc);
    free(p);
}

fn c_source_info(s: &StreamSourceInfo) -> *mut jsStreamSourceInfo {
    let transforms: Vec<jsSubjectTransformConfig> = s
        .subject_transforms
        .iter()
        .map(|t| jsSubjectTransformConfig {
            Source: opt_c_string(&t.source),
            Destination: opt_c_string(&t.destination),
        })
        .collect();
    c_box(jsStreamSourceInfo {
        Name: opt_c_string(&s.name),
        External: c_external(&s.external),
        Lag: s.lag,
        Active: s.active,
        FilterSubject: opt_c_string(&s.filter_subject),
        SubjectTransformsLen: c_len(transforms.len()),
        SubjectTransforms: c_array(transforms),
    })
}

unsafe fn free_source_info(p: *mut jsStreamSourceInfo) {
    if p.is_null() {
        return;
    }
    free((*p).Name);
    free_external((*p).External);
    free((*p).FilterSubject);
    let transforms = (*p).SubjectTransforms;
    if !transforms.is_null() {
        for i in 0..(*p).SubjectTransformsLen.max(0) as usize {
            free((*transforms.add(i)).Source);
            free((*transforms.add(i)).Destination);
        }
        free(transforms);
    }
    free(p);
}

fn c_alternate(a: &StreamAlternate) -> *mut jsStreamAlternate {
    c_box(jsStreamAlternate {
        Name: opt_c_string(&a.name),
        Domain: opt_c_string(&a.domain),
        Cluster: opt_c_string(&a.cluster),
    })
}

unsafe fn free_alternate(p: *mut jsStreamAlternate) {
    if p.is_null() {
        return;
    }
    free((*p).Name);
    free((*p).Domain);
    free((*p).Cluster);
    free(p);
}

fn c_state(s: &StreamState) -> jsStreamState {
    let subjects = if s.subjects.is_empty() {
        null_mut()
    } else {
        let list: Vec<jsStreamStateSubject> = s
            .subjects
            .iter()
            .map(|(subject, msgs)| jsStreamStateSubject {
                Subject: c_string(subject),
                Msgs: *msgs,
            })
            .collect();
        c_box(jsStreamStateSubjects {
            Count: c_len(list.len()),
            List: c_array(list),
        })
    };
    let lost = s.lost.as_ref().map_or(null_mut(), |l| {
        c_box(jsLostStreamData {
            MsgsLen: c_len(l.msgs.len()),
            Msgs: c_array(l.msgs.clone()),
            Bytes: l.bytes,
        })
    });
    jsStreamState {
        Msgs: s.msgs,
        Bytes: s.bytes,
        FirstSeq: s.first_seq,
        FirstTime: s.first_time,
        LastSeq: s.last_seq,
        LastTime: s.last_time,
        NumSubjects: s.num_subjects,
        Subjects: subjects,
        NumDeleted: s.num_deleted,
        DeletedLen: c_len(s.deleted.len()),
        Deleted: c_array(s.deleted.clone()),
        Lost: lost,
        Consumers: s.consumers,
    }
}

unsafe fn free_state(s: &mut jsStreamState) {
    let subjects = s.Subjects;
    if !subjects.is_null() {
        let list = (*subjects).List;
        if !list.is_null() {
            for i in 0..(*subjects).Count.max(0) as usize {
                free((*list.add(i)).Subject);
            }
            free(list);
        }
        free(subjects);
    }
    free(s.Deleted);
    if !s.Lost.is_null() {
        free((*s.Lost).Msgs);
        free(s.Lost);
    }
}

/// Builds a `malloc`ed stream info, freed by [`free_stream_info`].
pub(crate) fn c_stream_info(info: &StreamInfo) -> *mut jsStreamInfo {
    let sources: Vec<*mut jsStreamSourceInfo> = info.sources.iter().map(c_source_info).collect();
    let alternates: Vec<*mut jsStreamAlternate> = info.alternates.iter().map(c_alternate).collect();
    c_box(jsStreamInfo {
        Config: info.config.as_ref().map_or(null_mut(), c_stream_config),
        Created: info.created,
        State: c_state(&info.state),
        Cluster: c_cluster(&info.cluster),
        Mirror: info.mirror.as_ref().map_or(null_mut(), c_source_info),
        SourcesLen: c_len(sources.len()),
        Sources: c_array(sources),
        AlternatesLen: c_len(alternates.len()),
        Alternates: c_array(alternates),
    })
}

/// Frees a stream info built by [`c_stream_info`]; NULL is ignored.
pub(crate) unsafe fn free_stream_info(si: *mut jsStreamInfo) {
    if si.is_null() {
        return;
    }
    let s = &mut *si;
    free_stream_config(s.Config);
    free_state(&mut s.State);
    free_cluster(s.Cluster);
    free_source_info(s.Mirror);
    free_boxed_array(s.Sources, s.SourcesLen, free_source_info);
    free_boxed_array(s.Alternates, s.AlternatesLen, free_alternate);
    free(si);
}
