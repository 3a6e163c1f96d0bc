/* Cluster commands: the Raft group shown to Redis Cluster clients as one shard owning every slot (CLUSTER SLOTS SHARDS NODES INFO MYID KEYSLOT COUNTKEYSINSLOT GETKEYSINSLOT REPLICAS, READONLY READWRITE ASKING), and to replication-minded tools as a master and its replicas (ROLE, INFO replication). */
#include <stdio.h>
#include <string.h>

#include "commands/families.h"
#include "commands/info.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"
#include "common/crc16.h"
#include "store/keyspace.h"

/*
 * A Redis Cluster client asks one node for the slot map, then sends each
 * command to the master of its key's slot. sandstore answers with a single
 * shard that owns slots 0-16383: the Raft leader is its master, the other
 * members its replicas. While an election runs, the last leader known stays
 * the master, as a failed Redis master does until a replica takes over. The
 * members come from the cluster (node->ops->members), the one place that
 * knows who votes now.
 *
 * Learners (non-voting members) are replicas flagged "nofailover", Redis's
 * flag for a replica that never takes over its master: a learner never
 * leads, so it is never the master, and a cluster client, which sends
 * writes only to a slot's master, never routes a write to it (one sent
 * there anyway is handed to the leader, as on any follower). A learner
 * does serve READONLY reads: they are linearizable wherever they run (a
 * follower's read waits for the leader's read index and for its own apply
 * to reach it, learner or not), so a learner only adds read capacity. One
 * still catching up would make those reads wait, so CLUSTER SLOTS lists a
 * learner only once it is not known to be behind, and CLUSTER SHARDS shows
 * such a member "loading", as Redis shows a replica still syncing.
 */

typedef struct group {
    ss_member m[SS_MEMBERS_MAX];
    size_t n;
    const ss_member *master; /* NULL when no leader was ever known */
} group;

static void group_load(ss_node *node, group *g)
{
    g->n = node->ops->members(node->ctx, g->m);
    g->master = NULL;
    for (size_t i = 0; i < g->n; i++)
        if (g->m[i].leader)
            g->master = &g->m[i];
}

/* ---------------------------------------------------------------- NODES */

/* One CLUSTER NODES line, without its newline. */
static void node_line(ss_buf *b, const group *g, const ss_member *m, uint64_t term)
{
    /* With no leader ever known every voter is shown a master; a learner
     * never is, since it can never lead. */
    bool is_master = m == g->master || (g->master == NULL && !m->learner);
    ss_buf_appendf(b, "%s %s:%d@%d %s%s%s%s%s%s %s 0 %lld %llu %s", m->name, m->host, m->port,
                   m->port ? m->raft_port : 0, m->self ? "myself," : "", is_master ? "master" : "slave",
                   m->health == SS_MEMBER_PFAIL ? ",fail?" : "", m->health == SS_MEMBER_FAIL ? ",fail" : "",
                   m->port ? "" : ",noaddr", m->learner ? ",nofailover" : "",
                   is_master || g->master == NULL ? "-" : g->master->name,
                   (long long)(m->self ? ss_clock_wall_ms() : m->heard_ms), (unsigned long long)term,
                   m->link_up ? "connected" : "disconnected");
    if (m == g->master)
        ss_buf_appendf(b, " 0-%d", SS_CLUSTER_SLOTS - 1);
}

static uint64_t current_term(ss_node *node, uint64_t *leader)
{
    uint64_t term, sent, received;
    node->ops->cluster_status(node->ctx, &term, leader, &sent, &received);
    return term;
}

static void clusterNodesCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    group g;
    group_load(node, &g);
    uint64_t leader;
    uint64_t term = current_term(node, &leader);
    ss_buf b;
    ss_buf_init(&b, 0);
    for (size_t i = 0; i < g.n; i++) {
        node_line(&b, &g, &g.m[i], term);
        ss_buf_append(&b, "\n", 1);
    }
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

