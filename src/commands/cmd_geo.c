/* Geo commands on sorted sets: GEOADD GEOPOS GEODIST GEOHASH, and the searches GEOSEARCH(STORE) GEORADIUS(BYMEMBER)(_RO). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/geohash.h"
#include "commands/zset.h"

/*
 * A geo set is a sorted set whose scores are 52-bit geohashes
 * (geohash.h), so every sorted set command works on it. A search visits at
 * most 9 score ranges of the 's' space (the boxes around the center at a
 * step about the search's size) and keeps the members inside the shape:
 * its cost follows the members in those boxes, not the set's size.
 */

/* ------------------------------------------------------------ arguments */

/* Longitude and latitude at argv[i], argv[i + 1]: -1, or the error. */
static int parse_lonlat(const ss_args *a, int i, double xy[2])
{
    for (int j = 0; j < 2; j++)
        if (!ss_parse_double(a->argv[i + j], a->argvlen[i + j], &xy[j]))
            return RERR_NOTFLOAT;
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN || xy[1] > GEO_LAT_MAX)
        return RERR_GEO_PAIR;
    return -1;
}

static void reply_lonlat_err(ss_buf *out, int err, const double xy[2])
{
    if (err == RERR_GEO_PAIR)
        ss_reply_err(out, RERR_GEO_PAIR, xy[0], xy[1]);
    else
        ss_reply_err(out, (ss_reply_err_code)err);
}

/* A unit's size in meters, or -1. */
static double parse_unit(const ss_args *a, int i)
{
    if (ss_arg_is(a, i, "m"))
        return 1;
    if (ss_arg_is(a, i, "km"))
        return 1000;
    if (ss_arg_is(a, i, "ft"))
        return 0.3048;
    if (ss_arg_is(a, i, "mi"))
        return 1609.34;
    return -1;
}

/* "radius unit" at i into the shape: -1, or the error. */
static int parse_radius(const ss_args *a, int i, geo_shape *s)
{
    if (!ss_parse_double(a->argv[i], a->argvlen[i], &s->radius))
        return RERR_GEO_RADIUS;
    if (s->radius < 0)
        return RERR_GEO_RADIUS_NEG;
    if ((s->conversion = parse_unit(a, i + 1)) < 0)
        return RERR_GEO_UNIT;
    s->type = GEO_CIRCLE;
    return -1;
}

/* "width height unit" at i. */
static int parse_box(const ss_args *a, int i, geo_shape *s)
{
    if (!ss_parse_double(a->argv[i], a->argvlen[i], &s->width))
        return RERR_GEO_WIDTH;
    if (!ss_parse_double(a->argv[i + 1], a->argvlen[i + 1], &s->height))
        return RERR_GEO_HEIGHT;
    if (s->height < 0 || s->width < 0)
        return RERR_GEO_BOX_NEG;
    if ((s->conversion = parse_unit(a, i + 2)) < 0)
        return RERR_GEO_UNIT;
    s->type = GEO_BOX;
    return -1;
}

/* A member's position: SS_FOUND, SS_MISSING, or SS_REPLIED. */
static ss_lookup member_pos(ss_exec_ctx *ctx, const ss_key *z, const char *m, size_t mlen, double xy[2])
{
    double score;
    ss_lookup has = zset_score_get(ctx, z, m, mlen, &score);
    if (has == SS_FOUND && !geohash_decode_score(score, xy))
        return SS_MISSING;
    return has;
}

/* Redis's addReplyHumanLongDouble: "%.17Lf" without trailing zeros, a bulk
 * string in RESP2 and a double in RESP3. */
static void reply_coord(ss_buf *out, resp_proto proto, double v)
{
    char buf[SS_LONG_DOUBLE_CHARS];
    size_t n = ss_format_long_double(buf, sizeof buf, (long double)v);
    if (proto == RESP3) {
        resp_add_raw(out, ",", 1);
        resp_add_raw(out, buf, n);
        resp_add_raw(out, "\r\n", 2);
    } else {
        resp_add_bulk(out, buf, n);
    }
}

/* Distances: four decimals, a bulk string in both protocols. */
static void reply_distance(ss_buf *out, double d)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%.4f", d);
    resp_add_bulk(out, buf, (size_t)n);
}

/* ------------------------------------------------------------ GEOADD */

enum { GA_NX = 1, GA_XX = 2, GA_CH = 4 };

/* GEOADD key [NX|XX] [CH] lon lat member ...: -1 or the error; *first is
 * the first longitude, xy the failing pair. */
