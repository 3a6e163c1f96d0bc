/* Snapshot files and staged restore: round trips, damage detection, adopt, crash leftovers at open. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "store/keyspace.h"
#include "store/snapfile.h"
#include "store/txn.h"
#include "test_store_util.h"

static store_fixture src; /* the store snapshots are taken from */
static char work[64];     /* other directories and files of a test */

static void setup(void)
{
    fixture_open(&src);
    snprintf(work, sizeof work, "/tmp/ss-snapfile-test-XXXXXX");
    cr_assert_not_null(mkdtemp(work));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    fixture_close(&src);
    nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(snapfile, .init = setup, .fini = teardown);

/* ---- helpers ---- */

/* The child process of stage_survives_a_kill_at_any_moment: this binary run
 * again with these variables stages a snapshot, before Criterion starts. */
__attribute__((constructor)) static void stage_child(void)
{
    const char *dir = getenv("SS_TEST_STAGE_DIR"), *snap = getenv("SS_TEST_STAGE_SNAP");
    if (dir == NULL || snap == NULL)
        return;
    ss_store_staged *st = NULL;
    int rc = ss_store_stage_snapshot(dir, snap, NULL, &st, NULL);
    if (st != NULL)
        ss_store_staged_free(st);
    _exit(rc == SS_OK ? 0 : 1);
}

static const char *wpath(const char *name)
{
    static char bufs[4][256];
    static int next;
    char *p = bufs[next++ % 4];
    snprintf(p, 256, "%s/%s", work, name);
    return p;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void commit(ss_txn *t, uint64_t index)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, index, err), SS_OK, "commit: %s", err);
}

static void put(ss_txn *t, const void *k, size_t klen, const void *v, size_t vlen)
{
    cr_assert_eq(ss_txn_put(t, k, klen, v, vlen), SS_OK);
}

#define BIG_VALUE ((size_t)3 << 20)

/* Many small keys over several commits, binary keys, an empty value, an
 * empty key and a multi-MB value; ends at applied index 42. */
static void fill(ss_store *s)
{
    char k[32], v[64];
    for (int c = 0; c < 4; c++) {
        ss_txn *t = ss_txn_begin(s);
        for (int i = 0; i < 1000; i++) {
            int n = c * 1000 + i;
            snprintf(k, sizeof k, "key:%05d", n);
            snprintf(v, sizeof v, "value-%d", n * 7);
            put(t, k, strlen(k), v, strlen(v));
        }
        commit(t, 10 + (uint64_t)c);
    }
    ss_txn *t = ss_txn_begin(s);
    put(t, "\x00\xff\x01zero", 7, "\xff\x00", 2);
    put(t, "\xff\xff\xff", 3, "top", 3);
    put(t, "empty-value", 11, "", 0);
    put(t, "", 0, "empty key", 9);
    char *big = malloc(BIG_VALUE);
    cr_assert_not_null(big);
    for (size_t i = 0; i < BIG_VALUE; i++)
        big[i] = (char)(i * 31 + (i >> 13));
    put(t, "big", 3, big, BIG_VALUE);
    free(big);
    commit(t, 42);
}

typedef struct {
    uint64_t keys;
    uint32_t crc;
} digest;

/* A digest of every LevelDB key and value of s (internal records included). */
static digest digest_of(ss_store *s)
{
    ss_store_snapshot *v = NULL;
    cr_assert_eq(ss_store_snapshot_new(s, &v), SS_OK);
    digest d = { 0, 0 };
    for (ss_store_snapshot_seek_first(v); ss_store_snapshot_valid(v); ss_store_snapshot_next(v)) {
        ss_slice k = ss_store_snapshot_key(v), val = ss_store_snapshot_value(v);
        uint64_t lens[2] = { k.len, val.len };
        d.crc = ss_crc32c(d.crc, lens, sizeof lens);
        d.crc = ss_crc32c(d.crc, k.data, k.len);
        d.crc = ss_crc32c(d.crc, val.data, val.len);
        d.keys++;
    }
    cr_assert_eq(ss_store_snapshot_status(v, NULL), SS_OK);
    ss_store_snapshot_free(v);
    return d;
}

