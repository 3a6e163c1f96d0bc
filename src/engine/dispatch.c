/* The routing decision for each command: a local handler, the transaction code, a read barrier or the Raft log. */
#include <string.h>

#include "common/clock.h"
#include "engine/engine_internal.h"

static void reply_unknown(ss_buf *out, const ss_args *a)
{
    char args[512] = "";
    size_t used = 0;
    for (int i = 1; i < a->argc && used < 256; i++) {
        int n = snprintf(args + used, sizeof args - used, "'%.*s' ",
                         (int)(a->argvlen[i] > 128 ? 128 : a->argvlen[i]), a->argv[i]);
        if (n < 0 || (size_t)n >= sizeof args - used)
            break;
        used += (size_t)n;
    }
    ss_reply_err(out, RERR_UNKNOWN_CMD, a->argv[0], args);
}

/* In redirect mode a follower answers data commands with the leader's address. */
static bool redirect(ss_engine *e, const ss_command *cmd, ss_buf *out)
{
    if (e->cfg->follower_mode != SS_FOLLOWER_REDIRECT || e->cluster == NULL ||
        ss_cluster_is_leader(e->cluster) || (cmd->flags & CMD_LOCAL_ONLY))
        return false;
    const char *addr = ss_cluster_leader_addr(e->cluster);
    if (addr)
        ss_reply_err(out, RERR_MOVED, addr);
    else
        ss_reply_err(out, RERR_NOLEADER);
    return true;
}

/* A command refused before it runs; inside MULTI it also dooms the EXEC. */
static ss_dispatch_result refuse(ss_session *s)
{
    if (s->in_multi)
        s->multi_dirty = true;
    return SS_DISPATCH_DONE;
}

ss_dispatch_result ss_engine_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    e->node.stats.commands_processed++;
    s->last_interaction_ms = ss_clock_wall_ms();
    const ss_command *container;
    const ss_command *cmd = ss_command_find(a, &container);
    if (cmd == NULL || (cmd->flags & CMD_INTERNAL)) {
        if (container)
            ss_reply_unknown_subcommand(out, a);
        else
            reply_unknown(out, a);
        return refuse(s);
    }
    snprintf(s->last_cmd, sizeof s->last_cmd, "%s", cmd->name);
    if (!s->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        ss_reply_err(out, RERR_NOAUTH);
        return refuse(s);
    }
    if (!ss_command_arity_ok(cmd, a->argc)) {
        ss_reply_err(out, RERR_ARITY, cmd->name);
        return refuse(s);
    }
    if (s->in_multi && !(cmd->flags & CMD_NOQUEUE)) {
        if (cmd->flags & (CMD_NOMULTI | CMD_NO_LOG)) {
            ss_reply_err(out, RERR_NOT_IN_MULTI);
            return refuse(s);
        }
        return ss_multi_queue(e, s, cmd, a, out);
    }
    if (cmd->flags & CMD_TXN)
        return ss_multi_command(e, s, cmd, a, out);
    if (cmd->flags & CMD_SCRIPTING)
        return ss_script_dispatch(e, s, cmd, a, out);
    if (cmd->local) {
        /* Connection commands still keep the pipeline's order: a SELECT must
         * not take effect before the reads queued ahead of it have run. */
        if (s->pending > 0 && s->pending_kind == KIND_READ && !strcmp(cmd->name, "select"))
            return SS_DISPATCH_BLOCKED;
        cmd->local(&e->node, s, a, out);
        return SS_DISPATCH_DONE;
    }
    if (redirect(e, cmd, out))
        return SS_DISPATCH_DONE;
    if (ss_command_writes(cmd, a)) {
        if (s->pending > 0 && s->pending_kind != KIND_WRITE)
            return SS_DISPATCH_BLOCKED;
        if (cmd->prepare && !cmd->prepare(s, a, out))
            return SS_DISPATCH_DONE;
        return ss_write_propose(e, s, a, 1, 0, out);
    }
    if (s->pending > 0 && s->pending_kind != KIND_READ)
        return SS_DISPATCH_BLOCKED;
    return ss_read_start(e, s, a, 1, false, out);
}
