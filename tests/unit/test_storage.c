/* The durable Raft log: round trips, truncation, hard state, group commit, recovery, compaction. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "common/error.h"
#include "common/log.h"
#include "raft_io/storage.h"
#include "raft_io/storage_format.h"

/* Each test runs in its own process (Criterion forks), so these are per test. */
static char dir[64];
static char raftdir[128];
static uv_loop_t loop;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void setup(void)
{
    ss_log_set_level(SS_LOG_NONE);
    strcpy(dir, "/tmp/ss-storage-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(raftdir, sizeof raftdir, "%s/raft", dir);
    cr_assert_eq(uv_loop_init(&loop), 0);
}

static void teardown(void)
{
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(storage, .init = setup, .fini = teardown);

/* ---- helpers ---- */

typedef struct {
    int calls;
    int status[4096];
    uint64_t last[4096];
} recorder;

static void record_cb(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    recorder *r = arg;
    cr_assert_lt(r->calls, 4096);
    r->status[r->calls] = status;
    r->last[r->calls] = last_index;
    r->calls++;
}

static ss_storage_opts small_segments(uint64_t size)
{
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.segment_size = size;
    return o;
}

static ss_storage *open_ok(const ss_storage_opts *opts, ss_storage_state *st)
{
    ss_storage *s = NULL;
    ss_errmsg err = "";
    int rc = ss_storage_open(&loop, dir, opts, &s, st, err);
    cr_assert_eq(rc, SS_OK, "open: %s (%s)", ss_strerror(rc), err);
    return s;
}

static void close_cb(void *arg) { *(int *)arg += 1; }

static void close_and_wait(ss_storage *s)
{
    int closed = 0;
    ss_storage_close(s, close_cb, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(closed, 1);
}

/* Entry payloads are derived from index and term, so any entry can be checked alone. */
static size_t payload_len(uint64_t index) { return (index * 37) % 300; }

static void fill(uint8_t *buf, size_t len, uint64_t index, uint64_t term)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(index * 131 + term * 7 + i);
}

static void check_entry(const ss_log_entry *e, uint64_t index, uint64_t term)
{
    cr_assert_eq(e->index, index);
    cr_assert_eq(e->term, term, "entry %" PRIu64 ": term %" PRIu64, index, e->term);
    cr_assert_eq(e->type, (uint8_t)(index % 3));
    size_t len = payload_len(index);
    cr_assert_eq(e->len, len, "entry %" PRIu64, index);
    uint8_t want[300];
    fill(want, len, index, term);
    cr_assert(len == 0 || memcmp(e->data, want, len) == 0, "entry %" PRIu64 " data", index);
}

/* Queues entries first..last (term) with optional truncation; does not run the loop. */
static int persist_range(ss_storage *s, uint64_t first, uint64_t last, uint64_t term,
                         bool truncate, recorder *rec)
{
    size_t n = last >= first ? last - first + 1 : 0;
    ss_log_entry *es = calloc(n ? n : 1, sizeof *es);
    for (size_t i = 0; i < n; i++) {
        uint64_t idx = first + i;
        es[i] = (ss_log_entry){.index = idx, .term = term, .type = (uint8_t)(idx % 3),
                               .len = (uint32_t)payload_len(idx)};
        es[i].data = malloc(es[i].len + 1);
        fill(es[i].data, es[i].len, idx, term);
    }
    ss_persist_req req = {.entries = es, .n_entries = n, .truncate = truncate,
                          .truncate_from = first, .cb = rec ? record_cb : NULL, .arg = rec};
    int rc = ss_storage_persist(s, &req);
    /* The storage copied the bytes: free them before anything is written. */
    for (size_t i = 0; i < n; i++)
        free(es[i].data);
    free(es);
    return rc;
}

static void persist_wait(ss_storage *s, uint64_t first, uint64_t last, uint64_t term,
                         bool truncate)
{
    recorder rec = {0};
    cr_assert_eq(persist_range(s, first, last, term, truncate, &rec), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.status[0], SS_OK);
    cr_assert_eq(rec.last[0], last >= first ? last : first - 1);
}

static int count_segments(void)
{
    DIR *d = opendir(raftdir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strncmp(de->d_name, "seg-", 4) == 0;
    closedir(d);
    return n;
}

static void seg_path(uint64_t first, char *out, size_t size)
{
    snprintf(out, size, "%s/seg-%020" PRIu64, raftdir, first);
}

/* The highest-numbered segment file. */
static uint64_t last_segment(void)
{
    DIR *d = opendir(raftdir);
    uint64_t best = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "seg-", 4) == 0 && strtoull(de->d_name + 4, NULL, 10) > best)
            best = strtoull(de->d_name + 4, NULL, 10);
    closedir(d);
    return best;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len + 1);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

/* Rewrites in place rather than with O_TRUNC: ext4 flushes files truncated to
 * zero on close, which made the exhaustive cut tests crawl. */
static void write_file(const char *path, const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0, "%s", path);
    cr_assert_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
    cr_assert_eq(ftruncate(fd, (off_t)len), 0);
    close(fd);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (uint64_t)st.st_size;
}

