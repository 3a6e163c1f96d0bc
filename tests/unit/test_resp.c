/* RESP parser: framing, splits, pipelines, inline commands, limits, memory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "resp/resp.h"

#define S(lit) lit, sizeof(lit) - 1

/* Commands rendered as "[len:bytes,len:bytes]" so runs compare with memcmp. */
static void render(ss_buf *out, const resp_cmd *cmd)
{
    ss_buf_append(out, "[", 1);
    for (int i = 0; i < cmd->argc; i++) {
        ss_buf_appendf(out, "%zu:", cmd->argvlen[i]);
        ss_buf_append(out, cmd->argv[i], cmd->argvlen[i]);
        ss_buf_append(out, ",", 1);
        cr_assert_eq(cmd->argv[i][cmd->argvlen[i]], '\0', "arguments are NUL-terminated");
    }
    ss_buf_append(out, "]", 1);
}

/* Pulls until the parser needs more or fails; returns the last result. */
static resp_result drain(resp_parser *p, ss_buf *out)
{
    resp_cmd *cmd;
    resp_result r;
    while ((r = resp_parser_next(p, &cmd)) == RESP_CMD)
        render(out, cmd);
    return r;
}

/* Feeds in in pieces of at most chunk bytes, the first piece being first bytes
 * long (0: chunk), pulling after every piece as a server would. */
static resp_result run(const char *in, size_t n, size_t first, size_t chunk, ss_buf *out,
                       int *err)
{
    resp_parser *p = resp_parser_new();
    cr_assert_not_null(p);
    resp_result r = RESP_NEED_MORE;
    size_t off = 0;
    while (off < n) {
        size_t k = off == 0 && first ? first : chunk;
        if (k > n - off)
            k = n - off;
        cr_assert_eq(resp_parser_feed(p, in + off, k), 0);
        off += k;
        r = drain(p, out);
    }
    if (n == 0)
        r = drain(p, out);
    *err = resp_parser_error(p);
    resp_parser_free(p);
    return r;
}

/* Same, but reading through reserve/commit the way a socket read would. */
static resp_result run_reserve(const char *in, size_t n, size_t read_size, ss_buf *out)
{
    resp_parser *p = resp_parser_new();
    resp_result r = RESP_NEED_MORE;
    size_t off = 0;
    while (off < n) {
        char *ptr;
        size_t room;
        cr_assert_eq(resp_parser_reserve(p, 0, &ptr, &room), 0);
        cr_assert_gt(room, 0);
        size_t k = read_size < room ? read_size : room;
        if (k > n - off)
            k = n - off;
        memcpy(ptr, in + off, k);
        resp_parser_commit(p, k);
        off += k;
        r = drain(p, out);
    }
    resp_parser_free(p);
    return r;
}

static void expect_same(const ss_buf *a, const ss_buf *b, const char *what, size_t at)
{
    cr_assert_eq(ss_buf_len(a), ss_buf_len(b), "%s at %zu: %zu vs %zu bytes of commands", what,
                 at, ss_buf_len(a), ss_buf_len(b));
    cr_assert(ss_buf_len(a) == 0 || memcmp(ss_buf_data(a), ss_buf_data(b), ss_buf_len(a)) == 0,
              "%s at %zu", what, at);
}

/* Every split of in into two feeds, byte-by-byte feeding and socket-like reads
 * all give the commands and final result that one feed gives. */
static resp_result check_splits(const char *in, size_t n)
{
    ss_buf whole, part;
    ss_buf_init(&whole, 0);
    ss_buf_init(&part, 0);
    int err, err2;
    resp_result r = run(in, n, 0, n ? n : 1, &whole, &err);
    /* Every split of short inputs; for long ones (the 64 KiB limit cases)
     * every split near either end and a sample in between. */
    for (size_t split = 1; split < n;
         split += (n <= 4096 || split < 256 || n - split < 256) ? 1 : 997) {
        ss_buf_reset(&part);
        cr_assert_eq(run(in, n, split, n, &part, &err2), r, "result at split %zu", split);
        cr_assert_eq(err2, err);
        expect_same(&whole, &part, "split", split);
    }
    ss_buf_reset(&part);
    cr_assert_eq(run(in, n, 0, n <= 4096 ? 1 : 61, &part, &err2), r);
    cr_assert_eq(err2, err);
    expect_same(&whole, &part, "byte by byte", 0);
    if (r != RESP_ERROR) {
        for (size_t rs = 1; rs <= 7; rs += 3) {
            ss_buf_reset(&part);
            cr_assert_eq(run_reserve(in, n, rs, &part), r);
            expect_same(&whole, &part, "reserve/commit reads of", rs);
        }
    }
    ss_buf_release(&whole);
    ss_buf_release(&part);
    return r;
}

