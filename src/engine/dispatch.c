/* The routing decision for each command: a local handler, the transaction code, a read barrier or the Raft log. */
#include <string.h>

#include "common/clock.h"
#include "commands/acl.h"
#include "commands/info.h"
#include "engine/engine_internal.h"
#include "engine/script_busy.h"

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

/*
 * In redirect mode a follower sends clients to the leader as a Redis Cluster
 * replica does: "-MOVED <slot> <leader's host:port>", with the slot of the
 * command's first key, so that a cluster client updates exactly that slot
 * (every slot is the leader's). Reads stay here for a connection that said
 * READONLY, and for commands that name no key (DBSIZE, SCAN...), as a
 * replica serves them; they are linearizable on a follower too.
 */
static bool redirect(ss_engine *e, const ss_session *s, const ss_command *cmd, const ss_args *a, ss_buf *out)
{
    if (e->cfg->follower_mode != SS_FOLLOWER_REDIRECT || e->cluster == NULL ||
        ss_cluster_is_leader(e->cluster) || (cmd->flags & CMD_LOCAL_ONLY))
        return false;
    int slot = ss_command_slot(cmd, a);
    if (!(cmd->flags & CMD_WRITE) && (s->readonly || slot < 0))
        return false;
    const char *addr = ss_cluster_leader_addr(e->cluster);
    if (addr)
        ss_reply_err(out, RERR_MOVED, slot < 0 ? 0 : slot, addr);
    else
        ss_reply_err(out, RERR_NOLEADER);
    return true;
}

/* A RESP2 connection that subscribes can only read pushes and (un)subscribe. */
static bool subscribed_mode_allows(const ss_command *cmd)
{
    static const char *const allowed[] = {"ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
                                          "psubscribe", "punsubscribe", "quit", "reset"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!strcmp(cmd->name, allowed[i]))
            return true;
    return false;
}

/* A command refused before it runs; inside MULTI it also dooms the EXEC.
 * INFO counts it (commandstats' rejected_calls, errorstats) from the reply
 * written at out from start. */
static ss_dispatch_result refuse(ss_engine *e, ss_session *s, const ss_command *cmd, ss_buf *out,
                                 size_t start)
{
    const char *reply = ss_buf_data(out) + start;
    size_t len = ss_buf_len(out) - start;
    if (cmd)
        ss_info_rejected(&e->node, cmd, reply, len);
    else
        ss_info_error(&e->node, reply, len);
    if (s->in_multi)
        s->multi_dirty = true;
    return SS_DISPATCH_DONE;
}

