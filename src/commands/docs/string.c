/* COMMAND DOCS text of the string commands (src/commands/cmd_string.c). */
#include "commands/docs.h"

static const ss_cmdarg set_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("value", ARG_STRING),
    ARG("condition", ARG_ONEOF, .since = "2.6.12", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("nx", ARG_PURE_TOKEN, .token = "NX"),
        ARG("xx", ARG_PURE_TOKEN, .token = "XX"),
    ARG("get", ARG_PURE_TOKEN, .token = "GET", .since = "6.2.0", .flags = ARG_OPTIONAL),
    ARG("expiration", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 5),
        ARG("seconds", ARG_INTEGER, .token = "EX", .since = "2.6.12"),
        ARG("milliseconds", ARG_INTEGER, .token = "PX", .since = "2.6.12"),
        ARG("unix-time-seconds", ARG_UNIX_TIME, .token = "EXAT", .since = "6.2.0"),
        ARG("unix-time-milliseconds", ARG_UNIX_TIME, .token = "PXAT", .since = "6.2.0"),
        ARG("keepttl", ARG_PURE_TOKEN, .token = "KEEPTTL", .since = "6.0.0"),
    SS_ARGS_END,
};

static const ss_cmdarg getset_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg getex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("expiration", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 5),
        ARG("seconds", ARG_INTEGER, .token = "EX"),
        ARG("milliseconds", ARG_INTEGER, .token = "PX"),
        ARG("unix-time-seconds", ARG_UNIX_TIME, .token = "EXAT"),
        ARG("unix-time-milliseconds", ARG_UNIX_TIME, .token = "PXAT"),
        ARG("persist", ARG_PURE_TOKEN, .token = "PERSIST"),
    SS_ARGS_END,
};

static const ss_cmdarg setnx_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg setex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("seconds", ARG_INTEGER),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg psetex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("milliseconds", ARG_INTEGER),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg mget_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg mset_args[] = {
    ARG("key_value", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("key", ARG_KEY, .key_spec_index = 0),
        ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg msetnx_args[] = {
    ARG("key_value", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("key", ARG_KEY, .key_spec_index = 0),
        ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg incrby_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("increment", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg decrby_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("decrement", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg incrbyfloat_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("increment", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg append_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg getrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_INTEGER),
    ARG("end", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg substr_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_INTEGER),
    ARG("end", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg setrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("offset", ARG_INTEGER),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_string[] = {
    {.name = "set", .group = "string", .since = "1.0.0",
     .summary = "Set the string value of a key",
     .complexity = "O(1)",
     .history = SS_HISTORY({"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
                           {"6.0.0", "Added the `KEEPTTL` option."},
                           {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
                           {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}),
     .args = set_args,
     .key_notes = {"RW and ACCESS due to the optional `GET` argument"}},
    {.name = "get", .group = "string", .since = "1.0.0",
     .summary = "Get the value of a key",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "getset", .group = "string", .since = "1.0.0",
     .summary = "Set the string value of a key and return its old value",
     .complexity = "O(1)",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`SET` with the `!GET` argument",
     .args = getset_args},
    {.name = "getdel", .group = "string", .since = "6.2.0",
     .summary = "Get the value of a key and delete the key",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "getex", .group = "string", .since = "6.2.0",
     .summary = "Get the value of a key and optionally set its expiration",
     .complexity = "O(1)",
     .args = getex_args,
     .key_notes = {"RW and UPDATE because it changes the TTL"}},
    {.name = "setnx", .group = "string", .since = "1.0.0",
     .summary = "Set the value of a key, only if the key does not exist",
     .complexity = "O(1)",
     .args = setnx_args},
    {.name = "setex", .group = "string", .since = "2.0.0",
     .summary = "Set the value and expiration of a key",
     .complexity = "O(1)",
     .args = setex_args},
    {.name = "psetex", .group = "string", .since = "2.6.0",
     .summary = "Set the value and expiration in milliseconds of a key",
     .complexity = "O(1)",
     .args = psetex_args},
    {.name = "mget", .group = "string", .since = "1.0.0",
     .summary = "Get the values of all the given keys",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .args = mget_args,
     .tips = SS_TIPS("request_policy:multi_shard")},
    {.name = "mset", .group = "string", .since = "1.0.1",
     .summary = "Set multiple keys to multiple values",
     .complexity = "O(N) where N is the number of keys to set.",
     .args = mset_args,
     .tips = SS_TIPS("request_policy:multi_shard", "response_policy:all_succeeded")},
    {.name = "msetnx", .group = "string", .since = "1.0.1",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .complexity = "O(N) where N is the number of keys to set.",
     .args = msetnx_args,
     .tips = SS_TIPS("request_policy:multi_shard", "response_policy:agg_min")},
    {.name = "incr", .group = "string", .since = "1.0.0",
     .summary = "Increment the integer value of a key by one",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "decr", .group = "string", .since = "1.0.0",
     .summary = "Decrement the integer value of a key by one",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "incrby", .group = "string", .since = "1.0.0",
     .summary = "Increment the integer value of a key by the given amount",
     .complexity = "O(1)",
     .args = incrby_args},
    {.name = "decrby", .group = "string", .since = "1.0.0",
     .summary = "Decrement the integer value of a key by the given number",
     .complexity = "O(1)",
     .args = decrby_args},
    {.name = "incrbyfloat", .group = "string", .since = "2.6.0",
     .summary = "Increment the float value of a key by the given amount",
     .complexity = "O(1)",
     .args = incrbyfloat_args},
    {.name = "append", .group = "string", .since = "2.0.0",
     .summary = "Append a value to a key",
     .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
     .args = append_args},
    {.name = "strlen", .group = "string", .since = "2.2.0",
     .summary = "Get the length of the value stored in a key",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "getrange", .group = "string", .since = "2.4.0",
     .summary = "Get a substring of the string stored at a key",
     .complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
     .args = getrange_args},
    {.name = "substr", .group = "string", .since = "1.0.0",
     .summary = "Get a substring of the string stored at a key",
     .complexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "2.0.0",
     .replaced_by = "`GETRANGE`",
     .args = substr_args},
    {.name = "setrange", .group = "string", .since = "2.2.0",
     .summary = "Overwrite part of a string at key starting at the specified offset",
     .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
     .args = setrange_args},
};
SS_DOCS_COUNT(ss_docs_string);
