/* The driver's log writes: a ready's hard state and entries become storage requests, in order; held during an install, queued under back-pressure. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_raft.h"
#include "common/log.h"

/*
 * Every ready's writes go to storage in the order of the readies (raft.h:
 * persistence happens in order), and each completion tells the core what is
 * durable now. Two things can keep a write from going to storage at once;
 * it is then copied and queued, and everything after it queues behind it:
 *
 *  - An install: from the last chunk of a received snapshot until its install
 *    has queued the log reset, writes are held (cluster_log_hold): they
 *    continue the log that starts after the snapshot. cluster_log_release
 *    queues them after the reset.
 *  - Back-pressure: storage refuses a request while more than
 *    raft-log-max-pending bytes wait for the disk (SS_EBUSY). The request
 *    waits in the backlog and is offered again after each loop iteration
 *    (cluster_log_pump), once completions have drained the writer. Meanwhile
 *    cluster_log_busy() is true and this node, as leader, refuses new
 *    proposals (SS_EBUSY: the client gets -BUSY) so the backlog cannot grow
 *    with them; what the core already holds is written in order.
 *
 * The core withholds whatever depends on a write until it is durable, as
 * always, so a write that waits delays acknowledgements, never breaks them.
 * A failed write (storage's callback with an error: a disk error) stops the
 * node; so does any other refusal, which would be a bug here.
 */

typedef struct persist_token {
    ss_cluster *c;
    uint64_t gen;  /* the core that asked (ss_cluster_reload starts another) */
    bool hs;
    uint64_t term, vote;
    bool entries;
    uint64_t last_index, last_term;
} persist_token;

/* A write or a log reset that waits (held or in the backlog). */
struct log_op {
    struct log_op *next;
    bool reset;
    /* a write: req's entries point into this block's copies */
    ss_persist_req req;
    uint64_t truncate_from; /* as the core asked; re-checked when submitted */
    /* a reset to nothing but the base (index, term) */
    uint64_t index, term;
    bool truncated;         /* its first step, dropping the entries, is queued */
    ss_persist_cb cb;
    void *arg;
};

