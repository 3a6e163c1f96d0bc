/* List commands. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"

/*
 * Layout: element i of a list lives in the sub-key ss_encode_i64(head + i),
 * where head and tail (exclusive) are kept in meta.hdr and the sequence
 * [head, tail) is always dense: meta.count == tail - head. Pushes and pops
 * at either end are O(1) per element, LINDEX/LSET O(1), LRANGE O(S + N)
 * with one seek. LINSERT shifts the shorter side of the pivot (O(N/2)
 * writes at most); LREM compacts what follows the first removal (O(N)).
 */
typedef struct list {
    ss_key k;
    int64_t head, tail;
} list;

static long long llen(const list *l) { return l->tail - l->head; }

/* Opens argument argi as a list (the typed lookup, then head and tail). */
static ss_lookup list_open(ss_exec_ctx *ctx, const ss_args *a, int argi, list *l)
{
    l->head = l->tail = 0;
    ss_lookup found = ss_key_open(ctx, a, argi, SS_TYPE_LIST, &l->k);
    if (found == SS_FOUND && l->k.meta.hdr_len == 16) {
        l->head = ss_decode_i64(l->k.meta.hdr);
        l->tail = ss_decode_i64(l->k.meta.hdr + 8);
    }
    return found;
}

/* Makes an opened, missing list a fresh, empty one. */
static void list_create(ss_exec_ctx *ctx, list *l)
{
    ss_key_create(ctx, SS_TYPE_LIST, &l->k);
    l->head = l->tail = 0;
}

/* Writes the metadata back, deleting the key when the list is empty. */
static int list_save(ss_exec_ctx *ctx, list *l)
{
    l->k.meta.count = (uint64_t)(l->tail - l->head);
    l->k.meta.hdr_len = 16;
    ss_encode_i64(l->head, l->k.meta.hdr);
    ss_encode_i64(l->tail, l->k.meta.hdr + 8);
    return ss_key_save(ctx, &l->k);
}

/* list_save with the events (ss_key_save_notify); false after replying a
 * storage error. */
static bool list_save_notify(ss_exec_ctx *ctx, list *l, bool created, const char *event)
{
    l->k.meta.count = (uint64_t)(l->tail - l->head);
    l->k.meta.hdr_len = 16;
    ss_encode_i64(l->head, l->k.meta.hdr);
    ss_encode_i64(l->tail, l->k.meta.hdr + 8);
    return ss_key_save_notify(ctx, &l->k, created, SS_NOTIFY_LIST, event);
}

static int elem_get(ss_exec_ctx *ctx, const list *l, int64_t seq, ss_slice *v)
{
    unsigned char sub[8];
    ss_encode_i64(seq, sub);
    int rc = ss_ks_sub_get(ctx->txn, l->k.db, l->k.name, l->k.len, l->k.meta.version, sub, 8, v);
    return rc == SS_ENOTFOUND ? SS_ECORRUPT : rc; /* [head, tail) is dense */
}

static int elem_put(ss_exec_ctx *ctx, const list *l, int64_t seq, const void *v, size_t vlen)
{
    unsigned char sub[8];
    ss_encode_i64(seq, sub);
    return ss_ks_sub_put(ctx->txn, l->k.db, l->k.name, l->k.len, l->k.meta.version, sub, 8, v, vlen);
}

static int elem_del(ss_exec_ctx *ctx, const list *l, int64_t seq)
{
    unsigned char sub[8];
    ss_encode_i64(seq, sub);
    return ss_ks_sub_del(ctx->txn, l->k.db, l->k.name, l->k.len, l->k.meta.version, sub, 8);
}

