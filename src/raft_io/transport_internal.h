/* Peer transport internals shared by transport*.c: connections, peers and the transport itself. */
#ifndef SS_TRANSPORT_INTERNAL_H
#define SS_TRANSPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/error.h"
#include "common/sha256.h"
#include "raft_io/transport.h"
#include "raft_io/transport_frame.h"
#include "raft_io/transport_handshake.h"
#include "tls/tls.h"

#define NONCE_SIZE SS_HANDSHAKE_NONCE_SIZE
#define READ_BUF_SIZE 65536
/* Until a connection is authenticated its frames are tiny; a stranger must not
 * be able to make us allocate a large payload buffer. */
#define HANDSHAKE_MAX_PAYLOAD 512
/* Bounded outstanding writes per connection; everything else waits in the queue
 * and goes out batched in the next write. */
#define MAX_WRITES_IN_FLIGHT 2
#define MAX_FRAMES_PER_WRITE 1024 /* IOV_MAX on Linux */
/*
 * Connections accepted but not yet authenticated, in all and from one source
 * address. Past either limit the newcomer is let in and the oldest
 * unauthenticated connection is evicted (one that has said nothing before
 * one that sent a valid HELLO): a newcomer may be a peer, which proves itself
 * within one round trip, while a stranger holds a slot for as long as it is
 * let. Refusing newcomers instead let 64 idle strangers keep every peer out
 * (issue 18). On loopback every peer shares one address, hence the order.
 */
#define MAX_HANDSHAKING_INBOUND 64
#define MAX_HANDSHAKING_PER_ADDR 16
/* From this many unauthenticated connections on, the transport is under
 * pressure: a new connection's handshake deadline is short, and connections
 * are accepted one per loop iteration, so that every connection already
 * accepted is read (its HELLO seen) between two evictions. */
#define PRESSURE_INBOUND 16
#define PRESSURE_HANDSHAKE_MS 1000
#define ADDR_SIZE 80
#define HOST_SIZE 64
#define KEEPALIVE_S 10
#define USER_TIMEOUT_MS 15000
#define REFUSE_REASON_MAX 120
/* A misconfigured peer retries forever: the same refusal is warned about once a minute. */
#define REFUSAL_LOG_INTERVAL_MS 60000

/* One queued frame: header and payload contiguous, ready for one uv_buf_t. */
typedef struct tframe {
    struct tframe *next;
    size_t len;
    bool data;             /* a DATA frame (counted as a message in the stats) */
    uint8_t bytes[];
} tframe;

typedef enum {
    CONN_RESOLVING,   /* outbound: waiting for getaddrinfo */
    CONN_CONNECTING,  /* outbound: waiting for uv_tcp_connect */
    CONN_HANDSHAKE,   /* TCP is up, handshake frames flow */
    CONN_OPEN,        /* authenticated: DATA frames flow */
    CONN_CLOSING,     /* handles are closing; freed when refs drops to 0 */
} conn_state;

typedef struct peer peer;

typedef struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;            /* connect + handshake deadline */
    uv_connect_t connect_req;
    uv_getaddrinfo_t resolve_req;
    ss_transport *t;
    peer *peer;                  /* outbound: whom we dial; inbound: set once authenticated */
    bool outbound;
    bool refusing;               /* inbound: close once the REFUSE frame is out */
    bool handshaking_counted;    /* inbound: counted in t->handshaking_inbound */
    uint64_t accept_seq;         /* inbound: order of acceptance (older is smaller) */
    bool from_peer_host;         /* inbound: from the address of a configured peer */
    conn_state state;
    int refs;                    /* open handles + outstanding requests */
    int hs_step;                 /* which handshake frame is expected next */
    struct conn *prev, *next;    /* t->conns */
    char addr[ADDR_SIZE];        /* remote address, for logs */
    char host[HOST_SIZE];        /* inbound: the remote IP alone, for the per-address limit */
    uint8_t nonce_connector[NONCE_SIZE];
    uint8_t nonce_acceptor[NONCE_SIZE];
    uint64_t claimed_id;         /* inbound: the node id stated in HELLO */
    ss_frame_reader reader;
    ss_tls_conn *tls;            /* tls-cluster: the TLS session under the frames, else NULL */
    tframe *head, *tail;         /* queued, not yet handed to uv_write */
    size_t head_off;             /* bytes of head already written (a partial direct write) */
    size_t queued;               /* bytes queued or being written */
    int writes;                  /* uv_write requests outstanding */
    uint8_t rbuf[READ_BUF_SIZE];
} conn;

