/* COMMAND DOCS text of the keys commands (src/commands/cmd_keys.c). */
#include "commands/docs.h"

static const ss_cmdarg del_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg unlink_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg exists_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg touch_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg keys_args[] = {
    ARG("pattern", ARG_PATTERN),
    SS_ARGS_END,
};

static const ss_cmdarg scan_args[] = {
    ARG("cursor", ARG_INTEGER),
    ARG("pattern", ARG_PATTERN, .token = "MATCH", .flags = ARG_OPTIONAL),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    ARG("type", ARG_STRING, .token = "TYPE", .since = "6.0.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg rename_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("newkey", ARG_KEY, .key_spec_index = 1),
    SS_ARGS_END,
};

static const ss_cmdarg renamenx_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("newkey", ARG_KEY, .key_spec_index = 1),
    SS_ARGS_END,
};

static const ss_cmdarg copy_args[] = {
    ARG("source", ARG_KEY, .key_spec_index = 0),
    ARG("destination", ARG_KEY, .key_spec_index = 1),
    ARG("destination-db", ARG_INTEGER, .token = "DB", .flags = ARG_OPTIONAL),
    ARG("replace", ARG_PURE_TOKEN, .token = "REPLACE", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg move_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("db", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg expire_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("seconds", ARG_INTEGER),
    ARG("condition", ARG_ONEOF, .since = "7.0.0", .flags = ARG_OPTIONAL, .nargs = 4),
        ARG("nx", ARG_PURE_TOKEN, .token = "NX"),
        ARG("xx", ARG_PURE_TOKEN, .token = "XX"),
        ARG("gt", ARG_PURE_TOKEN, .token = "GT"),
        ARG("lt", ARG_PURE_TOKEN, .token = "LT"),
    SS_ARGS_END,
};

static const ss_cmdarg pexpire_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("milliseconds", ARG_INTEGER),
    ARG("condition", ARG_ONEOF, .since = "7.0.0", .flags = ARG_OPTIONAL, .nargs = 4),
        ARG("nx", ARG_PURE_TOKEN, .token = "NX"),
        ARG("xx", ARG_PURE_TOKEN, .token = "XX"),
        ARG("gt", ARG_PURE_TOKEN, .token = "GT"),
        ARG("lt", ARG_PURE_TOKEN, .token = "LT"),
    SS_ARGS_END,
};

static const ss_cmdarg expireat_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("unix-time-seconds", ARG_UNIX_TIME),
    ARG("condition", ARG_ONEOF, .since = "7.0.0", .flags = ARG_OPTIONAL, .nargs = 4),
        ARG("nx", ARG_PURE_TOKEN, .token = "NX"),
        ARG("xx", ARG_PURE_TOKEN, .token = "XX"),
        ARG("gt", ARG_PURE_TOKEN, .token = "GT"),
        ARG("lt", ARG_PURE_TOKEN, .token = "LT"),
    SS_ARGS_END,
};

