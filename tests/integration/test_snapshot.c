/* Snapshots across real processes: InstallSnapshot catch-up, a bounded log, kill -9 while taking or installing one, restart from snapshot + log. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

/*
 * Every test starts its own processes; no assertion is about time: waits have
 * generous deadlines and the state is asserted afterwards. Figures (log sizes,
 * snapshot counts, kill delays) are printed to stderr ("snapshot: ...").
 * SS_KEEP_DATA=1 keeps the nodes' directories (logs, data) after the run;
 * SS_LOG_ROUNDS=n lengthens the bounded-log run to n x 10,000 writes.
 */

static h_cluster cl;
static h_node solo;

/* A node's stderr (all its runs) goes to <dir>/stderr.log: sanitizer reports
 * there are copied to the test's stderr, where CTest looks for them. */
static void report_sanitizer_output(const h_node *n)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/stderr.log", n->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    bool report = false;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "Sanitizer") || strstr(line, "runtime error:"))
            report = true;
    if (report) {
        rewind(f);
        fprintf(stderr, "snapshot: node %d wrote to stderr (%s):\n", n->id, path);
        while (fgets(line, sizeof line, f))
            fputs(line, stderr);
    }
    fclose(f);
}

static void teardown(void)
{
    bool keep = getenv("SS_KEEP_DATA") != NULL;
    for (int i = 0; i < cl.n; i++) {
        if (cl.nodes[i].pid > 0) {
            kill(cl.nodes[i].pid, SIGCONT); /* a paused node must see the SIGTERM */
            h_node_stop(&cl.nodes[i], SIGTERM);
        }
        report_sanitizer_output(&cl.nodes[i]);
        if (keep) {
            fprintf(stderr, "snapshot: kept %s\n", cl.nodes[i].dir);
        } else {
            h_node_cleanup(&cl.nodes[i]);
        }
    }
    if (solo.dir[0]) {
        if (solo.pid > 0)
            h_node_stop(&solo, SIGTERM);
        report_sanitizer_output(&solo);
        if (keep) {
            h_node_kill9(&solo);
            fprintf(stderr, "snapshot: kept %s\n", solo.dir);
        } else {
            h_node_cleanup(&solo);
        }
    }
}

TestSuite(snapshot, .fini = teardown, .timeout = 900);

/* ------------------------------------------------------------ commands */

/* One INFO raft field from an open connection, matched as a whole line name. */
static bool info_ctx(redisContext *ctx, const char *field, long long *out)
{
    redisReply *r = redisCommand(ctx, "INFO raft");
    bool ok = false;
    size_t flen = strlen(field);
    if (r && r->type == REDIS_REPLY_STRING) {
        for (const char *p = r->str; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
            if (strncmp(p, field, flen) == 0 && p[flen] == ':') {
                *out = strtoll(p + flen + 1, NULL, 10);
                ok = true;
                break;
            }
        }
    }
    if (r)
        freeReplyObject(r);
    return ok;
}

/* An INFO raft field of n (-1 if unreachable or absent). */
static long long info_at(h_node *n, const char *field) { return hc_node_info_int(n, field); }

/* Waits until INFO field of n reads at least want; the last value read. */
static long long wait_info_at_least(h_node *n, const char *field, long long want, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms, v = -1;
    while (h_now_ms() < deadline) {
        v = info_at(n, field);
        if (v >= want)
            break;
        usleep(50 * 1000);
    }
    return v;
}

/* Polls field of n as fast as n answers (connecting while it starts up) until
 * it reads want; false on timeout or once n has exited. */
static bool poll_until(h_node *n, const char *field, long long want, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    redisContext *ctx = NULL;
    bool seen = false;
    while (!seen && h_now_ms() < deadline && h_node_alive(n)) {
        if (!ctx) {
            ctx = redisConnectWithTimeout("127.0.0.1", n->port, (struct timeval){1, 0});
            if (!ctx || ctx->err) {
                if (ctx)
                    redisFree(ctx);
                ctx = NULL;
                usleep(2 * 1000);
                continue;
            }
            redisSetTimeout(ctx, (struct timeval){5, 0});
        }
        long long v;
        if (!info_ctx(ctx, field, &v)) {
            redisFree(ctx);
            ctx = NULL;
            continue;
        }
        seen = v == want;
    }
    if (ctx)
        redisFree(ctx);
    return seen;
}

/* Polls n as fast as it answers until raft_snapshot_chunks_received reaches
 * chunks; then raft_snapshot_installing as read in that same INFO (1: the last
 * chunk is in and the state is being built and swapped in), or -1. */
static long long poll_last_chunk(h_node *n, long long chunks, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms, installing = -1;
    redisContext *ctx = NULL;
    while (h_now_ms() < deadline && h_node_alive(n)) {
        if (!ctx) {
            ctx = redisConnectWithTimeout("127.0.0.1", n->port, (struct timeval){1, 0});
            if (!ctx || ctx->err) {
                if (ctx)
                    redisFree(ctx);
                ctx = NULL;
                usleep(2 * 1000);
                continue;
            }
            redisSetTimeout(ctx, (struct timeval){5, 0});
        }
        redisReply *r = redisCommand(ctx, "INFO raft");
        if (!r || r->type != REDIS_REPLY_STRING) {
            if (r)
                freeReplyObject(r);
            redisFree(ctx);
            ctx = NULL;
            continue;
        }
        const char *c = strstr(r->str, "raft_snapshot_chunks_received:");
        const char *i = strstr(r->str, "raft_snapshot_installing:");
        bool done = c && i && atoll(c + strlen("raft_snapshot_chunks_received:")) >= chunks;
        if (done)
            installing = atoll(i + strlen("raft_snapshot_installing:"));
        freeReplyObject(r);
        if (done)
            break;
    }
    if (ctx)
        redisFree(ctx);
    return installing;
}

/* The node's DEBUG DIGEST (40 hex digits); on failure out says why. */
static bool digest_of(h_node *n, char *out, size_t size)
{
    redisReply *r = h_node_cmd(n, "DEBUG DIGEST");
    bool ok = false;
    if (!r) {
        snprintf(out, size, "(unreachable)");
    } else if ((r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) && r->len == 40 &&
               strspn(r->str, "0123456789abcdef") == 40) {
        snprintf(out, size, "%s", r->str);
        ok = true;
    } else {
        snprintf(out, size, "(reply type %d: %s)", r->type, r->str ? r->str : "");
    }
    if (r)
        freeReplyObject(r);
    return ok;
}

