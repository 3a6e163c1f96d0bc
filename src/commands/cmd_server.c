/* Server commands: BGSAVE CONFIG INFO DBSIZE FLUSHDB FLUSHALL LASTSAVE SHUTDOWN TIME. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "commands/families.h"
#include "commands/info.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"
#include "common/log.h"
#include "store/keyspace.h"

/* ---------------------------------------------------------------- CONFIG */

typedef struct config_pairs {
    ss_buf items;
    long long n;
} config_pairs;

static void collect_pair(void *arg, const char *name, const char *value)
{
    config_pairs *p = arg;
    resp_add_bulk_cstr(&p->items, name);
    resp_add_bulk_cstr(&p->items, value);
    p->n++;
}

static void configGetCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    config_pairs p;
    ss_buf_init(&p.items, 0);
    p.n = 0;
    for (int i = 2; i < a->argc; i++)
        ss_config_get(node->cfg, a->argv[i], collect_pair, &p);
    resp_add_map_len(out, s->proto, p.n);
    resp_add_raw(out, ss_buf_data(&p.items), ss_buf_len(&p.items));
    ss_buf_release(&p.items);
}

static bool is_tls_directive(const char *name) { return strncasecmp(name, "tls-", 4) == 0; }

/*
 * Redis's applyTlsCfg: once a CONFIG SET changed a tls-* directive, every TLS
 * context is built again from the new settings (new connections use them,
 * established ones keep theirs). When they do not load (a missing file, a
 * key that does not match its certificate), the settings go back to what
 * they were (old[], by argument pair), the contexts are built from those
 * again, and the caller answers Redis's error.
 */
static bool tls_reload(ss_node *node, const ss_args *a, char **old)
{
    ss_errmsg err = "";
    int rc = node->ops->tls_reload ? node->ops->tls_reload(node->ctx, err) : SS_OK;
    if (rc == SS_OK)
        return true;
    LOG_WARNING("%s", err);
    LOG_WARNING("Failed applying new configuration. Possibly related to new %s setting. "
                "Restoring previous settings.", a->argv[2]);
    for (int i = 2; i < a->argc; i += 2) {
        char *val = old[(i - 2) / 2];
        if (val)
            ss_config_set(node->cfg, a->argv[i], 1, &val, NULL);
    }
    if (node->ops->tls_reload(node->ctx, err) != SS_OK)
        LOG_WARNING("TLS: the previous settings do not load either: %s", err);
    return false;
}

static void configSetCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (a->argc % 2) {
        ss_reply_err(out, RERR_SYNTAX);
        return;
    }
    /* Validate everything first, then apply: all or nothing, as Redis 7. */
    for (int i = 2; i < a->argc; i += 2) {
        ss_config scratch;
        ss_config_init(&scratch);
        ss_errmsg err = "";
        char *val = a->argv[i + 1];
        int rc = ss_config_set(&scratch, a->argv[i], 1, &val, err);
        ss_config_release(&scratch);
        if (rc != SS_OK && strstr(err, "unknown directive")) {
            /* Unknown parameters are accepted and ignored, so tools
             * written for Redis keep working. */
            continue;
        }
        if (rc != SS_OK) {
            ss_reply_err(out, RERR_CONFIG_BAD, a->argv[i], err);
            return;
        }
        if (!ss_config_is_mutable(a->argv[i])) {
            ss_reply_err(out, RERR_CONFIG_IMMUTABLE, a->argv[i]);
            return;
        }
    }
    /* The TLS settings' old values, to put back if the new ones do not load. */
    int nargs = (a->argc - 2) / 2;
    char **old = calloc((size_t)nargs, sizeof *old);
    if (old == NULL) {
        ss_reply_err(out, RERR_INTERNAL, ss_strerror(SS_ENOMEM));
        return;
    }
    const char *tls_arg = NULL;
    for (int i = 2; i < a->argc; i += 2) {
        char value[4096];
        if (is_tls_directive(a->argv[i]) && ss_config_value(node->cfg, a->argv[i], value, sizeof value)) {
            old[(i - 2) / 2] = strdup(value);
            if (tls_arg == NULL)
                tls_arg = a->argv[i];
        }
    }
    for (int i = 2; i < a->argc; i += 2) {
        char *val = a->argv[i + 1];
        if (ss_config_set(node->cfg, a->argv[i], 1, &val, NULL) != SS_OK)
            continue;
        if (!strcasecmp(a->argv[i], "loglevel"))
            ss_log_set_level((ss_log_level)node->cfg->loglevel);
        else if (!strcasecmp(a->argv[i], "keyspace-cache-size") && node->store != NULL)
            ss_store_set_cache_size(node->store, (size_t)node->cfg->keyspace_cache_size);
    }
    if (tls_arg && !tls_reload(node, a, old))
        ss_reply_err(out, RERR_CONFIG_BAD, tls_arg, "Unable to update TLS configuration. Check server logs.");
    else
        resp_add_shared(out, RESP_SH_OK);
    for (int i = 0; i < nargs; i++)
        free(old[i]);
    free(old);
}

