/* What apply tells the node about each change (ss_exec_events): keyspace notifications and PUBLISH, queued during the apply run and delivered to this node's subscribers once it is committed. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/config.h"
#include "commands/access.h"
#include "commands/keyhelpers.h"
#include "engine/engine_internal.h"
#include "commands/pubsub.h"
#include "store/keyspace.h"

/* The command layer and the configuration name the same NOTIFY_* bits. */
_Static_assert((int)SS_NOTIFY_KEYSPACE == (int)SS_CONFIG_NOTIFY_KEYSPACE &&
                   (int)SS_NOTIFY_KEYEVENT == (int)SS_CONFIG_NOTIFY_KEYEVENT &&
                   (int)SS_NOTIFY_GENERIC == (int)SS_CONFIG_NOTIFY_GENERIC &&
                   (int)SS_NOTIFY_STRING == (int)SS_CONFIG_NOTIFY_STRING &&
                   (int)SS_NOTIFY_LIST == (int)SS_CONFIG_NOTIFY_LIST &&
                   (int)SS_NOTIFY_SET == (int)SS_CONFIG_NOTIFY_SET &&
                   (int)SS_NOTIFY_HASH == (int)SS_CONFIG_NOTIFY_HASH &&
                   (int)SS_NOTIFY_ZSET == (int)SS_CONFIG_NOTIFY_ZSET &&
                   (int)SS_NOTIFY_EXPIRED == (int)SS_CONFIG_NOTIFY_EXPIRED &&
                   (int)SS_NOTIFY_EVICTED == (int)SS_CONFIG_NOTIFY_EVICTED &&
                   (int)SS_NOTIFY_STREAM == (int)SS_CONFIG_NOTIFY_STREAM &&
                   (int)SS_NOTIFY_KEY_MISS == (int)SS_CONFIG_NOTIFY_KEY_MISS &&
                   (int)SS_NOTIFY_MODULE == (int)SS_CONFIG_NOTIFY_MODULE &&
                   (int)SS_NOTIFY_NEW == (int)SS_CONFIG_NOTIFY_NEW,
               "notify-keyspace-events bits differ between commands/command.h and common/config.h");

/*
 * Why queue: apply runs inside a store transaction that may still be undone
 * (a batch that overflows the transaction is applied again in parts, and a
 * storage failure stops the node), and a subscriber that hears of a change
 * must find it when it reads. So a run's messages wait in ev_queue, in the
 * order apply raised them, and go out once the run is committed, each
 * before the reply of the entry that raised it (apply.c). Every node applies
 * the same entries, so every node's subscribers get the same messages in
 * the same order.
 *
 * A queued message: u8 kind, u32 channel length, channel, u32 message
 * length, message. CLIENT TRACKING's invalidations queue alongside, as the
 * key (in the channel's place) and the id of this node's session that made
 * the change (8 bytes as the message), or a flush with neither.
 */
enum { EV_MESSAGE = 0, EV_SHARD_MESSAGE = 1, EV_INVALIDATE = 2, EV_FLUSH = 3, EV_STREAM_GONE = 4 };

static void put_u32(ss_buf *b, size_t v)
{
    uint32_t x = (uint32_t)v;
    ss_buf_append(b, &x, sizeof x);
}