/* Every key and value of a equals b's, in order. */
static void expect_same_contents(ss_store *a, ss_store *b)
{
    ss_store_snapshot *va = NULL, *vb = NULL;
    cr_assert_eq(ss_store_snapshot_new(a, &va), SS_OK);
    cr_assert_eq(ss_store_snapshot_new(b, &vb), SS_OK);
    ss_store_snapshot_seek_first(va);
    ss_store_snapshot_seek_first(vb);
    uint64_t n = 0;
    while (ss_store_snapshot_valid(va) && ss_store_snapshot_valid(vb)) {
        ss_slice ka = ss_store_snapshot_key(va), kb = ss_store_snapshot_key(vb);
        ss_slice xa = ss_store_snapshot_value(va), xb = ss_store_snapshot_value(vb);
        cr_assert(ka.len == kb.len && memcmp(ka.data, kb.data, ka.len) == 0,
                  "key %llu differs", (unsigned long long)n);
        cr_assert(xa.len == xb.len && memcmp(xa.data, xb.data, xa.len) == 0,
                  "value %llu differs", (unsigned long long)n);
        ss_store_snapshot_next(va);
        ss_store_snapshot_next(vb);
        n++;
    }
    cr_expect(!ss_store_snapshot_valid(va) && !ss_store_snapshot_valid(vb),
              "one store has more keys after %llu", (unsigned long long)n);
    cr_expect_gt(n, 4000);
    ss_store_snapshot_free(va);
    ss_store_snapshot_free(vb);
}

/* Snapshots s into path with term; returns the record count. */
static uint64_t write_snap(ss_store *s, uint64_t term, const char *path)
{
    ss_store_snapshot *v = NULL;
    cr_assert_eq(ss_store_snapshot_new(s, &v), SS_OK);
    uint64_t bytes = 0, keys = 0;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_snapshot_write(v, term, path, &bytes, &keys, err), SS_OK, "%s", err);
    ss_store_snapshot_free(v);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(bytes, (uint64_t)st.st_size);
    return keys;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *buf = malloc(*len ? *len : 1);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static int verify(const char *path, char *err)
{
    uint64_t index = 0, term = 0;
    return ss_store_snapfile_verify(path, &index, &term, err);
}

static ss_store_staged *stage(const char *dir, const char *snap)
{
    ss_store_staged *st = NULL;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_stage_snapshot(dir, snap, NULL, &st, err), SS_OK, "stage: %s", err);
    return st;
}

static ss_store *open_store(const char *dir)
{
    ss_store *s = NULL;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_open(dir, NULL, &s, err), SS_OK, "open: %s", err);
    return s;
}

static void write_state_file(const char *dir, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/STATE", dir);
    write_file(path, content, strlen(content));
}

/* A small store snapshotted to work/small.snap (index 9, term 3). */
static char *small_snapshot(size_t *len)
{
    ss_txn *t = ss_txn_begin(src.s);
    char k[16];
    for (int i = 0; i < 40; i++) {
        snprintf(k, sizeof k, "k%d", i);
        put(t, k, strlen(k), k, strlen(k) / 2);
    }
    commit(t, 9);
    write_snap(src.s, 3, wpath("small.snap"));
    return read_file(wpath("small.snap"), len);
}

/* ---- the file ---- */

