/* Error codes shared by every sandstore module, with one table of messages. */
#ifndef SS_ERROR_H
#define SS_ERROR_H

#include <stddef.h>

/*
 * Every function that can fail returns one of these codes (SS_OK is 0). Callers
 * that need context carry an ss_errmsg buffer and fill it with ss_errf() as the
 * error moves up ("open segment '/d/log-1': no such file or directory").
 *
 * X(name, "message"): messages are lowercase, with no final period.
 */
#define SS_ERRORS(X)                                                         \
    X(SS_OK,          "success")                                             \
    X(SS_ENOMEM,      "out of memory")                                       \
    X(SS_EINVAL,      "invalid argument")                                    \
    X(SS_ERANGE,      "value out of range")                                  \
    X(SS_EIO,         "i/o error")                                           \
    X(SS_ECORRUPT,    "data is corrupt")                                     \
    X(SS_ENOTFOUND,   "not found")                                           \
    X(SS_EEXIST,      "already exists")                                      \
    X(SS_EAGAIN,      "resource temporarily unavailable")                    \
    X(SS_ETOOBIG,     "too big")                                             \
    X(SS_EPROTO,      "protocol error")                                      \
    X(SS_ECONFIG,     "bad configuration")                                   \
    X(SS_ECLOSED,     "closed")                                              \
    X(SS_ECANCELED,   "canceled")                                            \
    X(SS_EBUSY,       "busy")                                                \
    X(SS_ENOTLEADER,  "not the raft leader")                                 \
    X(SS_ENOLEADER,   "no raft leader known")                                \
    X(SS_ELEADERLOST, "leadership lost before the entry was known committed")\
    X(SS_ESHUTDOWN,   "shutting down")                                       \
    X(SS_EAUTH,       "authentication failed")                               \
    X(SS_EUNSUPPORTED,"not supported")                                       \
    X(SS_EINTERNAL,   "internal error")

#define SS_ERROR_ENUM(name, msg) name,
typedef enum { SS_ERRORS(SS_ERROR_ENUM) SS_ERROR_COUNT } ss_err;
#undef SS_ERROR_ENUM

/* The fixed message for a code ("unknown error" for codes outside the table). */
const char *ss_strerror(int code);

/* A buffer that gathers context about the last error. */
#define SS_ERRMSG_SIZE 256
typedef char ss_errmsg[SS_ERRMSG_SIZE];

/* Formats into errmsg (which may be NULL) and returns code, so error paths stay
 * on one line: return ss_errf(err, SS_EIO, "open '%s': %s", path, strerror(errno)); */
int ss_errf(char *errmsg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends context to the message already in errmsg: "load config: <old>". */
int ss_errwrap(char *errmsg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
