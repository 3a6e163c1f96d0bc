/* Proposals and reads of the Raft cluster: forwarding to the leader, waiting for one, ReadIndex barriers. */
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_raft.h"
#include "common/log.h"

/* -------------------------------------------------------------- propose */

/* Proposes on this node if it leads, or hands the entry to the leader.
 * SS_ENOLEADER: nobody to hand it to (yet). SS_ETOOBIG: over what the log
 * stores or a peer message carries. SS_EBUSY: this leader's log pushes back. */
int ss_cluster_propose_now(ss_cluster *c, const void *data, size_t len)
{
    if (len > c->max_entry)
        return SS_ETOOBIG;
    if (c->role == RAFT_LEADER) {
        /* Leadership is being handed over (SHUTDOWN, RAFT.TRANSFER_LEADER):
         * the entry waits for the next leader (or for the transfer to give
         * up) like one with no leader, instead of failing. */
        if (raft_transfer_target(c->r) != 0)
            return SS_ENOLEADER;
        if (cluster_log_busy(c)) {
            c->log_writes.refused++;
            return SS_EBUSY;
        }
        uint64_t index;
        int rc = raft_propose(c->r, RAFT_ENTRY_NORMAL, data, len, &index);
        if (rc == SS_ENOTLEADER)
            return SS_ENOLEADER;
        return rc;
    }
    if (c->leader_id == 0 || c->transport == NULL)
        return SS_ENOLEADER;
    uint8_t *buf = malloc(len + 1);
    if (!buf)
        return SS_ENOMEM;
    buf[0] = PEER_PROPOSE;
    memcpy(buf + 1, data, len);
    int rc = ss_transport_send(c->transport, c->leader_id, buf, len + 1);
    free(buf);
    if (rc == SS_OK) {
        c->proposals_forwarded++;
        return SS_OK;
    }
    /* Not connected to the leader right now: wait like with no leader. */
    return rc == SS_EAGAIN ? SS_ENOLEADER : rc;
}

void ss_cluster_propose(ss_cluster *c, const void *data, size_t len, ss_propose_cb cb, void *arg)
{
    if (c->closing || c->fatal) {
        cb(arg, SS_ESHUTDOWN);
        return;
    }
    if (len > c->max_entry) { /* it could never be stored: no use waiting */
        cb(arg, SS_ETOOBIG);
        return;
    }
    int rc = c->in_ready ? SS_ENOLEADER : ss_cluster_propose_now(c, data, len);
    if (rc == SS_OK) {
        ss_cluster_kick(c);
        cb(arg, SS_OK);
        return;
    }
    if (rc != SS_ENOLEADER) {
        cb(arg, rc == SS_ETOOBIG ? SS_ETOOBIG : SS_EBUSY);
        return;
    }
    waiter *w = malloc(sizeof *w + len);
    if (!w || !ss_cluster_wait_push(c, w)) {
        free(w);
        cb(arg, SS_EBUSY);
        return;
    }
    w->is_read = false;
    w->pcb = cb;
    w->arg = arg;
    w->len = len;
    memcpy(w->data, data, len);
}

/* ------------------------------------------------------- waiting lists */

bool ss_cluster_wait_push(ss_cluster *c, waiter *w)
{
    if (c->nwaiting >= MAX_WAITING_PROPOSALS)
        return false;
    w->next = NULL;
    w->deadline_ms = ss_cluster_now_ms() + c->cfg->leader_wait_timeout;
    if (c->wait_tail)
        c->wait_tail->next = w;
    else
        c->wait_head = w;
    c->wait_tail = w;
    c->nwaiting++;
    return true;
}

static waiter *wait_pop(ss_cluster *c)
{
    waiter *w = c->wait_head;
    if (w) {
        c->wait_head = w->next;
        if (!c->wait_head)
            c->wait_tail = NULL;
        c->nwaiting--;
    }
    return w;
}

static void wait_fail(waiter *w, int status)
{
    if (w->is_read)
        w->rcb(w->arg, status);
    else
        w->pcb(w->arg, status);
    free(w);
}

