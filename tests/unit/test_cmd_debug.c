/* DEBUG DIGEST / DIGEST-VALUE / HELP: digests follow the logical data only, and every logical change shows. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "engine/engine.h"
#include "store/keyspace.h"

TestSuite(debug, .init = ct_setup, .fini = ct_teardown);

#define EXPECT(cmd, reply) cr_expect_str_eq(ct_run(cmd), reply, "%s", cmd)
#define ZEROS "0000000000000000000000000000000000000000"

/* A status reply "+<40 lowercase hex>\r\n". */
static void assert_digest_shape(const char *r)
{
    cr_assert_eq(strlen(r), 43, "not a digest: %s", r);
    cr_assert_eq(r[0], '+');
    for (int i = 1; i <= 40; i++)
        cr_assert(strchr("0123456789abcdef", r[i]) != NULL, "not hex: %s", r);
    cr_assert_str_eq(r + 41, "\r\n");
}

/* The digest of the dataset the commands build, starting from an empty one
 * (FLUSHALL leaves the old keys unswept, and versions only grow, so each
 * build differs physically from the last). Returns a heap string. */
static char *digest_of(const char *first, ...)
{
    cr_assert_str_eq(ct_run("FLUSHALL"), "+OK\r\n");
    va_list ap;
    va_start(ap, first);
    for (const char *cmd = first; cmd; cmd = va_arg(ap, const char *)) {
        const char *r = ct_run(cmd);
        cr_assert(r[0] != '-', "%s: %s", cmd, r);
    }
    va_end(ap);
    const char *r = ct_run("DEBUG DIGEST");
    assert_digest_shape(r);
    return strdup(r);
}

#define SAME(a, b)                                                               \
    do {                                                                         \
        char *x_ = (a), *y_ = (b);                                               \
        cr_expect_str_eq(x_, y_, "digests differ for the same data");           \
        free(x_);                                                                \
        free(y_);                                                                \
    } while (0)

#define DIFFERENT(a, b)                                                          \
    do {                                                                         \
        char *x_ = (a), *y_ = (b);                                               \
        cr_expect_str_neq(x_, y_, "digests equal for different data");          \
        free(x_);                                                                \
        free(y_);                                                                \
    } while (0)

/* ----------------------------------------------------------- DIGEST: empty */

Test(debug, digest_of_empty_dataset_is_all_zeros)
{
    EXPECT("DEBUG DIGEST", "+" ZEROS "\r\n");
    EXPECT("debug digest", "+" ZEROS "\r\n");
}

Test(debug, digest_returns_to_zeros_when_every_key_is_gone)
{
    ct_run("SET a 1");
    ct_run("RPUSH l x y");
    cr_expect_str_neq(ct_run("DEBUG DIGEST"), "+" ZEROS "\r\n");
    ct_run("DEL a l");
    EXPECT("DEBUG DIGEST", "+" ZEROS "\r\n");
    ct_run("SET b 2");
    ct_run("FLUSHALL");
    EXPECT("DEBUG DIGEST", "+" ZEROS "\r\n");
}

Test(debug, digest_of_data_is_forty_hex_digits_and_stable)
{
    ct_run("SET a 1");
    char *first = strdup(ct_run("DEBUG DIGEST"));
    assert_digest_shape(first);
    cr_expect_str_neq(first, "+" ZEROS "\r\n");
    ct_run("GET a");
    ct_run("HGET nokey f");
    cr_expect_str_eq(ct_run("DEBUG DIGEST"), first, "reads must not change the digest");
    free(first);
}

/* --------------------------------------- DIGEST: same data, same digest */

Test(debug, strings_in_any_order_and_by_any_command)
{
    SAME(digest_of("MSET a 1 b 2 c 3", NULL),
         digest_of("SET c 3", "SET b x", "SET a 1", "SET b 2", NULL));
    SAME(digest_of("SET n 10", NULL), digest_of("SET n 7", "INCRBY n 3", NULL));
    SAME(digest_of("SET s hello", NULL), digest_of("SET s he", "APPEND s llo", NULL));
}

