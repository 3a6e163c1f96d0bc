/* Generic key commands. */
#include <stdio.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/log.h"

/* Deletes a key if it is visible now; an expired leftover is removed too
 * but does not count, as in Redis where the lookup expires it first. */
int ss_key_delete(ss_exec_ctx *ctx, const char *key, size_t klen, bool *deleted)
{
    ss_keymeta m;
    *deleted = false;
    int rc = ss_ks_lookup(ctx->txn, ctx->db, key, klen, (uint64_t)ctx->now_ms, &m, NULL);
    if (rc != SS_OK && rc != SS_ENOTFOUND)
        return rc;
    *deleted = rc == SS_OK;
    rc = ss_ks_delete(ctx->txn, ctx->db, key, klen);
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

static void delExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long n = 0;
    for (int i = 1; i < a->argc; i++) {
        bool deleted;
        int rc = ss_key_delete(ctx, a->argv[i], a->argvlen[i], &deleted);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        n += deleted;
    }
    resp_add_int(ctx->out, n);
}

static void existsExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long n = 0;
    for (int i = 1; i < a->argc; i++) {
        ss_keymeta m;
        int rc = ss_key_lookup(ctx, a, i, &m, NULL);
        if (rc == SS_OK)
            n++;
        else if (rc != SS_ENOTFOUND)
            return;
    }
    resp_add_int(ctx->out, n);
}

/* __expire db key [db key ...]: proposed by the leader's active expiry.
 * Deletes each key that is still expired at the entry's time. */
static void expireInternalExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long n = 0;
    for (int i = 1; i + 1 < a->argc; i += 2) {
        long long db;
        if (!ss_parse_ll(a->argv[i], a->argvlen[i], &db) || db < 0 || db >= SS_KS_DBS)
            continue;
        ss_keymeta m;
        int rc = ss_ks_lookup_any(ctx->txn, (int)db, a->argv[i + 1], a->argvlen[i + 1], &m, NULL);
        if (rc == SS_OK && m.expire_ms != 0 && (long long)m.expire_ms <= ctx->now_ms) {
            rc = ss_ks_delete(ctx->txn, (int)db, a->argv[i + 1], a->argvlen[i + 1]);
            if (rc != SS_OK && rc != SS_ENOTFOUND) {
                ss_exec_fail(ctx, rc);
                return;
            }
            n++;
        }
    }
    ss_engine_stats_mut(ctx->engine)->expired_keys += (uint64_t)n;
    resp_add_int(ctx->out, n);
}

const ss_command ss_cmds_keys[] = {
    {"del", -2, CMD_WRITE, delExec, NULL, NULL, 1, -1, 1, "generic", "Deletes one or more keys.", "1.0.0", "O(N) where N is the number of keys that will be removed; O(1) for each collection"},
    {"exists", -2, CMD_READONLY | CMD_FAST, existsExec, NULL, NULL, 1, -1, 1, "generic", "Determines whether one or more keys exist.", "1.0.0", "O(N) where N is the number of keys to check."},
    {"__expire", -3, CMD_WRITE | CMD_INTERNAL, expireInternalExec, NULL, NULL, 0, 0, 0, "generic", "Deletes keys whose expiry passed (proposed by the leader).", "0.1.0", "O(N)"},
};
SS_COUNT(ss_cmds_keys);
