/* RAFT.NODE ADD/PROMOTE/REMOVE/LIST and RAFT.TRANSFER_LEADER: membership changes proposed on the leader, answered once committed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sha256.h"
#include "engine/admin_call.h"
#include "engine/engine_internal.h"

/* A node id: a positive decimal integer, nothing else. */
static bool parse_id(const ss_args *a, int i, uint64_t *id)
{
    const char *s = a->argv[i];
    if (a->argvlen[i] == 0 || a->argvlen[i] > 20 || s[0] < '0' || s[0] > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end != s + a->argvlen[i] || v == 0)
        return false;
    *id = v;
    return true;
}

/* "host:port", port 1..65535, the host non-empty and printable. */
static bool valid_addr(const char *s, size_t len)
{
    const char *colon = memrchr(s, ':', len);
    if (colon == NULL || colon == s || len > SS_HOST_MAX + 6)
        return false;
    for (const char *p = s; p < colon; p++)
        if (*p <= ' ' || *p > '~')
            return false;
    size_t plen = len - (size_t)(colon + 1 - s);
    if (plen == 0 || plen > 5)
        return false;
    long port = 0;
    for (size_t i = 0; i < plen; i++) {
        if (colon[1 + i] < '0' || colon[1 + i] > '9')
            return false;
        port = port * 10 + (colon[1 + i] - '0');
    }
    return port >= 1 && port <= 65535;
}

/* No leader to forward to: MOVED when its client address is unknown yet. */
static void to_leader(ss_engine *e, ss_buf *out)
{
    const char *addr = ss_cluster_leader_addr(e->cluster);
    if (addr)
        ss_reply_err(out, RERR_MOVED, 0, addr);
    else
        ss_reply_err(out, RERR_NOLEADER);
}

/* ------------------------------------------------ forwarding to the leader */

#define FORWARD_TIMEOUT_MS 30000
#define REPLY_DEPTH_MAX 4

typedef struct forward_req {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    char leader[SS_HOST_MAX + 8];
} forward_req;

/* The leader's reply (RESP2 as hiredis read it) in this client's protocol. */
static void encode_reply(ss_buf *out, const redisReply *r, resp_proto proto, int depth)
{
    switch (r->type) {
    case REDIS_REPLY_STATUS: resp_add_simple_len(out, r->str, r->len); break;
    case REDIS_REPLY_ERROR: resp_add_error_len(out, r->str, r->len); break;
    case REDIS_REPLY_INTEGER: resp_add_int(out, r->integer); break;
    case REDIS_REPLY_STRING: resp_add_bulk(out, r->str, r->len); break;
    case REDIS_REPLY_ARRAY:
        if (depth >= REPLY_DEPTH_MAX) {
            resp_add_error(out, "ERR the leader's reply nests too deep");
            break;
        }
        resp_add_array_len(out, (long long)r->elements);
        for (size_t i = 0; i < r->elements; i++)
            encode_reply(out, r->element[i], proto, depth + 1);
        break;
    default: resp_add_null_bulk(out, proto); break;
    }
}

