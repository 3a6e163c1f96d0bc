/* Writes the seed corpus of the snapfile fuzz target: real snapshot files of small stores, made with the store API. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "store/keyspace.h"
#include "store/snapfile.h"
#include "store/txn.h"

/*
 * Usage: gen_snapfile_corpus OUTDIR (tests/fuzz/corpus/snapfile). Each store
 * below becomes one snapshot file, written as inputs of fuzz_snapfile.c
 * (a mode byte, then the body): as is, as is to be staged, and cut into
 * chunks for the receive path.
 */

static char work[64];

static void die(const char *what, const char *err)
{
    fprintf(stderr, "gen_snapfile_corpus: %s: %s\n", what, err);
    exit(1);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void commit(ss_txn *t, uint64_t index)
{
    ss_errmsg err = "";
    if (ss_txn_commit_term(t, index, 2, err) != SS_OK)
        die("commit", err);
}

static void set_string(ss_txn *t, int db, const char *key, const char *val, uint64_t expire)
{
    ss_keymeta m = {.type = SS_TYPE_STRING, .expire_ms = expire, .version = 1};
    if (ss_ks_set(t, db, key, strlen(key), &m, val, strlen(val)) != SS_OK)
        die("set", key);
}

static void set_hash(ss_txn *t, int db, const char *key, uint64_t version, int fields)
{
    ss_keymeta m = {.type = SS_TYPE_HASH, .version = version, .count = (uint64_t)fields};
    if (ss_ks_set(t, db, key, strlen(key), &m, NULL, 0) != SS_OK)
        die("hset", key);
    for (int i = 0; i < fields; i++) {
        char f[16], v[16];
        snprintf(f, sizeof f, "f%d", i);
        snprintf(v, sizeof v, "v%d", i * 3);
        if (ss_ks_sub_put(t, db, key, strlen(key), version, f, strlen(f), v, strlen(v)) != SS_OK)
            die("hset field", key);
    }
}

/* Fills a fresh store the way `what` says and returns its snapshot file's bytes. */
static uint8_t *snapshot_of(int what, size_t *len)
{
    char sdir[128], path[160];
    snprintf(sdir, sizeof sdir, "%s/store%d", work, what);
    snprintf(path, sizeof path, "%s/snap%d", work, what);
    ss_store *s;
    ss_errmsg err = "";
    if (ss_store_open(sdir, NULL, &s, err) != SS_OK)
        die("open", err);
    ss_txn *t = ss_txn_begin(s);
    switch (what) {
    case 0: /* an empty store: metadata only */
        break;
    case 1:
        set_string(t, 0, "k", "v", 0);
        break;
    case 2: /* every kind of record a few commands leave */
        set_string(t, 0, "name", "sandstore", 0);
        set_string(t, 0, "ttl", "soon", 1900000000000ULL);
        set_hash(t, 0, "h", 5, 3);
        set_string(t, 3, "db3", "\x00\xff binary", 0);
        break;
    case 3: /* a flushed db and a deleted collection: epochs and the sweep queue */
        set_hash(t, 1, "gone", 9, 4);
        set_string(t, 1, "old", "x", 0);
        commit(t, 20);
        t = ss_txn_begin(s);
        if (ss_ks_delete(t, 1, "gone", 4) != SS_OK || ss_ks_flushdb(t, 1) != SS_OK)
            die("delete/flush", "db 1");
        set_string(t, 1, "new", "y", 0);
        break;
    case 4: { /* a value over one read buffer of the loader's */
        static char big[5000];
        memset(big, 'b', sizeof big - 1);
        set_string(t, 0, "big", big, 0);
        break;
    }
    }
    commit(t, 42);
    ss_store_snapshot *v;
    uint64_t bytes;
    if (ss_store_snapshot_new(s, &v) != SS_OK ||
        ss_store_snapshot_write(v, 2, path, &bytes, NULL, err) != SS_OK)
        die("snapshot", err);
    ss_store_snapshot_free(v);
    ss_store_close(s);
    FILE *f = fopen(path, "rb");
    uint8_t *b = malloc(bytes);
    if (!f || !b || fread(b, 1, bytes, f) != bytes)
        die("read back", path);
    fclose(f);
    *len = bytes;
    return b;
}

static void emit(const char *out, const char *name, uint8_t mode, const uint8_t *b, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", out, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputc(mode, f) == EOF || fwrite(b, 1, n, f) != n || fclose(f) != 0)
        die("write", path);
}

/* The file as chunks of at most `chunk` bytes, in order. */
static void emit_chunked(const char *out, const char *name, const uint8_t *b, size_t n,
                         size_t chunk)
{
    uint8_t *c = malloc(n + 5 * (n / chunk + 1));
    size_t used = 0;
    for (size_t off = 0; off < n; off += chunk) {
        size_t len = n - off < chunk ? n - off : chunk;
        c[used++] = (uint8_t)off;
        c[used++] = (uint8_t)(off >> 8);
        c[used++] = (uint8_t)(off >> 16);
        c[used++] = (uint8_t)len;
        c[used++] = (uint8_t)(len >> 8);
        memcpy(c + used, b + off, len);
        used += len;
    }
    emit(out, name, 1, c, used);
    free(c);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    ss_log_set_level(SS_LOG_WARNING);
    snprintf(work, sizeof work, "/tmp/ss-gen-snapfile-XXXXXX");
    if (!mkdtemp(work))
        die("mkdtemp", work);
    mkdir(argv[1], 0755);
    static const char *const names[] = {"empty", "one-string", "types", "flushed", "big-value"};
    for (int i = 0; i < 5; i++) {
        size_t n;
        uint8_t *b = snapshot_of(i, &n);
        char name[64];
        snprintf(name, sizeof name, "%s.snap", names[i]);
        emit(argv[1], name, 0, b, n);
        snprintf(name, sizeof name, "%s.stage", names[i]);
        emit(argv[1], name, 4 | 2, b, n);
        snprintf(name, sizeof name, "%s.chunks", names[i]);
        emit_chunked(argv[1], name, b, n, 64);
        free(b);
    }
    nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
