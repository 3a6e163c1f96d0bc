/* Connection commands: HELLO's protocols and its errors, which leave the connection as it was. */
#include <criterion/criterion.h>
#include <stdio.h>
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
    /* No connection is a master or a replica; none subscribes here. */
    EXPECT("CLIENT LIST TYPE replica", "$0\r\n\r\n");
    EXPECT("CLIENT LIST ID 999", "$0\r\n\r\n");
}

Test(conn, client_tracking_sets_the_flags_trackinginfo_and_getredir_report)
{
    EXPECT("CLIENT GETREDIR", ":-1\r\n");
    EXPECT("CLIENT TRACKING on OPTIN NOLOOP", "+OK\r\n");
    EXPECT("CLIENT CACHING yes", "+OK\r\n");
    ct_dispatch_resp3(true);
    EXPECT("CLIENT TRACKINGINFO", "%3\r\n$5\r\nflags\r\n~4\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n"
                                  "$6\r\nnoloop\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n");
    /* CLIENT CACHING holds for one command (not CLIENT itself) */
    ct_dispatch("PING");
    cr_expect_eq(ct_session()->tracking & SS_TRACK_CACHING, 0u);
    EXPECT("CLIENT TRACKING off", "+OK\r\n");
    cr_expect_eq(ct_session()->tracking, 0u);
    EXPECT("CLIENT TRACKING on BCAST PREFIX a: PREFIX b:", "+OK\r\n");
    EXPECT("CLIENT TRACKINGINFO", "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
                                  "$8\r\nprefixes\r\n*2\r\n$2\r\na:\r\n$2\r\nb:\r\n");
    EXPECT("CLIENT TRACKING on BCAST PREFIX a:x",
           "-ERR Prefix 'a:x' overlaps with an existing prefix 'a:'. Prefixes for a single client must not overlap.\r\n");
}

Test(conn, client_reply_skip_and_off_leave_only_on_answering)
{
    EXPECT("CLIENT REPLY SKIP", "");
    cr_expect(ct_session()->reply_skip_next);
    EXPECT("CLIENT REPLY OFF", "");
    EXPECT("CLIENT REPLY ON", "+OK\r\n");
    cr_expect(!ct_session()->reply_off && !ct_session()->reply_skip_next);
    EXPECT("CLIENT REPLY maybe", "-ERR syntax error\r\n");
    /* RESET turns replies back on, as Redis's clearClientConnectionState */
    EXPECT("CLIENT REPLY OFF", "");
    EXPECT("RESET", "+RESET\r\n");
    cr_expect(!ct_session()->reply_off);
}

Test(conn, client_kill_and_pause_check_their_arguments_as_redis)
{
    EXPECT("CLIENT KILL id 0", "-ERR client-id should be greater than 0\r\n");
    EXPECT("CLIENT KILL type nosuch", "-ERR Unknown client type 'nosuch'\r\n");
    EXPECT("CLIENT KILL user nosuch", "-ERR No such user 'nosuch'\r\n");
    EXPECT("CLIENT KILL skipme maybe", "-ERR syntax error\r\n");
    EXPECT("CLIENT KILL id 1 type", "-ERR syntax error\r\n");
    EXPECT("CLIENT PAUSE 10 sometimes", "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n");
    EXPECT("CLIENT PAUSE -5", "-ERR timeout is negative\r\n");
    EXPECT("CLIENT PAUSE 9223372036854775807", "-ERR timeout is out of range\r\n");
}

/* The filters CLIENT KILL picks clients by (ss_session_matches). */
Test(conn, client_filters_pick_by_type_id_address_and_self)
{
    ss_session a, b;
    ss_session_init(&a, 7, true);
    ss_session_init(&b, 8, true);
    snprintf(a.addr, sizeof a.addr, "127.0.0.1:1000");
    snprintf(b.addr, sizeof b.addr, "127.0.0.1:2000");
    b.subscribed = 1;
    ss_client_filter f = {.type = -1};
    cr_expect(ss_session_matches(&a, &f, &a));
    f.skipme = true;
    cr_expect(!ss_session_matches(&a, &f, &a));
    cr_expect(ss_session_matches(&b, &f, &a));
    f = (ss_client_filter){.type = SS_CLIENT_TYPE_PUBSUB};
    cr_expect(!ss_session_matches(&a, &f, NULL));
    cr_expect(ss_session_matches(&b, &f, NULL));
    f = (ss_client_filter){.type = -1, .id = 8, .addr = "127.0.0.1:2000"};
    cr_expect(ss_session_matches(&b, &f, NULL));
    f.addr = "127.0.0.1:1000";
    cr_expect(!ss_session_matches(&b, &f, NULL));
    cr_expect_eq(ss_client_type_by_name("SLAVE"), SS_CLIENT_TYPE_REPLICA);
    cr_expect_eq(ss_client_type_by_name("replica"), SS_CLIENT_TYPE_REPLICA);
    cr_expect_eq(ss_client_type_by_name("nosuch"), -1);
}
