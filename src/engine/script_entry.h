/* The arguments of a script's log entry (or read): what EVAL, EVALSHA and FCALL become, built at prepare and checked in apply. */
#ifndef SS_SCRIPT_ENTRY_H
#define SS_SCRIPT_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/command.h"
#include "scripting/script.h"

/*
 * `__eval` (write entry), `__eval_ro` (read), `__fcall`, `__fcall_ro`:
 *   [0] name  [1] how the script is named: "body" or "sha" (FCALL: "fn")
 *   [2] "ro" when the client asked for a read-only run (EVAL_RO...), else "-";
 *       then "@<user>" when the client was not the default ACL user: every
 *       node checks the script's redis.call()s against that user's rules as
 *       its ACL stands at the entry's index
 *   [3] the client's protocol, "2" or "3"
 *   [4] script-max-instructions  [5] script-max-memory  [6] script-max-reply
 *       of the proposing node: every node runs the script under the same
 *       budget, whatever its own configuration says
 *   [7] the body, the sha, or the function's name
 *   [8] numkeys, then the keys, then the arguments
 * The entry's header carries the time and the seed.
 */
#define SS_SCRIPT_ENTRY_FIXED 9

typedef enum { SS_SCRIPT_BY_BODY, SS_SCRIPT_BY_SHA, SS_SCRIPT_BY_FUNCTION } ss_script_naming;
enum { SS_SCRIPT_CALL_RO = 1 };

typedef struct ss_script_entry_args {
    ss_args args;
    char nums[5][24];
    char *flagword; /* [2] with a user (ss_script_entry_set_user) */
} ss_script_entry_args;

/* From a client's "CMD script numkeys keys... args..." (script at a->argv[first],
 * numkeys after it, already checked). Never fails (the loop's small
 * allocations abort when memory is gone). */
void ss_script_entry_build(ss_script_entry_args *ea, const char *name, ss_script_naming naming, int callflags,
                           resp_proto proto, ss_script_limits limits, const ss_args *a, int first,
                           long long numkeys);
void ss_script_entry_release(ss_script_entry_args *ea);
/* The ACL user the script runs as (NULL: the default user). */
void ss_script_entry_set_user(ss_script_entry_args *ea, const char *user, size_t len);

/* A parsed entry: pointers into the arguments. */
typedef struct ss_script_entry {
    ss_script_naming naming;
    int callflags;
    const char *user;  /* the ACL user, NULL: the default one */
    size_t user_len;
    resp_proto proto;
    ss_script_limits limits;
    const char *script;
    size_t script_len;
    int nkeys, nargs;
    const char *const *keys;
    const size_t *keylens;
    const char *const *args;
    const size_t *arglens;
} ss_script_entry;

/* Strict: false for anything a prepare of this version does not build. */
bool ss_script_entry_parse(const ss_args *a, ss_script_entry *out);

#endif
