/* LATENCY and latency-monitor-threshold against redis-server 7.0 side by side: the replies that do not depend on timing byte for byte, the recorded events by shape. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "integration/harness.h"

static h_node ss, redis;
static redisContext *cs, *cr;

static void setup(void)
{
    h_node_init(&ss, 1, NULL);
    cr_assert(h_node_start(&ss));
    h_node_init(&redis, 2, NULL);
    cr_assert(h_redis_start(&redis));
    cs = h_connect(&ss);
    cr = h_connect(&redis);
}

static void teardown(void)
{
    if (cs)
        redisFree(cs);
    if (cr)
        redisFree(cr);
    h_node_stop(&ss, 15);
    h_node_cleanup(&ss);
    h_node_stop(&redis, 15);
    h_node_cleanup(&redis);
}
TestSuite(latency, .init = setup, .fini = teardown, .timeout = 300);

/* The same command on both, replies equal. */
static void same(const char *cmd)
{
    redisReply *a = h_cmd(cs, cmd), *b = h_cmd(cr, cmd);
    char where[256] = "";
    cr_assert(h_reply_same(a, b, where, sizeof where), "%s: %s", cmd, where);
    freeReplyObject(a);
    freeReplyObject(b);
}

Test(latency, without_a_threshold_nothing_is_recorded_and_replies_are_redis_s)
{
    same("LATENCY LATEST");
    same("LATENCY HISTORY command");
    same("LATENCY RESET");
    same("LATENCY RESET command nosuch");
    same("LATENCY DOCTOR");
    same("LATENCY GRAPH command");
    same("LATENCY HISTOGRAM nosuch");
    same("LATENCY HISTORY");
    same("LATENCY GRAPH");
    same("LATENCY NOSUCH");
    same("CONFIG GET latency-monitor-threshold");
    same("CONFIG SET latency-monitor-threshold 5");
    same("CONFIG GET latency-monitor-threshold");
    /* Enabled, nothing slow yet. */
    same("LATENCY DOCTOR");
    same("LATENCY LATEST");
}

/* A command slower than 1 ms on any machine: a Lua loop of 1M steps (within
 * script-max-instructions). */
static const char slow_script[] = "for i=1,1000000 do end return 1";

Test(latency, a_slow_command_becomes_a_command_event)
{
    redisReply *r = h_cmd(cs, "CONFIG SET latency-monitor-threshold 1");
    freeReplyObject(r);
    long long before = (long long)time(NULL);
    r = h_cmd(cs, "EVAL %s 0", slow_script);
    cr_assert_eq(r->type, REDIS_REPLY_INTEGER, "%s", r->type == REDIS_REPLY_ERROR ? r->str : "");
    freeReplyObject(r);

    r = h_cmd(cs, "LATENCY LATEST");
    cr_assert_eq(r->type, REDIS_REPLY_ARRAY);
    const redisReply *cmd = NULL;
    for (size_t i = 0; i < r->elements; i++) {
        cr_assert_eq(r->element[i]->elements, 4);
        if (!strcmp(r->element[i]->element[0]->str, "command"))
            cmd = r->element[i];
    }
    cr_assert_not_null(cmd, "no command event in LATENCY LATEST");
    cr_assert_geq(cmd->element[1]->integer, before);
    cr_assert_geq(cmd->element[2]->integer, 1);
    cr_assert_geq(cmd->element[3]->integer, cmd->element[2]->integer);
    long long latency = cmd->element[2]->integer;
    freeReplyObject(r);

    r = h_cmd(cs, "LATENCY HISTORY command");
    cr_assert_eq(r->type, REDIS_REPLY_ARRAY);
    cr_assert_geq(r->elements, 1);
    cr_assert_eq(r->element[r->elements - 1]->element[1]->integer, latency);
    freeReplyObject(r);

    r = h_cmd(cs, "LATENCY GRAPH command");
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    char head[128];
    snprintf(head, sizeof head, "command - high %lld ms, low ", latency);
    cr_assert(!strncmp(r->str, head, strlen(head)), "%s", r->str);
    const char *dashes = strchr(r->str, '\n') + 1;
    cr_assert_eq(strspn(dashes, "-"), 80);
    cr_assert(strstr(r->str, "\n_"), "%s", r->str); /* one sample: the lowest mark, then its label */
    freeReplyObject(r);

    r = h_cmd(cs, "LATENCY DOCTOR");
    cr_assert(strstr(r->str, "Dave, I have observed latency spikes"), "%s", r->str);
    cr_assert(strstr(r->str, ". command: "), "%s", r->str);
    cr_assert(strstr(r->str, "- Check your Slow Log"), "%s", r->str);
    freeReplyObject(r);

    r = h_cmd(cs, "LATENCY RESET command nosuch");
    cr_assert_eq(r->integer, 1);
    freeReplyObject(r);
    r = h_cmd(cs, "LATENCY HISTORY command");
    cr_assert_eq(r->elements, 0);
    freeReplyObject(r);
    /* Below the threshold: nothing recorded. */
    freeReplyObject(h_cmd(cs, "CONFIG SET latency-monitor-threshold 100000"));
    freeReplyObject(h_cmd(cs, "PING"));
    r = h_cmd(cs, "LATENCY HISTORY fast-command");
    cr_assert_eq(r->elements, 0);
    freeReplyObject(r);
}

