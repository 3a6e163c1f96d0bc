/* Membership changes (thesis chapter 4): which configuration is in effect, the members' progress, and the leader's single-server changes. */
#include <stdio.h>
#include <string.h>

#include "raft/internal.h"

/* ---- the configuration in effect ---- */

/* "voters 1,2,3; learners 4(to promote)", cut to fit. */
static void describe(const raft_conf *c, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < 2; k++) {
        bool voters = k == 0, any = false;
        int w = snprintf(buf + n, cap - n, "%s%s", k ? "; " : "", voters ? "voters" : "learners");
        n += w > 0 && (size_t)w < cap - n ? (size_t)w : 0;
        for (size_t i = 0; i < c->n; i++) {
            const raft_member *m = &c->members[i];
            if ((m->role == RAFT_VOTER) != voters)
                continue;
            w = snprintf(buf + n, cap - n, "%s%llu%s", any ? "," : " ", (unsigned long long)m->id,
                         m->promote ? "(to promote)" : "");
            n += w > 0 && (size_t)w < cap - n ? (size_t)w : 0;
            any = true;
        }
        if (!any) {
            w = snprintf(buf + n, cap - n, " none");
            n += w > 0 && (size_t)w < cap - n ? (size_t)w : 0;
        }
    }
}

/* Puts each member's progress at the member's position in conf, keeping
 * what the leader knows of those that stay. Slots from n_prs on are free
 * (id 0); each owns its in-flight ring, allocated once by raft_new. */
static void arrange_progress(raft *r)
{
    const raft_conf *c = &r->conf;
    for (size_t j = 0; j < r->n_prs; j++) {
        if (raft_conf_find(c, r->prs[j].id) == NULL) {
            progress_snapshot_clear(&r->prs[j]);
            r->prs[j].id = 0;
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        const raft_member *m = &c->members[i];
        size_t j = i;
        while (j < RAFT_MAX_MEMBERS && r->prs[j].id != m->id)
            j++;
        if (j == RAFT_MAX_MEMBERS) {
            /* A newcomer: slots before i are placed, and those after hold
             * only members after i, so a free one is left. */
            for (j = i; j < RAFT_MAX_MEMBERS && r->prs[j].id != 0; j++)
                ;
            RAFT_ASSERT(r, j < RAFT_MAX_MEMBERS);
            r->prs[j].id = m->id;
            progress_reset(r, &r->prs[j]);
            r->prs[j].vote = 0;
        }
        if (j != i) {
            raft_progress tmp = r->prs[i];
            r->prs[i] = r->prs[j];
            r->prs[j] = tmp;
        }
        r->prs[i].voter = m->role == RAFT_VOTER;
    }
    r->n_prs = c->n;
}

static bool latest_entry_upto(raft *r, uint64_t index, raft_conf *out, uint64_t *at);

static bool voter_in(const raft_conf *c, uint64_t id)
{
    const raft_member *m = raft_conf_find(c, id);
    return m != NULL && m->role == RAFT_VOTER;
}

static void conf_set(raft *r, const raft_conf *c, uint64_t index, const char *why)
{
    if (c != &r->conf)
        r->conf = *c;
    r->conf_index = index;
    r->conf_gen++;
    r->voter = voter_in(&r->conf, r->id);
    /* Whether we vote in the configuration before this one: while a change
     * that removes us is pending, we may still have to campaign. */
    raft_conf prev;
    uint64_t at;
    if (index <= r->base_conf_index)
        r->was_voter = r->voter;
    else if (latest_entry_upto(r, index - 1, &prev, &at))
        r->was_voter = voter_in(&prev, r->id);
    else
        r->was_voter = voter_in(&r->base_conf, r->id);
    arrange_progress(r);
    if (r->transfer_target != 0) {
        raft_progress *pr = progress_get(r, r->transfer_target);
        if (pr == NULL || !pr->voter)
            transfer_abort(r, "the target is no longer a voter");
    }
    if (why == NULL)
        return;
    char desc[512];
    describe(&r->conf, desc, sizeof desc);
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu uses the configuration of %s %llu: %s (%s); it is a %s there",
         (unsigned long long)r->id, index == r->base_conf_index ? "index" : "entry",
         (unsigned long long)index, desc, why,
         r->voter ? "voter" : raft_conf_find(&r->conf, r->id) ? "learner" : "stranger");
}

