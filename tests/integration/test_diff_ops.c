/* Operator commands against redis-server 7.0: SELECT inside MULTI, WAIT, every reply compared. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "integration/diff_harness.h"
#include "integration/harness.h"

static void same(dh_run *r, const char *line) { cr_expect(dh_cmd(r, DH_EXACT, line), "%s", line); }

/* Sends lines to both sides in one pipeline (each reply read only after all
 * were sent) and compares the replies one by one. */
static void same_pipelined(dh_run *r, redisContext *sc, const char *const *lines, size_t n)
{
    redisContext *rc = dh_redis(r);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(redisAppendCommand(rc, lines[i]), REDIS_OK);
        cr_assert_eq(redisAppendCommand(sc, lines[i]), REDIS_OK);
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *want = NULL, *got = NULL;
        cr_assert_eq(redisGetReply(rc, (void **)&want), REDIS_OK);
        cr_assert_eq(redisGetReply(sc, (void **)&got), REDIS_OK);
        char where[512] = "";
        cr_expect(h_reply_same(want, got, where, sizeof where), "pipelined %s: %s", lines[i], where);
        freeReplyObject(want);
        freeReplyObject(got);
    }
}

/* Redis 7.0 queues SELECT in a transaction: the commands after it run in
 * its db, a bad index fails only that SELECT, and the connection is in the
 * last good SELECT's db after EXEC (not after an EXEC a WATCH aborted). */
