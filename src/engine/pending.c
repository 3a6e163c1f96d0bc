/* Writes waiting for their entry to be applied on this node: a ring ordered by request number, completed by apply, failed by timeouts and leader changes. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "engine/engine_internal.h"

#define MAX_PENDING_WRITES (1u << 20)

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

/* A watched EXEC with SELECTs answered: the connection moves to the db they
 * chose if it ran (any reply but the null of an abort or an error). */
static void settle_exec_db(pending_write *p, const char *reply, size_t len)
{
    if (p->exec_db < 0 || p->s == NULL)
        return;
    bool ran = len > 0 && reply[0] == '*' && !(len >= 3 && !memcmp(reply, "*-1", 3));
    if (ran)
        p->s->db = p->exec_db;
    p->s->exec_db_wait = false;
    p->exec_db = -1;
}

static void finish(ss_engine *e, pending_write *p, const char *reply, size_t len)
{
    settle_exec_db(p, reply, len);
    p->done = true;
    e->node.stats.pending_writes--;
    ss_engine_finish_async(e, p->s, p->cookie, reply, len);
}

void ss_pending_finish_err(ss_engine *e, pending_write *p, ss_reply_err_code code)
{
    if (p->block)
        ss_blocking_failed(e, p);
    settle_exec_db(p, "", 0);
    p->done = true;
    e->node.stats.pending_writes--;
    ss_engine_finish_error(e, p->s, p->cookie, code);
}

void ss_pending_complete(ss_engine *e, uint64_t seq, const char *reply, size_t len)
{
    pending_write *p = pw_find(e, seq);
    if (p) {
        if (p->block) {
            ss_blocking_on_reply(e, p, reply, len);
        } else {
            ss_hist_observe(&e->commit_ns, ss_clock_mono_ns() - p->start_ns);
            finish(e, p, reply, len);
        }
        pw_trim(e);
    }
}

void ss_pending_fail_all(ss_engine *e, ss_reply_err_code code, bool handed_only)
{
    for (size_t i = 0; i < e->pw_len; i++) {
        pending_write *p = pw_at(e, i);
        if (!p->done && (!handed_only || p->handed))
            ss_pending_finish_err(e, p, code);
    }
    pw_trim(e);
}

void ss_pending_hurry_handed(ss_engine *e, int64_t deadline_ms)
{
    for (size_t i = 0; i < e->pw_len; i++) {
        pending_write *p = pw_at(e, i);
        if (!p->done && p->handed && p->deadline_ms > deadline_ms)
            p->deadline_ms = deadline_ms;
    }
}

void ss_pending_expire(ss_engine *e, int64_t now_ms)
{
    for (size_t i = 0; i < e->pw_len; i++) {
        pending_write *p = pw_at(e, i);
        if (!p->done && p->deadline_ms <= now_ms) {
            LOG_VERBOSE("engine: write %llu timed out waiting for commit; answering TRYAGAIN",
                        (unsigned long long)p->seq);
            ss_pending_finish_err(e, p, RERR_TIMEOUT);
        }
    }
    pw_trim(e);
}


bool ss_pending_add(ss_engine *e, uint64_t seq, ss_session *s, int64_t deadline_ms)
{
    if (!pw_push(e, (pending_write){.seq = seq, .s = s, .deadline_ms = deadline_ms, .proto = s->proto,
                                  .start_ns = ss_clock_mono_ns(), .exec_db = -1}))
        return false;
    e->node.stats.pending_writes++;
    return true;
}

pending_write *ss_pending_find(ss_engine *e, uint64_t seq) { return pw_find(e, seq); }
pending_write *ss_pending_last(ss_engine *e) { return pw_at(e, e->pw_len - 1); }