/* Parses in with one feed and expects exactly the rendered commands want. */
static void expect_cmds(const char *in, size_t n, const char *want, size_t wantn,
                        resp_result want_r)
{
    ss_buf out;
    ss_buf_init(&out, 0);
    int err;
    resp_result r = run(in, n, 0, n ? n : 1, &out, &err);
    cr_expect(ss_buf_len(&out) == wantn &&
                  (wantn == 0 || memcmp(ss_buf_data(&out), want, wantn) == 0),
              "got %.*s", (int)ss_buf_len(&out), ss_buf_data(&out));
    cr_expect_eq(r, want_r, "result %d, error %s", r, resp_strerror(err));
    ss_buf_release(&out);
    check_splits(in, n);
}

/* Feeds in and expects the exact error text after want_cmds commands. */
static void expect_error(const char *in, size_t n, bool authenticated, const char *want_cmds,
                         const char *want_msg)
{
    resp_parser *p = resp_parser_new();
    resp_parser_set_authenticated(p, authenticated);
    ss_buf out;
    ss_buf_init(&out, 0);
    cr_assert_eq(resp_parser_feed(p, in, n), 0);
    cr_assert_eq(drain(p, &out), RESP_ERROR, "no error for %.40s", in);
    ss_buf_append(&out, "", 1);
    cr_expect_str_eq(ss_buf_data(&out), want_cmds);
    cr_expect_str_eq(resp_parser_errmsg(p), want_msg);
    /* Sticky: neither pulling again nor feeding valid input clears it. */
    resp_cmd *cmd;
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_ERROR);
    cr_assert_eq(resp_parser_feed(p, S("*1\r\n$4\r\nPING\r\n")), 0);
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_ERROR);
    cr_expect_str_eq(resp_parser_errmsg(p), want_msg);
    ss_buf_release(&out);
    resp_parser_free(p);
    if (authenticated)
        check_splits(in, n);
}

/* ------------------------------------------------------------- multibulk */

Test(resp, parses_a_multibulk_command)
{
    expect_cmds(S("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"), S("[3:SET,1:k,5:hello,]"),
                RESP_NEED_MORE);
}

Test(resp, waits_for_a_command_that_is_incomplete)
{
    expect_cmds(S("*2\r\n$3\r\nGET\r\n$1\r\n"), S(""), RESP_NEED_MORE);
    expect_cmds(S("*2\r\n$3\r\nGET\r\n$1\r\nk\r"), S(""), RESP_NEED_MORE);
    expect_cmds(S("*2\r"), S(""), RESP_NEED_MORE);
}

Test(resp, keeps_nul_and_crlf_inside_bulks)
{
    expect_cmds(S("*2\r\n$3\r\na\0b\r\n$6\r\n\r\n*1\r\n\r\n"), S("[3:a\0b,6:\r\n*1\r\n,]"),
                RESP_NEED_MORE);
}

Test(resp, accepts_empty_bulks)
{
    expect_cmds(S("*2\r\n$0\r\n\r\n$0\r\n\r\n"), S("[0:,0:,]"), RESP_NEED_MORE);
}

Test(resp, skips_empty_and_null_multibulk)
{
    expect_cmds(S("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n*0\r\n"), S("[4:PING,]"), RESP_NEED_MORE);
}

Test(resp, pipelines_many_commands_in_order)
{
    ss_buf in, want;
    ss_buf_init(&in, 0);
    ss_buf_init(&want, 0);
    for (int i = 0; i < 2000; i++) {
        char num[16];
        int len = snprintf(num, sizeof(num), "%d", i);
        ss_buf_appendf(&in, "*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n", len, num);
        ss_buf_appendf(&want, "[4:INCR,%d:%s,]", len, num);
    }
    ss_buf out;
    ss_buf_init(&out, 0);
    int err;
    cr_assert_eq(run(ss_buf_data(&in), ss_buf_len(&in), 0, ss_buf_len(&in), &out, &err),
                 RESP_NEED_MORE);
    expect_same(&out, &want, "one feed", 0);
    ss_buf_reset(&out);
    cr_assert_eq(run_reserve(ss_buf_data(&in), ss_buf_len(&in), 4096, &out), RESP_NEED_MORE);
    expect_same(&out, &want, "4 KiB reads", 0);
    ss_buf_release(&in);
    ss_buf_release(&want);
    ss_buf_release(&out);
}

