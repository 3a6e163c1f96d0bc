/* Set commands: members, random picks (SPOP, SRANDMEMBER), SMOVE, and the SINTER/SUNION/SDIFF family. */
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

/* Whether mem is in set k: SS_FOUND, SS_MISSING, or SS_REPLIED. */
static ss_lookup member(ss_exec_ctx *ctx, const ss_key *k, const char *mem, size_t mlen)
{
    ss_slice v;
    return ss_key_element(ctx, k, mem, mlen, &v);
}

/* Adds (member_put) or removes (member_del) a member, keeping the count;
 * false after replying a storage error. */
static bool member_put(ss_exec_ctx *ctx, ss_key *k, const char *mem, size_t mlen)
{
    int rc = ss_ks_sub_put(ctx->txn, k->db, k->name, k->len, k->meta.version, mem, mlen, "", 0);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    k->meta.count++;
    return rc == SS_OK;
}

static bool member_del(ss_exec_ctx *ctx, ss_key *k, const char *mem, size_t mlen)
{
    int rc = ss_ks_sub_del(ctx->txn, k->db, k->name, k->len, k->meta.version, mem, mlen);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    k->meta.count--;
    return rc == SS_OK;
}

static int collect_cb(void *ud, ss_slice sub, ss_slice val)
{
    (void)val;
    return ss_strvec_push(ud, sub.data, sub.len);
}

/* Every member of a set, in sub-key order, appended to v. */
static int set_members(ss_exec_ctx *ctx, const ss_key *k, ss_strvec *v)
{
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &it);
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
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING)
        ss_key_create(ctx, SS_TYPE_SET, &k);
    long long added = 0;
    for (int i = 2; i < a->argc; i++) {
        ss_lookup has = member(ctx, &k, a->argv[i], a->argvlen[i]);
        if (has == SS_REPLIED || (has == SS_MISSING && !member_put(ctx, &k, a->argv[i], a->argvlen[i])))
            return;
        added += has == SS_MISSING;
    }
    if (!added || ss_key_save_notify(ctx, &k, found == SS_MISSING, SS_NOTIFY_SET, "sadd"))
        resp_add_int(ctx->out, added);
}

static void sremExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found == SS_MISSING)
        resp_add_int(ctx->out, 0);
    if (found != SS_FOUND)
        return;
    long long removed = 0;
    for (int i = 2; i < a->argc; i++) {
        ss_lookup has = member(ctx, &k, a->argv[i], a->argvlen[i]);
        if (has == SS_REPLIED || (has == SS_FOUND && !member_del(ctx, &k, a->argv[i], a->argvlen[i])))
            return;
        removed += has == SS_FOUND;
    }
    if (!removed || ss_key_save_notify(ctx, &k, false, SS_NOTIFY_SET, "srem"))
        resp_add_int(ctx->out, removed);
}

static void smembersExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found == SS_MISSING)
        resp_add_set_len(ctx->out, ctx->proto, 0);
    if (found != SS_FOUND)
        return;
    ss_strvec v = {0};
    int rc = set_members(ctx, &k, &v);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        reply_strvec(ctx, &v, true);
    ss_strvec_release(&v);
}

static void sismemberExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup has = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (has == SS_FOUND)
        has = member(ctx, &k, a->argv[2], a->argvlen[2]);
    if (has != SS_REPLIED)
        resp_add_int(ctx->out, has == SS_FOUND);
}

static void smismemberExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found == SS_REPLIED)
        return;
    ss_buf items;
    ss_buf_init(&items, 0);
    int i = 2;
    for (; i < a->argc; i++) {
        ss_lookup has = found == SS_FOUND ? member(ctx, &k, a->argv[i], a->argvlen[i]) : SS_MISSING;
        if (has == SS_REPLIED)
            break;
        resp_add_int(&items, has == SS_FOUND);
    }
    if (i == a->argc) {
        resp_add_array_len(ctx->out, a->argc - 2);
        resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    }
    ss_buf_release(&items);
}

static void scardExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found != SS_REPLIED)
        resp_add_int(ctx->out, found == SS_FOUND ? (long long)k.meta.count : 0);
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
static int remove_all(ss_exec_ctx *ctx, ss_key *k, const ss_strvec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        ss_slice s = ss_strvec_at(v, i);
        int rc = ss_ks_sub_del(ctx->txn, k->db, k->name, k->len, k->meta.version, s.data, s.len);
        if (rc != SS_OK)
            return rc;
    }
    k->meta.count -= v->n < k->meta.count ? v->n : k->meta.count;
    return ss_key_save(ctx, k);
}

/* The apply half: every node pops the same members, chosen with the entry's
 * seed over the same state. */
