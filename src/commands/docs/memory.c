/* COMMAND DOCS text of MEMORY (src/commands/cmd_memory.c). */
#include "commands/docs.h"

static const ss_cmdarg memory_usage_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .token = "SAMPLES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_memory[] = {
    {.name = "memory", .group = "server", .since = "4.0.0",
     .summary = "A container for memory diagnostics commands",
     .complexity = "Depends on subcommand."},
    {.name = "memory|usage", .group = "server", .since = "4.0.0",
     .summary = "Estimate the memory usage of a key",
     .complexity = "O(N) where N is the number of samples.",
     .args = memory_usage_args},
    {.name = "memory|stats", .group = "server", .since = "4.0.0",
     .summary = "Show memory usage details",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_shards", "response_policy:special")},
    {.name = "memory|doctor", .group = "server", .since = "4.0.0",
     .summary = "Outputs memory problems report",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_shards", "response_policy:special")},
    {.name = "memory|malloc-stats", .group = "server", .since = "4.0.0",
     .summary = "Show allocator internal stats",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_shards", "response_policy:special")},
    {.name = "memory|purge", .group = "server", .since = "4.0.0",
     .summary = "Ask the allocator to release memory",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "memory|help", .group = "server", .since = "4.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
};
SS_DOCS_COUNT(ss_docs_memory);