/* Offset of the record for index in the segment starting at first (all sizes known). */
static uint64_t record_offset(uint64_t first, uint64_t index)
{
    uint64_t off = SS_SEG_HEADER_SIZE;
    for (uint64_t i = first; i < index; i++)
        off += SS_REC_HEADER_SIZE + payload_len(i);
    return off;
}

static int open_expect_fail(const ss_storage_opts *opts, char *err)
{
    ss_storage *s = NULL;
    ss_storage_state st;
    int rc = ss_storage_open(&loop, dir, opts, &s, &st, err);
    cr_assert_neq(rc, SS_OK, "open should fail");
    cr_assert_null(s);
    cr_assert_eq(st.n_entries, 0);
    return rc;
}

static void flip_byte(const char *path, uint64_t off)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    cr_assert_lt(off, len);
    buf[off] ^= 0x40;
    write_file(path, buf, len);
    free(buf);
}

static void expect_corrupt_at(const ss_storage_opts *o, const char *path, uint64_t off)
{
    ss_errmsg err = "";
    cr_assert_eq(open_expect_fail(o, err), SS_ECORRUPT, "%s", err);
    char want[64];
    snprintf(want, sizeof want, "offset %" PRIu64, off);
    cr_expect_not_null(strstr(err, path), "errmsg '%s' does not name '%s'", err, path);
    cr_expect_not_null(strstr(err, want), "errmsg '%s' does not say '%s'", err, want);
}

/* ---- fresh logs and round trips ---- */

Test(storage, missing_directory_is_created_as_a_fresh_log)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/node", dir);
    ss_storage *s = NULL;
    ss_storage_state st;
    ss_errmsg err = "";
    cr_assert_eq(ss_storage_open(&loop, sub, NULL, &s, &st, err), SS_OK, "%s", err);
    cr_expect_eq(st.n_entries, 0);
    cr_expect_eq(st.first_index, 1);
    cr_expect_eq(st.prev_term, 0);
    cr_expect_eq(st.term, 0);
    cr_expect_eq(st.vote, 0);
    cr_expect_eq(ss_storage_first_index(s), 1);
    cr_expect_eq(ss_storage_last_index(s), 0);
    cr_expect_eq(ss_storage_bytes(s), 0);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, empty_directory_is_a_fresh_log)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    cr_expect_eq(st.n_entries, 0);
    cr_expect_eq(st.first_index, 1);
    ss_storage_state_release(&st);
    close_and_wait(s);
    /* Reopening a log that never had an entry is still fresh. */
    s = open_ok(NULL, &st);
    cr_expect_eq(st.n_entries, 0);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, entries_survive_reopen_across_several_segments)
{
    ss_storage_opts o = small_segments(4096);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    ss_storage_state_release(&st);
    for (uint64_t i = 1; i <= 1000; i += 10)
        persist_wait(s, i, i + 9, 1 + i / 100, false);
    cr_expect_eq(ss_storage_last_index(s), 1000);
    uint64_t bytes = ss_storage_bytes(s);
    cr_expect_gt(bytes, 1000 * SS_REC_HEADER_SIZE);
    close_and_wait(s);
    cr_expect_gt(count_segments(), 10);

    s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 1000);
    cr_expect_eq(st.first_index, 1);
    for (uint64_t i = 1; i <= 1000; i++)
        check_entry(&st.entries[i - 1], i, 1 + ((i - 1) / 10 * 10 + 1) / 100);
    cr_expect_eq(ss_storage_bytes(s), bytes);
    cr_expect_eq(ss_storage_last_index(s), 1000);
    ss_storage_state_release(&st);
    /* And appending continues where the log left off. */
    persist_wait(s, 1001, 1001, 20, false);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 1001);
    check_entry(&st.entries[1000], 1001, 20);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, hard_state_survives_reopen)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    recorder rec = {0};
    ss_persist_req req = {.set_hard_state = true, .term = 7, .vote = 3, .commit = 5,
                          .cb = record_cb, .arg = &rec};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.status[0], SS_OK);
    cr_expect_eq(rec.last[0], 0);
    close_and_wait(s);

    s = open_ok(NULL, &st);
    cr_expect_eq(st.term, 7);
    cr_expect_eq(st.vote, 3);
    cr_expect_eq(st.commit, 5);
    ss_storage_state_release(&st);
    /* The latest of several hard states in one round wins. */
    for (uint64_t t = 8; t <= 12; t++) {
        ss_persist_req r2 = {.set_hard_state = true, .term = t, .vote = t % 3};
        cr_assert_eq(ss_storage_persist(s, &r2), SS_OK);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    close_and_wait(s);
    s = open_ok(NULL, &st);
    cr_expect_eq(st.term, 12);
    cr_expect_eq(st.vote, 0);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

/* ---- truncation ---- */

Test(storage, truncate_from_then_append_replaces_the_suffix)
{
    ss_storage_opts o = small_segments(2048);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 60, 1, false);
    int segs_before = count_segments();
    cr_assert_gt(segs_before, 3);
    /* Index 12 is in an early segment: later segments go, that one is cut. */
    persist_wait(s, 12, 15, 2, true);
    cr_expect_eq(ss_storage_last_index(s), 15);
    cr_expect_lt(count_segments(), segs_before);
    close_and_wait(s);

    s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 15);
    for (uint64_t i = 1; i <= 15; i++)
        check_entry(&st.entries[i - 1], i, i < 12 ? 1 : 2);
    ss_storage_state_release(&st);
    /* Truncating at the very first index empties the log. */
    persist_wait(s, 1, 3, 4, true);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 3);
    for (uint64_t i = 1; i <= 3; i++)
        check_entry(&st.entries[i - 1], i, 4);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, truncation_queued_in_the_same_round_applies_in_order)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    recorder rec = {0};
    cr_assert_eq(persist_range(s, 1, 10, 1, false, &rec), SS_OK);
    cr_assert_eq(persist_range(s, 5, 6, 2, true, &rec), SS_OK);
    cr_assert_eq(persist_range(s, 7, 7, 2, false, &rec), SS_OK);
    cr_expect_eq(ss_storage_last_index(s), 7);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 3);
    cr_expect_eq(rec.last[0], 10);
    cr_expect_eq(rec.last[1], 6);
    cr_expect_eq(rec.last[2], 7);
    close_and_wait(s);
    s = open_ok(NULL, &st);
    cr_assert_eq(st.n_entries, 7);
    for (uint64_t i = 1; i <= 7; i++)
        check_entry(&st.entries[i - 1], i, i < 5 ? 1 : 2);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

