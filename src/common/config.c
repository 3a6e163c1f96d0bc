/* Server configuration: directives from a redis-style file and the command line. */
#include "common/config.h"
#include "common/strutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { T_INT, T_MEM, T_STRING, T_ENUM, T_U64, T_LOGLEVEL, T_PEERS, T_OBUF, T_NOTIFY, T_IGNORED } dtype;

typedef struct {
    const char *name;
    const char *value; /* or NULL */
} enum_opt;

/* One row per directive: how to parse it, where it lives, its default. */
typedef struct {
    const char *name;
    dtype type;
    size_t offset;
    const char *def;
    long long min, max;
    const char *const *choices; /* T_ENUM: index is the stored value */
    bool is_mutable;
} directive;

static const char *const read_choices[] = {"linearizable", "stale", NULL};
static const char *const follower_choices[] = {"proxy", "redirect", NULL};
static const char *const fsync_choices[] = {"always", "no", NULL};
static const char *const tls_auth_choices[] = {"no", "yes", "optional", NULL};
static const char *const yesno_choices[] = {"no", "yes", NULL};
/* Redis's maxmemory-policy names, in the order of ss_maxmemory_policy. */
static const char *const maxmemory_choices[] = {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                                                "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction",
                                                NULL};

const char *ss_maxmemory_policy_name(int policy)
{
    return policy >= 0 && policy <= SS_MAXMEMORY_NOEVICTION ? maxmemory_choices[policy] : "noeviction";
}

#define OFF(field) offsetof(ss_config, field)
#define LL_MAX LLONG_MAX

