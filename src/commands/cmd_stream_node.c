/* Redis's macro nodes, kept beside a stream's entries: which listpack each entry would be in and how many bytes it would take, so that approximate trimming and XINFO STREAM match Redis. */
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"

/*
 * Redis 7.0 appends an entry to the tail listpack unless that listpack
 * already holds stream-node-max-entries entries (live and deleted) or its
 * bytes plus the new fields' and values' lengths reach stream-node-max-bytes
 * (t_stream.c, streamAppendItem). A listpack goes when its last live entry is
 * deleted, or when trimming removes it whole; entries deleted otherwise stay
 * in it, flagged. So the model needs, per node: its first and last IDs, its
 * live and deleted counts, its master fields (an entry with the same fields
 * is stored without them) and its byte size, computed with listpack.c's
 * encodings below.
 */

/* ------------------------------------------------------------ listpack sizes */

/* lpEncodeBacklen: the bytes that store an element's length backwards. */
static size_t lp_backlen(uint64_t l)
{
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/* An integer element: its encoding and its one-byte backlen. */
static size_t lp_int_size(int64_t v)
{
    size_t enc;
    if (v >= 0 && v <= 127)
        enc = 1;
    else if (v >= -4096 && v <= 4095)
        enc = 2;
    else if (v >= -32768 && v <= 32767)
        enc = 3;
    else if (v >= -8388608 && v <= 8388607)
        enc = 4;
    else if (v >= -2147483648LL && v <= 2147483647LL)
        enc = 5;
    else
        enc = 9;
    return enc + 1;
}

/* A string element, stored as an integer when it reads as one
 * (lpStringToInt64, which accepts what string2ll does below 21 bytes). */
static size_t lp_str_size(const char *s, size_t len)
{
    long long v;
    if (len < 21 && ss_parse_ll(s, len, &v))
        return lp_int_size(v);
    size_t enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
    return enc + lp_backlen(enc);
}

#define LP_EMPTY 7 /* lpNew: the 6-byte header and the end byte */
#define FLAG_SAMEFIELDS 2

/* ------------------------------------------------------------ records */

#define NODE_FIXED 60 /* master(16) last(16) live(8) deleted(8) bytes(8) nfields(4) */

static void node_key(skey *k, uint64_t seq)
{
    skey_init(k, 'n');
    skey_add_u64(k, seq);
}

void snode_release(snode *n)
{
    free(n->fields);
    n->fields = NULL;
}

int snode_get(ss_exec_ctx *ctx, const stream *s, uint64_t seq, snode *n)
{
    memset(n, 0, sizeof *n);
    skey k;
    node_key(&k, seq);
    ss_slice v;
    int rc = stream_sub_get(ctx, s, &k, &v);
    skey_release(&k);
    if (rc == SS_ENOTFOUND)
        return SS_ECORRUPT; /* entries and the header name only nodes that exist */
    if (rc != SS_OK)
        return rc;
    if (v.len < NODE_FIXED)
        return SS_ECORRUPT;
    const unsigned char *p = (const unsigned char *)v.data;
    n->seq = seq;
    n->master = sid_decode(p);
    n->last = sid_decode(p + 16);
    n->live = ss_decode_u64_be(p + 32);
    n->deleted = ss_decode_u64_be(p + 40);
    n->bytes = ss_decode_u64_be(p + 48);
    n->nfields = get_u32(p + 56);
    n->fields_len = v.len - NODE_FIXED;
    if (n->fields_len) {
        n->fields = malloc(n->fields_len);
        if (!n->fields)
            return SS_ENOMEM;
        memcpy(n->fields, p + NODE_FIXED, n->fields_len);
    }
    return SS_OK;
}

int snode_put(ss_exec_ctx *ctx, const stream *s, const snode *n)
{
    size_t len = NODE_FIXED + n->fields_len;
    unsigned char fixed[NODE_FIXED + 64];
    unsigned char *buf = len <= sizeof fixed ? fixed : malloc(len);
    if (!buf)
        return SS_ENOMEM;
    sid_encode(n->master, buf);
    sid_encode(n->last, buf + 16);
    ss_encode_u64_be(n->live, buf + 32);
    ss_encode_u64_be(n->deleted, buf + 40);
    ss_encode_u64_be(n->bytes, buf + 48);
    put_u32(buf + 56, n->nfields);
    if (n->fields_len)
        memcpy(buf + NODE_FIXED, n->fields, n->fields_len);
    skey k;
    node_key(&k, n->seq);
    int rc = stream_sub_put(ctx, s, &k, buf, len);
    skey_release(&k);
    if (buf != fixed)
        free(buf);
    return rc;
}

int snode_del(ss_exec_ctx *ctx, stream *s, uint64_t seq)
{
    skey k;
    node_key(&k, seq);
    int rc = stream_sub_del(ctx, s, &k);
    skey_release(&k);
    if (rc == SS_OK && seq == s->tail_node)
        rc = snode_prev(ctx, s, seq, &s->tail_node);
    return rc;
}

int snode_prev(ss_exec_ctx *ctx, const stream *s, uint64_t seq, uint64_t *prev)
{
    *prev = 0;
    ss_ks_subiter *it;
    int rc = stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK)
        return rc;
    skey k;
    node_key(&k, seq);
    if (!skey_bad(&k)) {
        ss_ks_subiter_seek_for_prev(it, k.p, k.len);
        /* the record itself may still be there (it goes in this txn) */
        if (ss_ks_subiter_valid(it) && ss_ks_subiter_sub(it).len == k.len &&
            memcmp(ss_ks_subiter_sub(it).data, k.p, k.len) == 0)
            ss_ks_subiter_prev(it);
        if (ss_ks_subiter_valid(it)) {
            ss_slice sub = ss_ks_subiter_sub(it);
            if (sub.len == 9 && sub.data[0] == 'n')
                *prev = ss_decode_u64_be((const unsigned char *)sub.data + 1);
        }
    }
    rc = skey_bad(&k) ? SS_ENOMEM : SS_OK;
    skey_release(&k);
    ss_ks_subiter_free(it);
    return rc;
}

