/* ACL: the rule parser (ACL SETUSER's words and Redis's errors), the describe ACL LIST prints, the check of command lines (commands, categories, key and channel patterns, selectors), and the __acl entries' apply half. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/acl.h"
#include "commands/session.h"
#include "common/strutil.h"

TestSuite(acl, .init = ct_setup, .fini = ct_teardown);

/* A user from space-separated rules, "(...)" selectors merged as ACL
 * SETUSER merges them; fails the test on a refused rule. */
static ss_acl_user *user_of(const char *rules)
{
    ss_acl_user *u = ss_acl_user_new("u", 1);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", rules);
    char *argv[64];
    size_t argvlen[64];
    int argc = 0;
    for (char *save, *w = strtok_r(buf, " ", &save); w && argc < 64; w = strtok_r(NULL, " ", &save)) {
        argv[argc] = w;
        argvlen[argc++] = strlen(w);
    }
    ss_acl_rules r;
    int bad;
    cr_assert(ss_acl_rules_merge(argc, argv, argvlen, &r, &bad));
    for (int j = 0; j < r.n; j++)
        cr_assert_eq(ss_acl_user_set(u, r.op[j], r.len[j]), SS_ACLE_OK, "%s", r.op[j]);
    ss_acl_rules_free(&r);
    return u;
}

static const char *describe(const ss_acl_user *u)
{
    static char out[4096];
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_acl_user_describe(u, &b);
    snprintf(out, sizeof out, "%.*s", (int)ss_buf_len(&b), ss_buf_data(&b));
    ss_buf_release(&b);
    return out;
}

/* The check of one command line ("GET k"), SS_ACL_*, with *pos. */
static int check(const ss_acl_user *u, const char *line, int *pos)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    char *argv[32];
    size_t argvlen[32];
    int argc = 0;
    for (char *save, *w = strtok_r(buf, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save)) {
        argv[argc] = w;
        argvlen[argc++] = strlen(w);
    }
    ss_args a = {argc, argv, argvlen};
    const ss_command *cmd = ss_command_find(&a, NULL);
    cr_assert(cmd, "%s", line);
    int p = 0;
    int r = ss_acl_user_check(u, cmd, &a, &p);
    if (pos)
        *pos = p;
    return r;
}

Test(acl, a_new_user_is_off_without_passwords_or_permissions)
{
    ss_acl_user *u = ss_acl_user_new("u", 1);
    cr_expect_str_eq(describe(u), "off resetchannels -@all");
    cr_expect(!ss_acl_user_check_password(u, "x", 1));
    cr_expect_eq(check(u, "PING", NULL), SS_ACL_DENIED_CMD);
    ss_acl_user_free(u);
}

Test(acl, describe_prints_what_redis_prints_for_the_same_rules)
{
    ss_acl_user *u = user_of("on >p ~k* +get &ch");
    cr_expect_str_eq(describe(u),
                     "on #148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940 ~k* resetchannels &ch "
                     "-@all +get");
    ss_acl_user_free(u);
    /* As Redis 7.0.15 printed it (several single commands come in its hash order, which varies). */
    u = user_of("on nopass +@read -@dangerous %R~a* %W~b* (+set ~x*)");
    cr_expect_str_eq(describe(u),
                     "on nopass %R~a* %W~b* resetchannels -@all +@read -keys -sort_ro (~x* resetchannels -@all +set)");
    ss_acl_user_free(u);
    u = user_of("reset");
    cr_expect_str_eq(describe(u), "off sanitize-payload resetchannels -@all");
    ss_acl_user_free(u);
    u = user_of("on allkeys allchannels allcommands -flushall -debug");
    cr_expect_str_eq(describe(u), "on ~* &* +@all -flushall -debug"); /* table order (Redis: hash order) */
    ss_acl_user_free(u);
}

