/* The write path: a command becomes a log entry, is proposed, and waits (pending.c) for the reply its apply produces. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "engine/engine_internal.h"
#include "engine/entry.h"

/* --------------------------------------------------------------- propose */

typedef struct propose_req {
    ss_engine *e;
    uint64_t seq;
} propose_req;

static void on_proposed(void *arg, int status)
{
    propose_req *req = arg;
    ss_engine *e = req->e;
    pending_write *p = ss_pending_find(e, req->seq);
    free(req);
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
    ss_buf b;
    ss_buf_init(&b, 0);
    if (encode(e, &b, seq, s->db, cmds, ncmds, flags) != SS_OK) {
        ss_buf_release(&b);
        ss_reply_err(out, RERR_INTERNAL, "out of memory encoding the entry");
        return SS_DISPATCH_DONE;
    }
    propose_req *req = malloc(sizeof *req);
    if (req == NULL || !ss_pending_add(e, seq, s, ss_clock_wall_ms() + write_timeout_ms(e))) {
        free(req);
        ss_buf_release(&b);
        ss_reply_err(out, RERR_BUSY);
        return SS_DISPATCH_DONE;
    }
    /* The cookie comes after the push: begin_async may not fail, and the
     * record must exist before the cluster can possibly answer. */
    ss_pending_last(e)->cookie = ss_engine_begin_async(e, s, KIND_WRITE);
    e->node.stats.writes_proposed++;
    req->e = e;
    req->seq = seq;
    ss_cluster_propose(e->cluster, ss_buf_data(&b), ss_buf_len(&b), on_proposed, req);
    ss_buf_release(&b);
    return SS_DISPATCH_ASYNC;
}

static void on_internal_proposed(void *arg, int status)
{
    propose_req *req = arg;
    if (status != SS_OK && req->seq == req->e->expire_seq)
        req->e->expire_in_flight = false;
    free(req);
}

void ss_write_propose_internal(ss_engine *e, const ss_args *cmd)
{
    uint64_t seq = ++e->next_seq;
    ss_buf b;
    ss_buf_init(&b, 0);
    propose_req *req = malloc(sizeof *req);
    if (!req || encode(e, &b, seq, 0, cmd, 1, 0) != SS_OK) {
        free(req);
        ss_buf_release(&b);
        return;
    }
    req->e = e;
    req->seq = seq;
    e->expire_seq = seq;
    ss_cluster_propose(e->cluster, ss_buf_data(&b), ss_buf_len(&b), on_internal_proposed, req);
    ss_buf_release(&b);
}

