/* Differential runs: the same commands against redis-server 7.0 and a 3-node sandstore cluster, every reply compared. */
#include "integration/diff_harness.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

#define DH_NODES 3
#define DH_MAX_ARGS 256

struct dh_run {
    h_cluster cluster;
    h_node redis;
    redisContext *rc;
    redisContext *sc[DH_NODES];
    uint64_t seed, rng;
    uint64_t commands;
    int pin;                  /* dh_pin: the node every command goes to (0: random) */
};

uint64_t dh_rand(dh_run *r)
{
    uint64_t z = (r->rng += 0x9E3779B97F4A7C15ull);   /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t dh_below(dh_run *r, uint64_t n) { return n ? dh_rand(r) % n : 0; }

int dh_rounds(int dflt)
{
    const char *v = getenv("SS_DIFF_ROUNDS");
    int n = v ? atoi(v) : 0;
    return n > 0 ? n : dflt;
}

dh_run *dh_start(const char *extra)
{
    dh_run *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    const char *seed = getenv("SS_DIFF_SEED");
    r->seed = seed ? strtoull(seed, NULL, 0) : (uint64_t)h_now_ms() ^ ((uint64_t)getpid() << 20);
    r->rng = r->seed;
    fprintf(stderr, "diff: seed %" PRIu64 " (replay with SS_DIFF_SEED=%" PRIu64 ")\n", r->seed, r->seed);
    /* A differential run compares replies, not durability (the fault,
     * snapshot and storage tests keep their nodes on disk): on tmpfs the
     * same nodes with the same raft-fsync always make the same fdatasync
     * calls, which return at once instead of waiting for the disk, about two
     * thirds of a run before (test_diff_dump: 60 s -> 19 s). */
    struct stat st;
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK | X_OK) == 0)
        h_set_dir_root("/dev/shm");
    cr_assert(h_redis_start(&r->redis), "redis-server (Debian's redis-server package) did not start");
    /* A differential run compares replies, not failovers: a write whose
     * outcome is unknown (TRYAGAIN after a leader change) cannot be retried
     * without risking a second apply on one side, so the cluster gets
     * election timeouts a loaded machine does not trip (the harness's 300 ms
     * ones are for the fault tests). extra comes later and wins. */
    char directives[1024];
    snprintf(directives, sizeof directives, "--election-timeout 2000 --heartbeat-interval 100 %s",
             extra ? extra : "");
    hc_init(&r->cluster, DH_NODES, directives);
    hc_start_all(&r->cluster);
    cr_assert_geq(hc_wait_leader(&r->cluster, 20000), 0, "no leader");
    r->rc = h_connect(&r->redis);
    cr_assert(r->rc && !r->rc->err);
    for (int i = 0; i < DH_NODES; i++) {
        r->sc[i] = h_connect(&r->cluster.nodes[i]);
        cr_assert(r->sc[i] && !r->sc[i]->err);
    }
    return r;
}

void dh_stop(dh_run *r)
{
    if (!r)
        return;
    fprintf(stderr, "diff: %" PRIu64 " commands compared (seed %" PRIu64 ")\n", r->commands, r->seed);
    redisFree(r->rc);
    for (int i = 0; i < DH_NODES; i++)
        redisFree(r->sc[i]);
    hc_cleanup(&r->cluster);
    h_node_stop(&r->redis, SIGTERM);
    h_node_cleanup(&r->redis);
    free(r);
}

redisContext *dh_redis(dh_run *r) { return r->rc; }
void dh_pin(dh_run *r, int node) { r->pin = node < 0 ? 0 : node + 1; }
redisContext *dh_sandstore(dh_run *r, int node) { return r->sc[node % DH_NODES]; }
h_node *dh_redis_node(dh_run *r) { return &r->redis; }
h_node *dh_node(dh_run *r, int node) { return &r->cluster.nodes[node % DH_NODES]; }

static int cmp_reply(const void *pa, const void *pb)
{
    const redisReply *a = *(redisReply *const *)pa, *b = *(redisReply *const *)pb;
    if (a->type != b->type)
        return a->type - b->type;
    if (a->type == REDIS_REPLY_INTEGER)
        return (a->integer > b->integer) - (a->integer < b->integer);
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->str, b->str, n) : 0;
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Pairs sort by their first element. */
static int cmp_pair(const void *pa, const void *pb)
{
    return cmp_reply(pa, pb);
}

