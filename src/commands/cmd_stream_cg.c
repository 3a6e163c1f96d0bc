/* Consumer groups in the store: group, consumer and PEL records, walks over PELs, and Redis's read counters and lag. */
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"

#define GROUP_LEN 40    /* last ID(16) entries read(8) PEL size(8) consumers(8) */
#define CONSUMER_LEN 16 /* seen time(8) PEL size(8) */
#define NACK_FIXED 16   /* delivery time(8) delivery count(8), then the consumer */

/* ------------------------------------------------------------------ keys */

static void group_key(skey *k, const char *name, size_t len)
{
    skey_init(k, 'g');
    skey_add(k, name, len);
}

/* tag glen group: the start of every consumer ('c'), group PEL ('p') and
 * consumer PEL ('q') key of a group. */
static void group_prefix(skey *k, char tag, const sgroup *g)
{
    skey_init(k, tag);
    skey_add_u32(k, (uint32_t)g->nlen);
    skey_add(k, g->name, g->nlen);
}

static void consumer_key(skey *k, const sgroup *g, const char *name, size_t len)
{
    group_prefix(k, 'c', g);
    skey_add(k, name, len);
}

static void nack_key(skey *k, const sgroup *g, sid id)
{
    group_prefix(k, 'p', g);
    skey_add_id(k, id);
}

static void cpel_prefix(skey *k, const sgroup *g, const char *consumer, size_t clen)
{
    group_prefix(k, 'q', g);
    skey_add_u32(k, (uint32_t)clen);
    skey_add(k, consumer, clen);
}

static void cpel_key(skey *k, const sgroup *g, const char *consumer, size_t clen, sid id)
{
    cpel_prefix(k, g, consumer, clen);
    skey_add_id(k, id);
}

/* Runs op on a key built by the caller, then releases it. */
static int put_key(ss_exec_ctx *ctx, const stream *s, skey *k, const void *v, size_t vlen)
{
    int rc = stream_sub_put(ctx, s, k, v, vlen);
    skey_release(k);
    return rc;
}

static int del_key(ss_exec_ctx *ctx, const stream *s, skey *k)
{
    int rc = stream_sub_del(ctx, s, k);
    skey_release(k);
    return rc;
}

/* ------------------------------------------------------------------ groups */

static bool group_decode(ss_slice v, sgroup *g)
{
    if (v.len != GROUP_LEN)
        return false;
    const unsigned char *p = (const unsigned char *)v.data;
    g->last_id = sid_decode(p);
    g->entries_read = (long long)ss_decode_u64_be(p + 16);
    g->pel_count = ss_decode_u64_be(p + 24);
    g->consumers = ss_decode_u64_be(p + 32);
    return true;
}

ss_lookup sgroup_get(ss_exec_ctx *ctx, const stream *s, const char *name, size_t len, sgroup *g)
{
    g->name = name;
    g->nlen = len;
    skey k;
    group_key(&k, name, len);
    ss_slice v;
    int rc = stream_sub_get(ctx, s, &k, &v);
    skey_release(&k);
    if (rc == SS_ENOTFOUND)
        return SS_MISSING;
    if (rc == SS_OK && !group_decode(v, g))
        rc = SS_ECORRUPT;
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    return SS_FOUND;
}

ss_lookup stream_group_open(ss_exec_ctx *ctx, const ss_args *a, int keyarg, int grouparg, stream *s, sgroup *g)
{
    ss_lookup found = stream_open(ctx, a, keyarg, s);
    if (found != SS_FOUND)
        return found;
    return sgroup_get(ctx, s, a->argv[grouparg], a->argvlen[grouparg], g);
}

bool stream_group_open_or_reply(ss_exec_ctx *ctx, const ss_args *a, stream *s, sgroup *g)
{
    ss_lookup found = stream_group_open(ctx, a, 1, 2, s, g);
    if (found == SS_MISSING)
        stream_reply_err(ctx->out, SERR_NOGROUP_KEY, a->argv[1], a->argv[2]);
    return found == SS_FOUND;
}

