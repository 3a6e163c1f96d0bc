/* Keyspace events raised by every write of the existing families, compared with what redis-server 7.0.15 raised for the same commands (notify-keyspace-events KEAnm). */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(cmd_events, .init = ct_setup, .fini = ct_teardown);

/*
 * Each line ran in order on a redis-server 7.0.15 (CONFIG SET
 * notify-keyspace-events KEAnm, a subscriber to __keyevent@*__:*) after a
 * FLUSHALL; the second column is what its subscriber received, event:key
 * (key@db outside db 0). Lines whose events depended on Redis's expiry timer
 * were left out.
 */
static const struct {
    const char *cmd, *events;
} redis_7_0[] = {
    {"set s v", "new:s set:s"},
    {"set s v2", "set:s"},
    {"set s v3 nx", ""},
    {"set s v4 xx get", "set:s"},
    {"set s2 v ex 100", "new:s2 set:s2 expire:s2"},
    {"set s2 v keepttl", "set:s2"},
    {"getset s x", "set:s"},
    {"getset snew x", "keymiss:snew new:snew set:snew"},
    {"getdel s", "del:s"},
    {"getdel nokey", "keymiss:nokey"},
    {"getex s2 ex 50", "expire:s2"},
    {"getex s2 persist", "persist:s2"},
    {"getex s2", ""},
    {"setnx a 1", "new:a set:a"},
    {"setnx a 2", ""},
    {"setex b 10 v", "new:b set:b expire:b"},
    {"mset m1 1 m2 2", "new:m1 set:m1 new:m2 set:m2"},
    {"msetnx m1 1 m3 3", ""},
    {"msetnx m4 1 m5 3", "new:m4 set:m4 new:m5 set:m5"},
    {"incr n", "new:n incrby:n"},
    {"incrby n 5", "incrby:n"},
    {"decr n", "incrby:n"},
    {"decrby n 2", "incrby:n"},
    {"incrbyfloat n 1.5", "incrbyfloat:n"},
    {"append n xx", "append:n"},
    {"append newap xx", "new:newap append:newap"},
    {"setrange n 1 zz", "setrange:n"},
    {"setrange nsr 0 \"\"", ""},
    {"setrange nsr 2 ab", "new:nsr setrange:nsr"},
    {"set ex0 v exat 1", "new:ex0 set:ex0 expire:ex0 expired:ex0"},
    {"set ex1 v ex 100", "new:ex1 set:ex1 expire:ex1"},
    {"set ex1 v pxat 1", "set:ex1 expire:ex1 expired:ex1"},
    {"set ex0 v exat 1", "new:ex0 set:ex0 expire:ex0 expired:ex0"},
    {"get ex0", "keymiss:ex0"},
    {"set k v", "new:k set:k"},
    {"expire k -1", "del:k"},
    {"set k v", "new:k set:k"},
    {"pexpireat k 1", "del:k"},
    {"set k v", "new:k set:k"},
    {"getex k exat 1", "del:k"},
    {"set k v", "new:k set:k"},
    {"expire k 100", "expire:k"},
    {"expire k 100 nx", ""},
    {"expire k 200 xx", "expire:k"},
    {"expire k 50 gt", ""},
    {"expire k 50 lt", "expire:k"},
    {"persist k", "persist:k"},
    {"persist k", ""},
    {"setex k -1 v", ""},
    {"set k v", "set:k"},
    {"set h v", "new:h set:h"},
    {"del h nokey", "del:h"},
    {"unlink k", "del:k"},
    {"set k v", "new:k set:k"},
    {"rename k k2", "new:k2 rename_from:k rename_to:k2"},
    {"rename k2 k2", ""},
    {"renamenx k2 k3", "new:k3 rename_from:k2 rename_to:k3"},
    {"set k4 v", "new:k4 set:k4"},
    {"renamenx k3 k4", ""},
    {"copy k3 k5", "new:k5 copy_to:k5"},
    {"copy k3 k5", ""},
    {"copy k3 k5 replace", "new:k5 copy_to:k5"},
    {"copy k3 k6 db 1", "new:k6@1 copy_to:k6@1"},
    {"move k3 2", "new:k3@2 move_from:k3 move_to:k3@2"},
    {"move k4 2", "new:k4@2 move_from:k4 move_to:k4@2"},
    {"touch k4", "keymiss:k4"},
    {"flushdb", ""},
    {"set k v", "new:k set:k"},
    {"flushall", ""},
    {"lpush l a b c", "new:l lpush:l"},
    {"rpush l d", "rpush:l"},
    {"lpushx l e", "lpush:l"},
    {"lpushx nol e", ""},
    {"rpushx nol e", ""},
    {"lpop l", "lpop:l"},
    {"rpop l 2", "rpop:l"},
    {"lpop nol", ""},
    {"lpop l 0", ""},
    {"lset l 0 X", "lset:l"},
    {"linsert l before X Y", "linsert:l"},
    {"linsert l before nothere Y", ""},
    {"lrem l 0 Y", "lrem:l"},
    {"lrem l 0 nothere", ""},
    {"ltrim l 0 0", "ltrim:l"},
    {"ltrim l 5 10", "ltrim:l del:l"},
    {"rpush l a b", "new:l rpush:l"},
    {"lmove l l2 left right", "new:l2 rpush:l2 lpop:l"},
    {"lmove l l2 left right", "rpush:l2 lpop:l del:l"},
    {"lmove l2 l2 left right", "rpush:l2 lpop:l2"},
    {"rpoplpush l2 l3", "new:l3 lpush:l3 rpop:l2"},
    {"rpoplpush l2 l3", "lpush:l3 rpop:l2 del:l2"},
    {"lpop l3", "lpop:l3"},
    {"lpop l3", "lpop:l3 del:l3"},
    {"set str v", "new:str set:str"},
    {"lpush str x", ""},
    {"rpush r a b c", "new:r rpush:r"},
    {"ltrim r 1 -1", "ltrim:r"},
    {"lrem r 0 b", "lrem:r"},
    {"lrem r 1 c", "lrem:r del:r"},
    {"hset h f v g w", "new:h hset:h"},
    {"hset h f v", "hset:h"},
    {"hsetnx h f v", ""},
    {"hsetnx h z v", "hset:h"},
    {"hmset h a 1", "hset:h"},
    {"hincrby h a 2", "hincrby:h"},
    {"hincrbyfloat h a 2.5", "hincrbyfloat:h"},
    {"hdel h nothere", ""},
    {"hdel h a f", "hdel:h"},
    {"hdel h g z", "hdel:h del:h"},
    {"sadd s a b", "new:s sadd:s"},
    {"sadd s a", ""},
    {"srem s x", ""},
    {"srem s a", "srem:s"},
    {"spop s", "spop:s del:s"},
    {"sadd s a b c", "new:s sadd:s"},
    {"spop s 2", "spop:s"},
    {"spop s 5", "spop:s del:s"},
    {"sadd s1 a b", "new:s1 sadd:s1"},
    {"sadd s2 b c", "new:s2 sadd:s2"},
    {"sinterstore d s1 s2", "new:d sinterstore:d"},
    {"sinterstore d s1 nothere", "keymiss:nothere del:d"},
    {"sunionstore d s1 s2", "new:d sunionstore:d"},
    {"sdiffstore d s1 s1", "del:d"},
    {"sdiffstore s1 s1 s2", "sdiffstore:s1"},
    {"smove s1 s2 a", "srem:s1 del:s1 sadd:s2"},
    {"smove s2 s1 b", "srem:s2 new:s1 sadd:s1"},
    {"smove s2 s3 c", "srem:s2 new:s3 sadd:s3"},
    {"smove s2 s3 q", ""},
    {"zadd z 1 a 2 b", "new:z zadd:z"},
    {"zadd z 1 a", ""},
    {"zadd z 3 a", "zadd:z"},
    {"zadd z xx 5 q", ""},
    {"zadd z nx 5 a", ""},
    {"zadd z incr 1 a", "zincr:z"},
    {"zadd z gt ch 1 a", ""},
    {"zincrby z 1 b", "zincr:z"},
    {"zincrby z 1 new", "zincr:z"},
    {"zrem z nothere", ""},
    {"zrem z a", "zrem:z"},
    {"zpopmin z", "zpopmin:z"},
    {"zpopmax z 5", "zpopmax:z del:z"},
    {"zpopmin z", ""},
    {"zadd z 1 a 2 b 3 c 4 d", "new:z zadd:z"},
    {"zremrangebyrank z 5 6", ""},
    {"zremrangebyrank z 0 0", "zremrangebyrank:z"},
    {"zremrangebyscore z 3 3", "zremrangebyscore:z"},
    {"zremrangebylex z [a [z", "zremrangebylex:z del:z"},
    {"zadd z 1 a", "new:z zadd:z"},
    {"zremrangebyscore z 0 10", "zremrangebyscore:z del:z"},
    {"sinterstore nd s1 nothere", "keymiss:nothere"},
    {"sadd s1 a", "sadd:s1"},
    {"smove s1 s1 a", ""},
    {"spop s1 0", ""},
    {"sadd s1 a", ""},
    {"sunionstore s1 nothere", "keymiss:nothere del:s1"},
    {"sadd s1 a", "new:s1 sadd:s1"},
    {"sdiffstore s1 nothere", "keymiss:nothere del:s1"},
    {"zadd z incr 1 a", "new:z zincr:z"},
    {"zadd z incr nan a", ""},
};