/* Waits until every live node of c reports the same applied index and the
 * same DEBUG DIGEST. (A digest is not re-read against a moving index: after
 * the writes only entries that change no data, such as a new leader's, can
 * come, and a digest taking long on a big state may itself cause one.) On
 * failure why describes the last state seen. */
static bool converge(h_cluster *c, int timeout_ms, char *why, size_t size)
{
    long long deadline = h_now_ms() + timeout_ms;
    snprintf(why, size, "nothing read");
    while (h_now_ms() < deadline) {
        long long applied[HC_MAX];
        char dig[HC_MAX][128];
        bool same = true;
        int first = -1;
        for (int i = 0; i < c->n; i++) {
            dig[i][0] = '\0';
            if (!h_node_alive(&c->nodes[i]))
                continue;
            applied[i] = hc_info_int(c, i, "raft_last_applied_index");
            if (first < 0)
                first = i;
            else if (applied[i] != applied[first])
                same = false;
        }
        if (first >= 0 && same && applied[first] > 0) {
            for (int i = 0; i < c->n; i++)
                if (h_node_alive(&c->nodes[i]) &&
                    (!digest_of(&c->nodes[i], dig[i], sizeof dig[i]) || strcmp(dig[i], dig[first]) != 0))
                    same = false;
        } else {
            same = false;
        }
        size_t used = 0;
        for (int i = 0; i < c->n && used < size; i++)
            if (h_node_alive(&c->nodes[i]))
                used += (size_t)snprintf(why + used, size - used, "node %d applied %lld digest %s; ", i + 1,
                                         applied[i], dig[i][0] ? dig[i] : "-");
        if (same) {
            fprintf(stderr, "snapshot: converged: %s\n", why);
            return true;
        }
        usleep(200 * 1000);
    }
    return false;
}

static void assert_converges(h_cluster *c, int timeout_ms)
{
    char why[2048];
    bool ok = converge(c, timeout_ms, why, sizeof why);
    cr_assert(ok, "the nodes did not converge to one state: %s", why);
}

/* ---------------------------------------------------------- bulk loads */

/* Key prefix:<n> holds a value of vsize bytes made from n. */
typedef struct load_spec {
    const char *prefix;
    int from, to;
    int vsize;
} load_spec;

#define VMAX 1024

static void make_value(char *buf, int vsize, int n)
{
    int used = snprintf(buf, (size_t)vsize + 1, "%d.", n);
    for (int i = used; i < vsize; i++)
        buf[i] = (char)('a' + (unsigned)(n * 31 + i * 7) % 26);
    buf[vsize] = '\0';
}

/* One pipelined pass over the keys not yet acknowledged, at most window in
 * flight; false if the connection failed. */
static bool load_pass(redisContext *ctx, const load_spec *ls, unsigned char *acked, int *errors,
                      char *lasterr, size_t errsize)
{
    enum { WINDOW = 1000 };
    char val[VMAX + 1];
    int sent = ls->from, recvd = ls->from;
    while (recvd < ls->to) {
        while (sent < ls->to && sent - recvd < WINDOW) {
            if (!acked[sent - ls->from]) {
                make_value(val, ls->vsize, sent);
                redisAppendCommand(ctx, "SET %s:%07d %s", ls->prefix, sent, val);
            }
            sent++;
        }
        int target = recvd + WINDOW / 2 < sent ? recvd + WINDOW / 2 : sent;
        for (; recvd < target; recvd++) {
            if (acked[recvd - ls->from])
                continue;
            redisReply *r;
            if (redisGetReply(ctx, (void **)&r) != REDIS_OK) {
                snprintf(lasterr, errsize, "connection: %s", ctx->errstr);
                return false;
            }
            if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0) {
                acked[recvd - ls->from] = 1;
            } else {
                (*errors)++;
                snprintf(lasterr, errsize, "reply type %d: %s", r->type, r->str ? r->str : "");
            }
            freeReplyObject(r);
        }
    }
    return true;
}

/* SETs every key of ls through node n, pipelined, re-sending what was refused
 * (an election may refuse some) until all are acknowledged or timeout_ms.
 * Returns how many were acknowledged. */
static int load(h_node *n, const load_spec *ls, int timeout_ms)
{
    int total = ls->to - ls->from;
    unsigned char *acked = calloc((size_t)total, 1);
    cr_assert_not_null(acked);
    long long start = h_now_ms(), deadline = start + timeout_ms;
    int errors = 0, passes = 0, done = 0;
    char lasterr[256] = "";
    while (h_now_ms() < deadline) {
        redisContext *ctx = h_connect(n);
        if (ctx && !ctx->err) {
            passes++;
            load_pass(ctx, ls, acked, &errors, lasterr, sizeof lasterr);
        }
        if (ctx)
            redisFree(ctx);
        done = 0;
        for (int i = 0; i < total; i++)
            done += acked[i];
        if (done == total)
            break;
        usleep(200 * 1000);
    }
    long long ms = h_now_ms() - start;
    fprintf(stderr, "snapshot: loaded %d/%d %s:* (%d B values) in %lld ms (%lld/s), %d passes, %d refused%s%s\n",
            done, total, ls->prefix, ls->vsize, ms, ms ? (long long)done * 1000 / ms : 0, passes, errors,
            lasterr[0] ? ", last: " : "", lasterr);
    free(acked);
    return done;
}

static void assert_load(h_node *n, const load_spec *ls, int timeout_ms)
{
    int done = load(n, ls, timeout_ms);
    cr_assert_eq(done, ls->to - ls->from, "only %d of %d writes acknowledged", done, ls->to - ls->from);
}

/* Reads every step-th key of ls (and the last) through n, pipelined (a key
 * answered with an error is read again): how many do not hold their value. */
