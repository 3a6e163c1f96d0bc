/* Stream commands, checked against Redis 7.0's replies (recorded from redis-server 7.0.15), their keyspace events and their RESP3 forms. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/command.h"
#include "common/strutil.h"
#include "engine/engine_internal.h"
#include "store/txn.h"

TestSuite(stream, .init = ct_setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

/* ------------------------------------------------------------ a bench with a listener and a protocol
 *
 * ct_run applies in RESP2 with no listener; this runs one command as apply
 * (or a read) would, in either protocol, recording what it raised:
 * notify as "event:key " in events, ready as "key " in ready. */

static char events[2048], ready[512];
static ss_buf out;
static char *out_str;

static void append(char *log, size_t cap, const char *a, const char *key, size_t klen)
{
    size_t used = strlen(log);
    snprintf(log + used, cap - used, "%s%s%.*s ", a, *a ? ":" : "", (int)klen, key);
}

static void on_notify(void *c, int db, int type, const char *event, const char *key, size_t klen)
{
    (void)c, (void)db, (void)type;
    append(events, sizeof events, event, key, klen);
}

static void on_ready(void *c, int db, const char *key, size_t klen)
{
    (void)c, (void)db;
    append(ready, sizeof ready, "", key, klen);
}

static const ss_exec_events listener = {.notify = on_notify, .ready = on_ready};

static const char *xrun(resp_proto proto, const char *line)
{
    int argc;
    char **argv = ss_splitargs(line, &argc);
    cr_assert(argv && argc > 0, "bad test line: %s", line);
    size_t lens[64];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    ss_args a = {argc, argv, lens};
    const ss_command *c = ss_command_find(&a, NULL);
    cr_assert(c && ss_command_arity_ok(c, argc), "%s", line);
    bool write = (c->flags & CMD_WRITE) != 0;
    ss_engine *e = ct_engine();
    events[0] = ready[0] = '\0';
    if (out_str == NULL)
        ss_buf_init(&out, 0);
    ss_buf_reset(&out);
    ss_exec_ctx ctx = {.node = &e->node, .events = write ? &listener : NULL, .txn = ss_txn_begin(e->store),
                       .now_ms = ct_now, .index = ss_store_applied_index(e->store) + 1, .rng = ct_seed,
                       .proto = proto, .out = &out, .is_apply = write};
    if (!c->prepare || c->prepare(NULL, &a, &out))
        ss_exec_one(&ctx, &a);
    cr_assert_eq(ctx.status, SS_OK, "%s: a storage error", line);
    if (write) {
        ss_errmsg err = "";
        cr_assert_eq(ss_txn_commit(ctx.txn, ctx.index, err), SS_OK, "%s", err);
    } else {
        ss_txn_abort(ctx.txn);
    }
    ss_split_free(argv, argc);
    free(out_str);
    out_str = strndup(ss_buf_data(&out), ss_buf_len(&out));
    return out_str;
}

static const char *r2(const char *line) { return xrun(RESP2, line); }
static const char *r3(const char *line) { return xrun(RESP3, line); }

static void bench_fini(void)
{
    if (out_str) {
        ss_buf_release(&out);
        free(out_str);
        out_str = NULL;
    }
    ct_teardown();
}

TestSuite(stream_bench, .init = ct_setup, .fini = bench_fini);

/* ------------------------------------------------------------ IDs */

Test(stream, xadd_takes_auto_ids_from_the_entrys_time_so_every_node_assigns_the_same)
{
    ct_now = 1700000000123LL;
    cr_expect_str_eq(ct_run("XADD s * f v"), "$15\r\n1700000000123-0\r\n");
    cr_expect_str_eq(ct_run("XADD s * f v"), "$15\r\n1700000000123-1\r\n");
    /* A clock behind the last ID: the last ms, the next sequence. */
    ct_now = 1600000000000LL;
    cr_expect_str_eq(ct_run("XADD s * f v"), "$15\r\n1700000000123-2\r\n");
    ct_now = 1700000000200LL;
    cr_expect_str_eq(ct_run("XADD s * f v"), "$15\r\n1700000000200-0\r\n");
    cr_expect_str_eq(ct_run("XLEN s"), ":4\r\n");
}

