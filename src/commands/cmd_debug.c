/* DEBUG: DIGEST and DIGEST-VALUE fingerprint this node's applied keyspace, so replicas can be compared; OBJECT describes a key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/access.h"
#include "commands/families.h"
#include "commands/migrate.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"
#include "common/sha256.h"
#include "store/encode.h"
#include "store/strval.h"
#include "store/txn.h"

/*
 * A digest is SHA-256 truncated to 20 bytes (40 hex digits, the width of
 * Redis's SHA-1 digests). It is a function of the logical data only, so two
 * nodes that applied the same entries agree whatever their LevelDB layout,
 * collection versions, list sequence numbers or unswept garbage.
 *
 * A value's digest (DIGEST-VALUE) hashes, with every number big-endian:
 *   type (1 byte), expire_ms (8, 0 = none), then
 *   string: len (8), bytes
 *   hash:   count (8), then per field in byte order: flen, field, vlen, value
 *   list:   count (8), then per element, head to tail: len, bytes
 *   set:    count (8), then per member in byte order: len, member
 *   zset:   count (8), then per member in (score, member) order:
 *           score (8, IEEE bits, -0 as +0), len, member
 * Lengths are 8 bytes. The dataset digest (DIGEST) hashes, for every live key
 * of dbs 0..15 in (db, key byte) order: db (4), klen (8), key, value digest
 * (20). An empty dataset is all zeros, as in Redis.
 *
 * Unlike Redis (which only notes that an expiry exists) the expiry time is
 * covered: apply derives it from the entry, so replicas hold the same one.
 * "Live" is judged on the local clock, as every read here is: a key whose
 * expiry passes while two nodes are compared may be counted on one only.
 */

#define DIGEST_LEN 20
#define DIGEST_HEX (DIGEST_LEN * 2)

static void feed_u64(ss_sha256 *h, uint64_t v)
{
    unsigned char b[8];
    ss_encode_u64_be(v, b);
    ss_sha256_update(h, b, sizeof b);
}

static void feed_bytes(ss_sha256 *h, const void *p, size_t len)
{
    feed_u64(h, len);
    if (len)
        ss_sha256_update(h, p, len);
}

static void feed_score(ss_sha256 *h, const unsigned char enc[8])
{
    double d = ss_decode_double(enc);
    if (d == 0)
        d = 0.0; /* one zero: the store already folds -0, but the digest must not depend on it */
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    feed_u64(h, bits);
}

/* Feeds the elements of one collection, streamed from its sub-keys. */
static int feed_collection(ss_txn *txn, int db, ss_slice key, const ss_keymeta *m, ss_sha256 *h)
{
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(txn, db, key.data, key.len, m->version, &it);
    if (rc != SS_OK)
        return rc;
    feed_u64(h, m->count);
    if (m->type == SS_TYPE_LIST) {
        /* Only [head, tail) is the list; sequence numbers themselves are
         * physical (RPUSH a b and LPUSH b a store them differently). */
        int64_t head = 0, tail = 0;
        if (m->hdr_len == 16) {
            head = ss_decode_i64(m->hdr);
            tail = ss_decode_i64(m->hdr + 8);
        }
        unsigned char first[8];
        ss_encode_i64(head, first);
        for (ss_ks_subiter_seek(it, first, 8); ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
            ss_slice sub = ss_ks_subiter_sub(it);
            if (sub.len != 8 || ss_decode_i64((const unsigned char *)sub.data) >= tail)
                break;
            ss_slice v = ss_ks_subiter_value(it);
            feed_bytes(h, v.data, v.len);
        }
    } else if (m->type == SS_TYPE_ZSET) {
        /* The 's' space: 's' score(8) member -> "". The 'm' space mirrors it. */
        for (ss_ks_subiter_seek(it, "s", 1); ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
            ss_slice sub = ss_ks_subiter_sub(it);
            if (sub.len < 9 || sub.data[0] != 's')
                break;
            feed_score(h, (const unsigned char *)sub.data + 1);
            feed_bytes(h, sub.data + 9, sub.len - 9);
        }
    } else {
        /* Hash: field -> value; set: member -> ""; stream: every record. */
        for (ss_ks_subiter_seek_first(it); ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
            ss_slice sub = ss_ks_subiter_sub(it);
            feed_bytes(h, sub.data, sub.len);
            if (m->type == SS_TYPE_HASH || m->type == SS_TYPE_STREAM) {
                ss_slice v = ss_ks_subiter_value(it);
                feed_bytes(h, v.data, v.len);
            }
        }
    }
    ss_ks_subiter_free(it);
    return SS_OK;
}

/* Feeds a run of a big string's bytes (NULL: zeros). */
static int feed_run(void *ud, uint64_t off, const char *data, size_t n)
{
    static const char zeros[SS_STR_CHUNK];
    (void)off;
    ss_sha256_update(ud, data ? data : zeros, n); /* runs of zeros come a chunk at a time */
    return 0;
}

