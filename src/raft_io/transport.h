/* Peer transport: authenticated, framed messages between raft nodes over the dedicated raft port. */
#ifndef SS_TRANSPORT_H
#define SS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "tls/tls.h"

/*
 * Each node listens on its raft port and keeps one outbound connection per peer,
 * used only to send to that peer; messages from a peer arrive on the connection
 * that peer opened to us. Before any message, the two sides exchange a handshake
 * (protocol version, cluster id, node ids) and prove to each other that they know
 * the cluster secret with HMAC-SHA256 over fresh nonces; the secret itself never
 * crosses the wire. Delivery is best effort: a message to a peer that is not
 * connected, or whose queue is full, is dropped (raft resends).
 *
 * With TLS contexts (tls-cluster), the connection is mutual TLS first and the
 * handshake above runs inside it (transport_tls.c).
 *
 * Everything runs on the caller's loop; no function blocks.
 */

#define SS_TRANSPORT_DEFAULT_CLUSTER_ID "sandstore"
#define SS_TRANSPORT_DEFAULT_MAX_FRAME ((size_t)64 * 1024 * 1024 + 64 * 1024)
#define SS_TRANSPORT_DEFAULT_MAX_QUEUED ((size_t)64 * 1024 * 1024)
#define SS_TRANSPORT_DEFAULT_HANDSHAKE_MS 5000
#define SS_TRANSPORT_DEFAULT_RECONNECT_MIN_MS 50
#define SS_TRANSPORT_DEFAULT_RECONNECT_MAX_MS 2000
#define SS_TRANSPORT_MAX_CLUSTER_ID 128
#define SS_TRANSPORT_MAX_PEERS 64 /* peers known at once (configured and added) */

typedef struct ss_transport ss_transport;

/* Where to reach a peer; host may be an IP literal or a name, and need not be
 * the peer's own listen address (a proxy may sit in between). */
typedef struct {
    uint64_t id;
    const char *host;
    int port;
} ss_transport_peer;

/* A message from an authenticated peer; payload is only valid during the call. */
typedef void (*ss_transport_message_cb)(void *ctx, uint64_t from_id, const uint8_t *payload,
                                        size_t len);
/* The outbound connection to a peer finished its handshake (true) or was lost (false). */
typedef void (*ss_transport_peer_state_cb)(void *ctx, uint64_t id, bool connected);
/* Called once everything is closed and freed. */
typedef void (*ss_transport_close_cb)(void *ctx);

typedef struct {
    uint64_t node_id;          /* this node; must not be 0 */
    const char *cluster_id;    /* NULL = SS_TRANSPORT_DEFAULT_CLUSTER_ID */
    const char *secret;        /* cluster-secret; NULL or "" = empty key: the handshake still
                                * runs but proves nothing (warned about at start) */
    const char *bind_host;     /* IP literal to listen on; NULL = "0.0.0.0" */
    int port;                  /* raft port; 0 = any free port (see ss_transport_port) */
    const ss_transport_peer *peers; /* the other nodes (not this one) */
    size_t npeers;
    ss_transport_message_cb on_message;       /* required */
    ss_transport_peer_state_cb on_peer_state; /* optional */
    void *ctx;                 /* passed to the callbacks */
    size_t max_frame;          /* largest payload accepted or sent; 0 = default */
    size_t max_queued;         /* bytes queued per peer before send says SS_EAGAIN; 0 = default */
    unsigned handshake_timeout_ms; /* connect + handshake deadline; 0 = default */
    unsigned reconnect_min_ms;     /* first retry delay, doubling; 0 = default */
    unsigned reconnect_max_ms;     /* retry delay cap; 0 = default */
    /* Mutual TLS under the frames: both or neither. The transport owns them
     * from the call to ss_transport_new on, whether it succeeds or not. */
    ss_tls_ctx *tls_accept;    /* SS_TLS_PEER_ACCEPT, for connections accepted */
    ss_tls_ctx *tls_dial;      /* SS_TLS_PEER_DIAL, for connections dialled */
} ss_transport_config;

typedef struct {
    bool connected;            /* outbound connection is authenticated */
    uint64_t bytes_sent;       /* frame bytes written to the socket (headers included) */
    uint64_t messages_sent;
    uint64_t bytes_received;   /* frame bytes received from the peer (headers included) */
    uint64_t messages_received;
    uint64_t messages_dropped; /* sends refused (not connected or queue full) */
    uint64_t connects;         /* successful outbound handshakes */
    uint64_t connect_failures; /* outbound attempts that failed before the handshake ended */
    uint64_t reconnects;       /* of which after a previous connection was lost */
    uint64_t writes;           /* uv_write calls; frames queued in one loop iteration share one */
    size_t queued_bytes;       /* queued or being written on the outbound connection */
} ss_transport_stats;

/* Counters for the inbound side, over all peers. */
typedef struct {
    uint64_t accepted;         /* inbound handshakes completed */
    uint64_t refused;          /* inbound connections closed before authentication */
    uint64_t evicted;          /* of which to make room for a newer one (too many unauthenticated) */
    uint64_t malformed;        /* connections closed on a malformed or unexpected frame */
} ss_transport_inbound_stats;

/* Copies the configuration, starts listening and starts connecting to the peers.
 * Returns SS_ECONFIG (bad config) or SS_EIO (cannot listen) with errmsg set; after
 * SS_EIO a handle is still closing on the loop, and running the loop frees it. */
int ss_transport_new(uv_loop_t *loop, const ss_transport_config *config, ss_transport **out,
                     char *errmsg);

/* Queues a copy of payload for peer to_id and returns at once. SS_EAGAIN: the peer
 * is not connected or its queue is full, and the message was dropped.
 * SS_ENOTFOUND: unknown peer. SS_ETOOBIG: len over max_frame. SS_ESHUTDOWN: closing. */
int ss_transport_send(ss_transport *t, uint64_t to_id, const void *payload, size_t len);

bool ss_transport_peer_connected(const ss_transport *t, uint64_t id);
/* SS_ENOTFOUND for an unknown peer. */
int ss_transport_peer_stats(const ss_transport *t, uint64_t id, ss_transport_stats *out);

void ss_transport_inbound_stats_get(const ss_transport *t, ss_transport_inbound_stats *out);

/* Points a peer at a new address; the outbound connection is re-established there. */
int ss_transport_set_peer_address(ss_transport *t, uint64_t id, const char *host, int port,
                                  char *errmsg);

/* Membership changes at run time. add: a new peer, dialled at once, whose
 * inbound connections are accepted from now on; SS_EEXIST (known id),
 * SS_EINVAL (bad id or address), SS_ETOOBIG (SS_TRANSPORT_MAX_PEERS known).
 * remove: its connections are closed and it is refused from now on;
 * SS_ENOTFOUND. Neither calls on_peer_state. */
int ss_transport_add_peer(ss_transport *t, uint64_t id, const char *host, int port, char *errmsg);
int ss_transport_remove_peer(ss_transport *t, uint64_t id);

/* Certificate reload: new connections use these contexts (owned by the
 * transport from now on), established ones keep the session they have. Only
 * for a transport started with TLS; the previous contexts are freed (their
 * connections hold their own references). */
void ss_transport_set_tls(ss_transport *t, ss_tls_ctx *accept, ss_tls_ctx *dial);
bool ss_transport_has_tls(const ss_transport *t);

/* The port actually listened on (useful with port 0). */
int ss_transport_port(const ss_transport *t);

/* Closes every handle; no callback but cb runs afterwards. cb may be NULL. */
void ss_transport_close(ss_transport *t, ss_transport_close_cb cb);

#endif
