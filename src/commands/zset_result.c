/* A sorted set built in memory (ZUNION/ZINTER/ZDIFF, ZRANGESTORE, GEOSEARCHSTORE): members with scores, merged by member, replied or stored whole. */
#include <stdlib.h>
#include <string.h>

#include "commands/zset.h"

/* FNV-1a: only orders the in-memory table, never stored. */
static uint64_t hash_bytes(const char *m, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)m[i];
        h *= 1099511628211ull;
    }
    return h;
}

void zresult_release(zresult *r)
{
    ss_strvec_release(&r->members);
    free(r->scores);
    free(r->slots);
    free(r->order);
    memset(r, 0, sizeof *r);
}

/* Doubles the slot table (a power of two, at most half full). */
static int grow_slots(zresult *r)
{
    size_t n = r->nslots ? r->nslots * 2 : 64;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return SS_ENOMEM;
    for (size_t i = 0; i < r->members.n; i++) {
        ss_slice m = ss_strvec_at(&r->members, i);
        size_t s = (size_t)hash_bytes(m.data, m.len) & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = i + 1;
    }
    free(r->slots);
    r->slots = slots;
    r->nslots = n;
    return SS_OK;
}

/* The slot of member m: holding it, or the empty one where it would go. */
static size_t find_slot(const zresult *r, const char *m, size_t mlen)
{
    size_t s = (size_t)hash_bytes(m, mlen) & (r->nslots - 1);
    for (; r->slots[s]; s = (s + 1) & (r->nslots - 1)) {
        ss_slice cur = ss_strvec_at(&r->members, r->slots[s] - 1);
        if (cur.len == mlen && (mlen == 0 || memcmp(cur.data, m, mlen) == 0))
            break;
    }
    return s;
}

static int append(zresult *r, const char *m, size_t mlen, double score)
{
    if (r->members.n == r->cap) {
        size_t n = r->cap ? r->cap * 2 : 16;
        double *sc = realloc(r->scores, n * sizeof *sc);
        if (!sc)
            return SS_ENOMEM;
        r->scores = sc;
        r->cap = n;
    }
    int rc = ss_strvec_push(&r->members, m, mlen);
    if (rc == SS_OK)
        r->scores[r->members.n - 1] = score;
    return rc;
}

int zresult_add(zresult *r, const char *m, size_t mlen, double score)
{
    return append(r, m, mlen, score);
}

int zresult_merge(zresult *r, const char *m, size_t mlen, double score, int aggregate)
{
    int rc;
    if ((r->members.n + 1) * 2 > r->nslots && (rc = grow_slots(r)) != SS_OK)
        return rc;
    size_t s = find_slot(r, m, mlen);
    if (r->slots[s]) {
        zset_aggregate(&r->scores[r->slots[s] - 1], score, aggregate);
        return SS_OK;
    }
    if ((rc = append(r, m, mlen, score)) == SS_OK)
        r->slots[s] = r->members.n;
    return rc;
}

/* Redis's zunionInterAggregate: a sum of +inf and -inf is 0. */
void zset_aggregate(double *target, double val, int aggregate)
{
    if (aggregate == ZAGG_SUM) {
        *target += val;
        if (*target != *target)
            *target = 0.0;
    } else if (aggregate == ZAGG_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

static const zresult *sorting;

/* Sorted set order: score, then member bytes. */
static int cmp_order(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    double a = sorting->scores[i], b = sorting->scores[j];
    if (a != b)
        return a < b ? -1 : 1;
    return ss_slice_cmp(ss_strvec_at(&sorting->members, i), ss_strvec_at(&sorting->members, j));
}

int zresult_sort(zresult *r)
{
    free(r->order);
    r->order = r->members.n ? malloc(r->members.n * sizeof *r->order) : NULL;
    if (r->members.n && !r->order)
        return SS_ENOMEM;
    for (size_t i = 0; i < r->members.n; i++)
        r->order[i] = i;
    /* Members are distinct, so the order is total and the sort deterministic;
     * apply runs on one thread at a time. */
    sorting = r;
    if (r->members.n > 1) /* qsort's base may not be NULL, even for 0 items */
        qsort(r->order, r->members.n, sizeof *r->order, cmp_order);
    sorting = NULL;
    return SS_OK;
}

/* The i-th element in sorted order (zresult_sort first). */
static void at(const zresult *r, size_t i, ss_slice *m, double *score)
{
    *m = ss_strvec_at(&r->members, r->order[i]);
    *score = r->scores[r->order[i]];
}

void zresult_reply(ss_exec_ctx *ctx, const zresult *r, bool withscores)
{
    size_t n = r->members.n;
    resp_add_array_len(ctx->out, withscores && ctx->proto != RESP3 ? 2 * (long long)n : (long long)n);
    for (size_t i = 0; i < n; i++) {
        ss_slice m;
        double score;
        at(r, i, &m, &score);
        if (withscores && ctx->proto == RESP3)
            resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, m.data, m.len);
        if (withscores)
            resp_add_double(ctx->out, ctx->proto, score);
    }
}

/* One command's sub-key writes must fit in the apply batch's txn (the store
 * caps one at 1 GiB, and failing there would stop every replica): the same
 * bound as the set *STORE commands (cmd_set.c), two sub-keys per member. */
#define WRITE_MAX_MB 256
#define SUBKEY_OVERHEAD 32

bool zresult_fits_or_reply(ss_exec_ctx *ctx, const zresult *r, size_t klen)
{
    uint64_t bytes = 2 * ((uint64_t)r->members.used + (uint64_t)r->members.n * (klen + 9 + 8 + SUBKEY_OVERHEAD));
    if (bytes <= ((uint64_t)WRITE_MAX_MB << 20))
        return true;
    ss_reply_err(ctx->out, RERR_SET_TOOBIG, WRITE_MAX_MB);
    return false;
}

/*
 * Replaces dst with r (sorted) as Redis's *STORE commands do: a non-empty
 * result is set (signalModifiedKey, the command's event, and ready for
 * clients blocked on a key that did not exist); an empty one deletes dst
 * ("del" if it existed). Replies the count. False after a storage error
 * (replied).
 */
bool zresult_store(ss_exec_ctx *ctx, const char *dst, size_t dlen, const zresult *r, const char *event)
{
    ss_key old, k = {.name = dst, .len = dlen, .db = ctx->db};
    ss_lookup existed = ss_key_open_name(ctx, ctx->db, dst, dlen, SS_TYPE_NONE, &old);
    if (existed == SS_REPLIED)
        return false;
    ss_key_create(ctx, SS_TYPE_ZSET, &k);
    int rc = SS_OK;
    for (size_t i = 0; i < r->members.n && rc == SS_OK; i++) {
        ss_slice m;
        double score;
        at(r, i, &m, &score);
        rc = zset_score_put(ctx, &k, m.data, m.len, false, 0, score + 0.0);
    }
    if (rc == SS_OK)
        rc = r->members.n ? ss_key_save(ctx, &k) : ss_key_drop(ctx, ctx->db, dst, dlen);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return false;
    }
    if (r->members.n) {
        ss_exec_modified(ctx, dst, dlen);
        ss_exec_notify(ctx, SS_NOTIFY_ZSET, event, dst, dlen);
        if (existed == SS_MISSING)
            ss_exec_ready(ctx, dst, dlen);
    } else if (existed == SS_FOUND) {
        ss_exec_modified(ctx, dst, dlen);
        ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", dst, dlen);
    }
    resp_add_int(ctx->out, (long long)r->members.n);
    return true;
}
