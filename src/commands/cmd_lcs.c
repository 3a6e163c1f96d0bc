/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence of two strings, as Redis 7.0's lcsCommand. */
#include <stdint.h>
#include <stdlib.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"

/*
 * The classic dynamic programming table of LCS lengths, (alen+1)*(blen+1)
 * 32-bit cells, refused as Redis refuses it when it would exceed the
 * default proto-max-bulk-len (512 MB), then walked back from the end to
 * build the subsequence and its matching ranges, in Redis's order (from the
 * end of the strings to their start).
 */

#define LCS_MAX_TABLE ((unsigned long long)RESP_MAX_BULK_LEN_DEFAULT)

typedef struct lcs_opts {
    bool len, idx, withmatchlen;
    long long minmatchlen;
} lcs_opts;

static bool parse_opts(ss_exec_ctx *ctx, const ss_args *a, lcs_opts *o)
{
    *o = (lcs_opts){0};
    for (int j = 3; j < a->argc; j++) {
        int more = a->argc - 1 - j;
        if (ss_arg_is(a, j, "idx")) {
            o->idx = true;
        } else if (ss_arg_is(a, j, "len")) {
            o->len = true;
        } else if (ss_arg_is(a, j, "withmatchlen")) {
            o->withmatchlen = true;
        } else if (ss_arg_is(a, j, "minmatchlen") && more) {
            if (!ss_arg_ll_or_reply(ctx, a, j + 1, &o->minmatchlen))
                return false;
            if (o->minmatchlen < 0)
                o->minmatchlen = 0;
            j++;
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return false;
        }
    }
    if (o->idx && o->len) {
        ss_reply_err(ctx->out, RERR_LCS_IDX_LEN);
        return false;
    }
    return true;
}

/* One match range of IDX: [[a_start, a_end], [b_start, b_end](, len)]. */
static void add_range(ss_buf *out, uint32_t as, uint32_t ae, uint32_t bs, uint32_t be, bool withlen)
{
    resp_add_array_len(out, 2 + withlen);
    resp_add_array_len(out, 2);
    resp_add_int(out, as);
    resp_add_int(out, ae);
    resp_add_array_len(out, 2);
    resp_add_int(out, bs);
    resp_add_int(out, be);
    if (withlen)
        resp_add_int(out, (long long)(ae - as + 1));
}

static void lcsExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key ka, kb;
    ss_lookup fa = ss_key_open(ctx, a, 1, SS_TYPE_NONE, &ka);
    if (fa == SS_REPLIED)
        return;
    ss_lookup fb = ss_key_open(ctx, a, 2, SS_TYPE_NONE, &kb);
    if (fb == SS_REPLIED)
        return;
    if ((fa == SS_FOUND && ka.meta.type != SS_TYPE_STRING) || (fb == SS_FOUND && kb.meta.type != SS_TYPE_STRING)) {
        ss_reply_err(ctx->out, RERR_LCS_NOTSTRING);
        return;
    }
    lcs_opts o;
    if (!parse_opts(ctx, a, &o))
        return;
    ss_slice sa = fa == SS_FOUND ? ka.value : (ss_slice){"", 0};
    ss_slice sb = fb == SS_FOUND ? kb.value : (ss_slice){"", 0};
    if (sa.len >= UINT32_MAX - 1 || sb.len >= UINT32_MAX - 1) {
        ss_reply_err(ctx->out, RERR_LCS_TOOLONG);
        return;
    }
    uint32_t alen = (uint32_t)sa.len, blen = (uint32_t)sb.len;
    const unsigned char *x = (const unsigned char *)sa.data, *y = (const unsigned char *)sb.data;
    unsigned long long cells = (unsigned long long)(alen + 1ULL) * (blen + 1ULL);
    if (cells * sizeof(uint32_t) > LCS_MAX_TABLE) {
        ss_reply_err(ctx->out, RERR_LCS_TOOBIG);
        return;
    }
    uint32_t *lcs = malloc((size_t)cells * sizeof *lcs);
    if (lcs == NULL) {
        ss_reply_err(ctx->out, RERR_LCS_NOMEM);
        return;
    }
#define LCS(i, j) lcs[(size_t)(j) + (size_t)(i) * (blen + 1)]
    for (uint32_t i = 0; i <= alen; i++) {
        for (uint32_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                LCS(i, j) = 0;
            else if (x[i - 1] == y[j - 1])
                LCS(i, j) = LCS(i - 1, j - 1) + 1;
            else
                LCS(i, j) = LCS(i - 1, j) > LCS(i, j - 1) ? LCS(i - 1, j) : LCS(i, j - 1);
        }
    }
    uint32_t idx = LCS(alen, blen), total = idx;
    bool compute = o.idx || !o.len;
    char *result = compute ? malloc(idx ? idx : 1) : NULL;
    if (compute && result == NULL) {
        free(lcs);
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    ss_buf ranges;
    ss_buf_init(&ranges, 0);
    long long nranges = 0;
    /* arange_start == alen: no range open. */
    uint32_t as = alen, ae = 0, bs = 0, be = 0, i = alen, j = blen;
    while (compute && i > 0 && j > 0) {
        bool emit = false;
        if (x[i - 1] == y[j - 1]) {
            result[idx - 1] = (char)x[i - 1];
            if (as == alen) {
                as = ae = i - 1;
                bs = be = j - 1;
            } else if (as == i && bs == j) { /* contiguous: extend backward */
                as--;
                bs--;
            } else {
                emit = true;
            }
            if (as == 0 || bs == 0)
                emit = true; /* a string's first byte: the walk ends */
            idx--;
            i--;
            j--;
        } else {
            if (LCS(i - 1, j) > LCS(i, j - 1))
                i--;
            else
                j--;
            if (as != alen)
                emit = true;
        }
        if (emit) {
            uint32_t mlen = ae - as + 1;
            if (o.idx && (o.minmatchlen == 0 || (long long)mlen >= o.minmatchlen)) {
                add_range(&ranges, as, ae, bs, be, o.withmatchlen);
                nranges++;
            }
            as = alen;
        }
    }
#undef LCS
    if (o.idx) {
        resp_add_map_len(ctx->out, ctx->proto, 2);
        resp_add_bulk_cstr(ctx->out, "matches");
        resp_add_array_len(ctx->out, nranges);
        resp_add_raw(ctx->out, ss_buf_data(&ranges), ss_buf_len(&ranges));
        resp_add_bulk_cstr(ctx->out, "len");
        resp_add_int(ctx->out, total);
    } else if (o.len) {
        resp_add_int(ctx->out, total);
    } else {
        resp_add_bulk(ctx->out, result, total);
    }
    ss_buf_release(&ranges);
    free(result);
    free(lcs);
}

const ss_command ss_cmds_lcs[] = {
    SS_READ("lcs", -3, 0, ACL_STRING, lcsExec, .keys = {{.flags = KS_RO | KS_ACCESS, KS_BEGIN_INDEX(1), KS_FIND_RANGE(1, 1, 0)}}),
};
SS_COUNT(ss_cmds_lcs);
