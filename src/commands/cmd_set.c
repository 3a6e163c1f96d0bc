/* Set commands, and the collection helpers hashes share: random picks and SCAN cursors over sub-keys. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "commands/collection.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/config.h"

/*
 * A set is a key of type SET whose members are its sub-keys (member -> empty
 * value) under the key's version; meta.count is the cardinality.
 *
 * Reply order: Redis sends members in its hash table's order; we send them in
 * sub-key (byte) order. Neither order is a promise, and clients must not
 * depend on it.
 */

/* ============================================================ sets */

/* 1 found (a set), 0 missing, -1 an error was replied (wrong type, storage). */
static int set_lookup(ss_exec_ctx *ctx, const ss_args *a, int i, ss_keymeta *m)
{
    int rc = ss_key_lookup(ctx, a, i, m, NULL);
    if (rc == SS_ENOTFOUND)
        return 0;
    if (rc != SS_OK)
        return -1;
    return ss_key_check_type(ctx, m, SS_TYPE_SET) ? 1 : -1;
}

/* Writes back the metadata, deleting the key when the set became empty. */
static int set_save(ss_exec_ctx *ctx, const char *key, size_t klen, const ss_keymeta *m)
{
    if (m->count > 0)
        return ss_ks_set(ctx->txn, ctx->db, key, klen, m, NULL, 0);
    int rc = ss_ks_delete(ctx->txn, ctx->db, key, klen);
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

static void set_new(ss_exec_ctx *ctx, ss_keymeta *m)
{
    memset(m, 0, sizeof *m);
    m->type = SS_TYPE_SET;
    m->version = ss_exec_new_version(ctx);
}

/* One command's sub-key writes must fit in the apply batch's txn (the store
 * caps one at 1 GiB, and failing there would stop every replica), so SPOP
 * with a count and the *STORE commands refuse results beyond this. */
#define WRITE_MAX_MB 256
#define SUBKEY_OVERHEAD 32 /* the store's prefix around (key, version, sub) */

static bool writes_fit(ss_exec_ctx *ctx, const ss_strvec *v, size_t klen)
{
    uint64_t bytes = (uint64_t)v->used + (uint64_t)v->n * (klen + SUBKEY_OVERHEAD);
    if (bytes <= ((uint64_t)WRITE_MAX_MB << 20))
        return true;
    ss_reply_err(ctx->out, RERR_SET_TOOBIG, WRITE_MAX_MB);
    return false;
}

/* Whether mem is in the set, in *yes. */
static int is_member(ss_exec_ctx *ctx, const char *key, size_t klen, const ss_keymeta *m,
                     const char *mem, size_t mlen, bool *yes)
{
    ss_slice v;
    int rc = ss_ks_sub_get(ctx->txn, ctx->db, key, klen, m->version, mem, mlen, &v);
    *yes = rc == SS_OK;
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

static int collect_cb(void *ud, ss_slice sub, ss_slice val)
{
    (void)val;
    return ss_strvec_push(ud, sub.data, sub.len);
}

/* Every member of a set, in sub-key order, appended to v. */
static int set_members(ss_exec_ctx *ctx, const char *key, size_t klen, const ss_keymeta *m,
                       ss_strvec *v)
{
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, ctx->db, key, klen, m->version, &it);
    if (rc != SS_OK)
        return rc;
    for (ss_ks_subiter_seek_first(it); rc == SS_OK && ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice s = ss_ks_subiter_sub(it);
        rc = ss_strvec_push(v, s.data, s.len);
    }
    ss_ks_subiter_free(it);
    return rc;
}

static void reply_strvec(ss_exec_ctx *ctx, const ss_strvec *v, bool as_set)
{
    if (as_set)
        resp_add_set_len(ctx->out, ctx->proto, (long long)v->n);
    else
        resp_add_array_len(ctx->out, (long long)v->n);
    for (size_t i = 0; i < v->n; i++)
        resp_add_bulk(ctx->out, v->mem + v->off[i], v->len[i]);
}

static void saddExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found < 0)
        return;
    if (!found)
        set_new(ctx, &m);
    long long added = 0;
    int rc = SS_OK;
    for (int i = 2; i < a->argc && rc == SS_OK; i++) {
        bool yes;
        rc = is_member(ctx, a->argv[1], a->argvlen[1], &m, a->argv[i], a->argvlen[i], &yes);
        if (rc == SS_OK && !yes) {
            rc = ss_ks_sub_put(ctx->txn, ctx->db, a->argv[1], a->argvlen[1], m.version, a->argv[i],
                               a->argvlen[i], "", 0);
            added++;
            m.count++;
        }
    }
    if (rc == SS_OK && added)
        rc = set_save(ctx, a->argv[1], a->argvlen[1], &m);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, added);
}

