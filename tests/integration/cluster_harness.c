/* A cluster of real sandstore processes on loopback, for integration tests. */
#include "integration/cluster_harness.h"

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

void hc_start_all(h_cluster *c)
{
    for (int i = 0; i < c->n; i++)
        hc_spawn(c, i);
    for (int i = 0; i < c->n; i++)
        h_node_wait_ready(&c->nodes[i], 20000);
}

void hc_cleanup(h_cluster *c)
{
    for (int i = 0; i < c->n; i++)
        h_node_cleanup(&c->nodes[i]);
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
