/* The command table and its docs: every row is well formed, every visible command is documented. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "commands/command.h"
#include "commands/docs.h"

static bool visible(const ss_command *c) { return !(c->flags & CMD_INTERNAL); }

/* Calls fn on every row, subcommands included. */
static void each_row(void (*fn)(const ss_command *c))
{
    size_t n;
    const ss_command *t = ss_command_table(&n);
    for (size_t i = 0; i < n; i++) {
        fn(&t[i]);
        for (const ss_command *s = t[i].subcommands; s && s->name; s++)
            fn(s);
    }
}

static void expect_docs(const ss_command *c)
{
    const ss_command_docs *d = ss_command_docs_lookup(c->name, strlen(c->name));
    if (visible(c))
        cr_expect(d && d->summary && d->since && d->group, "%s has no docs", c->name);
    else
        cr_expect_null(d, "internal %s is documented", c->name);
}

Test(cmd_table, every_visible_command_has_docs_and_every_docs_entry_a_command)
{
    size_t n;
    ss_command_table(&n);
    cr_assert_gt(n, 100);
    each_row(expect_docs);
    size_t nd;
    const ss_command_docs *const *docs = ss_command_docs_all(&nd);
    for (size_t i = 0; i < nd; i++) {
        const ss_command *c = ss_command_lookup(docs[i]->name, strlen(docs[i]->name));
        cr_expect(c && visible(c), "docs for %s, which is not a command", docs[i]->name);
    }
}

Test(cmd_table, names_are_unique_lowercase_and_found_in_any_case)
{
    size_t n;
    const ss_command *t = ss_command_table(&n);
    for (size_t i = 0; i < n; i++) {
        char upper[64];
        size_t len = strlen(t[i].name);
        cr_assert_lt(len, sizeof upper);
        for (size_t j = 0; j < len; j++) {
            cr_expect(t[i].name[j] < 'A' || t[i].name[j] > 'Z', "%s is not lowercase", t[i].name);
            upper[j] = (char)(t[i].name[j] >= 'a' && t[i].name[j] <= 'z' ? t[i].name[j] - 32 : t[i].name[j]);
        }
        cr_expect_eq(ss_command_lookup(upper, len), &t[i], "%s", t[i].name);
        for (size_t j = i + 1; j < n; j++)
            cr_expect_str_neq(t[i].name, t[j].name);
    }
}

static void expect_handlers(const ss_command *c)
{
    if (c->subcommands) {
        cr_expect(c->subcommands[0].name, "%s: a container has subcommands", c->name);
        cr_expect(c->local || c->arity <= -2, "%s: a container that runs alone has a handler", c->name);
        cr_expect(!c->exec && !c->prepare, "%s", c->name);
        return;
    }
    if (c->flags & CMD_TXN)
            cr_expect(!c->exec && !c->local && !c->prepare, "%s: the engine runs transactions", c->name);
        else if (c->flags & CMD_SCRIPTING)
            cr_expect(!c->local && !c->prepare, "%s: the engine routes scripting commands", c->name);
        else if (c->flags & CMD_MEMBERSHIP)
            cr_expect(!c->exec && !c->local && !c->prepare, "%s: the engine runs membership commands", c->name);
        else if (c->flags & CMD_ACL)
            cr_expect(!c->exec && !c->local && !c->prepare, "%s: the engine routes ACL changes", c->name);
        else if (c->flags & CMD_MIGRATE)
            cr_expect(!c->exec && !c->local && !c->prepare, "%s: the engine runs MIGRATE", c->name);
        else if (c->flags & CMD_ENGINE_ASYNC)
            /* an exec half only to be answered at once inside EXEC (WAIT) */
            cr_expect(!c->local && !c->prepare && (!c->exec || (c->flags & CMD_LOGGED)),
                      "%s: the engine answers it later", c->name);
        else if (c->flags & CMD_LOCAL_ONLY)
            cr_expect(c->local && !c->prepare, "%s: a local command has a local handler", c->name);
        else
            cr_expect(c->exec && !c->local, "%s: a read or write has an exec half", c->name);
        cr_expect(!(c->flags & CMD_WRITE) || !(c->flags & CMD_READONLY), "%s", c->name);
    cr_expect(!c->prepare || SS_CMD_LOGGED(c), "%s: only writes are prepared", c->name);
}