/* An iterator positioned at seq (forward) or at the last element <= seq. */
static int iter_at(ss_exec_ctx *ctx, const list *l, int64_t seq, bool forward, ss_ks_subiter **it)
{
    int rc = ss_ks_subiter_new(ctx->txn, l->k.db, l->k.name, l->k.len, l->k.meta.version, it);
    if (rc != SS_OK)
        return rc;
    unsigned char sub[8];
    ss_encode_i64(seq, sub);
    if (forward)
        ss_ks_subiter_seek(*it, sub, 8);
    else
        ss_ks_subiter_seek_for_prev(*it, sub, 8);
    return SS_OK;
}

static int64_t iter_seq(const ss_ks_subiter *it)
{
    ss_slice s = ss_ks_subiter_sub(it);
    return s.len == 8 ? ss_decode_i64((const unsigned char *)s.data) : INT64_MIN;
}

/* Normalizes a Redis index (negative counts from the end); false if out of range. */
static bool list_index(const list *l, long long idx, int64_t *seq)
{
    long long n = llen(l);
    if (idx < 0)
        idx += n;
    if (idx < 0 || idx >= n)
        return false;
    *seq = l->head + idx;
    return true;
}

/* LRANGE's and LTRIM's range over a list of n elements, as Redis reads it:
 * negative indexes count from the end, start clamps at 0 and end at n - 1.
 * False when nothing is in range. */
static bool list_range(long long n, long long *start, long long *end)
{
    if (*start < 0)
        *start += n;
    if (*end < 0)
        *end += n;
    if (*start < 0)
        *start = 0;
    if (*start > *end || *start >= n)
        return false;
    if (*end >= n)
        *end = n - 1;
    return true;
}

/* ------------------------------------------------------------------ push */

static void push_generic(ss_exec_ctx *ctx, const ss_args *a, bool left, bool only_existing)
{
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        if (only_existing) {
            resp_add_shared(ctx->out, RESP_SH_CZERO);
            return;
        }
        list_create(ctx, &l);
    }
    for (int i = 2; i < a->argc; i++) {
        int64_t seq = left ? --l.head : l.tail++;
        int rc = elem_put(ctx, &l, seq, a->argv[i], a->argvlen[i]);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
    }
    if (!list_save_notify(ctx, &l, found == SS_MISSING, left ? "lpush" : "rpush"))
        return;
    resp_add_int(ctx->out, llen(&l));
}

static void lpushExec(ss_exec_ctx *ctx, const ss_args *a) { push_generic(ctx, a, true, false); }
static void rpushExec(ss_exec_ctx *ctx, const ss_args *a) { push_generic(ctx, a, false, false); }
static void lpushxExec(ss_exec_ctx *ctx, const ss_args *a) { push_generic(ctx, a, true, true); }
static void rpushxExec(ss_exec_ctx *ctx, const ss_args *a) { push_generic(ctx, a, false, true); }

/* ------------------------------------------------------------------ pop */

/* Pops up to n elements from one end, replying each as a bulk string; the
 * caller saves. */
static int pop_elems(ss_exec_ctx *ctx, list *l, bool left, long long n)
{
    for (long long i = 0; i < n; i++) {
        int64_t seq = left ? l->head : l->tail - 1;
        ss_slice v;
        int rc = elem_get(ctx, l, seq, &v);
        if (rc != SS_OK)
            return rc;
        resp_add_bulk(ctx->out, v.data, v.len); /* before the delete frees v */
        if ((rc = elem_del(ctx, l, seq)) != SS_OK)
            return rc;
        if (left)
            l->head++;
        else
            l->tail--;
    }
    return SS_OK;
}

static bool pop_parse(ss_exec_ctx *ctx, const ss_args *a, long long *count)
{
    *count = -1;
    if (a->argc > 3) {
        ss_reply_err(ctx->out, RERR_ARITY, ss_arg_is(a, 0, "lpop") ? "lpop" : "rpop");
        return false;
    }
    if (a->argc == 3 && (!ss_parse_ll(a->argv[2], a->argvlen[2], count) || *count < 0)) {
        ss_reply_err(ctx->out, RERR_MUST_POSITIVE);
        return false;
    }
    return true;
}

