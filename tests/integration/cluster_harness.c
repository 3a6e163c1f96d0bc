/* A cluster of real sandstore processes on loopback, for integration tests. */
#include "integration/cluster_harness.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hc_init(h_cluster *c, int n, const char *extra)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    for (int i = 0; i < n; i++)
        h_node_init(&c->nodes[i], i + 1, NULL);
    char peers[1024] = "";
    for (int i = 0; i < n; i++) {
        char one[64];
        snprintf(one, sizeof one, "%s%d@127.0.0.1:%d", i ? "," : "", i + 1, c->nodes[i].raft_port);
        strcat(peers, one);
    }
    for (int i = 0; i < n; i++)
        snprintf(c->nodes[i].extra, sizeof c->nodes[i].extra,
                 "--peers %s --election-timeout 300 --heartbeat-interval 50 --leader-wait-timeout 3000 %s",
                 peers, extra ? extra : "");
}

void hc_spawn(h_cluster *c, int i)
{
    if (!h_node_spawn(&c->nodes[i]))
        fprintf(stderr, "cluster harness: could not start node %d\n", i + 1);
}

bool hc_start_all(h_cluster *c)
{
    for (int i = 0; i < c->n; i++)
        hc_spawn(c, i);
    /* 60 s for all (ends as soon as each answers): an ASan node restarted on
     * a loaded machine replays its log first. Before, 20 s each went
     * unchecked and a test went on with a node that was not up. */
    long long deadline = h_now_ms() + 60000;
    bool all = true;
    for (int i = 0; i < c->n; i++) {
        long long left = deadline - h_now_ms();
        if (!h_node_wait_ready(&c->nodes[i], left > 1000 ? (int)left : 1000)) {
            fprintf(stderr, "cluster harness: node %d is not ready (%s)\n", i + 1,
                    h_node_alive(&c->nodes[i]) ? "alive, not answering" : "it exited");
            all = false;
        }
    }
    return all;
}

void hc_cleanup(h_cluster *c)
{
    /* Every node starts its clean stop at once (one SIGTERM each: see
     * h_node_cleanup), each is waited for (SIGKILL after 30 s), then its
     * log scanned and its directory removed. */
    bool stopping[HC_MAX] = {false};
    for (int i = 0; i < c->n; i++) {
        if (c->nodes[i].pid > 0) {
            kill(c->nodes[i].pid, SIGCONT);
            stopping[i] = kill(c->nodes[i].pid, SIGTERM) == 0;
        }
    }
    for (int i = 0; i < c->n; i++) {
        if (stopping[i] && h_node_wait_exit(&c->nodes[i], 30000) == -1) {
            fprintf(stderr, "cluster harness: node %d did not stop within 30 s of SIGTERM; killed\n", i + 1);
            h_node_kill9(&c->nodes[i]);
        }
        h_node_cleanup(&c->nodes[i]);
    }
}

static bool info_field(h_node *n, const char *field, char *out, size_t size)
{
    redisContext *ctx = h_connect(n);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return false;
    }
    redisSetTimeout(ctx, (struct timeval){2, 0});
    redisReply *r = redisCommand(ctx, "INFO raft");
    bool ok = false;
    if (r && r->type == REDIS_REPLY_STRING) {
        char pat[128];
        snprintf(pat, sizeof pat, "%s:", field);
        char *p = strstr(r->str, pat);
        if (p) {
            p += strlen(pat);
            size_t len = strcspn(p, "\r\n");
            if (len >= size)
                len = size - 1;
            memcpy(out, p, len);
            out[len] = '\0';
            ok = true;
        }
    }
    if (r)
        freeReplyObject(r);
    redisFree(ctx);
    return ok;
}

long long hc_info_int(h_cluster *c, int i, const char *field)
{
    char buf[64];
    if (!h_node_alive(&c->nodes[i]) || !info_field(&c->nodes[i], field, buf, sizeof buf))
        return -1;
    return atoll(buf);
}

long long hc_node_info_int(h_node *n, const char *field)
{
    char buf[64];
    if (!h_node_alive(n) || !info_field(n, field, buf, sizeof buf))
        return -1;
    return atoll(buf);
}

int hc_wait_leader(h_cluster *c, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        int leader = -1;
        bool agree = true;
        for (int i = 0; i < c->n && agree; i++) {
            if (!h_node_alive(&c->nodes[i]))
                continue;
            char role[32];
            if (info_field(&c->nodes[i], "raft_role", role, sizeof role) && !strcmp(role, "leader")) {
                if (leader >= 0)
                    agree = false;
                leader = i;
            }
        }
        if (agree && leader >= 0) {
            long long id = hc_info_int(c, leader, "raft_node_id");
            bool all = true;
            for (int i = 0; i < c->n; i++)
                if (h_node_alive(&c->nodes[i]) && hc_info_int(c, i, "raft_leader_id") != id)
                    all = false;
            if (all)
                return leader;
        }
        usleep(50 * 1000);
    }
    return -1;
}

