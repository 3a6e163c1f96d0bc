/* Concurrent hiredis clients for the fault tests, each recording its operations as a checker history. */
#include "fault/fault_client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

typedef struct client {
    struct fcl_run *run;
    int id;
    uint64_t rng;
    pthread_t thread;
    history h;
    fcl_stats stats;
    bool add_failed; /* history_add refused an op: a harness bug, reported */
} client;

struct fcl_run {
    fcl_opts o;
    atomic_bool stop;
    client clients[FCL_MAX_CLIENTS];
};

int64_t fcl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t next_rand(uint64_t *s)
{
    /* splitmix64: each client's stream depends only on the run's seed. */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* An error reply: whether the command may have reached the log. */
static hist_outcome classify_error(const char *msg, hist_kind kind)
{
    if (kind == HIST_GET)
        return HIST_FAILED; /* a read changes nothing either way */
    if (starts_with(msg, "TRYAGAIN"))
        return HIST_UNKNOWN;
    if (starts_with(msg, "ERR server is shutting down"))
        return HIST_UNKNOWN;
    if (starts_with(msg, "CLUSTERDOWN") || starts_with(msg, "BUSY") || starts_with(msg, "MOVED") ||
        starts_with(msg, "ERR"))
        return HIST_FAILED;
    /* Anything unexpected: claim nothing. */
    return HIST_UNKNOWN;
}

/* The same operation as a script: a write is one EVAL (one log entry),
 * a read an EVAL_RO; the replies have the same shapes as the commands'. */
static redisReply *send_script(redisContext *ctx, hist_kind kind, const char *key, const char *value)
{
    switch (kind) {
    case HIST_GET: return redisCommand(ctx, "EVAL_RO %s 1 %s", "return redis.call('get', KEYS[1])", key);
    case HIST_SET: return redisCommand(ctx, "EVAL %s 1 %s %s", "return redis.call('set', KEYS[1], ARGV[1])", key, value);
    case HIST_SET_NX:
        return redisCommand(ctx, "EVAL %s 1 %s %s", "return redis.call('set', KEYS[1], ARGV[1], 'NX')", key, value);
    case HIST_DEL: return redisCommand(ctx, "EVAL %s 1 %s", "return redis.call('del', KEYS[1])", key);
    default: return redisCommand(ctx, "EVAL %s 1 %s", "return redis.call('incr', KEYS[1])", key);
    }
}

bool fcl_exec(redisContext *ctx, int client_id, hist_kind kind, const char *key, const char *value,
              hist_op *op)
{
    return fcl_exec_as(ctx, client_id, kind, key, value, false, op);
}

bool fcl_exec_as(redisContext *ctx, int client_id, hist_kind kind, const char *key, const char *value,
                 bool scripts, hist_op *op)
{
    *op = (hist_op){.client = client_id, .kind = kind, .key = (char *)key, .complete = INT64_MAX};
    op->invoke = fcl_now_ns();
    redisReply *r;
    if (scripts) {
        r = send_script(ctx, kind, key, value);
    } else {
        switch (kind) {
        case HIST_GET: r = redisCommand(ctx, "GET %s", key); break;
        case HIST_SET: r = redisCommand(ctx, "SET %s %s", key, value); break;
        case HIST_SET_NX: r = redisCommand(ctx, "SET %s %s NX", key, value); break;
        case HIST_DEL: r = redisCommand(ctx, "DEL %s", key); break;
        default: r = redisCommand(ctx, "INCR %s", key); break;
        }
    }
    int64_t done = fcl_now_ns();
    if (kind == HIST_SET || kind == HIST_SET_NX)
        op->value = (char *)value;
    if (r == NULL) {
        /* Sent (or maybe sent) and no answer: timeout or connection lost. */
        op->outcome = HIST_UNKNOWN;
        return false;
    }
    bool keep = true;
    op->complete = done;
    op->outcome = HIST_OK;
    if (r->type == REDIS_REPLY_ERROR) {
        if (kind == HIST_INCR && starts_with(r->str, "ERR value is not an integer")) {
            op->result.type = HIST_R_ERR;
        } else {
            op->outcome = classify_error(r->str, kind);
            if (op->outcome == HIST_UNKNOWN)
                op->complete = INT64_MAX;
            /* Another node may have a leader when this one has none. */
            keep = false;
        }
    } else if (kind == HIST_GET && r->type == REDIS_REPLY_NIL) {
        op->result.type = HIST_R_NIL;
    } else if (kind == HIST_GET && r->type == REDIS_REPLY_STRING) {
        op->result.type = HIST_R_STR;
        op->result.s = strdup(r->str);
    } else if (kind == HIST_SET && r->type == REDIS_REPLY_STATUS && !strcasecmp(r->str, "OK")) {
        op->result.type = HIST_R_OK;
    } else if (kind == HIST_SET_NX && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_NIL)) {
        op->result = (hist_result){.type = HIST_R_INT, .i = r->type == REDIS_REPLY_STATUS};
    } else if ((kind == HIST_DEL || kind == HIST_INCR) && r->type == REDIS_REPLY_INTEGER) {
        op->result = (hist_result){.type = HIST_R_INT, .i = r->integer};
    } else {
        /* A reply of the wrong shape: record it as an impossible GET result
         * would be lying; the checker sees an unknown op and we warn. */
        fprintf(stderr, "fault client %d: unexpected reply type %d to %s %s\n", client_id, r->type,
                history_kind_name(kind), key);
        op->outcome = HIST_UNKNOWN;
        op->complete = INT64_MAX;
        keep = false;
    }
    freeReplyObject(r);
    return keep;
}

