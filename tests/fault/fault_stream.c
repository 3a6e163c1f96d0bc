/* The stream and BITFIELD workload of the fault runs (XADD, XREADGROUP/XACK, BITFIELD INCRBY) and its checkers. */
#include "fault/fault_stream.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault_nemesis.h"
#include "fault/fault_workload.h"

#define STREAM "s"
#define GROUP "g"
#define BITS "bf"
#define BLOCK_MS 1000
#define CLAIM_IDLE_MS 3000 /* XAUTOCLAIM takes entries pending this long */
#define WRAP0 4294967096u /* 2^32 - 200: wraps after 200 increments */
#define SAT0 4294966496u  /* 2^32 - 800: saturates after 800 (a third into an 8 s run; ASan builds do fewer) */

const char *fs_kind_name(fs_kind kind)
{
    static const char *const names[] = {"XADD", "XREADGROUP", "DELIVER", "XACK", "BITFIELD", "XAUTOCLAIM",
                                         "CLAIMED"};
    return names[kind];
}

/* --------------------------------------------------------------- checkers */

typedef struct sid {
    uint64_t ms, seq;
} sid;

static bool parse_id(const char *s, sid *out)
{
    char *end;
    out->ms = strtoull(s, &end, 10);
    if (end == s || *end != '-')
        return false;
    const char *q = end + 1;
    out->seq = strtoull(q, &end, 10);
    return end != q && !*end;
}

static int cmp_sid(sid a, sid b) { return a.ms != b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq != b.seq ? (a.seq < b.seq ? -1 : 1) : 0; }

static int cmp_entry_tag(const void *a, const void *b)
{
    return strcmp((*(const fs_entry *const *)a)->tag, (*(const fs_entry *const *)b)->tag);
}

static const fs_entry *find_tag(const fs_entry *const *by_tag, size_t n, const char *tag)
{
    fs_entry key;
    snprintf(key.tag, sizeof key.tag, "%s", tag);
    const fs_entry *k = &key;
    const fs_entry *const *at = bsearch(&k, by_tag, n, sizeof *by_tag, cmp_entry_tag);
    return at ? *at : NULL;
}

static int cmp_op_tag(const void *a, const void *b)
{
    return strcmp((*(const fs_op *const *)a)->tag, (*(const fs_op *const *)b)->tag);
}

/* Every XADD, sorted by tag for find_xadd. */
static const fs_op **xadds_by_tag(const fs_op *ops, size_t nops, size_t *n)
{
    const fs_op **v = malloc((nops + 1) * sizeof *v);
    if (!v)
        abort();
    *n = 0;
    for (size_t i = 0; i < nops; i++)
        if (ops[i].kind == FS_XADD)
            v[(*n)++] = &ops[i];
    qsort(v, *n, sizeof *v, cmp_op_tag);
    return v;
}

static const fs_op *find_xadd(const fs_op *const *adds, size_t n, const char *tag)
{
    fs_op key;
    snprintf(key.tag, sizeof key.tag, "%s", tag);
    const fs_op *k = &key;
    const fs_op *const *at = bsearch(&k, adds, n, sizeof *adds, cmp_op_tag);
    return at ? *at : NULL;
}

/* The final stream's own shape: increasing IDs, tags once each, all added. */
static bool check_entries(const fs_op *ops, size_t nops, const fs_entry *e, size_t n, const fs_entry *const *by_tag,
                          char *why, size_t size)
{
    sid prev = {0, 0};
    for (size_t i = 0; i < n; i++) {
        sid id;
        if (!parse_id(e[i].id, &id) || (i > 0 && cmp_sid(prev, id) >= 0)) {
            snprintf(why, size, "stream entry %zu has ID %s after %s: not strictly increasing", i, e[i].id,
                     i ? e[i - 1].id : "-");
            return false;
        }
        prev = id;
    }
    for (size_t i = 1; i < n; i++) {
        if (!strcmp(by_tag[i - 1]->tag, by_tag[i]->tag)) {
            snprintf(why, size, "tag %s is in the stream twice: %s and %s (an XADD applied twice)", by_tag[i]->tag,
                     by_tag[i - 1]->id, by_tag[i]->id);
            return false;
        }
    }
    /* Tags are "e<client>-<seq>", unique per XADD. */
    size_t nadds;
    const fs_op **adds = xadds_by_tag(ops, nops, &nadds);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const fs_op *add = find_xadd(adds, nadds, e[i].tag);
        if (!add || add->outcome == HIST_FAILED) {
            snprintf(why, size, "stream entry %s tag %s: %s", e[i].id, e[i].tag,
                     add ? "its XADD failed (never applied), yet it is there" : "never added by any client");
            ok = false;
        }
    }
    free(adds);
    return ok;
}

