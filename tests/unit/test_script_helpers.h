/* Helpers for the scripting tests: run a script against a fake redis.call. */
#ifndef SS_TEST_SCRIPT_HELPERS_H
#define SS_TEST_SCRIPT_HELPERS_H

#include "scripting/script.h"

/*
 * The fake engine behind redis.call:
 *   raw <resp>       answers <resp> as it is (any RESP2/RESP3 reply)
 *   echo <x>         answers the bulk string x
 *   ping             answers +PONG
 *   set <k> <v>      a write: +OK, or the read-only error when writes are off
 *   proto            answers :2 or :3, the protocol the script asked for
 *   anything else    Redis's unknown-command error
 */
int fake_call(void *ctx, int argc, const char *const *argv, const size_t *argvlen,
              resp_proto proto, bool allow_writes, ss_buf *reply);

typedef struct script_run {
    char *reply;        /* NUL-terminated copy of the RESP reply */
    size_t len;
    ss_script_result res;
} script_run;

/* Runs one call as the engine would and copies the reply. */
script_run run_call(ss_script_env *env, const ss_script_call *call);
/* Runs body with the given keys/args (NULL-terminated lists, may be NULL). */
script_run run_script(ss_script_env *env, const char *body, resp_proto proto, bool allow_writes,
                      const char *const *keys, const char *const *args);
void script_run_free(script_run *r);

/* Runs body for a RESP2 client and expects the reply bytes (a Criterion check). */
void expect_script(ss_script_env *env, const char *body, const char *want);

/* Runs body in a fresh env (no limits) for RESP2 and returns the reply. */
char *eval2(const char *body);
char *eval3(const char *body);

#endif