static int geoadd_parse(const ss_args *a, int *flags, int *first, double xy[2])
{
    int i = 2, f = 0;
    for (; i < a->argc; i++) {
        if (ss_arg_is(a, i, "nx")) f |= GA_NX;
        else if (ss_arg_is(a, i, "xx")) f |= GA_XX;
        else if (ss_arg_is(a, i, "ch")) f |= GA_CH;
        else break;
    }
    if ((a->argc - i) % 3 || ((f & GA_NX) && (f & GA_XX)) || a->argc == i)
        return RERR_SYNTAX;
    for (int j = i; j < a->argc; j += 3) {
        int err = parse_lonlat(a, j, xy);
        if (err >= 0)
            return err;
    }
    *flags = f;
    *first = i;
    return -1;
}

static bool geoaddPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    int flags, first;
    double xy[2];
    int err = geoadd_parse(a, &flags, &first, xy);
    if (err >= 0)
        reply_lonlat_err(out, err, xy);
    return err < 0;
}

/* As Redis: ZADD with the geohash scores (and its "zadd" event). */
static void geoaddExec(ss_exec_ctx *ctx, const ss_args *a)
{
    int f, first;
    double xy[2];
    int err = geoadd_parse(a, &f, &first, xy);
    if (err >= 0) {
        reply_lonlat_err(ctx->out, err, xy);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING && (f & GA_XX)) {
        resp_add_int(ctx->out, 0);
        return;
    }
    if (found == SS_MISSING)
        ss_key_create(ctx, SS_TYPE_ZSET, &z);
    long long added = 0, updated = 0;
    int rc = SS_OK;
    for (int j = first; j < a->argc && rc == SS_OK; j += 3) {
        parse_lonlat(a, j, xy);
        double score = (double)geohash_score(xy[0], xy[1]), cur = 0;
        const char *m = a->argv[j + 2];
        size_t mlen = a->argvlen[j + 2];
        ss_lookup has = zset_score_get(ctx, &z, m, mlen, &cur);
        if (has == SS_REPLIED)
            return;
        if (has == SS_FOUND ? (f & GA_NX) || cur == score : (f & GA_XX))
            continue;
        if (has == SS_FOUND)
            updated++;
        else
            added++;
        rc = zset_score_put(ctx, &z, m, mlen, has == SS_FOUND, cur, score);
    }
    if (rc == SS_OK && (added || updated))
        rc = ss_key_save(ctx, &z);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if (added || updated) {
        ss_exec_modified(ctx, a->argv[1], a->argvlen[1]);
        ss_exec_notify(ctx, SS_NOTIFY_ZSET, "zadd", a->argv[1], a->argvlen[1]);
        if (found == SS_MISSING)
            ss_exec_ready(ctx, a->argv[1], a->argvlen[1]);
    }
    resp_add_int(ctx->out, (f & GA_CH) ? added + updated : added);
}

/* ------------------------------------------------------------ GEOPOS GEOHASH GEODIST */

static void geoposExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    ss_buf items;
    ss_buf_init(&items, 0);
    for (int j = 2; j < a->argc; j++) {
        double xy[2];
        ss_lookup has = found == SS_FOUND ? member_pos(ctx, &z, a->argv[j], a->argvlen[j], xy) : SS_MISSING;
        if (has == SS_REPLIED) {
            ss_buf_release(&items);
            return;
        }
        if (has == SS_MISSING) {
            resp_add_null_array(&items, ctx->proto);
            continue;
        }
        resp_add_array_len(&items, 2);
        reply_coord(&items, ctx->proto, xy[0]);
        reply_coord(&items, ctx->proto, xy[1]);
    }
    resp_add_array_len(ctx->out, a->argc - 2);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    ss_buf_release(&items);
}

static void geohashExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    ss_buf items;
    ss_buf_init(&items, 0);
    for (int j = 2; j < a->argc; j++) {
        double score, xy[2];
        ss_lookup has = found == SS_FOUND ? zset_score_get(ctx, &z, a->argv[j], a->argvlen[j], &score) : SS_MISSING;
        if (has == SS_REPLIED) {
            ss_buf_release(&items);
            return;
        }
        if (has == SS_MISSING || !geohash_decode_score(score, xy)) {
            resp_add_null_bulk(&items, ctx->proto);
            continue;
        }
        char buf[12];
        geohash_string(score, buf);
        resp_add_bulk(&items, buf, 11);
    }
    resp_add_array_len(ctx->out, a->argc - 2);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    ss_buf_release(&items);
}