Test(snapfile, round_trip_through_file_stage_and_open)
{
    fill(src.s);
    uint64_t keys = write_snap(src.s, 7, wpath("a.snap"));
    cr_expect_gt(keys, 4004);
    uint64_t index = 0, term = 0;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_snapfile_verify(wpath("a.snap"), &index, &term, err), SS_OK, "%s", err);
    cr_expect_eq(index, 42);
    cr_expect_eq(term, 7);
    index = term = 0;
    cr_assert_eq(ss_store_snapfile_info(wpath("a.snap"), &index, &term, err), SS_OK, "%s", err);
    cr_expect_eq(index, 42);
    cr_expect_eq(term, 7);

    ss_store_staged *st = stage(wpath("node"), wpath("a.snap"));
    cr_expect_eq(ss_store_staged_index(st), 42);
    cr_expect_str_eq(ss_store_staged_path(st), wpath("node/state-42"));
    ss_store_staged_free(st);
    /* The memtable was flushed before the switch: the records are in tables
     * (LevelDB syncs those), not only in a log it may retire unsynced. */
    DIR *d = opendir(wpath("node/state-42"));
    cr_assert_not_null(d);
    int tables = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        tables += strstr(de->d_name, ".ldb") != NULL;
    closedir(d);
    cr_expect_gt(tables, 0);
    size_t len = 0;
    char *state = read_file(wpath("node/STATE"), &len);
    cr_expect(len == 9 && memcmp(state, "state-42\n", 9) == 0);
    free(state);

    ss_store *s = open_store(wpath("node"));
    cr_expect_str_eq(ss_store_path(s), wpath("node/state-42"));
    cr_expect_eq(ss_store_applied_index(s), 42);
    expect_same_contents(src.s, s);
    ss_store_close(s);
}

Test(snapfile, empty_store_round_trips)
{
    write_snap(src.s, 0, wpath("e.snap"));
    cr_assert_eq(verify(wpath("e.snap"), NULL), SS_OK);
    ss_store_staged_free(stage(wpath("node"), wpath("e.snap")));
    ss_store *s = open_store(wpath("node"));
    cr_expect_eq(ss_store_applied_index(s), 0);
    cr_expect_eq(digest_of(s).crc, digest_of(src.s).crc);
    ss_store_close(s);
}

Test(snapfile, view_ignores_commits_made_after_it)
{
    fill(src.s);
    digest before = digest_of(src.s);
    ss_store_snapshot *v = NULL;
    cr_assert_eq(ss_store_snapshot_new(src.s, &v), SS_OK);
    ss_txn *t = ss_txn_begin(src.s);
    put(t, "key:00001", 9, "changed", 7);
    put(t, "new key", 7, "x", 1);
    cr_assert_eq(ss_txn_del(t, "big", 3), SS_OK);
    commit(t, 50);
    cr_assert_neq(digest_of(src.s).crc, before.crc);

    ss_errmsg err = "";
    cr_assert_eq(ss_store_snapshot_write(v, 1, wpath("v.snap"), NULL, NULL, err), SS_OK, "%s", err);
    ss_store_snapshot_free(v);
    ss_store_staged_free(stage(wpath("node"), wpath("v.snap")));
    ss_store *s = open_store(wpath("node"));
    cr_expect_eq(ss_store_applied_index(s), 42);
    digest after = digest_of(s);
    cr_expect_eq(after.keys, before.keys);
    cr_expect_eq(after.crc, before.crc);
    ss_store_close(s);
}

typedef struct {
    ss_store_snapshot *view;
    const char *path;
    int rc;
    ss_errmsg err;
} writer_job;

static void *write_job(void *arg)
{
    writer_job *j = arg;
    j->rc = ss_store_snapshot_write(j->view, 2, j->path, NULL, NULL, j->err);
    ss_store_snapshot_free(j->view); /* freed on the worker, as the server will */
    return NULL;
}

Test(snapfile, written_on_a_thread_while_the_store_commits)
{
    fill(src.s);
    digest before = digest_of(src.s);
    writer_job j = { .path = wpath("t.snap") };
    cr_assert_eq(ss_store_snapshot_new(src.s, &j.view), SS_OK);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, write_job, &j), 0);
    char k[32];
    for (int i = 0; i < 300; i++) {
        ss_txn *t = ss_txn_begin(src.s);
        snprintf(k, sizeof k, "key:%05d", i * 13);
        put(t, k, strlen(k), "overwritten while writing", 25);
        snprintf(k, sizeof k, "later:%d", i);
        put(t, k, strlen(k), k, strlen(k));
        commit(t, 100 + (uint64_t)i);
    }
    pthread_join(th, NULL);
    cr_assert_eq(j.rc, SS_OK, "%s", j.err);
    /* The view freed on the worker no longer counts: adopt is allowed. */
    ss_store_retired *old = NULL;
    cr_assert_eq(ss_store_adopt(src.s, stage(src.dir, wpath("t.snap")), &old, NULL), SS_OK);
    ss_store_retired_free(old);
    cr_expect_eq(ss_store_applied_index(src.s), 42);

    ss_store_staged_free(stage(wpath("node"), wpath("t.snap")));
    ss_store *s = open_store(wpath("node"));
    cr_expect_eq(ss_store_applied_index(s), 42);
    cr_expect_eq(digest_of(s).crc, before.crc);
    ss_store_close(s);
}

