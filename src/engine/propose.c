/* The write path: a command becomes a log entry, is proposed, and waits (pending.c) for the reply its apply produces. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "engine/engine_internal.h"
#include "engine/entry.h"

/* --------------------------------------------------------------- propose */

struct propose_req {
    ss_engine *e;
    uint64_t seq;
    propose_req *next_free;
};

/* The cluster's callback usually runs before ss_cluster_propose returns, so
 * a few records serve every write: they are kept for the next instead of
 * freed (bounded). */
#define FREE_REQS_MAX 64

static propose_req *req_get(ss_engine *e, uint64_t seq)
{
    propose_req *req = e->free_reqs;
    if (req) {
        e->free_reqs = req->next_free;
        e->nfree_reqs--;
    } else if ((req = malloc(sizeof *req)) == NULL) {
        return NULL;
    }
    *req = (propose_req){e, seq, NULL};
    return req;
}

static void req_put(propose_req *req)
{
    ss_engine *e = req->e;
    if (e->nfree_reqs >= FREE_REQS_MAX) {
        free(req);
        return;
    }
    req->next_free = e->free_reqs;
    e->free_reqs = req;
    e->nfree_reqs++;
}

void ss_propose_release(ss_engine *e)
{
    while (e->free_reqs) {
        propose_req *req = e->free_reqs;
        e->free_reqs = req->next_free;
        free(req);
    }
    e->nfree_reqs = 0;
    ss_buf_release(&e->entry_buf);
}

/* The buffer entries are encoded in, kept from one write to the next. */
static ss_buf *entry_buf(ss_engine *e)
{
    ss_buf_reset(&e->entry_buf);
    return &e->entry_buf;
}

static void entry_buf_done(ss_engine *e)
{
    if (e->entry_buf.cap > (64u << 10))
        ss_buf_release(&e->entry_buf); /* a big write's memory is not kept */
    ss_buf_reset(&e->entry_buf);
}

static void on_proposed(void *arg, int status)
{
    propose_req *req = arg;
    ss_engine *e = req->e;
    pending_write *p = ss_pending_find(e, req->seq);
    req_put(req);
    if (p == NULL)
        return; /* already answered (timeout, shutdown) */
    if (status == SS_OK) {
        p->handed = true;
        return;
    }
    ss_reply_err_code code = status == SS_ENOLEADER ? RERR_NOLEADER
                           : status == SS_ESHUTDOWN ? RERR_SHUTDOWN
                           : status == SS_ETOOBIG ? RERR_ENTRY_TOOBIG
                           : RERR_BUSY;
    ss_pending_finish_err(e, p, code);
}

static int64_t write_timeout_ms(const ss_engine *e)
{
    /* Long enough for a leader election and a retry of the proposal, bounded
     * so a client never waits forever on an entry that was lost. */
    return (int64_t)e->cfg->leader_wait_timeout + 10LL * e->cfg->election_timeout;
}

static int encode(ss_engine *e, ss_buf *b, uint64_t seq, int db, const ss_args *cmds, uint32_t ncmds,
                  uint8_t flags)
{
    ss_entry_header h = {
        .flags = flags,
        .origin_node = e->cfg->node_id,
        .origin_boot = e->boot_id,
        .seq = seq,
        .time_ms = ss_clock_wall_ms(),
        .seed = ss_engine_rand(e),
        .db = (uint8_t)db,
    };
    ss_entry_begin(b, &h, ncmds);
    for (uint32_t i = 0; i < ncmds; i++)
        ss_entry_add_cmd(b, &cmds[i]);
    return ss_buf_error(b);
}

ss_dispatch_result ss_write_propose(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                    uint8_t flags, ss_buf *out)
{
    if (e->stopping) {
        ss_reply_err(out, RERR_SHUTDOWN);
        return SS_DISPATCH_DONE;
    }
    /* An entry the log or a peer frame cannot take would stop the cluster
     * (or never replicate): refused here, before anything is copied. */
    if (ss_entry_encoded_size(cmds, ncmds) > e->max_entry) {
        ss_reply_err(out, RERR_ENTRY_TOOBIG, (unsigned long long)e->max_entry);
        return SS_DISPATCH_DONE;
    }
    uint64_t seq = ++e->next_seq;
    ss_buf *b = entry_buf(e);
    if (encode(e, b, seq, s->db, cmds, ncmds, flags) != SS_OK) {
        entry_buf_done(e);
        ss_reply_err(out, RERR_INTERNAL, "out of memory encoding the entry");
        return SS_DISPATCH_DONE;
    }
    propose_req *req = req_get(e, seq);
    if (req == NULL || !ss_pending_add(e, seq, s, ss_clock_wall_ms() + write_timeout_ms(e))) {
        if (req)
            req_put(req);
        entry_buf_done(e);
        ss_reply_err(out, RERR_BUSY);
        return SS_DISPATCH_DONE;
    }
    /* The cookie comes after the push: begin_async may not fail, and the
     * record must exist before the cluster can possibly answer. */
    ss_pending_last(e)->cookie = ss_engine_begin_async(e, s, KIND_WRITE);
    e->node.stats.writes_proposed++;
    /* The cluster copies the entry (its callback may run before this returns). */
    ss_cluster_propose(e->cluster, ss_buf_data(b), ss_buf_len(b), on_proposed, req);
    entry_buf_done(e);
    return SS_DISPATCH_ASYNC;
}

bool ss_write_propose_again(ss_engine *e, ss_session *s, void *cookie, const ss_args *a, int db, ss_blocked *b)
{
    if (e->stopping)
        return false;
    uint64_t seq = ++e->next_seq;
    ss_buf *buf = entry_buf(e);
    propose_req *req = req_get(e, seq);
    if (!req || encode(e, buf, seq, db, a, 1, 0) != SS_OK ||
        !ss_pending_add(e, seq, s, ss_clock_wall_ms() + write_timeout_ms(e))) {
        if (req)
            req_put(req);
        entry_buf_done(e);
        return false;
    }
    pending_write *p = ss_pending_last(e);
    p->cookie = cookie; /* the reply slot the client has waited on since it blocked */
    p->block = b;
    e->node.stats.writes_proposed++;
    ss_cluster_propose(e->cluster, ss_buf_data(buf), ss_buf_len(buf), on_proposed, req);
    entry_buf_done(e);
    return true;
}

static void on_internal_proposed(void *arg, int status)
{
    propose_req *req = arg;
    if (status != SS_OK && req->seq == req->e->expire_seq)
        req->e->expire_in_flight = false;
    req_put(req);
}

void ss_write_propose_internal(ss_engine *e, const ss_args *cmd)
{
    uint64_t seq = ++e->next_seq;
    ss_buf *b = entry_buf(e);
    propose_req *req = req_get(e, seq);
    if (!req || encode(e, b, seq, 0, cmd, 1, 0) != SS_OK) {
        if (req)
            req_put(req);
        entry_buf_done(e);
        return;
    }
    e->expire_seq = seq;
    ss_cluster_propose(e->cluster, ss_buf_data(b), ss_buf_len(b), on_internal_proposed, req);
    entry_buf_done(e);
}