static void geodistExec(ss_exec_ctx *ctx, const ss_args *a)
{
    double to_meter = 1;
    if (a->argc == 5 && (to_meter = parse_unit(a, 4)) < 0) {
        ss_reply_err(ctx->out, RERR_GEO_UNIT);
        return;
    }
    if (a->argc > 5) {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    double p1[2], p2[2];
    ss_lookup has = found;
    if (has == SS_FOUND)
        has = member_pos(ctx, &z, a->argv[2], a->argvlen[2], p1);
    if (has == SS_FOUND)
        has = member_pos(ctx, &z, a->argv[3], a->argvlen[3], p2);
    if (has == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    else if (has == SS_FOUND)
        reply_distance(ctx->out, geohash_distance(p1[0], p1[1], p2[0], p2[1]) / to_meter);
}

/* ------------------------------------------------------------ searches */

enum {
    G_COORDS = 1,    /* GEORADIUS: around lon lat */
    G_MEMBER = 2,    /* GEORADIUSBYMEMBER: around a member */
    G_NOSTORE = 4,   /* the _RO forms */
    G_SEARCH = 8,    /* GEOSEARCH's arguments */
    G_SEARCHSTORE = 16,
};
enum { SORT_NONE, SORT_ASC, SORT_DESC };

typedef struct geo_point {
    size_t member; /* index in the search's members */
    double xy[2], dist, score;
} geo_point;

typedef struct geo_found {
    ss_strvec members;
    geo_point *p;
    size_t n, cap;
} geo_found;

static void found_release(geo_found *g)
{
    ss_strvec_release(&g->members);
    free(g->p);
}

static int found_add(geo_found *g, const char *m, size_t mlen, const double xy[2], double dist, double score)
{
    if (g->n == g->cap) {
        size_t c = g->cap ? g->cap * 2 : 16;
        geo_point *p = realloc(g->p, c * sizeof *p);
        if (!p)
            return SS_ENOMEM;
        g->p = p;
        g->cap = c;
    }
    int rc = ss_strvec_push(&g->members, m, mlen);
    if (rc == SS_OK)
        g->p[g->n++] = (geo_point){g->members.n - 1, {xy[0], xy[1]}, dist, score};
    return rc;
}

/* Redis's membersOfAllNeighbors: each box's score range [min, max), in
 * order, stopping once limit (ANY's count) points are found. */
static int search_boxes(ss_exec_ctx *ctx, const ss_key *z, geo_shape *shape, unsigned long long limit, geo_found *g)
{
    geohash_bits boxes[9];
    geohash_search_boxes(shape, boxes);
    int rc = SS_OK;
    unsigned last = 0;
    for (unsigned i = 0; i < 9 && rc == SS_OK; i++) {
        if (boxes[i].bits == 0 && boxes[i].step == 0)
            continue;
        /* Huge searches may give the same box twice in a row; as Redis,
         * compared with the previous box visited, if that was not the center. */
        if (last && boxes[i].bits == boxes[last].bits && boxes[i].step == boxes[last].step)
            continue;
        if (g->n && limit && g->n >= limit)
            break;
        uint64_t min, max;
        geohash_box_scores(boxes[i], &min, &max);
        zrange r = {.by = BY_SCORE, .min = (double)min, .max = (double)max, .maxex = true};
        zwalk w;
        if ((rc = zset_walk_start(ctx, z, &r, &w)) != SS_OK)
            break;
        for (; rc == SS_OK && zset_walk_valid(&w); zset_walk_next(&w)) {
            double xy[2], dist = 0;
            if (geohash_in_shape(shape, w.score, xy, &dist))
                rc = found_add(g, w.member, w.mlen, xy, dist, w.score);
            if (g->n && limit && g->n >= limit)
                break;
        }
        ss_ks_subiter_free(w.it);
        last = i;
    }
    return rc;
}

/* Nearest first (or last); equal distances keep the order found, as Redis's
 * qsort (glibc's merge sort) does. */
static int cmp_asc(const void *x, const void *y)
{
    const geo_point *a = x, *b = y;
    if (a->dist != b->dist)
        return a->dist > b->dist ? 1 : -1;
    return (a->member > b->member) - (a->member < b->member);
}

static int cmp_desc(const void *x, const void *y)
{
    const geo_point *a = x, *b = y;
    if (a->dist != b->dist)
        return a->dist < b->dist ? 1 : -1;
    return (a->member > b->member) - (a->member < b->member);
}

typedef struct geo_req {
    geo_shape shape;
    bool withdist, withhash, withcoord, any, storedist;
    int sort;
    long long count;
    int store_arg;        /* the STORE/STOREDIST key's argument, 0: none */
    bool from_member, from_lonlat, by_radius, by_box;
    int member_arg;       /* FROMMEMBER's argument */
} geo_req;

/* The options after base, as Redis's georadiusGeneric: -1 or the error.
 * z: the source set (NULL: missing; FROMMEMBER is then not looked up). */
static int search_parse(ss_exec_ctx *ctx, const ss_args *a, int base, int flags, const ss_key *z, geo_req *q,
                        double xy[2], ss_lookup *failed)
{
    for (int i = base; i < a->argc; i++) {
        int left = a->argc - i - 1, err;
        if (ss_arg_is(a, i, "withdist")) {
            q->withdist = true;
        } else if (ss_arg_is(a, i, "withhash")) {
            q->withhash = true;
        } else if (ss_arg_is(a, i, "withcoord")) {
            q->withcoord = true;
        } else if (ss_arg_is(a, i, "any")) {
            q->any = true;
        } else if (ss_arg_is(a, i, "asc")) {
            q->sort = SORT_ASC;
        } else if (ss_arg_is(a, i, "desc")) {
            q->sort = SORT_DESC;
        } else if (ss_arg_is(a, i, "count") && left >= 1) {
            if (!ss_parse_ll(a->argv[i + 1], a->argvlen[i + 1], &q->count))
                return RERR_NOTINT;
            if (q->count <= 0)
                return RERR_GEO_COUNT;
            i++;
        } else if ((ss_arg_is(a, i, "store") || ss_arg_is(a, i, "storedist")) && left >= 1 &&
                   !(flags & (G_NOSTORE | G_SEARCH))) {
            q->storedist = ss_arg_is(a, i, "storedist");
            q->store_arg = ++i;
        } else if (ss_arg_is(a, i, "storedist") && (flags & G_SEARCHSTORE)) {
            q->storedist = true;
        } else if (ss_arg_is(a, i, "frommember") && left >= 1 && (flags & G_SEARCH) && !q->from_lonlat) {
            q->from_member = true;
            i++;
            if (z == NULL)
                continue; /* no source: parse on, reply empty at the end */
            ss_lookup has = member_pos(ctx, z, a->argv[i], a->argvlen[i], q->shape.xy);
            if (has == SS_REPLIED) {
                *failed = SS_REPLIED;
                return -1;
            }
            if (has == SS_MISSING)
                return RERR_GEO_MEMBER;
        } else if (ss_arg_is(a, i, "fromlonlat") && left >= 2 && (flags & G_SEARCH) && !q->from_member) {
            if ((err = parse_lonlat(a, i + 1, q->shape.xy)) >= 0) {
                xy[0] = q->shape.xy[0], xy[1] = q->shape.xy[1];
                return err;
            }
            q->from_lonlat = true;
            i += 2;
        } else if (ss_arg_is(a, i, "byradius") && left >= 2 && (flags & G_SEARCH) && !q->by_box) {
            if ((err = parse_radius(a, i + 1, &q->shape)) >= 0)
                return err;
            q->by_radius = true;
            i += 2;
        } else if (ss_arg_is(a, i, "bybox") && left >= 3 && (flags & G_SEARCH) && !q->by_radius) {
            if ((err = parse_box(a, i + 1, &q->shape)) >= 0)
                return err;
            q->by_box = true;
            i += 3;
        } else {
            return RERR_SYNTAX;
        }
    }
    return -1;
}

/* Replies the first n points found (sorted). */
static void search_reply(ss_exec_ctx *ctx, const geo_req *q, const geo_found *g, size_t n)
{
    int opts = q->withdist + q->withcoord + q->withhash;
    resp_add_array_len(ctx->out, (long long)n);
    for (size_t i = 0; i < n; i++) {
        const geo_point *p = &g->p[i];
        ss_slice m = ss_strvec_at(&g->members, p->member);
        if (opts)
            resp_add_array_len(ctx->out, opts + 1);
        resp_add_bulk(ctx->out, m.data, m.len);
        if (q->withdist)
            reply_distance(ctx->out, p->dist / q->shape.conversion);
        if (q->withhash)
            resp_add_int(ctx->out, (long long)p->score);
        if (q->withcoord) {
            resp_add_array_len(ctx->out, 2);
            reply_coord(ctx->out, ctx->proto, p->xy[0]);
            reply_coord(ctx->out, ctx->proto, p->xy[1]);
        }
    }
}

/* Stores the first n points found as a sorted set (by geohash, or by
 * distance with STOREDIST). */
static void search_store(ss_exec_ctx *ctx, const geo_req *q, const geo_found *g, size_t n, const char *dst,
                         size_t dlen, int flags)
{
    zresult res = {0};
    int rc = SS_OK;
    for (size_t i = 0; i < n && rc == SS_OK; i++) {
        const geo_point *p = &g->p[i];
        ss_slice m = ss_strvec_at(&g->members, p->member);
        rc = zresult_add(&res, m.data, m.len, q->storedist ? p->dist / q->shape.conversion : p->score);
    }
    if (rc == SS_OK)
        rc = zresult_sort(&res);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (zresult_fits_or_reply(ctx, &res, dlen))
        zresult_store(ctx, dst, dlen, &res, (flags & G_SEARCH) ? "geosearchstore" : "georadiusstore");
    zresult_release(&res);
}

/* Redis's georadiusGeneric: the source key at src, the form in flags. */
static void search_generic(ss_exec_ctx *ctx, const ss_args *a, int src, int flags)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, src, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    geo_req q = {0};
    double xy[2] = {0, 0};
    int base, err = -1;
    if (flags & G_COORDS) {
        base = 6;
        if ((err = parse_lonlat(a, 2, q.shape.xy)) >= 0) {
            reply_lonlat_err(ctx->out, err, q.shape.xy);
            return;
        }
        err = parse_radius(a, 4, &q.shape);
    } else if (flags & G_MEMBER) {
        base = 5;
        if (found == SS_FOUND) {
            ss_lookup has = member_pos(ctx, &z, a->argv[2], a->argvlen[2], q.shape.xy);
            if (has == SS_REPLIED)
                return;
            err = has == SS_MISSING ? RERR_GEO_MEMBER : parse_radius(a, 3, &q.shape);
        }
    } else {
        base = (flags & G_SEARCHSTORE) ? 3 : 2;
        if (flags & G_SEARCHSTORE)
            q.store_arg = 1;
    }
    ss_lookup failed = SS_FOUND;
    if (err < 0)
        err = search_parse(ctx, a, base, flags, found == SS_FOUND ? &z : NULL, &q, xy, &failed);
    if (failed == SS_REPLIED)
        return;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(a->argvlen[0] < 63 ? a->argvlen[0] : 63), a->argv[0]);
    if (err >= 0) {
        reply_lonlat_err(ctx->out, err, xy);
    } else if (q.store_arg && (q.withdist || q.withhash || q.withcoord)) {
        ss_reply_err(ctx->out, RERR_GEO_STORE_WITH,
                     (flags & G_SEARCHSTORE) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
    } else if ((flags & G_SEARCH) && !(q.from_member || q.from_lonlat)) {
        ss_reply_err(ctx->out, RERR_GEO_FROM, name);
    } else if ((flags & G_SEARCH) && !(q.by_radius || q.by_box)) {
        ss_reply_err(ctx->out, RERR_GEO_BY, name);
    } else if (q.any && !q.count) {
        ss_reply_err(ctx->out, RERR_GEO_ANY);
    } else {
        err = -2; /* no error: search */
    }
    if (err != -2)
        return;
    if (q.store_arg && !ctx->is_apply) { /* the row's writes hook let a storing line through as a read */
        ss_reply_err(ctx->out, RERR_INTERNAL, "store outside the log");
        return;
    }
    const char *dst = q.store_arg ? a->argv[q.store_arg] : NULL;
    size_t dlen = q.store_arg ? a->argvlen[q.store_arg] : 0;
    geo_found g = {0};
    if (found == SS_FOUND) {
        if (q.count && q.sort == SORT_NONE && !q.any)
            q.sort = SORT_ASC; /* COUNT means the nearest ones */
        int rc = search_boxes(ctx, &z, &q.shape, q.any ? (unsigned long long)q.count : 0, &g);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            found_release(&g);
            return;
        }
        if (q.sort != SORT_NONE && g.n > 1)
            qsort(g.p, g.n, sizeof *g.p, q.sort == SORT_ASC ? cmp_asc : cmp_desc);
    }
    size_t n = q.count == 0 || g.n < (unsigned long long)q.count ? g.n : (size_t)q.count;
    if (dst)
        search_store(ctx, &q, &g, n, dst, dlen, flags);
    else
        search_reply(ctx, &q, &g, n);
    found_release(&g);
}