static void configResetstatCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_info_reset(node);
    resp_add_shared(out, RESP_SH_OK);
}

static void configHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_array_len(out, 3);
    resp_add_simple(out, "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    resp_add_simple(out, "GET <pattern>");
    resp_add_simple(out, "SET <directive> <value>");
}

/* INFO is in cmd_info.c. */

/* -------------------------------------------------------- keyspace-wide */

static void dbsizeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    uint64_t n = 0;
    int rc = ss_ks_dbsize(ctx->txn, ctx->db, &n);
    if (rc != SS_OK) {
        ss_reply_err(ctx->out, RERR_INTERNAL, ss_strerror(rc));
        return;
    }
    resp_add_int(ctx->out, (long long)n);
}

static bool flush_args_ok(const ss_args *a, ss_buf *out)
{
    if (a->argc == 1 || (a->argc == 2 && (ss_arg_is(a, 1, "async") || ss_arg_is(a, 1, "sync"))))
        return true;
    ss_reply_err(out, RERR_SYNTAX);
    return false;
}

static bool flushPrepare(ss_session *s, const ss_args *a, ss_buf *out) { return flush_args_ok(a, out); }

static void flushdbExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (!flush_args_ok(a, ctx->out))
        return;
    ctx->status = ss_ks_flushdb(ctx->txn, ctx->db);
    ss_exec_flushed(ctx, ctx->db); /* Redis's signalFlushedDb: no keyspace event */
    resp_add_shared(ctx->out, RESP_SH_OK);
}

static void flushallExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (!flush_args_ok(a, ctx->out))
        return;
    ctx->status = ss_ks_flushall(ctx->txn);
    ss_exec_flushed(ctx, -1);
    resp_add_shared(ctx->out, RESP_SH_OK);
}

/* SWAPDB's index: Redis's getIntFromObjectOrReply (an int, else its own
 * words: "invalid first DB index"). */
static bool swap_index(ss_buf *out, const ss_args *a, int i, int *db)
{
    long long v;
    if (!ss_parse_ll(a->argv[i], a->argvlen[i], &v) || v < INT_MIN || v > INT_MAX) {
        resp_add_error(out, i == 1 ? "ERR invalid first DB index" : "ERR invalid second DB index");
        return false;
    }
    *db = (int)v;
    return true;
}

static bool swapdbPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    int db1, db2;
    (void)s;
    return swap_index(out, a, 1, &db1) && swap_index(out, a, 2, &db2);
}

/*
 * SWAPDB index1 index2: the store's logical -> physical db map changes in
 * the entry's batch (ss_ks_swapdb), so every node swaps at the same point of
 * the log, in O(1). The range is the store's (16 dbs) on every node alike,
 * so nodes configured with other `databases` never diverge. Connections stay
 * in the db number they selected and see the other db's keys from now on.
 */
static void swapdbExec(ss_exec_ctx *ctx, const ss_args *a)
{
    int db1, db2;
    if (!swap_index(ctx->out, a, 1, &db1) || !swap_index(ctx->out, a, 2, &db2))
        return;
    if (db1 < 0 || db1 >= SS_KS_DBS || db2 < 0 || db2 >= SS_KS_DBS) {
        ss_reply_err(ctx->out, RERR_DB_INDEX);
        return;
    }
    if (db1 != db2) {
        ctx->status = ss_ks_swapdb(ctx->txn, db1, db2);
        if (ctx->status != SS_OK)
            return;
        ss_exec_swapped(ctx, db1, db2);
    }
    resp_add_shared(ctx->out, RESP_SH_OK);
}

