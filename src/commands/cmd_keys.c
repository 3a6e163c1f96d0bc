/* Generic key commands: DEL EXISTS TYPE KEYS SCAN RANDOMKEY RENAME COPY MOVE, expiry and TTLs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/strutil.h"

/* ------------------------------------------------------------- helpers */

/* A copy must fit in the apply batch's txn (the store caps one at 1 GiB, and
 * failing there would stop every replica): bigger collections are refused. */
#define COPY_MAX_MB 256
#define COPY_MAX_BYTES ((uint64_t)COPY_MAX_MB << 20)
#define SUBKEY_OVERHEAD 32 /* the store's prefix around (key, version, sub) */

/* Whether a collection's elements, copied under a key of dklen bytes, stay
 * under COPY_MAX_BYTES. Reads the whole collection once (deterministic: the
 * answer depends only on the state). */
static int copy_fits(ss_exec_ctx *ctx, const ss_key *src, size_t dklen, bool *fits)
{
    *fits = true;
    if (src->meta.type == SS_TYPE_STRING && !ss_str_chunked(&src->meta))
        return SS_OK;
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, src->db, src->name, src->len, src->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    uint64_t bytes = 0;
    for (ss_ks_subiter_seek_first(it); ss_ks_subiter_valid(it) && bytes <= COPY_MAX_BYTES;
         ss_ks_subiter_next(it))
        bytes += dklen + SUBKEY_OVERHEAD + ss_ks_subiter_sub(it).len + ss_ks_subiter_value(it).len;
    ss_ks_subiter_free(it);
    *fits = bytes <= COPY_MAX_BYTES;
    return SS_OK;
}

/* Replies an error and returns false unless the key may be copied. */
static bool copy_allowed(ss_exec_ctx *ctx, const ss_key *src, size_t dklen)
{
    bool fits;
    int rc = copy_fits(ctx, src, dklen, &fits);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (!fits)
        ss_reply_err(ctx->out, RERR_COPY_TOOBIG, COPY_MAX_MB);
    return rc == SS_OK && fits;
}

/*
 * Writes a copy of the opened key src as dst (a name in any db), expiry
 * included, after dropping whatever dst held. A collection's sub-keys live
 * under (db, key, version), so they are copied one by one under a new
 * version: O(N) in the collection's size (Redis' RENAME/MOVE are O(1)).
 */
static int copy_key(ss_exec_ctx *ctx, const ss_key *src, const ss_key *dst)
{
    int ddb = dst->db;
    const char *dkey = dst->name;
    size_t dklen = dst->len;
    int rc = ss_key_drop(ctx, ddb, dkey, dklen);
    if (rc != SS_OK)
        return rc;
    ss_keymeta nm = src->meta;
    if (src->meta.type == SS_TYPE_STRING) {
        ss_strval v = ss_key_str(src);
        uint64_t version = ss_str_chunked(&src->meta) ? ss_exec_new_version(ctx) : ctx->index;
        return ss_ks_str_copy(ctx->txn, &v, ddb, dkey, dklen, src->meta.expire_ms, version);
    }
    nm.version = ss_exec_new_version(ctx);
    ss_ks_subiter *it;
    rc = ss_ks_subiter_new(ctx->txn, src->db, src->name, src->len, src->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    for (ss_ks_subiter_seek_first(it); rc == SS_OK && ss_ks_subiter_valid(it);
         ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it), val = ss_ks_subiter_value(it);
        rc = ss_ks_sub_put(ctx->txn, ddb, dkey, dklen, nm.version, sub.data, sub.len, val.data,
                           val.len);
    }
    ss_ks_subiter_free(it);
    return rc == SS_OK ? ss_ks_set(ctx->txn, ddb, dkey, dklen, &nm, NULL, 0) : rc;
}

static const char *type_name(ss_type t)
{
    switch (t) {
    case SS_TYPE_STRING: return "string";
    case SS_TYPE_HASH: return "hash";
    case SS_TYPE_LIST: return "list";
    case SS_TYPE_SET: return "set";
    case SS_TYPE_ZSET: return "zset";
    case SS_TYPE_STREAM: return "stream";
    default: return "none";
    }
}

static int databases(ss_exec_ctx *ctx)
{
    int n = ctx->node->cfg->databases;
    return n > 0 && n <= SS_KS_DBS ? n : SS_KS_DBS;
}