typedef struct timed {
    int64_t t;
    sid id;
    const fs_op *op;
} timed;

static int cmp_timed(const void *a, const void *b)
{
    const timed *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* Acknowledged XADDs: present with their ID, and in real-time order. */
static bool check_acked(const fs_op *ops, size_t nops, const fs_entry *const *by_tag, size_t n, char *why,
                        size_t size)
{
    timed *done = malloc((nops + 1) * sizeof *done), *begun = malloc((nops + 1) * sizeof *begun);
    if (!done || !begun)
        abort();
    size_t na = 0;
    bool ok = true;
    for (size_t i = 0; i < nops && ok; i++) {
        const fs_op *op = &ops[i];
        if (op->kind != FS_XADD || op->outcome != HIST_OK)
            continue;
        const fs_entry *e = find_tag(by_tag, n, op->tag);
        sid id;
        if (!e || strcmp(e->id, op->id) != 0 || !parse_id(op->id, &id)) {
            snprintf(why, size, "acknowledged XADD by client %d (tag %s, ID %s) is %s", op->client, op->tag, op->id,
                     e ? "in the stream under another ID" : "lost: not in the stream");
            ok = false;
            break;
        }
        done[na] = (timed){op->complete, id, op};
        begun[na++] = (timed){op->invoke, id, op};
    }
    qsort(done, na, sizeof *done, cmp_timed);
    qsort(begun, na, sizeof *begun, cmp_timed);
    /* Sweep: the largest ID acknowledged before each XADD began. */
    size_t d = 0;
    const timed *max = NULL;
    for (size_t b = 0; b < na && ok; b++) {
        for (; d < na && done[d].t < begun[b].t; d++)
            if (!max || cmp_sid(done[d].id, max->id) > 0)
                max = &done[d];
        if (max && cmp_sid(max->id, begun[b].id) >= 0) {
            snprintf(why, size, "XADD by client %d returned %s after XADD by client %d had returned %s: IDs not "
                     "increasing in real time", begun[b].op->client, begun[b].op->id, max->op->client, max->op->id);
            ok = false;
        }
    }
    free(done);
    free(begun);
    return ok;
}

/* Group records (reads, claims, XACKs) by entry, then by time. */
static int cmp_group_rec(const void *a, const void *b)
{
    const fs_op *x = *(const fs_op *const *)a, *y = *(const fs_op *const *)b;
    sid i = {0, 0}, j = {0, 0};
    parse_id(x->id, &i);
    parse_id(y->id, &j);
    int c = cmp_sid(i, j);
    return c ? c : x->invoke < y->invoke ? -1 : x->invoke > y->invoke;
}

/* One entry's records in the group: read by one consumer at most (claims
 * may hand it to others), acknowledged once at most, never claimed after
 * an acknowledgement that had returned, and an XACK that found nothing only
 * where a claim moved the entry (its other owner may have acknowledged it). */
static bool check_entry_group(const fs_op *const *rec, size_t n, char *why, size_t size)
{
    const fs_op *read = NULL, *acked = NULL;
    size_t claims = 0;
    for (size_t i = 0; i < n; i++)
        claims += rec[i]->kind == FS_CLAIMED;
    for (size_t i = 0; i < n; i++) {
        const fs_op *r = rec[i];
        if (r->kind == FS_DELIVER) {
            if (read) {
                snprintf(why, size, "entry %s delivered twice in group %s by XREADGROUP >: to clients %d and %d",
                         r->id, GROUP, read->client, r->client);
                return false;
            }
            read = r;
        } else if (r->kind == FS_CLAIMED) {
            if (acked && acked->complete < r->invoke) {
                snprintf(why, size, "entry %s claimed by client %d after client %d's XACK of it had returned",
                         r->id, r->client, acked->client);
                return false;
            }
        } else if (r->outcome == HIST_OK && r->n == 1) {
            if (acked) {
                snprintf(why, size, "entry %s acknowledged twice (clients %d and %d)", r->id, acked->client,
                         r->client);
                return false;
            }
            acked = r;
        } else if (r->outcome == HIST_OK && (r->n > 1 || claims == 0)) {
            snprintf(why, size, "client %d's XACK of %s, which it had read and nobody claimed, acknowledged %lld",
                     r->client, r->id, r->n);
            return false;
        }
    }
    return true;
}

/* The consumer group: reads of entries the stream holds, in increasing
 * order per consumer, and each entry's records as check_entry_group says. */
static bool check_group(const fs_op *ops, size_t nops, const fs_entry *const *by_tag, size_t n, char *why,
                        size_t size)
{
    const fs_op **rec = malloc((nops + 1) * sizeof *rec);
    if (!rec)
        abort();
    size_t nr = 0;
    bool ok = true;
    sid last[FCL_MAX_CLIENTS + 1] = {{0, 0}};
    for (size_t i = 0; i < nops && ok; i++) {
        const fs_op *op = &ops[i];
        sid id;
        if (op->kind == FS_XACK) {
            rec[nr++] = op;
            continue;
        }
        if (op->kind != FS_DELIVER && op->kind != FS_CLAIMED)
            continue;
        const fs_entry *e = find_tag(by_tag, n, op->tag);
        if (!parse_id(op->id, &id) || !e || strcmp(e->id, op->id) != 0) {
            snprintf(why, size, "client %d %s entry %s tag %s, which the stream does not hold", op->client,
                     op->kind == FS_DELIVER ? "read" : "claimed", op->id, op->tag);
            ok = false;
        } else if (op->kind == FS_DELIVER && op->client >= 0 && op->client <= FCL_MAX_CLIENTS) {
            if (cmp_sid(last[op->client], id) >= 0) {
                snprintf(why, size, "client %d read %s after an entry at or beyond it in the group", op->client,
                         op->id);
                ok = false;
            }
            last[op->client] = id;
        }
        rec[nr++] = op;
    }
    if (ok)
        qsort(rec, nr, sizeof *rec, cmp_group_rec);
    for (size_t i = 0; i < nr && ok;) {
        size_t j = i;
        while (j < nr && !strcmp(rec[j]->id, rec[i]->id))
            j++;
        ok = check_entry_group(rec + i, j - i, why, size);
        i = j;
    }
    free(rec);
    return ok;
}

bool fs_check_stream(const fs_op *ops, size_t nops, const fs_entry *entries, size_t nentries, char *why,
                     size_t whysize)
{
    const fs_entry **by_tag = malloc((nentries + 1) * sizeof *by_tag);
    if (!by_tag)
        abort();
    for (size_t i = 0; i < nentries; i++)
        by_tag[i] = &entries[i];
    qsort(by_tag, nentries, sizeof *by_tag, cmp_entry_tag);
    bool ok = check_entries(ops, nops, entries, nentries, by_tag, why, whysize) &&
              check_acked(ops, nops, by_tag, nentries, why, whysize) &&
              check_group(ops, nops, by_tag, nentries, why, whysize);
    free(by_tag);
    return ok;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Acknowledged results are distinct steps 1..limit from start (mod 2^32). */
static bool distinct_steps(uint32_t *steps, size_t n, uint32_t limit, const char *name, char *why, size_t size)
{
    qsort(steps, n, sizeof *steps, cmp_u32);
    for (size_t i = 0; i < n; i++) {
        if (steps[i] == 0 || steps[i] > limit || (i > 0 && steps[i] == steps[i - 1])) {
            snprintf(why, size, "the %s counter: an acknowledged INCRBY returned step %" PRIu32 " (%s %" PRIu32 ")",
                     name, steps[i], steps[i] > limit ? "beyond the final" : "twice, or zero, final", limit);
            return false;
        }
    }
    return true;
}

bool fs_check_bitfield(const fs_op *ops, size_t nops, uint32_t wrap0, uint32_t sat0, uint32_t wrap, uint32_t sat,
                       char *why, size_t whysize)
{
    uint64_t acked = 0, unknown = 0;
    uint32_t *wsteps = malloc((nops + 1) * sizeof *wsteps), *ssteps = malloc((nops + 1) * sizeof *ssteps);
    if (!wsteps || !ssteps)
        abort();
    size_t nw = 0, ns = 0;
    for (size_t i = 0; i < nops; i++) {
        if (ops[i].kind != FS_BITFIELD)
            continue;
        if (ops[i].outcome == HIST_UNKNOWN)
            unknown++;
        if (ops[i].outcome != HIST_OK)
            continue;
        acked++;
        wsteps[nw++] = ops[i].wrap - wrap0;
        if (ops[i].sat != UINT32_MAX)
            ssteps[ns++] = ops[i].sat - sat0;
    }
    uint32_t moved = wrap - wrap0; /* mod 2^32 */
    uint64_t sat_lo = (uint64_t)sat0 + acked, sat_hi = (uint64_t)sat0 + acked + unknown;
    sat_lo = sat_lo > UINT32_MAX ? UINT32_MAX : sat_lo;
    sat_hi = sat_hi > UINT32_MAX ? UINT32_MAX : sat_hi;
    bool ok = true;
    if (moved < acked || moved > acked + unknown) {
        snprintf(why, whysize, "the WRAP counter moved %" PRIu32 " (from %" PRIu32 " to %" PRIu32 "): expected between "
                 "%" PRIu64 " acknowledged and %" PRIu64 " attempted increments", moved, wrap0, wrap, acked,
                 acked + unknown);
        ok = false;
    } else if (sat < sat_lo || sat > sat_hi) {
        snprintf(why, whysize, "the SAT counter is %" PRIu32 " (from %" PRIu32 "): expected between %" PRIu64
                 " and %" PRIu64 " (%" PRIu64 " acknowledged, %" PRIu64 " unknown increments)", sat, sat0, sat_lo,
                 sat_hi, acked, unknown);
        ok = false;
    } else {
        ok = distinct_steps(wsteps, nw, moved, "WRAP", why, whysize) &&
             distinct_steps(ssteps, ns, sat - sat0, "SAT", why, whysize);
    }
    free(wsteps);
    free(ssteps);
    return ok;
}

/* ---------------------------------------------------------------- clients */



static fs_op *begin(fw_client *s, fs_kind kind)
{
    fs_op *op = fw_vec_push(&s->ops);
    op->client = s->id;
    op->kind = kind;
    op->invoke = fcl_now_ns();
    op->complete = INT64_MAX;
    return op;
}

/* The outcome of a reply of the expected type or not; false: drop the link. */
static bool settle(fs_op *op, const redisReply *r, int want, bool is_read)
{
    if (!r) {
        op->outcome = HIST_UNKNOWN;
        return false;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        /* A read's error is unknown whatever it says: it may have delivered. */
        op->outcome = is_read ? HIST_UNKNOWN : fw_error_outcome(r->str);
    } else if (r->type == want || (is_read && r->type == REDIS_REPLY_NIL)) {
        op->outcome = HIST_OK;
    } else {
        fprintf(stderr, "fault stream client %d: unexpected reply type %d to %s\n", op->client, r->type,
                fs_kind_name(op->kind));
        op->outcome = HIST_UNKNOWN;
    }
    if (op->outcome != HIST_UNKNOWN)
        op->complete = fcl_now_ns();
    return op->outcome == HIST_OK;
}

static bool do_xadd(fw_client *s, redisContext *ctx, uint64_t seq)
{
    fs_op *op = begin(s, FS_XADD);
    snprintf(op->tag, sizeof op->tag, "e%d-%" PRIu64, s->id, seq);
    redisReply *r = redisCommand(ctx, "XADD %s * tag %s", STREAM, op->tag);
    bool keep = settle(op, r, REDIS_REPLY_STRING, false);
    if (keep)
        snprintf(op->id, sizeof op->id, "%s", r->str);
    if (r)
        freeReplyObject(r);
    return keep;
}

/* A record of the given kind per entry of list ([id, [tag, value]] each). */
static void record_entries(fw_client *s, const redisReply *list, fs_kind kind, int64_t invoke)
{
    for (size_t i = 0; list->type == REDIS_REPLY_ARRAY && i < list->elements; i++) {
        const redisReply *e = list->element[i];
        fs_op *d = begin(s, kind);
        d->outcome = HIST_OK;
        d->invoke = invoke;
        d->complete = fcl_now_ns();
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 && e->element[0]->type == REDIS_REPLY_STRING) {
            snprintf(d->id, sizeof d->id, "%s", e->element[0]->str);
            const redisReply *f = e->element[1];
            if (f->type == REDIS_REPLY_ARRAY && f->elements == 2 && f->element[1]->type == REDIS_REPLY_STRING)
                snprintf(d->tag, sizeof d->tag, "%s", f->element[1]->str);
        }
    }
}

/* XACK of each entry recorded from index first on. */
static bool ack_entries(fw_client *s, redisContext *ctx, size_t first)
{
    size_t last = s->ops.len;
    bool keep = true;
    for (size_t i = first; i < last && keep; i++) {
        char id[48];
        snprintf(id, sizeof id, "%s", FW_AT(&s->ops, fs_op, i)->id);
        fs_op *ack = begin(s, FS_XACK);
        snprintf(ack->id, sizeof ack->id, "%s", id);
        redisReply *a = redisCommand(ctx, "XACK %s %s %s", STREAM, GROUP, id);
        keep = settle(ack, a, REDIS_REPLY_INTEGER, false);
        if (keep)
            ack->n = a->integer;
        if (a)
            freeReplyObject(a);
    }
    return keep;
}

/* One XREADGROUP, a DELIVER record per entry read, then XACK of each. */
static bool do_read(fw_client *s, redisContext *ctx)
{
    fs_op *op = begin(s, FS_READ);
    int64_t invoke = op->invoke;
    redisReply *r = redisCommand(ctx, "XREADGROUP GROUP %s c%d COUNT 10 BLOCK %d STREAMS %s >", GROUP, s->id, BLOCK_MS,
                                 STREAM);
    bool keep = settle(op, r, REDIS_REPLY_ARRAY, true);
    size_t first = s->ops.len;
    if (keep && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2)
        record_entries(s, r->element[0]->element[1], FS_DELIVER, invoke);
    if (r)
        freeReplyObject(r);
    return keep && ack_entries(s, ctx, first);
}

/* XAUTOCLAIM of entries pending CLAIM_IDLE_MS, a CLAIMED record each, then XACK. */
static bool do_claim(fw_client *s, redisContext *ctx)
{
    fs_op *op = begin(s, FS_AUTOCLAIM);
    int64_t invoke = op->invoke;
    redisReply *r = redisCommand(ctx, "XAUTOCLAIM %s %s c%d %d 0-0 COUNT 10", STREAM, GROUP, s->id, CLAIM_IDLE_MS);
    /* Its error is unknown too: it may have moved entries. */
    bool keep = settle(op, r, REDIS_REPLY_ARRAY, true);
    size_t first = s->ops.len;
    if (keep && r->type == REDIS_REPLY_ARRAY && r->elements >= 2)
        record_entries(s, r->element[1], FS_CLAIMED, invoke);
    if (r)
        freeReplyObject(r);
    return keep && ack_entries(s, ctx, first);
}

static bool do_bitfield(fw_client *s, redisContext *ctx)
{
    fs_op *op = begin(s, FS_BITFIELD);
    redisReply *r = redisCommand(ctx, "BITFIELD %s OVERFLOW WRAP INCRBY u32 0 1 OVERFLOW SAT INCRBY u32 32 1", BITS);
    bool keep = settle(op, r, REDIS_REPLY_ARRAY, false);
    if (keep && (r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
                 r->element[1]->type != REDIS_REPLY_INTEGER)) {
        fprintf(stderr, "fault stream client %d: BITFIELD replied %zu elements\n", s->id, r->elements);
        op->outcome = HIST_UNKNOWN;
        op->complete = INT64_MAX;
        keep = false;
    }
    if (keep) {
        op->wrap = (uint32_t)r->element[0]->integer;
        op->sat = (uint32_t)r->element[1]->integer;
    }
    if (r)
        freeReplyObject(r);
    return keep;
}

/* Roles by client id: XADD, XREADGROUP + XACK, BITFIELD, in turn. */
static void *client_main(void *arg)
{
    fw_client *s = arg;
    fw_run *run = s->run;
    redisContext *ctx = NULL;
    uint64_t seq = 0;
    while (!atomic_load(s->stop)) {
        if (!ctx && !(ctx = fw_connect(&run->o, &s->rng, BLOCK_MS))) {
            usleep(20 * 1000);
            continue;
        }
        bool keep;
        switch ((s->id - 1) % 3) {
        case 0: keep = do_xadd(s, ctx, ++seq); break;
        case 1: keep = fn_rand(&s->rng) % 16 ? do_read(s, ctx) : do_claim(s, ctx); break;
        default: keep = do_bitfield(s, ctx); break;
        }
        if (!keep || fn_rand(&s->rng) % 64 == 0) {
            redisFree(ctx);
            ctx = NULL;
        }
        usleep((useconds_t)(fn_rand(&s->rng) % 4) * 1000);
    }
    if (ctx)
        redisFree(ctx);
    return NULL;
}

/* One script: the keys afresh, the group, the counters' starting values. */
static const char setup_script[] =
    "redis.call('del', KEYS[1], KEYS[2]) "
    "redis.call('xgroup', 'create', KEYS[1], ARGV[1], '0', 'mkstream') "
    "return redis.call('bitfield', KEYS[2], 'set', 'u32', 0, ARGV[2], 'set', 'u32', 32, ARGV[3])";

static fw_run *stream_start(fc_cluster *c, const fw_opts *o)
{
    redisReply *r = fw_leader_cmd(c, 20000, "EVAL %s 2 %s %s %s %u %u", setup_script, STREAM, BITS, GROUP, WRAP0,
                                  SAT0);
    if (!r)
        return NULL;
    freeReplyObject(r);
    return fw_start(o, 6, 3, sizeof(fs_op), client_main);
}

/* An entry read or claimed is part of its command's record, not one of its own. */
static int outcome_of(const void *rec)
{
    const fs_op *op = rec;
    return op->kind == FS_DELIVER || op->kind == FS_CLAIMED ? -1 : (int)op->outcome;
}

static void stream_stop(fw_run *run, fw_stats *st) { fw_stop(run, outcome_of, st); }

static bool read_entries(const redisReply *r, fs_entry *out)
{
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING ||
            e->element[1]->type != REDIS_REPLY_ARRAY || e->element[1]->elements != 2)
            return false;
        snprintf(out[i].id, sizeof out[i].id, "%s", e->element[0]->str);
        snprintf(out[i].tag, sizeof out[i].tag, "%s", e->element[1]->element[1]->str);
    }
    return true;
}

