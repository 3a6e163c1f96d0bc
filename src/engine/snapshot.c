/* The state machine's side of Raft snapshots: the store's snapshot files behind the cluster's hooks. */
#include "engine/engine_internal.h"
#include "engine/script_busy.h"
#include "commands/access.h"
#include "common/clock.h"
#include "common/log.h"
#include "store/snapfile.h"

/* Loop thread: a LevelDB view at the applied index (the cluster calls this
 * between applies, so no write txn is open). */
static int snap_begin(void *ctx, void **view, char *errmsg)
{
    ss_engine *e = ctx;
    ss_store_snapshot *snap = NULL;
    int rc = ss_store_snapshot_new(e->store, &snap);
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "open a store view: %s", ss_strerror(rc));
    *view = snap;
    return SS_OK;
}

/* Worker thread. */
static int snap_write(void *view, uint64_t term, const char *path, uint64_t *bytes, char *errmsg)
{
    ss_store_snapshot *snap = view;
    int rc = ss_store_snapshot_write(snap, term, path, bytes, NULL, errmsg);
    ss_store_snapshot_free(snap);
    return rc;
}

static int snap_info(const char *path, uint64_t *index, uint64_t *term, char *errmsg)
{
    return ss_store_snapfile_info(path, index, term, errmsg);
}

/* Worker thread: e->cfg->dir never changes while the engine lives. */
static int snap_stage(void *ctx, const char *path, void **staged, char *errmsg)
{
    ss_engine *e = ctx;
    ss_store_staged *st = NULL;
    int rc = ss_store_stage_snapshot(e->cfg->dir, path, NULL, &st, errmsg);
    if (rc == SS_OK)
        *staged = st;
    return rc;
}

static int snap_adopt(void *ctx, void *staged, void **retired, char *errmsg)
{
    ss_engine *e = ctx;
    ss_store_retired *old = NULL;
    /* A read-only script reads a view of the store being replaced: it is
     * stopped (killed, answered) first. */
    ss_busy_stop(e);
    int rc = ss_store_adopt(e->store, staged, &old, errmsg);
    ss_busy_resume(e); /* the reads that waited run against the new state */
    if (rc != SS_OK)
        return rc;
    *retired = old;
    /* Writes this node handed to the leader may be inside the snapshot or
     * after it: their replies will never come from a local apply. */
    ss_pending_fail_all(e, RERR_TRYAGAIN, true);
    e->expire_in_flight = false;
    e->sweep_idle = false; /* the new state may hold sweeps of its own */
    ss_engine_acl_reload(e); /* and the users of the snapshot's ACL */
    if (e->node.access) /* every key is the snapshot's now: loaded at this time */
        ss_access_reset_db(e->node.access, -1, ss_clock_wall_ms());
    LOG_NOTICE("engine: the keyspace is now the snapshot's, at applied index %llu",
               (unsigned long long)ss_store_applied_index(e->store));
    return SS_OK;
}

static void snap_retire(void *retired) { ss_store_retired_free(retired); }

void ss_engine_snapshot_hooks(ss_state_machine *sm)
{
    sm->snapshot_begin = snap_begin;
    sm->snapshot_write = snap_write;
    sm->snapshot_info = snap_info;
    sm->snapshot_stage = snap_stage;
    sm->snapshot_adopt = snap_adopt;
    sm->snapshot_retire = snap_retire;
}
