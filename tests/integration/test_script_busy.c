/* A long read-only script (EVAL_RO, FCALL_RO) past busy-reply-threshold: other clients get Redis's BUSY, SCRIPT KILL / FUNCTION KILL stop it with Redis's replies, compared side by side with redis-server 7.0, and the node running it stays the Raft leader (its loop keeps heartbeating and applying). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;
static h_node redis;

static void teardown(void)
{
    hc_cleanup(&cl);
    h_node_cleanup(&redis);
}

TestSuite(script_busy, .fini = teardown, .timeout = 600);

#define SPIN "local i = 0 while true do i = i + 1 end"
#define LIB "#!lua name=spinlib\nredis.register_function{function_name='spin', callback=function() " SPIN \
            " end, flags={'no-writes'}}"

/* What a script's run showed, as text: each reply on one line. */
typedef struct transcript {
    char lines[16][256];
    int n;
} transcript;

static void note(transcript *t, const char *label, const redisReply *r)
{
    cr_assert(t->n < 16);
    if (r == NULL)
        snprintf(t->lines[t->n++], 256, "%s -> (no reply)", label);
    else if (r->type == REDIS_REPLY_ERROR)
        snprintf(t->lines[t->n++], 256, "%s -> -%s", label, r->str);
    else if (r->type == REDIS_REPLY_STATUS)
        snprintf(t->lines[t->n++], 256, "%s -> +%s", label, r->str);
    else if (r->type == REDIS_REPLY_STRING)
        snprintf(t->lines[t->n++], 256, "%s -> \"%s\"", label, r->str);
    else if (r->type == REDIS_REPLY_INTEGER)
        snprintf(t->lines[t->n++], 256, "%s -> :%lld", label, r->integer);
    else
        snprintf(t->lines[t->n++], 256, "%s -> (type %d)", label, r->type);
}

static void step(redisContext *c, transcript *t, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);
    note(t, cmd, r);
    if (r)
        freeReplyObject(r);
}

/* Sends a command without waiting for its reply. */
static void send_only(redisContext *c, const char *fmt, const char *arg)
{
    cr_assert_eq(redisAppendCommand(c, fmt, arg), REDIS_OK);
    int done = 0;
    while (!done)
        cr_assert_eq(redisBufferWrite(c, &done), REDIS_OK);
}

/* PING until the node answers BUSY (the script is past the threshold): the
 * BUSY reply's text. */
static void wait_busy(redisContext *c, transcript *t)
{
    for (int i = 0; i < 400; i++) {
        redisReply *r = redisCommand(c, "PING");
        cr_assert(r, "no reply to PING");
        if (r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "BUSY", 4)) {
            note(t, "PING", r);
            freeReplyObject(r);
            return;
        }
        freeReplyObject(r);
        usleep(20 * 1000);
    }
    cr_assert_fail("the node never answered BUSY while a read-only script ran");
}

/*
 * One scenario on one server: a client runs `call` (a never-ending read-only
 * script); another sees BUSY, tries what Redis allows and refuses, kills the
 * script with the wrong KILL and then the right one; the caller's error and
 * what follows are noted. during(arg) runs while the script is busy.
 */
static void scenario(const h_node *n, const char *call, const char *arg, bool is_eval, transcript *t,
                     void (*during)(void *), void *during_arg)
{
    redisContext *caller = h_connect(n);
    redisContext *other = h_connect(n);
    cr_assert(caller && other);
    send_only(caller, call, arg);
    wait_busy(other, t);
    step(other, t, "GET k");
    step(other, t, "MULTI");
    step(other, t, "GET k");
    step(other, t, "EXEC");
    step(other, t, "SHUTDOWN");
    step(other, t, is_eval ? "FUNCTION KILL" : "SCRIPT KILL");
    if (during)
        during(during_arg);
    step(other, t, is_eval ? "SCRIPT KILL" : "FUNCTION KILL");
    redisReply *r = NULL;
    cr_assert_eq(redisGetReply(caller, (void **)&r), REDIS_OK);
    note(t, "the script's caller", r);
    freeReplyObject(r);
    step(other, t, "SCRIPT KILL");
    step(other, t, "PING");
    step(caller, t, "PING");
    redisFree(caller);
    redisFree(other);
}

static void compare(const transcript *want, const transcript *got)
{
    cr_assert_eq(got->n, want->n);
    for (int i = 0; i < want->n; i++)
        cr_expect_str_eq(got->lines[i], want->lines[i]);
}

/* While the leader's script is busy: a write through a follower commits (the
 * leader's loop replicates and applies), and the followers still follow the
 * same leader in the same term after several election timeouts (300 ms). */
typedef struct leader_watch {
    int leader;
    long long term;
} leader_watch;

