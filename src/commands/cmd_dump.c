/* DUMP and RESTORE in Redis 7.0's RDB value format (commands/rdb.h): strings, lists, sets, hashes and sorted sets. */
#include <stdlib.h>
#include <string.h>

#include "commands/access.h"
#include "commands/cmd_stream.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "commands/migrate.h"
#include "commands/rdb.h"
#include "commands/zset.h"
#include "store/encode.h"

/*
 * A value dumped here restores in redis-server and one dumped by
 * redis-server restores here. Strings are encoded as Redis encodes them
 * (int, raw; LZF read, never written). Collections are written in the
 * plain forms every Redis loads (LIST, SET, HASH, ZSET_2: a count, then
 * each element), converted by Redis to its compact encodings on load; the
 * compact forms Redis 7.0 writes (quicklist of listpacks, intset, hash and
 * zset listpacks) are read here. Streams are refused both ways, with an
 * error that says so. IDLETIME and FREQ are checked as Redis checks them
 * and set the key's entry in each node's access table (restore_access).
 */

#define STRING_MAX ((size_t)RESP_MAX_BULK_LEN_DEFAULT)
/* What one RESTORE may write: its sub-keys must fit the apply batch's txn
 * (the store caps one at 1 GiB, and failing there would stop every
 * replica), as for the set family's *STORE commands. */
#define RESTORE_MAX_MB 256

/* Appends a collection's elements to the payload, as ss_rdb_begin's
 * rdbtype wants them; SS_ECORRUPT if they disagree with the count. */
static int dump_collection(ss_exec_ctx *ctx, const ss_key *k, ss_buf *out)
{
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    uint64_t n = 0;
    if (k->meta.type == SS_TYPE_LIST) {
        /* [head, tail) in order (the layout of cmd_list.c). */
        int64_t head = 0, tail = 0;
        if (k->meta.hdr_len == 16) {
            head = ss_decode_i64(k->meta.hdr);
            tail = ss_decode_i64(k->meta.hdr + 8);
        }
        unsigned char first[8];
        ss_encode_i64(head, first);
        ss_rdb_begin(out, SS_RDB_TYPE_LIST, k->meta.count);
        for (ss_ks_subiter_seek(it, first, 8); ss_ks_subiter_valid(it); ss_ks_subiter_next(it), n++) {
            ss_slice sub = ss_ks_subiter_sub(it);
            if (sub.len != 8 || ss_decode_i64((const unsigned char *)sub.data) >= tail)
                break;
            ss_slice v = ss_ks_subiter_value(it);
            ss_rdb_put_string(out, v.data, v.len);
        }
    } else if (k->meta.type == SS_TYPE_ZSET) {
        /* The 's' space (zset.h): 's' score(8) member, in score order. */
        ss_rdb_begin(out, SS_RDB_TYPE_ZSET_2, k->meta.count);
        for (ss_ks_subiter_seek(it, "s", 1); ss_ks_subiter_valid(it); ss_ks_subiter_next(it), n++) {
            ss_slice sub = ss_ks_subiter_sub(it);
            if (sub.len < 9 || sub.data[0] != 's')
                break;
            ss_rdb_put_string(out, sub.data + 9, sub.len - 9);
            ss_rdb_put_double(out, ss_decode_double((const unsigned char *)sub.data + 1));
        }
    } else {
        /* Hash: field -> value; set: member -> "". */
        bool hash = k->meta.type == SS_TYPE_HASH;
        ss_rdb_begin(out, hash ? SS_RDB_TYPE_HASH : SS_RDB_TYPE_SET, k->meta.count);
        for (ss_ks_subiter_seek_first(it); ss_ks_subiter_valid(it); ss_ks_subiter_next(it), n++) {
            ss_slice sub = ss_ks_subiter_sub(it);
            ss_rdb_put_string(out, sub.data, sub.len);
            if (hash) {
                ss_slice v = ss_ks_subiter_value(it);
                ss_rdb_put_string(out, v.data, v.len);
            }
        }
    }
    ss_ks_subiter_free(it);
    return n == k->meta.count ? SS_OK : SS_ECORRUPT;
}

static void dumpExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    if (found != SS_FOUND)
        return;
    ss_buf payload;
    ss_buf_init(&payload, 0);
    int rc = SS_OK;
    if (k.meta.type == SS_TYPE_STREAM) {
        rc = stream_dump(ctx, a, 1, &payload);
    } else if (k.meta.type == SS_TYPE_STRING) {
        ss_rdb_dump_string(&payload, k.value.data, k.value.len);
    } else if ((rc = dump_collection(ctx, &k, &payload)) == SS_OK) {
        ss_rdb_finish(&payload, 0);
    }
    if (rc == SS_OK && ss_buf_error(&payload))
        rc = SS_ENOMEM;
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
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

/* Writes a decoded collection as k (opened, no longer present): its
 * elements under a fresh version, then its metadata. The loader made sure
 * it is non-empty and its members distinct. */