static void spopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long count = spop_count(a, ctx->out);
    if (count == -2)
        return;
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found == SS_MISSING && count == -1)
        resp_add_null_bulk(ctx->out, ctx->proto);
    else if (found == SS_MISSING || (found == SS_FOUND && count == 0))
        resp_add_set_len(ctx->out, ctx->proto, 0);
    if (found != SS_FOUND || count == 0)
        return;
    ss_strvec v = {0};
    int rc = SS_OK;
    if (count == -1 || count == 1) {
        ss_coll_picker *p;
        rc = ss_coll_picker_new(ctx, &k, &p);
        if (rc == SS_OK) {
            ss_slice s, val;
            ss_coll_picker_pick(p, ss_exec_rand(ctx), &s, &val);
            rc = ss_strvec_push(&v, s.data, s.len);
            ss_coll_picker_free(p);
        }
    } else if ((uint64_t)count >= k.meta.count) {
        rc = set_members(ctx, &k, &v);
    } else {
        rc = ss_coll_sample(ctx, &k, (uint64_t)count, collect_cb, &v);
    }
    bool all = count >= 0 && (uint64_t)count >= k.meta.count; /* deleting the key is O(1) */
    if (rc == SS_OK && !all && !writes_fit(ctx, &v, k.len)) {
        ss_strvec_release(&v);
        return;
    }
    if (rc == SS_OK && all) {
        k.meta.count = 0;
        rc = ss_key_save(ctx, &k);
    } else if (rc == SS_OK) {
        rc = remove_all(ctx, &k, &v);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        ss_strvec_release(&v);
        return;
    }
    ss_exec_changed(ctx, SS_NOTIFY_SET, "spop", k.name, k.len, k.meta.count == 0);
    if (count == -1)
        resp_add_bulk(ctx->out, v.mem, v.len[0]);
    else
        reply_strvec(ctx, &v, true);
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
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &k);
    if (found == SS_MISSING && a->argc == 2)
        resp_add_null_bulk(ctx->out, ctx->proto);
    else if (found == SS_MISSING || (found == SS_FOUND && count == 0))
        resp_add_array_len(ctx->out, 0);
    if (found != SS_FOUND || count == 0)
        return;
    if (count < 0 && -count > ss_coll_repeat_max) {
        ss_reply_err(ctx->out, RERR_RANGE);
        return;
    }
    int rc = SS_OK;
    ss_strvec v = {0};
    if (a->argc == 2 || count < 0) {
        /* Independent picks, repeats allowed. */
        ss_coll_picker *p = NULL;
        rc = ss_coll_picker_new(ctx, &k, &p);
        long long n = a->argc == 2 ? 1 : -count;
        for (long long i = 0; rc == SS_OK && i < n; i++) {
            ss_slice s, val;
            ss_coll_picker_pick(p, ss_exec_rand(ctx), &s, &val);
            rc = ss_strvec_push(&v, s.data, s.len);
        }
        ss_coll_picker_free(p);
    } else if ((uint64_t)count >= k.meta.count) {
        rc = set_members(ctx, &k, &v);
    } else {
        rc = ss_coll_sample(ctx, &k, (uint64_t)count, collect_cb, &v);
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
    ss_key src, dst;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_SET, &src);
    if (found == SS_MISSING)
        resp_add_int(ctx->out, 0);
    if (found != SS_FOUND)
        return;
    ss_lookup dfound = ss_key_open(ctx, a, 2, SS_TYPE_SET, &dst);
    if (dfound == SS_REPLIED)
        return;
    const char *mem = a->argv[3];
    size_t mlen = a->argvlen[3];
    ss_lookup has = member(ctx, &src, mem, mlen);
    bool same = src.len == dst.len && memcmp(src.name, dst.name, src.len) == 0;
    if (has != SS_REPLIED && (has == SS_MISSING || same))
        resp_add_int(ctx->out, has == SS_FOUND);
    if (has != SS_FOUND || same)
        return;
    if (!member_del(ctx, &src, mem, mlen) || !ss_key_save_or_reply(ctx, &src))
        return;
    /* Redis's order: the source's events, then the destination's. */
    ss_exec_notify(ctx, SS_NOTIFY_SET, "srem", src.name, src.len);
    if (src.meta.count == 0)
        ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", src.name, src.len);
    if (dfound == SS_MISSING)
        ss_key_create(ctx, SS_TYPE_SET, &dst);
    ss_exec_modified(ctx, src.name, src.len);
    has = member(ctx, &dst, mem, mlen);
    if (has == SS_REPLIED ||
        (has == SS_MISSING && (!member_put(ctx, &dst, mem, mlen) || !ss_key_save_or_reply(ctx, &dst))))
        return;
    if (dfound == SS_MISSING)
        ss_exec_new(ctx, ctx->db, dst.name, dst.len);
    if (has == SS_MISSING) {
        ss_exec_modified(ctx, dst.name, dst.len);
        ss_exec_notify(ctx, SS_NOTIFY_SET, "sadd", dst.name, dst.len);
    }
    resp_add_int(ctx->out, 1);
}

/* ------------------------------------------- SINTER, SUNION, SDIFF (+STORE) */

enum { OP_INTER, OP_UNION, OP_DIFF };

typedef struct setref {
    ss_key k;
    bool exists;
} setref;

/* Opens n keys from argument first; every key is type-checked, as Redis
 * does, even after a missing one. False after replying an error. */