static void sort_reply(redisReply *a, int mode)
{
    if (a->type != REDIS_REPLY_ARRAY || a->elements < 2)
        return;
    if (mode == DH_UNORDERED) {
        qsort(a->element, a->elements, sizeof a->element[0], cmp_reply);
    } else if (mode == DH_UNORDERED_PAIRS && a->elements % 2 == 0) {
        /* Sort [k0 v0 k1 v1 ...] by key, keeping each value after its key. */
        size_t n = a->elements / 2;
        redisReply **pairs = malloc(sizeof *pairs * a->elements);
        cr_assert_not_null(pairs);
        redisReply **idx = malloc(sizeof *idx * n);
        cr_assert_not_null(idx);
        for (size_t i = 0; i < n; i++)
            idx[i] = a->element[2 * i];
        qsort(idx, n, sizeof idx[0], cmp_pair);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                if (a->element[2 * j] == idx[i]) {
                    pairs[2 * i] = a->element[2 * j];
                    pairs[2 * i + 1] = a->element[2 * j + 1];
                    break;
                }
            }
        }
        memcpy(a->element, pairs, sizeof *pairs * a->elements);
        free(pairs);
        free(idx);
    }
}

static void print_cmd(FILE *f, int argc, const char **argv, const size_t *lens)
{
    for (int i = 0; i < argc; i++)
        fprintf(f, "%s%.*s", i ? " " : "", (int)(lens[i] > 80 ? 80 : lens[i]), argv[i]);
}

bool dh_cmdv(dh_run *r, int mode, int argc, const char **argv, const size_t *lens)
{
    r->commands++;
    redisContext *sc = r->pin ? r->sc[(r->pin - 1) % DH_NODES] : r->sc[dh_below(r, DH_NODES)];
    redisReply *want = redisCommandArgv(r->rc, argc, argv, lens);
    redisReply *got = redisCommandArgv(sc, argc, argv, lens);
    cr_assert_not_null(want, "redis-server did not answer");
    cr_assert_not_null(got, "sandstore did not answer");
    if (getenv("SS_DIFF_VERBOSE")) {
        fprintf(stderr, "diff: %" PRIu64 " ", r->commands);
        print_cmd(stderr, argc, argv, lens);
        fprintf(stderr, "\n");
    }
    bool same;
    char where[1024] = "";
    if (mode == DH_TYPE_ONLY) {
        same = want->type == got->type &&
               (want->type != REDIS_REPLY_ARRAY || want->elements == got->elements);
        if (!same)
            snprintf(where, sizeof where, "type %d/%zu vs %d/%zu", want->type, want->elements, got->type,
                     got->elements);
    } else {
        sort_reply(want, mode);
        sort_reply(got, mode);
        same = h_reply_same(want, got, where, sizeof where);
    }
    if (!same) {
        fprintf(stderr, "diff: seed %" PRIu64 ", command %" PRIu64 ": ", r->seed, r->commands);
        print_cmd(stderr, argc, argv, lens);
        fprintf(stderr, "\n  redis vs sandstore: %s\n", where);
        /* An error on one side says more than its type. */
        if (want->type == REDIS_REPLY_ERROR || got->type == REDIS_REPLY_ERROR)
            fprintf(stderr, "  redis: %.200s\n  sandstore: %.200s\n",
                    want->type == REDIS_REPLY_ERROR ? want->str : "(no error)",
                    got->type == REDIS_REPLY_ERROR ? got->str : "(no error)");
    }
    freeReplyObject(want);
    freeReplyObject(got);
    return same;
}

bool dh_cmd(dh_run *r, int mode, const char *line)
{
    char buf[4096];
    const char *argv[DH_MAX_ARGS];
    size_t lens[DH_MAX_ARGS];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok && argc < DH_MAX_ARGS;
         tok = strtok_r(NULL, " ", &save)) {
        argv[argc] = tok;
        lens[argc] = strlen(tok);
        argc++;
    }
    return dh_cmdv(r, mode, argc, argv, lens);
}

void dh_expect_nodes_equal(dh_run *r)
{
    char digest[3][64];
    for (int attempt = 0; attempt < 100; attempt++) {
        for (int i = 0; i < 3; i++) {
            redisReply *rep = redisCommand(dh_sandstore(r, i), "DEBUG DIGEST");
            cr_assert(rep && rep->type == REDIS_REPLY_STATUS, "node %d: DEBUG DIGEST", i + 1);
            snprintf(digest[i], sizeof digest[i], "%s", rep->str);
            freeReplyObject(rep);
        }
        if (!strcmp(digest[0], digest[1]) && !strcmp(digest[1], digest[2]))
            return;
        usleep(50 * 1000);
    }
    cr_assert_fail("the nodes' digests differ: %s %s %s", digest[0], digest[1], digest[2]);
}
