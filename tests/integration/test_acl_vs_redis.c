/* ACL replies side by side with redis-server 7.0: the same commands on both, every deterministic reply compared byte for byte, and each ACL category's commands compared as sets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "integration/harness.h"

static h_node ss, rs;

static void setup(void)
{
    h_node_init(&ss, 1, NULL);
    cr_assert(h_node_start(&ss));
    h_node_init(&rs, 2, NULL);
    cr_assert(h_redis_start(&rs));
}

static void teardown(void)
{
    h_node_stop(&ss, 15);
    h_node_stop(&rs, 15);
}

TestSuite(acl_vs_redis, .init = setup, .fini = teardown, .timeout = 300);

static redisContext *connect_to(const h_node *n)
{
    redisContext *c = redisConnect("127.0.0.1", n->port);
    cr_assert(c && !c->err, "connect to port %d", n->port);
    return c;
}

/* Splits line on spaces (no quoting: the tests' words have none). */
static int split(const char *line, char *buf, size_t size, char **argv, size_t *argvlen, int max)
{
    snprintf(buf, size, "%s", line);
    int argc = 0;
    for (char *save, *w = strtok_r(buf, " ", &save); w && argc < max; w = strtok_r(NULL, " ", &save)) {
        argv[argc] = w;
        argvlen[argc++] = strlen(w);
    }
    return argc;
}

static redisReply *run(redisContext *c, const char *line)
{
    char buf[1024], *argv[64];
    size_t argvlen[64];
    int argc = split(line, buf, sizeof buf, argv, argvlen, 64);
    return redisCommandArgv(c, argc, (const char **)argv, argvlen);
}

/* Each line on both servers, on connections of their own (one per server,
 * kept across the lines): the replies must be the same. */
static void same_replies(redisContext *a, redisContext *b, const char *const *lines)
{
    for (int i = 0; lines[i]; i++) {
        redisReply *x = run(a, lines[i]), *y = run(b, lines[i]);
        char where[256] = "";
        cr_assert(x && y, "%s: no reply", lines[i]);
        cr_expect(h_reply_same(x, y, where, sizeof where), "%s: sandstore and redis differ at %s", lines[i], where);
        freeReplyObject(x);
        freeReplyObject(y);
    }
}

Test(acl_vs_redis, setuser_getuser_list_and_their_errors_match_redis)
{
    redisContext *a = connect_to(&ss), *b = connect_to(&rs);
    static const char *const lines[] = {
        "ACL SETUSER u1 on >p ~k* +get &ch",
        "ACL GETUSER u1",
        /* one single command at most per user: Redis prints several in its
         * commands dict's order, which changes from one process to the next */
        "ACL SETUSER u2 on nopass +@read -keys %R~a* %W~b* (+set ~x*)",
        "ACL GETUSER u2",
        "ACL SETUSER u3 reset",
        "ACL SETUSER u4 on #148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940 allkeys allchannels",
        "ACL SETUSER u4 <p >q resetkeys ~x ~y %RW~z",
        "ACL SETUSER u5 on nopass +@all -@admin -@dangerous -@scripting",
        "ACL SETUSER u6 +@hash +@list -lpush resetchannels &a &b skip-sanitize-payload",
        "ACL SETUSER u7 (~a +get) (~b +set) clearselectors (~c +del)",
        "ACL LIST",
        "ACL USERS",
        "ACL GETUSER u4",
        "ACL GETUSER u7",
        "ACL GETUSER nosuch",
        "ACL SETUSER u3 foo",
        "ACL SETUSER u3 +nosuch",
        "ACL SETUSER u3 +@nosuch",
        "ACL SETUSER u3 ~* ~a",
        "ACL SETUSER u3 &* &a",
        "ACL SETUSER u3 !abc",
        "ACL SETUSER u3 <abc",
        "ACL SETUSER u3 #ABC",
        "ACL SETUSER u3 (+get",
        "ACL SETUSER u3 +config|get|x",
        "ACL SETUSER u3 +select|",
        "ACL SETUSER u3 %X~a",
        "ACL DELUSER default",
        "ACL DELUSER u6 nosuch u7",
        "ACL USERS",
        "ACL DRYRUN u1 get k",
        "ACL DRYRUN u1 set k v",
        "ACL DRYRUN u1 get z",
        "ACL DRYRUN u1 publish ch x",
        "ACL DRYRUN u1 publish zz x",
        "ACL DRYRUN u2 get a1",
        "ACL DRYRUN u2 set b1 v",
        "ACL DRYRUN nosuch get a",
        "ACL DRYRUN u1 nocmd",
        "ACL CAT",
        "ACL CAT nosuch",
        "ACL GENPASS 0",
        "ACL GENPASS 4097",
        "ACL GENPASS abc",
        "ACL WHOAMI",
        "ACL LOAD",
        "ACL SAVE",
        "ACL HELP",
        "ACL NOSUCH",
        "AUTH nosuch x",
        "AUTH u1 wrong",
        "AUTH x",
        "AUTH u3 x",
        NULL,
    };
    same_replies(a, b, lines);
    redisFree(a);
    redisFree(b);
}

