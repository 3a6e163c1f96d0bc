/* hiredis's async API driven by a libuv loop (MIGRATE's connection to its target). */
#ifndef SS_HIREDIS_UV_H
#define SS_HIREDIS_UV_H

#include <stdbool.h>

#include <hiredis/async.h>
#include <uv.h>

/* Drives hiredis context ac on loop (unlike hiredis 0.14's own adapter, it
 * reports a refused connection at once). REDIS_OK, or REDIS_ERR out of memory. */
int ss_hiredis_attach(redisAsyncContext *ac, uv_loop_t *loop);
/* Ends context ac (from inside one of its callbacks too). True when no
 * disconnect callback will come (it was still connecting): its owner lets
 * go of it itself. */
bool ss_hiredis_end(redisAsyncContext *ac);

#endif