Test(debug, hashes_from_hset_or_hmset_in_any_order)
{
    SAME(digest_of("HSET h f1 v1 f2 v2 f3 v3", NULL),
         digest_of("HMSET h f3 v3", "HSET h f2 old", "HMSET h f1 v1 f2 v2", NULL));
    SAME(digest_of("HSET h a 1", NULL), digest_of("HSET h a 1 b 2", "HDEL h b", NULL));
}

Test(debug, lists_built_from_either_end)
{
    SAME(digest_of("RPUSH l a b c", NULL), digest_of("LPUSH l c b a", NULL));
    SAME(digest_of("RPUSH l a b c", NULL), digest_of("RPUSH l b", "LPUSH l a", "RPUSH l c", NULL));
    SAME(digest_of("RPUSH l a b c", NULL), digest_of("RPUSH l x a b c y", "LPOP l", "RPOP l", NULL));
    SAME(digest_of("RPUSH l a b c", NULL), digest_of("RPUSH l a c", "LINSERT l BEFORE c b", NULL));
}

Test(debug, sets_and_sorted_sets_in_any_order)
{
    SAME(digest_of("SADD s a b c", NULL), digest_of("SADD s c", "SADD s b a", NULL));
    SAME(digest_of("SADD s a", NULL), digest_of("SADD s a b", "SREM s b", NULL));
    SAME(digest_of("ZADD z 1 a 2 b 3 c", NULL), digest_of("ZADD z 3 c", "ZADD z 9 a 2 b", "ZADD z 1 a", NULL));
    SAME(digest_of("ZADD z 0 a", NULL), digest_of("ZADD z -0 a", NULL));
}

Test(debug, expiry_set_the_same_way_gives_the_same_digest)
{
    /* EX is relative to the entry's time; both builds run at the same ct_now. */
    SAME(digest_of("SET k v EX 100", NULL), digest_of("SET k v", "PEXPIREAT k 1700000100000", NULL));
    SAME(digest_of("SET k v", NULL), digest_of("SET k v EX 100", "PERSIST k", NULL));
}

Test(debug, keys_in_several_dbs)
{
    SAME(digest_of("SET a 1", "MOVE a 3", "SET b 2", "MOVE b 15", NULL),
         digest_of("SET b 2", "MOVE b 15", "SET a 1", "MOVE a 3", NULL));
}

Test(debug, collections_moved_or_copied_match_ones_built_in_place)
{
    /* RENAME, COPY and MOVE give the collection a new version; the digest must not see it. */
    SAME(digest_of("HSET h2 f v g w", NULL), digest_of("HSET h f v g w", "RENAME h h2", NULL));
    SAME(digest_of("RPUSH a x y", "RPUSH b x y", NULL), digest_of("LPUSH a y x", "COPY a b", NULL));
    SAME(digest_of("ZADD z 1 m", "MOVE z 2", NULL), digest_of("ZADD z 5 m 9 n", "ZREM z n", "ZADD z 1 m", "MOVE z 2", NULL));
}

Test(debug, many_keys_inserted_in_opposite_orders)
{
    char *fwd, *rev;
    ct_run("FLUSHALL");
    for (int i = 0; i < 300; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "RPUSH list%d %d %d", i % 7, i, i * 3);
        ct_run(cmd);
        snprintf(cmd, sizeof cmd, "SET key:%d v%d", i, i);
        ct_run(cmd);
    }
    fwd = strdup(ct_run("DEBUG DIGEST"));
    ct_run("FLUSHALL");
    for (int i = 299; i >= 0; i--) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "SET key:%d v%d", i, i);
        ct_run(cmd);
        snprintf(cmd, sizeof cmd, "LPUSH list%d %d %d", i % 7, i * 3, i);
        ct_run(cmd);
    }
    rev = strdup(ct_run("DEBUG DIGEST"));
    /* LPUSH reverses each pair and the walk runs backwards: the lists come out the same. */
    SAME(fwd, rev);
}