static int check_load(h_node *n, const load_spec *ls, int step)
{
    redisContext *ctx = h_connect(n);
    cr_assert(ctx && !ctx->err, "node %d unreachable", n->id);
    int count = 0;
    for (int k = ls->from; k < ls->to; k += step, count++)
        redisAppendCommand(ctx, "GET %s:%07d", ls->prefix, k);
    redisAppendCommand(ctx, "GET %s:%07d", ls->prefix, ls->to - 1);
    count++;
    int bad = 0;
    char val[VMAX + 1];
    for (int i = 0; i < count; i++) {
        int k = i == count - 1 ? ls->to - 1 : ls->from + i * step;
        redisReply *r;
        cr_assert_eq(redisGetReply(ctx, (void **)&r), REDIS_OK, "node %d: %s", n->id, ctx->errstr);
        if (r->type == REDIS_REPLY_ERROR) {
            char key[64];
            snprintf(key, sizeof key, "%s:%07d", ls->prefix, k);
            freeReplyObject(r);
            r = h_node_get_retrying(n, key, 30000);
            cr_assert_not_null(r, "node %d unreachable", n->id);
        }
        make_value(val, ls->vsize, k);
        if (r->type != REDIS_REPLY_STRING || strcmp(r->str, val) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "snapshot: node %d GET %s:%07d: type %d %.40s\n", n->id, ls->prefix, k,
                        r->type, r->str ? r->str : "");
        }
        freeReplyObject(r);
    }
    redisFree(ctx);
    return bad;
}

static void expect_load_at(h_node *n, const load_spec *ls, int step)
{
    int bad = check_load(n, ls, step);
    cr_expect_eq(bad, 0, "node %d: %d keys of %s:* missing or wrong", n->id, bad, ls->prefix);
}

/* ------------------------------------------------------------- on disk */

/* Bytes of the regular files directly in dir (-1 if it cannot be read). */
static long long dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long long sum = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            sum += st.st_size;
    }
    closedir(d);
    return sum;
}

/* Names in dir starting with prefix (all if prefix is ""), listed into out. */
static int dir_count(const char *dir, const char *prefix, char *out, size_t size)
{
    DIR *d = opendir(dir);
    if (out && size)
        out[0] = '\0';
    if (!d)
        return -1;
    int n = 0;
    size_t used = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        n++;
        if (out && used < size)
            used += (size_t)snprintf(out + used, size - used, "%s ", e->d_name);
    }
    closedir(d);
    return n;
}

/* After a snapshot completed, the snapshot directory holds only finished
 * snapshot files (the newest and perhaps the one before): nothing a crash
 * left half-written. */
static void expect_clean_snapshot_dir(h_node *n)
{
    char dir[512], names[1024];
    snprintf(dir, sizeof dir, "%s/snapshots", n->dir);
    int all = dir_count(dir, "", names, sizeof names);
    int snaps = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        snaps += len > 5 && strcmp(e->d_name + len - 5, ".snap") == 0;
    }
    if (d)
        closedir(d);
    cr_expect(all >= 1 && all == snaps && snaps <= 2,
              "node %d: %s should hold one or two finished .snap files: %s", n->id, dir, names);
}

/* The node's state directories: exactly one after a restart, whatever crash
 * came before. */
static void expect_one_state_dir(h_node *n)
{
    char names[1024];
    int count = 0;
    DIR *d = opendir(n->dir);
    struct dirent *e;
    size_t used = 0;
    names[0] = '\0';
    while (d && (e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", n->dir, e->d_name);
        if (strncmp(e->d_name, "state", 5) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            count++;
            if (used < sizeof names)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s ", e->d_name);
        }
    }
    if (d)
        closedir(d);
    cr_expect_eq(count, 1, "node %d: state directories left behind in %s: %s", n->id, n->dir, names);
}

/* ------------------------------------------------------------- helpers */

static int follower_of(int leader, int k) { return (leader + k) % 3; }

static int random_ms(int max) { return (int)((unsigned)rand() % (unsigned)(max + 1)); }

static void seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned s = (unsigned)(ts.tv_nsec ^ getpid());
    srand(s);
    fprintf(stderr, "snapshot: seed %u\n", s);
}

/* The node (other than skip) whose INFO says it leads, waiting up to
 * timeout_ms; -1 if none. For when a paused node cannot answer. */
static int leader_except(h_cluster *c, int skip, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    do {
        for (int i = 0; i < c->n; i++) {
            if (i == skip || !h_node_alive(&c->nodes[i]))
                continue;
            redisReply *r = h_node_cmd(&c->nodes[i], "INFO raft");
            bool leads = r && r->type == REDIS_REPLY_STRING && strstr(r->str, "raft_role:leader");
            if (r)
                freeReplyObject(r);
            if (leads)
                return i;
        }
        usleep(50 * 1000);
    } while (h_now_ms() < deadline);
    return -1;
}

static int start_cluster(const char *extra)
{
    hc_init(&cl, 3, extra);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0, "no leader elected");
    return leader;
}

/* Waits until node n's log starts after index: a follower stuck at index can
 * then only catch up from n by a snapshot. */
static void wait_compacted_past(h_node *n, long long index)
{
    long long first = wait_info_at_least(n, "raft_log_first_index", index + 2, 120000);
    fprintf(stderr, "snapshot: node %d log starts at %lld (snapshot %lld, %lld taken)\n", n->id, first,
            info_at(n, "raft_snapshot_index"), info_at(n, "raft_snapshots_taken"));
    cr_assert_gt(first, index + 1, "node %d never compacted its log past %lld (first index %lld)", n->id,
                 index, first);
}

/* ---------------------------------------------------------------- tests */

