/* The server's private types, shared by server.c and client.c. */
#ifndef SS_SERVER_INTERNAL_H
#define SS_SERVER_INTERNAL_H

#include "resp/buf.h"
#include "resp/resp.h"
#include "server/server.h"
#include "tls/tls.h"

/* One reply waiting for the async commands ahead of it (or for its own). */
typedef struct reply_slot {
    struct reply_slot *next;
    bool done;
    uint32_t ncmds;             /* the commands whose replies it waits for */
    bool muted;                 /* CLIENT REPLY OFF/SKIP: the reply is dropped */
    ss_buf buf;
} reply_slot;

typedef struct ss_client {
    uv_tcp_t tcp;
    ss_server *srv;
    ss_tls_conn *tls;           /* NULL on the plain port */
    ss_buf tls_in;              /* TLS: ciphertext read, not yet taken by the connection */
    ss_buf tls_out;             /* TLS: ciphertext ready for the socket */
    uint64_t tls_deadline_ms;   /* monotonic; the handshake must be done by then */
    bool tls_refused;           /* the handshake failed: only its alert goes out */
    ss_session session;
    resp_parser *parser;
    resp_cmd *current;          /* a command dispatch said BLOCKED on; retried first */

    ss_buf out;                 /* replies ready to send, in order */
    ss_buf writing;             /* bytes handed to uv_write */
    bool write_in_flight;
    uv_write_t wreq;
    ss_buf scratch;             /* a sync reply that must queue behind async ones */
    bool dispatching;           /* inside ss_engine_dispatch for this client */
    ss_buf push_after;          /* pushes raised while it ran (MONITOR's line of its own
                                 * command): they follow its reply, as in Redis */
    reply_slot *slots_head, *slots_tail;
    size_t slots_bytes;         /* replies done but waiting behind earlier ones */
    size_t slots_waiting;       /* async replies not back yet */
    size_t reply_est;           /* running size of this client's async replies (client_limits.c) */
    uint64_t soft_since_ms;     /* monotonic; since when past the soft output limit (0: not) */

    bool reading;
    bool blocked;               /* waiting for session.pending to reach 0 */
    bool output_paused;         /* dispatch and reading stopped: past the soft output limit */
    bool closing;               /* uv_close requested */
    bool closed;                /* the handle is closed; freed once nothing is pending */
    bool close_after_flush;     /* protocol error or QUIT: close once output is written */
    bool held;                  /* a failed AUTH's reply waits (auth_throttle.c): no reading, no writing */
    uint64_t held_until_ms;     /* monotonic */
    struct ss_client *held_prev, *held_next;
    bool in_ready;
    struct ss_client *ready_prev, *ready_next;  /* clients with work for the check handle */
    struct ss_client *prev, *next;              /* all clients */
    int fd;
} ss_client;

/* A source address that failed AUTH lately (auth_throttle.c). */
#define SS_AUTH_ADDRS 256
typedef struct auth_addr {
    char host[64];
    uint32_t failures;
    uint64_t last_ms;           /* monotonic, of the last failure */
} auth_addr;

struct ss_server {
    uv_loop_t *loop;
    reply_slot *free_slots;     /* spare reply slots (client.c), at most FREE_SLOTS_MAX */
    size_t nfree_slots;
    ss_config *cfg;
    ss_engine *engine;
    uv_tcp_t listener;          /* port, unless 0 */
    uv_tcp_t tls_listener;      /* tls-port, unless 0 */
    ss_tls_ctx *tls;            /* built from the tls-* directives when tls-port is set */
    struct ss_metrics_http *metrics; /* metrics-port's HTTP endpoint, or NULL */
    bool listening;
    uv_check_t check;           /* after each poll: flush output, resume blocked clients */
    uv_timer_t cron;            /* idle-client timeouts */
    uv_idle_t kick;             /* keeps the loop from sleeping while clients are ready */
    uv_timer_t auth_timer;      /* releases clients whose failed AUTH reply was held */
    ss_client *held;
    auth_addr auth_addrs[SS_AUTH_ADDRS];
    bool close_reported;
    int open_handles;
    ss_client *clients;
    size_t nclients;
    ss_client *ready;
    uint64_t next_client_id;
    int64_t start_ms;
    bool closing;
    void (*on_closed)(void *arg);
    void *on_closed_arg;
    char config_file[1024];
    char run_id[41];            /* 40 random hex digits, new each start (INFO) */
    ss_server_stats stats;
};

/* A TLS handshake not finished in this long is given up. */
#define SS_TLS_HANDSHAKE_TIMEOUT_MS 10000

/* client.c */
/* Accepts one connection from listener (the TLS listener: with tls). */
void ss_client_accept(ss_server *srv, uv_stream_t *listener, ss_tls_ctx *tls);
void ss_client_close(ss_client *c);
/* Reads nothing more and closes once every reply it is owed has gone out. */
void ss_client_close_after_replies(ss_client *c);
void ss_client_ready(ss_client *c);           /* queue for the next check pass */
void ss_client_run_ready(ss_client *c);       /* resume, process input, flush */
void *ss_client_begin_async(ss_client *c);
/* Frees the spare reply slots (server close). */
void ss_client_slots_release(ss_server *srv);
/* One more command's reply will arrive in slot (engine hook join_async). */
void ss_client_join_async(ss_client *c, reply_slot *slot);
void ss_client_complete(ss_client *c, reply_slot *slot, const char *reply, size_t len);
void ss_client_maybe_free(ss_client *c);
void ss_client_push(ss_client *c, const char *data, size_t len);

/* client_limits.c: what a client holds, against its limits. */
/* Reply bytes owed: ready to send, being sent, and done behind earlier replies. */
size_t ss_client_output_bytes(const ss_client *c);
/* Whether dispatch must wait: owed plus in-flight estimate at the soft limit. */
bool ss_client_output_paused(const ss_client *c);
/* Room for the next reply under the hard limit (0: unlimited). */
size_t ss_client_reply_budget(const ss_client *c);
void ss_client_note_async_reply(ss_client *c, size_t len);
/* Hard limit, and soft limit held past soft-seconds: false if the client was closed. */
bool ss_client_check_output(ss_client *c);
void ss_client_close_for_output(ss_client *c, const char *why);
/* Input held (unparsed, parsed arguments, the MULTI queue) against
 * client-query-buffer-limit: false if the client was closed. */
size_t ss_client_query_bytes(const ss_client *c);
bool ss_client_check_input(ss_client *c);
/* Appends the client's CLIENT LIST line. */
void ss_client_describe(const ss_client *c, ss_buf *out);

/* A failed AUTH's reply is held: stop reading and writing until released. */
void ss_client_hold(ss_client *c);
/* The hold is over: write what waited, run what is buffered, read again. */
void ss_client_release(ss_client *c);

/* auth_throttle.c: failed AUTH attempts, slowed down. */
void ss_auth_failed(ss_client *c);
void ss_auth_on_timer(uv_timer_t *t);
/* A closing client leaves the held list. */
void ss_auth_forget(ss_client *c);

/* server.c: a client handle finished closing. */
void ss_server_client_gone(ss_server *srv);
/* An idle callback that does nothing: while active, poll does not block. */
void ss_server_kick(uv_idle_t *h);

#endif
