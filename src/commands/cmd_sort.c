/* SORT and SORT_RO: lists, sets and sorted sets sorted by their elements or by other keys (BY, GET with * and ->), LIMIT, ALPHA, STORE. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands/collection.h"
#include "commands/families.h"
#include "commands/zset.h"

/*
 * Redis 7.0's sortCommandGeneric, step by step: options, the key (a list,
 * set or sorted set), the elements loaded (only the LIMIT range when there
 * is nothing to sort), their weights (the element, or the string or hash
 * field BY names), the sort, then GET lookups per element. sandstore
 * presents itself as a single shard, so BY and GET patterns are allowed
 * (Redis refuses them only in cluster mode). Without STORE, SORT is a read
 * (the row's `writes` hook); with it, a write whose result replaces the
 * destination as a list.
 *
 * ALPHA compares bytes (Redis's strcoll, under the C locale it runs with in
 * the tests). A set without sorting comes back in sandstore's set order
 * (byte order), as Redis's comes back in its hash order.
 */

enum { MAX_GETS = 1 << 16 };

typedef struct sort_req {
    bool desc, alpha, dontsort;
    long long limit_start, limit_count;
    int by;        /* BY's pattern argument, 0: none */
    int store;     /* STORE's key argument, 0: none */
    int *gets;     /* GET patterns' arguments */
    int ngets;
} sort_req;

/* Options from argument 2, as Redis parses them; -1 or the error. */
static int sort_parse(const ss_args *a, bool readonly, sort_req *q)
{
    q->limit_count = -1;
    for (int j = 2; j < a->argc; j++) {
        int left = a->argc - j - 1;
        if (ss_arg_is(a, j, "asc")) {
            q->desc = false;
        } else if (ss_arg_is(a, j, "desc")) {
            q->desc = true;
        } else if (ss_arg_is(a, j, "alpha")) {
            q->alpha = true;
        } else if (ss_arg_is(a, j, "limit") && left >= 2) {
            if (!ss_parse_ll(a->argv[j + 1], a->argvlen[j + 1], &q->limit_start) ||
                !ss_parse_ll(a->argv[j + 2], a->argvlen[j + 2], &q->limit_count))
                return RERR_NOTINT;
            j += 2;
        } else if (!readonly && ss_arg_is(a, j, "store") && left >= 1) {
            q->store = ++j;
        } else if (ss_arg_is(a, j, "by") && left >= 1) {
            q->by = ++j;
            /* No '*': nothing to look up, so nothing to sort by. */
            q->dontsort = strchr(a->argv[j], '*') == NULL;
        } else if (ss_arg_is(a, j, "get") && left >= 1) {
            if (q->ngets < MAX_GETS)
                q->gets[q->ngets++] = ++j;
            else
                return RERR_SYNTAX;
        } else {
            return RERR_SYNTAX;
        }
    }
    return -1;
}

/*
 * Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first
 * '*' is replaced by the element and the key read as a string, or with
 * "->field" after the '*', as a hash field. SS_FOUND with *val (valid until
 * the next lookup), SS_MISSING, or SS_REPLIED.
 */
static ss_lookup by_pattern(ss_exec_ctx *ctx, const char *pat, size_t plen, ss_slice elem, ss_strvec *buf,
                            ss_slice *val)
{
    if (pat[0] == '#' && pat[1] == '\0') {
        *val = elem;
        return SS_FOUND;
    }
    const char *p = strchr(pat, '*');
    if (p == NULL)
        return SS_MISSING;
    const char *f = strstr(p + 1, "->");
    size_t fieldlen = f && f[2] != '\0' ? plen - (size_t)(f - pat) - 2 : 0;
    size_t prefix = (size_t)(p - pat);
    size_t postfix = plen - prefix - 1 - (fieldlen ? fieldlen + 2 : 0);
    ss_strvec_release(buf);
    int rc;
    if ((rc = ss_strvec_push(buf, pat, prefix)) != SS_OK || (rc = ss_strvec_push(buf, elem.data, elem.len)) != SS_OK ||
        (rc = ss_strvec_push(buf, p + 1, postfix)) != SS_OK) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    /* The three pieces are contiguous in buf's memory. */
    ss_slice key = {buf->mem ? buf->mem : "", buf->used};
    ss_key k;
    ss_lookup found = ss_key_open_name(ctx, ctx->db, key.data, key.len, SS_TYPE_NONE, &k);
    if (found != SS_FOUND)
        return found;
    if (!fieldlen) {
        if (k.meta.type != SS_TYPE_STRING)
            return SS_MISSING;
        *val = k.value;
        return SS_FOUND;
    }
    if (k.meta.type != SS_TYPE_HASH)
        return SS_MISSING;
    return ss_key_element(ctx, &k, f + 2, fieldlen, val);
}