Test(resp, mixes_inline_and_multibulk_commands)
{
    expect_cmds(S("PING\r\n*1\r\n$4\r\nPING\r\nECHO hi\n"), S("[4:PING,][4:PING,][4:ECHO,2:hi,]"),
                RESP_NEED_MORE);
}

Test(resp, skips_the_two_bytes_after_a_bulk_unchecked_like_redis)
{
    expect_cmds(S("*1\r\n$3\r\nfooXY*1\r\n$1\r\nx\r\n"), S("[3:foo,][1:x,]"), RESP_NEED_MORE);
}

/* ---------------------------------------------------------------- inline */

Test(resp, splits_inline_commands_on_blanks)
{
    expect_cmds(S("SET  k\tv \r\n"), S("[3:SET,1:k,1:v,]"), RESP_NEED_MORE);
    expect_cmds(S("  \x0b GET\x0bx y\r\n"), S("[5:GET\x0bx,1:y,]"), RESP_NEED_MORE);
}

Test(resp, ends_an_inline_line_at_a_bare_newline)
{
    expect_cmds(S("GET a\nGET b\r\n"), S("[3:GET,1:a,][3:GET,1:b,]"), RESP_NEED_MORE);
}

Test(resp, skips_empty_inline_lines)
{
    expect_cmds(S("\r\n\n   \r\nPING\r\n\n"), S("[4:PING,]"), RESP_NEED_MORE);
}

Test(resp, unescapes_double_quoted_inline_args)
{
    expect_cmds(S("SET \"a b\" \"\\n\\r\\t\\b\\a\\\\\\\"\\x41\\x4a\\xzz\\q\"\r\n"),
                S("[3:SET,3:a b,13:\n\r\t\b\a\\\"AJxzzq,]"), RESP_NEED_MORE);
    expect_cmds(S("SET k \"\"\r\n"), S("[3:SET,1:k,0:,]"), RESP_NEED_MORE);
    expect_cmds(S("SET k\"v w\"\r\n"), S("[3:SET,4:kv w,]"), RESP_NEED_MORE);
}

Test(resp, keeps_single_quoted_inline_args_literal)
{
    expect_cmds(S("SET 'a \\n b' 'it\\'s'\r\n"), S("[3:SET,6:a \\n b,4:it's,]"), RESP_NEED_MORE);
}

Test(resp, ends_an_inline_line_at_its_first_nul_like_redis)
{
    expect_cmds(S("GET a\0 b\r\nPING\r\n"), S("[3:GET,1:a,][4:PING,]"), RESP_NEED_MORE);
}

Test(resp, refuses_unbalanced_quotes)
{
    const char *msg = "Protocol error: unbalanced quotes in request";
    expect_error(S("PING\r\nSET \"abc\r\n"), true, "[4:PING,]", msg);
    expect_error(S("SET 'abc\r\n"), true, "", msg);
    expect_error(S("SET \"a\"b\r\n"), true, "", msg);
    expect_error(S("SET 'a'b\r\n"), true, "", msg);
    expect_error(S("SET \"a\\\"\r\n"), true, "", msg);
    expect_error(S("SET \"a\0\"\r\n"), true, "", msg);
}

/* ---------------------------------------------------------------- errors */

Test(resp, rejects_a_multibulk_length_that_is_not_a_number)
{
    const char *msg = "Protocol error: invalid multibulk length";
    expect_error(S("*abc\r\n"), true, "", msg);
    expect_error(S("*\r\n"), true, "", msg);
    expect_error(S("*01\r\n"), true, "", msg);
    expect_error(S("*+1\r\n"), true, "", msg);
    expect_error(S("* 1\r\n"), true, "", msg);
    expect_error(S("*1 \r\n"), true, "", msg);
    expect_error(S("*99999999999999999999\r\n"), true, "", msg);
}

Test(resp, rejects_a_multibulk_length_above_int_max)
{
    expect_error(S("*2147483648\r\n"), true, "", "Protocol error: invalid multibulk length");
}