static void on_persisted(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    persist_token *t = arg;
    ss_cluster *c = t->c;
    if (status != SS_OK) {
        ss_cluster_fatal(c, status, errmsg && errmsg[0] ? errmsg : "the raft log could not be written");
    } else if (t->gen == c->core_gen) {
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

static void push(log_op **head, log_op **tail, log_op *op)
{
    op->next = NULL;
    if (*tail)
        (*tail)->next = op;
    else
        *head = op;
    *tail = op;
}

static log_op *pop(log_op **head, log_op **tail)
{
    log_op *op = *head;
    if (op) {
        *head = op->next;
        if (!*head)
            *tail = NULL;
    }
    return op;
}

/* A copy of req and its entries, to submit later. */
static log_op *copy_write(const ss_persist_req *req)
{
    size_t bytes = 0;
    for (size_t i = 0; i < req->n_entries; i++)
        bytes += req->entries[i].len;
    log_op *op = malloc(sizeof *op + req->n_entries * sizeof(ss_log_entry) + bytes);
    if (!op)
        return NULL;
    *op = (log_op){.req = *req, .truncate_from = req->truncate ? req->truncate_from : 0};
    ss_log_entry *entries = (ss_log_entry *)(op + 1);
    uint8_t *data = (uint8_t *)(entries + req->n_entries);
    for (size_t i = 0; i < req->n_entries; i++) {
        entries[i] = req->entries[i];
        if (entries[i].len) {
            memcpy(data, req->entries[i].data, entries[i].len);
            entries[i].data = data;
            data += entries[i].len;
        }
    }
    op->req.entries = entries;
    return op;
}

static int submit_reset(ss_cluster *c, log_op *op)
{
    ss_storage *st = c->storage;
    if (!op->truncated) {
        uint64_t first = ss_storage_first_index(st), last = ss_storage_last_index(st);
        if (last >= first) {
            ss_persist_req req = {.truncate = true, .truncate_from = first};
            int rc = ss_storage_persist(st, &req);
            if (rc != SS_OK)
                return rc;
        }
        op->truncated = true;
    }
    return ss_storage_compact(st, op->index, op->term, op->cb, op->arg);
}

/* Hands a waiting op to storage: SS_OK (it is storage's now), SS_EBUSY (it
 * waits on), or an error that stops the node. */
static int submit(ss_cluster *c, log_op *op)
{
    if (op->reset)
        return submit_reset(c, op);
    /* A truncation is re-checked against the log as it is now: after an
     * install's reset nothing durable is left to truncate. */
    op->req.truncate = op->truncate_from != 0 &&
                       op->truncate_from <= ss_storage_last_index(c->storage);
    return ss_storage_persist(c->storage, &op->req);
}

/* Frees an op that will never be submitted (closing, or the node failed);
 * a reset's callback learns it (its owner counts it as done). */
static void drop(log_op *op)
{
    if (!op->reset)
        free(op->req.arg); /* the token */
    else if (op->cb)
        op->cb(op->arg, SS_ECLOSED, 0, "the log reset was not queued: closing");
    free(op);
}

static void set_busy(ss_cluster *c, bool busy)
{
    cluster_log *lw = &c->log_writes;
    if (lw->busy == busy)
        return;
    lw->busy = busy;
    if (busy) {
        lw->busy_events++;
        LOG_WARNING("raft: the log's disk is behind (more than raft-log-max-pending = %lld bytes "
                    "wait to be written): log writes queue in order and this node refuses new "
                    "proposals (-BUSY) until it catches up",
                    c->cfg->raft_log_max_pending);
    } else {
        LOG_NOTICE("raft: the log's disk caught up; proposals are accepted again (%" PRIu64
                   " refused so far)", lw->refused);
    }
}

void cluster_log_pump(ss_cluster *c)
{
    cluster_log *lw = &c->log_writes;
    while (lw->backlog) {
        if (c->fatal || c->closing) {
            drop(pop(&lw->backlog, &lw->backlog_tail));
            continue;
        }
        int rc = submit(c, lw->backlog);
        if (rc == SS_EBUSY) {
            set_busy(c, true);
            return; /* offered again after the next completions */
        }
        log_op *op = pop(&lw->backlog, &lw->backlog_tail);
        if (rc == SS_OK) {
            free(op); /* storage copied it (a reset keeps no state) */
            continue;
        }
        drop(op);
        ss_cluster_fatal(c, rc, "could not queue entries for the raft log");
    }
    set_busy(c, false);
}

void cluster_log_hold(ss_cluster *c) { c->log_writes.held = true; }

void cluster_log_release(ss_cluster *c)
{
    cluster_log *lw = &c->log_writes;
    lw->held = false;
    log_op *op;
    while ((op = pop(&lw->held_head, &lw->held_tail)) != NULL)
        push(&lw->backlog, &lw->backlog_tail, op);
    cluster_log_pump(c);
}

bool cluster_log_busy(const ss_cluster *c) { return c->log_writes.busy; }

int cluster_log_write(ss_cluster *c, const raft_ready *rd)
{
    cluster_log *lw = &c->log_writes;
    bool hs = rd->hs.term != lw->submitted_term || rd->hs.vote != lw->submitted_vote;
    if (!hs && rd->n_entries == 0 && rd->truncate_from == 0)
        return SS_OK;
    if (rd->n_entries > lw->scratch_cap) {
        ss_log_entry *grown = realloc(lw->scratch, rd->n_entries * sizeof *grown);
        if (!grown)
            return SS_ENOMEM;
        lw->scratch = grown;
        lw->scratch_cap = rd->n_entries;
    }
    ss_log_entry *entries = lw->scratch;
    persist_token *t = calloc(1, sizeof *t);
    if (!t)
        return SS_ENOMEM;
    for (size_t i = 0; i < rd->n_entries; i++) {
        const raft_entry *e = &rd->entries[i];
        entries[i] = (ss_log_entry){e->index, e->term, e->type, (uint32_t)e->len, e->data};
    }
    *t = (persist_token){c, c->core_gen, hs, rd->hs.term, rd->hs.vote, rd->n_entries > 0, 0, 0};
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
    int rc = SS_EBUSY;
    if (!lw->held && !lw->backlog)
        rc = ss_storage_persist(c->storage, &req);
    if (rc == SS_EBUSY) {
        log_op *op = copy_write(&req);
        if (op) {
            if (lw->held)
                push(&lw->held_head, &lw->held_tail, op);
            else
                push(&lw->backlog, &lw->backlog_tail, op);
            if (!lw->held)
                set_busy(c, true);
        }
        rc = op ? SS_OK : SS_ENOMEM;
    }
    /* storage (or the copy) holds the bytes: the scratch array is free again */
    if (rc != SS_OK) {
        free(t);
        return rc;
    }
    if (hs) {
        lw->submitted_term = rd->hs.term;
        lw->submitted_vote = rd->hs.vote;
    }
    return SS_OK;
}

int cluster_log_reset(ss_cluster *c, uint64_t index, uint64_t term, ss_persist_cb cb, void *arg)
{
    cluster_log *lw = &c->log_writes;
    log_op *op = calloc(1, sizeof *op);
    if (!op)
        return SS_ENOMEM;
    *op = (log_op){.reset = true, .index = index, .term = term, .cb = cb, .arg = arg};
    push(&lw->backlog, &lw->backlog_tail, op);
    if (lw->backlog == op) {
        int rc = submit(c, op);
        if (rc != SS_EBUSY) {
            pop(&lw->backlog, &lw->backlog_tail);
            free(op);
            return rc;
        }
        set_busy(c, true);
    }
    return SS_OK;
}

void cluster_log_drop_all(ss_cluster *c)
{
    cluster_log *lw = &c->log_writes;
    lw->held = false;
    lw->busy = false;
    log_op *op;
    while ((op = pop(&lw->held_head, &lw->held_tail)) != NULL)
        drop(op);
    while ((op = pop(&lw->backlog, &lw->backlog_tail)) != NULL)
        drop(op);
    free(lw->scratch);
    lw->scratch = NULL;
    lw->scratch_cap = 0;
}
