/* RAFT.CLUSTER JOIN and the join directive: a new, empty node asks a running cluster to add it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/sha256.h"
#include "engine/admin_call.h"
#include "engine/engine_internal.h"

/*
 * The node sends `RAFT.NODE ADD <id> <raft addr> JOIN <cluster-id> <proof>`
 * to a member's client port (AUTH with its requirepass first); a follower
 * forwards it to the leader, and the leader checks the cluster id and the
 * proof (below) before it changes anything. A MOVED is followed; no leader,
 * TRYAGAIN or a member that cannot be reached moves on to the next address
 * after a pause that doubles up to JOIN_BACKOFF_MAX_MS. A refusal (wrong
 * cluster, wrong secret, id or address in use) ends the join at once. Once
 * added, the node asks the same member for RAFT.NODE LIST and learns the
 * members, so that the leader's connection is accepted; the leader sends it
 * the log and promotes it once it has caught up.
 *
 * The proof is HMAC-SHA256 under the cluster secret of the cluster id, the
 * node id and the raft address: whoever sends it knows the secret (it is
 * never sent) and cannot use it for another id or address. A replayed proof
 * adds the same node at the same address, which the peer handshake still
 * admits only with the secret.
 */

#define JOIN_ADDRS_MAX 16
#define JOIN_CALL_TIMEOUT_MS 30000
#define JOIN_BACKOFF_MIN_MS 100
#define JOIN_BACKOFF_MAX_MS 2000
#define JOIN_ATTEMPTS_MAX 40 /* the command's bound; the directive's is forever */

typedef struct join_state {
    ss_engine *e;
    ss_session *s; /* RAFT.CLUSTER JOIN's client, or NULL for the directive */
    void *cookie;
    char addrs[JOIN_ADDRS_MAX][SS_HOST_MAX + 8];
    int naddrs, next;
    char target[SS_HOST_MAX + 8]; /* where the current request goes */
    bool listing;                 /* added: now learning the members */
    bool uncertain;               /* an ADD may have taken effect without our hearing */
    int attempts;
    uint64_t backoff_ms;
    uv_timer_t timer;
} join_state;

void ss_join_proof(const char *secret, const char *cluster_id, uint64_t id, const char *raft_addr,
                   char out[SS_JOIN_PROOF_LEN + 1])
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "sandstore join\n%s\n%llu\n%s", cluster_id,
                     (unsigned long long)id, raft_addr);
    uint8_t mac[SS_SHA256_SIZE];
    ss_hmac_sha256(secret, strlen(secret), msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1,
                   mac);
    for (int i = 0; i < SS_SHA256_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static void on_timer_closed(uv_handle_t *h) { free(h->data); }

static void join_end(join_state *j, bool ok, const char *why)
{
    ss_engine *e = j->e;
    if (e->join == j)
        e->join = NULL;
    if (ok)
        LOG_NOTICE("raft: joined the cluster: added by the leader, waiting for its log");
    else
        LOG_WARNING("raft: join failed: %s", why);
    if (j->s) {
        ss_buf b;
        ss_buf_init(&b, 0);
        if (ok)
            resp_add_simple(&b, "OK");
        else
            ss_reply_err(&b, RERR_RAFT_NODE, why);
        ss_engine_finish_async(e, j->s, j->cookie, ss_buf_data(&b), ss_buf_len(&b));
        ss_buf_release(&b);
    } else if (!ok && !e->stopping) {
        /* The directive's refusal cannot be fixed by waiting: stop, loudly. */
        fprintf(stderr, "sandstore: join failed: %s\n", why);
        ss_engine_request_shutdown(e);
    }
    uv_close((uv_handle_t *)&j->timer, on_timer_closed);
}

static void send_next(join_state *j);
static void on_timer(uv_timer_t *t) { send_next(t->data); }

/* Not this time: the next address after a pause. */
static void retry(join_state *j, const char *why)
{
    LOG_NOTICE("raft: join via %s: %s; trying again", j->target, why);
    if (j->s && ++j->attempts >= JOIN_ATTEMPTS_MAX) {
        char msg[300];
        snprintf(msg, sizeof msg, "no member added this node after %d attempts (last: %s)",
                 j->attempts, why);
        join_end(j, false, msg);
        return;
    }
    snprintf(j->target, sizeof j->target, "%s", j->addrs[j->next]);
    j->next = (j->next + 1) % j->naddrs;
    j->listing = false;
    uv_timer_start(&j->timer, on_timer, j->backoff_ms, 0);
    j->backoff_ms = j->backoff_ms * 2 > JOIN_BACKOFF_MAX_MS ? JOIN_BACKOFF_MAX_MS : j->backoff_ms * 2;
}

/* RAFT.NODE LIST's reply: each member a map (RESP2: a flat array). */
static void learn_members(join_state *j, const redisReply *r)
{
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *m = r->element[i];
        if (m->type != REDIS_REPLY_ARRAY)
            continue;
        unsigned long long id = 0;
        const char *addr = NULL;
        for (size_t k = 0; k + 1 < m->elements; k += 2) {
            const redisReply *key = m->element[k], *val = m->element[k + 1];
            if (key->type != REDIS_REPLY_STRING)
                continue;
            if (!strcmp(key->str, "id") && val->type == REDIS_REPLY_INTEGER && val->integer > 0)
                id = (unsigned long long)val->integer;
            else if (!strcmp(key->str, "raft_addr") && val->type == REDIS_REPLY_STRING)
                addr = val->str;
        }
        ss_errmsg why = "";
        if (id && addr && ss_cluster_learn_peer(j->e->cluster, id, addr, why) != SS_OK)
            LOG_WARNING("raft: join: cannot reach member %llu at %s: %s", id, addr, why);
    }
}