/* ------------------------------------------------------------ appending */

/* Whether the entry's fields are the node's master fields. */
static bool same_fields(const snode *n, const ss_args *a, int first, int nfields)
{
    if (n->nfields != (uint32_t)nfields)
        return false;
    const unsigned char *p = n->fields, *end = n->fields + n->fields_len;
    for (int i = 0; i < nfields; i++) {
        if (end - p < 4)
            return false;
        size_t len = get_u32(p);
        p += 4;
        size_t flen = a->argvlen[first + 2 * i];
        if ((size_t)(end - p) < len || len != flen || memcmp(p, a->argv[first + 2 * i], len) != 0)
            return false;
        p += len;
    }
    return true;
}

/* A new node whose first entry is id, with its master entry. */
static int node_new(snode *n, uint64_t seq, sid id, const ss_args *a, int first, int nfields)
{
    memset(n, 0, sizeof *n);
    n->seq = seq;
    n->master = n->last = id;
    n->nfields = (uint32_t)nfields;
    size_t flen = 0;
    for (int i = 0; i < nfields; i++)
        flen += 4 + a->argvlen[first + 2 * i];
    n->fields_len = flen;
    n->fields = flen ? malloc(flen) : NULL;
    if (flen && !n->fields)
        return SS_ENOMEM;
    unsigned char *p = n->fields;
    /* master entry: count, deleted, num-fields, the fields, the 0 terminator */
    n->bytes = LP_EMPTY + lp_int_size(0) + lp_int_size(0) + lp_int_size(nfields) + lp_int_size(0);
    for (int i = 0; i < nfields; i++) {
        size_t len = a->argvlen[first + 2 * i];
        put_u32(p, (uint32_t)len);
        memcpy(p + 4, a->argv[first + 2 * i], len);
        p += 4 + len;
        n->bytes += lp_str_size(a->argv[first + 2 * i], len);
    }
    return SS_OK;
}

/* The count (live) element is rewritten in place: its size may change. */
static void set_live(snode *n, uint64_t live)
{
    n->bytes += lp_int_size((int64_t)live) - lp_int_size((int64_t)n->live);
    n->live = live;
}

static void set_deleted(snode *n, uint64_t deleted)
{
    n->bytes += lp_int_size((int64_t)deleted) - lp_int_size((int64_t)n->deleted);
    n->deleted = deleted;
}

void snode_count_removed(snode *n, uint64_t removed)
{
    set_live(n, n->live - removed);
    set_deleted(n, n->deleted + removed);
}