static int decode_entry(const raft_entry *e, raft_conf *out)
{
    return e->type == RAFT_ENTRY_CONFIG ? raft_conf_decode(e->data, e->len, out) : SS_ENOTFOUND;
}

/* The latest config entry at or below index (and above both the base and
 * the log's start), decoded into out; false if there is none. */
static bool latest_entry_upto(raft *r, uint64_t index, raft_conf *out, uint64_t *at)
{
    uint64_t floor = r->base_conf_index > r->log.snap_index ? r->base_conf_index : r->log.snap_index;
    if (index > rlog_last_index(&r->log))
        index = rlog_last_index(&r->log);
    for (uint64_t i = index; i > floor; i--) {
        if (decode_entry(rlog_get(&r->log, i), out) == SS_OK) {
            *at = i;
            return true;
        }
    }
    return false;
}

int membership_init(raft *r, char *errmsg)
{
    const raft_config *cfg = &r->cfg;
    if (cfg->n_voters > RAFT_MAX_MEMBERS)
        return ss_errf(errmsg, SS_ECONFIG, "raft: %zu voters, over the %d members a cluster may have",
                       cfg->n_voters, RAFT_MAX_MEMBERS);
    raft_conf *c = &r->boot_conf;
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < cfg->n_voters; i++) {
        raft_member *m = &c->members[c->n++];
        m->id = cfg->voters[i];
        m->role = RAFT_VOTER;
        const char *addr = cfg->voter_addrs != NULL ? cfg->voter_addrs[i] : NULL;
        if (addr != NULL && strlen(addr) > RAFT_ADDR_MAX)
            return ss_errf(errmsg, SS_ECONFIG, "raft: the address of voter %llu is over %d bytes",
                           (unsigned long long)m->id, RAFT_ADDR_MAX);
        if (addr != NULL)
            memcpy(m->addr, addr, strlen(addr) + 1);
    }
    r->base_conf = *c;
    r->base_conf_index = 0;
    conf_set(r, c, 0, NULL);
    return SS_OK;
}

int membership_restore(raft *r, const raft_conf *conf, uint64_t applied)
{
    r->base_conf = conf != NULL ? *conf : r->boot_conf;
    r->base_conf_index = applied;
    uint64_t at = r->base_conf_index;
    const raft_conf *latest = &r->base_conf;
    raft_conf entry;
    for (uint64_t i = r->base_conf_index + 1; i <= rlog_last_index(&r->log); i++) {
        int rv = decode_entry(rlog_get(&r->log, i), &entry);
        if (rv == SS_EPROTO)
            return SS_EINVAL;
        if (rv == SS_OK) {
            r->conf = entry;
            latest = &r->conf;
            at = i;
        }
    }
    conf_set(r, latest, at,
             at > r->base_conf_index ? "the latest in its log"
             : conf != NULL           ? "as its state machine recorded it"
                                      : "bootstrap: no configuration recorded yet");
    return SS_OK;
}

void membership_appended(raft *r, const raft_entry *e)
{
    raft_conf c;
    RAFT_ASSERT(r, decode_entry(e, &c) == SS_OK); /* checked before it was appended */
    conf_set(r, &c, e->index, r->role == RAFT_LEADER ? "proposed" : "appended from the leader");
}

/* §4.1: a configuration is in effect while its entry is in the log; a
 * truncated one gives way to the one before it. */
