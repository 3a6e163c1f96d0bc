/* A stream in the store: its metadata, sub-keys, entries and walks over them, appending, XDEL and trimming. */
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"

#define HDR_LEN 32  /* last ID(16) entries added(8) tail node(8) */
#define INFO_LEN 40 /* first ID(16) max deleted ID(16) groups(8) */

/* ------------------------------------------------------------ the key */

ss_lookup stream_open(ss_exec_ctx *ctx, const ss_args *a, int argi, stream *s)
{
    ss_lookup found = ss_key_open(ctx, a, argi, SS_TYPE_STREAM, &s->k);
    s->last_id = SID_MIN;
    s->entries_added = 0;
    s->tail_node = 0;
    s->info_loaded = s->info_dirty = false;
    s->first_id = s->max_deleted = SID_MIN;
    s->ngroups = 0;
    if (found == SS_FOUND && s->k.meta.hdr_len == HDR_LEN) {
        s->last_id = sid_decode(s->k.meta.hdr);
        s->entries_added = ss_decode_u64_be(s->k.meta.hdr + 16);
        s->tail_node = ss_decode_u64_be(s->k.meta.hdr + 24);
    }
    return found;
}

bool stream_open_or_reply(ss_exec_ctx *ctx, const ss_args *a, int argi, stream *s, resp_shared missing)
{
    ss_lookup found = stream_open(ctx, a, argi, s);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, missing);
    return found == SS_FOUND;
}

void stream_create(ss_exec_ctx *ctx, stream *s)
{
    ss_key_create(ctx, SS_TYPE_STREAM, &s->k);
    s->last_id = s->first_id = s->max_deleted = SID_MIN;
    s->entries_added = s->tail_node = s->ngroups = 0;
    s->info_loaded = true; /* nothing to read: all zero */
    s->info_dirty = false;
}

int stream_info(ss_exec_ctx *ctx, stream *s)
{
    if (s->info_loaded)
        return SS_OK;
    ss_slice v;
    int rc = ss_ks_sub_get(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, "m", 1, &v);
    if (rc == SS_ENOTFOUND) {
        s->info_loaded = true;
        return SS_OK;
    }
    if (rc != SS_OK)
        return rc;
    if (v.len != INFO_LEN)
        return SS_ECORRUPT;
    s->first_id = sid_decode(v.data);
    s->max_deleted = sid_decode(v.data + 16);
    s->ngroups = ss_decode_u64_be((const unsigned char *)v.data + 32);
    s->info_loaded = true;
    return SS_OK;
}

int stream_save(ss_exec_ctx *ctx, stream *s)
{
    if (s->info_dirty) {
        unsigned char v[INFO_LEN];
        sid_encode(s->first_id, v);
        sid_encode(s->max_deleted, v + 16);
        ss_encode_u64_be(s->ngroups, v + 32);
        int rc = ss_ks_sub_put(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, "m", 1, v, sizeof v);
        if (rc != SS_OK)
            return rc;
        s->info_dirty = false;
    }
    s->k.meta.hdr_len = HDR_LEN;
    sid_encode(s->last_id, s->k.meta.hdr);
    ss_encode_u64_be(s->entries_added, s->k.meta.hdr + 16);
    ss_encode_u64_be(s->tail_node, s->k.meta.hdr + 24);
    s->k.value = (ss_slice){NULL, 0};
    return ss_ks_set(ctx->txn, s->k.db, s->k.name, s->k.len, &s->k.meta, NULL, 0);
}

/* ------------------------------------------------------------ sub-keys */

void skey_init(skey *k, char tag)
{
    k->p = k->inl;
    k->cap = sizeof k->inl;
    k->inl[0] = (unsigned char)tag;
    k->len = 1;
}

void skey_add(skey *k, const void *p, size_t n)
{
    if (!k->p)
        return;
    if (k->len + n > k->cap) {
        size_t cap = (k->len + n) * 2;
        unsigned char *q = malloc(cap);
        if (!q) {
            skey_release(k);
            k->p = NULL;
            return;
        }
        memcpy(q, k->p, k->len);
        if (k->p != k->inl)
            free(k->p);
        k->p = q;
        k->cap = cap;
    }
    if (n)
        memcpy(k->p + k->len, p, n);
    k->len += n;
}

void skey_add_u32(skey *k, uint32_t v)
{
    unsigned char b[4];
    put_u32(b, v);
    skey_add(k, b, 4);
}

void skey_add_u64(skey *k, uint64_t v)
{
    unsigned char b[8];
    ss_encode_u64_be(v, b);
    skey_add(k, b, 8);
}