Test(debug, binary_keys_and_values_are_digested_whole)
{
    const char *set[] = {"SET", "k\0x", "a\0b"};
    const char *dig[] = {"DEBUG", "DIGEST"};
    const size_t setl[] = {3, 3, 3}, digl[] = {5, 6};
    ct_runv(3, set, setl);
    char *first = strdup(ct_runv(2, dig, digl));
    set[2] = "a\0c";
    ct_runv(3, set, setl);
    char *second = strdup(ct_runv(2, dig, digl));
    DIFFERENT(first, second);
    const char *dv[] = {"DEBUG", "DIGEST-VALUE", "k\0x", "k"};
    const size_t dvl[] = {5, 12, 3, 1};
    const char *r = ct_runv(4, dv, dvl);
    cr_expect_eq(strlen(r), 4 + 2 * 43);
    cr_expect_str_eq(r + 4 + 43, "+" ZEROS "\r\n", "\"k\" is not \"k\\0x\"");
}

/* -------------------------------- DIGEST: physical state does not count */

Test(debug, orphaned_subkeys_awaiting_the_sweeper_do_not_count)
{
    /* The bench never runs the sweeper: deleted and overwritten collections
     * leave their sub-keys (and a flushed epoch its keys) in LevelDB. */
    char *clean = digest_of("SET keep 1", "HSET keep2 f v", NULL);
    SAME(digest_of("HSET big f1 v1 f2 v2", "SADD s a b", "ZADD z 1 a", "RPUSH l a b",
                   "SET keep 1", "HSET keep2 f v", "DEL big s z", "SET l overwritten", "DEL l", NULL),
         strdup(clean));
    /* A collection recreated under the same name: only the new incarnation counts. */
    SAME(digest_of("HSET keep2 old gone", "DEL keep2", "HSET keep2 f v", "SET keep 1", NULL), clean);
}

Test(debug, expired_keys_not_yet_deleted_do_not_count)
{
    char *without = digest_of("SET a 1", NULL);
    ct_run("SET e v PX 5");
    cr_expect_str_neq(ct_run("DEBUG DIGEST"), without);
    ct_now += 5;
    cr_expect_str_eq(ct_run("DEBUG DIGEST"), without);
    free(without);
}

/* --------------------------------- DIGEST: every logical change shows */

Test(debug, a_different_value_byte_changes_the_digest)
{
    DIFFERENT(digest_of("SET k value1", NULL), digest_of("SET k value2", NULL));
    DIFFERENT(digest_of("SET k v", NULL), digest_of("SET k \"v\\x01\"", NULL));
    DIFFERENT(digest_of("HSET h f v1", NULL), digest_of("HSET h f v2", NULL));
    DIFFERENT(digest_of("HSET h f1 v", NULL), digest_of("HSET h f2 v", NULL));
    DIFFERENT(digest_of("HSET h a b", NULL), digest_of("HSET h b a", NULL));
    DIFFERENT(digest_of("RPUSH l a b", NULL), digest_of("RPUSH l a c", NULL));
    DIFFERENT(digest_of("SADD s a b", NULL), digest_of("SADD s a c", NULL));
    DIFFERENT(digest_of("ZADD z 1 a", NULL), digest_of("ZADD z 2 a", NULL));
    DIFFERENT(digest_of("ZADD z 1 a", NULL), digest_of("ZADD z 1 b", NULL));
}

Test(debug, element_boundaries_are_part_of_the_digest)
{
    DIFFERENT(digest_of("RPUSH l ab c", NULL), digest_of("RPUSH l a bc", NULL));
    DIFFERENT(digest_of("HSET h ab c", NULL), digest_of("HSET h a bc", NULL));
    DIFFERENT(digest_of("SET ab c", NULL), digest_of("SET a bc", NULL));
    DIFFERENT(digest_of("RPUSH l a a", NULL), digest_of("RPUSH l a", NULL));
}

