/* The command table and its docs: every row is well formed, every visible command is documented. */
#include <criterion/criterion.h>
#include <string.h>

#include "commands/command.h"
#include "commands/docs.h"

static bool visible(const ss_command *c) { return !(c->flags & CMD_INTERNAL); }

Test(cmd_table, every_visible_command_has_docs_and_every_docs_entry_a_command)
{
    size_t n;
    const ss_command *t = ss_command_table(&n);
    cr_assert_gt(n, 100);
    for (size_t i = 0; i < n; i++) {
        const ss_command_docs *d = ss_command_docs_lookup(t[i].name, strlen(t[i].name));
        if (visible(&t[i]))
            cr_expect(d && d->summary && d->since && d->group, "%s has no docs", t[i].name);
        else
            cr_expect_null(d, "internal %s is documented", t[i].name);
    }
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

Test(cmd_table, each_kind_has_its_handlers)
{
    size_t n;
    const ss_command *t = ss_command_table(&n);
    for (size_t i = 0; i < n; i++) {
        const ss_command *c = &t[i];
        if (c->flags & CMD_TXN)
            cr_expect(!c->exec && !c->local && !c->prepare, "%s: the engine runs transactions", c->name);
        else if (c->flags & CMD_LOCAL_ONLY)
            cr_expect(c->local && !c->prepare, "%s: a local command has a local handler", c->name);
        else
            cr_expect(c->exec && !c->local, "%s: a read or write has an exec half", c->name);
        cr_expect(!(c->flags & CMD_WRITE) || !(c->flags & CMD_READONLY), "%s", c->name);
        cr_expect(!c->prepare || (c->flags & CMD_WRITE), "%s: only writes are prepared", c->name);
    }
}
