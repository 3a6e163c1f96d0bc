/* The Raft cluster: wires the pure core to the durable log, the peer transport and the state machine. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_raft.h"
#include "common/log.h"

int64_t ss_cluster_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void raft_log_line(void *ctx, int level, const char *line)
{
    (void)ctx;
    ss_log((ss_log_level)level, "%s", line);
}

static void on_kick(uv_idle_t *h) { (void)h; }

/* Input arrived outside the check phase: run the core before sleeping. */
void ss_cluster_kick(ss_cluster *c)
{
    if (!c->closing)
        uv_idle_start(&c->kick, on_kick);
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

static void send_info(ss_cluster *c, uint64_t to)
{
    char buf[SS_HOST_MAX + 16];
    int n = snprintf(buf, sizeof buf, "%c%s", PEER_INFO, c->self_client_addr);
    ss_transport_send(c->transport, to, buf, (size_t)n);
}

static void on_peer_state(void *ctx, uint64_t id, bool connected)
{
    ss_cluster *c = ctx;
    if (connected)
        send_info(c, id);
}

static peer_info *find_peer(ss_cluster *c, uint64_t id)
{
    for (int i = 0; i < c->npeers; i++)
        if (c->peers[i].id == id)
            return &c->peers[i];
    return NULL;
}

static void on_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    ss_cluster *c = ctx;
    if (len == 0 || c->closing)
        return;
    switch (payload[0]) {
    case PEER_RAFT: {
        raft_msg m;
        if (raft_msg_decode(payload + 1, len - 1, &m) != SS_OK) {
            LOG_WARNING("raft: dropped an undecodable message from node %llu", (unsigned long long)from);
            return;
        }
        if (m.from != from) {
            LOG_WARNING("raft: dropped a message from node %llu claiming to be from node %llu",
                        (unsigned long long)from, (unsigned long long)m.from);
        } else {
            raft_step(c->r, &m);
        }
        raft_msg_release(&m);
        break;
    }
    case PEER_PROPOSE:
        /* A follower's client write. If we are no longer leader the entry is
         * dropped: the follower learns of the new leader and answers its
         * client TRYAGAIN. */
        c->proposals_received++;
        ss_cluster_propose_now(c, payload + 1, len - 1);
        break;
    case PEER_INFO: {
        peer_info *p = find_peer(c, from);
        if (p && len - 1 < sizeof p->client_addr) {
            memcpy(p->client_addr, payload + 1, len - 1);
            p->client_addr[len - 1] = '\0';
        }
        break;
    }
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

/* ------------------------------------------------------------ storage */

typedef struct persist_token {
    ss_cluster *c;
    bool hs;
    uint64_t term, vote;
    bool entries;
    uint64_t last_index, last_term;
} persist_token;

static void on_persisted(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    persist_token *t = arg;
    ss_cluster *c = t->c;
    if (status != SS_OK) {
        ss_cluster_fatal(c, status, errmsg && errmsg[0] ? errmsg : "the raft log could not be written");
    } else {
        /* The token knows the term of its last entry; storage reports only
         * the index, which is the same one. */
        if (t->hs)
            raft_persisted_hard_state(c->r, t->term, t->vote);
        if (t->entries)
            raft_persisted(c->r, t->last_index, t->last_term);
        ss_cluster_kick(c);
    }
    free(t);
}

/* Keeps a copy of req (and its entries) to submit after an install's log reset. */
static int defer_persist(ss_cluster *c, const ss_persist_req *req)
{
    size_t bytes = 0;
    for (size_t i = 0; i < req->n_entries; i++)
        bytes += req->entries[i].len;
    deferred_persist *d = malloc(sizeof *d + req->n_entries * sizeof(ss_log_entry) + bytes);
    if (!d)
        return SS_ENOMEM;
    d->next = NULL;
    d->req = *req;
    d->truncate_from = req->truncate ? req->truncate_from : 0;
    ss_log_entry *entries = (ss_log_entry *)(d + 1);
    uint8_t *data = (uint8_t *)(entries + req->n_entries);
    for (size_t i = 0; i < req->n_entries; i++) {
        entries[i] = req->entries[i];
        if (entries[i].len) {
            memcpy(data, req->entries[i].data, entries[i].len);
            entries[i].data = data;
            data += entries[i].len;
        }
    }
    d->req.entries = entries;
    if (c->deferred_tail)
        c->deferred_tail->next = d;
    else
        c->deferred_head = d;
    c->deferred_tail = d;
    return SS_OK;
}

void ss_cluster_persist_deferred(ss_cluster *c)
{
    while (c->deferred_head) {
        deferred_persist *d = c->deferred_head;
        c->deferred_head = d->next;
        if (!c->deferred_head)
            c->deferred_tail = NULL;
        int rc = SS_ECLOSED;
        if (!c->fatal && !c->closing) {
            /* The reset emptied the log: nothing durable is left to truncate. */
            d->req.truncate = d->truncate_from != 0 &&
                              d->truncate_from <= ss_storage_last_index(c->storage);
            rc = ss_storage_persist(c->storage, &d->req);
        }
        if (rc != SS_OK) {
            free(d->req.arg); /* the token */
            if (!c->closing)
                ss_cluster_fatal(c, rc, "could not queue entries for the raft log");
        }
        free(d);
    }
}

static int persist(ss_cluster *c, const raft_ready *rd)
{
    bool hs = rd->hs.term != c->submitted_term || rd->hs.vote != c->submitted_vote;
    if (!hs && rd->n_entries == 0 && rd->truncate_from == 0)
        return SS_OK;
    persist_token *t = calloc(1, sizeof *t);
    ss_log_entry *entries = rd->n_entries ? calloc(rd->n_entries, sizeof *entries) : NULL;
    if (!t || (rd->n_entries && !entries)) {
        free(t);
        free(entries);
        return SS_ENOMEM;
    }
    for (size_t i = 0; i < rd->n_entries; i++) {
        const raft_entry *e = &rd->entries[i];
        entries[i] = (ss_log_entry){e->index, e->term, e->type, (uint32_t)e->len, e->data};
    }
    *t = (persist_token){c, hs, rd->hs.term, rd->hs.vote, rd->n_entries > 0, 0, 0};
    if (rd->n_entries) {
        t->last_index = rd->entries[rd->n_entries - 1].index;
        t->last_term = rd->entries[rd->n_entries - 1].term;
    }
    ss_persist_req req = {
        .set_hard_state = hs,
        .term = rd->hs.term,
        .vote = rd->hs.vote,
        .commit = rd->hs.commit,
        .truncate = rd->truncate_from != 0,
        .truncate_from = rd->truncate_from,
        .entries = entries,
        .n_entries = rd->n_entries,
        .cb = on_persisted,
        .arg = t,
    };
    /* While an installed snapshot's log reset is pending, writes queue behind
     * it (the core withholds whatever depends on them meanwhile). */
    int rc = cluster_snap_holding(c->snap) ? defer_persist(c, &req)
                                           : ss_storage_persist(c->storage, &req);
    free(entries); /* storage (or the deferred copy) holds the bytes */
    if (rc != SS_OK) {
        free(t);
        return rc;
    }
    if (hs) {
        c->submitted_term = rd->hs.term;
        c->submitted_vote = rd->hs.vote;
    }
    return SS_OK;
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
        batch[i] = (ss_applied_entry){e->index, e->term,
                                      e->type == RAFT_ENTRY_NORMAL ? SS_ENTRY_COMMAND : SS_ENTRY_NOOP,
                                      e->data, e->len};
        bytes += e->len;
    }
    int rc = c->sm.apply_batch(c->sm.ctx, batch, n);
    free(batch);
    c->entries_applied += n;
    if (rc == SS_OK)
        cluster_snap_applied(c->snap, entries[n - 1].index, entries[n - 1].term, bytes);
    return rc;
}

static void role_changed(ss_cluster *c, const raft_ready *rd)
{
    bool leader_changed = rd->leader_id != c->leader_id || rd->term != c->term;
    c->role = rd->role;
    c->term = rd->term;
    c->leader_id = rd->leader_id;
    if (leader_changed)
        c->ev.leader_changed(c->ev.ctx, rd->leader_id, rd->term);
}

/* Runs every ready the core has: persist, send, apply, answer reads. */
void ss_cluster_run(ss_cluster *c)
{
    if (c->closing || c->fatal || c->r == NULL)
        return;
    raft_ready rd;
    /* While a received snapshot is being installed the core waits (it hands
     * out nothing until raft_snapshot_installed), and so do we. */
    for (int rounds = 0; rounds < 64 && !cluster_snap_paused(c->snap) && raft_ready_get(c->r, &rd);
         rounds++) {
        c->in_ready = true;
        int rc = persist(c, &rd);
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
    uint64_t now = uv_now(c->loop);
    unsigned elapsed = (unsigned)(now - c->last_tick);
    c->last_tick = now;
    if (elapsed > 0)
        raft_tick(c->r, elapsed);
    int64_t wall = ss_cluster_now_ms();
    ss_cluster_wait_expire(c, wall);
    ss_cluster_reads_expire(c, wall);
    ss_cluster_kick(c);
}

/* ----------------------------------------------------------- lifecycle */

static int restore(ss_cluster *c, char *errmsg)
{
    ss_storage_opts opts;
    ss_storage_opts_init(&opts);
    opts.fsync = c->cfg->raft_fsync == SS_RAFT_FSYNC_NO ? SS_FSYNC_NO : SS_FSYNC_ALWAYS;
    opts.segment_size = (uint64_t)c->cfg->raft_segment_size;
    ss_storage_state st;
    int rc = ss_storage_open(c->loop, c->cfg->dir, &opts, &c->storage, &st, errmsg);
    if (rc != SS_OK)
        return rc;
    snap_restart sr;
    if ((rc = cluster_snap_new(c, &c->snap, errmsg)) != SS_OK ||
        (rc = cluster_snap_reconcile(c->snap, &st, &sr, errmsg)) != SS_OK) {
        ss_storage_state_release(&st);
        return rc;
    }
    raft_entry *entries = sr.n_entries ? malloc(sizeof *entries * sr.n_entries) : NULL;
    if (sr.n_entries && !entries) {
        ss_storage_state_release(&st);
        return ss_errf(errmsg, SS_ENOMEM, "restore raft state: out of memory");
    }
    for (size_t i = 0; i < sr.n_entries; i++)
        entries[i] = (raft_entry){sr.entries[i].index, sr.entries[i].term, sr.entries[i].type,
                                  sr.entries[i].data, sr.entries[i].len};
    raft_hard_state hs = {st.term, st.vote, st.commit};
    uint64_t last_term = sr.n_entries ? sr.entries[sr.n_entries - 1].term : sr.prev_term;
    if (hs.term < last_term) {
        /* Written by a version that recorded entries before the term that
         * came with them, and killed in between. The node never sent a vote
         * in that term (votes wait for the hard state): it enters it with none. */
        LOG_WARNING("raft: the log holds entries of term %llu but the recorded term is %llu (a "
                    "crash between the two); restarting in term %llu with no vote",
                    (unsigned long long)last_term, (unsigned long long)hs.term,
                    (unsigned long long)last_term);
        hs.term = last_term;
        hs.vote = 0;
    }
    rc = raft_restore(c->r, &hs, sr.first_index, sr.prev_term, entries, sr.n_entries, sr.applied);
    c->submitted_term = st.term;
    c->submitted_vote = st.vote;
    LOG_NOTICE("raft: recovered term %llu, vote %llu, %zu log entries after index %llu (term "
               "%llu); the state machine has applied through %llu, so entries after it will be "
               "applied again once committed",
               (unsigned long long)st.term, (unsigned long long)st.vote, sr.n_entries,
               (unsigned long long)(sr.first_index - 1), (unsigned long long)sr.prev_term,
               (unsigned long long)sr.applied);
    free(entries);
    ss_storage_state_release(&st);
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "restore raft state: the log and the state machine disagree");
    return SS_OK;
}

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

    uint64_t voters[SS_MAX_PEERS];
    size_t nvoters = 0;
    const char *self_host = cfg->bind;
    if (cfg->npeers == 0) {
        voters[nvoters++] = cfg->node_id;
    } else {
        for (int i = 0; i < cfg->npeers; i++) {
            voters[nvoters++] = cfg->peer_list[i].id;
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
    snprintf(c->self_client_addr, sizeof c->self_client_addr, "%s:%d", self_host, cfg->port);

    raft_config rc_;
    raft_config_init(&rc_);
    rc_.id = cfg->node_id;
    rc_.voters = voters;
    rc_.n_voters = nvoters;
    rc_.election_timeout_ms = (unsigned)cfg->election_timeout;
    rc_.heartbeat_ms = (unsigned)cfg->heartbeat_interval;
    rc_.seed = (uint64_t)ss_cluster_now_ms() ^ (cfg->node_id << 32) ^ (uint64_t)(uintptr_t)c;
    rc_.log = raft_log_line;
    rc_.log_ctx = c;
    rc_.log_level = cfg->loglevel;
    /* Room for the largest value a client may send (proto-max-bulk-len), twice
     * over, so one big write never finds the leader "busy" on its own; and
     * for every read a busy server may have waiting at once. */
    size_t big = (size_t)cfg->proto_max_bulk_len * 2 + ((size_t)64 << 20);
    if (rc_.max_uncommitted_bytes < big)
        rc_.max_uncommitted_bytes = big;
    if (rc_.max_pending_reads < 65536)
        rc_.max_pending_reads = 65536;
    int rc = raft_new(&rc_, &c->r, errmsg);
    if (rc != SS_OK) {
        free(c);
        return rc;
    }
    if ((rc = restore(c, errmsg)) != SS_OK) {
        raft_free(c->r);
        if (c->storage)
            ss_storage_close(c->storage, NULL, NULL);
        if (c->snap)
            cluster_snap_close(c->snap, NULL, NULL);
        free(c);
        return rc;
    }
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

int ss_cluster_start(ss_cluster *c, char *errmsg)
{
    if (c->npeers > 0) {
        ss_transport_peer tp[SS_MAX_PEERS];
        int n = 0;
        for (int i = 0; i < c->cfg->npeers; i++) {
            if (c->cfg->peer_list[i].id == c->cfg->node_id)
                continue;
            tp[n++] = (ss_transport_peer){c->cfg->peer_list[i].id, c->cfg->peer_list[i].host,
                                          c->cfg->peer_list[i].port};
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
            /* An entry carries at most one proto-max-bulk-len value plus its
             * command; a frame must hold the largest entry. */
            .max_frame = (size_t)c->cfg->proto_max_bulk_len + ((size_t)4 << 20),
        };
        int rc = ss_transport_new(c->loop, &tc, &c->transport, errmsg);
        if (rc != SS_OK)
            return ss_errwrap(errmsg, rc, "raft port %s:%d", tc.bind_host, c->cfg->raft_port);
        LOG_NOTICE("raft: node %llu listening for peers on %s:%d; cluster of %d voters",
                   (unsigned long long)c->cfg->node_id, tc.bind_host, c->cfg->raft_port,
                   c->cfg->npeers);
    } else {
        LOG_NOTICE("raft: node %llu is a one-member cluster (no peers configured); every write "
                   "still goes through the raft log", (unsigned long long)c->cfg->node_id);
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
    ss_cluster_persist_deferred(c); /* closing: frees them */
    raft_free(c->r);
    free(c->reads);
    free(c);
    if (cb)
        cb(arg);
}

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
    c->closing = true;
    c->close_cb = cb;
    c->close_arg = arg;
    c->open_handles = 5 + (c->transport ? 1 : 0);
    uv_close((uv_handle_t *)&c->ticker, on_handle_closed);
    uv_close((uv_handle_t *)&c->driver, on_handle_closed);
    uv_close((uv_handle_t *)&c->kick, on_handle_closed);
    if (c->transport)
        ss_transport_close(c->transport, on_transport_closed);
    ss_storage_close(c->storage, on_storage_closed, c);
    cluster_snap_close(c->snap, on_snap_closed, c);
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
uint64_t ss_cluster_node_id(const ss_cluster *c) { return c->cfg->node_id; }

const char *ss_cluster_leader_addr(const ss_cluster *c)
{
    if (c->leader_id == 0)
        return NULL;
    if (c->leader_id == c->cfg->node_id)
        return c->self_client_addr;
    for (int i = 0; i < c->npeers; i++)
        if (c->peers[i].id == c->leader_id)
            return c->peers[i].client_addr[0] ? c->peers[i].client_addr : NULL;
    return NULL;
}

void ss_cluster_info(const ss_cluster *c, ss_info_fn fn, void *arg)
{
    char line[512];
    const char *addr = ss_cluster_leader_addr(c);
    static const char *const roles[] = {"follower", "candidate", "candidate", "leader"};
    ss_storage_stats st;
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
    LINE("raft_log_bytes:%llu", (unsigned long long)ss_storage_bytes(c->storage));
    LINE("raft_log_fsyncs:%llu", (unsigned long long)st.fsyncs);
    LINE("raft_log_write_rounds:%llu", (unsigned long long)st.rounds);
    LINE("raft_fsync:%s", c->cfg->raft_fsync == SS_RAFT_FSYNC_NO ? "no" : "always");
    LINE("raft_voters:%d", c->npeers + 1);
    LINE("raft_proposals_forwarded:%llu", (unsigned long long)c->proposals_forwarded);
    LINE("raft_proposals_received:%llu", (unsigned long long)c->proposals_received);
    LINE("raft_reads_confirmed:%llu", (unsigned long long)c->reads_confirmed);
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
