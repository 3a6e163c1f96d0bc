/* LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR/HISTOGRAM/HELP and the monitor behind them (Redis 7.0's latency.c, sparkline.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands/families.h"
#include "commands/info.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"

/*
 * Events this node records (latency-monitor-threshold ms or slower, 0: none):
 *   command, fast-command  a command's run on this node, as SLOWLOG times it
 *                          (CMD_FAST rows are fast-command), as Redis;
 *   apply                  one batch of committed entries applied to the store;
 *   fsync                  the Raft log's segment fdatasync (the worst of each
 *                          tenth of a second).
 */

static int64_t now_s(void) { return ss_clock_wall_ms() / 1000; }

static ss_latency_series *series_find(ss_info_state *st, const char *event, size_t len)
{
    for (int i = 0; i < SS_LATENCY_EVENTS; i++)
        if (st->latency[i].event && strlen(st->latency[i].event) == len &&
            !strncmp(st->latency[i].event, event, len))
            return &st->latency[i];
    return NULL;
}

/* Redis's latencyAddSample: one sample a second, the worst of it. */
void ss_latency_note(ss_node *node, const char *event, uint64_t ms)
{
    int threshold = node ? node->cfg->latency_monitor_threshold : 0;
    if (threshold <= 0 || ms < (uint64_t)threshold)
        return;
    ss_info_state *st = &node->info;
    ss_latency_series *ts = series_find(st, event, strlen(event));
    for (int i = 0; !ts && i < SS_LATENCY_EVENTS; i++)
        if (!st->latency[i].event) {
            ts = &st->latency[i];
            memset(ts, 0, sizeof *ts);
            ts->event = event;
        }
    if (!ts)
        return; /* cannot happen: the events are fewer than the slots */
    uint32_t latency = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    int32_t now = (int32_t)now_s();
    if (latency > ts->max)
        ts->max = latency;
    int prev = (ts->idx + SS_LATENCY_TS_LEN - 1) % SS_LATENCY_TS_LEN;
    if (ts->samples[prev].time == now) {
        if (latency > ts->samples[prev].latency)
            ts->samples[prev].latency = latency;
        return;
    }
    ts->samples[ts->idx].time = now;
    ts->samples[ts->idx].latency = latency;
    ts->idx = (ts->idx + 1) % SS_LATENCY_TS_LEN;
}

static void latencyLatestCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    (void)a;
    ss_info_state *st = &node->info;
    int n = 0;
    for (int i = 0; i < SS_LATENCY_EVENTS; i++)
        n += st->latency[i].event != NULL;
    resp_add_array_len(out, n);
    for (int i = 0; i < SS_LATENCY_EVENTS; i++) {
        ss_latency_series *ts = &st->latency[i];
        if (!ts->event)
            continue;
        int last = (ts->idx + SS_LATENCY_TS_LEN - 1) % SS_LATENCY_TS_LEN;
        resp_add_array_len(out, 4);
        resp_add_bulk_cstr(out, ts->event);
        resp_add_int(out, ts->samples[last].time);
        resp_add_int(out, ts->samples[last].latency);
        resp_add_int(out, ts->max);
    }
}

static void latencyHistoryCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    ss_latency_series *ts = series_find(&node->info, a->argv[2], a->argvlen[2]);
    int n = 0;
    for (int j = 0; ts && j < SS_LATENCY_TS_LEN; j++)
        n += ts->samples[j].time != 0;
    resp_add_array_len(out, n);
    for (int j = 0; ts && j < SS_LATENCY_TS_LEN; j++) {
        int i = (ts->idx + j) % SS_LATENCY_TS_LEN;
        if (ts->samples[i].time == 0)
            continue;
        resp_add_array_len(out, 2);
        resp_add_int(out, ts->samples[i].time);
        resp_add_int(out, ts->samples[i].latency);
    }
}

static void latencyResetCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    ss_info_state *st = &node->info;
    long long resets = 0;
    if (a->argc == 2) {
        for (int i = 0; i < SS_LATENCY_EVENTS; i++)
            if (st->latency[i].event) {
                st->latency[i].event = NULL;
                resets++;
            }
    } else {
        for (int j = 2; j < a->argc; j++) {
            ss_latency_series *ts = series_find(st, a->argv[j], a->argvlen[j]);
            if (ts) {
                ts->event = NULL;
                resets++;
            }
        }
    }
    resp_add_int(out, resets);
}

/* ------------------------------------------------------------ GRAPH */

/* Redis's sparkline.c, what LATENCY GRAPH uses of it (fill, 4 rows). */
#define GRAPH_COLS 80
#define GRAPH_ROWS 4