static void georadiusExec(ss_exec_ctx *ctx, const ss_args *a) { search_generic(ctx, a, 1, G_COORDS); }
static void georadiusbymemberExec(ss_exec_ctx *ctx, const ss_args *a) { search_generic(ctx, a, 1, G_MEMBER); }
static void georadiusroExec(ss_exec_ctx *ctx, const ss_args *a) { search_generic(ctx, a, 1, G_COORDS | G_NOSTORE); }
static void georadiusbymemberroExec(ss_exec_ctx *ctx, const ss_args *a) { search_generic(ctx, a, 1, G_MEMBER | G_NOSTORE); }
static void geosearchExec(ss_exec_ctx *ctx, const ss_args *a) { search_generic(ctx, a, 1, G_SEARCH); }
static void geosearchstoreExec(ss_exec_ctx *ctx, const ss_args *a) { search_generic(ctx, a, 2, G_SEARCH | G_SEARCHSTORE); }

/* GEORADIUS's keys: the source, and the key after the last STORE or
 * STOREDIST (Redis's georadiusGetKeys). */
static int georadius_keys(const ss_args *a, int from, ss_keyref *keys)
{
    int n = 0;
    keys[n++] = (ss_keyref){1, KS_RO | KS_ACCESS};
    int store = 0;
    for (int i = from; i < a->argc - 1; i++)
        if (ss_arg_is(a, i, "store") || ss_arg_is(a, i, "storedist"))
            store = ++i;
    if (store)
        keys[n++] = (ss_keyref){store, KS_OW | KS_UPDATE};
    return n;
}

