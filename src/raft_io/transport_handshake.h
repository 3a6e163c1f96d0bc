/* The peer handshake's proofs: HMAC-SHA256 over both nodes, both nonces and the cluster id. */
#ifndef SS_TRANSPORT_HANDSHAKE_H
#define SS_TRANSPORT_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "common/sha256.h"

#define SS_HANDSHAKE_NONCE_SIZE 16
/* The label of each side's proof, so that one is never taken for the other. */
#define SS_HANDSHAKE_CONNECTOR "sandstore connector"
#define SS_HANDSHAKE_ACCEPTOR "sandstore acceptor"

/*
 * The proof, under the cluster secret, that `from` (the connector) and `to`
 * (the acceptor) hold on the connection whose nonces these are: AUTH carries
 * the connector's (label SS_HANDSHAKE_CONNECTOR), WELCOME the acceptor's.
 * Used by the transport, and by tests and fuzz targets that speak the
 * protocol by hand.
 */
void ss_handshake_mac(const void *secret, size_t secret_len, const char *cluster_id,
                      const char *label, uint64_t from, uint64_t to,
                      const uint8_t nonce_connector[SS_HANDSHAKE_NONCE_SIZE],
                      const uint8_t nonce_acceptor[SS_HANDSHAKE_NONCE_SIZE],
                      uint8_t out[SS_SHA256_SIZE]);

#endif
