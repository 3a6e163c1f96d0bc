/* COMMAND DOCS text of COMMAND and its subcommands (src/commands/cmd_command.c). */
#include "commands/docs.h"

static const ss_cmdarg command_list_args[] = {
    ARG("filterby", ARG_ONEOF, .token = "FILTERBY", .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("module-name", ARG_STRING, .token = "MODULE"),
        ARG("category", ARG_STRING, .token = "ACLCAT"),
        ARG("pattern", ARG_PATTERN, .token = "PATTERN"),
    SS_ARGS_END,
};

static const ss_cmdarg command_info_args[] = {
    ARG("command-name", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg command_docs_args[] = {
    ARG("command-name", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_command[] = {
    {.name = "command", .group = "server", .since = "2.8.13",
     .summary = "Get array of Redis command details",
     .complexity = "O(N) where N is the total number of Redis commands",
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|count", .group = "server", .since = "2.8.13",
     .summary = "Get total number of Redis commands",
     .complexity = "O(1)"},
    {.name = "command|list", .group = "server", .since = "7.0.0",
     .summary = "Get an array of Redis command names",
     .complexity = "O(N) where N is the total number of Redis commands",
     .args = command_list_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|info", .group = "server", .since = "2.8.13",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .complexity = "O(N) where N is the number of commands to look up",
     .history = SS_HISTORY({"7.0.0", "Allowed to be called with no argument to get info on all commands."}),
     .args = command_info_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|docs", .group = "server", .since = "7.0.0",
     .summary = "Get array of specific Redis command documentation",
     .complexity = "O(N) where N is the number of commands to look up",
     .args = command_docs_args,
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|getkeys", .group = "server", .since = "2.8.13",
     .summary = "Extract keys given a full Redis command",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "command|getkeysandflags", .group = "server", .since = "7.0.0",
     .summary = "Extract keys and access flags given a full Redis command",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "command|help", .group = "server", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
};
SS_DOCS_COUNT(ss_docs_command);