static bool popPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long count;
    if (a->argc > 3) {
        ss_reply_err(out, RERR_ARITY, ss_arg_is(a, 0, "lpop") ? "lpop" : "rpop");
        return false;
    }
    if (a->argc == 3 && (!ss_parse_ll(a->argv[2], a->argvlen[2], &count) || count < 0)) {
        ss_reply_err(out, RERR_MUST_POSITIVE);
        return false;
    }
    return true;
}

static void pop_generic(ss_exec_ctx *ctx, const ss_args *a, bool left)
{
    long long count;
    if (!pop_parse(ctx, a, &count))
        return;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        if (count < 0)
            resp_add_null_bulk(ctx->out, ctx->proto);
        else
            resp_add_null_array(ctx->out, ctx->proto);
        return;
    }
    if (count >= 0) {
        if (count > llen(&l))
            count = llen(&l);
        resp_add_array_len(ctx->out, count);
        if (count == 0)
            return; /* nothing to write */
    }
    int rc = pop_elems(ctx, &l, left, count < 0 ? 1 : count);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        list_save_notify(ctx, &l, false, left ? "lpop" : "rpop");
}

static void lpopExec(ss_exec_ctx *ctx, const ss_args *a) { pop_generic(ctx, a, true); }

/* Pops from the first non-empty list of a->argv[first..first+n): as LMPOP
 * ([key, [elements]]) or, flat, as BLPOP ([key, element]). */
static void mpop_first(ss_exec_ctx *ctx, const ss_args *a, int first, long long n, bool left, long long count,
                       bool flat)
{
    for (int i = first; i < first + n; i++) {
        list l;
        ss_lookup found = list_open(ctx, a, i, &l);
        if (found == SS_REPLIED)
            return;
        if (found == SS_MISSING || llen(&l) == 0)
            continue;
        if (count > llen(&l))
            count = llen(&l);
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, a->argv[i], a->argvlen[i]);
        if (!flat)
            resp_add_array_len(ctx->out, count);
        int rc = pop_elems(ctx, &l, left, count);
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        else
            list_save_notify(ctx, &l, false, left ? "lpop" : "rpop");
        return;
    }
    resp_add_null_array(ctx->out, ctx->proto);
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first
 * non-empty list, [key, [elements]], or a null array (lmpopGenericCommand). */
static void lmpopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long numkeys, count;
    bool left;
    if (ss_mpop_parse(a, 1, "left", "right", &numkeys, &left, &count, ctx->out))
        mpop_first(ctx, a, 2, numkeys, left, count, false);
}

/*
 * The blocking forms. Their apply half never blocks: it pops, or answers
 * what Redis answers on a timeout (as inside MULTI). The engine
 * (engine/blocking.c) makes a client wait on that answer and proposes the
 * command again when one of its keys is signaled ready.
 */
static void blpopExec(ss_exec_ctx *ctx, const ss_args *a) { mpop_first(ctx, a, 1, a->argc - 2, true, 1, true); }
static void brpopExec(ss_exec_ctx *ctx, const ss_args *a) { mpop_first(ctx, a, 1, a->argc - 2, false, 1, true); }

static void blmpopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long numkeys, count;
    bool left;
    if (ss_mpop_parse(a, 2, "left", "right", &numkeys, &left, &count, ctx->out))
        mpop_first(ctx, a, 3, numkeys, left, count, false);
}

static bool timeout_ok(const ss_args *a, int i, ss_buf *out)
{
    int64_t deadline;
    return ss_parse_timeout(a->argv[i], a->argvlen[i], 0, &deadline, out);
}

static bool blockPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    return timeout_ok(a, a->argc - 1, out);
}

static bool blmpopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long numkeys, count;
    bool left;
    return timeout_ok(a, 1, out) && ss_mpop_parse(a, 2, "left", "right", &numkeys, &left, &count, out);
}