bool hc_wait_applied(h_cluster *c, long long index, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        bool all = true;
        for (int i = 0; i < c->n; i++)
            if (h_node_alive(&c->nodes[i]) && hc_info_int(c, i, "raft_last_applied_index") < index)
                all = false;
        if (all)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

bool hc_set_retry(h_cluster *c, int i, const char *key, const char *val, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        redisContext *ctx = h_connect(&c->nodes[i]);
        if (ctx && !ctx->err) {
            redisReply *r = redisCommand(ctx, "SET %s %s", key, val);
            bool ok = r && r->type == REDIS_REPLY_STATUS;
            if (r)
                freeReplyObject(r);
            redisFree(ctx);
            if (ok)
                return true;
        } else if (ctx) {
            redisFree(ctx);
        }
        usleep(50 * 1000);
    }
    return false;
}

/* ---------------------------------------------------------------- writer */

#define HC_WRITER_MAX 200000

struct hc_writer {
    h_cluster *c;
    int targets[HC_MAX];
    int ntargets;
    atomic_bool stop;
    pthread_t thread;
    int attempted;
    unsigned char acked[HC_WRITER_MAX];
};

static void *writer_main(void *arg)
{
    hc_writer *w = arg;
    int t = 0;
    redisContext *ctx = NULL;
    while (!atomic_load(&w->stop) && w->attempted < HC_WRITER_MAX) {
        if (!ctx) {
            ctx = h_connect(&w->c->nodes[w->targets[t % w->ntargets]]);
            if (!ctx || ctx->err) {
                if (ctx)
                    redisFree(ctx);
                ctx = NULL;
                t++;
                usleep(20 * 1000);
                continue;
            }
            redisSetTimeout(ctx, (struct timeval){3, 0});
        }
        int n = w->attempted++;
        redisReply *r = redisCommand(ctx, "SET w:%d %d", n, n);
        if (r && r->type == REDIS_REPLY_STATUS) {
            w->acked[n] = 1;
        } else {
            redisFree(ctx);
            ctx = NULL;
            t++;
        }
        if (r)
            freeReplyObject(r);
    }
    if (ctx)
        redisFree(ctx);
    return NULL;
}

hc_writer *hc_writer_start(h_cluster *c, const int *targets, int ntargets)
{
    hc_writer *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->c = c;
    w->ntargets = ntargets > 0 ? ntargets : c->n;
    for (int i = 0; i < w->ntargets; i++)
        w->targets[i] = ntargets > 0 ? targets[i] : i;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
        abort();
    return w;
}

void hc_writer_stop(hc_writer *w)
{
    if (!atomic_exchange(&w->stop, true))
        pthread_join(w->thread, NULL);
}

void hc_writer_free(hc_writer *w)
{
    if (w)
        hc_writer_stop(w);
    free(w);
}

int hc_writer_attempted(const hc_writer *w) { return w->attempted; }

int hc_writer_acked(const hc_writer *w)
{
    int n = 0;
    for (int i = 0; i < w->attempted; i++)
        n += w->acked[i];
    return n;
}

int hc_writer_missing_at(h_cluster *c, int i, const hc_writer *w)
{
    redisContext *ctx = h_connect(&c->nodes[i]);
    if (!ctx || ctx->err) {
        fprintf(stderr, "cluster harness: node %d unreachable\n", i + 1);
        if (ctx)
            redisFree(ctx);
        return hc_writer_acked(w);
    }
    for (int n = 0; n < w->attempted; n++)
        if (w->acked[n])
            redisAppendCommand(ctx, "GET w:%d", n);
    int missing = 0;
    for (int n = 0; n < w->attempted; n++) {
        if (!w->acked[n])
            continue;
        redisReply *r = NULL;
        if (redisGetReply(ctx, (void **)&r) != REDIS_OK)
            r = NULL;
        if (!r || r->type == REDIS_REPLY_ERROR) {
            char key[32];
            snprintf(key, sizeof key, "w:%d", n);
            if (r)
                freeReplyObject(r);
            r = h_node_get_retrying(&c->nodes[i], key, 30000);
        }
        if (!r || r->type != REDIS_REPLY_STRING || atoi(r->str) != n) {
            if (missing++ < 5)
                fprintf(stderr, "cluster harness: node %d lost acknowledged write w:%d (reply type %d %s)\n",
                        i + 1, n, r ? r->type : -1, r && r->str ? r->str : "");
        }
        if (r)
            freeReplyObject(r);
    }
    redisFree(ctx);
    return missing;
}

bool hc_caught_up(h_cluster *c, int i, int leader)
{
    long long commit = hc_info_int(c, leader, "raft_commit_index");
    for (int k = 0; k < 600; k++) {
        if (hc_info_int(c, i, "raft_last_applied_index") >= commit)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

char *hc_digest(h_cluster *c, int i)
{
    redisReply *r = h_node_cmd(&c->nodes[i], "DEBUG DIGEST");
    char *s = strdup(r && r->type == REDIS_REPLY_STATUS ? r->str : "?");
    freeReplyObject(r);
    return s;
}