Test(debug, an_extra_or_renamed_key_changes_the_digest)
{
    DIFFERENT(digest_of("SET a 1", NULL), digest_of("SET a 1", "SET b 2", NULL));
    DIFFERENT(digest_of("SET a 1", NULL), digest_of("SET b 1", NULL));
    DIFFERENT(digest_of("SET a 1", "SET b 1", NULL), digest_of("SET a 1", NULL));
    DIFFERENT(digest_of("SADD s a", NULL), digest_of("SADD s a b", NULL));
}

Test(debug, setting_or_changing_an_expiry_changes_the_digest)
{
    DIFFERENT(digest_of("SET k v", NULL), digest_of("SET k v EX 100", NULL));
    DIFFERENT(digest_of("SET k v EX 100", NULL), digest_of("SET k v EX 101", NULL));
    DIFFERENT(digest_of("HSET h f v", NULL), digest_of("HSET h f v", "EXPIRE h 100", NULL));
}

Test(debug, moving_a_key_to_another_db_changes_the_digest)
{
    DIFFERENT(digest_of("SET k v", NULL), digest_of("SET k v", "MOVE k 1", NULL));
    DIFFERENT(digest_of("SET k v", "MOVE k 1", NULL), digest_of("SET k v", "MOVE k 2", NULL));
    DIFFERENT(digest_of("RPUSH l a", NULL), digest_of("RPUSH l a", "MOVE l 15", NULL));
}

Test(debug, the_same_content_under_another_type_changes_the_digest)
{
    DIFFERENT(digest_of("SET k a", NULL), digest_of("RPUSH k a", NULL));
    DIFFERENT(digest_of("RPUSH k a", NULL), digest_of("SADD k a", NULL));
    DIFFERENT(digest_of("SADD k a b", NULL), digest_of("RPUSH k a b", NULL));
    DIFFERENT(digest_of("HSET k a b", NULL), digest_of("RPUSH k a b", NULL));
    DIFFERENT(digest_of("ZADD k 0 a", NULL), digest_of("SADD k a", NULL));
}

Test(debug, list_order_changes_the_digest)
{
    DIFFERENT(digest_of("RPUSH l a b c", NULL), digest_of("RPUSH l c b a", NULL));
    DIFFERENT(digest_of("RPUSH l a b c", NULL), digest_of("LPUSH l a b c", NULL));
}

/* ------------------------------------------------------- DIGEST-VALUE */

Test(debug, digest_value_replies_one_digest_per_key)
{
    EXPECT("DEBUG DIGEST-VALUE", "*0\r\n");
    ct_run("SET a 1");
    ct_run("SET b 1");
    ct_run("SET c 2");
    const char *r = ct_run("DEBUG DIGEST-VALUE a b c nokey");
    cr_assert_eq(strncmp(r, "*4\r\n", 4), 0, "%s", r);
    char d[4][44];
    const char *p = r + 4;
    for (int i = 0; i < 4; i++, p += 43) {
        memcpy(d[i], p, 43);
        d[i][43] = '\0';
        assert_digest_shape(d[i]);
    }
    cr_expect_str_eq(p, "");
    cr_expect_str_eq(d[0], d[1], "the value alone is digested, not the key name");
    cr_expect_str_neq(d[0], d[2]);
    cr_expect_str_eq(d[3], "+" ZEROS "\r\n", "a missing key digests to zeros");
    cr_expect_str_neq(d[0], "+" ZEROS "\r\n");
}

