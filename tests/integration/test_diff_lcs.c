/* LCS against redis-server 7.0: random strings over a small alphabet, every option. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "integration/diff_harness.h"

static const char *key(dh_run *r)
{
    static const char *const keys[] = {"s0", "s1", "s2", "missing"};
    return keys[dh_below(r, 4)];
}

Test(diff_lcs, random_lcs_answers_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int rounds = dh_rounds(1500), bad = 0;
    for (int i = 0; i < rounds && bad < 5; i++) {
        char b[256];
        if (dh_below(r, 3) == 0) {
            char v[64];
            int n = (int)dh_below(r, 40);
            for (int j = 0; j < n; j++)
                v[j] = (char)('a' + dh_below(r, 3));
            v[n] = '\0';
            snprintf(b, sizeof b, n ? "SET %s %s" : "DEL %s", key(r), v);
        } else {
            static const char *const opts[] = {"", " LEN", " IDX", " IDX WITHMATCHLEN", " IDX MINMATCHLEN 2",
                                               " IDX MINMATCHLEN 3 WITHMATCHLEN", " LEN IDX", " MINMATCHLEN"};
            snprintf(b, sizeof b, "LCS %s %s%s", key(r), key(r), opts[dh_below(r, 8)]);
        }
        bad += !dh_cmd(r, DH_EXACT, b);
    }
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}