/* ---- group commit and ordering ---- */

Test(storage, requests_issued_together_share_one_fsync_round)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    recorder rec = {0};
    for (uint64_t i = 1; i <= 100; i++)
        cr_assert_eq(persist_range(s, i, i, 1, false, &rec), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 100);
    for (int i = 0; i < 100; i++) {
        cr_expect_eq(rec.status[i], SS_OK);
        cr_expect_eq(rec.last[i], (uint64_t)i + 1, "completion %d out of order", i);
    }
    ss_storage_stats stats;
    ss_storage_get_stats(s, &stats);
    cr_expect_eq(stats.rounds, 1);
    /* The segment, the directory entry of the new segment: nothing per request. */
    cr_expect_leq(stats.fsyncs, 3);
    cr_expect_gt(stats.fsyncs, 0);
    cr_expect_eq(stats.requests, 100);
    cr_expect_eq(stats.last_durable, 100);
    close_and_wait(s);
}

typedef struct {
    ss_storage *s;
    recorder rec;
    uint64_t next;
    uint64_t stop;
} chain;

/* Each completion issues two more requests, so requests pile up while rounds are in flight. */
static void chain_cb(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    chain *c = arg;
    record_cb(&c->rec, status, last_index, errmsg);
    for (int k = 0; k < 2 && c->next <= c->stop; k++, c->next++) {
        ss_log_entry e = {.index = c->next, .term = 1, .type = (uint8_t)(c->next % 3),
                          .len = (uint32_t)payload_len(c->next)};
        uint8_t buf[300];
        fill(buf, e.len, e.index, 1);
        e.data = buf;
        ss_persist_req req = {.entries = &e, .n_entries = 1, .cb = chain_cb, .arg = c};
        cr_assert_eq(ss_storage_persist(c->s, &req), SS_OK);
    }
}

Test(storage, completions_arrive_in_request_order_while_rounds_overlap)
{
    ss_storage_state st;
    chain c = {.next = 1, .stop = 400};
    c.s = open_ok(NULL, &st);
    for (int i = 0; i < 8; i++, c.next++) {
        ss_log_entry e = {.index = c.next, .term = 1, .type = (uint8_t)(c.next % 3),
                          .len = (uint32_t)payload_len(c.next)};
        uint8_t buf[300];
        fill(buf, e.len, e.index, 1);
        e.data = buf;
        ss_persist_req req = {.entries = &e, .n_entries = 1, .cb = chain_cb, .arg = &c};
        cr_assert_eq(ss_storage_persist(c.s, &req), SS_OK);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(c.rec.calls, 400);
    for (int i = 0; i < 400; i++)
        cr_assert_eq(c.rec.last[i], (uint64_t)i + 1, "completion %d out of order", i);
    ss_storage_stats stats;
    ss_storage_get_stats(c.s, &stats);
    cr_expect_lt(stats.rounds, 400, "no grouping: %" PRIu64 " rounds", stats.rounds);
    close_and_wait(c.s);
    c.s = open_ok(NULL, &st);
    cr_assert_eq(st.n_entries, 400);
    for (uint64_t i = 1; i <= 400; i++)
        check_entry(&st.entries[i - 1], i, 1);
    ss_storage_state_release(&st);
    close_and_wait(c.s);
}

static int closed_after;
static recorder *closed_rec;

static void close_after_cb(void *arg) { closed_after = closed_rec->calls; }

Test(storage, close_finishes_queued_requests_first)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    recorder rec = {0};
    for (uint64_t i = 1; i <= 10; i++)
        cr_assert_eq(persist_range(s, i, i, 1, false, &rec), SS_OK);
    closed_after = -1;
    closed_rec = &rec;
    ss_storage_close(s, close_after_cb, NULL);
    cr_expect_eq(persist_range(s, 11, 11, 1, false, &rec), SS_ECLOSED);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(closed_after, 10, "close callback ran before the completions");
    cr_assert_eq(rec.calls, 10);
    for (int i = 0; i < 10; i++)
        cr_expect_eq(rec.status[i], SS_OK);
    s = open_ok(NULL, &st);
    cr_expect_eq(st.n_entries, 10);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

/* ---- recovery from damage ---- */

/* Writes entries 1..n with small segments and closes; returns the options used. */
static ss_storage_opts write_log(uint64_t n, uint64_t segment_size)
{
    ss_storage_opts o = small_segments(segment_size);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, n, 1, false);
    close_and_wait(s);
    return o;
}

