/* COMMAND DOCS text of the sorted set algebra commands (src/commands/cmd_zsetop.c). */
#include "commands/docs.h"

static const ss_cmdarg zunion_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("weight", ARG_INTEGER, .token = "WEIGHTS", .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("aggregate", ARG_ONEOF, .token = "AGGREGATE", .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("sum", ARG_PURE_TOKEN, .token = "SUM"),
        ARG("min", ARG_PURE_TOKEN, .token = "MIN"),
        ARG("max", ARG_PURE_TOKEN, .token = "MAX"),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zinter_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("weight", ARG_INTEGER, .token = "WEIGHTS", .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("aggregate", ARG_ONEOF, .token = "AGGREGATE", .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("sum", ARG_PURE_TOKEN, .token = "SUM"),
        ARG("min", ARG_PURE_TOKEN, .token = "MIN"),
        ARG("max", ARG_PURE_TOKEN, .token = "MAX"),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zdiff_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zintercard_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("limit", ARG_INTEGER, .token = "LIMIT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zunionstore_args[] = {
    ARG("destination", ARG_KEY, .key_spec_index = 0),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    ARG("weight", ARG_INTEGER, .token = "WEIGHTS", .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("aggregate", ARG_ONEOF, .token = "AGGREGATE", .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("sum", ARG_PURE_TOKEN, .token = "SUM"),
        ARG("min", ARG_PURE_TOKEN, .token = "MIN"),
        ARG("max", ARG_PURE_TOKEN, .token = "MAX"),
    SS_ARGS_END,
};

static const ss_cmdarg zinterstore_args[] = {
    ARG("destination", ARG_KEY, .key_spec_index = 0),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    ARG("weight", ARG_INTEGER, .token = "WEIGHTS", .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("aggregate", ARG_ONEOF, .token = "AGGREGATE", .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("sum", ARG_PURE_TOKEN, .token = "SUM"),
        ARG("min", ARG_PURE_TOKEN, .token = "MIN"),
        ARG("max", ARG_PURE_TOKEN, .token = "MAX"),
    SS_ARGS_END,
};

static const ss_cmdarg zdiffstore_args[] = {
    ARG("destination", ARG_KEY, .key_spec_index = 0),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg zrangestore_args[] = {
    ARG("dst", ARG_KEY, .key_spec_index = 0),
    ARG("src", ARG_KEY, .key_spec_index = 1),
    ARG("min", ARG_STRING),
    ARG("max", ARG_STRING),
    ARG("sortby", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("byscore", ARG_PURE_TOKEN, .token = "BYSCORE"),
        ARG("bylex", ARG_PURE_TOKEN, .token = "BYLEX"),
    ARG("rev", ARG_PURE_TOKEN, .token = "REV", .flags = ARG_OPTIONAL),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg zrandmember_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("options", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("count", ARG_INTEGER),
        ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_zsetop[] = {
    {.name = "zunion", .group = "sorted-set", .since = "6.2.0",
     .summary = "Add multiple sorted sets",
     .complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
     .args = zunion_args},
    {.name = "zinter", .group = "sorted-set", .since = "6.2.0",
     .summary = "Intersect multiple sorted sets",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
     .args = zinter_args},
    {.name = "zdiff", .group = "sorted-set", .since = "6.2.0",
     .summary = "Subtract multiple sorted sets",
     .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
     .args = zdiff_args},
    {.name = "zintercard", .group = "sorted-set", .since = "7.0.0",
     .summary = "Intersect multiple sorted sets and return the cardinality of the result",
     .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
     .args = zintercard_args},
    {.name = "zunionstore", .group = "sorted-set", .since = "2.0.0",
     .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
     .args = zunionstore_args},
    {.name = "zinterstore", .group = "sorted-set", .since = "2.0.0",
     .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
     .args = zinterstore_args},
    {.name = "zdiffstore", .group = "sorted-set", .since = "6.2.0",
     .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
     .args = zdiffstore_args},
    {.name = "zrangestore", .group = "sorted-set", .since = "6.2.0",
     .summary = "Store a range of members from sorted set into another key",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
     .args = zrangestore_args},
    {.name = "zrandmember", .group = "sorted-set", .since = "6.2.0",
     .summary = "Get one or multiple random elements from a sorted set",
     .complexity = "O(N) where N is the number of elements returned",
     .args = zrandmember_args,
     .tips = SS_TIPS("nondeterministic_output")},
};
SS_DOCS_COUNT(ss_docs_zsetop);