Test(snapfile, write_to_a_bad_path_names_the_path)
{
    ss_store_snapshot *v = NULL;
    cr_assert_eq(ss_store_snapshot_new(src.s, &v), SS_OK);
    ss_errmsg err = "";
    cr_expect_eq(ss_store_snapshot_write(v, 1, wpath("no/such/dir.snap"), NULL, NULL, err), SS_EIO);
    cr_expect(strstr(err, "no/such/dir.snap") != NULL, "%s", err);
    cr_expect(strstr(err, "No such file") != NULL, "%s", err);
    ss_store_snapshot_free(v);
}

Test(snapfile, info_of_a_missing_file_is_not_found)
{
    cr_expect_eq(ss_store_snapfile_info(wpath("missing.snap"), NULL, NULL, NULL), SS_ENOTFOUND);
    cr_expect_eq(verify(wpath("missing.snap"), NULL), SS_ENOTFOUND);
}

Test(snapfile, verify_rejects_a_file_truncated_anywhere)
{
    size_t len = 0;
    char *buf = small_snapshot(&len);
    cr_assert_eq(verify(wpath("small.snap"), NULL), SS_OK);
    for (size_t cut = 0; cut < len; cut++) {
        write_file(wpath("cut.snap"), buf, cut);
        ss_errmsg err = "";
        cr_assert_eq(verify(wpath("cut.snap"), err), SS_ECORRUPT, "cut at %zu: %s", cut, err);
        cr_assert(strstr(err, "offset") != NULL, "%s", err);
    }
    free(buf);
}

Test(snapfile, verify_rejects_one_flipped_byte_anywhere)
{
    size_t len = 0;
    char *buf = small_snapshot(&len);
    for (size_t at = 0; at < len; at++) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[at] ^= (char)(1 << bit);
            write_file(wpath("flip.snap"), buf, len);
            buf[at] ^= (char)(1 << bit);
            ss_errmsg err = "";
            cr_assert_eq(verify(wpath("flip.snap"), err), SS_ECORRUPT, "byte %zu bit %d", at, bit);
        }
    }
    free(buf);
}

Test(snapfile, verify_rejects_a_flipped_byte_in_a_big_file)
{
    fill(src.s);
    write_snap(src.s, 1, wpath("big.snap"));
    size_t len = 0;
    char *buf = read_file(wpath("big.snap"), &len);
    size_t offsets[] = { 5, 20, 40, 41, 1000, 77777, len / 3, len / 2, len - 100, len - 22,
                         len - 21, len - 10, len - 1 };
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        buf[offsets[i]] ^= 0x40;
        write_file(wpath("flip.snap"), buf, len);
        buf[offsets[i]] ^= 0x40;
        cr_expect_eq(verify(wpath("flip.snap"), NULL), SS_ECORRUPT, "offset %zu", offsets[i]);
    }
    free(buf);
}

Test(snapfile, verify_rejects_trailing_garbage)
{
    size_t len = 0;
    char *buf = small_snapshot(&len);
    buf = realloc(buf, len + 1);
    buf[len] = 0;
    write_file(wpath("g.snap"), buf, len + 1);
    ss_errmsg err = "";
    cr_expect_eq(verify(wpath("g.snap"), err), SS_ECORRUPT);
    cr_expect(strstr(err, "after the trailer") != NULL, "%s", err);
    /* Two copies back to back are one file too many. */
    buf = realloc(buf, 2 * len);
    memcpy(buf + len, buf, len);
    write_file(wpath("g.snap"), buf, 2 * len);
    cr_expect_eq(verify(wpath("g.snap"), NULL), SS_ECORRUPT);
    free(buf);
}

