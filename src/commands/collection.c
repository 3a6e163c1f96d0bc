/* Collection helpers shared by hashes and sets: copied string lists, random picks, SCAN cursors over sub-keys. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "commands/collection.h"
#include "common/config.h"
#include "common/strutil.h"

/* ------------------------------------------------------ string lists */

int ss_strvec_push(ss_strvec *v, const void *p, size_t len)
{
    if (v->n == v->ncap) {
        size_t nc = v->ncap ? v->ncap * 2 : 16;
        size_t *off = realloc(v->off, nc * sizeof *off);
        if (!off)
            return SS_ENOMEM;
        v->off = off;
        size_t *ln = realloc(v->len, nc * sizeof *ln);
        if (!ln)
            return SS_ENOMEM;
        v->len = ln;
        v->ncap = nc;
    }
    if (v->cap - v->used < len) {
        size_t nc = v->cap ? v->cap : 256;
        while (nc - v->used < len)
            nc *= 2;
        char *mem = realloc(v->mem, nc);
        if (!mem)
            return SS_ENOMEM;
        v->mem = mem;
        v->cap = nc;
    }
    if (len)
        memcpy(v->mem + v->used, p, len);
    v->off[v->n] = v->used;
    v->len[v->n++] = len;
    v->used += len;
    return SS_OK;
}

ss_slice ss_strvec_at(const ss_strvec *v, size_t i)
{
    /* Only empty strings pushed so far: no buffer, and NULL + 0 is undefined. */
    return (ss_slice){v->mem ? v->mem + v->off[i] : "", v->len[i]};
}

void ss_strvec_release(ss_strvec *v)
{
    free(v->mem);
    free(v->off);
    free(v->len);
    memset(v, 0, sizeof *v);
}

int ss_slice_cmp(ss_slice a, ss_slice b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.data, b.data, n) : 0;
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* --------------------------------------------------- random picks */

/*
 * Single random picks (SRANDMEMBER/HRANDFIELD with a negative count, SPOP and
 * the forms without count). Small collections are copied once and indexed,
 * so each pick is O(1) and exactly uniform. Large ones are not loaded: a pick
 * seeks to a random byte string between the first and last sub-keys, O(log n)
 * but only as uniform as the members are spread over that byte range (like
 * ss_ks_random_key). Either way the choice depends only on rnd and the state.
 */
#define PICK_SMALL 256

struct ss_coll_picker {
    ss_ks_subiter *it;
    bool small;
    ss_strvec subs, vals;         /* small: every element */
    char *target;              /* large: common prefix of first and last, + 8 bytes */
    size_t plen;
    uint64_t lo, hi;           /* the 8 bytes after the prefix, big-endian, zero padded */
};

static uint64_t be8_after(ss_slice s, size_t at)
{
    unsigned char b[8] = {0};
    for (size_t i = 0; i < 8 && at + i < s.len; i++)
        b[i] = (unsigned char)s.data[at + i];
    return ss_decode_u64_be(b);
}

void ss_coll_picker_free(ss_coll_picker *p)
{
    if (!p)
        return;
    ss_ks_subiter_free(p->it);
    ss_strvec_release(&p->subs);
    ss_strvec_release(&p->vals);
    free(p->target);
    free(p);
}

