/* A configuration as a value: lookups, and its encoded form (the data of a RAFT_ENTRY_CONFIG entry). */
#include <string.h>

#include "raft/internal.h"

/*
 * Layout (version 1), varints as in codec.c:
 *   u8 version
 *   varint n, then n x (varint id, u8 flags (1 voter, 2 promote), varint addr length, addr)
 *   varint n_removed, then n_removed x varint id
 */
#define CONF_VERSION 1
enum { CF_VOTER = 1, CF_PROMOTE = 2 };

const raft_member *raft_conf_find(const raft_conf *c, uint64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->members[i].id == id)
            return &c->members[i];
    return NULL;
}

size_t raft_conf_voters(const raft_conf *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->members[i].role == RAFT_VOTER;
    return n;
}

bool raft_conf_removed(const raft_conf *c, uint64_t id)
{
    for (size_t i = 0; i < c->n_removed; i++)
        if (c->removed[i] == id)
            return true;
    return false;
}

int raft_conf_encode(const raft_conf *c, uint8_t *buf, size_t cap, size_t *len_out)
{
    if (c->n > RAFT_MAX_MEMBERS || c->n_removed > RAFT_MAX_REMOVED || cap < RAFT_CONF_MAX_ENCODED)
        return SS_EINVAL;
    uint8_t *p = buf;
    *p++ = CONF_VERSION;
    p = raft_put_varint(p, c->n);
    for (size_t i = 0; i < c->n; i++) {
        const raft_member *m = &c->members[i];
        size_t alen = strnlen(m->addr, RAFT_ADDR_MAX);
        p = raft_put_varint(p, m->id);
        *p++ = (uint8_t)((m->role == RAFT_VOTER ? CF_VOTER : 0) | (m->promote ? CF_PROMOTE : 0));
        p = raft_put_varint(p, alen);
        memcpy(p, m->addr, alen);
        p += alen;
    }
    p = raft_put_varint(p, c->n_removed);
    for (size_t i = 0; i < c->n_removed; i++)
        p = raft_put_varint(p, c->removed[i]);
    *len_out = (size_t)(p - buf);
    return SS_OK;
}

static int decode_member(const uint8_t **p, const uint8_t *end, raft_member *m)
{
    uint64_t id, alen;
    if (raft_get_varint(p, end, &id) != SS_OK || id == 0 || *p >= end)
        return SS_EPROTO;
    uint8_t flags = *(*p)++;
    if ((flags & ~(CF_VOTER | CF_PROMOTE)) != 0 || flags == (CF_VOTER | CF_PROMOTE))
        return SS_EPROTO; /* a voter has nothing left to be promoted to */
    if (raft_get_varint(p, end, &alen) != SS_OK || alen > RAFT_ADDR_MAX ||
        alen > (uint64_t)(end - *p) || memchr(*p, '\0', alen) != NULL)
        return SS_EPROTO;
    memset(m, 0, sizeof *m);
    m->id = id;
    m->role = (flags & CF_VOTER) ? RAFT_VOTER : RAFT_LEARNER;
    m->promote = flags & CF_PROMOTE;
    memcpy(m->addr, *p, alen);
    *p += alen;
    return SS_OK;
}

int raft_conf_decode(const void *buf, size_t len, raft_conf *c)
{
    c->n = c->n_removed = 0;
    if (len == 0) /* buf may be NULL then: no pointer arithmetic on it */
        return SS_EPROTO;
    const uint8_t *p = buf, *end = p + len;
    uint64_t n, nr;
    if (*p++ != CONF_VERSION || raft_get_varint(&p, end, &n) != SS_OK ||
        n > RAFT_MAX_MEMBERS)
        return SS_EPROTO;
    for (size_t i = 0; i < n; i++) {
        if (decode_member(&p, end, &c->members[i]) != SS_OK ||
            raft_conf_find(c, c->members[i].id) != NULL)
            return SS_EPROTO;
        c->n = i + 1;
    }
    if (raft_get_varint(&p, end, &nr) != SS_OK || nr > RAFT_MAX_REMOVED)
        return SS_EPROTO;
    for (size_t i = 0; i < nr; i++) {
        uint64_t id;
        if (raft_get_varint(&p, end, &id) != SS_OK || id == 0 || raft_conf_find(c, id) != NULL ||
            raft_conf_removed(c, id))
            return SS_EPROTO;
        c->removed[c->n_removed++] = id;
    }
    return p == end ? SS_OK : SS_EPROTO;
}