Test(cmd_table, each_kind_has_its_handlers)
{
    each_row(expect_handlers);
}

static void expect_found_by_full_name(const ss_command *c)
{
    cr_expect_eq(ss_command_lookup(c->name, strlen(c->name)), c, "%s", c->name);
    const char *bar = strchr(c->name, '|');
    if (bar) {
        const ss_command *parent = ss_command_lookup(c->name, (size_t)(bar - c->name));
        cr_expect(parent && parent->subcommands, "%s belongs to a container", c->name);
    }
}

Test(cmd_table, subcommands_are_found_by_full_name_and_from_a_command_line)
{
    each_row(expect_found_by_full_name);
    char *argv[] = {"Config", "GET", "port"};
    size_t lens[] = {6, 3, 4};
    ss_args a = {3, argv, lens};
    const ss_command *container = (void *)1;
    cr_expect_eq(ss_command_find(&a, &container), ss_command_lookup("config|get", 10));
    cr_expect_null(container);
    argv[1] = "nosuch";
    lens[1] = 6;
    cr_expect_null(ss_command_find(&a, &container));
    cr_expect_eq(container, ss_command_lookup("config", 6), "an unknown subcommand of CONFIG");
    a.argc = 1;
    cr_expect_eq(ss_command_find(&a, &container), ss_command_lookup("config", 6), "CONFIG alone: its arity decides");
    argv[0] = "config|get";
    lens[0] = 10;
    cr_expect_null(ss_command_find(&a, &container), "a full name is not a command line");
    cr_expect_null(container);
}

/* Which lines travel through the log: writes, logged rows (PUBLISH was
 * answered locally with 0 receivers when only CMD_WRITE counted), and not
 * SORT without STORE. */
Test(cmd_table, writes_logged_rows_and_storing_sorts_travel_through_the_log)
{
    struct { char *argv[4]; int argc; bool logged; } lines[] = {
        {{"set", "k", "v"}, 3, true},           {{"publish", "ch", "m"}, 3, true},
        {{"spublish", "ch", "m"}, 3, true},     {{"sort", "k"}, 2, false},
        {{"sort", "k", "store", "d"}, 4, true}, {{"get", "k"}, 2, false},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        size_t lens[4];
        for (int j = 0; j < lines[i].argc; j++)
            lens[j] = strlen(lines[i].argv[j]);
        ss_args a = {lines[i].argc, lines[i].argv, lens};
        const ss_command *c = ss_command_find(&a, NULL);
        cr_assert_not_null(c, "%s", lines[i].argv[0]);
        cr_expect_eq(ss_command_writes(c, &a), lines[i].logged, "%s", lines[i].argv[0]);
    }
}

static void expect_wellformed_keyspecs(const ss_command *c)
{
    int n = ss_command_nkeyspecs(c);
    for (int i = 0; i < n; i++) {
        const ss_keyspec *k = &c->keys[i];
        unsigned access = k->flags & (KS_RO | KS_RW | KS_OW | KS_RM);
        if (k->flags & KS_NOT_KEY) /* a shard channel (SPUBLISH...): no access at all */
            cr_expect(access == 0, "%s spec %d: not_key has no access flag", c->name, i);
        else
            cr_expect(access && !(access & (access - 1)), "%s spec %d: one of RO RW OW RM", c->name, i);
        if (k->begin == SS_KS_BEGIN_UNKNOWN) { /* keys the arguments cannot locate (SORT's BY, GET) */
            cr_expect_eq(k->find, SS_KS_FIND_UNKNOWN, "%s spec %d: unknown begins find unknown keys", c->name, i);
            cr_expect(c->getkeys, "%s: unknown key specs need a getkeys", c->name);
            continue;
        }
        cr_expect(k->begin == SS_KS_INDEX || (k->begin == SS_KS_KEYWORD && k->keyword), "%s", c->name);
        cr_expect(k->find == SS_KS_RANGE || k->find == SS_KS_KEYNUM, "%s", c->name);
        cr_expect_geq(k->keystep, 1, "%s spec %d: a step of at least 1", c->name, i);
        cr_expect(!(k->flags & KS_VARIABLE_FLAGS) || c->getkeys, "%s: variable flags need a getkeys", c->name);
    }
    for (int i = n; i < SS_KEYSPECS_MAX; i++)
        cr_expect_eq(c->keys[i].begin, 0, "%s: specs are contiguous", c->name);
    cr_expect(!(c->flags & CMD_MOVABLE_KEYS), "%s: movablekeys is derived, not written", c->name);
}

