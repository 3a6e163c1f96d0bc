/* Commands run against the store: one command in a read or an apply context, a read's commands, argument copies. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "commands/info.h"
#include "commands/acl.h"
#include "commands/keyhelpers.h"
#include "engine/engine_internal.h"
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
    size_t start = ss_buf_len(ctx->out);
    const ss_command *cmd = ss_command_find(a, NULL);
    if (cmd == NULL || cmd->exec == NULL) {
        /* Only keyspace commands reach the log or a read; anything else is
         * refused here so that apply stays deterministic. */
        ss_reply_err(ctx->out, RERR_UNKNOWN_CMD, a->argv[0], "");
        ss_info_error(ctx->node, ss_buf_data(ctx->out) + start, ss_buf_len(ctx->out) - start);
        return;
    }
    if (!ctx->is_apply && ss_command_writes(cmd, a)) {
        ss_reply_err(ctx->out, RERR_INTERNAL, "write command outside the log");
        ss_info_rejected(ctx->node, cmd, ss_buf_data(ctx->out) + start, ss_buf_len(ctx->out) - start);
        return;
    }
    /* INFO commandstats: the time this node spent running it (a write's
     * apply, not its trip through Raft). */
    uint64_t t0 = ss_clock_mono_ns();
    cmd->exec(ctx, a);
    uint64_t usec = (ss_clock_mono_ns() - t0) / 1000;
    ss_info_called(ctx->node, cmd, usec, ss_buf_data(ctx->out) + start, ss_buf_len(ctx->out) - start);
    ss_slowlog_note(ctx->node, cmd, a, NULL, usec);
}

/* A pipeline's reads, a window at a time: every key's buckets, then their
 * entries, then the commands, so the window's cache misses overlap instead
 * of coming one after the other (ss_key_prefetch). The window is small
 * enough for what it fetched to stay in cache until it is used. */
#define PREFETCH_WINDOW 32u

static void prefetch_keys(ss_exec_ctx *ctx, const ss_args *cmds, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        ss_key_prefetch(ctx, &cmds[i], false);
    for (uint32_t i = 0; i < n; i++)
        ss_key_prefetch(ctx, &cmds[i], true);
}

void ss_read_exec(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds, bool multi,
                  ss_buf *out)
{
    ss_exec_ctx ctx = {
        .node = &e->node,
        .events = &e->read_events,
        .txn = ss_txn_begin(e->store),
        .db = s->db,
        .now_ms = ss_clock_wall_ms(),
        .rng = ss_engine_rand(e),
        .proto = s->proto,
        .out = out,
        .deny_blocking = multi,
    };
    if (!multi && ncmds == 1 && ss_multi_is_watch(&cmds[0])) {
        ss_multi_watch_read(&ctx, s, &cmds[0]);
        ncmds = 0;
    }
    if (multi)
        resp_add_array_len(out, ncmds);
    for (uint32_t w = 0; w < ncmds; w += PREFETCH_WINDOW) {
        uint32_t end = ncmds - w < PREFETCH_WINDOW ? ncmds : w + PREFETCH_WINDOW;
        if (end - w > 1 && ctx.txn)
            prefetch_keys(&ctx, cmds + w, end - w);
        for (uint32_t i = w; i < end; i++) {
            /* EXEC: each queued command passes its user's rules as they stand
             * after the barrier (the apply half checks a writing EXEC's) */
            if (!multi || ss_acl_exec_permit(&e->node, s->user, s->user_len, s, &cmds[i], out))
                ss_exec_one(&ctx, &cmds[i]);
        }
    }
    ss_txn_abort(ctx.txn);
    e->node.stats.reads_served += ncmds;
}
