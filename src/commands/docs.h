/* COMMAND DOCS text (summary, group, since, complexity, history, arguments...), kept apart from the command table's routing facts. */
#ifndef SS_DOCS_H
#define SS_DOCS_H

#include <stddef.h>

#include "commands/command.h"
#include "commands/families.h"

/*
 * One entry per command, keyed by the command's full name ("config|get");
 * each family's entries live in commands/docs/<family>.c, so the table rows
 * stay one line each. The text is Redis 7.0's (docs/from_redis.py prints an
 * entry from a running redis-server); where sandstore behaves differently, a
 * summary or complexity ends with " sandstore: ..." saying how. Every command
 * a client can see has an entry (test_cmd_table checks both ways).
 */

/* The arguments of a command, as COMMAND DOCS describes them. */
enum {
    ARG_STRING, ARG_INTEGER, ARG_DOUBLE, ARG_KEY, ARG_PATTERN, ARG_UNIX_TIME,
    ARG_PURE_TOKEN, ARG_ONEOF, ARG_BLOCK,
};
enum { ARG_OPTIONAL = 1, ARG_MULTIPLE = 2, ARG_MULTIPLE_TOKEN = 4 };

/* One argument. A list is flat, in order: a ONEOF or BLOCK argument is
 * followed by its nargs arguments (each followed by its own), and the list
 * ends with SS_ARGS_END. */
typedef struct ss_cmdarg {
    const char *name;
    uint8_t type;             /* ARG_* */
    uint8_t flags;            /* ARG_OPTIONAL | ARG_MULTIPLE | ARG_MULTIPLE_TOKEN */
    uint8_t key_spec_index;   /* ARG_KEY: which of the row's key specs finds it; ARG_PATTERN: the
                               * spec of the keys it names (SORT's BY, GET), 0: none */
    uint8_t nargs;            /* ARG_ONEOF, ARG_BLOCK */
    const char *token;        /* the word that introduces it ("EX") */
    const char *summary;
    const char *since;
    const char *deprecated_since;
} ss_cmdarg;

/* ARG("key", ARG_KEY, .key_spec_index = 0), ARG("expiration", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 5)... */
#define ARG(nm, ty, ...) {.name = (nm), .type = (ty), __VA_ARGS__}
#define SS_ARGS_END {.name = NULL}

/* The arguments of the many commands that take just a key. */
extern const ss_cmdarg ss_args_key[];

typedef struct ss_cmdhistory {
    const char *since;
    const char *changes;
} ss_cmdhistory;

enum { SS_DOC_DEPRECATED = 1, SS_DOC_SYSCMD = 2 };

typedef struct ss_command_docs {
    const char *name;
    const char *group;        /* "string", "generic", "sorted-set"... */
    const char *since;        /* the Redis version that introduced it */
    const char *summary;
    const char *complexity;
    uint8_t doc_flags;        /* SS_DOC_* */
    const char *deprecated_since;
    const char *replaced_by;
    const ss_cmdhistory *history; /* SS_HISTORY({"2.6.12", "Added..."}, ...) */
    const ss_cmdarg *args;
    /* COMMAND INFO's hints for clients ("nondeterministic_output",
     * "request_policy:all_shards"...): SS_TIPS("a", "b"). */
    const char *const *tips;
    /* A note per key spec of the row, where Redis gives one. */
    const char *key_notes[SS_KEYSPECS_MAX];
} ss_command_docs;

#define SS_HISTORY(...) ((const ss_cmdhistory[]){__VA_ARGS__, {NULL, NULL}})
#define SS_TIPS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The entry of a command by name (case-insensitive); NULL if none. */
const ss_command_docs *ss_command_docs_lookup(const char *name, size_t len);
/* Every entry, for tests. */
const ss_command_docs *const *ss_command_docs_all(size_t *count);

#define SS_FAMILY_DOCS(name)                           \
    extern const ss_command_docs ss_docs_##name[];     \
    extern const size_t ss_docs_##name##_count;
SS_FAMILIES(SS_FAMILY_DOCS)

#define SS_DOCS_COUNT(arr) const size_t arr##_count = sizeof arr / sizeof arr[0]

#endif