Test(storage, torn_tail_at_every_byte_of_the_last_record_drops_only_that_record)
{
    ss_storage_opts o = write_log(40, 4096);
    cr_assert_gt(count_segments(), 1);
    uint64_t first = last_segment();
    char path[256];
    seg_path(first, path, sizeof path);
    size_t len;
    uint8_t *orig = read_file(path, &len);
    uint64_t rec_off = record_offset(first, 40);
    cr_assert_eq(rec_off + SS_REC_HEADER_SIZE + payload_len(40), len);

    for (uint64_t cut = rec_off; cut < len; cut++) {
        write_file(path, orig, cut);
        ss_storage_state st;
        ss_storage *s = open_ok(&o, &st);
        cr_assert_eq(st.n_entries, 39, "cut at %" PRIu64, cut);
        check_entry(&st.entries[38], 39, 1);
        cr_assert_eq(ss_storage_last_index(s), 39);
        cr_assert_eq(file_size(path), rec_off, "tail not cut at %" PRIu64, cut);
        ss_storage_state_release(&st);
        close_and_wait(s);
    }
    /* Garbage rather than a short file is a torn tail too, and the log goes on. */
    uint8_t *junk = malloc(len);
    memcpy(junk, orig, rec_off);
    memset(junk + rec_off, 0xA5, len - rec_off);
    write_file(path, junk, len);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 39);
    ss_storage_state_release(&st);
    persist_wait(s, 40, 41, 2, false);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 41);
    check_entry(&st.entries[40], 41, 2);
    ss_storage_state_release(&st);
    close_and_wait(s);
    free(junk);
    free(orig);
}

Test(storage, a_cut_across_several_records_drops_all_of_them)
{
    ss_storage_opts o = write_log(40, 4096);
    uint64_t first = last_segment();
    cr_assert_lt(first, 37);
    char path[256];
    seg_path(first, path, sizeof path);
    uint64_t off = record_offset(first, 37);
    cr_assert_eq(truncate(path, (off_t)(off + 5)), 0);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 36);
    cr_expect_eq(file_size(path), off);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

/*
 * A torn write is a prefix: the record runs past the end of the file, or a
 * sector of it was never written and reads as zeros. A complete last record
 * that fails its checksum was written, and perhaps acknowledged, then damaged:
 * the log refuses to open rather than drop it silently.
 */
Test(storage, a_checksum_mismatch_in_a_complete_last_record_is_corruption)
{
    ss_storage_opts o = write_log(20, 1 << 20);
    char path[256];
    seg_path(1, path, sizeof path);
    uint64_t off = record_offset(1, 20);
    cr_assert_gt(payload_len(20), 0);
    flip_byte(path, off + SS_REC_HEADER_SIZE);
    expect_corrupt_at(&o, path, off);
    cr_expect_eq(file_size(path), off + SS_REC_HEADER_SIZE + payload_len(20), "nothing was cut");
}

Test(storage, a_damaged_header_of_a_complete_last_record_is_corruption)
{
    ss_storage_opts o = write_log(20, 1 << 20);
    char path[256];
    seg_path(1, path, sizeof path);
    uint64_t off = record_offset(1, 20);
    flip_byte(path, off + 17); /* inside the term: the header CRC fails, the payload is intact */
    expect_corrupt_at(&o, path, off);
}

/* Appends one entry of len bytes of value v at the end of the log and waits. */
static void persist_blob(ss_storage *s, uint32_t len, uint8_t v)
{
    uint8_t *data = malloc(len);
    memset(data, v, len);
    ss_log_entry e = {.index = ss_storage_last_index(s) + 1, .term = 1, .type = 0, .len = len,
                      .data = data};
    recorder rec = {0};
    ss_persist_req req = {.entries = &e, .n_entries = 1, .cb = record_cb, .arg = &rec};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    free(data);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.status[0], SS_OK);
}

/* A log of entries 1..10 and an 11th of 4000 bytes of 0x5a; returns its record's
 * offset, and in *sector the first sector boundary 1000 bytes into its payload. */
static uint64_t write_log_ending_in_a_big_record(ss_storage_opts *o, char *path, size_t size,
                                                 uint64_t *sector)
{
    *o = write_log(10, 1 << 20);
    ss_storage_state st;
    ss_storage *s = open_ok(o, &st);
    ss_storage_state_release(&st);
    persist_blob(s, 4000, 0x5a);
    close_and_wait(s);
    seg_path(1, path, size);
    uint64_t off = record_offset(1, 11);
    cr_assert_eq(file_size(path), off + SS_REC_HEADER_SIZE + 4000);
    *sector = (off + SS_REC_HEADER_SIZE + 1000 + 511) / 512 * 512;
    return off;
}

