/* COMMAND DOCS text of OBJECT (src/commands/cmd_object.c). */
#include "commands/docs.h"

static const ss_cmdarg object_key_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_object[] = {
    {.name = "object", .group = "generic", .since = "2.2.3",
     .summary = "A container for object introspection commands",
     .complexity = "Depends on subcommand."},
    {.name = "object|encoding", .group = "generic", .since = "2.2.3",
     .summary = "Inspect the internal encoding of a Redis object",
     .complexity = "O(1)",
     .args = object_key_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "object|freq", .group = "generic", .since = "4.0.0",
     .summary = "Get the logarithmic access frequency counter of a Redis object",
     .complexity = "O(1)",
     .args = object_key_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "object|idletime", .group = "generic", .since = "2.2.3",
     .summary = "Get the time since a Redis object was last accessed",
     .complexity = "O(1)",
     .args = object_key_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "object|refcount", .group = "generic", .since = "2.2.3",
     .summary = "Get the number of references to the value of the key",
     .complexity = "O(1)",
     .args = object_key_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "object|help", .group = "generic", .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
};
SS_DOCS_COUNT(ss_docs_object);
