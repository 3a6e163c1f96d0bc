/* DUMP and RESTORE in Redis 7.0's RDB value format (commands/rdb.h): strings so far. */
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "commands/rdb.h"

/*
 * A string dumped here restores in redis-server and a string dumped by
 * redis-server (raw, int or LZF encoded) restores here. Collections are
 * not yet encoded (Redis 7.0 dumps small ones as listpacks and intsets):
 * DUMP of one and RESTORE of such a payload are refused with an error that
 * says so. IDLETIME and FREQ are checked as Redis checks them and then
 * ignored: sandstore keeps no LRU/LFU state.
 */

#define STRING_MAX ((size_t)RESP_MAX_BULK_LEN_DEFAULT)

static const char *type_word(ss_type t)
{
    switch (t) {
    case SS_TYPE_HASH: return "hash";
    case SS_TYPE_LIST: return "list";
    case SS_TYPE_SET: return "set";
    case SS_TYPE_ZSET: return "zset";
    case SS_TYPE_STREAM: return "stream";
    default: return "string";
    }
}

static void dumpExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    if (found != SS_FOUND)
        return;
    if (k.meta.type != SS_TYPE_STRING) {
        ss_reply_err(ctx->out, RERR_DUMP_TYPE, type_word(k.meta.type));
        return;
    }
    ss_buf payload;
    ss_buf_init(&payload, 0);
    ss_rdb_dump_string(&payload, k.value.data, k.value.len);
    if (ss_buf_error(&payload))
        ss_exec_fail(ctx, SS_ENOMEM);
    else
        resp_add_bulk(ctx->out, ss_buf_data(&payload), ss_buf_len(&payload));
    ss_buf_release(&payload);
}

typedef struct restore_opts {
    bool replace, absttl;
    long long idle, freq;
} restore_opts;

/* RESTORE's options from argument 4 on, in Redis's order and words. */
static bool restore_opts_parse(ss_exec_ctx *ctx, const ss_args *a, restore_opts *o)
{
    *o = (restore_opts){false, false, -1, -1};
    for (int j = 4; j < a->argc; j++) {
        int more = a->argc - j - 1;
        if (ss_arg_is(a, j, "replace")) {
            o->replace = true;
        } else if (ss_arg_is(a, j, "absttl")) {
            o->absttl = true;
        } else if (ss_arg_is(a, j, "idletime") && more >= 1 && o->freq == -1) {
            if (!ss_arg_ll_or_reply(ctx, a, j + 1, &o->idle))
                return false;
            if (o->idle < 0) {
                ss_reply_err(ctx->out, RERR_RESTORE_IDLE);
                return false;
            }
            j++;
        } else if (ss_arg_is(a, j, "freq") && more >= 1 && o->idle == -1) {
            if (!ss_arg_ll_or_reply(ctx, a, j + 1, &o->freq))
                return false;
            if (o->freq < 0 || o->freq > 255) {
                ss_reply_err(ctx->out, RERR_RESTORE_FREQ);
                return false;
            }
            j++;
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f],
 * checked in Redis's order: options, the key's existence, the TTL, the
 * footer, the value. A relative TTL counts from the entry's time. */
static void restoreExec(ss_exec_ctx *ctx, const ss_args *a)
{
    restore_opts o;
    if (!restore_opts_parse(ctx, a, &o))
        return;
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_REPLIED)
        return;
    if (found == SS_FOUND && !o.replace) {
        ss_reply_err(ctx->out, RERR_BUSYKEY);
        return;
    }
    long long ttl;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &ttl))
        return;
    if (ttl < 0) {
        ss_reply_err(ctx->out, RERR_RESTORE_TTL);
        return;
    }
    if (!ss_rdb_verify(a->argv[3], a->argvlen[3])) {
        ss_reply_err(ctx->out, RERR_DUMP_PAYLOAD);
        return;
    }
    int type;
    char *val = NULL;
    size_t vlen = 0;
    if (!ss_rdb_load(a->argv[3], a->argvlen[3], STRING_MAX, &type, &val, &vlen)) {
        if (type > 0 && type <= 255)
            ss_reply_err(ctx->out, RERR_RESTORE_TYPE, type);
        else
            ss_reply_err(ctx->out, RERR_BAD_DATA);
        return;
    }
    if (ttl && !o.absttl)
        ttl += ctx->now_ms;
    int rc;
    if (ttl && ttl <= ctx->now_ms) {
        /* Already expired: only the old key goes, as a DEL. */
        rc = found == SS_FOUND ? ss_key_drop(ctx, ctx->db, k.name, k.len) : SS_OK;
        if (rc == SS_OK && found == SS_FOUND) {
            ss_exec_modified(ctx, k.name, k.len);
            ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", k.name, k.len);
        }
    } else {
        rc = ss_str_store(ctx, ctx->db, k.name, k.len, val, vlen, (uint64_t)ttl);
        if (rc == SS_OK) {
            ss_exec_modified(ctx, k.name, k.len);
            ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "restore", k.name, k.len);
        }
    }
    free(val);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_shared(ctx->out, RESP_SH_OK);
}

const ss_command ss_cmds_dump[] = {
    SS_READ("dump", 2, 0, ACL_KEYSPACE, dumpExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("restore", -4, CMD_DENYOOM, ACL_KEYSPACE | ACL_DANGEROUS, restoreExec, .keys = {KEY(1, KS_OW | KS_UPDATE)}),
};
SS_COUNT(ss_cmds_dump);