void membership_truncated(raft *r, uint64_t index)
{
    if (r->conf_index < index)
        return;
    RAFT_ASSERT(r, index > r->base_conf_index); /* only uncommitted entries are dropped */
    raft_conf c;
    uint64_t at;
    if (latest_entry_upto(r, index - 1, &c, &at))
        conf_set(r, &c, at, "its successor was truncated");
    else
        conf_set(r, &r->base_conf, r->base_conf_index, "the config entries above it were truncated");
}

void membership_compacting(raft *r, uint64_t upto)
{
    if (upto <= r->base_conf_index)
        return;
    raft_conf c;
    uint64_t at;
    if (latest_entry_upto(r, upto, &c, &at))
        r->base_conf = c;
    r->base_conf_index = upto;
}

void membership_installed(raft *r, uint64_t index, const raft_conf *conf)
{
    r->base_conf = conf != NULL ? *conf : r->boot_conf;
    r->base_conf_index = index;
    conf_set(r, &r->base_conf, index, conf != NULL ? "from the snapshot installed"
                                                   : "bootstrap: the snapshot holds none");
}

/* Ids removed by a committed configuration. A change removes at most one
 * id, the last of the list: while the latest configuration is pending, its
 * last removed id may not be removed for good yet. */
bool membership_removed(const raft *r, uint64_t id)
{
    size_t n = r->conf.n_removed;
    if (r->conf_index > r->commit && n > 0)
        n--;
    for (size_t i = 0; i < n; i++)
        if (r->conf.removed[i] == id)
            return true;
    return false;
}

/* ---- the leader's changes ---- */

static const char *op_name(int op)
{
    switch (op) {
    case RAFT_CONF_ADD: return "adding";
    case RAFT_CONF_ADD_LEARNER: return "adding as a learner";
    case RAFT_CONF_PROMOTE: return "promoting";
    case RAFT_CONF_REMOVE: return "removing";
    }
    return "?";
}

static int edit(const raft *r, raft_conf *next, int op, uint64_t id, const char *addr, char *errmsg)
{
    raft_member *m = (raft_member *)raft_conf_find(next, id);
    switch (op) {
    case RAFT_CONF_ADD:
    case RAFT_CONF_ADD_LEARNER: {
        if (id == 0 || id >= (UINT64_C(1) << 63))
            return ss_errf(errmsg, SS_EINVAL, "node id %llu is out of range", (unsigned long long)id);
        if (addr == NULL || addr[0] == '\0' || strlen(addr) > RAFT_ADDR_MAX)
            return ss_errf(errmsg, SS_EINVAL, "a member needs an address of 1 to %d bytes",
                           RAFT_ADDR_MAX);
        if (m != NULL)
            return ss_errf(errmsg, SS_EEXIST, "node %llu is a member already",
                           (unsigned long long)id);
        if (raft_conf_removed(next, id))
            return ss_errf(errmsg, SS_EEXIST,
                           "node %llu was removed from this cluster, and ids are not reused: "
                           "give the node a new id", (unsigned long long)id);
        for (size_t i = 0; i < next->n; i++)
            if (strcmp(next->members[i].addr, addr) == 0)
                return ss_errf(errmsg, SS_EEXIST, "address %s is node %llu's already", addr,
                               (unsigned long long)next->members[i].id);
        if (next->n == RAFT_MAX_MEMBERS)
            return ss_errf(errmsg, SS_ETOOBIG, "the cluster has %d members, the most it may have",
                           RAFT_MAX_MEMBERS);
        m = &next->members[next->n++];
        memset(m, 0, sizeof *m);
        m->id = id;
        m->role = RAFT_LEARNER;
        m->promote = op == RAFT_CONF_ADD;
        memcpy(m->addr, addr, strlen(addr) + 1);
        return SS_OK;
    }
    case RAFT_CONF_PROMOTE:
        if (m == NULL)
            return ss_errf(errmsg, SS_ENOTFOUND, "node %llu is not a member", (unsigned long long)id);
        if (m->role == RAFT_VOTER)
            return ss_errf(errmsg, SS_EINVAL, "node %llu is a voter already", (unsigned long long)id);
        m->role = RAFT_VOTER;
        m->promote = false;
        return SS_OK;
    case RAFT_CONF_REMOVE:
        if (m == NULL)
            return ss_errf(errmsg, SS_ENOTFOUND, "node %llu is not a member", (unsigned long long)id);
        if (m->role == RAFT_VOTER && raft_conf_voters(next) == 1)
            return ss_errf(errmsg, SS_EINVAL,
                           "node %llu is the last voter: a cluster cannot remove its last voter",
                           (unsigned long long)id);
        *m = next->members[--next->n];
        if (next->n_removed == RAFT_MAX_REMOVED) { /* forget the oldest */
            memmove(next->removed, next->removed + 1, (RAFT_MAX_REMOVED - 1) * sizeof *next->removed);
            next->n_removed--;
        }
        next->removed[next->n_removed++] = id;
        return SS_OK;
    }
    (void)r;
    return ss_errf(errmsg, SS_EINVAL, "unknown configuration change %d", op);
}