static int georadiusGetKeys(const ss_args *a, ss_keyref *keys) { return georadius_keys(a, 6, keys); }
static int georadiusbymemberGetKeys(const ss_args *a, ss_keyref *keys) { return georadius_keys(a, 5, keys); }

/* GEORADIUS and GEORADIUSBYMEMBER are writes only with STORE or STOREDIST
 * (any such word after the fixed arguments: a line that might store goes
 * through the log); otherwise they run as reads. */
static bool georadius_writes_from(const ss_args *a, int from)
{
    for (int i = from; i < a->argc - 1; i++)
        if (ss_arg_is(a, i, "store") || ss_arg_is(a, i, "storedist"))
            return true;
    return false;
}

static bool georadiusWrites(const ss_args *a) { return georadius_writes_from(a, 6); }
static bool georadiusbymemberWrites(const ss_args *a) { return georadius_writes_from(a, 5); }

#define STORE_SPEC(kw, from) {.flags = KS_OW | KS_UPDATE, KS_BEGIN_KEYWORD(kw, from), KS_FIND_RANGE(0, 1, 0)}

const ss_command ss_cmds_geo[] = {
    SS_WRITE("geoadd", -5, CMD_DENYOOM, ACL_GEO, geoaddExec, .prepare = geoaddPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_READ("geopos", -2, 0, ACL_GEO, geoposExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("geodist", -4, 0, ACL_GEO, geodistExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("geohash", -2, 0, ACL_GEO, geohashExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("geosearch", -7, 0, ACL_GEO, geosearchExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("geosearchstore", -8, CMD_DENYOOM, ACL_GEO, geosearchstoreExec,
             .keys = {KEY(1, KS_OW | KS_UPDATE), KEY(2, KS_RO | KS_ACCESS)}),
    SS_WRITE("georadius", -6, CMD_DENYOOM, ACL_GEO, georadiusExec,
             .keys = {KEY(1, KS_RO | KS_ACCESS), STORE_SPEC("STORE", 6), STORE_SPEC("STOREDIST", 6)},
             .getkeys = georadiusGetKeys, .writes = georadiusWrites),
    SS_READ("georadius_ro", -6, 0, ACL_GEO, georadiusroExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("georadiusbymember", -5, CMD_DENYOOM, ACL_GEO, georadiusbymemberExec,
             .keys = {KEY(1, KS_RO | KS_ACCESS), STORE_SPEC("STORE", 5), STORE_SPEC("STOREDIST", 5)},
             .getkeys = georadiusbymemberGetKeys, .writes = georadiusbymemberWrites),
    SS_READ("georadiusbymember_ro", -5, 0, ACL_GEO, georadiusbymemberroExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_geo);
