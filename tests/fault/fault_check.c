/* End-of-run checks of the fault tests: final reads, lost acknowledged writes, counter totals, replica convergence. */
#include "fault/fault_check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault_client.h"

bool fck_final_reads(fc_cluster *c, const char *const *keys, int nkeys, int timeout_ms, history *h,
                     char **final, char *why, size_t whysize)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (int k = 0; k < nkeys; k++) {
        final[k] = NULL;
        bool done = false;
        while (!done && h_now_ms() < deadline) {
            int leader = fc_leader(c, 2000);
            if (leader < 0)
                continue;
            redisContext *ctx = h_connect(&c->nodes[leader]);
            if (!ctx || ctx->err) {
                if (ctx)
                    redisFree(ctx);
                continue;
            }
            redisSetTimeout(ctx, (struct timeval){5, 0});
            hist_op op;
            fcl_exec(ctx, FCK_CLIENT, HIST_GET, keys[k], NULL, &op);
            redisFree(ctx);
            ss_errmsg err;
            if (op.outcome == HIST_OK && history_add(h, &op, err) == SS_OK) {
                final[k] = op.result.type == HIST_R_STR ? op.result.s : NULL;
                done = true;
            } else {
                free(op.result.s);
                usleep(100 * 1000);
            }
        }
        if (!done) {
            snprintf(why, whysize, "could not read %s through the leader after healing", keys[k]);
            return false;
        }
    }
    return true;
}

/* The value an acknowledged op left in the register, or whether it wrote. */
static bool acked_write(const hist_op *op, char *val, size_t size, bool *is_nil)
{
    if (op->outcome != HIST_OK)
        return false;
    *is_nil = false;
    switch (op->kind) {
    case HIST_SET: snprintf(val, size, "%s", op->value); return true;
    case HIST_SET_NX:
        if (op->result.i != 1)
            return false;
        snprintf(val, size, "%s", op->value);
        return true;
    case HIST_INCR:
        if (op->result.type != HIST_R_INT)
            return false;
        snprintf(val, size, "%" PRId64, op->result.i);
        return true;
    case HIST_DEL:
        *is_nil = true;
        return op->result.i == 1;
    default: return false;
    }
}

static bool may_write(const hist_op *op)
{
    if (op->kind == HIST_GET || op->outcome == HIST_FAILED)
        return false;
    if (op->outcome == HIST_UNKNOWN)
        return true;
    if (op->kind == HIST_SET_NX)
        return op->result.i == 1;
    if (op->kind == HIST_INCR)
        return op->result.type == HIST_R_INT;
    return true; /* SET, DEL (even DEL of nothing leaves nil, which overwrote) */
}

bool fck_acked_writes(const history *h, const char *key, const char *final, char *why, size_t whysize)
{
    for (size_t i = 0; i < h->len; i++) {
        const hist_op *w = &h->ops[i];
        char val[64];
        bool is_nil;
        if (strcmp(w->key, key) != 0 || !acked_write(w, val, sizeof val, &is_nil))
            continue;
        if (is_nil ? final == NULL : (final && strcmp(final, val) == 0))
            continue;
        bool overwritten = false;
        for (size_t j = 0; j < h->len && !overwritten; j++) {
            const hist_op *x = &h->ops[j];
            overwritten = j != i && !strcmp(x->key, key) && may_write(x) && x->complete > w->invoke;
        }
        if (!overwritten) {
            snprintf(why, whysize,
                     "acknowledged %s of %s by client %d (invoked at %" PRId64 " ns) is lost: the final "
                     "value is %s and no later write of the key exists",
                     history_kind_name(w->kind), key, w->client, w->invoke, final ? final : "nil");
            return false;
        }
    }
    return true;
}

bool fck_counter(const history *h, const char *key, const char *final, char *why, size_t whysize)
{
    long long acked = 0, unknown = 0, max_seen = 0;
    for (size_t i = 0; i < h->len; i++) {
        const hist_op *op = &h->ops[i];
        if (op->kind != HIST_INCR || strcmp(op->key, key) != 0)
            continue;
        if (op->outcome == HIST_UNKNOWN)
            unknown++;
        if (op->outcome == HIST_OK && op->result.type == HIST_R_INT) {
            acked++;
            if (op->result.i > max_seen)
                max_seen = op->result.i;
        }
    }
    char *end = NULL;
    long long v = final ? strtoll(final, &end, 10) : 0;
    if (final && (end == final || *end)) {
        snprintf(why, whysize, "counter %s holds '%s', not an integer", key, final);
        return false;
    }
    if (v < acked || v > acked + unknown || max_seen > v) {
        snprintf(why, whysize,
                 "counter %s is %lld: expected between %lld acknowledged and %lld attempted "
                 "increments, and at least the largest acknowledged result %lld",
                 key, v, acked, acked + unknown, max_seen);
        return false;
    }
    return true;
}

/* ----------------------------------------------------------- convergence */

