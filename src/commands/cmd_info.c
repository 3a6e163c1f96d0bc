/* INFO as Redis 7.0 lays it out, and the counters behind commandstats, errorstats and the instantaneous rates. */
#include "commands/info.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "commands/keyhelpers.h"
#include "common/clock.h"
#include "store/keyspace.h"

/* ------------------------------------------------------------ counting */

/* The row's slot: open addressing on the row's address. The rows are a
 * fixed set far smaller than the table, so a free slot is always found. */
static ss_info_cmdstat *cmdstat(ss_info_state *st, const ss_command *cmd)
{
    uintptr_t h = (uintptr_t)cmd;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++) {
        ss_info_cmdstat *c = &st->cmds[(h + i) & (SS_INFO_CMD_SLOTS - 1)];
        if (c->cmd == cmd)
            return c;
        if (c->cmd == NULL) {
            if (st->ncmds >= SS_INFO_CMD_SLOTS / 2)
                return NULL;
            c->cmd = cmd;
            st->ncmds++;
            return c;
        }
    }
    return NULL;
}

/* A reply that is an error: '-' (RESP2 and RESP3) or a RESP3 blob error. */
static bool is_error(const char *reply, size_t len) { return len > 0 && (reply[0] == '-' || reply[0] == '!'); }

/* Counts an error reply under its code, its first word ("ERR", "WRONGTYPE").
 * Past SS_INFO_ERR_MAX codes new ones are only in the total, as in Redis
 * (which then stops tracking them). */
static void count_error(ss_info_state *st, const char *reply, size_t len)
{
    st->error_replies++;
    const char *p = reply + 1;
    size_t n = 0;
    if (reply[0] == '!') {
        /* !<len>\r\n<code> ... */
        const char *nl = memchr(reply, '\n', len);
        if (!nl)
            return;
        p = nl + 1;
    }
    size_t rest = len - (size_t)(p - reply);
    while (n < rest && n < sizeof st->errs[0].code - 1 && p[n] != ' ' && p[n] != '\r' && p[n] != '\n')
        n++;
    if (n == 0)
        return;
    for (size_t i = 0; i < st->nerrs; i++) {
        if (strlen(st->errs[i].code) == n && !memcmp(st->errs[i].code, p, n)) {
            st->errs[i].count++;
            return;
        }
    }
    if (st->nerrs == SS_INFO_ERR_MAX)
        return;
    memcpy(st->errs[st->nerrs].code, p, n);
    st->errs[st->nerrs].code[n] = '\0';
    st->errs[st->nerrs].count = 1;
    st->nerrs++;
}

void ss_info_called(ss_node *node, const ss_command *cmd, uint64_t usec, const char *reply, size_t len)
{
    if (!node)
        return;
    ss_info_cmdstat *c = cmdstat(&node->info, cmd);
    bool failed = is_error(reply, len);
    if (c) {
        c->calls++;
        c->usec += usec;
        c->failed += failed;
        ss_hist_observe(&c->lat_ns, usec * 1000);
    }
    if (failed)
        count_error(&node->info, reply, len);
}

void ss_info_merge(ss_node *dst, const ss_node *src)
{
    ss_info_state *d = &dst->info;
    const ss_info_state *s = &src->info;
    for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++) {
        const ss_info_cmdstat *from = &s->cmds[i];
        ss_info_cmdstat *to = from->cmd ? cmdstat(d, from->cmd) : NULL;
        if (to) {
            to->calls += from->calls;
            to->usec += from->usec;
            to->rejected += from->rejected;
            to->failed += from->failed;
        }
    }
    d->error_replies += s->error_replies;
    for (size_t i = 0; i < s->nerrs; i++) {
        size_t j = 0;
        while (j < d->nerrs && strcmp(d->errs[j].code, s->errs[i].code))
            j++;
        if (j == d->nerrs) {
            if (d->nerrs == SS_INFO_ERR_MAX)
                continue;
            memcpy(d->errs[j].code, s->errs[i].code, sizeof d->errs[j].code);
            d->errs[j].count = 0;
            d->nerrs++;
        }
        d->errs[j].count += s->errs[i].count;
    }
}

void ss_info_rejected(ss_node *node, const ss_command *cmd, const char *reply, size_t len)
{
    if (!node)
        return;
    ss_info_cmdstat *c = cmdstat(&node->info, cmd);
    if (c)
        c->rejected++;
    if (is_error(reply, len))
        count_error(&node->info, reply, len);
}