static int restore_collection(ss_exec_ctx *ctx, ss_key *k, const ss_rdb_value *v, uint64_t expire_ms)
{
    ss_key_create(ctx, (ss_type)v->type, k);
    k->meta.expire_ms = expire_ms;
    int rc = SS_OK;
    const ss_strvec *it = &v->items;
    if (v->type == SS_TYPE_ZSET) {
        for (size_t i = 0; i < it->n && rc == SS_OK; i++) {
            ss_slice m = ss_strvec_at(it, i);
            double score = v->scores[i] == 0 ? 0.0 : v->scores[i]; /* -0 folded, as zset.h keeps them */
            rc = zset_score_put(ctx, k, m.data, m.len, false, 0, score);
        }
        return rc == SS_OK ? ss_key_save(ctx, k) : rc;
    }
    size_t step = v->type == SS_TYPE_HASH ? 2 : 1;
    for (size_t i = 0; i < it->n && rc == SS_OK; i += step) {
        ss_slice sub = ss_strvec_at(it, i), val = {"", 0};
        unsigned char seq[8];
        if (v->type == SS_TYPE_LIST) {
            /* Elements at [0, n): the list layout of cmd_list.c. */
            val = sub;
            ss_encode_i64((int64_t)i, seq);
            sub = (ss_slice){(const char *)seq, 8};
        } else if (step == 2) {
            val = ss_strvec_at(it, i + 1);
        }
        rc = ss_ks_sub_put(ctx->txn, k->db, k->name, k->len, k->meta.version, sub.data, sub.len, val.data, val.len);
        k->meta.count++;
    }
    if (v->type == SS_TYPE_LIST) {
        k->meta.hdr_len = 16;
        ss_encode_i64(0, k->meta.hdr);
        ss_encode_i64((int64_t)k->meta.count, k->meta.hdr + 8);
    }
    return rc == SS_OK ? ss_key_save(ctx, k) : rc;
}

/* The restored key is a new object (Redis's dbAdd): its old access entry
 * goes; then IDLETIME (under a non-LFU policy) or FREQ (under an LFU one)
 * set it as Redis's objectSetLRUOrLFU does, the other one ignored. The
 * access time counts back from the entry's time, so every node records
 * the same one; the end-of-entry write (engine/events.c) leaves it. */
static void restore_access(ss_exec_ctx *ctx, const ss_key *k, const restore_opts *o)
{
    ss_access *t = ctx->node->access;
    if (!t)
        return;
    ss_access_forget(t, k->db, k->name, k->len);
    ss_access_policy p = ss_exec_access_policy(ctx->node);
    if (p.lfu && o->freq >= 0) {
        ss_access_set(t, k->db, k->name, k->len, ctx->now_ms, (int)o->freq, ctx->now_ms, ctx->index, &p);
    } else if (!p.lfu && o->idle >= 0) {
        int64_t at = o->idle > ctx->now_ms / 1000 ? 0 : ctx->now_ms - o->idle * 1000;
        ss_access_set(t, k->db, k->name, k->len, at, -1, ctx->now_ms, ctx->index, &p);
    }
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
    ss_rdb_value v;
    ss_rdb_status st = ss_rdb_load_value(a->argv[3], a->argvlen[3], STRING_MAX, (size_t)RESTORE_MAX_MB << 20, &v);
    if (st != SS_RDB_OK) {
        if (st == SS_RDB_UNSUPPORTED && v.rdbtype >= 0)
            ss_reply_err(ctx->out, RERR_RESTORE_TYPE, v.rdbtype);
        else if (st == SS_RDB_TOOBIG)
            ss_reply_err(ctx->out, RERR_RESTORE_TOOBIG, RESTORE_MAX_MB);
        else if (st == SS_RDB_NOMEM)
            ss_exec_fail(ctx, SS_ENOMEM);
        else
            ss_reply_err(ctx->out, RERR_BAD_DATA);
        ss_rdb_value_release(&v);
        return;
    }
    if (ttl && !o.absttl)
        ttl += ctx->now_ms;
    int rc;
    bool expired = ttl && ttl <= ctx->now_ms;
    if (found == SS_FOUND && (expired || v.type != SS_TYPE_STRING))
        rc = ss_key_drop(ctx, ctx->db, k.name, k.len);
    else
        rc = SS_OK;
    if (rc == SS_OK && expired) {
        /* Already expired: only the old key goes, as a DEL. */
        if (found == SS_FOUND) {
            ss_exec_modified(ctx, k.name, k.len);
            ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", k.name, k.len);
        }
    } else if (rc == SS_OK) {
        if (v.type == SS_TYPE_STRING)
            rc = ss_str_store(ctx, ctx->db, k.name, k.len, v.str, v.len, (uint64_t)ttl);
        else if (v.type == SS_TYPE_STREAM)
            rc = stream_restore(ctx, &k, &v, (uint64_t)ttl);
        else
            rc = restore_collection(ctx, &k, &v, (uint64_t)ttl);
        if (rc == SS_OK) {
            restore_access(ctx, &k, &o);
            ss_exec_modified(ctx, k.name, k.len);
            ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "restore", k.name, k.len);
        }
    }
    ss_rdb_value_release(&v);
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

/* For MIGRATE's read half (cmd_migrate.c). */
void ss_dump_exec(ss_exec_ctx *ctx, const ss_args *a) { dumpExec(ctx, a); }
