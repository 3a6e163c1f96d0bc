/* A client connection's command state. */
#include "commands/session.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"

void ss_session_init(ss_session *s, uint64_t id, bool authenticated)
{
    memset(s, 0, sizeof *s);
    s->id = id;
    s->proto = RESP2;
    s->authenticated = authenticated;
    s->created_ms = ss_clock_wall_ms();
    s->last_interaction_ms = s->created_ms;
    snprintf(s->last_cmd, sizeof s->last_cmd, "NULL");
}

void ss_session_describe(const ss_session *s, const ss_conn_info *conn, char *line, size_t size)
{
    int64_t now = ss_clock_wall_ms();
    /* The queued commands' argument bytes and the queue's slots (two pointers). */
    size_t multi_mem = s->queued_bytes + (size_t)s->queued_cap * 2 * sizeof(void *);
    char fd[32] = "", bufs[384] = "";
    if (conn) {
        snprintf(fd, sizeof fd, " fd=%d", conn->fd);
        snprintf(bufs, sizeof bufs,
                 " qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=%zu obl=%zu oll=%zu "
                 "omem=%zu tot-mem=%zu events=%s",
                 conn->qbuf, conn->qbuf_free, conn->argv_mem, multi_mem, conn->rbs, conn->rbp, conn->obl,
                 conn->oll, conn->omem, conn->tot_mem + multi_mem, conn->events);
    }
    /* Redis's flag letters, in its order: P pub/sub, x MULTI, b blocked,
     * t tracking, R broken redirect, B broadcast, r READONLY, e no-evict;
     * N none. */
    char flags[16];
    int nf = 0;
    if (s->monitor)
        flags[nf++] = 'O';
    if (s->subscribed)
        flags[nf++] = 'P';
    if (s->in_multi)
        flags[nf++] = 'x';
    if (s->blocked)
        flags[nf++] = 'b';
    if (s->tracking & SS_TRACK_ON)
        flags[nf++] = 't';
    if (s->tracking & SS_TRACK_BROKEN_REDIR)
        flags[nf++] = 'R';
    if (s->tracking & SS_TRACK_BCAST)
        flags[nf++] = 'B';
    if (s->readonly)
        flags[nf++] = 'r';
    if (s->no_evict)
        flags[nf++] = 'e';
    if (nf == 0)
        flags[nf++] = 'N';
    flags[nf] = '\0';
    snprintf(line, size,
             "id=%llu addr=%s laddr=%s%s name=%s age=%lld idle=%lld flags=%s db=%d sub=%u psub=%u "
             "ssub=%u multi=%d%s cmd=%s user=%.*s redir=%lld resp=%d lib-name=%s lib-ver=%s",
             (unsigned long long)s->id, s->addr, s->laddr, fd, s->name,
             (long long)((now - s->created_ms) / 1000), (long long)((now - s->last_interaction_ms) / 1000),
             flags, s->db, s->subscribed_kind[0], s->subscribed_kind[1], s->subscribed_kind[2],
             s->in_multi ? s->nqueued : -1, bufs, s->last_cmd, s->user ? (int)(s->user_len > 128 ? 128 : s->user_len) : 7,
             s->user ? s->user : "default", (s->tracking & SS_TRACK_ON) ? (long long)s->tracking_redirect : -1LL, (int)s->proto, s->lib_name, s->lib_ver);
}

int ss_client_type_by_name(const char *name)
{
    if (!strcasecmp(name, "normal"))
        return SS_CLIENT_TYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica"))
        return SS_CLIENT_TYPE_REPLICA;
    if (!strcasecmp(name, "pubsub"))
        return SS_CLIENT_TYPE_PUBSUB;
    if (!strcasecmp(name, "master"))
        return SS_CLIENT_TYPE_MASTER;
    return -1;
}

int ss_session_type(const ss_session *s)
{
    return s->subscribed ? SS_CLIENT_TYPE_PUBSUB : SS_CLIENT_TYPE_NORMAL;
}

bool ss_session_matches(const ss_session *s, const ss_client_filter *f, const ss_session *self)
{
    if (f->addr && strcmp(s->addr, f->addr) != 0)
        return false;
    if (f->laddr && strcmp(s->laddr, f->laddr) != 0)
        return false;
    if (f->type != -1 && ss_session_type(s) != f->type)
        return false;
    if (f->id && s->id != f->id)
        return false;
    if (f->user) {
        const char *u = s->user ? s->user : "default";
        size_t ulen = s->user ? s->user_len : 7;
        if (strlen(f->user) != ulen || memcmp(f->user, u, ulen) != 0)
            return false;
    }
    if (f->skipme && s == self)
        return false;
    if (f->maxage > 0 && (ss_clock_wall_ms() - s->created_ms) / 1000 < f->maxage)
        return false;
    return true;
}
