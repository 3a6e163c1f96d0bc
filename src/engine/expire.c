/* Active expiry (the leader proposes the deletion of keys whose time has passed) and the background sweep of unreachable sub-keys. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "commands/info.h"
#include "engine/engine_internal.h"
#include "store/keyspace.h"

#define EXPIRE_BATCH 128

/* ---------------------------------------------------------- active expiry */

typedef struct expire_batch {
    ss_args a;
    char *argv[1 + 2 * EXPIRE_BATCH];
    size_t argvlen[1 + 2 * EXPIRE_BATCH];
    char dbs[EXPIRE_BATCH][4];
    int n;
} expire_batch;

static int collect_expired(void *ud, int db, const char *key, size_t klen, uint64_t expire_ms)
{
    (void)expire_ms;
    expire_batch *b = ud;
    snprintf(b->dbs[b->n], sizeof b->dbs[b->n], "%d", db);
    b->argv[1 + 2 * b->n] = b->dbs[b->n];
    b->argvlen[1 + 2 * b->n] = strlen(b->dbs[b->n]);
    b->argv[2 + 2 * b->n] = malloc(klen + 1);
    if (!b->argv[2 + 2 * b->n])
        return 1;
    memcpy(b->argv[2 + 2 * b->n], key, klen);
    b->argv[2 + 2 * b->n][klen] = '\0';
    b->argvlen[2 + 2 * b->n] = klen;
    b->n++;
    return b->n >= EXPIRE_BATCH;
}

/*
 * The leader finds keys whose time has passed and proposes their deletion, so
 * they leave DBSIZE and the disk within about a second on every node. Apply
 * deletes a key only if it is still expired at the entry's time: a key that
 * was given a new expiry meanwhile survives.
 */
static void active_expire(ss_engine *e)
{
    if (e->expire_in_flight || e->cluster == NULL || !ss_cluster_is_leader(e->cluster) || ss_pause_active(e))
        return;
    expire_batch *b = calloc(1, sizeof *b);
    if (!b)
        return;
    ss_txn *txn = ss_txn_begin(e->store);
    ss_ks_expired(txn, (uint64_t)ss_clock_wall_ms(), EXPIRE_BATCH, collect_expired, b);
    ss_txn_abort(txn);
    if (b->n > 0) {
        b->argv[0] = "__expire";
        b->argvlen[0] = strlen("__expire");
        b->a = (ss_args){1 + 2 * b->n, b->argv, b->argvlen};
        e->expire_in_flight = true;
        ss_write_propose_internal(e, &b->a);
    }
    for (int i = 0; i < b->n; i++)
        free(b->argv[2 + 2 * i]);
    free(b);
}

void ss_engine_on_timer(uv_timer_t *t)
{
    ss_engine *e = t->data;
    ss_pending_expire(e, ss_clock_wall_ms());
    ss_blocking_expire(e, ss_clock_wall_ms());
    ss_pause_active(e); /* a pause past its end ends, and its clients resume */
    active_expire(e);
    ss_info_cron(&e->node, ss_clock_mono_ms());
    if (e->rewrites)
        ss_config_rewrite_poll(e);
    if (e->cluster)
        ss_latency_note(&e->node, "fsync", ss_cluster_take_fsync_max_us(e->cluster) / 1000);
}

/* Sweeps unreachable sub-keys a little at a time while the loop is idle. */
void ss_engine_on_sweep(uv_idle_t *h)
{
    ss_engine *e = h->data;
    bool more = false;
    ss_errmsg err = "";
    int rc = ss_store_sweep(e->store, 256, &more, err);
    if (rc != SS_OK && rc != SS_EBUSY)
        LOG_WARNING("engine: background sweep failed: %s", err);
    if (!more || (rc != SS_OK && rc != SS_EBUSY)) {
        e->sweep_idle = true;
        uv_idle_stop(&e->sweeper);
    }
}
