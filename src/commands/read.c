/* The read path: a ReadIndex barrier, then the command runs against the applied state. */
#include <stdlib.h>
#include <string.h>

#include "commands/engine_internal.h"
#include "store/txn.h"

ss_args *ss_args_copy(const ss_args *cmds, uint32_t ncmds)
{
    size_t nargs = 0, bytes = 0;
    for (uint32_t c = 0; c < ncmds; c++) {
        nargs += (size_t)cmds[c].argc;
        for (int i = 0; i < cmds[c].argc; i++)
            bytes += cmds[c].argvlen[i] + 1;
    }
    char *mem = malloc(sizeof(ss_args) * ncmds + (sizeof(char *) + sizeof(size_t)) * nargs + bytes);
    if (!mem)
        return NULL;
    ss_args *out = (ss_args *)mem;
    char **argv = (char **)(out + ncmds);
    size_t *argvlen = (size_t *)(argv + nargs);
    char *text = (char *)(argvlen + nargs);
    for (uint32_t c = 0; c < ncmds; c++) {
        out[c] = (ss_args){cmds[c].argc, argv, argvlen};
        for (int i = 0; i < cmds[c].argc; i++) {
            memcpy(text, cmds[c].argv[i], cmds[c].argvlen[i]);
            text[cmds[c].argvlen[i]] = '\0';
            argv[i] = text;
            argvlen[i] = cmds[c].argvlen[i];
            text += cmds[c].argvlen[i] + 1;
        }
        argv += cmds[c].argc;
        argvlen += cmds[c].argc;
    }
    return out;
}

void ss_exec_one(ss_exec_ctx *ctx, const ss_args *a)
{
    const ss_command *cmd = ss_command_lookup(a->argv[0], a->argvlen[0]);
    if (cmd == NULL || cmd->exec == NULL) {
        /* Only keyspace commands reach the log or a read; anything else is
         * refused here so that apply stays deterministic. */
        ss_reply_err(ctx->out, RERR_UNKNOWN_CMD, a->argv[0], "");
        return;
    }
    if (!ctx->is_apply && (cmd->flags & CMD_WRITE)) {
        ss_reply_err(ctx->out, RERR_INTERNAL, "write command outside the log");
        return;
    }
    cmd->exec(ctx, a);
}

void ss_read_exec(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds, bool multi,
                  ss_buf *out)
{
    ss_exec_ctx ctx = {
        .engine = e,
        .txn = ss_txn_begin(e->store),
        .db = s->db,
        .now_ms = ss_wall_ms(),
        .rng = ss_engine_rand(e),
        .proto = s->proto,
        .out = out,
    };
    if (multi)
        resp_add_array_len(out, ncmds);
    for (uint32_t i = 0; i < ncmds; i++)
        ss_exec_one(&ctx, &cmds[i]);
    ss_txn_abort(ctx.txn);
    e->stats.reads_served += ncmds;
}

typedef struct read_req {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    ss_args *cmds;
    uint32_t ncmds;
    bool multi;
    int db;
    resp_proto proto;
} read_req;

static void on_barrier(void *arg, int status)
{
    read_req *r = arg;
    ss_engine *e = r->e;
    e->stats.pending_reads--;
    if (status != SS_OK) {
        ss_reply_err_code code = status == SS_ENOLEADER ? RERR_NOLEADER
                               : status == SS_ESHUTDOWN ? RERR_SHUTDOWN
                               : RERR_READ_TRYAGAIN;
        ss_engine_finish_error(e, r->s, r->cookie, code);
    } else {
        ss_buf out;
        ss_buf_init(&out, 0);
        /* The session's db and protocol as they were when the read arrived. */
        int db = r->s->db;
        resp_proto proto = r->s->proto;
        r->s->db = r->db;
        r->s->proto = r->proto;
        ss_read_exec(e, r->s, r->cmds, r->ncmds, r->multi, &out);
        r->s->db = db;
        r->s->proto = proto;
        ss_engine_finish_async(e, r->s, r->cookie, ss_buf_data(&out), ss_buf_len(&out));
        ss_buf_release(&out);
    }
    free(r->cmds);
    free(r);
}

ss_dispatch_result ss_read_start(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                 bool multi, ss_buf *out)
{
    if (e->cluster == NULL || e->cfg->read_consistency == SS_READ_STALE) {
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
    *r = (read_req){e, s, NULL, copy, ncmds, multi, s->db, s->proto};
    r->cookie = ss_engine_begin_async(e, s, KIND_READ);
    e->stats.pending_reads++;
    ss_cluster_read_barrier(e->cluster, on_barrier, r);
    return SS_DISPATCH_ASYNC;
}
