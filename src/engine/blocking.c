/* Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP, XREAD and XREADGROUP with BLOCK) on any node: wait on the apply (or read) answer, wake on keys signaled ready, propose (or read) again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "commands/keyhelpers.h"
#include "engine/engine_internal.h"

/*
 * The pop itself is an ordinary write: its apply half pops, or answers what
 * Redis answers on a timeout. A client's blocking command is proposed at
 * once; when its own entry comes back with that empty answer, the answer is
 * held and the client waits here, in the order it first blocked, until:
 *  - apply signals one of its keys ready (a list or sorted set created, on
 *    any node's write): the first waiter on that key has its command
 *    proposed again. Whoever's pop comes first in the log wins; a waiter
 *    that lost finds the empty answer again and waits on, in its place and
 *    with its original deadline. A waiter that popped wakes the next waiter
 *    on the same keys, in case elements are left;
 *  - its deadline passes (the engine's 100 ms timer): the empty answer;
 *  - CLIENT UNBLOCK: the empty answer or -UNBLOCKED;
 *  - its connection closes.
 * Waiting is local to the node the client is connected to and holds no log
 * entry, so a leader change leaves it waiting; a pop in flight when the
 * leader changes answers TRYAGAIN like any write whose outcome is unknown.
 * The wait list is scanned per ready key: O(waiters) (see README).
 *
 * Streams. XREADGROUP ... BLOCK is a write like the pops: its apply half
 * serves the group (delivering entries and adding them to the pending list
 * in the log), or answers SS_STREAM_WAIT_REPLY when there is nothing, and
 * the client waits. XREAD ... BLOCK is a read: it runs after the ReadIndex
 * barrier on this node, and its wait answer carries the IDs it resolved, so
 * that "$" means what it meant when the client first blocked (Redis does the
 * same). A key made ready wakes every stream waiter on it (a new entry is for
 * every XREAD; XREADGROUPs race through the log and the losers wait on),
 * where it wakes only the first list or sorted-set waiter.
 */
struct ss_blocked {
    ss_blocked *prev, *next;  /* e->blocked, ordered by `order` */
    ss_session *s;
    void *cookie;             /* the client's reply slot */
    ss_args *a;               /* the command (ss_args_copy) */
    int db;
    int64_t deadline_ms;      /* wall clock; 0 = forever */
    uint64_t order;
    bool waiting;             /* in e->blocked (else its pop is in flight) */
    char empty[8];            /* apply's answer when nothing is there: "*-1\r\n", "$-1\r\n" or RESP3's "_\r\n" */
    size_t emptylen;
    const char *timeout;      /* the answer on a timeout: a null array, even for BLMOVE (Redis 7.0) */
    bool stream;              /* XREAD / XREADGROUP: waits on SS_STREAM_WAIT_REPLY */
    bool read;                /* XREAD: waits through the read path, not the log */
    bool woken;               /* tried again after a key was signaled ready */
    resp_proto proto;         /* the client's protocol when it blocked (a read runs in it) */
};

/* XREAD / XREADGROUP: where STREAMS' keys start (0: none) and BLOCK's
 * argument is (0: none), as xreadCommand's option loop reads them. */
static void stream_layout(const ss_args *a, int *first, int *nkeys, int *timeout_at)
{
    *first = *nkeys = *timeout_at = 0;
    for (int i = 1; i < a->argc; i++) {
        int more = a->argc - i - 1;
        if (ss_arg_is(a, i, "block") && more) {
            *timeout_at = ++i;
        } else if (ss_arg_is(a, i, "count") && more) {
            i++;
        } else if (ss_arg_is(a, i, "streams") && more) {
            *first = i + 1;
            *nkeys = (a->argc - *first) / 2;
            return;
        } else if (ss_arg_is(a, i, "group") && more >= 2) {
            i += 2;
        } else if (!ss_arg_is(a, i, "noack")) {
            return;
        }
    }
}

