/* TLS for the client port and the raft port: an OpenSSL context built from
 * Redis's tls-* directives, and a connection that never touches the socket. Ciphertext read by libuv is
 * fed in, plaintext comes out; plaintext written is encrypted into a buffer the
 * caller hands to uv_write. So the loop never blocks on a handshake or a record. */
#ifndef SS_TLS_H
#define SS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/config.h"
#include "resp/buf.h"

typedef struct ss_tls_ctx ss_tls_ctx;
typedef struct ss_tls_conn ss_tls_conn;

/* What a context is for, hence which certificate it shows and what it asks of
 * the other side. */
typedef enum {
    /* The client port: tls-cert-file; a client's certificate as
     * tls-auth-clients says. */
    SS_TLS_CLIENTS,
    /* The raft port, accepting a peer: tls-cert-file; the peer must show a
     * certificate that tls-ca-cert-file/-dir verifies (mutual TLS, whatever
     * tls-auth-clients says). */
    SS_TLS_PEER_ACCEPT,
    /* The raft port, dialling a peer: tls-client-cert-file (tls-cert-file
     * when unset), and the peer's certificate verified against the same CAs. */
    SS_TLS_PEER_DIAL,
} ss_tls_role;

/* Builds a context from cfg (tls-cert-file, tls-key-file, ...). On error,
 * errmsg says what Redis's log would say ("No tls-cert-file configured!",
 * "Failed to load certificate: <file>: <reason>", ...). */
int ss_tls_ctx_new(const ss_config *cfg, ss_tls_role role, ss_tls_ctx **out, char *errmsg);
void ss_tls_ctx_free(ss_tls_ctx *ctx);

/* A connection in the accept state (the CLIENTS and PEER_ACCEPT roles) or the
 * connect state (PEER_DIAL); NULL when out of memory. It keeps the context
 * alive (OpenSSL counts references), so a context replaced by a reload may
 * be freed while its connections live on. */
ss_tls_conn *ss_tls_conn_new(ss_tls_ctx *ctx);
void ss_tls_conn_free(ss_tls_conn *t);

/* Ciphertext from the socket: how many bytes of it the connection took (it
 * buffers a bounded amount; read or handshake, then feed the rest). */
size_t ss_tls_conn_feed(ss_tls_conn *t, const char *data, size_t len);
/* Whether ciphertext fed or plaintext decrypted waits to be read. */
bool ss_tls_conn_has_input(const ss_tls_conn *t);
/* Runs the handshake as far as the input fed allows: 1 when it is complete,
 * 0 when it needs more input, -1 when it failed (errmsg says why). */
int ss_tls_conn_handshake(ss_tls_conn *t, char *errmsg);
bool ss_tls_conn_established(const ss_tls_conn *t);
/* Decrypts into buf (at most cap bytes): how many, 0 when nothing more can be
 * read until more is fed, -1 when the peer closed (close_notify) or the
 * stream is broken (errmsg says which). */
ssize_t ss_tls_conn_read(ss_tls_conn *t, char *buf, size_t cap, char *errmsg);
/* Encrypts len bytes of plaintext, appending the records (and any pending
 * ciphertext before them) to out. SS_OK, or an error code (the connection is
 * then unusable). */
int ss_tls_conn_write(ss_tls_conn *t, const char *data, size_t len, ss_buf *out);
/* Ciphertext waiting to go out (handshake messages, records, alerts). */
size_t ss_tls_conn_pending(const ss_tls_conn *t);
/* Moves the pending ciphertext to the end of out. SS_OK or SS_ENOMEM. */
int ss_tls_conn_drain(ss_tls_conn *t, ss_buf *out);
/* The protocol and cipher agreed ("TLSv1.3", "TLS_AES_256_GCM_SHA384"), for logs. */
const char *ss_tls_conn_version(const ss_tls_conn *t);
const char *ss_tls_conn_cipher(const ss_tls_conn *t);

#endif