typedef struct sort_item {
    size_t elem;      /* index in the elements */
    double score;
    size_t cmp;       /* ALPHA with BY: index in cmps + 1, 0: no value */
} sort_item;

typedef struct sorter {
    ss_strvec elems, cmps;
    sort_item *items;
    size_t n;
    bool desc, alpha, bypattern;
} sorter;

static sorter *sorting;

static ss_slice elem_at(const sorter *s, const sort_item *it) { return ss_strvec_at(&s->elems, it->elem); }

/* Redis's sortCompare; ties Redis's qsort (a merge sort) leaves in load
 * order are broken by the load order. */
static int cmp_items(const void *x, const void *y)
{
    const sort_item *a = x, *b = y;
    const sorter *s = sorting;
    int cmp;
    if (!s->alpha) {
        if (a->score != b->score)
            cmp = a->score > b->score ? 1 : -1;
        else
            cmp = ss_slice_cmp(elem_at(s, a), elem_at(s, b));
    } else if (s->bypattern) {
        if (!a->cmp || !b->cmp)
            cmp = a->cmp == b->cmp ? 0 : !a->cmp ? -1 : 1;
        else
            cmp = ss_slice_cmp(ss_strvec_at(&s->cmps, a->cmp - 1), ss_strvec_at(&s->cmps, b->cmp - 1));
    } else {
        cmp = ss_slice_cmp(elem_at(s, a), elem_at(s, b));
    }
    if (s->desc)
        cmp = -cmp;
    return cmp ? cmp : (a->elem > b->elem) - (a->elem < b->elem);
}

static int push_elem(void *ud, const char *m, size_t mlen, double score)
{
    (void)score;
    return ss_strvec_push(ud, m, mlen);
}

/* Every element of a set or sorted set (score order), or a list's from
 * index first, count of them, backwards when rev. */
static int load(ss_exec_ctx *ctx, const ss_key *k, long long first, long long count, bool rev, ss_strvec *out)
{
    if (k->meta.type == SS_TYPE_ZSET) {
        zrange_req q = {.r = {.by = BY_RANK, .rev = rev, .start = first, .end = first + count - 1}, .limit = -1};
        return count > 0 ? zset_range_each(ctx, k, &q, push_elem, out) : SS_OK;
    }
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    if (k->meta.type == SS_TYPE_LIST) {
        /* Elements sit at sub-keys head + i (cmd_list.c). */
        int64_t head = k->meta.hdr_len == 16 ? ss_decode_i64(k->meta.hdr) : 0;
        unsigned char sub[8];
        ss_encode_i64(head + (rev ? (int64_t)k->meta.count - 1 - first : first), sub);
        ss_ks_subiter_seek(it, sub, 8);
    } else {
        ss_ks_subiter_seek_first(it);
    }
    for (long long i = 0; rc == SS_OK && i < count && ss_ks_subiter_valid(it); i++) {
        ss_slice s = k->meta.type == SS_TYPE_LIST ? ss_ks_subiter_value(it) : ss_ks_subiter_sub(it);
        rc = ss_strvec_push(out, s.data, s.len);
        if (rev)
            ss_ks_subiter_prev(it);
        else
            ss_ks_subiter_next(it);
    }
    ss_ks_subiter_free(it);
    return rc;
}

/* Redis's strtod test of a weight: a number, all of it (up to a NUL), no
 * overflow, not NaN. */
static bool weight(ss_slice v, double *out)
{
    char buf[128], *heap = NULL, *s = buf;
    if (v.len >= sizeof buf && (s = heap = malloc(v.len + 1)) == NULL)
        return false;
    memcpy(s, v.data, v.len);
    s[v.len] = '\0';
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    bool ok = end[0] == '\0' && errno != ERANGE && !isnan(*out);
    free(heap);
    return ok;
}

/* Weights (or ALPHA's BY values) of every item; false after a reply. */
static bool weigh(ss_exec_ctx *ctx, const ss_args *a, const sort_req *q, sorter *s, bool *bad)
{
    ss_strvec key = {0};
    bool ok = true;
    for (size_t j = 0; j < s->n && ok; j++) {
        ss_slice e = elem_at(s, &s->items[j]), v = e;
        if (s->bypattern) {
            ss_lookup found = by_pattern(ctx, a->argv[q->by], a->argvlen[q->by], e, &key, &v);
            if (found == SS_REPLIED)
                ok = false;
            if (found != SS_FOUND)
                continue;
        }
        if (s->alpha) {
            if (s->bypattern) {
                int rc = ss_strvec_push(&s->cmps, v.data, v.len);
                if (rc != SS_OK) {
                    ss_exec_fail(ctx, rc);
                    ok = false;
                }
                s->items[j].cmp = s->cmps.n;
            }
        } else if (!weight(v, &s->items[j].score)) {
            *bad = true;
        }
    }
    ss_strvec_release(&key);
    return ok;
}

