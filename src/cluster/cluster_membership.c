/* Membership changes and leadership transfer as the server asks for them: the core's raft_change_conf and raft_transfer_leadership, and the wait for a change to commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_raft.h"
#include "common/log.h"

static int raft_op(int op)
{
    switch (op) {
    case SS_CONF_ADD: return RAFT_CONF_ADD;
    case SS_CONF_ADD_LEARNER: return RAFT_CONF_ADD_LEARNER;
    case SS_CONF_PROMOTE: return RAFT_CONF_PROMOTE;
    case SS_CONF_REMOVE: return RAFT_CONF_REMOVE;
    default: return 0;
    }
}

int ss_cluster_change_conf(ss_cluster *c, int op, uint64_t id, const char *raft_addr, ss_conf_cb cb,
                           void *arg, char *errmsg)
{
    if (!ss_cluster_running(c) || c->r == NULL)
        return ss_errf(errmsg, SS_ESHUTDOWN, "the node is shutting down");
    int rop = raft_op(op);
    if (rop == 0)
        return ss_errf(errmsg, SS_EINVAL, "unknown configuration change");
    if (c->role != RAFT_LEADER)
        return ss_errf(errmsg, SS_ENOTLEADER, "not the leader");
    /* The core allows one change at a time (single-server changes), so one
     * waiter is enough; a second change is refused by the core as well. */
    if (c->conf_wait.cb)
        return ss_errf(errmsg, SS_EBUSY, "a configuration change is in progress");
    /* A one-member cluster opens its raft port now, before anything changes,
     * so that a port it cannot open is a refusal, not a member unreachable. */
    if (c->transport == NULL && (op == SS_CONF_ADD || op == SS_CONF_ADD_LEARNER)) {
        int trc = cluster_transport_start(c, errmsg);
        if (trc != SS_OK)
            return trc;
    }
    uint64_t index = 0;
    int rc = raft_change_conf(c->r, rop, id, raft_addr, &index, errmsg);
    if (rc != SS_OK)
        return rc;
    c->conf_wait = (conf_waiter){.index = index, .term = raft_term(c->r), .cb = cb, .arg = arg};
    LOG_NOTICE("raft: configuration change for node %llu appended at index %llu",
               (unsigned long long)id, (unsigned long long)index);
    ss_cluster_kick(c);
    return SS_OK;
}

static void finish(ss_cluster *c, int status)
{
    conf_waiter w = c->conf_wait;
    c->conf_wait = (conf_waiter){0};
    if (w.cb)
        w.cb(w.arg, status);
}

/*
 * Done when the entry is committed with the term it was appended in. Once
 * this node no longer leads that term the entry may yet commit under the
 * next leader, or be overwritten: the outcome is unknown (as a write's).
 */
void cluster_conf_wait_check(ss_cluster *c)
{
    if (c->conf_wait.cb == NULL || c->r == NULL)
        return;
    const conf_waiter *w = &c->conf_wait;
    if (raft_commit_index(c->r) >= w->index) {
        const raft_entry *e = raft_entry_at(c->r, w->index);
        bool ours = e ? e->term == w->term : (c->role == RAFT_LEADER && raft_term(c->r) == w->term);
        finish(c, ours ? SS_OK : SS_ELEADERLOST);
        return;
    }
    if (c->role != RAFT_LEADER || raft_term(c->r) != w->term)
        finish(c, SS_ELEADERLOST);
}

void cluster_conf_wait_fail(ss_cluster *c, int status) { finish(c, status); }

int ss_cluster_transfer_leader(ss_cluster *c, uint64_t id, char *errmsg)
{
    if (!ss_cluster_running(c) || c->r == NULL)
        return ss_errf(errmsg, SS_ESHUTDOWN, "the node is shutting down");
    if (c->role != RAFT_LEADER)
        return ss_errf(errmsg, SS_ENOTLEADER, "not the leader");
    const raft_member *m = raft_conf_find(raft_conf_get(c->r, NULL, NULL), id);
    if (m == NULL)
        return ss_errf(errmsg, SS_ENOTFOUND, "node %llu is not a member", (unsigned long long)id);
    if (id == c->cfg->node_id)
        return ss_errf(errmsg, SS_EINVAL, "node %llu already leads", (unsigned long long)id);
    if (m->role != RAFT_VOTER)
        return ss_errf(errmsg, SS_EINVAL, "node %llu is a learner", (unsigned long long)id);
    int rc = raft_transfer_leadership(c->r, id);
    if (rc == SS_EBUSY)
        return ss_errf(errmsg, rc, "a leadership transfer is under way");
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "cannot transfer leadership to node %llu", (unsigned long long)id);
    LOG_NOTICE("raft: transferring leadership to node %llu", (unsigned long long)id);
    ss_cluster_kick(c);
    return SS_OK;
}

