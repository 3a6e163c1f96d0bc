/* The Raft group as Redis Cluster clients see it: CLUSTER SLOTS, NODES, INFO, MYID on a real 3-node cluster, across a kill -9 and a restart. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }
TestSuite(cluster_view, .fini = teardown, .timeout = 300);

static redisReply *cmd_at(int i, const char *cmd)
{
    redisContext *ctx = h_connect(&cl.nodes[i]);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return NULL;
    }
    redisReply *r = redisCommand(ctx, cmd);
    redisFree(ctx);
    return r;
}

/* A text reply (NODES, INFO) of node i, malloc'd; "" when it fails. */
static char *text_at(int i, const char *cmd)
{
    redisReply *r = cmd_at(i, cmd);
    char *s = strdup(r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ? r->str : "");
    freeReplyObject(r);
    return s;
}

/* CLUSTER NODES's line for the member named name, in buf; false if none. */
static bool nodes_line(const char *nodes, const char *name, char *buf, size_t size)
{
    size_t n = strlen(name);
    for (const char *at = nodes; at && *at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : NULL) {
        if (!strncmp(at, name, n) && at[n] == ' ') {
            const char *end = strchr(at, '\n');
            snprintf(buf, size, "%.*s", (int)(end ? end - at : (long)strlen(at)), at);
            return true;
        }
    }
    return false;
}

/* Polls node i's CLUSTER NODES (bounded: 20 s) until pred holds. */
static bool wait_nodes(int i, bool (*pred)(const char *nodes, const void *arg), const void *arg)
{
    for (int k = 0; k < 200; k++) {
        char *n = text_at(i, "CLUSTER NODES");
        bool ok = pred(n, arg);
        free(n);
        if (ok)
            return true;
        usleep(100 * 1000);
    }
    return false;
}

/* Every member's name and client address known (peers told them). */
static bool all_known(const char *nodes, const void *arg)
{
    (void)arg;
    int lines = 0;
    for (const char *p = nodes; (p = strchr(p, '\n')); p++)
        lines++;
    return lines == 3 && !strstr(nodes, "0000000000000000000000000000000000000000") && !strstr(nodes, "noaddr");
}

static bool has_flag(const char *nodes, const void *arg)
{
    const char *const *want = arg; /* {name, flag} */
    char line[512];
    return nodes_line(nodes, want[0], line, sizeof line) && strstr(line, want[1]) != NULL;
}

static bool healthy(const char *nodes, const void *arg)
{
    char line[512];
    return nodes_line(nodes, arg, line, sizeof line) && !strstr(line, "fail") && strstr(line, " connected");
}

static void expect_slots_entry(const redisReply *e, int port, const char *name)
{
    cr_assert(e && e->type == REDIS_REPLY_ARRAY && e->elements == 4, "[host, port, id, {}]");
    cr_expect_str_eq(e->element[0]->str, "127.0.0.1");
    cr_expect_eq(e->element[1]->integer, port);
    cr_expect_str_eq(e->element[2]->str, name);
    cr_expect_eq(e->element[3]->type, REDIS_REPLY_ARRAY);
    cr_expect_eq(e->element[3]->elements, 0);
}

