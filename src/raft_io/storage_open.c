/* Opening the Raft log: directory set-up, meta file, segment scans, torn-tail repair. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "raft_io/storage_internal.h"

/* Creates path if missing; parent (may be NULL) is fsynced so the new entry lasts. */
static int make_dir(const char *path, const char *parent, char *errmsg)
{
    if (mkdir(path, 0755) == 0) {
        if (parent != NULL)
            return ss_fsync_dir(parent, errmsg);
    } else if (errno != EEXIST) {
        return ss_errf(errmsg, SS_EIO, "storage: create directory '%s': %s", path,
                       strerror(errno));
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return ss_errf(errmsg, SS_EIO, "storage: '%s' is not a directory", path);
    return SS_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lists seg-<20 digits> files by first index; other names are left alone. */
static int list_segments(const char *raftdir, uint64_t **out, size_t *n, char *errmsg)
{
    DIR *d = opendir(raftdir);
    if (d == NULL)
        return ss_errf(errmsg, SS_EIO, "storage: open directory '%s': %s", raftdir,
                       strerror(errno));
    uint64_t *firsts = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    const size_t plen = strlen(SS_SEG_PREFIX);
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (strncmp(name, SS_SEG_PREFIX, plen) != 0 || strlen(name) != plen + 20 ||
            strspn(name + plen, "0123456789") != 20)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *grown = realloc(firsts, cap * sizeof *grown);
            if (grown == NULL) {
                free(firsts);
                closedir(d);
                return ss_errf(errmsg, SS_ENOMEM, "storage: out of memory");
            }
            firsts = grown;
        }
        firsts[count++] = strtoull(name + plen, NULL, 10);
    }
    closedir(d);
    if (count > 1)
        qsort(firsts, count, sizeof *firsts, cmp_u64);
    *out = firsts;
    *n = count;
    return SS_OK;
}

typedef struct {
    ss_storage *s;
    ss_storage_state *state;
    size_t cap;
} loader;

static int load_record(void *arg, const ss_rec_header *h, const uint8_t *payload, uint64_t off)
{
    loader *l = arg;
    int rc = ss_writer_add_record(&l->s->w, off);
    if (rc != SS_OK)
        return rc;
    ss_storage_state *st = l->state;
    if (h->index < st->first_index)
        return SS_OK; /* compacted away, still in a segment that straddles first_index */
    if (st->n_entries == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        ss_log_entry *grown = realloc(st->entries, cap * sizeof *grown);
        if (grown == NULL)
            return SS_ENOMEM;
        st->entries = grown;
        l->cap = cap;
    }
    ss_log_entry *e = &st->entries[st->n_entries];
    *e = (ss_log_entry){.index = h->index, .term = h->term, .type = h->type, .len = h->len};
    if (h->len > 0) {
        if ((e->data = malloc(h->len)) == NULL)
            return SS_ENOMEM;
        memcpy(e->data, payload, h->len);
    }
    st->n_entries++;
    return SS_OK;
}

/* Cuts a torn tail off the last segment (or removes it if even its header is
 * torn), durably before anything is appended after it: the removal by a
 * directory fsync, the cut by fdatasync and a checked close. */
static int repair_tail(const char *raftdir, const char *path, const ss_seg_scan *scan, bool sync,
                       char *errmsg)
{
    LOG_WARNING("storage: torn tail in '%s' at offset %" PRIu64 ", dropping %" PRIu64 " bytes",
                path, scan->valid_end, scan->file_size - scan->valid_end);
    if (!scan->header_valid) {
        if (unlink(path) != 0)
            return ss_errf(errmsg, SS_EIO, "storage: remove '%s': %s", path, strerror(errno));
        return sync ? ss_fsync_dir(raftdir, errmsg) : SS_OK;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "storage: open '%s': %s", path, strerror(errno));
    int rc = SS_OK;
    if (ftruncate(fd, (off_t)scan->valid_end) != 0 || (sync && fdatasync(fd) != 0))
        rc = ss_errf(errmsg, SS_EIO, "storage: truncate '%s' to %" PRIu64 " bytes: %s", path,
                     scan->valid_end, strerror(errno));
    /* Some file systems (NFS) report a failed write-back only at close. */
    if (close(fd) != 0 && rc == SS_OK)
        rc = ss_errf(errmsg, SS_EIO, "storage: close '%s' after truncating it: %s", path,
                     strerror(errno));
    return rc;
}