static const directive directives[] = {
    {"bind", T_STRING, OFF(bind), "127.0.0.1", 0, 0, NULL, false},
    {"port", T_INT, OFF(port), "6379", 0, 65535, NULL, false},
    {"dir", T_STRING, OFF(dir), "./", 0, 0, NULL, false},
    {"logfile", T_STRING, OFF(logfile), "", 0, 0, NULL, false},
    {"pidfile", T_STRING, OFF(pidfile), "", 0, 0, NULL, false},
    {"loglevel", T_LOGLEVEL, OFF(loglevel), "notice", 0, 0, NULL, true},
    {"requirepass", T_STRING, OFF(requirepass), "", 0, 0, NULL, true},
    /* Redis's credentials toward a master; here toward the member a node
     * sends admin commands to (RAFT.* forwarded to the leader, RAFT.CLUSTER
     * JOIN): AUTH masteruser masterauth, or AUTH masterauth, else requirepass. */
    {"masteruser", T_STRING, OFF(masteruser), "", 0, 0, NULL, true},
    {"masterauth", T_STRING, OFF(masterauth), "", 0, 0, NULL, true},
    {"aclfile", T_STRING, OFF(aclfile), "", 0, 0, NULL, false},
    {"acllog-max-len", T_INT, OFF(acllog_max_len), "128", 0, 1000000, NULL, true},
    {"protected-mode", T_ENUM, OFF(protected_mode), "yes", 0, 0, yesno_choices, true},
    {"maxclients", T_INT, OFF(maxclients), "10000", 1, 1000000, NULL, true},
    {"timeout", T_INT, OFF(timeout), "0", 0, INT_MAX, NULL, true},
    {"slowlog-log-slower-than", T_INT, OFF(slowlog_log_slower_than), "10000", -1, INT_MAX, NULL, true},
    /* Each entry is bounded (32 arguments of 128 bytes), so is the log. */
    {"slowlog-max-len", T_INT, OFF(slowlog_max_len), "128", 0, 1000000, NULL, true},
    {"latency-monitor-threshold", T_INT, OFF(latency_monitor_threshold), "0", 0, INT_MAX, NULL, true},
    /* CLIENT TRACKING's table of keys; past it keys are invalidated early. */
    {"tracking-table-max-keys", T_INT, OFF(tracking_table_max_keys), "1000000", 0, INT_MAX, NULL, true},
    /* sandstore evicts nothing (no maxmemory): the policy only says whether
     * OBJECT FREQ (LFU) or OBJECT IDLETIME (the others) is tracked, with
     * Redis's LFU knobs. The per-node access table behind them holds at
     * most access-table-max-keys keys (commands/access.h; 0: none). */
    {"maxmemory-policy", T_ENUM, OFF(maxmemory_policy), "noeviction", 0, 0, maxmemory_choices, true},
    {"lfu-log-factor", T_INT, OFF(lfu_log_factor), "10", 0, INT_MAX, NULL, true},
    {"lfu-decay-time", T_INT, OFF(lfu_decay_time), "1", 0, INT_MAX, NULL, true},
    {"access-table-max-keys", T_INT, OFF(access_table_max_keys), "100000", 0, INT_MAX, NULL, true},
    {"databases", T_INT, OFF(databases), "16", 1, 16, NULL, false},
    {"proto-max-bulk-len", T_MEM, OFF(proto_max_bulk_len), "512mb", 1024 * 1024, LL_MAX, NULL, true},
    {"client-query-buffer-limit", T_MEM, OFF(client_query_buffer_limit), "1gb", 1024 * 1024, LL_MAX, NULL, true},
    /* Redis's classes; sandstore's normal class defaults to limits where
     * Redis has none (see conf/sandstore.conf). */
    {"client-output-buffer-limit", T_OBUF, OFF(client_obuf_limits),
     "normal 1gb 64mb 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", 0, 0, NULL, true},
    /* Deprecated: the normal class's soft limit, from before there were classes. */
    {"client-output-buffer-limit-bytes", T_MEM, OFF(client_obuf_limits[SS_CLIENT_NORMAL].soft), "64mb",
     16 * 1024, LL_MAX, NULL, true},
    {"tcp-keepalive", T_INT, OFF(tcp_keepalive), "300", 0, INT_MAX, NULL, true},
    /* TLS, Redis's names and defaults. The certificates, keys, CAs and
     * settings may change at run time: CONFIG SET builds new contexts
     * (new connections use them), or refuses and keeps the old ones. */
    {"tls-port", T_INT, OFF(tls_port), "0", 0, 65535, NULL, false},
    /* The Prometheus endpoint, beside the client port on `bind` (0 = none). */
    {"metrics-port", T_INT, OFF(metrics_port), "0", 0, 65535, NULL, false},
    {"tls-cert-file", T_STRING, OFF(tls_cert_file), "", 0, 0, NULL, true},
    {"tls-key-file", T_STRING, OFF(tls_key_file), "", 0, 0, NULL, true},
    {"tls-key-file-pass", T_STRING, OFF(tls_key_file_pass), "", 0, 0, NULL, true},
    {"tls-client-cert-file", T_STRING, OFF(tls_client_cert_file), "", 0, 0, NULL, true},
    {"tls-client-key-file", T_STRING, OFF(tls_client_key_file), "", 0, 0, NULL, true},
    {"tls-client-key-file-pass", T_STRING, OFF(tls_client_key_file_pass), "", 0, 0, NULL, true},
    {"tls-ca-cert-file", T_STRING, OFF(tls_ca_cert_file), "", 0, 0, NULL, true},
    {"tls-ca-cert-dir", T_STRING, OFF(tls_ca_cert_dir), "", 0, 0, NULL, true},
    {"tls-auth-clients", T_ENUM, OFF(tls_auth_clients), "yes", 0, 0, tls_auth_choices, true},
    {"tls-protocols", T_STRING, OFF(tls_protocols), "", 0, 0, NULL, true},
    {"tls-ciphers", T_STRING, OFF(tls_ciphers), "", 0, 0, NULL, true},
    {"tls-ciphersuites", T_STRING, OFF(tls_ciphersuites), "", 0, 0, NULL, true},
    {"tls-prefer-server-ciphers", T_ENUM, OFF(tls_prefer_server_ciphers), "no", 0, 0, yesno_choices, true},
    {"tls-session-caching", T_ENUM, OFF(tls_session_caching), "yes", 0, 0, yesno_choices, true},
    {"tls-session-cache-size", T_INT, OFF(tls_session_cache_size), "20480", 0, INT_MAX, NULL, true},
    {"tls-session-cache-timeout", T_INT, OFF(tls_session_cache_timeout), "300", 0, INT_MAX, NULL, true},
    /* The raft port (consensus, replication, snapshots) over mutual TLS. */
    {"tls-cluster", T_ENUM, OFF(tls_cluster), "no", 0, 0, yesno_choices, false},
    {"tls-replication", T_ENUM, OFF(tls_replication), "no", 0, 0, yesno_choices, false},
    {"node-id", T_U64, OFF(node_id), "1", 1, LL_MAX, NULL, false},
    {"raft-port", T_INT, OFF(raft_port), "7379", 0, 65535, NULL, false},
    {"raft-bind", T_STRING, OFF(raft_bind), "", 0, 0, NULL, false},
    {"peers", T_PEERS, OFF(peers), "", 0, 0, NULL, false},
    /* no: a node joining a running cluster. peers then names the members to
     * listen to (and this node's own raft address); the node starts outside
     * any configuration, never campaigns, and waits for RAFT.NODE ADD on the
     * leader. yes: peers is a brand-new cluster's first configuration. */
    {"raft-bootstrap", T_ENUM, OFF(raft_bootstrap), "yes", 0, 0, yesno_choices, false},
    {"cluster-id", T_STRING, OFF(cluster_id), "sandstore", 0, 0, NULL, false},
    {"cluster-secret", T_STRING, OFF(cluster_secret), "", 0, 0, NULL, false},
    {"join", T_STRING, OFF(join), "", 0, 0, NULL, false},
    {"election-timeout", T_INT, OFF(election_timeout), "1000", 10, 60000, NULL, false},
    {"heartbeat-interval", T_INT, OFF(heartbeat_interval), "100", 1, 60000, NULL, false},
    {"raft-fsync", T_ENUM, OFF(raft_fsync), "always", 0, 0, fsync_choices, false},
    {"read-consistency", T_ENUM, OFF(read_consistency), "linearizable", 0, 0, read_choices, true},
    {"follower-mode", T_ENUM, OFF(follower_mode), "proxy", 0, 0, follower_choices, true},
    {"leader-wait-timeout", T_INT, OFF(leader_wait_timeout), "5000", 0, 600000, NULL, true},
    {"snapshot-threshold", T_MEM, OFF(snapshot_threshold), "100000", 0, LL_MAX, NULL, true},
    {"snapshot-threshold-bytes", T_MEM, OFF(snapshot_threshold_bytes), "128mb", 0, LL_MAX, NULL, true},
    {"snapshot-trailing-entries", T_MEM, OFF(snapshot_trailing_entries), "5000", 0, LL_MAX, NULL, true},
    {"snapshot-max-bytes", T_MEM, OFF(snapshot_max_bytes), "64gb", 0, LL_MAX, NULL, true},
    /* At least the 1 MiB chunks leaders send. */
    {"snapshot-max-chunk-bytes", T_MEM, OFF(snapshot_max_chunk_bytes), "16mb", 1024 * 1024, 1LL << 30, NULL, true},
    {"raft-segment-size", T_MEM, OFF(raft_segment_size), "64mb", 64 * 1024, 1LL << 40, NULL, false},
    {"raft-log-max-pending", T_MEM, OFF(raft_log_max_pending), "1gb", 64 * 1024, LL_MAX, NULL, false},
    /* The store's cache of hot key records in front of LevelDB; 0 = off. */
    {"keyspace-cache-size", T_MEM, OFF(keyspace_cache_size), "64mb", 0, 1LL << 40, NULL, true},
    /* Scripts (EVAL, FCALL): the budget of a write script travels in its log
     * entry, so every node stops it at the same instruction. */
    {"script-max-instructions", T_MEM, OFF(script_max_instructions), "10000000", 1000, LL_MAX, NULL, true},
    {"script-max-memory", T_MEM, OFF(script_max_memory), "64mb", 1024 * 1024, 1LL << 40, NULL, true},
    {"script-max-reply", T_MEM, OFF(script_max_reply), "64mb", 1024, 1LL << 40, NULL, true},
    {"busy-reply-threshold", T_INT, OFF(busy_reply_threshold), "5000", 0, INT_MAX, NULL, true},
    {"lua-time-limit", T_INT, OFF(busy_reply_threshold), "5000", 0, INT_MAX, NULL, true},
    /* Answered so that tools written for Redis (redis-benchmark reads these) are
     * content; sandstore's durability comes from the Raft log, not from them. */
    {"notify-keyspace-events", T_NOTIFY, OFF(notify_keyspace_events), "", 0, 0, NULL, true},
    {"save", T_IGNORED, 0, "", 0, 0, NULL, true},
    {"appendonly", T_IGNORED, 0, "no", 0, 0, NULL, true},
    {"daemonize", T_IGNORED, 0, "no", 0, 0, NULL, false},
};
#define NDIRECTIVES (sizeof directives / sizeof directives[0])