Test(stream, xadd_takes_explicit_and_ms_star_ids_and_refuses_smaller_ones)
{
    cr_expect_str_eq(ct_run("XADD s 1-1 f v"), "$3\r\n1-1\r\n");
    cr_expect_str_eq(ct_run("XADD s 1-* g w"), "$3\r\n1-2\r\n");
    cr_expect_str_eq(ct_run("XADD s 5 a b"), "$3\r\n5-0\r\n");
    cr_expect_str_eq(ct_run("XADD s 5-0 a b"),
                     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n");
    cr_expect_str_eq(ct_run("XADD t 0-0 a b"), "-ERR The ID specified in XADD must be greater than 0-0\r\n");
    cr_expect_str_eq(ct_run("XADD s x-1 a b"), "-ERR Invalid stream ID specified as stream command argument\r\n");
    cr_expect_str_eq(ct_run("XADD s * a"), "-ERR wrong number of arguments for 'xadd' command\r\n");
    cr_expect_str_eq(ct_run("EXISTS t"), ":0\r\n");
}

Test(stream, xadd_nomkstream_on_a_missing_key_is_a_null_in_both_protocols)
{
    cr_expect_str_eq(r2("XADD nos NOMKSTREAM * a b"), "$-1\r\n");
    cr_expect_str_eq(r3("XADD nos NOMKSTREAM * a b"), "_\r\n");
    cr_expect_str_eq(events, "");
    cr_expect_str_eq(ct_run("EXISTS nos"), ":0\r\n");
}

/* ------------------------------------------------------------ ranges, trimming, keys */

Test(stream, xrange_and_xrevrange_read_inclusive_exclusive_and_counted_ranges)
{
    ct_run("XADD s 1-1 f v");
    ct_run("XADD s 1-2 g w");
    ct_run("XADD s 5-0 a b");
    cr_expect_str_eq(ct_run("XRANGE s - +"), "*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
                                             "*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n"
                                             "*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("XREVRANGE s + - COUNT 1"), "*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("XRANGE s (1-1 +"), "*2\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n"
                                                "*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("XRANGE s 2 4"), "*0\r\n");
    cr_expect_str_eq(ct_run("XRANGE nokey - +"), "*0\r\n");
    cr_expect_str_eq(ct_run("XRANGE s (- +"), "-ERR Invalid stream ID specified as stream command argument\r\n");
}

Test(stream, the_stream_type_answers_type_exists_del_and_wrongtype)
{
    ct_run("XADD s 1-1 f v");
    cr_expect_str_eq(ct_run("TYPE s"), "+stream\r\n");
    cr_expect_str_eq(ct_run("EXISTS s"), ":1\r\n");
    cr_expect_str_eq(ct_run("GET s"), WRONGTYPE);
    ct_run("SET str x");
    cr_expect_str_eq(ct_run("XADD str * a b"), WRONGTYPE);
    cr_expect_str_eq(ct_run("XLEN str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("DEL s"), ":1\r\n");
    cr_expect_str_eq(ct_run("XLEN s"), ":0\r\n");
    cr_expect_str_eq(ct_run("XRANGE s - +"), "*0\r\n");
}

Test(stream, an_emptied_stream_stays_a_key_as_in_redis)
{
    ct_run("XADD s 1-1 f v");
    cr_expect_str_eq(ct_run("XDEL s 1-1 1-1 9-9"), ":1\r\n");
    cr_expect_str_eq(ct_run("EXISTS s"), ":1\r\n");
    cr_expect_str_eq(ct_run("XLEN s"), ":0\r\n");
    /* The last ID survives, so a smaller one is still refused. */
    cr_expect_str_eq(ct_run("XADD s 1-1 f v"),
                     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n");
}

Test(stream, approximate_trimming_removes_whole_macro_nodes_only)
{
    char line[64];
    for (int i = 1; i <= 250; i++) {
        snprintf(line, sizeof line, "XADD s %d-0 f v", i);
        ct_run(line);
    }
    /* Redis's nodes hold 100 entries (1-100, 101-200, 201-250): dropping
     * the first leaves 150; dropping the second would leave 50 < 100. */
    cr_expect_str_eq(ct_run("XTRIM s MAXLEN ~ 150"), ":100\r\n");
    cr_expect_str_eq(ct_run("XTRIM s MAXLEN ~ 100"), ":0\r\n");
    cr_expect_str_eq(ct_run("XTRIM s MAXLEN ~ 10"), ":100\r\n");
    cr_expect_str_eq(ct_run("XTRIM s MAXLEN = 10"), ":40\r\n");
    cr_expect_str_eq(ct_run("XLEN s"), ":10\r\n");
    cr_expect_str_eq(ct_run("XTRIM s MINID 245"), ":4\r\n");
    cr_expect_str_eq(ct_run("XRANGE s - + COUNT 1"), "*1\r\n*2\r\n$5\r\n245-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    cr_expect_str_eq(ct_run("XTRIM s MAXLEN 1 LIMIT 1"),
                     "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n");
}

Test(stream, debug_digest_covers_entries_and_groups)
{
    ct_run("XADD s 1-1 f v");
    const char *d1 = strdup(ct_run("DEBUG DIGEST-VALUE s"));
    ct_run("XGROUP CREATE s g 0");
    const char *d2 = strdup(ct_run("DEBUG DIGEST-VALUE s"));
    cr_expect_str_neq(d1, d2, "a group changes the digest");
    ct_run("XGROUP DESTROY s g");
    cr_expect_str_eq(ct_run("DEBUG DIGEST-VALUE s"), d1, "and its removal restores it");
    free((void *)d1);
    free((void *)d2);
}

/* ------------------------------------------------------------ groups */

Test(stream, a_group_delivers_new_entries_once_and_acks_empty_the_pel)
{
    ct_run("XADD s 1-1 f v");
    ct_run("XADD s 1-2 g w");
    cr_expect_str_eq(ct_run("XGROUP CREATE s g 0"), "+OK\r\n");
    cr_expect_str_eq(ct_run("XGROUP CREATE s g 0"), "-BUSYGROUP Consumer Group name already exists\r\n");
    cr_expect_str_eq(ct_run("XREADGROUP GROUP g c COUNT 1 STREAMS s >"),
                     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    cr_expect_str_eq(ct_run("XPENDING s g"), "*4\r\n:1\r\n$3\r\n1-1\r\n$3\r\n1-1\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n");
    /* History: what c was given and has not acknowledged. */
    cr_expect_str_eq(ct_run("XREADGROUP GROUP g c STREAMS s 0"),
                     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    cr_expect_str_eq(ct_run("XACK s g 1-1 1-1 9-9"), ":1\r\n");
    cr_expect_str_eq(ct_run("XPENDING s g"), "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n");
    cr_expect_str_eq(ct_run("XREADGROUP GROUP g c NOACK STREAMS s >"),
                     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n");
    cr_expect_str_eq(ct_run("XPENDING s g - + 10"), "*0\r\n");
    cr_expect_str_eq(ct_run("XREADGROUP GROUP nog c STREAMS s >"),
                     "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n");
}

Test(stream, xclaim_and_xautoclaim_move_entries_idle_long_enough)
{
    ct_run("XADD s 1-1 f v");
    ct_run("XADD s 2-1 g w");
    ct_run("XGROUP CREATE s g 0");
    ct_now = 1700000000000LL;
    ct_run("XREADGROUP GROUP g c STREAMS s >");
    ct_now += 5000;
    cr_expect_str_eq(ct_run("XCLAIM s g c2 10000 1-1 JUSTID"), "*0\r\n");
    cr_expect_str_eq(ct_run("XCLAIM s g c2 5000 1-1 JUSTID"), "*1\r\n$3\r\n1-1\r\n");
    cr_expect_str_eq(ct_run("XPENDING s g IDLE 0 - + 10 c2"), "*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc2\r\n:0\r\n:1\r\n");
    /* An entry deleted while pending: XAUTOCLAIM clears it and says so. */
    ct_run("XDEL s 2-1");
    cr_expect_str_eq(ct_run("XAUTOCLAIM s g c3 0 0 COUNT 10"),
                     "*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*1\r\n$3\r\n2-1\r\n");
    cr_expect_str_eq(ct_run("XPENDING s g - + 10"), "*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc3\r\n:0\r\n:2\r\n");
}

/* ------------------------------------------------------------ events and RESP3 */

Test(stream_bench, writes_raise_the_events_redis_raises)
{
    r2("XADD s 1-1 f v");
    cr_expect_str_eq(events, "new:s xadd:s ");
    cr_expect_str_eq(ready, "s ");
    r2("XADD s MAXLEN 1 2-1 f v");
    cr_expect_str_eq(events, "xadd:s xtrim:s ");
    r2("XADD s MAXLEN 5 3-1 f v");
    cr_expect_str_eq(events, "xadd:s ");
    r2("XDEL s 9-9");
    cr_expect_str_eq(events, "");
    r2("XDEL s 3-1");
    cr_expect_str_eq(events, "xdel:s ");
    r2("XTRIM s MAXLEN 0");
    cr_expect_str_eq(events, "xtrim:s ");
    r2("XTRIM s MAXLEN 0");
    cr_expect_str_eq(events, "");
    r2("XGROUP CREATE m g $ MKSTREAM");
    cr_expect_str_eq(events, "new:m xgroup-create:m ");
    r2("XGROUP CREATECONSUMER m g c");
    cr_expect_str_eq(events, "xgroup-createconsumer:m ");
    r2("XGROUP CREATECONSUMER m g c");
    cr_expect_str_eq(events, "");
    r2("XADD m 1-1 a b");
    r2("XADD m 2-1 a b");
    r2("XREADGROUP GROUP g c2 STREAMS m >");
    cr_expect_str_eq(events, "xgroup-createconsumer:m ");
    r2("XCLAIM m g c4 0 1-1");
    cr_expect_str_eq(events, "xgroup-createconsumer:m ");
    r2("XDEL m 2-1");
    r2("XAUTOCLAIM m g c5 0 0");
    cr_expect_str_eq(events, "xgroup-createconsumer:m ");
    r2("XACK m g 1-1");
    cr_expect_str_eq(events, "");
    r2("XGROUP SETID m g 0");
    cr_expect_str_eq(events, "xgroup-setid:m ");
    r2("XGROUP DELCONSUMER m g c");
    cr_expect_str_eq(events, "xgroup-delconsumer:m ");
    r2("XGROUP DESTROY m g");
    cr_expect_str_eq(events, "xgroup-destroy:m ");
    r2("XGROUP DESTROY m g");
    cr_expect_str_eq(events, "");
    r2("XSETID m 5-5");
    cr_expect_str_eq(events, "xsetid:m ");
}

Test(stream_bench, resp3_answers_maps_where_redis_does)
{
    r2("XADD s 1-1 f v");
    r2("XADD s 1-2 g w");
    r2("XADD s 5-0 a b");
    r2("XGROUP CREATE s g 0");
    r2("XREADGROUP GROUP g c COUNT 1 STREAMS s >");
    cr_expect_str_eq(r3("XREAD STREAMS s 1-2"), "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(r3("XREAD STREAMS s 5-0"), "_\r\n");
    cr_expect_str_eq(r2("XREAD STREAMS s 5-0"), "*-1\r\n");
    cr_expect_str_eq(r3("XINFO STREAM s"),
                     "%10\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n"
                     "$17\r\nlast-generated-id\r\n$3\r\n5-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n"
                     "$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n"
                     "$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
                     "$10\r\nlast-entry\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(r3("XINFO GROUPS s"),
                     "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n"
                     "$17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:2\r\n");
    cr_expect_str_eq(r3("XREADGROUP GROUP g c STREAMS s >"),
                     "%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n"
                     "*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(r3("XPENDING s g"), "*4\r\n:3\r\n$3\r\n1-1\r\n$3\r\n5-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
}

/* With nothing to read, the exec half answers the engine's wait marker with
 * the IDs it resolved ("$" pinned to the last ID, a missing key's to 0-0),
 * which blocking.c turns into a wait; it never reaches a client. */
Test(stream_bench, xread_block_with_nothing_to_read_answers_the_wait_marker_with_its_ids)
{
    r2("XADD s 1-1 f v");
    cr_expect_str_eq(r2("XREAD BLOCK 0 STREAMS s 0"), "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    cr_expect_str_eq(r2("XREAD BLOCK 0 STREAMS s nokey $ $"), "-__XBLOCK 1-1 0-0\r\n");
}

/* A client that may not block (MULTI, scripts) gets Redis's null at once. */
Test(stream, blocking_reads_in_multi_answer_null_at_once)
{
    ct_run("XADD s 1-1 f v");
    ct_run("XGROUP CREATE s g $");
    cr_expect_str_eq(ct_exec("XREAD BLOCK 0 STREAMS s $", "XREADGROUP GROUP g c BLOCK 10 STREAMS s >", NULL),
                     "*2\r\n*-1\r\n*-1\r\n");
}

/* Keys' generic commands carry the whole stream: entries, the metadata's
 * last ID and the groups. */
Test(stream, copy_and_rename_carry_entries_last_id_and_groups)
{
    ct_run("XADD s 1-1 f v");
    ct_run("XADD s 2-1 f v");
    ct_run("XDEL s 2-1");
    ct_run("XGROUP CREATE s g 0");
    cr_expect_str_eq(ct_run("COPY s d"), ":1\r\n");
    cr_expect_str_eq(ct_run("RENAME s r"), "+OK\r\n");
    const char *keys[] = {"d", "r"};
    for (int i = 0; i < 2; i++) {
        char line[64];
        snprintf(line, sizeof line, "XADD %s 2-1 a b", keys[i]);
        cr_expect_str_eq(ct_run(line),
                         "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n");
        snprintf(line, sizeof line, "XREADGROUP GROUP g c STREAMS %s >", keys[i]);
        char want[128];
        snprintf(want, sizeof want, "*1\r\n*2\r\n$1\r\n%s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
                 keys[i]);
        cr_expect_str_eq(ct_run(line), want, "%s", keys[i]);
    }
    cr_expect_str_eq(ct_run("EXISTS s"), ":0\r\n");
}

/* Delivery and seen times (13-digit unix ms) become ":T", idle times ":I":
 * what remains of a reply is compared byte for byte with Redis's. */
static const char *mask(const char *r)
{
    static char m[4096];
    size_t o = 0;
    for (const char *p = r; *p && o + 4 < sizeof m;) {
        size_t digits = 0;
        if (*p == ':')
            while (p[1 + digits] >= '0' && p[1 + digits] <= '9')
                digits++;
        bool idle = o >= 6 && memcmp(m + o - 6, "idle\r\n", 6) == 0;
        if (digits && (digits == 13 || idle)) {
            m[o++] = ':';
            m[o++] = idle ? 'I' : 'T';
            p += 1 + digits;
        } else {
            m[o++] = *p++;
        }
    }
    m[o] = '\0';
    return m;
}

Test(stream_bench, resp3_forms_of_the_group_commands_are_redis_s)
{
    r2("XADD s 1-1 f v");
    r2("XADD s 1-2 g w");
    r2("XGROUP CREATE s g 0");
    r2("XREADGROUP GROUP g c COUNT 1 STREAMS s >");
    cr_expect_str_eq(
        mask(r3("XINFO STREAM s FULL")),
        "%9\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n"
        "$17\r\nlast-generated-id\r\n$3\r\n1-2\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n"
        "$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
        "*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n$6\r\ngroups\r\n*1\r\n%7\r\n$4\r\nname\r\n$1\r\ng\r\n"
        "$17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n$9\r\npel-count\r\n:1\r\n"
        "$7\r\npending\r\n*1\r\n*4\r\n$3\r\n1-1\r\n$1\r\nc\r\n:T\r\n:1\r\n$9\r\nconsumers\r\n*1\r\n%4\r\n$4\r\nname\r\n"
        "$1\r\nc\r\n$9\r\nseen-time\r\n:T\r\n$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n1-1\r\n:T\r\n:1\r\n");
    cr_expect_str_eq(mask(r3("XINFO CONSUMERS s g")),
                     "*1\r\n%3\r\n$4\r\nname\r\n$1\r\nc\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:I\r\n");
    cr_expect_str_eq(r3("XPENDING s g - + 10"), "*1\r\n*4\r\n$3\r\n1-1\r\n$1\r\nc\r\n:0\r\n:1\r\n");
    cr_expect_str_eq(r3("XCLAIM s g c2 0 1-1"), "*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    cr_expect_str_eq(r3("XAUTOCLAIM s g c3 0 0 COUNT 1"),
                     "*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*0\r\n");
    cr_expect_str_eq(r3("XREADGROUP GROUP g c3 STREAMS s 0"),
                     "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    cr_expect_str_eq(
        mask(r3("XINFO STREAM s FULL COUNT 1")),
        "%9\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n"
        "$17\r\nlast-generated-id\r\n$3\r\n1-2\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n"
        "$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
        "$6\r\ngroups\r\n*1\r\n%7\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n$12\r\nentries-read\r\n:1\r\n"
        "$3\r\nlag\r\n:1\r\n$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc3\r\n:T\r\n:4\r\n"
        "$9\r\nconsumers\r\n*3\r\n%4\r\n$4\r\nname\r\n$1\r\nc\r\n$9\r\nseen-time\r\n:T\r\n$9\r\npel-count\r\n:0\r\n"
        "$7\r\npending\r\n*0\r\n%4\r\n$4\r\nname\r\n$2\r\nc2\r\n$9\r\nseen-time\r\n:T\r\n$9\r\npel-count\r\n:0\r\n"
        "$7\r\npending\r\n*0\r\n%4\r\n$4\r\nname\r\n$2\r\nc3\r\n$9\r\nseen-time\r\n:T\r\n$9\r\npel-count\r\n:1\r\n"
        "$7\r\npending\r\n*1\r\n*3\r\n$3\r\n1-1\r\n:T\r\n:4\r\n");
}
