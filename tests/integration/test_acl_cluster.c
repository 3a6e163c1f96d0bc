/* ACL users as cluster state: a user made through a follower is enforced by every node at once, keeps its rules across a kill -9 of every node, and redis-cli logs in as it through the leader and a follower. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }

TestSuite(acl_cluster, .fini = teardown, .timeout = 600);

/* A command on a fresh connection of node i, retried while the cluster
 * elects or catches up (TRYAGAIN, CLUSTERDOWN, no answer); the reply. */
static redisReply *cmd_retry(int i, const char *fmt, const char *a1, const char *a2)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_node_cmd(&cl.nodes[i], fmt, a1, a2);
        bool retry = r == NULL || (r->type == REDIS_REPLY_ERROR &&
                                   (!strncmp(r->str, "TRYAGAIN", 8) || !strncmp(r->str, "CLUSTERDOWN", 11)));
        if (!retry)
            return r;
        freeReplyObject(r);
        usleep(100 * 1000);
    }
    cr_assert_fail("node %d never answered", i + 1);
    return NULL;
}

/* Commands as one user on one connection to node i: the replies, one line
 * each ("OK", "ERR ...", "(int) 3", "value", "(nil)"). */
static void as_user(int i, const char *user, const char *pass, const char *const *cmds, char *out, size_t size)
{
    redisContext *c = NULL;
    out[0] = '\0';
    for (int attempt = 0; attempt < 100 && c == NULL; attempt++) {
        c = redisConnect("127.0.0.1", cl.nodes[i].port);
        if (c && c->err) {
            redisFree(c);
            c = NULL;
            usleep(100 * 1000);
        }
    }
    cr_assert(c, "connect to node %d", i + 1);
    redisReply *r = redisCommand(c, "AUTH %s %s", user, pass);
    size_t used = (size_t)snprintf(out, size, "%s\n", r ? r->str : "(no reply)");
    freeReplyObject(r);
    for (int k = 0; cmds[k] && used < size; k++) {
        char line[256], *argv[16];
        size_t argvlen[16];
        int argc = 0;
        snprintf(line, sizeof line, "%s", cmds[k]);
        for (char *save, *w = strtok_r(line, " ", &save); w && argc < 16; w = strtok_r(NULL, " ", &save)) {
            argv[argc] = w;
            argvlen[argc++] = strlen(w);
        }
        r = redisCommandArgv(c, argc, (const char **)argv, argvlen);
        if (r == NULL)
            used += (size_t)snprintf(out + used, size - used, "(no reply)\n");
        else if (r->type == REDIS_REPLY_INTEGER)
            used += (size_t)snprintf(out + used, size - used, "(int) %lld\n", r->integer);
        else if (r->type == REDIS_REPLY_NIL)
            used += (size_t)snprintf(out + used, size - used, "(nil)\n");
        else if (r->type == REDIS_REPLY_ARRAY)
            used += (size_t)snprintf(out + used, size - used, "(array %zu)\n", r->elements);
        else
            used += (size_t)snprintf(out + used, size - used, "%s\n", r->str);
        freeReplyObject(r);
    }
    redisFree(c);
}

/*
 * as_user until it answers want, at most ~10 s: a change is acknowledged
 * once the node that took it has applied it, and another node applies it a
 * moment later (as a read through it would show); after a restart, a node
 * answers TRYAGAIN until it knows the leader. The commands repeat safely.
 */
static void expect_as_user(int i, const char *user, const char *pass, const char *const *cmds, const char *want,
                           const char *what)
{
    char got[4096] = "";
    for (int attempt = 0; attempt < 100; attempt++) {
        as_user(i, user, pass, cmds, got, sizeof got);
        if (!strcmp(got, want))
            break;
        usleep(100 * 1000);
    }
    cr_expect_str_eq(got, want, "node %d %s", i + 1, what);
}

static const char *const restricted_cmds[] = {
    "SET app:1 v",
    "GET app:1",
    "SET other v",
    "GET other",
    "RAFT.NODE LIST",
    "CONFIG SET maxclients 10",
    "FLUSHALL",
    "DEBUG DIGEST",
    "SHUTDOWN",
    "ACL SETUSER x",
    "MULTI",
    "SET app:2 w",
    "DEL other",
    "EXEC",
    "ACL WHOAMI",
    NULL,
};

