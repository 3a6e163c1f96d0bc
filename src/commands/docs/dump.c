/* COMMAND DOCS text of DUMP and RESTORE (src/commands/cmd_dump.c). */
#include "commands/docs.h"

static const ss_cmdarg dump_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    SS_ARGS_END,
};

static const ss_cmdarg restore_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("ttl", ARG_INTEGER),
    ARG("serialized-value", ARG_STRING),
    ARG("replace", ARG_PURE_TOKEN, .token = "REPLACE", .since = "3.0.0", .flags = ARG_OPTIONAL),
    ARG("absttl", ARG_PURE_TOKEN, .token = "ABSTTL", .since = "5.0.0", .flags = ARG_OPTIONAL),
    ARG("seconds", ARG_INTEGER, .token = "IDLETIME", .since = "5.0.0", .flags = ARG_OPTIONAL),
    ARG("frequency", ARG_INTEGER, .token = "FREQ", .since = "5.0.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_dump[] = {
    {.name = "dump", .group = "generic", .since = "2.6.0",
     .summary = "Return a serialized version of the value stored at the specified key.",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
     .args = dump_args},
    {.name = "restore", .group = "generic", .since = "2.6.0",
     .summary = "Create a key using the provided serialized value, previously obtained using DUMP.",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
     .history = SS_HISTORY({"3.0.0", "Added the `REPLACE` modifier."}, {"5.0.0", "Added the `ABSTTL` modifier."}, {"5.0.0", "Added the `IDLETIME` and `FREQ` options."}),
     .args = restore_args},
};
SS_DOCS_COUNT(ss_docs_dump);
