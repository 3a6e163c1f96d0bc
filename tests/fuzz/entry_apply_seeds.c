/* Writes the seed corpus of fuzz_entry_apply: real entries of every write command, made by the entry encoder. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "engine/entry.h"
#include "common/strutil.h"

/*
 * Usage: fuzz_entry_apply_seeds <dir>   (tests/fuzz/corpus/entry_apply)
 *
 * Each seed is one input of the target's raw mode: a 0 byte, then records
 * {ctl, u16 len, entry}; even seeds apply each entry in its batch, odd ones
 * all in one batch. A seed is a small
 * story: the commands that give a key its type, then the write under test,
 * so the fuzzer starts from apply paths that do real work. A line holds one
 * entry; commands separated by " | " make one MULTI entry.
 */
static const char *const seeds[][6] = {
    /* strings */
    {"SET a 1", "SET a 1 EX 10 NX", "SET a v KEEPTTL GET", "SET a v PXAT 1800000000000 XX"},
    {"SET a 1", "GETSET a 2", "GETDEL a", "SETNX a 3"},
    {"SET a 1 EX 100", "GETEX a PX 100", "GETEX a PERSIST"},
    {"SETEX a 10 v", "PSETEX b 100 w", "MSET a 1 b 2 c 3", "MSETNX c 1 d 2"},
    {"INCR n", "DECR n", "INCRBY n 5", "DECRBY n 9223372036854775807"},
    {"INCRBYFLOAT f 1.5", "INCRBYFLOAT f -1e3", "APPEND a xyz", "SETRANGE a 3 zz", "SETRANGE b 10 q"},
    /* keys */
    {"SET a 1", "SET b 2", "DEL a b c", "UNLINK b"},
    {"SET a 1", "RENAME a b", "RENAMENX b c", "COPY c d REPLACE", "MOVE d 1"},
    {"SET a 1", "EXPIRE a 10", "PEXPIRE a 100 NX", "EXPIREAT a 1800000000 GT", "PEXPIREAT a 1800000000000", "PERSIST a"},
    {"SET a 1 PX 1", "__expire 0 a 0 b", "FLUSHDB", "SET b 2", "FLUSHALL ASYNC"},
    /* hashes */
    {"HSET h f v g w", "HSETNX h f x", "HMSET h a 1 b 2", "HDEL h f a"},
    {"HINCRBY h n 1", "HINCRBY h n -5", "HINCRBYFLOAT h x 1.5", "HSET h s str", "HINCRBY h s 1"},
    /* lists */
    {"LPUSH l a b c", "RPUSH l d e", "LPUSHX l z", "RPUSHX m z", "LPOP l 2", "RPOP l"},
    {"RPUSH l a b c d", "LSET l 0 x", "LINSERT l BEFORE b y", "LREM l 0 a", "LTRIM l 0 2"},
    {"RPUSH l a b c", "LMOVE l m LEFT RIGHT", "RPOPLPUSH l m", "LMOVE m m RIGHT LEFT"},
    /* sets */
    {"SADD s a b c", "SREM s a", "SPOP s", "SADD t b x", "SMOVE s t c"},
    {"SADD s a b c", "SADD t b c d", "SINTERSTORE d s t", "SUNIONSTORE u s t", "SDIFFSTORE v s t", "SPOP u 2"},
    /* sorted sets */
    {"ZADD z 1 a 2 b 3 c", "ZADD z XX CH INCR 5 a", "ZADD z NX GT 4 d", "ZINCRBY z 2 a", "ZREM z b"},
    {"ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMAX z 2", "ZREMRANGEBYRANK z 0 0"},
    {"ZADD z 0 a 0 b 0 c 1 d", "ZREMRANGEBYSCORE z -inf (1", "ZADD z 0 a 0 b", "ZREMRANGEBYLEX z [a (c"},
    /* transactions (reads and PING included, as EXEC queues them) */
    {"SET a 1 | INCR a | GET a | PING", "RPUSH l x | LRANGE l 0 -1 | ECHO hi"},
    {"SADD s a | SMEMBERS s | ZADD z 1 m | ZRANGE z 0 -1 WITHSCORES | HSET h f v | HGETALL h"},
};

static void put_record(FILE *f, const ss_buf *b, bool end_batch)
{
    uint8_t hdr[3] = {end_batch, (uint8_t)ss_buf_len(b), (uint8_t)(ss_buf_len(b) >> 8)};
    fwrite(hdr, 1, 3, f);
    fwrite(ss_buf_data(b), 1, ss_buf_len(b), f);
}

/* One entry from a line: one command, or several separated by " | " (MULTI). */
static void encode_line(const char *line, uint64_t seq, ss_buf *b)
{
    char *copy = strdup(line);
    char *parts[16];
    uint32_t n = 0;
    for (char *save, *p = strtok_r(copy, "|", &save); p && n < 16; p = strtok_r(NULL, "|", &save))
        parts[n++] = p;
    ss_entry_header h = {.flags = n > 1 ? SS_ENTRY_MULTI : 0, .origin_node = 2, .origin_boot = 3, .seq = seq,
                         .time_ms = 1700000000000LL, .seed = seq, .db = 0};
    ss_entry_begin(b, &h, n);
    for (uint32_t i = 0; i < n; i++) {
        int argc;
        char **argv = ss_splitargs(parts[i], &argc);
        size_t lens[32];
        for (int j = 0; j < argc && j < 32; j++)
            lens[j] = strlen(argv[j]);
        ss_args a = {argc, argv, lens};
        ss_entry_add_cmd(b, &a);
        ss_split_free(argv, argc);
    }
    free(copy);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%02zu", argv[1], s);
        FILE *f = fopen(path, "wb");
        if (!f) {
            perror(path);
            return 1;
        }
        fputc(0, f); /* raw mode */
        for (size_t i = 0; i < 6 && seeds[s][i]; i++) {
            ss_buf b;
            ss_buf_init(&b, 0);
            encode_line(seeds[s][i], i + 1, &b);
            put_record(f, &b, s % 2 == 0 || i == 5 || !seeds[s][i + 1]);
            ss_buf_release(&b);
        }
        fclose(f);
    }
    /* Structured mode: one seed per write command of the table, picked by its
     * index (the byte the target reads), with a key and small numbers. */
    size_t ntable;
    const ss_command *table = ss_command_table(&ntable);
    for (size_t i = 0; i < ntable && i < 256; i++) {
        if (!SS_CMD_LOGGED(&table[i]))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/struct-%s", argv[1], table[i].name);
        FILE *f = fopen(path, "wb");
        if (!f) {
            perror(path);
            return 1;
        }
        int arity = table[i].arity < 0 ? -table[i].arity : table[i].arity;
        int extra = arity - 1 > 7 ? 7 : arity - 1;
        /* mode; ctl (ends the batch), time, seed, the command, its extra
         * arguments as dictionary words: "a", "1", "2", "0", "b", "1", "2" */
        uint8_t rec[] = {1, 1, 0, 0, (uint8_t)i, (uint8_t)extra, 0, 5, 6, 4, 1, 5, 6};
        fwrite(rec, 1, 6 + (size_t)extra, f);
        fclose(f);
    }
    return 0;
}
