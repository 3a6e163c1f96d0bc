/* Server configuration: directives from a redis-style file and the command line. */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/log.h"

#define SS_MAX_PEERS 16
#define SS_HOST_MAX 256

/* One voting member of the initial cluster: ID@HOST:RAFTPORT. */
typedef struct ss_peer {
    uint64_t id;
    char host[SS_HOST_MAX];
    int port;
} ss_peer;

typedef enum { SS_READ_LINEARIZABLE = 0, SS_READ_STALE = 1 } ss_read_consistency;
typedef enum { SS_FOLLOWER_PROXY = 0, SS_FOLLOWER_REDIRECT = 1 } ss_follower_mode;
typedef enum { SS_RAFT_FSYNC_ALWAYS = 0, SS_RAFT_FSYNC_NO = 1 } ss_raft_fsync;
/* tls-auth-clients, in Redis's order. */
/* maxmemory-policy, in Redis's names' order (config.c); the two LFU ones track frequency. */
typedef enum {
    SS_MAXMEMORY_VOLATILE_LRU, SS_MAXMEMORY_VOLATILE_LFU, SS_MAXMEMORY_VOLATILE_RANDOM, SS_MAXMEMORY_VOLATILE_TTL,
    SS_MAXMEMORY_ALLKEYS_LRU, SS_MAXMEMORY_ALLKEYS_LFU, SS_MAXMEMORY_ALLKEYS_RANDOM, SS_MAXMEMORY_NOEVICTION,
} ss_maxmemory_policy;
const char *ss_maxmemory_policy_name(int policy);
#define SS_MAXMEMORY_IS_LFU(p) ((p) == SS_MAXMEMORY_VOLATILE_LFU || (p) == SS_MAXMEMORY_ALLKEYS_LFU)
typedef enum { SS_TLS_AUTH_NO = 0, SS_TLS_AUTH_YES = 1, SS_TLS_AUTH_OPTIONAL = 2 } ss_tls_auth;

/* Client classes of client-output-buffer-limit, in Redis's order. */
typedef enum { SS_CLIENT_NORMAL = 0, SS_CLIENT_REPLICA = 1, SS_CLIENT_PUBSUB = 2, SS_CLIENT_CLASSES } ss_client_class;

/* One class's output-buffer limits (0 disables a limit): past `hard` reply
 * bytes owed the client is disconnected; past `soft` its commands wait
 * (backpressure), and if it stays past `soft` for `soft_seconds` (> 0) it is
 * disconnected too. */
typedef struct ss_obuf_limit {
    long long hard;
    long long soft;
    long long soft_seconds;
} ss_obuf_limit;

