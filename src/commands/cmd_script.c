/* Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO, SCRIPT, FUNCTION, FCALL FCALL_RO (rows only: src/engine/scripts.c routes them, src/engine/script_exec.c runs them). */
#include "commands/command.h"
#include "commands/families.h"

/*
 * The client-facing rows carry Redis 7.0's flags, categories and key specs;
 * CMD_SCRIPTING sends them to the engine's scripting code, which decides
 * how each travels: a script that may write becomes one log entry (one of
 * the internal rows below), a read-only one runs after the read barrier.
 * The internal rows' halves, and SCRIPT EXISTS / FUNCTION LIST / DUMP /
 * STATS (reads of the replicated script and library records), are the
 * node's script service.
 */
static void scriptService(ss_exec_ctx *ctx, const ss_args *a) { ctx->node->ops->script(ctx->node->ctx, ctx, a); }

/* "script numkeys key [key ...] arg [arg ...]" */
static int evalGetKeys(const ss_args *a, ss_keyref *keys)
{
    return ss_getkeys_counted(a, 0, 2, 3, 1, keys);
}

#define EVAL_FLAGS (CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS)
#define RW_KEYS {KEYNUM(2, KS_RW | KS_ACCESS | KS_UPDATE)}
#define RO_KEYS {KEYNUM(2, KS_RO | KS_ACCESS)}

static const ss_command script_subcommands[] = {
    SS_SCRIPTING("script|debug", 3, CMD_NOSCRIPT, ACL_SCRIPTING),
    SS_SCRIPTING("script|exists", -3, CMD_NOSCRIPT, ACL_SCRIPTING, .exec = scriptService),
    SS_SCRIPTING("script|flush", -2, CMD_NOSCRIPT, ACL_SCRIPTING),
    SS_SCRIPTING("script|help", 2, CMD_LOADING | CMD_STALE, ACL_SCRIPTING),
    SS_SCRIPTING("script|kill", 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, ACL_SCRIPTING),
    SS_SCRIPTING("script|load", 3, CMD_NOSCRIPT | CMD_STALE, ACL_SCRIPTING),
    SS_END,
};

static const ss_command function_subcommands[] = {
    SS_SCRIPTING("function|delete", 3, CMD_WRITE | CMD_NOSCRIPT, ACL_SCRIPTING),
    SS_SCRIPTING("function|dump", 2, CMD_NOSCRIPT, ACL_SCRIPTING, .exec = scriptService),
    SS_SCRIPTING("function|flush", -2, CMD_WRITE | CMD_NOSCRIPT, ACL_SCRIPTING),
    SS_SCRIPTING("function|help", 2, CMD_LOADING | CMD_STALE, ACL_SCRIPTING),
    SS_SCRIPTING("function|kill", 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, ACL_SCRIPTING),
    SS_SCRIPTING("function|list", -2, CMD_NOSCRIPT, ACL_SCRIPTING, .exec = scriptService),
    SS_SCRIPTING("function|load", -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, ACL_SCRIPTING),
    SS_SCRIPTING("function|restore", -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, ACL_SCRIPTING),
    SS_SCRIPTING("function|stats", 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, ACL_SCRIPTING, .exec = scriptService),
    SS_END,
};

const ss_command ss_cmds_script[] = {
    SS_SCRIPTING("eval", -3, EVAL_FLAGS, ACL_SCRIPTING, .keys = RW_KEYS, .getkeys = evalGetKeys),
    SS_SCRIPTING("evalsha", -3, EVAL_FLAGS, ACL_SCRIPTING, .keys = RW_KEYS, .getkeys = evalGetKeys),
    SS_SCRIPTING("eval_ro", -3, CMD_READONLY | EVAL_FLAGS, ACL_SCRIPTING, .keys = RO_KEYS, .getkeys = evalGetKeys),
    SS_SCRIPTING("evalsha_ro", -3, CMD_READONLY | EVAL_FLAGS, ACL_SCRIPTING, .keys = RO_KEYS, .getkeys = evalGetKeys),
    SS_SCRIPTING("fcall", -3, EVAL_FLAGS, ACL_SCRIPTING, .keys = RW_KEYS, .getkeys = evalGetKeys),
    SS_SCRIPTING("fcall_ro", -3, CMD_READONLY | EVAL_FLAGS, ACL_SCRIPTING, .keys = RO_KEYS, .getkeys = evalGetKeys),
    SS_CONTAINER("script", -2, 0, 0, script_subcommands),
    SS_CONTAINER("function", -2, 0, 0, function_subcommands),
    /* The engine's entries (engine/script_exec.c says their arguments). */
    SS_INTERNAL("__eval", -9, scriptService),
    SS_ROW("__eval_ro", -9, CMD_INTERNAL | CMD_READONLY, 0, .exec = scriptService),
    SS_INTERNAL("__fcall", -9, scriptService),
    SS_ROW("__fcall_ro", -9, CMD_INTERNAL | CMD_READONLY, 0, .exec = scriptService),
    SS_INTERNAL("__script", -2, scriptService),
    SS_INTERNAL("__function", -2, scriptService),
};
SS_COUNT(ss_cmds_script);
