/* One script run against the store: what the redis.call runner needs (shared by script_exec.c and functions.c). */
#ifndef SS_SCRIPT_RUN_H
#define SS_SCRIPT_RUN_H

#include "engine/engine_internal.h"

typedef struct ss_script_run {
    ss_engine *e;
    ss_exec_ctx *x;        /* apply (the entry's txn, time, seed) or read */
    int db;                /* the script's database (SELECT inside it) */
    ss_script_limits limits;
    /* FCALL: the library and the function (NULL for EVAL) */
    const char *lib, *fname;
    size_t lib_len, fname_len;
    /* The ACL user whose rules the script's calls are checked against (NULL: the default user). */
    const char *user;
    size_t user_len;
} ss_script_run;

/* Runs call (its call-back and seed are filled in here) in the apply or
 * read environment, replying to run->x->out; in apply, a script stopped by
 * its budget has its writes rolled back. */
void ss_script_run_code(ss_script_run *run, const ss_script_call *call, ss_script_result *res);

/* scripts.c: shared by the client-facing scripting commands. */
void ss_script_reply_help(ss_buf *out, const char *const *lines);
bool ss_script_numkeys(const ss_args *a, long long *numkeys, ss_buf *out);
ss_dispatch_result ss_script_route(ss_engine *e, ss_session *s, const ss_args *internal, bool write,
                                   ss_buf *out);

/* functions.c: FUNCTION and FCALL. */
ss_dispatch_result ss_function_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                       ss_buf *out);
ss_dispatch_result ss_fcall_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out);
void ss_function_service(ss_engine *e, ss_exec_ctx *x, const ss_args *a);

#endif