/* ------------------------------------------------ DEL EXISTS TYPE TOUCH */

static void delExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long n = 0;
    for (int i = 1; i < a->argc; i++) {
        ss_key k;
        ss_lookup found = ss_key_open_meta(ctx, a, i, SS_TYPE_NONE, &k);
        if (found == SS_REPLIED)
            return;
        /* An expired leftover is removed too but does not count, as in
         * Redis, where the lookup expires it first. */
        int rc = ss_key_drop(ctx, k.db, k.name, k.len);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        if (found == SS_FOUND) {
            ss_exec_changed(ctx, SS_NOTIFY_GENERIC, "del", k.name, k.len, false);
            n++;
        }
    }
    resp_add_int(ctx->out, n);
}

/* EXISTS and TOUCH: how many of the keys exist (a key named twice counts
 * twice). TOUCH records the access (Redis's lookupKeyRead), EXISTS does not
 * (LOOKUP_NOTOUCH). A read either way: neither goes through the log. */
static void count_existing(ss_exec_ctx *ctx, const ss_args *a, bool touch)
{
    long long n = 0;
    for (int i = 1; i < a->argc; i++) {
        ss_key k;
        ss_lookup found = touch ? ss_key_open_meta(ctx, a, i, SS_TYPE_NONE, &k)
                                : ss_key_open_probe(ctx, a, i, SS_TYPE_NONE, &k);
        if (found == SS_REPLIED)
            return;
        n += found == SS_FOUND;
    }
    resp_add_int(ctx->out, n);
}

static void existsExec(ss_exec_ctx *ctx, const ss_args *a) { count_existing(ctx, a, false); }
static void touchExec(ss_exec_ctx *ctx, const ss_args *a) { count_existing(ctx, a, true); }

static void typeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open_probe(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found != SS_REPLIED)
        resp_add_simple(ctx->out, found == SS_FOUND ? type_name(k.meta.type) : "none");
}

/* ------------------------------------------------------ KEYS SCAN */

/* The bytes every match of a glob must start with (up to the first special). */
static size_t literal_prefix(const char *pat, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (pat[i] == '*' || pat[i] == '?' || pat[i] == '[' || pat[i] == '\\')
            return i;
    return len;
}

static bool has_prefix(ss_slice k, const char *p, size_t plen)
{
    return plen == 0 || (k.len >= plen && memcmp(k.data, p, plen) == 0);
}

/* Byte order of two strings, a proper prefix first (the keyspace's order). */
static int bytes_cmp(const char *x, size_t xlen, const char *y, size_t ylen)
{
    size_t n = xlen < ylen ? xlen : ylen;
    int c = n ? memcmp(x, y, n) : 0;
    return c != 0 ? c : (xlen > ylen) - (xlen < ylen);
}

/* Appends the array of keys gathered in `items` (n bulk strings) to out. */
static void add_gathered(ss_buf *out, ss_buf *items, long long n)
{
    resp_add_array_len(out, n);
    resp_add_raw(out, ss_buf_data(items), ss_buf_len(items));
}

