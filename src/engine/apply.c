/* The replicated state machine: committed entries applied to the store in one batch, replies to waiting clients. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands/info.h"
#include "common/clock.h"
#include "commands/acl.h"
#include "engine/engine_internal.h"
#include "engine/entry.h"
#include "common/log.h"
#include "store/aux.h"
#include "store/txn.h"

#define RAFT_CONF_NAME "conf"

/* A reply produced for a client of this node, delivered after the commit. */
struct local_reply {
    uint64_t seq;
    size_t off, len;
    size_t ev_mark;   /* the messages raised up to and including its entry */
};

/* Applies one entry in txn (or, when too_big, answers it as too big to apply
 * and runs nothing). Its reply, if a client of this node waits, is *mine. */
static int apply_entry(ss_engine *e, ss_txn *txn, const ss_applied_entry *ae, bool too_big, local_reply *mine,
                       bool *is_mine)
{
    ss_entry entry;
    ss_errmsg err = "";
    *is_mine = false;
    if (ss_entry_decode(ae->data, ae->len, &entry, err) != SS_OK) {
        /* Every node sees the same bytes, so every node skips the same entry:
         * the state machines stay identical. */
        LOG_WARNING("engine: skipping undecodable entry %llu: %s", (unsigned long long)ae->index, err);
        return SS_OK;
    }
    size_t start = ss_buf_len(&e->scratch);
    bool mine_here = entry.h.origin_node == e->cfg->node_id && entry.h.origin_boot == e->boot_id;
    /* The reply only matters where its client waits, in the protocol that
     * client spoke when it sent the write (HELLO 3); every other node's copy
     * is discarded, and the state changes alike whatever the reply's shape. */
    pending_write *waiting = mine_here ? ss_pending_find(e, entry.h.seq) : NULL;
    ss_exec_ctx ctx = {
        .node = &e->node,
        .events = &e->apply_events,
        .txn = txn,
        .db = entry.h.db,
        .now_ms = entry.h.time_ms,
        .index = ae->index,
        .rng = entry.h.seed,
        .proto = waiting ? waiting->proto : RESP2,
        .out = &e->scratch,
        .is_apply = true,
    };
    if (too_big) {
        ss_reply_err(&e->scratch, RERR_APPLY_TOOBIG);
        LOG_WARNING("engine: refusing entry %llu: its changes overflow one store transaction",
                    (unsigned long long)ae->index);
    } else if (!ss_entry_check(&entry, &e->scratch)) {
        /* Never proposed by a prepare of this version: refused as a whole, so
         * nothing of it runs, and every node answers it with the same error. */
        size_t len = ss_buf_len(&e->scratch) - start; /* "-ERR ...\r\n" */
        LOG_WARNING("engine: refusing entry %llu: %.*s", (unsigned long long)ae->index,
                    len > 3 ? (int)(len - 3) : 0, ss_buf_data(&e->scratch) + start + (len > 3));
    } else {
        uint32_t first = 0;
        bool run = true;
        if (entry.h.flags & SS_ENTRY_WATCH) {
            /* a watched EXEC: aborted (null) when a watched key changed */
            first = 1;
            run = ss_multi_watch_holds(&ctx, &entry.cmds[0]);
            if (!run && ctx.status == SS_OK)
                resp_add_null_array(&e->scratch, ctx.proto);
        }
        /* EXEC's user: each queued command passes its rules as they stand here */
        const char *user = NULL;
        size_t ulen = 0;
        bool check_user = (entry.h.flags & SS_ENTRY_USER) != 0;
        if (check_user) {
            user = entry.cmds[first].argv[1];
            ulen = entry.cmds[first].argvlen[1];
            first++;
        }
        if (entry.h.flags & SS_ENTRY_MULTI) {
            if (run)
                resp_add_array_len(&e->scratch, entry.ncmds - first);
            ctx.deny_blocking = true;
        }
        /* WAIT: the connection's last write is this entry */
        if (waiting && waiting->s)
            waiting->s->last_write_index = ae->index;
        /* CLIENT TRACKING's NOLOOP: whose write this is, on this node */
        e->apply_origin = waiting && waiting->s ? waiting->s->id : 0;
        /* MONITOR: what other nodes' clients sent (this node's showed theirs) */
        for (uint32_t i = first, db = entry.h.db; !mine_here && ss_monitor_any(e) && i < entry.ncmds; i++) {
            ss_monitor_applied(e, (int)db, entry.h.origin_node, &entry.cmds[i]);
            db = ss_entry_select_db(&entry.cmds[i], db); /* a SELECT in MULTI moves the rest */
        }
        for (uint32_t i = first; run && i < entry.ncmds && ctx.status == SS_OK; i++) {
            /* ACL LOG: where the client waits, with its client info */
            if (!check_user || ss_acl_exec_permit(&e->node, user, ulen, waiting ? waiting->s : NULL, &entry.cmds[i],
                                                  &e->scratch))
                ss_exec_one(&ctx, &entry.cmds[i]);
        }
        /* deleted streams answer their XREADGROUPs here; access entries follow their keys */
        ss_events_end_entry(e, txn, ae->index);
        e->apply_origin = 0;
        e->node.stats.writes_applied += entry.ncmds;
    }
    if (mine_here) {
        *is_mine = true;
        *mine = (local_reply){entry.h.seq, start, ss_buf_len(&e->scratch) - start, ss_events_mark(e)};
        if (entry.h.seq == e->expire_seq)
            e->expire_in_flight = false;
    }
    ss_entry_release(&entry);
    return ctx.status;
}

