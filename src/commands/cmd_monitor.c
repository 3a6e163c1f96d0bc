/* What operators read about slow commands: SLOWLOG GET/LEN/RESET/HELP (LATENCY is cmd_latency.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/info.h"
#include "commands/keyhelpers.h"
#include "commands/numbers.h"
#include "common/clock.h"

/* As Redis's slowlog.h: what an entry keeps of a command line. */
#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_ARGLEN 128

typedef struct ss_slowlog_entry {
    struct ss_slowlog_entry *next, *prev;   /* next: older */
    uint64_t id;
    int64_t time;                           /* unix seconds */
    uint64_t usec;
    int argc;
    char **argv;
    size_t *argvlen;
    char addr[64];
    char name[64];
} ss_slowlog_entry;

static void entry_free(ss_slowlog_entry *e)
{
    for (int i = 0; i < e->argc; i++)
        free(e->argv[i]);
    free(e->argv);
    free(e->argvlen);
    free(e);
}

static char *dup_text(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Redis's slowlogCreateEntry: at most 32 arguments (the last one says how
 * many more there were), each cut at 128 bytes with the count of the rest. */
static ss_slowlog_entry *entry_new(const ss_args *a)
{
    ss_slowlog_entry *e = calloc(1, sizeof *e);
    int argc = a->argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : a->argc;
    if (!e || !(e->argv = calloc((size_t)argc, sizeof *e->argv)) ||
        !(e->argvlen = calloc((size_t)argc, sizeof *e->argvlen))) {
        if (e) {
            free(e->argv);
            free(e);
        }
        return NULL;
    }
    e->argc = argc;
    for (int i = 0; i < argc; i++) {
        char buf[SLOWLOG_MAX_ARGLEN + 64];
        const char *p = a->argv[i];
        size_t n = a->argvlen[i];
        if (argc != a->argc && i == argc - 1) {
            n = (size_t)snprintf(buf, sizeof buf, "... (%d more arguments)", a->argc - argc + 1);
            p = buf;
        } else if (n > SLOWLOG_MAX_ARGLEN) {
            memcpy(buf, p, SLOWLOG_MAX_ARGLEN);
            n = SLOWLOG_MAX_ARGLEN + (size_t)snprintf(buf + SLOWLOG_MAX_ARGLEN, sizeof buf - SLOWLOG_MAX_ARGLEN,
                                                      "... (%zu more bytes)", n - SLOWLOG_MAX_ARGLEN);
            p = buf;
        }
        e->argv[i] = dup_text(p, n);
        e->argvlen[i] = n;
        if (!e->argv[i]) {
            entry_free(e);
            return NULL;
        }
    }
    return e;
}

static void trim(ss_info_state *st, size_t max)
{
    while (st->slow_len > max && st->slow_tail) {
        ss_slowlog_entry *old = st->slow_tail;
        st->slow_tail = old->prev;
        if (st->slow_tail)
            st->slow_tail->next = NULL;
        else
            st->slow_head = NULL;
        entry_free(old);
        st->slow_len--;
    }
}

void ss_slowlog_note(ss_node *node, const ss_command *cmd, const ss_args *a, const ss_session *s,
                     uint64_t usec)
{
    /* Redis's call(): the latency monitor's command events beside SLOWLOG. */
    if (node)
        ss_latency_note(node, cmd->flags & CMD_FAST ? "fast-command" : "command", usec / 1000);
    if (!node || node->cfg->slowlog_log_slower_than < 0 || (cmd->flags & CMD_SKIP_SLOWLOG) ||
        usec < (uint64_t)node->cfg->slowlog_log_slower_than || node->cfg->slowlog_max_len == 0)
        return;
    ss_slowlog_entry *e = entry_new(a);
    if (!e)
        return; /* out of memory: the entry is lost, nothing else */
    ss_info_state *st = &node->info;
    e->id = st->slow_next_id++;
    e->time = ss_clock_wall_ms() / 1000;
    e->usec = usec;
    if (s) {
        snprintf(e->addr, sizeof e->addr, "%s", s->addr);
        snprintf(e->name, sizeof e->name, "%s", s->name);
    }
    e->next = st->slow_head;
    if (st->slow_head)
        st->slow_head->prev = e;
    st->slow_head = e;
    if (!st->slow_tail)
        st->slow_tail = e;
    st->slow_len++;
    trim(st, (size_t)node->cfg->slowlog_max_len);
}