int sgroup_put(ss_exec_ctx *ctx, const stream *s, const sgroup *g)
{
    unsigned char v[GROUP_LEN];
    sid_encode(g->last_id, v);
    ss_encode_u64_be((uint64_t)g->entries_read, v + 16);
    ss_encode_u64_be(g->pel_count, v + 24);
    ss_encode_u64_be(g->consumers, v + 32);
    skey k;
    group_key(&k, g->name, g->nlen);
    return put_key(ctx, s, &k, v, sizeof v);
}

int sgroup_create(ss_exec_ctx *ctx, stream *s, const sgroup *g)
{
    int rc = stream_info(ctx, s);
    if (rc != SS_OK)
        return rc;
    s->ngroups++;
    s->info_dirty = true;
    return sgroup_put(ctx, s, g);
}

/* Deletes every sub-key that begins with prefix. */
static int delete_prefix(ss_exec_ctx *ctx, const stream *s, skey *prefix)
{
    ss_ks_subiter *it;
    int rc = skey_bad(prefix) ? SS_ENOMEM : stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK) {
        skey_release(prefix);
        return rc;
    }
    ss_ks_subiter_seek(it, prefix->p, prefix->len);
    while (rc == SS_OK && stream_sub_has_prefix(it, prefix)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        skey k; /* a copy: the iterator's bytes go with the delete */
        skey_init(&k, sub.data[0]);
        skey_add(&k, sub.data + 1, sub.len - 1);
        rc = del_key(ctx, s, &k);
        ss_ks_subiter_next(it);
    }
    ss_ks_subiter_free(it);
    skey_release(prefix);
    return rc;
}

int sgroup_destroy(ss_exec_ctx *ctx, stream *s, const sgroup *g)
{
    int rc = stream_info(ctx, s);
    static const char tags[] = {'c', 'p', 'q'};
    for (size_t t = 0; t < sizeof tags && rc == SS_OK; t++) {
        skey k;
        group_prefix(&k, tags[t], g);
        rc = delete_prefix(ctx, s, &k);
    }
    if (rc != SS_OK)
        return rc;
    skey k;
    group_key(&k, g->name, g->nlen);
    if ((rc = del_key(ctx, s, &k)) != SS_OK)
        return rc;
    s->ngroups--;
    s->info_dirty = true;
    return SS_OK;
}

int sgroup_each(ss_exec_ctx *ctx, const stream *s, sgroup_cb cb, void *ud)
{
    ss_ks_subiter *it;
    int rc = stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK)
        return rc;
    for (ss_ks_subiter_seek(it, "g", 1); ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        if (sub.len < 1 || sub.data[0] != 'g')
            break;
        sgroup g = {.name = sub.data + 1, .nlen = sub.len - 1};
        if (!group_decode(ss_ks_subiter_value(it), &g)) {
            rc = SS_ECORRUPT;
            break;
        }
        if (cb(ud, &g) != 0)
            break;
    }
    ss_ks_subiter_free(it);
    return rc;
}

/* ------------------------------------------------------------------ consumers */

static bool consumer_decode(ss_slice v, sconsumer *c)
{
    if (v.len != CONSUMER_LEN)
        return false;
    c->seen_time = (int64_t)ss_decode_u64_be((const unsigned char *)v.data);
    c->pel_count = ss_decode_u64_be((const unsigned char *)v.data + 8);
    return true;
}

static int consumer_read(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const char *name, size_t len,
                         sconsumer *c)
{
    c->name = name;
    c->nlen = len;
    skey k;
    consumer_key(&k, g, name, len);
    ss_slice v;
    int rc = stream_sub_get(ctx, s, &k, &v);
    skey_release(&k);
    if (rc == SS_OK && !consumer_decode(v, c))
        rc = SS_ECORRUPT;
    return rc;
}

ss_lookup sconsumer_get(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const char *name, size_t len,
                        sconsumer *c)
{
    int rc = consumer_read(ctx, s, g, name, len, c);
    if (rc == SS_ENOTFOUND)
        return SS_MISSING;
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    return SS_FOUND;
}

int sconsumer_put(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const sconsumer *c)
{
    unsigned char v[CONSUMER_LEN];
    ss_encode_u64_be((uint64_t)c->seen_time, v);
    ss_encode_u64_be(c->pel_count, v + 8);
    skey k;
    consumer_key(&k, g, c->name, c->nlen);
    return put_key(ctx, s, &k, v, sizeof v);
}