size_t ss_cluster_conf_members(const ss_cluster *c, ss_conf_member *out)
{
    if (c->r == NULL)
        return 0;
    const raft_conf *conf = raft_conf_get(c->r, NULL, NULL);
    size_t n = 0;
    for (size_t k = 0; k < conf->n && n < SS_CONF_MEMBERS_MAX; k++) {
        const raft_member *m = &conf->members[k];
        ss_conf_member *o = &out[n++];
        *o = (ss_conf_member){.id = m->id, .voter = m->role == RAFT_VOTER,
                              .self = m->id == c->cfg->node_id, .leader = m->id == c->leader_id};
        snprintf(o->raft_addr, sizeof o->raft_addr, "%s", m->addr);
        if (o->self) {
            snprintf(o->client_addr, sizeof o->client_addr, "%s", c->self_client_addr);
            o->match = raft_last_index(c->r);
            o->match_known = true;
        } else {
            const peer_info *p = cluster_peer_find(c, m->id);
            if (p)
                snprintf(o->client_addr, sizeof o->client_addr, "%s", p->client_addr);
            uint64_t next;
            const char *state;
            o->match_known = raft_peer_progress(c->r, m->id, &o->match, &next, &state);
        }
    }
    return n;
}

uint64_t ss_cluster_best_voter(const ss_cluster *c)
{
    ss_conf_member m[SS_CONF_MEMBERS_MAX];
    size_t n = ss_cluster_conf_members(c, m);
    uint64_t best = 0, best_match = 0;
    for (size_t i = 0; i < n; i++)
        if (!m[i].self && m[i].voter && (best == 0 || (m[i].match_known && m[i].match > best_match))) {
            best = m[i].id;
            best_match = m[i].match_known ? m[i].match : 0;
        }
    return best;
}

size_t ss_cluster_waiting(const ss_cluster *c) { return c->nwaiting; }

bool ss_cluster_voter_reachable(const ss_cluster *c)
{
    if (c->r == NULL || c->transport == NULL)
        return false;
    const raft_conf *conf = raft_conf_get(c->r, NULL, NULL);
    for (size_t k = 0; k < conf->n; k++) {
        const raft_member *m = &conf->members[k];
        if (m->id != c->cfg->node_id && m->role == RAFT_VOTER && ss_transport_peer_connected(c->transport, m->id))
            return true;
    }
    return false;
}

uint64_t ss_cluster_handoff(ss_cluster *c)
{
    if (!ss_cluster_running(c) || c->r == NULL || c->role != RAFT_LEADER)
        return 0;
    uint64_t target = raft_transfer_target(c->r);
    if (target != 0)
        return target; /* one is under way already */
    target = ss_cluster_best_voter(c);
    ss_errmsg why = "";
    if (target == 0 || ss_cluster_transfer_leader(c, target, why) != SS_OK) {
        if (target)
            LOG_WARNING("raft: cannot hand leadership to node %llu before stopping: %s",
                        (unsigned long long)target, why);
        return 0;
    }
    return target;
}

bool ss_cluster_joining(const ss_cluster *c)
{
    return !c->cfg->raft_bootstrap || (c->cfg->join && c->cfg->join[0]);
}

bool ss_cluster_is_member(const ss_cluster *c)
{
    return c->r && raft_conf_find(raft_conf_get(c->r, NULL, NULL), c->cfg->node_id) != NULL;
}

void ss_cluster_self_raft_addr(const ss_cluster *c, char *out, size_t size)
{
    for (int i = 0; i < c->cfg->npeers; i++)
        if (c->cfg->peer_list[i].id == c->cfg->node_id) {
            snprintf(out, size, "%s:%d", c->cfg->peer_list[i].host, c->cfg->peer_list[i].port);
            return;
        }
    snprintf(out, size, "%s:%d", ss_config_raft_bind(c->cfg), c->cfg->raft_port);
}

int ss_cluster_learn_peer(ss_cluster *c, uint64_t id, const char *raft_addr, char *errmsg)
{
    if (id == c->cfg->node_id)
        return SS_OK;
    if (cluster_peer_find(c, id))
        return SS_OK;
    if (c->npeers == SS_MAX_PEERS)
        return ss_errf(errmsg, SS_ETOOBIG, "more than %d peers", SS_MAX_PEERS);
    int rc = cluster_transport_start(c, errmsg);
    if (rc != SS_OK)
        return rc;
    char host[SS_HOST_MAX];
    int port;
    cluster_split_addr(raft_addr, host, sizeof host, &port);
    rc = ss_transport_add_peer(c->transport, id, host, port, errmsg);
    if (rc != SS_OK && rc != SS_EEXIST)
        return rc;
    peer_info *p = &c->peers[c->npeers++];
    *p = (peer_info){.id = id, .link_changed_ms = ss_cluster_now_ms()};
    snprintf(p->raft_addr, sizeof p->raft_addr, "%s", raft_addr);
    LOG_NOTICE("raft: learned member %llu at %s from the cluster this node joins",
               (unsigned long long)id, raft_addr);
    return SS_OK;
}