Test(resp, rejects_a_bulk_without_its_dollar_and_names_the_byte)
{
    expect_error(S("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n+oops\r\n"), true, "[4:PING,]",
                 "Protocol error: expected '$', got '+'");
    expect_error(S("*1\r\n:1\r\n"), true, "", "Protocol error: expected '$', got ':'");
    expect_error(S("*1\r\n\r\n"), true, "", "Protocol error: expected '$', got ' '");
}

Test(resp, rejects_negative_bulk_length)
{
    expect_error(S("*1\r\n$-1\r\n"), true, "", "Protocol error: invalid bulk length");
    expect_error(S("*1\r\n$-0\r\n"), true, "", "Protocol error: invalid bulk length");
}

Test(resp, rejects_a_bulk_length_that_is_not_a_number)
{
    const char *msg = "Protocol error: invalid bulk length";
    expect_error(S("*1\r\n$abc\r\n"), true, "", msg);
    expect_error(S("*1\r\n$\r\n"), true, "", msg);
    expect_error(S("*1\r\n$03\r\n"), true, "", msg);
    expect_error(S("*1\r\n$3x\r\n"), true, "", msg);
}

Test(resp, rejects_a_bulk_longer_than_proto_max_bulk_len)
{
    expect_error(S("*1\r\n$536870913\r\n"), true, "", "Protocol error: invalid bulk length");
    resp_parser *p = resp_parser_new();
    resp_parser_set_max_bulk_len(p, 10);
    resp_cmd *cmd;
    cr_assert_eq(resp_parser_feed(p, S("*2\r\n$10\r\n0123456789\r\n$11\r\n")), 0);
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_ERROR);
    cr_expect_str_eq(resp_parser_errmsg(p), "Protocol error: invalid bulk length");
    resp_parser_free(p);
}

/* prefix ends with the first byte of the line; the line itself (from that
 * byte) is one byte over the limit and has no end. */
static void expect_too_big(char first, const char *prefix, size_t line_start, const char *msg)
{
    size_t n = line_start + RESP_INLINE_MAX_SIZE + 1;
    char *in = malloc(n);
    memset(in, first, n);
    memcpy(in, prefix, strlen(prefix));
    /* One byte short of the limit still waits for the line end. */
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    cr_assert_eq(resp_parser_feed(p, in, n - 1), 0);
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    resp_parser_free(p);
    expect_error(in, n, true, "", msg);
    free(in);
}

Test(resp, rejects_an_inline_line_longer_than_64k)
{
    expect_too_big('x', "", 0, "Protocol error: too big inline request");
}

Test(resp, rejects_a_multibulk_count_line_longer_than_64k)
{
    expect_too_big('1', "*", 0, "Protocol error: too big mbulk count string");
}

Test(resp, rejects_a_bulk_count_line_longer_than_64k)
{
    expect_too_big('1', "*1\r\n$", 4, "Protocol error: too big bulk count string");
}

Test(resp, accepts_an_inline_line_of_exactly_64k)
{
    size_t n = RESP_INLINE_MAX_SIZE + 1;
    char *in = malloc(n);
    memset(in, 'a', n - 1);
    in[n - 1] = '\n';
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    cr_assert_eq(resp_parser_feed(p, in, n), 0);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_eq(cmd->argc, 1);
    cr_expect_eq(cmd->argvlen[0], RESP_INLINE_MAX_SIZE);
    resp_parser_free(p);
    free(in);
}

Test(resp, writes_the_error_reply_redis_sends)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    resp_parser_feed(p, S("*1\r\n!x\r\n"));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_ERROR);
    cr_expect_eq(resp_parser_error(p), RESP_EEXPECTED_DOLLAR);
    ss_buf out;
    ss_buf_init(&out, 0);
    resp_parser_add_error(p, &out);
    ss_buf_append(&out, "", 1);
    cr_expect_str_eq(ss_buf_data(&out), "-ERR Protocol error: expected '$', got '!'\r\n");
    ss_buf_release(&out);
    resp_parser_free(p);
}

Test(resp, has_a_message_for_every_error_code)
{
    for (int i = 0; i < RESP_ERROR_COUNT; i++)
        cr_expect_neq(strcmp(resp_strerror(i), "unknown error"), 0, "code %d", i);
    cr_expect_str_eq(resp_strerror(RESP_ERROR_COUNT), "unknown error");
    resp_parser *p = resp_parser_new();
    cr_expect_eq(resp_parser_error(p), RESP_EOK);
    resp_parser_free(p);
}

/* --------------------------------------------------------- authentication */

