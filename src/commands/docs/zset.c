/* COMMAND DOCS text of the zset commands (src/commands/cmd_zset.c). */
#include "commands/docs.h"

static const ss_cmdarg zadd_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("condition", ARG_ONEOF, .since = "3.0.2", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("nx", ARG_PURE_TOKEN, .token = "NX"),
        ARG("xx", ARG_PURE_TOKEN, .token = "XX"),
    ARG("comparison", ARG_ONEOF, .since = "6.2.0", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("gt", ARG_PURE_TOKEN, .token = "GT"),
        ARG("lt", ARG_PURE_TOKEN, .token = "LT"),
    ARG("change", ARG_PURE_TOKEN, .token = "CH", .since = "3.0.2", .flags = ARG_OPTIONAL),
    ARG("increment", ARG_PURE_TOKEN, .token = "INCR", .since = "3.0.2", .flags = ARG_OPTIONAL),
    ARG("score_member", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("score", ARG_DOUBLE),
        ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zincrby_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("increment", ARG_INTEGER),
    ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zrem_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg zscore_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zmscore_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg zcount_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("min", ARG_DOUBLE),
    ARG("max", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg zlexcount_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("min", ARG_STRING),
    ARG("max", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zrank_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zrevrank_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("member", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_STRING),
    ARG("stop", ARG_STRING),
    ARG("sortby", ARG_ONEOF, .since = "6.2.0", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("byscore", ARG_PURE_TOKEN, .token = "BYSCORE"),
        ARG("bylex", ARG_PURE_TOKEN, .token = "BYLEX"),
    ARG("rev", ARG_PURE_TOKEN, .token = "REV", .since = "6.2.0", .flags = ARG_OPTIONAL),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .since = "6.2.0", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zrevrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_INTEGER),
    ARG("stop", ARG_INTEGER),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zrangebyscore_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("min", ARG_DOUBLE),
    ARG("max", ARG_DOUBLE),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .since = "2.0.0", .flags = ARG_OPTIONAL),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg zrevrangebyscore_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("max", ARG_DOUBLE),
    ARG("min", ARG_DOUBLE),
    ARG("withscores", ARG_PURE_TOKEN, .token = "WITHSCORES", .flags = ARG_OPTIONAL),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg zrangebylex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("min", ARG_STRING),
    ARG("max", ARG_STRING),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg zrevrangebylex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("max", ARG_STRING),
    ARG("min", ARG_STRING),
    ARG("offset_count", ARG_BLOCK, .token = "LIMIT", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("offset", ARG_INTEGER),
        ARG("count", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg zpopmin_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zpopmax_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zremrangebyrank_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_INTEGER),
    ARG("stop", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg zremrangebyscore_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("min", ARG_DOUBLE),
    ARG("max", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg zremrangebylex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("min", ARG_STRING),
    ARG("max", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg zscan_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("cursor", ARG_INTEGER),
    ARG("pattern", ARG_PATTERN, .token = "MATCH", .flags = ARG_OPTIONAL),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg zmpop_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("where", ARG_ONEOF, .nargs = 2),
        ARG("min", ARG_PURE_TOKEN, .token = "MIN"),
        ARG("max", ARG_PURE_TOKEN, .token = "MAX"),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg bzpopmin_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("timeout", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg bzpopmax_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("timeout", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg bzmpop_args[] = {
    ARG("timeout", ARG_DOUBLE),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("where", ARG_ONEOF, .nargs = 2),
        ARG("min", ARG_PURE_TOKEN, .token = "MIN"),
        ARG("max", ARG_PURE_TOKEN, .token = "MAX"),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_zset[] = {
    {.name = "bzpopmin", .group = "sorted-set", .since = "5.0.0",
     .summary = "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
     .history = SS_HISTORY({"6.0.0", "`timeout` is interpreted as a double instead of an integer."}),
     .args = bzpopmin_args},
    {.name = "bzpopmax", .group = "sorted-set", .since = "5.0.0",
     .summary = "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
     .history = SS_HISTORY({"6.0.0", "`timeout` is interpreted as a double instead of an integer."}),
     .args = bzpopmax_args},
    {.name = "bzmpop", .group = "sorted-set", .since = "7.0.0",
     .summary = "Remove and return members with scores in a sorted set or block until one is available",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
     .args = bzmpop_args},
    {.name = "zmpop", .group = "sorted-set", .since = "7.0.0",
     .summary = "Remove and return members with scores in a sorted set",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
     .args = zmpop_args},
    {.name = "zadd", .group = "sorted-set", .since = "1.2.0",
     .summary = "Add one or more members to a sorted set, or update its score if it already exists",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple elements."},
                           {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."},
                           {"6.2.0", "Added the `GT` and `LT` options."}),
     .args = zadd_args},
    {.name = "zincrby", .group = "sorted-set", .since = "1.2.0",
     .summary = "Increment the score of a member in a sorted set",
     .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
     .args = zincrby_args},
    {.name = "zrem", .group = "sorted-set", .since = "1.2.0",
     .summary = "Remove one or more members from a sorted set",
     .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple elements."}),
     .args = zrem_args},
    {.name = "zscore", .group = "sorted-set", .since = "1.2.0",
     .summary = "Get the score associated with the given member in a sorted set",
     .complexity = "O(1)",
     .args = zscore_args},
    {.name = "zmscore", .group = "sorted-set", .since = "6.2.0",
     .summary = "Get the score associated with the given members in a sorted set",
     .complexity = "O(N) where N is the number of members being requested.",
     .args = zmscore_args},
    {.name = "zcard", .group = "sorted-set", .since = "1.2.0",
     .summary = "Get the number of members in a sorted set",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "zcount", .group = "sorted-set", .since = "2.0.0",
     .summary = "Count the members in a sorted set with scores within the given values",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set. sandstore: O(log(N) + M), M the members counted.",
     .args = zcount_args},
    {.name = "zlexcount", .group = "sorted-set", .since = "2.8.9",
     .summary = "Count the number of members in a sorted set between a given lexicographical range",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set. sandstore: O(log(N) + M), M the members counted.",
     .args = zlexcount_args},
    {.name = "zrank", .group = "sorted-set", .since = "2.0.0",
     .summary = "Determine the index of a member in a sorted set",
     .complexity = "O(log(N)). sandstore: O(rank), a walk from the lowest score.",
     .args = zrank_args},
    {.name = "zrevrank", .group = "sorted-set", .since = "2.0.0",
     .summary = "Determine the index of a member in a sorted set, with scores ordered from high to low",
     .complexity = "O(log(N)). sandstore: O(rank), a walk from the highest score.",
     .args = zrevrank_args},
    {.name = "zrange", .group = "sorted-set", .since = "1.2.0",
     .summary = "Return a range of members in a sorted set",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned. sandstore: by index, O(start+M).",
     .history = SS_HISTORY({"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}),
     .args = zrange_args},
    {.name = "zrevrange", .group = "sorted-set", .since = "1.2.0",
     .summary = "Return a range of members in a sorted set, by index, with scores ordered from high to low",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned. sandstore: O(start+M).",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `REV` argument",
     .args = zrevrange_args},
    {.name = "zrangebyscore", .group = "sorted-set", .since = "1.0.5",
     .summary = "Return a range of members in a sorted set, by score",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `BYSCORE` argument",
     .history = SS_HISTORY({"2.0.0", "Added the `WITHSCORES` modifier."}),
     .args = zrangebyscore_args},
    {.name = "zrevrangebyscore", .group = "sorted-set", .since = "2.2.0",
     .summary = "Return a range of members in a sorted set, by score, with scores ordered from high to low",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments",
     .history = SS_HISTORY({"2.1.6", "`min` and `max` can be exclusive."}),
     .args = zrevrangebyscore_args},
    {.name = "zrangebylex", .group = "sorted-set", .since = "2.8.9",
     .summary = "Return a range of members in a sorted set, by lexicographical range",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `BYLEX` argument",
     .args = zrangebylex_args},
    {.name = "zrevrangebylex", .group = "sorted-set", .since = "2.8.9",
     .summary = "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments",
     .args = zrevrangebylex_args},
    {.name = "zpopmin", .group = "sorted-set", .since = "5.0.0",
     .summary = "Remove and return members with the lowest scores in a sorted set",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
     .args = zpopmin_args},
    {.name = "zpopmax", .group = "sorted-set", .since = "5.0.0",
     .summary = "Remove and return members with the highest scores in a sorted set",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
     .args = zpopmax_args},
    {.name = "zremrangebyrank", .group = "sorted-set", .since = "2.0.0",
     .summary = "Remove all members in a sorted set within the given indexes",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation. sandstore: O(start+M).",
     .args = zremrangebyrank_args},
    {.name = "zremrangebyscore", .group = "sorted-set", .since = "1.2.0",
     .summary = "Remove all members in a sorted set within the given scores",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
     .args = zremrangebyscore_args},
    {.name = "zremrangebylex", .group = "sorted-set", .since = "2.8.9",
     .summary = "Remove all members in a sorted set between the given lexicographical range",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
     .args = zremrangebylex_args},
    {.name = "zscan", .group = "sorted-set", .since = "2.8.0",
     .summary = "Incrementally iterate sorted sets elements and associated scores",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
     .args = zscan_args,
     .tips = SS_TIPS("nondeterministic_output")},
};
SS_DOCS_COUNT(ss_docs_zset);
