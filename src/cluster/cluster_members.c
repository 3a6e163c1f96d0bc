/* The Raft group as cluster clients see it: member names kept on disk, client addresses and names learned from peers, link health. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/cluster_raft.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"

/*
 * Redis Cluster clients know nodes by a 40-hex-digit id that never changes.
 * A node draws its own at random on first start and keeps it in
 * dir/cluster-node-id (written durably before it serves, never rewritten).
 * Peers learn it from the PEER_INFO each node sends when a connection comes
 * up ("host:port name"), and keep what they learned in dir/cluster-peers, a
 * cache rewritten on a worker thread when something changes: a node that
 * restarts while a peer is down still shows that peer's name and address.
 * The cache is only ever a hint; a peer's own PEER_INFO replaces it.
 */
#define NAME_FILE "cluster-node-id"
#define PEERS_FILE "cluster-peers"
#define PEERS_FILE_MAX (64 * 1024)
/* A peer whose link has been down this many election timeouts is "fail";
 * before that, "fail?". By then a dead leader has been replaced. */
#define FAIL_AFTER_ELECTION_TIMEOUTS 2

static bool valid_name(const char *s, size_t len)
{
    if (len != SS_MEMBER_NAME_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* Reads a small file whole (NUL-terminated); NULL if absent or unreadable. */
static char *read_small(const char *dir, const char *name, size_t max, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max, f) : 0;
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int load_own_name(ss_cluster *c, char *errmsg)
{
    const char *dir = c->cfg->dir;
    size_t len = 0;
    char *text = read_small(dir, NAME_FILE, 256, &len);
    if (text) {
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        bool ok = valid_name(text, len);
        if (ok)
            memcpy(c->name, text, SS_MEMBER_NAME_LEN);
        free(text);
        if (ok)
            return SS_OK;
        /* Renaming a node silently would confuse every client that knows it. */
        return ss_errf(errmsg, SS_ECORRUPT, "cluster: %s/%s does not hold a 40-hex-digit node name",
                       dir, NAME_FILE);
    }
    if (errno != ENOENT)
        return ss_errf(errmsg, SS_EIO, "cluster: read %s/%s: %s", dir, NAME_FILE, strerror(errno));
    uint8_t raw[SS_MEMBER_NAME_LEN / 2];
    if (uv_random(NULL, NULL, raw, sizeof raw, 0, NULL) != 0) {
        /* No kernel entropy: the clocks and the pid still make it unique. */
        uint64_t seed = ss_clock_mono_ns() ^ ((uint64_t)ss_clock_wall_us() << 7) ^ (uint64_t)getpid();
        for (size_t i = 0; i < sizeof raw; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            raw[i] = (uint8_t)(seed >> 56);
        }
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(c->name + 2 * i, 3, "%02x", raw[i]);
    char line[SS_MEMBER_NAME_LEN + 2];
    snprintf(line, sizeof line, "%s\n", c->name);
    int rc = ss_write_file_durable(dir, NAME_FILE, line, SS_MEMBER_NAME_LEN + 1, errmsg);
    if (rc == SS_OK)
        LOG_NOTICE("cluster: this node's name (CLUSTER MYID) is %s", c->name);
    return rc;
}

peer_info *cluster_peer_find(const ss_cluster *c, uint64_t id)
{
    for (int i = 0; i < c->npeers; i++)
        if (c->peers[i].id == id)
            return (peer_info *)&c->peers[i];
    return NULL;
}

/* Lines "raftid name host:port"; anything else is skipped (a hint only). */
static void load_peers_cache(ss_cluster *c)
{
    size_t len = 0;
    char *text = read_small(c->cfg->dir, PEERS_FILE, PEERS_FILE_MAX, &len);
    if (!text)
        return;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long id;
        char name[SS_MEMBER_NAME_LEN + 2], addr[SS_HOST_MAX + 8];
        if (sscanf(line, "%llu %41s %263s", &id, name, addr) != 3 || !valid_name(name, strlen(name)))
            continue;
        peer_info *p = cluster_peer_find(c, id);
        if (!p)
            continue; /* no longer a member */
        memcpy(p->name, name, SS_MEMBER_NAME_LEN + 1);
        snprintf(p->client_addr, sizeof p->client_addr, "%s", addr);
    }
    free(text);
}

int cluster_members_load(ss_cluster *c, char *errmsg)
{
    int64_t now = ss_cluster_now_ms();
    for (int i = 0; i < c->npeers; i++)
        c->peers[i].link_changed_ms = now;
    int rc = load_own_name(c, errmsg);
    if (rc == SS_OK)
        load_peers_cache(c);
    return rc;
}

/* ----------------------------------------------- the cache, on a worker */

typedef struct cache_write {
    ss_cluster *c;
    char dir[4096];
    char *text;
    size_t len;
    int rc;
    ss_errmsg err;
} cache_write;

static void cache_work(uv_work_t *w)
{
    cache_write *cw = w->data;
    cw->rc = ss_write_file_durable(cw->dir, PEERS_FILE, cw->text, cw->len, cw->err);
}

static void save_cache(ss_cluster *c);

static void cache_done(uv_work_t *w, int status)
{
    cache_write *cw = w->data;
    ss_cluster *c = cw->c;
    if (status == 0 && cw->rc != SS_OK)
        LOG_WARNING("cluster: could not save the peers' names: %s", cw->err);
    free(cw->text);
    free(cw);
    c->names_saving = false;
    if (c->closing) {
        ss_cluster_closed_one(c);
        return;
    }
    if (c->names_dirty)
        save_cache(c);
}

static void save_cache(ss_cluster *c)
{
    if (c->closing)
        return;
    if (c->names_saving) {
        c->names_dirty = true;
        return;
    }
    cache_write *cw = calloc(1, sizeof *cw);
    size_t cap = (size_t)c->npeers * (SS_MEMBER_NAME_LEN + SS_HOST_MAX + 40) + 1;
    char *text = cw ? malloc(cap) : NULL;
    if (!text) {
        free(cw);
        return; /* a hint: the next change tries again */
    }
    size_t len = 0;
    for (int i = 0; i < c->npeers; i++) {
        const peer_info *p = &c->peers[i];
        if (p->name[0] && p->client_addr[0])
            len += (size_t)snprintf(text + len, cap - len, "%llu %s %s\n", (unsigned long long)p->id,
                                    p->name, p->client_addr);
    }
    *cw = (cache_write){.c = c, .text = text, .len = len};
    snprintf(cw->dir, sizeof cw->dir, "%s", c->cfg->dir);
    c->names_work.data = cw;
    c->names_dirty = false;
    if (uv_queue_work(c->loop, &c->names_work, cache_work, cache_done) != 0) {
        free(text);
        free(cw);
        return;
    }
    c->names_saving = true;
}

bool cluster_members_closing(ss_cluster *c) { return c->names_saving; }

/* ------------------------------------------------------ what peers say */

void cluster_members_info(ss_cluster *c, peer_info *p, const uint8_t *payload, size_t len)
{
    const char *text = (const char *)payload;
    const char *space = memchr(text, ' ', len);
    size_t addr_len = space ? (size_t)(space - text) : len;
    bool changed = false;
    if (addr_len > 0 && addr_len < sizeof p->client_addr && memchr(text, '\0', addr_len) == NULL &&
        (strlen(p->client_addr) != addr_len || memcmp(p->client_addr, text, addr_len) != 0)) {
        memcpy(p->client_addr, text, addr_len);
        p->client_addr[addr_len] = '\0';
        changed = true;
    }
    if (space) {
        const char *name = space + 1;
        size_t name_len = len - addr_len - 1;
        if (valid_name(name, name_len) && memcmp(p->name, name, SS_MEMBER_NAME_LEN) != 0) {
            memcpy(p->name, name, SS_MEMBER_NAME_LEN);
            p->name[SS_MEMBER_NAME_LEN] = '\0';
            changed = true;
        }
    }
    if (changed && p->name[0])
        save_cache(c);
}

void cluster_members_link(ss_cluster *c, peer_info *p, bool up)
{
    (void)c;
    if (p->link_up != up)
        p->link_changed_ms = ss_cluster_now_ms();
    p->link_up = up;
}

/* ------------------------------------------------------- the members */

/* "host:port" into its parts (the port after the last colon). */
void cluster_split_addr(const char *addr, char *host, size_t hsize, int *port)
{
    const char *colon = strrchr(addr, ':');
    *port = 0;
    host[0] = '\0';
    if (!colon)
        return;
    snprintf(host, hsize, "%.*s", (int)(colon - addr), addr);
    *port = atoi(colon + 1);
}

/* A member's raft port: from the configuration in the log when it is there
 * (a member added by RAFT.NODE ADD is in no `peers` directive), else from
 * the bootstrap peers. */
static int raft_port_of(const ss_cluster *c, uint64_t id)
{
    const raft_member *m = c->r ? raft_conf_find(raft_conf_get(c->r, NULL, NULL), id) : NULL;
    if (m && m->addr[0]) {
        char host[SS_HOST_MAX];
        int port = 0;
        cluster_split_addr(m->addr, host, sizeof host, &port);
        if (port > 0)
            return port;
    }
    for (int i = 0; i < c->cfg->npeers; i++)
        if (c->cfg->peer_list[i].id == id)
            return c->cfg->peer_list[i].port;
    return id == c->cfg->node_id ? c->cfg->raft_port : 0;
}

static int cmp_member(const void *a, const void *b)
{
    uint64_t x = ((const ss_member *)a)->id, y = ((const ss_member *)b)->id;
    return (x > y) - (x < y);
}

size_t ss_cluster_members(const ss_cluster *c, ss_member *out)
{
    uint64_t leader = c->leader_id ? c->leader_id : c->last_leader_id;
    int64_t now = ss_cluster_now_ms();
    int64_t fail_after = (int64_t)c->cfg->election_timeout * FAIL_AFTER_ELECTION_TIMEOUTS;
    size_t n = 0;
    ss_member *self = &out[n++];
    *self = (ss_member){.id = c->cfg->node_id, .self = true, .link_up = true,
                        .leader = leader == c->cfg->node_id,
                        .offset = c->sm.applied_index(c->sm.ctx)};
    const raft_conf *conf = c->r ? raft_conf_get(c->r, NULL, NULL) : NULL;
    const raft_member *own = conf ? raft_conf_find(conf, self->id) : NULL;
    self->learner = c->r && (own == NULL || own->role != RAFT_VOTER);
    self->behind = c->r && self->offset == 0 && raft_commit_index(c->r) > 0;
    memcpy(self->name, c->name, sizeof self->name);
    cluster_split_addr(c->self_client_addr, self->host, sizeof self->host, &self->port);
    self->raft_port = raft_port_of(c, self->id);
    for (int i = 0; i < c->npeers && n < SS_MEMBERS_MAX; i++) {
        const peer_info *p = &c->peers[i];
        ss_member *m = &out[n++];
        *m = (ss_member){.id = p->id, .leader = leader == p->id, .link_up = p->link_up,
                         .heard_ms = p->heard_ms, .raft_port = raft_port_of(c, p->id)};
        if (p->name[0])
            memcpy(m->name, p->name, sizeof m->name);
        else
            memset(m->name, '0', SS_MEMBER_NAME_LEN);
        cluster_split_addr(p->client_addr, m->host, sizeof m->host, &m->port);
        if (!p->link_up)
            m->health = now - p->link_changed_ms >= fail_after ? SS_MEMBER_FAIL : SS_MEMBER_PFAIL;
        uint64_t match = 0, next = 0;
        const char *state = NULL;
        const raft_member *rm = conf ? raft_conf_find(conf, p->id) : NULL;
        m->learner = rm && rm->role != RAFT_VOTER;
        if (c->r && c->role == RAFT_LEADER) {
            if (raft_peer_progress(c->r, p->id, &match, &next, &state))
                m->behind = strcmp(state, "replicate") != 0;
            m->offset = match;
        } else if (c->r && m->leader) {
            m->offset = raft_commit_index(c->r); /* as far as the leader told us */
        }
    }
    qsort(out, n, sizeof out[0], cmp_member);
    return n;
}

const char *ss_cluster_name(const ss_cluster *c) { return c->name; }

void ss_cluster_status_get(const ss_cluster *c, ss_cluster_status *out)
{
    *out = (ss_cluster_status){.term = c->r ? raft_term(c->r) : c->term, .leader_id = c->leader_id};
    for (int i = 0; c->transport && i < c->npeers; i++) {
        ss_transport_stats ts = {0};
        if (ss_transport_peer_stats(c->transport, c->peers[i].id, &ts) == SS_OK) {
            out->messages_sent += ts.messages_sent;
            out->messages_received += ts.messages_received;
        }
    }
}
