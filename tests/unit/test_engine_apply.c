/* Apply of committed entries: whatever a log entry holds, every replica answers it the same way and never crashes. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "common/config.h"
#include "engine/engine.h"
#include "engine/entry.h"
#include "store/store.h"
#include "common/strutil.h"

TestSuite(apply, .init = ct_setup, .fini = ct_teardown);

/* An entry holding the commands of the redis-cli lines given (NULL ends
 * them), encoded as a proposer would; the caller releases it. */
static ss_buf entry_of(uint8_t flags, uint8_t db, const char *first, ...)
{
    const char *lines[32];
    uint32_t n = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *l = first; l && n < 32; l = va_arg(ap, const char *))
        lines[n++] = l;
    va_end(ap);
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_entry_header h = {.flags = flags, .origin_node = 99, .origin_boot = 7, .seq = 1,
                         .time_ms = ct_now, .seed = 42, .db = db};
    ss_entry_begin(&b, &h, n);
    for (uint32_t i = 0; i < n; i++) {
        int argc;
        char **argv = ss_splitargs(lines[i], &argc);
        cr_assert_not_null(argv);
        size_t lens[64];
        cr_assert_leq(argc, 64);
        for (int j = 0; j < argc; j++)
            lens[j] = strlen(argv[j]);
        ss_args a = {argc, argv, lens};
        ss_entry_add_cmd(&b, &a);
        ss_split_free(argv, argc);
    }
    cr_assert_eq(ss_buf_error(&b), SS_OK);
    return b;
}

static const char *apply(ss_buf *b)
{
    const char *r = ct_apply(ss_buf_data(b), ss_buf_len(b));
    ss_buf_release(b);
    return r;
}

#define APPLY(reply, ...)                                                      \
    do {                                                                       \
        ss_buf b_ = entry_of(0, 0, __VA_ARGS__, NULL);                         \
        cr_expect_str_eq(apply(&b_), reply);                                   \
    } while (0)

#define APPLY_MULTI(reply, ...)                                                \
    do {                                                                       \
        ss_buf b_ = entry_of(SS_ENTRY_MULTI, 0, __VA_ARGS__, NULL);            \
        cr_expect_str_eq(apply(&b_), reply);                                   \
    } while (0)

Test(apply, runs_a_write_and_a_transaction)
{
    /* The baseline: what proposers put in entries applies as before. */
    APPLY("+OK\r\n", "SET k v");
    APPLY_MULTI("*3\r\n:1\r\n$1\r\nv\r\n+PONG\r\n", "SADD s m", "GET k", "PING");
    cr_expect_str_eq(ct_run("SMEMBERS s"), "*1\r\n$1\r\nm\r\n");
}

Test(apply, answers_a_command_below_its_arity_instead_of_reading_past_argv)
{
    /* The review's crash: GET with no key made getExec read a key pointer of 0x3. */
    APPLY_MULTI("-ERR wrong number of arguments for 'get' command\r\n", "GET");
    APPLY("-ERR wrong number of arguments for 'set' command\r\n", "SET k");
    APPLY("-ERR wrong number of arguments for 'lset' command\r\n", "LSET l 0");
    APPLY("-ERR wrong number of arguments for 'getset' command\r\n", "GETSET a b c");
    APPLY_MULTI("-ERR wrong number of arguments for 'hset' command\r\n", "HSET h f");
}

Test(apply, refuses_a_read_only_command_alone_in_an_entry)
{
    /* Only writes travel alone in the log; a read there was never proposed by us. */
    ct_run("SET k v");
    APPLY("-ERR command 'get' is not allowed in a raft log entry\r\n", "GET k");
    APPLY("-ERR command 'ping' is not allowed in a raft log entry\r\n", "PING");
}

Test(apply, refuses_a_local_or_transaction_command_in_an_entry)
{
    APPLY("-ERR command 'select' is not allowed in a raft log entry\r\n", "SELECT 1");
    APPLY("-ERR command 'config' is not allowed in a raft log entry\r\n", "CONFIG SET maxclients 1");
    APPLY("-ERR command 'multi' is not allowed in a raft log entry\r\n", "MULTI");
    APPLY_MULTI("-ERR command 'exec' is not allowed in a raft log entry\r\n", "EXEC");
    APPLY("-ERR command 'shutdown' is not allowed in a raft log entry\r\n", "SHUTDOWN");
}

