/* The read path: a ReadIndex barrier, then the command runs against the applied state. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/script_busy.h"

typedef struct read_req {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    ss_args *cmds;
    uint32_t ncmds;
    bool multi;
    int db;
    resp_proto proto;
    ss_blocked *block;    /* a blocked XREAD's read: its answer goes to blocking.c */
} read_req;

/* Runs the read now: a read-only script on its own thread (script_busy.c),
 * anything else here. */
static void run_read(void *arg)
{
    read_req *r = arg;
    ss_engine *e = r->e;
    if (!r->multi && r->ncmds == 1 && ss_busy_wants(e, &r->cmds[0]) &&
        ss_busy_start(e, r->s, r->cookie, &r->cmds[0], r->db, r->proto)) {
        free(r->cmds);
        free(r);
        return;
    }
    /* Bounded by what the client may still be sent: a KEYS * or an MGET
     * of large values stops growing there instead of at the data's size. */
    ss_buf out;
    ss_buf_init(&out, e->hooks.reply_limit ? e->hooks.reply_limit(e->hooks.ctx, r->s) : 0);
    /* The session's db and protocol as they were when the read arrived. */
    int db = r->s->db;
    resp_proto proto = r->s->proto;
    r->s->db = r->db;
    r->s->proto = r->proto;
    ss_read_exec(e, r->s, r->cmds, r->ncmds, r->multi, &out);
    r->s->db = db;
    r->s->proto = proto;
    if (r->block)
        ss_blocking_on_read(e, r->block, ss_buf_error(&out) ? NULL : ss_buf_data(&out), ss_buf_len(&out));
    else if (ss_buf_error(&out))
        ss_engine_finish_async(e, r->s, r->cookie, NULL, 0);
    else
        ss_engine_finish_async(e, r->s, r->cookie, ss_buf_data(&out), ss_buf_len(&out));
    ss_buf_release(&out);
    free(r->cmds);
    free(r);
}

static void on_barrier(void *arg, int status)
{
    read_req *r = arg;
    ss_engine *e = r->e;
    e->node.stats.pending_reads--;
    if (status != SS_OK) {
        ss_reply_err_code code = status == SS_ENOLEADER ? RERR_NOLEADER
                               : status == SS_ESHUTDOWN ? RERR_SHUTDOWN
                               : RERR_READ_TRYAGAIN;
        if (r->block)
            ss_blocking_read_failed(e, r->block, code);
        else
            ss_engine_finish_error(e, r->s, r->cookie, code);
        free(r->cmds);
        free(r);
        return;
    }
    /* Nothing runs beside a read-only script: the read waits for its end
     * (it then reads a state at least as fresh as its barrier asked). */
    if (ss_busy_running(e) && ss_busy_defer(e, run_read, r))
        return;
    run_read(r);
}

ss_dispatch_result ss_read_start(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                 bool multi, ss_buf *out)
{
    bool stale = e->cfg->read_consistency == SS_READ_STALE;
    bool script = !multi && ncmds == 1 && ss_busy_wants(e, &cmds[0]);
    if (e->cluster == NULL || (stale && !script)) {
        ss_read_exec(e, s, cmds, ncmds, multi, out);
        return SS_DISPATCH_DONE;
    }
    read_req *r = calloc(1, sizeof *r);
    ss_args *copy = r ? ss_args_copy(cmds, ncmds) : NULL;
    if (!copy) {
        free(r);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    *r = (read_req){e, s, NULL, copy, ncmds, multi, s->db, s->proto, NULL};
    r->cookie = ss_engine_begin_async(e, s, KIND_READ);
    e->node.stats.pending_reads++;
    if (stale)
        on_barrier(r, SS_OK); /* a read-only script still runs on its thread */
    else
        ss_cluster_read_barrier(e->cluster, on_barrier, r);
    return SS_DISPATCH_ASYNC;
}

bool ss_read_blocked(ss_engine *e, ss_session *s, void **cookie, const ss_args *a, int db, resp_proto proto,
                     ss_blocked *b)
{
    read_req *r = calloc(1, sizeof *r);
    ss_args *copy = r ? ss_args_copy(a, 1) : NULL;
    if (!copy) {
        free(r);
        return false;
    }
    if (*cookie == NULL)
        *cookie = ss_engine_begin_async(e, s, KIND_READ);
    *r = (read_req){e, s, *cookie, copy, 1, false, db, proto, b};
    e->node.stats.pending_reads++;
    if (e->cluster == NULL || e->cfg->read_consistency == SS_READ_STALE)
        on_barrier(r, SS_OK);
    else
        ss_cluster_read_barrier(e->cluster, on_barrier, r);
    return true;
}
