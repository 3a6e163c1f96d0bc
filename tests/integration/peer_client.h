/* A hand-driven raft-port client for integration tests: logs in as a configured peer (knowing the cluster secret) and sends raw payloads. */
#ifndef SS_PEER_CLIENT_H
#define SS_PEER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a hostile (or buggy) node can do once it holds the cluster secret:
 * complete the HMAC handshake of src/raft_io/transport_handshake.c as node
 * `from` towards node `to`, then send DATA frames whose payloads the cluster
 * reads as its own peer messages (first byte 'R' raft, 'P' propose, 'I' info).
 * Blocking sockets, loopback only, every wait bounded.
 */
typedef struct h_peer h_peer;

/* Connects to 127.0.0.1:port and logs in; NULL (and a line on stderr) if the
 * connection or the handshake failed. */
h_peer *h_peer_login(int port, const char *cluster_id, const char *secret, uint64_t from, uint64_t to);
/* Sends one DATA frame; false once the connection is gone. */
bool h_peer_send(h_peer *p, const void *payload, size_t len);
void h_peer_close(h_peer *p);

/* What such a peer sends, for tests that drive the wire themselves. HELLO's
 * payload (from, to, the connector's nonce, the cluster id): its length (out
 * holds 17 + 16 + 255 bytes at most). */
size_t h_peer_hello(uint8_t *out, uint64_t from, uint64_t to, const uint8_t nonce[16], const char *cluster);
/* A PEER_PROPOSE payload of `SET key value` as node origin forwards it (the
 * entry layout of src/engine/entry.h): its length. */
size_t h_peer_propose_set(uint8_t *out, uint64_t origin, const char *key, const char *value);

#endif