Test(apply, refuses_debug_inside_a_transaction_entry)
{
    /* MULTI never queues DEBUG (O(N) on every node); an entry that holds one is forged. */
    APPLY_MULTI("-ERR command 'debug' is not allowed in a raft log entry\r\n", "SET a 1", "DEBUG DIGEST");
    cr_expect_str_eq(ct_run("GET a"), "$-1\r\n");
}

Test(apply, answers_an_unknown_command)
{
    APPLY("-ERR unknown command 'nosuch', with args beginning with: \r\n", "nosuch a b");
}

Test(apply, refuses_a_whole_transaction_when_one_command_is_malformed)
{
    /* Nothing of a refused entry runs: the SET before the bad GET leaves no trace. */
    APPLY_MULTI("-ERR wrong number of arguments for 'get' command\r\n", "SET a 1", "INCR n", "GET");
    cr_expect_str_eq(ct_run("GET a"), "$-1\r\n");
    cr_expect_str_eq(ct_run("GET n"), "$-1\r\n");
}

Test(apply, refuses_an_entry_for_a_database_that_does_not_exist)
{
    ss_buf b = entry_of(0, 16, "SET k v", NULL);
    cr_expect_str_eq(apply(&b), "-ERR DB index is out of range\r\n");
    b = entry_of(0, 255, "SET k v", NULL);
    cr_expect_str_eq(apply(&b), "-ERR DB index is out of range\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$-1\r\n", "not silently written to db 0");
}

Test(apply, answers_a_write_with_bad_arguments_with_its_usual_error)
{
    /* Options a prepare would have refused reach apply through MULTI or a peer. */
    APPLY("-ERR value is not an integer or out of range\r\n", "SET k v EX ten");
    APPLY("-ERR syntax error\r\n", "SET k v NX XX");
    APPLY("-ERR wrong number of arguments for 'mset' command\r\n", "MSET a 1 b");
    APPLY("-ERR value is not an integer or out of range\r\n", "LTRIM l a b");
    APPLY("-ERR syntax error\r\n", "LINSERT l sideways p v");
    cr_expect_str_eq(ct_run("EXISTS k a b l"), ":0\r\n");
}

Test(apply, skips_an_entry_that_does_not_decode_and_keeps_applying)
{
    uint8_t junk[] = {1, 0, 0xff, 0xff};
    cr_expect_str_eq(ct_apply(junk, sizeof junk), "");
    uint64_t before = ct_applied_index();
    APPLY("+OK\r\n", "SET k v");
    cr_expect_eq(ct_applied_index(), before + 1);
}

Test(apply, refuses_the_same_way_every_time)
{
    /* Determinism: the reply is a function of the entry alone. */
    ss_buf b1 = entry_of(SS_ENTRY_MULTI, 0, "SET a 1", "LPOP", NULL);
    ss_buf b2 = entry_of(SS_ENTRY_MULTI, 0, "SET a 1", "LPOP", NULL);
    char *r1 = strdup(apply(&b1));
    cr_expect_str_eq(apply(&b2), r1);
    free(r1);
}

/* ------------------------------------------------- changes too big for one store txn */

/* The store refuses a transaction past max_txn_bytes (1 GiB in production):
 * here 1 MiB, so that a few SETRANGEs reach it. */
static void setup_small_txn(void)
{
    ss_store_options opts;
    ss_store_options_init(&opts);
    opts.max_txn_bytes = 1 << 20;
    ct_setup_with(&opts);
}

TestSuite(apply_limits, .init = setup_small_txn, .fini = ct_teardown);

/* Writes s, a dense string of n 'x' bytes, in an entry of its own. Strings
 * are stored sparsely (store/strval.h): a far SETRANGE writes one chunk, so
 * the big effects below copy a dense value instead. */