/* CLUSTER REPLICAS <name>: the replicas' NODES lines, if name is the master's. */
static void clusterReplicasCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    group g;
    group_load(node, &g);
    const ss_member *named = NULL;
    for (size_t i = 0; i < g.n; i++)
        if (a->argvlen[2] == SS_MEMBER_NAME_LEN && !memcmp(g.m[i].name, a->argv[2], SS_MEMBER_NAME_LEN))
            named = &g.m[i];
    if (named == NULL) {
        ss_reply_err(out, RERR_UNKNOWN_NODE, a->argv[2]);
        return;
    }
    if (named != g.master) {
        ss_reply_err(out, RERR_NOT_MASTER);
        return;
    }
    uint64_t leader;
    uint64_t term = current_term(node, &leader);
    resp_add_array_len(out, (long long)g.n - 1);
    ss_buf b;
    ss_buf_init(&b, 0);
    for (size_t i = 0; i < g.n; i++) {
        if (&g.m[i] == g.master)
            continue;
        ss_buf_reset(&b);
        node_line(&b, &g, &g.m[i], term);
        resp_add_bulk(out, ss_buf_data(&b), ss_buf_len(&b));
    }
    ss_buf_release(&b);
}

/* ---------------------------------------------------------------- SLOTS */

/* [host, port, name, {}] (Redis 7.0 adds a map of other endpoints: none). */
static void slots_node(ss_buf *out, resp_proto proto, const ss_member *m)
{
    resp_add_array_len(out, 4);
    resp_add_bulk_cstr(out, m->host);
    resp_add_int(out, m->port);
    resp_add_bulk_cstr(out, m->name);
    resp_add_map_len(out, proto, 0);
}

/* A replica a client may read from: reachable, with an address (Redis 7.0
 * leaves out failed replicas too), and not a learner still catching up. */
static bool serves_reads(const ss_member *m)
{
    return m->health != SS_MEMBER_FAIL && m->port != 0 && !(m->learner && m->behind);
}

static void clusterSlotsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    group g;
    group_load(node, &g);
    if (g.master == NULL) {
        resp_add_array_len(out, 0); /* no slot is served yet */
        return;
    }
    long long replicas = 0;
    for (size_t i = 0; i < g.n; i++)
        replicas += &g.m[i] != g.master && serves_reads(&g.m[i]);
    resp_add_array_len(out, 1);
    resp_add_array_len(out, 3 + replicas);
    resp_add_int(out, 0);
    resp_add_int(out, SS_CLUSTER_SLOTS - 1);
    slots_node(out, s->proto, g.master);
    for (size_t i = 0; i < g.n; i++)
        if (&g.m[i] != g.master && serves_reads(&g.m[i]))
            slots_node(out, s->proto, &g.m[i]);
}

/* --------------------------------------------------------------- SHARDS */

static void shards_node(ss_buf *out, resp_proto proto, const ss_member *m, bool master)
{
    resp_add_map_len(out, proto, 7);
    resp_add_field_cstr(out, "id", m->name);
    resp_add_field_int(out, "port", m->port);
    resp_add_field_cstr(out, "ip", m->host);
    resp_add_field_cstr(out, "endpoint", m->host);
    resp_add_field_cstr(out, "role", master ? "master" : "replica");
    resp_add_field_int(out, "replication-offset", (long long)m->offset);
    /* Redis 7.0's words: "fail", "loading" (a replica still syncing), "online". */
    resp_add_field_cstr(out, "health", m->health == SS_MEMBER_FAIL ? "fail" : !master && m->behind ? "loading" : "online");
}

static void clusterShardsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    group g;
    group_load(node, &g);
    resp_add_array_len(out, 1);
    resp_add_map_len(out, s->proto, 2);
    resp_add_bulk_cstr(out, "slots");
    if (g.master) {
        resp_add_array_len(out, 2);
        resp_add_int(out, 0);
        resp_add_int(out, SS_CLUSTER_SLOTS - 1);
    } else {
        resp_add_array_len(out, 0);
    }
    resp_add_bulk_cstr(out, "nodes");
    resp_add_array_len(out, (long long)g.n);
    if (g.master)
        shards_node(out, s->proto, g.master, true);
    for (size_t i = 0; i < g.n; i++)
        if (&g.m[i] != g.master)
            shards_node(out, s->proto, &g.m[i], false);
}

/* ----------------------------------------------------------------- INFO */