typedef struct spark {
    uint32_t value[SS_LATENCY_TS_LEN];
    char label[SS_LATENCY_TS_LEN][16];
    int len;
    uint32_t min, max;
} spark;

static void spark_render_range(ss_buf *out, const spark *seq, int offset, int len)
{
    static const char fill[] = "_o#";
    const int charset_len = 3, label_margin_top = 1;
    double relmax = (double)seq->max - seq->min;
    int steps = charset_len * GRAPH_ROWS;
    char chars[GRAPH_COLS];
    if (relmax == 0)
        relmax = 1;
    /* Bounded: GRAPH_ROWS rows, a blank one, then one per label character. */
    for (int row = 0;; row++) {
        bool loop = false;
        memset(chars, ' ', (size_t)len);
        for (int j = 0; j < len; j++) {
            double relval = (double)seq->value[j + offset] - seq->min;
            int step = (int)(relval * steps / relmax);
            if (step < 0)
                step = 0;
            if (step >= steps)
                step = steps - 1;
            if (row < GRAPH_ROWS) {
                int charidx = step - (GRAPH_ROWS - row - 1) * charset_len;
                loop = true;
                if (charidx >= 0 && charidx < charset_len)
                    chars[j] = fill[charidx];
                else if (charidx >= charset_len)
                    chars[j] = '|';
            } else {
                if (row - GRAPH_ROWS < label_margin_top) {
                    loop = true;
                    break;
                }
                const char *label = seq->label[j + offset];
                int label_char = row - GRAPH_ROWS - label_margin_top;
                if ((int)strlen(label) > label_char) {
                    loop = true;
                    chars[j] = label[label_char];
                }
            }
        }
        if (!loop)
            break;
        ss_buf_append(out, chars, (size_t)len);
        ss_buf_append(out, "\n", 1);
    }
}

static void latencyGraphCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_latency_series *ts = series_find(&node->info, a->argv[2], a->argvlen[2]);
    if (!ts) {
        resp_add_errorf(out, "ERR No samples available for event '%.*s'", (int)a->argvlen[2], a->argv[2]);
        return;
    }
    spark *seq = calloc(1, sizeof *seq);
    if (!seq) {
        resp_add_error(out, "ERR out of memory");
        return;
    }
    int64_t now = now_s();
    for (int j = 0; j < SS_LATENCY_TS_LEN; j++) {
        int i = (ts->idx + j) % SS_LATENCY_TS_LEN;
        if (ts->samples[i].time == 0)
            continue;
        uint32_t v = ts->samples[i].latency;
        if (seq->len == 0)
            seq->min = seq->max = v;
        else if (v < seq->min)
            seq->min = v;
        else if (v > seq->max)
            seq->max = v;
        long long elapsed = now - ts->samples[i].time;
        char *l = seq->label[seq->len];
        if (elapsed < 60)
            snprintf(l, sizeof seq->label[0], "%llds", elapsed);
        else if (elapsed < 3600)
            snprintf(l, sizeof seq->label[0], "%lldm", elapsed / 60);
        else if (elapsed < 3600 * 24)
            snprintf(l, sizeof seq->label[0], "%lldh", elapsed / 3600);
        else
            snprintf(l, sizeof seq->label[0], "%lldd", elapsed / (3600 * 24));
        seq->value[seq->len++] = v;
    }
    /* The header's high and low are Redis's own min/max pass over the samples. */
    uint32_t lo = 0, hi = 0;
    for (int j = 0; j < seq->len; j++) {
        if (j == 0 || seq->value[j] < lo)
            lo = seq->value[j];
        if (j == 0 || seq->value[j] > hi)
            hi = seq->value[j];
    }
    ss_buf graph;
    ss_buf_init(&graph, 0);
    ss_buf_appendf(&graph, "%s - high %lu ms, low %lu ms (all time high %lu ms)\n", ts->event, (unsigned long)hi,
                   (unsigned long)lo, (unsigned long)ts->max);
    for (int j = 0; j < GRAPH_COLS; j++)
        ss_buf_append(&graph, "-", 1);
    ss_buf_append(&graph, "\n", 1);
    for (int j = 0; j < seq->len; j += GRAPH_COLS) {
        if (j != 0)
            ss_buf_append(&graph, "\n", 1);
        spark_render_range(&graph, seq, j, seq->len - j < GRAPH_COLS ? seq->len - j : GRAPH_COLS);
    }
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&graph), ss_buf_len(&graph));
    ss_buf_release(&graph);
    free(seq);
}

/* ----------------------------------------------------------- DOCTOR */

typedef struct lat_stats {
    uint32_t avg, mad;
    int samples;
    int64_t period;
} lat_stats;