static void zero_bytes(const char *path, uint64_t from, uint64_t to)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    cr_assert_leq(to, len);
    memset(buf + from, 0, to - from);
    write_file(path, buf, len);
    free(buf);
}

static void expect_torn_last_of_11(const ss_storage_opts *o, const char *path, uint64_t off)
{
    ss_storage_state st;
    ss_storage *s = open_ok(o, &st);
    cr_assert_eq(st.n_entries, 10);
    check_entry(&st.entries[9], 10, 1);
    cr_expect_eq(file_size(path), off, "the torn record is cut off");
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, a_last_record_whose_trailing_sectors_were_never_written_is_torn)
{
    ss_storage_opts o;
    char path[256];
    uint64_t sector, off = write_log_ending_in_a_big_record(&o, path, sizeof path, &sector);
    uint64_t end = off + SS_REC_HEADER_SIZE + 4000;
    zero_bytes(path, sector, end); /* the file grew, the data never reached the disk */
    expect_torn_last_of_11(&o, path, off);
}

Test(storage, a_last_record_with_a_middle_sector_never_written_is_torn)
{
    /* Sectors of one write may reach the disk in any order. */
    ss_storage_opts o;
    char path[256];
    uint64_t sector, off = write_log_ending_in_a_big_record(&o, path, sizeof path, &sector);
    zero_bytes(path, sector, sector + 512);
    expect_torn_last_of_11(&o, path, off);
}

Test(storage, zeros_that_do_not_fill_a_sector_in_a_complete_last_record_are_corruption)
{
    ss_storage_opts o;
    char path[256];
    uint64_t sector, off = write_log_ending_in_a_big_record(&o, path, sizeof path, &sector);
    zero_bytes(path, sector + 1, sector + 512); /* not what an unwritten sector looks like */
    expect_corrupt_at(&o, path, off);
}

Test(storage, a_damaged_segment_header_before_valid_records_is_corruption)
{
    ss_storage_opts o = write_log(20, 1 << 20);
    char path[256];
    seg_path(1, path, sizeof path);
    flip_byte(path, 3);
    expect_corrupt_at(&o, path, 0);
}

Test(storage, any_cut_of_the_last_segment_recovers_a_prefix)
{
    ss_storage_opts o = write_log(12, 1 << 20);
    o.fsync = SS_FSYNC_NO; /* thousands of opens: keep the repairs' fsyncs out */
    char path[256];
    seg_path(1, path, sizeof path);
    size_t len;
    uint8_t *orig = read_file(path, &len);
    for (uint64_t cut = 0; cut <= len; cut++) {
        write_file(path, orig, cut);
        uint64_t whole = 0; /* records wholly inside the cut */
        while (whole < 12 && record_offset(1, whole + 2) <= cut)
            whole++;
        ss_storage_state st;
        ss_storage *s = open_ok(&o, &st);
        cr_assert_eq(st.n_entries, whole, "cut at %" PRIu64, cut);
        for (uint64_t i = 1; i <= whole; i++)
            check_entry(&st.entries[i - 1], i, 1);
        ss_storage_state_release(&st);
        close_and_wait(s);
    }
    free(orig);
}

Test(storage, a_zero_filled_tail_is_torn)
{
    ss_storage_opts o = write_log(12, 1 << 20);
    char path[256];
    seg_path(1, path, sizeof path);
    size_t len;
    uint8_t *orig = read_file(path, &len);
    uint8_t *padded = calloc(1, len + 8192);
    memcpy(padded, orig, len);
    write_file(path, padded, len + 8192);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 12);
    cr_expect_eq(file_size(path), len);
    ss_storage_state_release(&st);
    close_and_wait(s);
    free(padded);
    free(orig);
}

Test(storage, torn_header_of_a_new_last_segment_is_removed)
{
    ss_storage_opts o = write_log(10, 1 << 20);
    char path[256];
    seg_path(11, path, sizeof path);
    write_file(path, (const uint8_t *)"SSRAFT", 6);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    cr_expect_eq(st.n_entries, 10);
    cr_expect_eq(access(path, F_OK), -1);
    ss_storage_state_release(&st);
    persist_wait(s, 11, 12, 1, false);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_expect_eq(st.n_entries, 12);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, flipped_payload_byte_in_a_middle_record_is_corruption)
{
    ss_storage_opts o = write_log(20, 1 << 20);
    char path[256];
    seg_path(1, path, sizeof path);
    uint64_t off = record_offset(1, 10);
    cr_assert_gt(payload_len(10), 0);
    flip_byte(path, off + SS_REC_HEADER_SIZE + payload_len(10) / 2);
    expect_corrupt_at(&o, path, off);
}

Test(storage, flipped_header_byte_in_a_middle_record_is_corruption)
{
    ss_storage_opts o = write_log(20, 1 << 20);
    char path[256];
    seg_path(1, path, sizeof path);
    uint64_t off = record_offset(1, 7);
    flip_byte(path, off + 17); /* inside the term */
    expect_corrupt_at(&o, path, off);
}

