/* Geo commands, checked against the replies Redis 7.0 sends, and searches checked against a brute-force scan of the set. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/geohash.h"

static void setup(void)
{
    ct_setup();
    ct_run("GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania");
}

TestSuite(geo, .init = setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define PALERMO_XY "*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n"
#define CATANIA_XY "*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n"

Test(geo, positions_round_trip_through_the_52_bit_score)
{
    cr_expect_str_eq(ct_run("GEOPOS Sicily Palermo nope"), "*2\r\n" PALERMO_XY "*-1\r\n");
    cr_expect_str_eq(ct_run("ZSCORE Sicily Palermo"), "$16\r\n3479099956230698\r\n");
    cr_expect_str_eq(ct_run("GEOHASH Sicily Palermo Catania nope"),
                     "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n");
    cr_expect_str_eq(ct_run("GEOPOS nosuch a b"), "*2\r\n*-1\r\n*-1\r\n");
}

Test(geo, distances_have_four_decimals_in_the_unit_asked)
{
    cr_expect_str_eq(ct_run("GEODIST Sicily Palermo Catania"), "$11\r\n166274.1516\r\n");
    cr_expect_str_eq(ct_run("GEODIST Sicily Palermo Catania KM"), "$8\r\n166.2742\r\n");
    cr_expect_str_eq(ct_run("GEODIST Sicily Palermo nope"), "$-1\r\n");
    cr_expect_str_eq(ct_run("GEODIST nosuch a b"), "$-1\r\n");
    cr_expect_str_eq(ct_run("GEODIST Sicily a b parsec"), "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n");
    cr_expect_str_eq(ct_run("GEODIST Sicily a b km x"), SYNTAX);
}

Test(geo, geoadd_is_zadd_with_nx_xx_ch_and_its_event)
{
    cr_expect_str_eq(ct_run("GEOADD Sicily XX CH 13.361389 38.2 Palermo 1 1 new"), ":1\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:Sicily zset:zadd:Sicily");
    cr_expect_str_eq(ct_run("GEOADD Sicily NX 13.361389 38.3 Palermo"), ":0\r\n");
    cr_expect_str_eq(ct_key_events(), "");
    cr_expect_str_eq(ct_run("GEOADD g 1 2 a"), ":1\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:g zset:zadd:g ready:g");
    cr_expect_str_eq(ct_run("GEOADD g 200 10 a"), "-ERR invalid longitude,latitude pair 200.000000,10.000000\r\n");
    cr_expect_str_eq(ct_run("GEOADD g 1 x a"), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("GEOADD g NX XX 1 2 a"), SYNTAX);
    cr_expect_str_eq(ct_run("GEOADD g 1 2 a 3"), SYNTAX);
    cr_expect_str_eq(ct_run("GEOADD g CH CH CH"), SYNTAX);
    ct_run("SET str x");
    cr_expect_str_eq(ct_run("GEOADD str 1 1 a"), WRONGTYPE);
}

Test(geo, searches_reply_distances_hashes_and_coordinates_as_redis)
{
    ct_run("GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST"),
                     "*2\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n" CATANIA_XY "*3\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n" PALERMO_XY);
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHDIST WITHHASH"),
                     "*4\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n"
                     "*3\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n"
                     "*3\r\n$5\r\nedge2\r\n$8\r\n279.7403\r\n:3481342659049484\r\n"
                     "*3\r\n$5\r\nedge1\r\n$8\r\n279.7405\r\n:3479273021651468\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 100 km COUNT 1 WITHDIST"),
                     "*1\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 200 km WITHDIST DESC"),
                     "*2\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n");
    cr_expect_str_eq(ct_run("GEORADIUSBYMEMBER_RO Sicily Palermo 200 km ASC"),
                     "*3\r\n$7\r\nPalermo\r\n$5\r\nedge1\r\n$7\r\nCatania\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH nosuch FROMMEMBER x BYRADIUS 1 m"), "*0\r\n");
}

Test(geo, coordinates_are_doubles_in_resp3)
{
    ct_resp3(true);
    cr_expect_str_eq(ct_run("GEOPOS Sicily Palermo nope"),
                     "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 100 km WITHCOORD WITHDIST"),
                     "*1\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n");
    cr_expect_str_eq(ct_run("GEOHASH Sicily nope"), "*1\r\n_\r\n");
}

Test(geo, search_errors_are_redis_s)
{
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 -1 km"), "-ERR radius cannot be negative\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 x km"), "-ERR need numeric radius\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 1 km COUNT 0"), "-ERR COUNT must be > 0\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 1 km ANY"), "-ERR the ANY argument requires COUNT argument\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 1 km WITHDIST STORE d"),
                     "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS_RO Sicily 15 37 1 km STORE d"), SYNTAX);
    cr_expect_str_eq(ct_run("GEORADIUSBYMEMBER Sicily nope 1 km"), "-ERR could not decode requested zset member\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 2 km"), "-ERR height or width cannot be negative\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 b km"), "-ERR need numeric height\r\n");
    cr_expect_str_eq(ct_run("geosearch Sicily BYRADIUS 1 km COUNT 1"),
                     "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMLONLAT 1 2 COUNT 1"),
                     "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n");
    cr_expect_str_eq(ct_run("GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 2 BYRADIUS 1 km"), SYNTAX);
    cr_expect_str_eq(ct_run("GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHHASH"),
                     "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n");
}

Test(geo, stores_keep_geohashes_or_distances_and_raise_redis_events)
{
    cr_expect_str_eq(ct_run("GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km"), ":2\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d zset:geosearchstore:d ready:d");
    cr_expect_str_eq(ct_run("GEOPOS d Palermo"), "*1\r\n" PALERMO_XY);
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 200 km STOREDIST d COUNT 1"), ":1\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d zset:georadiusstore:d");
    cr_expect_str_eq(ct_run("ZRANGE d 0 -1"), "*1\r\n$7\r\nCatania\r\n");
    cr_expect_str_eq(ct_run("GEORADIUS Sicily 15 37 1 m STORE d"), ":0\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d generic:del:d");
    cr_expect_str_eq(ct_run("GEOSEARCHSTORE d nosuch FROMLONLAT 15 37 BYRADIUS 200 km"), ":0\r\n");
}

/* A member name for point i. */
static void name(char *b, size_t n, int i) { snprintf(b, n, "p%d", i); }

