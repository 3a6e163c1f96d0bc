/* Protected mode (issue 19): with no password, only loopback clients are served.
 * A non-loopback client needs an address that is not 127.0.0.0/8: the test makes
 * one inside a network namespace of its own (unshare -rn, 10.77.0.1 on its lo),
 * never touching an outside address, and runs the node and redis-server 7.0 there
 * side by side. Without user namespaces the test is skipped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/harness.h"

static char dir[256];

static void cleanup(void)
{
    if (dir[0])
        h_sh(NULL, 0, "rm -rf %s", dir);
}

TestSuite(protected_mode, .fini = cleanup, .timeout = 180);

static void need_netns(void)
{
    if (h_sh(NULL, 0, "unshare -rn sh -c 'ip link set lo up && ip addr add 10.77.0.1/32 dev lo' 2>&1") != 0)
        cr_skip_test("no network namespace (unshare -rn) here");
    snprintf(dir, sizeof dir, "/tmp/ss-pm-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(dir));
}

/* Runs script inside a fresh namespace with 10.77.0.1 on lo and a sandstore
 * node listening on every address ($SS: its port) with the given directives;
 * $RS is a redis-server 7.0 on the same terms; $D a scratch directory. The
 * script's output in out. */
static int in_netns(char *out, size_t size, const char *directives, const char *script)
{
    int port = h_free_port(), raft = h_free_port(), rport = h_free_port();
    return h_sh(out, size,
                "timeout 60 unshare -rn sh -c '"
                "ip link set lo up; ip addr add 10.77.0.1/32 dev lo; SS=%d; RS=%d; D=%s; "
                "%s --bind 0.0.0.0 --port %d --raft-port %d --dir %s --logfile %s/sandstore.log %s & S=$!; "
                "redis-server --port %d --save \"\" --appendonly no %s >/dev/null 2>&1 & R=$!; "
                "for i in $(seq 100); do redis-cli -p $SS ping >/dev/null 2>&1 && "
                "  redis-cli -p $RS ping >/dev/null 2>&1 && break; sleep 0.1; done; "
                "%s; kill $S $R; wait' 2>&1",
                port, rport, dir, h_binary(), port, raft, dir, dir, directives, rport, directives, script);
}

Test(protected_mode, a_non_loopback_client_is_denied_with_redis_words_until_it_is_turned_off)
{
    need_netns();
    char out[8192];
    int rc = in_netns(out, sizeof out, "",
                      "redis-cli -h 10.77.0.1 -p $RS ping > " "$D/redis.out 2>&1; "
                      "redis-cli -h 10.77.0.1 -p $SS ping > " "$D/ss.out 2>&1; "
                      "cmp -s $D/redis.out $D/ss.out && echo same-words; head -c 7 $D/ss.out; echo; "
                      "redis-cli -h 10.77.0.1 -p $SS set k v >/dev/null 2>&1; "
                      "redis-cli -h 127.0.0.1 -p $SS exists k; "
                      "redis-cli -h 127.0.0.1 -p $SS ping; "
                      "redis-cli -h 127.0.0.1 -p $SS config get protected-mode; "
                      "redis-cli -h 127.0.0.1 -p $SS config set protected-mode no; "
                      "redis-cli -h 10.77.0.1 -p $SS ping");
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "same-words\nDENIED \n0\nPONG\nprotected-mode\nyes\nOK\nPONG\n");
}

Test(protected_mode, a_password_or_protected_mode_no_lets_outside_clients_in)
{
    need_netns();
    char out[8192];
    int rc = in_netns(out, sizeof out, "--requirepass pw",
                      "redis-cli -h 10.77.0.1 -p $SS ping 2>&1 | head -c 6; echo; "
                      "redis-cli -h 10.77.0.1 -p $SS -a pw --no-auth-warning ping");
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "NOAUTH\nPONG\n", "%zu bytes: [%s]", strlen(out), out);
    rc = in_netns(out, sizeof out, "--protected-mode no", "redis-cli -h 10.77.0.1 -p $SS ping");
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "PONG\n");
}

/*
 * Protected mode asks whether the default user needs a password, as Redis
 * 7.0 does, not only whether requirepass is set: a password given to the
 * default user by ACL SETUSER lets outside clients reach AUTH, and
 * "ACL SETUSER default nopass" shuts them out again, even with requirepass.
 * Side by side with redis-server. Before, sandstore looked at requirepass
 * only (DENIED where Redis says NOAUTH, PONG where Redis says DENIED).
 */
Test(protected_mode, it_follows_the_default_users_nopass_as_redis_does)
{
    need_netns();
    char out[8192];
    int rc = in_netns(out, sizeof out, "",
                      "for P in $SS $RS; do redis-cli -h 127.0.0.1 -p $P acl setuser default resetpass \">pw\"; done; "
                      "for P in $SS $RS; do redis-cli -h 10.77.0.1 -p $P ping 2>&1 | head -c 6; echo; done; "
                      "for P in $SS $RS; do redis-cli -h 10.77.0.1 -p $P -a pw --no-auth-warning ping; done; "
                      "for P in $SS $RS; do redis-cli -h 127.0.0.1 -p $P -a pw --no-auth-warning "
                      "  acl setuser default nopass; done; "
                      "for P in $SS $RS; do redis-cli -h 10.77.0.1 -p $P ping 2>&1 | head -c 7; echo; done");
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "OK\nOK\nNOAUTH\nNOAUTH\nPONG\nPONG\nOK\nOK\nDENIED \nDENIED \n", "[%s]", out);
    /* requirepass set, then the default user made nopass: protected again
     * (a fresh node: the first one recorded a default user of its own) */
    h_sh(NULL, 0, "rm -rf %s/*", dir);
    rc = in_netns(out, sizeof out, "--requirepass pw",
                  "for P in $SS $RS; do redis-cli -h 127.0.0.1 -p $P -a pw --no-auth-warning "
                  "  acl setuser default nopass; done; "
                  "for P in $SS $RS; do redis-cli -h 10.77.0.1 -p $P ping 2>&1 | head -c 7; echo; done");
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "OK\nOK\nDENIED \nDENIED \n", "[%s]", out);
}