void skey_add_id(skey *k, sid id)
{
    unsigned char b[SID_LEN];
    sid_encode(id, b);
    skey_add(k, b, SID_LEN);
}

void skey_release(skey *k)
{
    if (k->p && k->p != k->inl)
        free(k->p);
    k->p = k->inl;
    k->len = 0;
}

int stream_sub_get(ss_exec_ctx *ctx, const stream *s, const skey *k, ss_slice *val)
{
    if (skey_bad(k))
        return SS_ENOMEM;
    return ss_ks_sub_get(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, k->p, k->len, val);
}

int stream_sub_put(ss_exec_ctx *ctx, const stream *s, const skey *k, const void *v, size_t vlen)
{
    if (skey_bad(k))
        return SS_ENOMEM;
    return ss_ks_sub_put(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, k->p, k->len, v, vlen);
}

int stream_sub_del(ss_exec_ctx *ctx, const stream *s, const skey *k)
{
    if (skey_bad(k))
        return SS_ENOMEM;
    return ss_ks_sub_del(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, k->p, k->len);
}

int stream_sub_iter(ss_exec_ctx *ctx, const stream *s, ss_ks_subiter **it)
{
    return ss_ks_subiter_new(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, it);
}

bool stream_sub_has_prefix(const ss_ks_subiter *it, const skey *prefix)
{
    if (!ss_ks_subiter_valid(it))
        return false;
    ss_slice sub = ss_ks_subiter_sub(it);
    return sub.len >= prefix->len && memcmp(sub.data, prefix->p, prefix->len) == 0;
}

/* ------------------------------------------------------------ entries */

#define ENTRY_FIXED 12 /* node(8) nfields(4) */

bool sentry_decode(ss_slice v, sentry *e)
{
    if (v.len < ENTRY_FIXED)
        return false;
    const unsigned char *p = (const unsigned char *)v.data;
    e->node = ss_decode_u64_be(p);
    e->nfields = get_u32(p + 8);
    e->pairs = p + ENTRY_FIXED;
    e->end = p + v.len;
    /* every length must fit: a reply never reads past the value */
    const unsigned char *q = e->pairs;
    for (uint64_t i = 0; i < 2ull * e->nfields; i++) {
        if (e->end - q < 4)
            return false;
        size_t len = get_u32(q);
        if ((size_t)(e->end - q - 4) < len)
            return false;
        q += 4 + len;
    }
    return true;
}

void sentry_reply(ss_buf *out, sid id, const sentry *e)
{
    resp_add_array_len(out, 2);
    sid_reply(out, id);
    resp_add_array_len(out, 2ll * e->nfields);
    const unsigned char *q = e->pairs;
    for (uint64_t i = 0; i < 2ull * e->nfields; i++) {
        size_t len = get_u32(q);
        resp_add_bulk(out, q + 4, len);
        q += 4 + len;
    }
}

static void entry_key(skey *k, sid id)
{
    skey_init(k, 'e');
    skey_add_id(k, id);
}

int stream_entry_get(ss_exec_ctx *ctx, const stream *s, sid id, ss_slice *val)
{
    skey k;
    entry_key(&k, id);
    int rc = stream_sub_get(ctx, s, &k, val);
    skey_release(&k);
    return rc;
}

/* The first (last) entry's ID. */
static int edge_entry(ss_exec_ctx *ctx, const stream *s, bool last, sid *id, bool *found)
{
    *found = false;
    if (stream_len(s) == 0)
        return SS_OK;
    ss_ks_subiter *it;
    int rc = stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK)
        return rc;
    if (last) {
        unsigned char k[1 + SID_LEN];
        k[0] = 'e';
        sid_encode(SID_MAX, k + 1);
        ss_ks_subiter_seek_for_prev(it, k, sizeof k);
    } else
        ss_ks_subiter_seek(it, "e", 1);
    if (ss_ks_subiter_valid(it)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        if (sub.len == 1 + SID_LEN && sub.data[0] == 'e') {
            *id = sid_decode(sub.data + 1);
            *found = true;
        }
    }
    ss_ks_subiter_free(it);
    return *found ? SS_OK : SS_ECORRUPT; /* the length says there are entries */
}

int stream_last_entry(ss_exec_ctx *ctx, const stream *s, sid *id, bool *found)
{
    return edge_entry(ctx, s, true, id, found);
}

int stream_first_entry(ss_exec_ctx *ctx, const stream *s, sid *id, bool *found)
{
    return edge_entry(ctx, s, false, id, found);
}

/* ------------------------------------------------------------ walks */

