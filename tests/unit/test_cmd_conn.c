/* Connection commands: HELLO's protocols and its errors, which leave the connection as it was. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/session.h"

TestSuite(conn, .init = ct_setup, .fini = ct_teardown);

#define EXPECT(line, want) cr_expect_str_eq(ct_dispatch(line), want, "%s", line)

static const char *const hello2 =
    "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n"
    "$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";
static const char *const hello3 =
    "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
    "$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";

Test(conn, hello_switches_between_resp2_and_resp3_and_answers_a_map)
{
    EXPECT("HELLO", hello2);
    EXPECT("HELLO 3", hello3);
    cr_expect_eq(ct_session()->proto, RESP3);
    EXPECT("CLIENT GETNAME", "_\r\n");
    EXPECT("HELLO", hello3); /* no version: keeps the protocol */
    EXPECT("HELLO 2", hello2);
    EXPECT("CLIENT GETNAME", "$-1\r\n");
}

Test(conn, hello_refuses_versions_other_than_2_and_3_with_noproto)
{
    EXPECT("HELLO 3", hello3);
    EXPECT("HELLO 1", "-NOPROTO unsupported protocol version\r\n");
    EXPECT("HELLO 4", "-NOPROTO unsupported protocol version\r\n");
    EXPECT("HELLO -3", "-NOPROTO unsupported protocol version\r\n");
    EXPECT("HELLO 3.0", "-ERR Protocol version is not an integer or out of range\r\n");
    EXPECT("HELLO 99999999999999999999", "-ERR Protocol version is not an integer or out of range\r\n");
    cr_expect_eq(ct_session()->proto, RESP3, "a refused HELLO keeps the protocol");
}

Test(conn, a_malformed_hello_changes_nothing_for_the_connection)
{
    EXPECT("CLIENT SETNAME before", "+OK\r\n");
    /* Redis 7.0 sets the name as it reads SETNAME, then fails on what follows. */
    EXPECT("HELLO 3 SETNAME after NOSUCH", "-ERR Syntax error in HELLO option 'NOSUCH'\r\n");
    EXPECT("HELLO 3 SETNAME after AUTH default", "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    EXPECT("HELLO 3 SETNAME after SETNAME", "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
    EXPECT("HELLO 3 SETNAME after AUTH other pass",
           "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT("HELLO 3 SETNAME \"bad name\"",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    cr_expect_str_eq(ct_session()->name, "before");
    cr_expect_eq(ct_session()->proto, RESP2);
    EXPECT("HELLO 3 SETNAME after", hello3);
    cr_expect_str_eq(ct_session()->name, "after");
}

Test(conn, hello_reports_errors_in_the_order_redis_finds_them)
{
    /* The version first, then the options from left to right. */
    EXPECT("HELLO 5 NOSUCH", "-NOPROTO unsupported protocol version\r\n");
    EXPECT("HELLO 3 AUTH other pass SETNAME \"a b\"",
           "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT("HELLO 3 SETNAME \"a b\" AUTH other pass",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
}

Test(conn, hello_authenticates_or_asks_for_auth_with_its_own_words)
{
    ct_require_password("secret");
    EXPECT("HELLO 3", "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                      "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                      "the RESP protocol version at the same time\r\n");
    EXPECT("HELLO 3 SETNAME n AUTH default wrong",
           "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT("HELLO 3 AUTH default secret SETNAME \"a b\"",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    cr_expect_not(ct_session()->authenticated, "a failed HELLO does not authenticate");
    cr_expect_str_eq(ct_session()->name, "");
    EXPECT("PING", "-NOAUTH Authentication required.\r\n");
    EXPECT("HELLO 3 AUTH default secret SETNAME n", hello3);
    cr_expect(ct_session()->authenticated);
    cr_expect_str_eq(ct_session()->name, "n");
    EXPECT("PING", "+PONG\r\n");
}

Test(conn, client_info_and_list_are_verbatim_text_in_resp3)
{
    const char *r = ct_dispatch("CLIENT INFO");
    cr_expect(r[0] == '$', "RESP2: a bulk string: %s", r);
    ct_dispatch_resp3(true);
    r = ct_dispatch("CLIENT INFO");
    cr_expect(r[0] == '=' && strstr(r, "\r\ntxt:id=1 ") != NULL, "RESP3: verbatim txt: %s", r);
    r = ct_dispatch("INFO server");
    cr_expect(r[0] == '=' && strstr(r, "\r\ntxt:# Server") != NULL, "%s", r);
}

Test(conn, client_list_filters_get_redis_errors)
{
    EXPECT("CLIENT LIST TYPE nosuch", "-ERR Unknown client type 'nosuch'\r\n");
    EXPECT("CLIENT LIST ID 1 x", "-ERR Invalid client ID\r\n");
    EXPECT("CLIENT LIST ID", "-ERR syntax error\r\n");
    EXPECT("CLIENT LIST TYPE normal x", "-ERR syntax error\r\n");
    EXPECT("CLIENT LIST nosuch", "-ERR syntax error\r\n");
    /* No connection is a master, a replica or a subscriber. */
    EXPECT("CLIENT LIST TYPE replica", "$0\r\n\r\n");
    EXPECT("CLIENT LIST ID 999", "$0\r\n\r\n");
}
