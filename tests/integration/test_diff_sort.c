/* SORT and SORT_RO against redis-server 7.0: lists, sets and sorted sets sorted by themselves or by other keys, every reply compared. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "integration/diff_harness.h"

/* Numbers, words and one that is neither quite (2.5 sorts numerically). */
static const char *elem(dh_run *r)
{
    static const char *const e[] = {"1", "2", "3", "10", "-5", "2.5", "0", "7", "a", "b", "c10", ""};
    return e[dh_below(r, dh_below(r, 4) ? 8 : 12)];
}

static const char *value(dh_run *r)
{
    static const char *const v[] = {"1", "20", "-3", "5", "5", "100", "2.5", "x", ""};
    return v[dh_below(r, dh_below(r, 6) ? 7 : 9)];
}

static void cat(char *b, size_t n, const char *s)
{
    size_t len = strlen(b);
    snprintf(b + len, n - len, " %s", s);
}

enum { SRC_LIST, SRC_SET, SRC_ZSET, SRC_OTHER };

static int sort_line(dh_run *r, char *b, size_t n)
{
    static const char *const keys[] = {"l0", "l1", "s0", "z0", "nosuch", "str"};
    static const int kinds[] = {SRC_LIST, SRC_LIST, SRC_SET, SRC_ZSET, SRC_OTHER, SRC_OTHER};
    int k = (int)dh_below(r, dh_below(r, 15) ? 4 : 6);
    bool ro = dh_below(r, 5) == 0;
    snprintf(b, n, "%s %s", ro ? "SORT_RO" : "SORT", keys[k]);
    static const char *const bys[] = {"nosort", "w_*", "h_*->f", "nosuch_*", "w_*->"};
    int by = dh_below(r, 2) ? -1 : (int)dh_below(r, 5);
    bool alpha = dh_below(r, 3) == 0, limit = dh_below(r, 3) == 0, store = !ro && dh_below(r, 4) == 0;
    bool dontsort = by == 0;
    /* Orders Redis leaves to its hash tables: a set not sorted (unless
     * stored), or ALPHA ties between BY values of a set or sorted set.
     * Those come back compared as multisets, whole (no LIMIT, no STORE). */
    bool unordered = (kinds[k] == SRC_SET && dontsort && !store) ||
                     ((kinds[k] == SRC_SET || kinds[k] == SRC_ZSET) && alpha && by > 0);
    if (unordered)
        limit = store = false;
    /* ALPHA ties between BY values under a LIMIT that does not take all:
     * Redis's partial quicksort (pqsort) leaves them in an order of its own,
     * sandstore's in load order; both are valid, so such lines are not sent. */
    if (alpha && by > 0)
        limit = false;
    if (by >= 0) {
        cat(b, n, "BY");
        cat(b, n, bys[by]);
    }
    if (limit) {
        char l[48];
        snprintf(l, sizeof l, "LIMIT %d %d", (int)dh_below(r, 6) - 1, (int)dh_below(r, 6) - 1);
        cat(b, n, l);
    }
    static const char *const gets[] = {"#", "w_*", "h_*->f", "nosuch_*", "h_*->g"};
    for (int g = (int)dh_below(r, 3) - 1; g > 0; g--) {
        cat(b, n, "GET");
        cat(b, n, gets[dh_below(r, 5)]);
    }
    static const char *const dirs[] = {"", "", "ASC", "DESC"};
    cat(b, n, dirs[dh_below(r, 4)]);
    if (alpha)
        cat(b, n, "ALPHA");
    if (store)
        cat(b, n, "STORE d");
    if (dh_below(r, 40) == 0)
        cat(b, n, dh_below(r, 2) ? "LIMIT 1" : "FOO");
    return unordered ? DH_UNORDERED : DH_EXACT;
}

static int line(dh_run *r, char *b, size_t n)
{
    switch (dh_below(r, 10)) {
    case 0:
        snprintf(b, n, "RPUSH l%d %s %s %s", (int)dh_below(r, 2), elem(r), elem(r), elem(r));
        return DH_EXACT;
    case 1:
        snprintf(b, n, "SADD s0 %s %s", elem(r), elem(r));
        return DH_EXACT;
    case 2:
        snprintf(b, n, "ZADD z0 %d %s %d %s", (int)dh_below(r, 5), elem(r), (int)dh_below(r, 5), elem(r));
        return DH_EXACT;
    case 3:
        snprintf(b, n, "SET w_%s %s", elem(r), value(r));
        return DH_EXACT;
    case 4:
        snprintf(b, n, "HSET h_%s f %s g %s", elem(r), value(r), value(r));
        return DH_EXACT;
    case 5:
        snprintf(b, n, "LRANGE d 0 -1");
        return DH_EXACT;
    case 6:
        if (dh_below(r, 2))
            snprintf(b, n, "LPOP l%d", (int)dh_below(r, 2));
        else
            snprintf(b, n, "SREM s0 %s", elem(r));
        return DH_EXACT;
    default:
        return sort_line(r, b, n);
    }
}

Test(diff_sort, random_commands_answer_as_redis_does, .timeout = 600)
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