static uint32_t get_u32(const char *p)
{
    uint32_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* Queues a message. The channel is head followed by tail. Room for the whole
 * record is made first, so the queue never holds half of one (out of
 * memory, the message is dropped). */
static void enqueue(ss_engine *e, int kind, const char *head, size_t hlen, const char *tail, size_t tlen,
                    const char *msg, size_t mlen)
{
    ss_buf *q = &e->ev_queue;
    if (ss_buf_reserve(q, 1 + 4 + hlen + tlen + 4 + mlen) != SS_OK)
        return;
    char k = (char)kind;
    ss_buf_append(q, &k, 1);
    put_u32(q, hlen + tlen);
    ss_buf_append(q, head, hlen);
    ss_buf_append(q, tail, tlen);
    put_u32(q, mlen);
    ss_buf_append(q, msg, mlen);
}

/* notifyKeyspaceEvent: "__keyspace@<db>__:<key>" <event> and
 * "__keyevent@<db>__:<event>" <key>, as the configuration asks. */
static void notify_to(ss_engine *e, int db, int type, const char *event, const char *key, size_t klen,
                      bool queue)
{
    int flags = e->cfg->notify_keyspace_events;
    if (!(flags & type) || !(flags & (SS_NOTIFY_KEYSPACE | SS_NOTIFY_KEYEVENT)) || !ss_pubsub_any(e->pubsub))
        return;
    char head[48];
    size_t elen = strlen(event);
    if (flags & SS_NOTIFY_KEYSPACE) {
        int n = snprintf(head, sizeof head, "__keyspace@%d__:", db);
        if (queue) {
            enqueue(e, EV_MESSAGE, head, (size_t)n, key, klen, event, elen);
        } else {
            ss_buf ch;
            ss_buf_init(&ch, 0);
            ss_buf_append(&ch, head, (size_t)n);
            ss_buf_append(&ch, key, klen);
            ss_pubsub_publish(e->pubsub, ss_buf_data(&ch), ss_buf_len(&ch), event, elen, false);
            ss_buf_release(&ch);
        }
    }
    if (flags & SS_NOTIFY_KEYEVENT) {
        int n = snprintf(head, sizeof head, "__keyevent@%d__:%s", db, event);
        if (n < 0 || (size_t)n >= sizeof head)
            return; /* event names are ours and short */
        if (queue)
            enqueue(e, EV_MESSAGE, head, (size_t)n, "", 0, key, klen);
        else
            ss_pubsub_publish(e->pubsub, head, (size_t)n, key, klen, false);
    }
}

static void on_notify(void *ctx, int db, int type, const char *event, const char *key, size_t klen)
{
    notify_to(ctx, db, type, event, key, klen, true);
}

/* Reads raise keymiss on the node that served them: no transaction to wait for. */
static void on_read_notify(void *ctx, int db, int type, const char *event, const char *key, size_t klen)
{
    notify_to(ctx, db, type, event, key, klen, false);
}

static long long on_publish(void *ctx, const char *ch, size_t chlen, const char *msg, size_t mlen, bool shard)
{
    ss_engine *e = ctx;
    /* Counted now, delivered after the commit: nothing runs in between that
     * could change who subscribes. */
    long long n = ss_pubsub_receivers(e->pubsub, ch, chlen, shard);
    if (n > 0)
        enqueue(e, shard ? EV_SHARD_MESSAGE : EV_MESSAGE, ch, chlen, "", 0, msg, mlen);
    return n;
}

/*
 * A stream key deleted (DEL, UNLINK, expiry, RENAME away, MOVE, overwritten
 * by SET or RESTORE, a flush) answers the XREADGROUPs blocked on it
 * "-UNBLOCKED the stream key no longer exists" at once, as Redis 7.0's
 * signalDeletedKeyAsReady does (XREADs wait on). Redis decides when the
 * command (or EXEC) is over, from what the key is then: so do we, in the
 * entry's place. Every key the entry modifies (or every key of a flushed db)
 * is noted while some XREADGROUP blocks on this node; when the entry's
 * commands are done, each noted key that is no stream now is queued as
 * EV_STREAM_GONE among the run's messages, and its waiters are answered
 * when the messages up to that entry are delivered: after the replies of
 * the entries before it (a waiter that blocked there is answered), before
 * those after it (one that blocks after it, on a new stream, waits on).
 *
 * gone_check record: i32 db (-1: every db), u32 key length (WHOLE_DB: a
 * flushed db, no key), key.
 */
#define WHOLE_DB UINT32_MAX
/* A swapped db (SWAPDB): waiters on its keys that exist now are served, as
 * Redis's scanDatabaseForReadyKeys does. */
#define READY_DB (UINT32_MAX - 1)

static void note_check(ss_engine *e, int db, const char *key, uint32_t klen)
{
    ss_buf *q = &e->gone_check;
    size_t n = key ? klen : 0;
    if (ss_buf_reserve(q, 8 + n) != SS_OK)
        return;
    int32_t d = db;
    ss_buf_append(q, &d, sizeof d);
    put_u32(q, klen);
    if (n)
        ss_buf_append(q, key, n);
}

static void note_gone_check(ss_engine *e, int db, const char *key, size_t klen)
{
    if (e->ngroup_blocking == 0)
        return;
    note_check(e, db, key, key ? (uint32_t)klen : WHOLE_DB);
}

/* EV_STREAM_GONE: the channel is i32 db, u8 whole db, key. */
static void queue_gone(ss_engine *e, int db, const char *key, size_t klen)
{
    char head[5];
    int32_t d = db;
    memcpy(head, &d, sizeof d);
    head[4] = key == NULL;
    enqueue(e, EV_STREAM_GONE, head, sizeof head, key ? key : "", klen, "", 0);
}

typedef struct gone_ctx {
    ss_engine *e;
    ss_txn *txn;
} gone_ctx;

/* Queued unless the key is a stream now (expired or not: its deletion, when
 * expiry comes, is a change of its own). */
static void check_key(void *ud, int db, const char *key, size_t klen)
{
    gone_ctx *g = ud;
    ss_keymeta meta;
    ss_slice value;
    int rc = ss_ks_lookup_any(g->txn, db, key, klen, &meta, &value);
    if (rc == SS_ENOTFOUND || (rc == SS_OK && meta.type != SS_TYPE_STREAM))
        queue_gone(g->e, db, key, klen);
}

static bool db_empty(ss_txn *txn, int db)
{
    uint64_t n = 1;
    return ss_ks_dbsize(txn, db, &n) == SS_OK && n == 0;
}

static void on_ready(void *ctx, int db, const char *key, size_t klen);

/* A waiter's key after a swap: ready if it holds what the waiter takes now. */
static void ready_if_there(void *ud, int db, const char *key, size_t klen, int want)
{
    gone_ctx *g = ud;
    ss_keymeta meta;
    if (ss_ks_lookup_any(g->txn, db, key, klen, &meta, NULL) == SS_OK && (int)meta.type == want)
        on_ready(g->e, db, key, klen);
}

/*
 * The access table (commands/access.h) follows the keys apply changes: each
 * key an entry modifies is noted, and when the entry's commands are done the
 * key is looked up once: present, it was written now (a new entry, or the
 * old one's LFU counter kept, as Redis's dbOverwrite keeps it); gone
 * (deleted, expired, renamed or moved away), its entry goes. Deciding at
 * the end, from what the key is then, is what lets a MULTI that deletes and
 * recreates a key, or a collection emptied and deleted, come out right
 * whatever order the events came in. Flushes drop the db's entries at once.
 * Record: i32 db, u32 key length, key.
 */
static void note_access_check(ss_engine *e, int db, const char *key, size_t klen)
{
    if (!e->node.access || e->cfg->access_table_max_keys <= 0)
        return; /* no table, no lookups */
    ss_buf *q = &e->access_check;
    if (ss_buf_reserve(q, 8 + klen) != SS_OK)
        return; /* out of memory: the key keeps its old entry, a stale time */
    int32_t d = db;
    ss_buf_append(q, &d, sizeof d);
    put_u32(q, klen);
    ss_buf_append(q, key, klen);
}

static void access_end_entry(ss_engine *e, ss_txn *txn, uint64_t index)
{
    if (ss_buf_len(&e->access_check) == 0)
        return;
    ss_access_policy p = ss_exec_access_policy(&e->node);
    int64_t now = ss_clock_wall_ms(); /* this node's clock: the table is this node's */
    const char *q = ss_buf_data(&e->access_check), *end = q + ss_buf_len(&e->access_check);
    while (q < end) {
        int32_t db;
        memcpy(&db, q, sizeof db);
        uint32_t klen = get_u32(q + 4);
        const char *key = q + 8;
        q += 8 + klen;
        ss_keymeta meta;
        ss_slice value;
        int rc = ss_ks_lookup_any(txn, db, key, klen, &meta, &value);
        if (rc == SS_OK)
            ss_access_written(e->node.access, db, key, klen, now, index, &p);
        else if (rc == SS_ENOTFOUND)
            ss_access_forget(e->node.access, db, key, klen);
    }
    ss_buf_reset(&e->access_check);
}

void ss_events_end_entry(ss_engine *e, ss_txn *txn, uint64_t index)
{
    access_end_entry(e, txn, index);
    if (ss_buf_len(&e->gone_check) == 0)
        return;
    gone_ctx g = {e, txn};
    const char *p = ss_buf_data(&e->gone_check), *end = p + ss_buf_len(&e->gone_check);
    while (p < end) {
        int32_t db;
        memcpy(&db, p, sizeof db);
        uint32_t klen = get_u32(p + 4);
        const char *key = p + 8;
        if (klen == READY_DB) {
            ss_blocking_each_key(e, db, ready_if_there, &g);
            p += 8;
            continue;
        }
        if (klen != WHOLE_DB) {
            check_key(&g, db, key, klen);
            p += 8 + klen;
            continue;
        }
        p += 8;
        bool empty = true;
        for (int d = db < 0 ? 0 : db; d < (db < 0 ? SS_KS_DBS : db + 1) && empty; d++)
            empty = db_empty(txn, d);
        if (empty)
            queue_gone(e, db, NULL, 0); /* every waiter of the db(s) */
        else
            ss_blocking_each_group_key(e, db, check_key, &g); /* a MULTI wrote after its flush */
    }
    ss_buf_reset(&e->gone_check);
}

/* signalModifiedKey: clients tracking the key hear of it once the run is
 * committed (tracking.c). */
static void on_modified(void *ctx, int db, const char *key, size_t klen)
{
    ss_engine *e = ctx;
    (void)db; /* Redis's tracking table knows keys by name alone */
    if (ss_tracking_active(e))
        enqueue(e, EV_INVALIDATE, key, klen, "", 0, (const char *)&e->apply_origin, sizeof e->apply_origin);
    note_gone_check(e, db, key, klen);
    note_access_check(e, db, key, klen);
}

/* signalFlushedDb: every tracking client hears a null invalidation. */
static void on_flushed(void *ctx, int db)
{
    ss_engine *e = ctx;
    (void)db;
    if (ss_tracking_active(e))
        enqueue(e, EV_FLUSH, "", 0, "", 0, (const char *)&e->apply_origin, sizeof e->apply_origin);
    note_gone_check(e, db, NULL, WHOLE_DB);
    if (e->node.access)
        ss_access_reset_db(e->node.access, db, ss_clock_wall_ms());
}

/*
 * SWAPDB (Redis's dbSwapDatabases): WATCH needs nothing here (EXEC compares
 * digests, and a swap changes them where the two dbs differ);
 * XREADGROUPs on streams no longer there are answered, and waiters on keys
 * now there served, at the end of the entry like a flush's. Client tracking
 * hears a flush: Redis 7.0 says nothing to tracking clients on SWAPDB and
 * leaves their caches of both dbs stale (its tracking table knows keys by
 * name alone), so we invalidate everything as FLUSHDB does (README).
 */
static void on_swapped(void *ctx, int db1, int db2)
{
    ss_engine *e = ctx;
    if (ss_tracking_active(e))
        enqueue(e, EV_FLUSH, "", 0, "", 0, (const char *)&e->apply_origin, sizeof e->apply_origin);
    note_gone_check(e, db1, NULL, WHOLE_DB);
    note_gone_check(e, db2, NULL, WHOLE_DB);
    if (e->node.access)
        ss_access_swap_db(e->node.access, db1, db2); /* the keys' entries go with their data */
    if (e->nblocking > 0) {
        note_check(e, db1, NULL, READY_DB);
        note_check(e, db2, NULL, READY_DB);
    }
}

/* signalKeyAsReady: remembered (only while someone blocks on this node) and
 * acted on once the run is committed. */
static void on_ready(void *ctx, int db, const char *key, size_t klen)
{
    ss_engine *e = ctx;
    /* a pop in flight counts: its empty answer may come in this very run,
     * before the push that makes its key ready */
    if (e->nblocking == 0)
        return;
    ss_buf *q = &e->ready_queue;
    if (ss_buf_reserve(q, 1 + 4 + klen) != SS_OK)
        return;
    char d = (char)db;
    ss_buf_append(q, &d, 1);
    put_u32(q, klen);
    ss_buf_append(q, key, klen);
}

void ss_events_wake_ready(ss_engine *e)
{
    /* Waking proposes entries; nothing here reenters apply. */
    ss_buf q = e->ready_queue;
    ss_buf_init(&e->ready_queue, 0);
    if (ss_buf_len(&q) == 0) { /* an empty buffer has no data pointer to walk from */
        ss_buf_release(&q);
        return;
    }
    const char *p = ss_buf_data(&q), *end = p + ss_buf_len(&q);
    while (p < end) {
        int db = (unsigned char)p[0];
        uint32_t klen = get_u32(p + 1);
        ss_blocking_ready(e, db, p + 5, klen);
        p += 5 + klen;
    }
    ss_buf_release(&q);
}

void ss_events_init(ss_engine *e)
{
    ss_buf_init(&e->ev_queue, 0);
    ss_buf_init(&e->ready_queue, 0);
    ss_buf_init(&e->gone_check, 0);
    ss_buf_init(&e->access_check, 0);
    e->apply_events = (ss_exec_events){.ctx = e, .notify = on_notify, .publish = on_publish, .ready = on_ready,
                                     .modified = on_modified, .flushed = on_flushed,
                                     .swapped = on_swapped};
    e->read_events = (ss_exec_events){.ctx = e, .notify = on_read_notify};
}

void ss_events_release(ss_engine *e)
{
    ss_buf_release(&e->ev_queue);
    ss_buf_release(&e->ready_queue);
    ss_buf_release(&e->gone_check);
    ss_buf_release(&e->access_check);
}

void ss_events_begin_run(ss_engine *e)
{
    ss_buf_reset(&e->ev_queue);
    ss_buf_reset(&e->ready_queue);
    ss_buf_reset(&e->gone_check);
    ss_buf_reset(&e->access_check);
    e->ev_sent = 0;
}

size_t ss_events_mark(const ss_engine *e) { return ss_buf_len(&e->ev_queue); }

void ss_events_deliver(ss_engine *e, size_t upto)
{
    const char *q = ss_buf_data(&e->ev_queue);
    while (e->ev_sent < upto) {
        const char *p = q + e->ev_sent;
        int kind = p[0];
        uint32_t chlen = get_u32(p + 1);
        const char *ch = p + 5;
        uint32_t mlen = get_u32(ch + chlen);
        const char *msg = ch + chlen + 4;
        e->ev_sent = (size_t)(msg + mlen - q);
        if (kind == EV_INVALIDATE) {
            uint64_t origin;
            memcpy(&origin, msg, sizeof origin);
            ss_tracking_invalidate(e, ch, chlen, origin);
        } else if (kind == EV_STREAM_GONE) {
            int32_t db;
            memcpy(&db, ch, sizeof db);
            ss_blocking_stream_gone(e, db, ch[4] ? NULL : ch + 5, chlen - 5);
        } else if (kind == EV_FLUSH) {
            uint64_t origin;
            memcpy(&origin, msg, sizeof origin);
            ss_tracking_flushed(e, origin);
        } else {
            ss_pubsub_publish(e->pubsub, ch, chlen, msg, mlen, kind == EV_SHARD_MESSAGE);
        }
    }
    ss_tracking_flush_bcast(e);
}

void ss_events_discard(ss_engine *e)
{
    ss_buf_reset(&e->ev_queue);
    ss_buf_reset(&e->ready_queue);
    ss_buf_reset(&e->gone_check);
    ss_buf_reset(&e->access_check);
    e->ev_sent = 0;
}