static int blmpopGetKeys(const ss_args *a, ss_keyref *keys) { return ss_getkeys_counted(a, 0, 2, 3, 1, keys); }

static bool lmpopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long numkeys, count;
    bool left;
    return ss_mpop_parse(a, 1, "left", "right", &numkeys, &left, &count, out);
}

static int mpopGetKeys(const ss_args *a, ss_keyref *keys) { return ss_getkeys_counted(a, 0, 1, 2, 1, keys); }
static void rpopExec(ss_exec_ctx *ctx, const ss_args *a) { pop_generic(ctx, a, false); }

/* ------------------------------------------------------------------ reads */

static void llenExec(ss_exec_ctx *ctx, const ss_args *a)
{
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found != SS_REPLIED)
        resp_add_int(ctx->out, found == SS_FOUND ? llen(&l) : 0);
}

static void lrangeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long start, end;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &start) || !ss_arg_ll_or_reply(ctx, a, 3, &end))
        return;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (!list_range(found == SS_FOUND ? llen(&l) : 0, &start, &end)) {
        resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        return;
    }
    ss_ks_subiter *it;
    int rc = iter_at(ctx, &l, l.head + start, true, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    long long want = end - start + 1, got = 0;
    resp_add_array_len(ctx->out, want);
    for (; got < want && ss_ks_subiter_valid(it); got++, ss_ks_subiter_next(it)) {
        ss_slice v = ss_ks_subiter_value(it);
        resp_add_bulk(ctx->out, v.data, v.len);
    }
    ss_ks_subiter_free(it);
    if (got != want)
        ss_exec_fail(ctx, SS_ECORRUPT);
}

/* LINDEX and LSET look the key up before parsing the index, as Redis does. */
static void lindexExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long idx = 0;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_FOUND && !ss_arg_ll_or_reply(ctx, a, 2, &idx))
        return;
    int64_t seq;
    if (found == SS_MISSING || !list_index(&l, idx, &seq)) {
        resp_add_null_bulk(ctx->out, ctx->proto);
        return;
    }
    ss_slice v;
    int rc = elem_get(ctx, &l, seq, &v);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_bulk(ctx->out, v.data, v.len);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]. */
typedef struct lpos_opts {
    long long rank, count, maxlen;
    bool has_count;
} lpos_opts;