static void sremExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found <= 0) {
        if (found == 0)
            resp_add_int(ctx->out, 0);
        return;
    }
    long long removed = 0;
    int rc = SS_OK;
    for (int i = 2; i < a->argc && rc == SS_OK; i++) {
        bool yes;
        rc = is_member(ctx, a->argv[1], a->argvlen[1], &m, a->argv[i], a->argvlen[i], &yes);
        if (rc == SS_OK && yes) {
            rc = ss_ks_sub_del(ctx->txn, ctx->db, a->argv[1], a->argvlen[1], m.version, a->argv[i],
                               a->argvlen[i]);
            removed++;
            m.count--;
        }
    }
    if (rc == SS_OK && removed)
        rc = set_save(ctx, a->argv[1], a->argvlen[1], &m);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, removed);
}

static void smembersExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found <= 0) {
        if (found == 0)
            resp_add_set_len(ctx->out, ctx->proto, 0);
        return;
    }
    ss_strvec v = {0};
    int rc = set_members(ctx, a->argv[1], a->argvlen[1], &m, &v);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        reply_strvec(ctx, &v, true);
    ss_strvec_release(&v);
}

static void sismemberExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found < 0)
        return;
    bool yes = false;
    int rc = found ? is_member(ctx, a->argv[1], a->argvlen[1], &m, a->argv[2], a->argvlen[2], &yes) : SS_OK;
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, yes);
}

static void smismemberExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found < 0)
        return;
    ss_buf items;
    ss_buf_init(&items, 0);
    int rc = SS_OK;
    for (int i = 2; i < a->argc && rc == SS_OK; i++) {
        bool yes = false;
        if (found)
            rc = is_member(ctx, a->argv[1], a->argvlen[1], &m, a->argv[i], a->argvlen[i], &yes);
        resp_add_int(&items, yes);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
    } else {
        resp_add_array_len(ctx->out, a->argc - 2);
        resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    }
    ss_buf_release(&items);
}

static void scardExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found >= 0)
        resp_add_int(ctx->out, found ? (long long)m.count : 0);
}

/* ------------------------------------------------------- SPOP, SRANDMEMBER */

/* SPOP's optional count: Redis's getPositiveLongFromObjectOrReply. Returns
 * -1 without count, -2 after replying an error. */
static long long spop_count(const ss_args *a, ss_buf *out)
{
    if (a->argc > 3) {
        ss_reply_err(out, RERR_SYNTAX);
        return -2;
    }
    if (a->argc < 3)
        return -1;
    long long n;
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &n) || n < 0) {
        ss_reply_err(out, RERR_MUST_POSITIVE);
        return -2;
    }
    return n;
}

static bool spopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    return spop_count(a, out) != -2;
}

/* Removes the members in v from the set and saves it. */
static int remove_all(ss_exec_ctx *ctx, const ss_args *a, ss_keymeta *m, const ss_strvec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        ss_slice s = ss_strvec_at(v, i);
        int rc = ss_ks_sub_del(ctx->txn, ctx->db, a->argv[1], a->argvlen[1], m->version, s.data, s.len);
        if (rc != SS_OK)
            return rc;
    }
    m->count -= v->n < m->count ? v->n : m->count;
    return set_save(ctx, a->argv[1], a->argvlen[1], m);
}