static void clusterInfoCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    group g;
    group_load(node, &g);
    uint64_t term, leader, sent, received;
    node->ops->cluster_status(node->ctx, &term, &leader, &sent, &received);
    /* The slots are served while a leader leads; between leaders they
     * fail, as a Redis shard whose master failed until its replacement. */
    long long assigned = g.master ? SS_CLUSTER_SLOTS : 0;
    long long ok = 0, pfail = 0, fail = 0;
    if (g.master && leader == 0)
        fail = assigned;
    else if (g.master && g.master->health == SS_MEMBER_PFAIL)
        pfail = assigned;
    else
        ok = assigned;
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_buf_appendf(&b,
                   "cluster_state:%s\r\ncluster_slots_assigned:%lld\r\ncluster_slots_ok:%lld\r\n"
                   "cluster_slots_pfail:%lld\r\ncluster_slots_fail:%lld\r\ncluster_known_nodes:%zu\r\n"
                   "cluster_size:%d\r\ncluster_current_epoch:%llu\r\ncluster_my_epoch:%llu\r\n"
                   "cluster_stats_messages_sent:%llu\r\ncluster_stats_messages_received:%llu\r\n"
                   "total_cluster_links_buffer_limit_exceeded:0\r\n",
                   ok + pfail == SS_CLUSTER_SLOTS ? "ok" : "fail", assigned, ok, pfail, fail, g.n,
                   g.master ? 1 : 0, (unsigned long long)term, (unsigned long long)term,
                   (unsigned long long)sent, (unsigned long long)received);
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

static void clusterMyidCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_bulk_cstr(out, node->ops->node_name(node->ctx));
}

/* ------------------------------------------------------ ROLE, replication */

/*
 * Tools written for Redis replication (exporters, Sentinel-style scripts,
 * client libraries choosing where to send reads) ask ROLE or INFO
 * replication. The leader is the master; every other member, voter or
 * learner, a replica. Offsets are Raft log indexes: the master's is its
 * applied index, a replica's on the master its match index (what it holds
 * durable), a replica's own its applied index. A replica whose leader is
 * not known (an election) names no master and is "connect"ing. A learner's
 * own INFO shows slave_priority:0, Redis's mark of a replica that is never
 * promoted (Sentinel skips it), which is what a learner is.
 */

/* The member this node is. */
static const ss_member *group_self(const group *g)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->m[i].self)
            return &g->m[i];
    return NULL;
}

static void roleCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    (void)a;
    group g;
    group_load(node, &g);
    const ss_member *self = group_self(&g);
    uint64_t offset = self ? self->offset : 0;
    if (ss_node_is_leader(node)) {
        resp_add_array_len(out, 3);
        resp_add_bulk_cstr(out, "master");
        resp_add_int(out, (long long)offset);
        size_t n = 0;
        for (size_t i = 0; i < g.n; i++)
            n += !g.m[i].self && g.m[i].link_up;
        resp_add_array_len(out, (long long)n);
        for (size_t i = 0; i < g.n; i++) {
            const ss_member *m = &g.m[i];
            if (m->self || !m->link_up)
                continue;
            char port[16], off[24];
            snprintf(port, sizeof port, "%d", m->port);
            snprintf(off, sizeof off, "%llu", (unsigned long long)m->offset);
            resp_add_array_len(out, 3); /* Redis sends all three as strings */
            resp_add_bulk_cstr(out, m->host);
            resp_add_bulk_cstr(out, port);
            resp_add_bulk_cstr(out, off);
        }
        return;
    }
    bool known = g.master && !g.master->self && g.master->port;
    resp_add_array_len(out, 5);
    resp_add_bulk_cstr(out, "slave");
    resp_add_bulk_cstr(out, known ? g.master->host : "");
    resp_add_int(out, known ? g.master->port : 0);
    resp_add_bulk_cstr(out, known && g.master->link_up ? "connected" : "connect");
    resp_add_int(out, (long long)offset);
}