Test(storage, damage_in_a_segment_that_is_not_the_last_is_corruption)
{
    ss_storage_opts o = write_log(60, 2048);
    cr_assert_gt(count_segments(), 2);
    char path[256];
    seg_path(1, path, sizeof path);
    /* Even a cut-off tail: only the last segment may be torn. */
    uint64_t size = file_size(path);
    cr_assert_eq(truncate(path, (off_t)(size - 3)), 0);
    ss_errmsg err = "";
    cr_assert_eq(open_expect_fail(&o, err), SS_ECORRUPT, "%s", err);
    cr_expect_not_null(strstr(err, path), "%s", err);
    cr_expect_not_null(strstr(err, "offset"), "%s", err);
}

Test(storage, a_missing_middle_segment_is_an_index_gap)
{
    ss_storage_opts o = write_log(60, 2048);
    DIR *d = opendir(raftdir);
    uint64_t firsts[64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "seg-", 4) == 0 && n < 64)
            firsts[n++] = strtoull(de->d_name + 4, NULL, 10);
    closedir(d);
    cr_assert_geq(n, 3);
    uint64_t lo = UINT64_MAX, hi = 0, mid = 0;
    for (int i = 0; i < n; i++) {
        lo = firsts[i] < lo ? firsts[i] : lo;
        hi = firsts[i] > hi ? firsts[i] : hi;
    }
    for (int i = 0; i < n; i++)
        if (firsts[i] != lo && firsts[i] != hi)
            mid = firsts[i];
    char path[256];
    seg_path(mid, path, sizeof path);
    cr_assert_eq(unlink(path), 0);
    ss_errmsg err = "";
    cr_assert_eq(open_expect_fail(&o, err), SS_ECORRUPT, "%s", err);
    cr_expect_not_null(strstr(err, "gap"), "%s", err);
}

Test(storage, damaged_meta_file_is_detected)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    ss_persist_req req = {.set_hard_state = true, .term = 5, .vote = 2};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    close_and_wait(s);
    char path[256];
    snprintf(path, sizeof path, "%s/meta", raftdir);
    size_t len;
    uint8_t *orig = read_file(path, &len);
    for (uint64_t off = 0; off < len; off += 7) {
        flip_byte(path, off);
        ss_errmsg err = "";
        cr_assert_eq(open_expect_fail(NULL, err), SS_ECORRUPT, "flip at %" PRIu64, off);
        cr_expect_not_null(strstr(err, path), "%s", err);
        write_file(path, orig, len);
    }
    write_file(path, orig, len - 1);
    ss_errmsg err = "";
    cr_assert_eq(open_expect_fail(NULL, err), SS_ECORRUPT, "%s", err);
    free(orig);
}

/* ---- compaction ---- */

Test(storage, compact_removes_whole_segments_below_the_new_start)
{
    ss_storage_opts o = small_segments(2048);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 200, 3, false);
    int before = count_segments();
    uint64_t bytes_before = ss_storage_bytes(s);
    recorder rec = {0};
    cr_assert_eq(ss_storage_compact(s, 100, 3, record_cb, &rec), SS_OK);
    cr_expect_eq(ss_storage_first_index(s), 101);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.status[0], SS_OK);
    cr_expect_lt(count_segments(), before);
    cr_expect_lt(ss_storage_bytes(s), bytes_before);
    cr_expect_eq(ss_storage_last_index(s), 200);
    close_and_wait(s);

    s = open_ok(&o, &st);
    cr_expect_eq(st.first_index, 101);
    cr_expect_eq(st.prev_term, 3);
    cr_assert_eq(st.n_entries, 100);
    for (uint64_t i = 101; i <= 200; i++)
        check_entry(&st.entries[i - 101], i, 3);
    ss_storage_state_release(&st);
    /* Truncating below the new start is refused. */
    cr_expect_eq(persist_range(s, 100, 100, 4, true, NULL), SS_EINVAL);
    close_and_wait(s);
}

