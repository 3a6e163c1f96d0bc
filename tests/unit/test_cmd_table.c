/* The command table and its docs: every row is well formed, every visible command is documented. */
#include <criterion/criterion.h>
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
        else if (c->flags & CMD_LOCAL_ONLY)
            cr_expect(c->local && !c->prepare, "%s: a local command has a local handler", c->name);
        else
            cr_expect(c->exec && !c->local, "%s: a read or write has an exec half", c->name);
        cr_expect(!(c->flags & CMD_WRITE) || !(c->flags & CMD_READONLY), "%s", c->name);
    cr_expect(!c->prepare || (c->flags & CMD_WRITE), "%s: only writes are prepared", c->name);
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