Test(acl_vs_redis, a_restricted_user_hears_what_redis_says)
{
    redisContext *a = connect_to(&ss), *b = connect_to(&rs);
    static const char *const setup_lines[] = {
        "ACL SETUSER app on >pw ~app:* resetchannels &news.* +@all -@admin -@dangerous -del",
        "ACL SETUSER ro on >pw %R~* +@read +acl|whoami",
        NULL,
    };
    same_replies(a, b, setup_lines);
    redisFree(a);
    redisFree(b);
    a = connect_to(&ss);
    b = connect_to(&rs);
    static const char *const lines[] = {
        "AUTH app pw",
        "ACL WHOAMI",
        "SET app:1 v",
        "GET app:1",
        "GET other",
        "MSET app:2 a other b",
        "DEL app:1",
        "CONFIG SET maxclients 10",
        "FLUSHALL",
        "KEYS *",
        "PUBLISH news.x m",
        "PUBLISH other m",
        "MULTI",
        "SET app:3 v",
        "DEL app:3",
        "EXEC",
        "AUTH ro pw",
        "ACL WHOAMI",
        "GET app:1",
        "SET app:1 w",
        "HELLO 2 AUTH ro nope",
        "AUTH default x",
        NULL,
    };
    same_replies(a, b, lines);
    redisFree(a);
    redisFree(b);
}

/* The names in an array reply, sorted, lowercase, space-separated. */
static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static bool known_to(redisContext *c, const char *name)
{
    char line[256];
    snprintf(line, sizeof line, "COMMAND INFO %s", name);
    redisReply *r = run(c, line);
    bool known = r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY;
    freeReplyObject(r);
    return known;
}

Test(acl_vs_redis, every_category_holds_the_commands_redis_puts_in_it)
{
    redisContext *a = connect_to(&ss), *b = connect_to(&rs);
    redisReply *cats = run(b, "ACL CAT");
    cr_assert(cats && cats->type == REDIS_REPLY_ARRAY && cats->elements == 21);
    for (size_t k = 0; k < cats->elements; k++) {
        char line[128];
        snprintf(line, sizeof line, "ACL CAT %s", cats->element[k]->str);
        redisReply *x = run(a, line), *y = run(b, line);
        cr_assert(x && y && x->type == REDIS_REPLY_ARRAY && y->type == REDIS_REPLY_ARRAY, "%s", line);
        /* A command both servers know is in the category on both or on neither. */
        for (int side = 0; side < 2; side++) {
            redisReply *mine = side ? y : x, *theirs = side ? x : y;
            redisContext *other = side ? a : b;
            char **names = calloc(theirs->elements + 1, sizeof *names);
            for (size_t i = 0; i < theirs->elements; i++)
                names[i] = theirs->element[i]->str;
            qsort(names, theirs->elements, sizeof *names, cmp_str);
            for (size_t i = 0; i < mine->elements; i++) {
                const char *n = mine->element[i]->str;
                if (bsearch(&n, names, theirs->elements, sizeof *names, cmp_str))
                    continue;
                cr_expect(!known_to(other, n), "%s: '%s' is in it on %s only", line, n,
                          side ? "redis" : "sandstore");
            }
            free(names);
        }
        freeReplyObject(x);
        freeReplyObject(y);
    }
    freeReplyObject(cats);
    redisFree(a);
    redisFree(b);
}

