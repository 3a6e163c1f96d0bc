/* The command families: one file each (cmd_<name>.c) exporting its rows, and one docs file each (docs/<name>.c). */
#ifndef SS_FAMILIES_H
#define SS_FAMILIES_H

#include <stddef.h>

#include "commands/command.h"

/* Every family, once: adding a family is a line here. */
#define SS_FAMILIES(X)                                                              \
    X(conn)    /* PING ECHO SELECT QUIT AUTH HELLO CLIENT RESET, MULTI and friends */ \
    X(server)  /* BGSAVE CONFIG INFO DBSIZE FLUSHDB FLUSHALL LASTSAVE SHUTDOWN TIME */ \
    X(command) /* COMMAND */                                                        \
    X(string)                                                                       \
    X(keys)                                                                         \
    X(hash)                                                                         \
    X(list)                                                                         \
    X(set)                                                                          \
    X(zset)                                                                         \
    X(zsetop)  /* ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD ZRANGESTORE ZRANDMEMBER */ \
    X(geo)                                                                          \
    X(sort)    /* SORT SORT_RO */                                                   \
    X(stream)                                                                       \
    X(bitmap)  /* SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO */        \
    X(hll)     /* PFADD PFCOUNT PFMERGE */                                         \
    X(lcs)     /* LCS (Redis's string group) */                                     \
    X(dump)    /* DUMP RESTORE (strings) */                                         \
    X(migrate) /* MIGRATE and its internal read and delete halves */               \
    X(debug)   /* DEBUG DIGEST DIGEST-VALUE HELP */                                 \
    X(script)  /* EVAL EVALSHA *_RO SCRIPT FUNCTION FCALL FCALL_RO */                \
    X(cluster) /* CLUSTER READONLY READWRITE ASKING */                               \
    X(pubsub)  /* SUBSCRIBE and friends, PUBLISH SPUBLISH PUBSUB */                   \
    X(monitor) /* SLOWLOG LATENCY */                                               \
    X(object)  /* OBJECT ENCODING FREQ IDLETIME REFCOUNT HELP */                     \
    X(memory)  /* MEMORY USAGE STATS DOCTOR MALLOC-STATS PURGE HELP */               \
    X(raft)    /* RAFT.NODE ADD PROMOTE REMOVE LIST, RAFT.TRANSFER_LEADER */ \
    X(acl)     /* ACL and its subcommands */

#define SS_FAMILY_ROWS(name)                  \
    extern const ss_command ss_cmds_##name[]; \
    extern const size_t ss_cmds_##name##_count;
SS_FAMILIES(SS_FAMILY_ROWS)

#define SS_COUNT(arr) const size_t arr##_count = sizeof arr / sizeof arr[0]

#endif