struct peer {
    ss_transport *t;
    uint64_t id;
    char *host;
    int port;
    conn *out;                   /* the outbound connection in any state, or NULL */
    uv_timer_t retry;
    unsigned backoff_ms;
    bool ever_connected;
    char last_error[ADDR_SIZE + 64]; /* last failure logged, so repeats stay quiet */
    ss_transport_stats stats;
};

struct ss_transport {
    uv_loop_t *loop;
    uint64_t node_id;
    char *cluster_id;
    uint8_t *secret;
    size_t secret_len;
    ss_transport_message_cb on_message;
    ss_transport_peer_state_cb on_peer_state;
    void *ctx;
    uint32_t max_frame;
    size_t max_queued;
    unsigned handshake_ms, reconnect_min_ms, reconnect_max_ms;
    uv_tcp_t listener;
    int port;
    ss_tls_ctx *tls_accept;      /* tls-cluster: contexts for new connections (owned), */
    ss_tls_ctx *tls_dial;        /* replaced by ss_transport_set_tls; NULL = plain TCP */
    uv_prepare_t flusher;        /* batches each iteration's frames into one write */
    bool dirty;                  /* some connection has frames waiting */
    peer *peers;
    size_t npeers;
    conn *conns;
    size_t handshaking_inbound;
    uint64_t accept_seq;
    uv_idle_t accept_turn;       /* under pressure: the next accept waits for the next iteration */
    ss_transport_inbound_stats inbound;
    char last_refusal[ADDR_SIZE + REFUSE_REASON_MAX]; /* "ip: reason" last warned about */
    uint64_t last_refusal_ms;
    uint64_t rng;
    bool closing;
    int refs;                    /* handles and connections not yet freed */
    ss_transport_close_cb close_cb;
};

/* transport.c */
peer *transport_find_peer(const ss_transport *t, uint64_t id);
void transport_unref(ss_transport *t);
uint64_t transport_random(ss_transport *t);
void transport_deliver(ss_transport *t, peer *p, const uint8_t *payload, size_t len);

/* transport_accept.c */
void accept_on_connection(uv_stream_t *server, int status);
/* Counts an inbound connection (c->host set) as unauthenticated, making room
 * for it, or closes it when only peers' connections could make room. */
void accept_admit(conn *c);

/* transport_conn.c */
conn *conn_new(ss_transport *t, peer *p, bool outbound);
void conn_unref(conn *c);       /* drops a request's reference; may free c */
int conn_start(conn *c);         /* TCP is connected: start reading */
/* Handles bytes read from the connection: frames, the handshake, delivery.
 * No I/O of its own, so the fuzz target drives it directly. */
void conn_feed(conn *c, const uint8_t *data, size_t len);
int conn_queue(conn *c, ss_frame_type type, const void *payload, size_t len);
void conn_flush_all(ss_transport *t);
void conn_fail(conn *c, const char *why);
void conn_close(conn *c);
void conn_refuse(conn *c, const char *why);
void conn_log_refusal(conn *c, const char *why); /* counts it; warns once a minute per host+reason */
void conn_set_open(conn *c);
void conn_set_deadline(conn *c, unsigned ms); /* restarts the handshake deadline */

/* Hands ciphertext (TLS records, alerts) to one uv_write as it is: what
 * the TLS layer produced, in order. SS_OK or an error (c is then failing). */
int conn_write_raw(conn *c, ss_buf *cipher);
bool conn_writable(const conn *c); /* frames may go out (TLS, if any, is established) */

/* transport_tls.c: TLS under the frames (tls-cluster). */
int conn_tls_init(conn *c);      /* creates c->tls when the transport has TLS; SS_ENOMEM */
void conn_tls_start(conn *c);    /* outbound, TCP connected: sends the ClientHello */
/* Ciphertext read from the socket: the handshake, then plaintext to conn_feed. */
void conn_tls_read(conn *c, const uint8_t *data, size_t len);
/* Encrypts n queued frames into out. SS_OK or SS_EPROTO/SS_ENOMEM. */
int conn_tls_encrypt(conn *c, const uv_buf_t *bufs, unsigned n, ss_buf *out);

/* transport_handshake.c */
void handshake_start_connector(conn *c);
void handshake_on_frame(conn *c, const ss_frame *f);

/* transport_peer.c */
void peer_init(peer *p, ss_transport *t, const ss_transport_peer *cfg);
void peer_connect(peer *p);
void peer_conn_failed(conn *c, const char *why);
void peer_conn_open(conn *c);

#endif