/* One store transaction's worth of a batch: entries[from..end) are applied
 * and committed (with the index and term of the last), then their clients
 * hear back. Stops early, with *next at the entry that overflowed the
 * transaction and nothing committed, on SS_ETOOBIG. */
static int apply_run(ss_engine *e, const ss_applied_entry *entries, size_t from, size_t end, size_t too_big,
                     local_reply *mine, size_t *next)
{
    ss_buf_reset(&e->scratch);
    ss_events_begin_run(e);
    uint64_t applied_before = e->node.stats.writes_applied;
    size_t nmine = 0;
    ss_txn *txn = ss_txn_begin(e->store);
    int rc = SS_OK;
    for (size_t i = from; i < end; i++) {
        if (entries[i].type == SS_ENTRY_CONFIG) {
            /* Recorded with the index it applies at, in the same batch: a
             * restart, or a snapshot of this state, knows the membership in
             * effect there (the Raft core's "Membership"). */
            rc = ss_aux_put(txn, SS_AUX_RAFT, RAFT_CONF_NAME, sizeof RAFT_CONF_NAME - 1, entries[i].data,
                            entries[i].len);
            if (rc == SS_ETOOBIG) {
                ss_txn_abort(txn);
                e->node.stats.writes_applied = applied_before;
                *next = i;
                return rc;
            }
            if (rc != SS_OK)
                break;
            continue;
        }
        if (entries[i].type != SS_ENTRY_COMMAND)
            continue;
        bool is_mine;
        rc = apply_entry(e, txn, &entries[i], i == too_big, &mine[nmine], &is_mine);
        if (rc == SS_ETOOBIG) {
            ss_txn_abort(txn);
            ss_events_discard(e);
            e->node.stats.writes_applied = applied_before; /* they will be applied again */
            *next = i;
            return rc;
        }
        if (rc != SS_OK)
            break;
        if (is_mine)
            nmine++;
    }
    ss_errmsg err = "";
    if (rc == SS_OK)
        rc = ss_txn_commit_term(txn, entries[end - 1].index, entries[end - 1].term, err);
    else
        ss_txn_abort(txn);
    if (rc != SS_OK) {
        ss_events_discard(e);
        LOG_WARNING("engine: applying entries %llu..%llu failed: %s", (unsigned long long)entries[from].index,
                    (unsigned long long)entries[end - 1].index, err[0] ? err : ss_strerror(rc));
        return rc;
    }
    /* Only now, with the entries in LevelDB, do the clients hear back, and
     * the subscribers: each entry's messages before its reply. */
    for (size_t k = 0; k < nmine; k++) {
        ss_events_deliver(e, mine[k].ev_mark);
        ss_pending_complete(e, mine[k].seq, ss_buf_data(&e->scratch) + mine[k].off, mine[k].len);
        ss_tracking_after_reply(e);
    }
    ss_events_deliver(e, ss_events_mark(e));
    ss_events_wake_ready(e);
    *next = end;
    return SS_OK;
}

/*
 * A batch is applied in one store transaction. The store refuses one that
 * grows past its limit (SS_ETOOBIG), which a batch of big writes can reach,
 * or a single entry of small commands with big effects (MULTI and a few
 * SETRANGEs at 512 MB). That refusal is deterministic, so it must not stop
 * the node (it would stop every replica, on every restart): the entries
 * before the one that overflowed are applied again and committed on their
 * own, then that one is tried alone, and if it overflows alone too, it is
 * answered with an error and changes nothing.
 */