/* The leader's refusals that pass (the core's SS_EBUSY and SS_EAGAIN: another
 * change, its own promotion of a learner, a transfer, a new leader's first
 * commit): the same request is tried again after a pause. */
static bool transient(const char *err)
{
    static const char *const passing[] = {
        "go one at a time", "a configuration change is in progress", "is being handed to",
        "a leadership transfer is under way", "has not committed an entry of its term",
    };
    for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++)
        if (strstr(err, passing[i]))
            return true;
    return false;
}

static void on_reply(void *arg, const redisReply *r, const char *err)
{
    join_state *j = arg;
    if (j->e->stopping) {
        join_end(j, false, "the node is shutting down");
        return;
    }
    if (r == NULL) {
        if (!j->listing)
            j->uncertain = true;
        retry(j, err);
        return;
    }
    if (j->listing) {
        if (r->type == REDIS_REPLY_ARRAY) {
            learn_members(j, r);
            join_end(j, true, NULL);
        } else {
            retry(j, r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply to RAFT.NODE LIST");
        }
        return;
    }
    if (r->type == REDIS_REPLY_STATUS && !strcasecmp(r->str, "OK")) {
        j->listing = true;
        send_next(j);
        return;
    }
    if (r->type != REDIS_REPLY_ERROR) {
        retry(j, "unexpected reply to RAFT.NODE ADD");
        return;
    }
    if (!strncmp(r->str, "MOVED ", 6)) {
        const char *sp = strchr(r->str + 6, ' ');
        if (sp && strlen(sp + 1) < sizeof j->target) {
            LOG_NOTICE("raft: join: %s sends us to the leader at %s", j->target, sp + 1);
            snprintf(j->target, sizeof j->target, "%s", sp + 1);
            uv_timer_start(&j->timer, on_timer, JOIN_BACKOFF_MIN_MS, 0);
            return;
        }
    }
    char mine[64];
    snprintf(mine, sizeof mine, "ERR node %llu is a member already",
             (unsigned long long)j->e->cfg->node_id);
    if ((j->uncertain || j->s == NULL) && !strcmp(r->str, mine)) {
        /* An earlier ADD of ours committed though its answer was lost; or,
         * for the directive, this node joined before a restart that came
         * before the configuration naming it reached its log. */
        LOG_NOTICE("raft: join: node %llu is a member already: taking it as this node",
                   (unsigned long long)j->e->cfg->node_id);
        j->listing = true;
        send_next(j);
        return;
    }
    if (!strncmp(r->str, "TRYAGAIN", 8) || !strncmp(r->str, "CLUSTERDOWN", 11) ||
        !strncmp(r->str, "BUSY", 4) || !strncmp(r->str, "LOADING", 7) || transient(r->str)) {
        if (!strncmp(r->str, "TRYAGAIN", 8))
            j->uncertain = true;
        retry(j, r->str);
        return;
    }
    join_end(j, false, !strncmp(r->str, "ERR ", 4) ? r->str + 4 : r->str);
}

static void send_next(join_state *j)
{
    ss_engine *e = j->e;
    char id[24], raft_addr[SS_HOST_MAX + 8], proof[SS_JOIN_PROOF_LEN + 1];
    snprintf(id, sizeof id, "%llu", (unsigned long long)e->cfg->node_id);
    ss_cluster_self_raft_addr(e->cluster, raft_addr, sizeof raft_addr);
    ss_join_proof(e->cfg->cluster_secret, e->cfg->cluster_id, e->cfg->node_id, raft_addr, proof);
    const char *add[] = {"RAFT.NODE", "ADD", id, raft_addr, "JOIN", e->cfg->cluster_id, proof};
    const char *list[] = {"RAFT.NODE", "LIST"};
    const char **argv = j->listing ? list : add;
    int argc = j->listing ? 2 : 7;
    size_t argvlen[7];
    for (int i = 0; i < argc; i++)
        argvlen[i] = strlen(argv[i]);
    ss_errmsg why = "";
    ss_admin_target to = ss_admin_target_for(e->cfg, j->target);
    if (ss_admin_call_start(e->loop, &e->admin_calls, &to, argc, argv, argvlen, JOIN_CALL_TIMEOUT_MS, on_reply,
                            j, why) != SS_OK)
        retry(j, why);
}

/* "host:port" items split by commas or given one per argument. */
static int add_addrs(join_state *j, const char *s, size_t len, char *errmsg)
{
    const char *end = s + len;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma ? comma : end;
        size_t n = (size_t)(stop - s);
        const char *colon = memrchr(s, ':', n);
        if (n == 0 || n >= sizeof j->addrs[0] || colon == NULL || colon == s || colon + 1 == stop ||
            memchr(s, '\0', n))
            return ss_errf(errmsg, SS_EINVAL, "invalid address '%.*s': expected host:port",
                           (int)(n > 64 ? 64 : n), s);
        if (j->naddrs == JOIN_ADDRS_MAX)
            return ss_errf(errmsg, SS_ETOOBIG, "at most %d member addresses", JOIN_ADDRS_MAX);
        memcpy(j->addrs[j->naddrs], s, n);
        j->addrs[j->naddrs++][n] = '\0';
        s = stop + 1;
    }
    return SS_OK;
}

