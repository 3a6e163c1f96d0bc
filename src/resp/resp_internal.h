/* RESP parser internals shared by resp.c and resp_inline.c. */
#ifndef SS_RESP_INTERNAL_H
#define SS_RESP_INTERNAL_H

#include <stddef.h>

#include "resp/resp.h"

/* Frees cmd's arguments and leaves it empty for the next command. */
void resp_cmd_clear(resp_cmd *cmd);
/* Appends data (len bytes, NUL-terminated, now owned by cmd); more is how many
 * arguments the command still declares, this one included, so that a hostile
 * count cannot size the array. 0, or -1 if out of memory. */
int resp_cmd_push(resp_cmd *cmd, char *data, size_t len, long long more);
/* Appends a copy of data (plus a NUL) to cmd. 0, or -1 if out of memory. */
int resp_cmd_push_copy(resp_cmd *cmd, const char *data, size_t len, long long more);

/*
 * Splits one inline line the way redis' sdssplitargs does (spaces, "double
 * quotes" with \n \r \t \b \a \\ \" \xHH, 'single quotes' with \') into cmd.
 * The line ends at len or at its first NUL, as the C string redis splits would.
 * Returns RESP_EOK, RESP_EQUOTES or RESP_ENOMEM.
 */
int resp_split_inline(resp_cmd *cmd, const char *line, size_t len);

#endif