typedef struct ss_config {
    /* Network and process. */
    char *bind;
    int port;
    char *dir;
    char *logfile;
    char *pidfile;
    int loglevel;
    char *requirepass;
    char *masteruser;               /* AUTH toward other members' client ports ("" = default user) */
    char *masterauth;               /* its password ("" = requirepass) */
    char *aclfile;                  /* ACL SAVE writes it, ACL LOAD reads it; "" none */
    int acllog_max_len;             /* ACL LOG entries kept */
    int protected_mode;             /* 0 no, 1 yes: without requirepass, loopback clients only */
    int maxclients;
    int timeout;                    /* idle client timeout in seconds, 0 = never */
    int slowlog_log_slower_than;    /* usec; a command this slow or slower is logged; < 0 = never */
    int slowlog_max_len;            /* SLOWLOG entries kept */
    int latency_monitor_threshold;  /* ms; LATENCY records events this slow or slower; 0 = off */
    int tracking_table_max_keys;    /* CLIENT TRACKING keys remembered (0: no limit) */
    int maxmemory_policy;           /* SS_MAXMEMORY_* (no eviction: it picks LRU or LFU access tracking) */
    int lfu_log_factor;             /* LFU counter's logarithm factor (Redis's) */
    int lfu_decay_time;             /* minutes per LFU counter decrement, 0 = none */
    int access_table_max_keys;      /* keys whose access this node remembers (OBJECT IDLETIME/FREQ) */
    int databases;
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    ss_obuf_limit client_obuf_limits[SS_CLIENT_CLASSES]; /* client-output-buffer-limit */
    int tcp_keepalive;              /* client sockets: seconds idle before keepalive probes, 0 = off */
    /* TLS on the client port (Redis's tls-* directives; "" = not set). */
    int tls_port;                   /* 0 = no TLS listener */
    int metrics_port;               /* Prometheus endpoint (HTTP GET /metrics) on bind; 0 = off */
    char *tls_cert_file;
    char *tls_key_file;
    char *tls_key_file_pass;
    char *tls_ca_cert_file;
    char *tls_ca_cert_dir;
    int tls_auth_clients;           /* ss_tls_auth */
    char *tls_protocols;            /* "" = TLSv1.2 and TLSv1.3 */
    char *tls_ciphers;
    char *tls_ciphersuites;
    int tls_prefer_server_ciphers;  /* 0 no, 1 yes */
    int tls_session_caching;        /* 0 no, 1 yes */
    int tls_session_cache_size;
    int tls_session_cache_timeout;  /* seconds */
    /* TLS on the raft port (mutual: both sides show a certificate). */
    int tls_cluster;                /* 0 no, 1 yes */
    int tls_replication;            /* 0 no, 1 yes: replication is the raft port, so it needs tls-cluster */
    char *tls_client_cert_file;     /* what this node shows dialling a peer; "" = tls-cert-file */
    char *tls_client_key_file;
    char *tls_client_key_file_pass;
    /* Consensus. */
    uint64_t node_id;
    int raft_port;
    char *raft_bind;                /* address the raft port listens on; "" = bind */
    char *peers;                    /* the directive as written */
    char *cluster_id;
    char *cluster_secret;
    char *join;                     /* "host:port,...": members to ask to add this node at start */
    int election_timeout;           /* ms, randomized in [T, 2T) */
    int heartbeat_interval;         /* ms */
    int raft_fsync;                 /* ss_raft_fsync */
    int read_consistency;           /* ss_read_consistency */
    int follower_mode;              /* ss_follower_mode */
    int raft_bootstrap;             /* 1: peers is the first configuration; 0: wait to be added (RAFT.NODE ADD) */
    int leader_wait_timeout;        /* ms a command waits for a leader before CLUSTERDOWN */
    long long snapshot_threshold;   /* entries applied since the last snapshot; 0 = never */
    long long snapshot_threshold_bytes; /* entry bytes applied since the last snapshot; 0 = never */
    long long snapshot_trailing_entries; /* log entries kept behind a snapshot */
    long long snapshot_max_bytes;   /* largest snapshot a follower accepts; 0 = no cap */
    long long snapshot_max_chunk_bytes; /* largest snapshot chunk a follower accepts */
    long long raft_segment_size;    /* bytes per raft log segment file */
    long long raft_log_max_pending; /* log bytes waiting for the disk before proposals get -BUSY */
    long long keyspace_cache_size;  /* bytes of the store's record cache (store/kcache.h); 0 = off */
    /* Keyspace notifications. */
    int notify_keyspace_events;     /* SS_CONFIG_NOTIFY_* bits; 0 = none */
    /* Scripts. */
    long long script_max_instructions; /* Lua VM instructions one script may run */
    long long script_max_memory;    /* bytes the Lua heap may grow by during one script */
    long long script_max_reply;     /* bytes of one script's converted reply */
    int busy_reply_threshold;       /* ms a read-only script runs before others get -BUSY (lua-time-limit) */

    /* Derived from peers; this node included. */
    ss_peer peer_list[SS_MAX_PEERS];
    int npeers;
} ss_config;

/*
 * notify-keyspace-events classes: Redis 7.0's NOTIFY_* bits (the command layer
 * names the same bits SS_NOTIFY_*, commands/command.h; the engine checks they
 * agree). 'A' is every class from g to d, not n (new) nor m (key miss).
 */
enum {
    SS_CONFIG_NOTIFY_KEYSPACE = 1 << 0,  /* K */
    SS_CONFIG_NOTIFY_KEYEVENT = 1 << 1,  /* E */
    SS_CONFIG_NOTIFY_GENERIC  = 1 << 2,  /* g */
    SS_CONFIG_NOTIFY_STRING   = 1 << 3,  /* $ */
    SS_CONFIG_NOTIFY_LIST     = 1 << 4,  /* l */
    SS_CONFIG_NOTIFY_SET      = 1 << 5,  /* s */
    SS_CONFIG_NOTIFY_HASH     = 1 << 6,  /* h */
    SS_CONFIG_NOTIFY_ZSET     = 1 << 7,  /* z */
    SS_CONFIG_NOTIFY_EXPIRED  = 1 << 8,  /* x */
    SS_CONFIG_NOTIFY_EVICTED  = 1 << 9,  /* e */
    SS_CONFIG_NOTIFY_STREAM   = 1 << 10, /* t */
    SS_CONFIG_NOTIFY_KEY_MISS = 1 << 11, /* m */
    SS_CONFIG_NOTIFY_MODULE   = 1 << 13, /* d */
    SS_CONFIG_NOTIFY_NEW      = 1 << 14, /* n */
    SS_CONFIG_NOTIFY_ALL = SS_CONFIG_NOTIFY_GENERIC | SS_CONFIG_NOTIFY_STRING | SS_CONFIG_NOTIFY_LIST |
                           SS_CONFIG_NOTIFY_SET | SS_CONFIG_NOTIFY_HASH | SS_CONFIG_NOTIFY_ZSET |
                           SS_CONFIG_NOTIFY_EXPIRED | SS_CONFIG_NOTIFY_EVICTED | SS_CONFIG_NOTIFY_STREAM |
                           SS_CONFIG_NOTIFY_MODULE,
};
/* The flags of a class string ("KEA", "Ex"...), or -1 for a character that
 * names no class. */
