/* The command table: every family's rows gathered into one case-insensitive index, and the lookup of a command line's row. */
#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "commands/command.h"
#include "commands/families.h"
#include "commands/table_index.h"

/* One fragment per family (commands/families.h). */
static const struct {
    const ss_command *cmds;
    const size_t *count;
} families[] = {
#define FRAGMENT(name) {ss_cmds_##name, &ss_cmds_##name##_count},
    SS_FAMILIES(FRAGMENT)
#undef FRAGMENT
};

#define MAX_COMMANDS 512

/* Immutable after its one-time construction, so it is safe to share. */
static ss_command table[MAX_COMMANDS];
static size_t ntable;
static ss_name_index names;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (size_t i = 0; i < *families[f].count && ntable < MAX_COMMANDS; i++)
            table[ntable++] = families[f].cmds[i];
    for (size_t i = 0; i < ntable; i++)
        ss_name_index_add(&names, table[i].name, &table[i]);
}

static const ss_command *lookup_top(const char *name, size_t len)
{
    pthread_once(&once, build);
    return ss_name_index_find(&names, name, len);
}

/* The subcommand of container c named sub[0..len) ("get" of "config|get"). */
static const ss_command *lookup_sub(const ss_command *c, const char *sub, size_t len)
{
    size_t skip = strlen(c->name) + 1;
    for (const ss_command *s = c->subcommands; s->name != NULL; s++)
        if (strlen(s->name) == skip + len && strncasecmp(s->name + skip, sub, len) == 0)
            return s;
    return NULL;
}

const ss_command *ss_command_lookup(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (bar == NULL)
        return lookup_top(name, len);
    const ss_command *c = lookup_top(name, (size_t)(bar - name));
    if (c == NULL || c->subcommands == NULL)
        return NULL;
    return lookup_sub(c, bar + 1, len - (size_t)(bar - name) - 1);
}

const ss_command *ss_command_find(const ss_args *a, const ss_command **container)
{
    if (container)
        *container = NULL;
    const ss_command *c = lookup_top(a->argv[0], a->argvlen[0]);
    if (c == NULL || c->subcommands == NULL || a->argc == 1)
        return c;
    const ss_command *sub = lookup_sub(c, a->argv[1], a->argvlen[1]);
    if (sub == NULL && container)
        *container = c;
    return sub;
}

void ss_reply_unknown_subcommand(ss_buf *out, const ss_args *a)
{
    char upper[65];
    size_t n = a->argvlen[0] < sizeof upper - 1 ? a->argvlen[0] : sizeof upper - 1;
    for (size_t i = 0; i < n; i++)
        upper[i] = (char)toupper((unsigned char)a->argv[0][i]);
    upper[n] = '\0';
    ss_reply_err(out, RERR_UNKNOWN_SUB, a->argv[1], upper);
}

const ss_command *ss_command_table(size_t *count)
{
    pthread_once(&once, build);
    *count = ntable;
    return table;
}

bool ss_command_writes(const ss_command *cmd, const ss_args *a)
{
    if (!SS_CMD_LOGGED(cmd))
        return false;
    return cmd->writes == NULL || cmd->writes(a);
}

bool ss_command_arity_ok(const ss_command *cmd, int argc)
{
    return cmd->arity >= 0 ? argc == cmd->arity : argc >= -cmd->arity;
}