static bool is_stream_read(const ss_args *a)
{
    return a->argc > 0 && (!strcasecmp(a->argv[0], "xread") || !strcasecmp(a->argv[0], "xreadgroup"));
}

/* Where the command's keys and timeout are. */
static void layout(const ss_args *a, int *first, int *nkeys, int *timeout_at)
{
    const char *n = a->argv[0];
    if (is_stream_read(a)) {
        stream_layout(a, first, nkeys, timeout_at);
    } else if (!strcasecmp(n, "blmove") || !strcasecmp(n, "brpoplpush")) {
        *first = 1;
        *nkeys = 1; /* the source: what makes it ready */
        *timeout_at = a->argc - 1;
    } else if (!strcasecmp(n, "blmpop") || !strcasecmp(n, "bzmpop")) {
        long long k = 0;
        ss_parse_ll(a->argv[2], a->argvlen[2], &k);
        *first = 3;
        *nkeys = k > 0 && k <= a->argc - 3 ? (int)k : 0;
        *timeout_at = 1;
    } else {
        *first = 1;
        *nkeys = a->argc - 2;
        *timeout_at = a->argc - 1;
    }
}

static bool waits_on(const ss_blocked *b, int db, const char *key, size_t klen)
{
    if (b->db != db)
        return false;
    int first, n, t;
    layout(b->a, &first, &n, &t);
    for (int i = first; i < first + n; i++)
        if (b->a->argvlen[i] == klen && !memcmp(b->a->argv[i], key, klen))
            return true;
    return false;
}

static void unlink_waiter(ss_engine *e, ss_blocked *b)
{
    if (!b->waiting)
        return;
    if (b->prev)
        b->prev->next = b->next;
    else
        e->blocked = b->next;
    if (b->next)
        b->next->prev = b->prev;
    b->prev = b->next = NULL;
    b->waiting = false;
    e->nblocked--;
}

/* Into the wait list at its place (by order). */
static void link_waiter(ss_engine *e, ss_blocked *b)
{
    ss_blocked *prev = NULL, *at = e->blocked;
    while (at && at->order < b->order) {
        prev = at;
        at = at->next;
    }
    b->prev = prev;
    b->next = at;
    if (prev)
        prev->next = b;
    else
        e->blocked = b;
    if (at)
        at->prev = b;
    b->waiting = true;
    e->nblocked++;
}

size_t ss_engine_waiting_clients(ss_engine *e) { return e->nblocked; }

static void release(ss_engine *e, ss_blocked *b)
{
    e->nblocking--;
    if (b->stream && !b->read)
        e->ngroup_blocking--;
    b->s->blocked = false;
    free(b->a);
    free(b);
}

/* Answers the client and forgets it. */
static void finish(ss_engine *e, ss_blocked *b, const char *reply, size_t len)
{
    unlink_waiter(e, b);
    ss_session *s = b->s;
    void *cookie = b->cookie;
    release(e, b);
    ss_engine_finish_async(e, s, cookie, reply, len);
}

static void repropose(ss_engine *e, ss_blocked *b)
{
    unlink_waiter(e, b);
    b->woken = true;
    bool ok = b->read ? ss_read_blocked(e, b->s, &b->cookie, b->a, b->db, b->proto, b)
                      : ss_write_propose_again(e, b->s, b->cookie, b->a, b->db, b);
    if (!ok) {
        ss_session *s = b->s;
        void *cookie = b->cookie;
        release(e, b);
        ss_engine_finish_error(e, s, cookie, RERR_BUSY);
    }
}

/* BLOCK's argument in ms: false (the command runs as it is and its exec
 * half answers the error) unless a non-negative integer. */
static bool stream_deadline(const ss_args *a, int at, int64_t now, int64_t *deadline)
{
    long long ms;
    if (at <= 0 || !ss_parse_ll(a->argv[at], a->argvlen[at], &ms) || ms < 0 || ms > INT64_MAX - now)
        return false;
    *deadline = ms == 0 ? 0 : now + ms;
    return true;
}