static bool lpos_parse(const ss_args *a, lpos_opts *o, ss_buf *out)
{
    o->rank = 1;
    o->count = 1;
    o->maxlen = 0;
    o->has_count = false;
    for (int i = 3; i < a->argc; i++) {
        bool more = i + 1 < a->argc;
        long long v;
        if (more && (ss_arg_is(a, i, "rank") || ss_arg_is(a, i, "count") || ss_arg_is(a, i, "maxlen"))) {
            if (!ss_parse_ll(a->argv[i + 1], a->argvlen[i + 1], &v)) {
                ss_reply_err(out, RERR_NOTINT);
                return false;
            }
            if (ss_arg_is(a, i, "rank")) {
                if (v == 0) {
                    ss_reply_err(out, RERR_LPOS_RANK);
                    return false;
                }
                o->rank = v;
            } else if (ss_arg_is(a, i, "count")) {
                if (v < 0) {
                    ss_reply_err(out, RERR_LPOS_COUNT);
                    return false;
                }
                o->count = v;
                o->has_count = true;
            } else {
                if (v < 0) {
                    ss_reply_err(out, RERR_LPOS_MAXLEN);
                    return false;
                }
                o->maxlen = v;
            }
            i++;
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static void lposExec(ss_exec_ctx *ctx, const ss_args *a)
{
    lpos_opts o;
    if (!lpos_parse(a, &o, ctx->out))
        return;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        if (o.has_count)
            resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        else
            resp_add_null_bulk(ctx->out, ctx->proto);
        return;
    }
    bool forward = o.rank > 0;
    /* Redis negates LONG_MIN into itself, which then behaves as rank -1. */
    long long skip = o.rank == LLONG_MIN ? 0 : (forward ? o.rank : -o.rank) - 1;
    long long limit = o.count == 0 ? LLONG_MAX : o.count;
    ss_ks_subiter *it;
    int rc = iter_at(ctx, &l, forward ? l.head : l.tail - 1, forward, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    /* Matches are few or bounded by the list: collect them into a reply
     * buffer of their own so the array length can go first. */
    ss_buf matches;
    ss_buf_init(&matches, 0);
    long long nmatch = 0, scanned = 0;
    const char *el = a->argv[2];
    size_t ellen = a->argvlen[2];
    while (ss_ks_subiter_valid(it) && nmatch < limit && (o.maxlen == 0 || scanned < o.maxlen)) {
        ss_slice v = ss_ks_subiter_value(it);
        if (v.len == ellen && memcmp(v.data, el, ellen) == 0) {
            if (skip > 0) {
                skip--;
            } else {
                resp_add_int(&matches, iter_seq(it) - l.head);
                nmatch++;
            }
        }
        scanned++;
        if (forward)
            ss_ks_subiter_next(it);
        else
            ss_ks_subiter_prev(it);
    }
    ss_ks_subiter_free(it);
    if (o.has_count) {
        resp_add_array_len(ctx->out, nmatch);
        resp_add_raw(ctx->out, ss_buf_data(&matches), ss_buf_len(&matches));
    } else if (nmatch == 0) {
        resp_add_null_bulk(ctx->out, ctx->proto);
    } else {
        resp_add_raw(ctx->out, ss_buf_data(&matches), ss_buf_len(&matches));
    }
    ss_buf_release(&matches);
}

/* ------------------------------------------------------------------ writes */

static void lsetExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long idx;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    int64_t seq;
    if (found == SS_MISSING) {
        ss_reply_err(ctx->out, RERR_NOKEY);
        return;
    }
    if (!ss_arg_ll_or_reply(ctx, a, 2, &idx))
        return;
    if (!list_index(&l, idx, &seq)) {
        ss_reply_err(ctx->out, RERR_OUTOFRANGE);
        return;
    }
    int rc = elem_put(ctx, &l, seq, a->argv[3], a->argvlen[3]);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    ss_exec_changed(ctx, SS_NOTIFY_LIST, "lset", l.k.name, l.k.len, false);
    resp_add_shared(ctx->out, RESP_SH_OK);
}

/* Makes room for one element at position pos (0..len) by shifting the
 * shorter side outwards; returns the free sequence number in *seq. */
static int open_gap(ss_exec_ctx *ctx, list *l, long long pos, int64_t *seq)
{
    long long n = llen(l);
    bool shift_front = pos <= n / 2;
    ss_ks_subiter *it;
    int rc = iter_at(ctx, l, shift_front ? l->head : l->tail - 1, shift_front, &it);
    if (rc != SS_OK)
        return rc;
    /* Writing the slot just left behind never disturbs the walk ahead. */
    long long moves = shift_front ? pos : n - pos;
    for (long long i = 0; i < moves && rc == SS_OK; i++) {
        if (!ss_ks_subiter_valid(it)) {
            rc = SS_ECORRUPT;
            break;
        }
        int64_t s = iter_seq(it);
        ss_slice v = ss_ks_subiter_value(it);
        rc = elem_put(ctx, l, shift_front ? s - 1 : s + 1, v.data, v.len);
        if (shift_front)
            ss_ks_subiter_next(it);
        else
            ss_ks_subiter_prev(it);
    }
    ss_ks_subiter_free(it);
    if (shift_front) {
        l->head--;
        *seq = l->head + pos;
    } else {
        l->tail++;
        *seq = l->head + pos;
    }
    return rc;
}

static void linsertExec(ss_exec_ctx *ctx, const ss_args *a)
{
    bool after;
    if (ss_arg_is(a, 2, "after"))
        after = true;
    else if (ss_arg_is(a, 2, "before"))
        after = false;
    else {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    ss_ks_subiter *it;
    int rc = iter_at(ctx, &l, l.head, true, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    long long pos = -1;
    for (long long i = 0; ss_ks_subiter_valid(it); i++, ss_ks_subiter_next(it)) {
        ss_slice v = ss_ks_subiter_value(it);
        if (v.len == a->argvlen[3] && memcmp(v.data, a->argv[3], v.len) == 0) {
            pos = i;
            break;
        }
    }
    ss_ks_subiter_free(it);
    if (pos < 0) {
        resp_add_shared(ctx->out, RESP_SH_CMINUSONE);
        return;
    }
    int64_t seq;
    rc = open_gap(ctx, &l, after ? pos + 1 : pos, &seq);
    if (rc == SS_OK)
        rc = elem_put(ctx, &l, seq, a->argv[4], a->argvlen[4]);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (list_save_notify(ctx, &l, false, "linsert"))
        resp_add_int(ctx->out, llen(&l));
}

/* LREM: walks from the chosen end, moving each kept element into the slot
 * after the last kept one, then drops the freed slots at that end. */
static void lremExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long count;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &count))
        return;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    bool forward = count >= 0;
    unsigned long long limit = count == 0 ? ULLONG_MAX
                             : count > 0 ? (unsigned long long)count : 0ULL - (unsigned long long)count;
    ss_ks_subiter *it;
    int rc = iter_at(ctx, &l, forward ? l.head : l.tail - 1, forward, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    int64_t w = forward ? l.head : l.tail - 1;
    unsigned long long removed = 0;
    const char *el = a->argv[3];
    size_t ellen = a->argvlen[3];
    while (rc == SS_OK && ss_ks_subiter_valid(it)) {
        int64_t s = iter_seq(it);
        ss_slice v = ss_ks_subiter_value(it);
        if (removed < limit && v.len == ellen && memcmp(v.data, el, ellen) == 0) {
            removed++;
        } else {
            if (s != w)
                rc = elem_put(ctx, &l, w, v.data, v.len);
            w += forward ? 1 : -1;
        }
        if (forward)
            ss_ks_subiter_next(it);
        else
            ss_ks_subiter_prev(it);
    }
    ss_ks_subiter_free(it);
    for (unsigned long long i = 0; rc == SS_OK && i < removed; i++)
        rc = elem_del(ctx, &l, forward ? l.tail - 1 - (int64_t)i : l.head + (int64_t)i);
    if (forward)
        l.tail -= (int64_t)removed;
    else
        l.head += (int64_t)removed;
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (removed == 0 || list_save_notify(ctx, &l, false, "lrem"))
        resp_add_int(ctx->out, (long long)removed);
}

static void ltrimExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long start, end;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &start) || !ss_arg_ll_or_reply(ctx, a, 3, &end))
        return;
    list l;
    ss_lookup found = list_open(ctx, a, 1, &l);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_OK);
        return;
    }
    long long n = llen(&l), ltrim, rtrim;
    if (!list_range(n, &start, &end)) {
        ltrim = n; /* everything goes */
        rtrim = 0;
    } else {
        ltrim = start;
        rtrim = n - end - 1;
    }
    int rc = SS_OK;
    if (ltrim == n) {
        rc = ss_key_drop(ctx, l.k.db, l.k.name, l.k.len); /* O(1) */
    } else {
        for (long long i = 0; rc == SS_OK && i < ltrim; i++)
            rc = elem_del(ctx, &l, l.head + i);
        for (long long i = 0; rc == SS_OK && i < rtrim; i++)
            rc = elem_del(ctx, &l, l.tail - 1 - i);
        l.head += ltrim;
        l.tail -= rtrim;
        if (rc == SS_OK && (ltrim || rtrim))
            rc = list_save(ctx, &l);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    /* Redis raises "ltrim" even when nothing was trimmed. */
    ss_exec_changed(ctx, SS_NOTIFY_LIST, "ltrim", l.k.name, l.k.len, ltrim == n);
    resp_add_shared(ctx->out, RESP_SH_OK);
}