static int change(raft *r, int op, uint64_t id, const char *addr, uint64_t *index_out, char *errmsg)
{
    if (r->role != RAFT_LEADER)
        return ss_errf(errmsg, SS_ENOTLEADER, "node %llu is not the leader", (unsigned long long)r->id);
    if (r->transfer_target != 0)
        return ss_errf(errmsg, SS_EBUSY, "leadership is being handed to node %llu",
                       (unsigned long long)r->transfer_target);
    if (r->conf_index > r->commit)
        return ss_errf(errmsg, SS_EBUSY,
                       "the configuration change of entry %llu is not committed yet, and changes "
                       "go one at a time", (unsigned long long)r->conf_index);
    /* The errata of the thesis: a leader changes the configuration only once
     * an entry of its term is committed, so that no configuration an earlier
     * leader may still commit can race with this one. */
    if (rlog_term_at(&r->log, r->commit) != r->term)
        return ss_errf(errmsg, SS_EAGAIN,
                       "leader %llu has not committed an entry of its term %llu yet",
                       (unsigned long long)r->id, (unsigned long long)r->term);
    raft_conf next = r->conf;
    int rv = edit(r, &next, op, id, addr, errmsg);
    if (rv != SS_OK)
        return rv;
    uint8_t buf[RAFT_CONF_MAX_ENCODED];
    size_t len;
    RAFT_ASSERT(r, raft_conf_encode(&next, buf, sizeof buf, &len) == SS_OK);
    if (rlog_append(&r->log, r->term, RAFT_ENTRY_CONFIG, buf, len) != SS_OK)
        return ss_errf(errmsg, SS_ENOMEM, "out of memory appending the configuration");
    uint64_t index = rlog_last_index(&r->log);
    r->uncommitted_bytes += len;
    r->bcast_pending = true;
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu proposed %s node %llu as entry %llu: in effect at once (thesis §4.1), "
         "done once committed",
         (unsigned long long)r->id, op_name(op), (unsigned long long)id, (unsigned long long)index);
    conf_set(r, &next, index, "proposed");
    /* The quorum may have shrunk: entries held back may commit now. */
    if (replication_maybe_commit(r))
        replication_broadcast(r);
    if (index_out != NULL)
        *index_out = index;
    return SS_OK;
}

int raft_change_conf(raft *r, int op, uint64_t id, const char *addr, uint64_t *index_out,
                     char *errmsg)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_invariants(r);
    int rv = change(r, op, id, addr, index_out, errmsg);
    raft_invariants(r);
    return rv;
}

/* Thesis §4.2.2: a leader that removed itself steps down once the change is
 * committed; it hands over first, so the others need not wait out an
 * election timeout (a voter holding its whole log can win at once). */