static void keysExec(ss_exec_ctx *ctx, const ss_args *a)
{
    const char *pat = a->argv[1];
    size_t plen = a->argvlen[1], pre = literal_prefix(pat, plen);
    bool all = plen == 1 && pat[0] == '*';
    ss_ks_keyiter *it;
    int rc = ss_ks_keyiter_new(ctx->txn, ctx->db, (uint64_t)ctx->now_ms, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    ss_buf items;
    ss_buf_init(&items, 0);
    long long n = 0;
    /* A literal prefix narrows the walk to the keys that start with it. */
    for (ss_ks_keyiter_seek(it, pat, pre); ss_ks_keyiter_valid(it); ss_ks_keyiter_next(it)) {
        ss_slice k = ss_ks_keyiter_key(it);
        if (!has_prefix(k, pat, pre))
            break;
        if (all || ss_stringmatch(pat, plen, k.data, k.len, false)) {
            resp_add_bulk(&items, k.data, k.len);
            n++;
        }
    }
    ss_ks_keyiter_free(it);
    add_gathered(ctx->out, &items, n);
    ss_buf_release(&items);
}

/*
 * A SCAN cursor names the last key examined: "1" followed by each byte of
 * the key as three decimal digits. It stays a decimal number (clients such
 * as redis-py parse cursors as integers) and is never "0", which means
 * "start" and "done". The next call resumes after that key, so every key
 * present throughout the scan is returned exactly once.
 */
static void cursor_encode(ss_buf *out, ss_slice key)
{
    ss_buf_append(out, "1", 1);
    for (size_t i = 0; i < key.len; i++)
        ss_buf_appendf(out, "%03u", (unsigned)(unsigned char)key.data[i]);
}

/* Decodes a cursor into a malloc'd key (*key NULL for "0"). */
static bool cursor_decode(const char *s, size_t len, char **key, size_t *klen)
{
    *key = NULL;
    *klen = 0;
    if (len == 1 && s[0] == '0')
        return true;
    if (len == 0 || s[0] != '1' || (len - 1) % 3 != 0)
        return false;
    size_t n = (len - 1) / 3;
    char *k = malloc(n ? n : 1);
    if (!k)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *d = s + 1 + 3 * i;
        unsigned v = 0;
        for (int j = 0; j < 3; j++) {
            if (d[j] < '0' || d[j] > '9')
                goto bad;
            v = v * 10 + (unsigned)(d[j] - '0');
        }
        if (v > 255)
            goto bad;
        k[i] = (char)v;
    }
    *key = k;
    *klen = n;
    return true;
bad:
    free(k);
    return false;
}

typedef struct scan_opts {
    long long count;
    const char *pat, *type;
    size_t plen, tlen;
} scan_opts;