Test(cluster_view, the_group_is_one_shard_whose_master_is_the_leader_with_stable_ids_and_fail_flags)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0);
    char names[3][41];
    for (int i = 0; i < 3; i++) {
        redisReply *r = cmd_at(i, "CLUSTER MYID");
        cr_assert(r && r->type == REDIS_REPLY_STRING && r->len == 40, "MYID is 40 hex digits");
        cr_expect_eq(strspn(r->str, "0123456789abcdef"), 40);
        snprintf(names[i], sizeof names[i], "%s", r->str);
        freeReplyObject(r);
    }
    cr_expect(strcmp(names[0], names[1]) && strcmp(names[1], names[2]) && strcmp(names[0], names[2]),
              "each node draws its own id");
    int follower = (leader + 1) % 3, other = (leader + 2) % 3;
    for (int i = 0; i < 3; i++)
        cr_assert(wait_nodes(i, all_known, NULL), "node %d learns every member's name and address", i + 1);

    /* NODES: the leader is the master owning every slot, the others its replicas. */
    char *nodes = text_at(follower, "CLUSTER NODES");
    char line[512], want[512];
    cr_assert(nodes_line(nodes, names[leader], line, sizeof line));
    snprintf(want, sizeof want, "%s 127.0.0.1:%d@%d master - 0 ", names[leader], cl.nodes[leader].port,
             cl.nodes[leader].raft_port);
    cr_expect(!strncmp(line, want, strlen(want)), "leader line: %s", line);
    cr_expect(strstr(line, " connected 0-16383") != NULL, "leader line: %s", line);
    cr_assert(nodes_line(nodes, names[follower], line, sizeof line));
    snprintf(want, sizeof want, "%s 127.0.0.1:%d@%d myself,slave %s ", names[follower], cl.nodes[follower].port,
             cl.nodes[follower].raft_port, names[leader]);
    cr_expect(!strncmp(line, want, strlen(want)), "own line: %s", line);
    free(nodes);

    /* SLOTS: one range, the master then both replicas. */
    redisReply *r = cmd_at(other, "CLUSTER SLOTS");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    redisReply *range = r->element[0];
    cr_assert_eq(range->elements, 5);
    cr_expect_eq(range->element[0]->integer, 0);
    cr_expect_eq(range->element[1]->integer, 16383);
    expect_slots_entry(range->element[2], cl.nodes[leader].port, names[leader]);
    expect_slots_entry(range->element[3], cl.nodes[follower < other ? follower : other].port,
                       names[follower < other ? follower : other]);
    freeReplyObject(r);

    char *info = text_at(follower, "CLUSTER INFO");
    cr_expect(strstr(info, "cluster_state:ok\r\n") && strstr(info, "cluster_slots_ok:16384\r\n") &&
                  strstr(info, "cluster_known_nodes:3\r\n") && strstr(info, "cluster_size:1\r\n"),
              "%s", info);
    free(info);
    info = text_at(follower, "INFO cluster");
    cr_expect(strstr(info, "# Cluster\r\ncluster_enabled:1\r\n") != NULL, "%s", info);
    free(info);

    /* A replica killed: "fail?" at once, then "fail"; SLOTS leaves it out. */
    h_node_kill9(&cl.nodes[other]);
    const char *fail[2] = {names[other], ",fail "};
    cr_expect(wait_nodes(leader, has_flag, fail), "the leader marks the killed node fail");
    r = cmd_at(leader, "CLUSTER SLOTS");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    cr_expect_eq(r->element[0]->elements, 4, "a failed replica is left out of SLOTS");
    freeReplyObject(r);
    nodes = text_at(leader, "CLUSTER NODES");
    cr_assert(nodes_line(nodes, names[other], line, sizeof line), "a failed member keeps its id and address");
    snprintf(want, sizeof want, "%s 127.0.0.1:%d@", names[other], cl.nodes[other].port);
    cr_expect(!strncmp(line, want, strlen(want)) && strstr(line, " disconnected"), "%s", line);
    free(nodes);

    /* Restarted, it has the same id and is healthy again. */
    cr_assert(h_node_start(&cl.nodes[other]));
    r = cmd_at(other, "CLUSTER MYID");
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    cr_expect_str_eq(r->str, names[other], "the id survives a restart");
    freeReplyObject(r);
    cr_expect(wait_nodes(leader, healthy, names[other]), "the leader sees it again");
}

/* A node restarted while a peer is down still names that peer (its cache). */
Test(cluster_view, a_restarted_node_still_names_a_peer_that_is_down)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    cr_assert_geq(hc_wait_leader(&cl, 15000), 0);
    for (int i = 0; i < 3; i++)
        cr_assert(wait_nodes(i, all_known, NULL));
    char *before = text_at(0, "CLUSTER NODES");
    redisReply *r = cmd_at(2, "CLUSTER MYID");
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    char name2[41];
    snprintf(name2, sizeof name2, "%s", r->str);
    freeReplyObject(r);
    /* The peers' cache reaches the disk on a worker: wait for both lines. */
    char path[1024];
    snprintf(path, sizeof path, "%s/cluster-peers", cl.nodes[0].dir);
    int cached = 0;
    for (int k = 0; k < 200 && cached < 2; k++) {
        FILE *f = fopen(path, "r");
        cached = 0;
        for (int ch; f && (ch = fgetc(f)) != EOF;)
            cached += ch == '\n';
        if (f)
            fclose(f);
        if (cached < 2)
            usleep(100 * 1000);
    }
    cr_assert_eq(cached, 2, "node 1 caches both peers' names");
    h_node_kill9(&cl.nodes[2]);
    h_node_stop(&cl.nodes[0], SIGTERM);
    cr_assert(h_node_start(&cl.nodes[0]));
    char *after = text_at(0, "CLUSTER NODES");
    char line[512], want[128];
    cr_assert(nodes_line(after, name2, line, sizeof line), "node 3 is still named: %s", after);
    snprintf(want, sizeof want, "%s 127.0.0.1:%d@%d ", name2, cl.nodes[2].port, cl.nodes[2].raft_port);
    cr_expect(!strncmp(line, want, strlen(want)), "%s", line);
    cr_expect(strstr(line, "disconnected") != NULL, "%s", line);
    free(before);
    free(after);
}