/* A script's redis.call()s are checked against the caller's rules. */
Test(acl_vs_redis, a_script_can_do_only_what_its_caller_may)
{
    static const char *const scripts[] = {
        "return redis.call('set','a1','v')",
        "return redis.call('get','a1')",
        "return redis.call('del','a1')",
        "return redis.call('get','zz')",
        "return redis.pcall('get','zz')",
        "return redis.call('publish','nope','m')",
        "return redis.call('config','set','maxclients','10')",
        "return redis.acl_check_cmd('del','a1')",
        "return redis.acl_check_cmd('get','a1')",
        "return redis.acl_check_cmd('get','zz')",
        "return redis.acl_check_cmd('nosuch','a')",
        NULL,
    };
    redisContext *a = connect_to(&ss), *b = connect_to(&rs);
    static const char *const setup_lines[] = {"ACL SETUSER s on >pw ~a* resetchannels +@all -del", "AUTH s pw", NULL};
    same_replies(a, b, setup_lines);
    for (int i = 0; scripts[i]; i++) {
        for (int ro = 0; ro < 2; ro++) {
            const char *how = ro ? "EVAL_RO" : "EVAL";
            if (ro && (strstr(scripts[i], "'set'") || strstr(scripts[i], "'del'") || strstr(scripts[i], "publish")))
                continue;
            redisReply *x = redisCommand(a, "%s %s 0", how, scripts[i]);
            redisReply *y = redisCommand(b, "%s %s 0", how, scripts[i]);
            char where[256] = "";
            cr_assert(x && y, "%s", scripts[i]);
            /* Redis appends "script: <sha>, on @user_script:1." to a raised error; sandstore too */
            cr_expect(h_reply_same(x, y, where, sizeof where), "%s %s: sandstore and redis differ at %s", how,
                      scripts[i], where);
            freeReplyObject(x);
            freeReplyObject(y);
        }
    }
    redisFree(a);
    redisFree(b);
}

/* line on connection x of sandstore and y of redis: the same reply. */
static void same_reply(redisContext *x, redisContext *y, const char *line)
{
    const char *const one[] = {line, NULL};
    same_replies(x, y, one);
}

/* ACL LOG's newest n entries: the same reasons, contexts, objects and users
 * (age and client info aside). */
static void same_log(redisContext *x, redisContext *y, int n)
{
    char line[32];
    snprintf(line, sizeof line, "ACL LOG %d", n);
    redisReply *a = run(x, line), *b = run(y, line);
    cr_assert(a && b && a->type == REDIS_REPLY_ARRAY && b->type == REDIS_REPLY_ARRAY);
    cr_expect_eq(a->elements, b->elements, "ACL LOG entries");
    for (size_t i = 0; i < a->elements && i < b->elements; i++) {
        const redisReply *ea = a->element[i], *eb = b->element[i];
        for (size_t k = 0; k < 10 && k < ea->elements && k < eb->elements; k++) {
            char where[256] = "";
            cr_expect(h_reply_same(ea->element[k], eb->element[k], where, sizeof where),
                      "ACL LOG entry %zu field %zu differs at %s", i, k, where);
        }
    }
    freeReplyObject(a);
    freeReplyObject(b);
}

/*
 * Rules narrowed between MULTI and EXEC: EXEC runs what is still allowed and
 * answers each command that no longer is with Redis's "ACLs rules changed"
 * NOPERM (command, key, channel), logged with context multi; for a
 * transaction that writes (one log entry) and one that only reads. Before,
 * EXEC ran everything it had queued.
 */
