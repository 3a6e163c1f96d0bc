/* Commands: argv arrays that grow with the arguments that arrive. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "resp/resp_internal.h"

#define ARGV_FIRST 16  /* argv slots before growing; never sized from the count */
#define ARGV_KEEP 1024 /* larger argv arrays are freed between commands */

void resp_cmd_clear(resp_cmd *cmd)
{
    for (int i = 0; i < cmd->argc; i++)
        free(cmd->argv[i]);
    cmd->argc = 0;
    cmd->bytes = 0;
    if (cmd->cap > ARGV_KEEP) {
        free(cmd->argv);
        free(cmd->argvlen);
        cmd->argv = NULL;
        cmd->argvlen = NULL;
        cmd->cap = 0;
    }
}

void resp_cmd_free(resp_cmd *cmd)
{
    if (!cmd)
        return;
    for (int i = 0; i < cmd->argc; i++)
        free(cmd->argv[i]);
    free(cmd->argv);
    free(cmd->argvlen);
    free(cmd);
}

/* Makes room for one more argument; more is how many the command still
 * declares (this one included), so a hostile count cannot size the array. */
static int grow(resp_cmd *cmd, long long more)
{
    if (cmd->argc < cmd->cap)
        return 0;
    long long want = cmd->cap ? (long long)cmd->cap * 2 : ARGV_FIRST;
    if (want > cmd->argc + more)
        want = cmd->argc + more;
    if (want > INT_MAX)
        want = INT_MAX;
    if (want <= cmd->argc)
        return -1;
    char **argv = realloc(cmd->argv, sizeof(*argv) * (size_t)want);
    if (!argv)
        return -1;
    cmd->argv = argv;
    size_t *argvlen = realloc(cmd->argvlen, sizeof(*argvlen) * (size_t)want);
    if (!argvlen)
        return -1;
    cmd->argvlen = argvlen;
    cmd->cap = (int)want;
    return 0;
}

int resp_cmd_push(resp_cmd *cmd, char *data, size_t len, long long more)
{
    if (grow(cmd, more) != 0)
        return -1;
    cmd->argv[cmd->argc] = data;
    cmd->argvlen[cmd->argc] = len;
    cmd->argc++;
    cmd->bytes += len;
    return 0;
}

int resp_cmd_push_copy(resp_cmd *cmd, const char *data, size_t len, long long more)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, data, len);
    copy[len] = '\0';
    if (resp_cmd_push(cmd, copy, len, more) != 0) {
        free(copy);
        return -1;
    }
    return 0;
}
