/* Helpers shared by the keyspace command families. */
#include "commands/keyhelpers.h"

#include "common/log.h"

uint64_t ss_exec_rand(ss_exec_ctx *ctx)
{
    uint64_t z = (ctx->rng += 0x9E3779B97F4A7C15ull);   /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void ss_exec_fail(ss_exec_ctx *ctx, int rc)
{
    if (ctx->status == SS_OK)
        ctx->status = rc;
    ss_reply_err(ctx->out, RERR_INTERNAL, ss_strerror(rc));
}

int ss_key_lookup(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_keymeta *meta, ss_slice *value)
{
    int rc = ss_ks_lookup(ctx->txn, ctx->db, a->argv[argi], a->argvlen[argi], (uint64_t)ctx->now_ms,
                          meta, value);
    if (rc != SS_OK && rc != SS_ENOTFOUND) {
        ss_exec_fail(ctx, rc);
        return rc;
    }
    if (!ctx->is_apply) {
        ss_node_stats *st = &ctx->node->stats;
        if (rc == SS_OK)
            st->keyspace_hits++;
        else
            st->keyspace_misses++;
    }
    return rc;
}

bool ss_key_check_type(ss_exec_ctx *ctx, const ss_keymeta *meta, ss_type type)
{
    if (meta->type == type)
        return true;
    ss_reply_err(ctx->out, RERR_WRONGTYPE);
    return false;
}

uint64_t ss_exec_new_version(ss_exec_ctx *ctx)
{
    /* An entry holds fewer than 2^20 commands (SS_ENTRY_MAX_ARGS), and each
     * creates at most a few collections. */
    return (ctx->index << 20) + (ctx->versions++ & 0xFFFFF);
}

bool ss_arg_ll_or_reply(ss_exec_ctx *ctx, const ss_args *a, int i, long long *out)
{
    if (ss_parse_ll(a->argv[i], a->argvlen[i], out))
        return true;
    ss_reply_err(ctx->out, RERR_NOTINT);
    return false;
}
