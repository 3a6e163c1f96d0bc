/* Wire format of Raft messages: versioned, compact (LEB128 varints), bounds-checked. */
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

/*
 * Layout (version 1):
 *   u8 version, u8 type, u8 flags (1 reject, 2 pre_vote, 4 transfer, 8 done,
 *   16 notice: a commit notice, added later; an older decoder refuses it),
 *   varint from, to, term, then by type:
 *   APPEND           prev_index prev_term commit read_seq n, n x (term, u8 type, len, bytes)
 *   APPEND_RESP      index hint_index hint_term read_seq
 *   VOTE             last_index last_term
 *   READ_INDEX       ctx
 *   READ_INDEX_RESP  ctx index
 *   SNAPSHOT         snap_index snap_term offset len, len bytes
 *   SNAPSHOT_RESP    snap_index snap_term offset index
 *   VOTE_RESP, TIMEOUT_NOW: nothing more.
 * SNAPSHOT and SNAPSHOT_RESP were added to version 1 without changing the
 * other types: an older decoder refuses them as an unknown type (SS_EPROTO).
 * Varints are little-endian base 128 (7 bits a byte, high bit = more).
 */

enum { F_REJECT = 1, F_PRE_VOTE = 2, F_TRANSFER = 4, F_DONE = 8, F_NOTICE = 16, F_ALL = 31 };

const char *raft_msg_type_name(int type)
{
    static const char *const names[] = {
        "?", "AppendEntries", "AppendEntriesResult", "RequestVote", "RequestVoteResult",
        "TimeoutNow", "ReadIndex", "ReadIndexResult", "InstallSnapshot", "InstallSnapshotResult",
    };
    return type > 0 && type < RAFT_MSG_TYPE_END ? names[type] : "?";
}

size_t raft_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

uint8_t *raft_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

int raft_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q >= end)
            return SS_EPROTO;
        uint8_t c = *q++;
        if (shift == 63 && c > 1)
            return SS_EPROTO; /* more than 64 bits */
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            *p = q;
            return SS_OK;
        }
    }
    return SS_EPROTO;
}

typedef struct {
    uint8_t *p, *end;
} wbuf;

static void put_u8(wbuf *w, uint8_t v)
{
    *w->p++ = v;
}

static void put_var(wbuf *w, uint64_t v)
{
    w->p = raft_put_varint(w->p, v);
}

/* The fields after the header, by type, as a list both directions share. */
static size_t fields(const raft_msg *m, const uint64_t *out[6])
{
    switch (m->type) {
    case RAFT_MSG_APPEND:
        out[0] = &m->prev_index, out[1] = &m->prev_term, out[2] = &m->commit,
        out[3] = &m->read_seq;
        return 4;
    case RAFT_MSG_APPEND_RESP:
        out[0] = &m->index, out[1] = &m->hint_index, out[2] = &m->hint_term,
        out[3] = &m->read_seq;
        return 4;
    case RAFT_MSG_VOTE:
        out[0] = &m->last_index, out[1] = &m->last_term;
        return 2;
    case RAFT_MSG_READ_INDEX:
        out[0] = &m->ctx;
        return 1;
    case RAFT_MSG_READ_INDEX_RESP:
        out[0] = &m->ctx, out[1] = &m->index;
        return 2;
    case RAFT_MSG_SNAPSHOT:
        out[0] = &m->snap_index, out[1] = &m->snap_term, out[2] = &m->offset;
        return 3;
    case RAFT_MSG_SNAPSHOT_RESP:
        out[0] = &m->snap_index, out[1] = &m->snap_term, out[2] = &m->offset,
        out[3] = &m->index;
        return 4;
    }
    return 0;
}

size_t raft_msg_encoded_size(const raft_msg *m)
{
    const uint64_t *f[6];
    size_t n = 3 + raft_varint_size(m->from) + raft_varint_size(m->to) + raft_varint_size(m->term);
    size_t nf = fields(m, f);
    for (size_t i = 0; i < nf; i++)
        n += raft_varint_size(*f[i]);
    if (m->type == RAFT_MSG_APPEND) {
        n += raft_varint_size(m->n_entries);
        for (size_t i = 0; i < m->n_entries; i++)
            n += raft_varint_size(m->entries[i].term) + 1 + raft_varint_size(m->entries[i].len) +
                 m->entries[i].len;
    }
    if (m->type == RAFT_MSG_SNAPSHOT)
        n += raft_varint_size(m->len) + m->len;
    return n;
}