/* Redis's analyzeLatencyForEvent. */
static lat_stats analyze(const ss_latency_series *ts)
{
    lat_stats ls = {0};
    uint64_t sum = 0;
    for (int j = 0; j < SS_LATENCY_TS_LEN; j++) {
        if (ts->samples[j].time == 0)
            continue;
        ls.samples++;
        sum += ts->samples[j].latency;
        if (ls.period == 0 || ts->samples[j].time < ls.period)
            ls.period = ts->samples[j].time;
    }
    if (ls.samples) {
        ls.avg = (uint32_t)(sum / (uint64_t)ls.samples);
        ls.period = now_s() - ls.period;
        if (ls.period == 0)
            ls.period = 1;
    }
    sum = 0;
    for (int j = 0; j < SS_LATENCY_TS_LEN; j++) {
        if (ts->samples[j].time == 0)
            continue;
        int64_t delta = (int64_t)ls.avg - ts->samples[j].latency;
        sum += (uint64_t)(delta < 0 ? -delta : delta);
    }
    if (ls.samples)
        ls.mad = (uint32_t)(sum / (uint64_t)ls.samples);
    return ls;
}

static void latencyDoctorCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)a;
    ss_buf r;
    ss_buf_init(&r, 0);
    ss_info_state *st = &node->info;
    int eventnum = 0;
    bool slowlog_enable = false, slowlog_tuning = false, slowlog_inspect = false, large_objects = false,
         disk = false;
    for (int i = 0; i < SS_LATENCY_EVENTS; i++) {
        ss_latency_series *ts = &st->latency[i];
        if (!ts->event)
            continue;
        if (eventnum == 0)
            ss_buf_append_cstr(&r, "Dave, I have observed latency spikes in this Redis instance. You don't mind "
                                   "talking about it, do you Dave?\n\n");
        lat_stats ls = analyze(ts);
        eventnum++;
        ss_buf_appendf(&r,
                       "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). "
                       "Worst all time event %lums.",
                       eventnum, ts->event, ls.samples, (unsigned long)ls.avg, (unsigned long)ls.mad,
                       ls.samples ? (double)ls.period / ls.samples : 0.0, (unsigned long)ts->max);
        if (!strcmp(ts->event, "command") || !strcmp(ts->event, "fast-command")) {
            if (node->cfg->slowlog_log_slower_than < 0 || node->cfg->slowlog_max_len == 0)
                slowlog_enable = true;
            else if (node->cfg->slowlog_log_slower_than / 1000 > node->cfg->latency_monitor_threshold)
                slowlog_tuning = true;
            slowlog_inspect = true;
            large_objects = true;
        } else {
            disk = true; /* fsync and apply wait for the disk */
        }
        ss_buf_append_cstr(&r, "\n");
    }
    int advices = slowlog_enable + slowlog_tuning + slowlog_inspect + large_objects + disk;
    if (node->cfg->latency_monitor_threshold == 0 && eventnum == 0) {
        ss_buf_reset(&r);
        ss_buf_append_cstr(&r, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
                               "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
                               "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
                               "look at https://redis.io/topics/latency-monitor.\n");
    } else if (eventnum == 0) {
        ss_buf_append_cstr(&r, "Dave, no latency spike was observed during the lifetime of this Redis instance, "
                               "not in the slightest bit. I honestly think you ought to sit down calmly, "
                               "take a stress pill, and think things over.\n");
    } else if (advices) {
        ss_buf_append_cstr(&r, "\nI have a few advices for you:\n\n");
        if (slowlog_enable)
            ss_buf_appendf(&r, "- There are latency issues with potentially slow commands you are using. Try to "
                               "enable the Slow Log Redis feature using the command 'CONFIG SET "
                               "slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to "
                               "log slow commands execution for you.\n",
                           node->cfg->latency_monitor_threshold * 1000);
        if (slowlog_tuning)
            ss_buf_appendf(&r, "- Your current Slow Log configuration only logs events that are slower than your "
                               "configured latency monitor threshold. Please use 'CONFIG SET "
                               "slowlog-log-slower-than %d'.\n",
                           node->cfg->latency_monitor_threshold * 1000);
        if (slowlog_inspect)
            ss_buf_append_cstr(&r, "- Check your Slow Log to understand what are the commands you are running "
                                   "which are too slow to execute. Please check https://redis.io/commands/slowlog "
                                   "for more information.\n");
        if (large_objects)
            ss_buf_append_cstr(&r, "- Deleting, expiring or evicting (because of maxmemory policy) large objects "
                                   "is a blocking operation. If you have very large objects that are often "
                                   "deleted, expired, or evicted, try to fragment those objects into multiple "
                                   "smaller objects.\n");
        if (disk)
            ss_buf_append_cstr(&r, "- sandstore waits for the disk before it acknowledges a write: the Raft log's "
                                   "fsync (fsync) and the store's batch writes (apply). Check the disk's latency "
                                   "(iostat -x 1) and that nothing else saturates it; SSDs help.\n");
    }
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&r), ss_buf_len(&r));
    ss_buf_release(&r);
}