/* The apply half: every node pops the same members, chosen with the entry's
 * seed over the same state. */
static void spopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long count = spop_count(a, ctx->out);
    if (count == -2)
        return;
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found <= 0) {
        if (found == 0 && count == -1)
            resp_add_null_bulk(ctx->out, ctx->proto);
        else if (found == 0)
            resp_add_set_len(ctx->out, ctx->proto, 0);
        return;
    }
    if (count == 0) {
        resp_add_set_len(ctx->out, ctx->proto, 0);
        return;
    }
    ss_strvec v = {0};
    int rc = SS_OK;
    if (count == -1 || count == 1) {
        ss_coll_picker *p;
        rc = ss_coll_picker_new(ctx, a->argv[1], a->argvlen[1], &m, &p);
        if (rc == SS_OK) {
            ss_slice s, val;
            ss_coll_picker_pick(p, ss_exec_rand(ctx), &s, &val);
            rc = ss_strvec_push(&v, s.data, s.len);
            ss_coll_picker_free(p);
        }
    } else if ((uint64_t)count >= m.count) {
        rc = set_members(ctx, a->argv[1], a->argvlen[1], &m, &v);
    } else {
        rc = ss_coll_sample(ctx, a->argv[1], a->argvlen[1], &m, (uint64_t)count, collect_cb, &v);
    }
    bool all = count >= 0 && (uint64_t)count >= m.count; /* deleting the key is O(1) */
    if (rc == SS_OK && !all && !writes_fit(ctx, &v, a->argvlen[1])) {
        ss_strvec_release(&v);
        return;
    }
    if (rc == SS_OK && all) {
        m.count = 0;
        rc = set_save(ctx, a->argv[1], a->argvlen[1], &m);
    } else if (rc == SS_OK) {
        rc = remove_all(ctx, a, &m, &v);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
    } else if (count == -1) {
        resp_add_bulk(ctx->out, v.mem, v.len[0]);
    } else {
        reply_strvec(ctx, &v, true);
    }
    ss_strvec_release(&v);
}

static void srandmemberExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (a->argc > 3) {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    long long count = 1;
    if (a->argc == 3 && !ss_coll_rand_count(ctx, a, 2, &count))
        return;
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found <= 0) {
        if (found == 0 && a->argc == 2)
            resp_add_null_bulk(ctx->out, ctx->proto);
        else if (found == 0)
            resp_add_array_len(ctx->out, 0);
        return;
    }
    if (count == 0) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    if (count < 0 && -count > ss_coll_repeat_max) {
        ss_reply_err(ctx->out, RERR_RANGE);
        return;
    }
    int rc = SS_OK;
    ss_strvec v = {0};
    if (a->argc == 2 || count < 0) {
        /* Independent picks, repeats allowed. */
        ss_coll_picker *p = NULL;
        rc = ss_coll_picker_new(ctx, a->argv[1], a->argvlen[1], &m, &p);
        long long n = a->argc == 2 ? 1 : -count;
        for (long long i = 0; rc == SS_OK && i < n; i++) {
            ss_slice s, val;
            ss_coll_picker_pick(p, ss_exec_rand(ctx), &s, &val);
            rc = ss_strvec_push(&v, s.data, s.len);
        }
        ss_coll_picker_free(p);
    } else if ((uint64_t)count >= m.count) {
        rc = set_members(ctx, a->argv[1], a->argvlen[1], &m, &v);
    } else {
        rc = ss_coll_sample(ctx, a->argv[1], a->argvlen[1], &m, (uint64_t)count, collect_cb, &v);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (a->argc == 2)
        resp_add_bulk(ctx->out, v.mem, v.len[0]);
    else
        reply_strvec(ctx, &v, false);
    ss_strvec_release(&v);
}

/* ---------------------------------------------------------------- SMOVE */