Test(snapshot, a_killed_follower_catches_up_by_installsnapshot_after_200000_writes)
{
    int leader = start_cluster("--snapshot-threshold 20000 --snapshot-trailing-entries 2000 "
                               "--raft-segment-size 1mb");
    int f = follower_of(leader, 1);
    load_spec pre = {"pre", 0, 1000, 16};
    assert_load(&cl.nodes[leader], &pre, 60000);
    long long pre_index = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, pre_index, 30000));
    h_node_kill9(&cl.nodes[f]);

    load_spec big = {"k", 0, 200000, 32};
    assert_load(&cl.nodes[leader], &big, 600000);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    wait_compacted_past(&cl.nodes[leader], pre_index);

    cr_assert(h_node_start(&cl.nodes[f]), "the follower must restart; see %s", cl.nodes[f].dir);
    assert_converges(&cl, 300000);
    long long installed = info_at(&cl.nodes[f], "raft_snapshots_installed");
    cr_expect_geq(installed, 1, "the follower must have come back by InstallSnapshot");
    cr_expect_gt(info_at(&cl.nodes[f], "raft_snapshot_index"), pre_index);
    cr_expect_gt(info_at(&cl.nodes[f], "raft_snapshot_chunks_received"), 0);
    for (int i = 0; i < 3; i++)
        fprintf(stderr, "snapshot: node %d taken %lld installed %lld chunks sent %lld received %lld\n", i + 1,
                info_at(&cl.nodes[i], "raft_snapshots_taken"), info_at(&cl.nodes[i], "raft_snapshots_installed"),
                info_at(&cl.nodes[i], "raft_snapshot_chunks_sent"),
                info_at(&cl.nodes[i], "raft_snapshot_chunks_received"));
    expect_load_at(&cl.nodes[f], &pre, 7);
    expect_load_at(&cl.nodes[f], &big, 97);

    /* Every node, the one that installed included, restarts from its own
     * snapshot and log after kill -9 to the same state. */
    char before[128], why[2048];
    cr_assert(digest_of(&cl.nodes[f], before, sizeof before));
    for (int i = 0; i < 3; i++)
        kill(cl.nodes[i].pid, SIGKILL);
    for (int i = 0; i < 3; i++)
        h_node_kill9(&cl.nodes[i]);
    hc_start_all(&cl);
    cr_assert_geq(hc_wait_leader(&cl, 30000), 0, "no leader after restarting every node");
    cr_assert(converge(&cl, 300000, why, sizeof why), "no convergence after restarting every node: %s", why);
    char after[128];
    cr_assert(digest_of(&cl.nodes[f], after, sizeof after));
    cr_expect_str_eq(after, before, "the state after a restart of every node differs");
    for (int i = 0; i < 3; i++)
        cr_expect_gt(info_at(&cl.nodes[i], "raft_log_first_index"), 1, "node %d restarted without its snapshot",
                     i + 1);
}

Test(snapshot, a_paused_follower_catches_up_by_installsnapshot)
{
    int leader = start_cluster("--snapshot-threshold 10000 --snapshot-trailing-entries 1000 "
                               "--raft-segment-size 256kb");
    int f = follower_of(leader, 2);
    load_spec pre = {"pre", 0, 500, 16};
    assert_load(&cl.nodes[leader], &pre, 60000);
    long long pre_index = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, pre_index, 30000));
    kill(cl.nodes[f].pid, SIGSTOP);

    load_spec big = {"k", 0, 60000, 32};
    int done = load(&cl.nodes[leader], &big, 300000);
    /* Resume before asserting: a stopped process would outlive the test. */
    leader = leader_except(&cl, f, 20000);
    if (leader >= 0 && done == big.to)
        wait_compacted_past(&cl.nodes[leader], pre_index);
    kill(cl.nodes[f].pid, SIGCONT);
    cr_assert_eq(done, big.to);
    cr_assert_geq(leader, 0);

    assert_converges(&cl, 300000);
    cr_expect_geq(info_at(&cl.nodes[f], "raft_snapshots_installed"), 1,
                  "the resumed follower must have come back by InstallSnapshot");
    expect_load_at(&cl.nodes[f], &big, 31);
}

/* Samples every node's raft_log_bytes and the bytes of <dir>/raft/ meanwhile. */
typedef struct sampler {
    h_cluster *c;
    atomic_bool stop;
    long long max_info[HC_MAX], max_disk[HC_MAX], max_snapdir[HC_MAX];
    int samples;
} sampler;

static void *sampler_main(void *arg)
{
    sampler *s = arg;
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < s->c->n; i++) {
            h_node *n = &s->c->nodes[i];
            long long b = info_at(n, "raft_log_bytes");
            char dir[512];
            snprintf(dir, sizeof dir, "%s/raft", n->dir);
            long long d = dir_bytes(dir);
            snprintf(dir, sizeof dir, "%s/snapshots", n->dir);
            long long sd = dir_bytes(dir);
            if (b > s->max_info[i])
                s->max_info[i] = b;
            if (d > s->max_disk[i])
                s->max_disk[i] = d;
            if (sd > s->max_snapdir[i])
                s->max_snapdir[i] = sd;
        }
        s->samples++;
        usleep(100 * 1000);
    }
    return NULL;
}

Test(snapshot, the_log_stays_bounded_through_a_long_write_run)
{
    const long long threshold = 10000, trailing = 1000, segment = 128 * 1024;
    char extra[256];
    snprintf(extra, sizeof extra,
             "--snapshot-threshold %lld --snapshot-trailing-entries %lld --raft-segment-size %lld", threshold,
             trailing, segment);
    int leader = start_cluster(extra);
    /* The bytes one entry takes in the log, from a log nothing was cut from:
     * every write below is the same size. */
    load_spec probe = {"k", 0, 2000, 100};
    assert_load(&cl.nodes[leader], &probe, 60000);
    long long bytes = info_at(&cl.nodes[leader], "raft_log_bytes");
    long long entries = info_at(&cl.nodes[leader], "raft_log_last_index") -
                        info_at(&cl.nodes[leader], "raft_log_first_index") + 1;
    cr_assert_gt(entries, 0);
    cr_assert_gt(bytes, 0);
    long long per_entry = bytes / entries + 1;
    /* Between two compactions the log holds the trailing window, the
     * entries up to the next threshold and those applied while that snapshot
     * is built (bounded here by the same again: the state is small), plus
     * the partly used segments at either end. */
    long long bound = 2 * (threshold + trailing) * per_entry + 3 * segment;

    sampler *s = calloc(1, sizeof *s);
    s->c = &cl;
    pthread_t th;
    pthread_create(&th, NULL, sampler_main, s);
    /* 150,000 writes over 10,000 keys: the state stays small while the log,
     * uncompacted, would reach 150,000 entries. SS_LOG_ROUNDS=n makes it
     * n x 10,000 writes (a longer run for the figures). */
    const char *env = getenv("SS_LOG_ROUNDS");
    const int rounds = env && atoi(env) > 0 ? atoi(env) : 15;
    bool ok = true;
    for (int r = 0; r < rounds && ok; r++) {
        load_spec ls = {"k", 0, 10000, 100};
        ok = load(&cl.nodes[leader], &ls, 300000) == 10000;
        if (!ok)
            leader = hc_wait_leader(&cl, 20000);
    }
    atomic_store(&s->stop, true);
    pthread_join(th, NULL);
    cr_assert(ok, "writes refused");
    fprintf(stderr,
            "snapshot: log bound %lld B (%lld B per entry, threshold %lld, trailing %lld, segment %lld); "
            "uncompacted it would reach %lld B; %d samples\n",
            bound, per_entry, threshold, trailing, segment, per_entry * (rounds * 10000 + 2000), s->samples);
    for (int i = 0; i < 3; i++) {
        long long taken = info_at(&cl.nodes[i], "raft_snapshots_taken");
        long long installed = info_at(&cl.nodes[i], "raft_snapshots_installed");
        fprintf(stderr,
                "snapshot: node %d max raft_log_bytes %lld, max %s/raft %lld B, max snapshots dir %lld B; "
                "%lld snapshots taken, %lld installed, log %lld..%lld\n",
                i + 1, s->max_info[i], cl.nodes[i].dir, s->max_disk[i], s->max_snapdir[i], taken, installed,
                info_at(&cl.nodes[i], "raft_log_first_index"), info_at(&cl.nodes[i], "raft_log_last_index"));
        cr_expect_gt(s->max_info[i], 0, "node %d: no raft_log_bytes sampled", i + 1);
        cr_expect_leq(s->max_info[i], bound, "node %d: raft_log_bytes reached %lld, bound %lld", i + 1,
                      s->max_info[i], bound);
        cr_expect_leq(s->max_disk[i], bound, "node %d: %s/raft reached %lld B, bound %lld", i + 1,
                      cl.nodes[i].dir, s->max_disk[i], bound);
        /* A follower more than the trailing window behind when the leader
         * compacts gets the leader's snapshot instead of taking its own. */
        cr_expect_geq(taken + installed, 5, "node %d took %lld snapshots and installed %lld", i + 1, taken,
                      installed);
        /* The snapshot directory keeps at most two snapshots of a small state. */
        cr_expect_leq(s->max_snapdir[i], 3 * 10000 * (100 + 64) + 65536, "node %d: snapshot dir %lld B", i + 1,
                      s->max_snapdir[i]);
    }
    free(s);
    assert_converges(&cl, 120000);
}