static const char *const restricted_want =
    "OK\n"
    "OK\n"
    "v\n"
    "NOPERM this user has no permissions to access one of the keys used as arguments\n"
    "NOPERM this user has no permissions to access one of the keys used as arguments\n"
    "NOPERM this user has no permissions to run the 'raft.node|list' command\n"
    "NOPERM this user has no permissions to run the 'config|set' command\n"
    "NOPERM this user has no permissions to run the 'flushall' command\n"
    "NOPERM this user has no permissions to run the 'debug' command\n"
    "NOPERM this user has no permissions to run the 'shutdown' command\n"
    "NOPERM this user has no permissions to run the 'acl|setuser' command\n"
    "OK\n"
    "QUEUED\n"
    "NOPERM this user has no permissions to run the 'del' command\n"
    "EXECABORT Transaction discarded because of previous errors.\n"
    "app\n";

/* Whether every node lists the same users as node 0 (after its apply). */
static bool same_users_everywhere(void)
{
    char first[4096] = "";
    for (int i = 0; i < cl.n; i++) {
        redisReply *r = cmd_retry(i, "ACL LIST", NULL, NULL);
        char mine[4096] = "";
        size_t used = 0;
        for (size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k < r->elements && used < sizeof mine; k++)
            used += (size_t)snprintf(mine + used, sizeof mine - used, "%s\n", r->element[k]->str);
        freeReplyObject(r);
        if (i == 0)
            snprintf(first, sizeof first, "%s", mine);
        else if (strcmp(first, mine) != 0)
            return false;
    }
    return strstr(first, "user app on ") != NULL;
}

static void expect_users_agree(void)
{
    bool same = false;
    for (int attempt = 0; attempt < 100 && !same; attempt++) {
        same = same_users_everywhere();
        if (!same)
            usleep(100 * 1000);
    }
    cr_expect(same, "every node lists the same users, app among them");
}

Test(acl_cluster, a_user_made_through_a_follower_is_enforced_by_every_node_and_survives_restarts)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int f = (leader + 1) % 3;
    redisReply *r = cmd_retry(f, "ACL SETUSER app on >app-pw ~app:* +@all -@admin -@dangerous %s %s", "-del",
                              "-acl|setuser");
    cr_assert(r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK"), "%s", r ? r->str : "");
    freeReplyObject(r);
    /* OK means committed: every node enforces it, the leader and each follower */
    for (int i = 0; i < 3; i++)
        expect_as_user(i, "app", "app-pw", restricted_cmds, restricted_want, "");
    expect_users_agree();
    r = cmd_retry(f, "ACL LOG 1", NULL, NULL);
    cr_expect(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1, "the follower logged its denials");
    freeReplyObject(r);
    /* every node killed and restarted: the users are in each node's store */
    for (int i = 0; i < 3; i++)
        h_node_kill9(&cl.nodes[i]);
    cr_assert(hc_start_all(&cl), "every node restarts");
    cr_assert_geq(hc_wait_leader(&cl, 30000), 0);
    static const char *const after[] = {"GET app:1", "SET other v", NULL};
    for (int i = 0; i < 3; i++)
        expect_as_user(i, "app", "app-pw", after,
                       "OK\nv\nNOPERM this user has no permissions to access one of the keys used as arguments\n",
                       "after the restart");
    expect_users_agree();
    /* deleted through the leader: nobody can log in as it any more */
    leader = hc_wait_leader(&cl, 20000);
    r = cmd_retry(leader, "ACL DELUSER %s %s", "app", "nobody");
    cr_expect(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject(r);
    static const char *const none[] = {NULL};
    for (int i = 0; i < 3; i++)
        expect_as_user(i, "app", "app-pw", none, "WRONGPASS invalid username-password pair or user is disabled.\n",
                       "after ACL DELUSER");
}

/* redis-cli --user/--pass through node i: its output. */
static void redis_cli(int i, const char *args, char *out, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "redis-cli --no-auth-warning -p %d --user cli --pass cli-pw %s 2>&1", cl.nodes[i].port,
             args);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    pclose(p);
}

Test(acl_cluster, redis_cli_logs_in_as_a_user_through_the_leader_and_a_follower)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    redisReply *r = cmd_retry(leader, "ACL SETUSER cli on >cli-pw ~* &* +@read +@connection %s %s", "+set",
                              "+acl|whoami");
    cr_assert(r && r->type == REDIS_REPLY_STATUS, "%s", r ? r->str : "");
    freeReplyObject(r);
    int targets[2] = {leader, (leader + 2) % 3};
    for (int t = 0; t < 2; t++) {
        char out[1024] = "";
        for (int attempt = 0; attempt < 100 && strcmp(out, "cli\n"); attempt++) {
            if (attempt)
                usleep(100 * 1000); /* until the follower has applied the user */
            redis_cli(targets[t], "ACL WHOAMI", out, sizeof out);
        }
        cr_expect_str_eq(out, "cli\n", "node %d", targets[t] + 1);
        redis_cli(targets[t], "SET k v", out, sizeof out);
        cr_expect_str_eq(out, "OK\n");
        redis_cli(targets[t], "GET k", out, sizeof out);
        cr_expect_str_eq(out, "v\n");
        redis_cli(targets[t], "DEL k", out, sizeof out);
        /* redis-cli adds "(error) " on a terminal only; its error lines end in "\n" or "\r\n" by version */
        cr_expect(!strncmp(out, "NOPERM this user has no permissions to run the 'del' command", 60), "%s", out);
    }
}