/* The digest of one key's value (str: a string's bytes). */
static int value_digest(ss_txn *txn, int db, ss_slice key, const ss_keymeta *m, ss_slice str,
                        uint8_t out[DIGEST_LEN])
{
    ss_sha256 h;
    ss_sha256_init(&h);
    unsigned char type = (unsigned char)m->type;
    ss_sha256_update(&h, &type, 1);
    feed_u64(&h, m->expire_ms);
    if (ss_str_chunked(m)) {
        /* Streamed from its chunks: the same bytes as an inline string's. */
        ss_strval v = {db, key.data, key.len, *m, str};
        feed_u64(&h, m->count);
        int rc = ss_ks_str_scan(txn, &v, 0, m->count, true, feed_run, &h);
        if (rc != SS_OK)
            return rc;
    } else if (m->type == SS_TYPE_STRING) {
        feed_bytes(&h, str.data, str.len);
    } else {
        int rc = feed_collection(txn, db, key, m, &h);
        if (rc != SS_OK)
            return rc;
    }
    uint8_t full[SS_SHA256_SIZE];
    ss_sha256_final(&h, full);
    memcpy(out, full, DIGEST_LEN);
    return SS_OK;
}

int ss_key_digest(ss_txn *txn, int db, const char *key, size_t klen, int64_t now_ms,
                  unsigned char out[SS_KEY_DIGEST_LEN])
{
    ss_slice k = {key, klen}, str = {NULL, 0};
    ss_keymeta m;
    memset(out, 0, SS_KEY_DIGEST_LEN);
    int rc = ss_ks_lookup(txn, db, key, klen, (uint64_t)now_ms, &m, &str);
    if (rc == SS_ENOTFOUND)
        return SS_OK;
    if (rc == SS_OK)
        rc = value_digest(txn, db, k, &m, str, out);
    return rc;
}

/* Streams over every live key of one db; *any says whether it had one. */
static int feed_db(ss_exec_ctx *ctx, int db, ss_sha256 *h, bool *any)
{
    ss_ks_keyiter *it;
    int rc = ss_ks_keyiter_new(ctx->txn, db, (uint64_t)ctx->now_ms, &it);
    if (rc != SS_OK)
        return rc;
    unsigned char dbn[4] = {(unsigned char)(db >> 24), (unsigned char)(db >> 16), (unsigned char)(db >> 8),
                            (unsigned char)db};
    for (ss_ks_keyiter_seek(it, "", 0); rc == SS_OK && ss_ks_keyiter_valid(it); ss_ks_keyiter_next(it)) {
        ss_slice k = ss_ks_keyiter_key(it), str = {NULL, 0};
        ss_keymeta m;
        uint8_t vd[DIGEST_LEN];
        rc = ss_ks_keyiter_meta(it, &m, &str);
        if (rc == SS_OK)
            rc = value_digest(ctx->txn, db, k, &m, str, vd);
        if (rc == SS_OK) {
            ss_sha256_update(h, dbn, sizeof dbn);
            feed_bytes(h, k.data, k.len);
            ss_sha256_update(h, vd, sizeof vd);
            *any = true;
        }
    }
    ss_ks_keyiter_free(it);
    return rc;
}