/* BGSAVE on n, then kills it either once INFO shows the snapshot being built
 * (delay_ms < 0) or delay_ms after the BGSAVE. */
static void kill_while_saving(h_node *n, int delay_ms)
{
    redisContext *ctx = h_connect(n);
    cr_assert(ctx && !ctx->err);
    redisReply *r = redisCommand(ctx, "BGSAVE");
    cr_assert_not_null(r);
    bool started = r->type == REDIS_REPLY_STATUS && strstr(r->str, "Background saving started");
    cr_expect(started, "BGSAVE: type %d %s", r->type, r->str ? r->str : "");
    freeReplyObject(r);
    long long in_progress = -1;
    if (delay_ms < 0) {
        long long deadline = h_now_ms() + 30000;
        while (h_now_ms() < deadline && info_ctx(ctx, "raft_snapshot_in_progress", &in_progress) &&
               in_progress != 1)
            ;
        cr_expect_eq(in_progress, 1, "node %d: raft_snapshot_in_progress never read 1 after BGSAVE", n->id);
    } else {
        usleep((useconds_t)delay_ms * 1000);
        info_ctx(ctx, "raft_snapshot_in_progress", &in_progress);
    }
    redisFree(ctx);
    h_node_kill9(n);
    fprintf(stderr, "snapshot: node %d killed %d ms after BGSAVE (in progress: %lld)\n", n->id, delay_ms,
            in_progress);
    cr_assert(h_node_start(n), "node %d must restart after a kill during BGSAVE; see %s", n->id, n->dir);
}

Test(snapshot, kill_9_while_taking_a_snapshot_loses_nothing)
{
    seed();
    /* Snapshots only on BGSAVE. */
    int leader = start_cluster("--snapshot-threshold 0 --snapshot-threshold-bytes 0");
    load_spec big = {"big", 0, 80000, 256};
    assert_load(&cl.nodes[leader], &big, 300000);
    long long applied = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 60000));

    hc_writer *w = hc_writer_start(&cl, NULL, 0);
    /* A follower, then the leader, each killed while INFO shows it building;
     * then any node at short random delays after BGSAVE. */
    kill_while_saving(&cl.nodes[follower_of(leader, 1)], -1);
    kill_while_saving(&cl.nodes[leader], -1);
    for (int round = 0; round < 4; round++) {
        int i = random_ms(2);
        cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
        kill_while_saving(&cl.nodes[i], random_ms(300));
    }
    cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
    usleep(500 * 1000);
    hc_writer_stop(w);
    fprintf(stderr, "snapshot: %d of %d writes acknowledged during the kills\n", hc_writer_acked(w), hc_writer_attempted(w));
    cr_expect_gt(hc_writer_acked(w), 0);

    assert_converges(&cl, 300000);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(hc_writer_missing_at(&cl, i, w), 0, "node %d lost acknowledged writes", i + 1);
        expect_load_at(&cl.nodes[i], &big, 101);
    }
    /* Whatever a killed snapshot left behind does not stop the next one, and
     * is gone once it is done. */
    for (int i = 0; i < 3; i++) {
        long long before = info_at(&cl.nodes[i], "raft_snapshots_taken");
        redisReply *r = h_node_cmd(&cl.nodes[i], "BGSAVE");
        cr_assert_not_null(r);
        freeReplyObject(r);
        long long taken = wait_info_at_least(&cl.nodes[i], "raft_snapshots_taken", before + 1, 120000);
        cr_expect_gt(taken, before, "node %d: BGSAVE after the crashes never completed", i + 1);
        cr_expect_geq(info_at(&cl.nodes[i], "raft_snapshot_index"), applied);
        expect_clean_snapshot_dir(&cl.nodes[i]);
    }
    hc_writer_free(w);
}