Test(snapfile, verify_and_info_reject_a_wrong_magic)
{
    size_t len = 0;
    char *buf = small_snapshot(&len);
    memcpy(buf, "REDIS001", 8);
    write_file(wpath("m.snap"), buf, len);
    ss_errmsg err = "";
    cr_expect_eq(verify(wpath("m.snap"), err), SS_ECORRUPT);
    cr_expect(strstr(err, "magic") != NULL, "%s", err);
    cr_expect_eq(ss_store_snapfile_info(wpath("m.snap"), NULL, NULL, NULL), SS_ECORRUPT);
    free(buf);
}

Test(snapfile, verify_and_info_reject_another_version)
{
    size_t len = 0;
    char *buf = small_snapshot(&len);
    buf[8] = 2; /* with a valid header crc: the version itself is refused */
    uint32_t crc = ss_crc32c(0, buf, 32);
    for (int i = 0; i < 4; i++)
        buf[32 + i] = (char)(crc >> (8 * i));
    write_file(wpath("v.snap"), buf, len);
    ss_errmsg err = "";
    cr_expect_eq(verify(wpath("v.snap"), err), SS_ECORRUPT);
    cr_expect(strstr(err, "version 2") != NULL, "%s", err);
    cr_expect_eq(ss_store_snapfile_info(wpath("v.snap"), NULL, NULL, NULL), SS_ECORRUPT);
    free(buf);
}

Test(snapfile, stage_of_a_damaged_file_changes_nothing)
{
    size_t len = 0;
    char *buf = small_snapshot(&len);
    buf[len / 2] ^= 1;
    write_file(wpath("d.snap"), buf, len);
    free(buf);
    ss_store_staged *st = NULL;
    ss_errmsg err = "";
    cr_expect_eq(ss_store_stage_snapshot(wpath("node"), wpath("d.snap"), NULL, &st, err),
                 SS_ECORRUPT, "%s", err);
    cr_expect_null(st);
    cr_expect(!exists(wpath("node/state-9")));
    cr_expect(!exists(wpath("node/STATE")));
    cr_expect(!exists(wpath("node/STATE.tmp")));
}

/* ---- adopt ---- */

static void ks_put(ss_txn *t, int db, const char *k)
{
    ss_keymeta m = { .type = SS_TYPE_STRING };
    cr_assert_eq(ss_ks_set(t, db, k, strlen(k), &m, "v", 1), SS_OK);
}

static uint64_t dbsize(ss_store *s, int db)
{
    ss_txn *t = ss_txn_begin(s);
    uint64_t n = 0;
    cr_assert_eq(ss_ks_dbsize(t, db, &n), SS_OK);
    ss_txn_abort(t);
    return n;
}

/* src gets 10 keys in db 0 and 4 in db 3 at index 100, snapshotted to
 * work/ks.snap; a live store in work/node gets 3 keys in db 0 at index 5. */
static ss_store *live_and_snapshot(void)
{
    char k[16];
    ss_txn *t = ss_txn_begin(src.s);
    for (int i = 0; i < 10; i++) {
        snprintf(k, sizeof k, "a%d", i);
        ks_put(t, 0, k);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(k, sizeof k, "b%d", i);
        ks_put(t, 3, k);
    }
    commit(t, 100);
    write_snap(src.s, 4, wpath("ks.snap"));

    ss_store *live = open_store(wpath("node"));
    t = ss_txn_begin(live);
    ks_put(t, 0, "old1");
    ks_put(t, 0, "old2");
    ks_put(t, 0, "old3");
    commit(t, 5);
    cr_assert_eq(dbsize(live, 0), 3);
    return live;
}