Test(cmd_events, every_write_raises_what_redis_7_0_raises_in_its_order)
{
    for (size_t i = 0; i < sizeof redis_7_0 / sizeof redis_7_0[0]; i++) {
        ct_run(redis_7_0[i].cmd);
        cr_expect_str_eq(ct_events(), redis_7_0[i].events, "%s", redis_7_0[i].cmd);
    }
}

Test(cmd_events, a_write_to_an_expired_key_expires_it_first_as_a_master_does)
{
    ct_run("SET k v PX 100");
    ct_run("RPUSH l a");
    ct_run("PEXPIRE l 100");
    ct_now += 200;
    ct_run("SET k w");
    cr_expect_str_eq(ct_events(), "expired:k new:k set:k");
    cr_expect_str_eq(ct_modified(), "k k");
    ct_run("LPUSH l b");
    cr_expect_str_eq(ct_events(), "expired:l new:l lpush:l");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*1\r\n$1\r\nb\r\n");
}

Test(cmd_events, the_leaders_expiry_raises_expired_for_keys_still_expired)
{
    ct_run("SET k v PX 100");
    ct_run("SET j v PX 100");
    ct_now += 200;
    ct_run("SET j w");
    cr_expect_str_eq(ct_run("__expire 0 k 0 j 0 gone"), ":1\r\n", "j was rewritten without an expiry");
    cr_expect_str_eq(ct_events(), "expired:k");
    cr_expect_str_eq(ct_modified(), "k");
}