Test(diff_ops, select_inside_multi)
{
    dh_run *r = dh_start(NULL);
    int node = (int)dh_below(r, 3);
    dh_pin(r, node);
    const char *const lines[] = {
        "MULTI", "SELECT 3", "SET a 1", "SELECT 99", "SELECT x", "SELECT -1", "GET a", "EXEC",
        "GET a", "SELECT 0", "GET a", "EXISTS a",
        /* a read-only transaction moves the connection too */
        "SELECT 3", "MULTI", "SELECT 0", "GET a", "SELECT 3", "GET a", "SELECT 5", "EXEC", "GET a", "DBSIZE",
        /* a WATCH that aborts the EXEC: the db stays */
        "SELECT 0", "SET w 1", "WATCH w", "SET w 2", "MULTI", "SELECT 7", "SET b 1", "EXEC", "GET w",
        "EXISTS b", "SELECT 7", "EXISTS b",
        /* a WATCH that holds: the db moves */
        "SELECT 0", "WATCH w", "MULTI", "SELECT 8", "SET c 1", "EXEC", "GET c", "SELECT 0", "GET c",
        /* a transaction that fails while queueing changes nothing */
        "MULTI", "SELECT 9", "SET", "EXEC", "DBSIZE", "SELECT 9", "DBSIZE",
        /* DISCARD neither */
        "SELECT 0", "MULTI", "SELECT 9", "DISCARD", "GET w",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        same(r, lines[i]);

    /* What is pipelined behind the EXEC runs in the db it selected, with and
     * without a WATCH (the watched one waits for the EXEC's outcome). */
    redisContext *sc = dh_sandstore(r, node);
    const char *const p1[] = {"SELECT 0", "MULTI", "SELECT 10", "SET p 1", "EXEC", "GET p", "SET q 2",
                              "SELECT 0", "GET q"};
    same_pipelined(r, sc, p1, sizeof p1 / sizeof p1[0]);
    const char *const p2[] = {"SELECT 0", "WATCH w", "MULTI", "SELECT 11", "INCR p", "EXEC", "GET p", "SELECT 11",
                              "GET p"};
    same_pipelined(r, sc, p2, sizeof p2 / sizeof p2[0]);
    const char *const p3[] = {"SELECT 0", "WATCH w", "SET w 9", "MULTI", "SELECT 12", "INCR p", "EXEC", "GET p",
                              "GET w"};
    same_pipelined(r, sc, p3, sizeof p3 / sizeof p3[0]);
    /* every node applied the SELECTs alike */
    dh_expect_nodes_equal(r);
    dh_stop(r);
}

/* ------------------------------------------------------------ WAIT */

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster wc;
static bool wc_up;

static void wait_fini(void)
{
    if (wc_up) {
        for (int i = 0; i < wc.n; i++)
            if (wc.nodes[i].pid > 0)
                kill(wc.nodes[i].pid, SIGCONT);
        hc_cleanup(&wc);
    }
}

static long long int_reply(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER, "%s: %s", cmd, r && r->str ? r->str : "no integer");
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

/* A write through c, again while the cluster settles (TRYAGAIN...). */
static void write_ok(redisContext *c, const char *cmd)
{
    for (int i = 0; i < 200; i++) {
        redisReply *r = redisCommand(c, cmd);
        cr_assert_not_null(r, "%s: no reply", cmd);
        bool ok = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (ok)
            return;
        usleep(50 * 1000);
    }
    cr_assert_fail("%s never succeeded", cmd);
}

/* WAIT counts the other members whose log holds the connection's last
 * write: both followers, then (one stopped) only the other one once the
 * timeout passes; WAITAOF adds this node's durable log. */
Test(diff_ops, wait_counts_members_holding_the_last_write, .fini = wait_fini, .timeout = 600)
{
    hc_init(&wc, 3, "--election-timeout 3000 --heartbeat-interval 100");
    hc_start_all(&wc);
    wc_up = true;
    int leader = hc_wait_leader(&wc, 30000);
    cr_assert_geq(leader, 0);
    redisContext *c = h_connect(&wc.nodes[leader]);
    cr_assert(c && !c->err);
    write_ok(c, "SET wk 1");
    cr_expect_eq(int_reply(c, "WAIT 2 0"), 2, "both followers hold the write");
    long long now = int_reply(c, "WAIT 0 0"); /* at once, whatever the count */
    cr_expect(now >= 0 && now <= 2);
    redisReply *r = redisCommand(c, "WAITAOF 1 2 0");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    cr_expect_eq(r->element[0]->integer, 1, "the leader's log is durable past the write");
    cr_expect_eq(r->element[1]->integer, 2);
    freeReplyObject(r);

    /* one follower stopped: a new write reaches only the other one */
    int stopped = (leader + 1) % 3, other = (leader + 2) % 3;
    cr_assert_eq(kill(wc.nodes[stopped].pid, SIGSTOP), 0);
    write_ok(c, "SET wk 2");
    cr_expect_eq(int_reply(c, "WAIT 2 500"), 1, "only the running follower holds it");
    cr_expect_eq(int_reply(c, "WAIT 1 0"), 1);
    r = redisCommand(c, "WAITAOF 0 2 300");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    cr_expect_eq(r->element[1]->integer, 1);
    freeReplyObject(r);

    /* CLIENT UNBLOCK ends a WAIT with no timeout: its count, or the error */
    long long id = int_reply(c, "CLIENT ID");
    redisContext *u = h_connect(&wc.nodes[leader]);
    cr_assert(u && !u->err);
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(redisAppendCommand(c, "WAIT 2 0"), REDIS_OK);
        int done = 0;
        cr_assert_eq(redisBufferWrite(c, &done), REDIS_OK);
        long long n = 0;
        for (int tries = 0; tries < 400 && n == 0; tries++) { /* until the WAIT is parked */
            usleep(10 * 1000);
            char cmd[64];
            snprintf(cmd, sizeof cmd, "CLIENT UNBLOCK %lld%s", id, k ? " ERROR" : "");
            n = int_reply(u, cmd);
        }
        cr_assert_eq(n, 1, "the WAIT was never parked");
        redisReply *w = NULL;
        cr_assert_eq(redisGetReply(c, (void **)&w), REDIS_OK);
        if (k == 0) {
            cr_expect(w->type == REDIS_REPLY_INTEGER && w->integer == 1, "unblocked: its count");
        } else {
            cr_expect(w->type == REDIS_REPLY_ERROR, "unblocked with ERROR");
            if (w->type == REDIS_REPLY_ERROR)
                cr_expect_str_eq(w->str, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
        }
        freeReplyObject(w);
    }
    redisFree(u);

    /* a follower counts what the commit proves: one other member of three */
    redisContext *f = h_connect(&wc.nodes[other]);
    cr_assert(f && !f->err);
    write_ok(f, "SET wf 1");
    cr_expect_eq(int_reply(f, "WAIT 1 0"), 1);
    cr_expect_eq(int_reply(f, "WAIT 2 300"), 1);
    redisFree(f);

    /* the stopped follower comes back and catches up */
    cr_assert_eq(kill(wc.nodes[stopped].pid, SIGCONT), 0);
    cr_expect_eq(int_reply(c, "WAIT 2 0"), 2, "the follower caught up");
    redisFree(c);
}

/* WAIT's errors as redis-server 7.0 words them; WAITAOF's as Redis 7.2's. */
Test(diff_ops, wait_errors_match_redis)
{
    dh_run *r = dh_start(NULL);
    dh_pin(r, 0);
    const char *const lines[] = {"WAIT x 0", "WAIT 0 -1", "WAIT 0 x", "WAIT 0 99999999999999999999",
                                 "WAIT 0", "WAIT 0 0 0"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        same(r, lines[i]);
    redisContext *sc = dh_sandstore(r, 0);
    static const struct {
        const char *cmd, *err;
    } aof[] = {
        {"WAITAOF -1 0 0", "ERR value is out of range, must be positive"},
        {"WAITAOF 0 x 0", "ERR value is not an integer or out of range"},
        {"WAITAOF 0 0 -1", "ERR timeout is negative"},
        {"WAITAOF 0 0", "ERR wrong number of arguments for 'waitaof' command"},
    };
    for (size_t i = 0; i < sizeof aof / sizeof aof[0]; i++) {
        redisReply *e = redisCommand(sc, aof[i].cmd);
        cr_assert(e && e->type == REDIS_REPLY_ERROR, "%s", aof[i].cmd);
        cr_expect_str_eq(e->str, aof[i].err, "%s", aof[i].cmd);
        freeReplyObject(e);
    }
    dh_stop(r);
}

/* An integer reply of EXEC's array at i, checked within [lo, hi]. */
static void expect_exec_int(redisReply *x, size_t i, long long lo, long long hi, const char *what)
{
    cr_assert(x && x->type == REDIS_REPLY_ARRAY && x->elements > i, "%s: EXEC answered no array", what);
    redisReply *e = x->element[i];
    cr_assert_eq(e->type, REDIS_REPLY_INTEGER, "%s: %s", what, e->str ? e->str : "not an integer");
    cr_expect(e->integer >= lo && e->integer <= hi, "%s: %lld not in [%lld, %lld]", what, e->integer, lo, hi);
}

/* Redis 7.0 answers WAIT queued in MULTI at once inside EXEC (a client that
 * may not block) with the count it has then; sandstore too, counting the
 * members holding the EXEC's own entry. Main's binary refused WAIT while
 * queueing (EXECABORT). */
Test(diff_ops, wait_inside_multi_answers_at_once, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    dh_pin(r, (int)dh_below(r, 3));
    /* the errors, in EXEC's array, as Redis words them (the counts differ:
     * redis-server has no replica) */
    const char *const lines[] = {"MULTI", "WAIT x 0", "WAIT 0 -1", "WAIT 0 x", "SET k v", "EXEC", "GET k"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        same(r, lines[i]);
    /* through each node: the entry is committed when applied, so the leader
     * counts at least one other member (a majority of 3 holds it) and a
     * follower answers what the commit proves (1); never more than 2; a
     * WAIT that cannot be met does not wait (timeout 0 would be forever) */
    for (int n = 0; n < 3; n++) {
        redisContext *c = dh_sandstore(r, n);
        const char *const q[] = {"MULTI", "SET k w", "WAIT 2 0", "WAITAOF 1 5 0", "WAIT 9 0"};
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
            redisReply *x = redisCommand(c, q[i]);
            cr_assert(x && x->type == REDIS_REPLY_STATUS, "%s: %s", q[i], x && x->str ? x->str : "?");
            freeReplyObject(x);
        }
        redisReply *x = redisCommand(c, "EXEC");
        if (x && x->type == REDIS_REPLY_ERROR && strstr(x->str, "MOVED")) { /* follower-mode redirect */
            freeReplyObject(x);
            continue;
        }
        expect_exec_int(x, 1, 1, 2, "WAIT 2 0");
        cr_assert(x->element[2]->type == REDIS_REPLY_ARRAY && x->element[2]->elements == 2, "WAITAOF: [local, n]");
        cr_expect(x->element[2]->element[0]->integer == 0 || x->element[2]->element[0]->integer == 1);
        cr_expect(x->element[2]->element[1]->integer >= 1 && x->element[2]->element[1]->integer <= 2);
        expect_exec_int(x, 3, 1, 2, "WAIT 9 0");
        freeReplyObject(x);
    }
    dh_expect_nodes_equal(r);
    dh_stop(r);
}

/* ------------------------------------------------------------ CONFIG REWRITE */

#include <fcntl.h>
#include <sys/prctl.h>

static h_node cn;
static bool cn_up;

static void conf_fini(void)
{
    if (cn_up) {
        h_node_stop(&cn, SIGTERM);
        h_node_cleanup(&cn);
    }
}

/* Starts cn as `sandstore <conf>`: the config file is its first argument. */
static void spawn_with_conf(const char *conf)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test, as the harness's nodes */
        if (getppid() != parent)
            _exit(127);
        char errlog[512];
        snprintf(errlog, sizeof errlog, "%s/stderr.log", cn.dir);
        int err = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (err >= 0) {
            dup2(err, 1);
            dup2(err, 2);
        }
        setpgid(0, 0);
        execl(h_binary(), h_binary(), conf, (char *)NULL);
        _exit(127);
    }
    cn.pid = pid;
    cr_assert(h_node_wait_ready(&cn, 30000), "sandstore with %s did not answer", conf);
}