Test(storage, truncating_at_the_first_index_after_a_compaction_replaces_the_whole_log)
{
    ss_storage_opts o = small_segments(2048);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 120, 1, false);
    cr_assert_eq(ss_storage_compact(s, 100, 1, NULL, NULL), SS_OK);
    /* The segment holding 101 also holds compacted entries: it is cut, not removed. */
    char p101[256];
    seg_path(101, p101, sizeof p101);
    cr_assert_eq(access(p101, F_OK), -1, "101 starts a segment: the test needs it inside one");
    persist_wait(s, 101, 104, 2, true);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_expect_eq(st.first_index, 101);
    cr_assert_eq(st.n_entries, 4);
    for (uint64_t i = 101; i <= 104; i++)
        check_entry(&st.entries[i - 101], i, 2);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, compact_past_the_last_index_restarts_the_log_there)
{
    ss_storage_opts o = small_segments(2048);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 50, 1, false);
    recorder rec = {0};
    cr_assert_eq(ss_storage_compact(s, 500, 9, record_cb, &rec), SS_OK);
    cr_expect_eq(ss_storage_last_index(s), 500);
    /* Appends may follow at once: they are applied after the compaction. */
    persist_wait(s, 501, 502, 9, false);
    cr_assert_eq(rec.calls, 1);
    cr_expect_eq(count_segments(), 1);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_expect_eq(st.first_index, 501);
    cr_expect_eq(st.prev_term, 9);
    cr_assert_eq(st.n_entries, 2);
    check_entry(&st.entries[0], 501, 9);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, interrupted_compaction_is_finished_on_open)
{
    ss_storage_opts o = write_log(60, 2048);
    int before = count_segments();
    /* The meta file moved on but the crash came before the segments went. */
    ss_storage_meta m = {.term = 1, .first_index = 41, .prev_term = 1};
    uint64_t fsyncs = 0;
    ss_errmsg err = "";
    cr_assert_eq(ss_meta_write(raftdir, &m, false, &fsyncs, err), SS_OK, "%s", err);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    cr_expect_eq(st.first_index, 41);
    cr_assert_eq(st.n_entries, 20);
    check_entry(&st.entries[0], 41, 1);
    cr_expect_lt(count_segments(), before);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, segments_a_compaction_removed_may_come_back_after_a_crash)
{
    ss_storage_opts o = small_segments(2048);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 50, 1, false);
    char path[256];
    seg_path(1, path, sizeof path);
    size_t len;
    uint8_t *old = read_file(path, &len);
    cr_assert_eq(ss_storage_compact(s, 500, 9, NULL, NULL), SS_OK);
    persist_wait(s, 501, 503, 9, false);
    close_and_wait(s);
    /* The directory fsync after the deletion never happened: the file is back. */
    write_file(path, old, len);
    free(old);
    s = open_ok(&o, &st);
    cr_expect_eq(st.first_index, 501);
    cr_assert_eq(st.n_entries, 3);
    check_entry(&st.entries[2], 503, 9);
    cr_expect_eq(access(path, F_OK), -1);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, a_log_starting_after_the_recorded_first_index_is_a_gap)
{
    ss_storage_opts o = write_log(60, 2048);
    char path[256];
    seg_path(1, path, sizeof path);
    cr_assert_eq(unlink(path), 0);
    ss_errmsg err = "";
    cr_assert_eq(open_expect_fail(&o, err), SS_ECORRUPT, "%s", err);
    cr_expect_not_null(strstr(err, "gap"), "%s", err);
}

/* ---- sizes, modes, limits, failures ---- */

Test(storage, a_50mb_entry_round_trips)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    size_t len = 50u << 20;
    uint8_t *big = malloc(len);
    for (size_t i = 0; i < len; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    ss_log_entry e = {.index = 1, .term = 2, .type = 1, .len = (uint32_t)len, .data = big};
    recorder rec = {0};
    ss_persist_req req = {.entries = &e, .n_entries = 1, .cb = record_cb, .arg = &rec};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.status[0], SS_OK);
    close_and_wait(s);
    s = open_ok(NULL, &st);
    cr_assert_eq(st.n_entries, 1);
    cr_assert_eq(st.entries[0].len, len);
    cr_assert_eq(st.entries[0].term, 2);
    cr_assert(memcmp(st.entries[0].data, big, len) == 0);
    ss_storage_state_release(&st);
    close_and_wait(s);
    free(big);
}

Test(storage, fsync_no_still_persists_across_reopen)
{
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.fsync = SS_FSYNC_NO;
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 30, 1, false);
    ss_persist_req req = {.set_hard_state = true, .term = 4, .vote = 1};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    ss_storage_stats stats;
    ss_storage_get_stats(s, &stats);
    cr_expect_eq(stats.fsyncs, 0);
    close_and_wait(s);
    s = open_ok(NULL, &st);
    cr_assert_eq(st.n_entries, 30);
    cr_expect_eq(st.term, 4);
    check_entry(&st.entries[29], 30, 1);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, rejects_requests_that_do_not_continue_the_log)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    cr_expect_eq(persist_range(s, 2, 3, 1, false, NULL), SS_EINVAL);
    cr_expect_eq(persist_range(s, 1, 3, 1, false, NULL), SS_OK);
    cr_expect_eq(persist_range(s, 3, 4, 1, false, NULL), SS_EINVAL);
    cr_expect_eq(persist_range(s, 5, 5, 1, true, NULL), SS_EINVAL); /* past the end + 1 */
    cr_expect_eq(persist_range(s, 4, 4, 1, true, NULL), SS_OK);     /* at the end: no-op cut */
    cr_expect_eq(ss_storage_last_index(s), 4);
    uv_run(&loop, UV_RUN_DEFAULT);
    close_and_wait(s);
}

Test(storage, rejects_entries_above_the_size_limit)
{
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.max_entry_size = 100;
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    uint8_t buf[101] = {0};
    ss_log_entry e = {.index = 1, .term = 1, .len = 101, .data = buf};
    ss_persist_req req = {.entries = &e, .n_entries = 1};
    cr_expect_eq(ss_storage_persist(s, &req), SS_ETOOBIG);
    e.len = 100;
    cr_expect_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    close_and_wait(s);
}

Test(storage, pending_bytes_past_the_limit_are_refused_until_a_round_completes)
{
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.max_pending_bytes = 4096;
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    uint8_t buf[3000] = {0};
    ss_log_entry e = {.index = 1, .term = 1, .len = sizeof buf, .data = buf};
    ss_persist_req req = {.entries = &e, .n_entries = 1};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK); /* alone, even a big request passes */
    e.index = 2;
    cr_expect_eq(ss_storage_persist(s, &req), SS_EBUSY);
    cr_expect_eq(ss_storage_last_index(s), 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    close_and_wait(s);
}

