/* A cluster of one without consensus: the stand-in used until the Raft cluster is wired in. */
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "common/log.h"

/*
 * Proposals are queued and applied together on the next loop iteration (one
 * store batch for everything proposed in one iteration). Reads need no
 * barrier: this node is the only one.
 */
typedef struct queued {
    struct queued *next;
    size_t len;
    char data[];
} queued;

struct ss_cluster {
    uv_loop_t *loop;
    const ss_config *cfg;
    ss_state_machine sm;
    ss_cluster_events events;
    uv_idle_t idle;
    queued *head, *tail;
    size_t nqueued;
    uint64_t last_index;
    char addr[SS_HOST_MAX + 16];
    bool closing;
    void (*close_cb)(void *);
    void *close_arg;
};

int ss_cluster_new(uv_loop_t *loop, const ss_config *cfg, const ss_state_machine *sm,
                   const ss_cluster_events *events, ss_cluster **out, char *errmsg)
{
    ss_cluster *c = calloc(1, sizeof *c);
    if (!c)
        return ss_errf(errmsg, SS_ENOMEM, "cluster: out of memory");
    c->loop = loop;
    c->cfg = cfg;
    c->sm = *sm;
    c->events = *events;
    c->last_index = sm->applied_index(sm->ctx);
    snprintf(c->addr, sizeof c->addr, "%s:%d", cfg->bind, cfg->port);
    uv_idle_init(loop, &c->idle);
    c->idle.data = c;
    *out = c;
    return SS_OK;
}

int ss_cluster_start(ss_cluster *c, char *errmsg)
{
    (void)errmsg;
    c->events.leader_changed(c->events.ctx, c->cfg->node_id, 1);
    return SS_OK;
}

static void apply_queued(uv_idle_t *h)
{
    ss_cluster *c = h->data;
    uv_idle_stop(h);
    size_t n = c->nqueued;
    if (n == 0)
        return;
    ss_applied_entry *entries = calloc(n, sizeof *entries);
    queued *list = c->head;
    c->head = c->tail = NULL;
    c->nqueued = 0;
    size_t i = 0;
    for (queued *q = list; q; q = q->next, i++)
        entries[i] = (ss_applied_entry){++c->last_index, 1, SS_ENTRY_COMMAND, q->data, q->len};
    int rc = c->sm.apply_batch(c->sm.ctx, entries, n);
    if (rc != SS_OK)
        c->events.fatal(c->events.ctx, rc, "the state machine could not apply committed entries");
    free(entries);
    while (list) {
        queued *next = list->next;
        free(list);
        list = next;
    }
}

void ss_cluster_propose(ss_cluster *c, const void *data, size_t len, ss_propose_cb cb, void *arg)
{
    if (c->closing) {
        cb(arg, SS_ESHUTDOWN);
        return;
    }
    queued *q = malloc(sizeof *q + len);
    if (!q) {
        cb(arg, SS_EBUSY);
        return;
    }
    q->next = NULL;
    q->len = len;
    memcpy(q->data, data, len);
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    c->nqueued++;
    uv_idle_start(&c->idle, apply_queued);
    cb(arg, SS_OK);
}

void ss_cluster_read_barrier(ss_cluster *c, ss_read_cb cb, void *arg)
{
    /* Reads must still see the writes queued before them. */
    if (c->nqueued > 0)
        apply_queued(&c->idle);
    cb(arg, c->closing ? SS_ESHUTDOWN : SS_OK);
}

bool ss_cluster_is_leader(const ss_cluster *c) { return !c->closing; }
uint64_t ss_cluster_leader_id(const ss_cluster *c) { return c->cfg->node_id; }
const char *ss_cluster_leader_addr(const ss_cluster *c) { return c->addr; }
uint64_t ss_cluster_node_id(const ss_cluster *c) { return c->cfg->node_id; }

void ss_cluster_info(const ss_cluster *c, ss_info_fn fn, void *arg)
{
    char line[256];
    snprintf(line, sizeof line, "raft_node_id:%llu", (unsigned long long)c->cfg->node_id);
    fn(arg, line);
    fn(arg, "raft_role:leader");
    snprintf(line, sizeof line, "raft_leader_id:%llu", (unsigned long long)c->cfg->node_id);
    fn(arg, line);
    snprintf(line, sizeof line, "raft_leader_addr:%s", c->addr);
    fn(arg, line);
    fn(arg, "raft_current_term:1");
    snprintf(line, sizeof line, "raft_commit_index:%llu", (unsigned long long)c->last_index);
    fn(arg, line);
    snprintf(line, sizeof line, "raft_last_applied_index:%llu",
             (unsigned long long)c->sm.applied_index(c->sm.ctx));
    fn(arg, line);
}

static void on_closed(uv_handle_t *h)
{
    ss_cluster *c = h->data;
    void (*cb)(void *) = c->close_cb;
    void *arg = c->close_arg;
    free(c);
    if (cb)
        cb(arg);
}

void ss_cluster_close(ss_cluster *c, void (*cb)(void *arg), void *arg)
{
    /* Whatever was accepted is applied before closing: nothing acknowledged
     * to the proposer is dropped. */
    if (c->nqueued > 0)
        apply_queued(&c->idle);
    c->closing = true;
    c->close_cb = cb;
    c->close_arg = arg;
    uv_close((uv_handle_t *)&c->idle, on_closed);
}