/* A picker over the collection k (count > 0). */
int ss_coll_picker_new(ss_exec_ctx *ctx, const ss_key *k, ss_coll_picker **out)
{
    ss_coll_picker *p = calloc(1, sizeof *p);
    if (!p)
        return SS_ENOMEM;
    int rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &p->it);
    if (rc != SS_OK) {
        free(p);
        return rc;
    }
    p->small = k->meta.count <= PICK_SMALL;
    if (p->small) {
        for (ss_ks_subiter_seek_first(p->it); ss_ks_subiter_valid(p->it); ss_ks_subiter_next(p->it)) {
            ss_slice s = ss_ks_subiter_sub(p->it), v = ss_ks_subiter_value(p->it);
            if ((rc = ss_strvec_push(&p->subs, s.data, s.len)) != SS_OK ||
                (rc = ss_strvec_push(&p->vals, v.data, v.len)) != SS_OK)
                goto fail;
        }
        if (p->subs.n == 0) {
            rc = SS_ENOTFOUND;
            goto fail;
        }
        *out = p;
        return SS_OK;
    }
    ss_ks_subiter_seek_first(p->it);
    if (!ss_ks_subiter_valid(p->it)) {
        rc = SS_ENOTFOUND;
        goto fail;
    }
    ss_slice first = ss_ks_subiter_sub(p->it);
    ss_strvec tmp = {0};
    if ((rc = ss_strvec_push(&tmp, first.data, first.len)) != SS_OK) {
        ss_strvec_release(&tmp);
        goto fail;
    }
    first = ss_strvec_at(&tmp, 0);
    ss_ks_subiter_seek_last(p->it);
    ss_slice last = ss_ks_subiter_sub(p->it);
    size_t n = 0;
    while (n < first.len && n < last.len && first.data[n] == last.data[n])
        n++;
    p->plen = n;
    p->target = malloc(n + 8);
    if (!p->target) {
        ss_strvec_release(&tmp);
        rc = SS_ENOMEM;
        goto fail;
    }
    memcpy(p->target, first.data, n);
    p->lo = be8_after(first, n);
    p->hi = be8_after(last, n);
    if (p->hi < p->lo)
        p->hi = p->lo;
    ss_strvec_release(&tmp);
    *out = p;
    return SS_OK;
fail:
    ss_coll_picker_free(p);
    return rc;
}

/* One element chosen by rnd; the slices live until the next pick or free. */
void ss_coll_picker_pick(ss_coll_picker *p, uint64_t rnd, ss_slice *sub, ss_slice *val)
{
    if (p->small) {
        size_t i = (size_t)(rnd % p->subs.n);
        *sub = ss_strvec_at(&p->subs, i);
        *val = ss_strvec_at(&p->vals, i);
        return;
    }
    uint64_t span = p->hi - p->lo + 1; /* 0: the whole 64-bit range */
    uint64_t t = p->lo + (span ? rnd % span : rnd);
    ss_encode_u64_be(t, (unsigned char *)p->target + p->plen);
    ss_ks_subiter_seek(p->it, p->target, p->plen + 8);
    if (!ss_ks_subiter_valid(p->it))
        ss_ks_subiter_seek_last(p->it);
    *sub = ss_ks_subiter_sub(p->it);
    *val = ss_ks_subiter_value(p->it);
}

/*
 * Few elements from a large collection: independent picks, duplicates
 * thrown away, so the work follows k rather than the collection's size.
 * SS_EAGAIN when the picks keep repeating (members crowded in a narrow byte
 * range defeat the large picker): the caller walks instead.
 */
#define SAMPLE_PICKS_MAX 1024


static int sample_by_picks(ss_exec_ctx *ctx, const ss_key *k, uint64_t n, ss_coll_cb cb, void *ud)
{
    ss_coll_picker *p;
    int rc = ss_coll_picker_new(ctx, k, &p);
    if (rc != SS_OK)
        return rc;
    ss_strvec subs = {0}, vals = {0};
    for (uint64_t tries = 0; rc == SS_OK && subs.n < n && tries < n * 16; tries++) {
        ss_slice s, v;
        ss_coll_picker_pick(p, ss_exec_rand(ctx), &s, &v);
        bool dup = false;
        for (size_t i = 0; i < subs.n && !dup; i++)
            dup = ss_slice_cmp(ss_strvec_at(&subs, i), s) == 0;
        if (!dup && (rc = ss_strvec_push(&subs, s.data, s.len)) == SS_OK)
            rc = ss_strvec_push(&vals, v.data, v.len);
    }
    ss_coll_picker_free(p);
    if (rc == SS_OK && subs.n < n)
        rc = SS_EAGAIN;
    for (size_t i = 0; rc == SS_OK && i < subs.n; i++)
        rc = cb(ud, ss_strvec_at(&subs, i), ss_strvec_at(&vals, i));
    ss_strvec_release(&subs);
    ss_strvec_release(&vals);
    return rc;
}