/* SCAN's options as Redis 7.0 reads them; replies and returns false on error. */
static bool parse_scan(ss_exec_ctx *ctx, const ss_args *a, scan_opts *o)
{
    *o = (scan_opts){.count = 10};
    for (int i = 2; i < a->argc; i += 2) {
        bool has_next = i + 1 < a->argc;
        if (has_next && ss_arg_is(a, i, "count")) {
            if (!ss_arg_ll_or_reply(ctx, a, i + 1, &o->count))
                return false;
            if (o->count < 1) {
                ss_reply_err(ctx->out, RERR_SYNTAX);
                return false;
            }
        } else if (has_next && ss_arg_is(a, i, "match")) {
            o->pat = a->argv[i + 1];
            o->plen = a->argvlen[i + 1];
            if (o->plen == 1 && o->pat[0] == '*')
                o->pat = NULL;
        } else if (has_next && ss_arg_is(a, i, "type")) {
            o->type = a->argv[i + 1];
            o->tlen = a->argvlen[i + 1];
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Whether the iterator's current key passes SCAN's MATCH and TYPE filters. */
static bool scan_keep(const ss_ks_keyiter *it, ss_slice k, const scan_opts *o)
{
    if (o->pat && !ss_stringmatch(o->pat, o->plen, k.data, k.len, false))
        return false;
    if (o->type) {
        ss_keymeta m;
        if (ss_ks_keyiter_meta(it, &m, NULL) != SS_OK)
            return false;
        const char *name = type_name(m.type);
        return strlen(name) == o->tlen && strncasecmp(name, o->type, o->tlen) == 0;
    }
    return true;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: examines up to
 * COUNT keys after the cursor's key and returns those that pass the filters. */
static void scanExec(ss_exec_ctx *ctx, const ss_args *a)
{
    char *after;
    size_t alen;
    if (!cursor_decode(a->argv[1], a->argvlen[1], &after, &alen)) {
        ss_reply_err(ctx->out, RERR_INVALID_CURSOR);
        return;
    }
    scan_opts o;
    ss_ks_keyiter *it = NULL;
    int rc = SS_OK;
    if (!parse_scan(ctx, a, &o) ||
        (rc = ss_ks_keyiter_new(ctx->txn, ctx->db, (uint64_t)ctx->now_ms, &it)) != SS_OK) {
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        free(after);
        return;
    }
    size_t pre = o.pat ? literal_prefix(o.pat, o.plen) : 0;
    /* Start after the cursor's key, but not before the pattern's prefix. */
    if (after && bytes_cmp(after, alen, o.pat, pre) >= 0)
        ss_ks_keyiter_seek_after(it, after, alen);
    else
        ss_ks_keyiter_seek(it, pre ? o.pat : "", pre);
    free(after);
    ss_buf items, cursor;
    ss_buf_init(&items, 0);
    ss_buf_init(&cursor, 0);
    long long n = 0, examined = 0;
    for (; ss_ks_keyiter_valid(it); ss_ks_keyiter_next(it)) {
        ss_slice k = ss_ks_keyiter_key(it);
        if (!has_prefix(k, o.pat, pre))
            break;
        if (scan_keep(it, k, &o)) {
            resp_add_bulk(&items, k.data, k.len);
            n++;
        }
        if (++examined == o.count) {
            cursor_encode(&cursor, k);
            ss_ks_keyiter_next(it);
            if (!ss_ks_keyiter_valid(it) || !has_prefix(ss_ks_keyiter_key(it), o.pat, pre))
                ss_buf_reset(&cursor); /* nothing left: say so now */
            break;
        }
    }
    ss_ks_keyiter_free(it);
    resp_add_array_len(ctx->out, 2);
    if (ss_buf_len(&cursor))
        resp_add_bulk(ctx->out, ss_buf_data(&cursor), ss_buf_len(&cursor));
    else
        resp_add_bulk(ctx->out, "0", 1);
    add_gathered(ctx->out, &items, n);
    ss_buf_release(&items);
    ss_buf_release(&cursor);
}

/* RANDOMKEY: chosen with the PRNG (seeded locally, as RANDOMKEY is a read). */
static void randomkeyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    (void)a;
    uint64_t rnd = ss_exec_rand(ctx);
    char small[256], *buf = small;
    size_t klen;
    int rc = ss_ks_random_key(ctx->txn, ctx->db, (uint64_t)ctx->now_ms, rnd, buf, sizeof small, &klen);
    if (rc == SS_ETOOBIG) {
        buf = malloc(klen);
        rc = buf ? ss_ks_random_key(ctx->txn, ctx->db, (uint64_t)ctx->now_ms, rnd, buf, klen, &klen)
                 : SS_ENOMEM;
    }
    if (rc == SS_OK)
        resp_add_bulk(ctx->out, buf, klen);
    else if (rc == SS_ENOTFOUND)
        resp_add_null_bulk(ctx->out, ctx->proto);
    else
        ss_exec_fail(ctx, rc);
    if (buf != small)
        free(buf);
}

/* ------------------------------------------------ RENAME COPY MOVE */

/* RENAME and MOVE hand Redis's object over, its LRU/LFU field included:
 * the key's access entry follows it (COPY makes a new object: none). */
static void moved_access(ss_exec_ctx *ctx, const ss_key *src, const ss_key *dst)
{
    if (!ctx->node->access)
        return;
    ss_access_policy p = ss_exec_access_policy(ctx->node);
    ss_access_move(ctx->node->access, src->db, src->name, src->len, dst->db, dst->name, dst->len, &p);
}

/* RENAME key newkey / RENAMENX key newkey. The new key keeps the expiry. */
static void renameExec(ss_exec_ctx *ctx, const ss_args *a)
{
    bool nx = a->argvlen[0] == 8; /* "renamenx" */
    ss_key src, dst;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &src);
    if (found == SS_MISSING)
        ss_reply_err(ctx->out, RERR_NOKEY);
    if (found != SS_FOUND)
        return;
    if (a->argvlen[1] == a->argvlen[2] && memcmp(a->argv[1], a->argv[2], a->argvlen[1]) == 0) {
        resp_add_shared(ctx->out, nx ? RESP_SH_CZERO : RESP_SH_OK);
        return;
    }
    found = ss_key_open_meta(ctx, a, 2, SS_TYPE_NONE, &dst);
    if (found == SS_FOUND && nx)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if ((found == SS_FOUND && nx) || found == SS_REPLIED || !copy_allowed(ctx, &src, dst.len))
        return;
    int rc;
    if ((rc = copy_key(ctx, &src, &dst)) != SS_OK ||
        (rc = ss_key_drop(ctx, src.db, src.name, src.len)) != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    moved_access(ctx, &src, &dst);
    /* Redis deletes the old destination and dbAdds the new one: "new"
     * whether or not one was there. */
    ss_exec_new(ctx, ctx->db, dst.name, dst.len);
    ss_exec_modified(ctx, src.name, src.len);
    ss_exec_modified(ctx, dst.name, dst.len);
    ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "rename_from", src.name, src.len);
    ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "rename_to", dst.name, dst.len);
    resp_add_shared(ctx->out, nx ? RESP_SH_CONE : RESP_SH_OK);
}

/* Parses a db number like Redis' selectDb: NOTINT for a non-integer (or,
 * with int_only, one beyond int), DB_INDEX when out of range. */
static bool parse_db(ss_buf *out, const ss_args *a, int i, int ndbs, bool int_only, int *db)
{
    long long v;
    if (!ss_parse_ll(a->argv[i], a->argvlen[i], &v) || (int_only && (v < INT_MIN || v > INT_MAX))) {
        ss_reply_err(out, RERR_NOTINT);
        return false;
    }
    if (v < 0 || v >= ndbs) {
        ss_reply_err(out, RERR_DB_INDEX);
        return false;
    }
    *db = (int)v;
    return true;
}

/* COPY source destination [DB destination-db] [REPLACE]: the options. */
static bool parse_copy(ss_buf *out, const ss_args *a, int ndbs, int *db, bool *replace)
{
    *replace = false;
    for (int i = 3; i < a->argc; i++) {
        if (ss_arg_is(a, i, "replace")) {
            *replace = true;
        } else if (ss_arg_is(a, i, "db") && i + 1 < a->argc) {
            if (!parse_db(out, a, ++i, ndbs, false, db))
                return false;
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static bool copyPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    int db = 0;
    bool replace;
    (void)s;
    return parse_copy(out, a, SS_KS_DBS, &db, &replace);
}

static void copyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    int db = ctx->db;
    bool replace;
    if (!parse_copy(ctx->out, a, databases(ctx), &db, &replace))
        return;
    if (db == ctx->db && a->argvlen[1] == a->argvlen[2] &&
        memcmp(a->argv[1], a->argv[2], a->argvlen[1]) == 0) {
        ss_reply_err(ctx->out, RERR_SAMEOBJ);
        return;
    }
    ss_key src, dst;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &src);
    if (found == SS_MISSING) {
        ss_exec_read_miss(ctx, src.name, src.len);
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    }
    if (found != SS_FOUND)
        return;
    found = ss_key_open_ex(ctx, db, a->argv[2], a->argvlen[2], SS_TYPE_NONE, SS_OPEN_NOVALUE, &dst);
    if (found == SS_FOUND && !replace)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if ((found == SS_FOUND && !replace) || found == SS_REPLIED || !copy_allowed(ctx, &src, dst.len))
        return;
    int rc = copy_key(ctx, &src, &dst);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    ss_exec_new(ctx, db, dst.name, dst.len);
    ss_exec_modified_db(ctx, db, dst.name, dst.len);
    ss_exec_notify_db(ctx, db, SS_NOTIFY_GENERIC, "copy_to", dst.name, dst.len);
    resp_add_shared(ctx->out, RESP_SH_CONE);
}

static bool movePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    int db;
    (void)s;
    return parse_db(out, a, 2, SS_KS_DBS, true, &db);
}