static const directive *find_directive(const char *name)
{
    for (size_t i = 0; i < NDIRECTIVES; i++)
        if (strcasecmp(directives[i].name, name) == 0)
            return &directives[i];
    return NULL;
}

long long ss_config_memtoll(const char *s, int *err)
{
    const char *u = s;
    while (*u && (isdigit((unsigned char)*u) || (u == s && *u == '-')))
        u++;
    long long mul = 1;
    if (*u == '\0') mul = 1;
    else if (!strcasecmp(u, "b")) mul = 1;
    else if (!strcasecmp(u, "k")) mul = 1000;
    else if (!strcasecmp(u, "kb")) mul = 1024;
    else if (!strcasecmp(u, "m")) mul = 1000LL * 1000;
    else if (!strcasecmp(u, "mb")) mul = 1024LL * 1024;
    else if (!strcasecmp(u, "g")) mul = 1000LL * 1000 * 1000;
    else if (!strcasecmp(u, "gb")) mul = 1024LL * 1024 * 1024;
    else goto bad;
    size_t digits = (size_t)(u - s);
    if (digits == 0 || digits > 20)
        goto bad;
    char buf[32];
    memcpy(buf, s, digits);
    buf[digits] = '\0';
    errno = 0;
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end || v < 0 || (mul > 1 && v > LLONG_MAX / mul))
        goto bad;
    if (err) *err = 0;
    return v * mul;