redisContext *fcl_connect(int port, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return NULL;
    }
    redisSetTimeout(ctx, tv);
    return ctx;
}

static redisContext *connect_random(client *c)
{
    fcl_opts *o = &c->run->o;
    return fcl_connect(o->ports[next_rand(&c->rng) % (uint64_t)o->nports], o->timeout_ms);
}

static void pick_op(client *c, hist_kind *kind, char *key, size_t keysize)
{
    fcl_opts *o = &c->run->o;
    uint64_t r = next_rand(&c->rng) % 100;
    if (o->ncounters > 0 && r < 20) {
        snprintf(key, keysize, "n%d", (int)(next_rand(&c->rng) % (uint64_t)o->ncounters));
        *kind = r < 15 ? HIST_INCR : HIST_GET;
        return;
    }
    snprintf(key, keysize, "r%d", (int)(next_rand(&c->rng) % (uint64_t)o->nkeys));
    r = next_rand(&c->rng) % 100;
    *kind = r < 40 ? HIST_GET : r < 70 ? HIST_SET : r < 80 ? HIST_SET_NX : r < 90 ? HIST_DEL : HIST_INCR;
}

static void *client_main(void *arg)
{
    client *c = arg;
    fcl_opts *o = &c->run->o;
    redisContext *ctx = NULL;
    uint64_t seq = 0;
    while (!atomic_load(&c->run->stop)) {
        if (!ctx) {
            ctx = connect_random(c);
            if (!ctx) {
                c->stats.not_connected++;
                usleep(20 * 1000);
                continue;
            }
        }
        hist_kind kind;
        char key[16], value[48];
        pick_op(c, &kind, key, sizeof key);
        snprintf(value, sizeof value, "c%d-%llu", c->id, (unsigned long long)++seq);
        hist_op op;
        bool keep = fcl_exec_as(ctx, c->id, kind, key, value, o->scripts, &op);
        if (op.outcome == HIST_OK)
            c->stats.ok++;
        else if (op.outcome == HIST_FAILED)
            c->stats.failed++;
        else
            c->stats.unknown++;
        ss_errmsg err;
        if (history_add(&c->h, &op, err) != SS_OK) {
            fprintf(stderr, "fault client %d: history_add: %s\n", c->id, err);
            c->add_failed = true;
        }
        free(op.result.s);
        /* Now and then move to another node, so every node serves clients. */
        if (!keep || next_rand(&c->rng) % 64 == 0) {
            redisFree(ctx);
            ctx = NULL;
            if (!keep)
                usleep(10 * 1000);
        }
        if (o->max_pause_ms > 0)
            usleep((useconds_t)(next_rand(&c->rng) % (uint64_t)(o->max_pause_ms + 1)) * 1000);
    }
    if (ctx)
        redisFree(ctx);
    return NULL;
}

fcl_run *fcl_start(const fcl_opts *o)
{
    fcl_run *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->o = *o;
    atomic_init(&r->stop, false);
    uint64_t seed = o->seed;
    for (int i = 0; i < o->nclients && i < FCL_MAX_CLIENTS; i++) {
        client *c = &r->clients[i];
        c->run = r;
        c->id = i + 1;
        c->rng = next_rand(&seed);
        history_init(&c->h);
        if (pthread_create(&c->thread, NULL, client_main, c) != 0) {
            fprintf(stderr, "fault client: cannot start thread %d\n", i);
            abort();
        }
    }
    return r;
}

void fcl_stop(fcl_run *r, history *out, fcl_stats *stats)
{
    atomic_store(&r->stop, true);
    memset(stats, 0, sizeof *stats);
    for (int i = 0; i < r->o.nclients && i < FCL_MAX_CLIENTS; i++) {
        client *c = &r->clients[i];
        pthread_join(c->thread, NULL);
        for (size_t k = 0; k < c->h.len; k++) {
            ss_errmsg err;
            if (history_add(out, &c->h.ops[k], err) != SS_OK)
                fprintf(stderr, "fault client: merge: %s\n", err);
        }
        stats->ok += c->stats.ok;
        stats->failed += c->stats.failed;
        stats->unknown += c->stats.unknown;
        stats->not_connected += c->stats.not_connected;
        stats->harness_errors += c->add_failed;
        history_release(&c->h);
    }
    free(r);
}
