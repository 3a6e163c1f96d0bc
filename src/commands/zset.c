/* The sorted set's layout: member and score sub-keys, and the reads and writes of one member. */
#include <stdlib.h>
#include <string.h>

#include "commands/zset.h"

static uint64_t member_hash(const char *m, size_t len)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a, then a splitmix64 finish */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)m[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

static int key_build(zkey *k, char tag, const unsigned char mid[8], const char *m, size_t mlen)
{
    k->len = 9 + mlen;
    k->p = k->len <= sizeof k->inl ? k->inl : malloc(k->len);
    if (k->p == NULL)
        return SS_ENOMEM;
    k->p[0] = (unsigned char)tag;
    memcpy(k->p + 1, mid, 8);
    if (mlen)
        memcpy(k->p + 9, m, mlen);
    return SS_OK;
}

int zset_key_member(zkey *k, const char *m, size_t mlen)
{
    unsigned char h[8];
    ss_encode_u64_be(member_hash(m, mlen), h);
    return key_build(k, 'm', h, m, mlen);
}

int zset_key_score(zkey *k, double score, const char *m, size_t mlen)
{
    unsigned char s[8];
    ss_encode_double(score, s);
    return key_build(k, 's', s, m, mlen);
}

void zset_key_release(zkey *k)
{
    if (k->p != k->inl)
        free(k->p);
}

/* A member's score: SS_FOUND with *score, SS_MISSING, or SS_REPLIED. */
ss_lookup zset_score_get(ss_exec_ctx *ctx, const ss_key *z, const char *m, size_t mlen, double *score)
{
    zkey k;
    int rc = zset_key_member(&k, m, mlen);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    ss_slice v;
    ss_lookup has = ss_key_element(ctx, z, k.p, k.len, &v);
    zset_key_release(&k);
    if (has == SS_FOUND && v.len != 8) {
        ss_exec_fail(ctx, SS_ECORRUPT);
        return SS_REPLIED;
    }
    if (has == SS_FOUND)
        *score = ss_decode_double((const unsigned char *)v.data);
    return has;
}

/* Sets a member's score (had: it existed with score old), keeping count. */
int zset_score_put(ss_exec_ctx *ctx, ss_key *z, const char *m, size_t mlen, bool had, double old, double score)
{
    zkey mk, sk;
    unsigned char v[8];
    int rc;
    if (had) {
        if (old == score)
            return SS_OK;
        if ((rc = zset_key_score(&sk, old, m, mlen)) != SS_OK)
            return rc;
        rc = ss_ks_sub_del(ctx->txn, z->db, z->name, z->len, z->meta.version, sk.p, sk.len);
        zset_key_release(&sk);
        if (rc != SS_OK)
            return rc;
    }
    ss_encode_double(score, v);
    if ((rc = zset_key_member(&mk, m, mlen)) != SS_OK)
        return rc;
    rc = ss_ks_sub_put(ctx->txn, z->db, z->name, z->len, z->meta.version, mk.p, mk.len, v, 8);
    zset_key_release(&mk);
    if (rc != SS_OK || (rc = zset_key_score(&sk, score, m, mlen)) != SS_OK)
        return rc;
    rc = ss_ks_sub_put(ctx->txn, z->db, z->name, z->len, z->meta.version, sk.p, sk.len, "", 0);
    zset_key_release(&sk);
    if (rc == SS_OK && !had)
        z->meta.count++;
    return rc;
}

/* Removes a member known to have this score. Copies the member into its
 * keys first, so it may point into an iterator on the deleted keys. */
int zset_member_del(ss_exec_ctx *ctx, ss_key *z, const char *m, size_t mlen, double score)
{
    zkey mk, sk;
    int rc = zset_key_member(&mk, m, mlen);
    if (rc != SS_OK)
        return rc;
    if ((rc = zset_key_score(&sk, score, m, mlen)) != SS_OK) {
        zset_key_release(&mk);
        return rc;
    }
    rc = ss_ks_sub_del(ctx->txn, z->db, z->name, z->len, z->meta.version, mk.p, mk.len);
    if (rc == SS_OK)
        rc = ss_ks_sub_del(ctx->txn, z->db, z->name, z->len, z->meta.version, sk.p, sk.len);
    zset_key_release(&mk);
    zset_key_release(&sk);
    if (rc == SS_OK && z->meta.count > 0)
        z->meta.count--;
    return rc;
}

void zset_seek(ss_ks_subiter *it, char tag, const unsigned char *mid, const char *m, size_t mlen, bool for_prev)
{
    zkey k;
    unsigned char zero[8] = {0};
    if (key_build(&k, tag, mid ? mid : zero, m, mlen) != SS_OK) {
        ss_ks_subiter_seek_last(it); /* out of memory: seek somewhere harmless */
        return;
    }
    size_t len = mid ? k.len : 1;
    if (for_prev)
        ss_ks_subiter_seek_for_prev(it, k.p, len);
    else
        ss_ks_subiter_seek(it, k.p, len);
    zset_key_release(&k);
}
