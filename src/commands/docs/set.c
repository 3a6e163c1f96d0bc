/* COMMAND DOCS text of the set commands (src/commands/cmd_set.c). */
#include "commands/docs.h"

static const ss_cmdarg sadd_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg srem_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sismember_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg smismember_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg spop_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .since = "3.2.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg srandmember_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .since = "2.6.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg smove_args[] = {
    ARG("source", ARG_KEY, .key_spec_index = 0),
    ARG("destination", ARG_KEY, .key_spec_index = 1),
    ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg sinter_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sintercard_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("limit", ARG_INTEGER, .token = "LIMIT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg sinterstore_args[] = {
    ARG("destination", ARG_KEY, .key_spec_index = 0),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sunion_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sunionstore_args[] = {
    ARG("destination", ARG_KEY, .key_spec_index = 0),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sdiff_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sdiffstore_args[] = {
    ARG("destination", ARG_KEY, .key_spec_index = 0),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sscan_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("cursor", ARG_INTEGER),
    ARG("pattern", ARG_PATTERN, .token = "MATCH", .flags = ARG_OPTIONAL),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_set[] = {
    {.name = "sadd", .group = "set", .since = "1.0.0",
     .summary = "Add one or more members to a set",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple `member` arguments."}),
     .args = sadd_args},
    {.name = "srem", .group = "set", .since = "1.0.0",
     .summary = "Remove one or more members from a set",
     .complexity = "O(N) where N is the number of members to be removed.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple `member` arguments."}),
     .args = srem_args},
    {.name = "smembers", .group = "set", .since = "1.0.0",
     .summary = "Get all the members in a set",
     .complexity = "O(N) where N is the set cardinality.",
     .args = ss_args_key,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "sismember", .group = "set", .since = "1.0.0",
     .summary = "Determine if a given value is a member of a set",
     .complexity = "O(1)",
     .args = sismember_args},
    {.name = "smismember", .group = "set", .since = "6.2.0",
     .summary = "Returns the membership associated with the given elements for a set",
     .complexity = "O(N) where N is the number of elements being checked for membership",
     .args = smismember_args},
    {.name = "scard", .group = "set", .since = "1.0.0",
     .summary = "Get the number of members in a set",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "spop", .group = "set", .since = "1.0.0",
     .summary = "Remove and return one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
     .history = SS_HISTORY({"3.2.0", "Added the `count` argument."}),
     .args = spop_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "srandmember", .group = "set", .since = "1.0.0",
     .summary = "Get one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
     .history = SS_HISTORY({"2.6.0", "Added the optional `count` argument."}),
     .args = srandmember_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "smove", .group = "set", .since = "1.0.0",
     .summary = "Move a member from one set to another",
     .complexity = "O(1)",
     .args = smove_args},
    {.name = "sinter", .group = "set", .since = "1.0.0",
     .summary = "Intersect multiple sets",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     .args = sinter_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "sintercard", .group = "set", .since = "7.0.0",
     .summary = "Intersect multiple sets and return the cardinality of the result",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     .args = sintercard_args},
    {.name = "sinterstore", .group = "set", .since = "1.0.0",
     .summary = "Intersect multiple sets and store the resulting set in a key",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
     .args = sinterstore_args},
    {.name = "sunion", .group = "set", .since = "1.0.0",
     .summary = "Add multiple sets",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = sunion_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "sunionstore", .group = "set", .since = "1.0.0",
     .summary = "Add multiple sets and store the resulting set in a key",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = sunionstore_args},
    {.name = "sdiff", .group = "set", .since = "1.0.0",
     .summary = "Subtract multiple sets",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = sdiff_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "sdiffstore", .group = "set", .since = "1.0.0",
     .summary = "Subtract multiple sets and store the resulting set in a key",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .args = sdiffstore_args},
    {.name = "sscan", .group = "set", .since = "2.8.0",
     .summary = "Incrementally iterate Set elements",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
     .args = sscan_args,
     .tips = SS_TIPS("nondeterministic_output")},
};
SS_DOCS_COUNT(ss_docs_set);
