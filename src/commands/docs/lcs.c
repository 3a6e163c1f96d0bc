/* COMMAND DOCS text of LCS (src/commands/cmd_lcs.c). */
#include "commands/docs.h"

static const ss_cmdarg lcs_args[] = {
    ARG("key1", ARG_KEY, .key_spec_index = 0),
    ARG("key2", ARG_KEY, .key_spec_index = 0),
    ARG("len", ARG_PURE_TOKEN, .token = "LEN", .flags = ARG_OPTIONAL),
    ARG("idx", ARG_PURE_TOKEN, .token = "IDX", .flags = ARG_OPTIONAL),
    ARG("len", ARG_INTEGER, .token = "MINMATCHLEN", .flags = ARG_OPTIONAL),
    ARG("withmatchlen", ARG_PURE_TOKEN, .token = "WITHMATCHLEN", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_lcs[] = {
    {.name = "lcs", .group = "string", .since = "7.0.0",
     .summary = "Find longest common substring",
     .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
     .args = lcs_args},
};
SS_DOCS_COUNT(ss_docs_lcs);