Test(resp, limits_the_multibulk_count_before_auth)
{
    expect_error(S("*11\r\n"), false, "", "Protocol error: unauthenticated multibulk length");
    /* The absolute limit is checked first, as in redis. */
    expect_error(S("*2147483648\r\n"), false, "", "Protocol error: invalid multibulk length");
    resp_parser *p = resp_parser_new();
    resp_parser_set_authenticated(p, false);
    ss_buf in, out;
    ss_buf_init(&in, 0);
    ss_buf_init(&out, 0);
    ss_buf_append_cstr(&in, "*10\r\n");
    for (int i = 0; i < 10; i++)
        ss_buf_append_cstr(&in, "$1\r\nx\r\n");
    resp_parser_feed(p, ss_buf_data(&in), ss_buf_len(&in));
    cr_expect_eq(drain(p, &out), RESP_NEED_MORE);
    cr_expect_eq(ss_buf_len(&out), strlen("[1:x,1:x,1:x,1:x,1:x,1:x,1:x,1:x,1:x,1:x,]"));
    ss_buf_release(&in);
    ss_buf_release(&out);
    resp_parser_free(p);
}

Test(resp, limits_the_bulk_length_before_auth)
{
    expect_error(S("*1\r\n$16385\r\n"), false, "", "Protocol error: unauthenticated bulk length");
    expect_error(S("*1\r\n$-1\r\n"), false, "", "Protocol error: invalid bulk length");
    char *in = malloc(16384 + 32);
    int n = snprintf(in, 32, "*1\r\n$16384\r\n");
    memset(in + n, 'v', 16384);
    memcpy(in + n + 16384, "\r\n", 2);
    resp_parser *p = resp_parser_new();
    resp_parser_set_authenticated(p, false);
    resp_cmd *cmd;
    resp_parser_feed(p, in, (size_t)n + 16386);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_eq(cmd->argvlen[0], 16384);
    resp_parser_free(p);
    free(in);
}

Test(resp, lifts_the_limits_once_authenticated)
{
    resp_parser *p = resp_parser_new();
    resp_parser_set_authenticated(p, false);
    resp_cmd *cmd;
    resp_parser_feed(p, S("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n"));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_str_eq(cmd->argv[0], "AUTH");
    resp_parser_set_authenticated(p, true);
    for (int i = 0; i < 11; i++)
        resp_parser_feed(p, S("$1\r\nx\r\n"));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_eq(cmd->argc, 11);
    resp_parser_free(p);
}

/* ---------------------------------------------------------------- memory */

/* Reads a 50 MB SET the way a server would (reserve, read at most 64 KiB,
 * commit, pull) and checks the value landed in one buffer, in place. */
