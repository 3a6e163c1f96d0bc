/* One admin command sent to another member's client port (hiredis on the loop, never blocking it). */
#ifndef SS_ADMIN_CALL_H
#define SS_ADMIN_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "common/error.h"

typedef struct ss_admin_call ss_admin_call;

/* Exactly once per call not cancelled: the reply (r, err NULL), or why there
 * is none (r NULL: cannot connect, AUTH refused, connection lost, no reply
 * within the timeout). r is valid during the callback only. */
typedef void (*ss_admin_cb)(void *arg, const redisReply *r, const char *err);

/* Connects to addr ("host:port"), sends AUTH password first when one is
 * given, then the command; the call joins *list (its owner's calls in
 * flight). An error here means no call was made and cb never runs. */
int ss_admin_call_start(uv_loop_t *loop, ss_admin_call **list, const char *addr, const char *password,
                        int argc, const char **argv, const size_t *argvlen, uint64_t timeout_ms,
                        ss_admin_cb cb, void *arg, char *errmsg);

/* Drives hiredis context ac on loop (the adapter the calls use: it reports a
 * refused connection at once). REDIS_OK, or REDIS_ERR out of memory. */
struct redisAsyncContext;
int ss_hiredis_attach(struct redisAsyncContext *ac, uv_loop_t *loop);
/* Ends context ac (from inside one of its callbacks too). True when no
 * disconnect callback will come (it was still connecting): its owner lets
 * go of it itself. */
bool ss_hiredis_end(struct redisAsyncContext *ac);

/* Ends every call of the list: each callback gets why as its error, or, with
 * why NULL, none runs (the owner is going away). */
void ss_admin_call_end_all(ss_admin_call **list, const char *why);

#endif