static void smoveExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta src, dst;
    int rc = ss_key_lookup(ctx, a, 1, &src, NULL);
    if (rc == SS_ENOTFOUND) {
        resp_add_int(ctx->out, 0);
        return;
    }
    if (rc != SS_OK || !ss_key_check_type(ctx, &src, SS_TYPE_SET))
        return;
    int dfound = set_lookup(ctx, a, 2, &dst);
    if (dfound < 0)
        return;
    const char *mem = a->argv[3];
    size_t mlen = a->argvlen[3];
    bool yes;
    rc = is_member(ctx, a->argv[1], a->argvlen[1], &src, mem, mlen, &yes);
    bool same = a->argvlen[1] == a->argvlen[2] && memcmp(a->argv[1], a->argv[2], a->argvlen[1]) == 0;
    if (rc != SS_OK || !yes || same) {
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        else
            resp_add_int(ctx->out, yes);
        return;
    }
    rc = ss_ks_sub_del(ctx->txn, ctx->db, a->argv[1], a->argvlen[1], src.version, mem, mlen);
    src.count--;
    if (rc == SS_OK)
        rc = set_save(ctx, a->argv[1], a->argvlen[1], &src);
    if (rc == SS_OK && !dfound)
        set_new(ctx, &dst);
    if (rc == SS_OK)
        rc = is_member(ctx, a->argv[2], a->argvlen[2], &dst, mem, mlen, &yes);
    if (rc == SS_OK && !yes) {
        rc = ss_ks_sub_put(ctx->txn, ctx->db, a->argv[2], a->argvlen[2], dst.version, mem, mlen, "", 0);
        dst.count++;
        if (rc == SS_OK)
            rc = set_save(ctx, a->argv[2], a->argvlen[2], &dst);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, 1);
}

/* ------------------------------------------- SINTER, SUNION, SDIFF (+STORE) */

enum { OP_INTER, OP_UNION, OP_DIFF };

typedef struct setref {
    const char *key;
    size_t klen;
    ss_keymeta m;
    bool exists;
} setref;

/* Looks up n keys from argument first; every key is type-checked, as Redis
 * does, even after a missing one. False after replying an error. */
static bool open_sets(ss_exec_ctx *ctx, const ss_args *a, int first, int n, setref *sets)
{
    for (int i = 0; i < n; i++) {
        setref *r = &sets[i];
        r->key = a->argv[first + i];
        r->klen = a->argvlen[first + i];
        int found = set_lookup(ctx, a, first + i, &r->m);
        if (found < 0)
            return false;
        r->exists = found == 1;
    }
    return true;
}

static int cmp_slices(const void *x, const void *y)
{
    return ss_slice_cmp(*(const ss_slice *)x, *(const ss_slice *)y);
}

/* The result of op over sets into out, in byte order; INTER stops after
 * limit members when limit > 0 (SINTERCARD). */
static int set_op(ss_exec_ctx *ctx, int op, setref *sets, int n, uint64_t limit, ss_strvec *out)
{
    int rc = SS_OK;
    if (op == OP_UNION) {
        ss_strvec all = {0};
        for (int i = 0; i < n && rc == SS_OK; i++)
            if (sets[i].exists)
                rc = set_members(ctx, sets[i].key, sets[i].klen, &sets[i].m, &all);
        ss_slice *sl = rc == SS_OK && all.n ? malloc(all.n * sizeof *sl) : NULL;
        if (rc == SS_OK && all.n && !sl)
            rc = SS_ENOMEM;
        if (rc == SS_OK && sl) {
            for (size_t i = 0; i < all.n; i++)
                sl[i] = ss_strvec_at(&all, i);
            qsort(sl, all.n, sizeof *sl, cmp_slices);
            for (size_t i = 0; i < all.n && rc == SS_OK; i++)
                if (i == 0 || ss_slice_cmp(sl[i], sl[i - 1]) != 0)
                    rc = ss_strvec_push(out, sl[i].data, sl[i].len);
        }
        free(sl);
        ss_strvec_release(&all);
        return rc;
    }
    /* INTER walks the smallest set, DIFF the first; both probe the others. */
    int walk = 0;
    for (int i = 0; i < n; i++) {
        if (op == OP_INTER && !sets[i].exists)
            return SS_OK;
        if (op == OP_INTER && sets[i].m.count < sets[walk].m.count)
            walk = i;
    }
    if (!sets[walk].exists)
        return SS_OK;
    ss_ks_subiter *it;
    rc = ss_ks_subiter_new(ctx->txn, ctx->db, sets[walk].key, sets[walk].klen, sets[walk].m.version, &it);
    if (rc != SS_OK)
        return rc;
    for (ss_ks_subiter_seek_first(it); rc == SS_OK && ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice s = ss_ks_subiter_sub(it);
        bool keep = true;
        for (int i = 0; i < n && keep && rc == SS_OK; i++) {
            if (i == walk || !sets[i].exists)
                continue;
            bool yes;
            rc = is_member(ctx, sets[i].key, sets[i].klen, &sets[i].m, s.data, s.len, &yes);
            keep = op == OP_INTER ? yes : !yes;
        }
        if (rc == SS_OK && keep)
            rc = ss_strvec_push(out, s.data, s.len);
        if (limit && out->n >= limit)
            break;
    }
    ss_ks_subiter_free(it);
    return rc;
}