Test(storage, a_failed_write_fails_the_log_for_good)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    /* A directory where the first segment must be created makes the create fail. */
    char path[256];
    seg_path(1, path, sizeof path);
    cr_assert_eq(mkdir(path, 0755), 0);
    recorder rec = {0};
    cr_assert_eq(persist_range(s, 1, 2, 1, false, &rec), SS_OK);
    cr_assert_eq(persist_range(s, 3, 3, 1, false, &rec), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 2);
    cr_expect_eq(rec.status[0], SS_EIO);
    cr_expect_eq(rec.status[1], SS_EIO);
    cr_expect_eq(persist_range(s, 3, 3, 1, false, &rec), SS_EIO);
    cr_expect_eq(ss_storage_compact(s, 1, 1, NULL, NULL), SS_EIO);
    close_and_wait(s);
}

typedef struct {
    ss_storage *s;
    recorder rec;
    int closed;
} closer;

static void close_from_cb(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    closer *c = arg;
    record_cb(&c->rec, status, last_index, errmsg);
    if (c->rec.calls == 2)
        ss_storage_close(c->s, close_cb, &c->closed);
}

Test(storage, a_completion_callback_may_close_the_storage)
{
    ss_storage_state st;
    closer c = {0};
    c.s = open_ok(NULL, &st);
    for (uint64_t i = 1; i <= 5; i++) {
        ss_log_entry e = {.index = i, .term = 1};
        ss_persist_req req = {.entries = &e, .n_entries = 1, .cb = close_from_cb, .arg = &c};
        cr_assert_eq(ss_storage_persist(c.s, &req), SS_OK);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(c.closed, 1);
    cr_assert_eq(c.rec.calls, 5);
    for (int i = 0; i < 5; i++)
        cr_expect_eq(c.rec.status[i], SS_OK);
    ss_storage *s = open_ok(NULL, &st);
    cr_expect_eq(st.n_entries, 5);
    cr_expect_null(st.entries[0].data);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, compacting_below_the_first_index_changes_nothing)
{
    ss_storage_opts o = small_segments(2048);
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    persist_wait(s, 1, 100, 2, false);
    recorder rec = {0};
    cr_assert_eq(ss_storage_compact(s, 50, 2, record_cb, &rec), SS_OK);
    cr_assert_eq(ss_storage_compact(s, 30, 1, record_cb, &rec), SS_OK);
    cr_expect_eq(ss_storage_first_index(s), 51);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 2);
    close_and_wait(s);
    s = open_ok(&o, &st);
    cr_expect_eq(st.first_index, 51);
    cr_expect_eq(st.prev_term, 2);
    cr_expect_eq(st.n_entries, 50);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, a_lower_entry_size_limit_still_reads_bigger_old_entries)
{
    write_log(20, 1 << 20);
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.max_entry_size = 10;
    ss_storage_state st;
    ss_storage *s = open_ok(&o, &st);
    cr_assert_eq(st.n_entries, 20);
    check_entry(&st.entries[19], 20, 1);
    ss_storage_state_release(&st);
    close_and_wait(s);
}

Test(storage, a_directory_in_use_is_refused)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    ss_storage *other = NULL;
    ss_storage_state st2;
    ss_errmsg err = "";
    cr_expect_eq(ss_storage_open(&loop, dir, NULL, &other, &st2, err), SS_EBUSY);
    cr_expect_null(other);
    close_and_wait(s);
    /* Closing releases the directory. */
    s = open_ok(NULL, &st);
    close_and_wait(s);
}

Test(storage, rejects_invalid_options)
{
    ss_storage_opts o = small_segments(10);
    ss_errmsg err = "";
    cr_expect_eq(open_expect_fail(&o, err), SS_EINVAL);
    ss_storage_opts_init(&o);
    o.max_entry_size = 1ull << 40;
    cr_expect_eq(open_expect_fail(&o, err), SS_EINVAL);
}

Test(storage, hard_state_and_entries_of_one_request_persist_together)
{
    ss_storage_state st;
    ss_storage *s = open_ok(NULL, &st);
    ss_log_entry e = {.index = 1, .term = 3, .type = 1, .len = 0};
    recorder rec = {0};
    ss_persist_req req = {.set_hard_state = true, .term = 3, .vote = 2, .entries = &e,
                          .n_entries = 1, .cb = record_cb, .arg = &rec};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    ss_persist_req barrier = {.cb = record_cb, .arg = &rec};
    cr_assert_eq(ss_storage_persist(s, &barrier), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(rec.calls, 2);
    cr_expect_eq(rec.last[0], 1);
    cr_expect_eq(rec.last[1], 1);
    close_and_wait(s);
    s = open_ok(NULL, &st);
    cr_expect_eq(st.term, 3);
    cr_expect_eq(st.vote, 2);
    cr_assert_eq(st.n_entries, 1);
    cr_expect_eq(st.entries[0].term, 3);
    ss_storage_state_release(&st);
    close_and_wait(s);
}
