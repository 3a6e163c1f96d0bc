/* MONITOR: every command this node runs, sent to its monitoring clients in Redis's line format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "engine/engine_internal.h"

/*
 * What a node "executes", for MONITOR: the commands its own clients send it
 * (a command run at once is shown after it ran, in the db it left, as
 * Redis's call() shows it; a read or write as it is sent), and the entries
 * of the log that came from other nodes' clients, shown as this node
 * applies them, tagged "[db raft:N]" with the node they came through (a
 * Redis replica shows its master's commands with the master link's
 * address). Entries of this node's own clients were shown when sent; the
 * server's own (active expiry) are not shown. The commands scripts run
 * through redis.call are shown as "[db lua]" as Redis 7.0 shows them, by
 * every node that runs the script (a write script runs in apply on every
 * node), except those of a read-only script running on its own thread
 * (script_busy.c); they come after the EVAL line here (it is shown as sent;
 * Redis shows the EVAL after its script ran). Commands queued in MULTI are
 * shown as queued (Redis shows them at EXEC). Like Redis, commands flagged admin or
 * skip-monitor are not shown, AUTH's arguments are redacted, and a client
 * sees its own command's line after its reply. A monitor is bounded by the
 * replica class of client-output-buffer-limit (Redis counts monitors as
 * normal clients, whose class it leaves unlimited): one that does not read
 * is closed there.
 */

static void put_id(char out[8], uint64_t id) { memcpy(out, &id, 8); }

int ss_monitor_add(ss_engine *e, ss_session *s)
{
    char k[8];
    put_id(k, s->id);
    if (!e->monitors && !(e->monitors = ss_dict_new()))
        return SS_ENOMEM;
    if (ss_dict_put(e->monitors, k, 8, s) != SS_OK)
        return SS_ENOMEM;
    s->monitor = true;
    return SS_OK;
}

void ss_monitor_remove(ss_engine *e, ss_session *s)
{
    char k[8];
    put_id(k, s->id);
    if (e->monitors && s->monitor)
        ss_dict_del(e->monitors, k, 8, NULL);
    s->monitor = false;
}

void ss_monitor_release(ss_engine *e)
{
    ss_dict_free(e->monitors, NULL);
    e->monitors = NULL;
}

/* Redis's sdscatrepr: a quoted string with escapes. */
static void add_repr(ss_buf *b, const char *p, size_t n)
{
    ss_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\\': ss_buf_append(b, "\\\\", 2); break;
        case '"': ss_buf_append(b, "\\\"", 2); break;
        case '\n': ss_buf_append(b, "\\n", 2); break;
        case '\r': ss_buf_append(b, "\\r", 2); break;
        case '\t': ss_buf_append(b, "\\t", 2); break;
        case '\a': ss_buf_append(b, "\\a", 2); break;
        case '\b': ss_buf_append(b, "\\b", 2); break;
        default:
            if (ch >= 0x20 && ch < 0x7f)
                ss_buf_append(b, (const char *)&ch, 1);
            else
                ss_buf_appendf(b, "\\x%02x", ch);
        }
    }
    ss_buf_append(b, "\"", 1);
}

static bool redacted(const ss_args *a, int i)
{
    if (i == 0)
        return false;
    if (a->argvlen[0] == 4 && !strncasecmp(a->argv[0], "auth", 4))
        return true;
    /* HELLO ... AUTH user pass */
    if (a->argvlen[0] == 5 && !strncasecmp(a->argv[0], "hello", 5)) {
        for (int j = 2; j < i; j++)
            if (a->argvlen[j] == 4 && !strncasecmp(a->argv[j], "auth", 4) && (i == j + 1 || i == j + 2))
                return true;
    }
    return false;
}

/* replicationFeedMonitors' line: "+<secs.usecs> [<db> <who>] "arg" ...". */
static void format_line(ss_buf *line, int db, const char *who, const ss_args *a)
{
    uint64_t us = (uint64_t)ss_clock_wall_us();
    ss_buf_appendf(line, "+%llu.%06llu [%d %s]", (unsigned long long)(us / 1000000),
                   (unsigned long long)(us % 1000000), db, who);
    for (int i = 0; i < a->argc; i++) {
        ss_buf_append(line, " ", 1);
        if (redacted(a, i))
            ss_buf_append(line, "\"(redacted)\"", 12);
        else
            add_repr(line, a->argv[i], a->argvlen[i]);
    }
    ss_buf_append(line, "\r\n", 2);
}

void ss_monitor_push(ss_engine *e, const char *lines, size_t len)
{
    if (!e->monitors || !e->hooks.push)
        return;
    ss_dict_iter it;
    ss_dict_iter_init(&it, e->monitors);
    const char *k;
    size_t klen;
    void *v;
    while (ss_dict_next(&it, &k, &klen, &v))
        e->hooks.push(e->hooks.ctx, v, lines, len);
}

static void feed(ss_engine *e, int db, const char *who, const ss_args *a)
{
    ss_buf line;
    ss_buf_init(&line, 0);
    format_line(&line, db, who, a);
    if (!ss_buf_error(&line))
        ss_monitor_push(e, ss_buf_data(&line), ss_buf_len(&line));
    ss_buf_release(&line);
}

void ss_monitor_format(ss_buf *line, int db, const char *who, const ss_command *cmd, const ss_args *a)
{
    if (!(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        format_line(line, db, who, a);
}

void ss_monitor_command(ss_engine *e, const ss_session *s, const ss_command *cmd, const ss_args *a)
{
    /* EVAL, FCALL and friends are flagged skip-monitor, yet Redis 7.0 shows
     * them (before their script's own commands): so does this. */
    bool skip = (cmd->flags & CMD_SKIP_MONITOR) && !(cmd->flags & CMD_SCRIPTING);
    if (!e->monitors || ss_dict_size(e->monitors) == 0 || skip || (cmd->flags & CMD_ADMIN))
        return;
    feed(e, s->db, s->addr, a);
}

void ss_monitor_script(ss_engine *e, int db, const ss_command *cmd, const ss_args *a)
{
    if (!e->monitors || ss_dict_size(e->monitors) == 0 || (cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        return;
    feed(e, db, "lua", a);
}

void ss_monitor_applied(ss_engine *e, int db, uint64_t origin_node, const ss_args *a)
{
    if (!e->monitors || ss_dict_size(e->monitors) == 0)
        return;
    const ss_command *cmd = ss_command_find(a, NULL);
    if (!cmd || (cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN | CMD_INTERNAL)))
        return;
    char who[32];
    snprintf(who, sizeof who, "raft:%llu", (unsigned long long)origin_node);
    feed(e, db, who, a);
}

bool ss_monitor_any(const ss_engine *e) { return e->monitors && ss_dict_size(e->monitors) > 0; }