void ss_info_error(ss_node *node, const char *reply, size_t len)
{
    if (node && is_error(reply, len))
        count_error(&node->info, reply, len);
}

void ss_info_reset(ss_node *node)
{
    memset(&node->stats, 0, sizeof node->stats);
    ss_info_state *st = &node->info;
    memset(st->cmds, 0, sizeof st->cmds);
    st->ncmds = 0;
    st->nerrs = 0;
    st->error_replies = 0;
    st->last_cmds = 0;
    memset(st->ops, 0, sizeof st->ops);
    ss_store_cache_stats_reset(node->store);
}

/* ---------------------------------------------------------- sampling */

/* Bytes the process has allocated and not freed (glibc's view, LevelDB's
 * memtables and cache included: they come from the same malloc). */
static uint64_t rss_bytes(void);

static uint64_t allocated_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    uint64_t n = (uint64_t)mi.uordblks + (uint64_t)mi.hblkhd;
    /* Under a sanitizer's allocator glibc has handed out nothing: the
     * resident size is the nearest honest figure. */
    return n ? n : rss_bytes();
}

static uint64_t rss_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

uint64_t ss_info_allocated_bytes(void) { return allocated_bytes(); }
uint64_t ss_info_rss_bytes(void) { return rss_bytes(); }

void ss_info_note_peak(ss_info_state *st, uint64_t used, uint64_t rss)
{
    if (used > st->mem_peak)
        st->mem_peak = used;
    if (rss > st->rss_mark)
        st->rss_mark = rss;
}

static uint64_t per_sec(uint64_t delta, uint64_t ms) { return ms ? delta * 1000 / ms : 0; }

void ss_info_cron(ss_node *node, uint64_t now_ms)
{
    ss_info_state *st = &node->info;
    ss_conn_stats cs = {0};
    node->ops->conn_stats(node->ctx, &cs);
    if (st->sample_ms == 0) {
        /* The first tick: the baseline, and the memory of a node that has
         * started but served nothing yet. */
        st->mem_startup = allocated_bytes();
        ss_info_note_peak(st, st->mem_startup, rss_bytes());
    } else if (now_ms > st->sample_ms) {
        uint64_t ms = now_ms - st->sample_ms;
        unsigned i = st->idx++ % SS_INFO_SAMPLES;
        uint64_t cmds = node->stats.commands_processed;
        st->ops[i] = per_sec(cmds >= st->last_cmds ? cmds - st->last_cmds : 0, ms);
        st->in[i] = per_sec(cs.net_input_bytes - st->last_in, ms);
        st->out[i] = per_sec(cs.net_output_bytes - st->last_out, ms);
    }
    st->sample_ms = now_ms;
    st->last_cmds = node->stats.commands_processed;
    st->last_in = cs.net_input_bytes;
    st->last_out = cs.net_output_bytes;
    /* used_memory_peak. glibc's exact figure (mallinfo2) walks every free
     * chunk of every arena under its lock: several ms of the loop thread
     * once the heap is fragmented (perf, SET -c 50: 1.4% of the leader's
     * samples at one call a second, each a stall every reply waits behind).
     * The cron only reads the resident size (a few microseconds) and takes
     * the exact figure when the process has grown by 1/16 past the resident
     * size at the last exact sample: a handful of calls while the dataset
     * grows, none in a steady state. INFO memory and MEMORY STATS/DOCTOR take
     * the exact figure each time they are asked. */
    if (now_ms - st->peak_ms >= 1000) {
        st->peak_ms = now_ms;
        uint64_t rss = rss_bytes();
        if (rss > st->rss_mark + st->rss_mark / 16)
            ss_info_note_peak(st, allocated_bytes(), rss);
    }
}

static uint64_t mean(const uint64_t *v)
{
    uint64_t sum = 0;
    for (int i = 0; i < SS_INFO_SAMPLES; i++)
        sum += v[i];
    return sum / SS_INFO_SAMPLES;
}

/* ---------------------------------------------------------- sections */

/* Redis's bytesToHuman. */
static void human(char *b, size_t n, uint64_t bytes)
{
    static const char units[] = "KMGTPE";
    double d = (double)bytes;
    if (bytes < 1024) {
        snprintf(b, n, "%lluB", (unsigned long long)bytes);
        return;
    }
    int u = -1;
    while (d >= 1024 && u < 5) {
        d /= 1024;
        u++;
    }
    snprintf(b, n, "%.2f%c", d, units[u]);
}

