/* RESP reply encoder and ss_buf; hiredis reads back what we write, and our
 * parser reads what hiredis writes. */
#include <criterion/criterion.h>
#include <float.h>
#include <limits.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "resp/resp.h"

#define S(lit) lit, sizeof(lit) - 1

static ss_buf out;

static void setup(void)
{
    ss_buf_init(&out, 0);
}

static void teardown(void)
{
    ss_buf_release(&out);
}

static void expect_bytes(const char *want, size_t n)
{
    cr_expect(ss_buf_len(&out) == n && memcmp(ss_buf_data(&out), want, n) == 0,
              "got \"%.*s\"", (int)ss_buf_len(&out), ss_buf_data(&out));
    ss_buf_reset(&out);
}

TestSuite(reply, .init = setup, .fini = teardown);
TestSuite(buf, .init = setup, .fini = teardown);

Test(reply, encodes_simple_strings_and_errors)
{
    resp_add_simple(&out, "OK");
    expect_bytes(S("+OK\r\n"));
    resp_add_error(&out, "ERR unknown command 'foo'");
    expect_bytes(S("-ERR unknown command 'foo'\r\n"));
    resp_add_error(&out, "-WRONGTYPE x");
    expect_bytes(S("-WRONGTYPE x\r\n"));
    resp_add_errorf(&out, "ERR wrong number of arguments for '%s' command", "get");
    expect_bytes(S("-ERR wrong number of arguments for 'get' command\r\n"));
}

Test(reply, replaces_cr_and_lf_in_one_line_replies_with_spaces)
{
    resp_add_simple(&out, "a\r\nb");
    expect_bytes(S("+a  b\r\n"));
    resp_add_errorf(&out, "ERR bad %s", "x\ny\r");
    expect_bytes(S("-ERR bad x y \r\n"));
}

Test(reply, encodes_integers_across_the_whole_range)
{
    resp_add_int(&out, 0);
    resp_add_int(&out, 1);
    resp_add_int(&out, -1);
    resp_add_int(&out, 1234567);
    resp_add_int(&out, LLONG_MAX);
    resp_add_int(&out, LLONG_MIN);
    expect_bytes(S(":0\r\n:1\r\n:-1\r\n:1234567\r\n:9223372036854775807\r\n"
                   ":-9223372036854775808\r\n"));
}

Test(reply, encodes_bulks_binary_safe)
{
    resp_add_bulk(&out, S("a\0\r\nb"));
    resp_add_bulk_cstr(&out, "");
    resp_add_bulk_ll(&out, -42);
    expect_bytes(S("$5\r\na\0\r\nb\r\n$0\r\n\r\n$3\r\n-42\r\n"));
}

Test(reply, picks_null_and_aggregate_forms_by_protocol)
{
    resp_add_null_bulk(&out, RESP2);
    resp_add_null_array(&out, RESP2);
    resp_add_map_len(&out, RESP2, 2);
    resp_add_set_len(&out, RESP2, 3);
    resp_add_push_len(&out, RESP2, 3);
    resp_add_bool(&out, RESP2, true);
    resp_add_bool(&out, RESP2, false);
    resp_add_array_len(&out, 0);
    expect_bytes(S("$-1\r\n*-1\r\n*4\r\n*3\r\n*3\r\n:1\r\n:0\r\n*0\r\n"));
    resp_add_null_bulk(&out, RESP3);
    resp_add_null_array(&out, RESP3);
    resp_add_map_len(&out, RESP3, 2);
    resp_add_set_len(&out, RESP3, 3);
    resp_add_push_len(&out, RESP3, 3);
    resp_add_bool(&out, RESP3, true);
    resp_add_bool(&out, RESP3, false);
    resp_add_double(&out, RESP3, 1.5);
    expect_bytes(S("_\r\n_\r\n%2\r\n~3\r\n>3\r\n#t\r\n#f\r\n,1.5\r\n"));
}

Test(reply, writes_verbatim_text_and_big_numbers_as_bulks_in_resp2)
{
    resp_add_verbatim(&out, RESP2, "txt", S("a:1\r\n"));
    resp_add_bignum(&out, RESP2, S("-3492890328409238509324850943850943825024385"));
    expect_bytes(S("$5\r\na:1\r\n\r\n$44\r\n-3492890328409238509324850943850943825024385\r\n"));
}