bad:
    if (err) *err = 1;
    return -1;
}

static bool parse_ll(const char *s, long long *out)
{
    if (*s == '\0')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int ss_config_parse_peers(const char *spec, ss_peer *out, int max, int *count, char *errmsg)
{
    *count = 0;
    if (spec == NULL || spec[0] == '\0')
        return SS_OK;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[SS_HOST_MAX + 64];
        if (len == 0 || len >= sizeof item)
            return ss_errf(errmsg, SS_ECONFIG, "bad peer '%.*s': expected ID@HOST:RAFTPORT", (int)len, p);
        memcpy(item, p, len);
        item[len] = '\0';
        if (*count >= max)
            return ss_errf(errmsg, SS_ECONFIG, "too many peers (at most %d)", max);
        char *at = strchr(item, '@');
        char *colon = strrchr(item, ':');
        long long id, port;
        if (!at || !colon || colon < at) 
            return ss_errf(errmsg, SS_ECONFIG, "bad peer '%s': expected ID@HOST:RAFTPORT", item);
        *at = '\0';
        *colon = '\0';
        if (!parse_ll(item, &id) || id <= 0)
            return ss_errf(errmsg, SS_ECONFIG, "bad peer id '%s': expected a positive integer", item);
        if (!parse_ll(colon + 1, &port) || port <= 0 || port > 65535)
            return ss_errf(errmsg, SS_ECONFIG, "bad raft port '%s' for peer %lld", colon + 1, id);
        const char *host = at + 1;
        if (host[0] == '\0' || strlen(host) >= SS_HOST_MAX)
            return ss_errf(errmsg, SS_ECONFIG, "bad host for peer %lld", id);
        for (int i = 0; i < *count; i++)
            if (out[i].id == (uint64_t)id)
                return ss_errf(errmsg, SS_ECONFIG, "peer id %lld appears twice", id);
        out[*count].id = (uint64_t)id;
        snprintf(out[*count].host, SS_HOST_MAX, "%s", host);
        out[*count].port = (int)port;
        (*count)++;
        p = end ? end + 1 : p + len;
    }
    return SS_OK;
}

static const char *const client_class_names[] = {"normal", "slave", "pubsub"};

/* "<class> <hard> <soft> <soft-seconds>" groups, as Redis reads them; classes
 * not named keep their limits. "replica" and "slave" name the same class. */
static int parse_obuf_limits(ss_obuf_limit *limits, const char *value, char *errmsg)
{
    int argc;
    char **argv = ss_splitargs(value, &argc);
    if (argv == NULL || argc == 0 || argc % 4 != 0) {
        ss_split_free(argv, argc);
        return ss_errf(errmsg, SS_ECONFIG, "wrong number of arguments: expected groups of "
                                           "<class> <hard limit> <soft limit> <soft seconds>");
    }
    ss_obuf_limit next[SS_CLIENT_CLASSES];
    memcpy(next, limits, sizeof next);
    int rc = SS_OK;
    for (int i = 0; i < argc && rc == SS_OK; i += 4) {
        int cls = !strcasecmp(argv[i], "normal") ? SS_CLIENT_NORMAL
                : !strcasecmp(argv[i], "replica") || !strcasecmp(argv[i], "slave") ? SS_CLIENT_REPLICA
                : !strcasecmp(argv[i], "pubsub") ? SS_CLIENT_PUBSUB : -1;
        int bad_hard, bad_soft;
        long long hard = ss_config_memtoll(argv[i + 1], &bad_hard);
        long long soft = ss_config_memtoll(argv[i + 2], &bad_soft);
        long long secs;
        if (cls < 0)
            rc = ss_errf(errmsg, SS_ECONFIG, "invalid client class '%s': expected normal, replica or pubsub",
                         argv[i]);
        else if (bad_hard || bad_soft)
            rc = ss_errf(errmsg, SS_ECONFIG, "invalid memory limit for class %s", argv[i]);
        else if (!parse_ll(argv[i + 3], &secs) || secs < 0)
            rc = ss_errf(errmsg, SS_ECONFIG, "invalid soft seconds '%s' for class %s", argv[i + 3], argv[i]);
        else
            next[cls] = (ss_obuf_limit){hard, soft, secs};
    }
    ss_split_free(argv, argc);
    if (rc == SS_OK)
        memcpy(limits, next, sizeof next);
    return rc;
}

