/* COMMAND DOCS text of the stream commands (src/commands/cmd_stream*.c). */
#include "commands/docs.h"

static const ss_cmdarg xadd_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("nomkstream", ARG_PURE_TOKEN, .token = "NOMKSTREAM", .since = "6.2.0", .flags = ARG_OPTIONAL),
    ARG("trim", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 4),
        ARG("strategy", ARG_ONEOF, .nargs = 2),
            ARG("maxlen", ARG_PURE_TOKEN, .token = "MAXLEN"),
            ARG("minid", ARG_PURE_TOKEN, .token = "MINID", .since = "6.2.0"),
        ARG("operator", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
            ARG("equal", ARG_PURE_TOKEN, .token = "="),
            ARG("approximately", ARG_PURE_TOKEN, .token = "~"),
        ARG("threshold", ARG_STRING),
        ARG("count", ARG_INTEGER, .token = "LIMIT", .since = "6.2.0", .flags = ARG_OPTIONAL),
    ARG("id_or_auto", ARG_ONEOF, .nargs = 2),
        ARG("auto_id", ARG_PURE_TOKEN, .token = "*"),
        ARG("id", ARG_STRING),
    ARG("field_value", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 2),
        ARG("field", ARG_STRING),
        ARG("value", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg xrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("start", ARG_STRING),
    ARG("end", ARG_STRING),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xrevrange_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("end", ARG_STRING),
    ARG("start", ARG_STRING),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xdel_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("id", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg xtrim_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("trim", ARG_BLOCK, .nargs = 4),
        ARG("strategy", ARG_ONEOF, .nargs = 2),
            ARG("maxlen", ARG_PURE_TOKEN, .token = "MAXLEN"),
            ARG("minid", ARG_PURE_TOKEN, .token = "MINID", .since = "6.2.0"),
        ARG("operator", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
            ARG("equal", ARG_PURE_TOKEN, .token = "="),
            ARG("approximately", ARG_PURE_TOKEN, .token = "~"),
        ARG("threshold", ARG_STRING),
        ARG("count", ARG_INTEGER, .token = "LIMIT", .since = "6.2.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xsetid_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("last-id", ARG_STRING),
    ARG("entries_added", ARG_INTEGER, .token = "ENTRIESADDED", .since = "7.0.0", .flags = ARG_OPTIONAL),
    ARG("max_deleted_entry_id", ARG_STRING, .token = "MAXDELETEDID", .since = "7.0.0", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_stream[] = {
    {.name = "xadd", .group = "stream", .since = "5.0.0",
     .summary = "Appends a new entry to a stream",
     .complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
     .history = SS_HISTORY({"6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."},
                           {"7.0.0", "Added support for the `<ms>-*` explicit ID form."}),
     .args = xadd_args,
     .tips = SS_TIPS("nondeterministic_output"),
     .key_notes = {"UPDATE instead of INSERT because of the optional trimming feature"}},
    {.name = "xrange", .group = "stream", .since = "5.0.0",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval",
     .complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
     .history = SS_HISTORY({"6.2.0", "Added exclusive ranges."}),
     .args = xrange_args},
    {.name = "xrevrange", .group = "stream", .since = "5.0.0",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
     .complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
     .history = SS_HISTORY({"6.2.0", "Added exclusive ranges."}),
     .args = xrevrange_args},
    {.name = "xlen", .group = "stream", .since = "5.0.0",
     .summary = "Return the number of entries in a stream",
     .complexity = "O(1)",
     .args = ss_args_key},
    {.name = "xdel", .group = "stream", .since = "5.0.0",
     .summary = "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
     .complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.",
     .args = xdel_args},
    {.name = "xtrim", .group = "stream", .since = "5.0.0",
     .summary = "Trims the stream to (approximately if '~' is passed) a certain size",
     .complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
     .history = SS_HISTORY({"6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."}),
     .args = xtrim_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "xsetid", .group = "stream", .since = "5.0.0",
     .summary = "An internal command for replicating stream values",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."}),
     .args = xsetid_args},
};
SS_DOCS_COUNT(ss_docs_stream);