Test(reply, writes_verbatim_text_big_numbers_and_attributes_in_resp3)
{
    /* The length counts "txt:" (Redis's addReplyVerbatim; RESP3 spec). */
    resp_add_verbatim(&out, RESP3, "txt", S("Some string"));
    resp_add_verbatim(&out, RESP3, "mkd", "", 0);
    resp_add_bignum(&out, RESP3, S("3492890328409238509324850943850943825024385"));
    resp_add_attribute_len(&out, 1);
    expect_bytes(S("=15\r\ntxt:Some string\r\n=4\r\nmkd:\r\n"
                   "(3492890328409238509324850943850943825024385\r\n|1\r\n"));
}

Test(reply, formats_doubles_with_the_shortest_round_trip_text)
{
    resp_add_double(&out, RESP2, 3.14);
    expect_bytes(S("$4\r\n3.14\r\n"));
    resp_add_double(&out, RESP2, 0.1 + 0.2);
    expect_bytes(S("$19\r\n0.30000000000000004\r\n"));
    resp_add_double(&out, RESP2, 1e300);
    resp_add_double(&out, RESP2, -2.5e-10);
    resp_add_double(&out, RESP2, 10);
    expect_bytes(S("$6\r\n1e+300\r\n$8\r\n-2.5e-10\r\n$2\r\n10\r\n"));
    resp_add_double(&out, RESP2, INFINITY);
    resp_add_double(&out, RESP2, -INFINITY);
    resp_add_double(&out, RESP3, -INFINITY);
    resp_add_double(&out, RESP3, NAN);
    expect_bytes(S("$3\r\ninf\r\n$4\r\n-inf\r\n,-inf\r\n,nan\r\n"));
}

Test(reply, formats_doubles_that_read_back_exactly)
{
    srand(7);
    char text[RESP_DOUBLE_MAX];
    double samples[] = {DBL_MAX, DBL_MIN, -DBL_MIN, 5e-324, 1.0 / 3, 123456789012345678.0};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        resp_format_double(text, samples[i]);
        cr_expect_eq(strtod(text, NULL), samples[i], "%s", text);
    }
    for (int i = 0; i < 20000; i++) {
        unsigned long long bits = ((unsigned long long)rand() << 34) ^
                                  ((unsigned long long)rand() << 17) ^ (unsigned long long)rand();
        double d;
        memcpy(&d, &bits, sizeof(d));
        if (!isfinite(d))
            continue;
        size_t n = resp_format_double(text, d);
        cr_assert_lt(n, RESP_DOUBLE_MAX);
        cr_assert_eq(strtod(text, NULL), d, "%s", text);
    }
}

Test(reply, sends_shared_replies_byte_for_byte)
{
    resp_add_shared(&out, RESP_SH_OK);
    resp_add_shared(&out, RESP_SH_PONG);
    resp_add_shared(&out, RESP_SH_NULLBULK);
    resp_add_shared(&out, RESP_SH_WRONGTYPE);
    expect_bytes(S("+OK\r\n+PONG\r\n$-1\r\n"
                   "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"));
    size_t len;
    const char *data = resp_shared_data(RESP_SH_EMPTYARRAY, &len);
    cr_expect(len == 4 && memcmp(data, "*0\r\n", 4) == 0);
}

/* ------------------------------------------------- hiredis reads our replies */

static redisReply *read_one(redisReader *r)
{
    void *reply = NULL;
    cr_assert_eq(redisReaderGetReply(r, &reply), REDIS_OK, "hiredis: %s", r->errstr);
    cr_assert_not_null(reply, "hiredis wants more bytes");
    return reply;
}