static int apply_directive(ss_config *cfg, const directive *d, const char *value, char *errmsg)
{
    void *field = (char *)cfg + d->offset;
    long long v;
    int bad;
    switch (d->type) {
    case T_INT:
        if (!parse_ll(value, &v))
            return ss_errf(errmsg, SS_ECONFIG, "argument couldn't be parsed into an integer");
        if (v < d->min || v > d->max)
            return ss_errf(errmsg, SS_ECONFIG, "argument must be between %lld and %lld inclusive",
                           d->min, d->max);
        *(int *)field = (int)v;
        return SS_OK;
    case T_U64:
        if (!parse_ll(value, &v))
            return ss_errf(errmsg, SS_ECONFIG, "argument couldn't be parsed into an integer");
        if (v < d->min || v > d->max)
            return ss_errf(errmsg, SS_ECONFIG, "argument must be between %lld and %lld inclusive",
                           d->min, d->max);
        *(uint64_t *)field = (uint64_t)v;
        return SS_OK;
    case T_MEM:
        v = ss_config_memtoll(value, &bad);
        if (bad)
            return ss_errf(errmsg, SS_ECONFIG, "argument must be a memory value");
        if (v < d->min || v > d->max)
            return ss_errf(errmsg, SS_ECONFIG, "argument must be between %lld and %lld inclusive",
                           d->min, d->max);
        *(long long *)field = v;
        return SS_OK;
    case T_STRING: {
        char *copy = strdup(value);
        if (!copy)
            return SS_ENOMEM;
        free(*(char **)field);
        *(char **)field = copy;
        return SS_OK;
    }
    case T_ENUM:
        for (int i = 0; d->choices[i]; i++) {
            if (strcasecmp(d->choices[i], value) == 0) {
                *(int *)field = i;
                return SS_OK;
            }
        }
        if (d->choices == yesno_choices) /* Redis's booleans */
            return ss_errf(errmsg, SS_ECONFIG, "argument must be 'yes' or 'no'");
        {
            /* Redis's enums: every choice, in the table's order */
            char list[256];
            size_t n = 0;
            list[0] = '\0';
            for (int i = 0; d->choices[i] && n < sizeof list; i++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", d->choices[i]);
            return ss_errf(errmsg, SS_ECONFIG, "argument(s) must be one of the following: %s", list);
        }
    case T_LOGLEVEL: {
        int level = ss_log_level_parse(value);
        if (level < 0)
            return ss_errf(errmsg, SS_ECONFIG,
                           "argument must be one of: trace, debug, verbose, notice, warning, nothing");
        *(int *)field = level;
        return SS_OK;
    }
    case T_PEERS: {
        ss_peer list[SS_MAX_PEERS];
        int n;
        int rc = ss_config_parse_peers(value, list, SS_MAX_PEERS, &n, errmsg);
        if (rc != SS_OK)
            return rc;
        char *copy = strdup(value);
        if (!copy)
            return SS_ENOMEM;
        free(cfg->peers);
        cfg->peers = copy;
        memcpy(cfg->peer_list, list, sizeof list);
        cfg->npeers = n;
        return SS_OK;
    }
    case T_OBUF:
        return parse_obuf_limits(field, value, errmsg);
    case T_NOTIFY: {
        int flags = ss_config_notify_parse(value);
        if (flags < 0)
            return ss_errf(errmsg, SS_ECONFIG, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        *(int *)field = flags;
        return SS_OK;
    }
    case T_IGNORED:
        return SS_OK;
    }
    return SS_EINTERNAL;
}

void ss_config_init(ss_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NDIRECTIVES; i++) {
        int rc = apply_directive(cfg, &directives[i], directives[i].def, NULL);
        (void)rc; /* defaults are valid by construction; tests check it */
    }
}

void ss_config_release(ss_config *cfg)
{
    for (size_t i = 0; i < NDIRECTIVES; i++) {
        if (directives[i].type == T_STRING || directives[i].type == T_PEERS) {
            char **field = (char **)((char *)cfg + directives[i].offset);
            free(*field);
            *field = NULL;
        }
    }
}

int ss_config_set(ss_config *cfg, const char *name, int argc, char **argv, char *errmsg)
{
    const directive *d = find_directive(name);
    if (d == NULL)
        return ss_errf(errmsg, SS_ECONFIG, "unknown directive '%s'", name);
    if (d->type == T_IGNORED)
        return SS_OK; /* `save 900 1` and friends take any number of arguments */
    char joined[1024];
    const char *value = argc == 1 ? argv[0] : NULL;
    if (d->type == T_OBUF && argc > 1) {
        /* A file line spells the groups out as arguments; CONFIG SET gives them
         * as one string: both read the same. */
        size_t used = 0;
        for (int i = 0; i < argc && used < sizeof joined; i++)
            used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%s", i ? " " : "", argv[i]);
        if (used >= sizeof joined)
            return ss_errf(errmsg, SS_ECONFIG, "directive '%s': arguments too long", d->name);
        value = joined;
    }
    if (value == NULL)
        return ss_errf(errmsg, SS_ECONFIG, "directive '%s' takes exactly one argument, got %d",
                       d->name, argc);
    ss_errmsg why = "";
    int rc = apply_directive(cfg, d, value, why);
    /* The reason alone, in Redis's words: CONFIG SET puts it after "possibly related to argument
     * 'name' -"; the file and command-line loaders add where it came from. */
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "%s", why[0] ? why : ss_strerror(rc));
    if (!strcasecmp(d->name, "client-output-buffer-limit-bytes"))
        LOG_WARNING("config: 'client-output-buffer-limit-bytes' is deprecated; it sets the soft limit "
                    "of 'client-output-buffer-limit normal <hard> <soft> <soft-seconds>'");
    return SS_OK;
}