/*
 * Calls cb on n distinct elements (n <= count) chosen at random. A few from
 * a large collection come from independent picks (in pick order); otherwise
 * one pass of Knuth's selection sampling (each element taken with
 * probability needed/remaining: uniform, in sub-key order, O(count)).
 * Deterministic for a given ctx->rng and state.
 */
int ss_coll_sample(ss_exec_ctx *ctx, const ss_key *k, uint64_t n, ss_coll_cb cb, void *ud)
{
    int rc;
    if (k->meta.count > PICK_SMALL && n <= SAMPLE_PICKS_MAX && n * 4 <= k->meta.count) {
        rc = sample_by_picks(ctx, k, n, cb, ud);
        if (rc != SS_EAGAIN)
            return rc;
    }
    ss_ks_subiter *it;
    rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    uint64_t remaining = k->meta.count;
    for (ss_ks_subiter_seek_first(it); n > 0 && remaining > 0 && ss_ks_subiter_valid(it);
         ss_ks_subiter_next(it), remaining--) {
        if (ss_exec_rand(ctx) % remaining >= n)
            continue;
        if ((rc = cb(ud, ss_ks_subiter_sub(it), ss_ks_subiter_value(it))) != SS_OK)
            break;
        n--;
    }
    ss_ks_subiter_free(it);
    return rc;
}

int ss_coll_each(ss_exec_ctx *ctx, const ss_key *k, ss_coll_each_cb cb, void *ud)
{
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    for (ss_ks_subiter_seek_first(it); ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it), val = ss_ks_subiter_value(it);
        if (k->meta.type == SS_TYPE_ZSET) {
            /* 'm' hash64(member) member -> score (commands/zset.h) */
            if (sub.len < 9 || sub.data[0] != 'm')
                continue;
            sub.data += 9;
            sub.len -= 9;
        }
        if (!cb(ud, sub, val))
            break;
    }
    ss_ks_subiter_free(it);
    return SS_OK;
}

/* Counts beyond this for the repeating (negative count) forms are refused
 * with "value is out of range": Redis would try to build the reply and run
 * out of memory. */
const long long ss_coll_repeat_max = 1LL << 20;

/* ------------------------------------------------------ SCAN cursors */

/*
 * HSCAN/SSCAN cursors over byte-ordered sub-keys. A cursor names the first
 * (up to) 7 bytes of the next sub-key to return: (bytes, big-endian, << 3) |
 * length; 0 is the start and the end. A call only stops between two sub-keys
 * whose 7-byte prefixes differ, so seeking to the cursor's bytes lands exactly
 * on the next unreturned element: every element present throughout a scan is
 * returned exactly once, and each call makes progress. A run of more than
 * COUNT elements sharing a 7-byte prefix comes back in one call (COUNT is a
 * hint in Redis too).
 */
#define CURSOR_BYTES 7
#define SCAN_SMALL 128

static uint64_t cursor_of(ss_slice s)
{
    size_t n = s.len < CURSOR_BYTES ? s.len : CURSOR_BYTES;
    uint64_t c = 0;
    for (size_t i = 0; i < CURSOR_BYTES; i++)
        c = (c << 8) | (i < n ? (unsigned char)s.data[i] : 0);
    return (c << 3) | n;
}

static size_t cursor_bytes(uint64_t c, char out[CURSOR_BYTES])
{
    size_t n = c & 7;
    if (n > CURSOR_BYTES)
        n = CURSOR_BYTES;
    for (size_t i = 0; i < CURSOR_BYTES; i++)
        out[i] = (char)((c >> (3 + 8 * (CURSOR_BYTES - 1 - i))) & 0xFF);
    return n;
}

static bool same_prefix(ss_slice a, ss_slice b)
{
    size_t na = a.len < CURSOR_BYTES ? a.len : CURSOR_BYTES;
    size_t nb = b.len < CURSOR_BYTES ? b.len : CURSOR_BYTES;
    return na == nb && memcmp(a.data, b.data, na) == 0;
}