/* Node i's ROLE once pred holds for it (bounded: 20 s); NULL if never. */
static redisReply *wait_role(int i, bool (*pred)(const redisReply *r))
{
    for (int k = 0; k < 200; k++) {
        redisReply *r = cmd_at(i, "ROLE");
        if (r && pred(r))
            return r;
        freeReplyObject(r);
        usleep(100 * 1000);
    }
    return NULL;
}

/* A master listing both replicas, as Redis's ROLE shapes it. */
static bool master_with_two(const redisReply *r)
{
    return r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[2]->type == REDIS_REPLY_ARRAY &&
           r->element[2]->elements == 2;
}

/* A replica connected to its master (at client port want_master, if set). */
static int want_master;

static bool connected_replica(const redisReply *r)
{
    return r->type == REDIS_REPLY_ARRAY && r->elements == 5 && r->element[3]->type == REDIS_REPLY_STRING &&
           !strcmp(r->element[3]->str, "connected") &&
           (!want_master || (r->element[2]->type == REDIS_REPLY_INTEGER && r->element[2]->integer == want_master));
}

Test(cluster_view, role_and_info_replication_show_the_leader_as_master_of_the_others)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0);
    cr_assert(hc_set_retry(&cl, leader, "k", "v", 15000));
    int follower = (leader + 1) % 3;

    /* The leader: "master", its offset, then host, port, offset of each
     * replica, all three strings as Redis sends them. */
    redisReply *r = wait_role(leader, master_with_two);
    cr_assert_not_null(r, "the leader's ROLE lists both followers");
    cr_expect_str_eq(r->element[0]->str, "master");
    cr_expect_eq(r->element[1]->type, REDIS_REPLY_INTEGER);
    cr_expect_gt(r->element[1]->integer, 0);
    bool seen[3] = {false};
    for (size_t j = 0; j < 2; j++) {
        redisReply *rep = r->element[2]->element[j];
        cr_assert(rep->type == REDIS_REPLY_ARRAY && rep->elements == 3);
        for (int f = 0; f < 3; f++)
            cr_expect_eq(rep->element[f]->type, REDIS_REPLY_STRING);
        cr_expect_str_eq(rep->element[0]->str, "127.0.0.1");
        for (int i = 0; i < 3; i++)
            if (i != leader && atoi(rep->element[1]->str) == cl.nodes[i].port)
                seen[i] = true;
    }
    cr_expect(seen[(leader + 1) % 3] && seen[(leader + 2) % 3], "each follower's client port is listed");
    freeReplyObject(r);

    /* A follower: "slave", the leader's host and port, "connected", its offset. */
    r = wait_role(follower, connected_replica);
    cr_assert_not_null(r, "a follower's ROLE names its connected master");
    cr_expect_str_eq(r->element[0]->str, "slave");
    cr_expect_str_eq(r->element[1]->str, "127.0.0.1");
    cr_expect_eq(r->element[2]->integer, cl.nodes[leader].port);
    cr_expect_eq(r->element[4]->type, REDIS_REPLY_INTEGER);
    freeReplyObject(r);

    /* INFO replication as exporters parse it. */
    char *info = text_at(leader, "INFO replication");
    cr_expect(strstr(info, "role:master\r\n") && strstr(info, "connected_slaves:2\r\n"), "%s", info);
    char want[128];
    snprintf(want, sizeof want, "slave0:ip=127.0.0.1,port=");
    cr_expect(strstr(info, want) && strstr(info, "slave1:ip=127.0.0.1,port=") && strstr(info, ",state=online,offset="),
              "%s", info);
    cr_expect(strstr(info, "master_repl_offset:") != NULL, "%s", info);
    free(info);
    info = text_at(follower, "INFO replication");
    snprintf(want, sizeof want, "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:%d\r\nmaster_link_status:up\r\n",
             cl.nodes[leader].port);
    cr_expect(strstr(info, want) != NULL, "%s", info);
    cr_expect(strstr(info, "connected_slaves:0\r\n") != NULL, "%s", info);
    free(info);

    /* The leader killed: the survivors elect another, and ROLE follows. */
    h_node_kill9(&cl.nodes[leader]);
    int next = -1;
    for (int k = 0; k < 300 && next < 0; k++) {
        for (int i = 0; i < 3; i++) {
            if (i == leader)
                continue;
            redisReply *x = cmd_at(i, "ROLE");
            if (x && x->type == REDIS_REPLY_ARRAY && x->elements == 3 && !strcmp(x->element[0]->str, "master"))
                next = i;
            freeReplyObject(x);
        }
        if (next < 0)
            usleep(100 * 1000);
    }
    cr_assert_geq(next, 0, "a survivor answers ROLE as master");
    int other = 3 - leader - next;
    want_master = cl.nodes[next].port;
    r = wait_role(other, connected_replica);
    cr_assert_not_null(r, "the other survivor follows the new master at its client port");
    freeReplyObject(r);
}

