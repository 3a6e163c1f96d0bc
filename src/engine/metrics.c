/* The node's figures in Prometheus's text exposition format (0.0.4): Raft, the log's disk, snapshots, commands, the store. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/histogram.h"
#include "engine/engine_internal.h"

/*
 * Names follow etcd's and TiKV's where they have one (etcd_server_*,
 * etcd_disk_wal_fsync_duration_seconds, ...), prefixed sandstore_; units in
 * the name, seconds and bytes, counters ending _total. Every family is
 * written whole (HELP, TYPE, then its samples), as the format requires.
 * The server writes its own connection figures before these
 * (server/metrics_http.c).
 */

static void family(ss_buf *out, const char *name, const char *type, const char *help)
{
    ss_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(ss_buf *out, const char *name, const char *type, const char *help, uint64_t v)
{
    family(out, name, type, help);
    ss_buf_appendf(out, "%s %llu\n", name, (unsigned long long)v);
}

/* A label value as the format wants it: \\, \" and \n escaped. */
static void label_value(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; *src && n + 3 < size; src++) {
        if (*src == '\\' || *src == '"') {
            dst[n++] = '\\';
            dst[n++] = *src;
        } else if (*src == '\n') {
            dst[n++] = '\\';
            dst[n++] = 'n';
        } else {
            dst[n++] = *src;
        }
    }
    dst[n] = '\0';
}

/* One histogram's samples: cumulative buckets, +Inf, sum and count.
 * labels is "" or 'cmd="get",'; scale turns the observed unit into the
 * family's (1e-9: ns into seconds). */
static void hist_samples(ss_buf *out, const char *name, const char *labels, const ss_hist *h, double scale)
{
    uint64_t cum = 0;
    for (unsigned i = 0; i + 1 < SS_HIST_BUCKETS; i++) {
        cum += h->buckets[i];
        ss_buf_appendf(out, "%s_bucket{%sle=\"%.9g\"} %llu\n", name, labels, (double)ss_hist_bound(i) * scale,
                       (unsigned long long)cum);
    }
    size_t ln = strlen(labels);
    /* "cmd=\"get\"," without its comma for _sum and _count. */
    ss_buf_appendf(out, "%s_bucket{%sle=\"+Inf\"} %llu\n%s_sum%s%.*s%s %.9g\n%s_count%s%.*s%s %llu\n", name,
                   labels, (unsigned long long)h->count, name, ln ? "{" : "", (int)(ln ? ln - 1 : 0), labels,
                   ln ? "}" : "", (double)h->sum * scale, name, ln ? "{" : "", (int)(ln ? ln - 1 : 0), labels,
                   ln ? "}" : "", (unsigned long long)h->count);
}

static void histogram(ss_buf *out, const char *name, const char *help, const ss_hist *h, double scale)
{
    family(out, name, "histogram", help);
    hist_samples(out, name, "", h, scale);
}