/* ------------------------------------------------------------------ move */

static void move_generic(ss_exec_ctx *ctx, const ss_args *a, bool from_left, bool to_left)
{
    list src, dst;
    ss_lookup found = list_open(ctx, a, 1, &src);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_null_bulk(ctx->out, ctx->proto);
        return;
    }
    found = list_open(ctx, a, 2, &dst);
    if (found == SS_REPLIED)
        return;
    bool same = a->argvlen[1] == a->argvlen[2] && memcmp(a->argv[1], a->argv[2], a->argvlen[1]) == 0;
    bool dst_created = found == SS_MISSING;
    int64_t seq = from_left ? src.head : src.tail - 1;
    ss_slice v;
    int rc = elem_get(ctx, &src, seq, &v);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    char *el = malloc(v.len ? v.len : 1);
    if (el == NULL) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    size_t ellen = v.len;
    memcpy(el, v.data, v.len);
    if ((rc = elem_del(ctx, &src, seq)) == SS_OK) {
        if (from_left)
            src.head++;
        else
            src.tail--;
        rc = list_save(ctx, &src);
    }
    /* The source may be the destination: look it up again after the pop. */
    if (rc == SS_OK) {
        found = list_open(ctx, a, 2, &dst);
        if (found == SS_REPLIED) {
            free(el);
            return;
        }
        if (found == SS_MISSING)
            list_create(ctx, &dst);
        rc = elem_put(ctx, &dst, to_left ? --dst.head : dst.tail++, el, ellen);
        if (rc == SS_OK)
            rc = list_save(ctx, &dst);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        free(el);
        return;
    }
    /* Redis's lmoveGenericCommand: the push on the destination (created by
     * dbAdd if missing), then the pop on the source, "del" if emptied. */
    if (dst_created) {
        ss_exec_new(ctx, ctx->db, dst.k.name, dst.k.len);
        ss_exec_ready(ctx, dst.k.name, dst.k.len);
    }
    ss_exec_modified(ctx, dst.k.name, dst.k.len);
    ss_exec_notify(ctx, SS_NOTIFY_LIST, to_left ? "lpush" : "rpush", dst.k.name, dst.k.len);
    ss_exec_changed(ctx, SS_NOTIFY_LIST, from_left ? "lpop" : "rpop", src.k.name, src.k.len,
                    !same && llen(&src) == 0);
    resp_add_bulk(ctx->out, el, ellen);
    free(el);
}

