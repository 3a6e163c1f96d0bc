/* Client-side caching (CLIENT TRACKING): the keys each client of this node has read, and the invalidation messages sent when apply changes them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine_internal.h"

/*
 * As Redis's tracking.c, per node. A client's tracking lives on the node it
 * is connected to: the node remembers the keys its reads name (default mode)
 * or the prefixes it asked for (BCAST), and every node applies the same
 * entries, so a write through the leader invalidates the caches of clients
 * of every node. Keys are remembered when a read is dispatched, before its
 * barrier: a change that lands in between sends an invalidation the client
 * did not need, never misses one.
 *
 * Tables:
 *   e->sessions      id (8 bytes) -> every session of this node (REDIRECT)
 *   e->track_clients id -> the sessions with tracking on (FLUSHALL)
 *   e->track_keys    key -> a dict of the ids that read it (default mode);
 *                    a key leaves once invalidated, at most
 *                    tracking-table-max-keys of them
 *   e->track_prefixes prefix -> bcast_prefix (BCAST clients, keys to send)
 * Ids that are gone or no longer track stay in track_keys until the key is
 * invalidated, as in Redis, and are skipped then.
 */

typedef struct bcast_prefix {
    ss_dict *clients;   /* id -> NULL */
    ss_buf keys;        /* changed since the last flush: u64 origin, u32 len, key */
    size_t nkeys;
} bcast_prefix;

static void put_id(char out[8], uint64_t id) { memcpy(out, &id, 8); }

static ss_session *session_by_id(ss_engine *e, uint64_t id)
{
    char k[8];
    put_id(k, id);
    return e->sessions ? ss_dict_get(e->sessions, k, 8) : NULL;
}

static void bcast_free(void *v)
{
    bcast_prefix *p = v;
    if (!p)
        return;
    ss_dict_free(p->clients, NULL);
    ss_buf_release(&p->keys);
    free(p);
}

static void ids_free(void *v) { ss_dict_free(v, NULL); }

int ss_tracking_init(ss_engine *e)
{
    e->sessions = ss_dict_new();
    e->track_clients = ss_dict_new();
    e->track_keys = ss_dict_new();
    e->track_prefixes = ss_dict_new();
    ss_buf_init(&e->track_self, 0);
    return e->sessions && e->track_clients && e->track_keys && e->track_prefixes ? SS_OK : SS_ENOMEM;
}

void ss_tracking_release(ss_engine *e)
{
    ss_buf_release(&e->track_self);
    ss_dict_free(e->sessions, NULL);
    ss_dict_free(e->track_clients, NULL);
    if (e->track_keys)
        ss_dict_free(e->track_keys, ids_free);
    if (e->track_prefixes)
        ss_dict_free(e->track_prefixes, bcast_free);
    e->sessions = e->track_clients = e->track_keys = e->track_prefixes = NULL;
}

void ss_tracking_session_add(ss_engine *e, ss_session *s)
{
    char k[8];
    put_id(k, s->id);
    if (e->sessions)
        ss_dict_put(e->sessions, k, 8, s); /* out of memory: it cannot be redirected to */
}

/* A closing session can no longer be redirected to; its tracking ends when
 * it is released (not here: a push that closes a client must not change the
 * tables a walk is sending from). */
void ss_tracking_session_closing(ss_engine *e, ss_session *s)
{
    char k[8];
    put_id(k, s->id);
    if (e->sessions)
        ss_dict_del(e->sessions, k, 8, NULL);
}

void ss_tracking_session_remove(ss_engine *e, ss_session *s)
{
    ss_tracking_session_closing(e, s);
    ss_tracking_off(e, s);
}

bool ss_tracking_client_exists(void *ctx, uint64_t id) { return session_by_id(ctx, id) != NULL; }

/* ------------------------------------------------------------- messages */

/*
 * Redis's sendTrackingMessage: to the client itself in RESP3 (a push
 * ">2 invalidate keys"), or to its REDIRECT client, which gets the push in
 * RESP3 or, in RESP2, a message on __redis__:invalidate when it subscribes
 * to anything. keys is n RESP bulk strings already encoded, or NULL with
 * raw (the FLUSHALL null, in the tracking client's protocol).
 */
