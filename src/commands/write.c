/* The write path: a command becomes a log entry, waits for commit and apply, and gets the reply apply produced. */
#include <stdlib.h>
#include <string.h>

#include "commands/engine_internal.h"
#include "commands/entry.h"
#include "common/log.h"
#include "store/keyspace.h"

#define MAX_PENDING_WRITES (1u << 20)
#define EXPIRE_BATCH 128

/* ------------------------------------------------------ pending writes */

static pending_write *pw_at(ss_engine *e, size_t i) { return &e->pw[(e->pw_head + i) % e->pw_cap]; }

static bool pw_push(ss_engine *e, pending_write pw)
{
    if (e->pw_len == e->pw_cap) {
        if (e->pw_cap >= MAX_PENDING_WRITES)
            return false;
        size_t cap = e->pw_cap ? e->pw_cap * 2 : 64;
        pending_write *n = malloc(cap * sizeof *n);
        if (!n)
            return false;
        for (size_t i = 0; i < e->pw_len; i++)
            n[i] = *pw_at(e, i);
        free(e->pw);
        e->pw = n;
        e->pw_cap = cap;
        e->pw_head = 0;
    }
    e->pw[(e->pw_head + e->pw_len) % e->pw_cap] = pw;
    e->pw_len++;
    return true;
}

