/* CLIENT PAUSE on this node: which commands wait while it lasts, its end, and the clients that waited dispatched again. */
#include <string.h>

#include "common/clock.h"
#include "engine/engine_internal.h"

/*
 * As Redis 7.0's pauseClients: a pause only grows (the later end, the wider
 * kind), and ends at its time or at CLIENT UNPAUSE. It is this node's: its
 * clients' commands wait (SS_DISPATCH_BLOCKED, which stops reading from
 * them until dispatched again), and while it lasts this node, if leader,
 * proposes no active expiry (Redis stops its expire cycle too). Entries of
 * other nodes' clients still apply here: the log is never paused.
 */

void ss_pause_set(void *ctx, int64_t end_ms, bool all)
{
    ss_engine *e = ctx;
    if (all)
        e->pause_all = true;
    if (end_ms > e->pause_end_ms)
        e->pause_end_ms = end_ms;
}

void ss_pause_end(void *ctx)
{
    ss_engine *e = ctx;
    bool was = e->pause_end_ms != 0;
    e->pause_end_ms = 0;
    e->pause_all = false;
    if (was && e->hooks.wake_blocked)
        e->hooks.wake_blocked(e->hooks.ctx);
}

bool ss_pause_active(ss_engine *e)
{
    if (e->pause_end_ms == 0)
        return false;
    if (ss_clock_wall_ms() >= e->pause_end_ms) {
        ss_pause_end(e);
        return false;
    }
    return true;
}

/* Redis's "may replicate": writes, PUBLISH, scripts that may write and the
 * script and function commands that change them, an EXEC of a write. */
static bool may_replicate(const ss_session *s, const ss_command *cmd, const ss_args *a)
{
    static const char *const names[] = {"eval", "evalsha", "fcall", "script|load", "script|flush",
                                        "function|load", "function|delete", "function|flush",
                                        "function|restore"};
    if (cmd->flags & (CMD_WRITE | CMD_LOGGED))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(cmd->name, names[i]))
            return true;
    if (!strcmp(cmd->name, "exec") && s->in_multi) {
        for (int i = 0; i < s->nqueued; i++)
            if (s->queued[i].cmd && may_replicate(s, s->queued[i].cmd, s->queued[i].a))
                return true;
    }
    (void)a;
    return false;
}

bool ss_pause_blocks(ss_engine *e, const ss_session *s, const ss_command *cmd, const ss_args *a)
{
    if (!ss_pause_active(e))
        return false;
    return e->pause_all || may_replicate(s, cmd, a);
}