static double rnd(uint64_t *s, double lo, double hi)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (double)(*s >> 11) / 9007199254740992.0;
}

/* Whether member m appears in a reply. */
static bool in_reply(const char *r, const char *m)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\r\n%s\r\n", m);
    return strstr(r, pat) != NULL;
}

Test(geo, a_search_finds_exactly_the_points_a_full_scan_finds)
{
    /* 3,000 points spread around one place, then searches of every size: the
     * few score ranges a search walks must hold every point in its shape. */
    enum { N = 3000 };
    static double xy[N][2];
    uint64_t seed = 12345;
    char line[8192], m[16];
    for (int i = 0; i < N;) {
        strcpy(line, "GEOADD pts");
        for (int k = 0; k < 100 && i < N; k++, i++) {
            xy[i][0] = rnd(&seed, 2.0, 3.0);
            xy[i][1] = rnd(&seed, 48.5, 49.2);
            name(m, sizeof m, i);
            size_t len = strlen(line);
            snprintf(line + len, sizeof line - len, " %.6f %.6f %s", xy[i][0], xy[i][1], m);
        }
        ct_run(line);
    }
    static double score[N];
    for (int i = 0; i < N; i++) {
        char cmd[64];
        name(m, sizeof m, i);
        snprintf(cmd, sizeof cmd, "ZSCORE pts %s", m);
        score[i] = strtod(strchr(ct_run(cmd), '\n') + 1, NULL);
    }
    int total = 0;
    for (int q = 0; q < 40; q++) {
        geo_shape s = {.type = q % 2 ? GEO_BOX : GEO_CIRCLE, .conversion = 1000};
        s.xy[0] = rnd(&seed, 2.0, 3.0);
        s.xy[1] = rnd(&seed, 48.5, 49.2);
        s.radius = rnd(&seed, 0.1, 40);
        s.width = rnd(&seed, 0.1, 60);
        s.height = rnd(&seed, 0.1, 60);
        /* %.17g reads back as the same doubles. */
        if (s.type == GEO_CIRCLE)
            snprintf(line, sizeof line, "GEOSEARCH pts FROMLONLAT %.17g %.17g BYRADIUS %.17g km", s.xy[0], s.xy[1], s.radius);
        else
            snprintf(line, sizeof line, "GEOSEARCH pts FROMLONLAT %.17g %.17g BYBOX %.17g %.17g km", s.xy[0], s.xy[1],
                     s.width, s.height);
        char *r = strdup(ct_run(line));
        int expected = 0;
        for (int i = 0; i < N; i++) {
            double p[2], dist;
            bool in = geohash_in_shape(&s, score[i], p, &dist);
            name(m, sizeof m, i);
            cr_expect_eq(in_reply(r, m), in, "query %d: %s %s", q, m, in ? "missing" : "extra");
            expected += in;
        }
        cr_expect_eq(atoi(r + 1), expected, "query %d: %d points", q, expected);
        total += expected;
        free(r);
    }
    cr_expect_gt(total, 1000, "the searches found points (%d)", total);
}
