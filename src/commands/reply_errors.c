/* The replies clients see when a command fails: one table, Redis's exact words. */
#include "commands/reply_errors.h"

#include <stdarg.h>
#include <stdio.h>

#include "resp/resp.h"

#define SS_REPLY_ERROR_TEXT(name, text) [name] = text,
static const char *const texts[] = { SS_REPLY_ERRORS(SS_REPLY_ERROR_TEXT) };
#undef SS_REPLY_ERROR_TEXT

const char *ss_reply_err_text(ss_reply_err_code code)
{
    if ((int)code < 0 || code >= RERR_COUNT)
        return "ERR unknown error";
    return texts[code];
}

int ss_reply_err(ss_buf *out, ss_reply_err_code code, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, code);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(msg, sizeof msg, ss_reply_err_text(code), ap);
#pragma GCC diagnostic pop
    va_end(ap);
    return resp_add_error(out, msg);
}