void ss_info_replication(ss_node *node, ss_buf *b)
{
    group g;
    group_load(node, &g);
    const ss_member *self = group_self(&g);
    uint64_t offset = self ? self->offset : 0;
    bool master = ss_node_is_leader(node);
    int64_t now = ss_clock_wall_ms();
    ss_buf_appendf(b, "# Replication\r\nrole:%s\r\n", master ? "master" : "slave");
    if (!master) {
        bool known = g.master && !g.master->self && g.master->port;
        bool up = known && g.master->link_up;
        long long io = known && g.master->heard_ms ? (long long)((now - g.master->heard_ms) / 1000) : -1;
        ss_buf_appendf(b,
                       "master_host:%s\r\nmaster_port:%d\r\nmaster_link_status:%s\r\n"
                       "master_last_io_seconds_ago:%lld\r\nmaster_sync_in_progress:0\r\n"
                       "slave_read_repl_offset:%llu\r\nslave_repl_offset:%llu\r\nslave_priority:%d\r\n"
                       "slave_read_only:1\r\nreplica_announced:1\r\n",
                       known ? g.master->host : "", known ? g.master->port : 0, up ? "up" : "down",
                       up ? (io < 0 ? 0 : io) : -1, (unsigned long long)offset, (unsigned long long)offset,
                       self && self->learner ? 0 : 100);
        if (!up)
            ss_buf_append_cstr(b, "master_link_down_since_seconds:-1\r\n");
    }
    size_t n = 0;
    for (size_t i = 0; master && i < g.n; i++)
        n += !g.m[i].self && g.m[i].link_up;
    ss_buf_appendf(b, "connected_slaves:%zu\r\n", n);
    for (size_t i = 0, k = 0; master && i < g.n; i++) {
        const ss_member *m = &g.m[i];
        if (m->self || !m->link_up)
            continue;
        long long lag = m->heard_ms ? (long long)((now - m->heard_ms) / 1000) : 0;
        ss_buf_appendf(b, "slave%zu:ip=%s,port=%d,state=online,offset=%llu,lag=%lld\r\n", k++, m->host, m->port,
                       (unsigned long long)m->offset, lag < 0 ? 0 : lag);
    }
    /* The replication id is the master's name: it changes with the leader,
     * as Redis's does on a failover. */
    const char *replid = g.master ? g.master->name : (self ? self->name : "");
    ss_buf_appendf(b,
                   "master_failover_state:no-failover\r\nmaster_replid:%s\r\n"
                   "master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:%llu\r\n"
                   "second_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:0\r\n"
                   "repl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n\r\n",
                   replid, (unsigned long long)(master || !g.master ? offset : g.master->offset));
}

/* ---------------------------------------------------------------- slots */

static void clusterKeyslotCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_int(out, ss_key_slot(a->argv[2], a->argvlen[2]));
}

/*
 * Walks the keys of the connection's database that hash to slot, on the
 * loop thread: there is no slot index, so this is O(N) in the keys (Redis
 * keeps one, O(1)). Calls fn until it returns false.
 */
static int keys_in_slot(ss_node *node, int db, long long slot, bool (*fn)(void *, ss_slice), void *arg)
{
    ss_txn *txn = ss_txn_begin(node->store);
    ss_ks_keyiter *it;
    int rc = ss_ks_keyiter_new(txn, db, (uint64_t)ss_clock_wall_ms(), &it);
    if (rc == SS_OK) {
        for (ss_ks_keyiter_seek(it, "", 0); ss_ks_keyiter_valid(it); ss_ks_keyiter_next(it)) {
            ss_slice k = ss_ks_keyiter_key(it);
            if (ss_key_slot(k.data, k.len) == slot && !fn(arg, k))
                break;
        }
        ss_ks_keyiter_free(it);
    }
    ss_txn_abort(txn);
    return rc;
}

static bool count_key(void *arg, ss_slice k)
{
    (void)k;
    (*(long long *)arg)++;
    return true;
}

static void clusterCountkeysinslotCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long slot, n = 0;
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &slot)) {
        ss_reply_err(out, RERR_NOTINT);
        return;
    }
    if (slot < 0 || slot >= SS_CLUSTER_SLOTS) {
        ss_reply_err(out, RERR_INVALID_SLOT);
        return;
    }
    int rc = keys_in_slot(node, s->db, slot, count_key, &n);
    if (rc != SS_OK)
        ss_reply_err(out, RERR_INTERNAL, ss_strerror(rc));
    else
        resp_add_int(out, n);
}

typedef struct gather {
    ss_buf items;
    long long n, max;
} gather;

static bool gather_key(void *arg, ss_slice k)
{
    gather *g = arg;
    if (g->n >= g->max)
        return false;
    resp_add_bulk(&g->items, k.data, k.len);
    g->n++;
    return g->n < g->max;
}