void ss_slowlog_release(ss_node *node) { trim(&node->info, 0); }

void ss_slowlog_adopt(ss_node *dst, ss_node *src)
{
    ss_info_state *d = &dst->info, *s = &src->info;
    /* oldest first, each becoming the newest of dst */
    while (s->slow_tail) {
        ss_slowlog_entry *e = s->slow_tail;
        s->slow_tail = e->prev;
        if (s->slow_tail)
            s->slow_tail->next = NULL;
        else
            s->slow_head = NULL;
        s->slow_len--;
        e->prev = NULL;
        e->id = d->slow_next_id++;
        e->next = d->slow_head;
        if (d->slow_head)
            d->slow_head->prev = e;
        d->slow_head = e;
        if (!d->slow_tail)
            d->slow_tail = e;
        d->slow_len++;
    }
    trim(d, dst->cfg->slowlog_max_len < 0 ? 0 : (size_t)dst->cfg->slowlog_max_len);
}

static void slowlogGetCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long count = 10;
    if (a->argc == 3 && (!ss_parse_ll(a->argv[2], a->argvlen[2], &count) || count < -1)) {
        resp_add_error(out, "ERR count should be greater than or equal to -1");
        return;
    }
    ss_info_state *st = &node->info;
    /* A shorter log than asked: what there is (-1: all of it). */
    size_t n = count < 0 || (unsigned long long)count > st->slow_len ? st->slow_len : (size_t)count;
    resp_add_array_len(out, (long long)n);
    ss_slowlog_entry *e = st->slow_head;
    for (size_t i = 0; i < n && e; i++, e = e->next) {
        resp_add_array_len(out, 6);
        resp_add_int(out, (long long)e->id);
        resp_add_int(out, (long long)e->time);
        resp_add_int(out, (long long)e->usec);
        resp_add_array_len(out, e->argc);
        for (int j = 0; j < e->argc; j++)
            resp_add_bulk(out, e->argv[j], e->argvlen[j]);
        resp_add_bulk_cstr(out, e->addr);
        resp_add_bulk_cstr(out, e->name);
    }
}

static void slowlogLenCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    (void)a;
    resp_add_int(out, (long long)node->info.slow_len);
}

static void slowlogResetCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    (void)a;
    trim(&node->info, 0);
    resp_add_shared(out, RESP_SH_OK);
}

static void slowlogHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    static const char *const lines[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

#define ADMIN_LOCAL (CMD_ADMIN | CMD_LOADING | CMD_STALE)

/* MONITOR: this connection is sent every command the node runs (engine/monitor.c). */
static void monitorCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)a;
    if (s->monitor)
        return; /* already: ignored, as Redis does */
    if (node->ops->monitor(node->ctx, s) != SS_OK) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return;
    }
    resp_add_shared(out, RESP_SH_OK);
}

static const ss_command slowlog_subcommands[] = {
    SS_LOCAL("slowlog|get", -2, ADMIN_LOCAL, 0, slowlogGetCommand),
    SS_LOCAL("slowlog|len", 2, ADMIN_LOCAL, 0, slowlogLenCommand),
    SS_LOCAL("slowlog|reset", 2, ADMIN_LOCAL, 0, slowlogResetCommand),
    SS_LOCAL("slowlog|help", 2, CMD_LOADING | CMD_STALE, 0, slowlogHelpCommand),
    SS_END,
};

const ss_command ss_cmds_monitor[] = {
    SS_CONTAINER("slowlog", -2, 0, 0, slowlog_subcommands),
    SS_CONTAINER("latency", -2, 0, 0, ss_latency_subcommands),
    SS_LOCAL("monitor", 1, ADMIN_LOCAL | CMD_NOSCRIPT, 0, monitorCommand),
};
SS_COUNT(ss_cmds_monitor);
