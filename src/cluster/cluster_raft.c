/* The Raft cluster: wires the pure core to the durable log, the peer transport and the state machine. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_raft.h"
#include "common/clock.h"
#include "common/log.h"

static void on_kick(uv_idle_t *h) { (void)h; }

/* Input arrived outside the check phase: run the core before sleeping. */
void ss_cluster_kick(ss_cluster *c)
{
    if (!c->closing)
        uv_idle_start(&c->kick, on_kick);
}

bool ss_cluster_running(const ss_cluster *c) { return !c->closing && !c->fatal && !c->reloading; }

void ss_cluster_hold_core(ss_cluster *c, bool hold)
{
    c->core_held = hold;
    if (!hold)
        ss_cluster_kick(c);
}

void ss_cluster_fatal(ss_cluster *c, int code, const char *what)
{
    if (c->fatal)
        return;
    c->fatal = true;
    LOG_WARNING("raft: fatal: %s (%s); this node must stop", what, ss_strerror(code));
    c->ev.fatal(c->ev.ctx, code, what);
}

/* --------------------------------------------------------------- peers */

/* Tells a peer where clients reach this node, and its member name. */
static void send_info(ss_cluster *c, uint64_t to)
{
    char buf[SS_HOST_MAX + SS_MEMBER_NAME_LEN + 16];
    int n = snprintf(buf, sizeof buf, "%c%s %s", PEER_INFO, c->self_client_addr, c->name);
    ss_transport_send(c->transport, to, buf, (size_t)n);
}

/* A follower's proposal we took on: its client waits on the follower. */
static void relayed_done(void *arg, int status)
{
    (void)arg;
    (void)status;
}

static void on_peer_state(void *ctx, uint64_t id, bool connected)
{
    ss_cluster *c = ctx;
    peer_info *p = cluster_peer_find(c, id);
    if (p)
        cluster_members_link(c, p, connected);
    if (connected)
        send_info(c, id);
}

