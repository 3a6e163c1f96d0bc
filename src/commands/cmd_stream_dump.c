/* DUMP of a stream in Redis 7.0's RDB_TYPE_STREAM_LISTPACKS_2 form: one listpack per macro node (its live entries), the stream's IDs and counters, each group's PEL and consumers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"
#include "commands/numbers.h"
#include "commands/rdb.h"

/* ------------------------------------------------------ a listpack writer */

/* lpEncodeBacklen: the entry's size, 7 bits a byte, read backwards. */
static void lp_backlen(ss_buf *b, size_t l)
{
    unsigned char x[5];
    int n;
    if (l <= 127) {
        x[0] = (unsigned char)l;
        n = 1;
    } else if (l < 16383) {
        x[0] = (unsigned char)(l >> 7);
        x[1] = (unsigned char)((l & 127) | 128);
        n = 2;
    } else if (l < 2097151) {
        x[0] = (unsigned char)(l >> 14);
        x[1] = (unsigned char)(((l >> 7) & 127) | 128);
        x[2] = (unsigned char)((l & 127) | 128);
        n = 3;
    } else if (l < 268435455) {
        x[0] = (unsigned char)(l >> 21);
        x[1] = (unsigned char)(((l >> 14) & 127) | 128);
        x[2] = (unsigned char)(((l >> 7) & 127) | 128);
        x[3] = (unsigned char)((l & 127) | 128);
        n = 4;
    } else {
        x[0] = (unsigned char)(l >> 28);
        x[1] = (unsigned char)(((l >> 21) & 127) | 128);
        x[2] = (unsigned char)(((l >> 14) & 127) | 128);
        x[3] = (unsigned char)(((l >> 7) & 127) | 128);
        x[4] = (unsigned char)((l & 127) | 128);
        n = 5;
    }
    ss_buf_append(b, x, (size_t)n);
}

/* lpAppendInteger's encodings. */
static void lp_int(ss_buf *b, int64_t v)
{
    unsigned char x[9];
    size_t n;
    if (v >= 0 && v <= 127) {
        x[0] = (unsigned char)v;
        n = 1;
    } else if (v >= -4096 && v <= 4095) {
        uint64_t u = (uint64_t)v & 0x1fff;
        x[0] = (unsigned char)(0xc0 | (u >> 8));
        x[1] = (unsigned char)(u & 0xff);
        n = 2;
    } else {
        int w = v >= -32768 && v <= 32767 ? 2 : v >= -8388608 && v <= 8388607 ? 3
              : v >= INT32_MIN && v <= INT32_MAX ? 4 : 8;
        x[0] = (unsigned char)(w == 2 ? 0xf1 : w == 3 ? 0xf2 : w == 4 ? 0xf3 : 0xf4);
        for (int i = 0; i < w; i++)
            x[1 + i] = (unsigned char)((uint64_t)v >> (8 * i));
        n = (size_t)w + 1;
    }
    ss_buf_append(b, x, n);
    lp_backlen(b, n);
}

/* lpAppend of a string: as an integer when it is one (lpStringToInt64). */
static void lp_str(ss_buf *b, const void *s, size_t len)
{
    long long v;
    if (len > 0 && len <= 20 && ss_parse_ll(s, len, &v)) {
        char canon[24];
        int n = snprintf(canon, sizeof canon, "%lld", v);
        if ((size_t)n == len && !memcmp(canon, s, len)) {
            lp_int(b, v);
            return;
        }
    }
    unsigned char x[5];
    size_t h;
    if (len < 64) {
        x[0] = (unsigned char)(0x80 | len);
        h = 1;
    } else if (len < 4096) {
        x[0] = (unsigned char)(0xe0 | (len >> 8));
        x[1] = (unsigned char)(len & 0xff);
        h = 2;
    } else {
        x[0] = 0xf0;
        for (int i = 0; i < 4; i++)
            x[1 + i] = (unsigned char)(len >> (8 * i));
        h = 5;
    }
    ss_buf_append(b, x, h);
    ss_buf_append(b, s, len);
    lp_backlen(b, h + len);
}

/* ------------------------------------------------------------ the nodes */

/* One node under construction: its entries after the master entry. */
typedef struct lpnode {
    ss_buf body;
    uint64_t node;          /* the macro node's seq */
    sid master;
    unsigned char *fields;  /* the master entry's fields: {len(4) bytes}*n */
    size_t fields_len;
    uint32_t nfields;
    int64_t count, elements;
} lpnode;