Test(resp, reads_a_50mb_bulk_into_one_allocation)
{
    const size_t big = 50u << 20;
    char *value = malloc(big);
    for (size_t i = 0; i < big; i++)
        value[i] = (char)(i * 7 + i / 4096);
    ss_buf in;
    ss_buf_init(&in, 0);
    ss_buf_appendf(&in, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%zu\r\n", big);
    ss_buf_append(&in, value, big);
    ss_buf_append_cstr(&in, "\r\n*1\r\n$4\r\nPING\r\n");

    resp_parser *p = resp_parser_new();
    resp_cmd *cmd = NULL;
    char *first_region = NULL;
    size_t off = 0, reads = 0, peak = 0;
    int got = 0;
    while (off < ss_buf_len(&in)) {
        char *ptr;
        size_t room;
        cr_assert_eq(resp_parser_reserve(p, 0, &ptr, &room), 0);
        size_t k = room < 65536 ? room : 65536;
        if (k > ss_buf_len(&in) - off)
            k = ss_buf_len(&in) - off;
        memcpy(ptr, ss_buf_data(&in) + off, k);
        resp_parser_commit(p, k);
        off += k;
        reads++;
        if (reads == 2)
            first_region = ptr;
        size_t mem = resp_parser_memory(p);
        peak = mem > peak ? mem : peak;
        resp_result r;
        while ((r = resp_parser_next(p, &cmd)) == RESP_CMD) {
            if (got++ == 0) {
                cr_assert_eq(cmd->argc, 3);
                cr_assert_eq(cmd->argvlen[2], big);
                cr_assert(memcmp(cmd->argv[2], value, big) == 0);
                /* The second read went straight into the argument's buffer. */
                cr_expect(first_region >= cmd->argv[2] && first_region < cmd->argv[2] + big);
            } else {
                cr_expect_str_eq(cmd->argv[0], "PING");
            }
        }
        cr_assert_eq(r, RESP_NEED_MORE);
    }
    cr_expect_eq(got, 2);
    /* One value's buffer plus a read buffer and the small arguments. */
    cr_expect_lt(peak, big + 256 * 1024, "peak %zu", peak);
    /* Straight reads: about one per 64 KiB of the value, not one per byte. */
    cr_expect_lt(reads, big / 65536 + 8);
    resp_parser_free(p);
    ss_buf_release(&in);
    free(value);
}

Test(resp, does_not_size_argv_from_a_hostile_count)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    resp_parser_feed(p, S("*2147483647\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    cr_expect_lt(resp_parser_memory(p), 64 * 1024, "%zu bytes", resp_parser_memory(p));
    resp_parser_free(p);
}

Test(resp, grows_argv_for_commands_with_many_args)
{
    ss_buf in;
    ss_buf_init(&in, 0);
    ss_buf_append_cstr(&in, "*100000\r\n");
    for (int i = 0; i < 100000; i++)
        ss_buf_appendf(&in, "$%d\r\n%d\r\n", snprintf(NULL, 0, "%d", i), i);
    ss_buf_append_cstr(&in, "*1\r\n$4\r\nPING\r\n");
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    resp_parser_feed(p, ss_buf_data(&in), ss_buf_len(&in));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_assert_eq(cmd->argc, 100000);
    cr_expect_str_eq(cmd->argv[99999], "99999");
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_eq(cmd->argc, 1);
    /* The big argv array is not kept for the rest of the connection. */
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    char *ptr;
    size_t room;
    resp_parser_reserve(p, 0, &ptr, &room);
    cr_expect_lt(resp_parser_memory(p), 256 * 1024, "%zu bytes", resp_parser_memory(p));
    resp_parser_free(p);
    ss_buf_release(&in);
}

Test(resp, reclaims_consumed_bytes_across_a_long_pipeline)
{
    resp_parser *p = resp_parser_new();
    const char one[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    size_t n = sizeof(one) - 1, peak = 0, fed = 0;
    int got = 0;
    /* 10 MB of pipelined commands through 16 KiB reads that cut commands. */
    while (fed < (10u << 20)) {
        char *ptr;
        size_t room;
        cr_assert_eq(resp_parser_reserve(p, 0, &ptr, &room), 0);
        size_t k = room < 16384 ? room : 16384;
        for (size_t i = 0; i < k; i++)
            ptr[i] = one[(fed + i) % n];
        resp_parser_commit(p, k);
        fed += k;
        resp_cmd *cmd;
        while (resp_parser_next(p, &cmd) == RESP_CMD) {
            cr_assert_eq(cmd->argc, 3);
            got++;
        }
        size_t mem = resp_parser_memory(p);
        peak = mem > peak ? mem : peak;
    }
    cr_expect_eq(got, (int)(fed / n));
    cr_expect_lt(peak, 64 * 1024, "peak %zu", peak);
    resp_parser_free(p);
}

Test(resp, keeps_a_stolen_command_valid_after_more_pulls)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    cr_expect_null(resp_parser_steal(p));
    resp_parser_feed(p, S("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    resp_cmd *stolen = resp_parser_steal(p);
    cr_assert_eq(stolen, cmd);
    cr_expect_null(resp_parser_steal(p), "a command is taken once");
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_str_eq(cmd->argv[1], "b");
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    resp_parser_free(p);
    cr_expect_str_eq(stolen->argv[0], "GET");
    cr_expect_str_eq(stolen->argv[1], "a");
    resp_cmd_free(stolen);
}

Test(resp, steals_a_command_whose_value_was_read_in_place)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    size_t big = RESP_BIG_ARG + 10;
    char header[64];
    int h = snprintf(header, sizeof(header), "*2\r\n$3\r\nSET\r\n$%zu\r\n", big);
    resp_parser_feed(p, header, (size_t)h);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    char *ptr;
    size_t room;
    resp_parser_reserve(p, 0, &ptr, &room);
    cr_assert_eq(room, big + 2, "the region is exactly the rest of the value");
    memset(ptr, 'z', big);
    memcpy(ptr + big, "\r\n", 2);
    resp_parser_commit(p, room);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    resp_cmd *stolen = resp_parser_steal(p);
    resp_parser_free(p);
    cr_expect_eq(stolen->argvlen[1], big);
    cr_expect_eq(stolen->argv[1][big - 1], 'z');
    cr_expect_eq(stolen->argv[1][big], '\0');
    resp_cmd_free(stolen);
}

/* ----------------------------------------------------------- edge cases */

Test(resp, reads_counts_at_the_edges_of_long_long_like_redis_string2ll)
{
    /* Any count <= 0 is an empty command, down to LLONG_MIN. */
    expect_cmds(S("*-9223372036854775808\r\n*1\r\n$1\r\nx\r\n"), S("[1:x,]"), RESP_NEED_MORE);
    expect_error(S("*-9223372036854775809\r\n"), true, "",
                 "Protocol error: invalid multibulk length");
    expect_error(S("*1\r\n$9223372036854775808\r\n"), true, "",
                 "Protocol error: invalid bulk length");
}

Test(resp, refuses_a_nul_inside_a_count_line)
{
    /* redis' strchr would stop at the NUL and wait for more bytes forever;
     * we read the line and refuse the number. */
    expect_error(S("*1\0\r\n"), true, "", "Protocol error: invalid multibulk length");
    expect_error(S("*1\r\n$1\0\r\n"), true, "", "Protocol error: invalid bulk length");
}

Test(resp, treats_a_lone_cr_in_an_inline_line_as_a_blank)
{
    expect_cmds(S("GET\ra\r\r\n\tPING\t\n"), S("[3:GET,1:a,][4:PING,]"), RESP_NEED_MORE);
}

Test(resp, skips_whatever_byte_follows_the_cr_of_a_count_like_redis)
{
    /* redis skips the byte after '\r' whatever it is. */
    expect_cmds(S("*1\rX$4\rYPING\r\n"), S("[4:PING,]"), RESP_NEED_MORE);
}

Test(resp, returns_need_more_on_an_empty_parser)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd = NULL;
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    cr_expect_null(cmd);
    cr_expect_eq(resp_parser_buffered(p), 0);
    resp_parser_feed(p, S("PIN"));
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    cr_expect_eq(resp_parser_buffered(p), 3);
    resp_parser_free(p);
}

Test(resp, gives_a_region_of_at_least_the_requested_size)
{
    resp_parser *p = resp_parser_new();
    char *ptr;
    size_t room;
    cr_assert_eq(resp_parser_reserve(p, 100000, &ptr, &room), 0);
    cr_expect_geq(room, 100000);
    memcpy(ptr, "*1\r\n$4\r\nPING\r\n", 14);
    resp_parser_commit(p, 14);
    cr_assert_eq(resp_parser_reserve(p, 0, &ptr, &room), 0);
    cr_expect_geq(room, RESP_READ_SIZE);
    resp_cmd *cmd;
    cr_expect_eq(resp_parser_next(p, &cmd), RESP_CMD);
    resp_parser_free(p);
}

Test(resp, splits_an_inline_line_of_many_short_tokens)
{
    size_t n = RESP_INLINE_MAX_SIZE;
    char *in = malloc(n);
    for (size_t i = 0; i + 1 < n; i += 2)
        memcpy(in + i, "x ", 2);
    in[n - 1] = '\n';
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    resp_parser_feed(p, in, n);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_eq(cmd->argc, (int)(n / 2));
    cr_expect_str_eq(cmd->argv[cmd->argc - 1], "x");
    resp_parser_free(p);
    free(in);
}

static unsigned long long fuzz_state = 0x9E3779B97F4A7C15ULL;

static unsigned fuzz_next(void)
{
    fuzz_state ^= fuzz_state << 13;
    fuzz_state ^= fuzz_state >> 7;
    fuzz_state ^= fuzz_state << 17;
    return (unsigned)(fuzz_state >> 11);
}

/* Random protocol-shaped garbage: whatever the parser makes of it (commands,
 * need more, an error), it makes the same of every split, without crashing. */
Test(resp, gives_the_same_verdict_on_random_input_at_every_split)
{
    static const char *pieces[] = {"*", "$", "1", "2", "3", "0", "-", "\r\n", "\r", "\n",
                                   "\"", "'", "\\", "x", " ", "\\x4", "*2\r\n", "$1\r\n",
                                   "a", "\0", "*1\r\n$1\r\nz\r\n", "PING\r\n"};
    const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
    int seen[3] = {0};
    for (int round = 0; round < 3000; round++) {
        char in[160];
        size_t n = 0;
        int count = 1 + (int)(fuzz_next() % 24);
        for (int k = 0; k < count; k++) {
            size_t i = fuzz_next() % npieces;
            size_t len = i == 19 ? 1 : strlen(pieces[i]);
            if (n + len > sizeof(in))
                break;
            memcpy(in + n, pieces[i], len);
            n += len;
        }
        seen[check_splits(in, n) + 1]++;
    }
    /* The generator reaches errors, complete input and partial input. */
    cr_expect_gt(seen[RESP_ERROR + 1], 300);
    cr_expect_gt(seen[RESP_NEED_MORE + 1], 300);
}

/* Issue 18, item 6: an unfinished multibulk held every argument it had parsed
 * while resp_parser_buffered (all the query-buffer limit looked at) said 0. */
Test(resp, memory_counts_the_parsed_arguments_of_an_unfinished_command)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    size_t small = 1000, big = 100 * 1000; /* below and above RESP_BIG_ARG */
    char *value = malloc(big);
    memset(value, 'v', big);
    resp_parser_feed(p, S("*2147483647\r\n"));
    char hdr[32];
    for (int i = 0; i < 10; i++) {
        size_t len = i % 2 ? big : small;
        int n = snprintf(hdr, sizeof hdr, "$%zu\r\n", len);
        resp_parser_feed(p, hdr, (size_t)n);
        resp_parser_feed(p, value, len);
        resp_parser_feed(p, S("\r\n"));
        cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    }
    size_t parsed = 5 * small + 5 * big;
    cr_expect_eq(resp_parser_buffered(p), 0, "nothing is left unparsed");
    cr_expect_geq(resp_parser_memory(p), parsed, "%zu bytes", resp_parser_memory(p));
    cr_expect_lt(resp_parser_memory(p), parsed + 4096, "%zu bytes", resp_parser_memory(p));
    resp_parser_usage u;
    resp_parser_get_usage(p, &u);
    cr_expect_eq(u.argv_mem, parsed);
    cr_expect_eq(u.qbuf, 0);
    cr_expect_geq(u.total, parsed + u.rbs);
    cr_expect_geq(u.rbp, u.rbs);
    resp_parser_free(p);
    free(value);
}

Test(resp, memory_counts_the_part_of_a_big_bulk_received_not_its_declared_length)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    resp_parser_feed(p, S("*2\r\n$3\r\nSET\r\n$100000000\r\n"));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    size_t before = resp_parser_memory(p);
    cr_expect_lt(before, 4096, "a declared length costs nothing yet: %zu", before);
    char chunk[50000];
    memset(chunk, 'x', sizeof chunk);
    resp_parser_feed(p, chunk, sizeof chunk);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    cr_expect_eq(resp_parser_buffered(p), sizeof chunk, "qbuf counts the big bulk's bytes so far");
    cr_expect_geq(resp_parser_memory(p), before + sizeof chunk);
    resp_parser_free(p);
}

