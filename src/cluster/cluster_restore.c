/* The core from what is durable: built at start-up, and rebuilt in-process after an install that could not complete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_raft.h"
#include "common/log.h"

size_t ss_cluster_peer_max_frame(const ss_config *cfg)
{
    /* An entry carries at most one proto-max-bulk-len value plus its command;
     * a frame must hold the largest entry. */
    return (size_t)cfg->proto_max_bulk_len + ((size_t)4 << 20);
}

static void raft_log_line(void *ctx, int level, const char *line)
{
    (void)ctx;
    ss_log((ss_log_level)level, "%s", line);
}

int cluster_core_new(ss_cluster *c, raft **out, char *errmsg)
{
    const ss_config *cfg = c->cfg;
    uint64_t voters[SS_MAX_PEERS];
    char addrs[SS_MAX_PEERS][RAFT_ADDR_MAX + 1];
    const char *addr_of[SS_MAX_PEERS];
    size_t nvoters = 0;
    if (cfg->npeers == 0) {
        snprintf(addrs[nvoters], sizeof addrs[nvoters], "%s:%d", ss_config_raft_bind(cfg), cfg->raft_port);
        voters[nvoters++] = cfg->node_id;
    }
    for (int i = 0; i < cfg->npeers; i++) {
        /* Where peers reach each voter: its raft port, as `peers` names it. */
        snprintf(addrs[nvoters], sizeof addrs[nvoters], "%s:%d", cfg->peer_list[i].host,
                 cfg->peer_list[i].port);
        voters[nvoters++] = cfg->peer_list[i].id;
    }
    for (size_t i = 0; i < nvoters; i++)
        addr_of[i] = addrs[i];
    /* A joining node has no bootstrap configuration: the core never campaigns
     * until the leader's configuration (in its log, then its state) names it
     * a voter, so it cannot elect itself into a cluster of its own. */
    if (!cfg->raft_bootstrap || (cfg->join && cfg->join[0]))
        nvoters = 0;
    raft_config rc;
    raft_config_init(&rc);
    rc.id = cfg->node_id;
    rc.voters = voters;
    rc.n_voters = nvoters;
    rc.voter_addrs = addr_of;
    rc.election_timeout_ms = (unsigned)cfg->election_timeout;
    rc.heartbeat_ms = (unsigned)cfg->heartbeat_interval;
    rc.seed = (uint64_t)ss_cluster_now_ms() ^ (cfg->node_id << 32) ^ (uint64_t)(uintptr_t)c;
    rc.log = raft_log_line;
    rc.log_ctx = c;
    rc.log_level = cfg->loglevel;
    /* Room for the largest value a client may send (proto-max-bulk-len), twice
     * over, so one big write never finds the leader "busy" on its own; and
     * for every read a busy server may have waiting at once. */
    size_t big = (size_t)cfg->proto_max_bulk_len * 2 + ((size_t)64 << 20);
    if (rc.max_uncommitted_bytes < big)
        rc.max_uncommitted_bytes = big;
    if (rc.max_pending_reads < 65536)
        rc.max_pending_reads = 65536;
    return raft_new(&rc, out, errmsg);
}

raft_conf *cluster_applied_conf(ss_cluster *c)
{
    if (!c->sm.applied_conf)
        return NULL;
    uint8_t *buf = malloc(RAFT_CONF_MAX_ENCODED);
    raft_conf *conf = malloc(sizeof *conf);
    size_t len = 0;
    int rc = buf && conf ? c->sm.applied_conf(c->sm.ctx, buf, RAFT_CONF_MAX_ENCODED, &len) : SS_ENOMEM;
    if (rc == SS_OK && raft_conf_decode(buf, len, conf) != SS_OK)
        rc = SS_EPROTO;
    free(buf);
    if (rc != SS_OK) {
        if (rc != SS_ENOTFOUND)
            LOG_WARNING("raft: the configuration the state machine recorded cannot be read (%s); "
                        "the log's, or the bootstrap one, is used instead", ss_strerror(rc));
        free(conf);
        return NULL;
    }
    return conf;
}