/* The output of item j: the element, or each GET's value (missing: nil in a
 * reply, "" in a stored list). */
static bool emit(ss_exec_ctx *ctx, const ss_args *a, const sort_req *q, const sorter *s, size_t j, ss_strvec *store,
                 ss_strvec *key)
{
    ss_slice e = elem_at(s, &s->items[j]);
    int rc = SS_OK;
    if (!q->ngets)
        rc = store ? ss_strvec_push(store, e.data, e.len) : resp_add_bulk(ctx->out, e.data, e.len);
    for (int g = 0; g < q->ngets && rc == SS_OK; g++) {
        ss_slice v;
        int at = q->gets[g];
        ss_lookup found = by_pattern(ctx, a->argv[at], a->argvlen[at], e, key, &v);
        if (found == SS_REPLIED)
            return false;
        if (found == SS_MISSING)
            v = (ss_slice){"", 0};
        if (store)
            rc = ss_strvec_push(store, v.data, v.len);
        else if (found == SS_FOUND)
            rc = resp_add_bulk(ctx->out, v.data, v.len);
        else
            rc = resp_add_null_bulk(ctx->out, ctx->proto);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    return rc == SS_OK;
}

/* Replaces dst with a list of v (deletes it when v is empty), raising
 * Redis's "sortstore" (or "del") event, and replies the count. */
static void store_list(ss_exec_ctx *ctx, const char *dst, size_t dlen, const ss_strvec *v)
{
    uint64_t bytes = (uint64_t)v->used + (uint64_t)v->n * (dlen + 8 + 32);
    if (bytes > (256ull << 20)) {
        ss_reply_err(ctx->out, RERR_SET_TOOBIG, 256);
        return;
    }
    ss_key old, k = {.name = dst, .len = dlen, .db = ctx->db};
    ss_lookup existed = ss_key_open_name(ctx, ctx->db, dst, dlen, SS_TYPE_NONE, &old);
    if (existed == SS_REPLIED)
        return;
    ss_key_create(ctx, SS_TYPE_LIST, &k);
    int rc = SS_OK;
    for (size_t i = 0; i < v->n && rc == SS_OK; i++) {
        unsigned char sub[8];
        ss_slice e = ss_strvec_at(v, i);
        ss_encode_i64((int64_t)i, sub);
        rc = ss_ks_sub_put(ctx->txn, ctx->db, dst, dlen, k.meta.version, sub, 8, e.data, e.len);
    }
    /* The list header: head and tail (exclusive) sequence numbers. */
    k.meta.count = v->n;
    k.meta.hdr_len = 16;
    ss_encode_i64(0, k.meta.hdr);
    ss_encode_i64((int64_t)v->n, k.meta.hdr + 8);
    if (rc == SS_OK)
        rc = v->n ? ss_key_save(ctx, &k) : ss_key_drop(ctx, ctx->db, dst, dlen);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if (v->n) {
        ss_exec_modified(ctx, dst, dlen);
        ss_exec_notify(ctx, SS_NOTIFY_LIST, "sortstore", dst, dlen);
        if (existed == SS_MISSING)
            ss_exec_ready(ctx, dst, dlen);
    } else if (existed == SS_FOUND) {
        ss_exec_modified(ctx, dst, dlen);
        ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", dst, dlen);
    }
    resp_add_int(ctx->out, (long long)v->n);
}

static void sort_generic(ss_exec_ctx *ctx, const ss_args *a, bool readonly)
{
    sort_req q = {0};
    sorter s = {0};
    q.gets = malloc(sizeof *q.gets * (size_t)a->argc);
    if (!q.gets) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    int err = sort_parse(a, readonly, &q);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        goto out;
    }
    if (q.store && !ctx->is_apply) { /* the row's writes hook let a storing line through as a read */
        ss_reply_err(ctx->out, RERR_INTERNAL, "store outside the log");
        goto out;
    }
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_REPLIED)
        goto out;
    ss_type t = found == SS_FOUND ? k.meta.type : SS_TYPE_LIST;
    if (t != SS_TYPE_LIST && t != SS_TYPE_SET && t != SS_TYPE_ZSET) {
        ss_reply_err(ctx->out, RERR_WRONGTYPE);
        goto out;
    }
    bool by = q.by != 0;
    if (q.dontsort && t == SS_TYPE_SET && q.store) {
        /* A stored result must not depend on the set's order: sort it. */
        q.dontsort = false;
        q.alpha = true;
        by = false;
    }
    long long len = found == SS_FOUND ? (long long)k.meta.count : 0;
    long long start = q.limit_start < 0 ? 0 : q.limit_start;
    long long end = q.limit_count < 0 ? len - 1 : start + q.limit_count - 1;
    if (start >= len) {
        start = len - 1;
        end = len - 2;
    }
    if (end >= len)
        end = len - 1;
    /* Nothing to sort in a list or sorted set: load just the range asked. */
    int rc = SS_OK;
    if (found == SS_MISSING) {
        /* an empty list */
    } else if (q.dontsort && t != SS_TYPE_SET) {
        if (end >= start) {
            rc = load(ctx, &k, start, end - start + 1, q.desc, &s.elems);
            end -= start;
            start = 0;
        }
    } else {
        rc = load(ctx, &k, 0, len, false, &s.elems);
    }
    s.n = s.elems.n;
    s.items = s.n ? calloc(s.n, sizeof *s.items) : NULL;
    if (rc == SS_OK && s.n && !s.items)
        rc = SS_ENOMEM;
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        goto out;
    }
    for (size_t j = 0; j < s.n; j++)
        s.items[j].elem = j;
    bool bad = false;
    if (!q.dontsort) {
        s.desc = q.desc;
        s.alpha = q.alpha;
        s.bypattern = by;
        if (!weigh(ctx, a, &q, &s, &bad))
            goto out;
        sorting = &s;
        if (s.n > 1) /* qsort's base may not be NULL, even for 0 items */
            qsort(s.items, s.n, sizeof *s.items, cmp_items);
        sorting = NULL;
    }
    if (bad) {
        ss_reply_err(ctx->out, RERR_SORT_SCORE);
        goto out;
    }
    long long outputlen = (q.ngets ? q.ngets : 1) * (end - start + 1);
    ss_strvec key = {0}, stored = {0};
    if (!q.store)
        resp_add_array_len(ctx->out, outputlen);
    bool ok = true;
    for (long long j = start; j <= end && ok; j++)
        ok = emit(ctx, a, &q, &s, (size_t)j, q.store ? &stored : NULL, &key);
    if (ok && q.store)
        store_list(ctx, a->argv[q.store], a->argvlen[q.store], &stored);
    ss_strvec_release(&key);
    ss_strvec_release(&stored);
