/* MULTI / EXEC / DISCARD / WATCH / UNWATCH: the queued commands become one log entry, applied atomically. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/entry.h"

void ss_multi_discard(ss_session *s)
{
    for (int i = 0; i < s->nqueued; i++)
        free(s->queued[i].a);
    s->nqueued = 0;
    s->queued_bytes = 0;
    s->in_multi = false;
    s->multi_dirty = false;
}

ss_dispatch_result ss_multi_queue(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                  ss_buf *out)
{
    /* Inside EXEC a command runs as part of one log entry, so it must be a
     * keyspace command (or PING/ECHO, which have an exec half too): what an
     * entry may hold, which apply checks again. */
    if (!ss_entry_allows(cmd, true)) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_NOT_IN_MULTI);
        return SS_DISPATCH_DONE;
    }
    if (s->nqueued >= SS_MULTI_MAX_QUEUED) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_INTERNAL, "too many commands queued in this transaction");
        return SS_DISPATCH_DONE;
    }
    /* The queued commands become one log entry: the command that would make
     * it too big for the log is refused now, and EXEC aborts, as Redis does
     * for any error while queueing. */
    uint64_t bytes = ss_entry_cmd_size(a);
    if (SS_ENTRY_HEADER_SIZE + s->queued_bytes + bytes > e->max_entry) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_ENTRY_TOOBIG, (unsigned long long)e->max_entry);
        return SS_DISPATCH_DONE;
    }
    if (s->nqueued == s->queued_cap) {
        int cap = s->queued_cap ? s->queued_cap * 2 : 8;
        ss_queued_cmd *q = realloc(s->queued, sizeof *q * (size_t)cap);
        if (!q) {
            s->multi_dirty = true;
            ss_reply_err(out, RERR_INTERNAL, "out of memory");
            return SS_DISPATCH_DONE;
        }
        s->queued = q;
        s->queued_cap = cap;
    }
    ss_args *copy = ss_args_copy(a, 1);
    if (!copy) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    s->queued[s->nqueued++] = (ss_queued_cmd){copy, cmd};
    s->queued_bytes += bytes;
    resp_add_shared(out, RESP_SH_QUEUED);
    return SS_DISPATCH_DONE;
}

static ss_dispatch_result exec_queued(ss_engine *e, ss_session *s, ss_buf *out)
{
    if (!s->in_multi) {
        ss_reply_err(out, RERR_EXEC_NOMULTI);
        return SS_DISPATCH_DONE;
    }
    if (s->multi_dirty) {
        ss_multi_discard(s);
        ss_reply_err(out, RERR_EXECABORT);
        return SS_DISPATCH_DONE;
    }
    if (s->nqueued == 0) {
        ss_multi_discard(s);
        resp_add_array_len(out, 0);
        return SS_DISPATCH_DONE;
    }
    bool writes = false;
    for (int i = 0; i < s->nqueued; i++)
        if (ss_command_writes(s->queued[i].cmd, s->queued[i].a))
            writes = true;
    int kind = writes ? KIND_WRITE : KIND_READ;
    if (s->pending > 0 && s->pending_kind != kind)
        return SS_DISPATCH_BLOCKED;

    ss_args *cmds = malloc(sizeof *cmds * (size_t)s->nqueued);
    if (!cmds) {
        ss_multi_discard(s);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    for (int i = 0; i < s->nqueued; i++)
        cmds[i] = *s->queued[i].a;
    uint32_t n = (uint32_t)s->nqueued;
    ss_dispatch_result r;
    /* MULTI state ends here whatever happens next: the entry (or the read's
     * copy) owns the commands from now on. */
    s->in_multi = false;
    if (writes)
        r = ss_write_propose(e, s, cmds, n, 0x01 /* SS_ENTRY_MULTI */, out);
    else
        r = ss_read_start(e, s, cmds, n, true, out);
    free(cmds);
    ss_multi_discard(s);
    return r;
}

/* WATCH cannot be made correct cheaply under Raft forwarding yet: refuse it
 * clearly rather than pretend (documented in the README). */
static void watch(ss_session *s, ss_buf *out)
{
    if (s->in_multi)
        ss_reply_err(out, RERR_WATCH_IN_MULTI);
    else
        resp_add_error(out, "ERR WATCH is not supported by sandstore; use MULTI/EXEC, which is atomic");
}

ss_dispatch_result ss_multi_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out)
{
    (void)a;
    if (!strcmp(cmd->name, "exec"))
        return exec_queued(e, s, out);
    if (!strcmp(cmd->name, "multi")) {
        if (s->in_multi) {
            ss_reply_err(out, RERR_MULTI_NESTED);
            return SS_DISPATCH_DONE;
        }
        s->in_multi = true;
        s->multi_dirty = false;
        resp_add_shared(out, RESP_SH_OK);
    } else if (!strcmp(cmd->name, "discard")) {
        if (!s->in_multi) {
            ss_reply_err(out, RERR_DISCARD_NOMULTI);
            return SS_DISPATCH_DONE;
        }
        ss_multi_discard(s);
        resp_add_shared(out, RESP_SH_OK);
    } else if (!strcmp(cmd->name, "watch")) {
        watch(s, out);
    } else { /* unwatch */
        resp_add_shared(out, RESP_SH_OK);
    }
    return SS_DISPATCH_DONE;
}
