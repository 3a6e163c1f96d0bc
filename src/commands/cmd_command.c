/* COMMAND and its subcommands: the command table (COMMAND INFO) and its docs (COMMAND DOCS), as Redis 7.0 shapes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/docs.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/config.h"
#include "common/strutil.h"

static bool visible(const ss_command *c) { return !(c->flags & CMD_INTERNAL); }

/* ------------------------------------------------------------- INFO */

typedef struct flag_name {
    uint32_t flag;
    const char *name;
} flag_name;

/* Redis 7.0's names and order (addReplyFlagsForCommand). */
static const flag_name command_flags[] = {
    {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
    {CMD_MODULE, "module"}, {CMD_ADMIN, "admin"}, {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"}, {CMD_BLOCKING, "blocking"}, {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"}, {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_ASKING, "asking"}, {CMD_FAST, "fast"}, {CMD_NOAUTH, "no_auth"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"}, {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NOMULTI, "no_multi"}, {CMD_MOVABLE_KEYS, "movablekeys"}, {CMD_ALLOW_BUSY, "allow_busy"},
};

/* Redis 7.0's names and order (addReplyFlagsForKeyArgs). */
static const flag_name key_flags[] = {
    {KS_RO, "RO"}, {KS_RW, "RW"}, {KS_OW, "OW"}, {KS_RM, "RM"},
    {KS_ACCESS, "access"}, {KS_UPDATE, "update"}, {KS_INSERT, "insert"}, {KS_DELETE, "delete"},
    {KS_NOT_KEY, "not_key"}, {KS_INCOMPLETE, "incomplete"}, {KS_VARIABLE_FLAGS, "variable_flags"},
};

static void add_flag_set(ss_buf *out, resp_proto proto, uint32_t flags, const flag_name *names, size_t n)
{
    long long count = 0;
    for (size_t i = 0; i < n; i++)
        count += (flags & names[i].flag) != 0;
    resp_add_set_len(out, proto, count);
    for (size_t i = 0; i < n; i++)
        if (flags & names[i].flag)
            resp_add_simple(out, names[i].name);
}

#define ADD_FLAGS(out, proto, flags, names) add_flag_set(out, proto, flags, names, sizeof names / sizeof names[0])

static void add_categories(ss_buf *out, resp_proto proto, uint32_t acl)
{
    long long count = 0;
    for (int i = 0; i < ACL_COUNT; i++)
        count += (acl >> i) & 1;
    resp_add_set_len(out, proto, count);
    for (int i = 0; i < ACL_COUNT; i++) {
        if (!((acl >> i) & 1))
            continue;
        char name[32];
        snprintf(name, sizeof name, "@%s", ss_acl_category_name(i));
        resp_add_simple(out, name);
    }
}

static void add_tips(ss_buf *out, resp_proto proto, const ss_command_docs *d)
{
    long long n = 0;
    for (const char *const *t = d ? d->tips : NULL; t && *t; t++)
        n++;
    resp_add_set_len(out, proto, n);
    for (long long i = 0; i < n; i++)
        resp_add_bulk_cstr(out, d->tips[i]);
}

/* {type: <type>, spec: {<nspec fields, added next>}}: a key spec's
 * begin_search or find_keys. */
static void add_search_step(ss_buf *out, resp_proto proto, const char *type, long long nspec)
{
    resp_add_map_len(out, proto, 2);
    resp_add_field_cstr(out, "type", type);
    resp_add_bulk_cstr(out, "spec");
    resp_add_map_len(out, proto, nspec);
}

static void add_keyspec(ss_buf *out, resp_proto proto, const ss_keyspec *k, const char *notes)
{
    resp_add_map_len(out, proto, notes ? 4 : 3);
    if (notes)
        resp_add_field_cstr(out, "notes", notes);
    resp_add_bulk_cstr(out, "flags");
    ADD_FLAGS(out, proto, k->flags, key_flags);
    resp_add_bulk_cstr(out, "begin_search");
    if (k->begin == SS_KS_BEGIN_UNKNOWN) {
        add_search_step(out, proto, "unknown", 0);
    } else if (k->begin == SS_KS_INDEX) {
        add_search_step(out, proto, "index", 1);
        resp_add_field_int(out, "index", k->index);
    } else {
        add_search_step(out, proto, "keyword", 2);
        resp_add_field_cstr(out, "keyword", k->keyword);
        resp_add_field_int(out, "startfrom", k->startfrom);
    }
    resp_add_bulk_cstr(out, "find_keys");
    if (k->find == SS_KS_FIND_UNKNOWN) {
        add_search_step(out, proto, "unknown", 0);
    } else if (k->find == SS_KS_RANGE) {
        add_search_step(out, proto, "range", 3);
        resp_add_field_int(out, "lastkey", k->lastkey);
        resp_add_field_int(out, "keystep", k->keystep);
        resp_add_field_int(out, "limit", k->limit);
    } else {
        add_search_step(out, proto, "keynum", 3);
        resp_add_field_int(out, "keynumidx", k->keynumidx);
        resp_add_field_int(out, "firstkey", k->firstkey);
        resp_add_field_int(out, "keystep", k->keystep);
    }
}

static long long count_subcommands(const ss_command *c)
{
    long long n = 0;
    for (const ss_command *s = c->subcommands; s && s->name; s++)
        n++;
    return n;
}

/* One command's COMMAND INFO entry (Redis's addReplyCommandInfo). */
static void add_info(ss_buf *out, resp_proto proto, const ss_command *c)
{
    const ss_command_docs *d = ss_command_docs_lookup(c->name, strlen(c->name));
    int first, last, step;
    ss_command_key_range(c, &first, &last, &step);
    resp_add_array_len(out, 10);
    resp_add_bulk_cstr(out, c->name);
    resp_add_int(out, c->arity);
    ADD_FLAGS(out, proto, ss_command_flags(c), command_flags);
    resp_add_int(out, first);
    resp_add_int(out, last);
    resp_add_int(out, step);
    add_categories(out, proto, ss_command_acl(c));
    add_tips(out, proto, d);
    int nspecs = ss_command_nkeyspecs(c);
    resp_add_set_len(out, proto, nspecs);
    for (int i = 0; i < nspecs; i++)
        add_keyspec(out, proto, &c->keys[i], d ? d->key_notes[i] : NULL);
    long long nsub = count_subcommands(c);
    if (nsub == 0) {
        resp_add_set_len(out, proto, 0);
        return;
    }
    resp_add_array_len(out, nsub);
    for (const ss_command *s = c->subcommands; s->name; s++)
        add_info(out, proto, s);
}

/* ------------------------------------------------------------- DOCS */

/* The (field, text) pairs whose text is set, as map entries. */
static void add_texts(ss_buf *out, const char *const texts[][2], size_t n)
{
    for (size_t t = 0; t < n; t++) {
        if (texts[t][1])
            resp_add_field_cstr(out, texts[t][0], texts[t][1]);
    }
}

static const char *const arg_types[] = {
    "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block",
};

static const flag_name arg_flags[] = {
    {ARG_OPTIONAL, "optional"}, {ARG_MULTIPLE, "multiple"}, {ARG_MULTIPLE_TOKEN, "multiple_token"},
};

static const flag_name doc_flags[] = {
    {SS_DOC_DEPRECATED, "deprecated"}, {SS_DOC_SYSCMD, "syscmd"},
};

/* The entries an argument takes in its flat list, its own arguments included. */
static size_t arg_span(const ss_cmdarg *a)
{
    size_t n = 1;
    for (int i = 0; i < a->nargs; i++)
        n += arg_span(a + n);
    return n;
}

/* The arguments at one level of the list, from args: count of them (Redis's
 * addReplyCommandArgList). */
static void add_args(ss_buf *out, resp_proto proto, const ss_cmdarg *args, long long count)
{
    resp_add_array_len(out, count);
    for (long long i = 0; i < count; i++) {
        const ss_cmdarg *a = args;
        bool nested = a->type == ARG_ONEOF || a->type == ARG_BLOCK;
        /* Patterns that name keys (SORT's BY and GET) have a key spec too. */
        bool spec = a->type == ARG_KEY || (a->type == ARG_PATTERN && a->key_spec_index > 0);
        long long fields = 2 + spec + (a->token != NULL) + (a->summary != NULL) +
                           (a->since != NULL) + (a->deprecated_since != NULL) + (a->flags != 0) + nested;
        resp_add_map_len(out, proto, fields);
        resp_add_field_cstr(out, "name", a->name);
        resp_add_field_cstr(out, "type", arg_types[a->type]);
        if (spec)
            resp_add_field_int(out, "key_spec_index", a->key_spec_index);
        const char *const texts[][2] = {{"token", a->token}, {"summary", a->summary}, {"since", a->since},
                                        {"deprecated_since", a->deprecated_since}};
        add_texts(out, texts, sizeof texts / sizeof texts[0]);
        if (a->flags) {
            resp_add_bulk_cstr(out, "flags");
            ADD_FLAGS(out, proto, a->flags, arg_flags);
        }
        if (nested) {
            resp_add_bulk_cstr(out, "arguments");
            add_args(out, proto, a + 1, a->nargs);
        }
        args += arg_span(a);
    }
}

static long long count_top_args(const ss_cmdarg *args)
{
    long long n = 0;
    for (const ss_cmdarg *a = args; a && a->name; a += arg_span(a))
        n++;
    return n;
}

/* One command's COMMAND DOCS entry, name first (Redis's addReplyCommandDocs). */
static void add_docs(ss_buf *out, resp_proto proto, const ss_command *c)
{
    static const ss_command_docs none = {.summary = "", .since = "", .group = "generic"};
    const ss_command_docs *d = ss_command_docs_lookup(c->name, strlen(c->name));
    if (d == NULL)
        d = &none; /* test_cmd_table keeps this from happening */
    long long nsub = count_subcommands(c);
    long long nhist = 0;
    for (const ss_cmdhistory *h = d->history; h && h->since; h++)
        nhist++;
    long long fields = 3 + (d->complexity != NULL) + (d->doc_flags != 0) + (d->deprecated_since != NULL) +
                       (d->replaced_by != NULL) + (nhist > 0) + (d->args != NULL) + (nsub > 0);
    resp_add_bulk_cstr(out, c->name);
    resp_add_map_len(out, proto, fields);
    const char *const texts[][2] = {{"summary", d->summary}, {"since", d->since}, {"group", d->group},
                                    {"complexity", d->complexity}};
    add_texts(out, texts, sizeof texts / sizeof texts[0]);
    if (d->doc_flags) {
        resp_add_bulk_cstr(out, "doc_flags");
        ADD_FLAGS(out, proto, d->doc_flags, doc_flags);
    }
    if (d->deprecated_since)
        resp_add_field_cstr(out, "deprecated_since", d->deprecated_since);
    if (d->replaced_by)
        resp_add_field_cstr(out, "replaced_by", d->replaced_by);
    if (nhist) {
        resp_add_bulk_cstr(out, "history");
        resp_add_set_len(out, proto, nhist);
        for (const ss_cmdhistory *h = d->history; h->since; h++) {
            resp_add_array_len(out, 2);
            resp_add_bulk_cstr(out, h->since);
            resp_add_bulk_cstr(out, h->changes);
        }
    }
    if (d->args) {
        resp_add_bulk_cstr(out, "arguments");
        add_args(out, proto, d->args, count_top_args(d->args));
    }
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

/* COMMAND LIST's FILTERBY: which rows it names. */
typedef struct list_filter {
    enum { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN } type;
    const char *arg;
    size_t len;
    uint32_t acl;
} list_filter;

static bool passes(const list_filter *f, const ss_command *c)
{
    switch (f->type) {
    case FILTER_NONE:
        return true;
    case FILTER_MODULE:
        return false; /* no command comes from a module */
    case FILTER_ACLCAT:
        return (ss_command_acl(c) & f->acl) != 0;
    default:
        return ss_stringmatch(f->arg, f->len, c->name, strlen(c->name), true);
    }
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
 * every name, each container followed by its subcommands. */
static void commandListCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    list_filter f = {FILTER_NONE, NULL, 0, 0};
    for (int i = 2; i < a->argc; i += 3) {
        if (!ss_arg_is(a, i, "filterby") || a->argc - 1 - i != 2) {
            ss_reply_err(out, RERR_SYNTAX);
            return;
        }
        if (ss_arg_is(a, i + 1, "module"))
            f.type = FILTER_MODULE;
        else if (ss_arg_is(a, i + 1, "aclcat"))
            f.type = FILTER_ACLCAT;
        else if (ss_arg_is(a, i + 1, "pattern"))
            f.type = FILTER_PATTERN;
        else {
            ss_reply_err(out, RERR_SYNTAX);
            return;
        }
        f.arg = a->argv[i + 2];
        f.len = a->argvlen[i + 2];
        f.acl = ss_acl_category(f.arg, f.len);
    }
    size_t n;
    const ss_command *table = ss_command_table(&n);
    ss_buf names;
    ss_buf_init(&names, 0);
    long long count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!visible(&table[i]))
            continue;
        if (passes(&f, &table[i])) {
            resp_add_bulk_cstr(&names, table[i].name);
            count++;
        }
        for (const ss_command *sub = table[i].subcommands; sub && sub->name; sub++) {
            if (passes(&f, sub)) {
                resp_add_bulk_cstr(&names, sub->name);
                count++;
            }
        }
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
            resp_add_null_bulk(out, s->proto); /* Redis's addReplyNull: $-1 in RESP2 */
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

/* COMMAND GETKEYS / GETKEYSANDFLAGS command [arg ...]: the keys that
 * command line names, found from its key specs (Redis's getKeysSubcommand). */
static void getkeys_reply(ss_session *s, const ss_args *a, ss_buf *out, bool with_flags)
{
    ss_args line = {a->argc - 2, a->argv + 2, a->argvlen + 2};
    const ss_command *c = ss_command_find(&line, NULL);
    if (c == NULL || !visible(c)) {
        ss_reply_err(out, RERR_GETKEYS_CMD);
        return;
    }
    if (!ss_command_has_keys(c)) {
        ss_reply_err(out, RERR_GETKEYS_NOKEYS);
        return;
    }
    if (!ss_command_arity_ok(c, line.argc)) {
        ss_reply_err(out, RERR_GETKEYS_ARITY);
        return;
    }
    ss_keyref *keys = malloc(sizeof *keys * SS_KEYSPECS_MAX * (size_t)line.argc);
    if (keys == NULL) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return;
    }
    int n = ss_command_getkeys(c, &line, keys);
    if (n == 0 && !(c->flags & CMD_NO_MANDATORY_KEYS)) {
        ss_reply_err(out, RERR_GETKEYS_ARGS);
    } else {
        resp_add_array_len(out, n);
        for (int i = 0; i < n; i++) {
            if (with_flags)
                resp_add_array_len(out, 2);
            resp_add_bulk(out, line.argv[keys[i].pos], line.argvlen[keys[i].pos]);
            if (with_flags)
                ADD_FLAGS(out, s->proto, keys[i].flags, key_flags);
        }
    }
    free(keys);
}

static void commandGetkeysCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    getkeys_reply(s, a, out, false);
}

static void commandGetkeysandflagsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    getkeys_reply(s, a, out, true);
}

static void commandHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands in this server.",
        "LIST",
        "    Return a list of all commands in this server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full command.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

static const ss_command command_subcommands[] = {
    SS_LOCAL("command|count", 2, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandCountCommand),
    SS_LOCAL("command|list", -2, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandListCommand),
    SS_LOCAL("command|info", -2, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandInfoCommand),
    SS_LOCAL("command|docs", -2, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandDocsCommand),
    SS_LOCAL("command|getkeys", -4, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandGetkeysCommand),
    SS_LOCAL("command|getkeysandflags", -4, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandGetkeysandflagsCommand),
    SS_LOCAL("command|help", 2, CMD_LOADING | CMD_STALE, ACL_CONNECTION, commandHelpCommand),
    SS_END,
};

const ss_command ss_cmds_command[] = {
    SS_CONTAINER("command", -1, CMD_LOADING | CMD_STALE | CMD_LOCAL_ONLY, ACL_CONNECTION, command_subcommands, .local = commandCommand),
};
SS_COUNT(ss_cmds_command);
