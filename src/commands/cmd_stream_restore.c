/* RESTORE of a stream: a decoded Redis payload (rdb_load_stream.c) written in the stream layout of cmd_stream.h, its entries appended in order, its groups with their PELs and consumers. */
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"
#include "commands/rdb.h"

/* Node i of the payload as macro node i + 1, as Redis had it. */
static int put_node(ss_exec_ctx *ctx, stream *s, const ss_rdb_value *v, size_t i)
{
    const ss_rdb_snode *rn = &v->stream->nodes[i];
    snode n = {.seq = i + 1, .master = {rn->master_ms, rn->master_seq}, .last = {rn->last_ms, rn->last_seq},
               .live = rn->live, .deleted = rn->deleted, .bytes = rn->bytes, .nfields = rn->nfields};
    for (uint32_t f = 0; f < rn->nfields; f++)
        n.fields_len += 4 + ss_strvec_at(&v->items, rn->fields + f).len;
    n.fields = n.fields_len ? malloc(n.fields_len) : NULL;
    if (n.fields_len && !n.fields)
        return SS_ENOMEM;
    unsigned char *p = n.fields;
    for (uint32_t f = 0; f < rn->nfields; f++) {
        ss_slice x = ss_strvec_at(&v->items, rn->fields + f);
        put_u32(p, (uint32_t)x.len);
        memcpy(p + 4, x.data, x.len);
        p += 4 + x.len;
    }
    int rc = snode_put(ctx, s, &n);
    free(n.fields);
    return rc;
}

static int put_entries(ss_exec_ctx *ctx, stream *s, const ss_rdb_value *v)
{
    const ss_rdb_stream *rs = v->stream;
    int rc = SS_OK;
    for (size_t i = 0; i < rs->nnodes && rc == SS_OK; i++)
        rc = put_node(ctx, s, v, i);
    s->tail_node = rs->nnodes;
    char **argv = NULL;
    size_t *lens = NULL, cap = 0;
    for (size_t i = 0; i < rs->nentries && rc == SS_OK; i++) {
        const ss_rdb_sentry *e = &rs->entries[i];
        size_t n = 2 * (size_t)e->nfields;
        if (n > cap) {
            char **a2 = realloc(argv, n * sizeof *a2);
            if (a2)
                argv = a2;
            size_t *l2 = a2 ? realloc(lens, n * sizeof *l2) : NULL;
            if (!l2) {
                rc = SS_ENOMEM;
                break;
            }
            lens = l2;
            cap = n;
        }
        for (size_t j = 0; j < n; j++) {
            ss_slice x = ss_strvec_at(&v->items, e->first + j);
            argv[j] = (char *)x.data;
            lens[j] = x.len;
        }
        ss_args a = {(int)n, argv, lens};
        rc = stream_put_entry(ctx, s, (sid){e->ms, e->seq}, e->node + 1, &a, 0, (int)e->nfields);
        s->k.meta.count++;
    }
    free(argv);
    free(lens);
    return rc;
}

static int put_group(ss_exec_ctx *ctx, stream *s, const ss_rdb_value *v, const ss_rdb_sgroup *rg)
{
    ss_slice name = ss_strvec_at(&v->items, rg->name);
    sid last = {rg->last_ms, rg->last_seq};
    sgroup g = {.name = name.data, .nlen = name.len, .last_id = last, .entries_read = rg->entries_read};
    if (v->rdbtype == SS_RDB_TYPE_STREAM_LISTPACKS)
        g.entries_read = stream_estimate_distance(s, last); /* as Redis 7.0 loads a 6.2 group */
    int rc = sgroup_create(ctx, s, &g);
    sconsumer *cs = rg->nconsumers ? calloc(rg->nconsumers, sizeof *cs) : NULL;
    if (rg->nconsumers && !cs)
        return SS_ENOMEM;
    for (size_t i = 0; i < rg->nconsumers; i++) {
        ss_slice cn = ss_strvec_at(&v->items, rg->consumers[i].name);
        cs[i] = (sconsumer){.name = cn.data, .nlen = cn.len, .seen_time = rg->consumers[i].seen_time};
        g.consumers++;
    }
    for (size_t i = 0; i < rg->npel && rc == SS_OK; i++) {
        const ss_rdb_snack *k = &rg->pel[i];
        snack n = {.delivery_time = k->delivery_time, .delivery_count = k->delivery_count};
        rc = spel_claim(ctx, s, &g, &cs[k->consumer], (sid){k->ms, k->seq}, &n, false);
    }
    for (size_t i = 0; i < rg->nconsumers && rc == SS_OK; i++)
        rc = sconsumer_put(ctx, s, &g, &cs[i]);
    free(cs);
    return rc == SS_OK ? sgroup_put(ctx, s, &g) : rc;
}

int stream_restore(ss_exec_ctx *ctx, ss_key *k, const ss_rdb_value *v, uint64_t expire_ms)
{
    const ss_rdb_stream *rs = v->stream;
    stream s;
    memset(&s, 0, sizeof s);
    s.k = *k;
    stream_create(ctx, &s);
    s.k.meta.expire_ms = expire_ms;
    int rc = put_entries(ctx, &s, v);
    if (rc != SS_OK)
        return rc;
    /* what the payload says, over what the appends computed */
    s.last_id = (sid){rs->last_ms, rs->last_seq};
    s.entries_added = rs->entries_added;
    s.first_id = (sid){rs->first_ms, rs->first_seq};
    s.max_deleted = (sid){rs->maxdel_ms, rs->maxdel_seq};
    s.info_dirty = true;
    for (size_t i = 0; i < rs->ngroups && rc == SS_OK; i++)
        rc = put_group(ctx, &s, v, &rs->groups[i]);
    if (rc == SS_OK)
        rc = stream_save(ctx, &s);
    *k = s.k;
    return rc;
}
