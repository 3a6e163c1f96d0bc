/* A client connection's command state: its database, protocol, name and authentication, and the engine's routing state. */
#ifndef SS_SESSION_H
#define SS_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "resp/resp.h"

#define SS_SESSION_NAME_MAX 128

typedef struct ss_queued_cmd ss_queued_cmd;

#define SS_KEY_DIGEST_LEN 20
typedef struct ss_watched_key {
    int db;
    bool ready;
    unsigned char digest[SS_KEY_DIGEST_LEN];
    size_t klen;
    char *key;
} ss_watched_key;
struct ss_ps_session;

/*
 * The server embeds one per connection and keeps it alive while `pending` > 0
 * (the engine completes every async command exactly once, even for a client
 * that has gone). Commands read and set the first group; the second is the
 * engine's (src/engine/), which commands never touch.
 */
struct ss_session {
    uint64_t id;
    int db;
    resp_proto proto;
    bool authenticated;
    char *user;                 /* the ACL user (malloc'd), NULL: "default" */
    size_t user_len;
    bool close_after_reply;     /* QUIT, or a fatal error for this client */
    bool readonly;              /* READONLY: reads are served by this node even in redirect mode */
    char name[SS_SESSION_NAME_MAX];
    char lib_name[SS_SESSION_NAME_MAX];
    char lib_ver[SS_SESSION_NAME_MAX];
    char addr[64];
    char laddr[64];
    int64_t created_ms;
    int64_t last_interaction_ms;
    char last_cmd[32];
    uint32_t auth_failures;     /* WRONGPASS answers so far (the server slows the next reply) */
    bool no_evict;              /* CLIENT NO-EVICT on (shown as flag e; nothing is evicted anyway) */
    /* CLIENT REPLY: OFF mutes every reply; SKIP mutes the next command's
     * (skip_next is set by SKIP itself, skip while that next one runs).
     * Pushes still go out, as in Redis. */
    bool reply_off, reply_skip, reply_skip_next;
    bool monitor;               /* MONITOR: gets every command this node runs */

    /* CLIENT TRACKING (engine/tracking.c keeps the tables): SS_TRACK_*
     * flags (0: off), the client invalidations go to (0: this one), and the
     * BCAST prefixes, each NUL-terminated after its length. */
    uint32_t tracking;
    uint64_t tracking_redirect;
    char **tracking_prefixes;
    size_t *tracking_prefix_lens;
    size_t ntracking_prefixes;
    bool track_read;            /* the read being dispatched remembers its keys (engine) */

    /* ---- the engine's routing state ---- */

    /* Async commands in flight, all of one kind: writes may pipeline behind
     * writes and reads behind reads, but a read never overtakes the writes
     * sent before it (nor a write the reads), which keeps a pipeline's replies
     * and effects in the order the client sent them. */
    int pending;
    int pending_kind;
    /* A watched EXEC with SELECTs is in flight: the db the connection gets
     * if it runs (WATCH may abort it); later commands wait for its reply. */
    bool exec_db_wait;
    /* The log index of this connection's last write applied here (WAIT). */
    uint64_t last_write_index;
    /* The read this session sent last, while the next read it sends may
     * still join its barrier and reply (engine/read_barrier.c), else NULL. */
    struct read_req *read_open;
    /* AUTH / HELLO AUTH wait for a read barrier before they look at the
     * users (engine/acl.c): set when it passed (status SS_OK) or failed,
     * then the command is dispatched again and decides. */
    bool login_barrier_done;
    int login_barrier_status;

    /* MULTI: commands queued until EXEC. */
    bool in_multi;
    bool multi_dirty;           /* an error while queueing: EXEC aborts */
    ss_queued_cmd *queued;
    int nqueued;
    int queued_cap;
    size_t queued_bytes;        /* their size in the log entry EXEC builds */

    /* Pub/sub (engine/pubsub.c): what this connection subscribes to (NULL
     * until its first subscription), and how many channels, patterns and
     * shard channels that is. While it is above 0 a RESP2 connection may run
     * only the subscription commands, PING, QUIT and RESET, and its output
     * is bounded by the pubsub class of client-output-buffer-limit. */
    struct ss_ps_session *pubsub;
    uint32_t subscribed;
    uint32_t subscribed_kind[3];  /* of which channels, patterns, shard channels */

    /* WATCH (engine/multi.c): each key with the digest of its value when the
     * WATCH read ran (after the read barrier); `ready` false until then, or
     * for good when that read failed (EXEC then aborts). EXEC carries them in
     * its entry and apply aborts it when one no longer matches. */
    struct ss_watched_key *watched;
    int nwatched;
    int watched_cap;
    size_t watched_bytes;       /* their size in the entry EXEC builds */

    /* A blocking command (BLPOP...) is waiting for its keys (engine/blocking.c). */
    bool blocked;
};
typedef struct ss_session ss_session;

/* Redis's CLIENT_TRACKING_* flags. CACHING: CLIENT CACHING yes (OPTIN) or
 * no (OPTOUT) holds for the next command. */
enum {
    SS_TRACK_ON = 1u << 0,
    SS_TRACK_BCAST = 1u << 1,
    SS_TRACK_OPTIN = 1u << 2,
    SS_TRACK_OPTOUT = 1u << 3,
    SS_TRACK_NOLOOP = 1u << 4,
    SS_TRACK_CACHING = 1u << 5,
    SS_TRACK_BROKEN_REDIR = 1u << 6,
};

/* Redis's client types (getClientType): a subscriber is pubsub, the rest
 * (a MONITOR too) normal; no sandstore client is a master or a replica. */
enum { SS_CLIENT_TYPE_NORMAL = 0, SS_CLIENT_TYPE_REPLICA = 1, SS_CLIENT_TYPE_PUBSUB = 2, SS_CLIENT_TYPE_MASTER = 3 };
/* The type named (normal, slave, replica, pubsub, master; any case), or -1. */
int ss_client_type_by_name(const char *name);
int ss_session_type(const ss_session *s);

/* What CLIENT KILL and CLIENT LIST pick clients by; a zero field matches any. */
typedef struct ss_client_filter {
    uint64_t id;                /* 0: any */
    int type;                   /* SS_CLIENT_TYPE_*, -1: any */
    const char *addr, *laddr;   /* "ip:port", NULL: any */
    const char *user;           /* NULL: any (every client is "default") */
    bool skipme;                /* not the client that asks */
    long long maxage;           /* seconds: only clients older than this (0: any) */
} ss_client_filter;
/* Whether s is picked by f, asked by self. */
bool ss_session_matches(const ss_session *s, const ss_client_filter *f, const ss_session *self);

/* Fresh state for a new connection (RESP2, db 0). */
void ss_session_init(ss_session *s, uint64_t id, bool authenticated);
/* What the connection adds to its CLIENT LIST line: its socket and buffers,
 * under Redis's field names. */
typedef struct ss_conn_info {
    int fd;
    size_t qbuf, qbuf_free, argv_mem, rbs, rbp; /* input */
    size_t obl, oll, omem;                      /* output */
    size_t tot_mem;                             /* all of it; the session adds its MULTI queue */
    const char *events;                         /* "r", "w", "rw" or "" */
} ss_conn_info;

/* A CLIENT LIST line (no final newline), in Redis's field order; conn may be
 * NULL (the connection's fields are then left out). */
void ss_session_describe(const ss_session *s, const ss_conn_info *conn, char *line, size_t size);

#endif