static bool stream_check(fw_run *run, fc_cluster *c, char *why, size_t whysize)
{
    redisReply *x = fw_leader_cmd(c, 30000, "XRANGE %s - +", STREAM);
    redisReply *b = x ? fw_leader_cmd(c, 30000, "BITFIELD_RO %s GET u32 0 GET u32 32", BITS) : NULL;
    bool ok = false;
    if (!x || !b || x->type != REDIS_REPLY_ARRAY || b->type != REDIS_REPLY_ARRAY || b->elements != 2) {
        snprintf(why, whysize, "could not read the stream and the counters through the leader after healing");
    } else {
        fs_entry *entries = calloc(x->elements + 1, sizeof *entries);
        if (!entries || !read_entries(x, entries)) {
            snprintf(why, whysize, "XRANGE replied entries of an unexpected shape");
        } else {
            ok = fs_check_stream(run->ops.items, run->ops.len, entries, x->elements, why, whysize) &&
                 fs_check_bitfield(run->ops.items, run->ops.len, WRAP0, SAT0, (uint32_t)b->element[0]->integer,
                                   (uint32_t)b->element[1]->integer, why, whysize);
            size_t reads = 0, claims = 0;
            for (size_t i = 0; i < run->ops.len; i++) {
                reads += FW_AT(&run->ops, fs_op, i)->kind == FS_DELIVER;
                claims += FW_AT(&run->ops, fs_op, i)->kind == FS_CLAIMED;
            }
            fprintf(stderr, "fault stream: %zu operations, %zu entries, %zu read, %zu claimed, counters %lld %lld\n",
                    run->ops.len, x->elements, reads, claims, b->element[0]->integer, b->element[1]->integer);
        }
        free(entries);
    }
    if (x)
        freeReplyObject(x);
    if (b)
        freeReplyObject(b);
    return ok;
}

static void stream_save(const fw_run *run, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    for (size_t i = 0; i < run->ops.len; i++) {
        const fs_op *op = FW_AT(&run->ops, fs_op, i);
        fprintf(f, "client=%d op=%s tag=\"%s\" id=\"%s\" invoke=%" PRId64 " complete=%" PRId64
                   " outcome=%s n=%lld wrap=%" PRIu32 " sat=%" PRIu32 "\n",
                op->client, fs_kind_name(op->kind), op->tag, op->id, op->invoke, op->complete,
                history_outcome_name(op->outcome), op->n, op->wrap, op->sat);
    }
    fclose(f);
}


const fw_workload fw_stream = {"stream", stream_start, stream_stop, stream_check, stream_save, fw_free};
