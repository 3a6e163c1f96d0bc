/* Bad snapshots across real processes: a follower fed a damaged or oversized snapshot survives and catches up once a good one comes. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

/*
 * No assertion is about time: waits have generous deadlines, and the state is
 * asserted afterwards. SS_KEEP_DATA=1 keeps the nodes' directories.
 */

static h_cluster cl;

static void teardown(void)
{
    bool keep = getenv("SS_KEEP_DATA") != NULL;
    for (int i = 0; i < cl.n; i++) {
        if (cl.nodes[i].pid > 0)
            h_node_stop(&cl.nodes[i], SIGTERM);
        if (keep)
            fprintf(stderr, "bad snapshot: kept %s\n", cl.nodes[i].dir);
        else
            h_node_cleanup(&cl.nodes[i]);
    }
}

TestSuite(snapshot_bad, .fini = teardown, .timeout = 600);

static long long info(int i, const char *field) { return hc_info_int(&cl, i, field); }

/* Waits until INFO field of node i is at least want; the last value read. */
static long long wait_info(int i, const char *field, long long want, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms, v;
    while ((v = info(i, field)) < want && h_now_ms() < deadline && h_node_alive(&cl.nodes[i]))
        usleep(100 * 1000);
    return v;
}

/* A write whose outcome is unknown (the leader changed under it, as happens
 * on a loaded machine) or that found no leader yet: the client retries it. */
static bool retryable(const redisReply *r)
{
    return r->type == REDIS_REPLY_ERROR &&
           (strncmp(r->str, "TRYAGAIN", 8) == 0 || strncmp(r->str, "CLUSTERDOWN", 11) == 0);
}

/* SET k<from>..k<to-1> through node i, pipelined; every reply must be OK,
 * after retrying (SET is idempotent) the ones whose outcome was unknown. */
static void load(int i, int from, int to)
{
    redisContext *ctx = h_connect(&cl.nodes[i]);
    redisContext *again = h_connect(&cl.nodes[i]); /* the pipeline's replies are still queued on ctx */
    cr_assert(ctx && !ctx->err && again && !again->err);
    for (int n = from; n < to; n++)
        redisAppendCommand(ctx, "SET k%d value-of-%d-%0100d", n, n, n);
    for (int n = from; n < to; n++) {
        redisReply *r = NULL;
        cr_assert_eq(redisGetReply(ctx, (void **)&r), REDIS_OK);
        for (int tries = 0; retryable(r) && tries < 50; tries++) {
            freeReplyObject(r);
            usleep(100 * 1000);
            r = redisCommand(again, "SET k%d value-of-%d-%0100d", n, n, n);
            cr_assert(r != NULL, "SET k%d: connection lost", n);
        }
        cr_assert(r->type == REDIS_REPLY_STATUS, "SET k%d: %s", n, r->str ? r->str : "?");
        freeReplyObject(r);
    }
    redisFree(again);
    redisFree(ctx);
}

static bool digest(int i, char *out, size_t size)
{
    redisContext *ctx = h_connect(&cl.nodes[i]);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return false;
    }
    redisReply *r = redisCommand(ctx, "DEBUG DIGEST");
    bool ok = r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) && r->len == 40;
    if (ok)
        snprintf(out, size, "%s", r->str);
    if (r)
        freeReplyObject(r);
    redisFree(ctx);
    return ok;
}

/* Every node at the same applied index with the same DEBUG DIGEST. */
static void assert_same_state(int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    char d[3][64] = {"", "", ""};
    long long a[3] = {0, 0, 0};
    bool same = false;
    while (!same && h_now_ms() < deadline) {
        same = true;
        for (int i = 0; i < 3; i++) {
            a[i] = info(i, "raft_last_applied_index");
            same = same && a[i] > 0 && a[i] == a[0] && digest(i, d[i], sizeof d[i]) &&
                   strcmp(d[i], d[0]) == 0;
        }
        if (!same)
            usleep(200 * 1000);
    }
    cr_assert(same, "applied %lld/%lld/%lld, digests %s/%s/%s", a[0], a[1], a[2], d[0], d[1], d[2]);
}

/* A cluster whose leader has compacted its log: a follower that comes back
 * empty can only catch up by a snapshot. Returns the leader. */
static int compacted_cluster(void)
{
    hc_init(&cl, 3, "--snapshot-threshold 2000 --snapshot-trailing-entries 200 "
                    "--raft-segment-size 256kb");
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0, "no leader elected");
    load(leader, 0, 6000);
    cr_assert_gt(wait_info(leader, "raft_log_first_index", 2, 60000), 1, "the leader compacts");
    cr_assert(hc_wait_applied(&cl, info(leader, "raft_last_applied_index"), 60000));
    long long deadline = h_now_ms() + 60000; /* no snapshot being written meanwhile */
    while (info(leader, "raft_snapshot_in_progress") != 0 && h_now_ms() < deadline)
        usleep(100 * 1000);
    return leader;
}