/* A leader is known now (or changed): retry everyone waiting, in order. */
void ss_cluster_wait_flush(ss_cluster *c)
{
    size_t n = c->nwaiting;
    for (size_t i = 0; i < n; i++) {
        waiter *w = wait_pop(c);
        if (w->is_read) {
            int rc = ss_cluster_read_start(c, w->rcb, w->arg);
            if (rc == SS_ENOLEADER) {
                ss_cluster_wait_push(c, w);
                continue;
            }
            if (rc != SS_OK)
                w->rcb(w->arg, rc);
            free(w);
            continue;
        }
        int rc = ss_cluster_propose_now(c, w->data, w->len);
        if (rc == SS_ENOLEADER) {
            /* Keep its original deadline. */
            int64_t deadline = w->deadline_ms;
            ss_cluster_wait_push(c, w);
            w->deadline_ms = deadline;
            continue;
        }
        w->pcb(w->arg, rc == SS_OK ? SS_OK : SS_EBUSY);
        free(w);
    }
    if (n)
        ss_cluster_kick(c);
}

void ss_cluster_wait_expire(ss_cluster *c, int64_t now)
{
    if (c->nwaiting == 0)
        return;
    if (c->leader_id != 0)
        ss_cluster_wait_flush(c);
    size_t n = c->nwaiting;
    for (size_t i = 0; i < n; i++) {
        waiter *w = wait_pop(c);
        if (w->deadline_ms <= now) {
            wait_fail(w, SS_ENOLEADER);
        } else {
            int64_t deadline = w->deadline_ms;
            ss_cluster_wait_push(c, w);
            w->deadline_ms = deadline;
        }
    }
}

void ss_cluster_wait_fail_all(ss_cluster *c, int status)
{
    waiter *w;
    while ((w = wait_pop(c)) != NULL)
        wait_fail(w, status);
}

/* --------------------------------------------------------------- reads */

static read_wait *read_at(ss_cluster *c, size_t i) { return &c->reads[(c->reads_head + i) % c->reads_cap]; }

static bool reads_push(ss_cluster *c, read_wait rw)
{
    if (c->reads_len == c->reads_cap) {
        if (c->reads_cap >= MAX_WAITING_READS)
            return false;
        size_t cap = c->reads_cap ? c->reads_cap * 2 : 64;
        read_wait *n = malloc(sizeof *n * cap);
        if (!n)
            return false;
        for (size_t i = 0; i < c->reads_len; i++)
            n[i] = *read_at(c, i);
        free(c->reads);
        c->reads = n;
        c->reads_cap = cap;
        c->reads_head = 0;
    }
    c->reads[(c->reads_head + c->reads_len) % c->reads_cap] = rw;
    c->reads_len++;
    return true;
}

static void reads_trim(ss_cluster *c)
{
    while (c->reads_len > 0 && read_at(c, 0)->cb == NULL) {
        c->reads_head = (c->reads_head + 1) % c->reads_cap;
        c->reads_len--;
    }
}

static void read_finish(read_wait *rw, int status)
{
    ss_read_cb cb = rw->cb;
    rw->cb = NULL;
    cb(rw->arg, status);
}

/*
 * Every read that arrives before the core next runs joins one ReadIndex
 * request: a leader takes one read index for all of them and confirms it with
 * one heartbeat round, a follower asks its leader once for all of them. That
 * is safe because the index is taken (leader) or asked for (follower) only
 * when the core runs, after every read of the batch arrived, so each sees
 * every write committed before it arrived (thesis §6.4). A batch begun under
 * another term or leader is not joined: its request may be lost with them.
 */
int ss_cluster_read_start(ss_cluster *c, ss_read_cb cb, void *arg)
{
    if (c->reloading)
        return SS_ENOLEADER; /* waits for the new core to know a leader */
    int64_t deadline = ss_cluster_now_ms() + c->cfg->leader_wait_timeout + 4LL * c->cfg->election_timeout;
    if (c->read_batch_open && c->read_batch_term == raft_term(c->r) &&
        c->read_batch_leader == raft_leader(c->r) && c->reads_len > 0 &&
        read_at(c, c->reads_len - 1)->ctx == c->read_batch_ctx) {
        if (!reads_push(c, (read_wait){c->read_batch_ctx, 0, cb, arg, deadline}))
            return SS_EBUSY;
        return SS_OK;
    }
    uint64_t ctx = c->next_read_ctx++;
    int rc = raft_read_index(c->r, ctx);
    if (rc != SS_OK)
        return rc;
    c->read_requests++;
    if (!reads_push(c, (read_wait){ctx, 0, cb, arg, deadline}))
        return SS_EBUSY; /* the core will answer a ctx nobody waits for: harmless */
    c->read_batch_open = true;
    c->read_batch_ctx = ctx;
    c->read_batch_term = raft_term(c->r);
    c->read_batch_leader = raft_leader(c->r);
    ss_cluster_kick(c);
    return SS_OK;
}