static void seed_dense(size_t n)
{
    char *v = malloc(n);
    cr_assert_not_null(v);
    memset(v, 'x', n);
    const char *argv[] = {"SET", "s", v};
    size_t lens[] = {3, 1, n};
    cr_assert_str_eq(ct_runv(3, argv, lens), "+OK\r\n");
    free(v);
}

#define APPLY_TOOBIG "-ERR write too big to apply: its changes exceed what one store transaction may hold\r\n"

Test(apply_limits, answers_a_transaction_whose_changes_overflow_the_store_txn)
{
    /* Tiny commands, big effects: before, the store's refusal stopped every
     * replica, and again on every restart. */
    seed_dense(600000);
    uint64_t before = ct_applied_index();
    ss_buf b = entry_of(SS_ENTRY_MULTI, 0, "SET c 1", "COPY s a", "COPY s b", NULL);
    cr_expect_str_eq(apply(&b), APPLY_TOOBIG);
    cr_expect_eq(ct_applied_index(), before + 1, "the entry is applied, as a refusal");
    cr_expect_str_eq(ct_run("EXISTS a b c"), ":0\r\n", "nothing of it ran");
    APPLY("+OK\r\n", "SET k v");
}

Test(apply_limits, a_batch_that_overflows_the_store_txn_is_committed_in_parts)
{
    /* Each entry fits; together they do not: the batch commits in parts,
     * and every entry is applied exactly once, in order. */
    seed_dense(400000);
    ss_buf b[4] = {
        entry_of(0, 0, "COPY s a", NULL),
        entry_of(0, 0, "COPY s b", NULL),
        entry_of(0, 0, "COPY s c", NULL),
        entry_of(0, 0, "INCR n", NULL),
    };
    const void *data[4];
    size_t lens[4];
    for (int i = 0; i < 4; i++) {
        data[i] = ss_buf_data(&b[i]);
        lens[i] = ss_buf_len(&b[i]);
    }
    uint64_t before = ct_applied_index();
    ct_apply_batch(data, lens, 4);
    for (int i = 0; i < 4; i++)
        ss_buf_release(&b[i]);
    cr_expect_eq(ct_applied_index(), before + 4);
    cr_expect_str_eq(ct_run("STRLEN a"), ":400000\r\n");
    cr_expect_str_eq(ct_run("STRLEN c"), ":400000\r\n");
    cr_expect_str_eq(ct_run("GET n"), "$1\r\n1\r\n", "applied once, not again by a retry");
}

/* A configuration entry applied as ss_cluster hands it over. */
static void apply_conf(const void *data, size_t len)
{
    ss_state_machine sm = ss_engine_state_machine(ct_engine());
    ss_applied_entry ae = {sm.applied_index(sm.ctx) + 1, 3, SS_ENTRY_CONFIG, data, len};
    cr_assert_eq(sm.apply_batch(sm.ctx, &ae, 1), SS_OK, "the apply stopped the node");
}

Test(apply, records_the_last_configuration_applied_with_its_index)
{
    ss_state_machine sm = ss_engine_state_machine(ct_engine());
    uint8_t buf[64];
    size_t len = 0;
    uint64_t from = sm.applied_index(sm.ctx);
    cr_expect_eq(sm.applied_conf(sm.ctx, buf, sizeof buf, &len), SS_ENOTFOUND, "none before the first");
    apply_conf("first", 5);
    APPLY("+OK\r\n", "SET k v");
    apply_conf("second", 6);
    uint64_t at = sm.applied_index(sm.ctx);
    cr_assert_eq(sm.applied_conf(sm.ctx, buf, sizeof buf, &len), SS_OK);
    cr_expect_eq(len, 6);
    cr_expect_eq(memcmp(buf, "second", 6), 0, "the later configuration replaces the earlier");
    cr_expect_eq(at, from + 3, "the configuration entry advanced the applied index: %llu from %llu", (unsigned long long)at, (unsigned long long)from);
    cr_expect_eq(sm.applied_conf(sm.ctx, buf, 3, &len), SS_ETOOBIG, "a short buffer is refused");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n", "the configuration is no key");
}