Test(acl, rules_refused_with_redis_reasons)
{
    ss_acl_user *u = ss_acl_user_new("u", 1);
    cr_expect_eq(ss_acl_user_set(u, "foo", 3), SS_ACLE_SYNTAX);
    cr_expect_eq(ss_acl_user_set(u, "+nosuch", 7), SS_ACLE_UNKNOWN);
    cr_expect_eq(ss_acl_user_set(u, "+@nosuch", 8), SS_ACLE_UNKNOWN);
    cr_expect_eq(ss_acl_user_set(u, "!abc", 4), SS_ACLE_BAD_HASH);
    cr_expect_eq(ss_acl_user_set(u, "<abc", 4), SS_ACLE_NO_SUCH_PASS);
    cr_expect_eq(ss_acl_user_set(u, "+config|get|x", 13), SS_ACLE_FIRSTARG_SUB);
    cr_expect_eq(ss_acl_user_set(u, "+select|", 8), SS_ACLE_SYNTAX);
    cr_expect_eq(ss_acl_user_set(u, "~a b", 4), SS_ACLE_SYNTAX);
    cr_expect_eq(ss_acl_user_set(u, "%X~a", 4), SS_ACLE_SYNTAX);
    cr_expect_eq(ss_acl_user_set(u, "~*", 2), SS_ACLE_OK);
    cr_expect_eq(ss_acl_user_set(u, "~a", 2), SS_ACLE_KEY_AFTER_ALL);
    cr_expect_eq(ss_acl_user_set(u, "&*", 2), SS_ACLE_OK);
    cr_expect_eq(ss_acl_user_set(u, "&a", 2), SS_ACLE_CHANNEL_AFTER_ALL);
    cr_expect_eq(ss_acl_user_set(u, "(+get ~a", 8), SS_ACLE_SYNTAX); /* unmerged: no closing parenthesis */
    cr_expect_str_eq(ss_acl_err_text(SS_ACLE_UNKNOWN), "Unknown command or category name in ACL");
    ss_acl_user_free(u);
}

Test(acl, passwords_are_sha256_hashes_added_and_removed_by_text_or_hash)
{
    ss_acl_user *u = user_of("on >secret");
    char hex[SS_ACL_HASH_LEN + 2] = "!";
    ss_acl_hash_password("secret", 6, hex + 1);
    cr_expect(ss_acl_user_check_password(u, "secret", 6));
    cr_expect(!ss_acl_user_check_password(u, "secreT", 6));
    cr_expect(!ss_acl_user_check_password(u, "secret2", 7));
    cr_expect_eq(ss_acl_user_set(u, hex, SS_ACL_HASH_LEN + 1), SS_ACLE_OK); /* !hash removes it */
    cr_expect(!ss_acl_user_check_password(u, "secret", 6));
    hex[0] = '#';
    cr_expect_eq(ss_acl_user_set(u, hex, SS_ACL_HASH_LEN + 1), SS_ACLE_OK);
    cr_expect(ss_acl_user_check_password(u, "secret", 6));
    cr_expect_eq(ss_acl_user_set(u, "<secret", 7), SS_ACLE_OK);
    cr_expect(!ss_acl_user_check_password(u, "secret", 6));
    cr_expect_eq(ss_acl_user_set(u, "nopass", 6), SS_ACLE_OK);
    cr_expect(ss_acl_user_check_password(u, "anything", 8));
    cr_expect_eq(ss_acl_user_set(u, "off", 3), SS_ACLE_OK);
    cr_expect(!ss_acl_user_check_password(u, "anything", 8), "a user that is off cannot log in");
    ss_acl_user_free(u);
}

Test(acl, secrets_compare_equal_only_when_every_byte_and_the_length_match)
{
    cr_expect(ss_secret_equal("abc", 3, "abc", 3));
    cr_expect(!ss_secret_equal("abc", 3, "abd", 3));
    cr_expect(!ss_secret_equal("abc", 3, "abcabc", 6));
    cr_expect(!ss_secret_equal("abcabc", 6, "abc", 3));
    cr_expect(!ss_secret_equal("a", 1, "", 0));
    cr_expect(ss_secret_equal("", 0, "", 0));
}

Test(acl, commands_and_categories_allow_and_deny_with_subcommands_following_their_container)
{
    ss_acl_user *u = user_of("on ~* &* -@all +@string -append +config|get +client");
    cr_expect_eq(check(u, "GET k", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "APPEND k v", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "LPUSH k v", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "CONFIG GET maxclients", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "CONFIG SET maxclients 1", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "CLIENT ID", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "AUTH x", NULL), SS_ACL_OK, "commands that need no auth need no permission");
    ss_acl_user_free(u);
}

