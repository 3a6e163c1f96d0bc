/* DUMP and RESTORE of strings against redis-server 7.0: the same payloads for short values, and values moved both ways by DUMP/RESTORE. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration/diff_harness.h"

/* A value: integers (int8/16/32 encodings and beyond), short words, and
 * long ones Redis compresses with LZF. */
static size_t value(dh_run *r, char *b, size_t n)
{
    switch (dh_below(r, 5)) {
    case 0: return (size_t)snprintf(b, n, "%lld", (long long)dh_below(r, 400) - 200);
    case 1: return (size_t)snprintf(b, n, "%lld", (long long)(dh_rand(r) % 10000000000ULL) - 5000000000LL);
    case 2: return (size_t)snprintf(b, n, "w%llu", (unsigned long long)dh_below(r, 1000));
    case 3: {
        size_t len = 21 + dh_below(r, 300);
        for (size_t i = 0; i < len; i++)
            b[i] = (char)('a' + dh_below(r, 3));
        return len;
    }
    default: {
        size_t len = dh_below(r, 40);
        for (size_t i = 0; i < len; i++)
            b[i] = (char)dh_below(r, 256);
        return len;
    }
    }
}

static redisReply *must(redisContext *c, int argc, const char **argv, const size_t *lens)
{
    redisReply *rep = redisCommandArgv(c, argc, argv, lens);
    cr_assert_not_null(rep, "%s: no reply", argv[0]);
    return rep;
}

Test(diff_dump, dump_and_restore_answer_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int rounds = dh_rounds(600), bad = 0;
    for (int i = 0; i < rounds && bad < 5; i++) {
        char v[512];
        size_t vlen = value(r, v, sizeof v);
        const char *set[] = {"SET", "src", v};
        size_t setl[] = {3, 3, vlen};
        bad += !dh_cmdv(r, DH_EXACT, 3, set, setl);
        /* Short values: the very same payload. */
        if (vlen <= 20)
            bad += !dh_cmd(r, DH_EXACT, "DUMP src");
        /* Each side's payload restores on the other; the same replies. */
        const char *dump[] = {"DUMP", "src"};
        size_t dumpl[] = {4, 3};
        redisReply *fromredis = must(dh_redis(r), 2, dump, dumpl);
        redisReply *fromss = must(dh_sandstore(r, (int)dh_below(r, 3)), 2, dump, dumpl);
        cr_assert(fromredis->type == REDIS_REPLY_STRING && fromss->type == REDIS_REPLY_STRING);
        static const char *const opts[] = {"", "REPLACE", "ABSTTL", "IDLETIME", "FREQ"};
        const char *opt = opts[dh_below(r, 5)], *arg = dh_below(r, 2) ? "7" : "300";
        /* 100000 with ABSTTL is long past: the key goes (no 1 ms TTL: timing). */
        const char *ttl = dh_below(r, 3) ? "0" : "100000";
        for (int side = 0; side < 2; side++) {
            redisReply *p = side ? fromss : fromredis;
            const char *argv[] = {"RESTORE", dh_below(r, 2) ? "dst" : "dst2", ttl, p->str, opt, arg};
            size_t lens[] = {7, strlen(argv[1]), strlen(ttl), p->len, strlen(opt), strlen(arg)};
            int argc = *opt == '\0' ? 4 : (*opt == 'I' || *opt == 'F') ? 6 : 5;
            bad += !dh_cmdv(r, DH_EXACT, argc, argv, lens);
            bad += !dh_cmd(r, DH_EXACT, "GET dst");
            bad += !dh_cmd(r, DH_EXACT, "GET dst2");
            if (dh_below(r, 2))
                bad += !dh_cmd(r, DH_EXACT, "DEL dst dst2");
        }
        freeReplyObject(fromredis);
        freeReplyObject(fromss);
    }
    bad += !dh_cmd(r, DH_EXACT, "DUMP nokey");
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}
