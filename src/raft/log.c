/* The in-memory Raft log: a window of entries after a (snapshot) index and term. */
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

void rlog_init(rlog *l)
{
    memset(l, 0, sizeof *l);
}

void rlog_release(rlog *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->ents[l->head + i].data);
    free(l->ents);
    memset(l, 0, sizeof *l);
}

uint64_t rlog_first_index(const rlog *l)
{
    return l->snap_index + 1;
}

uint64_t rlog_last_index(const rlog *l)
{
    return l->snap_index + l->count;
}

uint64_t rlog_last_term(const rlog *l)
{
    return l->count == 0 ? l->snap_term : l->ents[l->head + l->count - 1].term;
}

raft_entry *rlog_get(const rlog *l, uint64_t index)
{
    if (index <= l->snap_index || index > rlog_last_index(l))
        return NULL;
    return &l->ents[l->head + (index - l->snap_index - 1)];
}

uint64_t rlog_term_at(const rlog *l, uint64_t index)
{
    if (index == l->snap_index)
        return l->snap_term;
    const raft_entry *e = rlog_get(l, index);
    return e != NULL ? e->term : 0;
}

/* Keeps entries contiguous (the ready hands out slices of ents[]); slides the
 * window back to the start of the array before growing it. */
static int reserve_one(rlog *l)
{
    if (l->head + l->count < l->cap)
        return SS_OK;
    if (l->head > 0 && l->head >= l->cap / 2) {
        memmove(l->ents, l->ents + l->head, l->count * sizeof *l->ents);
        l->head = 0;
        return SS_OK;
    }
    size_t cap = l->cap < 16 ? 16 : l->cap * 2;
    raft_entry *ents = realloc(l->ents, cap * sizeof *ents);
    if (ents == NULL)
        return SS_ENOMEM;
    l->ents = ents;
    l->cap = cap;
    return SS_OK;
}

int rlog_append(rlog *l, uint64_t term, uint8_t type, const void *data, size_t len)
{
    if (reserve_one(l) != SS_OK)
        return SS_ENOMEM;
    void *copy = NULL;
    if (len > 0) {
        copy = malloc(len);
        if (copy == NULL)
            return SS_ENOMEM;
        memcpy(copy, data, len);
    }
    raft_entry *e = &l->ents[l->head + l->count];
    e->index = rlog_last_index(l) + 1;
    e->term = term;
    e->type = type;
    e->data = copy;
    e->len = len;
    l->count++;
    return SS_OK;
}

void rlog_truncate_from(rlog *l, uint64_t index)
{
    while (l->count > 0 && rlog_last_index(l) >= index) {
        free(l->ents[l->head + l->count - 1].data);
        l->count--;
    }
}

void rlog_compact(rlog *l, uint64_t upto)
{
    while (l->count > 0 && l->snap_index < upto) {
        raft_entry *e = &l->ents[l->head];
        l->snap_term = e->term;
        l->snap_index = e->index;
        free(e->data);
        l->head++;
        l->count--;
    }
    if (l->count == 0)
        l->head = 0;
}

uint64_t rlog_last_of_term(const rlog *l, uint64_t term, uint64_t from)
{
    uint64_t i = from < rlog_last_index(l) ? from : rlog_last_index(l);
    for (; i > l->snap_index; i--) {
        uint64_t t = rlog_get(l, i)->term;
        if (t == term)
            return i;
        if (t < term)
            return 0; /* terms only grow along the log */
    }
    return (i == l->snap_index && l->snap_term == term) ? i : 0;
}

uint64_t rlog_first_of_term(const rlog *l, uint64_t index)
{
    uint64_t term = rlog_term_at(l, index);
    while (index > l->snap_index + 1 && rlog_term_at(l, index - 1) == term)
        index--;
    return index;
}
