/* COMMAND DOCS text of ACL (src/commands/cmd_acl.c), Redis 7.0's. */
#include "commands/docs.h"

static const ss_cmdarg acl_cat_args[] = {
    ARG("categoryname", ARG_STRING, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg acl_deluser_args[] = {
    ARG("username", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg acl_dryrun_args[] = {
    ARG("username", ARG_STRING),
    ARG("command", ARG_STRING),
    ARG("arg", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg acl_genpass_args[] = {
    ARG("bits", ARG_INTEGER, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg acl_getuser_args[] = {
    ARG("username", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg acl_log_args[] = {
    ARG("operation", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("count", ARG_INTEGER),
        ARG("reset", ARG_PURE_TOKEN, .token = "RESET"),
    SS_ARGS_END,
};

static const ss_cmdarg acl_setuser_args[] = {
    ARG("username", ARG_STRING),
    ARG("rule", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_acl[] = {
    {.name = "acl", .group = "server", .since = "6.0.0",
     .summary = "A container for Access List Control commands ",
     .complexity = "Depends on subcommand."},
    {.name = "acl|cat", .group = "server", .since = "6.0.0",
     .summary = "List the ACL categories or the commands inside a category",
     .complexity = "O(1) since the categories and commands are a fixed set.",
     .args = acl_cat_args},
    {.name = "acl|deluser", .group = "server", .since = "6.0.0",
     .summary = "Remove the specified ACL users and the associated rules",
     .complexity = "O(1) amortized time considering the typical user.",
     .args = acl_deluser_args},
    {.name = "acl|dryrun", .group = "server", .since = "7.0.0",
     .summary = "Returns whether the user can execute the given command without executing the command.",
     .complexity = "O(1).",
     .args = acl_dryrun_args},
    {.name = "acl|genpass", .group = "server", .since = "6.0.0",
     .summary = "Generate a pseudorandom secure password to use for ACL users",
     .complexity = "O(1)",
     .args = acl_genpass_args},
    {.name = "acl|getuser", .group = "server", .since = "6.0.0",
     .summary = "Get the rules for a specific ACL user",
     .complexity = "O(N). Where N is the number of password, command and pattern rules that the user has.",
     .history = SS_HISTORY({"6.2.0", "Added Pub/Sub channel patterns."},
                           {"7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation."}),
     .args = acl_getuser_args},
    {.name = "acl|help", .group = "server", .since = "6.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "acl|list", .group = "server", .since = "6.0.0",
     .summary = "List the current ACL rules in ACL config file format",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "acl|load", .group = "server", .since = "6.0.0",
     .summary = "Reload the ACLs from the configured ACL file",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "acl|log", .group = "server", .since = "6.0.0",
     .summary = "List latest events denied because of ACLs in place",
     .complexity = "O(N) with N being the number of entries shown.",
     .args = acl_log_args},
    {.name = "acl|save", .group = "server", .since = "6.0.0",
     .summary = "Save the current ACL rules in the configured ACL file",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "acl|setuser", .group = "server", .since = "6.0.0",
     .summary = "Modify or create the rules for a specific ACL user",
     .complexity = "O(N). Where N is the number of rules provided.",
     .history = SS_HISTORY({"6.2.0", "Added Pub/Sub channel patterns."},
                           {"7.0.0", "Added selectors and key based permissions."}),
     .args = acl_setuser_args},
    {.name = "acl|users", .group = "server", .since = "6.0.0",
     .summary = "List the username of all the configured ACL rules",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "acl|whoami", .group = "server", .since = "6.0.0",
     .summary = "Return the name of the user associated to the current connection",
     .complexity = "O(1)"},
};
SS_DOCS_COUNT(ss_docs_acl);
