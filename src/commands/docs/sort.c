/* COMMAND DOCS text of SORT and SORT_RO (src/commands/cmd_sort.c). */
#include "commands/docs.h"

static const ss_cmdarg sort_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("pattern", ARG_PATTERN, .key_spec_index = 1, .token = "BY", .flags = ARG_OPTIONAL),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    ARG("pattern", ARG_PATTERN, .key_spec_index = 1, .token = "GET", .flags = ARG_OPTIONAL | ARG_MULTIPLE | ARG_MULTIPLE_TOKEN),
    ARG("order", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("asc", ARG_PURE_TOKEN, .token = "ASC"),
        ARG("desc", ARG_PURE_TOKEN, .token = "DESC"),
    ARG("sorting", ARG_PURE_TOKEN, .token = "ALPHA", .flags = ARG_OPTIONAL),
    ARG("destination", ARG_KEY, .key_spec_index = 2, .token = "STORE", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg sort_ro_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("pattern", ARG_PATTERN, .key_spec_index = 1, .token = "BY", .flags = ARG_OPTIONAL),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    ARG("pattern", ARG_PATTERN, .key_spec_index = 1, .token = "GET", .flags = ARG_OPTIONAL | ARG_MULTIPLE | ARG_MULTIPLE_TOKEN),
    ARG("order", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("asc", ARG_PURE_TOKEN, .token = "ASC"),
        ARG("desc", ARG_PURE_TOKEN, .token = "DESC"),
    ARG("sorting", ARG_PURE_TOKEN, .token = "ALPHA", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_sort[] = {
    {.name = "sort", .group = "generic", .since = "1.0.0",
     .summary = "Sort the elements in a list, set or sorted set",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
     .args = sort_args,
     .key_notes = {NULL, "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"}},
    {.name = "sort_ro", .group = "generic", .since = "7.0.0",
     .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
     .args = sort_ro_args,
     .key_notes = {NULL, "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"}},
};
SS_DOCS_COUNT(ss_docs_sort);
