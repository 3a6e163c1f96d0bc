/* COMMAND DOCS text of the server commands (src/commands/cmd_server.c). */
#include "commands/docs.h"

static const ss_cmdarg bgsave_args[] = {
    ARG("schedule", ARG_PURE_TOKEN, .token = "SCHEDULE", .since = "3.2.2", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg wait_args[] = {
    ARG("numreplicas", ARG_INTEGER),
    ARG("timeout", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg waitaof_args[] = {
    ARG("numlocal", ARG_INTEGER),
    ARG("numreplicas", ARG_INTEGER),
    ARG("timeout", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg info_args[] = {
    ARG("section", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg shutdown_args[] = {
    ARG("nosave_save", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("nosave", ARG_PURE_TOKEN, .token = "NOSAVE"),
        ARG("save", ARG_PURE_TOKEN, .token = "SAVE"),
    ARG("now", ARG_PURE_TOKEN, .token = "NOW", .since = "7.0.0", .flags = ARG_OPTIONAL),
    ARG("force", ARG_PURE_TOKEN, .token = "FORCE", .since = "7.0.0", .flags = ARG_OPTIONAL),
    ARG("abort", ARG_PURE_TOKEN, .token = "ABORT", .since = "7.0.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg flushdb_args[] = {
    ARG("async", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("async", ARG_PURE_TOKEN, .token = "ASYNC", .since = "4.0.0"),
        ARG("sync", ARG_PURE_TOKEN, .token = "SYNC", .since = "6.2.0"),
    SS_ARGS_END,
};

static const ss_cmdarg swapdb_args[] = {
    ARG("index1", ARG_INTEGER),
    ARG("index2", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg flushall_args[] = {
    ARG("async", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("async", ARG_PURE_TOKEN, .token = "ASYNC", .since = "4.0.0"),
        ARG("sync", ARG_PURE_TOKEN, .token = "SYNC", .since = "6.2.0"),
    SS_ARGS_END,
};

static const ss_cmdarg config_get_args[] = {
    ARG("parameter", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 1),
        ARG("parameter", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg config_set_args[] = {
    ARG("parameter_value", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("parameter", ARG_STRING),
        ARG("value", ARG_STRING),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_server[] = {
    {.name = "bgsave", .group = "server", .since = "1.0.0",
     .summary = "Asynchronously save the dataset to disk. sandstore: a Raft snapshot of this node's state, written on a worker thread; the log before it is compacted.",
     .complexity = "O(1). sandstore: O(N), on a worker thread.",
     .history = SS_HISTORY({"3.2.2", "Added the `SCHEDULE` option."}),
     .args = bgsave_args},
    {.name = "wait", .group = "generic", .since = "3.0.0",
     .summary = "Wait for the synchronous replication of all the write commands sent in the context of the current connection. sandstore: counts the other members whose Raft log holds the connection's last write (a follower counts what the commit proves).",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:agg_min"),
     .args = wait_args},
    {.name = "waitaof", .group = "generic", .since = "7.2.0",
     .summary = "Wait for all write commands sent by the client to be fsynced to the AOF of the local host and/or replicas. sandstore: the Raft log is the AOF: numlocal counts this node's log durable past the write, numreplicas the other members whose log holds it.",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:agg_min"),
     .args = waitaof_args},
    {.name = "lastsave", .group = "server", .since = "1.0.0",
     .summary = "Get the UNIX time stamp of the last successful save to disk. sandstore: the time of this node's newest snapshot.",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "config", .group = "server", .since = "2.0.0",
     .summary = "A container for server configuration commands",
     .complexity = "Depends on subcommand."},
    {.name = "info", .group = "server", .since = "1.0.0",
     .summary = "Get information and statistics about the server",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added support for taking multiple section arguments."}),
     .args = info_args,
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_shards", "response_policy:special")},
    {.name = "shutdown", .group = "server", .since = "1.0.0",
     .summary = "Synchronously save the dataset to disk and then shut down the server. sandstore: nothing to save (every acknowledged write is in the Raft log): stops this node.",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
     .history = SS_HISTORY({"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}),
     .args = shutdown_args},
    {.name = "time", .group = "server", .since = "2.6.0",
     .summary = "Return the current server time",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "dbsize", .group = "server", .since = "1.0.0",
     .summary = "Return the number of keys in the selected database",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:agg_sum")},
    {.name = "flushdb", .group = "server", .since = "1.0.0",
     .summary = "Remove all keys from the current database",
     .complexity = "O(N) where N is the number of keys in the selected database. sandstore: O(1): the old keys are swept in the background.",
     .history = SS_HISTORY({"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                           {"6.2.0", "Added the `SYNC` flushing mode modifier."}),
     .args = flushdb_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "swapdb", .group = "server", .since = "4.0.0",
     .summary = "Swaps two Redis databases",
     .complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases.",
     .args = swapdb_args},
    {.name = "flushall", .group = "server", .since = "1.0.0",
     .summary = "Remove all keys from all databases",
     .complexity = "O(N) where N is the total number of keys in all databases. sandstore: O(1): the old keys are swept in the background.",
     .history = SS_HISTORY({"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                           {"6.2.0", "Added the `SYNC` flushing mode modifier."}),
     .args = flushall_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "config|get", .group = "server", .since = "2.0.0",
     .summary = "Get the values of configuration parameters",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .history = SS_HISTORY({"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}),
     .args = config_get_args},
    {.name = "config|set", .group = "server", .since = "2.0.0",
     .summary = "Set configuration parameters to the given values",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .history = SS_HISTORY({"7.0.0", "Added the ability to set multiple parameters in one call."}),
     .args = config_set_args,
     .tips = SS_TIPS("request_policy:all_nodes", "response_policy:all_succeeded")},
    {.name = "config|resetstat", .group = "server", .since = "2.0.0",
     .summary = "Reset the stats returned by INFO",
     .complexity = "O(1)"},
    {.name = "config|rewrite", .group = "server", .since = "2.8.0",
     .summary = "Rewrite the configuration file with the in memory configuration",
     .complexity = "O(1)"},
    {.name = "config|help", .group = "server", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
};
SS_DOCS_COUNT(ss_docs_server);
