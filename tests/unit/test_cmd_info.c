/* INFO's sections as Redis 7.0 lays them out, commandstats, errorstats, keyspace expires and SLOWLOG. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "common/clock.h"

TestSuite(info, .init = ct_setup, .fini = ct_teardown);

/* ct_dispatch's reply, copied (the next call reuses its buffer). */
static char *dispatch(const char *line)
{
    char *r = strdup(ct_dispatch(line));
    cr_assert_not_null(r);
    return r;
}

static void expect_has(const char *text, const char *needle)
{
    cr_expect(strstr(text, needle) != NULL, "no \"%s\" in:\n%s", needle, text);
}

static void expect_lacks(const char *text, const char *needle)
{
    cr_expect(strstr(text, needle) == NULL, "\"%s\" in:\n%s", needle, text);
}

Test(info, commandstats_count_calls_failures_and_refusals)
{
    ct_run("SET a 1");
    ct_run("SET b 2");
    ct_run("HSET h f v");
    cr_assert(strncmp(ct_run("INCR h"), "-WRONGTYPE", 10) == 0);
    ct_run("GET a");
    free(dispatch("GET"));                 /* arity: refused before it runs */
    char *r = dispatch("INFO commandstats");
    expect_has(r, "# Commandstats\r\n");
    expect_has(r, "cmdstat_set:calls=2,usec=");
    expect_has(r, "cmdstat_hset:calls=1,");
    expect_has(r, "cmdstat_get:calls=1,");
    expect_has(r, ",rejected_calls=1,failed_calls=0\r\n");
    cr_expect(strstr(r, "cmdstat_incr:calls=1,") && strstr(strstr(r, "cmdstat_incr:"), "failed_calls=1\r\n"),
              "%s", r);
    /* One section: no blank line after it, only RESP's CRLF. */
    size_t len = strlen(r);
    cr_expect(len > 6 && !strcmp(r + len - 4, "\r\n\r\n") && strcmp(r + len - 6, "\r\n\r\n\r\n"), "%s", r);
    free(r);
    /* CONFIG RESETSTAT starts them again. */
    free(dispatch("CONFIG RESETSTAT"));
    r = dispatch("INFO commandstats");
    expect_lacks(r, "cmdstat_set");
    free(r);
}

Test(info, errorstats_count_each_error_code)
{
    ct_run("HSET h f v");
    ct_run("INCR h");
    ct_run("LPUSH h x");
    free(dispatch("NOSUCHCOMMAND"));
    char *r = dispatch("INFO errorstats");
    expect_has(r, "errorstat_WRONGTYPE:count=2\r\n");
    expect_has(r, "errorstat_ERR:count=1\r\n");
    free(r);
    r = dispatch("INFO stats");
    expect_has(r, "total_error_replies:3\r\n");
    free(r);
}

Test(info, keyspace_shows_keys_expires_and_avg_ttl)
{
    ct_now = ss_clock_wall_ms();
    ct_run("SET a 1");
    ct_run("SET b 1 PX 100000");
    ct_run("SET c 1 PX 300000");
    ct_run("SELECT 3");
    char *r = dispatch("INFO keyspace");
    long long keys = -1, expires = -1, ttl = -1;
    const char *db0 = strstr(r, "db0:");
    cr_assert_not_null(db0, "%s", r);
    cr_assert_eq(sscanf(db0, "db0:keys=%lld,expires=%lld,avg_ttl=%lld", &keys, &expires, &ttl), 3, "%s", r);
    cr_expect_eq(keys, 3);
    cr_expect_eq(expires, 2);
    /* (100000 + 300000) / 2, less the time since the writes. */
    cr_expect(ttl > 150000 && ttl <= 200000, "avg_ttl %lld", ttl);
    free(r);
}