/* Replaces dst with the members in v (deleting it when v is empty). */
static int store_set(ss_exec_ctx *ctx, const char *dst, size_t dlen, const ss_strvec *v)
{
    if (v->n == 0) {
        int rc = ss_ks_delete(ctx->txn, ctx->db, dst, dlen);
        return rc == SS_ENOTFOUND ? SS_OK : rc;
    }
    ss_keymeta m;
    set_new(ctx, &m);
    m.count = v->n;
    int rc = ss_ks_set(ctx->txn, ctx->db, dst, dlen, &m, NULL, 0);
    for (size_t i = 0; i < v->n && rc == SS_OK; i++) {
        ss_slice s = ss_strvec_at(v, i);
        rc = ss_ks_sub_put(ctx->txn, ctx->db, dst, dlen, m.version, s.data, s.len, "", 0);
    }
    return rc;
}

static void setop_generic(ss_exec_ctx *ctx, const ss_args *a, int op, bool store)
{
    int first = store ? 2 : 1, n = a->argc - first;
    setref *sets = calloc((size_t)n, sizeof *sets);
    if (!sets) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    ss_strvec v = {0};
    if (open_sets(ctx, a, first, n, sets)) {
        int rc = set_op(ctx, op, sets, n, 0, &v);
        if (rc == SS_OK && store) {
            if (!writes_fit(ctx, &v, a->argvlen[1]))
                goto out;
            rc = store_set(ctx, a->argv[1], a->argvlen[1], &v);
        }
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        else if (store)
            resp_add_int(ctx->out, (long long)v.n);
        else
            reply_strvec(ctx, &v, true);
    }
out:
    ss_strvec_release(&v);
    free(sets);
}

static void sinterExec(ss_exec_ctx *ctx, const ss_args *a) { setop_generic(ctx, a, OP_INTER, false); }
static void sunionExec(ss_exec_ctx *ctx, const ss_args *a) { setop_generic(ctx, a, OP_UNION, false); }
static void sdiffExec(ss_exec_ctx *ctx, const ss_args *a) { setop_generic(ctx, a, OP_DIFF, false); }
static void sinterstoreExec(ss_exec_ctx *ctx, const ss_args *a) { setop_generic(ctx, a, OP_INTER, true); }
static void sunionstoreExec(ss_exec_ctx *ctx, const ss_args *a) { setop_generic(ctx, a, OP_UNION, true); }
static void sdiffstoreExec(ss_exec_ctx *ctx, const ss_args *a) { setop_generic(ctx, a, OP_DIFF, true); }

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
static void sintercardExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long numkeys, limit = 0;
    if (!ss_parse_ll(a->argv[1], a->argvlen[1], &numkeys) || numkeys < 1) {
        ss_reply_err(ctx->out, RERR_NUMKEYS_POSITIVE);
        return;
    }
    if (numkeys > a->argc - 2) {
        ss_reply_err(ctx->out, RERR_NUMKEYS_ARGS);
        return;
    }
    for (int i = 2 + (int)numkeys; i < a->argc; i += 2) {
        if (ss_arg_is(a, i, "limit") && i + 1 < a->argc) {
            if (!ss_parse_ll(a->argv[i + 1], a->argvlen[i + 1], &limit) || limit < 0) {
                ss_reply_err(ctx->out, RERR_LIMIT_NEGATIVE);
                return;
            }
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
    }
    setref *sets = calloc((size_t)numkeys, sizeof *sets);
    if (!sets) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    ss_strvec v = {0};
    if (open_sets(ctx, a, 2, (int)numkeys, sets)) {
        int rc = set_op(ctx, OP_INTER, sets, (int)numkeys, (uint64_t)limit, &v);
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        else
            resp_add_int(ctx->out, (long long)v.n);
    }
    ss_strvec_release(&v);
    free(sets);
}

