/* The simulator's engine: clock, event queue, network, disks, crashes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "sim/sim_int.h"

struct event {
    uint64_t t, seq;
    int kind;
    unsigned node, gen;
    unsigned from;
    uint8_t *bytes;
    size_t len;
};

void *sim_xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL)
        abort();
    return p;
}

unsigned sim_total(const sim *s)
{
    return s->o.n_nodes + s->o.n_spare;
}

unsigned sim_node_count(const sim *s)
{
    return sim_total(s);
}

uint64_t sim_entry_payload(sim *s, const raft_entry *e)
{
    uint64_t p = 0;
    if (e->type != RAFT_ENTRY_CONFIG) {
        if (e->len == sizeof p)
            memcpy(&p, e->data, sizeof p);
        return p;
    }
    for (size_t k = 0; k < s->n_confs; k++)
        if (s->confs[k].len == e->len && memcmp(s->confs[k].data, e->data, e->len) == 0)
            return SIM_CONF | (k + 1);
    if (s->n_confs == s->cap_confs) {
        s->cap_confs = s->cap_confs ? 2 * s->cap_confs : 16;
        s->confs = sim_xrealloc(s->confs, s->cap_confs * sizeof *s->confs);
    }
    conf_blob *b = &s->confs[s->n_confs++];
    b->data = sim_xrealloc(NULL, e->len ? e->len : 1);
    memcpy(b->data, e->data, e->len);
    b->len = e->len;
    return SIM_CONF | s->n_confs;
}

const void *sim_payload_data(const sim *s, const uint64_t *payload, size_t *len)
{
    if (*payload & SIM_CONF) {
        const conf_blob *b = &s->confs[(*payload & ~SIM_CONF) - 1];
        *len = b->len;
        return b->data;
    }
    *len = *payload ? sizeof *payload : 0;
    return *payload ? payload : NULL;
}

bool sim_sm_conf(const sim *s, const applied_rec *recs, size_t n, raft_conf *out)
{
    for (size_t k = n; k-- > 0;) {
        if (recs[k].payload & SIM_CONF) {
            size_t len;
            const void *data = sim_payload_data(s, &recs[k].payload, &len);
            if (raft_conf_decode(data, len, out) != SS_OK)
                abort(); /* the core appended it: it decodes */
            return true;
        }
    }
    return false;
}

uint64_t sim_rand(sim *s)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

unsigned sim_rnd(sim *s, unsigned n) /* [0, n) */
{
    return n == 0 ? 0 : (unsigned)(sim_rand(s) % n);
}

unsigned sim_rnd_range(sim *s, unsigned lo, unsigned hi) /* [lo, hi] */
{
    return lo + sim_rnd(s, hi - lo + 1);
}

bool sim_failf(sim *s, const char *fmt, ...)
{
    if (s->failure[0] != '\0')
        return false; /* keep the first */
    int n = snprintf(s->failure, sizeof s->failure, "t=%llu ms: ", (unsigned long long)s->now);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->failure + n, sizeof s->failure - (size_t)n, fmt, ap);
    va_end(ap);
    if (s->o.verbose)
        fprintf(stderr, "%6llu ms  FAILED: %s\n", (unsigned long long)s->now, s->failure);
    return false;
}

/* ---- event heap ordered by (time, sequence): ties break deterministically ---- */