int sconsumer_create(ss_exec_ctx *ctx, const stream *s, sgroup *g, const char *name, size_t len, sconsumer *c)
{
    *c = (sconsumer){.name = name, .nlen = len, .seen_time = ctx->now_ms, .pel_count = 0};
    g->consumers++;
    int rc = sconsumer_put(ctx, s, g, c);
    if (rc == SS_OK)
        ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xgroup-createconsumer", s->k.name, s->k.len);
    return rc;
}

int sconsumer_delete(ss_exec_ctx *ctx, const stream *s, sgroup *g, const sconsumer *c)
{
    skey prefix;
    cpel_prefix(&prefix, g, c->name, c->nlen);
    ss_ks_subiter *it;
    int rc = skey_bad(&prefix) ? SS_ENOMEM : stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK) {
        skey_release(&prefix);
        return rc;
    }
    uint64_t removed = 0;
    ss_ks_subiter_seek(it, prefix.p, prefix.len);
    while (rc == SS_OK && stream_sub_has_prefix(it, &prefix)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        if (sub.len != prefix.len + SID_LEN) {
            rc = SS_ECORRUPT;
            break;
        }
        sid id = sid_decode(sub.data + prefix.len);
        skey k;
        nack_key(&k, g, id);
        if ((rc = del_key(ctx, s, &k)) != SS_OK)
            break;
        cpel_key(&k, g, c->name, c->nlen, id);
        rc = del_key(ctx, s, &k);
        removed++;
        ss_ks_subiter_next(it);
    }
    ss_ks_subiter_free(it);
    skey_release(&prefix);
    if (rc != SS_OK)
        return rc;
    g->pel_count -= removed < g->pel_count ? removed : g->pel_count;
    g->consumers--;
    skey k;
    consumer_key(&k, g, c->name, c->nlen);
    return del_key(ctx, s, &k);
}

int sconsumer_each(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sconsumer_cb cb, void *ud)
{
    skey prefix;
    group_prefix(&prefix, 'c', g);
    ss_ks_subiter *it;
    int rc = skey_bad(&prefix) ? SS_ENOMEM : stream_sub_iter(ctx, s, &it);
    if (rc != SS_OK) {
        skey_release(&prefix);
        return rc;
    }
    for (ss_ks_subiter_seek(it, prefix.p, prefix.len); stream_sub_has_prefix(it, &prefix);
         ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        sconsumer c = {.name = sub.data + prefix.len, .nlen = sub.len - prefix.len};
        if (!consumer_decode(ss_ks_subiter_value(it), &c)) {
            rc = SS_ECORRUPT;
            break;
        }
        if (cb(ud, &c) != 0)
            break;
    }
    ss_ks_subiter_free(it);
    skey_release(&prefix);
    return rc;
}

/* ------------------------------------------------------------------ PEL entries */

void snack_release(snack *n)
{
    if (n->consumer && n->consumer != n->inl)
        free(n->consumer);
    n->consumer = NULL;
}

static bool nack_decode(ss_slice v, snack *n)
{
    n->consumer = NULL;
    if (v.len < NACK_FIXED)
        return false;
    n->delivery_time = (int64_t)ss_decode_u64_be((const unsigned char *)v.data);
    n->delivery_count = ss_decode_u64_be((const unsigned char *)v.data + 8);
    n->clen = v.len - NACK_FIXED;
    n->consumer = n->clen < sizeof n->inl ? n->inl : malloc(n->clen + 1);
    if (!n->consumer)
        return false;
    memcpy(n->consumer, v.data + NACK_FIXED, n->clen);
    n->consumer[n->clen] = '\0';
    return true;
}

ss_lookup snack_get(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sid id, snack *n)
{
    n->consumer = NULL;
    skey k;
    nack_key(&k, g, id);
    ss_slice v;
    int rc = stream_sub_get(ctx, s, &k, &v);
    skey_release(&k);
    if (rc == SS_ENOTFOUND)
        return SS_MISSING;
    if (rc == SS_OK && !nack_decode(v, n))
        rc = SS_ECORRUPT;
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    return SS_FOUND;
}