int ss_config_notify_parse(const char *s);
/* The class string CONFIG GET shows for flags (Redis's spelling: "AKE"). */
void ss_config_notify_format(int flags, char *out, size_t size);

/* Fills cfg with every default (strings are heap copies). */
void ss_config_init(ss_config *cfg);
void ss_config_release(ss_config *cfg);

/* Loads `sandstore [config-file] [--directive value ...]`: the file first, then
 * the command-line directives in order. On error, errmsg names the file and
 * line (or the argument) and what is wrong. */
int ss_config_load_args(ss_config *cfg, int argc, char **argv, char *errmsg);

/* Applies the directives in a file; errors name the file and line. */
int ss_config_load_file(ss_config *cfg, const char *path, char *errmsg);

/* Applies the text of a config file (lines of `directive args...`); `origin`
 * names it in errors. */
int ss_config_load_string(ss_config *cfg, const char *text, const char *origin, char *errmsg);

/* Sets one directive from its arguments, as a config line would. */
int ss_config_set(ss_config *cfg, const char *name, int argc, char **argv, char *errmsg);

/* Checks the whole configuration for consistency (peers include node-id, ...)
 * and refuses a multi-node cluster whose raft port listens beyond loopback
 * with an empty cluster-secret. */
int ss_config_validate(ss_config *cfg, char *errmsg);

/* The address the raft port listens on: raft-bind, or bind when it is empty. */
const char *ss_config_raft_bind(const ss_config *cfg);
/* The raft port may listen where it would (an IP address; beyond loopback
 * only with a cluster-secret). */
int ss_config_check_raft_bind(const ss_config *cfg, char *errmsg);

/* Is addr an IP literal of the loopback interface (127.0.0.0/8, ::1)? */
bool ss_config_is_loopback(const char *addr);

/* CONFIG GET support: calls fn(name, value) for every directive whose name
 * matches the glob pattern (redis stringmatch rules, case-insensitive). */
typedef void (*ss_config_visit_fn)(void *arg, const char *name, const char *value);
void ss_config_get(const ss_config *cfg, const char *pattern, ss_config_visit_fn fn, void *arg);

/* The value of one directive as CONFIG SET would take it back, secrets
 * included (CONFIG GET masks them): for undoing a CONFIG SET. False for an
 * unknown name or a value longer than size. */
bool ss_config_value(const ss_config *cfg, const char *name, char *out, size_t size);

/* Whether CONFIG SET may change a directive while the server runs. */
bool ss_config_is_mutable(const char *name);

/*
 * CONFIG REWRITE (config_rewrite.c), as Redis's rewriteConfig: the file's
 * lines are kept (comments, blank lines, lines it does not know), each
 * directive's first line is replaced by its current value, its other lines
 * are removed, and a directive set away from its default that the file
 * lacks is appended after a "# Generated by CONFIG REWRITE" line. Directives
 * at their default that the file lacks are not added. In two halves: the
 * values are taken on the loop thread, the merge and the durable write may
 * run on a worker.
 */
typedef struct ss_config_lines ss_config_lines;
/* The current values (NULL: out of memory). */
ss_config_lines *ss_config_rewrite_lines(const ss_config *cfg);
void ss_config_lines_free(ss_config_lines *l);
/* The new file's text for the old one (malloc'd, NUL-terminated; NULL: out of memory). */
char *ss_config_rewrite_merge(const ss_config_lines *l, const char *old, size_t old_len, size_t *out_len);
/* Merges and replaces path durably (temporary file, fsync, rename, fsync of
 * the directory). Blocks on the disk. SS_OK, or an error with errmsg. */
int ss_config_rewrite_file(const ss_config_lines *l, const char *path, char *errmsg);
/* For config_rewrite.c: the name a directive is written under (NULL: one
 * CONFIG REWRITE leaves alone), the first entry at *at or after (*at set
 * to it; false past the last),
 * whether a value takes several arguments. */
const char *ss_config_canonical(const char *name);
bool ss_config_rewrite_entry(const ss_config *cfg, const ss_config *defaults, size_t *at, const char **name,
                             char *value, size_t size, bool *is_default);
size_t ss_config_ndirectives(void);
bool ss_config_multi_arg(const char *name);

/* Parses a peers list "1@127.0.0.1:7379,2@h:7380" into out (at most max). */
int ss_config_parse_peers(const char *spec, ss_peer *out, int max, int *count, char *errmsg);

/* Parses "512mb", "1gb", "100" into bytes; -1 on error. */
long long ss_config_memtoll(const char *s, int *err);

#endif