static redisReply *node_cmd(fc_cluster *c, int i, const char *fmt, ...)
{
    redisContext *ctx = h_connect(&c->nodes[i]);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return NULL;
    }
    redisSetTimeout(ctx, (struct timeval){5, 0});
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    redisFree(ctx);
    return r;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ULL;
    return h;
}

/* A hash of a whole reply: its type, strings, integers and nesting. */
static uint64_t reply_hash(const redisReply *r, uint64_t h)
{
    h = fnv1a(h, &r->type, sizeof r->type);
    if (r->type == REDIS_REPLY_INTEGER)
        return fnv1a(h, &r->integer, sizeof r->integer);
    if (r->str)
        h = fnv1a(fnv1a(h, &r->len, sizeof r->len), r->str, r->len);
    for (size_t i = 0; i < r->elements; i++)
        h = reply_hash(r->element[i], fnv1a(h, &i, sizeof i));
    return h;
}

/* "key=value\n" for every key of node i, sorted, into buf (truncated: the
 * fault tests use a handful of keys). */
static bool node_digest(fc_cluster *c, int i, char *buf, size_t size)
{
    redisReply *keys = node_cmd(c, i, "KEYS *");
    if (!keys || keys->type != REDIS_REPLY_ARRAY) {
        if (keys)
            freeReplyObject(keys);
        return false;
    }
    char **names = calloc(keys->elements + 1, sizeof *names);
    for (size_t k = 0; k < keys->elements; k++)
        names[k] = keys->element[k]->str;
    qsort(names, keys->elements, sizeof *names, cmp_str);
    size_t used = 0;
    buf[0] = '\0';
    bool ok = true;
    for (size_t k = 0; k < keys->elements && ok; k++) {
        redisReply *v = node_cmd(c, i, "GET %s", names[k]);
        if (v && v->type == REDIS_REPLY_ERROR && !strncmp(v->str, "WRONGTYPE", 9)) {
            /* Lists, streams (the workloads of fault_workload.h): their DUMP. */
            freeReplyObject(v);
            v = node_cmd(c, i, "DUMP %s", names[k]);
            if (v && v->type == REDIS_REPLY_ERROR) {
                /* No DUMP of streams: everything XINFO shows, groups and PELs included. */
                freeReplyObject(v);
                v = node_cmd(c, i, "XINFO STREAM %s FULL COUNT 0", names[k]);
            }
            ok = v && v->type != REDIS_REPLY_ERROR;
            if (ok && used < size)
                used += (size_t)snprintf(buf + used, size - used, "%s=digest:%016" PRIx64 "\n", names[k],
                                         reply_hash(v, 0xcbf29ce484222325ULL));
        } else {
            ok = v && (v->type == REDIS_REPLY_STRING || v->type == REDIS_REPLY_NIL);
            if (ok && used < size)
                used += (size_t)snprintf(buf + used, size - used, "%s=%s\n", names[k],
                                         v->type == REDIS_REPLY_STRING ? v->str : "(nil)");
        }
        if (v)
            freeReplyObject(v);
    }
    free(names);
    freeReplyObject(keys);
    return ok;
}

/* True once every node reports the same applied and commit index. */
static bool same_applied(fc_cluster *c, long long *index)
{
    long long first = -1;
    for (int i = 0; i < c->n; i++) {
        if (c->spare[i])
            continue;
        long long a = fc_info_int(c, i, "raft_last_applied_index");
        long long ci = fc_info_int(c, i, "raft_commit_index");
        if (a < 0 || a != ci || (first >= 0 && a != first))
            return false;
        first = a;
    }
    *index = first;
    return true;
}

bool fck_converged(fc_cluster *c, int timeout_ms, char *why, size_t whysize)
{
    long long deadline = h_now_ms() + timeout_ms;
    char digest[FC_MAX][2048];
    long long index = -1;
    bool switched = false;
    snprintf(why, whysize, "nodes never applied the same index");
    while (h_now_ms() < deadline) {
        if (!same_applied(c, &index)) {
            usleep(100 * 1000);
            continue;
        }
        if (!switched) {
            for (int i = 0; i < c->n; i++) {
                if (c->spare[i])
                    continue;
                redisReply *r = node_cmd(c, i, "CONFIG SET read-consistency stale");
                if (r)
                    freeReplyObject(r);
            }
            switched = true;
        }
        bool all = true;
        int first = -1;
        for (int i = 0; i < c->n && all; i++) {
            if (c->spare[i])
                continue;
            all = node_digest(c, i, digest[i], sizeof digest[i]);
            if (first < 0)
                first = i;
        }
        long long again;
        /* Something applied meanwhile: read again. */
        if (!all || !same_applied(c, &again) || again != index)
            continue;
        int differ = -1;
        for (int i = first + 1; i < c->n && differ < 0; i++)
            if (!c->spare[i] && strcmp(digest[first], digest[i]) != 0)
                differ = i;
        if (differ < 0)
            return true;
        snprintf(why, whysize, "nodes applied index %lld but differ:\n--- n%d:\n%s--- n%d:\n%s", index,
                 first + 1, digest[first], differ + 1, digest[differ]);
        usleep(200 * 1000);
    }
    return false;
}