static bool side_arg(const ss_args *a, int i, bool *left)
{
    if (ss_arg_is(a, i, "left"))
        *left = true;
    else if (ss_arg_is(a, i, "right"))
        *left = false;
    else
        return false;
    return true;
}

static bool lmovePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    bool l1, l2;
    if (side_arg(a, 3, &l1) && side_arg(a, 4, &l2))
        return true;
    ss_reply_err(out, RERR_SYNTAX);
    return false;
}

static void lmoveExec(ss_exec_ctx *ctx, const ss_args *a)
{
    bool from_left, to_left;
    if (!side_arg(a, 3, &from_left) || !side_arg(a, 4, &to_left)) {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    move_generic(ctx, a, from_left, to_left);
}

static void rpoplpushExec(ss_exec_ctx *ctx, const ss_args *a) { move_generic(ctx, a, false, true); }

static bool blmovePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    return lmovePrepare(s, a, out) && blockPrepare(s, a, out);
}

/* Syntax checks on the receiving node, so these errors never reach the log. */
static bool ints_prepare(const ss_args *a, int from, int to, ss_buf *out)
{
    for (int i = from; i <= to; i++) {
        long long v;
        if (!ss_parse_ll(a->argv[i], a->argvlen[i], &v)) {
            ss_reply_err(out, RERR_NOTINT);
            return false;
        }
    }
    return true;
}

