/* EVAL, EVALSHA, *_RO, SCRIPT, FUNCTION, FCALL from clients: how each travels (a write script is one log entry, a read-only one runs after the read barrier). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sha1.h"
#include "engine/engine_internal.h"
#include "engine/script_busy.h"
#include "engine/script_entry.h"
#include "engine/script_run.h"
#include "store/aux.h"
#include "store/txn.h"

/*
 * A script that may write becomes one `__eval` entry (script_entry.h) that
 * carries the script (its body, or for EVALSHA its sha, resolved in apply
 * from the replicated script table), the keys and arguments, the caller's
 * protocol and the budget it runs under; the entry's header carries the time
 * and the seed. Every node runs it in apply against the same state and gets
 * the same effects and reply. A read-only script (EVAL_RO, EVALSHA_RO,
 * FCALL_RO, or a script whose shebang says no-writes) is an `__eval_ro` read:
 * it never touches the log and runs after the ReadIndex barrier.
 *
 * EVALSHA is resolved in apply, not here: the script table is replicated
 * state, so the answer is the same on every node, and it is the one that a
 * linearizable store owes (a follower that has not yet applied a SCRIPT LOAD
 * acknowledged elsewhere still finds the script, and an EVALSHA ordered after
 * a SCRIPT FLUSH answers NOSCRIPT). Here the local table only tells whether
 * the script is read-only, to pick the path.
 */

static const char *const script_help[] = {
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
    NULL,
};

void ss_script_reply_help(ss_buf *out, const char *const *lines)
{
    size_t n = 0;
    while (lines[n])
        n++;
    resp_add_array_len(out, n);
    for (size_t i = 0; i < n; i++)
        resp_add_simple(out, lines[i]);
}

/* Reads numkeys (argv[2]) as Redis's evalGenericCommand does. */
bool ss_script_numkeys(const ss_args *a, long long *numkeys, ss_buf *out)
{
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], numkeys)) {
        ss_reply_err(out, RERR_NOTINT);
        return false;
    }
    if (*numkeys > a->argc - 3) {
        resp_add_error(out, "ERR Number of keys can't be greater than number of args");
        return false;
    }
    if (*numkeys < 0) {
        resp_add_error(out, "ERR Number of keys can't be negative");
        return false;
    }
    return true;
}

/* The shebang flags of a script in the local table (EVALSHA's path), or -1
 * when this node does not have it. */
static long long local_script_flags(ss_engine *e, const char *sha, size_t len)
{
    char lower[SS_SHA1_HEX_LEN];
    if (len != SS_SHA1_HEX_LEN)
        return -1;
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)tolower((unsigned char)sha[i]);
    ss_txn *txn = ss_txn_begin(e->store);
    ss_slice body;
    long long flags = -1;
    if (ss_aux_get(txn, SS_AUX_SCRIPT, lower, sizeof lower, &body) == SS_OK) {
        uint32_t f;
        size_t skip;
        char err[256];
        flags = ss_script_shebang(body.data, body.len, &f, &skip, err, sizeof err) == SS_OK ? f : 0;
    }
    ss_txn_abort(txn);
    return flags;
}

/* Sends an internal command as a write entry or a read, keeping the
 * session's pipeline order. */
ss_dispatch_result ss_script_route(ss_engine *e, ss_session *s, const ss_args *internal, bool write,
                                   ss_buf *out)
{
    if (e->cfg->follower_mode == SS_FOLLOWER_REDIRECT && e->cluster && !ss_cluster_is_leader(e->cluster)) {
        const char *addr = ss_cluster_leader_addr(e->cluster);
        if (addr)
            ss_reply_err(out, RERR_MOVED, addr);
        else
            ss_reply_err(out, RERR_NOLEADER);
        return SS_DISPATCH_DONE;
    }
    int kind = write ? KIND_WRITE : KIND_READ;
    if (s->pending > 0 && s->pending_kind != kind)
        return SS_DISPATCH_BLOCKED;
    if (write)
        return ss_write_propose(e, s, internal, 1, 0, out);
    return ss_read_start(e, s, internal, 1, false, false, out);
}

