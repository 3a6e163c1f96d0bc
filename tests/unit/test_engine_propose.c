/* The write path before the log: a write whose entry the raft log or a peer frame could not take is refused at prepare, with a clear error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "engine/engine_internal.h"
#include "engine/entry.h"

static ss_session s;
static ss_buf out;

static void setup(void)
{
    ct_setup();
    ss_engine_session_init(ct_engine(), &s, 1);
    ss_buf_init(&out, 0);
}

static void teardown(void)
{
    ss_engine_session_release(ct_engine(), &s);
    ss_buf_release(&out);
    ct_teardown();
}

TestSuite(propose, .init = setup, .fini = teardown);

/* Dispatches one command (argv of NUL-free strings, NULL-terminated); the
 * reply, which must come at once, as a C string. */
static const char *dispatch(const char **argv)
{
    size_t lens[16];
    int argc = 0;
    for (; argv[argc]; argc++)
        lens[argc] = strlen(argv[argc]);
    ss_args a = {argc, (char **)argv, lens};
    ss_buf_reset(&out);
    cr_assert_eq(ss_engine_dispatch(ct_engine(), &s, &a, &out), SS_DISPATCH_DONE, "%s must answer at once", argv[0]);
    ss_buf_append(&out, "", 1);
    return ss_buf_data(&out);
}

#define CMD(...) ((const char *[]){__VA_ARGS__, NULL})

static char *value(size_t n)
{
    char *v = malloc(n + 1);
    memset(v, 'v', n);
    v[n] = '\0';
    return v;
}

Test(propose, refuses_a_write_whose_entry_exceeds_the_limit)
{
    ct_engine()->max_entry = 1000;
    char *big = value(1000);
    cr_expect_str_eq(dispatch(CMD("SET", "k", big)),
                     "-ERR write exceeds the maximum raft log entry size (1000 bytes)\r\n");
    free(big);
    cr_expect_eq(s.pending, 0, "nothing went async");
    cr_expect_eq(ct_engine()->node.stats.writes_proposed, 0, "nothing was proposed");
}

Test(propose, counts_every_value_of_the_entry)
{
    /* Each value alone fits; the MSET that carries them all does not (the review's
     * MSET a <260 MiB> b <260 MiB>, scaled down). */
    ct_engine()->max_entry = 1000;
    char *half = value(480);
    cr_expect_str_eq(dispatch(CMD("MSET", "a", half, "b", half)),
                     "-ERR write exceeds the maximum raft log entry size (1000 bytes)\r\n");
    free(half);
    cr_expect_eq(ct_engine()->node.stats.writes_proposed, 0);
}

Test(propose, a_transaction_may_fill_the_entry_exactly_and_no_more)
{
    /* The queued commands' sizes add up to the entry EXEC would build: filling
     * the limit to the byte is fine, one byte more refuses that command and
     * dooms the EXEC. */
    char *v = value(100);
    ss_args set = {3, (char *[]){"SET", "k", v}, (size_t[]){3, 1, 100}};
    uint64_t cmd = ss_entry_cmd_size(&set);
    ct_engine()->max_entry = SS_ENTRY_HEADER_SIZE + 3 * cmd;
    cr_expect_str_eq(dispatch(CMD("MULTI")), "+OK\r\n");
    for (int i = 0; i < 3; i++)
        cr_expect_str_eq(dispatch(CMD("SET", "k", v)), "+QUEUED\r\n", "command %d fits", i);
    cr_expect_eq(ss_entry_encoded_size((ss_args[]){set, set, set}, 3), ct_engine()->max_entry);
    char want[128];
    snprintf(want, sizeof want, "-ERR write exceeds the maximum raft log entry size (%llu bytes)\r\n",
             (unsigned long long)ct_engine()->max_entry);
    cr_expect_str_eq(dispatch(CMD("INCR", "n")), want);
    cr_expect_str_eq(dispatch(CMD("EXEC")), "-EXECABORT Transaction discarded because of previous errors.\r\n");
    cr_expect_eq(ct_engine()->node.stats.writes_proposed, 0);
    cr_expect_eq(s.in_multi, false);
    cr_expect_eq(s.queued_bytes, 0);
    free(v);
}

Test(propose, the_limit_comes_from_the_log_by_default)
{
    cr_expect_eq(ct_engine()->max_entry, 512ull << 20, "an engine without a cluster takes the raft log's limit");
}