/* Stops follower f and empties its data directory. */
static void wipe(int f)
{
    h_node *n = &cl.nodes[f];
    h_node_kill9(n);
    char out[256];
    cr_assert_eq(h_sh(out, sizeof out, "rm -rf '%s'/raft '%s'/state* '%s'/STATE '%s'/snapshots",
                      n->dir, n->dir, n->dir, n->dir), 0);
}

/* Flips a byte in the middle of the snapshot file at the leader's log base
 * (the one it sends): its header still reads right, its checksum fails. */
static void damage_base_snapshot(int leader)
{
    long long base = info(leader, "raft_log_first_index") - 1;
    char dir[600], path[900] = "", prefix[32];
    snprintf(dir, sizeof dir, "%s/snapshots", cl.nodes[leader].dir);
    snprintf(prefix, sizeof prefix, "%lld-", base);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".snap") &&
            !strstr(e->d_name, ".tmp"))
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    cr_assert(path[0], "the leader holds its base snapshot %lld", base);
    int fd = open(path, O_RDWR);
    struct stat st;
    cr_assert(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 100);
    unsigned char b;
    off_t at = st.st_size / 2;
    cr_assert_eq(pread(fd, &b, 1, at), 1);
    b ^= 0x5a;
    cr_assert_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
    fprintf(stderr, "bad snapshot: damaged %s at byte %lld of %lld\n", path, (long long)at,
            (long long)st.st_size);
}

Test(snapshot_bad, a_follower_fed_a_damaged_snapshot_survives_and_converges_on_a_good_one)
{
    int leader = compacted_cluster();
    int f = (leader + 1) % 3;
    wipe(f);
    damage_base_snapshot(leader);

    cr_assert(h_node_start(&cl.nodes[f]), "the wiped follower starts; see %s", cl.nodes[f].dir);
    long long rejected = wait_info(f, "raft_snapshots_rejected", 1, 120000);
    cr_assert(h_node_alive(&cl.nodes[f]), "the follower must survive a damaged snapshot; see %s",
              cl.nodes[f].dir);
    cr_expect_geq(rejected, 1, "it refused the damaged snapshot");
    assert_same_state(120000);
    cr_expect(h_node_alive(&cl.nodes[f]));
    cr_expect_geq(info(f, "raft_snapshots_installed"), 1, "it caught up by a good snapshot");
    cr_expect_geq(info(leader, "raft_snapshot_peer_reports"), 1, "the leader heard of it");
    cr_expect_eq(info(leader, "raft_snapshot_base_suspect"), 0, "the damaged file is out of use");
    redisContext *ctx = h_connect(&cl.nodes[f]);
    redisReply *r = h_cmd(ctx, "GET k5999");
    cr_expect(r->type == REDIS_REPLY_STRING && strncmp(r->str, "value-of-5999-", 14) == 0);
    freeReplyObject(r);
    redisFree(ctx);
}

Test(snapshot_bad, a_follower_refuses_a_snapshot_over_its_cap_keeps_serving_and_takes_it_once_raised)
{
    int leader = compacted_cluster();
    int f = (leader + 1) % 3;
    wipe(f);
    strncat(cl.nodes[f].extra, " --snapshot-max-bytes 4kb",
            sizeof cl.nodes[f].extra - strlen(cl.nodes[f].extra) - 1);
    cr_assert(h_node_start(&cl.nodes[f]));
    cr_assert_geq(wait_info(f, "raft_snapshots_rejected", 1, 120000), 1,
                  "the follower refuses a snapshot over snapshot-max-bytes");
    cr_assert(h_node_alive(&cl.nodes[f]));
    cr_expect_eq(info(f, "raft_snapshots_installed"), 0);
    redisContext *ctx = h_connect(&cl.nodes[f]);
    redisReply *r = h_cmd(ctx, "PING");
    cr_expect(r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0, "it serves clients");
    freeReplyObject(r);
    r = h_cmd(ctx, "CONFIG SET snapshot-max-bytes 0");
    cr_expect(r->type == REDIS_REPLY_STATUS, "CONFIG SET: %s", r->str ? r->str : "?");
    freeReplyObject(r);
    redisFree(ctx);
    assert_same_state(180000);
    cr_expect_geq(info(f, "raft_snapshots_installed"), 1, "offered again, and taken");
}
