/* MIGRATE's table row, its arguments, and the internal commands of its read (dump) and apply (conditional delete) halves. */
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "commands/migrate.h"
#include "commands/numbers.h"

/*
 * How MIGRATE travels is the engine's (engine/migrate.c): the keys are read
 * with one read barrier (SS_MIGRATE_DUMP), sent to the target with hiredis
 * on the loop, and deleted through the log (SS_MIGRATE_DEL) only once the
 * target said OK, and only where the key is unchanged since its dump, so a
 * write that landed in between is never lost.
 */

bool ss_migrate_parse(const ss_args *a, ss_migrate_args *m, ss_buf *out)
{
    *m = (ss_migrate_args){.first_key = 3, .nkeys = 1};
    for (int j = 6; j < a->argc; j++) {
        int more = a->argc - 1 - j;
        if (ss_arg_is(a, j, "copy")) {
            m->copy = true;
        } else if (ss_arg_is(a, j, "replace")) {
            m->replace = true;
        } else if (ss_arg_is(a, j, "auth")) {
            if (more < 1) {
                ss_reply_err(out, RERR_SYNTAX);
                return false;
            }
            m->user = 0;
            m->pass = ++j;
        } else if (ss_arg_is(a, j, "auth2")) {
            if (more < 2) {
                ss_reply_err(out, RERR_SYNTAX);
                return false;
            }
            m->user = ++j;
            m->pass = ++j;
        } else if (ss_arg_is(a, j, "keys")) {
            if (a->argvlen[3] != 0) {
                ss_reply_err(out, RERR_MIGRATE_KEYS);
                return false;
            }
            m->first_key = j + 1;
            m->nkeys = a->argc - j - 1;
            break; /* every argument left is a key */
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    if (!ss_parse_ll(a->argv[5], a->argvlen[5], &m->timeout_ms) ||
        !ss_parse_ll(a->argv[4], a->argvlen[4], &m->dbid)) {
        ss_reply_err(out, RERR_NOTINT);
        return false;
    }
    if (m->timeout_ms <= 0)
        m->timeout_ms = 1000;
    m->port = atoi(a->argv[2]);
    return true;
}

/* Redis's migrateGetKeys: the key at 3, or every argument after KEYS. */
static int migrateGetKeys(const ss_args *a, ss_keyref *keys)
{
    int first = 3, num = 1;
    for (int i = 6; i < a->argc; i++) {
        if (ss_arg_is(a, i, "keys")) {
            if (a->argvlen[3] > 0)
                return 0;
            first = i + 1;
            num = a->argc - first;
            break;
        }
    }
    for (int i = 0; i < num; i++)
        keys[i] = (ss_keyref){first + i, KS_RW | KS_ACCESS | KS_DELETE};
    return num;
}

static void migrateDumpExec(ss_exec_ctx *ctx, const ss_args *a)
{
    unsigned char digest[SS_KEY_DIGEST_LEN];
    int rc = ss_key_digest(ctx->txn, ctx->db, a->argv[1], a->argvlen[1], ctx->now_ms, digest);
    ss_keymeta m = {0};
    if (rc == SS_OK) {
        rc = ss_ks_lookup(ctx->txn, ctx->db, a->argv[1], a->argvlen[1], (uint64_t)ctx->now_ms, &m, NULL);
        if (rc == SS_ENOTFOUND)
            rc = SS_OK;
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    long long ttl = 0;
    if (m.expire_ms) {
        ttl = (long long)m.expire_ms - ctx->now_ms;
        if (ttl < 1)
            ttl = 1;
    }
    resp_add_array_len(ctx->out, 3);
    resp_add_bulk(ctx->out, (const char *)digest, sizeof digest);
    resp_add_int(ctx->out, ttl);
    ss_dump_exec(ctx, a);
}

static bool is_zero(const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i])
            return false;
    return true;
}

static void migrateDelExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (a->argc % 2 != 0) {
        ss_reply_err(ctx->out, RERR_NOT_IN_ENTRY, SS_MIGRATE_DEL);
        return;
    }
    long long kept = 0;
    for (int i = 2; i + 1 < a->argc; i += 2) {
        const char *key = a->argv[i];
        size_t klen = a->argvlen[i];
        unsigned char now[SS_KEY_DIGEST_LEN];
        if (a->argvlen[i + 1] != SS_KEY_DIGEST_LEN) {
            ss_reply_err(ctx->out, RERR_NOT_IN_ENTRY, SS_MIGRATE_DEL);
            return;
        }
        int rc = ss_key_digest(ctx->txn, ctx->db, key, klen, ctx->now_ms, now);
        if (rc == SS_OK && memcmp(now, a->argv[i + 1], sizeof now) == 0) {
            rc = ss_key_drop(ctx, ctx->db, key, klen);
            if (rc == SS_OK)
                ss_exec_changed(ctx, SS_NOTIFY_GENERIC, "del", key, klen, false);
        } else if (rc == SS_OK && !is_zero(now, sizeof now)) {
            kept++; /* written since the dump: the write stays */
        } /* else gone since (deleted, expired): nothing to keep */
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
    }
    if (kept)
        ss_reply_err(ctx->out, RERR_MIGRATE_CHANGED, kept);
    else if (a->argvlen[1])
        ss_reply_err(ctx->out, RERR_MIGRATE_TARGET, a->argv[1]);
    else
        resp_add_shared(ctx->out, RESP_SH_OK);
}

#define MIGRATE_KEYS_SPEC {.flags = KS_RW | KS_ACCESS | KS_DELETE | KS_INCOMPLETE, KS_BEGIN_KEYWORD("KEYS", -2), KS_FIND_RANGE(-1, 1, 0)}

const ss_command ss_cmds_migrate[] = {
    SS_ROW("migrate", -6, CMD_WRITE | CMD_MIGRATE | CMD_NO_LOG, ACL_KEYSPACE | ACL_DANGEROUS,
           .keys = {KEY(3, KS_RW | KS_ACCESS | KS_DELETE), MIGRATE_KEYS_SPEC}, .getkeys = migrateGetKeys),
    SS_READ(SS_MIGRATE_DUMP, 2, CMD_INTERNAL, 0, migrateDumpExec),
    SS_WRITE(SS_MIGRATE_DEL, -4, CMD_INTERNAL, 0, migrateDelExec),
};
SS_COUNT(ss_cmds_migrate);