static int load_segment(ss_storage *s, loader *l, uint64_t first, bool is_last, char *errmsg)
{
    char path[4096];
    ss_writer *w = &s->w;
    ss_writer_seg_path(w, first, path, sizeof path);
    ss_seg_scan scan;
    bool sync = s->opts.fsync == SS_FSYNC_ALWAYS;
    int rc = ss_writer_add_segment(w, first, SS_SEG_HEADER_SIZE);
    if (rc == SS_OK)
        rc = ss_segment_scan(path, is_last, SS_REC_MAX_LEN, load_record, l, &scan, errmsg);
    if (rc == SS_ENOMEM)
        return ss_errf(errmsg, rc, "storage: out of memory loading '%s'", path);
    if (rc != SS_OK)
        return rc;
    if (!scan.header_valid) {
        /* Only possible for the last segment, torn while it was being created. */
        free(w->segs[--w->nsegs].offsets);
        return repair_tail(w->raftdir, path, &scan, sync, errmsg);
    }
    if (scan.first_index != first)
        return ss_errf(errmsg, SS_ECORRUPT, "storage: '%s' at offset 0 says it starts at index %"
                       PRIu64, path, scan.first_index);
    /* A segment wholly below the first index may be a leftover of a compaction
     * whose deletions never reached the disk; drop_compacted removes it, so it
     * need not line up with what follows. */
    const ss_segment *prev = w->nsegs > 1 ? &w->segs[w->nsegs - 2] : NULL;
    if (prev != NULL && prev->first + prev->count > w->meta.first_index) {
        if (prev->first + prev->count != first)
            return ss_errf(errmsg, SS_ECORRUPT, "storage: index gap before '%s' at offset 0: "
                           "previous segment ends at %" PRIu64, path, prev->first + prev->count - 1);
    }
    if (scan.torn && (rc = repair_tail(w->raftdir, path, &scan, sync, errmsg)) != SS_OK)
        return rc;
    w->segs[w->nsegs - 1].size = scan.valid_end;
    return SS_OK;
}

/* Finishes an interrupted compaction: segments wholly below first_index go. */
static int drop_compacted(ss_storage *s, char *errmsg)
{
    ss_writer *w = &s->w;
    bool removed = false;
    while (w->nsegs > 0 && w->segs[0].first + w->segs[0].count <= w->meta.first_index) {
        char path[4096];
        ss_writer_seg_path(w, w->segs[0].first, path, sizeof path);
        if (unlink(path) != 0)
            return ss_errf(errmsg, SS_EIO, "storage: remove '%s': %s", path, strerror(errno));
        ss_writer_drop_first(w);
        removed = true;
    }
    if (w->nsegs > 0 && w->segs[0].first > w->meta.first_index) {
        char path[4096];
        ss_writer_seg_path(w, w->segs[0].first, path, sizeof path);
        return ss_errf(errmsg, SS_ECORRUPT, "storage: index gap at '%s' offset 0: the log "
                       "should start at index %" PRIu64, path, w->meta.first_index);
    }
    return removed && s->opts.fsync == SS_FSYNC_ALWAYS ? ss_fsync_dir(w->raftdir, errmsg) : SS_OK;
}

static int recover(ss_storage *s, ss_storage_state *state, char *errmsg)
{
    uint64_t *firsts = NULL;
    size_t n = 0;
    int rc = list_segments(s->w.raftdir, &firsts, &n, errmsg);
    loader l = {.s = s, .state = state};
    state->first_index = s->w.meta.first_index;
    for (size_t i = 0; i < n && rc == SS_OK; i++)
        rc = load_segment(s, &l, firsts[i], i + 1 == n, errmsg);
    free(firsts);
    if (rc == SS_OK)
        rc = drop_compacted(s, errmsg);
    if (rc != SS_OK)
        return rc;
    state->term = s->w.meta.term;
    state->vote = s->w.meta.vote;
    state->commit = s->w.meta.commit;
    state->prev_term = s->w.meta.prev_term;
    return SS_OK;
}