Test(acl, admin_and_membership_commands_are_admin_and_dangerous)
{
    ss_acl_user *u = user_of("on ~* &* +@all -@admin");
    cr_expect_eq(check(u, "RAFT.NODE LIST", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "RAFT.TRANSFER_LEADER", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "SHUTDOWN", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "DEBUG DIGEST", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "CONFIG SET maxclients 1", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "ACL SETUSER x", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "SET k v", NULL), SS_ACL_OK);
    ss_acl_user_free(u);
    u = user_of("on ~* &* +@all -@dangerous");
    cr_expect_eq(check(u, "FLUSHALL", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(check(u, "RAFT.NODE REMOVE 2", NULL), SS_ACL_DENIED_CMD);
    ss_acl_user_free(u);
}

Test(acl, first_args_allow_one_argument_of_a_denied_command)
{
    ss_acl_user *u = user_of("on ~* -@all +select|0");
    cr_expect_eq(check(u, "SELECT 0", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "SELECT 1", NULL), SS_ACL_DENIED_CMD);
    cr_expect_str_eq(describe(u), "on ~* resetchannels -@all +select|0");
    cr_expect_eq(ss_acl_user_set(u, "-select", 7), SS_ACLE_OK); /* drops the first args */
    cr_expect_eq(check(u, "SELECT 0", NULL), SS_ACL_DENIED_CMD);
    ss_acl_user_free(u);
}

Test(acl, key_patterns_by_read_and_write_permission)
{
    ss_acl_user *u = user_of("on +@all %R~r* %W~w* ~both*");
    int pos;
    cr_expect_eq(check(u, "GET r1", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "SET r1 v", NULL), SS_ACL_DENIED_KEY);
    cr_expect_eq(check(u, "SET w1 v", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "GET w1", NULL), SS_ACL_DENIED_KEY);
    cr_expect_eq(check(u, "APPEND both1 v", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "COPY r1 w1", NULL), SS_ACL_OK, "COPY reads its source and writes its destination");
    cr_expect_eq(check(u, "MSET w1 a both b x c", &pos), SS_ACL_DENIED_KEY);
    cr_expect_eq(pos, 5);
    cr_expect_eq(check(u, "DBSIZE", NULL), SS_ACL_OK, "a command of no key");
    cr_expect_eq(ss_acl_user_set(u, "resetkeys", 9), SS_ACLE_OK);
    cr_expect_eq(check(u, "GET r1", NULL), SS_ACL_DENIED_KEY);
    ss_acl_user_free(u);
}

Test(acl, channel_patterns_match_publish_and_subscribe_and_psubscribe_literally)
{
    ss_acl_user *u = user_of("on +@all resetchannels &news.* &exact");
    int pos;
    cr_expect_eq(check(u, "PUBLISH news.sport x", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "PUBLISH other x", &pos), SS_ACL_DENIED_CHANNEL);
    cr_expect_eq(pos, 1);
    cr_expect_eq(check(u, "SUBSCRIBE exact news.a", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "SUBSCRIBE exact zzz", &pos), SS_ACL_DENIED_CHANNEL);
    cr_expect_eq(pos, 2);
    cr_expect_eq(check(u, "PSUBSCRIBE news.*", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "PSUBSCRIBE news.s*", NULL), SS_ACL_DENIED_CHANNEL, "a pattern must be one of the user's");
    cr_expect_eq(check(u, "UNSUBSCRIBE zzz", NULL), SS_ACL_OK);
    ss_acl_user_free(u);
}

Test(acl, a_selector_allows_what_the_root_does_not)
{
    ss_acl_user *u = ss_acl_user_new("u", 1);
    const char *args[] = {"on", "~a*", "+get", "(+set", "~b*)"};
    size_t lens[5];
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(args[i]);
    ss_acl_rules r;
    int bad;
    cr_assert(ss_acl_rules_merge(5, (char *const *)args, lens, &r, &bad));
    cr_assert_eq(r.n, 4);
    cr_expect_str_eq(r.op[3], "(+set ~b*)");
    for (int j = 0; j < r.n; j++)
        cr_assert_eq(ss_acl_user_set(u, r.op[j], r.len[j]), SS_ACLE_OK);
    ss_acl_rules_free(&r);
    cr_expect_eq(check(u, "GET a1", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "SET b1 v", NULL), SS_ACL_OK);
    cr_expect_eq(check(u, "SET a1 v", NULL), SS_ACL_DENIED_KEY, "the most relevant of the selectors' refusals");
    cr_expect_eq(check(u, "GET b1", NULL), SS_ACL_DENIED_KEY);
    cr_expect_eq(check(u, "DEL a1", NULL), SS_ACL_DENIED_CMD);
    cr_expect_eq(ss_acl_user_set(u, "clearselectors", 14), SS_ACLE_OK);
    cr_expect_eq(check(u, "SET b1 v", NULL), SS_ACL_DENIED_CMD);
    const char *open[] = {"on", "(+get", "~a"};
    size_t olens[] = {2, 5, 2};
    cr_expect(!ss_acl_rules_merge(3, (char *const *)open, olens, &r, &bad));
    cr_expect_eq(bad, 1);
    ss_acl_user_free(u);
}

Test(acl, an_aclfile_loads_whole_or_not_at_all)
{
    const char *good = "user default on nopass ~* &* +@all\n\nuser u on >p ~k* +get\n";
    ss_acl *acl;
    ss_buf err;
    ss_buf_init(&err, 0);
    cr_assert(ss_acl_parse_file(good, strlen(good), "users.acl", &acl, &err));
    cr_expect_eq(ss_acl_count(acl), 2);
    cr_expect(ss_acl_find(acl, "u", 1));
    ss_acl_free(acl);
    const char *bad = "user u on +nosuch\nnotuser x\nuser u on\n";
    cr_assert(!ss_acl_parse_file(bad, strlen(bad), "users.acl", &acl, &err));
    char text[1024];
    snprintf(text, sizeof text, "%.*s", (int)ss_buf_len(&err), ss_buf_data(&err));
    cr_expect_str_eq(text,
                     "users.acl:1: Unknown command or category name in ACL. users.acl:2 should start with user "
                     "keyword followed by the username. WARNING: Duplicate user 'u' found on line 3. WARNING: ACL "
                     "errors detected, no change to the previously active ACL rules was performed");
    ss_buf_release(&err);
}

/* ------------------------------------------- through the engine */

Test(acl, setuser_applied_from_the_log_changes_the_users_and_auth_follows)
{
    cr_expect_str_eq(ct_run("__acl setuser alice on >pw ~k* +get"), "+OK\r\n");
    cr_expect_str_eq(ct_run("__acl setuser bob bogus"),
                     "-ERR Error in ACL SETUSER modifier 'bogus': Syntax error\r\n");
    cr_expect_str_eq(ct_dispatch("ACL USERS"), "*2\r\n$5\r\nalice\r\n$7\r\ndefault\r\n");
    cr_expect_str_eq(ct_dispatch("AUTH alice nope"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    cr_expect_str_eq(ct_dispatch("AUTH alice pw"), "+OK\r\n");
    cr_expect_str_eq(ct_dispatch("ACL WHOAMI"), "-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n");
    cr_expect_str_eq(ct_dispatch("SET k v"), "-NOPERM this user has no permissions to run the 'set' command\r\n");
    cr_expect_str_eq(ct_dispatch("GET other"),
                     "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n");
    cr_expect_str_eq(ct_run("__acl setuser alice +acl|whoami +acl|log"), "+OK\r\n");
    cr_expect_str_eq(ct_dispatch("ACL WHOAMI"), "$5\r\nalice\r\n");
    const char *log = ct_dispatch("ACL LOG 1");
    cr_expect(strstr(log, "$6\r\nreason\r\n$3\r\nkey\r\n"), "%s", log);
    cr_expect(strstr(log, "$6\r\nobject\r\n$5\r\nother\r\n"), "%s", log);
    cr_expect(strstr(log, "user=alice"), "%s", log);
    cr_expect_str_eq(ct_run("__acl deluser alice nobody"), ":1\r\n");
    cr_expect_str_eq(ct_dispatch("PING"), "-NOAUTH Authentication required.\r\n", "a deleted user's connection is over");
    cr_expect_str_eq(ct_run("__acl deluser default"), "-ERR The 'default' user cannot be removed\r\n");
}

Test(acl, requirepass_is_the_default_users_password_until_the_cluster_sets_its_own)
{
    ct_require_password("s3cret");
    cr_expect_str_eq(ct_dispatch("PING"), "-NOAUTH Authentication required.\r\n");
    cr_expect_str_eq(ct_dispatch("AUTH default s3cret"), "+OK\r\n");
    cr_expect_str_eq(ct_run("__acl setuser default resetpass >other"), "+OK\r\n");
    ct_require_password("s3cret"); /* a fresh connection */
    cr_expect_str_eq(ct_dispatch("AUTH s3cret"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    cr_expect_str_eq(ct_dispatch("AUTH other"), "+OK\r\n");
}

Test(acl, rules_whose_acl_list_words_would_not_read_back_are_refused_or_normalized)
{
    ss_acl_user *u = ss_acl_user_new("u", 1);
    cr_expect_eq(ss_acl_user_set(u, "(~a) +get)", 10), SS_ACLE_SYNTAX, "a selector word ending in )");
    cr_expect_eq(ss_acl_user_set(u, "+select|a b", 11), SS_ACLE_SYNTAX, "a first arg with a space");
    cr_expect_eq(ss_acl_user_set(u, "%R~*", 4), SS_ACLE_OK);
    cr_expect_eq(ss_acl_user_set(u, "%W~*", 4), SS_ACLE_OK);
    cr_expect_str_eq(describe(u), "off ~* resetchannels -@all");
    cr_expect_eq(ss_acl_user_set(u, "~b", 2), SS_ACLE_KEY_AFTER_ALL, "as after ~*, which ACL LIST shows");
    ss_acl_user_free(u);
}
