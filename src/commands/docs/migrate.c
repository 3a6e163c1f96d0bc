/* COMMAND DOCS text of MIGRATE (src/commands/cmd_migrate.c). */
#include "commands/docs.h"

static const ss_cmdarg migrate_args[] = {
    ARG("host", ARG_STRING),
    ARG("port", ARG_INTEGER),
    ARG("key_or_empty_string", ARG_ONEOF, .nargs = 2),
        ARG("key", ARG_KEY, .key_spec_index = 0),
        ARG("empty_string", ARG_PURE_TOKEN, .token = ""),
    ARG("destination-db", ARG_INTEGER),
    ARG("timeout", ARG_INTEGER),
    ARG("copy", ARG_PURE_TOKEN, .token = "COPY", .since = "3.0.0", .flags = ARG_OPTIONAL),
    ARG("replace", ARG_PURE_TOKEN, .token = "REPLACE", .since = "3.0.0", .flags = ARG_OPTIONAL),
    ARG("authentication", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("password", ARG_STRING, .token = "AUTH", .since = "4.0.7", .flags = ARG_OPTIONAL),
        ARG("username_password", ARG_BLOCK, .token = "AUTH2", .since = "6.0.0", .flags = ARG_OPTIONAL, .nargs = 2),
            ARG("username", ARG_STRING),
            ARG("password", ARG_STRING),
    ARG("key", ARG_KEY, .key_spec_index = 1, .token = "KEYS", .since = "3.0.6", .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_migrate[] = {
    {.name = "migrate", .group = "generic", .since = "2.6.0",
     .summary = "Atomically transfer a key from a Redis instance to another one. sandstore: the source keys are read linearizably and deleted through the Raft log only if unchanged since they were dumped",
     .complexity = "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.",
     .history = SS_HISTORY({"3.0.0", "Added the `COPY` and `REPLACE` options."},
                           {"3.0.6", "Added the `KEYS` option."},
                           {"4.0.7", "Added the `AUTH` option."},
                           {"6.0.0", "Added the `AUTH2` option."}),
     .args = migrate_args,
     .tips = SS_TIPS("nondeterministic_output")},
};
SS_DOCS_COUNT(ss_docs_migrate);