Test(reply, writes_replies_hiredis_reads_back)
{
    const char value[] = "bin\0ary\r\nvalue";
    resp_add_shared(&out, RESP_SH_OK);
    resp_add_error(&out, "ERR boom\r\nsecond line");
    resp_add_int(&out, LLONG_MIN);
    resp_add_bulk(&out, value, sizeof(value) - 1);
    resp_add_null_bulk(&out, RESP2);
    resp_add_null_array(&out, RESP2);
    resp_add_map_len(&out, RESP2, 1);
    resp_add_bulk_cstr(&out, "score");
    resp_add_double(&out, RESP2, 0.1);
    resp_add_array_len(&out, 2);
    resp_add_array_len(&out, 0);
    resp_add_bool(&out, RESP2, true);
    cr_assert_eq(ss_buf_error(&out), SS_OK);

    redisReader *r = redisReaderCreate();
    /* Byte by byte, so every reply is also checked as a prefix. */
    for (size_t i = 0; i < ss_buf_len(&out); i++)
        cr_assert_eq(redisReaderFeed(r, ss_buf_data(&out) + i, 1), REDIS_OK);
    redisReply *rep = read_one(r);
    cr_expect(rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "OK") == 0);
    freeReplyObject(rep);
    rep = read_one(r);
    cr_expect(rep->type == REDIS_REPLY_ERROR && strcmp(rep->str, "ERR boom  second line") == 0);
    freeReplyObject(rep);
    rep = read_one(r);
    cr_expect(rep->type == REDIS_REPLY_INTEGER && rep->integer == LLONG_MIN);
    freeReplyObject(rep);
    rep = read_one(r);
    cr_expect(rep->type == REDIS_REPLY_STRING && rep->len == sizeof(value) - 1 &&
              memcmp(rep->str, value, rep->len) == 0);
    freeReplyObject(rep);
    for (int i = 0; i < 2; i++) {
        rep = read_one(r);
        cr_expect_eq(rep->type, REDIS_REPLY_NIL);
        freeReplyObject(rep);
    }
    rep = read_one(r);
    cr_assert(rep->type == REDIS_REPLY_ARRAY && rep->elements == 2);
    cr_expect_str_eq(rep->element[0]->str, "score");
    cr_expect_str_eq(rep->element[1]->str, "0.1");
    freeReplyObject(rep);
    rep = read_one(r);
    cr_assert(rep->type == REDIS_REPLY_ARRAY && rep->elements == 2);
    cr_expect(rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 0);
    cr_expect(rep->element[1]->type == REDIS_REPLY_INTEGER && rep->element[1]->integer == 1);
    freeReplyObject(rep);
    void *none = NULL;
    cr_expect_eq(redisReaderGetReply(r, &none), REDIS_OK);
    cr_expect_null(none, "nothing left over");
    redisReaderFree(r);
}

/* ------------------------------------------ our parser reads hiredis commands */

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned long long rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

Test(reply, parses_random_binary_commands_hiredis_formats)
{
    enum { ROUNDS = 300, MAX_ARGS = 12 };
    resp_parser *p = resp_parser_new();
    for (int round = 0; round < ROUNDS; round++) {
        /* A pipeline of a few random commands, each with random binary args,
         * some of them big enough to take the in-place path. */
        int ncmds = 1 + (int)(rnd() % 4);
        char *argv[4][MAX_ARGS];
        size_t argvlen[4][MAX_ARGS];
        int argc[4];
        ss_buf wire;
        ss_buf_init(&wire, 0);
        for (int c = 0; c < ncmds; c++) {
            argc[c] = 1 + (int)(rnd() % MAX_ARGS);
            for (int a = 0; a < argc[c]; a++) {
                size_t len = rnd() % 16 == 0 ? RESP_BIG_ARG + rnd() % 5000 : rnd() % 40;
                argv[c][a] = malloc(len + 1);
                for (size_t i = 0; i < len; i++)
                    argv[c][a][i] = "\0\r\n$*ab"[rnd() % 7];
                argvlen[c][a] = len;
            }
            char *cmd;
            int n = redisFormatCommandArgv(&cmd, argc[c], (const char **)argv[c], argvlen[c]);
            cr_assert_gt(n, 0);
            ss_buf_append(&wire, cmd, (size_t)n);
            free(cmd);
        }
        /* Random read sizes through reserve/commit. */
        size_t off = 0;
        int got = 0;
        while (off < ss_buf_len(&wire)) {
            char *ptr;
            size_t room;
            cr_assert_eq(resp_parser_reserve(p, 0, &ptr, &room), 0);
            size_t k = 1 + rnd() % (rnd() % 2 ? 7 : 20000);
            k = k < room ? k : room;
            k = k < ss_buf_len(&wire) - off ? k : ss_buf_len(&wire) - off;
            memcpy(ptr, ss_buf_data(&wire) + off, k);
            resp_parser_commit(p, k);
            off += k;
            resp_cmd *cmd;
            resp_result res;
            while ((res = resp_parser_next(p, &cmd)) == RESP_CMD) {
                cr_assert_lt(got, ncmds);
                cr_assert_eq(cmd->argc, argc[got]);
                for (int a = 0; a < cmd->argc; a++) {
                    cr_assert_eq(cmd->argvlen[a], argvlen[got][a], "round %d", round);
                    cr_assert(memcmp(cmd->argv[a], argv[got][a], argvlen[got][a]) == 0);
                }
                got++;
            }
            cr_assert_eq(res, RESP_NEED_MORE, "%s", resp_parser_errmsg(p));
        }
        cr_assert_eq(got, ncmds, "round %d", round);
        for (int c = 0; c < ncmds; c++)
            for (int a = 0; a < argc[c]; a++)
                free(argv[c][a]);
        ss_buf_release(&wire);
    }
    resp_parser_free(p);
}