Test(snapfile, adopt_switches_a_live_store_to_the_staged_state)
{
    ss_store *live = live_and_snapshot();
    ss_store_staged *st = stage(wpath("node"), wpath("ks.snap"));
    ss_store_retired *old = NULL;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_adopt(live, st, &old, err), SS_OK, "%s", err);
    cr_assert_not_null(old);
    cr_expect_eq(ss_store_applied_index(live), 100);
    cr_expect_eq(dbsize(live, 0), 10);
    cr_expect_eq(dbsize(live, 3), 4);
    cr_expect_str_eq(ss_store_path(live), wpath("node/state-100"));
    cr_expect(exists(wpath("node/state")));
    ss_store_retired_free(old);
    cr_expect(!exists(wpath("node/state")));

    /* The store goes on from the new state, and keeps it across a reopen. */
    ss_txn *t = ss_txn_begin(live);
    ks_put(t, 0, "after");
    commit(t, 101);
    ss_store_close(live);
    live = open_store(wpath("node"));
    cr_expect_eq(ss_store_applied_index(live), 101);
    cr_expect_eq(dbsize(live, 0), 11);
    cr_expect_eq(dbsize(live, 3), 4);
    ss_store_close(live);
}

Test(snapfile, a_second_adopt_retires_the_first_staged_state)
{
    ss_store *live = live_and_snapshot();
    ss_store_retired *old = NULL;
    cr_assert_eq(ss_store_adopt(live, stage(wpath("node"), wpath("ks.snap")), &old, NULL), SS_OK);
    ss_store_retired_free(old);

    ss_txn *t = ss_txn_begin(src.s);
    ks_put(t, 5, "c");
    commit(t, 200);
    write_snap(src.s, 6, wpath("ks2.snap"));
    cr_assert_eq(ss_store_adopt(live, stage(wpath("node"), wpath("ks2.snap")), &old, NULL), SS_OK);
    cr_expect_eq(dbsize(live, 5), 1);
    ss_store_retired_free(old);
    cr_expect(!exists(wpath("node/state-100")));
    cr_expect(exists(wpath("node/state-200")));
    ss_store_close(live);
}

Test(snapfile, stage_refuses_to_overwrite_the_state_in_use)
{
    ss_store *live = live_and_snapshot();
    ss_store_retired *old = NULL;
    cr_assert_eq(ss_store_adopt(live, stage(wpath("node"), wpath("ks.snap")), &old, NULL), SS_OK);
    ss_store_retired_free(old);
    ss_store_staged *st = NULL;
    cr_expect_eq(ss_store_stage_snapshot(wpath("node"), wpath("ks.snap"), NULL, &st, NULL),
                 SS_EEXIST);
    cr_expect_null(st);
    cr_expect_eq(dbsize(live, 0), 10);
    ss_store_close(live);
}

Test(snapfile, adopt_is_refused_while_a_txn_is_open)
{
    ss_store *live = live_and_snapshot();
    ss_store_staged *st = stage(wpath("node"), wpath("ks.snap"));
    ss_txn *t = ss_txn_begin(live);
    ss_store_retired *old = NULL;
    ss_errmsg err = "";
    cr_expect_eq(ss_store_adopt(live, st, &old, err), SS_EBUSY);
    cr_expect_null(old);
    cr_expect(strstr(err, "1 open txns") != NULL, "%s", err);
    cr_expect_eq(ss_store_applied_index(live), 5);
    ss_txn_abort(t);
    cr_assert_eq(ss_store_adopt(live, st, &old, err), SS_OK, "%s", err);
    ss_store_retired_free(old);
    cr_expect_eq(ss_store_applied_index(live), 100);
    ss_store_close(live);
}

Test(snapfile, adopt_is_refused_while_a_snapshot_view_is_alive)
{
    ss_store *live = live_and_snapshot();
    ss_store_staged *st = stage(wpath("node"), wpath("ks.snap"));
    ss_store_snapshot *v = NULL;
    cr_assert_eq(ss_store_snapshot_new(live, &v), SS_OK);
    ss_store_retired *old = NULL;
    cr_expect_eq(ss_store_adopt(live, st, &old, NULL), SS_EBUSY);
    cr_expect_eq(ss_store_applied_index(live), 5);
    ss_store_snapshot_free(v);
    cr_assert_eq(ss_store_adopt(live, st, &old, NULL), SS_OK);
    ss_store_retired_free(old);
    ss_store_close(live);
}