Test(info, sections_are_chosen_as_redis_7_0_chooses_them)
{
    char *dflt = dispatch("INFO");
    const char *order[] = {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n", "# Stats\r\n",
                           "# Replication\r\n", "# CPU\r\n", "# Errorstats\r\n", "# Keyspace\r\n"};
    const char *at = dflt;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        cr_expect_not_null(p, "%s missing or out of order in\n%s", order[i], dflt);
        if (p)
            at = p;
    }
    expect_lacks(dflt, "# Commandstats");
    expect_has(dflt, "used_memory:");
    expect_has(dflt, "instantaneous_ops_per_sec:");
    expect_has(dflt, "used_cpu_user_main_thread:");
    free(dflt);
    char *all = dispatch("INFO all");
    expect_has(all, "# Commandstats\r\n");
    free(all);
    char *everything = dispatch("INFO EVERYTHING");
    expect_has(everything, "# Commandstats\r\n");
    free(everything);
    /* Several at once, any case; nothing else. */
    char *two = dispatch("INFO cpu MEMORY");
    cr_expect(strncmp(two + strcspn(two, "\n") + 1, "# Memory\r\n", 10) == 0, "%s", two);
    expect_has(two, "\r\n\r\n# CPU\r\n");
    expect_lacks(two, "# Server");
    free(two);
    cr_expect_str_eq(ct_dispatch("INFO nosuchsection"), "$0\r\n\r\n");
}

Test(info, used_memory_and_its_peak_are_real_numbers)
{
    char *r = dispatch("INFO memory");
    unsigned long long used = 0, peak = 0;
    const char *u = strstr(r, "used_memory:"), *p = strstr(r, "used_memory_peak:");
    cr_assert(u && p, "%s", r);
    sscanf(u, "used_memory:%llu", &used);
    sscanf(p, "used_memory_peak:%llu", &peak);
    cr_expect_gt(used, 0);
    cr_expect_geq(peak, used);
    free(r);
}

static long long slowlog_len(void)
{
    long long n = -1;
    cr_assert_eq(sscanf(ct_dispatch("SLOWLOG LEN"), ":%lld", &n), 1);
    return n;
}

Test(info, slowlog_keeps_slow_commands_cut_as_redis_cuts_them)
{
    free(dispatch("CONFIG SET slowlog-log-slower-than 0"));
    free(dispatch("SLOWLOG RESET"));
    /* SLOWLOG RESET itself is logged once it has run, as in Redis. */
    cr_expect_eq(slowlog_len(), 1);
    char line[4096] = "ECHO ";
    memset(line + 5, 'x', 200);
    line[205] = '\0';
    free(dispatch(line));
    char *r = dispatch("SLOWLOG GET 1");
    expect_has(r, "*1\r\n*6\r\n:");
    expect_has(r, "$4\r\nECHO\r\n");
    char want[256];
    snprintf(want, sizeof want, "$147\r\n%.128s... (72 more bytes)\r\n", line + 5);
    expect_has(r, want);
    free(r);
    strcpy(line, "PING");
    for (int i = 0; i < 39; i++)
        strcat(line, " a");
    free(dispatch(line));
    r = dispatch("SLOWLOG GET 1");
    expect_has(r, "*32\r\n$4\r\nPING\r\n");
    expect_has(r, "$22\r\n... (9 more arguments)\r\n");
    free(r);
    cr_expect_str_eq(ct_dispatch("SLOWLOG GET -2"), "-ERR count should be greater than or equal to -1\r\n");
    cr_expect_str_eq(ct_dispatch("SLOWLOG GET x"), "-ERR count should be greater than or equal to -1\r\n");
    /* The log keeps slowlog-max-len entries, newest first. */
    free(dispatch("CONFIG SET slowlog-max-len 3"));
    free(dispatch("PING"));
    cr_expect_eq(slowlog_len(), 3);
    /* Negative: nothing is logged. */
    free(dispatch("CONFIG SET slowlog-log-slower-than -1"));
    free(dispatch("SLOWLOG RESET"));
    free(dispatch("PING"));
    cr_expect_eq(slowlog_len(), 0);
}