/* Keys when SINTERCARD's count does not parse as its key spec wants. */
static int sintercardGetKeys(const ss_args *a, ss_keyref *keys)
{
    return ss_getkeys_counted(a, 0, 1, 2, 1, keys);
}

static void sscanExec(ss_exec_ctx *ctx, const ss_args *a)
{
    uint64_t cursor;
    if (!ss_coll_scan_cursor(ctx, a, 2, &cursor))
        return;
    ss_keymeta m;
    int found = set_lookup(ctx, a, 1, &m);
    if (found == 0)
        ss_coll_scan_empty(ctx);
    else if (found == 1)
        ss_coll_scan(ctx, a, &m, cursor, false);
}

const ss_command ss_cmds_set[] = {
    SS_WRITE("sadd", -3, CMD_DENYOOM | CMD_FAST, ACL_SET, saddExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("srem", -3, CMD_FAST, ACL_SET, sremExec, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("smembers", 2, 0, ACL_SET, smembersExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("sismember", 3, CMD_FAST, ACL_SET, sismemberExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("smismember", -3, CMD_FAST, ACL_SET, smismemberExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("scard", 2, CMD_FAST, ACL_SET, scardExec, .keys = {KEY(1, KS_RO)}),
    SS_WRITE("spop", -2, CMD_FAST, ACL_SET, spopExec, .prepare = spopPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_READ("srandmember", -2, 0, ACL_SET, srandmemberExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("smove", 4, CMD_FAST, ACL_SET, smoveExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_RW | KS_INSERT)}),
    SS_READ("sinter", -2, 0, ACL_SET, sinterExec, .keys = {KEYS_TO_END(1, 1, KS_RO | KS_ACCESS)}),
    SS_READ("sintercard", -3, 0, ACL_SET, sintercardExec, .keys = {KEYNUM(1, KS_RO | KS_ACCESS)}, .getkeys = sintercardGetKeys),
    SS_WRITE("sinterstore", -3, CMD_DENYOOM, ACL_SET, sinterstoreExec, .keys = {KEY(1, KS_RW | KS_UPDATE), KEYS_TO_END(2, 1, KS_RO | KS_ACCESS)}),
    SS_READ("sunion", -2, 0, ACL_SET, sunionExec, .keys = {KEYS_TO_END(1, 1, KS_RO | KS_ACCESS)}),
    SS_WRITE("sunionstore", -3, CMD_DENYOOM, ACL_SET, sunionstoreExec, .keys = {KEY(1, KS_OW | KS_UPDATE), KEYS_TO_END(2, 1, KS_RO | KS_ACCESS)}),
    SS_READ("sdiff", -2, 0, ACL_SET, sdiffExec, .keys = {KEYS_TO_END(1, 1, KS_RO | KS_ACCESS)}),
    SS_WRITE("sdiffstore", -3, CMD_DENYOOM, ACL_SET, sdiffstoreExec, .keys = {KEY(1, KS_OW | KS_UPDATE), KEYS_TO_END(2, 1, KS_RO | KS_ACCESS)}),
    SS_READ("sscan", -3, 0, ACL_SET, sscanExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_set);
