/* What the fault workloads share: connections, error outcomes, leader commands, record arrays. */
#include "fault/fault_workload.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault_nemesis.h"

const fw_workload *fw_find(const char *name)
{
    static const fw_workload *const all[] = {&fw_queue, &fw_stream};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

redisContext *fw_connect(const fw_opts *o, uint64_t *rng, int extra_ms)
{
    return fcl_connect(o->ports[fn_rand(rng) % (uint64_t)o->nports], o->timeout_ms + extra_ms);
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* The register clients' rule (fault_client.h): refusals before the log are
 * failed, TRYAGAIN and a stopping node are unknown, and so is anything else. */
hist_outcome fw_error_outcome(const char *msg)
{
    if (starts_with(msg, "TRYAGAIN") || starts_with(msg, "ERR server is shutting down"))
        return HIST_UNKNOWN;
    if (starts_with(msg, "CLUSTERDOWN") || starts_with(msg, "BUSY") || starts_with(msg, "MOVED") ||
        starts_with(msg, "ERR"))
        return HIST_FAILED;
    return HIST_UNKNOWN;
}

redisReply *fw_leader_cmd(fc_cluster *c, int timeout_ms, const char *fmt, ...)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        int leader = fc_leader(c, 2000);
        if (leader < 0)
            continue;
        redisContext *ctx = h_connect(&c->nodes[leader]);
        if (!ctx || ctx->err) {
            if (ctx)
                redisFree(ctx);
            usleep(100 * 1000);
            continue;
        }
        redisSetTimeout(ctx, (struct timeval){5, 0});
        va_list ap;
        va_start(ap, fmt);
        redisReply *r = redisvCommand(ctx, fmt, ap);
        va_end(ap);
        redisFree(ctx);
        if (r && r->type != REDIS_REPLY_ERROR)
            return r;
        if (r)
            freeReplyObject(r);
        usleep(100 * 1000);
    }
    return NULL;
}

void fw_vec_init(fw_vec *v, size_t size) { *v = (fw_vec){.size = size}; }

void *fw_vec_push(fw_vec *v)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        void *items = realloc(v->items, cap * v->size);
        if (!items)
            abort();
        v->items = items;
        v->cap = cap;
    }
    void *at = (char *)v->items + v->len++ * v->size;
    memset(at, 0, v->size);
    return at;
}

void fw_vec_append(fw_vec *v, const fw_vec *from)
{
    for (size_t i = 0; i < from->len; i++)
        memcpy(fw_vec_push(v), (const char *)from->items + i * from->size, v->size);
}

void fw_vec_release(fw_vec *v)
{
    free(v->items);
    fw_vec_init(v, v->size);
}

void fw_clients_start(fw_clients *cs, int n, uint64_t seed, size_t size, void *run, void *(*main)(void *))
{
    atomic_init(&cs->stop, false);
    cs->n = n < FCL_MAX_CLIENTS ? n : FCL_MAX_CLIENTS;
    for (int i = 0; i < cs->n; i++) {
        fw_client *c = &cs->c[i];
        *c = (fw_client){.run = run, .id = i + 1, .rng = fn_rand(&seed), .stop = &cs->stop};
        fw_vec_init(&c->ops, size);
        if (pthread_create(&c->thread, NULL, main, c) != 0)
            abort();
    }
}

void fw_clients_stop(fw_clients *cs, fw_vec *all)
{
    atomic_store(&cs->stop, true);
    for (int i = 0; i < cs->n; i++) {
        pthread_join(cs->c[i].thread, NULL);
        fw_vec_append(all, &cs->c[i].ops);
        fw_vec_release(&cs->c[i].ops);
    }
}

fw_run *fw_start(const fw_opts *o, int n, int min, size_t size, void *(*main)(void *))
{
    fw_run *run = calloc(1, sizeof *run);
    if (!run)
        return NULL;
    run->o = *o;
    n = o->nclients > 0 ? o->nclients : n;
    fw_vec_init(&run->ops, size);
    fw_clients_start(&run->clients, n < min ? min : n, o->seed, size, run, main);
    return run;
}

void fw_stop(fw_run *run, int (*outcome)(const void *rec), fw_stats *st)
{
    fw_clients_stop(&run->clients, &run->ops);
    *st = (fw_stats){0};
    for (size_t i = 0; i < run->ops.len; i++) {
        int out = outcome((const char *)run->ops.items + i * run->ops.size);
        if (out >= 0)
            *(out == HIST_OK ? &st->ok : out == HIST_FAILED ? &st->failed : &st->unknown) += 1;
    }
}

void fw_free(fw_run *run)
{
    fw_vec_release(&run->ops);
    free(run);
}
