/* Running scripts against the store (in apply on every node, or in a read), the commands they call, and the replicated script table. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/sha1.h"
#include "engine/engine_internal.h"
#include "engine/script_busy.h"
#include "engine/script_entry.h"
#include "commands/acl.h"
#include "engine/script_run.h"
#include "store/aux.h"
#include "store/keys.h"
#include "store/txn.h"

/*
 * A write script runs in apply, inside the batch's store transaction, in the
 * apply Lua environment (which only applied entries touch). Its redis.call
 * runs commands through ss_exec_one, as MULTI's commands run, against the
 * entry's time and seed. A script stopped by its budget (instructions or
 * memory) has its effects rolled back to a savepoint taken before it ran:
 * every node stops it at the same instruction and discards the same writes,
 * so the entry's effect is nothing but its error reply. (Redis can only stop
 * a write script by SHUTDOWN NOSAVE, so it never keeps half of a killed
 * script either.) A script that fails by an error (error(), a failing
 * redis.call) keeps the writes made before it, as in Redis.
 */

ss_script_limits ss_script_config_limits(const ss_engine *e)
{
    return (ss_script_limits){
        .max_instructions = (uint64_t)e->cfg->script_max_instructions,
        .max_memory = (size_t)e->cfg->script_max_memory,
        .max_reply = (size_t)e->cfg->script_max_reply,
    };
}

/* ------------------------------------------------------------ redis.call */

static void reply_time(ss_buf *out, int64_t now_ms)
{
    char sec[24], usec[24];
    int sl = snprintf(sec, sizeof sec, "%lld", (long long)(now_ms / 1000));
    int ul = snprintf(usec, sizeof usec, "%lld", (long long)(now_ms % 1000) * 1000);
    resp_add_array_len(out, 2);
    resp_add_bulk(out, sec, (size_t)sl);
    resp_add_bulk(out, usec, (size_t)ul);
}

/* SELECT inside a script changes the script's database only (Redis 7.0). */
static void script_select(ss_script_run *run, const ss_args *a, ss_buf *out)
{
    long long db;
    if (!ss_parse_ll(a->argv[1], a->argvlen[1], &db))
        ss_reply_err(out, RERR_NOTINT);
    else if (db < 0 || db >= run->e->cfg->databases || db >= SS_KS_DBS)
        ss_reply_err(out, RERR_DB_INDEX);
    else {
        run->db = (int)db;
        resp_add_shared(out, RESP_SH_OK);
    }
}

/* MONITOR: "[db lua]", as Redis 7.0's call() shows a script's commands;
 * a read-only script on its own thread keeps them for the loop. */
static void monitor(ss_script_run *run, const ss_command *cmd, const ss_args *a)
{
    if (ss_busy_in_worker())
        ss_busy_monitor(run->e, run->db, cmd, a);
    else if (ss_monitor_any(run->e))
        ss_monitor_script(run->e, run->db, cmd, a);
}

static int script_call(void *ctx, int argc, const char *const *argv, const size_t *argvlen, resp_proto proto,
                       bool allow_writes, ss_buf *reply)
{
    ss_script_run *run = ctx;
    ss_args a = {argc, (char **)argv, (size_t *)argvlen};
    const ss_command *cmd = ss_command_find(&a, NULL);
    if (cmd == NULL || (cmd->flags & CMD_INTERNAL)) {
        resp_add_error(reply, SS_SCRIPT_UNKNOWN_CMD_ERR);
        return 0;
    }
    if (!ss_command_arity_ok(cmd, argc)) {
        resp_add_error(reply, "ERR Wrong number of args calling Redis command from script");
        return 0;
    }
    if (cmd->flags & (CMD_NOSCRIPT | CMD_SCRIPTING | CMD_TXN)) {
        resp_add_error(reply, "ERR This Redis command is not allowed from script");
        return 0;
    }
    if (!ss_acl_script_permit(&run->e->node, run->user, run->user_len, cmd, &a, reply))
        return 0;
    if (SS_CMD_LOGGED(cmd) && !allow_writes) {
        resp_add_error(reply, SS_SCRIPT_RO_WRITE_ERR);
        return 0;
    }
    ss_exec_ctx *x = run->x;
    if (!strcmp(cmd->name, "time")) {
        monitor(run, cmd, &a);
        reply_time(reply, x->now_ms); /* the entry's time in apply */
        return 0;
    }
    if (!strcmp(cmd->name, "select")) {
        script_select(run, &a, reply);
        monitor(run, cmd, &a); /* in the db it selected, as Redis's call() shows it */
        return 0;
    }
    if (cmd->exec == NULL) {
        /* Node-local commands (INFO, CONFIG, CLIENT...) answer differently on
         * each node: a script that wrote their answers would make replicas
         * differ, so no script may call them. */
        resp_add_error(reply, "ERR This Redis command is not allowed from script");
        return 0;
    }
    ss_exec_ctx sub = *x;
    sub.db = run->db;
    sub.proto = proto;
    sub.out = reply;
    sub.deny_blocking = true;
    sub.from_script = true;
    ss_exec_one(&sub, &a);
    monitor(run, cmd, &a);
    x->rng = sub.rng;
    x->versions = sub.versions;
    x->status = sub.status;
    return 0;
}