static char *conf_get(redisContext *c, const char *name)
{
    redisReply *r = redisCommand(c, "CONFIG GET %s", name);
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2, "CONFIG GET %s", name);
    char *v = strdup(r->element[1]->str);
    freeReplyObject(r);
    return v;
}

/* CONFIG SET, CONFIG REWRITE, a restart: the file keeps its comments and the
 * node comes back with the values set. */
Test(diff_ops, config_rewrite_survives_a_restart, .fini = conf_fini, .timeout = 300)
{
    h_node_init(&cn, 1, NULL);
    cn_up = true;
    char conf[512];
    snprintf(conf, sizeof conf, "%s/sandstore.conf", cn.dir);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fprintf(f, "# written by the test\nport %d\nraft-port %d\ndir %s\nnode-id 1\nlogfile %s/sandstore.log\n"
               "maxclients 500\n",
            cn.port, cn.raft_port, cn.dir, cn.dir);
    fclose(f);
    spawn_with_conf(conf);
    redisContext *c = h_connect(&cn);
    cr_assert(c && !c->err);
    redisReply *r = redisCommand(c, "CONFIG SET maxclients 123 slowlog-log-slower-than 7");
    cr_assert(r && r->type == REDIS_REPLY_STATUS, "%s", r && r->str ? r->str : "");
    freeReplyObject(r);
    r = redisCommand(c, "CONFIG REWRITE");
    cr_assert(r && r->type == REDIS_REPLY_STATUS, "CONFIG REWRITE: %s", r && r->str ? r->str : "");
    freeReplyObject(r);
    redisFree(c);

    char text[4096] = "";
    f = fopen(conf, "r");
    cr_assert_not_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    cr_expect(strstr(text, "# written by the test\n") == text, "the comment stays first:\n%s", text);
    cr_expect(strstr(text, "\nmaxclients 123\n") != NULL, "replaced in place:\n%s", text);
    cr_expect(strstr(text, "maxclients 500") == NULL, "%s", text);
    cr_expect(strstr(text, "# Generated by CONFIG REWRITE\n") != NULL, "%s", text);
    cr_expect(strstr(text, "\nslowlog-log-slower-than 7\n") != NULL, "appended:\n%s", text);

    cr_assert_eq(h_node_stop(&cn, SIGTERM), 0);
    spawn_with_conf(conf);
    c = h_connect(&cn);
    cr_assert(c && !c->err);
    char *v = conf_get(c, "maxclients");
    cr_expect_str_eq(v, "123");
    free(v);
    v = conf_get(c, "slowlog-log-slower-than");
    cr_expect_str_eq(v, "7");
    free(v);
    redisFree(c);
}

/* Without a config file: redis-server 7.0's error. */
Test(diff_ops, config_rewrite_without_a_file_matches_redis)
{
    dh_run *r = dh_start(NULL);
    same(r, "CONFIG REWRITE");
    dh_stop(r);
}