static pending_write *pw_find(ss_engine *e, uint64_t seq)
{
    size_t lo = 0, hi = e->pw_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        pending_write *p = pw_at(e, mid);
        if (p->seq == seq)
            return p->done ? NULL : p;
        if (p->seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Drops finished records from the head so the ring stays short. */
static void pw_trim(ss_engine *e)
{
    while (e->pw_len > 0 && pw_at(e, 0)->done) {
        e->pw_head = (e->pw_head + 1) % e->pw_cap;
        e->pw_len--;
    }
}

static void finish(ss_engine *e, pending_write *p, const char *reply, size_t len)
{
    p->done = true;
    e->stats.pending_writes--;
    ss_engine_finish_async(e, p->s, p->cookie, reply, len);
}

static void finish_err(ss_engine *e, pending_write *p, ss_reply_err_code code)
{
    p->done = true;
    e->stats.pending_writes--;
    ss_engine_finish_error(e, p->s, p->cookie, code);
}

void ss_pending_complete(ss_engine *e, uint64_t seq, const char *reply, size_t len)
{
    pending_write *p = pw_find(e, seq);
    if (p) {
        finish(e, p, reply, len);
        pw_trim(e);
    }
}

void ss_pending_fail_all(ss_engine *e, ss_reply_err_code code, bool handed_only)
{
    for (size_t i = 0; i < e->pw_len; i++) {
        pending_write *p = pw_at(e, i);
        if (!p->done && (!handed_only || p->handed))
            finish_err(e, p, code);
    }
    pw_trim(e);
}

void ss_pending_expire(ss_engine *e, int64_t now_ms)
{
    for (size_t i = 0; i < e->pw_len; i++) {
        pending_write *p = pw_at(e, i);
        if (!p->done && p->deadline_ms <= now_ms) {
            LOG_VERBOSE("engine: write %llu timed out waiting for commit; answering TRYAGAIN",
                        (unsigned long long)p->seq);
            finish_err(e, p, RERR_TIMEOUT);
        }
    }
    pw_trim(e);
}

/* --------------------------------------------------------------- propose */

typedef struct propose_req {
    ss_engine *e;
    uint64_t seq;
} propose_req;

static void on_proposed(void *arg, int status)
{
    propose_req *req = arg;
    ss_engine *e = req->e;
    pending_write *p = pw_find(e, req->seq);
    free(req);
    if (p == NULL)
        return; /* already answered (timeout, shutdown) */
    if (status == SS_OK) {
        p->handed = true;
        return;
    }
    ss_reply_err_code code = status == SS_ENOLEADER ? RERR_NOLEADER
                           : status == SS_ESHUTDOWN ? RERR_SHUTDOWN
                           : status == SS_ENOTLEADER ? RERR_MOVED
                           : RERR_BUSY;
    finish_err(e, p, code);
    pw_trim(e);
}

static int64_t write_timeout_ms(const ss_engine *e)
{
    /* Long enough for a leader election and a retry of the proposal, bounded
     * so a client never waits forever on an entry that was lost. */
    return (int64_t)e->cfg->leader_wait_timeout + 10LL * e->cfg->election_timeout;
}

static int encode(ss_engine *e, ss_buf *b, uint64_t seq, int db, const ss_args *cmds, uint32_t ncmds,
                  uint8_t flags)
{
    ss_entry_header h = {
        .flags = flags,
        .origin_node = e->cfg->node_id,
        .origin_boot = e->boot_id,
        .seq = seq,
        .time_ms = ss_wall_ms(),
        .seed = ss_engine_rand(e),
        .db = (uint8_t)db,
    };
    ss_entry_begin(b, &h, ncmds);
    for (uint32_t i = 0; i < ncmds; i++)
        ss_entry_add_cmd(b, &cmds[i]);
    return ss_buf_error(b);
}

ss_dispatch_result ss_write_propose(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                    uint8_t flags, ss_buf *out)
{
    if (e->stopping) {
        ss_reply_err(out, RERR_SHUTDOWN);
        return SS_DISPATCH_DONE;
    }
    uint64_t seq = ++e->next_seq;
    ss_buf b;
    ss_buf_init(&b, 0);
    if (encode(e, &b, seq, s->db, cmds, ncmds, flags) != SS_OK) {
        ss_buf_release(&b);
        ss_reply_err(out, RERR_INTERNAL, "out of memory encoding the entry");
        return SS_DISPATCH_DONE;
    }
    propose_req *req = malloc(sizeof *req);
    pending_write pw = {.seq = seq, .s = s, .deadline_ms = ss_wall_ms() + write_timeout_ms(e)};
    if (req == NULL || !pw_push(e, pw)) {
        free(req);
        ss_buf_release(&b);
        ss_reply_err(out, RERR_BUSY);
        return SS_DISPATCH_DONE;
    }
    /* The cookie comes after the push: begin_async may not fail, and the
     * record must exist before the cluster can possibly answer. */
    pw_at(e, e->pw_len - 1)->cookie = ss_engine_begin_async(e, s, KIND_WRITE);
    e->stats.pending_writes++;
    e->stats.writes_proposed++;
    req->e = e;
    req->seq = seq;
    ss_cluster_propose(e->cluster, ss_buf_data(&b), ss_buf_len(&b), on_proposed, req);
    ss_buf_release(&b);
    return SS_DISPATCH_ASYNC;
}

static void on_internal_proposed(void *arg, int status)
{
    propose_req *req = arg;
    if (status != SS_OK && req->seq == req->e->expire_seq)
        req->e->expire_in_flight = false;
    free(req);
}

void ss_write_propose_internal(ss_engine *e, const ss_args *cmd)
{
    uint64_t seq = ++e->next_seq;
    ss_buf b;
    ss_buf_init(&b, 0);
    propose_req *req = malloc(sizeof *req);
    if (!req || encode(e, &b, seq, 0, cmd, 1, 0) != SS_OK) {
        free(req);
        ss_buf_release(&b);
        return;
    }
    req->e = e;
    req->seq = seq;
    e->expire_seq = seq;
    ss_cluster_propose(e->cluster, ss_buf_data(&b), ss_buf_len(&b), on_internal_proposed, req);
    ss_buf_release(&b);
}

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
    if (e->expire_in_flight || e->cluster == NULL || !ss_cluster_is_leader(e->cluster))
        return;
    expire_batch *b = calloc(1, sizeof *b);
    if (!b)
        return;
    ss_txn *txn = ss_txn_begin(e->store);
    ss_ks_expired(txn, (uint64_t)ss_wall_ms(), EXPIRE_BATCH, collect_expired, b);
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
    ss_pending_expire(e, ss_wall_ms());
    active_expire(e);
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