static bool ltrimPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    return ints_prepare(a, 2, 3, out);
}

static bool lremPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    return ints_prepare(a, 2, 2, out);
}

static bool linsertPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    if (ss_arg_is(a, 2, "before") || ss_arg_is(a, 2, "after"))
        return true;
    ss_reply_err(out, RERR_SYNTAX);
    return false;
}

const ss_command ss_cmds_list[] = {
    SS_WRITE("lpush", -3, CMD_DENYOOM | CMD_FAST, ACL_LIST, lpushExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("rpush", -3, CMD_DENYOOM | CMD_FAST, ACL_LIST, rpushExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("lpushx", -3, CMD_DENYOOM | CMD_FAST, ACL_LIST, lpushxExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("rpushx", -3, CMD_DENYOOM | CMD_FAST, ACL_LIST, rpushxExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("lpop", -2, CMD_FAST, ACL_LIST, lpopExec, .prepare = popPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_WRITE("lmpop", -4, 0, ACL_LIST, lmpopExec, .prepare = lmpopPrepare, .keys = {KEYNUM(1, KS_RW | KS_ACCESS | KS_DELETE)}, .getkeys = mpopGetKeys),
    SS_WRITE("blpop", -3, CMD_NOSCRIPT | CMD_BLOCKING, ACL_LIST, blpopExec, .prepare = blockPrepare, .keys = {{.flags = KS_RW | KS_ACCESS | KS_DELETE, KS_BEGIN_INDEX(1), KS_FIND_RANGE(-2, 1, 0)}}),
    SS_WRITE("brpop", -3, CMD_NOSCRIPT | CMD_BLOCKING, ACL_LIST, brpopExec, .prepare = blockPrepare, .keys = {{.flags = KS_RW | KS_ACCESS | KS_DELETE, KS_BEGIN_INDEX(1), KS_FIND_RANGE(-2, 1, 0)}}),
    SS_WRITE("blmpop", -5, CMD_BLOCKING, ACL_LIST, blmpopExec, .prepare = blmpopPrepare, .keys = {KEYNUM(2, KS_RW | KS_ACCESS | KS_DELETE)}, .getkeys = blmpopGetKeys),
    SS_WRITE("blmove", 6, CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING, ACL_LIST, lmoveExec, .prepare = blmovePrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_RW | KS_INSERT)}),
    SS_WRITE("brpoplpush", 4, CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING, ACL_LIST, rpoplpushExec, .prepare = blockPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_RW | KS_INSERT)}),
    SS_WRITE("rpop", -2, CMD_FAST, ACL_LIST, rpopExec, .prepare = popPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_READ("llen", 2, CMD_FAST, ACL_LIST, llenExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("lrange", 4, 0, ACL_LIST, lrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("lindex", 3, 0, ACL_LIST, lindexExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("lset", 4, CMD_DENYOOM, ACL_LIST, lsetExec, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("linsert", 5, CMD_DENYOOM, ACL_LIST, linsertExec, .prepare = linsertPrepare, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("lrem", 4, 0, ACL_LIST, lremExec, .prepare = lremPrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_WRITE("ltrim", 4, 0, ACL_LIST, ltrimExec, .prepare = ltrimPrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("lpos", -3, 0, ACL_LIST, lposExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("lmove", 5, CMD_DENYOOM, ACL_LIST, lmoveExec, .prepare = lmovePrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_RW | KS_INSERT)}),
    SS_WRITE("rpoplpush", 3, CMD_DENYOOM, ACL_LIST, rpoplpushExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE), KEY(2, KS_RW | KS_INSERT)}),
};
SS_COUNT(ss_cmds_list);