static bool ev_less(const event *a, const event *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ev_push(sim *s, event ev)
{
    if (s->n_heap == s->cap_heap) {
        s->cap_heap = s->cap_heap ? 2 * s->cap_heap : 256;
        s->heap = sim_xrealloc(s->heap, s->cap_heap * sizeof *s->heap);
    }
    ev.seq = s->ev_seq++;
    size_t i = s->n_heap++;
    while (i > 0 && ev_less(&ev, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = ev;
}

static event ev_pop(sim *s)
{
    event top = s->heap[0], last = s->heap[--s->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n_heap)
            break;
        if (c + 1 < s->n_heap && ev_less(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!ev_less(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->n_heap > 0)
        s->heap[i] = last;
    return top;
}

void sim_schedule(sim *s, uint64_t t, int kind, unsigned i)
{
    ev_push(s, (event){ .t = t, .kind = kind, .node = i, .gen = s->nodes[i].gen });
}

/* ---- logging with simulated time ---- */

static void log_line(void *ctx, int level, const char *line)
{
    sim *s = ctx;
    fprintf(stderr, "%6llu ms  %-7s %s\n", (unsigned long long)s->now,
            ss_log_level_name((ss_log_level)level), line);
}

/* ---- network ---- */

static void send_msg(sim *s, unsigned from, const raft_msg *m)
{
    check_sent(s, from, m);
    unsigned to = (unsigned)m->to - 1;
    if (s->blocked[from][to])
        return;
    sim_faults *f = &s->o.faults;
    unsigned copies = 1 + (sim_rnd(s, 100) < f->dup_pct);
    for (unsigned c = 0; c < copies; c++) {
        if (sim_rnd(s, 100) < f->loss_pct)
            continue;
        size_t cap = raft_msg_encoded_size(m), len;
        uint8_t *buf = sim_xrealloc(NULL, cap ? cap : 1);
        if (raft_msg_encode(m, buf, cap, &len) != SS_OK || len != cap) {
            sim_failf(s, "codec: could not encode %s", raft_msg_type_name(m->type));
            free(buf);
            return;
        }
        ev_push(s, (event){ .t = s->now + sim_rnd_range(s, f->delay_min_ms, f->delay_max_ms),
                            .kind = EV_DELIVER, .node = to, .from = from, .bytes = buf,
                            .len = len });
    }
}

/* ---- a node's I/O: the loop of raft.h ---- */

/* Collects an incoming snapshot's chunks (in memory: a crash loses them); the
 * last one turns them into records to install with the ready's write. */
static applied_rec *take_chunk(sim *s, unsigned i, const raft_chunk *c, size_t *n_out)
{
    node *nd = &s->nodes[i];
    if (c->offset == 0)
        nd->n_snap_in = 0;
    if (c->offset != nd->n_snap_in) {
        sim_failf(s, "snapshot: node %u got bytes at %llu of snapshot %llu/%llu, holding %zu",
                  i + 1, (unsigned long long)c->offset, (unsigned long long)c->index,
                  (unsigned long long)c->term, nd->n_snap_in);
        return NULL;
    }
    if (nd->n_snap_in + c->len > nd->cap_snap_in) {
        nd->cap_snap_in = 2 * (nd->n_snap_in + c->len);
        nd->snap_in = sim_xrealloc(nd->snap_in, nd->cap_snap_in);
    }
    if (c->len > 0)
        memcpy(nd->snap_in + nd->n_snap_in, c->data, c->len);
    nd->n_snap_in += c->len;
    if (!c->done)
        return NULL;
    size_t n = nd->n_snap_in / SNAP_REC;
    applied_rec *recs = sim_xrealloc(NULL, (n + 1) * sizeof *recs);
    for (size_t k = 0; k < n; k++)
        memcpy(&recs[k], nd->snap_in + k * SNAP_REC, SNAP_REC);
    if (nd->n_snap_in % SNAP_REC != 0 || n != c->index || (n > 0 && recs[n - 1].term != c->term)) {
        sim_failf(s, "snapshot: node %u received %zu bytes for snapshot %llu/%llu", i + 1,
                  nd->n_snap_in, (unsigned long long)c->index, (unsigned long long)c->term);
        free(recs);
        return NULL;
    }
    nd->n_snap_in = 0;
    *n_out = n;
    return recs;
}

static void queue_write(sim *s, unsigned i, const raft_ready *rd)
{
    node *nd = &s->nodes[i];
    size_t n_snap = 0;
    applied_rec *snap = rd->snapshot_chunk ? take_chunk(s, i, rd->snapshot_chunk, &n_snap) : NULL;
    if (!(rd->hs_changed || rd->n_entries > 0 || rd->truncate_from != 0 || snap != NULL))
        return;
    if (nd->n_writes == nd->cap_writes) {
        nd->cap_writes = nd->cap_writes ? 2 * nd->cap_writes : 16;
        nd->writes = sim_xrealloc(nd->writes, nd->cap_writes * sizeof *nd->writes);
    }
    dwrite *w = &nd->writes[nd->n_writes++];
    memset(w, 0, sizeof *w);
    uint64_t prev_done = nd->n_writes > 1 ? nd->writes[nd->n_writes - 2].done_at : 0;
    uint64_t done = s->now + sim_rnd_range(s, s->o.faults.disk_min_ms, s->o.faults.disk_max_ms);
    w->done_at = done > prev_done ? done : prev_done; /* one disk: in order */
    w->has_hs = rd->hs_changed;
    w->hs = rd->hs;
    w->truncate_from = rd->truncate_from;
    w->snap = snap;
    w->n_snap = n_snap;
    w->snap_term = snap != NULL ? rd->snapshot_chunk->term : 0;
    w->n = rd->n_entries;
    w->ents = w->n ? sim_xrealloc(NULL, w->n * sizeof *w->ents) : NULL;
    for (size_t k = 0; k < w->n; k++) {
        const raft_entry *e = &rd->entries[k];
        w->ents[k] = (dentry){ e->index, e->term, e->type, sim_entry_payload(s, e), e->len };
    }
    sim_schedule(s, w->done_at, EV_DISK, i);
}

static void land_write(sim *s, unsigned i, const dwrite *w)
{
    node *nd = &s->nodes[i];
    if (w->snap != NULL) {
        /* The state machine becomes the snapshot's; the log starts after it. */
        check_snapshot_installed(s, i, w->snap, w->n_snap);
        if (w->n_snap > nd->cap_applied) {
            nd->cap_applied = w->n_snap;
            nd->applied = sim_xrealloc(nd->applied, nd->cap_applied * sizeof *nd->applied);
        }
        memcpy(nd->applied, w->snap, w->n_snap * sizeof *w->snap);
        nd->n_applied = w->n_snap;
        nd->disk_base = w->n_snap;
        nd->disk_base_term = w->snap_term;
        nd->n_disk = 0;
        s->snapshots++;
    }
    if (w->truncate_from != 0) {
        if (w->truncate_from > nd->disk_base + nd->n_disk + 1 || w->truncate_from <= nd->disk_base)
            sim_failf(s, "disk: truncation at %llu outside the log %llu..%llu",
                      (unsigned long long)w->truncate_from, (unsigned long long)nd->disk_base + 1,
                      (unsigned long long)(nd->disk_base + nd->n_disk));
        else
            nd->n_disk = w->truncate_from - nd->disk_base - 1;
    }
    if (w->n > 0 && w->ents[0].index != nd->disk_base + nd->n_disk + 1) {
        sim_failf(s, "disk: entries from %llu appended after %llu",
                  (unsigned long long)w->ents[0].index,
                  (unsigned long long)(nd->disk_base + nd->n_disk));
        return;
    }
    if (nd->n_disk + w->n > nd->cap_disk) {
        nd->cap_disk = 2 * (nd->n_disk + w->n);
        nd->disk = sim_xrealloc(nd->disk, nd->cap_disk * sizeof *nd->disk);
    }
    if (w->n > 0)
        memcpy(nd->disk + nd->n_disk, w->ents, w->n * sizeof *w->ents);
    nd->n_disk += w->n;
    if (w->has_hs)
        nd->disk_hs = w->hs;
}

/* The leader's side of InstallSnapshot: read a slice of the snapshot at
 * (index, term), which is the applied sequence up to index. */
static void serve_snapshot(sim *s, unsigned i, const raft_snapshot_request *q, bool late)
{
    node *nd = &s->nodes[i];
    if (q->index > nd->n_applied || q->index == 0 || nd->applied[q->index - 1].term != q->term ||
        q->max == 0) {
        sim_failf(s, "snapshot: node %u asked for snapshot %llu/%llu, holding %zu applied", i + 1,
                  (unsigned long long)q->index, (unsigned long long)q->term, nd->n_applied);
        return;
    }
    if (sim_rnd(s, 500) == 0) { /* an unreadable snapshot: the leader starts over */
        raft_snapshot_failed(nd->r, q->peer);
        return;
    }
    uint64_t size = q->index * SNAP_REC, end = q->offset + q->max;
    if (end > size)
        end = size;
    uint8_t buf[1024];
    if (end - q->offset > sizeof buf || q->offset > size) {
        sim_failf(s, "snapshot: node %u asked for bytes %llu..%llu", i + 1,
                  (unsigned long long)q->offset, (unsigned long long)end);
        return;
    }
    for (uint64_t b = q->offset; b < end; b++)
        buf[b - q->offset] = ((const uint8_t *)&nd->applied[b / SNAP_REC])[b % SNAP_REC];
    int rv = raft_snapshot_chunk(nd->r, q->peer, q->index, q->term, q->offset, buf,
                                 (size_t)(end - q->offset), end == size);
    if (rv != SS_OK && !(late && rv == SS_EINVAL)) /* a late answer may be stale */
        sim_failf(s, "snapshot: node %u's answer to its own request was refused", i + 1);
    if (late)
        sim_pump(s, i); /* an immediate answer is sent by the loop it is called from */
}

/* Reading a snapshot takes time: some answers come later, after the transfer
 * may have moved on, leadership changed, or the node restarted. */
static void answer_snapshot_read(sim *s, unsigned i, const raft_snapshot_request *q)
{
    if (sim_rnd(s, 4) != 0) {
        serve_snapshot(s, i, q, false);
        return;
    }
    raft_snapshot_request *copy = sim_xrealloc(NULL, sizeof *copy);
    *copy = *q;
    ev_push(s, (event){ .t = s->now + sim_rnd_range(s, 1, 2 * s->o.heartbeat_ms),
                        .kind = EV_SNAP_READ, .node = i, .gen = s->nodes[i].gen,
                        .bytes = (uint8_t *)copy, .len = sizeof *copy });
}

void sim_pump(sim *s, unsigned i)
{
    node *nd = &s->nodes[i];
    raft_ready rd;
    while (nd->r != NULL && raft_ready_get(nd->r, &rd)) {
        check_ready(s, i, &rd);
        /* The nastiest histories (Figure 8) need leaders that vanish just after
         * winning, with entries of their term on no other node. */
        if (rd.role_changed && rd.role == RAFT_LEADER && s->chaos &&
            sim_rnd(s, 100) < s->o.faults.cut_leader_pct)
            sim_schedule(s, s->now + sim_rnd(s, 2 * s->o.faults.delay_max_ms + 1), EV_CUT, i);
        queue_write(s, i, &rd);
        for (size_t k = 0; k < rd.n_messages; k++)
            send_msg(s, i, &rd.messages[k]);
        raft_snapshot_request reqs[SIM_MAX_NODES];
        size_t n_reqs = rd.n_snapshot_reads;
        memcpy(reqs, rd.snapshot_reads, n_reqs * sizeof *reqs);
        raft_ready_advance(nd->r, &rd);
        for (size_t k = 0; k < n_reqs; k++)
            answer_snapshot_read(s, i, &reqs[k]);
    }
}

static void complete_writes(sim *s, unsigned i)
{
    node *nd = &s->nodes[i];
    size_t done = 0;
    while (done < nd->n_writes && nd->writes[done].done_at <= s->now) {
        dwrite *w = &nd->writes[done++];
        land_write(s, i, w);
        if (w->snap != NULL) {
            /* The snapshot's state machine holds the configuration of its index. */
            raft_conf conf;
            bool has = sim_sm_conf(s, w->snap, w->n_snap, &conf);
            raft_snapshot_installed(nd->r, w->n_snap, w->snap_term, has ? &conf : NULL);
        }
        free(w->snap);
        if (w->has_hs)
            raft_persisted_hard_state(nd->r, w->hs.term, w->hs.vote);
        if (w->n > 0)
            raft_persisted(nd->r, w->ents[w->n - 1].index, w->ents[w->n - 1].term);
        free(w->ents);
    }
    memmove(nd->writes, nd->writes + done, (nd->n_writes - done) * sizeof *nd->writes);
    nd->n_writes -= done;
    if (done > 0)
        sim_pump(s, i);
}

/* The bootstrap voters are nodes 1..n_nodes; a spare starts outside any
 * configuration and waits to be added. */
static raft *boot(sim *s, unsigned i)
{
    uint64_t voters[SIM_MAX_NODES];
    char names[SIM_MAX_NODES][8];
    const char *addrs[SIM_MAX_NODES];
    for (unsigned k = 0; k < s->o.n_nodes; k++) {
        voters[k] = k + 1;
        snprintf(names[k], sizeof names[k], "n%u", k + 1);
        addrs[k] = names[k];
    }
    raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = i + 1;
    cfg.voters = voters;
    cfg.n_voters = i < s->o.n_nodes ? s->o.n_nodes : 0;
    cfg.voter_addrs = addrs;
    cfg.election_timeout_ms = s->o.election_ms;
    cfg.heartbeat_ms = s->o.heartbeat_ms;
    cfg.max_append_entries = s->o.max_append_entries;
    cfg.max_inflight = s->o.max_inflight;
    cfg.max_snapshot_chunk = s->o.max_snapshot_chunk;
    cfg.max_uncommitted_bytes = 8 * 64; /* a cut-off leader stops piling up entries */
    cfg.max_pending_reads = 64;
    cfg.pre_vote = s->o.pre_vote;
    cfg.check_quorum = s->o.check_quorum;
    cfg.seed = s->o.seed ^ ((uint64_t)s->nodes[i].gen << 32);
    cfg.log = s->o.verbose ? log_line : NULL;
    cfg.log_ctx = s;
    cfg.log_level = SS_LOG_TRACE;
    raft *r;
    ss_errmsg err;
    if (raft_new(&cfg, &r, err) != SS_OK)
        abort();
    return r;
}

void sim_restart(sim *s, unsigned i)
{
    node *nd = &s->nodes[i];
    if (nd->up || nd->stopped)
        return;
    nd->gen++;
    nd->r = boot(s, i);
    raft_entry *ents = sim_xrealloc(NULL, (nd->n_disk + 1) * sizeof *ents);
    for (size_t k = 0; k < nd->n_disk; k++) {
        dentry *d = &nd->disk[k];
        size_t len;
        const void *data = sim_payload_data(s, &d->payload, &len);
        ents[k] = (raft_entry){ d->index, d->term, d->type, (void *)data, len };
    }
    if (nd->n_applied > nd->disk_base + nd->n_disk)
        sim_failf(s, "durability: node %u applied %zu entries but holds only %llu on disk",
                  i + 1, nd->n_applied, (unsigned long long)(nd->disk_base + nd->n_disk));
    /* The state machine recorded the configuration it last applied. */
    raft_conf conf;
    bool has = sim_sm_conf(s, nd->applied, nd->n_applied, &conf);
    if (raft_restore(nd->r, &nd->disk_hs, nd->disk_base + 1, nd->disk_base_term, ents, nd->n_disk,
                     nd->n_applied, has ? &conf : NULL) != SS_OK)
        sim_failf(s, "restart: node %u could not restore its disk", i + 1);
    free(ents);
    nd->up = true;
    nd->lead_term = 0;
    nd->lead_commit = 0;
    nd->commit_checked = 0;
    sim_schedule(s, s->now + sim_rnd_range(s, 1, s->o.tick_ms), EV_TICK, i);
    sim_pump(s, i);
}

/* A crash loses whatever was not reported durable, except that a prefix of the
 * writes in flight may have reached the disk anyway. */
void sim_crash(sim *s, unsigned i)
{
    node *nd = &s->nodes[i];
    if (!nd->up)
        return;
    size_t k = 0;
    while (k < nd->n_writes && sim_rnd(s, 2) == 0)
        land_write(s, i, &nd->writes[k++]);
    for (k = 0; k < nd->n_writes; k++) {
        free(nd->writes[k].ents);
        free(nd->writes[k].snap);
    }
    nd->n_snap_in = 0; /* chunks not yet installed are gone */
    check_crashed(s, i);
    nd->n_writes = 0;
    raft_free(nd->r);
    nd->r = NULL;
    nd->up = false;
    nd->gen++;
    if (s->o.verbose)
        fprintf(stderr, "%6llu ms  SIM     node %u crashed\n", (unsigned long long)s->now, i + 1);
}

/* ---- the loop ---- */

static void dispatch(sim *s, event *ev)
{
    node *nd = &s->nodes[ev->node];
    switch (ev->kind) {
    case EV_DELIVER:
        if (nd->up && !s->blocked[ev->from][ev->node]) {
            raft_msg m;
            if (raft_msg_decode(ev->bytes, ev->len, &m) != SS_OK) {
                sim_failf(s, "codec: could not decode a message for node %u", ev->node + 1);
            } else {
                /* Honest peers never send what the core drops as invalid. */
                if (raft_step(nd->r, &m) != SS_OK)
                    sim_failf(s, "node %u refused a %s from node %u as invalid (%llu so far)",
                              ev->node + 1, raft_msg_type_name(m.type), ev->from + 1,
                              (unsigned long long)raft_status_get(nd->r).invalid_messages);
                raft_msg_release(&m);
                sim_pump(s, ev->node);
            }
        }
        free(ev->bytes);
        break;
    case EV_TICK:
        if (nd->up && ev->gen == nd->gen) {
            raft_tick(nd->r, s->o.tick_ms);
            sim_pump(s, ev->node);
            sim_schedule(s, s->now + s->o.tick_ms, EV_TICK, ev->node);
        }
        break;
    case EV_DISK:
        if (nd->up)
            complete_writes(s, ev->node);
        break;
    case EV_RESTART:
        sim_restart(s, ev->node);
        break;
    case EV_SNAP_READ:
        if (nd->up && ev->gen == nd->gen)
            serve_snapshot(s, ev->node, (const raft_snapshot_request *)ev->bytes, true);
        free(ev->bytes);
        break;
    case EV_CUT:
        if (!s->chaos)
            break;
        if (sim_rnd(s, 2) == 0) {
            sim_isolate(s, ev->node);
        } else {
            sim_crash(s, ev->node);
            sim_schedule(s, s->now + sim_rnd_range(s, 5, 3 * s->o.election_ms), EV_RESTART, ev->node);
        }
        break;
    case EV_CHAOS:
        if (s->chaos)
            sim_chaos_step(s);
        if (sim_rnd(s, 10) == 0)
            sim_compact_logs(s);
        sim_schedule(s, s->now + 10, EV_CHAOS, 0);
        break;
    case EV_PROPOSE:
        if (s->chaos) /* background load only while faults run */
            sim_propose(s, sim_rnd(s, sim_total(s)), NULL);
        sim_schedule(s, s->now + sim_rnd_range(s, 1, 2 * s->o.propose_every_ms), EV_PROPOSE, 0);
        break;
    case EV_READ:
        sim_read(s, sim_rnd(s, sim_total(s)));
        sim_schedule(s, s->now + sim_rnd_range(s, 1, 2 * s->o.read_every_ms), EV_READ, 0);
        break;
    }
}

bool sim_run_until(sim *s, uint64_t t)
{
    while (s->failure[0] == '\0' && s->n_heap > 0 && s->heap[0].t <= t) {
        event ev = ev_pop(s);
        s->now = ev.t;
        dispatch(s, &ev);
        check_after_event(s);
    }
    if (s->failure[0] == '\0')
        s->now = t;
    return s->failure[0] == '\0';
}

const char *sim_failure(const sim *s)
{
    return s->failure[0] ? s->failure : NULL;
}

uint64_t sim_now(const sim *s)
{
    return s->now;
}

raft *sim_raft(sim *s, unsigned i)
{
    return s->nodes[i].r;
}

int sim_leader(const sim *s)
{
    int best = -1;
    for (unsigned i = 0; i < sim_total(s); i++) {
        raft *r = s->nodes[i].r;
        if (r != NULL && raft_role_get(r) == RAFT_LEADER &&
            (best < 0 || raft_term(r) > raft_term(s->nodes[best].r)))
            best = (int)i;
    }
    return best;
}

uint64_t sim_applied(const sim *s, unsigned i)
{
    return s->nodes[i].n_applied;
}

uint64_t sim_snapshots_installed(const sim *s)
{
    return s->snapshots;
}

uint64_t sim_max_applied(const sim *s)
{
    return s->n_committed;
}

bool sim_payload_applied(const sim *s, unsigned i, uint64_t payload)
{
    const node *nd = &s->nodes[i];
    for (size_t k = nd->n_applied; k-- > 0;)
        if (nd->applied[k].payload == payload)
            return true;
    return false;
}

sim *sim_new(const sim_options *o)
{
    sim *s = calloc(1, sizeof *s);
    if (s == NULL || o->n_nodes == 0 || o->n_nodes + o->n_spare > SIM_MAX_NODES)
        abort();
    s->o = *o;
    s->rng = o->seed;
    s->contract_checks = getenv("SIM_NO_CONTRACT") == NULL;
    for (unsigned i = 0; i < sim_total(s); i++) {
        s->nodes[i].r = boot(s, i);
        s->nodes[i].up = true;
        sim_schedule(s, sim_rnd_range(s, 1, o->tick_ms), EV_TICK, i);
    }
    sim_schedule(s, 10, EV_CHAOS, 0);
    if (o->propose_every_ms != 0)
        sim_schedule(s, o->propose_every_ms, EV_PROPOSE, 0);
    if (o->read_every_ms != 0)
        sim_schedule(s, o->read_every_ms, EV_READ, 0);
    return s;
}

void sim_free(sim *s)
{
    for (unsigned i = 0; i < sim_total(s); i++) {
        node *nd = &s->nodes[i];
        raft_free(nd->r);
        for (size_t k = 0; k < nd->n_writes; k++) {
            free(nd->writes[k].ents);
            free(nd->writes[k].snap);
        }
        free(nd->writes);
        free(nd->disk);
        free(nd->snap_in);
        free(nd->applied);
    }
    for (size_t k = 0; k < s->n_heap; k++)
        free(s->heap[k].bytes);
    free(s->heap);
    check_release(s);
    for (size_t k = 0; k < s->n_confs; k++)
        free(s->confs[k].data);
    free(s->confs);
    free(s);
}