Test(resp, memory_drops_back_once_the_command_is_pulled_again)
{
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    resp_parser_feed(p, S("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n"));
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    resp_parser_usage u;
    resp_parser_get_usage(p, &u);
    cr_expect_eq(u.argv_mem, 9, "the command being run is counted, as Redis's argv-mem");
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    resp_parser_get_usage(p, &u);
    cr_expect_eq(u.argv_mem, 0);
    cr_expect_eq(resp_parser_buffered(p), 0);
    resp_parser_free(p);
}

Test(resp, an_inline_line_arriving_a_byte_per_read_parses_as_in_one_read)
{
    /* 60 KB fed one byte at a time: searched from the start every time, that
     * is 1.8 billion bytes compared; the parser remembers how far it looked.
     * The same input through one read must give the same command. */
    size_t n = 60 * 1024;
    char *line = malloc(n + 2);
    memset(line, 'a', n);
    line[1000] = ' ';
    line[n] = '\r';
    line[n + 1] = '\n';
    resp_parser *p = resp_parser_new();
    resp_cmd *cmd;
    for (size_t i = 0; i < n + 1; i++) {
        resp_parser_feed(p, line + i, 1);
        cr_assert_eq(resp_parser_next(p, &cmd), RESP_NEED_MORE);
    }
    resp_parser_feed(p, line + n + 1, 1);
    cr_assert_eq(resp_parser_next(p, &cmd), RESP_CMD);
    cr_expect_eq(cmd->argc, 2);
    cr_expect_eq(cmd->argvlen[0], 1000);
    cr_expect_eq(cmd->argvlen[1], n - 1001);
    resp_parser_free(p);
    free(line);
}