int snode_append(ss_exec_ctx *ctx, stream *s, sid id, const ss_args *a, int first, int nfields, uint64_t *seq)
{
    size_t totelelen = 0;
    for (int i = 0; i < 2 * nfields; i++)
        totelelen += a->argvlen[first + i];
    snode n;
    bool fresh = s->tail_node == 0;
    int rc;
    if (!fresh) {
        if ((rc = snode_get(ctx, s, s->tail_node, &n)) != SS_OK)
            return rc;
        if (n.bytes + totelelen >= STREAM_NODE_MAX_BYTES || n.live + n.deleted >= STREAM_NODE_MAX_ENTRIES) {
            snode_release(&n);
            fresh = true;
        }
    }
    bool same;
    if (fresh) {
        /* One past the tail: every node that exists is at or before it. */
        if ((rc = node_new(&n, s->tail_node + 1, id, a, first, nfields)) != SS_OK) {
            snode_release(&n);
            return rc;
        }
        s->tail_node = n.seq;
        same = true;
    } else {
        same = same_fields(&n, a, first, nfields);
    }
    set_live(&n, n.live + 1);
    /* flags, ms and seq deltas, [num-fields, fields], values, lp-count */
    n.bytes += lp_int_size(same ? FLAG_SAMEFIELDS : 0);
    n.bytes += lp_int_size((int64_t)(id.ms - n.master.ms));
    n.bytes += lp_int_size((int64_t)(id.seq - n.master.seq));
    int64_t lp_count = nfields + 3;
    if (!same) {
        n.bytes += lp_int_size(nfields);
        lp_count += nfields + 1;
    }
    for (int i = 0; i < nfields; i++) {
        if (!same)
            n.bytes += lp_str_size(a->argv[first + 2 * i], a->argvlen[first + 2 * i]);
        n.bytes += lp_str_size(a->argv[first + 2 * i + 1], a->argvlen[first + 2 * i + 1]);
    }
    n.bytes += lp_int_size(lp_count);
    n.last = id;
    *seq = n.seq;
    rc = snode_put(ctx, s, &n);
    snode_release(&n);
    return rc;
}

/* ------------------------------------------------------------ XINFO */

/*
 * The nodes of Redis's rax holding keys[lo, hi) (sorted, distinct, 16 bytes
 * each) below a position at depth d: a compressed node for the bytes all of
 * them share beyond d, then a leaf (one key) or a node branching on the next
 * byte, each branch a subtree one byte deeper. The rax stays in this
 * canonical form as keys come and go (raxRemove recompresses).
 */
static uint64_t rax_nodes(const unsigned char *keys, size_t lo, size_t hi, size_t d)
{
    const unsigned char *a = keys + lo * SID_LEN, *z = keys + (hi - 1) * SID_LEN;
    size_t b = d;
    if (hi - lo == 1)
        b = SID_LEN;
    else
        while (b < SID_LEN && a[b] == z[b])
            b++;
    uint64_t n = b > d ? 1 : 0;
    if (hi - lo == 1)
        return n + 1;
    n++;
    for (size_t i = lo; i < hi;) {
        size_t j = i + 1;
        while (j < hi && keys[j * SID_LEN + b] == keys[i * SID_LEN + b])
            j++;
        n += rax_nodes(keys, i, j, b + 1);
        i = j;
    }
    return n;
}

int snode_rax_stats(ss_exec_ctx *ctx, const stream *s, uint64_t *keys, uint64_t *nodes)
{
    *keys = 0;
    *nodes = 1; /* an empty rax is its root */
    ss_ks_subiter *it;
    int rc = stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK)
        return rc;
    unsigned char *masters = NULL;
    size_t n = 0, cap = 0;
    ss_ks_subiter_seek(it, "n", 1);
    for (; ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it), v = ss_ks_subiter_value(it);
        if (sub.len != 9 || sub.data[0] != 'n')
            break;
        if (v.len < NODE_FIXED) {
            rc = SS_ECORRUPT;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            unsigned char *m = realloc(masters, ncap * SID_LEN);
            if (!m) {
                rc = SS_ENOMEM;
                break;
            }
            masters = m;
            cap = ncap;
        }
        memcpy(masters + n * SID_LEN, v.data, SID_LEN); /* the master ID, encoded */
        n++;
    }
    ss_ks_subiter_free(it);
    if (rc == SS_OK && n > 0) {
        *keys = n;
        *nodes = rax_nodes(masters, 0, n, 0);
    }
    free(masters);
    return rc;
}