static void leader_keeps_going(void *arg)
{
    leader_watch *w = arg;
    int follower = (w->leader + 1) % cl.n;
    redisReply *r = h_node_cmd(&cl.nodes[follower], "SET during busy");
    cr_assert(r && r->type == REDIS_REPLY_STATUS, "a write through a follower failed while the leader ran a script: %s",
              r && r->type == REDIS_REPLY_ERROR ? r->str : "no reply");
    freeReplyObject(r);
    usleep(2000 * 1000); /* many election timeouts */
    for (int i = 0; i < cl.n; i++) {
        if (i == w->leader)
            continue;
        cr_expect_eq(hc_info_int(&cl, i, "raft_current_term"), w->term, "node %d saw a new term", i + 1);
        cr_expect_eq(hc_info_int(&cl, i, "raft_leader_id"), w->leader + 1, "node %d follows another leader", i + 1);
    }
}

static int start_both(void)
{
    const char *args[] = {"--busy-reply-threshold", "300", NULL};
    cr_assert(h_redis_start_args(&redis, args), "redis-server did not start");
    hc_init(&cl, 3, "--busy-reply-threshold 300");
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0, "no leader");
    return leader;
}

Test(script_busy, eval_ro_past_the_threshold_gets_busy_and_script_kill_as_redis_and_the_leader_stays)
{
    int leader = start_both();
    cr_assert(hc_set_retry(&cl, leader, "k", "v", 10000));
    redisReply *r = h_node_cmd(&redis, "SET k v");
    freeReplyObject(r);

    transcript want = {0}, got = {0};
    scenario(&redis, "EVAL_RO %s 0", SPIN, true, &want, NULL, NULL);
    leader_watch w = {leader, hc_info_int(&cl, leader, "raft_current_term")};
    scenario(&cl.nodes[leader], "EVAL_RO %s 0", SPIN, true, &got, leader_keeps_going, &w);
    compare(&want, &got);
    /* still the leader, in the same term, and the write made meanwhile is there */
    cr_expect_eq(hc_info_int(&cl, leader, "raft_current_term"), w.term);
    cr_expect_eq(hc_info_int(&cl, leader, "raft_leader_id"), leader + 1);
    r = h_node_cmd(&cl.nodes[leader], "GET during");
    cr_expect(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "busy"));
    freeReplyObject(r);
}

Test(script_busy, fcall_ro_past_the_threshold_answers_the_function_words_and_function_kill_stops_it)
{
    int leader = start_both();
    redisReply *r = h_node_cmd(&redis, "FUNCTION LOAD %s", LIB);
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    freeReplyObject(r);
    for (int i = 0; i < 100; i++) {
        r = h_node_cmd(&cl.nodes[leader], "FUNCTION LOAD %s", LIB);
        bool ok = r && r->type == REDIS_REPLY_STRING;
        freeReplyObject(r);
        if (ok)
            break;
        usleep(100 * 1000);
    }
    transcript want = {0}, got = {0};
    scenario(&redis, "FCALL_RO %s 0", "spin", false, &want, NULL, NULL);
    /* through a follower this time: its own reads wait, the cluster goes on */
    int follower = (leader + 1) % cl.n;
    scenario(&cl.nodes[follower], "FCALL_RO %s 0", "spin", false, &got, NULL, NULL);
    compare(&want, &got);
}

/* A script that ends by itself before anyone asks: nobody is answered BUSY,
 * the held commands run after it, and SCRIPT KILL finds nothing. */
Test(script_busy, a_read_only_script_that_ends_holds_others_only_while_it_runs)
{
    int leader = start_both();
    cr_assert(hc_set_retry(&cl, leader, "k", "v", 10000));
    redisContext *caller = h_connect(&cl.nodes[leader]);
    redisContext *other = h_connect(&cl.nodes[leader]);
    /* ~50 ms of Lua: below the threshold of 300 ms */
    send_only(caller, "EVAL_RO %s 0",
              "local n = 0 for i = 1, 3000000 do n = n + 1 end return redis.call('get', 'k') .. n");
    redisReply *r = h_cmd(other, "GET k");
    cr_expect(r->type == REDIS_REPLY_STRING && !strcmp(r->str, "v"));
    freeReplyObject(r);
    cr_assert_eq(redisGetReply(caller, (void **)&r), REDIS_OK);
    cr_expect(r->type == REDIS_REPLY_STRING && !strcmp(r->str, "v3000000"), "%s", r->str);
    freeReplyObject(r);
    r = h_cmd(other, "SCRIPT KILL");
    cr_expect_str_eq(r->str, "NOTBUSY No scripts in execution right now.");
    freeReplyObject(r);
    redisFree(caller);
    redisFree(other);
}