/* ------------------------------------------------------------------ ss_buf */

Test(buf, grows_and_keeps_what_was_appended)
{
    for (int i = 0; i < 1000; i++)
        ss_buf_appendf(&out, "%04d", i);
    cr_assert_eq(ss_buf_len(&out), 4000);
    cr_expect(memcmp(ss_buf_data(&out) + 3996, "0999", 4) == 0);
    ss_buf_consume(&out, 3996);
    cr_expect(ss_buf_len(&out) == 4 && memcmp(ss_buf_data(&out), "0999", 4) == 0);
    ss_buf_appendf(&out, "%0300d", 7);
    cr_expect_eq(ss_buf_len(&out), 304);
}

Test(buf, refuses_appends_past_its_cap_and_stays_failed)
{
    ss_buf capped;
    ss_buf_init(&capped, 10);
    cr_expect_eq(ss_buf_append(&capped, "12345678", 8), SS_OK);
    cr_expect_eq(ss_buf_append(&capped, "abc", 3), SS_ETOOBIG);
    cr_expect_eq(ss_buf_len(&capped), 8, "a refused append writes nothing");
    cr_expect_eq(ss_buf_append(&capped, "a", 1), SS_ETOOBIG, "the error is sticky");
    cr_expect_eq(resp_add_shared(&capped, RESP_SH_OK), SS_ETOOBIG);
    cr_expect_eq(ss_buf_error(&capped), SS_ETOOBIG);
    cr_expect_leq(capped.cap, 10);
    ss_buf_reset(&capped);
    cr_expect_eq(ss_buf_error(&capped), SS_OK);
    cr_expect_eq(resp_add_bulk(&capped, "xyz", 3), SS_OK);
    ss_buf_release(&capped);
}

Test(reply, makes_every_shared_reply_valid_resp)
{
    redisReader *r = redisReaderCreate();
    for (int i = 0; i < RESP_SH_COUNT; i++) {
        size_t len;
        const char *data = resp_shared_data((resp_shared)i, &len);
        cr_assert(len >= 3 && memcmp(data + len - 2, "\r\n", 2) == 0, "entry %d", i);
        if (data[0] == '_')
            continue; /* RESP3: hiredis 0.14 speaks RESP2 only */
        cr_assert_eq(redisReaderFeed(r, data, len), REDIS_OK);
        freeReplyObject(read_one(r));
    }
    redisReaderFree(r);
}

Test(reply, writes_status_lines_and_raw_bytes_as_given)
{
    resp_add_simple_len(&out, "OKAY", 2);
    resp_add_error_len(&out, "ERR x\ny", 7);
    resp_add_raw(&out, S(":5\r\n"));
    expect_bytes(S("+OK\r\n-ERR x y\r\n:5\r\n"));
}

Test(buf, lets_a_reader_write_into_its_spare_room)
{
    cr_assert_eq(ss_buf_reserve(&out, 10), SS_OK);
    cr_assert_geq(ss_buf_space(&out), 10);
    memcpy(ss_buf_tail(&out), "hello", 5);
    ss_buf_commit(&out, 5);
    cr_expect(ss_buf_len(&out) == 5 && memcmp(ss_buf_data(&out), "hello", 5) == 0);
    ss_buf_consume(&out, 100);
    cr_expect_eq(ss_buf_len(&out), 0);
}

Test(buf, accepts_a_formatted_append_that_fills_it_exactly)
{
    ss_buf capped;
    ss_buf_init(&capped, 300);
    cr_expect_eq(ss_buf_appendf(&capped, "%0300d", 1), SS_OK);
    cr_expect_eq(ss_buf_len(&capped), 300);
    cr_expect_eq(ss_buf_appendf(&capped, "x"), SS_ETOOBIG);
    ss_buf_release(&capped);
}
