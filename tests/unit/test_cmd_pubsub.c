/* Pub/sub on one node: subscriptions, the counts their replies carry, delivery in both protocols, PUBSUB, and the subscribed mode of a RESP2 connection. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "commands/command.h"
#include "commands/pubsub.h"
#include "unit/cmdtest.h"

/* What the node pushed, to whom: "<session id>:<RESP>" per message. */
static ss_buf pushed;
static ss_pubsub *ps;
static ss_node node;
static ss_session sess[3];
static ss_buf out;

static void record(void *arg, ss_session *s, const char *data, size_t len)
{
    (void)arg;
    ss_buf_appendf(&pushed, "%llu:", (unsigned long long)s->id);
    ss_buf_append(&pushed, data, len);
}

static void setup(void)
{
    ss_buf_init(&pushed, 0);
    ss_buf_init(&out, 0);
    ps = ss_pubsub_new(record, NULL);
    cr_assert(ps);
    node = (ss_node){.pubsub = ps};
    for (int i = 0; i < 3; i++)
        ss_session_init(&sess[i], (uint64_t)i + 1, true);
}

static void teardown(void)
{
    for (int i = 0; i < 3; i++)
        ss_pubsub_leave(ps, &sess[i]);
    ss_pubsub_free(ps);
    ss_buf_release(&pushed);
    ss_buf_release(&out);
}

TestSuite(pubsub, .init = setup, .fini = teardown);

/* Runs a local command line (space-separated words) for session i; the reply. */
static const char *run(int i, const char *line)
{
    char copy[256], *argv[16];
    size_t lens[16];
    int argc = 0;
    snprintf(copy, sizeof copy, "%s", line);
    for (char *w = strtok(copy, " "); w && argc < 16; w = strtok(NULL, " ")) {
        argv[argc] = w;
        lens[argc++] = strlen(w);
    }
    ss_args a = {argc, argv, lens};
    const ss_command *cmd = ss_command_find(&a, NULL);
    cr_assert(cmd && cmd->local, "%s is a local command", line);
    ss_buf_reset(&out);
    cmd->local(&node, &sess[i], &a, &out);
    ss_buf_append(&out, "", 1);
    out.len--;
    return ss_buf_data(&out);
}

static const char *take_pushed(void)
{
    static char copy[4096];
    snprintf(copy, sizeof copy, "%.*s", (int)ss_buf_len(&pushed), ss_buf_data(&pushed));
    ss_buf_reset(&pushed);
    return copy;
}