static bool open_sets(ss_exec_ctx *ctx, const ss_args *a, int first, int n, setref *sets)
{
    for (int i = 0; i < n; i++) {
        ss_lookup found = ss_key_open(ctx, a, first + i, SS_TYPE_SET, &sets[i].k);
        if (found == SS_REPLIED)
            return false;
        sets[i].exists = found == SS_FOUND;
    }
    return true;
}

static int cmp_slices(const void *x, const void *y)
{
    return ss_slice_cmp(*(const ss_slice *)x, *(const ss_slice *)y);
}

/* The result of op over sets into out, in byte order; INTER stops after
 * limit members when limit > 0 (SINTERCARD). False after replying a storage
 * error. */
static bool set_op(ss_exec_ctx *ctx, int op, setref *sets, int n, uint64_t limit, ss_strvec *out)
{
    int rc = SS_OK;
    if (op == OP_UNION) {
        ss_strvec all = {0};
        for (int i = 0; i < n && rc == SS_OK; i++)
            if (sets[i].exists)
                rc = set_members(ctx, &sets[i].k, &all);
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
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        return rc == SS_OK;
    }
    /* INTER walks the smallest set, DIFF the first; both probe the others. */
    int walk = 0;
    for (int i = 0; i < n; i++) {
        if (op == OP_INTER && !sets[i].exists)
            return true;
        if (op == OP_INTER && sets[i].k.meta.count < sets[walk].k.meta.count)
            walk = i;
    }
    if (!sets[walk].exists)
        return true;
    const ss_key *w = &sets[walk].k;
    ss_ks_subiter *it;
    rc = ss_ks_subiter_new(ctx->txn, w->db, w->name, w->len, w->meta.version, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return false;
    }
    ss_lookup has = SS_FOUND;
    for (ss_ks_subiter_seek_first(it); rc == SS_OK && ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice s = ss_ks_subiter_sub(it);
        bool keep = true;
        for (int i = 0; i < n && keep; i++) {
            if (i == walk || !sets[i].exists)
                continue;
            if ((has = member(ctx, &sets[i].k, s.data, s.len)) == SS_REPLIED)
                break;
            keep = op == OP_INTER ? has == SS_FOUND : has == SS_MISSING;
        }
        if (has == SS_REPLIED)
            break;
        if (keep)
            rc = ss_strvec_push(out, s.data, s.len);
        if (limit && out->n >= limit)
            break;
    }
    ss_ks_subiter_free(it);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    return rc == SS_OK && has != SS_REPLIED;
}

/* Replaces dst with the members in v (deleting it when v is empty), with
 * the events of Redis's setKey (or dbDelete when empty): "new", the
 * command's event, or "del". */
static bool store_set(ss_exec_ctx *ctx, const char *dst, size_t dlen, const ss_strvec *v, const char *event)
{
    ss_key k;
    ss_lookup found = ss_key_open_name(ctx, ctx->db, dst, dlen, SS_TYPE_NONE, &k);
    if (found == SS_REPLIED)
        return false;
    ss_key_create(ctx, SS_TYPE_SET, &k);
    k.meta.count = v->n;
    int rc = ss_key_save(ctx, &k);
    for (size_t i = 0; i < v->n && rc == SS_OK; i++) {
        ss_slice s = ss_strvec_at(v, i);
        rc = ss_ks_sub_put(ctx->txn, ctx->db, dst, dlen, k.meta.version, s.data, s.len, "", 0);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return false;
    }
    if (v->n > 0) {
        ss_exec_modified(ctx, dst, dlen);
        if (found == SS_MISSING)
            ss_exec_new(ctx, ctx->db, dst, dlen);
        ss_exec_notify(ctx, SS_NOTIFY_SET, event, dst, dlen);
    } else if (found == SS_FOUND) {
        ss_exec_changed(ctx, SS_NOTIFY_GENERIC, "del", dst, dlen, false);
    }
    return true;
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
    static const char *const store_events[] = {"sinterstore", "sunionstore", "sdiffstore"};
    if (open_sets(ctx, a, first, n, sets) && set_op(ctx, op, sets, n, 0, &v)) {
        if (store && ctx->is_apply) /* the sources are read as lookupKeyRead does */
            for (int i = 0; i < n; i++)
                if (!sets[i].exists)
                    ss_exec_read_miss(ctx, sets[i].k.name, sets[i].k.len);
        if (store && !writes_fit(ctx, &v, a->argvlen[1]))
            goto out;
        if (!store)
            reply_strvec(ctx, &v, true);
        else if (store_set(ctx, a->argv[1], a->argvlen[1], &v, store_events[op]))
            resp_add_int(ctx->out, (long long)v.n);
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
    if (open_sets(ctx, a, 2, (int)numkeys, sets) &&
        set_op(ctx, OP_INTER, sets, (int)numkeys, (uint64_t)limit, &v))
        resp_add_int(ctx->out, (long long)v.n);
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
    ss_coll_scan_command(ctx, a, SS_TYPE_SET);
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