bool ss_blocking_handles(const ss_command *cmd, const ss_args *a)
{
    static const char *const mine[] = {"blpop", "brpop", "blmove", "brpoplpush",
                                       "blmpop", "bzpopmin", "bzpopmax", "bzmpop"};
    if (is_stream_read(a)) {
        int first, n, at;
        int64_t deadline;
        stream_layout(a, &first, &n, &at);
        return first > 0 && n > 0 && stream_deadline(a, at, 0, &deadline);
    }
    if (!(cmd->flags & CMD_BLOCKING))
        return false;
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
        if (!strcmp(cmd->name, mine[i]))
            return true;
    return false;
}

ss_dispatch_result ss_blocking_start(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    int first, n, timeout_at;
    layout(a, &first, &n, &timeout_at);
    int64_t deadline;
    bool stream = is_stream_read(a);
    if (stream ? !stream_deadline(a, timeout_at, ss_clock_wall_ms(), &deadline)
               : !ss_parse_timeout(a->argv[timeout_at], a->argvlen[timeout_at], ss_clock_wall_ms(), &deadline, out))
        return SS_DISPATCH_DONE;
    ss_blocked *b = calloc(1, sizeof *b);
    ss_args *copy = b ? ss_args_copy(a, 1) : NULL;
    if (!copy) {
        free(b);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    *b = (ss_blocked){.s = s, .a = copy, .db = s->db, .deadline_ms = deadline, .order = ++e->block_order};
    /* what apply answers when there is nothing to pop, in the client's protocol */
    bool move = !strcasecmp(a->argv[0], "blmove") || !strcasecmp(a->argv[0], "brpoplpush");
    const char *empty = s->proto == RESP3 ? "_\r\n" : move ? "$-1\r\n" : "*-1\r\n";
    b->emptylen = strlen(empty);
    memcpy(b->empty, empty, b->emptylen + 1);
    b->timeout = s->proto == RESP3 ? "_\r\n" : "*-1\r\n";
    b->stream = stream;
    b->read = stream && !strcasecmp(a->argv[0], "xread");
    b->proto = s->proto;
    if (b->read) {
        /* (its answer may come before this returns, without a cluster) */
        e->nblocking++;
        s->blocked = true;
        if (!ss_read_blocked(e, s, &b->cookie, copy, b->db, b->proto, b)) {
            e->nblocking--;
            s->blocked = false;
            free(copy);
            free(b);
            ss_reply_err(out, RERR_INTERNAL, "out of memory");
            return SS_DISPATCH_DONE;
        }
        return SS_DISPATCH_ASYNC;
    }
    ss_dispatch_result r = ss_write_propose(e, s, a, 1, 0, out);
    if (r != SS_DISPATCH_ASYNC) {
        free(copy);
        free(b);
        return r;
    }
    pending_write *p = ss_pending_last(e);
    p->block = b;
    e->nblocking++;
    if (stream)
        e->ngroup_blocking++;
    b->cookie = p->cookie;
    s->blocked = true;
    return r;
}

static bool starts(const char *reply, size_t len, const char *prefix)
{
    return reply && len >= strlen(prefix) && !memcmp(reply, prefix, strlen(prefix));
}

/* Whether reply is the answer that makes b wait. */
static bool wait_answer(const ss_blocked *b, const char *reply, size_t len)
{
    /* Redis 7.0 keeps an XREAD waiting when its key became another type */
    if (b->read && b->woken && starts(reply, len, "-WRONGTYPE"))
        return true;
    if (b->stream)
        return starts(reply, len, SS_STREAM_WAIT_REPLY);
    return len == b->emptylen && !memcmp(reply, b->empty, len);
}

/* XREAD: "$" (and every ID) becomes what the read resolved, from the wait
 * answer " <id> <id>...\r\n"; false if it cannot (out of memory). */
static bool pin_ids(ss_blocked *b, const char *reply, size_t len)
{
    int first, n, t;
    stream_layout(b->a, &first, &n, &t);
    const char *p = reply + strlen(SS_STREAM_WAIT_REPLY), *end = reply + len;
    char **argv = malloc(sizeof *argv * (size_t)b->a->argc);
    size_t *lens = malloc(sizeof *lens * (size_t)b->a->argc);
    if (!argv || !lens) {
        free(argv);
        free(lens);
        return false;
    }
    memcpy(argv, b->a->argv, sizeof *argv * (size_t)b->a->argc);
    memcpy(lens, b->a->argvlen, sizeof *lens * (size_t)b->a->argc);
    for (int k = 0; k < n && p < end && *p == ' '; k++) {
        const char *id = ++p;
        while (p < end && *p != ' ' && *p != '\r')
            p++;
        argv[first + n + k] = (char *)id;
        lens[first + n + k] = (size_t)(p - id);
    }
    ss_args a = {b->a->argc, argv, lens};
    ss_args *copy = ss_args_copy(&a, 1);
    free(argv);
    free(lens);
    if (!copy)
        return false;
    free(b->a);
    b->a = copy;
    return true;
}

void ss_blocking_on_read(ss_engine *e, ss_blocked *b, const char *reply, size_t len)
{
    if (!wait_answer(b, reply, len)) {
        finish(e, b, reply, len);
        return;
    }
    if (starts(reply, len, SS_STREAM_WAIT_REPLY) && !pin_ids(b, reply, len)) {
        const char *oom = "-ERR internal error: out of memory\r\n";
        finish(e, b, oom, strlen(oom));
    } else if (b->deadline_ms && b->deadline_ms <= ss_clock_wall_ms()) {
        finish(e, b, b->timeout, strlen(b->timeout));
    } else {
        link_waiter(e, b);
    }
}

void ss_blocking_read_failed(ss_engine *e, ss_blocked *b, ss_reply_err_code code)
{
    ss_session *s = b->s;
    void *cookie = b->cookie;
    release(e, b);
    ss_engine_finish_error(e, s, cookie, code);
}

/* A woken XREADGROUP whose key or group went: Redis 7.0's words for a
 * blocked client (serveClientsBlockedOnStreamKey), not XREADGROUP's own. */
static const char *group_gone(const ss_blocked *b, const char *reply, size_t len, size_t *outlen)
{
    const char *r = NULL;
    if (b->stream && !b->read && b->woken) {
        if (starts(reply, len, "-WRONGTYPE"))
            r = "-UNBLOCKED the stream key no longer exists\r\n";
        else if (starts(reply, len, "-NOGROUP"))
            r = "-NOGROUP the consumer group this client was blocked on no longer exists\r\n";
    }
    if (r)
        *outlen = strlen(r);
    return r;
}

bool ss_blocking_on_reply(ss_engine *e, pending_write *p, const char *reply, size_t len)
{
    ss_blocked *b = p->block;
    p->block = NULL;
    size_t gone_len;
    const char *gone = group_gone(b, reply, len, &gone_len);
    if (gone) {
        reply = gone;
        len = gone_len;
    }
    if (!wait_answer(b, reply, len)) {
        /* popped (or an error): answered; the next waiter on its keys may
         * find what is left */
        int first, n, t;
        layout(b->a, &first, &n, &t);
        int db = b->db;
        ss_args *a = b->a;
        b->a = NULL;
        ss_session *s = b->s;
        bool stream = b->stream;
        release(e, b);
        p->done = true;
        e->node.stats.pending_writes--;
        ss_engine_finish_async(e, s, p->cookie, reply, len);
        /* stream waiters were all woken by the key's signal already */
        for (int i = first; i < first + n && !stream; i++)
            ss_blocking_ready(e, db, a->argv[i], a->argvlen[i]);
        free(a);
        return true;
    }
    /* nothing there (yet, or a lost race): wait, keeping the reply slot */
    p->done = true;
    e->node.stats.pending_writes--;
    if (b->deadline_ms && b->deadline_ms <= ss_clock_wall_ms())
        finish(e, b, b->timeout, strlen(b->timeout));
    else
        link_waiter(e, b);
    return true;
}

void ss_blocking_failed(ss_engine *e, pending_write *p)
{
    ss_blocked *b = p->block;
    p->block = NULL;
    release(e, b); /* the error goes to the client through the pending record */
}

void ss_blocking_ready(ss_engine *e, int db, const char *key, size_t klen)
{
    /* The first list or sorted-set waiter (one at a time per key: it wakes
     * the next when it pops), and every stream waiter, in order. */
    ss_blocked *pop = NULL;
    for (ss_blocked *b = e->blocked; b && !pop; b = b->next)
        if (!b->stream && waits_on(b, db, key, klen))
            pop = b;
    for (ss_blocked *b = e->blocked, *next; b; b = next) {
        next = b->next;
        if (b->stream && waits_on(b, db, key, klen))
            repropose(e, b);
    }
    if (pop)
        repropose(e, pop);
}

static bool is_group_waiter(const ss_blocked *b, int db)
{
    return b->stream && !b->read && (db < 0 || b->db == db);
}

void ss_blocking_stream_gone(ss_engine *e, int db, const char *key, size_t klen)
{
    static const char gone[] = "-UNBLOCKED the stream key no longer exists\r\n";
    for (ss_blocked *b = e->blocked, *next; b; b = next) {
        next = b->next;
        if (is_group_waiter(b, db) && (!key || waits_on(b, b->db, key, klen)))
            finish(e, b, gone, sizeof gone - 1);
    }
}

void ss_blocking_each_group_key(ss_engine *e, int db, void (*fn)(void *ud, int db, const char *key, size_t klen),
                                void *ud)
{
    for (ss_blocked *b = e->blocked; b; b = b->next) {
        if (!is_group_waiter(b, db))
            continue;
        int first, n, t;
        layout(b->a, &first, &n, &t);
        for (int i = first; i < first + n; i++)
            fn(ud, b->db, b->a->argv[i], b->a->argvlen[i]);
    }
}

/* The type a waiter's command pops or reads: list, sorted set or stream. */
static int wanted_type(const ss_blocked *b)
{
    if (b->stream)
        return SS_TYPE_STREAM;
    const char *name = b->a->argv[0];
    return (name[0] == 'b' || name[0] == 'B') && (name[1] == 'z' || name[1] == 'Z') ? SS_TYPE_ZSET
                                                                                  : SS_TYPE_LIST;
}

void ss_blocking_each_key(ss_engine *e, int db,
                          void (*fn)(void *ud, int db, const char *key, size_t klen, int want), void *ud)
{
    for (ss_blocked *b = e->blocked; b; b = b->next) {
        if (b->db != db)
            continue;
        int first, n, t;
        layout(b->a, &first, &n, &t);
        for (int i = first; i < first + n; i++)
            fn(ud, b->db, b->a->argv[i], b->a->argvlen[i], wanted_type(b));
    }
}

void ss_blocking_expire(ss_engine *e, int64_t now_ms)
{
    ss_blocked *b = e->blocked;
    while (b) {
        ss_blocked *next = b->next;
        if (b->deadline_ms && b->deadline_ms <= now_ms)
            finish(e, b, b->timeout, strlen(b->timeout));
        b = next;
    }
}

int ss_blocking_unblock(ss_engine *e, uint64_t id, bool error)
{
    for (ss_blocked *b = e->blocked; b; b = b->next) {
        if (b->s->id != id)
            continue;
        if (error) {
            const char *msg = "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n";
            finish(e, b, msg, strlen(msg));
        } else {
            finish(e, b, b->timeout, strlen(b->timeout));
        }
        return 1;
    }
    return 0;
}

void ss_blocking_leave(ss_engine *e, ss_session *s)
{
    for (ss_blocked *b = e->blocked; b; b = b->next) {
        if (b->s == s) {
            finish(e, b, b->timeout, strlen(b->timeout)); /* the closing connection drops it */
            return;
        }
    }
}