static void on_forwarded(void *arg, const redisReply *r, const char *err)
{
    forward_req *f = arg;
    ss_buf b;
    ss_buf_init(&b, 0);
    if (r)
        encode_reply(&b, r, f->s->proto, 0);
    else if (f->e->stopping)
        ss_reply_err(&b, RERR_SHUTDOWN_UNKNOWN);
    else
        ss_reply_err(&b, RERR_RAFT_FORWARD, f->leader, err);
    ss_engine_finish_async(f->e, f->s, f->cookie, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
    free(f);
}

/*
 * A follower runs the command on the leader, as a client of its client port
 * (over TLS when members serve clients on tls-port alone; AUTH with
 * masteruser/masterauth, else requirepass: ss_admin_target_for), and relays the
 * reply: in both follower modes, since a membership change has no key to
 * redirect by and tools expect any member to take it. Without a leader's
 * client address known yet, the client is told to go to it or wait.
 */
static ss_dispatch_result forward(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    const char *addr = ss_cluster_leader_addr(e->cluster);
    if (addr == NULL) {
        to_leader(e, out);
        return SS_DISPATCH_DONE;
    }
    forward_req *f = malloc(sizeof *f);
    if (f == NULL) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    *f = (forward_req){.e = e, .s = s};
    snprintf(f->leader, sizeof f->leader, "%s", addr);
    ss_errmsg why = "";
    ss_admin_target to = ss_admin_target_for(e->cfg, f->leader);
    int rc = ss_admin_call_start(e->loop, &e->admin_calls, &to, a->argc,
                                 (const char **)a->argv, a->argvlen, FORWARD_TIMEOUT_MS, on_forwarded,
                                 f, why);
    if (rc != SS_OK) {
        free(f);
        ss_reply_err(out, RERR_RAFT_FORWARD, addr, why);
        return SS_DISPATCH_DONE;
    }
    /* The reply comes from a later loop iteration, never from inside the call. */
    f->cookie = ss_engine_begin_async(e, s, KIND_WRITE);
    return SS_DISPATCH_ASYNC;
}

/* The cluster's refusal as the client sees it. */
static void refused(ss_engine *e, int rc, const char *why, ss_buf *out)
{
    if (rc == SS_ENOTLEADER)
        to_leader(e, out);
    else if (rc == SS_ESHUTDOWN)
        ss_reply_err(out, RERR_SHUTDOWN);
    else
        ss_reply_err(out, RERR_RAFT_NODE, why);
}

typedef struct conf_req {
    ss_engine *e;
    ss_session *s;
    void *cookie;
} conf_req;

static void on_committed(void *arg, int status)
{
    conf_req *r = arg;
    if (status == SS_OK)
        ss_engine_finish_async(r->e, r->s, r->cookie, "+OK\r\n", 5);
    else
        ss_engine_finish_error(r->e, r->s, r->cookie,
                               status == SS_ESHUTDOWN ? RERR_SHUTDOWN_UNKNOWN : RERR_RAFT_CONF_LOST);
    free(r);
}

static ss_dispatch_result change(ss_engine *e, ss_session *s, int op, uint64_t id, const char *addr,
                                 ss_buf *out)
{
    conf_req *r = malloc(sizeof *r);
    if (r == NULL) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    ss_errmsg why = "";
    /* The callback runs from a later round of the cluster's driver, never
     * from inside ss_cluster_change_conf, so the cookie can come after. */
    int rc = ss_cluster_change_conf(e->cluster, op, id, addr, on_committed, r, why);
    if (rc != SS_OK) {
        free(r);
        refused(e, rc, why, out);
        return SS_DISPATCH_DONE;
    }
    *r = (conf_req){e, s, ss_engine_begin_async(e, s, KIND_WRITE)};
    return SS_DISPATCH_ASYNC;
}

static void list(ss_engine *e, ss_session *s, ss_buf *out)
{
    ss_conf_member m[SS_CONF_MEMBERS_MAX];
    size_t n = ss_cluster_conf_members(e->cluster, m);
    resp_add_array_len(out, (long long)n);
    for (size_t i = 0; i < n; i++) {
        resp_add_map_len(out, s->proto, 6);
        resp_add_bulk(out, "id", 2);
        resp_add_int(out, (long long)m[i].id);
        resp_add_bulk(out, "raft_addr", 9);
        resp_add_bulk(out, m[i].raft_addr, strlen(m[i].raft_addr));
        resp_add_bulk(out, "client_addr", 11);
        resp_add_bulk(out, m[i].client_addr, strlen(m[i].client_addr));
        const char *role = m[i].leader ? "leader" : "follower";
        resp_add_bulk(out, "role", 4);
        resp_add_bulk(out, role, strlen(role));
        const char *kind = m[i].voter ? "voter" : "learner";
        resp_add_bulk(out, "kind", 4);
        resp_add_bulk(out, kind, strlen(kind));
        resp_add_bulk(out, "match_index", 11);
        if (m[i].match_known)
            resp_add_int(out, (long long)m[i].match);
        else
            resp_add_null_bulk(out, s->proto);
    }
}

static void transfer(ss_engine *e, const ss_args *a, ss_buf *out)
{
    if (a->argc > 2) {
        ss_reply_err(out, RERR_SYNTAX);
        return;
    }
    uint64_t id = 0;
    if (a->argc == 2 && !parse_id(a, 1, &id)) {
        ss_reply_err(out, RERR_RAFT_NODE_ID);
        return;
    }
    /* Without a target, the voter whose log is known to go furthest (§3.10). */
    if (id == 0 && (id = ss_cluster_best_voter(e->cluster)) == 0) {
        ss_reply_err(out, RERR_RAFT_NODE, "no other voter to transfer leadership to");
        return;
    }
    ss_errmsg why = "";
    int rc = ss_cluster_transfer_leader(e->cluster, id, why);
    if (rc == SS_OK)
        resp_add_simple(out, "OK");
    else
        refused(e, rc, why, out);
}

/*
 * A joining node's request (RAFT.CLUSTER JOIN, join.c) carries JOIN
 * <cluster-id> <proof>: the leader refuses it, changing nothing, unless the
 * node names this cluster and proves it holds this cluster's secret.
 */
static bool join_checks(ss_engine *e, const ss_args *a, int at, uint64_t id, ss_buf *out)
{
    char why[300];
    if (strcmp(a->argv[at], e->cfg->cluster_id) != 0) {
        snprintf(why, sizeof why, "wrong cluster id '%.64s': this cluster is '%s'", a->argv[at],
                 e->cfg->cluster_id);
        ss_reply_err(out, RERR_RAFT_NODE, why);
        return false;
    }
    char proof[SS_JOIN_PROOF_LEN + 1];
    ss_join_proof(e->cfg->cluster_secret, e->cfg->cluster_id, id, a->argv[3], proof);
    if (a->argvlen[at + 1] != SS_JOIN_PROOF_LEN ||
        !ss_hmac_equal((const uint8_t *)proof, (const uint8_t *)a->argv[at + 1], SS_JOIN_PROOF_LEN)) {
        ss_reply_err(out, RERR_RAFT_NODE,
                     "the joining node does not hold this cluster's cluster-secret");
        return false;
    }
    return true;
}

/* RAFT.NODE ADD <id> <host:raftport> [LEARNER] [JOIN <cluster-id> <proof>] */
static ss_dispatch_result add(ss_engine *e, ss_session *s, const ss_args *a, uint64_t id, ss_buf *out)
{
    int i = 4;
    bool learner = i < a->argc && !strcasecmp(a->argv[i], "learner");
    if (learner)
        i++;
    bool join = i + 2 < a->argc && !strcasecmp(a->argv[i], "join");
    if (join)
        i += 3;
    if (i != a->argc) {
        ss_reply_err(out, RERR_SYNTAX);
        return SS_DISPATCH_DONE;
    }
    if (!valid_addr(a->argv[3], a->argvlen[3]) || memchr(a->argv[3], '\0', a->argvlen[3])) {
        ss_reply_err(out, RERR_RAFT_NODE_ADDR);
        return SS_DISPATCH_DONE;
    }
    if (join && !join_checks(e, a, i - 2, id, out))
        return SS_DISPATCH_DONE;
    return change(e, s, learner ? SS_CONF_ADD_LEARNER : SS_CONF_ADD, id, a->argv[3], out);
}

ss_dispatch_result ss_membership_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd,
                                          const ss_args *a, ss_buf *out)
{
    if (s->pending > 0)
        return SS_DISPATCH_BLOCKED; /* replies keep the pipeline's order */
    if (e->cluster == NULL) {
        ss_reply_err(out, RERR_RAFT_NO_RAFT);
        return SS_DISPATCH_DONE;
    }
    if (e->stopping) {
        ss_reply_err(out, RERR_SHUTDOWN);
        return SS_DISPATCH_DONE;
    }
    if (!strcmp(cmd->name, "raft.node|list")) {
        list(e, s, out);
        return SS_DISPATCH_DONE;
    }
    if (!strcmp(cmd->name, "raft.cluster|join"))
        return ss_join_command(e, s, a, out);
    if (!ss_cluster_is_leader(e->cluster))
        return forward(e, s, a, out);
    if (!strcmp(cmd->name, "raft.transfer_leader")) {
        transfer(e, a, out);
        return SS_DISPATCH_DONE;
    }
    uint64_t id;
    if (!parse_id(a, 2, &id)) {
        ss_reply_err(out, RERR_RAFT_NODE_ID);
        return SS_DISPATCH_DONE;
    }
    if (!strcmp(cmd->name, "raft.node|add"))
        return add(e, s, a, id, out);
    if (!strcmp(cmd->name, "raft.node|promote"))
        return change(e, s, SS_CONF_PROMOTE, id, NULL, out);
    return change(e, s, SS_CONF_REMOVE, id, NULL, out);
}