Test(pubsub, subscribe_replies_count_channels_and_patterns_but_shard_channels_apart)
{
    cr_expect_str_eq(run(0, "SUBSCRIBE a b a"),
                     "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
                     "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
    cr_expect_str_eq(run(0, "PSUBSCRIBE p*"), "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
    cr_expect_str_eq(run(0, "SSUBSCRIBE s"), "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
    cr_expect_eq(sess[0].subscribed, 4);
    cr_expect_str_eq(run(0, "UNSUBSCRIBE a zz"),
                     "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:2\r\n");
    cr_expect_str_eq(run(0, "SUNSUBSCRIBE"), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n");
    cr_expect_str_eq(run(0, "PUNSUBSCRIBE"), "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:1\r\n");
    cr_expect_str_eq(run(0, "UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n");
    cr_expect_str_eq(run(0, "UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", "nothing left: a null");
    cr_expect_eq(sess[0].subscribed, 0);
    cr_expect_not(ss_pubsub_any(ps), "the last subscriber takes the name with it");
}

Test(pubsub, a_resp3_connection_gets_pushes)
{
    sess[1].proto = RESP3;
    cr_expect_str_eq(run(1, "SUBSCRIBE a"), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    cr_expect_str_eq(run(1, "UNSUBSCRIBE"), ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
    cr_expect_str_eq(run(1, "UNSUBSCRIBE"), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
}

Test(pubsub, a_message_reaches_each_matching_subscription_once_in_its_protocol)
{
    run(0, "SUBSCRIBE news");
    sess[1].proto = RESP3;
    run(1, "PSUBSCRIBE n*");
    run(2, "SUBSCRIBE other");
    ss_buf_reset(&pushed);
    cr_expect_eq(ss_pubsub_receivers(ps, "news", 4, false), 2);
    cr_expect_eq(ss_pubsub_publish(ps, "news", 4, "hi", 2, false), 2);
    cr_expect_str_eq(take_pushed(), "1:*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                                    "2:>4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    cr_expect_eq(ss_pubsub_publish(ps, "nobody", 6, "x", 1, true), 0, "a shard message skips the others");
    cr_expect_str_eq(take_pushed(), "");
    run(2, "SSUBSCRIBE news");
    ss_buf_reset(&pushed);
    cr_expect_eq(ss_pubsub_publish(ps, "news", 4, "s", 1, true), 1);
    cr_expect_str_eq(take_pushed(), "3:*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$1\r\ns\r\n");
    ss_pubsub_leave(ps, &sess[0]);
    cr_expect_eq(ss_pubsub_publish(ps, "news", 4, "hi", 2, false), 1, "a connection that left hears nothing");
}

Test(pubsub, pubsub_lists_and_counts_this_nodes_subscriptions)
{
    run(0, "SUBSCRIBE a b");
    run(1, "SUBSCRIBE b");
    run(1, "PSUBSCRIBE x* y*");
    run(2, "PSUBSCRIBE x*");
    run(2, "SSUBSCRIBE s");
    cr_expect_str_eq(run(0, "PUBSUB NUMSUB a b c"), "*6\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n$1\r\nc\r\n:0\r\n");
    cr_expect_str_eq(run(0, "PUBSUB NUMPAT"), ":2\r\n", "unique patterns");
    cr_expect_str_eq(run(0, "PUBSUB CHANNELS a*"), "*1\r\n$1\r\na\r\n");
    cr_expect_str_eq(run(0, "PUBSUB SHARDCHANNELS"), "*1\r\n$1\r\ns\r\n");
    cr_expect_str_eq(run(0, "PUBSUB SHARDNUMSUB s a"), "*4\r\n$1\r\ns\r\n:1\r\n$1\r\na\r\n:0\r\n");
    cr_expect_str_eq(run(0, "PUBSUB CHANNELS a b"), "-ERR wrong number of arguments for 'pubsub|channels' command\r\n");
}

/* Through the engine's dispatch, as a connected client. */
Test(pubsub_dispatch, a_subscribed_resp2_connection_may_only_subscribe_ping_quit_and_reset)
{
    ct_setup();
    cr_expect_str_eq(ct_dispatch("SUBSCRIBE a"), "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    cr_expect_str_eq(ct_dispatch("CONFIG GET port"),
                     "-ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                     "RESET are allowed in this context\r\n");
    cr_expect_str_eq(ct_dispatch("PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    cr_expect_str_eq(ct_dispatch("PING x"), "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
    cr_expect_str_eq(ct_dispatch("RESET"), "+RESET\r\n");
    cr_expect_str_eq(ct_dispatch("PING"), "+PONG\r\n", "RESET left every channel");
    ct_dispatch_resp3(true);
    ct_dispatch("SUBSCRIBE a");
    cr_expect_str_eq(ct_dispatch("PING"), "+PONG\r\n", "RESP3 has no subscribed mode");
    cr_expect_str_eq(ct_dispatch("MULTI"), "+OK\r\n");
    cr_expect_str_eq(ct_dispatch("SUBSCRIBE b"), "+QUEUED\r\n");
    ct_dispatch("DISCARD");
    ct_teardown();
}

/* Redis 7.0 queues the (un)subscribe commands and EXEC runs them; under
 * RESP3 a subscribe's confirmation is a push inside EXEC's array, and
 * SSUBSCRIBE is refused as for a client that may not block (these are
 * redis-server 7.0.15's bytes; test_pubsub_multi compares RESP2 live). */
Test(pubsub_dispatch, exec_runs_queued_subscriptions_as_redis_does)
{
    ct_setup();
    ct_dispatch_resp3(true);
    cr_expect_str_eq(ct_dispatch("MULTI"), "+OK\r\n");
    cr_expect_str_eq(ct_dispatch("SUBSCRIBE a"), "+QUEUED\r\n");
    cr_expect_str_eq(ct_dispatch("SSUBSCRIBE s"), "+QUEUED\r\n");
    cr_expect_str_eq(ct_dispatch("EXEC"), "*2\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
                                          "-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n");
    cr_expect_str_eq(ct_dispatch("PING"), "+PONG\r\n");
    /* with another command: refused whole, nothing subscribed (README) */
    ct_dispatch("MULTI");
    ct_dispatch("UNSUBSCRIBE");
    ct_dispatch("PSUBSCRIBE p*");
    ct_dispatch("SET k v");
    cr_expect(strncmp(ct_dispatch("EXEC"), "-ERR sandstore runs (P|S)SUBSCRIBE", 34) == 0);
    cr_expect_eq(ct_session()->subscribed, 1, "only the first EXEC's channel");
    ct_teardown();
}

/* PUBLISH is an apply half: without a node listening, nobody receives it. */
Test(pubsub_dispatch, publish_applies_and_answers_the_receivers)
{
    ct_setup();
    cr_expect_str_eq(ct_run("PUBLISH ch m"), ":0\r\n");
    cr_expect_str_eq(ct_exec("PUBLISH ch m", "SET k v", NULL), "*2\r\n:0\r\n+OK\r\n");
    ct_teardown();
}