int ss_config_load_string(ss_config *cfg, const char *text, const char *origin, char *errmsg)
{
    int lineno = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        char *line = strndup(p, len);
        if (!line)
            return SS_ENOMEM;
        p = nl ? nl + 1 : p + len;

        /* A comment is skipped before it is split, as Redis does: its text
         * may hold quotes that do not balance as arguments. */
        const char *first = line + strspn(line, " \t\r");
        if (*first == '#' || *first == '\0') {
            free(line);
            continue;
        }
        int argc = 0;
        char **argv = ss_splitargs(line, &argc);
        int rc = SS_OK;
        ss_errmsg why = "";
        if (argv == NULL)
            rc = ss_errf(why, SS_ECONFIG, "unbalanced quotes");
        else if (argc > 0 && argv[0][0] != '#')
            rc = ss_config_set(cfg, argv[0], argc - 1, argv + 1, why);
        if (argv)
            ss_split_free(argv, argc);
        if (rc != SS_OK) {
            ss_errf(errmsg, rc, "%s, line %d: %s (>>> '%s')", origin, lineno, why, line);
            free(line);
            return rc;
        }
        free(line);
    }
    return SS_OK;
}

int ss_config_load_file(ss_config *cfg, const char *path, char *errmsg)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return ss_errf(errmsg, SS_ECONFIG, "can't open config file '%s': %s", path, strerror(errno));
    char *text = NULL;
    size_t cap = 0, len = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return SS_ENOMEM;
            }
            text = grown;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (text == NULL)
        return SS_OK; /* empty file */
    text[len] = '\0';
    char origin[SS_ERRMSG_SIZE];
    snprintf(origin, sizeof origin, "config file '%s'", path);
    int rc = ss_config_load_string(cfg, text, origin, errmsg);
    free(text);
    return rc;
}

int ss_config_load_args(ss_config *cfg, int argc, char **argv, char *errmsg)
{
    int i = 1;
    if (i < argc && strncmp(argv[i], "--", 2) != 0) {
        int rc = ss_config_load_file(cfg, argv[i], errmsg);
        if (rc != SS_OK)
            return rc;
        i++;
    }
    while (i < argc) {
        if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0')
            return ss_errf(errmsg, SS_ECONFIG,
                           "command line: expected --directive, got '%s'", argv[i]);
        const char *name = argv[i] + 2;
        int first = ++i;
        while (i < argc && strncmp(argv[i], "--", 2) != 0)
            i++;
        ss_errmsg why = "";
        int rc = ss_config_set(cfg, name, i - first, argv + first, why);
        if (rc != SS_OK)
            return ss_errf(errmsg, rc, "command line: --%s: %s", name, why);
    }
    return SS_OK;
}

int ss_config_validate(ss_config *cfg, char *errmsg)
{
    if (cfg->port == 0 && cfg->tls_port == 0)
        return ss_errf(errmsg, SS_ECONFIG, "Configured to not listen anywhere, exiting.");
    /* Replication is raft's log shipping on the raft port: it cannot be
     * encrypted without the rest of that port. */
    if (cfg->tls_replication && !cfg->tls_cluster)
        return ss_errf(errmsg, SS_ECONFIG, "tls-replication yes needs tls-cluster yes: sandstore "
                       "replicates over the raft port, which tls-cluster puts under TLS");
    if (cfg->npeers == 0)
        return SS_OK; /* a one-member cluster of this node alone */
    bool self = false;
    for (int i = 0; i < cfg->npeers; i++)
        if (cfg->peer_list[i].id == cfg->node_id)
            self = true;
    if (!self)
        return ss_errf(errmsg, SS_ECONFIG,
                       "peers must list every voting member including this node (node-id %llu)",
                       (unsigned long long)cfg->node_id);
    if (cfg->heartbeat_interval >= cfg->election_timeout)
        return ss_errf(errmsg, SS_ECONFIG, "heartbeat-interval (%d ms) must be below election-timeout (%d ms)",
                       cfg->heartbeat_interval, cfg->election_timeout);
    if (cfg->npeers == 1)
        return SS_OK; /* only this node: the raft port is not opened */
    return ss_config_check_raft_bind(cfg, errmsg);
}

