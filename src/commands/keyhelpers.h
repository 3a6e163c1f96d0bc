/* Helpers shared by the keyspace command families: typed lookups that reply on failure, versions, arguments. */
#ifndef SS_KEYHELPERS_H
#define SS_KEYHELPERS_H

#include <string.h>
#include <strings.h>

#include "commands/command.h"
#include "store/keyspace.h"

/*
 * Looks a key up at ctx->now_ms. SS_OK: found (meta, value filled);
 * SS_ENOTFOUND: missing or expired. Any other code is a storage failure,
 * already recorded in ctx->status and replied. Counts keyspace hits and
 * misses for reads.
 */
int ss_key_lookup(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_keymeta *meta, ss_slice *value);

/* Replies WRONGTYPE and returns false unless meta holds `type`. */
bool ss_key_check_type(ss_exec_ctx *ctx, const ss_keymeta *meta, ss_type type);

/* A collection version unique to this entry and call ((index << 20) + n), so a
 * key deleted and recreated inside one entry never shares sub-keys. */
uint64_t ss_exec_new_version(ss_exec_ctx *ctx);

/* Records a storage failure (the node must stop) and replies an error. */
void ss_exec_fail(ss_exec_ctx *ctx, int rc);

/* Case-insensitive comparison of argument i with a lowercase word. */
static inline bool ss_arg_is(const ss_args *a, int i, const char *word)
{
    size_t n = strlen(word);
    return a->argvlen[i] == n && strncasecmp(a->argv[i], word, n) == 0;
}

/* Parses argument i as an integer; replies "not an integer" on failure. */
bool ss_arg_ll_or_reply(ss_exec_ctx *ctx, const ss_args *a, int i, long long *out);

#endif