static ss_dispatch_result eval_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                       ss_buf *out)
{
    long long numkeys;
    if (!ss_script_numkeys(a, &numkeys, out))
        return SS_DISPATCH_DONE;
    bool by_sha = !strncmp(cmd->name, "evalsha", 7);
    bool ro = (cmd->flags & CMD_READONLY) != 0;
    bool write = !ro;
    if (!by_sha) {
        uint32_t flags;
        size_t skip;
        char err[256];
        if (ss_script_shebang(a->argv[1], a->argvlen[1], &flags, &skip, err, sizeof err) != SS_OK) {
            resp_add_error(out, err);
            return SS_DISPATCH_DONE;
        }
        if (flags & SS_SCRIPT_FLAG_NO_WRITES)
            write = false;
    } else {
        if (a->argvlen[1] != SS_SHA1_HEX_LEN) { /* Redis answers at once too */
            resp_add_error(out, SS_SCRIPT_NOSCRIPT_ERR);
            return SS_DISPATCH_DONE;
        }
        long long flags = local_script_flags(e, a->argv[1], a->argvlen[1]);
        if (flags >= 0 && (flags & SS_SCRIPT_FLAG_NO_WRITES))
            write = false;
    }
    ss_script_entry_args ea;
    ss_script_entry_build(&ea, write ? "__eval" : "__eval_ro", by_sha ? SS_SCRIPT_BY_SHA : SS_SCRIPT_BY_BODY,
                          ro ? SS_SCRIPT_CALL_RO : 0, s->proto, ss_script_config_limits(e), a, 1, numkeys);
    ss_script_entry_set_user(&ea, s->user, s->user_len);
    ss_dispatch_result r = ss_script_route(e, s, &ea.args, write, out);
    ss_script_entry_release(&ea);
    return r;
}

static ss_dispatch_result script_load(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    char sha[SS_SHA1_HEX_LEN + 1], err[1024];
    /* Checked here (in the read environment), so that a script that does not
     * compile never reaches the log; apply only stores it. */
    ss_script_limits limits = ss_script_config_limits(e);
    ss_script_env_set_limits(e->lua_read, &limits);
    if (ss_script_compile_check(e->lua_read, a->argv[2], a->argvlen[2], sha, err, sizeof err) != SS_OK) {
        resp_add_error(out, err);
        return SS_DISPATCH_DONE;
    }
    char *argv[3] = {"__script", "load", a->argv[2]};
    size_t argvlen[3] = {8, 4, a->argvlen[2]};
    ss_args internal = {3, argv, argvlen};
    return ss_script_route(e, s, &internal, true, out);
}

static ss_dispatch_result script_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                         ss_buf *out)
{
    const char *sub = cmd->name + strlen("script|");
    if (!strcmp(sub, "load"))
        return script_load(e, s, a, out);
    if (!strcmp(sub, "exists"))
        return ss_script_route(e, s, a, false, out);
    if (!strcmp(sub, "flush")) {
        if (a->argc == 3 && strcasecmp(a->argv[2], "sync") && strcasecmp(a->argv[2], "async")) {
            resp_add_error(out, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return SS_DISPATCH_DONE;
        }
        if (a->argc > 3) {
            ss_reply_err(out, RERR_ARITY, cmd->name);
            return SS_DISPATCH_DONE;
        }
        char *argv[2] = {"__script", "flush"};
        size_t argvlen[2] = {8, 5};
        ss_args internal = {2, argv, argvlen};
        return ss_script_route(e, s, &internal, true, out);
    }
    if (!strcmp(sub, "kill")) {
        ss_busy_kill(e, true, out);
        return SS_DISPATCH_DONE;
    }
    if (!strcmp(sub, "debug")) {
        if (!strcasecmp(a->argv[2], "no"))
            resp_add_shared(out, RESP_SH_OK);
        else if (!strcasecmp(a->argv[2], "yes") || !strcasecmp(a->argv[2], "sync"))
            resp_add_error(out, "ERR SCRIPT DEBUG is not supported by sandstore (scripts run in apply on every node)");
        else
            resp_add_error(out, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
        return SS_DISPATCH_DONE;
    }
    ss_script_reply_help(out, script_help); /* help */
    return SS_DISPATCH_DONE;
}

ss_dispatch_result ss_script_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                      ss_buf *out)
{
    if (!strncmp(cmd->name, "eval", 4))
        return eval_command(e, s, cmd, a, out);
    if (!strncmp(cmd->name, "script|", 7))
        return script_command(e, s, cmd, a, out);
    if (!strncmp(cmd->name, "fcall", 5))
        return ss_fcall_command(e, s, cmd, a, out);
    if (!strncmp(cmd->name, "function|", 9))
        return ss_function_command(e, s, cmd, a, out);
    /* a container alone ("SCRIPT"): Redis's arity error */
    ss_reply_err(out, RERR_ARITY, cmd->name);
    return SS_DISPATCH_DONE;
}