out:
    ss_strvec_release(&s.elems);
    ss_strvec_release(&s.cmps);
    free(s.items);
    free(q.gets);
}

static void sortExec(ss_exec_ctx *ctx, const ss_args *a) { sort_generic(ctx, a, false); }
static void sortroExec(ss_exec_ctx *ctx, const ss_args *a) { sort_generic(ctx, a, true); }

/* SORT is a write only with STORE (any STORE word followed by an argument:
 * a line that might store goes through the log). */
static bool sortWrites(const ss_args *a)
{
    for (int i = 2; i < a->argc - 1; i++)
        if (ss_arg_is(a, i, "store"))
            return true;
    return false;
}

/* Redis's sortGetKeys: the sorted key, and the key after the last STORE;
 * LIMIT, GET and BY skip their arguments, STORE does not. */
static int sortGetKeys(const ss_args *a, ss_keyref *keys)
{
    int store = 0;
    keys[0] = (ss_keyref){1, KS_RO | KS_ACCESS};
    for (int i = 2; i < a->argc; i++) {
        if (ss_arg_is(a, i, "limit"))
            i += 2;
        else if (ss_arg_is(a, i, "store") && i + 1 < a->argc)
            store = i + 1;
        else if (ss_arg_is(a, i, "get") || ss_arg_is(a, i, "by"))
            i += 1;
    }
    if (store)
        keys[1] = (ss_keyref){store, KS_OW | KS_UPDATE};
    return store ? 2 : 1;
}

static int sortroGetKeys(const ss_args *a, ss_keyref *keys)
{
    (void)a;
    keys[0] = (ss_keyref){1, KS_RO | KS_ACCESS};
    return 1;
}

const ss_command ss_cmds_sort[] = {
    SS_WRITE("sort", -2, CMD_DENYOOM, ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_DANGEROUS, sortExec,
             .keys = {KEY(1, KS_RO | KS_ACCESS), KEYS_UNKNOWN(KS_RO | KS_ACCESS), KEYS_UNKNOWN(KS_OW | KS_UPDATE)},
             .getkeys = sortGetKeys, .writes = sortWrites),
    SS_READ("sort_ro", -2, 0, ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_DANGEROUS, sortroExec,
            .keys = {KEY(1, KS_RO | KS_ACCESS), KEYS_UNKNOWN(KS_RO | KS_ACCESS)}, .getkeys = sortroGetKeys),
};
SS_COUNT(ss_cmds_sort);