/* MOVE key db: only when the key exists here and not there. */
static void moveExec(ss_exec_ctx *ctx, const ss_args *a)
{
    int db;
    if (!parse_db(ctx->out, a, 2, databases(ctx), true, &db))
        return;
    if (db == ctx->db) {
        ss_reply_err(ctx->out, RERR_SAMEOBJ);
        return;
    }
    ss_key src, dst;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &src);
    if (found == SS_FOUND) {
        /* Only when the key is not there already. */
        ss_lookup there = ss_key_open_ex(ctx, db, a->argv[1], a->argvlen[1], SS_TYPE_NONE, SS_OPEN_NOVALUE, &dst);
        found = there == SS_FOUND ? SS_MISSING : there == SS_MISSING ? SS_FOUND : SS_REPLIED;
    }
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if (found != SS_FOUND || !copy_allowed(ctx, &src, dst.len))
        return;
    int rc;
    if ((rc = copy_key(ctx, &src, &dst)) != SS_OK ||
        (rc = ss_key_drop(ctx, src.db, src.name, src.len)) != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    moved_access(ctx, &src, &dst);
    ss_exec_new(ctx, db, dst.name, dst.len);
    ss_exec_modified(ctx, src.name, src.len);
    ss_exec_modified_db(ctx, db, dst.name, dst.len);
    ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "move_from", src.name, src.len);
    ss_exec_notify_db(ctx, db, SS_NOTIFY_GENERIC, "move_to", dst.name, dst.len);
    resp_add_shared(ctx->out, RESP_SH_CONE);
}

