/* Helpers shared by the keyspace command families: the typed key lookup, collection versions, arguments. */
#include "commands/keyhelpers.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

uint64_t ss_exec_rand(ss_exec_ctx *ctx)
{
    uint64_t z = (ctx->rng += 0x9E3779B97F4A7C15ull);   /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void ss_exec_fail(ss_exec_ctx *ctx, int rc)
{
    if (ctx->status == SS_OK)
        ctx->status = rc;
    ss_reply_err(ctx->out, RERR_INTERNAL, ss_strerror(rc));
}

/* Apply found the record of an expired key: it goes now, with the events
 * Redis's deleteExpiredKeyAndPropagate raises. */
static int expire_now(ss_exec_ctx *ctx, int db, const char *name, size_t len)
{
    int rc = ss_key_drop(ctx, db, name, len);
    if (rc != SS_OK)
        return rc;
    ctx->node->stats.expired_keys++;
    ss_exec_notify_db(ctx, db, SS_NOTIFY_EXPIRED, "expired", name, len);
    ss_exec_modified_db(ctx, db, name, len);
    return SS_OK;
}

ss_lookup ss_key_open_ex(ss_exec_ctx *ctx, int db, const char *name, size_t len, ss_type type, int flags,
                         ss_key *k)
{
    k->name = name;
    k->len = len;
    k->db = db;
    k->value = (ss_slice){NULL, 0};
    memset(&k->meta, 0, sizeof k->meta); /* a missing key: SS_TYPE_NONE */
    int rc;
    if (ctx->is_apply) {
        rc = ss_ks_lookup_any(ctx->txn, db, name, len, &k->meta, &k->value);
        if (rc == SS_OK && k->meta.expire_ms != 0 && k->meta.expire_ms <= (uint64_t)ctx->now_ms) {
            k->value = (ss_slice){NULL, 0};
            rc = expire_now(ctx, db, name, len);
            if (rc == SS_OK)
                rc = SS_ENOTFOUND;
        }
    } else {
        rc = ss_ks_lookup(ctx->txn, db, name, len, (uint64_t)ctx->now_ms, &k->meta, &k->value);
    }
    if (rc != SS_OK && rc != SS_ENOTFOUND) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    if (!ctx->is_apply) {
        if (rc == SS_OK) {
            ctx->node->stats.keyspace_hits++;
        } else {
            ctx->node->stats.keyspace_misses++;
            ss_exec_notify_db(ctx, db, SS_NOTIFY_KEY_MISS, "keymiss", name, len);
        }
    }
    if (rc == SS_ENOTFOUND) {
        k->value = (ss_slice){NULL, 0}; /* an expired record's bytes are no value */
        return SS_MISSING;
    }
    if (!(flags & SS_OPEN_NOTOUCH) && ctx->node->access) {
        /* This node's own clock, in apply too: the access table is this
         * node's, never part of the replicated state (access.h). A read's
         * ctx->now_ms is that clock, read once for the whole batch. */
        ss_access_policy p = ss_exec_access_policy(ctx->node);
        int64_t now = ctx->is_apply ? ss_clock_wall_ms() : ctx->now_ms;
        ss_access_touch(ctx->node->access, db, name, len, now, &p);
    }
    if (type != SS_TYPE_NONE && k->meta.type != type) {
        ss_reply_err(ctx->out, RERR_WRONGTYPE);
        return SS_REPLIED;
    }
    if (ss_str_chunked(&k->meta) && !(flags & SS_OPEN_NOVALUE)) {
        ss_strval v = ss_key_str(k);
        rc = ss_ks_str_get(ctx->txn, &v, &k->value);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return SS_REPLIED;
        }
    }
    return SS_FOUND;
}

void ss_key_prefetch(ss_exec_ctx *ctx, const ss_args *a, bool deep)
{
    const ss_command *cmd = ss_command_find(a, NULL);
    if (!cmd || cmd->keys[0].begin != SS_KS_INDEX || cmd->keys[0].index < 1 || cmd->keys[0].index >= a->argc)
        return;
    int i = cmd->keys[0].index;
    ss_ks_prefetch(ctx->txn, ctx->db, a->argv[i], a->argvlen[i], deep);
    if (ctx->node->access)
        ss_access_prefetch(ctx->node->access, ctx->db, a->argv[i], a->argvlen[i], deep);
}

ss_lookup ss_key_open_name(ss_exec_ctx *ctx, int db, const char *name, size_t len, ss_type type, ss_key *k)
{
    return ss_key_open_ex(ctx, db, name, len, type, 0, k);
}

ss_lookup ss_key_open(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_type type, ss_key *k)
{
    return ss_key_open_ex(ctx, ctx->db, a->argv[argi], a->argvlen[argi], type, 0, k);
}

ss_lookup ss_key_open_probe(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_type type, ss_key *k)
{
    return ss_key_open_ex(ctx, ctx->db, a->argv[argi], a->argvlen[argi], type, SS_OPEN_NOVALUE | SS_OPEN_NOTOUCH, k);
}

