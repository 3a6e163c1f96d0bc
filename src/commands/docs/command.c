/* COMMAND DOCS text of COMMAND and its subcommands (src/commands/cmd_command.c). */
#include "commands/docs.h"

const ss_command_docs ss_docs_command[] = {
    {.name = "command", .group = "server", .since = "2.8.13",
     .summary = "Returns detailed information about all commands.",
     .complexity = "O(N) where N is the total number of Redis commands",
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|count", .group = "server", .since = "2.8.13",
     .summary = "Get total number of Redis commands",
     .complexity = "O(1)"},
    {.name = "command|list", .group = "server", .since = "7.0.0",
     .summary = "Get an array of Redis command names",
     .complexity = "O(N) where N is the total number of Redis commands",
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|info", .group = "server", .since = "2.8.13",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .complexity = "O(N) where N is the number of commands to look up",
     .tips = SS_TIPS("nondeterministic_output_order")},
    {.name = "command|docs", .group = "server", .since = "7.0.0",
     .summary = "Get array of specific Redis command documentation",
     .complexity = "O(N) where N is the number of commands to look up",
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
