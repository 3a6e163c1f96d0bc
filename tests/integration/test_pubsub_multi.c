/* SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs inside MULTI and from scripts: the same commands against redis-server 7.0 and a sandstore node, every reply compared. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "integration/harness.h"

static h_node redis, node;

static void teardown(void)
{
    h_node_cleanup(&node);
    h_node_cleanup(&redis);
}

TestSuite(pubsub_multi, .fini = teardown, .timeout = 300);

static void show(char *buf, size_t size, const redisReply *r)
{
    size_t used = strlen(buf);
    if (!r) {
        snprintf(buf + used, size - used, "(no reply)");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_ARRAY:
        snprintf(buf + used, size - used, "[");
        for (size_t i = 0; i < r->elements; i++)
            show(buf, size, r->element[i]), used = strlen(buf), snprintf(buf + used, size - used, " ");
        used = strlen(buf);
        snprintf(buf + used, size - used, "]");
        return;
    case REDIS_REPLY_NIL: snprintf(buf + used, size - used, "nil"); return;
    case REDIS_REPLY_INTEGER: snprintf(buf + used, size - used, ":%lld", r->integer); return;
    case REDIS_REPLY_ERROR: snprintf(buf + used, size - used, "-%s", r->str); return;
    case REDIS_REPLY_STATUS: snprintf(buf + used, size - used, "+%s", r->str); return;
    default: snprintf(buf + used, size - used, "\"%s\"", r->str); return;
    }
}

/* Runs the commands (one string per argument vector, words split on
 * spaces; "EVAL" lines keep the script whole) on a fresh connection. */
static void session(const h_node *n, const char *const *cmds, char *out, size_t size)
{
    redisContext *c = h_connect(n);
    cr_assert(c && !c->err);
    out[0] = '\0';
    for (size_t i = 0; cmds[i]; i++) {
        redisReply *r;
        if (!strncmp(cmds[i], "EVAL ", 5))
            r = redisCommand(c, "EVAL %s 0", cmds[i] + 5);
        else
            r = redisCommand(c, cmds[i]);
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s -> ", cmds[i]);
        show(out, size, r);
        used = strlen(out);
        snprintf(out + used, size - used, "\n");
        if (r)
            freeReplyObject(r);
    }
    redisFree(c);
}

static void same_as_redis(const char *const *cmds)
{
    static char want[16384], got[16384];
    session(&redis, cmds, want, sizeof want);
    session(&node, cmds, got, sizeof got);
    cr_expect_str_eq(got, want);
}

static void start(void)
{
    cr_assert(h_redis_start(&redis), "redis-server did not start");
    h_node_init(&node, 1, NULL);
    cr_assert(h_node_start(&node), "sandstore did not start");
}

Test(pubsub_multi, exec_runs_queued_subscriptions_as_redis_does)
{
    start();
    const char *all[] = {"MULTI", "SUBSCRIBE a", "PSUBSCRIBE p*", "SSUBSCRIBE s", "UNSUBSCRIBE a",
                         "PUNSUBSCRIBE", "SUNSUBSCRIBE", "EXEC", "PING", NULL};
    same_as_redis(all);
    /* after EXEC the connection is subscribed: RESP2's subscribed mode */
    const char *mode[] = {"MULTI", "SUBSCRIBE a", "EXEC", "PUBLISH a x", "PING", "UNSUBSCRIBE", "PING", NULL};
    same_as_redis(mode);
    const char *discard[] = {"MULTI", "SUBSCRIBE a", "DISCARD", "PING", NULL};
    same_as_redis(discard);
}

Test(pubsub_multi, scripts_may_not_subscribe_as_in_redis)
{
    start();
    const char *calls[] = {
        "EVAL return redis.call('subscribe', 'a')",      "EVAL return redis.pcall('subscribe', 'a')",
        "EVAL return redis.call('psubscribe', 'a')",     "EVAL return redis.pcall('psubscribe', 'a')",
        "EVAL return redis.call('ssubscribe', 'a')",     "EVAL return redis.pcall('ssubscribe', 'a')",
        "EVAL return redis.call('unsubscribe', 'a')",    "EVAL return redis.pcall('unsubscribe')",
        "EVAL return redis.call('punsubscribe', 'a')",   "EVAL return redis.pcall('punsubscribe')",
        "EVAL return redis.call('sunsubscribe', 'a')",   "EVAL return redis.pcall('sunsubscribe')",
        "EVAL return redis.call('publish', 'a', 'b')",   NULL};
    same_as_redis(calls);
}