/* A field of one CLUSTER SHARDS node (a RESP2 flat map); NULL if absent. */
static const redisReply *shard_field(const redisReply *node, const char *key)
{
    for (size_t k = 0; node && node->type == REDIS_REPLY_ARRAY && k + 1 < node->elements; k += 2)
        if (node->element[k]->type == REDIS_REPLY_STRING && !strcmp(node->element[k]->str, key))
            return node->element[k + 1];
    return NULL;
}

/* CLUSTER SHARDS of node i: the node named name, its health in health and
 * its replication offset (-1 when not listed); the nodes listed. */
static size_t shard_node(int i, const char *name, char *health, size_t size, long long *offset, char *role,
                         size_t rsize)
{
    redisReply *r = cmd_at(i, "CLUSTER SHARDS");
    size_t n = 0;
    snprintf(health, size, "(not listed)");
    snprintf(role, rsize, "(not listed)");
    *offset = -1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 4) {
        const redisReply *nodes = r->element[0]->element[3];
        n = nodes->elements;
        for (size_t k = 0; k < nodes->elements; k++) {
            const redisReply *id = shard_field(nodes->element[k], "id");
            if (!id || strcmp(id->str, name))
                continue;
            const redisReply *h = shard_field(nodes->element[k], "health");
            const redisReply *o = shard_field(nodes->element[k], "replication-offset");
            const redisReply *ro = shard_field(nodes->element[k], "role");
            snprintf(health, size, "%s", h ? h->str : "(none)");
            snprintf(role, rsize, "%s", ro ? ro->str : "(none)");
            *offset = o ? o->integer : -1;
        }
    }
    freeReplyObject(r);
    return n;
}

/* How many replicas CLUSTER SLOTS of node i lists, and whether port is one. */
static int slots_replicas(int i, int port, bool *listed)
{
    redisReply *r = cmd_at(i, "CLUSTER SLOTS");
    int n = -1;
    *listed = false;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
        const redisReply *range = r->element[0];
        n = (int)range->elements - 3;
        for (size_t k = 3; k < range->elements; k++)
            *listed |= range->element[k]->element[1]->integer == port;
    }
    freeReplyObject(r);
    return n;
}