static void section_memory(ss_node *node, ss_buf *b)
{
    ss_info_state *st = &node->info;
    uint64_t used = allocated_bytes(), rss = rss_bytes();
    ss_info_note_peak(st, used, rss);
    struct mallinfo2 mi = mallinfo2();
    uint64_t active = (uint64_t)mi.arena + (uint64_t)mi.hblkhd;
    uint64_t system = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t leveldb = ss_store_memory_usage(node->store);
    char h_used[32], h_rss[32], h_peak[32], h_sys[32], h_ldb[32];
    human(h_used, sizeof h_used, used);
    human(h_rss, sizeof h_rss, rss);
    human(h_peak, sizeof h_peak, st->mem_peak);
    human(h_sys, sizeof h_sys, system);
    human(h_ldb, sizeof h_ldb, leveldb);
    ss_buf_appendf(b,
                   "# Memory\r\nused_memory:%llu\r\nused_memory_human:%s\r\nused_memory_rss:%llu\r\n"
                   "used_memory_rss_human:%s\r\nused_memory_peak:%llu\r\nused_memory_peak_human:%s\r\n"
                   "used_memory_peak_perc:%.2f%%\r\nused_memory_startup:%llu\r\n"
                   "used_memory_leveldb:%llu\r\nused_memory_leveldb_human:%s\r\n"
                   "allocator_allocated:%llu\r\nallocator_active:%llu\r\nallocator_resident:%llu\r\n"
                   "total_system_memory:%llu\r\ntotal_system_memory_human:%s\r\n"
                   "maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:%s\r\n"
                   "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n"
                   "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n"
                   "mem_allocator:libc\r\nlazyfree_pending_objects:0\r\n\r\n",
                   (unsigned long long)used, h_used, (unsigned long long)rss, h_rss,
                   (unsigned long long)st->mem_peak, h_peak,
                   st->mem_peak ? 100.0 * (double)used / (double)st->mem_peak : 0.0,
                   (unsigned long long)st->mem_startup, (unsigned long long)leveldb, h_ldb,
                   (unsigned long long)used, (unsigned long long)active, (unsigned long long)rss,
                   (unsigned long long)system, h_sys, ss_maxmemory_policy_name(node->cfg->maxmemory_policy),
                   used ? (double)active / (double)used : 0.0,
                   (long long)active - (long long)used, used ? (double)rss / (double)used : 0.0,
                   (long long)rss - (long long)used);
}

static void section_persistence(ss_node *node, ss_buf *b)
{
    ss_buf_appendf(b,
                   "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_bgsave_in_progress:%d\r\n"
                   "rdb_last_save_time:%lld\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n"
                   "aof_rewrite_scheduled:0\r\nraft_log_fsync:%s\r\n\r\n",
                   node->ops->snapshot_in_progress(node->ctx) ? 1 : 0,
                   (long long)node->ops->last_snapshot_time(node->ctx),
                   node->cfg->raft_fsync == SS_RAFT_FSYNC_ALWAYS ? "always" : "no");
}