Test(snapshot, kill_9_while_installing_a_snapshot_loses_nothing)
{
    seed();
    int leader = start_cluster("--snapshot-threshold 10000 --snapshot-trailing-entries 1000 "
                               "--raft-segment-size 1mb");
    int f = follower_of(leader, 1);
    load_spec pre = {"pre", 0, 500, 16};
    assert_load(&cl.nodes[leader], &pre, 60000);
    long long pre_index = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, pre_index, 30000));
    h_node_kill9(&cl.nodes[f]);

    load_spec big = {"big", 0, 80000, 256};
    assert_load(&cl.nodes[leader], &big, 300000);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    wait_compacted_past(&cl.nodes[leader], pre_index);

    h_node *n = &cl.nodes[f];
    /* Each round restarts the follower behind the leader's log and kills it:
     * once INFO shows the install under way, a little after that, or at a
     * random delay after start (before, during or after the transfer). Between
     * rounds the leader compacts past the follower again (15,000 rewrites of
     * big:* with the same values), so every round starts a new install. */
    int installing_kills = 0;
    const int rounds = 5;
    for (int round = 0; round < rounds; round++) {
        /* Chunks are up to 1 MB: this many make the leader's snapshot. */
        long long chunks = (info_at(&cl.nodes[leader], "raft_snapshot_bytes") + (1 << 20) - 1) >> 20;
        cr_assert(h_node_spawn(n));
        int delay = -1;
        if (round == 2) {
            long long at_last = poll_last_chunk(n, chunks, 120000);
            fprintf(stderr, "snapshot: round 2: installing %lld when chunk %lld of %lld was in\n", at_last,
                    chunks, chunks);
        } else if (round < 2) {
            bool seen = poll_until(n, "raft_snapshot_installing", 1, 120000);
            cr_expect(seen, "node %d: raft_snapshot_installing never read 1", n->id);
            if (round == 1) {
                delay = random_ms(400);
                usleep((useconds_t)delay * 1000);
            }
        } else {
            delay = random_ms(1500);
            usleep((useconds_t)delay * 1000);
        }
        long long received = info_at(n, "raft_snapshot_chunks_received");
        long long installing = info_at(n, "raft_snapshot_installing");
        h_node_kill9(n);
        installing_kills += installing == 1;
        fprintf(stderr,
                "snapshot: round %d: follower killed %d ms after %s (installing %lld, chunks received %lld of %lld)\n",
                round, delay, round < 2 ? "installing:1" : round == 2 ? "the last chunk" : "start", installing,
                received, chunks);
        leader = hc_wait_leader(&cl, 20000);
        cr_assert_geq(leader, 0);
        if (round == rounds - 1)
            break;
        long long at_kill = info_at(&cl.nodes[leader], "raft_last_applied_index");
        load_spec again = {"big", 0, 15000, 256};
        assert_load(&cl.nodes[leader], &again, 300000);
        wait_compacted_past(&cl.nodes[leader], at_kill);
    }
    fprintf(stderr, "snapshot: %d of %d kills hit an install in progress\n", installing_kills, rounds);
    cr_expect_geq(installing_kills, 1);
    cr_assert(h_node_start(n), "the follower must restart after kills during install; see %s", n->dir);
    assert_converges(&cl, 300000);
    cr_expect_gt(info_at(n, "raft_snapshot_index"), pre_index, "the follower must hold the leader's snapshot");
    expect_one_state_dir(n);
    /* Nothing half-received stays behind once the node takes a snapshot. */
    long long before = info_at(n, "raft_snapshots_taken");
    redisReply *r = h_node_cmd(n, "BGSAVE");
    cr_assert_not_null(r);
    freeReplyObject(r);
    cr_expect_gt(wait_info_at_least(n, "raft_snapshots_taken", before + 1, 120000), before);
    expect_clean_snapshot_dir(n);
    expect_load_at(n, &pre, 7);
    expect_load_at(n, &big, 53);
    for (int i = 0; i < 3; i++)
        if (i != f)
            expect_load_at(&cl.nodes[i], &big, 997);
}

Test(snapshot, a_node_joining_with_an_empty_directory_gets_everything_by_snapshot)
{
    /* Nodes 1 and 2 form the cluster; node 3 starts once their logs are
     * compacted, with nothing on disk. */
    hc_init(&cl, 3, "--snapshot-threshold 10000 --snapshot-trailing-entries 1000 --raft-segment-size 256kb");
    hc_spawn(&cl, 0);
    hc_spawn(&cl, 1);
    cr_assert(h_node_wait_ready(&cl.nodes[0], 20000) && h_node_wait_ready(&cl.nodes[1], 20000));
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    load_spec big = {"k", 0, 40000, 64};
    assert_load(&cl.nodes[leader], &big, 300000);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    wait_compacted_past(&cl.nodes[0], 1);
    wait_compacted_past(&cl.nodes[1], 1);

    h_node *n = &cl.nodes[2];
    cr_assert(h_node_start(n), "an empty node must start; see %s", n->dir);
    assert_converges(&cl, 300000);
    cr_expect_geq(info_at(n, "raft_snapshots_installed"), 1);
    cr_expect_gt(info_at(n, "raft_log_first_index"), 1, "its log starts after the installed snapshot");
    expect_load_at(n, &big, 41);
}

/* Kills n, wipes its directory and starts it again: it comes back with
 * nothing and must be rebuilt by InstallSnapshot into the cluster's state. */
static void rebuild_by_snapshot(h_node *n)
{
    h_node_kill9(n);
    char out[256];
    cr_assert_eq(h_sh(out, sizeof out, "rm -rf '%s'/raft '%s'/state* '%s'/STATE '%s'/snapshots", n->dir, n->dir,
                      n->dir, n->dir),
                 0);
    cr_assert(h_node_start(n), "a node with an empty directory must start; see %s", n->dir);
    assert_converges(&cl, 120000);
    cr_expect_geq(info_at(n, "raft_snapshots_installed"), 1);
}

Test(snapshot, a_follower_that_lost_its_data_directory_is_rebuilt_by_snapshot)
{
    int leader = start_cluster("--snapshot-threshold 10000 --snapshot-trailing-entries 1000 "
                               "--raft-segment-size 256kb");
    load_spec big = {"k", 0, 40000, 64};
    assert_load(&cl.nodes[leader], &big, 300000);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    wait_compacted_past(&cl.nodes[leader], 1);
    long long applied = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 60000));

    /* A disk replaced under a follower the leader knows as up to date: it
     * comes back with nothing, and must not stay stuck behind the leader's
     * old idea of its log. */
    h_node *n = &cl.nodes[follower_of(leader, 2)];
    rebuild_by_snapshot(n);
    expect_load_at(n, &big, 41);
}

