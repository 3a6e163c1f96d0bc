/* HyperLogLog commands: PFADD PFCOUNT PFMERGE, on string values in Redis's own format (commands/hll.h). */
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/hll.h"
#include "commands/keyhelpers.h"

/*
 * One difference from Redis, by design: Redis's PFCOUNT of one key writes
 * the estimate it computed back into the value's header (a read that
 * changes state, replicated as a write). Here PFCOUNT is a read and leaves
 * the value as it is; a stale cache is recomputed on every PFCOUNT. The
 * registers, hence every estimate, are the same; only the 8 cache bytes of
 * a value that was counted may differ from Redis's.
 */

/* Opens key i as a HyperLogLog: SS_FOUND with its bytes in k->value,
 * SS_MISSING, or SS_REPLIED (not a string, or not an HLL). */
static ss_lookup open_hll(ss_exec_ctx *ctx, const ss_args *a, int i, ss_key *k)
{
    ss_lookup found = ss_key_open(ctx, a, i, SS_TYPE_STRING, k);
    if (found == SS_FOUND && !ss_hll_is_hll(k->value.data, k->value.len)) {
        ss_reply_err(ctx->out, RERR_HLL_WRONGTYPE);
        return SS_REPLIED;
    }
    return found;
}

/* Stores h as key k (its expiry kept) and raises pfadd's events. */
static bool save_hll(ss_exec_ctx *ctx, const ss_key *k, bool existed, const ss_hll *h)
{
    int rc = ss_str_store(ctx, ctx->db, k->name, k->len, h->p, h->len, existed ? k->meta.expire_ms : 0);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return false;
    }
    ss_exec_modified(ctx, k->name, k->len);
    ss_exec_notify(ctx, SS_NOTIFY_STRING, "pfadd", k->name, k->len);
    return true;
}

/* PFADD key [element ...]: 1 when the key was created or a register grew. */
static void pfaddExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = open_hll(ctx, a, 1, &k);
    if (found == SS_REPLIED)
        return;
    ss_hll h;
    bool ok = found == SS_FOUND ? ss_hll_init_copy(&h, k.value.data, k.value.len) : ss_hll_init_empty(&h);
    if (!ok) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    int updated = found == SS_MISSING, rc = SS_HLL_UNCHANGED;
    for (int j = 2; j < a->argc && rc >= 0; j++) {
        rc = ss_hll_add(&h, a->argv[j], a->argvlen[j]);
        updated += rc == SS_HLL_CHANGED;
    }
    if (rc == SS_HLL_ENOMEM) {
        ss_exec_fail(ctx, SS_ENOMEM);
    } else if (rc == SS_HLL_INVALID) {
        /* Redis has changed the value in place up to the corrupt opcode. */
        if (updated && !save_hll(ctx, &k, found == SS_FOUND, &h)) {
            ss_hll_release(&h);
            return;
        }
        ss_reply_err(ctx->out, RERR_HLL_INVALID);
    } else if (updated) {
        ss_hll_invalidate(&h);
        if (save_hll(ctx, &k, found == SS_FOUND, &h))
            resp_add_shared(ctx->out, RESP_SH_CONE);
    } else {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    }
    ss_hll_release(&h);
}

/* Merges the HLLs of keys [from, argc) into max; false when it replied.
 * *dense says whether one of them is dense. */
static bool merge_keys(ss_exec_ctx *ctx, const ss_args *a, int from, uint8_t *max, bool *dense)
{
    *dense = false;
    for (int j = from; j < a->argc; j++) {
        ss_key k;
        ss_lookup found = open_hll(ctx, a, j, &k);
        if (found == SS_REPLIED)
            return false;
        if (found == SS_MISSING)
            continue; /* an empty HLL */
        *dense |= k.value.data[4] == SS_HLL_DENSE;
        if (!ss_hll_merge(max, k.value.data, k.value.len)) {
            ss_reply_err(ctx->out, RERR_HLL_INVALID);
            return false;
        }
    }
    return true;
}

/* PFCOUNT key [key ...]: one key's estimate (its cache when fresh), or the
 * estimate of the union of several. */
static void pfcountExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (a->argc > 2) {
        uint8_t *max = calloc(1, SS_HLL_REGISTERS);
        bool dense;
        if (max == NULL)
            ss_exec_fail(ctx, SS_ENOMEM);
        else if (merge_keys(ctx, a, 1, max, &dense))
            resp_add_int(ctx->out, (long long)ss_hll_count_raw(max));
        free(max);
        return;
    }
    ss_key k;
    ss_lookup found = open_hll(ctx, a, 1, &k);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if (found != SS_FOUND)
        return;
    uint64_t card;
    bool invalid = false;
    if (!ss_hll_cached(k.value.data, &card))
        card = ss_hll_count(k.value.data, k.value.len, &invalid);
    if (invalid)
        ss_reply_err(ctx->out, RERR_HLL_INVALID);
    else
        resp_add_int(ctx->out, (long long)card);
}

/* PFMERGE destkey [sourcekey ...]: destkey (a source too) becomes the
 * union, dense when any source is. */
static void pfmergeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    uint8_t *max = calloc(1, SS_HLL_REGISTERS);
    bool dense;
    if (max == NULL) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    if (!merge_keys(ctx, a, 1, max, &dense)) {
        free(max);
        return;
    }
    ss_key k;
    ss_lookup found = open_hll(ctx, a, 1, &k); /* checked by the merge */
    ss_hll h;
    bool ok = found == SS_FOUND    ? ss_hll_init_copy(&h, k.value.data, k.value.len)
              : found == SS_MISSING ? ss_hll_init_empty(&h)
                                    : false;
    if (!ok) {
        if (found != SS_REPLIED)
            ss_exec_fail(ctx, SS_ENOMEM);
        free(max);
        return;
    }
    int rc = dense ? ss_hll_to_dense(&h) : SS_HLL_UNCHANGED;
    for (long j = 0; j < SS_HLL_REGISTERS && rc >= 0; j++)
        if (max[j] != 0)
            rc = ss_hll_set(&h, j, max[j]);
    free(max);
    if (rc == SS_HLL_INVALID) {
        ss_reply_err(ctx->out, RERR_HLL_INVALID);
    } else if (rc == SS_HLL_ENOMEM) {
        ss_exec_fail(ctx, SS_ENOMEM);
    } else {
        ss_hll_invalidate(&h);
        if (save_hll(ctx, &k, found == SS_FOUND, &h))
            resp_add_shared(ctx->out, RESP_SH_OK);
    }
    ss_hll_release(&h);
}

const ss_command ss_cmds_hll[] = {
    SS_WRITE("pfadd", -2, CMD_DENYOOM | CMD_FAST, ACL_HYPERLOGLOG, pfaddExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    /* Redis flags the keys RW: its PFCOUNT may rewrite the cache (see above). */
    SS_READ("pfcount", -2, 0, ACL_HYPERLOGLOG, pfcountExec, .keys = {KEYS_TO_END(1, 1, KS_RW | KS_ACCESS)}),
    SS_WRITE("pfmerge", -2, CMD_DENYOOM, ACL_HYPERLOGLOG, pfmergeExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_INSERT), KEYS_TO_END(2, 1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_hll);
