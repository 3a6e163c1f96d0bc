/* The peers follow the Raft core's configuration: members added are dialled, members removed are let go. */
#include <stdio.h>
#include <string.h>

#include "cluster/cluster_raft.h"
#include "common/log.h"

static bool in_conf(const raft_conf *conf, uint64_t id) { return raft_conf_find(conf, id) != NULL; }

static void add_peer(ss_cluster *c, const raft_member *m)
{
    if (c->npeers == SS_MAX_PEERS) {
        LOG_WARNING("raft: node %llu is a member but this node talks to at most %d peers: it is "
                    "not reached from here", (unsigned long long)m->id, SS_MAX_PEERS);
        return;
    }
    char host[SS_HOST_MAX];
    int port;
    cluster_split_addr(m->addr, host, sizeof host, &port);
    peer_info *p = &c->peers[c->npeers];
    *p = (peer_info){.id = m->id, .link_changed_ms = ss_cluster_now_ms()};
    snprintf(p->raft_addr, sizeof p->raft_addr, "%s", m->addr);
    if (c->transport) {
        ss_errmsg err = "";
        int rc = ss_transport_add_peer(c->transport, m->id, host, port, err);
        if (rc != SS_OK && rc != SS_EEXIST) {
            LOG_WARNING("raft: cannot reach new member %llu at '%s': %s", (unsigned long long)m->id,
                        m->addr, err);
            return;
        }
    }
    c->npeers++;
    LOG_NOTICE("raft: node %llu (%s, %s) joins the configuration", (unsigned long long)m->id, m->addr,
               m->role == RAFT_VOTER ? "voter" : "learner");
}

static void drop_peer(ss_cluster *c, int i)
{
    uint64_t id = c->peers[i].id;
    if (c->transport)
        ss_transport_remove_peer(c->transport, id);
    memmove(&c->peers[i], &c->peers[i + 1], sizeof c->peers[0] * (size_t)(c->npeers - i - 1));
    c->npeers--;
    LOG_NOTICE("raft: node %llu left the configuration: no more messages to or from it",
               (unsigned long long)id);
}

void cluster_conf_sync(ss_cluster *c)
{
    if (c->r == NULL)
        return;
    uint64_t gen = raft_conf_gen(c->r);
    if (gen == c->conf_gen && c->conf_synced)
        return;
    c->conf_gen = gen;
    c->conf_synced = true;
    const raft_conf *conf = raft_conf_get(c->r, NULL, NULL);
    /* A node outside the configuration it knows (not added yet, or removed)
     * keeps the peers it has: they are how it hears of its addition. */
    if (!in_conf(conf, c->cfg->node_id))
        return;
    for (int i = c->npeers - 1; i >= 0; i--) {
        if (in_conf(conf, c->peers[i].id))
            continue;
        /* A leader that removed itself leads until its removal commits, then
         * hands over (thesis §4.2.2): cut off at once, it would never learn
         * the commit, and the cluster would wait for check-quorum and an
         * election. It is dropped once another leader is known. */
        if (c->peers[i].id == c->leader_id) {
            c->conf_synced = false; /* look again next round */
            continue;
        }
        drop_peer(c, i);
    }
    for (size_t k = 0; k < conf->n; k++) {
        const raft_member *m = &conf->members[k];
        bool known = m->id == c->cfg->node_id || cluster_peer_find(c, m->id);
        if (!known && m->addr[0])
            add_peer(c, m);
    }
}