size_t peer_snap_bad_encode(uint8_t *out, uint64_t index, uint64_t term, int code,
                            const char *why)
{
    size_t n = strlen(why) < PEER_SNAP_BAD_WHY ? strlen(why) : PEER_SNAP_BAD_WHY;
    out[0] = PEER_SNAP_BAD;
    for (int i = 0; i < 8; i++) {
        out[1 + i] = (uint8_t)(index >> (8 * i));
        out[9 + i] = (uint8_t)(term >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
        out[17 + i] = (uint8_t)((uint32_t)code >> (8 * i));
    memcpy(out + PEER_SNAP_BAD_HEAD, why, n);
    return PEER_SNAP_BAD_HEAD + n;
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

bool peer_snap_bad_decode(const uint8_t *msg, size_t len, uint64_t *index, uint64_t *term,
                          int *code, char *why)
{
    if (len < PEER_SNAP_BAD_HEAD)
        return false;
    *index = get_le(msg + 1, 8);
    *term = get_le(msg + 9, 8);
    *code = (int)(int32_t)get_le(msg + 17, 4);
    size_t n = len - PEER_SNAP_BAD_HEAD < PEER_SNAP_BAD_WHY ? len - PEER_SNAP_BAD_HEAD
                                                            : PEER_SNAP_BAD_WHY;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = msg[PEER_SNAP_BAD_HEAD + i];
        why[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    why[n] = '\0';
    return true;
}

/* An entry this node could neither store nor pass on (over max_entry):
 * counted, and logged now and then, never stepped into the core. */
static void oversized(ss_cluster *c, uint64_t from, size_t len, const char *what)
{
    c->oversized_dropped++;
    int64_t now = ss_cluster_now_ms();
    if (now - c->oversized_logged_ms < 10000)
        return;
    c->oversized_logged_ms = now;
    LOG_WARNING("raft: dropped %s from node %llu carrying an entry of %zu bytes, over the %zu "
                "this node stores (%llu dropped so far)", what, (unsigned long long)from, len,
                c->max_entry, (unsigned long long)c->oversized_dropped);
}

static void step(ss_cluster *c, uint64_t from, const raft_msg *m)
{
    if (m->from != from) {
        LOG_WARNING("raft: dropped a message from node %llu claiming to be from node %llu",
                    (unsigned long long)from, (unsigned long long)m->from);
        return;
    }
    for (size_t i = 0; m->type == RAFT_MSG_APPEND && i < m->n_entries; i++)
        if (m->entries[i].len > c->max_entry) {
            oversized(c, from, m->entries[i].len, "an AppendEntries");
            return;
        }
    if (m->type == RAFT_MSG_SNAPSHOT && !cluster_snap_admit(c->snap, m))
        return;
    raft_step(c->r, m);
}

static void on_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    ss_cluster *c = ctx;
    if (len == 0 || c->closing)
        return;
    peer_info *from_peer = cluster_peer_find(c, from);
    if (from_peer)
        from_peer->heard_ms = ss_clock_wall_ms();
    switch (payload[0]) {
    case PEER_RAFT: {
        if (c->reloading)
            return; /* lost, as if the node were restarting */
        if (!c->decode_room && !(c->decode_room = malloc(RAFT_MAX_MSG_ENTRIES * sizeof *c->decode_room)))
            return; /* out of memory: lost, as on a bad link */
        /* The room is taken while the message is stepped, in case stepping
         * ever delivers another message (which then makes its own room). */
        raft_entry *room = c->decode_room;
        c->decode_room = NULL;
        raft_msg m;
        if (raft_msg_decode_into(payload + 1, len - 1, &m, room) != SS_OK)
            LOG_WARNING("raft: dropped an undecodable message from node %llu", (unsigned long long)from);
        else
            step(c, from, &m);
        free(c->decode_room);
        c->decode_room = room;
        break;
    }
    case PEER_PROPOSE:
        /* A follower's client write. If we are no longer leader, or our log
         * pushes back (cluster_log_busy), the entry is dropped: the follower
         * answers its client TRYAGAIN (outcome unknown) when it learns of a
         * new leader or its wait runs out. */
        c->proposals_received++;
        if (c->sm.entry_valid && !c->sm.entry_valid(c->sm.ctx, payload + 1, len - 1)) {
            /* Honest peers of this version never send one: a bug, a version
             * mismatch or a hostile node. Keep it out of everyone's log. */
            c->proposals_refused++;
            LOG_WARNING("raft: refused a malformed entry (%zu bytes) proposed by node %llu", len - 1,
                        (unsigned long long)from);
            break;
        }
        if (len - 1 > c->max_entry) {
            oversized(c, from, len - 1, "a proposal");
            break;
        }
        /* During a leadership transfer the entry waits (bounded, as a local
         * one) and goes to the next leader, so a graceful handoff fails no
         * follower's write. */
        ss_cluster_propose(c, payload + 1, len - 1, relayed_done, NULL);
        break;
    case PEER_SNAP_BAD:
        cluster_snap_peer_report(c->snap, from, payload, len);
        break;
    case PEER_INFO:
        if (from_peer)
            cluster_members_info(c, from_peer, payload + 1, len - 1);
        break;
    default:
        LOG_WARNING("raft: dropped a peer payload of unknown kind 0x%02x from node %llu", payload[0],
                    (unsigned long long)from);
    }
    /* The driver (check handle) runs right after this poll phase. */
}

static void send_messages(ss_cluster *c, const raft_msg *msgs, size_t n)
{
    uint8_t stack[512];
    for (size_t i = 0; i < n; i++) {
        if (c->transport == NULL)
            continue;
        size_t size = raft_msg_encoded_size(&msgs[i]) + 1;
        uint8_t *buf = size <= sizeof stack ? stack : malloc(size);
        if (!buf)
            continue; /* Raft resends */
        size_t len;
        buf[0] = PEER_RAFT;
        if (raft_msg_encode(&msgs[i], buf + 1, size - 1, &len) == SS_OK)
            ss_transport_send(c->transport, msgs[i].to, buf, len + 1);
        if (buf != stack)
            free(buf);
    }
}

/* --------------------------------------------------------------- apply */

static int apply(ss_cluster *c, const raft_entry *entries, size_t n)
{
    if (n == 0)
        return SS_OK;
    ss_applied_entry *batch = malloc(sizeof *batch * n);
    if (!batch)
        return SS_ENOMEM;
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const raft_entry *e = &entries[i];
        int type = e->type == RAFT_ENTRY_NORMAL   ? SS_ENTRY_COMMAND
                   : e->type == RAFT_ENTRY_CONFIG ? SS_ENTRY_CONFIG
                                                  : SS_ENTRY_NOOP;
        batch[i] = (ss_applied_entry){e->index, e->term, type, e->data, e->len};
        bytes += e->len;
    }
    uint64_t t0 = ss_clock_mono_ns();
    int rc = c->sm.apply_batch(c->sm.ctx, batch, n);
    ss_hist_observe(&c->apply_ns, ss_clock_mono_ns() - t0);
    free(batch);
    c->entries_applied += n;
    if (rc == SS_OK)
        cluster_snap_applied(c->snap, entries[n - 1].index, entries[n - 1].term, bytes);
    return rc;
}

static void role_changed(ss_cluster *c, const raft_ready *rd)
{
    bool leader_changed = rd->leader_id != c->leader_id || rd->term != c->term;
    if (rd->role == RAFT_CANDIDATE && (c->role != RAFT_CANDIDATE || rd->term != c->term))
        c->elections_started++;
    if (leader_changed && rd->leader_id != 0)
        c->leader_changes++;
    c->role = rd->role;
    c->term = rd->term;
    c->leader_id = rd->leader_id;
    if (rd->leader_id)
        c->last_leader_id = rd->leader_id;
    if (leader_changed)
        c->ev.leader_changed(c->ev.ctx, rd->leader_id, rd->term);
}

/* Runs every ready the core has: persist, send, apply, answer reads. */
void ss_cluster_run(ss_cluster *c)
{
    if (!ss_cluster_running(c) || c->r == NULL)
        return;
    cluster_log_pump(c); /* writes storage pushed back, before this round's */
    raft_ready rd;
    /* While received snapshot chunks wait for the disk the core is held
     * (ss_cluster_hold_core): its acknowledgements wait too. */
    for (int rounds = 0; rounds < 64 && !c->core_held; rounds++) {
        /* The core takes the batch's read index (leader) or sends its request
         * (follower) here: reads arriving from now on need another. */
        c->read_batch_open = false;
        c->read_round++;
        if (!raft_ready_get(c->r, &rd))
            break;
        c->in_ready = true;
        cluster_conf_sync(c); /* before this ready's messages go to a new member */
        int rc = cluster_log_write(c, &rd);
        if (rc != SS_OK) {
            c->in_ready = false;
            raft_ready_advance(c->r, &rd);
            ss_cluster_fatal(c, rc, "could not queue entries for the raft log");
            return;
        }
        send_messages(c, rd.messages, rd.n_messages);
        rc = apply(c, rd.committed, rd.n_committed);
        if (rc != SS_OK) {
            c->in_ready = false;
            raft_ready_advance(c->r, &rd);
            ss_cluster_fatal(c, rc, "the state machine could not apply committed entries");
            return;
        }
        if (rd.role_changed)
            role_changed(c, &rd);
        cluster_snap_ready(c->snap, &rd);
        c->in_ready = false;
        /* Copy out what must outlive the ready before advancing. */
        size_t nreads = rd.n_reads;
        raft_read_result *reads = nreads ? malloc(sizeof *reads * nreads) : NULL;
        if (reads)
            memcpy(reads, rd.reads, sizeof *reads * nreads);
        raft_ready_advance(c->r, &rd);
        cluster_snap_after_ready(c->snap);
        if (reads) {
            ss_cluster_reads_answered(c, reads, nreads);
            free(reads);
        }
        ss_cluster_reads_applied(c);
        cluster_conf_wait_check(c);
        if (rd.role_changed)
            ss_cluster_wait_flush(c);
        if (c->fatal)
            return;
    }
    cluster_snap_after_run(c->snap);
}

static void on_driver(uv_check_t *h)
{
    ss_cluster *c = h->data;
    ss_cluster_run(c);
    if (!c->closing)
        uv_idle_stop(&c->kick);
}

static void on_tick(uv_timer_t *t)
{
    ss_cluster *c = t->data;
    uint64_t loop_now = uv_now(c->loop);
    unsigned elapsed = (unsigned)(loop_now - c->last_tick);
    c->last_tick = loop_now;
    raft_set_log_level(c->r, ss_log_get_level()); /* CONFIG SET loglevel reaches the core */
    if (elapsed > 0 && !c->reloading)
        raft_tick(c->r, elapsed);
    int64_t now = ss_cluster_now_ms();
    ss_cluster_wait_expire(c, now);
    ss_cluster_reads_expire(c, now);
    ss_cluster_kick(c);
}

/* ----------------------------------------------------------- lifecycle */

int ss_cluster_new(uv_loop_t *loop, const ss_config *cfg, const ss_state_machine *sm,
                   const ss_cluster_events *events, ss_cluster **out, char *errmsg)
{
    ss_cluster *c = calloc(1, sizeof *c);
    if (!c)
        return ss_errf(errmsg, SS_ENOMEM, "cluster: out of memory");
    c->loop = loop;
    c->cfg = cfg;
    c->sm = *sm;
    c->ev = *events;

    const char *self_host = cfg->bind;
    if (cfg->npeers > 0) {
        for (int i = 0; i < cfg->npeers; i++) {
            if (cfg->peer_list[i].id == cfg->node_id) {
                self_host = cfg->peer_list[i].host;
                continue;
            }
            peer_info *p = &c->peers[c->npeers++];
            p->id = cfg->peer_list[i].id;
            snprintf(p->raft_addr, sizeof p->raft_addr, "%s:%d", cfg->peer_list[i].host,
                     cfg->peer_list[i].port);
        }
    }
    /* The address clients should use for this node: the bind address, unless
     * it is a wildcard, then the host the peers know this node by. */
    if (strcmp(cfg->bind, "0.0.0.0") != 0 && strcmp(cfg->bind, "::") != 0)
        self_host = cfg->bind;
    /* A node serving clients on tls-port alone announces that port, as a
     * Redis Cluster node with tls-cluster does. */
    snprintf(c->self_client_addr, sizeof c->self_client_addr, "%s:%d", self_host,
             cfg->port == 0 && cfg->tls_port != 0 ? cfg->tls_port : cfg->port);

    int rc = cluster_members_load(c, errmsg);
    if (rc != SS_OK) {
        free(c);
        return rc;
    }
    rc = cluster_core_new(c, &c->r, errmsg);
    if (rc != SS_OK) {
        free(c);
        return rc;
    }
    if ((rc = cluster_restore(c, c->r, errmsg)) != SS_OK) {
        raft_free(c->r);
        if (c->storage)
            ss_storage_close(c->storage, NULL, NULL);
        if (c->snap)
            cluster_snap_close(c->snap, NULL, NULL);
        free(c);
        return rc;
    }
    cluster_conf_sync(c); /* the restored configuration, not `peers`, says who the peers are */
    if (cfg->raft_fsync == SS_RAFT_FSYNC_NO)
        LOG_WARNING("raft: raft-fsync is 'no': acknowledged writes can be lost if the machine "
                    "crashes. Use this for benchmarks only");
    uv_timer_init(loop, &c->ticker);
    uv_check_init(loop, &c->driver);
    uv_idle_init(loop, &c->kick);
    c->ticker.data = c->driver.data = c->kick.data = c;
    c->next_read_ctx = 1;
    *out = c;
    return SS_OK;
}

/* The peer transport: at start for a node with peers (or one that joins a
 * cluster), later for a one-member cluster the moment it gains a member. */
int cluster_transport_start(ss_cluster *c, char *errmsg)
{
    if (c->transport)
        return SS_OK;
    int rc = ss_config_check_raft_bind(c->cfg, errmsg);
    if (rc != SS_OK)
        return rc;
    ss_transport_peer tp[SS_MAX_PEERS];
    char hosts[SS_MAX_PEERS][SS_HOST_MAX];
    int n = 0;
    for (int i = 0; i < c->npeers; i++) {
        int port;
        cluster_split_addr(c->peers[i].raft_addr, hosts[n], sizeof hosts[n], &port);
        tp[n] = (ss_transport_peer){c->peers[i].id, hosts[n], port};
        n++;
    }
    ss_tls_ctx *tls_accept = NULL, *tls_dial = NULL;
    if (c->cfg->tls_cluster) {
        rc = cluster_tls_contexts(c->cfg, &tls_accept, &tls_dial, errmsg);
        if (rc != SS_OK)
            return ss_errwrap(errmsg, rc, "tls-cluster");
    }
    ss_transport_config tc = {
        .node_id = c->cfg->node_id,
        .cluster_id = c->cfg->cluster_id,
        .secret = c->cfg->cluster_secret,
        .bind_host = ss_config_raft_bind(c->cfg),
        .port = c->cfg->raft_port,
        .peers = tp,
        .npeers = (size_t)n,
        .on_message = on_message,
        .on_peer_state = on_peer_state,
        .ctx = c,
        .max_frame = ss_cluster_peer_max_frame(c->cfg),
        .tls_accept = tls_accept,
        .tls_dial = tls_dial,
    };
    rc = ss_transport_new(c->loop, &tc, &c->transport, errmsg);
    if (rc != SS_OK)
        return ss_errwrap(errmsg, rc, "raft port %s:%d", tc.bind_host, c->cfg->raft_port);
    LOG_NOTICE("raft: node %llu listening for peers on %s:%d; %d peers known",
               (unsigned long long)c->cfg->node_id, tc.bind_host, c->cfg->raft_port, c->npeers);
    return SS_OK;
}

int ss_cluster_start(ss_cluster *c, char *errmsg)
{
    if (c->npeers > 0 || c->cfg->npeers > 0 || ss_cluster_joining(c)) {
        int rc = cluster_transport_start(c, errmsg);
        if (rc != SS_OK)
            return rc;
    } else {
        LOG_NOTICE("raft: node %llu is a one-member cluster (no peers configured); every write "
                   "still goes through the raft log; the raft port opens when a member is added",
                   (unsigned long long)c->cfg->node_id);
    }
    int rc = cluster_snap_start(c->snap, errmsg);
    if (rc != SS_OK)
        return rc;
    c->last_tick = uv_now(c->loop);
    uv_timer_start(&c->ticker, on_tick, TICK_MS, TICK_MS);
    uv_check_start(&c->driver, on_driver);
    c->started = true;
    ss_cluster_kick(c);
    return SS_OK;
}

static void maybe_done(ss_cluster *c)
{
    if (--c->open_handles > 0)
        return;
    void (*cb)(void *) = c->close_cb;
    void *arg = c->close_arg;
    cluster_log_drop_all(c); /* nothing can be left, but if it were: freed */
    raft_free(c->r);
    free(c->reads);
    free(c->decode_room);
    free(c);
    if (cb)
        cb(arg);
}

void ss_cluster_closed_one(ss_cluster *c) { maybe_done(c); }
static void on_handle_closed(uv_handle_t *h) { maybe_done(h->data); }
static void on_transport_closed(void *ctx) { maybe_done(ctx); }
static void on_storage_closed(void *arg) { maybe_done(arg); }
static void on_snap_closed(void *arg) { maybe_done(arg); }

void ss_cluster_close(ss_cluster *c, void (*cb)(void *arg), void *arg)
{
    if (c->closing)
        return;
    /* Answer everyone still waiting, then let the log finish what it has:
     * whatever it acknowledged stays durable. */
    ss_cluster_wait_fail_all(c, SS_ESHUTDOWN);
    ss_cluster_reads_fail_all(c, SS_ESHUTDOWN);
    cluster_conf_wait_fail(c, SS_ESHUTDOWN);
    c->closing = true;
    c->close_cb = cb;
    c->close_arg = arg;
    c->open_handles = 5 + (c->transport ? 1 : 0) + (cluster_members_closing(c) ? 1 : 0);
    uv_close((uv_handle_t *)&c->ticker, on_handle_closed);
    uv_close((uv_handle_t *)&c->driver, on_handle_closed);
    uv_close((uv_handle_t *)&c->kick, on_handle_closed);
    if (c->transport)
        ss_transport_close(c->transport, on_transport_closed);
    if (c->storage == NULL)
        c->open_handles--; /* a reload could not reopen it (the node failed) */
    else if (!c->reloading)
        ss_storage_close(c->storage, on_storage_closed, c);
    /* else the reload's close finishes it (ss_cluster_closed_one) */
    cluster_snap_close(c->snap, on_snap_closed, c);
    /* What never reached storage was never acknowledged: it goes (after the
     * snapshots are closing, so a reset's owner takes it as closing). */
    cluster_log_drop_all(c);
}

int ss_cluster_snapshot_now(ss_cluster *c)
{
    if (c->closing || c->fatal)
        return SS_ESHUTDOWN;
    int rc = cluster_snap_request(c->snap);
    ss_cluster_kick(c);
    return rc;
}

int64_t ss_cluster_last_snapshot_time(const ss_cluster *c) { return cluster_snap_time(c->snap); }
int ss_cluster_snapshot_in_progress(const ss_cluster *c) { return cluster_snap_taking(c->snap); }

/* --------------------------------------------------------- observers */

bool ss_cluster_is_leader(const ss_cluster *c) { return !c->closing && c->role == RAFT_LEADER; }
uint64_t ss_cluster_leader_id(const ss_cluster *c) { return c->leader_id; }
uint64_t ss_cluster_max_entry_size(const ss_cluster *c) { return (uint64_t)c->max_entry; }

uint64_t ss_cluster_node_id(const ss_cluster *c) { return c->cfg->node_id; }

const char *ss_cluster_leader_addr(const ss_cluster *c)
{
    if (c->leader_id == 0)
        return NULL;
    if (c->leader_id == c->cfg->node_id)
        return c->self_client_addr;
    const peer_info *p = cluster_peer_find(c, c->leader_id);
    return p && p->client_addr[0] ? p->client_addr : NULL;
}

void ss_cluster_info(const ss_cluster *c, ss_info_fn fn, void *arg)
{
    char line[512];
    const char *addr = ss_cluster_leader_addr(c);
    static const char *const roles[] = {"follower", "candidate", "candidate", "leader"};
    ss_storage_stats st = {0};
    if (c->storage)
        ss_storage_get_stats(c->storage, &st);
#define LINE(...) do { snprintf(line, sizeof line, __VA_ARGS__); fn(arg, line); } while (0)
    LINE("raft_node_id:%llu", (unsigned long long)c->cfg->node_id);
    LINE("raft_role:%s", roles[c->role >= 0 && c->role <= 3 ? c->role : 0]);
    LINE("raft_state:%s", raft_role_name(raft_role_get(c->r)));
    LINE("raft_leader_id:%llu", (unsigned long long)c->leader_id);
    LINE("raft_leader_addr:%s", addr ? addr : "");
    LINE("raft_current_term:%llu", (unsigned long long)raft_term(c->r));
    LINE("raft_commit_index:%llu", (unsigned long long)raft_commit_index(c->r));
    LINE("raft_last_applied_index:%llu", (unsigned long long)c->sm.applied_index(c->sm.ctx));
    LINE("raft_log_first_index:%llu", (unsigned long long)raft_first_index(c->r));
    LINE("raft_log_last_index:%llu", (unsigned long long)raft_last_index(c->r));
    LINE("raft_log_durable_index:%llu", (unsigned long long)st.last_durable);
    LINE("raft_log_bytes:%llu", (unsigned long long)(c->storage ? ss_storage_bytes(c->storage) : 0));
    LINE("raft_log_fsyncs:%llu", (unsigned long long)st.fsyncs);
    LINE("raft_log_write_rounds:%llu", (unsigned long long)st.rounds);
    LINE("raft_fsync:%s", c->cfg->raft_fsync == SS_RAFT_FSYNC_NO ? "no" : "always");
    const raft_conf *conf = raft_conf_get(c->r, NULL, NULL);
    LINE("raft_voters:%zu", raft_conf_voters(conf));
    LINE("raft_learners:%zu", conf->n - raft_conf_voters(conf));
    LINE("raft_proposals_forwarded:%llu", (unsigned long long)c->proposals_forwarded);
    LINE("raft_proposals_received:%llu", (unsigned long long)c->proposals_received);
    LINE("raft_proposals_refused:%llu", (unsigned long long)c->proposals_refused);
    LINE("raft_proposals_refused_busy:%llu", (unsigned long long)c->log_writes.refused);
    LINE("raft_log_busy:%d", c->log_writes.busy ? 1 : 0);
    LINE("raft_log_busy_events:%llu", (unsigned long long)c->log_writes.busy_events);
    LINE("raft_oversized_dropped:%llu", (unsigned long long)c->oversized_dropped);
    LINE("raft_reads_confirmed:%llu", (unsigned long long)c->reads_confirmed);
    LINE("raft_read_requests:%llu", (unsigned long long)c->read_requests);
    LINE("raft_invalid_messages:%llu", (unsigned long long)raft_status_get(c->r).invalid_messages);
    cluster_snap_info(c->snap, fn, arg);
    for (int i = 0; i < c->npeers; i++) {
        ss_transport_stats ts = {0};
        if (c->transport)
            ss_transport_peer_stats(c->transport, c->peers[i].id, &ts);
        uint64_t match = 0, next = 0;
        const char *state = "unknown"; /* only the leader tracks followers */
        raft_peer_progress(c->r, c->peers[i].id, &match, &next, &state);
        LINE("raft_peer_%llu:addr=%s,client_addr=%s,connected=%d,match_index=%llu,next_index=%llu,"
             "replication=%s,msgs_sent=%llu,msgs_received=%llu,dropped=%llu,reconnects=%llu",
             (unsigned long long)c->peers[i].id, c->peers[i].raft_addr, c->peers[i].client_addr,
             ts.connected ? 1 : 0, (unsigned long long)match, (unsigned long long)next, state,
             (unsigned long long)ts.messages_sent, (unsigned long long)ts.messages_received,
             (unsigned long long)ts.messages_dropped, (unsigned long long)ts.reconnects);
    }
#undef LINE
}

void ss_cluster_metrics_get(const ss_cluster *c, ss_cluster_metrics *out)
{
    memset(out, 0, sizeof *out);
    ss_storage_stats st = {0};
    if (c->storage)
        ss_storage_get_stats(c->storage, &st);
    out->node_id = c->cfg->node_id;
    out->leader_id = c->leader_id;
    out->role = c->role == RAFT_LEADER ? 2 : c->role == RAFT_FOLLOWER ? 0 : 1;
    out->applied_index = c->sm.applied_index(c->sm.ctx);
    if (c->r) { /* NULL only while the core is rebuilt from disk */
        out->term = raft_term(c->r);
        out->commit_index = raft_commit_index(c->r);
        out->first_index = raft_first_index(c->r);
        out->last_index = raft_last_index(c->r);
    }
    out->durable_index = st.last_durable;
    out->elections_started = c->elections_started;
    out->leader_changes = c->leader_changes;
    out->log_bytes = c->storage ? ss_storage_bytes(c->storage) : 0;
    out->fsyncs = st.fsyncs;
    out->write_rounds = st.rounds;
    out->proposals_forwarded = c->proposals_forwarded;
    out->proposals_received = c->proposals_received;
    out->reads_confirmed = c->reads_confirmed;
    out->fsync_ns = st.fsync_ns;
    out->apply_ns = c->apply_ns;
    cluster_snap_metrics(c->snap, out);
    for (int i = 0; i < c->npeers && out->npeers < SS_MAX_PEERS; i++) {
        ss_cluster_peer_metrics *p = &out->peers[out->npeers++];
        ss_transport_stats ts = {0};
        if (c->transport)
            ss_transport_peer_stats(c->transport, c->peers[i].id, &ts);
        out->messages_sent += ts.messages_sent;
        out->messages_received += ts.messages_received;
        uint64_t next = 0;
        const char *state = NULL;
        p->id = c->peers[i].id;
        p->connected = ts.connected;
        p->match_known = c->r && raft_peer_progress(c->r, p->id, &p->match_index, &next, &state);
        p->lag = p->match_known && out->last_index > p->match_index ? out->last_index - p->match_index : 0;
    }
}

uint64_t ss_cluster_take_fsync_max_us(ss_cluster *c) { return c->storage ? ss_storage_take_fsync_max_us(c->storage) : 0; }