static int check_opts(const ss_storage_opts *o, char *errmsg)
{
    if (o->segment_size < SS_SEG_HEADER_SIZE + SS_REC_HEADER_SIZE ||
        o->max_entry_size == 0 || o->max_entry_size > SS_REC_MAX_LEN ||
        o->max_pending_bytes == 0 || (o->fsync != SS_FSYNC_ALWAYS && o->fsync != SS_FSYNC_NO))
        return ss_errf(errmsg, SS_EINVAL, "storage: invalid options");
    return SS_OK;
}

/* One process, one storage per directory: a second writer would interleave
 * appends. The lock lives as long as the returned descriptor. */
static int lock_dir(const char *raftdir, int *fd_out, char *errmsg)
{
    char path[4096 + 16];
    snprintf(path, sizeof path, "%s/%s", raftdir, SS_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "storage: open '%s': %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return ss_errf(errmsg, SS_EBUSY, "storage: '%s' is in use by another storage", raftdir);
        return ss_errf(errmsg, SS_EIO, "storage: lock '%s': %s", path, strerror(e));
    }
    *fd_out = fd;
    return SS_OK;
}

/* Everything after the lock: meta, segments, the object itself. */
static int open_locked(uv_loop_t *loop, const char *raftdir, const ss_storage_opts *o,
                       ss_storage **out, ss_storage_state *state, char *errmsg)
{
    char tmp[4096 + 16];
    snprintf(tmp, sizeof tmp, "%s/%s", raftdir, SS_META_TMP_FILE);
    unlink(tmp); /* a replace that never reached its rename */
    ss_storage_meta meta = {.first_index = 1};
    bool found;
    int rc = ss_meta_read(raftdir, &meta, &found, errmsg);
    if (rc != SS_OK)
        return rc;

    ss_storage *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "storage: out of memory");
    s->loop = loop;
    s->opts = *o;
    if ((rc = ss_writer_init(&s->w, raftdir, o, &meta, errmsg)) != SS_OK)
        goto err_after_alloc;
    if ((rc = recover(s, state, errmsg)) != SS_OK)
        goto err_after_writer;
    s->first_index = meta.first_index;
    s->next_index = ss_writer_last_index(&s->w) + 1;
    s->bytes = ss_writer_bytes(&s->w);
    s->stats.last_durable = s->next_index - 1;
    uv_idle_init(loop, &s->kick);
    s->kick.data = s;
    LOG_NOTICE("storage: opened '%s': log %" PRIu64 "..%" PRIu64 ", term %" PRIu64,
               raftdir, s->first_index, s->next_index - 1, meta.term);
    *out = s;
    return SS_OK;

err_after_writer:
    ss_writer_release(&s->w);
    ss_storage_state_release(state);
err_after_alloc:
    free(s);
    return rc;
}

int ss_storage_open(uv_loop_t *loop, const char *dir, const ss_storage_opts *opts,
                    ss_storage **out, ss_storage_state *state, char *errmsg)
{
    memset(state, 0, sizeof *state);
    *out = NULL;
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    if (opts != NULL)
        o = *opts;
    int rc = check_opts(&o, errmsg);
    char raftdir[4096];
    if (rc == SS_OK && (size_t)snprintf(raftdir, sizeof raftdir, "%s/raft", dir) >= 4000)
        rc = ss_errf(errmsg, SS_EINVAL, "storage: directory name too long");
    if (rc != SS_OK || (rc = make_dir(dir, NULL, errmsg)) != SS_OK ||
        (rc = make_dir(raftdir, dir, errmsg)) != SS_OK)
        return rc;
    int lock_fd = -1;
    if ((rc = lock_dir(raftdir, &lock_fd, errmsg)) != SS_OK)
        return rc;
    if ((rc = open_locked(loop, raftdir, &o, out, state, errmsg)) != SS_OK) {
        close(lock_fd);
        return rc;
    }
    (*out)->lock_fd = lock_fd;
    return SS_OK;
}