ss_access_policy ss_exec_access_policy(const ss_node *node)
{
    const ss_config *c = node->cfg;
    return (ss_access_policy){.lfu = SS_MAXMEMORY_IS_LFU(c->maxmemory_policy),
                              .log_factor = c->lfu_log_factor,
                              .decay_time = c->lfu_decay_time,
                              .max = c->access_table_max_keys < 0 ? 0 : (size_t)c->access_table_max_keys};
}

ss_lookup ss_key_open_meta(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_type type, ss_key *k)
{
    return ss_key_open_ex(ctx, ctx->db, a->argv[argi], a->argvlen[argi], type, SS_OPEN_NOVALUE, k);
}

int ss_str_store(ss_exec_ctx *ctx, int db, const char *name, size_t len, const void *val, size_t n,
                 uint64_t expire_ms)
{
    /* A chunked value needs a version new for the key; an inline one any. */
    uint64_t version = n > SS_STR_INLINE_MAX ? ss_exec_new_version(ctx) : ctx->index;
    return ss_ks_str_set(ctx->txn, db, name, len, expire_ms, version, val, n);
}

int ss_str_write(ss_exec_ctx *ctx, ss_key *k, uint64_t off, const void *data, size_t n)
{
    ss_strval v = ss_key_str(k);
    uint64_t len = v.meta.type == SS_TYPE_STRING ? ss_str_len(&v.meta, v.inl) : 0;
    bool to_chunks = !ss_str_chunked(&v.meta) && off + n > SS_STR_INLINE_MAX && off + n > len;
    int rc = ss_ks_str_write(ctx->txn, &v, off, data, n, to_chunks ? ss_exec_new_version(ctx) : ctx->index);
    k->meta = v.meta;
    k->value = v.inl;
    return rc;
}

void ss_key_create(ss_exec_ctx *ctx, ss_type type, ss_key *k)
{
    memset(&k->meta, 0, sizeof k->meta);
    k->meta.type = type;
    k->meta.version = ss_exec_new_version(ctx);
    k->value = (ss_slice){NULL, 0};
}

