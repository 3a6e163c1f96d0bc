/* The driver's log writes: a ready's hard state and entries become storage requests, in order; held while an install resets the log. */
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_raft.h"

/*
 * Every ready's writes go to storage in the order of the readies (raft.h:
 * persistence happens in order), and each completion tells the core what is
 * durable now. One exception to "at once": from the last chunk of a received
 * snapshot until its install has queued the log reset, writes are held
 * (cluster_log_hold) and copied, because they continue the log that starts
 * after the snapshot; cluster_log_release queues them after the reset. The
 * core withholds whatever depends on them meanwhile, as always.
 */

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
static int hold(cluster_log *lw, const ss_persist_req *req)
{
    size_t bytes = 0;
    for (size_t i = 0; i < req->n_entries; i++)
        bytes += req->entries[i].len;
    held_write *d = malloc(sizeof *d + req->n_entries * sizeof(ss_log_entry) + bytes);
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
    if (lw->tail)
        lw->tail->next = d;
    else
        lw->head = d;
    lw->tail = d;
    return SS_OK;
}

void cluster_log_hold(ss_cluster *c) { c->log_writes.held = true; }

void cluster_log_release(ss_cluster *c)
{
    cluster_log *lw = &c->log_writes;
    lw->held = false;
    while (lw->head) {
        held_write *d = lw->head;
        lw->head = d->next;
        if (!lw->head)
            lw->tail = NULL;
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

int cluster_log_write(ss_cluster *c, const raft_ready *rd)
{
    cluster_log *lw = &c->log_writes;
    bool hs = rd->hs.term != lw->submitted_term || rd->hs.vote != lw->submitted_vote;
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
    int rc = lw->held ? hold(lw, &req) : ss_storage_persist(c->storage, &req);
    free(entries); /* storage (or the held copy) holds the bytes */
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
    ss_storage *st = c->storage;
    uint64_t first = ss_storage_first_index(st), last = ss_storage_last_index(st);
    if (last >= first) {
        ss_persist_req req = {.truncate = true, .truncate_from = first};
        int rc = ss_storage_persist(st, &req);
        if (rc != SS_OK)
            return rc;
    }
    return ss_storage_compact(st, index, term, cb, arg);
}
