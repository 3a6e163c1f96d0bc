/* ZUNION ZINTER ZDIFF (+STORE), ZINTERCARD, ZRANGESTORE and ZRANDMEMBER against redis-server 7.0: random commands, every reply compared. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "integration/diff_harness.h"

/* Sorted sets z0..z3, sets s0 s1, a string; d is where results go. */
static const char *src(dh_run *r)
{
    static const char *const k[] = {"z0", "z1", "z2", "z3", "s0", "s1", "nosuch", "str"};
    return k[dh_below(r, dh_below(r, 10) ? 7 : 8)];
}

static const char *zkey(dh_run *r)
{
    static const char *const k[] = {"z0", "z1", "z2", "z3"};
    return k[dh_below(r, 4)];
}

static const char *member(dh_run *r)
{
    static const char *const m[] = {"a", "b", "c", "d", "e", "f", "g", "h", "10", ""};
    return m[dh_below(r, 10)];
}

/* Integer scores (and the infinities): their sums print the same in both. */
static const char *score(dh_run *r)
{
    static const char *const s[] = {"-3", "-2", "-1", "0", "1", "2", "3", "5", "+inf", "-inf"};
    return s[dh_below(r, dh_below(r, 8) ? 8 : 10)];
}

static const char *weight(dh_run *r)
{
    static const char *const w[] = {"1", "2", "0", "-1", "3", "inf", "x"};
    return w[dh_below(r, dh_below(r, 20) ? 5 : 7)];
}

static void cat(char *b, size_t n, const char *s)
{
    size_t len = strlen(b);
    snprintf(b + len, n - len, "%s", s);
}

/* "numkeys key..." then the options of op (0 union, 1 inter, 2 diff). */
static void keys_and_options(dh_run *r, char *b, size_t n, int op, bool store)
{
    int k = 1 + (int)dh_below(r, 3);
    char t[64];
    snprintf(t, sizeof t, " %d", dh_below(r, 30) ? k : (int)dh_below(r, 2) * 9);
    cat(b, n, t);
    for (int i = 0; i < k; i++) {
        cat(b, n, " ");
        cat(b, n, src(r));
    }
    if (op != 2 && dh_below(r, 2)) {
        cat(b, n, " WEIGHTS");
        int w = dh_below(r, 15) ? k : k - 1;
        for (int i = 0; i < w; i++) {
            cat(b, n, " ");
            cat(b, n, weight(r));
        }
    }
    if (op != 2 && dh_below(r, 2)) {
        static const char *const agg[] = {" AGGREGATE SUM", " AGGREGATE MIN", " AGGREGATE max", " AGGREGATE avg"};
        cat(b, n, agg[dh_below(r, dh_below(r, 20) ? 3 : 4)]);
    }
    if (!store && dh_below(r, 2))
        cat(b, n, " WITHSCORES");
}

static int line(dh_run *r, char *b, size_t n)
{
    static const char *const ops[] = {"ZUNION", "ZINTER", "ZDIFF"};
    static const char *const stores[] = {"ZUNIONSTORE d", "ZINTERSTORE d", "ZDIFFSTORE d"};
    int op = (int)dh_below(r, 3);
    switch (dh_below(r, 14)) {
    case 0: case 1:
        snprintf(b, n, "ZADD %s %s %s %s %s", zkey(r), score(r), member(r), score(r), member(r));
        return DH_EXACT;
    case 2:
        if (dh_below(r, 3))
            snprintf(b, n, "SADD s%d %s %s", (int)dh_below(r, 2), member(r), member(r));
        else
            snprintf(b, n, "ZADD lex 0 %s 0 %s", member(r), member(r));
        return DH_EXACT;
    case 3:
        snprintf(b, n, "ZREM %s %s", zkey(r), member(r));
        return DH_EXACT;
    case 4: case 5:
        snprintf(b, n, "%s", ops[op]);
        keys_and_options(r, b, n, op, false);
        return DH_EXACT;
    case 6: case 7:
        snprintf(b, n, "%s", stores[op]);
        keys_and_options(r, b, n, op, true);
        return DH_EXACT;
    case 8:
        snprintf(b, n, "ZRANGE d 0 -1 WITHSCORES");
        return DH_EXACT;
    case 9:
        snprintf(b, n, "ZINTERCARD");
        keys_and_options(r, b, n, 1, true);
        /* keys_and_options wrote WEIGHTS/AGGREGATE: both wrong here, as in Redis. */
        if (dh_below(r, 2)) {
            snprintf(b, n, "ZINTERCARD 2 %s %s LIMIT %d", src(r), src(r), (int)dh_below(r, 4) - 1);
        }
        return DH_EXACT;
    case 10: {
        static const char *const ranges[] = {"0 -1", "1 2", "-2 -1", "(1 +inf BYSCORE", "-inf 2 BYSCORE LIMIT 1 2",
                                             "+inf -inf BYSCORE REV", "0 -1 WITHSCORES", "0 -1 LIMIT 0 1"};
        static const char *const lex[] = {"[b [f BYLEX", "- + BYLEX REV LIMIT 0 2", "(a [z BYLEX", "[e - BYLEX REV"};
        /* BYLEX is defined on members of one score only: lex holds those. */
        if (dh_below(r, 3) == 0)
            snprintf(b, n, "ZRANGESTORE d lex %s", lex[dh_below(r, 4)]);
        else
            snprintf(b, n, "ZRANGESTORE d %s %s", src(r), ranges[dh_below(r, 8)]);
        return DH_EXACT;
    }
    case 11: {
        /* Every member (counts past the size) comes back in Redis's order;
         * fewer are a random choice: only the shape is compared. */
        long long c = (long long)dh_below(r, 8) - 4;
        bool all = dh_below(r, 3) == 0;
        if (all)
            c = 100;
        snprintf(b, n, "ZRANDMEMBER %s %lld%s", dh_below(r, 8) ? zkey(r) : src(r), c, dh_below(r, 2) ? " WITHSCORES" : "");
        return all || c == 0 ? DH_EXACT : DH_TYPE_ONLY;
    }
    case 12:
        snprintf(b, n, "ZRANDMEMBER %s", dh_below(r, 4) ? "nosuch" : "str");
        return DH_EXACT;
    default:
        snprintf(b, n, "DEL %s", dh_below(r, 2) ? zkey(r) : "d");
        return DH_EXACT;
    }
}

Test(diff_zset_algebra, random_commands_answer_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    cr_assert(dh_cmd(r, DH_EXACT, "SET str v"));
    int rounds = dh_rounds(2000), bad = 0;
    for (int i = 0; i < rounds && bad < 5; i++) {
        char b[1024] = "";
        int mode = line(r, b, sizeof b);
        bad += !dh_cmd(r, mode, b);
    }
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}
