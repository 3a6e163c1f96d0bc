/* One admin command sent to another member's client port (plain TCP or TLS, on the loop, never blocking it). */
#ifndef SS_ADMIN_CALL_H
#define SS_ADMIN_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "common/config.h"
#include "common/error.h"

typedef struct ss_admin_call ss_admin_call;

/* Exactly once per call not cancelled: the reply (r, err NULL), or why there
 * is none (r NULL: cannot connect, TLS handshake failed, AUTH refused,
 * connection lost, no reply within the timeout). r is valid during the
 * callback only. */
typedef void (*ss_admin_cb)(void *arg, const redisReply *r, const char *err);

/* Where a call goes and how it shows who it is. */
typedef struct ss_admin_target {
    const char *addr;          /* "host:port" (a numeric address, or a name resolved off the loop) */
    const ss_config *tls;      /* non-NULL: TLS, with a context built from it for dialling (the
                                * tls-client-cert-file, else tls-cert-file, shown to the server;
                                * its certificate verified against tls-ca-cert-file/-dir) */
    const char *user;          /* AUTH user password when both are non-empty */
    const char *password;      /* AUTH password when only it is non-empty; nothing when empty */
} ss_admin_target;

/* How this node reaches another member's client port at addr: TLS when it
 * serves clients on tls-port alone (port 0), as members then do; AUTH with
 * masteruser/masterauth, or masterauth alone, or else requirepass. */
ss_admin_target ss_admin_target_for(const ss_config *cfg, const char *addr);

/* Connects to to->addr, sends AUTH first when credentials are given, then the
 * command; the call joins *list (its owner's calls in flight). An error here
 * means no call was made and cb never runs. */
int ss_admin_call_start(uv_loop_t *loop, ss_admin_call **list, const ss_admin_target *to, int argc,
                        const char **argv, const size_t *argvlen, uint64_t timeout_ms, ss_admin_cb cb,
                        void *arg, char *errmsg);

/* Ends every call of the list: each callback gets why as its error, or, with
 * why NULL, none runs (the owner is going away). */
void ss_admin_call_end_all(ss_admin_call **list, const char *why);

#endif