uint64_t ss_cluster_read_round(const ss_cluster *c) { return c->read_round; }

void ss_cluster_read_barrier(ss_cluster *c, ss_read_cb cb, void *arg)
{
    if (c->closing || c->fatal) {
        cb(arg, SS_ESHUTDOWN);
        return;
    }
    int rc = c->in_ready ? SS_ENOLEADER : ss_cluster_read_start(c, cb, arg);
    if (rc == SS_OK)
        return;
    if (rc != SS_ENOLEADER) {
        cb(arg, rc == SS_ENOTLEADER ? SS_ELEADERLOST : rc);
        return;
    }
    waiter *w = malloc(sizeof *w);
    if (!w || !ss_cluster_wait_push(c, w)) {
        free(w);
        cb(arg, SS_EBUSY);
        return;
    }
    w->is_read = true;
    w->rcb = cb;
    w->arg = arg;
    w->len = 0;
}

/* The position of the first read of batch ctx, or reads_len. */
static size_t find_batch(ss_cluster *c, uint64_t ctx)
{
    size_t lo = 0, hi = c->reads_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (read_at(c, mid)->ctx < ctx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void ss_cluster_reads_answered(ss_cluster *c, const raft_read_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = find_batch(c, res[i].ctx); j < c->reads_len; j++) {
            read_wait *rw = read_at(c, j);
            if (rw->ctx != res[i].ctx)
                break;
            if (!rw->cb)
                continue;
            if (res[i].status != SS_OK) {
                read_finish(rw, res[i].status == SS_ENOTLEADER ? SS_ELEADERLOST : res[i].status);
                continue;
            }
            c->reads_confirmed++;
            rw->index = res[i].index;
        }
    }
    reads_trim(c);
}

/* Serves the reads whose index the state machine has reached. */
void ss_cluster_reads_applied(ss_cluster *c)
{
    uint64_t applied = c->sm.applied_index(c->sm.ctx);
    for (size_t i = 0; i < c->reads_len; i++) {
        read_wait *rw = read_at(c, i);
        if (rw->cb && rw->index != 0 && rw->index <= applied)
            read_finish(rw, SS_OK);
    }
    reads_trim(c);
}

void ss_cluster_reads_expire(ss_cluster *c, int64_t now)
{
    for (size_t i = 0; i < c->reads_len; i++) {
        read_wait *rw = read_at(c, i);
        if (rw->cb && rw->deadline_ms <= now)
            read_finish(rw, SS_ELEADERLOST);
    }
    reads_trim(c);
}

void ss_cluster_reads_fail_all(ss_cluster *c, int status)
{
    for (size_t i = 0; i < c->reads_len; i++) {
        read_wait *rw = read_at(c, i);
        if (rw->cb)
            read_finish(rw, status);
    }
    c->reads_len = 0;
    c->read_batch_open = false;
    c->read_round++;
}

/* ------------------------------------------------------------ WAIT */

void ss_cluster_wait_counts(const ss_cluster *c, uint64_t index, int *others, bool *durable)
{
    *others = 0;
    *durable = false;
    if (!c->r)
        return; /* the core is being rebuilt from disk */
    ss_storage_stats st = {0};
    if (c->storage)
        ss_storage_get_stats(c->storage, &st);
    *durable = st.last_durable >= index;
    if (c->role == RAFT_LEADER) {
        for (int i = 0; i < c->npeers; i++) {
            uint64_t match = 0, next = 0;
            const char *state = NULL;
            if (raft_peer_progress(c->r, c->peers[i].id, &match, &next, &state) && match >= index)
                (*others)++;
        }
    } else if (raft_commit_index(c->r) >= index) {
        uint64_t conf_index;
        bool committed;
        const raft_conf *conf = raft_conf_get(c->r, &conf_index, &committed);
        size_t voters = conf ? raft_conf_voters(conf) : 0;
        /* a majority holds it; this node may be one of them */
        *others = (int)(voters / 2);
        if (*others == 0 && c->leader_id != 0 && c->leader_id != c->cfg->node_id)
            *others = 1; /* the leader that committed it */
    }
}
