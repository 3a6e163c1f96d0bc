/* COMMAND DOCS text of the HyperLogLog commands (src/commands/cmd_hll.c). */
#include "commands/docs.h"

static const ss_cmdarg pfadd_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("element", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg pfcount_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg pfmerge_args[] = {
    ARG("destkey", ARG_KEY, .key_spec_index = 0),
    ARG("sourcekey", ARG_KEY, .key_spec_index = 1, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_hll[] = {
    {.name = "pfadd", .group = "hyperloglog", .since = "2.8.9",
     .summary = "Adds the specified elements to the specified HyperLogLog.",
     .complexity = "O(1) to add every element.",
     .args = pfadd_args},
    {.name = "pfcount", .group = "hyperloglog", .since = "2.8.9",
     .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
     .complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
     .args = pfcount_args,
     .key_notes = {"RW because it may change the internal representation of the key, and propagate to replicas"}},
    {.name = "pfmerge", .group = "hyperloglog", .since = "2.8.9",
     .summary = "Merge N different HyperLogLogs into a single one.",
     .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
     .args = pfmerge_args},
};
SS_DOCS_COUNT(ss_docs_hll);