Test(acl_vs_redis, exec_checks_each_queued_command_again_as_redis_does)
{
    redisContext *admin[2] = {connect_to(&ss), connect_to(&rs)};
    redisContext *user[2] = {connect_to(&ss), connect_to(&rs)};
    same_reply(admin[0], admin[1], "ACL SETUSER u on >p ~* &* +@all");
    same_reply(user[0], user[1], "AUTH u p");
    static const char *const queued[] = {"MULTI", "SET k v", "GET k", "PUBLISH ch x", "SET other v", NULL};
    same_replies(user[0], user[1], queued);
    same_reply(admin[0], admin[1], "ACL SETUSER u resetkeys ~k -get resetchannels");
    same_reply(user[0], user[1], "EXEC");
    same_log(admin[0], admin[1], 3);
    /* a transaction of reads only */
    same_reply(admin[0], admin[1], "ACL SETUSER u +get ~other");
    static const char *const reads[] = {"MULTI", "GET k", "GET other", "STRLEN k", NULL};
    same_replies(user[0], user[1], reads);
    same_reply(admin[0], admin[1], "ACL SETUSER u -strlen resetkeys ~other");
    same_reply(user[0], user[1], "EXEC");
    same_log(admin[0], admin[1], 2);
    /* nothing changed: EXEC as usual */
    static const char *const plain[] = {"MULTI", "GET other", "SET other w", "EXEC", NULL};
    same_replies(user[0], user[1], plain);
    for (int i = 0; i < 2; i++) {
        redisFree(admin[i]);
        redisFree(user[i]);
    }
}

/* Whether the connection still answers (a PING; a subscriber's too). */
static bool answers(redisContext *c)
{
    redisReply *r = redisCommand(c, "PING");
    freeReplyObject(r);
    return r != NULL;
}

/* line on a fresh connection of each server, logged in as user u. */
static void as_u(redisContext *c[2], const char *line)
{
    c[0] = connect_to(&ss);
    c[1] = connect_to(&rs);
    same_reply(c[0], c[1], "AUTH u p");
    if (line)
        same_reply(c[0], c[1], line);
}

/*
 * What a change of the users does to live connections, as Redis 7.0: ACL
 * DELUSER closes the user's connections at once (the one that asked after
 * its reply); narrowing the channels closes the subscribers whose
 * subscriptions are no longer allowed (a pattern subscription only stays
 * when the very pattern is allowed), and no one else; a new password or
 * "off" closes nobody. Before, a deleted user's connection closed at its
 * next command (answering NOAUTH) and subscribers stayed.
 */
Test(acl_vs_redis, user_changes_close_the_connections_redis_closes)
{
    redisContext *admin[2] = {connect_to(&ss), connect_to(&rs)};
    same_reply(admin[0], admin[1], "ACL SETUSER u on >p ~* &* +@all");
    redisContext *victim[2], *self[2], *other[2];
    as_u(victim, NULL);
    as_u(self, NULL);
    other[0] = connect_to(&ss);
    other[1] = connect_to(&rs);
    same_reply(self[0], self[1], "ACL DELUSER u");
    for (int i = 0; i < 2; i++) {
        cr_expect(!answers(victim[i]), "%s: a deleted user's connection is closed", i ? "redis" : "sandstore");
        cr_expect(!answers(self[i]), "%s: the connection that deleted its own user, after its reply",
                  i ? "redis" : "sandstore");
        cr_expect(answers(other[i]), "%s: the default user's stays", i ? "redis" : "sandstore");
        redisFree(victim[i]);
        redisFree(self[i]);
        redisFree(other[i]);
    }
    /* channels narrowed: the subscribers they no longer allow are closed */
    same_reply(admin[0], admin[1], "ACL SETUSER u on >p ~* resetchannels &ch1 &ch2 &pat* +@all");
    redisContext *s1[2], *s2[2], *s3[2], *plain[2];
    as_u(s1, "SUBSCRIBE ch1");
    as_u(s2, "SUBSCRIBE ch2");
    as_u(s3, "PSUBSCRIBE pat*");
    as_u(plain, NULL);
    same_reply(admin[0], admin[1], "ACL SETUSER u resetchannels &ch2 &pat*");
    for (int i = 0; i < 2; i++) {
        const char *who = i ? "redis" : "sandstore";
        cr_expect(!answers(s1[i]), "%s: ch1's subscriber", who);
        cr_expect(answers(s2[i]), "%s: ch2's subscriber", who);
        cr_expect(answers(s3[i]), "%s: pat*'s subscriber", who);
        cr_expect(answers(plain[i]), "%s: a connection that subscribes to nothing", who);
    }
    same_reply(admin[0], admin[1], "ACL SETUSER u resetchannels &pat1");
    same_reply(admin[0], admin[1], "ACL SETUSER u resetpass >q");
    same_reply(admin[0], admin[1], "ACL SETUSER u off");
    for (int i = 0; i < 2; i++) {
        const char *who = i ? "redis" : "sandstore";
        cr_expect(!answers(s2[i]), "%s: ch2's subscriber after &pat1", who);
        cr_expect(!answers(s3[i]), "%s: pat*'s subscriber after &pat1 (patterns compare literally)", who);
        cr_expect(answers(plain[i]), "%s: a new password or off closes nobody", who);
        redisFree(s1[i]);
        redisFree(s2[i]);
        redisFree(s3[i]);
        redisFree(plain[i]);
        redisFree(admin[i]);
    }
}