static void raft_metrics(ss_buf *out, const ss_cluster_metrics *m)
{
    sample(out, "sandstore_raft_node_id", "gauge", "This node's Raft id.", m->node_id);
    sample(out, "sandstore_raft_term", "gauge", "The current Raft term.", m->term);
    family(out, "sandstore_raft_role", "gauge", "1 for the role this node has now (follower, candidate, leader).");
    static const char *const roles[] = {"follower", "candidate", "leader"};
    for (int i = 0; i < 3; i++)
        ss_buf_appendf(out, "sandstore_raft_role{role=\"%s\"} %d\n", roles[i], m->role == i);
    sample(out, "sandstore_raft_is_leader", "gauge", "Whether this node is the leader (1) or not (0).",
           m->role == 2);
    sample(out, "sandstore_raft_has_leader", "gauge", "Whether a leader is known (1) or not (0).",
           m->leader_id != 0);
    sample(out, "sandstore_raft_leader_id", "gauge", "The Raft id of the leader, 0 while none is known.",
           m->leader_id);
    sample(out, "sandstore_raft_commit_index", "gauge", "The highest log index known committed.",
           m->commit_index);
    sample(out, "sandstore_raft_applied_index", "gauge", "The highest log index applied to the state machine.",
           m->applied_index);
    sample(out, "sandstore_raft_log_first_index", "gauge", "The first index the log holds.", m->first_index);
    sample(out, "sandstore_raft_log_last_index", "gauge", "The last index the log holds.", m->last_index);
    sample(out, "sandstore_raft_log_durable_index", "gauge", "The last index durable on this node's disk.",
           m->durable_index);
    sample(out, "sandstore_raft_log_size_bytes", "gauge", "Bytes of the log's segment files.", m->log_bytes);
    sample(out, "sandstore_raft_elections_started_total", "counter",
           "Elections this node started (a new term as candidate).", m->elections_started);
    sample(out, "sandstore_raft_leader_changes_seen_total", "counter",
           "Times a leader became known for a new term or another node led.", m->leader_changes);
    sample(out, "sandstore_raft_proposals_forwarded_total", "counter",
           "Entries this follower handed to the leader.", m->proposals_forwarded);
    sample(out, "sandstore_raft_proposals_received_total", "counter",
           "Entries this leader received from followers.", m->proposals_received);
    sample(out, "sandstore_raft_read_index_confirmed_total", "counter",
           "Linearizable reads whose ReadIndex was confirmed.", m->reads_confirmed);
    sample(out, "sandstore_network_peer_sent_messages_total", "counter", "Messages sent to peers.",
           m->messages_sent);
    sample(out, "sandstore_network_peer_received_messages_total", "counter", "Messages received from peers.",
           m->messages_received);

    family(out, "sandstore_raft_peer_connected", "gauge", "Whether this node's link to the peer is up.");
    for (size_t i = 0; i < m->npeers; i++)
        ss_buf_appendf(out, "sandstore_raft_peer_connected{peer=\"%llu\"} %d\n",
                       (unsigned long long)m->peers[i].id, m->peers[i].connected ? 1 : 0);
    family(out, "sandstore_raft_peer_match_index", "gauge",
           "The last index the leader knows the follower holds (on the leader only).");
    for (size_t i = 0; i < m->npeers; i++)
        if (m->peers[i].match_known)
            ss_buf_appendf(out, "sandstore_raft_peer_match_index{peer=\"%llu\"} %llu\n",
                           (unsigned long long)m->peers[i].id, (unsigned long long)m->peers[i].match_index);
    family(out, "sandstore_raft_peer_lag_entries", "gauge",
           "Entries the follower is behind the leader's last index (on the leader only).");
    for (size_t i = 0; i < m->npeers; i++)
        if (m->peers[i].match_known)
            ss_buf_appendf(out, "sandstore_raft_peer_lag_entries{peer=\"%llu\"} %llu\n",
                           (unsigned long long)m->peers[i].id, (unsigned long long)m->peers[i].lag);

    sample(out, "sandstore_disk_wal_fsyncs_total", "counter", "fsync calls made by the Raft log.", m->fsyncs);
    sample(out, "sandstore_disk_wal_write_rounds_total", "counter",
           "Group-committed write rounds of the Raft log.", m->write_rounds);
    histogram(out, "sandstore_disk_wal_fsync_duration_seconds",
              "Latency of the Raft log's segment fdatasync.", &m->fsync_ns, 1e-9);
    histogram(out, "sandstore_disk_backend_commit_duration_seconds",
              "Latency of applying one batch of committed entries to the store.", &m->apply_ns, 1e-9);

    sample(out, "sandstore_snapshot_index", "gauge", "The index of the newest snapshot this node holds.",
           m->snapshot_index);
    sample(out, "sandstore_snapshot_size_bytes", "gauge", "Bytes of the newest snapshot this node holds.",
           m->snapshot_bytes);
    sample(out, "sandstore_snapshots_taken_total", "counter", "Snapshots this node took.", m->snapshots_taken);
    sample(out, "sandstore_snapshots_installed_total", "counter", "Snapshots this node installed from a leader.",
           m->snapshots_installed);
    histogram(out, "sandstore_snapshot_taken_size_bytes", "Sizes of the snapshots this node took.",
              &m->snapshot_bytes_hist, 1.0);
    histogram(out, "sandstore_snapshot_save_duration_seconds",
              "Time to write and fsync a snapshot this node took.", &m->snapshot_save_ns, 1e-9);
    histogram(out, "sandstore_snapshot_install_duration_seconds",
              "Time from a snapshot's first chunk to its install on this node.", &m->snapshot_install_ns, 1e-9);
}

