/* MEMORY USAGE/STATS/DOCTOR/MALLOC-STATS/PURGE/HELP: Redis 7.0's replies, with figures from glibc's allocator and estimates for keys. */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/collection.h"
#include "commands/families.h"
#include "commands/info.h"
#include "commands/keyhelpers.h"
#include "commands/numbers.h"
#include "store/keyspace.h"
#include "store/store.h"
#include "store/txn.h"

/*
 * MEMORY USAGE estimates the bytes Redis 7.0 would hold for the key and
 * its value in the encoding OBJECT ENCODING reports (its robj, dict entry,
 * sds headers and allocator size classes, elements averaged over SAMPLES
 * of them as Redis does): sandstore's own copy lives in LevelDB (on disk,
 * its block cache and memtables), which has no per-key figure.
 */

/* jemalloc's size classes: 8, 16, then four per doubling. */
static uint64_t size_class(uint64_t n)
{
    if (n <= 8)
        return 8;
    if (n <= 16)
        return 16;
    uint64_t group = (uint64_t)1 << (63 - __builtin_clzll(n - 1)); /* largest power of two < n */
    uint64_t step = group / 4;
    return (n + step - 1) / step * step;
}

static uint64_t sds_size(uint64_t len) { return size_class(len + (len < 256 ? 3 : 5)); }

#define ROBJ 16
#define DICT_ENTRY 24
#define DICT 96

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t p = 4;
    while (p < n && p < ((uint64_t)1 << 62))
        p <<= 1;
    return p;
}

typedef struct sampler {
    long long samples, n;
    uint64_t subs, vals;
} sampler;

static bool sample_one(void *ud, ss_slice sub, ss_slice val)
{
    sampler *sp = ud;
    sp->subs += sub.len;
    sp->vals += val.len;
    return ++sp->n < sp->samples;
}

/* Averages over the first samples elements (samples > 0): bytes of sub-key
 * and value (a zset's: member and 8-byte score). */
static int sample(ss_exec_ctx *ctx, const ss_key *k, long long samples, uint64_t *sub_avg, uint64_t *val_avg)
{
    sampler sp = {.samples = samples};
    int rc = ss_coll_each(ctx, k, sample_one, &sp);
    if (rc != SS_OK)
        return rc;
    *sub_avg = sp.n ? sp.subs / (uint64_t)sp.n : 0;
    *val_avg = sp.n ? sp.vals / (uint64_t)sp.n : 0;
    return SS_OK;
}

static int estimate(ss_exec_ctx *ctx, const ss_key *k, long long samples, uint64_t *out)
{
    uint64_t n = k->meta.count, sub = 0, val = 0, v = 0;
    int rc = SS_OK;
    if (k->meta.type != SS_TYPE_STRING && n > 0)
        rc = sample(ctx, k, samples, &sub, &val);
    if (rc != SS_OK)
        return rc;
    switch (k->meta.type) {
    case SS_TYPE_STRING: {
        uint64_t len = ss_key_strlen(k);
        long long i;
        if (len <= 20 && k->value.len == len && ss_parse_ll(k->value.data, len, &i))
            v = ROBJ;
        else if (len <= 44)
            v = size_class(ROBJ + 3 + len + 1);
        else
            v = ROBJ + sds_size(len);
        break;
    }
    case SS_TYPE_LIST: /* quicklist: nodes of 8 KiB listpacks */
        v = ROBJ + 40 + size_class(n * (val + 2) + 7) + (n / 128 + 1) * 32;
        break;
    case SS_TYPE_SET:
        if (n <= 512 && sub <= 20)
            v = ROBJ + size_class(8 + n * 8); /* intset, at most 8 bytes a member */
        else
            v = ROBJ + DICT + n * (DICT_ENTRY + sds_size(sub)) + 8 * pow2_at_least(n);
        break;
    case SS_TYPE_HASH:
        if (n <= 128 && sub <= 64 && val <= 64)
            v = ROBJ + size_class(6 + n * (sub + val + 4) + 1); /* listpack */
        else
            v = ROBJ + DICT + n * (DICT_ENTRY + sds_size(sub) + sds_size(val)) + 8 * pow2_at_least(n);
        break;
    case SS_TYPE_ZSET:
        if (n <= 128 && sub <= 64)
            v = ROBJ + size_class(6 + n * (sub + 2 + 10) + 1); /* listpack */
        else
            v = ROBJ + DICT + 32 + n * (DICT_ENTRY + sds_size(sub) + 48) + 8 * pow2_at_least(n);
        break;
    default: /* a stream: radix tree nodes of listpacks */
        v = ROBJ + 64 + n * (sub + val + 16);
        break;
    }
    *out = DICT_ENTRY + sds_size(k->len) + v;
    return SS_OK;
}

