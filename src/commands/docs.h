/* COMMAND DOCS text (summary, group, since, complexity), kept apart from the command table's routing facts. */
#ifndef SS_DOCS_H
#define SS_DOCS_H

#include <stddef.h>

#include "commands/command.h"

/*
 * One entry per command, keyed by the command's name; each family's entries
 * live in commands/docs/<family>.c next to nothing else, so the table rows
 * stay one line each. Every command a client can see has an entry (a unit
 * test checks both ways).
 */
typedef struct ss_command_docs {
    const char *name;
    const char *group;        /* "string", "generic", "sorted-set"... */
    const char *since;        /* the Redis version that introduced it */
    const char *summary;
    const char *complexity;
    /* COMMAND INFO's hints for clients ("nondeterministic_output",
     * "request_policy:all_shards"...), NULL-terminated: SS_TIPS("a", "b"). */
    const char *const *tips;
    /* A note per key spec of the row, where Redis gives one. */
    const char *key_notes[SS_KEYSPECS_MAX];
} ss_command_docs;

#define SS_TIPS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The entry of a command by name (case-insensitive); NULL if none. */
const ss_command_docs *ss_command_docs_lookup(const char *name, size_t len);
/* Every entry, for tests. */
const ss_command_docs *const *ss_command_docs_all(size_t *count);

#define SS_DOCS_FAMILY(family)                             \
    extern const ss_command_docs ss_docs_##family[];       \
    extern const size_t ss_docs_##family##_count;

SS_DOCS_FAMILY(conn)
SS_DOCS_FAMILY(server)
SS_DOCS_FAMILY(command)
SS_DOCS_FAMILY(string)
SS_DOCS_FAMILY(keys)
SS_DOCS_FAMILY(hash)
SS_DOCS_FAMILY(list)
SS_DOCS_FAMILY(set)
SS_DOCS_FAMILY(zset)
SS_DOCS_FAMILY(debug)

#define SS_DOCS_COUNT(arr) const size_t arr##_count = sizeof arr / sizeof arr[0]

#endif