static void send_message(ss_engine *e, ss_session *s, const char *keys, size_t klen, size_t n, const char *raw)
{
    if (!e->hooks.push)
        return;
    ss_session *to = s;
    bool redirected = false;
    ss_buf b;
    ss_buf_init(&b, 0);
    if (s->tracking_redirect) {
        to = session_by_id(e, s->tracking_redirect);
        if (!to) {
            s->tracking |= SS_TRACK_BROKEN_REDIR;
            if (s->proto == RESP3) {
                resp_add_push_len(&b, RESP3, 2);
                resp_add_bulk_cstr(&b, "tracking-redir-broken");
                resp_add_int(&b, (long long)s->tracking_redirect);
                e->hooks.push(e->hooks.ctx, s, ss_buf_data(&b), ss_buf_len(&b));
            }
            ss_buf_release(&b);
            return;
        }
        redirected = true;
    }
    if (to->proto == RESP3) {
        resp_add_push_len(&b, RESP3, 2);
        resp_add_bulk_cstr(&b, "invalidate");
    } else if (redirected && to->subscribed > 0) {
        resp_add_array_len(&b, 3);
        resp_add_bulk_cstr(&b, "message");
        resp_add_bulk_cstr(&b, "__redis__:invalidate");
    } else {
        ss_buf_release(&b);
        return; /* RESP2 has no pushes on the connection itself */
    }
    if (raw) {
        ss_buf_append(&b, raw, strlen(raw));
    } else {
        resp_add_array_len(&b, (long long)n);
        ss_buf_append(&b, keys, klen);
    }
    if (!ss_buf_error(&b))
        e->hooks.push(e->hooks.ctx, to, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

static void send_key(ss_engine *e, ss_session *s, const char *key, size_t klen)
{
    ss_buf k;
    ss_buf_init(&k, 0);
    resp_add_bulk(&k, key, klen);
    if (!ss_buf_error(&k))
        send_message(e, s, ss_buf_data(&k), ss_buf_len(&k), 1, NULL);
    ss_buf_release(&k);
}

/* A client hears of its own change after the reply to it, as Redis 7.0
 * defers it (tracking_pending_keys): a record u32 length (UINT32_MAX: the
 * FLUSHALL null), key; sent by ss_tracking_after_reply. */
static void defer_self(ss_engine *e, uint64_t origin, const char *key, size_t klen)
{
    uint32_t len = key ? (uint32_t)klen : UINT32_MAX;
    if (ss_buf_reserve(&e->track_self, 4 + klen) != SS_OK)
        return;
    e->track_self_origin = origin;
    ss_buf_append(&e->track_self, &len, 4);
    if (key)
        ss_buf_append(&e->track_self, key, klen);
}

void ss_tracking_after_reply(ss_engine *e)
{
    if (ss_buf_len(&e->track_self) == 0)
        return;
    ss_session *s = session_by_id(e, e->track_self_origin);
    const char *q = ss_buf_data(&e->track_self), *end = q + ss_buf_len(&e->track_self);
    while (s && q < end) {
        uint32_t len;
        memcpy(&len, q, 4);
        if (len == UINT32_MAX) {
            send_message(e, s, NULL, 0, 0, s->proto == RESP3 ? "_\r\n" : "$-1\r\n");
            q += 4;
        } else {
            send_key(e, s, q + 4, len);
            q += 4 + len;
        }
    }
    ss_buf_reset(&e->track_self);
}

/* Redis's trackingInvalidateKey for the default mode: every client that
 * read key hears of it (but the one that changed it, under NOLOOP), and the
 * key leaves the table. */
static void invalidate_tracked(ss_engine *e, const char *key, size_t klen, uint64_t origin)
{
    ss_dict *ids;
    if (!ss_dict_del(e->track_keys, key, klen, (void **)&ids))
        return;
    e->track_items -= ss_dict_size(ids);
    ss_dict_iter it;
    ss_dict_iter_init(&it, ids);
    const char *idk;
    size_t idlen;
    void *unused;
    while (ss_dict_next(&it, &idk, &idlen, &unused)) {
        uint64_t id;
        memcpy(&id, idk, 8);
        ss_session *s = session_by_id(e, id);
        if (!s || !(s->tracking & SS_TRACK_ON) || (s->tracking & SS_TRACK_BCAST))
            continue;
        if (id == origin) {
            if (!(s->tracking & SS_TRACK_NOLOOP))
                defer_self(e, origin, key, klen);
            continue;
        }
        send_key(e, s, key, klen);
    }
    ss_dict_free(ids, NULL);
}

/* BCAST: the key is noted under every prefix it starts with, and sent when
 * the run's messages are (ss_tracking_flush_bcast), one message per client
 * and prefix, as Redis sends them from beforeSleep. */
static void note_bcast(ss_engine *e, const char *key, size_t klen, uint64_t origin)
{
    ss_dict_iter it;
    ss_dict_iter_init(&it, e->track_prefixes);
    const char *pfx;
    size_t plen;
    void *v;
    while (ss_dict_next(&it, &pfx, &plen, &v)) {
        bcast_prefix *p = v;
        if (plen > klen || memcmp(pfx, key, plen) != 0)
            continue;
        uint32_t len = (uint32_t)klen;
        if (ss_buf_reserve(&p->keys, 12 + klen) != SS_OK)
            continue;
        ss_buf_append(&p->keys, &origin, 8);
        ss_buf_append(&p->keys, &len, 4);
        ss_buf_append(&p->keys, key, klen);
        p->nkeys++;
        e->bcast_pending = true;
    }
}

typedef struct named_prefix {
    const char *name;
    size_t len;
    bcast_prefix *p;
} named_prefix;

static int prefix_cmp(const void *x, const void *y)
{
    const named_prefix *a = x, *b = y;
    int c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* The prefixes with keys to send, in byte order (Redis walks its radix
 * tree), so the messages of one write come in a stable order. */
static named_prefix *pending_prefixes(ss_engine *e, size_t *n)
{
    named_prefix *v = malloc(sizeof *v * (ss_dict_size(e->track_prefixes) + 1));
    *n = 0;
    if (!v)
        return NULL;
    ss_dict_iter it;
    ss_dict_iter_init(&it, e->track_prefixes);
    const char *pfx;
    size_t plen;
    void *val;
    while (ss_dict_next(&it, &pfx, &plen, &val))
        if (((bcast_prefix *)val)->nkeys > 0)
            v[(*n)++] = (named_prefix){pfx, plen, val};
    qsort(v, *n, sizeof *v, prefix_cmp);
    return v;
}

void ss_tracking_flush_bcast(ss_engine *e)
{
    if (!e->bcast_pending)
        return;
    e->bcast_pending = false;
    size_t np;
    named_prefix *pending = pending_prefixes(e, &np);
    if (!pending)
        return;
    ss_buf keys;
    ss_buf_init(&keys, 0);
    for (size_t pi = 0; pi < np; pi++) {
        bcast_prefix *p = pending[pi].p;
        ss_dict_iter ci;
        ss_dict_iter_init(&ci, p->clients);
        const char *idk;
        size_t idlen;
        void *unused;
        while (ss_dict_next(&ci, &idk, &idlen, &unused)) {
            uint64_t id;
            memcpy(&id, idk, 8);
            ss_session *s = session_by_id(e, id);
            if (!s)
                continue;
            bool noloop = (s->tracking & SS_TRACK_NOLOOP) != 0;
            ss_buf_reset(&keys);
            size_t n = 0;
            const char *q = ss_buf_data(&p->keys), *end = q + ss_buf_len(&p->keys);
            while (q < end) {
                uint64_t origin;
                uint32_t len;
                memcpy(&origin, q, 8);
                memcpy(&len, q + 8, 4);
                if (!noloop || origin != id) {
                    resp_add_bulk(&keys, q + 12, len);
                    n++;
                }
                q += 12 + len;
            }
            if (n > 0 && !ss_buf_error(&keys))
                send_message(e, s, ss_buf_data(&keys), ss_buf_len(&keys), n, NULL);
        }
        ss_buf_reset(&p->keys);
        p->nkeys = 0;
    }
    ss_buf_release(&keys);
    free(pending);
}

void ss_tracking_invalidate(ss_engine *e, const char *key, size_t klen, uint64_t origin)
{
    if (ss_dict_size(e->track_keys) > 0)
        invalidate_tracked(e, key, klen, origin);
    if (ss_dict_size(e->track_prefixes) > 0)
        note_bcast(e, key, klen, origin);
}

/* Redis's trackingInvalidateKeysOnFlush: every tracking client hears a null
 * (in its own protocol), and the table empties. */
void ss_tracking_flushed(ss_engine *e, uint64_t origin)
{
    ss_dict_iter it;
    ss_dict_iter_init(&it, e->track_clients);
    const char *idk;
    size_t idlen;
    void *v;
    while (ss_dict_next(&it, &idk, &idlen, &v)) {
        ss_session *s = v;
        if (s->id == origin)
            defer_self(e, origin, NULL, 0);
        else
            send_message(e, s, NULL, 0, 0, s->proto == RESP3 ? "_\r\n" : "$-1\r\n");
    }
    ss_dict_free(e->track_keys, ids_free);
    e->track_keys = ss_dict_new(); /* NULL (out of memory): keys are no longer remembered */
    e->track_items = 0;
}

bool ss_tracking_active(const ss_engine *e)
{
    return e->track_keys && (ss_dict_size(e->track_clients) > 0 || ss_dict_size(e->track_keys) > 0);
}

/* ------------------------------------------------------------ remembering */

/* Over tracking-table-max-keys, keys are dropped with an invalidation to
 * whoever read them, as Redis's trackingLimitUsedSlots does (Redis picks
 * them at random over a few event-loop turns; here the first the map
 * yields, at once). */
static void limit_table(ss_engine *e)
{
    long long max = e->cfg->tracking_table_max_keys;
    while (max > 0 && ss_dict_size(e->track_keys) > (size_t)max) {
        ss_dict_iter it;
        ss_dict_iter_init(&it, e->track_keys);
        const char *k;
        size_t klen;
        void *v;
        if (!ss_dict_next(&it, &k, &klen, &v))
            break;
        /* the key's bytes go with its entry: copy them first */
        char *copy = malloc(klen ? klen : 1);
        if (!copy)
            break;
        memcpy(copy, k, klen);
        invalidate_tracked(e, copy, klen, 0);
        free(copy);
    }
}

static void remember_key(ss_engine *e, uint64_t id, const char *key, size_t klen)
{
    ss_dict *ids = ss_dict_get(e->track_keys, key, klen);
    if (!ids) {
        ids = ss_dict_new();
        if (!ids || ss_dict_put(e->track_keys, key, klen, ids) != SS_OK) {
            ss_dict_free(ids, NULL);
            return;
        }
    }
    char k[8];
    put_id(k, id);
    if (!ss_dict_find(ids, k, 8, NULL) && ss_dict_put(ids, k, 8, NULL) == SS_OK)
        e->track_items++;
}

/* Whether the keys of cmd are remembered for s: a read-only command, in the
 * default mode, as CLIENT CACHING says in OPTIN and OPTOUT modes. */
static bool wanted(const ss_session *s, const ss_command *cmd)
{
    if (!(cmd->flags & CMD_READONLY) || (cmd->flags & CMD_PUBSUB) || (s->tracking & SS_TRACK_BCAST))
        return false;
    bool caching = (s->tracking & SS_TRACK_CACHING) != 0;
    return !((s->tracking & SS_TRACK_OPTIN) && !caching) && !((s->tracking & SS_TRACK_OPTOUT) && caching);
}

/* Redis's trackingRememberKeys: the keys of the command line a. */
static void remember(ss_engine *e, ss_session *s, const ss_args *a)
{
    const ss_command *cmd = ss_command_find(a, NULL);
    if (!cmd || !e->track_keys)
        return;
    ss_keyref *keys = malloc(sizeof *keys * SS_KEYSPECS_MAX * (size_t)a->argc);
    if (!keys)
        return;
    int n = ss_command_getkeys(cmd, a, keys);
    for (int i = 0; i < n; i++)
        remember_key(e, s->id, a->argv[keys[i].pos], a->argvlen[keys[i].pos]);
    free(keys);
    limit_table(e);
}

void ss_tracking_dispatched(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a)
{
    s->track_read = false;
    if (!(s->tracking & SS_TRACK_ON) || !wanted(s, cmd))
        return;
    if (s->in_multi && !(cmd->flags & CMD_NOQUEUE))
        remember(e, s, a); /* queued: remembered now, read at EXEC (perhaps in the log) */
    else
        s->track_read = true; /* remembered when it runs (ss_tracking_read) */
}

void ss_tracking_read(ss_engine *e, ss_session *s, const ss_args *a)
{
    const ss_command *cmd = ss_command_find(a, NULL);
    if (cmd && (s->tracking & SS_TRACK_ON))
        remember(e, s, a);
}

/* CLIENT CACHING holds for the next command, or the next transaction
 * (Redis's resetClient keeps it inside MULTI and for CLIENT itself). */
void ss_tracking_command_done(ss_session *s, const ss_args *a)
{
    s->track_read = false;
    if (!s->in_multi && !(a->argvlen[0] == 6 && !strncasecmp(a->argv[0], "client", 6)))
        s->tracking &= ~(uint32_t)SS_TRACK_CACHING;
}

/* -------------------------------------------------------- on and off */

static int prefix_add(ss_engine *e, ss_session *s, const char *p, size_t len)
{
    for (size_t i = 0; i < s->ntracking_prefixes; i++)
        if (s->tracking_prefix_lens[i] == len && !memcmp(s->tracking_prefixes[i], p, len))
            return SS_OK;
    bcast_prefix *bp = ss_dict_get(e->track_prefixes, p, len);
    if (!bp) {
        bp = calloc(1, sizeof *bp);
        if (!bp || !(bp->clients = ss_dict_new()) || ss_dict_put(e->track_prefixes, p, len, bp) != SS_OK) {
            bcast_free(bp);
            return SS_ENOMEM;
        }
        ss_buf_init(&bp->keys, 0);
    }
    char **np = realloc(s->tracking_prefixes, sizeof *np * (s->ntracking_prefixes + 1));
    if (np)
        s->tracking_prefixes = np;
    size_t *nl = np ? realloc(s->tracking_prefix_lens, sizeof *nl * (s->ntracking_prefixes + 1)) : NULL;
    if (nl)
        s->tracking_prefix_lens = nl;
    char *copy = nl ? malloc(len + 1) : NULL;
    char k[8];
    put_id(k, s->id);
    if (!copy || ss_dict_put(bp->clients, k, 8, NULL) != SS_OK) {
        free(copy);
        return SS_ENOMEM;
    }
    memcpy(copy, p, len);
    copy[len] = '\0';
    s->tracking_prefixes[s->ntracking_prefixes] = copy;
    s->tracking_prefix_lens[s->ntracking_prefixes++] = len;
    return SS_OK;
}

int ss_tracking_on(void *ctx, ss_session *s, uint64_t redirect, uint32_t options, char *const *prefixes,
                   const size_t *lens, size_t n)
{
    ss_engine *e = ctx;
    char k[8];
    put_id(k, s->id);
    if (!(s->tracking & SS_TRACK_ON) && ss_dict_put(e->track_clients, k, 8, s) != SS_OK)
        return SS_ENOMEM;
    s->tracking &= ~(uint32_t)(SS_TRACK_BROKEN_REDIR | SS_TRACK_BCAST | SS_TRACK_OPTIN | SS_TRACK_OPTOUT |
                               SS_TRACK_NOLOOP);
    s->tracking |= SS_TRACK_ON;
    s->tracking_redirect = redirect;
    int rc = SS_OK;
    if (options & SS_TRACK_BCAST) {
        s->tracking |= SS_TRACK_BCAST;
        if (n == 0)
            rc = prefix_add(e, s, "", 0);
        for (size_t i = 0; i < n && rc == SS_OK; i++)
            rc = prefix_add(e, s, prefixes[i], lens[i]);
    }
    s->tracking |= options & (SS_TRACK_OPTIN | SS_TRACK_OPTOUT | SS_TRACK_NOLOOP);
    return rc;
}

void ss_tracking_off(void *ctx, ss_session *s)
{
    ss_engine *e = ctx;
    char k[8];
    put_id(k, s->id);
    for (size_t i = 0; i < s->ntracking_prefixes; i++) {
        bcast_prefix *bp = ss_dict_get(e->track_prefixes, s->tracking_prefixes[i], s->tracking_prefix_lens[i]);
        if (bp) {
            ss_dict_del(bp->clients, k, 8, NULL);
            if (ss_dict_size(bp->clients) == 0) {
                ss_dict_del(e->track_prefixes, s->tracking_prefixes[i], s->tracking_prefix_lens[i], NULL);
                bcast_free(bp);
            }
        }
        free(s->tracking_prefixes[i]);
    }
    free(s->tracking_prefixes);
    free(s->tracking_prefix_lens);
    s->tracking_prefixes = NULL;
    s->tracking_prefix_lens = NULL;
    s->ntracking_prefixes = 0;
    if (s->tracking & SS_TRACK_ON)
        ss_dict_del(e->track_clients, k, 8, NULL);
    s->tracking = 0;
    s->tracking_redirect = 0;
}

size_t ss_engine_tracking_clients(ss_engine *e) { return ss_dict_size(e->track_clients); }

void ss_tracking_counts(void *ctx, size_t *clients, size_t *keys, size_t *items, size_t *prefixes)
{
    ss_engine *e = ctx;
    *clients = ss_dict_size(e->track_clients);
    *keys = e->track_keys ? ss_dict_size(e->track_keys) : 0;
    *items = e->track_keys ? e->track_items : 0;
    *prefixes = ss_dict_size(e->track_prefixes);
}
