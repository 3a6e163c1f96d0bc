/* Streams against redis-server 7.0: random XADD/XRANGE/XTRIM/XDEL/XREAD and consumer group commands, every reply compared (times masked, auto IDs by shape). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration/diff_harness.h"
#include "integration/harness.h"

/*
 * The generator reads Redis's replies to know each stream's last ID, so most
 * XADDs go just past it (with the ms-seq, ms and ms-* forms), the streams
 * grow past Redis's 100-entry macro nodes and approximate trimming,
 * XINFO's radix-tree counters and the groups' lag are compared exactly.
 * Values vary in size and in whether they read as integers, which moves the
 * 4096-byte node boundary. What only the clock decides is masked: idle
 * times, delivery and seen times. XADD * (the entry's time) is compared by
 * shape on a key of its own.
 */

#define NKEYS 3
static const char *const keys[NKEYS] = {"s0", "s1", "s2"};
static const char *const groups[] = {"g0", "g1"};
static const char *const consumers[] = {"c0", "c1", "c2"};

typedef struct gen {
    dh_run *r;
    uint64_t last_ms[NKEYS], last_seq[NKEYS];
    int bad;
    uint64_t compared;
} gen;

enum { EXACT, MASK_TIMES, AUTO_ID };

static uint64_t below(gen *g, uint64_t n) { return dh_below(g->r, n); }

/* ------------------------------------------------------------ masking */

static bool is_str(const redisReply *r, const char *s)
{
    return (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) && r->len == strlen(s) &&
           memcmp(r->str, s, r->len) == 0;
}

static void zero(redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        r->integer = 0;
}

/* An array of [id, consumer, ms, count] or [id, ms, count] entries (PELs). */
static void mask_pel(redisReply *r, size_t at)
{
    if (r->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_ARRAY && r->element[i]->elements > at)
            zero(r->element[i]->element[at]);
}

/* Zeroes what the clock decides: idle, seen-time, and the times in XINFO
 * FULL's and XPENDING's PEL listings. */
static void mask_times(redisReply *r, const char *cmd)
{
    if (r->type != REDIS_REPLY_ARRAY)
        return;
    if (!strcasecmp(cmd, "xpending")) {
        mask_pel(r, 2);
        return;
    }
    for (size_t i = 0; i + 1 < r->elements; i++) {
        redisReply *k = r->element[i], *v = r->element[i + 1];
        if (is_str(k, "idle") || is_str(k, "seen-time"))
            zero(v);
        else if (is_str(k, "pending") && v->type == REDIS_REPLY_ARRAY)
            mask_pel(v, v->elements && v->element[0]->type == REDIS_REPLY_ARRAY &&
                                v->element[0]->elements == 4 ? 2 : 1);
    }
    for (size_t i = 0; i < r->elements; i++)
        mask_times(r->element[i], cmd);
}

/* ------------------------------------------------------------ one command */

static void print_line(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
}

/* Sends argv to both; compares as mode says; returns Redis's reply (free it). */
static redisReply *send_both(gen *g, int mode, int argc, char **argv)
{
    size_t lens[64];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisContext *sc = dh_sandstore(g->r, (int)below(g, 3));
    redisReply *want = redisCommandArgv(dh_redis(g->r), argc, (const char **)argv, lens);
    redisReply *got = redisCommandArgv(sc, argc, (const char **)argv, lens);
    cr_assert_not_null(want, "redis-server did not answer");
    cr_assert_not_null(got, "sandstore did not answer");
    g->compared++;
    bool same;
    char where[1024] = "";
    if (mode == AUTO_ID) {
        same = want->type == got->type;
        if (!same)
            snprintf(where, sizeof where, "type %d vs %d", want->type, got->type);
    } else {
        if (mode == MASK_TIMES) {
            mask_times(want, argv[0]);
            mask_times(got, argv[0]);
        }
        same = h_reply_same(want, got, where, sizeof where);
    }
    if (!same) {
        fprintf(stderr, "diff streams: command %" PRIu64 ": ", g->compared);
        print_line(argc, argv);
        fprintf(stderr, "\n  redis vs sandstore: %s\n", where);
        g->bad++;
    }
    freeReplyObject(got);
    return want;
}