static int can_join(ss_engine *e, char *errmsg)
{
    if (e->cluster == NULL)
        return ss_errf(errmsg, SS_EINVAL, "this node runs without Raft");
    if (e->join)
        return ss_errf(errmsg, SS_EBUSY, "a join is in progress");
    if (ss_cluster_is_member(e->cluster))
        return ss_errf(errmsg, SS_EEXIST, "this node is a member of a cluster already");
    if (!ss_cluster_joining(e->cluster))
        return ss_errf(errmsg, SS_EINVAL, "only a node started with raft-bootstrap no (or join) "
                       "can join a cluster");
    return SS_OK;
}

static join_state *join_new(ss_engine *e)
{
    join_state *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->e = e;
    j->backoff_ms = JOIN_BACKOFF_MIN_MS;
    uv_timer_init(e->loop, &j->timer);
    j->timer.data = j;
    return j;
}

static void join_go(join_state *j)
{
    j->e->join = j;
    snprintf(j->target, sizeof j->target, "%s", j->addrs[0]);
    j->next = 1 % j->naddrs;
    LOG_NOTICE("raft: joining the cluster via %s (%d member addresses)", j->target, j->naddrs);
    send_next(j);
}

ss_dispatch_result ss_join_command(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_errmsg why = "";
    if (can_join(e, why) != SS_OK) {
        ss_reply_err(out, RERR_RAFT_NODE, why);
        return SS_DISPATCH_DONE;
    }
    join_state *j = join_new(e);
    if (j == NULL) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    int rc = SS_OK;
    for (int i = 2; i < a->argc && rc == SS_OK; i++)
        rc = add_addrs(j, a->argv[i], a->argvlen[i], why);
    if (rc != SS_OK) {
        uv_close((uv_handle_t *)&j->timer, on_timer_closed);
        ss_reply_err(out, RERR_RAFT_NODE, why);
        return SS_DISPATCH_DONE;
    }
    j->s = s;
    j->cookie = ss_engine_begin_async(e, s, KIND_WRITE);
    join_go(j);
    return SS_DISPATCH_ASYNC;
}

void ss_join_directive(ss_engine *e)
{
    const char *list = e->cfg->join;
    if (list == NULL || list[0] == '\0' || e->cluster == NULL || ss_cluster_is_member(e->cluster))
        return; /* a restart of a node that joined already: its log says who the members are */
    ss_errmsg why = "";
    join_state *j = join_new(e);
    if (j == NULL) {
        LOG_WARNING("raft: join: out of memory");
        return;
    }
    if (add_addrs(j, list, strlen(list), why) != SS_OK) {
        join_end(j, false, why);
        return;
    }
    join_go(j);
}

void ss_join_stop(ss_engine *e)
{
    join_state *j = e->join;
    if (j == NULL)
        return;
    uv_timer_stop(&j->timer);
    join_end(j, false, "the node is shutting down");
}
