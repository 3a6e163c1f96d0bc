/* COMMAND DOCS text of the hash commands (src/commands/cmd_hash.c). */
#include "commands/docs.h"

static const ss_cmdarg hset_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field_value", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("field", ARG_STRING),
        ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hsetnx_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING),
    ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hmset_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field_value", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("field", ARG_STRING),
        ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hget_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hmget_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg hdel_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg hexists_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hincrby_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING),
    ARG("increment", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg hincrbyfloat_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING),
    ARG("increment", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg hstrlen_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("field", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hrandfield_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("options", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("count", ARG_INTEGER),
        ARG("withvalues", ARG_PURE_TOKEN, .token = "WITHVALUES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg hscan_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("cursor", ARG_INTEGER),
    ARG("pattern", ARG_PATTERN, .token = "MATCH", .flags = ARG_OPTIONAL),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_hash[] = {
    {.name = "hset", .group = "hash", .since = "2.0.0",
     .summary = "Set the string value of a hash field",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
     .history = SS_HISTORY({"4.0.0", "Accepts multiple `field` and `value` arguments."}),
     .args = hset_args},
    {.name = "hsetnx", .group = "hash", .since = "2.0.0",
     .summary = "Set the value of a hash field, only if the field does not exist",
     .complexity = "O(1)",
     .args = hsetnx_args},
    {.name = "hmset", .group = "hash", .since = "2.0.0",
     .summary = "Set multiple hash fields to multiple values",
     .complexity = "O(N) where N is the number of fields being set.",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "4.0.0",
     .replaced_by = "`HSET` with multiple field-value pairs",
     .args = hmset_args},
    {.name = "hget", .group = "hash", .since = "2.0.0",
     .summary = "Get the value of a hash field",
     .complexity = "O(1)",
     .args = hget_args},
    {.name = "hmget", .group = "hash", .since = "2.0.0",
     .summary = "Get the values of all the given hash fields",
     .complexity = "O(N) where N is the number of fields being requested.",
     .args = hmget_args},
    {.name = "hdel", .group = "hash", .since = "2.0.0",
     .summary = "Delete one or more hash fields",
     .complexity = "O(N) where N is the number of fields to be removed.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple `field` arguments."}),
     .args = hdel_args},
    {.name = "hlen", .group = "hash", .since = "2.0.0",
     .summary = "Get the number of fields in a hash",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "hexists", .group = "hash", .since = "2.0.0",
     .summary = "Determine if a hash field exists",
     .complexity = "O(1)",
     .args = hexists_args},
    {.name = "hgetall", .group = "hash", .since = "2.0.0",
     .summary = "Get all the fields and values in a hash",
     .complexity = "O(N) where N is the size of the hash.",
     .args = ss_args_key,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "hkeys", .group = "hash", .since = "2.0.0",
     .summary = "Get all the fields in a hash",
     .complexity = "O(N) where N is the size of the hash.",
     .args = ss_args_key,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "hvals", .group = "hash", .since = "2.0.0",
     .summary = "Get all the values in a hash",
     .complexity = "O(N) where N is the size of the hash.",
     .args = ss_args_key,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "hincrby", .group = "hash", .since = "2.0.0",
     .summary = "Increment the integer value of a hash field by the given number",
     .complexity = "O(1)",
     .args = hincrby_args},
    {.name = "hincrbyfloat", .group = "hash", .since = "2.6.0",
     .summary = "Increment the float value of a hash field by the given amount",
     .complexity = "O(1)",
     .args = hincrbyfloat_args},
    {.name = "hstrlen", .group = "hash", .since = "3.2.0",
     .summary = "Get the length of the value of a hash field",
     .complexity = "O(1)",
     .args = hstrlen_args},
    {.name = "hrandfield", .group = "hash", .since = "6.2.0",
     .summary = "Get one or multiple random fields from a hash",
     .complexity = "O(N) where N is the number of fields returned",
     .args = hrandfield_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "hscan", .group = "hash", .since = "2.8.0",
     .summary = "Incrementally iterate hash fields and associated values",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
     .args = hscan_args,
     .tips = SS_TIPS("nondeterministic_output")},
};
SS_DOCS_COUNT(ss_docs_hash);