int ss_key_drop(ss_exec_ctx *ctx, int db, const char *name, size_t len)
{
    int rc = ss_ks_delete(ctx->txn, db, name, len);
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

int ss_key_save(ss_exec_ctx *ctx, const ss_key *k)
{
    if (k->meta.count == 0)
        return ss_key_drop(ctx, k->db, k->name, k->len);
    return ss_ks_set(ctx->txn, k->db, k->name, k->len, &k->meta, NULL, 0);
}

bool ss_key_save_or_reply(ss_exec_ctx *ctx, const ss_key *k)
{
    int rc = ss_key_save(ctx, k);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    return rc == SS_OK;
}

bool ss_key_save_notify(ss_exec_ctx *ctx, const ss_key *k, bool created, int type, const char *event)
{
    if (!ss_key_save_or_reply(ctx, k))
        return false;
    if (created && k->meta.count > 0) {
        ss_exec_new(ctx, k->db, k->name, k->len);
        /* Redis 7.0's dbAdd signals every new key ready; only lists, sorted
         * sets and streams have clients blocked on them. */
        if (k->meta.type != SS_TYPE_STRING && k->meta.type != SS_TYPE_HASH && k->meta.type != SS_TYPE_SET)
            ss_exec_ready_db(ctx, k->db, k->name, k->len);
    }
    ss_exec_modified_db(ctx, k->db, k->name, k->len);
    ss_exec_notify_db(ctx, k->db, type, event, k->name, k->len);
    if (k->meta.count == 0 && !created)
        ss_exec_notify_db(ctx, k->db, SS_NOTIFY_GENERIC, "del", k->name, k->len);
    return true;
}

ss_lookup ss_key_element(ss_exec_ctx *ctx, const ss_key *k, const void *sub, size_t sublen, ss_slice *val)
{
    int rc = ss_ks_sub_get(ctx->txn, k->db, k->name, k->len, k->meta.version, sub, sublen, val);
    if (rc == SS_OK)
        return SS_FOUND;
    if (rc == SS_ENOTFOUND)
        return SS_MISSING;
    ss_exec_fail(ctx, rc);
    return SS_REPLIED;
}

uint64_t ss_exec_new_version(ss_exec_ctx *ctx)
{
    /* An entry holds fewer than 2^20 commands (SS_ENTRY_MAX_ARGS), and each
     * creates at most a few collections. */
    return (ctx->index << 20) + (ctx->versions++ & 0xFFFFF);
}

void ss_reply_help(ss_buf *out, const char *const *lines, size_t n)
{
    resp_add_array_len(out, (long long)n);
    for (size_t i = 0; i < n; i++)
        resp_add_simple(out, lines[i]);
}

bool ss_arg_ll_or_reply(ss_exec_ctx *ctx, const ss_args *a, int i, long long *out)
{
    if (ss_parse_ll(a->argv[i], a->argvlen[i], out))
        return true;
    ss_reply_err(ctx->out, RERR_NOTINT);
    return false;
}

void ss_exec_modified_db(ss_exec_ctx *ctx, int db, const char *key, size_t klen)
{
    if (ctx->events && ctx->events->modified)
        ctx->events->modified(ctx->events->ctx, db, key, klen);
}

void ss_exec_notify_db(ss_exec_ctx *ctx, int db, int type, const char *event, const char *key, size_t klen)
{
    if (ctx->events && ctx->events->notify)
        ctx->events->notify(ctx->events->ctx, db, type, event, key, klen);
}

void ss_exec_modified(ss_exec_ctx *ctx, const char *key, size_t klen)
{
    ss_exec_modified_db(ctx, ctx->db, key, klen);
}

void ss_exec_notify(ss_exec_ctx *ctx, int type, const char *event, const char *key, size_t klen)
{
    ss_exec_notify_db(ctx, ctx->db, type, event, key, klen);
}

bool ss_parse_timeout(const char *s, size_t len, int64_t now_ms, int64_t *deadline_ms, ss_buf *out)
{
    char buf[64];
    char *end;
    if (len == 0 || len >= sizeof buf) {
        if (out)
            resp_add_error(out, "ERR timeout is not a float or out of range");
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    double t = strtod(buf, &end);
    if (*end != '\0' || isnan(t) || isinf(t) || isspace((unsigned char)buf[0])) {
        if (out)
            resp_add_error(out, "ERR timeout is not a float or out of range");
        return false;
    }
    double ms = t * 1000.0;
    /* Redis casts to long long: what overflows comes out negative there */
    if (t < 0 || ms >= 9.2e18) {
        if (out)
            resp_add_error(out, "ERR timeout is negative");
        return false;
    }
    long long tval = (long long)ms;
    if (tval > 0 && tval > INT64_MAX - now_ms) {
        if (out)
            resp_add_error(out, "ERR timeout is out of range");
        return false;
    }
    *deadline_ms = tval > 0 ? now_ms + tval : 0;
    return true;
}

bool ss_mpop_parse(const ss_args *a, int at, const char *w1, const char *w2, long long *numkeys, bool *first,
                   long long *count, ss_buf *out)
{
    if (!ss_parse_ll(a->argv[at], a->argvlen[at], numkeys) || *numkeys < 1) {
        ss_reply_err(out, RERR_NUMKEYS_POSITIVE);
        return false;
    }
    /* numkeys past the arguments leaves no LEFT|RIGHT (and at + 1 + numkeys
     * could overflow): Redis's syntax error */
    long long where = *numkeys >= a->argc ? a->argc : at + 1 + *numkeys;
    if (where >= a->argc) {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    int w = (int)where;
    if (ss_arg_is(a, w, w1)) {
        *first = true;
    } else if (ss_arg_is(a, w, w2)) {
        *first = false;
    } else {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    *count = -1;
    for (int j = w + 1; j < a->argc; j++) {
        if (ss_arg_is(a, j, "count") && j + 1 < a->argc && *count == -1) {
            if (!ss_parse_ll(a->argv[j + 1], a->argvlen[j + 1], count) || *count < 1) {
                resp_add_error(out, "ERR count should be greater than 0");
                return false;
            }
            j++;
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    if (*count == -1)
        *count = 1;
    return true;
}

long long ss_exec_publish(ss_exec_ctx *ctx, const char *ch, size_t chlen, const char *msg, size_t mlen, bool shard)
{
    if (ctx->events && ctx->events->publish)
        return ctx->events->publish(ctx->events->ctx, ch, chlen, msg, mlen, shard);
    return 0;
}

void ss_exec_read_miss(ss_exec_ctx *ctx, const char *key, size_t klen)
{
    ss_exec_notify(ctx, SS_NOTIFY_KEY_MISS, "keymiss", key, klen);
}

void ss_exec_new(ss_exec_ctx *ctx, int db, const char *key, size_t klen)
{
    ss_exec_notify_db(ctx, db, SS_NOTIFY_NEW, "new", key, klen);
}

void ss_exec_changed(ss_exec_ctx *ctx, int type, const char *event, const char *key, size_t klen, bool deleted)
{
    ss_exec_modified(ctx, key, klen);
    ss_exec_notify(ctx, type, event, key, klen);
    if (deleted)
        ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", key, klen);
}

void ss_exec_ready_db(ss_exec_ctx *ctx, int db, const char *key, size_t klen)
{
    if (ctx->events && ctx->events->ready)
        ctx->events->ready(ctx->events->ctx, db, key, klen);
}

void ss_exec_ready(ss_exec_ctx *ctx, const char *key, size_t klen)
{
    ss_exec_ready_db(ctx, ctx->db, key, klen);
}

void ss_exec_flushed(ss_exec_ctx *ctx, int db)
{
    if (ctx->events && ctx->events->flushed)
        ctx->events->flushed(ctx->events->ctx, db);
}

void ss_exec_swapped(ss_exec_ctx *ctx, int db1, int db2)
{
    if (ctx->events && ctx->events->swapped)
        ctx->events->swapped(ctx->events->ctx, db1, db2);
}