static void clusterGetkeysinslotCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long slot, max;
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &slot) || !ss_parse_ll(a->argv[3], a->argvlen[3], &max)) {
        ss_reply_err(out, RERR_NOTINT);
        return;
    }
    if (slot < 0 || slot >= SS_CLUSTER_SLOTS || max < 0) {
        ss_reply_err(out, RERR_INVALID_SLOT_COUNT);
        return;
    }
    gather g = {.max = max};
    ss_buf_init(&g.items, 0);
    int rc = max > 0 ? keys_in_slot(node, s->db, slot, gather_key, &g) : SS_OK;
    if (rc != SS_OK) {
        ss_reply_err(out, RERR_INTERNAL, ss_strerror(rc));
    } else {
        resp_add_array_len(out, g.n);
        resp_add_raw(out, ss_buf_data(&g.items), ss_buf_len(&g.items));
    }
    ss_buf_release(&g.items);
}

static void clusterHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    static const char *const lines[] = {
        "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
        "GETKEYSINSLOT <slot> <count>", "    Return key names stored by current node in a slot.",
        "INFO", "    Return information about the cluster.",
        "KEYSLOT <key>", "    Return the hash slot for <key>.",
        "MYID", "    Return the node id.",
        "NODES", "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "REPLICAS <node-id>", "    Return <node-id> replicas.",
        "SLOTS", "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "SHARDS", "    Return information about slot range mappings and the nodes associated with them.",
        "HELP", "    Prints this help.",
        "sandstore: one shard owns every slot; its master is the Raft leader and its replicas the",
        "other voters. Membership is Raft's, so MEET, ADDSLOTS, FAILOVER... are not supported.",
    };
    SS_REPLY_HELP(out, lines);
}

/* ------------------------------------------ READONLY READWRITE ASKING */

static void readonlyCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    s->readonly = true;
    resp_add_shared(out, RESP_SH_OK);
}

static void readwriteCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    s->readonly = false;
    resp_add_shared(out, RESP_SH_OK);
}

/* There is no slot migration, so no -ASK to follow: accepted and ignored. */
static void askingCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_shared(out, RESP_SH_OK);
}

#define CLUSTER_INFO_FLAGS CMD_STALE
#define CLUSTER_ADMIN_FLAGS (CMD_ADMIN | CMD_STALE)

static const ss_command cluster_subcommands[] = {
    SS_LOCAL("cluster|slots", 2, CLUSTER_INFO_FLAGS, 0, clusterSlotsCommand),
    SS_LOCAL("cluster|shards", 2, CLUSTER_INFO_FLAGS, 0, clusterShardsCommand),
    SS_LOCAL("cluster|nodes", 2, CLUSTER_INFO_FLAGS, 0, clusterNodesCommand),
    SS_LOCAL("cluster|info", 2, CLUSTER_INFO_FLAGS, 0, clusterInfoCommand),
    SS_LOCAL("cluster|myid", 2, CLUSTER_INFO_FLAGS, 0, clusterMyidCommand),
    SS_LOCAL("cluster|keyslot", 3, CLUSTER_INFO_FLAGS, 0, clusterKeyslotCommand),
    SS_LOCAL("cluster|countkeysinslot", 3, CLUSTER_INFO_FLAGS, 0, clusterCountkeysinslotCommand),
    SS_LOCAL("cluster|getkeysinslot", 4, CLUSTER_INFO_FLAGS, 0, clusterGetkeysinslotCommand),
    SS_LOCAL("cluster|replicas", 3, CLUSTER_ADMIN_FLAGS, 0, clusterReplicasCommand),
    SS_LOCAL("cluster|slaves", 3, CLUSTER_ADMIN_FLAGS, 0, clusterReplicasCommand),
    SS_LOCAL("cluster|help", 2, CMD_LOADING | CMD_STALE, 0, clusterHelpCommand),
    SS_END,
};

const ss_command ss_cmds_cluster[] = {
    SS_CONTAINER("cluster", -2, 0, 0, cluster_subcommands),
    SS_LOCAL("readonly", 1, CMD_LOADING | CMD_STALE | CMD_FAST, ACL_CONNECTION, readonlyCommand),
    SS_LOCAL("readwrite", 1, CMD_LOADING | CMD_STALE | CMD_FAST, ACL_CONNECTION, readwriteCommand),
    SS_LOCAL("asking", 1, CMD_FAST, ACL_CONNECTION, askingCommand),
    SS_LOCAL("role", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST, ACL_ADMIN | ACL_DANGEROUS, roleCommand),
};
SS_COUNT(ss_cmds_cluster);