int swalk_start(ss_exec_ctx *ctx, const stream *s, sid start, sid end, bool rev, swalk *w)
{
    memset(w, 0, sizeof *w);
    w->start = start;
    w->end = end;
    w->rev = rev;
    int rc = stream_sub_iter(ctx, s, &w->it);
    if (rc != SS_OK)
        return rc;
    unsigned char k[1 + SID_LEN];
    k[0] = 'e';
    sid_encode(rev ? end : start, k + 1);
    if (rev)
        ss_ks_subiter_seek_for_prev(w->it, k, sizeof k);
    else
        ss_ks_subiter_seek(w->it, k, sizeof k);
    w->primed = true;
    return SS_OK;
}

bool swalk_next(swalk *w)
{
    if (!w->it)
        return false;
    if (!w->primed) {
        if (w->rev)
            ss_ks_subiter_prev(w->it);
        else
            ss_ks_subiter_next(w->it);
    }
    w->primed = false;
    if (!ss_ks_subiter_valid(w->it))
        return false;
    ss_slice sub = ss_ks_subiter_sub(w->it);
    if (sub.len != 1 + SID_LEN || sub.data[0] != 'e')
        return false;
    w->id = sid_decode(sub.data + 1);
    if (w->rev ? sid_cmp(w->id, w->start) < 0 : sid_cmp(w->id, w->end) > 0)
        return false;
    w->val = ss_ks_subiter_value(w->it);
    return true;
}

void swalk_stop(swalk *w)
{
    if (w->it)
        ss_ks_subiter_free(w->it);
    w->it = NULL;
}

int stream_reply_range(ss_exec_ctx *ctx, ss_buf *out, const stream *s, sid start, sid end, long long count,
                       bool rev, size_t *emitted)
{
    *emitted = 0;
    ss_buf body;
    sreply_begin(out, &body);
    swalk w;
    int rc = SS_OK;
    if (sid_cmp(start, end) <= 0 && stream_len(s) > 0)
        rc = swalk_start(ctx, s, start, end, rev, &w);
    else
        memset(&w, 0, sizeof w);
    while (rc == SS_OK && (count == 0 || (long long)*emitted < count) && swalk_next(&w)) {
        sentry e;
        if (!sentry_decode(w.val, &e)) {
            rc = SS_ECORRUPT;
            break;
        }
        sentry_reply(&body, w.id, &e);
        (*emitted)++;
    }
    swalk_stop(&w);
    if (rc != SS_OK) {
        ss_buf_release(&body);
        return rc;
    }
    sreply_end(out, &body, (long long)*emitted);
    return SS_OK;
}

/* ------------------------------------------------------------ appending and XDEL */

int stream_append(ss_exec_ctx *ctx, stream *s, sid id, const ss_args *a, int first, int nfields)
{
    uint64_t node;
    int rc = snode_append(ctx, s, id, a, first, nfields, &node);
    if (rc != SS_OK)
        return rc;
    if ((rc = stream_put_entry(ctx, s, id, node, a, first, nfields)) != SS_OK)
        return rc;
    s->k.meta.count++;
    s->entries_added++;
    s->last_id = id;
    if (stream_len(s) == 1) {
        if ((rc = stream_info(ctx, s)) != SS_OK)
            return rc;
        s->first_id = id;
        s->info_dirty = true;
    }
    return SS_OK;
}

int stream_put_entry(ss_exec_ctx *ctx, const stream *s, sid id, uint64_t node, const ss_args *a, int first,
                     int nfields)
{
    int rc;
    size_t len = ENTRY_FIXED;
    for (int i = 0; i < 2 * nfields; i++)
        len += 4 + a->argvlen[first + i];
    unsigned char *v = malloc(len);
    if (!v)
        return SS_ENOMEM;
    ss_encode_u64_be(node, v);
    put_u32(v + 8, (uint32_t)nfields);
    unsigned char *p = v + ENTRY_FIXED;
    for (int i = 0; i < 2 * nfields; i++) {
        size_t n = a->argvlen[first + i];
        put_u32(p, (uint32_t)n);
        memcpy(p + 4, a->argv[first + i], n);
        p += 4 + n;
    }
    skey k;
    entry_key(&k, id);
    rc = stream_sub_put(ctx, s, &k, v, len);
    skey_release(&k);
    free(v);
    return rc;
}