static bool same_fields(const lpnode *n, const sentry *e)
{
    if (e->nfields != n->nfields)
        return false;
    const unsigned char *p = e->pairs, *f = n->fields;
    for (uint32_t i = 0; i < e->nfields; i++) {
        uint32_t fl = get_u32(f), pl = get_u32(p);
        if (fl != pl || memcmp(f + 4, p + 4, fl))
            return false;
        f += 4 + fl;
        p += 4 + pl;
        p += 4 + get_u32(p); /* the value */
    }
    return true;
}

/* A new listpack for macro node e->node: its master ID and fields, which
 * may be those of an entry deleted since (Redis's loader takes a node
 * whose first entry is past its key). */
static int node_begin(ss_exec_ctx *ctx, stream *s, lpnode *n, const sentry *e)
{
    ss_buf_reset(&n->body);
    snode sn;
    int rc = snode_get(ctx, s, e->node, &sn);
    if (rc != SS_OK)
        return rc;
    free(n->fields);
    n->node = e->node;
    n->master = sn.master;
    n->nfields = sn.nfields;
    n->fields = sn.fields; /* taken over */
    n->fields_len = sn.fields_len;
    n->count = 0;
    n->elements = 0;
    return SS_OK;
}

static void node_add(lpnode *n, sid id, const sentry *e)
{
    bool same = same_fields(n, e);
    ss_buf *b = &n->body;
    lp_int(b, same ? 2 : 0); /* STREAM_ITEM_FLAG_SAMEFIELDS */
    lp_int(b, (int64_t)(id.ms - n->master.ms));
    lp_int(b, (int64_t)(id.seq - n->master.seq));
    if (!same)
        lp_int(b, e->nfields);
    const unsigned char *p = e->pairs;
    for (uint32_t i = 0; i < e->nfields; i++) {
        uint32_t fl = get_u32(p);
        if (!same)
            lp_str(b, p + 4, fl);
        p += 4 + fl;
        uint32_t vl = get_u32(p);
        lp_str(b, p + 4, vl);
        p += 4 + vl;
    }
    int64_t lpcount = e->nfields + 3 + (same ? 0 : e->nfields + 1);
    lp_int(b, lpcount);
    n->count++;
    n->elements += lpcount + 1;
}

/* The node's key (its master ID) and listpack as two RDB strings. */
static void node_emit(lpnode *n, ss_buf *out)
{
    ss_buf lp;
    ss_buf_init(&lp, 0);
    unsigned char hdr[6] = {0};
    ss_buf_append(&lp, hdr, sizeof hdr);
    lp_int(&lp, n->count);
    lp_int(&lp, 0); /* deleted: only live entries are written */
    lp_int(&lp, n->nfields);
    const unsigned char *f = n->fields;
    for (uint32_t i = 0; i < n->nfields; i++) {
        uint32_t fl = get_u32(f);
        lp_str(&lp, f + 4, fl);
        f += 4 + fl;
    }
    lp_int(&lp, 0); /* the master entry's terminator */
    ss_buf_append(&lp, ss_buf_data(&n->body), ss_buf_len(&n->body));
    unsigned char end = 0xff;
    ss_buf_append(&lp, &end, 1);
    if (!ss_buf_error(&lp)) {
        unsigned char *p = (unsigned char *)ss_buf_data(&lp);
        size_t total = ss_buf_len(&lp);
        int64_t elements = 3 + (int64_t)n->nfields + 1 + n->elements;
        for (int i = 0; i < 4; i++)
            p[i] = (unsigned char)(total >> (8 * i));
        uint64_t ne = elements < 65535 ? (uint64_t)elements : 65535;
        p[4] = (unsigned char)ne;
        p[5] = (unsigned char)(ne >> 8);
        unsigned char key[SID_LEN];
        sid_encode(n->master, key);
        ss_rdb_put_string(out, key, sizeof key);
        ss_rdb_put_string(out, p, total);
    }
    ss_buf_release(&lp);
}

/* Every entry, one listpack per macro node; *nodes how many. */
static int dump_nodes(ss_exec_ctx *ctx, stream *s, ss_buf *nodes_out, uint64_t *nodes)
{
    *nodes = 0;
    swalk w;
    int rc = swalk_start(ctx, s, SID_MIN, SID_MAX, false, &w);
    if (rc != SS_OK)
        return rc;
    lpnode n = {0};
    ss_buf_init(&n.body, 0);
    bool open = false;
    while (rc == SS_OK && swalk_next(&w)) {
        sentry e;
        if (!sentry_decode(w.val, &e)) {
            rc = SS_ECORRUPT;
            break;
        }
        if (open && e.node != n.node) {
            node_emit(&n, nodes_out);
            ++*nodes;
            open = false;
        }
        if (!open) {
            rc = node_begin(ctx, s, &n, &e);
            open = true;
        }
        if (rc == SS_OK)
            node_add(&n, w.id, &e);
    }
    swalk_stop(&w);
    if (rc == SS_OK && open) {
        node_emit(&n, nodes_out);
        ++*nodes;
    }
    ss_buf_release(&n.body);
    free(n.fields);
    return rc;
}

