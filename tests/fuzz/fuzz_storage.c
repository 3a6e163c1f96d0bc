/* Fuzz target: bytes as the Raft log's segment and meta files, opened (and repaired) through ss_storage_open as a node does at start. */
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
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

/*
 * Input: flags (1 byte), then, if flags & 1, the meta file's length (1 byte)
 * and bytes, then the rest is a segment file. Its name comes from its own
 * header's first index (bytes 16..23) when it has one, else 1, so that the
 * fuzzer can make the name and the header agree. With flags & 2 a valid
 * segment follows it (so it is not the last and may not be torn), starting
 * flags >> 2 (at least 1) indexes after it.
 *
 * The open must not crash: it succeeds or returns an error. When it succeeds,
 * the log it returns must hold contiguous entries, take one more entry, and
 * reopen with that entry last: a repair must leave a log that works.
 */

static uv_loop_t loop;
static char dir[128];
static char raftdir[160];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ss_log_set_level(SS_LOG_NONE);
    uv_loop_init(&loop);
    /* tmpfs when there is one: thousands of opens a second. */
    struct stat st;
    snprintf(dir, sizeof dir, "%s/ss-fuzz-storage-XXXXXX",
             stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(raftdir, sizeof raftdir, "%s/raft", dir);
    mkdir(raftdir, 0755);
    return 0;
}

static void write_file(const char *name, const uint8_t *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", raftdir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len))
        abort();
    fclose(f);
}

static void clear_dir(void)
{
    DIR *d = opendir(raftdir);
    if (d == NULL)
        abort();
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", raftdir, de->d_name);
        unlink(path);
    }
    closedir(d);
}

/* A valid segment starting at first, holding one record. */
static void write_valid_segment(uint64_t first)
{
    uint8_t seg[SS_SEG_HEADER_SIZE + SS_REC_HEADER_SIZE + 3];
    ss_seg_header_encode(seg, first);
    ss_rec_header h = {.index = first, .term = 1, .type = 0, .len = 3};
    uint8_t *rec = seg + SS_SEG_HEADER_SIZE;
    ss_rec_prepare(rec, &h);
    memcpy(rec + SS_REC_HEADER_SIZE, "abc", 3);
    ss_rec_seal(rec);
    char name[64];
    snprintf(name, sizeof name, SS_SEG_PREFIX "%020" PRIu64, first);
    write_file(name, seg, sizeof seg);
}

static void on_done(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    *(int *)arg = status;
}

static void on_closed(void *arg) { *(bool *)arg = true; }

static void close_storage(ss_storage *s)
{
    bool closed = false;
    ss_storage_close(s, on_closed, &closed);
    while (!closed)
        uv_run(&loop, UV_RUN_ONCE);
}

static ss_storage_opts opts(void)
{
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.fsync = SS_FSYNC_NO; /* the same recovery, without waiting for a disk */
    return o;
}

/* A log that opened must be one the node can go on with. */
static void check_usable(ss_storage *s, const ss_storage_state *st)
{
    for (size_t i = 0; i < st->n_entries; i++)
        if (st->entries[i].index != st->first_index + i)
            abort();
    uint64_t next = ss_storage_last_index(s) + 1;
    ss_log_entry e = {.index = next, .term = st->term + 1, .type = 1, .len = 4,
                      .data = (uint8_t *)"more"};
    int status = -1;
    ss_persist_req req = {.set_hard_state = true, .term = st->term + 1, .entries = &e,
                          .n_entries = 1, .cb = on_done, .arg = &status};
    /* A log that ends at UINT64_MAX takes nothing more. */
    if (next == 0 || ss_storage_persist(s, &req) != SS_OK) {
        close_storage(s);
        return;
    }
    while (status == -1)
        uv_run(&loop, UV_RUN_ONCE);
    close_storage(s);
    if (status != SS_OK)
        return; /* a write error (the directory is as the input left it) */
    ss_storage *again = NULL;
    ss_storage_state st2;
    ss_errmsg err = "";
    ss_storage_opts o = opts();
    if (ss_storage_open(&loop, dir, &o, &again, &st2, err) != SS_OK) {
        fprintf(stderr, "fuzz_storage: the repaired log does not reopen: %s\n", err);
        abort();
    }
    const ss_log_entry *last = st2.n_entries ? &st2.entries[st2.n_entries - 1] : NULL;
    if (last == NULL || last->index != next || last->len != 4 || memcmp(last->data, "more", 4)) {
        fprintf(stderr, "fuzz_storage: the entry appended after the repair is not last\n");
        abort();
    }
    ss_storage_state_release(&st2);
    close_storage(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t flags = data[0];
    size_t pos = 1;
    clear_dir();
    if (flags & 1) {
        size_t n = pos < size ? data[pos++] : 0;
        if (n > size - pos)
            n = size - pos;
        write_file(SS_META_FILE, data + pos, n);
        pos += n;
    }
    const uint8_t *seg = data + pos;
    size_t seg_len = size - pos;
    uint64_t first = seg_len >= 24 ? ss_get64(seg + 16) : 1;
    if (first == 0)
        first = 1;
    char name[64];
    snprintf(name, sizeof name, SS_SEG_PREFIX "%020" PRIu64, first);
    write_file(name, seg, seg_len);
    uint64_t gap = flags >> 2 ? flags >> 2 : 1;
    if ((flags & 2) && first < UINT64_MAX - gap)
        write_valid_segment(first + gap);

    ss_storage *s = NULL;
    ss_storage_state st;
    ss_errmsg err = "";
    ss_storage_opts o = opts();
    int rc = ss_storage_open(&loop, dir, &o, &s, &st, err);
    if (rc == SS_OK) {
        check_usable(s, &st); /* closes s */
        ss_storage_state_release(&st);
    } else if (s != NULL || st.n_entries != 0 || err[0] == '\0') {
        abort(); /* a failed open leaves nothing behind and says why */
    }
    return 0;
}