/* Parses a cursor as Redis does (strtoul: an unsigned 64-bit number; Redis
 * accepts what strtoul does, including a sign). */
static bool scan_cursor(ss_exec_ctx *ctx, const ss_args *a, int i, uint64_t *cursor)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(a->argv[i], &end, 10);
    if (errno == ERANGE || *end != '\0') {
        ss_reply_err(ctx->out, RERR_INVALID_CURSOR);
        return false;
    }
    *cursor = v;
    return true;
}

/* Replies "*2 <cursor> <elements>" for HSCAN/SSCAN on an existing collection,
 * after parsing [MATCH pattern] [COUNT count] from argument 3. */
static void scan_page(ss_exec_ctx *ctx, const ss_args *a, const ss_key *k, uint64_t cursor, bool values)
{
    long long count = 10;
    const char *pat = NULL;
    size_t plen = 0;
    for (int i = 3; i < a->argc; i += 2) {
        if (ss_arg_is(a, i, "count") && i + 1 < a->argc) {
            if (!ss_arg_ll_or_reply(ctx, a, i + 1, &count))
                return;
            if (count < 1) {
                ss_reply_err(ctx->out, RERR_SYNTAX);
                return;
            }
        } else if (ss_arg_is(a, i, "match") && i + 1 < a->argc) {
            pat = a->argv[i + 1];
            plen = a->argvlen[i + 1];
            if (plen == 1 && pat[0] == '*')
                pat = NULL;
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
    }
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, k->db, k->name, k->len, k->meta.version, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    /* Like Redis's compact encodings (listpack, intset), a small collection
     * comes back whole in one call. */
    if (k->meta.count <= SCAN_SMALL)
        count = LLONG_MAX;
    char start[CURSOR_BYTES];
    size_t slen = cursor_bytes(cursor, start);
    ss_ks_subiter_seek(it, start, slen);
    ss_buf items;
    ss_buf_init(&items, 0);
    long long n = 0, examined = 0;
    char lastbuf[CURSOR_BYTES];
    ss_slice last = {lastbuf, 0};
    uint64_t next = 0;
    for (; ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice s = ss_ks_subiter_sub(it);
        if (examined >= count && !same_prefix(s, last)) {
            next = cursor_of(s);
            break;
        }
        if (!pat || ss_stringmatch(pat, plen, s.data, s.len, false)) {
            resp_add_bulk(&items, s.data, s.len);
            n++;
            if (values) {
                ss_slice v = ss_ks_subiter_value(it);
                resp_add_bulk(&items, v.data, v.len);
                n++;
            }
        }
        last.len = s.len < CURSOR_BYTES ? s.len : CURSOR_BYTES;
        memcpy(lastbuf, s.data, last.len);
        examined++;
    }
    ss_ks_subiter_free(it);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk_ll(ctx->out, (long long)next); /* < 2^59: fits */
    resp_add_array_len(ctx->out, n);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    ss_buf_release(&items);
}

void ss_coll_scan_command(ss_exec_ctx *ctx, const ss_args *a, ss_type type)
{
    uint64_t cursor;
    if (!scan_cursor(ctx, a, 2, &cursor))
        return;
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, type, &k);
    if (found == SS_MISSING) {
        /* An empty, finished scan: "*2 $1 0 *0". */
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, "0", 1);
        resp_add_array_len(ctx->out, 0);
    } else if (found == SS_FOUND) {
        scan_page(ctx, a, &k, cursor, type == SS_TYPE_HASH);
    }
}

/* SRANDMEMBER/HRANDFIELD's count: -LONG_MAX..LONG_MAX as Redis checks it. */
bool ss_coll_rand_count(ss_exec_ctx *ctx, const ss_args *a, int i, long long *count)
{
    if (!ss_arg_ll_or_reply(ctx, a, i, count))
        return false;
    if (*count == LLONG_MIN) {
        ss_reply_err(ctx->out, RERR_RANGE_LONG);
        return false;
    }
    return true;
}