/* Per command row, as INFO commandstats counts them. */
static void command_metrics(ss_buf *out, const ss_info_state *st)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } counters[] = {
        {"sandstore_command_calls_total", "Calls of the command that ran (INFO commandstats calls).",
         offsetof(ss_info_cmdstat, calls)},
        {"sandstore_command_failed_calls_total", "Calls that ran and replied an error.",
         offsetof(ss_info_cmdstat, failed)},
        {"sandstore_command_rejected_calls_total", "Calls refused before they ran.",
         offsetof(ss_info_cmdstat, rejected)},
    };
    char label[160];
    for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
        family(out, counters[k].name, "counter", counters[k].help);
        for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++) {
            const ss_info_cmdstat *c = &st->cmds[i];
            if (!c->cmd)
                continue;
            label_value(label, sizeof label, ((const ss_command *)c->cmd)->name);
            ss_buf_appendf(out, "%s{cmd=\"%s\"} %llu\n", counters[k].name, label,
                           (unsigned long long)*(const uint64_t *)((const char *)c + counters[k].off));
        }
    }
    const char *name = "sandstore_command_duration_seconds";
    family(out, name, "histogram", "Latency of the command on this node, as INFO commandstats times it.");
    for (size_t i = 0; i < SS_INFO_CMD_SLOTS; i++) {
        const ss_info_cmdstat *c = &st->cmds[i];
        if (!c->cmd || c->calls == 0)
            continue;
        char v[160], labels[176];
        label_value(v, sizeof v, ((const ss_command *)c->cmd)->name);
        snprintf(labels, sizeof labels, "cmd=\"%s\",", v);
        hist_samples(out, name, labels, &c->lat_ns, 1e-9);
    }
}

void ss_engine_metrics(ss_engine *e, ss_buf *out)
{
    if (e->cluster) {
        ss_cluster_metrics *m = malloc(sizeof *m);
        if (m) {
            ss_cluster_metrics_get(e->cluster, m);
            raft_metrics(out, m);
            free(m);
        }
    }
    const ss_node_stats *ns = &e->node.stats;
    histogram(out, "sandstore_write_commit_duration_seconds",
              "A client's write from its proposal to its reply on this node (committed and applied).",
              &e->commit_ns, 1e-9);
    sample(out, "sandstore_commands_processed_total", "counter", "Commands this node processed.",
           ns->commands_processed);
    sample(out, "sandstore_keyspace_hits_total", "counter", "Key lookups that found the key.", ns->keyspace_hits);
    sample(out, "sandstore_keyspace_misses_total", "counter", "Key lookups that did not.", ns->keyspace_misses);
    sample(out, "sandstore_expired_keys_total", "counter", "Keys deleted by expiry.", ns->expired_keys);
    sample(out, "sandstore_store_disk_size_bytes", "gauge", "Bytes of LevelDB's table files.",
           ss_store_disk_bytes(e->store));
    sample(out, "sandstore_store_memory_bytes", "gauge", "LevelDB's estimate of its memtables and cache.",
           ss_store_memory_usage(e->store));
    command_metrics(out, &e->node.info);
}