Test(cmd_table, key_specs_are_well_formed)
{
    each_row(expect_wellformed_keyspecs);
}

Test(cmd_table, the_legacy_range_and_movablekeys_follow_the_specs)
{
    int first, last, step;
    const char *cases[][4] = {{"get", "1", "1", "1"}, {"mset", "1", "-1", "2"}, {"sinterstore", "1", "-1", "1"},
                              {"rename", "1", "2", "1"}, {"sintercard", "0", "0", "0"}, {"ping", "0", "0", "0"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ss_command *c = ss_command_lookup(cases[i][0], strlen(cases[i][0]));
        ss_command_key_range(c, &first, &last, &step);
        cr_expect(first == atoi(cases[i][1]) && last == atoi(cases[i][2]) && step == atoi(cases[i][3]),
                  "%s: %d %d %d", cases[i][0], first, last, step);
    }
    cr_expect(ss_command_flags(ss_command_lookup("sintercard", 10)) & CMD_MOVABLE_KEYS, "a count moves keys");
    cr_expect(!(ss_command_flags(ss_command_lookup("sinterstore", 11)) & CMD_MOVABLE_KEYS), "adjacent ranges");
    cr_expect_eq(ss_command_acl(ss_command_lookup("get", 3)), ACL_READ | ACL_STRING | ACL_FAST);
    cr_expect_eq(ss_command_acl(ss_command_lookup("flushall", 8)), ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS);
}

/* The entries an argument spans in its flat list, its own arguments included. */
static size_t span(const ss_cmdarg *a)
{
    size_t n = 1;
    for (int i = 0; i < a->nargs; i++) {
        cr_assert_not_null(a[n].name, "%s: fewer arguments than nargs", a->name);
        n += span(a + n);
    }
    return n;
}

Test(cmd_table, docs_arguments_nest_within_their_lists_and_notes_say_sandstore)
{
    size_t nd;
    const ss_command_docs *const *docs = ss_command_docs_all(&nd);
    for (size_t i = 0; i < nd; i++) {
        const ss_command_docs *d = docs[i];
        for (const ss_cmdarg *a = d->args; a && a->name; a += span(a))
            cr_expect(a->type <= ARG_BLOCK, "%s", d->name);
        for (const ss_cmdarg *a = d->args; a && a->name; a++) {
            bool nested = a->type == ARG_ONEOF || a->type == ARG_BLOCK;
            cr_expect(nested == (a->nargs > 0), "%s %s: only ONEOF and BLOCK nest", d->name, a->name);
        }
        const char *texts[] = {d->summary, d->complexity, d->since, d->group};
        for (size_t t = 2; t < 4; t++)
            cr_expect(!texts[t] || !strstr(texts[t], "sandstore"), "%s", d->name);
        for (const ss_cmdhistory *h = d->history; h && h->since; h++)
            cr_expect_not_null(h->changes, "%s", d->name);
    }
}

/* ------------------------------------------------ through the dispatch */

#include "cmdtest.h"

#define EXPECT(line, want) cr_expect_str_eq(ct_dispatch(line), want, "%s", line)

Test(cmd_table, a_container_answers_unknown_subcommands_and_each_subcommands_arity_like_redis,
     .init = ct_setup, .fini = ct_teardown)
{
    EXPECT("CONFIG", "-ERR wrong number of arguments for 'config' command\r\n");
    EXPECT("config nosuch", "-ERR unknown subcommand 'nosuch'. Try CONFIG HELP.\r\n");
    EXPECT("Client nosuch x", "-ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n");
    EXPECT("command nosuch", "-ERR unknown subcommand 'nosuch'. Try COMMAND HELP.\r\n");
    EXPECT("CONFIG GET", "-ERR wrong number of arguments for 'config|get' command\r\n");
    EXPECT("CONFIG SET maxmemory", "-ERR wrong number of arguments for 'config|set' command\r\n");
    EXPECT("CONFIG SET a b c", "-ERR syntax error\r\n");
    EXPECT("CONFIG RESETSTAT x", "-ERR wrong number of arguments for 'config|resetstat' command\r\n");
    EXPECT("CLIENT SETNAME", "-ERR wrong number of arguments for 'client|setname' command\r\n");
    EXPECT("CLIENT HELP x", "-ERR wrong number of arguments for 'client|help' command\r\n");
    EXPECT("CLIENT LIST foo", "-ERR syntax error\r\n");
    EXPECT("CLIENT NO-EVICT maybe", "-ERR syntax error\r\n");
    EXPECT("CLIENT NO-EVICT on", "+OK\r\n");
    EXPECT("COMMAND COUNT x", "-ERR wrong number of arguments for 'command|count' command\r\n");
    EXPECT("COMMAND LIST foo", "-ERR syntax error\r\n");
}

Test(cmd_table, subcommands_run_and_name_the_connection_s_last_command, .init = ct_setup, .fini = ct_teardown)
{
    EXPECT("CLIENT SETNAME bench", "+OK\r\n");
    EXPECT("client getname", "$5\r\nbench\r\n");
    EXPECT("CONFIG SET loglevel notice", "+OK\r\n");
    const char *info = ct_dispatch("CLIENT INFO");
    cr_expect(strstr(info, " name=bench ") != NULL, "%s", info);
    cr_expect(strstr(info, " cmd=client|info ") != NULL, "Redis 7 names the subcommand: %s", info);
}

Test(cmd_table, command_info_of_an_unknown_name_is_a_null_bulk_as_in_redis, .init = ct_setup, .fini = ct_teardown)
{
    /* Redis answers addReplyNull ("$-1"); sandstore sent a null array ("*-1"),
     * which hiredis reads the same way. */
    EXPECT("COMMAND INFO nosuch config|nosuch", "*2\r\n$-1\r\n$-1\r\n");
    ct_dispatch_resp3(true);
    EXPECT("COMMAND INFO nosuch", "*1\r\n_\r\n");
}

Test(cmd_table, command_getkeys_finds_keys_from_the_specs, .init = ct_setup, .fini = ct_teardown)
{
    EXPECT("COMMAND GETKEYS mset a 1 b 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT("COMMAND GETKEYS sinterstore d a b", "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT("COMMAND GETKEYSANDFLAGS set k v", "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n");
    EXPECT("COMMAND GETKEYSANDFLAGS set k v get",
           "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n");
    EXPECT("COMMAND GETKEYS sintercard 2 a b limit 1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT("COMMAND GETKEYS sintercard 3 a b", "-ERR Invalid arguments specified for command\r\n");
    EXPECT("COMMAND GETKEYS ping x", "-ERR The command has no key arguments\r\n");
    EXPECT("COMMAND GETKEYS get a b", "-ERR Invalid number of arguments specified for command\r\n");
    EXPECT("COMMAND GETKEYS get", "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
    EXPECT("COMMAND GETKEYS nosuch k", "-ERR Invalid command specified\r\n");
    EXPECT("COMMAND GETKEYS __expire 0 k", "-ERR Invalid command specified\r\n");
}

/* Replies of redis-server 7.0.15 to a connection that sent HELLO 3: the
 * RESP3 types (sets, maps) COMMAND uses, which the RESP2 comparison in
 * tests/integration/test_command_table.c cannot see. */
Test(cmd_table, command_info_docs_and_getkeys_use_redis_7_0_s_resp3_types, .init = ct_setup, .fini = ct_teardown)
{
    ct_dispatch_resp3(true);
    EXPECT("COMMAND INFO get",
           "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n"
           "+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\n"
           "begin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n"
           "$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n"
           "$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n");
    EXPECT("COMMAND INFO sintercard",
           "*1\r\n*10\r\n$10\r\nsintercard\r\n:-3\r\n~2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n"
           "~3\r\n+@read\r\n+@set\r\n+@slow\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n"
           "$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n"
           ":1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n%3\r\n$9\r\n"
           "keynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n~0\r\n");
    EXPECT("COMMAND DOCS incr",
           "%1\r\n$4\r\nincr\r\n%5\r\n$7\r\nsummary\r\n$43\r\nIncrement the integer value of a key by one\r\n"
           "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
           "$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\n"
           "key_spec_index\r\n:0\r\n");
    EXPECT("COMMAND GETKEYSANDFLAGS set k v", "*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+OW\r\n+update\r\n");
}