static ss_dispatch_result dispatch_command(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (s->blocked || s->exec_db_wait)
        return SS_DISPATCH_BLOCKED; /* behind its blocking command, as in Redis; or
                                     * a watched EXEC whose SELECT may move it */
    /* Only a read right after a read may join its request (read_barrier.c). */
    read_req *open = s->read_open;
    s->read_open = NULL;
    ss_dispatch_result busy;
    if (ss_busy_gate(e, s, a, out, &busy))
        return busy; /* a read-only script runs: held, or BUSY (script_busy.c) */
    e->node.stats.commands_processed++;
    s->last_interaction_ms = ss_clock_wall_ms();
    size_t start = ss_buf_len(out);
    const ss_command *container;
    const ss_command *cmd = ss_command_find(a, &container);
    if (cmd == NULL || (cmd->flags & CMD_INTERNAL)) {
        if (container)
            ss_reply_unknown_subcommand(out, a);
        else
            reply_unknown(out, a);
        return refuse(e, s, NULL, out, start);
    }
    snprintf(s->last_cmd, sizeof s->last_cmd, "%s", cmd->name);
    if (!s->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        ss_reply_err(out, RERR_NOAUTH);
        return refuse(e, s, cmd, out, start);
    }
    if (!ss_command_arity_ok(cmd, a->argc)) {
        ss_reply_err(out, RERR_ARITY, cmd->name);
        return refuse(e, s, cmd, out, start);
    }
    if (!ss_acl_permit(&e->node, s, cmd, a, out))
        return refuse(e, s, cmd, out, start);
    if (s->subscribed > 0 && s->proto == RESP2 && !subscribed_mode_allows(cmd)) {
        ss_reply_err(out, RERR_PUBSUB_CONTEXT, cmd->name);
        return refuse(e, s, cmd, out, start);
    }
    if (e->pause_end_ms && ss_pause_blocks(e, s, cmd, a))
        return SS_DISPATCH_BLOCKED; /* CLIENT PAUSE: dispatched again when it ends */
    /* MONITOR: a command that runs here at once is shown once it ran (in
     * the db it left, as Redis's call() shows it), the others as sent */
    if (e->monitors && !cmd->local)
        e->monitor_next = cmd; /* unless it must be dispatched again */
    if (s->tracking)
        ss_tracking_dispatched(e, s, cmd, a);
    if (s->in_multi && !(cmd->flags & CMD_NOQUEUE)) {
        if ((cmd->flags & (CMD_NOMULTI | CMD_NO_LOG)) && !(cmd->flags & CMD_ACL)) {
            ss_reply_err(out, RERR_NOT_IN_MULTI);
            return refuse(e, s, cmd, out, start);
        }
        return ss_multi_queue(e, s, cmd, a, out);
    }
    if (cmd->flags & CMD_TXN)
        return ss_multi_command(e, s, cmd, a, out);
    if (cmd->flags & CMD_SCRIPTING)
        return ss_script_dispatch(e, s, cmd, a, out);
    if (cmd->flags & CMD_MEMBERSHIP)
        return ss_membership_dispatch(e, s, cmd, a, out);
    if (cmd->flags & CMD_ACL)
        return ss_acl_dispatch(e, s, cmd, a, out);
    if (cmd->flags & CMD_ENGINE_ASYNC)
        return !strcmp(cmd->name, "config|rewrite") ? ss_config_rewrite_dispatch(e, s, out)
                                                     : ss_wait_dispatch(e, s, cmd, a, out);
    if (cmd->local) {
        /* Connection commands still keep the pipeline's order: a SELECT must
         * not take effect before the reads queued ahead of it have run. */
        if (s->pending > 0 && s->pending_kind == KIND_READ && !strcmp(cmd->name, "select"))
            return SS_DISPATCH_BLOCKED;
        ss_dispatch_result waits;
        if (ss_acl_login_waits(e, s, cmd, a, out, &waits))
            return waits == SS_DISPATCH_DONE ? refuse(e, s, cmd, out, start) : waits;
        uint64_t t0 = ss_clock_mono_ns();
        cmd->local(&e->node, s, a, out);
        uint64_t usec = (ss_clock_mono_ns() - t0) / 1000;
        if (e->monitors)
            ss_monitor_command(e, s, cmd, a);
        ss_info_called(&e->node, cmd, usec, ss_buf_data(out) + start, ss_buf_len(out) - start);
        ss_slowlog_note(&e->node, cmd, a, s, usec);
        return SS_DISPATCH_DONE;
    }
    if (redirect(e, s, cmd, a, out))
        return refuse(e, s, cmd, out, start);
    if (cmd->flags & CMD_MIGRATE)
        return ss_migrate_dispatch(e, s, a, out);
    if (ss_command_writes(cmd, a)) {
        if (s->pending > 0 && s->pending_kind != KIND_WRITE)
            return SS_DISPATCH_BLOCKED;
        /* A blocking command waits alone: what follows it waits for it. */
        bool blocking = ss_blocking_handles(cmd, a);
        if (blocking && s->pending > 0)
            return SS_DISPATCH_BLOCKED;
        if (cmd->prepare && !cmd->prepare(s, a, out)) {
            ss_info_rejected(&e->node, cmd, ss_buf_data(out) + start, ss_buf_len(out) - start);
            return SS_DISPATCH_DONE;
        }
        if (blocking)
            return ss_blocking_start(e, s, a, out);
        return ss_write_propose(e, s, a, 1, 0, out);
    }
    if (s->pending > 0 && s->pending_kind != KIND_READ)
        return SS_DISPATCH_BLOCKED;
    if (ss_blocking_handles(cmd, a)) /* XREAD BLOCK: waits alone, as the pops */
        return s->pending > 0 ? SS_DISPATCH_BLOCKED : ss_blocking_start(e, s, a, out);
    s->read_open = open;
    return ss_read_start(e, s, a, 1, false, true, out);
}

ss_dispatch_result ss_engine_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    e->monitor_next = NULL;
    ss_dispatch_result r = dispatch_command(e, s, a, out);
    if (r != SS_DISPATCH_BLOCKED && e->monitor_next)
        ss_monitor_command(e, s, e->monitor_next, a);
    e->monitor_next = NULL;
    if (r != SS_DISPATCH_BLOCKED && s->tracking)
        ss_tracking_command_done(s, a);
    return r;
}