Test(info, latency_has_no_events_to_report)
{
    cr_expect_str_eq(ct_dispatch("LATENCY LATEST"), "*0\r\n");
    cr_expect_str_eq(ct_dispatch("LATENCY HISTORY command"), "*0\r\n");
    cr_expect_str_eq(ct_dispatch("LATENCY RESET"), ":0\r\n");
}

/* The value of an INFO field in text, -1 if missing. */
static long long info_field(const char *text, const char *name)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\r\n%s:", name);
    const char *p = strstr(text, needle);
    return p ? atoll(p + strlen(needle)) : -1;
}

Test(info, config_set_refuses_bad_numbers_with_redis_7_0s_whole_line)
{
    /* What a client reads, byte for byte as redis-server 7.0.15 answers (0f393fd's first version
     * left our own "bad value 'abc' for 'timeout':" inside it). */
    cr_expect_str_eq(ct_dispatch("CONFIG SET timeout abc"),
                     "-ERR CONFIG SET failed (possibly related to argument 'timeout') - "
                     "argument couldn't be parsed into an integer\r\n");
    cr_expect_str_eq(ct_dispatch("CONFIG SET timeout -1"),
                     "-ERR CONFIG SET failed (possibly related to argument 'timeout') - "
                     "argument must be between 0 and 2147483647 inclusive\r\n");
    cr_expect_str_eq(ct_dispatch("CONFIG SET keyspace-cache-size lots"),
                     "-ERR CONFIG SET failed (possibly related to argument 'keyspace-cache-size') - "
                     "argument must be a memory value\r\n");
}

Test(info, keyspace_cache_counts_its_hits_and_config_set_resizes_it)
{
    ct_run("SET k v");
    CT_EXPECT("GET k", "$1\r\nv\r\n");
    CT_EXPECT("GET k", "$1\r\nv\r\n");
    char *r = dispatch("INFO stats");
    cr_expect_geq(info_field(r, "keyspace_cache_hits"), 2, "%s", r);
    cr_expect_geq(info_field(r, "keyspace_cache_misses"), 0, "%s", r);
    cr_expect_gt(info_field(r, "keyspace_cache_keys"), 0, "%s", r);
    cr_expect_gt(info_field(r, "keyspace_cache_bytes"), 0, "%s", r);
    cr_expect_eq(info_field(r, "keyspace_cache_max_bytes"), 64 << 20, "%s", r);
    free(r);

    cr_expect_str_eq(ct_dispatch("CONFIG SET keyspace-cache-size 0"), "+OK\r\n");
    cr_expect_str_eq(ct_dispatch("CONFIG GET keyspace-cache-size"),
                     "*2\r\n$19\r\nkeyspace-cache-size\r\n$1\r\n0\r\n");
    r = dispatch("INFO stats");
    cr_expect_eq(info_field(r, "keyspace_cache_max_bytes"), 0, "%s", r);
    cr_expect_eq(info_field(r, "keyspace_cache_keys"), 0, "%s", r);
    long long hits = info_field(r, "keyspace_cache_hits");
    free(r);
    CT_EXPECT("GET k", "$1\r\nv\r\n");
    r = dispatch("INFO stats");
    cr_expect_eq(info_field(r, "keyspace_cache_hits"), hits, "off: nothing answered, %s", r);
    free(r);

    cr_expect_str_eq(ct_dispatch("CONFIG SET keyspace-cache-size 1mb"), "+OK\r\n");
    CT_EXPECT("GET k", "$1\r\nv\r\n");
    CT_EXPECT("GET k", "$1\r\nv\r\n");
    r = dispatch("INFO stats");
    cr_expect_eq(info_field(r, "keyspace_cache_max_bytes"), 1 << 20, "%s", r);
    cr_expect_gt(info_field(r, "keyspace_cache_hits"), hits, "%s", r);
    free(r);
    cr_expect(strncmp(ct_dispatch("CONFIG SET keyspace-cache-size lots"), "-ERR", 4) == 0);

    free(dispatch("CONFIG RESETSTAT"));
    r = dispatch("INFO stats");
    cr_expect_eq(info_field(r, "keyspace_cache_hits"), 0, "%s", r);
    free(r);
}
