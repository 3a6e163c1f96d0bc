/* COMMAND DOCS text of the list commands (src/commands/cmd_list.c). */
#include "commands/docs.h"

static const ss_cmdarg lpush_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("element", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg rpush_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("element", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg lpushx_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("element", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg rpushx_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("element", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg lpop_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .since = "6.2.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg rpop_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER, .since = "6.2.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg lrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_INTEGER),
    ARG("stop", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg lindex_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("index", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg lset_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("index", ARG_INTEGER),
    ARG("element", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg linsert_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("where", ARG_ONEOF, .nargs = 2),
        ARG("before", ARG_PURE_TOKEN, .token = "BEFORE"),
        ARG("after", ARG_PURE_TOKEN, .token = "AFTER"),
    ARG("pivot", ARG_STRING),
    ARG("element", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg lrem_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("count", ARG_INTEGER),
    ARG("element", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg ltrim_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_INTEGER),
    ARG("stop", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg lpos_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("element", ARG_STRING),
    ARG("rank", ARG_INTEGER, .token = "RANK", .flags = ARG_OPTIONAL),
    ARG("num-matches", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    ARG("len", ARG_INTEGER, .token = "MAXLEN", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg lmove_args[] = {
    ARG("source", ARG_KEY, .key_spec_index = 0),
    ARG("destination", ARG_KEY, .key_spec_index = 1),
    ARG("wherefrom", ARG_ONEOF, .nargs = 2),
        ARG("left", ARG_PURE_TOKEN, .token = "LEFT"),
        ARG("right", ARG_PURE_TOKEN, .token = "RIGHT"),
    ARG("whereto", ARG_ONEOF, .nargs = 2),
        ARG("left", ARG_PURE_TOKEN, .token = "LEFT"),
        ARG("right", ARG_PURE_TOKEN, .token = "RIGHT"),
    SS_ARGS_END,
};

static const ss_cmdarg rpoplpush_args[] = {
    ARG("source", ARG_KEY, .key_spec_index = 0),
    ARG("destination", ARG_KEY, .key_spec_index = 1),
    SS_ARGS_END,
};

static const ss_cmdarg lmpop_args[] = {
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("where", ARG_ONEOF, .nargs = 2),
        ARG("left", ARG_PURE_TOKEN, .token = "LEFT"),
        ARG("right", ARG_PURE_TOKEN, .token = "RIGHT"),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg blpop_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("timeout", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg brpop_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("timeout", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg blmove_args[] = {
    ARG("source", ARG_KEY, .key_spec_index = 0),
    ARG("destination", ARG_KEY, .key_spec_index = 1),
    ARG("wherefrom", ARG_ONEOF, .nargs = 2),
        ARG("left", ARG_PURE_TOKEN, .token = "LEFT"),
        ARG("right", ARG_PURE_TOKEN, .token = "RIGHT"),
    ARG("whereto", ARG_ONEOF, .nargs = 2),
        ARG("left", ARG_PURE_TOKEN, .token = "LEFT"),
        ARG("right", ARG_PURE_TOKEN, .token = "RIGHT"),
    ARG("timeout", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg brpoplpush_args[] = {
    ARG("source", ARG_KEY, .key_spec_index = 0),
    ARG("destination", ARG_KEY, .key_spec_index = 1),
    ARG("timeout", ARG_DOUBLE),
    SS_ARGS_END,
};

static const ss_cmdarg blmpop_args[] = {
    ARG("timeout", ARG_DOUBLE),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    ARG("where", ARG_ONEOF, .nargs = 2),
        ARG("left", ARG_PURE_TOKEN, .token = "LEFT"),
        ARG("right", ARG_PURE_TOKEN, .token = "RIGHT"),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_list[] = {
    {.name = "blpop", .group = "list", .since = "2.0.0",
     .summary = "Remove and get the first element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys.",
     .history = SS_HISTORY({"6.0.0", "`timeout` is interpreted as a double instead of an integer."}),
     .args = blpop_args},
    {.name = "brpop", .group = "list", .since = "2.0.0",
     .summary = "Remove and get the last element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys.",
     .history = SS_HISTORY({"6.0.0", "`timeout` is interpreted as a double instead of an integer."}),
     .args = brpop_args},
    {.name = "blmove", .group = "list", .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .complexity = "O(1)",
     .args = blmove_args},
    {.name = "brpoplpush", .group = "list", .since = "2.2.0",
     .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .complexity = "O(1)",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
     .history = SS_HISTORY({"6.0.0", "`timeout` is interpreted as a double instead of an integer."}),
     .args = brpoplpush_args},
    {.name = "blmpop", .group = "list", .since = "7.0.0",
     .summary = "Pop elements from a list, or block until one is available",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     .args = blmpop_args},
    {.name = "lmpop", .group = "list", .since = "7.0.0",
     .summary = "Pop elements from a list",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     .args = lmpop_args},
    {.name = "lpush", .group = "list", .since = "1.0.0",
     .summary = "Prepend one or multiple elements to a list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple `element` arguments."}),
     .args = lpush_args},
    {.name = "rpush", .group = "list", .since = "1.0.0",
     .summary = "Append one or multiple elements to a list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     .history = SS_HISTORY({"2.4.0", "Accepts multiple `element` arguments."}),
     .args = rpush_args},
    {.name = "lpushx", .group = "list", .since = "2.2.0",
     .summary = "Prepend an element to a list, only if the list exists",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     .history = SS_HISTORY({"4.0.0", "Accepts multiple `element` arguments."}),
     .args = lpushx_args},
    {.name = "rpushx", .group = "list", .since = "2.2.0",
     .summary = "Append an element to a list, only if the list exists",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     .history = SS_HISTORY({"4.0.0", "Accepts multiple `element` arguments."}),
     .args = rpushx_args},
    {.name = "lpop", .group = "list", .since = "1.0.0",
     .summary = "Remove and get the first elements in a list",
     .complexity = "O(N) where N is the number of elements returned",
     .history = SS_HISTORY({"6.2.0", "Added the `count` argument."}),
     .args = lpop_args},
    {.name = "rpop", .group = "list", .since = "1.0.0",
     .summary = "Remove and get the last elements in a list",
     .complexity = "O(N) where N is the number of elements returned",
     .history = SS_HISTORY({"6.2.0", "Added the `count` argument."}),
     .args = rpop_args},
    {.name = "llen", .group = "list", .since = "1.0.0",
     .summary = "Get the length of a list",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "lrange", .group = "list", .since = "1.0.0",
     .summary = "Get a range of elements from a list",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range. sandstore: O(log N + M), one seek then M elements.",
     .args = lrange_args},
    {.name = "lindex", .group = "list", .since = "1.0.0",
     .summary = "Get an element from a list by its index",
     .complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1). sandstore: O(1).",
     .args = lindex_args},
    {.name = "lset", .group = "list", .since = "1.0.0",
     .summary = "Set the value of an element in a list by its index",
     .complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1). sandstore: O(1).",
     .args = lset_args},
    {.name = "linsert", .group = "list", .since = "2.2.0",
     .summary = "Insert an element before or after another element in a list",
     .complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N). sandstore: plus up to N/2 elements renumbered.",
     .args = linsert_args},
    {.name = "lrem", .group = "list", .since = "1.0.0",
     .summary = "Remove elements from a list",
     .complexity = "O(N+M) where N is the length of the list and M is the number of elements removed. sandstore: elements after the first removal are renumbered.",
     .args = lrem_args},
    {.name = "ltrim", .group = "list", .since = "1.0.0",
     .summary = "Trim a list to the specified range",
     .complexity = "O(N) where N is the number of elements to be removed by the operation.",
     .args = ltrim_args},
    {.name = "lpos", .group = "list", .since = "6.0.6",
     .summary = "Return the index of matching elements on a list",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
     .args = lpos_args},
    {.name = "lmove", .group = "list", .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and return it",
     .complexity = "O(1)",
     .args = lmove_args},
    {.name = "rpoplpush", .group = "list", .since = "1.2.0",
     .summary = "Remove the last element in a list, prepend it to another list and return it",
     .complexity = "O(1)",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
     .args = rpoplpush_args},
};
SS_DOCS_COUNT(ss_docs_list);
