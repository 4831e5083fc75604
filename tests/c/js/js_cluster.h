// Helpers of the JetStream cluster programs (tests/c/js/cluster*.c): the
// three members that the harness in tests/cluster/mod.rs runs, connecting
// to a chosen member, and streams with three replicas.

#ifndef NATS_C_JS_CLUSTER_H_
#define NATS_C_JS_CLUSTER_H_

#include "resil.h"

#define MEMBERS 3

// How long setup and the final checks wait for a stream leader and for
// current replicas.
#define STREAM_READY_MS 30000

// Cluster name that tests/cluster/mod.rs gives every member.
#define CLUSTER_NAME "resilience"

static const char *urls[MEMBERS];

// ---------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------

static RS_UNUSED int
port_of(const char *url)
{
    const char *colon = strrchr(url, ':');

    return (colon == NULL ? -1 : atoi(colon + 1));
}

// Returns the index of the member that `nc` is connected to, or -1.
static RS_UNUSED int
connected_member(natsConnection *nc)
{
    char    buf[256];
    int     port;
    int     i;

    buf[0] = '\0';
    if (natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)) != NATS_OK)
        return -1;
    port = port_of(buf);
    for (i = 0; i < MEMBERS; i++)
    {
        if (port_of(urls[i]) == port)
            return i;
    }
    return -1;
}

// Returns N for the server name "member-N", or -1.
static RS_UNUSED int
member_of_name(const char *name)
{
    int index = -1;

    if ((name == NULL) || (sscanf(name, "member-%d", &index) != 1))
        return -1;
    return ((index >= 0) && (index < MEMBERS) ? index : -1);
}

// Connects with the server list starting at member `first`, without
// randomization, so that the client connects to that member.
static RS_UNUSED natsStatus
connect_from(natsConnection **nc, rsEvents *ev, int first)
{
    natsOptions *opts = NULL;
    char        list[1024];
    natsStatus  s;

    snprintf(list, sizeof(list), "%s,%s,%s", urls[first % MEMBERS],
             urls[(first + 1) % MEMBERS], urls[(first + 2) % MEMBERS]);
    s = rs_create_options(&opts, list, ev);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, opts);
    natsOptions_Destroy(opts);
    return s;
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

// Creates the R3 stream `name` on subject `name`.`>`, retrying while the
// cluster has no JetStream meta leader yet.
static RS_UNUSED natsStatus
create_stream(jsCtx *js, const char *name)
{
    jsStreamConfig  cfg;
    char            subject[128];
    const char      *subjects[1];
    int64_t         deadline = rs_now_ms() + STREAM_READY_MS;
    natsStatus      s;

    snprintf(subject, sizeof(subject), "%s.>", name);
    subjects[0] = subject;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = 3;
    for (;;)
    {
        jsErrCode jerr = 0;

        s = js_AddStream(NULL, js, &cfg, NULL, &jerr);
        if ((s == NATS_OK) || (rs_now_ms() >= deadline))
            return s;
        rs_sleep_ms(200);
    }
}

// Reads the stream info until it names a leader and every replica is
// current, or the time runs out. Returns NULL after a failed check.
static RS_UNUSED jsStreamInfo *
ready_stream_info(jsCtx *js, const char *name)
{
    int64_t deadline = rs_now_ms() + STREAM_READY_MS;
    char    why[256] = "no reply";

    for (;;)
    {
        jsStreamInfo    *si  = NULL;
        jsErrCode       jerr = 0;
        natsStatus      s    = js_GetStreamInfo(&si, js, name, NULL, &jerr);
        bool            ready = false;

        if (s != NATS_OK)
            snprintf(why, sizeof(why), "js_GetStreamInfo returned %d '%s' (error code %d)",
                     (int) s, rs_status_text(s), (int) jerr);
        else if ((si->Cluster == NULL) || (si->Cluster->Leader == NULL))
            snprintf(why, sizeof(why), "no stream leader");
        else if (si->Cluster->ReplicasLen != MEMBERS - 1)
            snprintf(why, sizeof(why), "%d replicas besides the leader",
                     si->Cluster->ReplicasLen);
        else
        {
            int i;

            ready = true;
            for (i = 0; i < si->Cluster->ReplicasLen; i++)
            {
                jsPeerInfo *peer = si->Cluster->Replicas[i];

                if (!peer->Current || peer->Offline)
                {
                    snprintf(why, sizeof(why), "replica %s is not current", peer->Name);
                    ready = false;
                }
            }
        }
        if (ready)
            return si;
        jsStreamInfo_Destroy(si);
        if (rs_now_ms() >= deadline)
        {
            rs_fail(__FILE__, __LINE__, "stream %s not ready within %d ms: %s", name,
                    STREAM_READY_MS, why);
            return NULL;
        }
        rs_sleep_ms(200);
    }
}

// Returns the member index of the stream's leader, or -1 after a failed
// check.
static RS_UNUSED int
stream_leader(jsCtx *js, const char *name)
{
    jsStreamInfo    *si     = ready_stream_info(js, name);
    int             leader  = -1;

    if (si == NULL)
        return -1;
    leader = member_of_name(si->Cluster->Leader);
    CHECK_MSG(leader >= 0, "unexpected leader name '%s'", si->Cluster->Leader);
    jsStreamInfo_Destroy(si);
    return leader;
}

#endif // NATS_C_JS_CLUSTER_H_