/* -------------------------------------------------------- HISTOGRAM */

/* Redis's fillCommandCDF: calls, then the cumulative count at each bucket
 * where it grew, keyed as Redis keys it: the highest value its hdr
 * histogram (2 significant figures) treats as equal to the bucket's bound,
 * 1024 * 2^i ns, in µs (1, 2, 4, 8, 16, 33, 66, 132, ...). */
static long long bucket_key(unsigned i)
{
    uint64_t bound = (uint64_t)1024 << (i < SS_HIST_BUCKETS - 1 ? i : SS_HIST_BUCKETS - 1);
    return (long long)((bound + bound / 128 - 1) / 1000);
}

static void reply_cdf(ss_buf *out, resp_proto proto, const ss_info_cmdstat *c)
{
    resp_add_map_len(out, proto, 2);
    resp_add_bulk_cstr(out, "calls");
    resp_add_int(out, (long long)c->calls);
    resp_add_bulk_cstr(out, "histogram_usec");
    int n = 0;
    for (unsigned i = 0; i < SS_HIST_BUCKETS; i++)
        n += c->lat_ns.buckets[i] != 0;
    resp_add_map_len(out, proto, n);
    uint64_t cum = 0;
    for (unsigned i = 0; i < SS_HIST_BUCKETS; i++) {
        if (!c->lat_ns.buckets[i])
            continue;
        cum += c->lat_ns.buckets[i];
        /* The last bucket has no bound: keyed as the next one would be. */
        resp_add_int(out, bucket_key(i));
        resp_add_int(out, (long long)cum);
    }
}

static const ss_info_cmdstat *cmdstat_of(const ss_info_state *st, const ss_command *cmd)
{
    for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++)
        if (st->cmds[i].cmd == cmd)
            return st->cmds[i].calls ? &st->cmds[i] : NULL;
    return NULL;
}

static void latencyHistogramCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    const ss_info_state *st = &node->info;
    /* The commands with data, as Redis: every called one, or those named
     * (each with its called subcommands), unknown names skipped. */
    const ss_info_cmdstat *pick[SS_INFO_CMD_SLOTS];
    size_t n = 0;
    if (a->argc == 2) {
        for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++)
            if (st->cmds[i].cmd && st->cmds[i].calls)
                pick[n++] = &st->cmds[i];
    } else {
        for (int j = 2; j < a->argc && j < 2 + 64; j++) {
            const ss_command *cmd = ss_command_lookup(a->argv[j], a->argvlen[j]);
            if (!cmd)
                continue;
            const ss_info_cmdstat *c = cmdstat_of(st, cmd);
            if (c && n < SS_INFO_CMD_SLOTS)
                pick[n++] = c;
            for (const ss_command *sub = cmd->subcommands; sub && sub->name; sub++)
                if ((c = cmdstat_of(st, sub)) && n < SS_INFO_CMD_SLOTS)
                    pick[n++] = c;
        }
    }
    resp_add_map_len(out, s->proto, (long long)n);
    for (size_t i = 0; i < n; i++) {
        resp_add_bulk_cstr(out, ((const ss_command *)pick[i]->cmd)->name);
        reply_cdf(out, s->proto, pick[i]);
    }
}

static void latencyHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    static const char *const lines[] = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

#define ADMIN_LOCAL (CMD_ADMIN | CMD_LOADING | CMD_STALE | CMD_NOSCRIPT)

const ss_command ss_latency_subcommands[] = {
    SS_LOCAL("latency|latest", 2, ADMIN_LOCAL, 0, latencyLatestCommand),
    SS_LOCAL("latency|history", 3, ADMIN_LOCAL, 0, latencyHistoryCommand),
    SS_LOCAL("latency|reset", -2, ADMIN_LOCAL, 0, latencyResetCommand),
    SS_LOCAL("latency|graph", 3, ADMIN_LOCAL, 0, latencyGraphCommand),
    SS_LOCAL("latency|doctor", 2, ADMIN_LOCAL, 0, latencyDoctorCommand),
    SS_LOCAL("latency|histogram", -2, ADMIN_LOCAL, 0, latencyHistogramCommand),
    SS_LOCAL("latency|help", 2, CMD_LOADING | CMD_STALE, 0, latencyHelpCommand),
    SS_END,
};