Test(snapshot, the_leader_killed_during_a_transfer_leaves_the_follower_to_the_next_leader)
{
    int leader = start_cluster("--snapshot-threshold 20000 --snapshot-trailing-entries 1000 "
                               "--raft-segment-size 1mb");
    int f = follower_of(leader, 1), other = follower_of(leader, 2);
    load_spec pre = {"pre", 0, 500, 16};
    assert_load(&cl.nodes[leader], &pre, 60000);
    long long pre_index = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, pre_index, 30000));
    h_node_kill9(&cl.nodes[f]);

    load_spec big = {"big", 0, 80000, 256};
    assert_load(&cl.nodes[leader], &big, 300000);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    other = 3 - leader - f;
    /* Whichever of the two becomes leader must itself send a snapshot. */
    wait_compacted_past(&cl.nodes[leader], pre_index);
    wait_compacted_past(&cl.nodes[other], pre_index);

    cr_assert(h_node_spawn(&cl.nodes[f]));
    bool seen = poll_until(&cl.nodes[f], "raft_snapshot_installing", 1, 120000);
    cr_expect(seen, "the follower never showed raft_snapshot_installing:1");
    h_node_kill9(&cl.nodes[leader]);
    fprintf(stderr, "snapshot: leader killed with the follower at %lld chunks received\n",
            info_at(&cl.nodes[f], "raft_snapshot_chunks_received"));
    int next = hc_wait_leader(&cl, 30000);
    cr_assert_eq(next, other, "the up-to-date follower must take over (got %d)", next);
    assert_converges(&cl, 300000);
    cr_expect_gt(info_at(&cl.nodes[f], "raft_snapshot_index"), pre_index);
    expect_load_at(&cl.nodes[f], &big, 53);

    cr_assert(h_node_start(&cl.nodes[leader]));
    assert_converges(&cl, 300000);
    expect_one_state_dir(&cl.nodes[f]);
}

/* A node without peers: the figures its INFO gives after a restart. */
static void expect_restored(h_node *n, long long applied, const char *digest, const load_spec *ls)
{
    /* At least: a restarted node appends an entry of its new term. */
    long long got = wait_info_at_least(n, "raft_last_applied_index", applied, 60000);
    cr_expect_geq(got, applied, "applied index after restart");
    char d[128];
    cr_expect(digest_of(n, d, sizeof d), "DEBUG DIGEST: %s", d);
    cr_expect_str_eq(d, digest, "the state after restart differs");
    cr_expect_gt(info_at(n, "raft_log_first_index"), 1, "the log must start after a snapshot");
    cr_expect_gt(info_at(n, "raft_snapshot_index"), 0, "the node must know its snapshot");
    expect_load_at(n, ls, 1);
}

Test(snapshot, a_single_node_restarts_from_snapshot_and_log)
{
    h_node_init(&solo, 1, "--snapshot-threshold 5000 --snapshot-trailing-entries 500 --raft-segment-size 64kb");
    cr_assert(h_node_start(&solo), "see %s", solo.dir);
    load_spec ls = {"k", 0, 30000, 40};
    assert_load(&solo, &ls, 300000);
    /* A tail of entries after the last snapshot: 1234 overwrites. */
    load_spec tail = {"k", 0, 1234, 40};
    assert_load(&solo, &tail, 60000);
    long long taken = wait_info_at_least(&solo, "raft_snapshots_taken", 5, 60000);
    cr_expect_geq(taken, 5, "30,000 writes at threshold 5000 take several snapshots");
    cr_assert_gt(wait_info_at_least(&solo, "raft_log_first_index", 2, 60000), 1);
    long long applied = info_at(&solo, "raft_last_applied_index");
    char digest[128];
    cr_assert(digest_of(&solo, digest, sizeof digest), "DEBUG DIGEST: %s", digest);
    fprintf(stderr, "snapshot: single node: applied %lld, log %lld..%lld, snapshot %lld (%lld B), %lld taken\n",
            applied, info_at(&solo, "raft_log_first_index"), info_at(&solo, "raft_log_last_index"),
            info_at(&solo, "raft_snapshot_index"), info_at(&solo, "raft_snapshot_bytes"), taken);

    cr_expect_eq(h_node_stop(&solo, SIGTERM), 0, "a clean stop exits 0");
    cr_assert(h_node_start(&solo), "restart after a clean stop; see %s", solo.dir);
    expect_restored(&solo, applied, digest, &ls);

    load_spec more = {"m", 0, 7000, 40};
    assert_load(&solo, &more, 120000);
    applied = info_at(&solo, "raft_last_applied_index");
    cr_assert(digest_of(&solo, digest, sizeof digest));
    h_node_kill9(&solo);
    cr_assert(h_node_start(&solo), "restart after kill -9; see %s", solo.dir);
    expect_restored(&solo, applied, digest, &ls);
    expect_load_at(&solo, &more, 1);
}

Test(snapshot, a_node_that_lost_its_state_directory_rebuilds_it_from_snapshot_and_log)
{
    h_node_init(&solo, 1, "--snapshot-threshold 5000 --snapshot-trailing-entries 500 --raft-segment-size 64kb");
    cr_assert(h_node_start(&solo), "see %s", solo.dir);
    load_spec ls = {"k", 0, 20000, 40};
    assert_load(&solo, &ls, 300000);
    cr_assert_gt(wait_info_at_least(&solo, "raft_log_first_index", 2, 60000), 1);
    long long applied = info_at(&solo, "raft_last_applied_index");
    char digest[128];
    cr_assert(digest_of(&solo, digest, sizeof digest), "DEBUG DIGEST: %s", digest);
    /* The LevelDB state is gone (as if a machine crash lost it): the node
     * rebuilds it from its newest snapshot file, then the log after it. */
    cr_expect_eq(h_node_stop(&solo, SIGTERM), 0);
    char out[256];
    cr_assert_eq(h_sh(out, sizeof out, "rm -rf '%s'/state* '%s'/STATE", solo.dir, solo.dir), 0);
    cr_assert(h_node_start(&solo), "a node without its state directory must start; see %s", solo.dir);
    expect_restored(&solo, applied, digest, &ls);
}

Test(snapshot, snapshot_threshold_bytes_alone_takes_snapshots)
{
    /* 6000 entries of ~1 KB at a 1 MB threshold: about five snapshots by
     * size; none by count. */
    h_node_init(&solo, 1, "--snapshot-threshold 0 --snapshot-threshold-bytes 1mb --snapshot-trailing-entries 100");
    cr_assert(h_node_start(&solo), "see %s", solo.dir);
    load_spec ls = {"k", 0, 6000, 1000};
    assert_load(&solo, &ls, 120000);
    long long taken = wait_info_at_least(&solo, "raft_snapshots_taken", 3, 60000);
    fprintf(stderr, "snapshot: by size: %lld taken, log %lld..%lld, %lld B\n", taken,
            info_at(&solo, "raft_log_first_index"), info_at(&solo, "raft_log_last_index"),
            info_at(&solo, "raft_log_bytes"));
    cr_expect_geq(taken, 3);
    cr_expect_leq(taken, 8);
    cr_expect_gt(info_at(&solo, "raft_log_first_index"), 1);
}