/*
 * ACL SETUSER, DELUSER and LOAD inside MULTI are queued and run by EXEC, as
 * Redis 7.0 runs them: each answers in its place (an error among them does
 * not abort the rest), and a command queued after a SETUSER that took its
 * permission away is refused by EXEC's check. Before, they were refused
 * while queueing and EXEC aborted.
 */
Test(acl_vs_redis, acl_changes_run_inside_multi_as_redis_runs_them)
{
    redisContext *a = connect_to(&ss), *b = connect_to(&rs);
    static const char *const lines[] = {
        "MULTI",
        "ACL SETUSER mx on >p +get ~k",
        "ACL SETUSER my badrule",
        "ACL DELUSER mx default",
        "ACL DELUSER mx nobody",
        "ACL SETUSER mz on >p ~* +@all",
        "ACL LOAD",
        "EXEC",
        "ACL LIST",
        NULL,
    };
    same_replies(a, b, lines);
    redisContext *u[2] = {connect_to(&ss), connect_to(&rs)};
    static const char *const self[] = {
        "AUTH mz p", "MULTI", "SET k 1", "ACL SETUSER mz -set", "SET k 2", "GET k", "EXEC", "GET k", NULL,
    };
    same_replies(u[0], u[1], self);
    same_log(a, b, 1);
    redisFree(u[0]);
    redisFree(u[1]);
    redisFree(a);
    redisFree(b);
}

/*
 * ACL LOAD closes the connections of every user but the default one, as
 * Redis 7.0 does (it frees every user, even one the file keeps alike), and
 * answers alike. Before, they stayed open (a user the file dropped was
 * closed at its next command).
 */
Test(acl_vs_redis, acl_load_closes_the_connections_redis_closes)
{
    h_node ssf, rsf;
    h_node_init(&rsf, 4, NULL);
    char path[300];
    snprintf(path, sizeof path, "%s/users.acl", rsf.dir);
    h_sh(NULL, 0, "printf 'user default on nopass ~* &* +@all\\nuser keep on >p ~* &* +@all\\n' > %s", path);
    h_node_init(&ssf, 3, "--aclfile %s", path);
    const char *const extra[] = {"--aclfile", path, NULL};
    bool up = h_node_start(&ssf) && h_redis_start_args(&rsf, extra);
    cr_expect(up, "both servers start with the aclfile");
    if (up) {
        redisContext *admin[2] = {connect_to(&ssf), connect_to(&rsf)};
        redisContext *keep[2], *gone[2], *dflt[2];
        /* sandstore reads its aclfile at ACL LOAD only (the users are the cluster's) */
        same_reply(admin[0], admin[1], "ACL LOAD");
        same_reply(admin[0], admin[1], "ACL SETUSER gone on >p ~* +@all");
        for (int i = 0; i < 2; i++) {
            const h_node *n = i ? &rsf : &ssf;
            keep[i] = connect_to(n);
            gone[i] = connect_to(n);
            dflt[i] = connect_to(n);
        }
        same_reply(keep[0], keep[1], "AUTH keep p");
        same_reply(gone[0], gone[1], "AUTH gone p");
        same_reply(admin[0], admin[1], "ACL LOAD");
        same_reply(admin[0], admin[1], "ACL USERS");
        for (int i = 0; i < 2; i++) {
            const char *who = i ? "redis" : "sandstore";
            cr_expect(!answers(keep[i]), "%s: a user the file keeps, closed all the same", who);
            cr_expect(!answers(gone[i]), "%s: a user the file drops", who);
            cr_expect(answers(dflt[i]), "%s: the default user's connection stays", who);
            redisFree(keep[i]);
            redisFree(gone[i]);
            redisFree(dflt[i]);
            redisFree(admin[i]);
        }
    }
    h_node_stop(&ssf, 15);
    h_node_stop(&rsf, 15);
}