static void memoryUsageExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long samples = 5;
    for (int j = 3; j < a->argc; j++) {
        if (ss_arg_is(a, j, "samples") && j + 1 < a->argc) {
            if (!ss_arg_ll_or_reply(ctx, a, j + 1, &samples))
                return;
            if (samples < 0) {
                ss_reply_err(ctx->out, RERR_SYNTAX);
                return;
            }
            if (samples == 0)
                samples = LLONG_MAX;
            j++;
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
    }
    ss_key k;
    ss_lookup found = ss_key_open_probe(ctx, a, 2, SS_TYPE_NONE, &k); /* Redis's dictFind: no access */
    if (found == SS_MISSING) {
        resp_add_null_bulk(ctx->out, ctx->proto);
        return;
    }
    if (found != SS_FOUND)
        return;
    uint64_t bytes = 0;
    int rc = estimate(ctx, &k, samples, &bytes);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, (long long)bytes);
}

/* --------------------------------------------------------------- STATS */

static void field_int(ss_buf *out, const char *name, uint64_t v)
{
    resp_add_bulk_cstr(out, name);
    resp_add_int(out, (long long)v);
}

static void field_double(ss_buf *out, resp_proto proto, const char *name, double v)
{
    resp_add_bulk_cstr(out, name);
    resp_add_double(out, proto, v);
}

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0; }

/* Redis 7.0's fields, in its order: the process's figures from glibc and
 * /proc, LevelDB's memory (memtables and block cache) as the dataset's. */
static void memoryStatsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)a;
    uint64_t used = ss_info_allocated_bytes(), rss = ss_info_rss_bytes();
    ss_info_note_peak(&node->info, used, rss);
    uint64_t peak = node->info.mem_peak;
    uint64_t startup = node->info.mem_startup < used ? node->info.mem_startup : used;
    uint64_t dbkeys[64] = {0}, keys = 0;
    int ndb = node->cfg->databases < 64 ? node->cfg->databases : 64, dbs = 0;
    ss_txn *txn = ss_txn_begin(node->store);
    for (int db = 0; txn && db < ndb; db++) {
        if (ss_ks_dbsize(txn, db, &dbkeys[db]) != SS_OK)
            dbkeys[db] = 0;
        keys += dbkeys[db];
        dbs += dbkeys[db] != 0;
    }
    if (txn)
        ss_txn_abort(txn);
    uint64_t overhead = startup;
    uint64_t dataset = used > overhead ? used - overhead : 0;
    struct mallinfo2 mi = mallinfo2();
    uint64_t active = (uint64_t)mi.arena + (uint64_t)mi.hblkhd;
    if (active < used)
        active = used;
    resp_add_map_len(out, s->proto, 27 + dbs);
    field_int(out, "peak.allocated", peak);
    field_int(out, "total.allocated", used);
    field_int(out, "startup.allocated", startup);
    field_int(out, "replication.backlog", 0);
    field_int(out, "clients.slaves", 0);
    field_int(out, "clients.normal", 0);
    field_int(out, "cluster.links", 0);
    field_int(out, "aof.buffer", 0);
    field_int(out, "lua.caches", 0);
    field_int(out, "functions.caches", 0);
    for (int db = 0; db < ndb; db++) {
        if (!dbkeys[db])
            continue;
        char name[16];
        snprintf(name, sizeof name, "db.%d", db);
        resp_add_bulk_cstr(out, name);
        resp_add_map_len(out, s->proto, 3);
        field_int(out, "overhead.hashtable.main", 0);
        field_int(out, "overhead.hashtable.expires", 0);
        field_int(out, "overhead.hashtable.slot-to-keys", 0);
    }
    field_int(out, "overhead.total", overhead);
    field_int(out, "keys.count", keys);
    field_int(out, "keys.bytes-per-key", keys ? (used - startup) / keys : 0);
    field_int(out, "dataset.bytes", dataset);
    field_double(out, s->proto, "dataset.percentage", 100.0 * ratio(dataset, used - startup ? used - startup : 1));
    field_double(out, s->proto, "peak.percentage", 100.0 * ratio(used, peak));
    field_int(out, "allocator.allocated", used);
    field_int(out, "allocator.active", active);
    field_int(out, "allocator.resident", rss);
    field_double(out, s->proto, "allocator-fragmentation.ratio", ratio(active, used));
    field_int(out, "allocator-fragmentation.bytes", active - used);
    field_double(out, s->proto, "allocator-rss.ratio", ratio(rss, active));
    field_int(out, "allocator-rss.bytes", rss > active ? rss - active : 0);
    field_double(out, s->proto, "rss-overhead.ratio", 1.0);
    field_int(out, "rss-overhead.bytes", 0);
    field_double(out, s->proto, "fragmentation", ratio(rss, used));
    field_int(out, "fragmentation.bytes", rss > used ? rss - used : 0);
}

