/* CLUSTER KEYSLOT/COUNTKEYSINSLOT/GETKEYSINSLOT/SLOTS/SHARDS/NODES/INFO and READONLY/READWRITE/ASKING on the bench (a lone master, no Raft group). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/session.h"

TestSuite(cluster, .init = ct_setup, .fini = ct_teardown);

#define EXPECT(cmd, reply) cr_expect_str_eq(ct_dispatch(cmd), reply, "%s", cmd)

Test(cluster, keyslot_is_crc16_of_the_hash_tag_or_the_whole_key)
{
    /* The slots redis-server 7.0.15 in cluster mode gives. */
    EXPECT("CLUSTER KEYSLOT foo", ":12182\r\n");
    EXPECT("CLUSTER KEYSLOT {user1000}.following", ":3443\r\n");
    EXPECT("CLUSTER KEYSLOT {}foo", ":9500\r\n");
    EXPECT("CLUSTER KEYSLOT", "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
}

Test(cluster, countkeysinslot_and_getkeysinslot_see_only_the_slots_keys)
{
    cr_assert_str_eq(ct_run("SET {c}a 1"), "+OK\r\n");
    cr_assert_str_eq(ct_run("SET {c}b 2"), "+OK\r\n");
    cr_assert_str_eq(ct_run("SET other 3"), "+OK\r\n");
    EXPECT("CLUSTER COUNTKEYSINSLOT 7365", ":2\r\n");
    EXPECT("CLUSTER COUNTKEYSINSLOT 0", ":0\r\n");
    EXPECT("CLUSTER GETKEYSINSLOT 7365 10", "*2\r\n$4\r\n{c}a\r\n$4\r\n{c}b\r\n");
    EXPECT("CLUSTER GETKEYSINSLOT 7365 1", "*1\r\n$4\r\n{c}a\r\n");
    EXPECT("CLUSTER GETKEYSINSLOT 7365 0", "*0\r\n");
    /* An expired key is not in the slot any more. */
    cr_assert_str_eq(ct_run("PEXPIRE {c}b 10"), ":1\r\n");
    ct_now += 20;
    EXPECT("CLUSTER COUNTKEYSINSLOT 7365", ":1\r\n");
}

Test(cluster, slot_arguments_get_redis_errors)
{
    EXPECT("CLUSTER COUNTKEYSINSLOT 16384", "-ERR Invalid slot\r\n");
    EXPECT("CLUSTER COUNTKEYSINSLOT -1", "-ERR Invalid slot\r\n");
    EXPECT("CLUSTER COUNTKEYSINSLOT x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("CLUSTER GETKEYSINSLOT 1 -1", "-ERR Invalid slot or number of keys\r\n");
    EXPECT("CLUSTER GETKEYSINSLOT 16384 1", "-ERR Invalid slot or number of keys\r\n");
    EXPECT("CLUSTER GETKEYSINSLOT 1 x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("CLUSTER REPLICAS nosuch", "-ERR Unknown node nosuch\r\n");
}

Test(cluster, a_lone_node_is_the_master_of_every_slot)
{
    const char *r = ct_dispatch("CLUSTER SLOTS");
    cr_expect(!strncmp(r, "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n", 22), "%s", r);
    r = ct_dispatch("CLUSTER NODES");
    cr_expect(strstr(r, " myself,master - 0 ") != NULL && strstr(r, " connected 0-16383\n") != NULL, "%s", r);
    r = ct_dispatch("CLUSTER INFO");
    cr_expect(strstr(r, "cluster_state:ok\r\n") && strstr(r, "cluster_known_nodes:1\r\n"), "%s", r);
    ct_dispatch_resp3(true);
    r = ct_dispatch("CLUSTER INFO");
    cr_expect(!strncmp(r, "=", 1) && strstr(r, "\r\ntxt:cluster_state:ok"), "verbatim in RESP3: %s", r);
    r = ct_dispatch("CLUSTER SHARDS");
    cr_expect(!strncmp(r, "*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n%7\r\n", 49), "%s", r);
}

Test(cluster, readonly_and_readwrite_set_the_connections_read_mode_and_reset_clears_it)
{
    EXPECT("READONLY", "+OK\r\n");
    cr_expect(ct_session()->readonly);
    EXPECT("READWRITE", "+OK\r\n");
    cr_expect(!ct_session()->readonly);
    EXPECT("READONLY", "+OK\r\n");
    EXPECT("RESET", "+RESET\r\n");
    cr_expect(!ct_session()->readonly);
    EXPECT("ASKING", "+OK\r\n");
    EXPECT("ASKING x", "-ERR wrong number of arguments for 'asking' command\r\n");
}
