/* Start-up: the state machine and the log agree again (a state behind the log's start, ahead of its end, or lost). */
#include <inttypes.h>
#include <sys/stat.h>

#include "cluster/cluster_snap_internal.h"
#include "common/log.h"

static int restore_from_file(cluster_snap *sn, const snap_name *f, char *errmsg)
{
    ss_cluster *c = sn->c;
    char path[SNAP_PATH_MAX];
    snap_dir_file(&sn->dir, path, sizeof path, f->index, f->term, "");
    void *staged = NULL, *retired = NULL;
    int rc = c->sm.snapshot_stage(c->sm.ctx, path, &staged, errmsg);
    if (rc == SS_OK)
        rc = c->sm.snapshot_adopt(c->sm.ctx, staged, &retired, errmsg);
    if (rc != SS_OK)
        return ss_errwrap(errmsg, rc, "load snapshot '%s'", path);
    if (retired)
        c->sm.snapshot_retire(retired);
    return SS_OK;
}

/*
 * The state machine is at A; the log holds base = first_index - 1 (with
 * prev_term) and entries up to L. Three cases:
 *   A < base:  LevelDB lost writes the log no longer has (a machine crash
 *              after a compaction), or the state directory is gone: rebuild
 *              it from the newest snapshot.
 *   A > L, or the log's term at A differs from the state's: an install
 *              switched the state but the log was not reset yet (or a log
 *              tail was lost after it was applied): the log restarts after A.
 *   otherwise: the usual case; committed entries after A are applied again.
 */
int cluster_snap_reconcile(cluster_snap *sn, const ss_storage_state *st, snap_restart *out,
                           char *errmsg)
{
    ss_cluster *c = sn->c;
    uint64_t base = st->first_index - 1;
    uint64_t last = base + st->n_entries;
    uint64_t applied = c->sm.applied_index(c->sm.ctx);
    snap_name newest, exact;
    int rc = snap_dir_scan(&sn->dir, c->sm.snapshot_info, applied, &newest, &exact, errmsg);
    if (rc != SS_OK)
        return rc;
    if (applied < base) {
        if (!newest.found || newest.index < base)
            return ss_errf(errmsg, SS_ECORRUPT,
                           "the state machine has applied through index %" PRIu64 " but the raft "
                           "log starts after %" PRIu64 ", and '%s' holds no snapshot at or after "
                           "it: the entries in between are gone",
                           applied, base, sn->dir.path);
        LOG_WARNING("raft: the state machine has applied through index %" PRIu64 ", behind the "
                    "log's start %" PRIu64 " (its last writes were lost in a crash); loading the "
                    "snapshot at %" PRIu64 " instead", applied, base + 1, newest.index);
        if ((rc = restore_from_file(sn, &newest, errmsg)) != SS_OK)
            return rc;
        applied = c->sm.applied_index(c->sm.ctx);
        exact = newest;
    }
    uint64_t log_term = applied == base ? st->prev_term
                        : applied <= last ? st->entries[applied - st->first_index].term : 0;
    /* The term of the applied entry: recorded with it by the state machine,
     * or the snapshot file's (a store written by an older version). */
    uint64_t state_term = c->sm.applied_term(c->sm.ctx);
    if (state_term == 0 && exact.found)
        state_term = exact.term;
    bool reset = false;
    if (applied > last) {
        if (state_term == 0)
            return ss_errf(errmsg, SS_ECORRUPT,
                           "the state machine has applied through index %" PRIu64 " but the raft "
                           "log ends at %" PRIu64 ", and the term of entry %" PRIu64 " is not "
                           "known (no snapshot file for it in '%s')",
                           applied, last, applied, sn->dir.path);
        reset = true; /* an install cut short, or a log tail lost after it was applied */
    } else if (applied > 0 && state_term != 0 && log_term != state_term) {
        reset = true;
    }
    *out = (snap_restart){st->first_index, st->prev_term, st->entries, st->n_entries, applied,
                          log_term};
    if (reset) {
        LOG_NOTICE("raft: the state machine holds entry %" PRIu64 " (term %" PRIu64 ") that the log "
                   "(%" PRIu64 "..%" PRIu64 ") does not continue (an install cut short by a crash, "
                   "or a lost log tail); the log restarts after it", applied, state_term,
                   st->first_index, last);
        *out = (snap_restart){applied + 1, state_term, NULL, 0, applied, state_term};
        if ((rc = cluster_log_reset(c, applied, state_term, NULL, NULL)) != SS_OK)
            return ss_errf(errmsg, rc, "reset the raft log after index %" PRIu64, applied);
    }
    sn->applied_term = out->applied_term;
    sn->term_index = out->applied;
    if (newest.found) {
        char path[SNAP_PATH_MAX];
        struct stat stt;
        snap_dir_file(&sn->dir, path, sizeof path, newest.index, newest.term, "");
        sn->index = newest.index;
        sn->term = newest.term;
        if (stat(path, &stt) == 0) {
            sn->bytes = (uint64_t)stt.st_size;
            sn->time = (int64_t)stt.st_mtime;
        }
    }
    return SS_OK;
}