int cluster_restore(ss_cluster *c, raft *r, char *errmsg)
{
    ss_storage_opts opts;
    ss_storage_opts_init(&opts);
    opts.fsync = c->cfg->raft_fsync == SS_RAFT_FSYNC_NO ? SS_FSYNC_NO : SS_FSYNC_ALWAYS;
    opts.segment_size = (uint64_t)c->cfg->raft_segment_size;
    opts.max_pending_bytes = (uint64_t)c->cfg->raft_log_max_pending;
    /* An entry must fit in the log and, with peers, in one message to them. */
    c->max_entry = (size_t)opts.max_entry_size;
    size_t frame = ss_cluster_peer_max_frame(c->cfg) - PEER_FRAME_SLACK;
    if (c->npeers > 0 && frame < c->max_entry)
        c->max_entry = frame;
    ss_storage_state st;
    int rc = ss_storage_open(c->loop, c->cfg->dir, &opts, &c->storage, &st, errmsg);
    if (rc != SS_OK)
        return rc;
    snap_restart sr;
    if ((!c->snap && (rc = cluster_snap_new(c, &c->snap, errmsg)) != SS_OK) ||
        (rc = cluster_snap_reconcile(c->snap, &st, &sr, errmsg)) != SS_OK) {
        ss_storage_state_release(&st);
        return rc;
    }
    raft_entry *entries = sr.n_entries ? malloc(sizeof *entries * sr.n_entries) : NULL;
    if (sr.n_entries && !entries) {
        ss_storage_state_release(&st);
        return ss_errf(errmsg, SS_ENOMEM, "restore raft state: out of memory");
    }
    for (size_t i = 0; i < sr.n_entries; i++)
        entries[i] = (raft_entry){sr.entries[i].index, sr.entries[i].term, sr.entries[i].type,
                                  sr.entries[i].data, sr.entries[i].len};
    raft_hard_state hs = {st.term, st.vote, st.commit};
    uint64_t last_term = sr.n_entries ? sr.entries[sr.n_entries - 1].term : sr.prev_term;
    if (hs.term < last_term) {
        /* Written by a version that recorded entries before the term that
         * came with them, and killed in between. The node never sent a vote
         * in that term (votes wait for the hard state): it enters it with none. */
        LOG_WARNING("raft: the log holds entries of term %llu but the recorded term is %llu (a "
                    "crash between the two); restarting in term %llu with no vote",
                    (unsigned long long)last_term, (unsigned long long)hs.term,
                    (unsigned long long)last_term);
        hs.term = last_term;
        hs.vote = 0;
    }
    /* The configuration in effect at the applied index, as the state machine
     * recorded it (a snapshot's included); entries after it override it. */
    raft_conf *conf = cluster_applied_conf(c);
    rc = raft_restore(r, &hs, sr.first_index, sr.prev_term, entries, sr.n_entries, sr.applied, conf);
    free(conf);
    c->log_writes.submitted_term = st.term;
    c->log_writes.submitted_vote = st.vote;
    LOG_NOTICE("raft: recovered term %llu, vote %llu, %zu log entries after index %llu (term "
               "%llu); the state machine has applied through %llu, so entries after it will be "
               "applied again once committed",
               (unsigned long long)st.term, (unsigned long long)st.vote, sr.n_entries,
               (unsigned long long)(sr.first_index - 1), (unsigned long long)sr.prev_term,
               (unsigned long long)sr.applied);
    free(entries);
    ss_storage_state_release(&st);
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "restore raft state: the log and the state machine disagree");
    return SS_OK;
}

/* ------------------------------------------------------------- reload */

/*
 * A received snapshot that cannot be installed (damaged, over the caps, a
 * state machine that cannot build it) must not stop the node: the leader
 * would send the same file to the restarted node, and it would stop again.
 * But by then the core has dropped its log for the snapshot (raft.h: the last
 * chunk resets it) and knows no way back. What is durable still is the old
 * state: the log was not touched (its writes were held, cluster_log.c) and
 * the state machine still holds its old state. So the node does what a
 * restart would, without stopping: it discards the core and what it asked to
 * write since the snapshot's last chunk (none of it was acknowledged: the
 * core withholds acknowledgements until their writes are durable), reopens
 * the log and restores a new core from it, as at start-up. Clients stay
 * connected; their reads in flight get "leadership lost" and writes wait for
 * a leader, as in an election.
 *
 * Reopening reads the whole log on the loop thread, as a start does: a pause
 * the size of a start-up, in an error path that is rare by nature.
 */

static void on_reload_closed(void *arg)
{
    ss_cluster *c = arg;
    c->storage = NULL;
    if (c->closing) {
        ss_cluster_closed_one(c); /* ss_cluster_close counted the storage as closing */
        return;
    }
    raft *r = NULL;
    ss_errmsg err = "";
    int rc = cluster_core_new(c, &r, err);
    if (rc == SS_OK)
        rc = cluster_restore(c, r, err);
    c->reloading = false;
    if (rc != SS_OK) {
        if (r)
            raft_free(r);
        ss_cluster_fatal(c, rc, err);
        return;
    }
    raft_free(c->r);
    c->r = r;
    c->role = raft_role_get(r);
    c->term = raft_term(r);
    LOG_NOTICE("raft: raft state restored from disk; this node follows whoever leads now");
    ss_cluster_kick(c);
}

void ss_cluster_reload(ss_cluster *c, const char *why)
{
    if (c->reloading || c->closing || c->fatal)
        return;
    LOG_WARNING("raft: %s; the node restores its raft state from disk as a restart would, "
                "without stopping (its log and state machine are as they were before)", why);
    c->reloading = true;
    c->core_gen++; /* completions of the old core's writes tell the new one nothing */
    c->core_held = false;
    cluster_log_drop_all(c);
    ss_cluster_reads_fail_all(c, SS_ELEADERLOST);
    bool had_leader = c->leader_id != 0;
    c->role = RAFT_FOLLOWER;
    c->leader_id = 0;
    if (had_leader)
        c->ev.leader_changed(c->ev.ctx, 0, c->term);
    ss_storage_close(c->storage, on_reload_closed, c);
}
