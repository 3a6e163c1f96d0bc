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

static const ss_cmdarg xread_args[] = {
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    ARG("milliseconds", ARG_INTEGER, .token = "BLOCK", .flags = ARG_OPTIONAL),
    ARG("streams", ARG_BLOCK, .token = "STREAMS", .nargs = 2),
        ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
        ARG("id", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg xreadgroup_args[] = {
    ARG("group_consumer", ARG_BLOCK, .token = "GROUP", .nargs = 2),
        ARG("group", ARG_STRING),
        ARG("consumer", ARG_STRING),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    ARG("milliseconds", ARG_INTEGER, .token = "BLOCK", .flags = ARG_OPTIONAL),
    ARG("noack", ARG_PURE_TOKEN, .token = "NOACK", .flags = ARG_OPTIONAL),
    ARG("streams", ARG_BLOCK, .token = "STREAMS", .nargs = 2),
        ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
        ARG("id", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg xgroup_create_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("groupname", ARG_STRING),
    ARG("id", ARG_ONEOF, .nargs = 2),
        ARG("id", ARG_STRING),
        ARG("new_id", ARG_PURE_TOKEN, .token = "$"),
    ARG("mkstream", ARG_PURE_TOKEN, .token = "MKSTREAM", .flags = ARG_OPTIONAL),
    ARG("entries_read", ARG_INTEGER, .token = "ENTRIESREAD", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xgroup_createconsumer_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("groupname", ARG_STRING),
    ARG("consumername", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg xgroup_delconsumer_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("groupname", ARG_STRING),
    ARG("consumername", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg xgroup_destroy_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("groupname", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg xgroup_setid_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("groupname", ARG_STRING),
    ARG("id", ARG_ONEOF, .nargs = 2),
        ARG("id", ARG_STRING),
        ARG("new_id", ARG_PURE_TOKEN, .token = "$"),
    ARG("entries_read", ARG_INTEGER, .token = "ENTRIESREAD", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xack_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("group", ARG_STRING),
    ARG("id", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg xpending_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("group", ARG_STRING),
    ARG("filters", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 5),
        ARG("min-idle-time", ARG_INTEGER, .token = "IDLE", .since = "6.2.0", .flags = ARG_OPTIONAL),
        ARG("start", ARG_STRING),
        ARG("end", ARG_STRING),
        ARG("count", ARG_INTEGER),
        ARG("consumer", ARG_STRING, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xclaim_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("group", ARG_STRING),
    ARG("consumer", ARG_STRING),
    ARG("min-idle-time", ARG_STRING),
    ARG("id", ARG_STRING, .flags = ARG_MULTIPLE),
    ARG("ms", ARG_INTEGER, .token = "IDLE", .flags = ARG_OPTIONAL),
    ARG("unix-time-milliseconds", ARG_UNIX_TIME, .token = "TIME", .flags = ARG_OPTIONAL),
    ARG("count", ARG_INTEGER, .token = "RETRYCOUNT", .flags = ARG_OPTIONAL),
    ARG("force", ARG_PURE_TOKEN, .token = "FORCE", .flags = ARG_OPTIONAL),
    ARG("justid", ARG_PURE_TOKEN, .token = "JUSTID", .flags = ARG_OPTIONAL),
    ARG("id", ARG_STRING, .token = "LASTID", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xautoclaim_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("group", ARG_STRING),
    ARG("consumer", ARG_STRING),
    ARG("min-idle-time", ARG_STRING),
    ARG("start", ARG_STRING),
    ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    ARG("justid", ARG_PURE_TOKEN, .token = "JUSTID", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xinfo_stream_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("full", ARG_BLOCK, .token = "FULL", .flags = ARG_OPTIONAL, .nargs = 1),
        ARG("count", ARG_INTEGER, .token = "COUNT", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg xinfo_consumers_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("groupname", ARG_STRING),
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
    {.name = "xread", .group = "stream", .since = "5.0.0",
     .summary = "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block. sandstore: BLOCK is refused with an error when it would have to wait (when there is nothing to read yet); with entries to return it answers at once, as Redis does.",
     .complexity = "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
     .args = xread_args},
    {.name = "xreadgroup", .group = "stream", .since = "5.0.0",
     .summary = "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block. sandstore: BLOCK is refused with an error when it would have to wait (when there is nothing to read yet); with entries to return it answers at once, as Redis does.",
     .complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
     .args = xreadgroup_args},
    {.name = "xgroup", .group = "stream", .since = "5.0.0",
     .summary = "A container for consumer groups commands",
     .complexity = "Depends on subcommand."},
    {.name = "xgroup|create", .group = "stream", .since = "5.0.0",
     .summary = "Create a consumer group.",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added the `entries_read` named argument."}),
     .args = xgroup_create_args},
    {.name = "xgroup|createconsumer", .group = "stream", .since = "6.2.0",
     .summary = "Create a consumer in a consumer group.",
     .complexity = "O(1)",
     .args = xgroup_createconsumer_args},
    {.name = "xgroup|delconsumer", .group = "stream", .since = "5.0.0",
     .summary = "Delete a consumer from a consumer group.",
     .complexity = "O(1)",
     .args = xgroup_delconsumer_args},
    {.name = "xgroup|destroy", .group = "stream", .since = "5.0.0",
     .summary = "Destroy a consumer group.",
     .complexity = "O(N) where N is the number of entries in the group's pending entries list (PEL).",
     .args = xgroup_destroy_args},
    {.name = "xgroup|setid", .group = "stream", .since = "5.0.0",
     .summary = "Set a consumer group to an arbitrary last delivered ID value.",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added the optional `entries_read` argument."}),
     .args = xgroup_setid_args},
    {.name = "xgroup|help", .group = "stream", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "xack", .group = "stream", .since = "5.0.0",
     .summary = "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
     .complexity = "O(1) for each message ID processed.",
     .args = xack_args},
    {.name = "xpending", .group = "stream", .since = "5.0.0",
     .summary = "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
     .complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
     .history = SS_HISTORY({"6.2.0", "Added the `IDLE` option and exclusive range intervals."}),
     .args = xpending_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "xclaim", .group = "stream", .since = "5.0.0",
     .summary = "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
     .complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.",
     .args = xclaim_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "xautoclaim", .group = "stream", .since = "6.2.0",
     .summary = "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
     .complexity = "O(1) if COUNT is small.",
     .history = SS_HISTORY({"7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL"}),
     .args = xautoclaim_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "xinfo", .group = "stream", .since = "5.0.0",
     .summary = "A container for stream introspection commands",
     .complexity = "Depends on subcommand."},
    {.name = "xinfo|stream", .group = "stream", .since = "5.0.0",
     .summary = "Get information about a stream",
     .complexity = "O(1) sandstore: O(M) for radix-tree-nodes, with M the number of Redis macro nodes the stream would have (about one per 100 entries).",
     .history = SS_HISTORY({"6.0.0", "Added the `FULL` modifier."},
                           {"7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"}),
     .args = xinfo_stream_args},
    {.name = "xinfo|groups", .group = "stream", .since = "5.0.0",
     .summary = "List the consumer groups of a stream",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added the `entries-read` and `lag` fields"}),
     .args = ss_args_key},
    {.name = "xinfo|consumers", .group = "stream", .since = "5.0.0",
     .summary = "List the consumers in a consumer group",
     .complexity = "O(1)",
     .args = xinfo_consumers_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "xinfo|help", .group = "stream", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "xsetid", .group = "stream", .since = "5.0.0",
     .summary = "An internal command for replicating stream values",
     .complexity = "O(1)",
     .history = SS_HISTORY({"7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."}),
     .args = xsetid_args},
};
SS_DOCS_COUNT(ss_docs_stream);