static const ss_cmdarg pexpireat_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("unix-time-milliseconds", ARG_UNIX_TIME),
    ARG("condition", ARG_ONEOF, .since = "7.0.0", .flags = ARG_OPTIONAL, .nargs = 4),
        ARG("nx", ARG_PURE_TOKEN, .token = "NX"),
        ARG("xx", ARG_PURE_TOKEN, .token = "XX"),
        ARG("gt", ARG_PURE_TOKEN, .token = "GT"),
        ARG("lt", ARG_PURE_TOKEN, .token = "LT"),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_keys[] = {
    {.name = "del", .group = "generic", .since = "1.0.0",
     .summary = "Delete a key",
     .complexity = "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1). sandstore: O(1) for each key whatever it holds: a collection's elements are swept in the background.",
     .args = del_args,
     .tips = SS_TIPS("request_policy:multi_shard", "response_policy:agg_sum")},
    {.name = "unlink", .group = "generic", .since = "4.0.0",
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
     .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
     .args = unlink_args,
     .tips = SS_TIPS("request_policy:multi_shard", "response_policy:agg_sum")},
    {.name = "exists", .group = "generic", .since = "1.0.0",
     .summary = "Determine if a key exists",
     .complexity = "O(N) where N is the number of keys to check.",
     .history = SS_HISTORY({"3.0.3", "Accepts multiple `key` arguments."}),
     .args = exists_args,
     .tips = SS_TIPS("request_policy:multi_shard", "response_policy:agg_sum")},
    {.name = "touch", .group = "generic", .since = "3.2.1",
     .summary = "Alters the last access time of a key(s). Returns the number of existing keys specified.",
     .complexity = "O(N) where N is the number of keys that will be touched.",
     .args = touch_args,
     .tips = SS_TIPS("request_policy:multi_shard", "response_policy:agg_sum")},
    {.name = "type", .group = "generic", .since = "1.0.0",
     .summary = "Determine the type stored at key",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "keys", .group = "generic", .since = "1.0.0",
     .summary = "Find all keys matching the given pattern",
     .complexity = "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
     .args = keys_args,
     .tips = SS_TIPS("request_policy:all_shards", "nondeterministic_output_order")},
    {.name = "scan", .group = "generic", .since = "2.8.0",
     .summary = "Incrementally iterate the keys space",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
     .history = SS_HISTORY({"6.0.0", "Added the `TYPE` subcommand."}),
     .args = scan_args,
     .tips = SS_TIPS("nondeterministic_output", "request_policy:special")},
    {.name = "randomkey", .group = "generic", .since = "1.0.0",
     .summary = "Return a random key from the keyspace",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_shards", "nondeterministic_output")},
    {.name = "rename", .group = "generic", .since = "1.0.0",
     .summary = "Rename a key",
     .complexity = "O(1). sandstore: O(N) for a collection, whose elements are copied under the new key; O(1) for a string.",
     .args = rename_args},
    {.name = "renamenx", .group = "generic", .since = "1.0.0",
     .summary = "Rename a key, only if the new key does not exist",
     .complexity = "O(1). sandstore: O(N) for a collection, whose elements are copied under the new key; O(1) for a string.",
     .history = SS_HISTORY({"3.2.0", "The command no longer returns an error when source and destination names are the same."}),
     .args = renamenx_args},
    {.name = "copy", .group = "generic", .since = "6.2.0",
     .summary = "Copy a key",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
     .args = copy_args},
    {.name = "move", .group = "generic", .since = "1.0.0",
     .summary = "Move a key to another database",
     .complexity = "O(1). sandstore: O(N) for a collection, whose elements are copied under the new key; O(1) for a string.",
     .args = move_args},
    {.name = "expire", .group = "generic", .since = "1.0.0",
     .summary = "Set a key's time to live in seconds",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
     .args = expire_args},
    {.name = "pexpire", .group = "generic", .since = "2.6.0",
     .summary = "Set a key's time to live in milliseconds",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
     .args = pexpire_args},
    {.name = "expireat", .group = "generic", .since = "1.2.0",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
     .args = expireat_args},
    {.name = "pexpireat", .group = "generic", .since = "2.6.0",
     .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
     .args = pexpireat_args},
    {.name = "ttl", .group = "generic", .since = "1.0.0",
     .summary = "Get the time to live for a key in seconds",
     .complexity = "O(1)",
     .history = SS_HISTORY({"2.8.0", "Added the -2 reply."}),
     .args = ss_args_key,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "pttl", .group = "generic", .since = "2.6.0",
     .summary = "Get the time to live for a key in milliseconds",
     .complexity = "O(1)",
     .history = SS_HISTORY({"2.8.0", "Added the -2 reply."}),
     .args = ss_args_key,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "expiretime", .group = "generic", .since = "7.0.0",
     .summary = "Get the expiration Unix timestamp for a key",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "pexpiretime", .group = "generic", .since = "7.0.0",
     .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "persist", .group = "generic", .since = "2.2.0",
     .summary = "Remove the expiration from a key",
     .complexity = "O(1)",
     .args = ss_args_key},
};
SS_DOCS_COUNT(ss_docs_keys);