static int nack_put(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sid id, int64_t time, uint64_t count,
                    const char *consumer, size_t clen)
{
    unsigned char fixed[NACK_FIXED + 64];
    size_t len = NACK_FIXED + clen;
    unsigned char *v = len <= sizeof fixed ? fixed : malloc(len);
    if (!v)
        return SS_ENOMEM;
    ss_encode_u64_be((uint64_t)time, v);
    ss_encode_u64_be(count, v + 8);
    if (clen)
        memcpy(v + NACK_FIXED, consumer, clen);
    skey k;
    nack_key(&k, g, id);
    int rc = put_key(ctx, s, &k, v, len);
    if (v != fixed)
        free(v);
    return rc;
}

int spel_touch(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sid id, const snack *n)
{
    return nack_put(ctx, s, g, id, n->delivery_time, n->delivery_count, n->consumer, n->clen);
}

static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The entry id leaves the PEL of consumer `name`: its index key goes and its
 * count drops (in held when that is the one, else in its record). */
static int leave_consumer(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const char *name, size_t len,
                          sid id, sconsumer *held)
{
    skey k;
    cpel_key(&k, g, name, len, id);
    int rc = del_key(ctx, s, &k);
    if (rc != SS_OK)
        return rc;
    if (held && same_name(name, len, held->name, held->nlen)) {
        if (held->pel_count)
            held->pel_count--;
        return SS_OK;
    }
    sconsumer other;
    rc = consumer_read(ctx, s, g, name, len, &other);
    if (rc == SS_ENOTFOUND)
        return SS_ECORRUPT; /* a PEL entry names only consumers that exist */
    if (rc != SS_OK)
        return rc;
    if (other.pel_count)
        other.pel_count--;
    return sconsumer_put(ctx, s, g, &other);
}

static int join_consumer(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sconsumer *c, sid id)
{
    skey k;
    cpel_key(&k, g, c->name, c->nlen, id);
    int rc = put_key(ctx, s, &k, "", 0);
    if (rc == SS_OK)
        c->pel_count++;
    return rc;
}

/* Gives id (whose PEL entry is old, or none) to c with time and count. */
static int give(ss_exec_ctx *ctx, const stream *s, sgroup *g, sconsumer *c, sid id, const snack *old,
                int64_t time, uint64_t count)
{
    int rc = SS_OK;
    bool moves = !old || !same_name(old->consumer, old->clen, c->name, c->nlen);
    if (!old)
        g->pel_count++;
    else if (moves)
        rc = leave_consumer(ctx, s, g, old->consumer, old->clen, id, c);
    if (rc == SS_OK && moves)
        rc = join_consumer(ctx, s, g, c, id);
    if (rc == SS_OK)
        rc = nack_put(ctx, s, g, id, time, count, c->name, c->nlen);
    return rc;
}

int spel_deliver(ss_exec_ctx *ctx, const stream *s, sgroup *g, sconsumer *c, sid id, int64_t now)
{
    snack old;
    ss_lookup had = snack_get(ctx, s, g, id, &old);
    if (had == SS_REPLIED)
        return ctx->status != SS_OK ? ctx->status : SS_EIO;
    int rc = give(ctx, s, g, c, id, had == SS_FOUND ? &old : NULL, now, 1);
    snack_release(&old);
    return rc;
}

int spel_claim(ss_exec_ctx *ctx, const stream *s, sgroup *g, sconsumer *c, sid id, const snack *n, bool existed)
{
    return give(ctx, s, g, c, id, existed ? n : NULL, n->delivery_time, n->delivery_count);
}

int spel_remove(ss_exec_ctx *ctx, const stream *s, sgroup *g, sid id, sconsumer *held, bool *found)
{
    *found = false;
    snack n;
    ss_lookup had = snack_get(ctx, s, g, id, &n);
    if (had == SS_REPLIED)
        return ctx->status != SS_OK ? ctx->status : SS_EIO;
    if (had == SS_MISSING)
        return SS_OK;
    skey k;
    nack_key(&k, g, id);
    int rc = del_key(ctx, s, &k);
    if (rc == SS_OK)
        rc = leave_consumer(ctx, s, g, n.consumer, n.clen, id, held);
    snack_release(&n);
    if (rc == SS_OK) {
        if (g->pel_count)
            g->pel_count--;
        *found = true;
    }
    return rc;
}

/* ------------------------------------------------------------------ PEL walks */