/* Splits a line (space-separated, no quoting) and sends it. */
static redisReply *line_both(gen *g, int mode, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static redisReply *line_both(gen *g, int mode, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *argv[64];
    int argc = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok && argc < 64; tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    return send_both(g, mode, argc, argv);
}

static void run(gen *g, int mode, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void run(gen *g, int mode, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    freeReplyObject(line_both(g, mode, "%s", buf));
}

/* ------------------------------------------------------------ arguments */

static int pick_key(gen *g) { return (int)below(g, NKEYS); }
static const char *group(gen *g) { return groups[below(g, 2)]; }
static const char *consumer(gen *g) { return consumers[below(g, 3)]; }

/* A value: short, long (so a node fills its 4096 bytes before 100 entries),
 * or a number (listpacks store those as integers). */
static void value(gen *g, char *b, size_t n)
{
    static const char *const nums[] = {"0", "7", "127", "128", "-1", "4095", "65536", "-70000", "3000000000",
                                       "9223372036854775807", "007", "1.5"};
    switch (below(g, 4)) {
    case 0:
        snprintf(b, n, "%s", nums[below(g, 12)]);
        break;
    case 1: {
        size_t len = 1 + below(g, 300);
        for (size_t i = 0; i < len && i + 1 < n; i++)
            b[i] = (char)('a' + below(g, 26));
        b[len < n ? len : n - 1] = '\0';
        break;
    }
    default:
        snprintf(b, n, "v%" PRIu64, below(g, 1000));
        break;
    }
}

/* A field list: mostly the same two fields (Redis then stores them once per node). */
static void fields(gen *g, char *b, size_t n)
{
    size_t used = 0;
    int nf = below(g, 4) ? 1 + (int)below(g, 2) : 1 + (int)below(g, 4);
    for (int i = 0; i < nf && used < n; i++) {
        char v[400];
        value(g, v, sizeof v);
        const char *f = below(g, 5) ? (i == 0 ? "f" : "g") : (below(g, 2) ? "h" : "12");
        used += (size_t)snprintf(b + used, n - used, " %s %s", f, v);
    }
}

/* An ID near the stream's last one (or anywhere, or malformed). */
static void an_id(gen *g, int k, char *b, size_t n)
{
    uint64_t ms = g->last_ms[k], seq = g->last_seq[k];
    switch (below(g, 10)) {
    case 0: snprintf(b, n, "%" PRIu64 "-%" PRIu64, below(g, 30), below(g, 4)); break;
    case 1: snprintf(b, n, "%s", below(g, 2) ? "-" : "+"); break;
    case 2: snprintf(b, n, "(%" PRIu64 "-%" PRIu64, ms, seq); break;
    case 3: snprintf(b, n, "%" PRIu64, ms > 2 ? ms - below(g, 3) : ms); break;
    case 4: snprintf(b, n, "%s", below(g, 4) ? "0" : "x-1"); break;
    default: snprintf(b, n, "%" PRIu64 "-%" PRIu64, ms > 5 ? ms - below(g, 5) : ms, below(g, seq + 2)); break;
    }
}

/* ------------------------------------------------------------ the commands */

static void remember_id(gen *g, int k, const redisReply *rep)
{
    unsigned long long ms, seq;
    if (rep->type == REDIS_REPLY_STRING && sscanf(rep->str, "%llu-%llu", &ms, &seq) == 2) {
        g->last_ms[k] = ms;
        g->last_seq[k] = seq;
    }
}

static void xadd(gen *g)
{
    int k = pick_key(g);
    char id[64], f[4096], trim[96] = "";
    uint64_t ms = g->last_ms[k], seq = g->last_seq[k];
    switch (below(g, 8)) {
    case 0: snprintf(id, sizeof id, "%" PRIu64 "-*", ms + below(g, 2)); break;
    case 1: snprintf(id, sizeof id, "%" PRIu64, ms + 1 + below(g, 200)); break;
    case 2: snprintf(id, sizeof id, "%" PRIu64 "-%" PRIu64, below(g, 30), below(g, 3)); break;
    case 3: snprintf(id, sizeof id, "%" PRIu64 "-%" PRIu64, ms + below(g, 100000), seq + 1 + below(g, 5)); break;
    default: snprintf(id, sizeof id, "%" PRIu64 "-%" PRIu64, ms, seq + 1); break;
    }
    if (below(g, 6) == 0) {
        const char *how = below(g, 3) ? "~" : below(g, 2) ? "=" : "";
        if (below(g, 2))
            snprintf(trim, sizeof trim, " MAXLEN %s %" PRIu64, how, below(g, 400));
        else
            snprintf(trim, sizeof trim, " MINID %s %" PRIu64, how, ms > 50 ? ms - below(g, 50) : 0);
        if (*how == '~' && below(g, 3) == 0)
            snprintf(trim + strlen(trim), sizeof trim - strlen(trim), " LIMIT %" PRIu64, below(g, 300));
    }
    fields(g, f, sizeof f);
    redisReply *rep = line_both(g, EXACT, "XADD %s%s%s %s%s", keys[k], below(g, 10) ? "" : " NOMKSTREAM",
                                trim, id, f);
    remember_id(g, k, rep);
    freeReplyObject(rep);
}

static void read_commands(gen *g)
{
    int k = pick_key(g);
    char a[64], b[64];
    an_id(g, k, a, sizeof a);
    an_id(g, k, b, sizeof b);
    switch (below(g, 7)) {
    case 0: run(g, EXACT, "XRANGE %s %s %s", keys[k], a, b); break;
    case 1: run(g, EXACT, "XRANGE %s - + COUNT %" PRIu64, keys[k], below(g, 5)); break;
    case 2: run(g, EXACT, "XREVRANGE %s %s %s COUNT %" PRIu64, keys[k], b, a, below(g, 20)); break;
    case 3: run(g, EXACT, "XLEN %s", keys[k]); break;
    case 4: run(g, EXACT, "XREAD COUNT %" PRIu64 " STREAMS %s %s %s %s", below(g, 4), keys[k], keys[pick_key(g)], a,
                below(g, 2) ? "$" : "0");
        break;
    case 5: run(g, EXACT, "XREAD BLOCK 1 STREAMS %s %s", keys[k], below(g, 2) ? "$" : a); break;
    default: run(g, EXACT, "XINFO STREAM %s", keys[k]); break;
    }
}

static void write_commands(gen *g)
{
    int k = pick_key(g);
    char a[64], b[64];
    an_id(g, k, a, sizeof a);
    an_id(g, k, b, sizeof b);
    const char *how = below(g, 2) ? "~" : "=";
    switch (below(g, 6)) {
    case 0: run(g, EXACT, "XDEL %s %s %s", keys[k], a, b); break;
    case 1:
        run(g, EXACT, "XTRIM %s MAXLEN %s %" PRIu64 "%s", keys[k], how, below(g, 300),
            *how == '~' && below(g, 2) ? " LIMIT 150" : "");
        break;
    case 2: run(g, EXACT, "XTRIM %s MINID %s %s", keys[k], how, a); break;
    case 3: run(g, EXACT, "XSETID %s %s%s", keys[k], a, below(g, 3) ? "" : " ENTRIESADDED 1000"); break;
    case 4: run(g, MASK_TIMES, "XINFO STREAM %s FULL COUNT %" PRIu64, keys[k], below(g, 4)); break;
    default: run(g, EXACT, below(g, 20) ? "TYPE %s" : "DEL %s", keys[k]); break;
    }
}

static void group_commands(gen *g)
{
    int k = pick_key(g);
    const char *key = keys[k], *gr = group(g), *c = consumer(g);
    char a[64], b[64];
    an_id(g, k, a, sizeof a);
    an_id(g, k, b, sizeof b);
    switch (below(g, 16)) {
    case 0: run(g, EXACT, "XGROUP CREATE %s %s %s%s", key, gr, below(g, 3) ? "$" : a, below(g, 2) ? " MKSTREAM" : ""); break;
    case 1: run(g, EXACT, "XGROUP SETID %s %s %s%s", key, gr, below(g, 2) ? "$" : a, below(g, 2) ? " ENTRIESREAD 3" : ""); break;
    case 2: run(g, EXACT, below(g, 4) ? "XGROUP CREATECONSUMER %s %s %s" : "XGROUP DELCONSUMER %s %s %s", key, gr, c); break;
    case 3: if (below(g, 6) == 0) run(g, EXACT, "XGROUP DESTROY %s %s", key, gr); break;
    case 4: case 5:
        run(g, EXACT, "XREADGROUP GROUP %s %s COUNT %" PRIu64 "%s STREAMS %s >", gr, c, below(g, 6),
            below(g, 5) ? "" : " NOACK", key);
        break;
    case 6: run(g, EXACT, "XREADGROUP GROUP %s %s STREAMS %s %s", gr, c, key, below(g, 2) ? "0" : a); break;
    case 7: run(g, EXACT, "XREADGROUP GROUP %s %s BLOCK 1 STREAMS %s >", gr, c, key); break;
    case 8: run(g, EXACT, "XACK %s %s %s %s", key, gr, a, b); break;
    case 9: run(g, EXACT, "XPENDING %s %s", key, gr); break;
    case 10:
        run(g, MASK_TIMES, "XPENDING %s %s %s%s %s %" PRIu64 "%s%s", key, gr, below(g, 2) ? "IDLE 0 " : "", a, b,
            below(g, 10), below(g, 2) ? " " : "", below(g, 2) ? c : "");
        break;
    case 11:
        run(g, EXACT, "XCLAIM %s %s %s %s %s %s%s%s", key, gr, c, below(g, 4) ? "0" : "3600000", a, b,
            below(g, 2) ? " JUSTID" : "", below(g, 3) ? "" : below(g, 2) ? " FORCE" : " RETRYCOUNT 7");
        break;
    case 12:
        run(g, EXACT, "XAUTOCLAIM %s %s %s %s %s COUNT %" PRIu64 "%s", key, gr, c, below(g, 4) ? "0" : "3600000",
            below(g, 2) ? "0" : a, 1 + below(g, 5), below(g, 2) ? " JUSTID" : "");
        break;
    case 13: run(g, MASK_TIMES, "XINFO CONSUMERS %s %s", key, gr); break;
    case 14: run(g, EXACT, "XINFO GROUPS %s", key); break;
    default: run(g, MASK_TIMES, "XINFO STREAM %s FULL", key); break;
    }
}

/* XADD * only where nothing else looks: its ID is the entry's time. */
static void auto_ids(gen *g)
{
    char f[4096];
    fields(g, f, sizeof f);
    run(g, AUTO_ID, "XADD auto%s *%s", below(g, 4) ? "" : " MAXLEN 50", f);
    if (below(g, 4) == 0)
        run(g, EXACT, "XLEN auto");
}

/* Errors on the wrong type and malformed arguments. */
static void errors(gen *g)
{
    static const char *const lines[] = {
        "XADD str * a b", "XRANGE str - +", "XREAD STREAMS s0 str 0 0", "XADD s0 0-0 a b", "XADD s0 * a",
        "XADD s0 MAXLEN -1 * a b", "XADD s0 LIMIT 5 * a b", "XADD s0 MAXLEN 5 LIMIT 5 * a b",
        "XTRIM s0 MAXLEN 1 LIMIT 1", "XRANGE s0 (- +", "XRANGE s0 - + COUNT x", "XREAD COUNT 1 STREAMS s0",
        "XREADGROUP GROUP g0 c0 STREAMS s0 $", "XREADGROUP GROUP nog c0 STREAMS s0 >", "XREAD STREAMS s0 >",
        "XGROUP CREATE s0 g9 0 ENTRIESREAD -2", "XGROUP SETID s0 nog 0", "XGROUP FOO s0 g0",
        "XSETID s0 1-1 MAXDELETEDID 9-9", "XPENDING s0 g0 - +", "XPENDING s0 g0 IDLE 5 - +",
        "XCLAIM s0 g0 c0 x 1-1", "XCLAIM s0 g0 c0 0 1-1 bogus", "XAUTOCLAIM s0 g0 c0 0 0 COUNT 0",
        "XINFO STREAM s0 FULL COUNT", "XINFO STREAM nokey", "XINFO CONSUMERS s0 nog", "XDEL s0 x",
        "XACK s0 g0 x", "XSETID nokey 1-1", "XGROUP CREATE nokey g0 $", "XGROUP HELP", "XINFO HELP",
    };
    run(g, EXACT, "%s", lines[below(g, sizeof lines / sizeof lines[0])]);
}

Test(diff_streams, random_stream_commands_answer_as_redis_does, .timeout = 600)
{
    gen g = {.r = dh_start(NULL)};
    run(&g, EXACT, "SET str x");
    int rounds = dh_rounds(3000);
    for (int i = 0; i < rounds && g.bad < 5; i++) {
        uint64_t p = below(&g, 100);
        if (p < 40)
            xadd(&g);
        else if (p < 55)
            read_commands(&g);
        else if (p < 63)
            write_commands(&g);
        else if (p < 88)
            group_commands(&g);
        else if (p < 94)
            auto_ids(&g);
        else
            errors(&g);
    }
    fprintf(stderr, "diff streams: %" PRIu64 " commands compared\n", g.compared);
    dh_stop(g.r);
    cr_assert_eq(g.bad, 0, "%d replies differed from redis-server's (see above)", g.bad);
}

/* A long stream built in one go: approximate trimming over many macro
 * nodes, and XINFO's radix tree counters as it shrinks. */
Test(diff_streams, approximate_trimming_removes_the_nodes_redis_removes, .timeout = 600)
{
    gen g = {.r = dh_start(NULL)};
    for (int i = 1; i <= 1200; i++) {
        char f[4096];
        fields(&g, f, sizeof f);
        run(&g, EXACT, "XADD big %d-%d%s", i / 3, i % 3, f);
    }
    run(&g, EXACT, "XINFO STREAM big");
    run(&g, EXACT, "XDEL big 5-0 5-1 5-2 300-1");
    for (int i = 0; i < 12 && g.bad == 0; i++) {
        run(&g, EXACT, "XTRIM big MAXLEN ~ %d%s", 1100 - 90 * i, i % 3 ? "" : " LIMIT 120");
        run(&g, EXACT, "XINFO STREAM big");
        run(&g, EXACT, "XTRIM big MINID ~ %d", 40 * i);
        run(&g, EXACT, "XADD big MAXLEN ~ %d 1000-%d f v", 900 - 60 * i, i);
        run(&g, EXACT, "XINFO STREAM big");
    }
    run(&g, EXACT, "XTRIM big MAXLEN = 10");
    run(&g, MASK_TIMES, "XINFO STREAM big FULL");
    fprintf(stderr, "diff streams: %" PRIu64 " commands compared\n", g.compared);
    dh_stop(g.r);
    cr_assert_eq(g.bad, 0, "%d replies differed from redis-server's (see above)", g.bad);
}