int stream_delete(ss_exec_ctx *ctx, stream *s, sid id, bool *deleted)
{
    *deleted = false;
    skey k;
    entry_key(&k, id);
    ss_slice v;
    int rc = stream_sub_get(ctx, s, &k, &v);
    if (rc == SS_ENOTFOUND) {
        skey_release(&k);
        return SS_OK;
    }
    if (rc == SS_OK && v.len < ENTRY_FIXED)
        rc = SS_ECORRUPT;
    uint64_t seq = rc == SS_OK ? ss_decode_u64_be((const unsigned char *)v.data) : 0;
    if (rc == SS_OK)
        rc = stream_sub_del(ctx, s, &k);
    skey_release(&k);
    if (rc != SS_OK)
        return rc;
    snode n;
    if ((rc = snode_get(ctx, s, seq, &n)) != SS_OK)
        return rc;
    if (n.live <= 1) {
        /* its last live entry: Redis frees the whole listpack */
        rc = snode_del(ctx, s, seq);
    } else {
        snode_count_removed(&n, 1);
        rc = snode_put(ctx, s, &n);
    }
    snode_release(&n);
    if (rc == SS_OK) {
        s->k.meta.count--;
        *deleted = true;
    }
    return rc;
}

/* ------------------------------------------------------------ trimming */

/* The first node record (seq and all), if any. */
static int first_node(ss_exec_ctx *ctx, const stream *s, snode *n, bool *found)
{
    *found = false;
    ss_ks_subiter *it;
    int rc = stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK)
        return rc;
    ss_ks_subiter_seek(it, "n", 1);
    uint64_t seq = 0;
    if (ss_ks_subiter_valid(it)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        if (sub.len == 9 && sub.data[0] == 'n') {
            seq = ss_decode_u64_be((const unsigned char *)sub.data + 1);
            *found = true;
        }
    }
    ss_ks_subiter_free(it);
    return *found ? snode_get(ctx, s, seq, n) : SS_OK;
}

/* Deletes the live entries of node n from its first while keep_going says
 * so (all of them when t is NULL); *removed counts them. */
static int trim_entries(ss_exec_ctx *ctx, stream *s, const snode *n, const strim *t, uint64_t *removed)
{
    *removed = 0;
    swalk w;
    int rc = swalk_start(ctx, s, n->master, n->last, false, &w);
    while (rc == SS_OK && swalk_next(&w)) {
        if (t && (t->strategy == TRIM_MAXLEN ? stream_len(s) <= (uint64_t)t->maxlen
                                              : sid_cmp(w.id, t->minid) >= 0))
            break;
        skey k;
        entry_key(&k, w.id);
        rc = stream_sub_del(ctx, s, &k);
        skey_release(&k);
        if (rc == SS_OK) {
            (*removed)++;
            if (t)
                s->k.meta.count--;
        }
    }
    swalk_stop(&w);
    return rc;
}

/*
 * streamTrim: whole nodes from the head while the strategy allows removing
 * all of one (and LIMIT is not passed); then, unless approximate, entries of
 * the next node one by one, marked deleted in it.
 */
int stream_trim(ss_exec_ctx *ctx, stream *s, const strim *t, int64_t *deleted)
{
    *deleted = 0;
    int rc = SS_OK;
    for (;;) {
        if (t->strategy == TRIM_MAXLEN && stream_len(s) <= (uint64_t)t->maxlen)
            break;
        snode n;
        bool found;
        if ((rc = first_node(ctx, s, &n, &found)) != SS_OK || !found)
            break;
        uint64_t entries = n.live;
        if (t->limit && (uint64_t)*deleted + entries > (uint64_t)t->limit) {
            snode_release(&n);
            break;
        }
        bool whole = t->strategy == TRIM_MAXLEN ? stream_len(s) - entries >= (uint64_t)t->maxlen
                                                : sid_cmp(n.last, t->minid) < 0;
        uint64_t removed;
        if (whole) {
            rc = trim_entries(ctx, s, &n, NULL, &removed);
            if (rc == SS_OK && removed != entries)
                rc = SS_ECORRUPT;
            if (rc == SS_OK)
                rc = snode_del(ctx, s, n.seq);
            snode_release(&n);
            if (rc != SS_OK)
                break;
            s->k.meta.count -= entries;
            *deleted += (int64_t)entries;
            continue;
        }
        if (!t->approx) {
            rc = trim_entries(ctx, s, &n, t, &removed);
            if (rc == SS_OK && removed > 0) {
                snode_count_removed(&n, removed);
                rc = snode_put(ctx, s, &n);
            }
            *deleted += (int64_t)removed;
        }
        snode_release(&n);
        break;
    }
    if (rc != SS_OK)
        return rc;
    if (*deleted > 0 || stream_len(s) == 0) {
        if ((rc = stream_info(ctx, s)) != SS_OK)
            return rc;
        sid first = SID_MIN;
        bool found = false;
        if (stream_len(s) > 0 && (rc = stream_first_entry(ctx, s, &first, &found)) != SS_OK)
            return rc;
        if (sid_cmp(first, s->first_id) != 0) {
            s->first_id = first;
            s->info_dirty = true;
        }
    }
    return SS_OK;
}