Test(debug, digest_value_follows_the_logical_value)
{
    ct_run("RPUSH l1 a b c");
    ct_run("LPUSH l2 c b a");
    ct_run("RPUSH l3 c b a");
    ct_run("HSET h1 x 1 y 2");
    ct_run("HMSET h2 y 2");
    ct_run("HMSET h2 x 1");
    ct_run("SADD s a b c");
    ct_run("SET k v");
    ct_run("SET kx v EX 10");
    const char *r = ct_run("DEBUG DIGEST-VALUE l1 l2 l3 h1 h2 s k kx");
    char d[8][44];
    for (int i = 0; i < 8; i++) {
        memcpy(d[i], r + 4 + 43 * i, 43);
        d[i][43] = '\0';
    }
    cr_expect_str_eq(d[0], d[1]);
    cr_expect_str_neq(d[0], d[2]);
    cr_expect_str_eq(d[3], d[4]);
    cr_expect_str_neq(d[0], d[5], "list and set of the same elements");
    cr_expect_str_neq(d[6], d[7], "an expiry is part of the value's digest");
}

Test(debug, digest_value_of_an_expired_key_is_zeros)
{
    ct_run("SET e v PX 5");
    cr_expect_str_neq(ct_run("DEBUG DIGEST-VALUE e"), "*1\r\n+" ZEROS "\r\n");
    ct_now += 5;
    EXPECT("DEBUG DIGEST-VALUE e", "*1\r\n+" ZEROS "\r\n");
}

Test(debug, digest_value_of_the_only_key_differs_from_the_dataset_digest)
{
    /* The dataset digest also covers the key's name and db. */
    ct_run("SET a 1");
    char *all = strdup(ct_run("DEBUG DIGEST"));
    const char *one = ct_run("DEBUG DIGEST-VALUE a");
    cr_expect_str_neq(one + 4, all);
    free(all);
}

/* ------------------------------------------------------- errors and HELP */

Test(debug, wrong_arity_and_unknown_subcommands_use_redis_words)
{
    EXPECT("DEBUG", "-ERR wrong number of arguments for 'debug' command\r\n");
    EXPECT("DEBUG NOSUCH", "-ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.\r\n");
    EXPECT("DEBUG nosuch a b", "-ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.\r\n");
    EXPECT("DEBUG DIGEST x", "-ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.\r\n");
    EXPECT("DEBUG help x", "-ERR unknown subcommand or wrong number of arguments for 'help'. Try DEBUG HELP.\r\n");
}

Test(debug, help_lists_the_subcommands)
{
    const char *r = ct_run("DEBUG HELP");
    const char *head = "*12\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n";
    cr_expect_eq(strncmp(r, head, strlen(head)), 0, "%s", r);
    cr_expect(strstr(r, "\r\n+DIGEST\r\n") != NULL);
    cr_expect(strstr(r, "\r\n+DIGEST-VALUE <key> [<key> ...]\r\n") != NULL);
    cr_expect(strstr(r, "\r\n+OBJECT <key>\r\n") != NULL);
    cr_expect(strstr(r, "\r\n+HELP\r\n+    Prints this help.\r\n") != NULL);
}

/* ------------------------------------------------ through the engine */

/* A second node: its own store and engine, driven by ss_engine_dispatch. */
typedef struct node {
    char dir[64];
    ss_config cfg;
    ss_store *store;
    ss_engine *engine;
    uv_loop_t loop;
    ss_session s;
    ss_buf out;
} node;

static void *no_async(void *ctx, ss_session *s) { return NULL; }
static void no_complete(void *ctx, ss_session *s, void *cookie, const char *r, size_t len) {}
static void no_info(void *ctx, ss_buf *out) {}

static void node_open(node *n)
{
    snprintf(n->dir, sizeof n->dir, "/tmp/ss-debugtest-XXXXXX");
    cr_assert_not_null(mkdtemp(n->dir));
    ss_config_init(&n->cfg);
    ss_errmsg err = "";
    cr_assert_eq(ss_store_open(n->dir, NULL, &n->store, err), SS_OK, "%s", err);
    uv_loop_init(&n->loop);
    ss_engine_hooks hooks = {.begin_async = no_async, .complete = no_complete, .client_list = no_info,
                             .info_clients = no_info, .info_server = no_info};
    cr_assert_eq(ss_engine_new(&n->loop, &n->cfg, n->store, &n->engine, err), SS_OK, "%s", err);
    ss_engine_set_hooks(n->engine, &hooks);
    ss_engine_session_init(n->engine, &n->s, 1);
    ss_buf_init(&n->out, 0);
}

