/* COMMAND DOCS text of the scripting commands (src/commands/cmd_script.c). */
#include "commands/docs.h"

static const ss_cmdarg eval_args[] = {
    ARG("script", ARG_STRING),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg evalsha_args[] = {
    ARG("sha1", ARG_STRING),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg eval_ro_args[] = {
    ARG("script", ARG_STRING),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg evalsha_ro_args[] = {
    ARG("sha1", ARG_STRING),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg fcall_args[] = {
    ARG("function", ARG_STRING),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg fcall_ro_args[] = {
    ARG("function", ARG_STRING),
    ARG("numkeys", ARG_INTEGER),
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg script_flush_args[] = {
    ARG("async", ARG_ONEOF, .since = "6.2.0", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("async", ARG_PURE_TOKEN, .token = "ASYNC"),
        ARG("sync", ARG_PURE_TOKEN, .token = "SYNC"),
    SS_ARGS_END,
};

static const ss_cmdarg script_exists_args[] = {
    ARG("sha1", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg script_debug_args[] = {
    ARG("mode", ARG_ONEOF, .nargs = 3),
        ARG("yes", ARG_PURE_TOKEN, .token = "YES"),
        ARG("sync", ARG_PURE_TOKEN, .token = "SYNC"),
        ARG("no", ARG_PURE_TOKEN, .token = "NO"),
    SS_ARGS_END,
};

static const ss_cmdarg script_load_args[] = {
    ARG("script", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg function_flush_args[] = {
    ARG("async", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("async", ARG_PURE_TOKEN, .token = "ASYNC"),
        ARG("sync", ARG_PURE_TOKEN, .token = "SYNC"),
    SS_ARGS_END,
};

static const ss_cmdarg function_delete_args[] = {
    ARG("library-name", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg function_list_args[] = {
    ARG("library-name-pattern", ARG_STRING, .token = "LIBRARYNAME", .flags = ARG_OPTIONAL),
    ARG("withcode", ARG_PURE_TOKEN, .token = "WITHCODE", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg function_restore_args[] = {
    ARG("serialized-value", ARG_STRING),
    ARG("policy", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("flush", ARG_PURE_TOKEN, .token = "FLUSH"),
        ARG("append", ARG_PURE_TOKEN, .token = "APPEND"),
        ARG("replace", ARG_PURE_TOKEN, .token = "REPLACE"),
    SS_ARGS_END,
};

static const ss_cmdarg function_load_args[] = {
    ARG("replace", ARG_PURE_TOKEN, .token = "REPLACE", .flags = ARG_OPTIONAL),
    ARG("function-code", ARG_STRING),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_script[] = {
    {.name = "eval", .group = "scripting", .since = "2.6.0",
     .summary = "Execute a Lua script server side",
     .complexity = "Depends on the script that is executed.",
     .args = eval_args,
     .key_notes = {"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"}},
    {.name = "evalsha", .group = "scripting", .since = "2.6.0",
     .summary = "Execute a Lua script server side",
     .complexity = "Depends on the script that is executed.",
     .args = evalsha_args},
    {.name = "eval_ro", .group = "scripting", .since = "7.0.0",
     .summary = "Execute a read-only Lua script server side",
     .complexity = "Depends on the script that is executed.",
     .args = eval_ro_args,
     .key_notes = {"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"}},
    {.name = "evalsha_ro", .group = "scripting", .since = "7.0.0",
     .summary = "Execute a read-only Lua script server side",
     .complexity = "Depends on the script that is executed.",
     .args = evalsha_ro_args},
    {.name = "fcall", .group = "scripting", .since = "7.0.0",
     .summary = "Invoke a function",
     .complexity = "Depends on the function that is executed.",
     .args = fcall_args,
     .key_notes = {"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"}},
    {.name = "fcall_ro", .group = "scripting", .since = "7.0.0",
     .summary = "Invoke a read-only function",
     .complexity = "Depends on the function that is executed.",
     .args = fcall_ro_args,
     .key_notes = {"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"}},
    {.name = "script", .group = "scripting", .since = "2.6.0",
     .summary = "A container for Lua scripts management commands",
     .complexity = "Depends on subcommand."},
    {.name = "script|flush", .group = "scripting", .since = "2.6.0",
     .summary = "Remove all the scripts from the script cache.",
     .complexity = "O(N) with N being the number of scripts in cache",
     .history = SS_HISTORY({"6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."}),
     .args = script_flush_args,
     .tips = SS_TIPS("request_policy:all_nodes", "response_policy:all_succeeded")},
    {.name = "script|help", .group = "scripting", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "script|exists", .group = "scripting", .since = "2.6.0",
     .summary = "Check existence of scripts in the script cache.",
     .complexity = "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
     .args = script_exists_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:agg_logical_and")},
    {.name = "script|debug", .group = "scripting", .since = "3.2.0",
     .summary = "Set the debug mode for executed scripts.",
     .complexity = "O(1)",
     .args = script_debug_args},
    {.name = "script|kill", .group = "scripting", .since = "2.6.0",
     .summary = "Kill the script currently in execution.",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:one_succeeded")},
    {.name = "script|load", .group = "scripting", .since = "2.6.0",
     .summary = "Load the specified Lua script into the script cache.",
     .complexity = "O(N) with N being the length in bytes of the script body.",
     .args = script_load_args,
     .tips = SS_TIPS("request_policy:all_nodes", "response_policy:all_succeeded")},
    {.name = "function", .group = "scripting", .since = "7.0.0",
     .summary = "A container for function commands",
     .complexity = "Depends on subcommand."},
    {.name = "function|flush", .group = "scripting", .since = "7.0.0",
     .summary = "Deleting all functions",
     .complexity = "O(N) where N is the number of functions deleted",
     .args = function_flush_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "function|delete", .group = "scripting", .since = "7.0.0",
     .summary = "Delete a function by name",
     .complexity = "O(1)",
     .args = function_delete_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "function|list", .group = "scripting", .since = "7.0.0",
     .summary = "List information about all the functions",
     .complexity = "O(N) where N is the number of functions",
     .args = function_list_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "function|help", .group = "scripting", .since = "7.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "function|dump", .group = "scripting", .since = "7.0.0",
     .summary = "Dump all functions into a serialized binary payload",
     .complexity = "O(N) where N is the number of functions"},
    {.name = "function|restore", .group = "scripting", .since = "7.0.0",
     .summary = "Restore all the functions on the given payload",
     .complexity = "O(N) where N is the number of functions on the payload",
     .args = function_restore_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "function|kill", .group = "scripting", .since = "7.0.0",
     .summary = "Kill the function currently in execution.",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:one_succeeded")},
    {.name = "function|load", .group = "scripting", .since = "7.0.0",
     .summary = "Create a function with the given arguments (name, code, description)",
     .complexity = "O(1) (considering compilation time is redundant)",
     .args = function_load_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "function|stats", .group = "scripting", .since = "7.0.0",
     .summary = "Return information about the function currently running (name, description, duration)",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_shards", "response_policy:special")},
};
SS_DOCS_COUNT(ss_docs_script);