Test(snapshot, bgsave_writes_a_snapshot_file_and_lastsave_reports_it)
{
    h_node_init(&solo, 1, "--snapshot-threshold 0 --snapshot-threshold-bytes 0");
    cr_assert(h_node_start(&solo), "see %s", solo.dir);
    load_spec ls = {"k", 0, 3000, 40};
    assert_load(&solo, &ls, 60000);
    long long applied = info_at(&solo, "raft_last_applied_index");
    redisReply *info = h_node_cmd(&solo, "INFO raft");
    cr_assert(info && info->type == REDIS_REPLY_STRING);
    static const char *const fields[] = {
        "raft_snapshot_index:", "raft_snapshot_term:", "raft_snapshot_bytes:", "raft_snapshots_taken:",
        "raft_snapshots_installed:", "raft_snapshot_in_progress:", "raft_snapshot_installing:",
        "raft_snapshot_chunks_sent:", "raft_snapshot_chunks_received:", "raft_log_first_index:",
        "raft_log_last_index:", "raft_log_bytes:"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        cr_expect(strstr(info->str, fields[i]) != NULL, "INFO raft has no %s", fields[i]);
    freeReplyObject(info);
    cr_expect_eq(info_at(&solo, "raft_snapshots_taken"), 0, "no snapshot by count or size");
    cr_expect_eq(info_at(&solo, "raft_snapshot_index"), 0);
    redisReply *r = h_node_cmd(&solo, "LASTSAVE");
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_INTEGER);
    long long last_before = r->integer;
    freeReplyObject(r);

    long long now = (long long)time(NULL);
    r = h_node_cmd(&solo, "BGSAVE");
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_STATUS, "type %d %s", r->type, r->str ? r->str : "");
    if (r->type == REDIS_REPLY_STATUS)
        cr_expect_str_eq(r->str, "Background saving started");
    freeReplyObject(r);
    cr_assert_eq(wait_info_at_least(&solo, "raft_snapshots_taken", 1, 60000), 1);
    cr_expect_eq(info_at(&solo, "raft_snapshot_in_progress"), 0);
    long long index = info_at(&solo, "raft_snapshot_index");
    long long term = info_at(&solo, "raft_snapshot_term");
    long long size = info_at(&solo, "raft_snapshot_bytes");
    cr_expect_geq(index, applied);
    cr_expect_geq(term, 1);
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/snapshots/%lld-%lld.snap", solo.dir, index, term);
    cr_expect_eq(stat(path, &st), 0, "no snapshot file %s", path);
    cr_expect_eq(st.st_size, size, "raft_snapshot_bytes %lld, file %lld", size, (long long)st.st_size);
    cr_expect_gt(size, 3000 * 40, "the file holds the data");
    r = h_node_cmd(&solo, "LASTSAVE");
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_INTEGER);
    cr_expect_geq(r->integer, now - 1, "LASTSAVE %lld, BGSAVE at %lld (before: %lld)", r->integer, now,
                  last_before);
    freeReplyObject(r);
    /* It is a snapshot the node restarts from. */
    char digest[128];
    cr_assert(digest_of(&solo, digest, sizeof digest));
    h_node_kill9(&solo);
    cr_assert(h_node_start(&solo));
    cr_expect_geq(wait_info_at_least(&solo, "raft_last_applied_index", applied, 60000), applied);
    cr_expect_eq(info_at(&solo, "raft_snapshot_index"), index);
    char after[128];
    cr_expect(digest_of(&solo, after, sizeof after));
    cr_expect_str_eq(after, digest);
}

static void cmd_ok(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);
    cr_assert(r && r->type != REDIS_REPLY_ERROR, "%s: %s", cmd, r && r->str ? r->str : c->errstr);
    freeReplyObject(r);
}

static void expect_get(redisContext *c, const char *cmd, const char *want)
{
    redisReply *r = redisCommand(c, cmd);
    cr_assert(r && r->type == REDIS_REPLY_STRING, "%s: %s", cmd, r && r->str ? r->str : "no string");
    cr_expect_str_eq(r->str, want, "%s", cmd);
    freeReplyObject(r);
}

Test(snapshot, the_swapdb_map_survives_a_snapshot_install_and_a_restart)
{
    int leader = start_cluster("--snapshot-threshold 300 --snapshot-trailing-entries 20");
    redisContext *c = h_connect(&cl.nodes[leader]);
    cr_assert(c && !c->err);
    const char *const setup[] = {"SET a in0", "SELECT 1", "SET a in1", "SET b only1", "SWAPDB 0 1", "SELECT 0"};
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
        cmd_ok(c, setup[i]);
    redisFree(c);
    long long swap_at = info_at(&cl.nodes[leader], "raft_last_applied_index");
    load_spec filler = {"f", 0, 1500, 16};
    assert_load(&cl.nodes[leader], &filler, 120000);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    wait_compacted_past(&cl.nodes[leader], swap_at);
    long long applied = info_at(&cl.nodes[leader], "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 60000));

    /* A follower rebuilt from nothing: only the snapshot tells it the map
     * (the digest covers which db holds each key). */
    rebuild_by_snapshot(&cl.nodes[follower_of(leader, 1)]);

    /* Every node restarted: the map comes back from the store. */
    for (int i = 0; i < 3; i++)
        cr_expect_eq(h_node_stop(&cl.nodes[i], SIGTERM), 0);
    for (int i = 0; i < 3; i++)
        cr_assert(h_node_start(&cl.nodes[i]), "see %s", cl.nodes[i].dir);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    assert_converges(&cl, 120000);
    c = h_connect(&cl.nodes[leader]);
    cr_assert(c && !c->err);
    expect_get(c, "GET a", "in1");
    expect_get(c, "GET b", "only1");
    cmd_ok(c, "SELECT 1");
    expect_get(c, "GET a", "in0");
    redisFree(c);
}