static void node_close(node *n)
{
    ss_buf_release(&n->out);
    ss_engine_session_release(n->engine, &n->s);
    ss_engine_free(n->engine);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    uv_loop_close(&n->loop);
    ss_store_close(n->store);
    ss_config_release(&n->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->dir);
    cr_assert_eq(system(cmd), 0);
}

/* Dispatches a command of up to 4 words; returns the reply as a C string. */
static const char *node_run(node *n, const char *w0, const char *w1, const char *w2)
{
    char *argv[3] = {(char *)w0, (char *)w1, (char *)w2};
    size_t lens[3];
    int argc = 0;
    for (; argc < 3 && argv[argc]; argc++)
        lens[argc] = strlen(argv[argc]);
    ss_args a = {argc, argv, lens};
    ss_buf_reset(&n->out);
    cr_assert_eq(ss_engine_dispatch(n->engine, &n->s, &a, &n->out), SS_DISPATCH_DONE);
    ss_buf_append(&n->out, "", 1);
    return ss_buf_data(&n->out);
}

/* Writes a string key straight into the store, as an applied entry would. */
static void node_put_string(node *n, int db, const char *key, const char *val)
{
    ss_txn *txn = ss_txn_begin(n->store);
    ss_keymeta m = {.type = SS_TYPE_STRING};
    cr_assert_eq(ss_ks_set(txn, db, key, strlen(key), &m, val, strlen(val)), SS_OK);
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(txn, ss_store_applied_index(n->store) + 1, err), SS_OK, "%s", err);
}

Test(debug, two_nodes_with_the_same_data_agree)
{
    ct_run("SET k v");
    ct_run("SET j w");
    ct_run("MOVE j 4");
    char *here = strdup(ct_run("DEBUG DIGEST"));

    node n;
    node_open(&n);
    cr_expect_str_eq(node_run(&n, "DEBUG", "DIGEST", NULL), "+" ZEROS "\r\n");
    node_put_string(&n, 4, "j", "w");
    cr_expect_str_neq(node_run(&n, "DEBUG", "DIGEST", NULL), here);
    node_put_string(&n, 0, "k", "v");
    cr_expect_str_eq(node_run(&n, "debug", "digest", NULL), here, "the same data on another node");
    /* The session's db does not matter to DIGEST; DIGEST-VALUE reads it. */
    n.s.db = 4;
    cr_expect_str_eq(node_run(&n, "DEBUG", "DIGEST", NULL), here);
    cr_expect_str_eq(node_run(&n, "DEBUG", "DIGEST-VALUE", "k"), "*1\r\n+" ZEROS "\r\n");
    free(here);
    node_close(&n);
}

Test(debug, dispatch_serves_it_locally_and_keeps_it_out_of_multi)
{
    const ss_command *c = ss_command_lookup("DEBUG", 5);
    cr_assert_not_null(c);
    cr_expect(c->flags & CMD_LOCAL_ONLY);
    cr_expect(c->flags & CMD_NO_LOG, "never part of a log entry, so MULTI refuses it");
    cr_expect(!(c->flags & CMD_WRITE));
    cr_expect_not_null(c->local, "served at once, without a read barrier");

    node n;
    node_open(&n);
    cr_expect_str_eq(node_run(&n, "DEBUG", NULL, NULL), "-ERR wrong number of arguments for 'debug' command\r\n");
    cr_expect_str_eq(node_run(&n, "DEBUG", "NOSUCH", NULL),
                     "-ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.\r\n");
    cr_expect_str_eq(node_run(&n, "MULTI", NULL, NULL), "+OK\r\n");
    cr_expect_str_eq(node_run(&n, "DEBUG", "DIGEST", NULL), "-ERR Command not allowed inside a transaction\r\n");
    cr_expect_str_eq(node_run(&n, "DISCARD", NULL, NULL), "+OK\r\n");
    node_close(&n);
}