static void add_digest(ss_buf *out, const uint8_t d[DIGEST_LEN])
{
    char hex[DIGEST_HEX + 1];
    for (int i = 0; i < DIGEST_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    resp_add_simple_len(out, hex, DIGEST_HEX);
}

static void digest(ss_exec_ctx *ctx)
{
    ss_sha256 h;
    ss_sha256_init(&h);
    bool any = false;
    for (int db = 0; db < SS_KS_DBS; db++) {
        int rc = feed_db(ctx, db, &h, &any);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
    }
    uint8_t d[DIGEST_LEN] = {0};
    if (any) {
        uint8_t full[SS_SHA256_SIZE];
        ss_sha256_final(&h, full);
        memcpy(d, full, DIGEST_LEN);
    }
    add_digest(ctx->out, d);
}

static void digest_value(ss_exec_ctx *ctx, const ss_args *a)
{
    /* Each key's digest is made before any is replied, so a storage error
     * never leaves a half-written array. */
    ss_buf items;
    ss_buf_init(&items, 0);
    for (int i = 2; i < a->argc; i++) {
        ss_slice k = {a->argv[i], a->argvlen[i]}, str = {NULL, 0};
        ss_keymeta m;
        uint8_t d[DIGEST_LEN] = {0};
        /* Not ss_key_open: a debug probe leaves the hit/miss stats alone. */
        int rc = ss_ks_lookup(ctx->txn, ctx->db, k.data, k.len, (uint64_t)ctx->now_ms, &m, &str);
        if (rc == SS_OK)
            rc = value_digest(ctx->txn, ctx->db, k, &m, str, d);
        if (rc != SS_OK && rc != SS_ENOTFOUND) {
            ss_buf_release(&items);
            ss_exec_fail(ctx, rc);
            return;
        }
        add_digest(&items, d);
    }
    resp_add_array_len(ctx->out, a->argc - 2);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    ss_buf_release(&items);
}

/*
 * DEBUG OBJECT key: Redis 7.0's line, "Value at:%p refcount:%d
 * encoding:%s serializedlength:%zu lru:%d lru_seconds_idle:%llu". The
 * address is meaningless here (values live in LevelDB), the encoding and
 * refcount are OBJECT's, serializedlength is the DUMP payload's value part
 * (the plain RDB forms sandstore writes, not Redis's compact ones, so it
 * differs for collections and compressible strings), and lru /
 * lru_seconds_idle come from this node's access table: Redis's 24-bit
 * LRU clock (seconds) of the last access, and the seconds since, the same
 * figure OBJECT IDLETIME answers. A list has no ql_* fields. Like Redis
 * (a dictFind), it is no access and counts no hit or miss.
 */
static void debug_object(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k = {.name = a->argv[2], .len = a->argvlen[2], .db = ctx->db};
    int rc = ss_ks_lookup(ctx->txn, ctx->db, k.name, k.len, (uint64_t)ctx->now_ms, &k.meta, &k.value);
    if (rc == SS_OK && ss_str_chunked(&k.meta)) {
        ss_strval v = ss_key_str(&k);
        rc = ss_ks_str_get(ctx->txn, &v, &k.value);
    }
    if (rc == SS_ENOTFOUND) {
        resp_add_error(ctx->out, "ERR no such key");
        return;
    }
    long long refcount = 1;
    const char *enc = rc == SS_OK ? ss_object_describe(ctx, &k, &refcount, &rc) : NULL;
    /* the serialized length: DUMP's bulk reply, less the type byte and the footer */
    ss_buf dump;
    ss_buf_init(&dump, 0);
    ss_exec_ctx dctx = *ctx;
    dctx.out = &dump;
    dctx.proto = RESP2;
    char *argv[2] = {"dump", a->argv[2]};
    size_t lens[2] = {4, a->argvlen[2]};
    ss_args da = {2, argv, lens};
    if (rc == SS_OK) {
        /* DUMP's lookup is an access and a keyspace hit; this probe is neither */
        struct ss_access *access = ctx->node->access;
        uint64_t hits = ctx->node->stats.keyspace_hits;
        ctx->node->access = NULL;
        ss_dump_exec(&dctx, &da);
        ctx->node->access = access;
        ctx->node->stats.keyspace_hits = hits;
    }
    if (rc == SS_OK)
        rc = dctx.status;
    long long serialized = 0;
    if (ss_buf_len(&dump) > 1 && ss_buf_data(&dump)[0] == '$')
        serialized = strtoll(ss_buf_data(&dump) + 1, NULL, 10) - 11;
    ss_buf_release(&dump);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    int64_t now = ss_clock_wall_ms(), at = now;
    if (ctx->node->access)
        at = ss_access_time(ctx->node->access, k.db, k.name, k.len);
    int64_t idle = now > at ? (now - at) / 1000 : 0;
    char line[256];
    snprintf(line, sizeof line,
             "Value at:%p refcount:%lld encoding:%s serializedlength:%lld lru:%lld lru_seconds_idle:%lld",
             (const void *)k.name, refcount, enc, serialized > 0 ? serialized : 0,
             (long long)((at / 1000) & ((1 << 24) - 1)), (long long)idle);
    resp_add_simple(ctx->out, line);
}

static void help(ss_buf *out)
{
    static const char *const lines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "    sandstore: this node's applied state of all 16 databases, read locally",
        "    (no leader, no read barrier); O(N) in keys and elements, on the event loop.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "OBJECT <key>",
        "    Show low level info about the `key` and associated value.",
        "    sandstore: lru and lru_seconds_idle are this node's (OBJECT IDLETIME's figure).",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

static void debugExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (a->argc == 2 && ss_arg_is(a, 1, "digest"))
        digest(ctx);
    else if (ss_arg_is(a, 1, "digest-value"))
        digest_value(ctx, a);
    else if (a->argc == 3 && ss_arg_is(a, 1, "object"))
        debug_object(ctx, a);
    else if (a->argc == 2 && ss_arg_is(a, 1, "help"))
        help(ctx->out);
    else
        resp_add_errorf(ctx->out, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try DEBUG HELP.",
                        a->argv[1]);
}

/* Served at once by the node the client is connected to: comparing replicas
 * is the point, so neither the leader nor a read barrier is involved. */
static void debugCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_exec_ctx ctx = {
        .node = node,
        .txn = ss_txn_begin(node->store),
        .db = s->db,
        .now_ms = ss_clock_wall_ms(),
        .proto = s->proto,
        .out = out,
    };
    debugExec(&ctx, a);
    ss_txn_abort(ctx.txn);
}

/* CMD_NO_LOG keeps DEBUG out of log entries (MULTI refuses it, although
 * Redis queues it): inside an applied MULTI it would cost O(N) on every
 * node. The exec half serves the in-process test bench. */
const ss_command ss_cmds_debug[] = {
    SS_LOCAL("debug", -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_LOG, 0, debugCommand, .exec = debugExec),
};
SS_COUNT(ss_cmds_debug);
