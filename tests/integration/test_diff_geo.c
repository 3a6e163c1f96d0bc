/* The geo commands against redis-server 7.0: random positions, searches of every shape and size, every reply compared byte for byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "integration/diff_harness.h"

static const char *gkey(dh_run *r)
{
    static const char *const k[] = {"g0", "g1", "g0", "g1", "nosuch", "str"};
    return k[dh_below(r, dh_below(r, 10) ? 4 : 6)];
}

static void member(dh_run *r, char *b, size_t n) { snprintf(b, n, "m%d", (int)dh_below(r, 60)); }

/* A coordinate in [lo, hi) with 6 decimals: positions never coincide. */
static double coord(dh_run *r, double lo, double hi)
{
    return lo + (hi - lo) * (double)dh_below(r, 1000000) / 1e6;
}

/* Mostly around Sicily; sometimes anywhere, near a pole or the antimeridian,
 * or out of range. */
static void lonlat(dh_run *r, char *b, size_t n)
{
    switch (dh_below(r, 12)) {
    case 0: snprintf(b, n, "%.6f %.6f", coord(r, -180, 180), coord(r, -85, 85)); break;
    case 1: snprintf(b, n, "%.6f %.6f", coord(r, 179, 180), coord(r, 80, 85.05)); break;
    case 2: snprintf(b, n, "%.6f 86", coord(r, -180, 180)); break;
    case 3: snprintf(b, n, "x 1"); break;
    default: snprintf(b, n, "%.6f %.6f", coord(r, 12, 16), coord(r, 36, 39)); break;
    }
}

static const char *unit(dh_run *r)
{
    static const char *const u[] = {"m", "km", "KM", "mi", "ft", "parsec"};
    return u[dh_below(r, dh_below(r, 30) ? 5 : 6)];
}

static void radius(dh_run *r, char *b, size_t n)
{
    static const char *const km[] = {"0", "1", "10", "50", "120", "300", "2000", "-1", "x"};
    const char *u = unit(r);
    const char *v = km[dh_below(r, dh_below(r, 30) ? 7 : 9)];
    /* The same sizes in any unit: scale meters up. */
    if (!strcmp(u, "m") || !strcmp(u, "ft"))
        snprintf(b, n, "%s000 %s", v, u);
    else
        snprintf(b, n, "%s %s", v, u);
}

static void cat(char *b, size_t n, const char *s)
{
    size_t len = strlen(b);
    snprintf(b + len, n - len, " %s", s);
}

/* Search options: WITH*, ordering, COUNT [ANY]. */
static void options(dh_run *r, char *b, size_t n, bool with)
{
    if (with && dh_below(r, 2))
        cat(b, n, "WITHDIST");
    if (with && dh_below(r, 3) == 0)
        cat(b, n, "WITHHASH");
    if (with && dh_below(r, 3) == 0)
        cat(b, n, "WITHCOORD");
    static const char *const order[] = {"", "ASC", "DESC", "asc"};
    cat(b, n, order[dh_below(r, 4)]);
    if (dh_below(r, 2)) {
        char c[48];
        snprintf(c, sizeof c, "COUNT %d%s", (int)dh_below(r, 6) + (dh_below(r, 30) ? 1 : 0), dh_below(r, 3) ? "" : " ANY");
        cat(b, n, c);
    } else if (dh_below(r, 30) == 0) {
        cat(b, n, "ANY");
    }
}

static int line(dh_run *r, char *b, size_t n)
{
    char m[32], m2[32], pos[64], rad[64];
    member(r, m, sizeof m);
    member(r, m2, sizeof m2);
    lonlat(r, pos, sizeof pos);
    radius(r, rad, sizeof rad);
    switch (dh_below(r, 12)) {
    case 0: case 1: case 2: {
        static const char *const opts[] = {"", "", "", "NX", "XX", "CH", "XX CH", "NX XX"};
        char pos2[64], m3[32];
        lonlat(r, pos2, sizeof pos2);
        member(r, m3, sizeof m3);
        snprintf(b, n, "GEOADD %s %s %s %s %s %s", dh_below(r, 20) ? (dh_below(r, 2) ? "g0" : "g1") : "str",
                 opts[dh_below(r, 8)], pos, m, pos2, m3);
        return DH_EXACT;
    }
    case 3:
        snprintf(b, n, "GEOPOS %s %s %s", gkey(r), m, m2);
        return DH_EXACT;
    case 4:
        snprintf(b, n, "GEOHASH %s %s %s", gkey(r), m, m2);
        return DH_EXACT;
    case 5:
        snprintf(b, n, "GEODIST %s %s %s %s", gkey(r), m, m2, dh_below(r, 4) ? unit(r) : "");
        return DH_EXACT;
    case 6: case 7: {
        char from[96], by[96];
        if (dh_below(r, 2))
            snprintf(from, sizeof from, "FROMMEMBER %s", m);
        else
            snprintf(from, sizeof from, "FROMLONLAT %s", pos);
        if (dh_below(r, 2)) {
            snprintf(by, sizeof by, "BYRADIUS %s", rad);
        } else {
            static const char *const box[] = {"10 20 km", "200 100 km", "1000 1000 km", "50000 30000 m", "5 500 mi"};
            snprintf(by, sizeof by, "BYBOX %s", box[dh_below(r, 5)]);
        }
        bool store = dh_below(r, 3) == 0;
        if (store)
            snprintf(b, n, "GEOSEARCHSTORE d %s %s %s", gkey(r), dh_below(r, 20) ? from : "", by);
        else
            snprintf(b, n, "GEOSEARCH %s %s %s", gkey(r), from, dh_below(r, 20) ? by : "");
        options(r, b, n, !store || dh_below(r, 20) == 0);
        if (store && dh_below(r, 2))
            cat(b, n, "STOREDIST");
        return DH_EXACT;
    }
    case 8: case 9: {
        bool bymember = dh_below(r, 2), ro = dh_below(r, 3) == 0;
        snprintf(b, n, "GEORADIUS%s%s %s %s %s", bymember ? "BYMEMBER" : "", ro ? "_RO" : "", gkey(r),
                 bymember ? m : pos, rad);
        options(r, b, n, true);
        if (dh_below(r, 4) == 0) {
            cat(b, n, dh_below(r, 2) ? "STORE" : "STOREDIST");
            cat(b, n, "d");
        }
        return DH_EXACT;
    }
    case 10:
        /* STOREDIST's scores are distances whose text differs in the last
         * digits (%.17g in Redis 7.0): their members and order only. */
        snprintf(b, n, "ZRANGE d 0 -1");
        return DH_EXACT;
    default:
        snprintf(b, n, "ZREM %s %s %s", dh_below(r, 2) ? "g0" : "g1", m, m2);
        return DH_EXACT;
    }
}

Test(diff_geo, random_commands_answer_as_redis_does, .timeout = 600)
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