/* ---- crashes and ss_store_open ---- */

Test(snapfile, open_after_a_crash_before_the_switch_keeps_the_old_state)
{
    ss_store *live = live_and_snapshot();
    ss_store_close(live);
    /* The stage got as far as writing STATE.tmp, and another one had begun
     * a directory it never finished. */
    ss_store_staged_free(stage(wpath("node"), wpath("ks.snap")));
    cr_assert_eq(rename(wpath("node/STATE"), wpath("node/STATE.tmp")), 0);
    mkdir(wpath("node/state-300"), 0755);
    write_file(wpath("node/state-300/000005.ldb"), "partial", 7);

    live = open_store(wpath("node"));
    cr_expect_eq(ss_store_applied_index(live), 5);
    cr_expect_eq(dbsize(live, 0), 3);
    cr_expect_str_eq(ss_store_path(live), wpath("node/state"));
    cr_expect(!exists(wpath("node/state-100")));
    cr_expect(!exists(wpath("node/state-300")));
    cr_expect(!exists(wpath("node/STATE.tmp")));
    ss_store_close(live);
}

Test(snapfile, open_after_a_crash_after_the_switch_opens_the_new_state)
{
    ss_store *live = live_and_snapshot();
    ss_store_close(live);
    ss_store_staged_free(stage(wpath("node"), wpath("ks.snap"))); /* never adopted */
    live = open_store(wpath("node"));
    cr_expect_eq(ss_store_applied_index(live), 100);
    cr_expect_eq(dbsize(live, 0), 10);
    cr_expect(!exists(wpath("node/state")));
    cr_expect(exists(wpath("node/state-100")));
    ss_store_close(live);
}

Test(snapfile, open_leaves_other_files_of_the_directory_alone)
{
    ss_store_close(open_store(wpath("node")));
    mkdir(wpath("node/snapshots"), 0755);
    write_file(wpath("node/snapshots/9-3.snap"), "x", 1);
    write_file(wpath("node/state-x"), "x", 1);
    write_file(wpath("node/raft-log"), "x", 1);
    ss_store_close(open_store(wpath("node")));
    cr_expect(exists(wpath("node/snapshots/9-3.snap")));
    cr_expect(exists(wpath("node/state-x")));
    cr_expect(exists(wpath("node/raft-log")));
}

Test(snapfile, open_refuses_a_state_file_naming_anything_else)
{
    const char *bad[] = { "", "\n", "../etc", "state-", "state-12a", "state/../x", "STATE",
                          "state-1\nstate-2\n", "state-123456789012345678901" };
    ss_store_close(open_store(wpath("node")));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_state_file(wpath("node"), bad[i]);
        ss_store *s = NULL;
        ss_errmsg err = "";
        cr_expect_eq(ss_store_open(wpath("node"), NULL, &s, err), SS_ECORRUPT, "'%s'", bad[i]);
        cr_expect_null(s);
    }
    cr_expect(exists(wpath("node/state")), "a refused open removes nothing");
}

Test(snapfile, open_refuses_a_state_file_naming_a_missing_directory)
{
    ss_store_close(open_store(wpath("node")));
    write_state_file(wpath("node"), "state-7\n");
    ss_store *s = NULL;
    ss_errmsg err = "";
    cr_expect_eq(ss_store_open(wpath("node"), NULL, &s, err), SS_ECORRUPT);
    cr_expect(strstr(err, "state-7") != NULL, "%s", err);
    cr_expect(!exists(wpath("node/state-7")), "no empty state is created in its place");
    cr_expect(exists(wpath("node/state")));
}