int ss_config_check_raft_bind(const ss_config *cfg, char *errmsg)
{
    const char *raft_bind = ss_config_raft_bind(cfg);
    const char *which = cfg->raft_bind[0] ? "raft-bind" : "bind (raft-bind is empty)";
    struct in6_addr ip;
    if (inet_pton(AF_INET, raft_bind, &ip) != 1 && inet_pton(AF_INET6, raft_bind, &ip) != 1)
        return ss_errf(errmsg, SS_ECONFIG, "%s '%s' must be an IP address", which, raft_bind);
    /* The handshake's HMAC key is the secret: with an empty one, knowing the
     * cluster id and a node id is enough to act as that node (propose, vote,
     * replace the data with a snapshot). On loopback only local processes can
     * try, and the transport warns at start; beyond it, we refuse. */
    if (cfg->cluster_secret[0] == '\0' && !ss_config_is_loopback(raft_bind))
        return ss_errf(errmsg, SS_ECONFIG, "cluster-secret is empty but the raft port listens "
                       "beyond loopback (%s %s): anyone who reaches it could join the cluster as "
                       "one of its nodes; set cluster-secret to the same long random string on "
                       "every node, or raft-bind 127.0.0.1 for a cluster on one machine",
                       which, raft_bind);
    return SS_OK;
}

const char *ss_config_raft_bind(const ss_config *cfg)
{
    return cfg->raft_bind && cfg->raft_bind[0] ? cfg->raft_bind : cfg->bind;
}

bool ss_config_is_loopback(const char *addr)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, addr, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &v6) != 1)
        return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6))
        return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

static void format_value(const ss_config *cfg, const directive *d, char *out, size_t size)
{
    const void *field = (const char *)cfg + d->offset;
    switch (d->type) {
    case T_INT: snprintf(out, size, "%d", *(const int *)field); break;
    case T_U64: snprintf(out, size, "%llu", (unsigned long long)*(const uint64_t *)field); break;
    case T_MEM: snprintf(out, size, "%lld", *(const long long *)field); break;
    case T_STRING:
    case T_PEERS: snprintf(out, size, "%s", *(char *const *)field ? *(char *const *)field : ""); break;
    case T_ENUM: snprintf(out, size, "%s", d->choices[*(const int *)field]); break;
    case T_OBUF: {
        /* Redis's CONFIG GET form: every class, bytes, "slave" for replicas. */
        const ss_obuf_limit *l = field;
        size_t used = 0;
        for (int i = 0; i < SS_CLIENT_CLASSES && used < size; i++)
            used += (size_t)snprintf(out + used, size - used, "%s%s %lld %lld %lld", i ? " " : "",
                                     client_class_names[i], l[i].hard, l[i].soft, l[i].soft_seconds);
        break;
    }
    case T_LOGLEVEL: snprintf(out, size, "%s", ss_log_level_name(*(const int *)field)); break;
    case T_NOTIFY: ss_config_notify_format(*(const int *)field, out, size); break;
    case T_IGNORED: snprintf(out, size, "%s", d->def); break;
    }
}

bool ss_config_value(const ss_config *cfg, const char *name, char *out, size_t size)
{
    const directive *d = find_directive(name);
    if (d == NULL || size == 0)
        return false;
    format_value(cfg, d, out, size);
    return strlen(out) + 1 < size;
}

void ss_config_get(const ss_config *cfg, const char *pattern, ss_config_visit_fn fn, void *arg)
{
    char value[1024];
    for (size_t i = 0; i < NDIRECTIVES; i++) {
        const directive *d = &directives[i];
        if (!ss_stringmatch(pattern, strlen(pattern), d->name, strlen(d->name), true))
            continue;
        /* Never echo secrets back, as redis does not for masterauth. */
        if (d->type == T_STRING && (d->offset == OFF(cluster_secret) || d->offset == OFF(masterauth) ||
                                    d->offset == OFF(tls_key_file_pass) ||
                                    d->offset == OFF(tls_client_key_file_pass)))
            snprintf(value, sizeof value, "%s", (*(char *const *)((const char *)cfg + d->offset))[0] ? "******" : "");
        else
            format_value(cfg, d, value, sizeof value);
        fn(arg, d->name, value);
    }
}