/* ------------------------------------------------------------ expiry */

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

static const char *expire_name(const ss_args *a, bool *ms, bool *at)
{
    *ms = a->argv[0][0] == 'p' || a->argv[0][0] == 'P';
    *at = a->argvlen[0] > 2 && strncasecmp(a->argv[0] + a->argvlen[0] - 2, "at", 2) == 0;
    return *ms ? (*at ? "pexpireat" : "pexpire") : (*at ? "expireat" : "expire");
}

/*
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]: the flags
 * and the absolute time in ms at `now`, with Redis 7's errors in its order
 * (options, then the number, then overflow). Replies and returns false on error.
 */
static bool parse_expire(ss_buf *out, const ss_args *a, long long now, int *flags, long long *when)
{
    bool ms, at;
    const char *name = expire_name(a, &ms, &at);
    *flags = 0;
    for (int i = 3; i < a->argc; i++) {
        int f = ss_arg_is(a, i, "nx") ? EXP_NX : ss_arg_is(a, i, "xx") ? EXP_XX
              : ss_arg_is(a, i, "gt") ? EXP_GT : ss_arg_is(a, i, "lt") ? EXP_LT : 0;
        if (!f) {
            ss_reply_err(out, RERR_UNSUPPORTED_OPT, a->argv[i]);
            return false;
        }
        *flags |= f;
    }
    if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
        ss_reply_err(out, RERR_EXPIRE_NX_OPTS);
        return false;
    }
    if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
        ss_reply_err(out, RERR_EXPIRE_GT_LT);
        return false;
    }
    long long v, base = at ? 0 : now;
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &v)) {
        ss_reply_err(out, RERR_NOTINT);
        return false;
    }
    if (!ms && (v > LLONG_MAX / 1000 || v < LLONG_MIN / 1000)) {
        ss_reply_err(out, RERR_INVALID_EXPIRE, name);
        return false;
    }
    if (!ms)
        v *= 1000;
    if (v > LLONG_MAX - base) {
        ss_reply_err(out, RERR_INVALID_EXPIRE, name);
        return false;
    }
    *when = v + base;
    return true;
}

static bool expirePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    int flags;
    long long when;
    (void)s;
    return parse_expire(out, a, ss_clock_wall_ms(), &flags, &when);
}

static void expireExec(ss_exec_ctx *ctx, const ss_args *a)
{
    int flags;
    long long when;
    if (!parse_expire(ctx->out, a, ctx->now_ms, &flags, &when))
        return;
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if (found != SS_FOUND)
        return;
    long long cur = k.meta.expire_ms ? (long long)k.meta.expire_ms : -1;
    /* No expiry counts as an infinite one for GT and LT. */
    if (((flags & EXP_NX) && cur != -1) || ((flags & EXP_XX) && cur == -1) ||
        ((flags & EXP_GT) && (cur == -1 || when <= cur)) ||
        ((flags & EXP_LT) && cur != -1 && when >= cur)) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    int rc;
    bool gone = when <= ctx->now_ms;
    if (gone)
        rc = ss_key_drop(ctx, k.db, k.name, k.len);
    else
        rc = ss_ks_set_expire(ctx->txn, k.db, k.name, k.len, (uint64_t)when);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    /* A time already past deletes the key: "del", as Redis's
     * checkAlreadyExpired branch says. */
    ss_exec_changed(ctx, SS_NOTIFY_GENERIC, gone ? "del" : "expire", k.name, k.len, false);
    resp_add_shared(ctx->out, RESP_SH_CONE);
}

/* TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 for none. */
static void ttlExec(ss_exec_ctx *ctx, const ss_args *a)
{
    bool ms = a->argv[0][0] == 'p' || a->argv[0][0] == 'P';
    bool abs = a->argvlen[0] > 4; /* (p)expiretime */
    ss_key k;
    ss_lookup found = ss_key_open_probe(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_CMINUSTWO);
    if (found != SS_FOUND)
        return;
    if (k.meta.expire_ms == 0) {
        resp_add_shared(ctx->out, RESP_SH_CMINUSONE);
        return;
    }
    long long t = abs ? (long long)k.meta.expire_ms : (long long)k.meta.expire_ms - ctx->now_ms;
    if (t < 0)
        t = 0;
    resp_add_int(ctx->out, ms ? t : (t + 500) / 1000);
}