/* redis.acl_check_cmd: the caller's rules, without running anything. */
static int script_acl_check(void *ctx, int argc, const char *const *argv, const size_t *argvlen)
{
    ss_script_run *run = ctx;
    ss_args a = {argc, (char **)argv, (size_t *)argvlen};
    const ss_command *cmd = ss_command_find(&a, NULL);
    if (cmd == NULL || (cmd->flags & CMD_INTERNAL))
        return -1;
    return ss_acl_script_allows(&run->e->node, run->user, run->user_len, cmd, &a);
}

/* ------------------------------------------------------------ running */

static void lowercase_sha(char *dst, const char *src)
{
    for (int i = 0; i < SS_SHA1_HEX_LEN; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[SS_SHA1_HEX_LEN] = '\0';
}

void ss_script_run_code(ss_script_run *run, const ss_script_call *proto_call, ss_script_result *res)
{
    ss_engine *e = run->e;
    ss_exec_ctx *x = run->x;
    ss_script_env *env = x->is_apply ? e->lua_apply : e->lua_read;
    ss_script_limits limits = run->limits;
    /* A read-only script on its own thread runs, as in Redis, until it ends
     * or SCRIPT KILL stops it; the memory cap still holds. */
    if (ss_busy_in_worker())
        limits.max_instructions = 0;
    ss_script_env_set_limits(env, &limits);
    ss_script_call call = *proto_call;
    call.call = script_call;
    call.call_ctx = run;
    call.acl_check = script_acl_check;
    call.seed = x->rng;
    ss_busy_progress(e, &call); /* a read-only script on its thread: SCRIPT KILL */
    /* A savepoint only where writes can happen: apply. */
    bool savepoint = x->is_apply && call.allow_writes && ss_txn_savepoint(x->txn) == SS_OK;
    if (x->is_apply && call.allow_writes && !savepoint) {
        x->status = SS_ENOMEM; /* stops the node, as any storage failure in apply */
        ss_reply_err(x->out, RERR_INTERNAL, "out of memory");
        return;
    }
    int rc = run->fname ? ss_script_fcall(env, run->lib, run->lib_len, run->fname, run->fname_len, &call, x->out, res)
                        : ss_script_eval(env, &call, x->out, res);
    if (rc != SS_OK)
        x->status = x->status ? x->status : SS_ENOMEM;
    if (savepoint) {
        if (res->outcome == SS_SCRIPT_BUDGET || res->outcome == SS_SCRIPT_MEMORY) {
            ss_txn_rollback(x->txn);
            LOG_VERBOSE("engine: a script at entry %llu stopped by its %s budget; its writes are rolled back",
                        (unsigned long long)x->index, res->outcome == SS_SCRIPT_BUDGET ? "instruction" : "memory");
        } else {
            ss_txn_release_savepoint(x->txn);
        }
    }
}

/* __eval / __eval_ro. */
static void run_eval(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    ss_script_entry ent;
    if (!ss_script_entry_parse(a, &ent) || ent.naming == SS_SCRIPT_BY_FUNCTION) {
        ss_reply_err(x->out, RERR_INTERNAL, "malformed script entry");
        return;
    }
    char sha[SS_SHA1_HEX_LEN + 1];
    const char *body = ent.script;
    size_t body_len = ent.script_len;
    if (ent.naming == SS_SCRIPT_BY_SHA) {
        ss_slice b;
        int rc = ent.script_len == SS_SHA1_HEX_LEN ? (lowercase_sha(sha, ent.script),
                 ss_aux_get(x->txn, SS_AUX_SCRIPT, sha, SS_SHA1_HEX_LEN, &b)) : SS_ENOTFOUND;
        if (rc == SS_ENOTFOUND) {
            resp_add_error(x->out, SS_SCRIPT_NOSCRIPT_ERR);
            return;
        }
        if (rc != SS_OK) {
            x->status = rc;
            ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
            return;
        }
        body = b.data;
        body_len = b.len;
    } else {
        ss_sha1_hex(body, body_len, sha);
    }
    uint32_t flags;
    size_t skip;
    char err[256];
    if (ss_script_shebang(body, body_len, &flags, &skip, err, sizeof err) != SS_OK) {
        resp_add_error(x->out, err);
        return;
    }
    bool ro_call = (ent.callflags & SS_SCRIPT_CALL_RO) != 0;
    if (ro_call && (flags & SS_SCRIPT_FLAG_SHEBANG) && !(flags & SS_SCRIPT_FLAG_NO_WRITES)) {
        resp_add_error(x->out, "ERR Can not execute a script with write flag using *_ro command.");
        return;
    }
    /* EVAL keeps its script for EVALSHA, as Redis's script cache does; here
     * the cache is the replicated table, so only apply may add to it. */
    if (x->is_apply && ent.naming == SS_SCRIPT_BY_BODY) {
        ss_slice old;
        int rc = ss_aux_get(x->txn, SS_AUX_SCRIPT, sha, SS_SHA1_HEX_LEN, &old);
        if (rc == SS_ENOTFOUND)
            rc = ss_aux_put(x->txn, SS_AUX_SCRIPT, sha, SS_SHA1_HEX_LEN, body, body_len);
        if (rc != SS_OK) {
            x->status = rc;
            ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
            return;
        }
    }
    ss_script_run run = {.e = e, .x = x, .db = x->db, .limits = ent.limits, .user = ent.user,
                         .user_len = ent.user_len};
    if (!x->is_apply)
        run.limits = ss_script_config_limits(e);
    ss_script_call call = {
        .body = body, .body_len = body_len, .sha = sha,
        .nkeys = ent.nkeys, .keys = ent.keys, .keylens = ent.keylens,
        .nargs = ent.nargs, .args = ent.args, .arglens = ent.arglens,
        .proto = x->is_apply ? ent.proto : x->proto,
        .allow_writes = x->is_apply && !ro_call && !(flags & SS_SCRIPT_FLAG_NO_WRITES),
    };
    ss_script_result res;
    ss_script_run_code(&run, &call, &res);
}

/* __script load BODY | __script flush */
static void script_table(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    int rc = SS_OK;
    if (a->argc == 3 && a->argvlen[1] == 4 && !memcmp(a->argv[1], "load", 4)) {
        char sha[SS_SHA1_HEX_LEN + 1];
        ss_sha1_hex(a->argv[2], a->argvlen[2], sha);
        ss_slice old;
        rc = ss_aux_get(x->txn, SS_AUX_SCRIPT, sha, SS_SHA1_HEX_LEN, &old);
        if (rc == SS_ENOTFOUND)
            rc = ss_aux_put(x->txn, SS_AUX_SCRIPT, sha, SS_SHA1_HEX_LEN, a->argv[2], a->argvlen[2]);
        if (rc == SS_OK)
            resp_add_bulk(x->out, sha, SS_SHA1_HEX_LEN);
    } else if (a->argc == 2 && a->argvlen[1] == 5 && !memcmp(a->argv[1], "flush", 5)) {
        rc = ss_aux_clear(x->txn, SS_AUX_SCRIPT, NULL);
        /* The compiled functions go too (every node does this at the same
         * entry, so the apply environment stays the same everywhere). */
        ss_script_env_flush(e->lua_apply);
        ss_busy_read_env_flush(e);
        if (rc == SS_OK)
            resp_add_shared(x->out, RESP_SH_OK);
    } else {
        ss_reply_err(x->out, RERR_INTERNAL, "malformed script entry");
        return;
    }
    if (rc != SS_OK) {
        x->status = rc;
        ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
    }
}

/* SCRIPT EXISTS sha [sha ...] */
static void script_exists(ss_exec_ctx *x, const ss_args *a)
{
    resp_add_array_len(x->out, (size_t)(a->argc - 2));
    for (int i = 2; i < a->argc; i++) {
        char sha[SS_SHA1_HEX_LEN + 1];
        ss_slice body;
        bool found = false;
        if (a->argvlen[i] == SS_SHA1_HEX_LEN) {
            lowercase_sha(sha, a->argv[i]);
            int rc = ss_aux_get(x->txn, SS_AUX_SCRIPT, sha, SS_SHA1_HEX_LEN, &body);
            if (rc != SS_OK && rc != SS_ENOTFOUND)
                x->status = rc;
            found = rc == SS_OK;
        }
        resp_add_int(x->out, found ? 1 : 0);
    }
}

void ss_script_service(void *ctx, ss_exec_ctx *x, const ss_args *a)
{
    ss_engine *e = ctx;
    const char *name = a->argv[0];
    if (!strcasecmp(name, "__eval") || !strcasecmp(name, "__eval_ro"))
        run_eval(e, x, a);
    else if (!strcasecmp(name, "__script"))
        script_table(e, x, a);
    else if (!strcasecmp(name, "script"))
        script_exists(x, a);
    else
        ss_function_service(e, x, a);
}