static void section_stats(ss_node *node, ss_buf *b)
{
    const ss_node_stats *st = &node->stats;
    const ss_info_state *in = &node->info;
    ss_conn_stats cs = {0};
    node->ops->conn_stats(node->ctx, &cs);
    ss_buf_appendf(b,
                   "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
                   "instantaneous_ops_per_sec:%llu\r\ntotal_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\n"
                   "instantaneous_input_kbps:%.2f\r\ninstantaneous_output_kbps:%.2f\r\n"
                   "rejected_connections:%llu\r\nexpired_keys:%llu\r\nevicted_keys:0\r\nevicted_clients:0\r\n"
                   "keyspace_hits:%llu\r\nkeyspace_misses:%llu\r\npubsub_channels:0\r\npubsub_patterns:0\r\n"
                   "total_forks:0\r\ntotal_error_replies:%llu\r\nwrites_proposed:%llu\r\n"
                   "writes_applied:%llu\r\nreads_served:%llu\r\npending_writes:%llu\r\npending_reads:%llu\r\n",
                   (unsigned long long)cs.connections_received, (unsigned long long)st->commands_processed,
                   (unsigned long long)mean(in->ops), (unsigned long long)cs.net_input_bytes,
                   (unsigned long long)cs.net_output_bytes, (double)mean(in->in) / 1024,
                   (double)mean(in->out) / 1024, (unsigned long long)cs.rejected_connections,
                   (unsigned long long)st->expired_keys, (unsigned long long)st->keyspace_hits,
                   (unsigned long long)st->keyspace_misses, (unsigned long long)in->error_replies,
                   (unsigned long long)st->writes_proposed, (unsigned long long)st->writes_applied,
                   (unsigned long long)st->reads_served, (unsigned long long)st->pending_writes,
                   (unsigned long long)st->pending_reads);
    /* CLIENT TRACKING's table, as Redis 7.0 shows it in this section. */
    size_t tclients, tkeys, titems, tprefixes;
    node->ops->tracking_counts(node->ctx, &tclients, &tkeys, &titems, &tprefixes);
    ss_buf_appendf(b, "tracking_total_keys:%zu\r\ntracking_total_items:%zu\r\ntracking_total_prefixes:%zu\r\n",
                   tkeys, titems, tprefixes);
    /* The store's record cache (keyspace-cache-size): point reads it answered
     * and those that went to LevelDB. */
    ss_store_cache_stats kc;
    ss_store_cache_stats_get(node->store, &kc);
    ss_buf_appendf(b,
                   "keyspace_cache_hits:%llu\r\nkeyspace_cache_misses:%llu\r\n"
                   "keyspace_cache_evictions:%llu\r\nkeyspace_cache_keys:%llu\r\n"
                   "keyspace_cache_bytes:%llu\r\nkeyspace_cache_max_bytes:%llu\r\n\r\n",
                   (unsigned long long)kc.hits, (unsigned long long)kc.misses,
                   (unsigned long long)kc.evictions, (unsigned long long)kc.keys,
                   (unsigned long long)kc.bytes, (unsigned long long)kc.capacity);
}

static void tv(ss_buf *b, const char *name, struct timeval t)
{
    ss_buf_appendf(b, "%s:%ld.%06ld\r\n", name, (long)t.tv_sec, (long)t.tv_usec);
}

static void section_cpu(ss_buf *b)
{
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    /* INFO runs on the loop thread: Redis's main thread. */
    getrusage(RUSAGE_THREAD, &thread);
    ss_buf_append_cstr(b, "# CPU\r\n");
    tv(b, "used_cpu_sys", self.ru_stime);
    tv(b, "used_cpu_user", self.ru_utime);
    tv(b, "used_cpu_sys_children", children.ru_stime);
    tv(b, "used_cpu_user_children", children.ru_utime);
    tv(b, "used_cpu_sys_main_thread", thread.ru_stime);
    tv(b, "used_cpu_user_main_thread", thread.ru_utime);
    ss_buf_append_cstr(b, "\r\n");
}

static void section_commandstats(ss_node *node, ss_buf *b)
{
    ss_buf_append_cstr(b, "# Commandstats\r\n");
    for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++) {
        const ss_info_cmdstat *c = &node->info.cmds[i];
        if (!c->cmd || (c->calls == 0 && c->rejected == 0 && c->failed == 0))
            continue;
        ss_buf_appendf(b, "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu\r\n",
                       ((const ss_command *)c->cmd)->name, (unsigned long long)c->calls,
                       (unsigned long long)c->usec, c->calls ? (double)c->usec / (double)c->calls : 0.0,
                       (unsigned long long)c->rejected, (unsigned long long)c->failed);
    }
    ss_buf_append_cstr(b, "\r\n");
}

static void section_errorstats(ss_node *node, ss_buf *b)
{
    ss_buf_append_cstr(b, "# Errorstats\r\n");
    for (size_t i = 0; i < node->info.nerrs; i++)
        ss_buf_appendf(b, "errorstat_%s:count=%llu\r\n", node->info.errs[i].code,
                       (unsigned long long)node->info.errs[i].count);
    ss_buf_append_cstr(b, "\r\n");
}