static void persistExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_MISSING || (found == SS_FOUND && k.meta.expire_ms == 0))
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if (found != SS_FOUND || k.meta.expire_ms == 0)
        return;
    int rc = ss_ks_set_expire(ctx->txn, k.db, k.name, k.len, 0);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    ss_exec_changed(ctx, SS_NOTIFY_GENERIC, "persist", k.name, k.len, false);
    resp_add_shared(ctx->out, RESP_SH_CONE);
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
            rc = ss_key_drop(ctx, (int)db, a->argv[i + 1], a->argvlen[i + 1]);
            if (rc != SS_OK) {
                ss_exec_fail(ctx, rc);
                return;
            }
            /* Redis's deleteExpiredKeyAndPropagate: the event, then the
             * change WATCH sees. */
            ss_exec_notify_db(ctx, (int)db, SS_NOTIFY_EXPIRED, "expired", a->argv[i + 1], a->argvlen[i + 1]);
            ss_exec_modified_db(ctx, (int)db, a->argv[i + 1], a->argvlen[i + 1]);
            n++;
        }
    }
    ctx->node->stats.expired_keys += (uint64_t)n;
    resp_add_int(ctx->out, n);
}

const ss_command ss_cmds_keys[] = {
    SS_WRITE("del", -2, 0, ACL_KEYSPACE, delExec, .keys = {KEYS_TO_END(1, 1, KS_RM | KS_DELETE)}),
    SS_WRITE("unlink", -2, CMD_FAST, ACL_KEYSPACE, delExec, .keys = {KEYS_TO_END(1, 1, KS_RM | KS_DELETE)}),
    SS_READ("exists", -2, CMD_FAST, ACL_KEYSPACE, existsExec, .keys = {KEYS_TO_END(1, 1, KS_RO)}),
    SS_READ("touch", -2, CMD_FAST, ACL_KEYSPACE, touchExec, .keys = {KEYS_TO_END(1, 1, KS_RO)}),
    SS_READ("type", 2, CMD_FAST, ACL_KEYSPACE, typeExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("keys", 2, 0, ACL_KEYSPACE | ACL_DANGEROUS, keysExec),
    SS_READ("scan", -2, 0, ACL_KEYSPACE, scanExec),
    SS_READ("randomkey", 1, 0, ACL_KEYSPACE, randomkeyExec),
    SS_WRITE("rename", 3, 0, ACL_KEYSPACE, renameExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_OW | KS_UPDATE)}),
    SS_WRITE("renamenx", 3, CMD_FAST, ACL_KEYSPACE, renameExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_OW | KS_INSERT)}),
    SS_WRITE("copy", -3, CMD_DENYOOM, ACL_KEYSPACE, copyExec, .prepare = copyPrepare, .keys = {KEY(1, KS_RO | KS_ACCESS), KEY(2, KS_OW | KS_UPDATE)}),
    SS_WRITE("move", 3, CMD_FAST, ACL_KEYSPACE, moveExec, .prepare = movePrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("expire", -3, CMD_FAST, ACL_KEYSPACE, expireExec, .prepare = expirePrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("pexpire", -3, CMD_FAST, ACL_KEYSPACE, expireExec, .prepare = expirePrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("expireat", -3, CMD_FAST, ACL_KEYSPACE, expireExec, .prepare = expirePrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("pexpireat", -3, CMD_FAST, ACL_KEYSPACE, expireExec, .prepare = expirePrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_READ("ttl", 2, CMD_FAST, ACL_KEYSPACE, ttlExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("pttl", 2, CMD_FAST, ACL_KEYSPACE, ttlExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("expiretime", 2, CMD_FAST, ACL_KEYSPACE, ttlExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("pexpiretime", 2, CMD_FAST, ACL_KEYSPACE, ttlExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("persist", 2, CMD_FAST, ACL_KEYSPACE, persistExec, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_INTERNAL("__expire", -3, expireInternalExec),
};
SS_COUNT(ss_cmds_keys);
