/* FUNCTION libraries and FCALL (to come). */
#include "engine/script_run.h"

ss_dispatch_result ss_function_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                       ss_buf *out)
{
    (void)e; (void)s; (void)cmd; (void)a;
    resp_add_error(out, "ERR FUNCTION is not supported yet");
    return SS_DISPATCH_DONE;
}

ss_dispatch_result ss_fcall_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out)
{
    (void)e; (void)s; (void)cmd; (void)a;
    resp_add_error(out, "ERR FCALL is not supported yet");
    return SS_DISPATCH_DONE;
}

void ss_function_service(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    (void)e; (void)a;
    ss_reply_err(x->out, RERR_INTERNAL, "malformed script entry");
}