static int apply_batch(void *arg, const ss_applied_entry *entries, size_t n)
{
    ss_engine *e = arg;
    if (n == 0)
        return SS_OK;
    /* Kept from batch to batch (it only grows to the largest batch's size). */
    if (n > e->mine_cap) {
        local_reply *grown = realloc(e->mine, sizeof *grown * n);
        if (!grown)
            return SS_ENOMEM;
        e->mine = grown;
        e->mine_cap = n;
    }
    local_reply *mine = e->mine;
    size_t from = 0, end = n, too_big = SIZE_MAX;
    int rc = SS_OK;
    while (from < n) {
        size_t next;
        rc = apply_run(e, entries, from, end, too_big, mine, &next);
        if (rc == SS_ETOOBIG && next != too_big) {
            if (next == from)
                too_big = next;  /* alone it overflows: refuse it */
            else
                end = next;      /* commit what came before it first */
            rc = SS_OK;
            continue;
        }
        if (rc != SS_OK)
            break;
        from = next;
        end = n;
    }
    if (rc != SS_OK)
        return rc;
    if (e->sweep_idle && !e->stopping) {
        e->sweep_idle = false;
        uv_idle_start(&e->sweeper, ss_engine_on_sweep);
    }
    return SS_OK;
}

/* LATENCY's apply event: one batch applied to the store. */
static int apply_batch_timed(void *arg, const ss_applied_entry *entries, size_t n)
{
    ss_engine *e = arg;
    uint64_t t0 = ss_clock_mono_ms();
    int rc = apply_batch(arg, entries, n);
    ss_latency_note(&e->node, "apply", ss_clock_mono_ms() - t0);
    return rc;
}

static uint64_t applied_index(void *arg)
{
    ss_engine *e = arg;
    return ss_store_applied_index(e->store);
}

static uint64_t applied_term(void *arg)
{
    ss_engine *e = arg;
    return ss_store_applied_term(e->store);
}

static int applied_conf(void *arg, void *buf, size_t cap, size_t *len)
{
    ss_engine *e = arg;
    ss_txn *txn = ss_txn_begin(e->store);
    ss_slice v;
    int rc = ss_aux_get(txn, SS_AUX_RAFT, RAFT_CONF_NAME, sizeof RAFT_CONF_NAME - 1, &v);
    if (rc == SS_OK && v.len > cap)
        rc = SS_ETOOBIG;
    if (rc == SS_OK) {
        memcpy(buf, v.data, v.len);
        *len = v.len;
    }
    ss_txn_abort(txn);
    return rc;
}

/* The leader's door for entries proposed by peers: the checks apply makes,
 * made before the entry is in everyone's log. */
static bool entry_valid(void *arg, const void *data, size_t len)
{
    (void)arg;
    return ss_entry_valid(data, len);
}

ss_state_machine ss_engine_state_machine(ss_engine *e)
{
    ss_state_machine sm = {.ctx = e, .apply_batch = apply_batch_timed, .applied_index = applied_index,
                           .applied_term = applied_term, .entry_valid = entry_valid,
                           .applied_conf = applied_conf};
    ss_engine_snapshot_hooks(&sm);
    return sm;
}

static void on_leader_changed(void *arg, uint64_t leader_id, uint64_t term)
{
    ss_engine *e = arg;
    /* Writes already handed to the old leader may or may not commit. The new
     * leader holds every entry the old one committed, and after a graceful
     * handoff (SHUTDOWN, RAFT.TRANSFER_LEADER) every entry it had: it commits
     * them with its first entry, and each write is answered as it applies.
     * One that was lost is never applied: it is answered TRYAGAIN (outcome
     * unknown) after a few election timeouts instead of at once. */
    ss_pending_hurry_handed(e, ss_clock_wall_ms() + 3LL * e->cfg->election_timeout);
    e->expire_in_flight = false;
    (void)leader_id;
    (void)term;
}

static void on_fatal(void *arg, int code, const char *msg)
{
    ss_engine *e = arg;
    LOG_WARNING("engine: fatal cluster error (%s): %s; shutting down", ss_strerror(code), msg);
    ss_engine_request_shutdown(e);
}

ss_cluster_events ss_engine_cluster_events(ss_engine *e)
{
    return (ss_cluster_events){.ctx = e, .leader_changed = on_leader_changed, .fatal = on_fatal};
}