static void section_keyspace(ss_node *node, ss_buf *b)
{
    ss_buf_append_cstr(b, "# Keyspace\r\n");
    ss_txn *txn = ss_txn_begin(node->store);
    uint64_t now = (uint64_t)ss_clock_wall_ms();
    for (int db = 0; db < node->cfg->databases && db < SS_KS_DBS; db++) {
        uint64_t n = 0, vol = 0, ttl = 0;
        if (ss_ks_dbsize(txn, db, &n) != SS_OK || n == 0)
            continue;
        ss_ks_volatile(txn, db, now, &vol, &ttl);
        ss_buf_appendf(b, "db%d:keys=%llu,expires=%llu,avg_ttl=%llu\r\n", db, (unsigned long long)n,
                       (unsigned long long)vol, (unsigned long long)ttl);
    }
    ss_txn_abort(txn);
}

/* ------------------------------------------------------------- INFO */

enum {
    SEC_SERVER, SEC_CLIENTS, SEC_MEMORY, SEC_PERSISTENCE, SEC_STATS, SEC_REPLICATION, SEC_CPU,
    SEC_RAFT, SEC_COMMANDSTATS, SEC_ERRORSTATS, SEC_CLUSTER, SEC_KEYSPACE, SEC_COUNT
};

/* Redis 7.0's order; commandstats is only in "all" and "everything". */
static const struct {
    const char *name;
    bool in_default;
} sections[SEC_COUNT] = {
    [SEC_SERVER] = {"server", true},         [SEC_CLIENTS] = {"clients", true},
    [SEC_MEMORY] = {"memory", true},         [SEC_PERSISTENCE] = {"persistence", true},
    [SEC_STATS] = {"stats", true},           [SEC_REPLICATION] = {"replication", true},
    [SEC_CPU] = {"cpu", true},               [SEC_RAFT] = {"raft", true},
    [SEC_COMMANDSTATS] = {"commandstats", false}, [SEC_ERRORSTATS] = {"errorstats", true},
    [SEC_CLUSTER] = {"cluster", true},       [SEC_KEYSPACE] = {"keyspace", true},
};

/* Which sections the arguments ask for: none means "default"; names are
 * case-insensitive and unknown ones select nothing, as in Redis. */
static void chosen(const ss_args *a, bool want[SEC_COUNT])
{
    for (int s = 0; s < SEC_COUNT; s++)
        want[s] = a->argc == 1 && sections[s].in_default;
    for (int i = 1; i < a->argc; i++) {
        bool all = ss_arg_is(a, i, "all") || ss_arg_is(a, i, "everything");
        bool dflt = ss_arg_is(a, i, "default");
        for (int s = 0; s < SEC_COUNT; s++)
            if (all || (dflt && sections[s].in_default) || ss_arg_is(a, i, sections[s].name))
                want[s] = true;
    }
}

static void simple_section(ss_node *node, ss_buf *b, const char *title,
                           void (*fn)(void *ctx, ss_buf *out))
{
    ss_buf_appendf(b, "# %s\r\n", title);
    fn(node->ctx, b);
    ss_buf_append_cstr(b, "\r\n");
}

void ss_info_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    bool want[SEC_COUNT];
    chosen(a, want);
    ss_buf b;
    ss_buf_init(&b, 0);
    if (want[SEC_SERVER])
        simple_section(node, &b, "Server", node->ops->info_server);
    if (want[SEC_CLIENTS])
        simple_section(node, &b, "Clients", node->ops->info_clients);
    if (want[SEC_MEMORY])
        section_memory(node, &b);
    if (want[SEC_PERSISTENCE])
        section_persistence(node, &b);
    if (want[SEC_STATS])
        section_stats(node, &b);
    if (want[SEC_REPLICATION])
        ss_info_replication(node, &b);
    if (want[SEC_CPU])
        section_cpu(&b);
    if (want[SEC_RAFT])
        simple_section(node, &b, "Raft", node->ops->raft_info);
    if (want[SEC_COMMANDSTATS])
        section_commandstats(node, &b);
    if (want[SEC_ERRORSTATS])
        section_errorstats(node, &b);
    if (want[SEC_CLUSTER]) /* the Raft group, as one shard (CLUSTER) */
        ss_buf_append_cstr(&b, "# Cluster\r\ncluster_enabled:1\r\n\r\n");
    if (want[SEC_KEYSPACE])
        section_keyspace(node, &b);
    /* Redis drops the blank line that would end the last section. */
    size_t len = ss_buf_len(&b);
    if (len >= 4 && !memcmp(ss_buf_data(&b) + len - 4, "\r\n\r\n", 4))
        len -= 2;
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&b), len);
    ss_buf_release(&b);
}
