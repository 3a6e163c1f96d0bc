/* The one table of error messages. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SS_ERROR_MSG(name, msg) [name] = msg,
static const char *const messages[] = { SS_ERRORS(SS_ERROR_MSG) };
#undef SS_ERROR_MSG

const char *ss_strerror(int code)
{
    if (code < 0 || code >= SS_ERROR_COUNT)
        return "unknown error";
    return messages[code];
}

int ss_errf(char *errmsg, int code, const char *fmt, ...)
{
    if (errmsg != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errmsg, SS_ERRMSG_SIZE, fmt, ap);
        va_end(ap);
    }
    return code;
}

int ss_errwrap(char *errmsg, int code, const char *fmt, ...)
{
    if (errmsg == NULL)
        return code;
    char prefix[SS_ERRMSG_SIZE];
    char old[SS_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof old);
    old[sizeof old - 1] = '\0';
    if (old[0] != '\0')
        snprintf(errmsg, SS_ERRMSG_SIZE, "%s: %s", prefix, old);
    else
        snprintf(errmsg, SS_ERRMSG_SIZE, "%s: %s", prefix, ss_strerror(code));
    return code;
}
