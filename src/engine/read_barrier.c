/* The read path: a ReadIndex barrier, then the command runs against the applied state. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

typedef struct read_req {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    ss_args *cmds;
    uint32_t ncmds;
    bool multi;
    int db;
    resp_proto proto;
    bool track;         /* CLIENT TRACKING remembers its keys when it runs */
} read_req;

static void on_barrier(void *arg, int status)
{
    read_req *r = arg;
    ss_engine *e = r->e;
    e->node.stats.pending_reads--;
    if (status != SS_OK) {
        ss_reply_err_code code = status == SS_ENOLEADER ? RERR_NOLEADER
                               : status == SS_ESHUTDOWN ? RERR_SHUTDOWN
                               : RERR_READ_TRYAGAIN;
        ss_engine_finish_error(e, r->s, r->cookie, code);
    } else {
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
        if (r->track && r->ncmds == 1)
            ss_tracking_read(e, r->s, &r->cmds[0]);
        r->s->db = db;
        r->s->proto = proto;
        if (ss_buf_error(&out))
            ss_engine_finish_async(e, r->s, r->cookie, NULL, 0);
        else
            ss_engine_finish_async(e, r->s, r->cookie, ss_buf_data(&out), ss_buf_len(&out));
        ss_buf_release(&out);
    }
    free(r->cmds);
    free(r);
}

ss_dispatch_result ss_read_start(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                 bool multi, ss_buf *out)
{
    bool track = s->track_read && !multi;
    s->track_read = false;
    if (e->cluster == NULL || e->cfg->read_consistency == SS_READ_STALE) {
        ss_read_exec(e, s, cmds, ncmds, multi, out);
        if (track && ncmds == 1)
            ss_tracking_read(e, s, &cmds[0]);
        return SS_DISPATCH_DONE;
    }
    read_req *r = calloc(1, sizeof *r);
    ss_args *copy = r ? ss_args_copy(cmds, ncmds) : NULL;
    if (!copy) {
        free(r);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    *r = (read_req){e, s, NULL, copy, ncmds, multi, s->db, s->proto, track};
    r->cookie = ss_engine_begin_async(e, s, KIND_READ);
    e->node.stats.pending_reads++;
    ss_cluster_read_barrier(e->cluster, on_barrier, r);
    return SS_DISPATCH_ASYNC;
}
