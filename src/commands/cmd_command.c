/* COMMAND and its subcommands: the command table (COMMAND INFO) and its docs (COMMAND DOCS), as Redis 7.0 shapes them. */
#include <string.h>

#include "commands/docs.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"

static bool visible(const ss_command *c) { return !(c->flags & CMD_INTERNAL); }

/* ------------------------------------------------------------- INFO */

static void add_flags(ss_buf *out, resp_proto proto, const ss_command *c)
{
    static const struct { uint32_t flag; const char *name; } names[] = {
        {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_ADMIN, "admin"},
        {CMD_NOAUTH, "no_auth"}, {CMD_NOMULTI, "no_multi"}, {CMD_FAST, "fast"},
        {CMD_DENYOOM, "denyoom"}, {CMD_LOADING, "loading"},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (c->flags & names[i].flag)
            n++;
    resp_add_set_len(out, proto, n);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (c->flags & names[i].flag)
            resp_add_simple(out, names[i].name);
}

static long long count_subcommands(const ss_command *c)
{
    long long n = 0;
    for (const ss_command *s = c->subcommands; s && s->name; s++)
        n++;
    return n;
}

static void add_info(ss_buf *out, resp_proto proto, const ss_command *c)
{
    resp_add_array_len(out, 10);
    resp_add_bulk_cstr(out, c->name);
    resp_add_int(out, c->arity);
    add_flags(out, proto, c);
    resp_add_int(out, c->keys.first);
    resp_add_int(out, c->keys.last);
    resp_add_int(out, c->keys.step);
    resp_add_set_len(out, proto, 0); /* ACL categories */
    resp_add_set_len(out, proto, 0); /* tips */
    resp_add_array_len(out, 0);      /* key specs */
    resp_add_array_len(out, count_subcommands(c));
    for (const ss_command *s = c->subcommands; s && s->name; s++)
        add_info(out, proto, s);
}

/* ------------------------------------------------------------- DOCS */

static void add_docs(ss_buf *out, resp_proto proto, const ss_command *c)
{
    const ss_command_docs *d = ss_command_docs_lookup(c->name, strlen(c->name));
    long long nsub = count_subcommands(c);
    resp_add_bulk_cstr(out, c->name);
    resp_add_map_len(out, proto, nsub ? 5 : 4);
    resp_add_bulk_cstr(out, "summary");
    resp_add_bulk_cstr(out, d && d->summary ? d->summary : "");
    resp_add_bulk_cstr(out, "since");
    resp_add_bulk_cstr(out, d && d->since ? d->since : "1.0.0");
    resp_add_bulk_cstr(out, "group");
    resp_add_bulk_cstr(out, d && d->group ? d->group : "generic");
    resp_add_bulk_cstr(out, "complexity");
    resp_add_bulk_cstr(out, d && d->complexity ? d->complexity : "O(1)");
    if (nsub) {
        resp_add_bulk_cstr(out, "subcommands");
        resp_add_map_len(out, proto, nsub);
        for (const ss_command *s = c->subcommands; s->name; s++)
            add_docs(out, proto, s);
    }
}

/* ----------------------------------------------------------- COMMAND */

static long long count_visible(const ss_command *table, size_t n)
{
    long long v = 0;
    for (size_t i = 0; i < n; i++)
        v += visible(&table[i]);
    return v;
}

/* COMMAND alone: the info of every command. */
static void commandCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    size_t n;
    const ss_command *table = ss_command_table(&n);
    resp_add_array_len(out, count_visible(table, n));
    for (size_t i = 0; i < n; i++)
        if (visible(&table[i]))
            add_info(out, s->proto, &table[i]);
}

static void commandCountCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    size_t n;
    const ss_command *table = ss_command_table(&n);
    resp_add_int(out, count_visible(table, n));
}

/* Every name, each container followed by its subcommands. */
static void commandListCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (a->argc > 2) {
        ss_reply_err(out, RERR_SYNTAX);
        return;
    }
    size_t n;
    const ss_command *table = ss_command_table(&n);
    ss_buf names;
    ss_buf_init(&names, 0);
    long long count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!visible(&table[i]))
            continue;
        resp_add_bulk_cstr(&names, table[i].name);
        count++;
        for (const ss_command *sub = table[i].subcommands; sub && sub->name; sub++, count++)
            resp_add_bulk_cstr(&names, sub->name);
    }
    resp_add_array_len(out, count);
    resp_add_raw(out, ss_buf_data(&names), ss_buf_len(&names));
    ss_buf_release(&names);
}

/* The visible row named by argument i ("get", "config|get"), or NULL. */
static const ss_command *named(const ss_args *a, int i)
{
    const ss_command *c = ss_command_lookup(a->argv[i], a->argvlen[i]);
    return c && visible(c) ? c : NULL;
}

static void commandInfoCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (a->argc == 2) {
        commandCommand(node, s, a, out);
        return;
    }
    resp_add_array_len(out, a->argc - 2);
    for (int i = 2; i < a->argc; i++) {
        const ss_command *c = named(a, i);
        if (c)
            add_info(out, s->proto, c);
        else
            resp_add_null_array(out, s->proto);
    }
}

static void commandDocsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    size_t n;
    const ss_command *table = ss_command_table(&n);
    if (a->argc == 2) {
        resp_add_map_len(out, s->proto, count_visible(table, n));
        for (size_t i = 0; i < n; i++)
            if (visible(&table[i]))
                add_docs(out, s->proto, &table[i]);
        return;
    }
    long long found = 0;
    for (int i = 2; i < a->argc; i++)
        found += named(a, i) != NULL;
    resp_add_map_len(out, s->proto, found);
    for (int i = 2; i < a->argc; i++) {
        const ss_command *c = named(a, i);
        if (c)
            add_docs(out, s->proto, c);
    }
}

static void commandHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)", "    Return details about all commands.",
        "COUNT", "    Return the total number of commands in this server.",
        "LIST", "    Return a list of all commands in this server.",
        "INFO [<command-name> ...]", "    Return details about multiple commands.",
        "DOCS [<command-name> ...]", "    Return documentation details about multiple commands.",
        "HELP", "    Print this help.",
    };
    resp_add_array_len(out, (long long)(sizeof lines / sizeof lines[0]));
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        resp_add_simple(out, lines[i]);
}

static const ss_command command_subcommands[] = {
    SS_LOCAL("command|count", 2, CMD_LOADING, commandCountCommand),
    SS_LOCAL("command|list", -2, CMD_LOADING, commandListCommand),
    SS_LOCAL("command|info", -2, CMD_LOADING, commandInfoCommand),
    SS_LOCAL("command|docs", -2, CMD_LOADING, commandDocsCommand),
    SS_LOCAL("command|help", 2, CMD_LOADING, commandHelpCommand),
    SS_END,
};

const ss_command ss_cmds_command[] = {
    SS_CONTAINER("command", -1, CMD_LOCAL_ONLY | CMD_LOADING, command_subcommands, .local = commandCommand),
};
SS_COUNT(ss_cmds_command);