Test(snapfile, a_refused_second_open_removes_nothing)
{
    ss_store *live = open_store(wpath("node"));
    /* The live instance is staging into state-300. */
    mkdir(wpath("node/state-300"), 0755);
    write_file(wpath("node/state-300/000005.ldb"), "in progress", 11);
    write_file(wpath("node/STATE.tmp"), "state-300\n", 10);
    ss_store *again = NULL;
    cr_expect_neq(ss_store_open(wpath("node"), NULL, &again, NULL), SS_OK);
    cr_expect_null(again);
    cr_expect(exists(wpath("node/state-300/000005.ldb")));
    cr_expect(exists(wpath("node/STATE.tmp")));
    ss_store_close(live);
}

extern char **environ;

static pid_t spawn_stage(const char *dir, const char *snap)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 3, sizeof *env);
    char vdir[300], vsnap[300];
    snprintf(vdir, sizeof vdir, "SS_TEST_STAGE_DIR=%s", dir);
    snprintf(vsnap, sizeof vsnap, "SS_TEST_STAGE_SNAP=%s", snap);
    memcpy(env, environ, n * sizeof *env);
    env[n] = vdir;
    env[n + 1] = vsnap;
    char *argv[] = { "test_snapfile", NULL };
    pid_t pid = 0;
    cr_assert_eq(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, env), 0);
    free(env);
    return pid;
}

Test(snapfile, stage_survives_a_kill_at_any_moment, .timeout = 240)
{
    fill(src.s);
    digest snap = digest_of(src.s);
    write_snap(src.s, 7, wpath("k.snap"));
    int olds = 0, news = 0;
    for (int i = 0; i < 16; i++) {
        char name[32];
        snprintf(name, sizeof name, "node-%d", i);
        const char *dir = wpath(name);
        ss_store *s = open_store(dir);
        ss_txn *t = ss_txn_begin(s);
        ks_put(t, 0, "old1");
        ks_put(t, 0, "old2");
        ks_put(t, 0, "old3");
        commit(t, 5);
        ss_store_close(s);

        pid_t pid = spawn_stage(dir, wpath("k.snap"));
        usleep((useconds_t)i * 20000); /* the later kills may find the child done */
        kill(pid, SIGKILL);
        int status = 0;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));

        s = open_store(dir);
        bool old_state = ss_store_applied_index(s) == 5;
        if (old_state) {
            cr_expect_eq(dbsize(s, 0), 3, "kill %d: the old state is whole", i);
            olds++;
        } else {
            cr_assert_eq(ss_store_applied_index(s), 42, "kill %d", i);
            digest d = digest_of(s);
            cr_expect(d.crc == snap.crc && d.keys == snap.keys, "kill %d: the new state is whole", i);
            news++;
        }
        ss_store_close(s);
        char other[64], tmp[64];
        snprintf(other, sizeof other, "%s/%s", name, old_state ? "state-42" : "state");
        snprintf(tmp, sizeof tmp, "%s/STATE.tmp", name);
        cr_expect(!exists(wpath(other)), "kill %d: '%s' left over", i, other);
        cr_expect(!exists(wpath(tmp)), "kill %d: STATE.tmp left over", i);
    }
    cr_log_info("kills: %d left the old state, %d the new one", olds, news);
}

Test(snapfile, a_store_goes_back_to_its_own_snapshot_in_place)
{
    fill(src.s);
    digest at42 = digest_of(src.s);
    write_snap(src.s, 7, wpath("own.snap"));
    ss_txn *t = ss_txn_begin(src.s);
    put(t, "after", 5, "x", 1);
    commit(t, 60);
    ss_store_retired *old = NULL;
    cr_assert_eq(ss_store_adopt(src.s, stage(src.dir, wpath("own.snap")), &old, NULL), SS_OK);
    ss_store_retired_free(old);
    cr_expect_eq(ss_store_applied_index(src.s), 42);
    cr_expect_eq(digest_of(src.s).crc, at42.crc);
    char path[128];
    snprintf(path, sizeof path, "%s/state", src.dir);
    cr_expect(!exists(path));
    fixture_reopen(&src);
    cr_expect_eq(ss_store_applied_index(src.s), 42);
    cr_expect_eq(digest_of(src.s).crc, at42.crc);
}