static void step_down_removed(raft *r)
{
    raft_progress *best = NULL;
    for_each_progress(r, pr)
        if (pr->voter && (best == NULL || pr->match > best->match))
            best = pr;
    if (best != NULL && best->match == rlog_last_index(&r->log)) {
        RLOG(r, SS_LOG_NOTICE, "raft: node %llu sent TimeoutNow to node %llu, which holds its whole log",
             (unsigned long long)r->id, (unsigned long long)best->id);
        outbox_push(r, RAFT_MSG_TIMEOUT_NOW, best->id);
    }
    ss_errmsg why;
    ss_errf(why, 0, "its removal (entry %llu) is committed, so it leaves (thesis §4.2.2)",
            (unsigned long long)r->conf_index);
    convert_to_follower(r, r->term, 0, why);
}

/* A learner to promote has every committed entry and is being pipelined to. */
static bool caught_up(const raft *r, const raft_progress *pr)
{
    return pr->state == PR_REPLICATE && pr->match >= r->commit;
}

void membership_flush(raft *r)
{
    if (r->role != RAFT_LEADER)
        return;
    bool settled = r->conf_index <= r->commit;
    if (!r->voter) {
        if (settled)
            step_down_removed(r);
        return;
    }
    if (!settled || r->transfer_target != 0 || rlog_term_at(&r->log, r->commit) != r->term)
        return;
    for (size_t i = 0; i < r->n_prs; i++) {
        raft_progress *pr = &r->prs[i];
        if (pr->voter || !r->conf.members[i].promote || !caught_up(r, pr))
            continue;
        uint64_t id = pr->id, index;
        ss_errmsg err;
        RLOG(r, SS_LOG_NOTICE,
             "raft: node %llu promotes learner %llu: it holds every committed entry (up to %llu)",
             (unsigned long long)r->id, (unsigned long long)id, (unsigned long long)pr->match);
        if (change(r, RAFT_CONF_PROMOTE, id, NULL, &index, err) != SS_OK)
            RLOG(r, SS_LOG_WARNING, "raft: node %llu could not promote node %llu: %s",
                 (unsigned long long)r->id, (unsigned long long)id, err);
        return; /* one change at a time; the progress array moved */
    }
}

/* A voter campaigns; so does a node whose removal is pending, since it may
 * hold the longest log, and those still counting it may need it to win
 * (then, as leader, it commits its removal and leaves). A learner never does. */
bool membership_may_campaign(const raft *r)
{
    return r->voter || (r->was_voter && r->conf_index > r->commit);
}

/* ---- observers ---- */

const raft_conf *raft_conf_get(const raft *r, uint64_t *index, bool *committed)
{
    if (index != NULL)
        *index = r->conf_index;
    if (committed != NULL)
        *committed = r->conf_index <= r->commit;
    return &r->conf;
}

uint64_t raft_conf_gen(const raft *r)
{
    return r->conf_gen;
}

void membership_invariants(const raft *r)
{
    RAFT_ASSERT(r, r->n_prs == r->conf.n);
    for (size_t i = 0; i < r->n_prs; i++) {
        RAFT_ASSERT(r, r->prs[i].id == r->conf.members[i].id);
        RAFT_ASSERT(r, r->prs[i].voter == (r->conf.members[i].role == RAFT_VOTER));
    }
    RAFT_ASSERT(r, r->voter == voter_in(&r->conf, r->id));
    RAFT_ASSERT(r, r->role == RAFT_FOLLOWER || r->role == RAFT_LEADER ||
                       membership_may_campaign(r));
    /* conf comes from its entry, or from the base if none is above it. */
    const raft_entry *e = rlog_get(&r->log, r->conf_index);
    RAFT_ASSERT(r, r->conf_index <= r->base_conf_index || r->snap_pending ||
                       (e != NULL && e->type == RAFT_ENTRY_CONFIG));
    RAFT_ASSERT(r, r->base_conf_index <= r->commit || r->snap_pending);
}
