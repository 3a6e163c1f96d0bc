/* Connections the node must not trust: failed AUTH attempts slowed down, vanished peers found by TCP keepalive. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/harness.h"

static h_node node;

static void stop_node(void) { h_node_cleanup(&node); }

TestSuite(guard, .fini = stop_node, .timeout = 240);

static redisContext *connect_when_up(void)
{
    /* With requirepass, PING needs AUTH: wait for the port instead. */
    long long deadline = h_now_ms() + 20000;
    while (h_now_ms() < deadline) {
        redisContext *c = h_connect(&node);
        if (c && !c->err)
            return c;
        if (c)
            redisFree(c);
        usleep(20 * 1000);
    }
    cr_assert_fail("sandstore did not come up; see %s/sandstore.log", node.dir);
    return NULL;
}

static void expect_reply(redisContext *c, int type, const char *want)
{
    redisReply *r = NULL;
    cr_assert_eq(redisGetReply(c, (void **)&r), REDIS_OK, "%s", c->errstr);
    cr_assert_eq(r->type, type, "%s", r->str ? r->str : "");
    cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
}

#define WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."

/*
 * Issue 18: failed AUTH attempts were answered at once, so a client could try
 * passwords as fast as it could pipeline them. The replies are now held,
 * 100 ms after the first failure and doubling, per connection and per
 * source address. The bounds below are lower bounds on a timer (it never
 * fires early), so a slow machine cannot make them fail.
 */
Test(guard, failed_auth_replies_are_slowed_per_connection_and_per_address)
{
    h_node_init(&node, 1, "--requirepass s3cret");
    cr_assert(h_node_spawn(&node));
    redisContext *c = connect_when_up();

    /* Three guesses pipelined on one connection: 100 + 200 + 400 ms. */
    long long t0 = h_now_ms();
    for (int i = 0; i < 3; i++)
        redisAppendCommand(c, "AUTH guess%d", i);
    for (int i = 0; i < 3; i++)
        expect_reply(c, REDIS_REPLY_ERROR, WRONGPASS);
    long long took = h_now_ms() - t0;
    cr_expect_geq(took, 700, "three failed AUTHs answered in %lld ms", took);

    /* A new connection from the same address does not start over: its
     * first failure is the address's fourth (800 ms). */
    redisContext *d = connect_when_up();
    t0 = h_now_ms();
    redisAppendCommand(d, "AUTH guess3");
    expect_reply(d, REDIS_REPLY_ERROR, WRONGPASS);
    took = h_now_ms() - t0;
    cr_expect_geq(took, 800, "the fourth failure from this address answered in %lld ms", took);

    /* The right password still works at once, on both. */
    redisAppendCommand(c, "AUTH s3cret");
    expect_reply(c, REDIS_REPLY_STATUS, "OK");
    redisAppendCommand(d, "AUTH s3cret");
    expect_reply(d, REDIS_REPLY_STATUS, "OK");
    redisAppendCommand(d, "PING");
    expect_reply(d, REDIS_REPLY_STATUS, "PONG");
    redisFree(c);
    redisFree(d);
}

/* While one connection's failed AUTH is held, the node serves the others. */
Test(guard, a_held_auth_reply_does_not_stop_other_clients)
{
    h_node_init(&node, 1, "--requirepass s3cret");
    cr_assert(h_node_spawn(&node));
    redisContext *guesser = connect_when_up(), *user = connect_when_up();
    for (int i = 0; i < 5; i++)
        redisAppendCommand(guesser, "AUTH guess%d", i);
    int done = 0;
    while (!done)
        cr_assert_eq(redisBufferWrite(guesser, &done), REDIS_OK);
    redisAppendCommand(user, "AUTH s3cret");
    expect_reply(user, REDIS_REPLY_STATUS, "OK");
    for (int i = 0; i < 20; i++) {
        redisAppendCommand(user, "PING");
        expect_reply(user, REDIS_REPLY_STATUS, "PONG");
    }
    for (int i = 0; i < 5; i++)
        expect_reply(guesser, REDIS_REPLY_ERROR, WRONGPASS);
    redisFree(guesser);
    redisFree(user);
}

static bool client_named(redisContext *c, const char *name)
{
    redisReply *r = h_cmd(c, "CLIENT LIST");
    char want[64];
    snprintf(want, sizeof want, " name=%s ", name);
    bool found = r->type == REDIS_REPLY_STRING && strstr(r->str, want) != NULL;
    freeReplyObject(r);
    return found;
}

/*
 * Issue 18: client sockets had no keepalive, so with timeout 0 a client whose
 * host vanished stayed forever. TCP_REPAIR lets the test drop its socket
 * without a FIN or RST, as a dead host would; the node's next keepalive probe
 * (tcp-keepalive 1: after a second of silence) meets no socket and the node
 * closes the connection.
 */
Test(guard, a_client_that_vanished_is_closed_by_keepalive)
{
    h_node_init(&node, 1, "--tcp-keepalive 1");
    cr_assert(h_node_start(&node));
    redisContext *admin = h_connect(&node);
    redisContext *ghost = h_connect(&node);
    freeReplyObject(h_cmd(ghost, "CLIENT SETNAME ghost"));
    cr_assert(client_named(admin, "ghost"));
    int on = 1;
    if (setsockopt(ghost->fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof on) != 0)
        cr_skip_test("TCP_REPAIR needs CAP_NET_ADMIN (root)");
    close(ghost->fd); /* in repair mode: nothing is sent */
    ghost->fd = -1;
    redisFree(ghost);

    long long deadline = h_now_ms() + 20000;
    while (h_now_ms() < deadline && client_named(admin, "ghost"))
        usleep(100 * 1000);
    cr_expect(!client_named(admin, "ghost"), "the vanished client is still listed");
    redisFree(admin);
}
