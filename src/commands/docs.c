/* COMMAND DOCS entries: every family's docs gathered into one case-insensitive index. */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "commands/docs.h"
#include "commands/table_index.h"

const ss_cmdarg ss_args_key[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    SS_ARGS_END,
};

static const struct {
    const ss_command_docs *docs;
    const size_t *count;
} families[] = {
#define FRAGMENT(name) {ss_docs_##name, &ss_docs_##name##_count},
    SS_FAMILIES(FRAGMENT)
#undef FRAGMENT
};

#define MAX_DOCS 512

/* Immutable after its one-time construction, so it is safe to share. */
static const ss_command_docs *all[MAX_DOCS];
static size_t nall;
static ss_name_index names;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (size_t i = 0; i < *families[f].count && nall < MAX_DOCS; i++)
            all[nall++] = &families[f].docs[i];
    for (size_t i = 0; i < nall; i++)
        ss_name_index_add(&names, all[i]->name, all[i]);
}

const ss_command_docs *ss_command_docs_lookup(const char *name, size_t len)
{
    pthread_once(&once, build);
    return ss_name_index_find(&names, name, len);
}

const ss_command_docs *const *ss_command_docs_all(size_t *count)
{
    pthread_once(&once, build);
    *count = nall;
    return all;
}