/* ------------------------------------------ DOCTOR MALLOC-STATS PURGE */

/* Redis's getMemoryDoctorReport, over the figures this node has. */
static void memoryDoctorCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)a;
    uint64_t used = ss_info_allocated_bytes(), rss = ss_info_rss_bytes();
    ss_info_note_peak(&node->info, used, rss);
    uint64_t peak = node->info.mem_peak;
    ss_buf r;
    ss_buf_init(&r, 0);
    if (used < 5 * 1024 * 1024) {
        ss_buf_append_cstr(&r, "Hi Sam, this instance is empty or is using very little memory, my issues detector "
                               "can't be used in these conditions. Please, leave for your mission on Earth and fill "
                               "it with some data. The new Sam and I will be back to our programming as soon as I "
                               "finished rebooting.");
    } else {
        bool big_peak = (double)peak / (double)used > 1.5;
        bool high_frag = (double)rss / (double)used > 1.4 && rss - used > 10 * 1024 * 1024;
        if (!big_peak && !high_frag) {
            ss_buf_append_cstr(&r, "Hi Sam, I can't find any memory issue in your instance. I can only account for "
                                   "what occurs on this base.");
        } else {
            ss_buf_append_cstr(&r, "Sam, I detected a few issues in this Redis instance memory implants:\n\n");
            if (big_peak)
                ss_buf_append_cstr(&r, " * Peak memory: In the past this instance used more than 150% the memory "
                                       "that is currently using. The allocator is normally not able to release "
                                       "memory after a peak, so you can expect to see a big fragmentation ratio, "
                                       "however this is actually harmless and is only due to the memory peak, and "
                                       "if the Redis instance Resident Set Size (RSS) is currently bigger than "
                                       "expected, the memory will be used as soon as you fill the Redis instance "
                                       "with more data. If the memory peak was only occasional and you want to "
                                       "try to reclaim memory, please try the MEMORY PURGE command, otherwise the "
                                       "only other option is to shutdown and restart the instance.\n\n");
            if (high_frag)
                ss_buf_appendf(&r, " * High total RSS: This instance has a memory fragmentation and RSS overhead "
                                   "greater than 1.4 (this means that the Resident Set Size of the Redis process "
                                   "is much larger than the sum of the logical allocations Redis performed). This "
                                   "problem is usually due either to a large peak memory (check if there is a peak "
                                   "memory entry above in the report) or may result from a workload that causes "
                                   "the allocator to fragment memory a lot. If the problem is a large peak memory, "
                                   "then there is no issue. Otherwise, make sure you are using the Jemalloc "
                                   "allocator and not the default libc malloc. Note: The currently used allocator "
                                   "is \"libc\".\n\n");
            ss_buf_append_cstr(&r, "I'm here to keep you safe, Sam. I want to help you.\n");
        }
    }
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&r), ss_buf_len(&r));
    ss_buf_release(&r);
}

/* glibc's malloc_info (XML), where Redis built with jemalloc prints its stats. */
static void memoryMallocStatsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)a;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        malloc_info(0, f);
        fclose(f);
    }
    if (text && len)
        resp_add_verbatim(out, s->proto, "txt", text, len);
    else
        resp_add_simple(out, "Stats not supported for the current allocator");
    free(text);
}

static void memoryPurgeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    malloc_trim(0);
    resp_add_shared(out, RESP_SH_OK);
}

static void memoryHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    static const char *const lines[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

static const ss_command memory_subcommands[] = {
    SS_READ("memory|usage", -3, 0, 0, memoryUsageExec, .keys = {KEY(2, KS_RO)}),
    SS_LOCAL("memory|stats", 2, 0, 0, memoryStatsCommand),
    SS_LOCAL("memory|doctor", 2, 0, 0, memoryDoctorCommand),
    SS_LOCAL("memory|malloc-stats", 2, 0, 0, memoryMallocStatsCommand),
    SS_LOCAL("memory|purge", 2, 0, 0, memoryPurgeCommand),
    SS_LOCAL("memory|help", 2, CMD_LOADING | CMD_STALE, 0, memoryHelpCommand),
    SS_END,
};

const ss_command ss_cmds_memory[] = {
    SS_CONTAINER("memory", -2, 0, 0, memory_subcommands),
};
SS_COUNT(ss_cmds_memory);