Test(cmd_events, flushes_touch_whole_databases_and_raise_no_event)
{
    ct_run("SET k v");
    ct_run("FLUSHDB");
    cr_expect_str_eq(ct_events(), "");
    cr_expect_str_eq(ct_modified(), "*0");
    ct_run("FLUSHALL");
    cr_expect_str_eq(ct_modified(), "*all");
}

Test(cmd_events, reads_raise_keymiss_and_nothing_else)
{
    ct_run("SET k v");
    ct_run("MGET k nokey k other");
    cr_expect_str_eq(ct_events(), "keymiss:nokey keymiss:other");
    cr_expect_str_eq(ct_modified(), "");
}

Test(cmd_events, new_lists_and_sorted_sets_are_ready_for_blocked_clients)
{
    ct_run("RPUSH l a");
    cr_expect_str_eq(ct_ready(), "l");
    ct_run("RPUSH l b");
    cr_expect_str_eq(ct_ready(), "", "only a new key can have clients blocked on it");
    ct_run("ZADD z 1 a");
    cr_expect_str_eq(ct_ready(), "z");
    ct_run("LMOVE l l2 LEFT RIGHT");
    cr_expect_str_eq(ct_ready(), "l2");
    ct_run("SADD s a");
    ct_run("HSET h f v");
    ct_run("SET str v");
    cr_expect_str_eq(ct_ready(), "", "nothing blocks on strings, hashes or sets");
}

Test(cmd_events, every_write_touches_the_keys_it_changes)
{
    ct_run("SET a 1");
    cr_expect_str_eq(ct_modified(), "a");
    ct_run("MSET a 1 b 2");
    cr_expect_str_eq(ct_modified(), "a b");
    ct_run("RENAME a c");
    cr_expect_str_eq(ct_modified(), "a c");
    ct_run("MOVE c 3");
    cr_expect_str_eq(ct_modified(), "c c@3");
    ct_run("COPY b d DB 2");
    cr_expect_str_eq(ct_modified(), "d@2");
    ct_run("SADD s x y");
    ct_run("SMOVE s t x");
    cr_expect_str_eq(ct_modified(), "s t");
    ct_run("DEL b nothere");
    cr_expect_str_eq(ct_modified(), "b");
    ct_run("SET a 1 NX");
    ct_run("SET a 1 NX");
    cr_expect_str_eq(ct_modified(), "", "a write that changes nothing touches nothing");
}