int raft_msg_encode(const raft_msg *m, uint8_t *buf, size_t cap, size_t *len_out)
{
    if (m->type < RAFT_MSG_APPEND || m->type >= RAFT_MSG_TYPE_END)
        return SS_EINVAL;
    size_t need = raft_msg_encoded_size(m);
    if (need > cap)
        return SS_ETOOBIG;
    wbuf w = { buf, buf + cap };
    put_u8(&w, RAFT_CODEC_VERSION);
    put_u8(&w, m->type);
    put_u8(&w, (uint8_t)((m->reject ? F_REJECT : 0) | (m->pre_vote ? F_PRE_VOTE : 0) |
                         (m->transfer ? F_TRANSFER : 0) | (m->done ? F_DONE : 0) |
                         (m->notice ? F_NOTICE : 0)));
    put_var(&w, m->from);
    put_var(&w, m->to);
    put_var(&w, m->term);
    const uint64_t *f[6];
    size_t nf = fields(m, f);
    for (size_t i = 0; i < nf; i++)
        put_var(&w, *f[i]);
    if (m->type == RAFT_MSG_APPEND) {
        put_var(&w, m->n_entries);
        for (size_t i = 0; i < m->n_entries; i++) {
            const raft_entry *e = &m->entries[i];
            put_var(&w, e->term);
            put_u8(&w, e->type);
            put_var(&w, e->len);
            if (e->len > 0)
                memcpy(w.p, e->data, e->len);
            w.p += e->len;
        }
    }
    if (m->type == RAFT_MSG_SNAPSHOT) {
        put_var(&w, m->len);
        if (m->len > 0)
            memcpy(w.p, m->data, m->len);
        w.p += m->len;
    }
    *len_out = (size_t)(w.p - buf);
    return SS_OK;
}

typedef struct {
    const uint8_t *p, *end;
} rbuf;

static int get_u8(rbuf *b, uint8_t *v)
{
    if (b->p >= b->end)
        return SS_EPROTO;
    *v = *b->p++;
    return SS_OK;
}

static int get_var(rbuf *b, uint64_t *v)
{
    return raft_get_varint(&b->p, b->end, v);
}

static int decode_entries(rbuf *b, raft_msg *m, raft_entry *room)
{
    uint64_t n;
    if (get_var(b, &n) != SS_OK)
        return SS_EPROTO;
    /* Each entry takes at least 3 bytes: bound n before allocating; and at
     * most RAFT_MAX_MSG_ENTRIES of them, so the array's 40 bytes an entry
     * stay a small, fixed cost next to the buffer the data points into. */
    if (n > (uint64_t)(b->end - b->p) / 3 || m->prev_index > UINT64_MAX - n)
        return SS_EPROTO;
    if (n > RAFT_MAX_MSG_ENTRIES)
        return SS_ETOOBIG;
    if (n == 0)
        return SS_OK;
    m->entries = room ? room : calloc(n, sizeof *m->entries);
    if (m->entries == NULL)
        return SS_ENOMEM;
    m->n_entries = n;
    for (size_t i = 0; i < n; i++) {
        raft_entry *e = &m->entries[i];
        uint64_t len;
        if (get_var(b, &e->term) != SS_OK || get_u8(b, &e->type) != SS_OK ||
            get_var(b, &len) != SS_OK || len > (uint64_t)(b->end - b->p))
            return SS_EPROTO;
        e->index = m->prev_index + 1 + i;
        e->len = len;
        e->data = len > 0 ? (void *)b->p : NULL;
        b->p += len;
    }
    return SS_OK;
}

static int decode_chunk(rbuf *b, raft_msg *m)
{
    uint64_t len;
    if (get_var(b, &len) != SS_OK || len > (uint64_t)(b->end - b->p) ||
        m->offset > UINT64_MAX - len)
        return SS_EPROTO;
    m->len = len;
    m->data = len > 0 ? b->p : NULL;
    b->p += len;
    return SS_OK;
}

static int decode(const uint8_t *buf, size_t len, raft_msg *m, raft_entry *room)
{
    memset(m, 0, sizeof *m);
    rbuf b = { buf, buf + len };
    uint8_t version, type, flags;
    if (get_u8(&b, &version) != SS_OK || version != RAFT_CODEC_VERSION ||
        get_u8(&b, &type) != SS_OK || type < RAFT_MSG_APPEND || type >= RAFT_MSG_TYPE_END ||
        get_u8(&b, &flags) != SS_OK || (flags & ~F_ALL) != 0)
        return SS_EPROTO;
    m->type = type;
    m->reject = flags & F_REJECT;
    m->pre_vote = flags & F_PRE_VOTE;
    m->transfer = flags & F_TRANSFER;
    m->done = flags & F_DONE;
    m->notice = flags & F_NOTICE;
    if (get_var(&b, &m->from) != SS_OK || get_var(&b, &m->to) != SS_OK ||
        get_var(&b, &m->term) != SS_OK)
        return SS_EPROTO;
    const uint64_t *f[6];
    size_t nf = fields(m, f);
    for (size_t i = 0; i < nf; i++)
        if (get_var(&b, (uint64_t *)f[i]) != SS_OK)
            return SS_EPROTO;
    int rv = SS_OK;
    if (type == RAFT_MSG_APPEND)
        rv = decode_entries(&b, m, room);
    else if (type == RAFT_MSG_SNAPSHOT)
        rv = decode_chunk(&b, m);
    if (rv == SS_OK && b.p != b.end)
        rv = SS_EPROTO; /* trailing bytes */
    if (rv != SS_OK && room) {
        m->entries = NULL; /* the caller's */
        m->n_entries = 0;
    } else if (rv != SS_OK) {
        raft_msg_release(m);
    }
    return rv;
}

int raft_msg_decode(const uint8_t *buf, size_t len, raft_msg *m)
{
    return decode(buf, len, m, NULL);
}

int raft_msg_decode_into(const uint8_t *buf, size_t len, raft_msg *m, raft_entry *room)
{
    return decode(buf, len, m, room);
}

void raft_msg_release(raft_msg *m)
{
    free(m->entries);
    m->entries = NULL;
    m->n_entries = 0;
}