Test(cluster_view, a_learner_is_a_nofailover_replica_loading_until_it_catches_up_then_listed_for_reads)
{
    hc_init(&cl, 3, "--election-timeout 300 --heartbeat-interval 50");
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert(leader >= 0);
    for (int k = 0; k < 50; k++)
        cr_assert(hc_set_retry(&cl, leader, "k", "v", 20000));

    /* Node 4 added as a learner before it runs: the leader cannot reach it,
     * so it is known to be behind. */
    h_node *n4 = &cl.nodes[3];
    h_node_init(n4, 4, NULL); /* its ports drawn */
    snprintf(n4->extra, sizeof n4->extra,
             "--raft-bootstrap no --election-timeout 300 --heartbeat-interval 50 "
             "--peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d,4@127.0.0.1:%d",
             cl.nodes[0].raft_port, cl.nodes[1].raft_port, cl.nodes[2].raft_port, n4->raft_port);
    cl.n = 4;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "RAFT.NODE ADD 4 127.0.0.1:%d LEARNER", n4->raft_port);
    redisReply *r = cmd_at(leader, cmd);
    cr_assert(r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK"), "%s", r ? r->str : "(no reply)");
    freeReplyObject(r);
    char *nodes = text_at(leader, "CLUSTER NODES");
    char line[512];
    cr_assert(nodes_line(nodes, "0000000000000000000000000000000000000000", line, sizeof line),
              "the learner is listed before its name is known: %s", nodes);
    cr_expect(strstr(line, " slave,") && strstr(line, ",nofailover "), "a replica that never fails over: %s", line);
    free(nodes);
    char health[32], role[32];
    long long offset;
    cr_expect_eq(shard_node(leader, "0000000000000000000000000000000000000000", health, sizeof health, &offset,
                            role, sizeof role), 4);
    cr_expect_str_eq(role, "replica");
    cr_expect_str_eq(health, "loading", "a learner the leader has not reached is behind");
    bool listed;
    cr_expect_eq(slots_replicas(leader, n4->port, &listed), 2, "SLOTS leaves it out");

    /* Started, it catches up: online, listed in SLOTS, its offset shown. */
    cr_assert(h_node_start(n4));
    r = cmd_at(3, "CLUSTER MYID");
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    char name[64];
    snprintf(name, sizeof name, "%s", r->str);
    freeReplyObject(r);
    bool ok = false;
    long long commit = hc_info_int(&cl, leader, "raft_commit_index");
    for (int k = 0; k < 300 && !ok; k++) {
        shard_node(leader, name, health, sizeof health, &offset, role, sizeof role);
        ok = !strcmp(health, "online") && offset >= commit && slots_replicas(leader, n4->port, &listed) == 3 &&
             listed;
        if (!ok)
            usleep(100 * 1000);
    }
    cr_expect(ok, "the learner comes online (health %s, offset %lld, commit %lld, in SLOTS %d)", health, offset,
              commit, listed);
    nodes = text_at(leader, "CLUSTER NODES");
    cr_assert(nodes_line(nodes, name, line, sizeof line), "%s", nodes);
    char want[256];
    snprintf(want, sizeof want, "%s 127.0.0.1:%d@%d slave,nofailover ", name, n4->port, n4->raft_port);
    cr_expect(!strncmp(line, want, strlen(want)), "the learner's line: %s", line);
    free(nodes);
    nodes = text_at(3, "CLUSTER NODES");
    cr_assert(nodes_line(nodes, name, line, sizeof line), "%s", nodes);
    cr_expect(strstr(line, "myself,slave,nofailover ") != NULL, "its own line: %s", line);
    free(nodes);

    /* INFO replication: the leader counts it among its replicas with its
     * offset; its own says it is never promoted (slave_priority:0), while a
     * voter's keeps Redis's default. */
    char *info = text_at(leader, "INFO replication");
    cr_expect(strstr(info, "connected_slaves:3\r\n") != NULL, "%s", info);
    snprintf(want, sizeof want, "ip=127.0.0.1,port=%d,state=online,offset=", n4->port);
    cr_expect(strstr(info, want) != NULL, "%s", info);
    free(info);
    info = text_at(3, "INFO replication");
    cr_expect(strstr(info, "role:slave\r\n") && strstr(info, "slave_priority:0\r\n"), "%s", info);
    free(info);
    info = text_at((leader + 1) % 3, "INFO replication");
    cr_expect(strstr(info, "slave_priority:100\r\n") != NULL, "%s", info);
    free(info);

    /* Promoted, it is a voter like the others. */
    r = cmd_at(leader, "RAFT.NODE PROMOTE 4");
    cr_expect(r && r->type == REDIS_REPLY_STATUS, "%s", r ? r->str : "(no reply)");
    freeReplyObject(r);
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        nodes = text_at(3, "CLUSTER NODES");
        ok = nodes_line(nodes, name, line, sizeof line) && !strstr(line, "nofailover");
        free(nodes);
        if (!ok)
            usleep(100 * 1000);
    }
    cr_expect(ok, "no longer flagged once a voter: %s", line);
}