int spelwalk_start(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const char *consumer, size_t clen, sid start,
                   bool from_end, spelwalk *w)
{
    memset(w, 0, sizeof *w);
    if (consumer)
        cpel_prefix(&w->prefix, g, consumer, clen);
    else
        group_prefix(&w->prefix, 'p', g);
    int rc = skey_bad(&w->prefix) ? SS_ENOMEM : stream_sub_iter(ctx, s, &w->it);
    if (rc != SS_OK) {
        skey_release(&w->prefix);
        w->it = NULL;
        return rc;
    }
    skey k;
    skey_init(&k, (char)w->prefix.p[0]);
    skey_add(&k, w->prefix.p + 1, w->prefix.len - 1);
    skey_add_id(&k, from_end ? SID_MAX : start);
    if (skey_bad(&k))
        rc = SS_ENOMEM;
    else if (from_end)
        ss_ks_subiter_seek_for_prev(w->it, k.p, k.len);
    else
        ss_ks_subiter_seek(w->it, k.p, k.len);
    skey_release(&k);
    return rc;
}

bool spelwalk_valid(spelwalk *w)
{
    if (!w->it || !stream_sub_has_prefix(w->it, &w->prefix))
        return false;
    ss_slice sub = ss_ks_subiter_sub(w->it);
    if (sub.len != w->prefix.len + SID_LEN)
        return false;
    w->id = sid_decode(sub.data + w->prefix.len);
    return true;
}

void spelwalk_next(spelwalk *w) { ss_ks_subiter_next(w->it); }
void spelwalk_prev(spelwalk *w) { ss_ks_subiter_prev(w->it); }

void spelwalk_stop(spelwalk *w)
{
    if (w->it)
        ss_ks_subiter_free(w->it);
    w->it = NULL;
    skey_release(&w->prefix);
}

bool spelwalk_nack(spelwalk *w, snack *n)
{
    return nack_decode(ss_ks_subiter_value(w->it), n);
}

/* ------------------------------------------------------------------ read counters and lag (Redis 7.0) */

bool stream_range_has_tombstones(const stream *s, sid start)
{
    if (stream_len(s) == 0 || sid_is_zero(s->max_deleted))
        return false;
    if (sid_cmp(s->first_id, s->max_deleted) > 0)
        return false; /* the latest tombstone is before the first entry */
    return sid_cmp(start, s->max_deleted) <= 0;
}

long long stream_estimate_distance(const stream *s, sid id)
{
    if (s->entries_added == 0)
        return 0;
    if (stream_len(s) == 0 && sid_cmp(id, s->last_id) < 1)
        return (long long)s->entries_added;
    int cmp_last = sid_cmp(id, s->last_id);
    if (cmp_last == 0)
        return (long long)s->entries_added;
    if (cmp_last > 0)
        return SCG_INVALID_ENTRIES_READ;
    int cmp_first = sid_cmp(id, s->first_id);
    if (sid_is_zero(s->max_deleted) || sid_cmp(s->max_deleted, s->first_id) < 0) {
        /* no fragmentation ahead */
        if (cmp_first < 0)
            return (long long)(s->entries_added - stream_len(s));
        if (cmp_first == 0)
            return (long long)(s->entries_added - stream_len(s) + 1);
    }
    return SCG_INVALID_ENTRIES_READ;
}

void stream_reply_lag(ss_exec_ctx *ctx, ss_buf *out, const stream *s, const sgroup *g)
{
    if (s->entries_added == 0) {
        resp_add_int(out, 0);
        return;
    }
    if (g->entries_read != SCG_INVALID_ENTRIES_READ && !stream_range_has_tombstones(s, g->last_id)) {
        resp_add_int(out, (long long)s->entries_added - g->entries_read);
        return;
    }
    long long read = stream_estimate_distance(s, g->last_id);
    if (read != SCG_INVALID_ENTRIES_READ)
        resp_add_int(out, (long long)s->entries_added - read);
    else
        resp_add_null_bulk(out, ctx->proto);
}

void sgroup_advance(const stream *s, sgroup *g, sid id)
{
    if (g->entries_read != SCG_INVALID_ENTRIES_READ && !stream_range_has_tombstones(s, id))
        g->entries_read++;
    else if (s->entries_added)
        g->entries_read = stream_estimate_distance(s, id);
    g->last_id = id;
}