/* notify-keyspace-events: Redis 7.0's keyspaceEventsStringToFlags and
 * keyspaceEventsFlagsToString, over the SS_CONFIG_NOTIFY_* bits. */
static const struct {
    char c;
    int bit;
} notify_classes[] = {
    {'g', SS_CONFIG_NOTIFY_GENERIC}, {'$', SS_CONFIG_NOTIFY_STRING},  {'l', SS_CONFIG_NOTIFY_LIST},
    {'s', SS_CONFIG_NOTIFY_SET},     {'h', SS_CONFIG_NOTIFY_HASH},    {'z', SS_CONFIG_NOTIFY_ZSET},
    {'x', SS_CONFIG_NOTIFY_EXPIRED}, {'e', SS_CONFIG_NOTIFY_EVICTED}, {'t', SS_CONFIG_NOTIFY_STREAM},
    {'d', SS_CONFIG_NOTIFY_MODULE},  {'n', SS_CONFIG_NOTIFY_NEW},     {'K', SS_CONFIG_NOTIFY_KEYSPACE},
    {'E', SS_CONFIG_NOTIFY_KEYEVENT}, {'m', SS_CONFIG_NOTIFY_KEY_MISS},
};
#define NOTIFY_NCLASSES (sizeof notify_classes / sizeof notify_classes[0])

int ss_config_notify_parse(const char *s)
{
    int flags = 0;
    for (; *s; s++) {
        if (*s == 'A') {
            flags |= SS_CONFIG_NOTIFY_ALL;
            continue;
        }
        size_t i = 0;
        while (i < NOTIFY_NCLASSES && notify_classes[i].c != *s)
            i++;
        if (i == NOTIFY_NCLASSES)
            return -1;
        flags |= notify_classes[i].bit;
    }
    return flags;
}

void ss_config_notify_format(int flags, char *out, size_t size)
{
    size_t n = 0;
    /* Redis 7.0 writes 'A' for the whole set, and then, as it does, leaves
     * out 'n' (which 'A' does not include). */
    if ((flags & SS_CONFIG_NOTIFY_ALL) == SS_CONFIG_NOTIFY_ALL) {
        if (n + 1 < size)
            out[n++] = 'A';
    } else {
        for (size_t i = 0; i < NOTIFY_NCLASSES; i++)
            if (notify_classes[i].bit & ~(SS_CONFIG_NOTIFY_KEYSPACE | SS_CONFIG_NOTIFY_KEYEVENT |
                                          SS_CONFIG_NOTIFY_KEY_MISS) &&
                (flags & notify_classes[i].bit) && n + 1 < size)
                out[n++] = notify_classes[i].c;
    }
    if ((flags & SS_CONFIG_NOTIFY_KEYSPACE) && n + 1 < size)
        out[n++] = 'K';
    if ((flags & SS_CONFIG_NOTIFY_KEYEVENT) && n + 1 < size)
        out[n++] = 'E';
    if ((flags & SS_CONFIG_NOTIFY_KEY_MISS) && n + 1 < size)
        out[n++] = 'm';
    if (size > 0)
        out[n] = '\0';
}

bool ss_config_is_mutable(const char *name)
{
    const directive *d = find_directive(name);
    return d != NULL && d->is_mutable;
}

/* CONFIG REWRITE: the names it writes under (an alias, or a directive that
 * sets part of another, is written as that other one). */
static const struct {
    const char *alias, *canonical;
} rewrite_aliases[] = {
    {"lua-time-limit", "busy-reply-threshold"},
    {"client-output-buffer-limit-bytes", "client-output-buffer-limit"},
};

const char *ss_config_canonical(const char *name)
{
    for (size_t i = 0; i < sizeof rewrite_aliases / sizeof rewrite_aliases[0]; i++)
        if (!strcasecmp(name, rewrite_aliases[i].alias))
            return rewrite_aliases[i].canonical;
    const directive *d = find_directive(name);
    return d && d->type != T_IGNORED ? d->name : NULL;
}

bool ss_config_rewrite_entry(const ss_config *cfg, const ss_config *defaults, size_t *at, const char **name,
                             char *value, size_t size, bool *is_default)
{
    for (size_t i = *at; i < NDIRECTIVES; i++) {
        const directive *d = &directives[i];
        if (d->type == T_IGNORED || strcmp(ss_config_canonical(d->name), d->name) != 0)
            continue;
        char def[1024];
        format_value(cfg, d, value, size);
        format_value(defaults, d, def, sizeof def);
        *name = d->name;
        *is_default = strcmp(value, def) == 0;
        *at = i;
        return true;
    }
    return false;
}

size_t ss_config_ndirectives(void) { return NDIRECTIVES; }

bool ss_config_multi_arg(const char *name)
{
    const directive *d = find_directive(name);
    return d && d->type == T_OBUF;
}