/* A connection to node i, authenticated as the default user (no password). */
static redisContext *connect_node(int i)
{
    redisContext *c = h_connect(&cl.nodes[i]);
    cr_assert(c && !c->err, "connect to node %d", i + 1);
    return c;
}

/* AUTH user pass on c: whether it answered OK (else the reply in why). */
static bool auth_ok(redisContext *c, const char *user, const char *pass, char *why, size_t size)
{
    redisReply *r = redisCommand(c, "AUTH %s %s", user, pass);
    bool ok = r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK");
    snprintf(why, size, "%s", r ? (r->str ? r->str : "(no text)") : "(no reply)");
    freeReplyObject(r);
    return ok;
}

/*
 * A login is decided against the users as of a point after it arrived (a
 * read barrier, as for a linearizable read): right after the leader
 * acknowledged a new password or a deletion, a follower that has not
 * applied it yet must still judge the login by it. Without the barrier the
 * follower answered by its older state in most rounds (the README has the
 * figures); with it, never.
 */
Test(acl_cluster, a_login_on_a_follower_sees_every_user_change_acknowledged_before_it)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    redisReply *r = cmd_retry(leader, "ACL SETUSER lagger on >pw-start ~* &* %s %s", "+@all", "-@dangerous");
    cr_assert(r && r->type == REDIS_REPLY_STATUS, "%s", r ? r->str : "");
    freeReplyObject(r);
    redisContext *lead = connect_node(leader);
    int stale_password = 0, stale_deletion = 0, rounds = 40;
    char why[256];
    /* a new password acknowledged by the leader works at once on a follower */
    for (int k = 0; k < rounds; k++) {
        int f = (leader + 1 + k % 2) % 3;
        redisContext *fc = connect_node(f);
        char pw[32];
        snprintf(pw, sizeof pw, "pw-%d", k);
        r = redisCommand(lead, "ACL SETUSER lagger resetpass >%s", pw);
        cr_assert(r && r->type == REDIS_REPLY_STATUS, "%s", r ? r->str : "no reply");
        freeReplyObject(r);
        if (!auth_ok(fc, "lagger", pw, why, sizeof why)) {
            stale_password++;
            cr_log_warn("round %d: node %d refused the new password: %s", k, f + 1, why);
        }
        redisFree(fc);
    }
    /* a user deleted through the leader cannot log in on a follower after
     * the OK (each round on a fresh connection: the failures are slowed down) */
    for (int k = 0; k < 5; k++) {
        int f = (leader + 1 + k % 2) % 3;
        r = redisCommand(lead, "ACL SETUSER lagger on resetpass >again");
        cr_assert(r && r->type == REDIS_REPLY_STATUS, "%s", r ? r->str : "no reply");
        freeReplyObject(r);
        redisContext *fc = connect_node(f);
        cr_expect(auth_ok(fc, "lagger", "again", why, sizeof why), "node %d: %s", f + 1, why);
        redisFree(fc);
        r = redisCommand(lead, "ACL DELUSER lagger");
        cr_assert(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        freeReplyObject(r);
        fc = connect_node(f);
        if (auth_ok(fc, "lagger", "again", why, sizeof why)) {
            stale_deletion++;
            cr_log_warn("round %d: node %d let the deleted user in", k, f + 1);
        }
        redisFree(fc);
    }
    fprintf(stderr, "login barrier: %d/%d rounds refused a new password, %d/5 let a deleted user in\n",
            stale_password, rounds, stale_deletion);
    cr_expect_eq(stale_password, 0, "a follower refused a password the leader had acknowledged");
    cr_expect_eq(stale_deletion, 0, "a follower let in a user the leader had deleted");
    /* the replies keep their order around the waiting AUTH, pipelined */
    r = redisCommand(lead, "ACL SETUSER lagger on >last ~* &* +@all");
    freeReplyObject(r);
    r = redisCommand(lead, "SET order v");
    freeReplyObject(r);
    int f = (leader + 1) % 3;
    redisContext *fc = connect_node(f);
    redisAppendCommand(fc, "PING");
    redisAppendCommand(fc, "GET order");
    redisAppendCommand(fc, "AUTH lagger last");
    redisAppendCommand(fc, "ACL WHOAMI");
    redisAppendCommand(fc, "HELLO 2 AUTH default nopass-is-any");
    redisAppendCommand(fc, "ACL WHOAMI");
    static const char *const want[] = {"PONG", "v", "OK", "lagger", NULL, "default"};
    for (int k = 0; k < 6; k++) {
        void *reply = NULL;
        cr_assert_eq(redisGetReply(fc, &reply), REDIS_OK);
        r = reply;
        if (want[k])
            cr_expect(r->str && !strcmp(r->str, want[k]), "reply %d: %s, want %s", k, r->str ? r->str : "?",
                      want[k]);
        else
            cr_expect_eq(r->type, REDIS_REPLY_ARRAY, "HELLO answers its array");
        freeReplyObject(r);
    }
    redisFree(fc);
    redisFree(lead);
}

