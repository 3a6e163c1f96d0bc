/* The command families: one file each, each exporting its part of the table. */
#ifndef SS_FAMILIES_H
#define SS_FAMILIES_H

#include <stddef.h>

#include "commands/command.h"

#define SS_FAMILY(name)                       \
    extern const ss_command ss_cmds_##name[]; \
    extern const size_t ss_cmds_##name##_count;

SS_FAMILY(conn)    /* cmd_conn.c: PING ECHO SELECT QUIT HELLO AUTH CLIENT RESET */
SS_FAMILY(server)  /* cmd_server.c: BGSAVE CONFIG INFO DBSIZE FLUSHDB FLUSHALL LASTSAVE SHUTDOWN TIME */
SS_FAMILY(command) /* cmd_command.c: COMMAND */
SS_FAMILY(string)  /* cmd_string.c */
SS_FAMILY(keys)    /* cmd_keys.c */
SS_FAMILY(hash)    /* cmd_hash.c */
SS_FAMILY(list)    /* cmd_list.c */
SS_FAMILY(set)     /* cmd_set.c */
SS_FAMILY(zset)    /* cmd_zset.c */
SS_FAMILY(debug)   /* cmd_debug.c: DEBUG DIGEST DIGEST-VALUE HELP */

#define SS_COUNT(arr) const size_t arr##_count = sizeof arr / sizeof arr[0]

#endif