/* Two-level reply: name -> [calls, n, histogram_usec, [bucket, cumulative...]]. */
static void check_histogram(const redisReply *r, const char *name, long long calls)
{
    cr_assert_eq(r->type, REDIS_REPLY_ARRAY);
    const redisReply *h = NULL;
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (!strcmp(r->element[i]->str, name))
            h = r->element[i + 1];
    cr_assert_not_null(h, "no %s in LATENCY HISTOGRAM", name);
    cr_assert_eq(h->elements, 4);
    cr_assert_str_eq(h->element[0]->str, "calls");
    cr_assert_eq(h->element[1]->integer, calls);
    cr_assert_str_eq(h->element[2]->str, "histogram_usec");
    const redisReply *b = h->element[3];
    cr_assert_geq(b->elements, 2);
    long long prev_bound = 0, prev_count = 0;
    for (size_t i = 0; i + 1 < b->elements; i += 2) {
        long long bound = b->element[i]->integer, count = b->element[i + 1]->integer;
        cr_assert_gt(bound, prev_bound);
        /* Redis's keys: hdr's highest value equal to 1024 * 2^k ns, in µs. */
        bool redis_key = false;
        for (int k = 0; k < 40 && !redis_key; k++) {
            long long ns = 1024LL << k;
            redis_key = bound == (ns + ns / 128 - 1) / 1000;
        }
        cr_assert(redis_key, "bucket %lld is not one of Redis's", bound);
        cr_assert_gt(count, prev_count, "cumulative counts grow at each bucket shown");
        prev_bound = bound;
        prev_count = count;
    }
    cr_assert_eq(prev_count, calls);
}

Test(latency, histogram_counts_each_call_as_redis_does)
{
    for (int i = 0; i < 7; i++) {
        freeReplyObject(h_cmd(cs, "SET k%d v", i));
        freeReplyObject(h_cmd(cr, "SET k%d v", i));
    }
    freeReplyObject(h_cmd(cs, "CONFIG GET port"));
    freeReplyObject(h_cmd(cr, "CONFIG GET port"));
    redisReply *a = h_cmd(cs, "LATENCY HISTOGRAM set config nosuch");
    redisReply *b = h_cmd(cr, "LATENCY HISTOGRAM set config nosuch");
    cr_assert_eq(a->elements, b->elements); /* set and config|get, nosuch skipped */
    check_histogram(a, "set", 7);
    check_histogram(b, "set", 7);
    check_histogram(a, "config|get", 1);
    check_histogram(b, "config|get", 1);
    freeReplyObject(a);
    freeReplyObject(b);
    /* CONFIG RESETSTAT empties them, as Redis. */
    freeReplyObject(h_cmd(cs, "CONFIG RESETSTAT"));
    freeReplyObject(h_cmd(cr, "CONFIG RESETSTAT"));
    same("LATENCY HISTOGRAM set");
}
