/* COMMAND DOCS text of the debug commands (src/commands/cmd_debug.c). */
#include "commands/docs.h"

const ss_command_docs ss_docs_debug[] = {
    {.name = "debug", .group = "server", .since = "1.0.0",
     .summary = "A container for debugging commands",
     .complexity = "Depends on subcommand. sandstore: DIGEST is O(N) in keys and elements, on the event loop; DIGEST-VALUE is O(N) in the keys' elements.",
     .doc_flags = SS_DOC_SYSCMD},
};
SS_DOCS_COUNT(ss_docs_debug);