static void waitExec(ss_exec_ctx *ctx, const ss_args *a) { ctx->node->ops->wait_exec(ctx->node->ctx, ctx, a); }

static void shutdownCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    /* Nothing to save: every acknowledged write is already in the Raft log. */
    node->ops->shutdown(node->ctx);
    s->close_after_reply = true;
    resp_add_shared(out, RESP_SH_OK);
}

static void timeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    int64_t us = ss_clock_wall_us();
    resp_add_array_len(out, 2);
    resp_add_bulk_ll(out, (long long)(us / 1000000));
    resp_add_bulk_ll(out, (long long)(us % 1000000));
}

/* BGSAVE takes a Raft snapshot of this node's state (the only kind of save
 * sandstore has): it is written on a worker thread, and the log before it is
 * compacted. SCHEDULE is accepted; there is nothing to wait for. */
static void bgsaveCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    if (a->argc > 2 || (a->argc == 2 && !ss_arg_is(a, 1, "schedule"))) {
        ss_reply_err(out, RERR_SYNTAX);
        return;
    }
    int rc = node->ops->snapshot_now(node->ctx);
    if (rc == SS_EBUSY)
        ss_reply_err(out, RERR_BGSAVE_BUSY);
    else if (rc != SS_OK)
        ss_reply_err(out, RERR_SHUTDOWN);
    else
        resp_add_simple(out, "Background saving started");
}

static void lastsaveCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    (void)a;
    resp_add_int(out, (long long)node->ops->last_snapshot_time(node->ctx));
}

static const ss_command config_subcommands[] = {
    SS_LOCAL("config|get", -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, configGetCommand),
    SS_LOCAL("config|set", -4, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, configSetCommand),
    SS_LOCAL("config|resetstat", 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, configResetstatCommand),
    /* engine/config_rewrite.c writes the file off the loop */
    SS_ROW("config|rewrite", 2, CMD_ENGINE_ASYNC | CMD_LOCAL_ONLY | CMD_NO_LOG | CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0),
    SS_LOCAL("config|help", 2, CMD_LOADING | CMD_STALE, 0, configHelpCommand),
    SS_END,
};

const ss_command ss_cmds_server[] = {
    SS_LOCAL("bgsave", -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING, 0, bgsaveCommand),
    SS_LOCAL("lastsave", 1, CMD_LOADING | CMD_STALE | CMD_FAST, ACL_ADMIN | ACL_DANGEROUS, lastsaveCommand),
    SS_CONTAINER("config", -2, 0, 0, config_subcommands),
    SS_LOCAL("info", -1, CMD_LOADING | CMD_STALE, ACL_DANGEROUS, ss_info_command),
    SS_LOCAL("shutdown", -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NOMULTI | CMD_ALLOW_BUSY, 0, shutdownCommand),
    SS_LOCAL("time", 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, timeCommand),
    /* WAIT WAITAOF: engine/wait.c answers them (they may wait); queued in
     * MULTI, they go in the EXEC's entry and answer at once (waitExec). */
    SS_ROW("wait", 3, CMD_ENGINE_ASYNC | CMD_LOCAL_ONLY | CMD_LOGGED | CMD_NOSCRIPT, ACL_CONNECTION, .exec = waitExec),
    SS_ROW("waitaof", 4, CMD_ENGINE_ASYNC | CMD_LOCAL_ONLY | CMD_LOGGED | CMD_NOSCRIPT, ACL_CONNECTION,
           .exec = waitExec),
    SS_READ("dbsize", 1, CMD_FAST, ACL_KEYSPACE, dbsizeExec),
    SS_WRITE("flushdb", -1, 0, ACL_KEYSPACE | ACL_DANGEROUS, flushdbExec, .prepare = flushPrepare),
    SS_WRITE("flushall", -1, 0, ACL_KEYSPACE | ACL_DANGEROUS, flushallExec, .prepare = flushPrepare),
    SS_WRITE("swapdb", 3, CMD_FAST, ACL_KEYSPACE | ACL_DANGEROUS, swapdbExec, .prepare = swapdbPrepare),
};
SS_COUNT(ss_cmds_server);
