/* MIGRATE's arguments as Redis 7.0 reads them, and the internal commands of its read and delete halves (the engine's migrate.c runs the command). */
#ifndef SS_MIGRATE_H
#define SS_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "commands/command.h"

typedef struct ss_migrate_args {
    int port;                 /* atoi's, as Redis: a bad port fails to connect */
    long long dbid;           /* sent to the target's SELECT as given */
    long long timeout_ms;     /* > 0 (Redis's 1000 for <= 0) */
    bool copy, replace;
    int user, pass;           /* argument index of AUTH2's user, of the password (0: none) */
    int first_key, nkeys;     /* the keys: argument 3, or those after KEYS */
} ss_migrate_args;

/* Parses a (argc >= 6) in Redis 7.0's order and words: the options (syntax
 * errors, KEYS with a non-empty key), then timeout, then db. False after
 * replying the error to out. */
bool ss_migrate_parse(const ss_args *a, ss_migrate_args *m, ss_buf *out);

/*
 * The read half, run after the read barrier: SS_MIGRATE_DUMP key answers
 * [digest, ttl, DUMP's reply]: the key's digest (ss_key_digest, 20 bytes),
 * its remaining time to live in ms (at least 1; 0 for none), and exactly
 * what DUMP answers (the payload, a null for a missing key, or DUMP's error
 * for a type it cannot dump).
 *
 * The delete half, an entry of the log: SS_MIGRATE_DEL target-error key
 * digest [key digest ...] deletes each key whose digest is still the one
 * dumped, and answers MIGRATE's reply: RERR_MIGRATE_CHANGED when a key was
 * written in between (it is kept), else the target's error when there was
 * one (target-error, "" for none), else OK.
 */
#define SS_MIGRATE_DUMP "__migrate_dump"
#define SS_MIGRATE_DEL "__migrate_del"

/* DUMP's exec (cmd_dump.c): its reply for the key at a->argv[1]. */
void ss_dump_exec(ss_exec_ctx *ctx, const ss_args *a);

#endif