/* ------------------------------------------------------------ the groups */

static void put_id(ss_buf *out, sid id)
{
    ss_rdb_put_len(out, id.ms);
    ss_rdb_put_len(out, id.seq);
}

/* rdbSaveMillisecondTime: 8 bytes, little-endian. */
static void put_ms(ss_buf *out, int64_t t)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)t >> (8 * i));
    ss_buf_append(out, b, sizeof b);
}

static void put_raw_id(ss_buf *out, sid id)
{
    unsigned char b[SID_LEN];
    sid_encode(id, b);
    ss_buf_append(out, b, sizeof b);
}

typedef struct dumper {
    ss_exec_ctx *ctx;
    stream *s;
    ss_buf *out;
    const sgroup *g;
} dumper;

/* A consumer: name, seen time, its PEL's IDs. */
static int dump_consumer(void *ud, const sconsumer *c)
{
    dumper *d = ud;
    ss_rdb_put_string(d->out, c->name, c->nlen);
    put_ms(d->out, c->seen_time);
    ss_rdb_put_len(d->out, c->pel_count);
    spelwalk w;
    int rc = spelwalk_start(d->ctx, d->s, d->g, c->name, c->nlen, SID_MIN, false, &w);
    uint64_t n = 0;
    for (; rc == SS_OK && spelwalk_valid(&w); spelwalk_next(&w), n++)
        put_raw_id(d->out, w.id);
    spelwalk_stop(&w);
    return rc != SS_OK ? rc : n == c->pel_count ? SS_OK : SS_ECORRUPT;
}

/* A group: name, last ID, entries read, PEL (ID, delivery time and count),
 * consumers. */
static int dump_group(void *ud, const sgroup *g)
{
    dumper *d = ud;
    ss_rdb_put_string(d->out, g->name, g->nlen);
    put_id(d->out, g->last_id);
    ss_rdb_put_len(d->out, (uint64_t)g->entries_read); /* -1 as Redis writes it: all ones */
    ss_rdb_put_len(d->out, g->pel_count);
    spelwalk w;
    int rc = spelwalk_start(d->ctx, d->s, g, NULL, 0, SID_MIN, false, &w);
    uint64_t n = 0;
    for (; rc == SS_OK && spelwalk_valid(&w); spelwalk_next(&w), n++) {
        snack k;
        if (!spelwalk_nack(&w, &k)) {
            rc = SS_ECORRUPT;
            break;
        }
        put_raw_id(d->out, w.id);
        put_ms(d->out, k.delivery_time);
        ss_rdb_put_len(d->out, k.delivery_count);
        snack_release(&k);
    }
    spelwalk_stop(&w);
    if (rc == SS_OK && n != g->pel_count)
        rc = SS_ECORRUPT;
    if (rc != SS_OK)
        return rc;
    ss_rdb_put_len(d->out, g->consumers);
    d->g = g;
    return sconsumer_each(d->ctx, d->s, g, dump_consumer, d);
}

int stream_dump(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_buf *out)
{
    stream s;
    if (stream_open(ctx, a, argi, &s) != SS_FOUND)
        return ctx->status != SS_OK ? ctx->status : SS_EIO;
    int rc = stream_info(ctx, &s);
    if (rc != SS_OK)
        return rc;
    ss_buf nodes;
    ss_buf_init(&nodes, 0);
    uint64_t n;
    rc = dump_nodes(ctx, &s, &nodes, &n);
    if (rc == SS_OK) {
        unsigned char type = SS_RDB_TYPE_STREAM_LISTPACKS_2;
        ss_buf_append(out, &type, 1);
        ss_rdb_put_len(out, n);
        ss_buf_append(out, ss_buf_data(&nodes), ss_buf_len(&nodes));
        ss_rdb_put_len(out, stream_len(&s));
        put_id(out, s.last_id);
        put_id(out, s.first_id);
        put_id(out, s.max_deleted);
        ss_rdb_put_len(out, s.entries_added);
        ss_rdb_put_len(out, s.ngroups);
        dumper d = {ctx, &s, out, NULL};
        rc = sgroup_each(ctx, &s, dump_group, &d);
    }
    ss_buf_release(&nodes);
    if (rc == SS_OK)
        ss_rdb_finish(out, 0);
    return rc;
}