/* Whether the server closed c, waiting for it at most ~20 s (nothing is sent:
 * a subscriber's or an idle connection's closing is seen as end of file). */
static bool closed_by_server(redisContext *c)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 100) == 1) {
            char byte;
            ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                return true;
            /* a push or a reply: read it off and keep waiting */
            void *reply = NULL;
            if (redisGetReply(c, &reply) != REDIS_OK)
                return true;
            freeReplyObject(reply);
        }
    }
    return false;
}

/*
 * A change of the users closes the connections it takes the right from on
 * every node, when that node applies it (no command needed on them):
 * ACL DELUSER through the leader closes the user's connections on the
 * followers too, and narrowing its channels closes the subscribers there.
 * Before, they stayed open until their next command.
 */
Test(acl_cluster, deleting_a_user_or_narrowing_its_channels_closes_its_connections_on_every_node)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    redisReply *r = cmd_retry(leader, "ACL SETUSER gone on >pw ~* &* %s %s", "+@all", "-@dangerous");
    cr_assert(r && r->type == REDIS_REPLY_STATUS, "%s", r ? r->str : "");
    freeReplyObject(r);
    r = cmd_retry(leader, "ACL SETUSER sub on >pw ~* resetchannels &keep &drop %s %s", "+@all", "-@dangerous");
    freeReplyObject(r);
    redisContext *gone[3], *drop[3], *keep[3], *bystander[3];
    char why[256];
    for (int i = 0; i < 3; i++) {
        gone[i] = connect_node(i);
        cr_assert(auth_ok(gone[i], "gone", "pw", why, sizeof why), "node %d: %s", i + 1, why);
        drop[i] = connect_node(i);
        cr_assert(auth_ok(drop[i], "sub", "pw", why, sizeof why), "node %d: %s", i + 1, why);
        r = redisCommand(drop[i], "SUBSCRIBE drop");
        freeReplyObject(r);
        keep[i] = connect_node(i);
        cr_assert(auth_ok(keep[i], "sub", "pw", why, sizeof why), "node %d: %s", i + 1, why);
        r = redisCommand(keep[i], "SUBSCRIBE keep");
        freeReplyObject(r);
        bystander[i] = connect_node(i);
    }
    r = cmd_retry(leader, "ACL DELUSER %s %s", "gone", "nobody");
    cr_expect(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject(r);
    r = cmd_retry(leader, "ACL SETUSER sub resetchannels %s %s", "&keep", "&other");
    freeReplyObject(r);
    for (int i = 0; i < 3; i++) {
        cr_expect(closed_by_server(gone[i]), "node %d closed the deleted user's connection", i + 1);
        cr_expect(closed_by_server(drop[i]), "node %d closed the subscriber to a channel no longer allowed", i + 1);
        r = redisCommand(bystander[i], "PING");
        cr_expect(r && r->type == REDIS_REPLY_STATUS, "node %d kept the default user's connection", i + 1);
        freeReplyObject(r);
        /* the allowed subscriber still hears a message published through the leader */
        redisReply *p = cmd_retry(leader, "PUBLISH keep %s", "hello", NULL);
        freeReplyObject(p);
        void *reply = NULL;
        cr_expect_eq(redisGetReply(keep[i], &reply), REDIS_OK, "node %d kept the allowed subscriber", i + 1);
        freeReplyObject(reply);
        redisFree(gone[i]);
        redisFree(drop[i]);
        redisFree(keep[i]);
        redisFree(bystander[i]);
    }
}
