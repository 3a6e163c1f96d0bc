/* State directories: the STATE pointer, staging a snapshot file into a fresh LevelDB, adopting it. */
#include "store/snapfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "store/store_internal.h"

/*
 * Crash safety. The state in use is the directory <dir>/STATE names, or
 * <dir>/state when there is no STATE. Staging snapshot index N does:
 *
 *   1. verify the whole file; remove a leftover <dir>/state-N (refused if it
 *      is the state in use);
 *   2. create a fresh LevelDB in <dir>/state-N and load the records, checking
 *      the file again as it streams (it could change between the passes);
 *   3. make state-N durable. LevelDB fsyncs every table it writes and its
 *      manifest (and then the directory), but not a log file it retires when
 *      the memtable fills: a flush still in progress could leave writes only
 *      in an unsynced log. So: flush the memtable (leveldb_compact_range on
 *      a range no store key is in flushes the memtable and waits for it),
 *      after which every record is in a synced table; then one write with
 *      sync = true, and an fsync of state-N itself;
 *   4. write <dir>/STATE.tmp ("state-N\n"), fsync it, rename it to STATE,
 *      fsync <dir>.
 *
 * A kill -9 (or power loss) at any moment:
 *   - before the rename in 4: STATE still names the old state (or is absent:
 *     "state"), which nobody touched. ss_store_open opens it and removes
 *     state-N and STATE.tmp, whatever they hold;
 *   - at the rename: rename() is atomic, so STATE names either the old state
 *     or state-N, never something in between. STATE.tmp's content was durable
 *     before the rename, and state-N was complete and durable (3) before
 *     STATE.tmp was written, so either name opens a complete state;
 *   - after the rename (before or after the fsync of <dir>): the same;
 *     ss_store_open removes the directory STATE does not name.
 * ss_store_open only ever removes directories STATE does not name, so a crash
 * during its cleanup or during ss_store_retired_free (removing the old state)
 * leaves a partial directory that is not in use and goes at the next open.
 * The rename is the commit point of an install.
 */

static bool is_state_name(const char *name)
{
    if (strcmp(name, "state") == 0)
        return true;
    if (strncmp(name, "state-", 6) != 0)
        return false;
    size_t n = strlen(name + 6);
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)name[6 + i]))
            return false;
    return true;
}

static int join(char *out, size_t size, const char *dir, const char *name, char *errmsg)
{
    if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
        return ss_errf(errmsg, SS_EINVAL, "path '%s/%s' too long", dir, name);
    return SS_OK;
}

int store_state_name(const char *dir, char name[STORE_STATE_NAME_MAX], bool *named,
                     char *errmsg)
{
    char path[4096];
    int rc = join(path, sizeof path, dir, "STATE", errmsg);
    if (rc != SS_OK)
        return rc;
    *named = false;
    strcpy(name, "state");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return SS_OK;
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "open '%s': %s", path, strerror(errno));
    char buf[STORE_STATE_NAME_MAX + 1];
    ssize_t n;
    do
        n = read(fd, buf, sizeof buf - 1);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0)
        return ss_errf(errmsg, SS_EIO, "read '%s': %s", path, strerror(e));
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n >= STORE_STATE_NAME_MAX || strlen(buf) != (size_t)n || !is_state_name(buf))
        return ss_errf(errmsg, SS_ECORRUPT, "'%s' names '%.*s', not a state directory", path,
                       (int)(n < 40 ? n : 40), buf);
    strcpy(name, buf);
    *named = true;
    return SS_OK;
}

int store_remove_dir(const char *dir, char *errmsg)
{
    DIR *d = opendir(dir);
    if (d == NULL && errno == ENOENT)
        return SS_OK;
    if (d == NULL)
        return ss_errf(errmsg, SS_EIO, "open directory '%s': %s", dir, strerror(errno));
    int rc = SS_OK;
    struct dirent *de;
    char path[4096];
    while (rc == SS_OK && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if ((rc = join(path, sizeof path, dir, de->d_name, errmsg)) != SS_OK)
            break;
        if (lstat(path, &st) != 0)
            rc = ss_errf(errmsg, SS_EIO, "stat '%s': %s", path, strerror(errno));
        else if (!S_ISREG(st.st_mode))
            rc = ss_errf(errmsg, SS_EIO, "remove '%s': '%s' is not a regular file", dir,
                         de->d_name);
        else if (unlink(path) != 0)
            rc = ss_errf(errmsg, SS_EIO, "remove '%s': %s", path, strerror(errno));
    }
    if (rc == SS_OK && errno != 0)
        rc = ss_errf(errmsg, SS_EIO, "read directory '%s': %s", dir, strerror(errno));
    closedir(d);
    if (rc == SS_OK && rmdir(dir) != 0)
        rc = ss_errf(errmsg, SS_EIO, "remove directory '%s': %s", dir, strerror(errno));
    return rc;
}

void store_state_cleanup(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    char path[4096];
    ss_errmsg err = "";
    while ((de = readdir(d)) != NULL) {
        bool tmp = strcmp(de->d_name, "STATE.tmp") == 0;
        if (!tmp && (!is_state_name(de->d_name) || strcmp(de->d_name, keep) == 0))
            continue;
        if (join(path, sizeof path, dir, de->d_name, err) != SS_OK)
            continue;
        int rc = tmp ? (unlink(path) == 0 ? SS_OK : ss_errf(err, SS_EIO, "%s", strerror(errno)))
                     : store_remove_dir(path, err);
        if (rc == SS_OK)
            LOG_NOTICE("store: removed '%s', left over (the state in use is '%s')", path, keep);
        else
            LOG_WARNING("store: cannot remove leftover '%s': %s", path, err);
    }
    closedir(d);
}

/* ---- staging ---- */

struct ss_store_retired {
    ss_store *s; /* a store shell holding the old database */
};

struct ss_store_staged {
    ss_store *s;
    uint64_t index;
    ss_store_retired *shell; /* allocated up front so that adopt cannot fail on memory */
};

#define BATCH_BYTES ((size_t)4 << 20)

typedef struct {
    ss_store *s;
    leveldb_writebatch_t *batch;
    size_t bytes;
} loader;

static int load_flush(loader *ld, char *errmsg)
{
    if (ld->bytes == 0)
        return SS_OK;
    char *lerr = NULL;
    leveldb_write(ld->s->db, ld->s->wopts, ld->batch, &lerr);
    leveldb_writebatch_clear(ld->batch);
    ld->bytes = 0;
    if (lerr != NULL)
        return store_leveldb_err(errmsg, SS_EIO, "load snapshot", lerr);
    return SS_OK;
}

static int load_record(void *ud, const char *key, size_t klen, const char *val, size_t vlen,
                       char *errmsg)
{
    loader *ld = ud;
    leveldb_writebatch_put(ld->batch, key, klen, val, vlen);
    ld->bytes += klen + vlen + 16;
    return ld->bytes >= BATCH_BYTES ? load_flush(ld, errmsg) : SS_OK;
}

/* Loads every record, then makes the whole database durable (see the top). */
static int load(ss_store *s, const char *snap_path, uint64_t index, char *errmsg)
{
    loader ld = { s, leveldb_writebatch_create(), 0 };
    uint64_t findex = 0;
    int rc = snapfile_read(snap_path, load_record, &ld, &findex, NULL, NULL, errmsg);
    if (rc == SS_OK)
        rc = load_flush(&ld, errmsg);
    leveldb_writebatch_destroy(ld.batch);
    if (rc == SS_OK && findex != index)
        rc = ss_errf(errmsg, SS_ECORRUPT, "snapshot '%s' changed while read", snap_path);
    if (rc == SS_OK && (rc = store_load_meta(s, errmsg)) == SS_OK && s->applied_index != index)
        rc = ss_errf(errmsg, SS_ECORRUPT, "snapshot '%s' has index %llu but its data %llu",
                     snap_path, (unsigned long long)index,
                     (unsigned long long)s->applied_index);
    if (rc != SS_OK)
        return rc;
    /* See the top: flush, then a synced write. Store keys start with a
     * region byte below 0x20 (store/keys.h), so ["\xfe", "\xfe"] holds none
     * (were one there, it would only be compacted). */
    leveldb_compact_range(s->db, "\xfe", 1, "\xfe", 1);
    /* Rewrites the format record (stamped by store_load_meta) with sync on. */
    char v[8] = { 0, 0, 0, 0, 0, 0, 0, SS_STORE_FORMAT };
    char *lerr = NULL;
    leveldb_writeoptions_t *sync = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(sync, 1);
    leveldb_put(s->db, sync, SS_STORE_FORMAT_KEY, sizeof SS_STORE_FORMAT_KEY - 1, v, 8, &lerr);
    leveldb_writeoptions_destroy(sync);
    if (lerr != NULL)
        return store_leveldb_err(errmsg, SS_EIO, "sync staged state", lerr);
    return ss_fsync_dir(s->path, errmsg);
}

/* Points <dir>/STATE at name. *switched: the rename happened (after which
 * the new state may be the one in use, even on an error). */
static int switch_state(const char *dir, const char *name, bool *switched, char *errmsg)
{
    char tmp[4096], final[4096], line[STORE_STATE_NAME_MAX + 1];
    int rc;
    *switched = false;
    if ((rc = join(tmp, sizeof tmp, dir, "STATE.tmp", errmsg)) != SS_OK ||
        (rc = join(final, sizeof final, dir, "STATE", errmsg)) != SS_OK)
        return rc;
    int n = snprintf(line, sizeof line, "%s\n", name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "create '%s': %s", tmp, strerror(errno));
    if (write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
        rc = ss_errf(errmsg, SS_EIO, "write '%s': %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return rc;
    }
    if (close(fd) != 0 || rename(tmp, final) != 0) {
        rc = ss_errf(errmsg, SS_EIO, "rename '%s': %s", tmp, strerror(errno));
        unlink(tmp);
        return rc;
    }
    *switched = true;
    return ss_fsync_dir(dir, errmsg);
}

int ss_store_stage_snapshot(const char *dir, const char *snap_path, const ss_store_options *opts,
                            ss_store_staged **out, char *errmsg)
{
    *out = NULL;
    uint64_t index = 0;
    char name[STORE_STATE_NAME_MAX], cur[STORE_STATE_NAME_MAX], path[4096];
    bool named = false;
    int rc;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ss_errf(errmsg, SS_EIO, "stage snapshot: create directory '%s': %s", dir,
                       strerror(errno));
    if ((rc = ss_store_snapfile_verify(snap_path, &index, NULL, errmsg)) != SS_OK ||
        (rc = store_state_name(dir, cur, &named, errmsg)) != SS_OK)
        return ss_errwrap(errmsg, rc, "stage snapshot");
    snprintf(name, sizeof name, "state-%llu", (unsigned long long)index);
    if (strcmp(name, cur) == 0)
        return ss_errf(errmsg, SS_EEXIST, "stage snapshot: '%s/%s' is the state in use", dir,
                       name);
    if ((rc = join(path, sizeof path, dir, name, errmsg)) != SS_OK ||
        (rc = store_remove_dir(path, errmsg)) != SS_OK)
        return ss_errwrap(errmsg, rc, "stage snapshot");

    ss_store_staged *st = calloc(1, sizeof *st);
    if (st == NULL || (st->shell = calloc(1, sizeof *st->shell)) == NULL) {
        free(st);
        return ss_errf(errmsg, SS_ENOMEM, "stage snapshot: out of memory");
    }
    st->index = index;
    bool switched = false;
    if ((rc = store_new(path, opts, true, true, &st->s, errmsg)) != SS_OK ||
        (rc = load(st->s, snap_path, index, errmsg)) != SS_OK ||
        (rc = switch_state(dir, name, &switched, errmsg)) != SS_OK)
        goto err_after_alloc;
    LOG_NOTICE("store: staged '%s' from snapshot '%s' at index %llu", path, snap_path,
               (unsigned long long)index);
    *out = st;
    return SS_OK;

err_after_alloc:
    ss_errwrap(errmsg, rc, "stage snapshot");
    if (st->s != NULL)
        store_free(st->s);
    if (!switched) /* else the new state may be in use at the next open: keep it */
        store_remove_dir(path, NULL);
    free(st->shell);
    free(st);
    return rc;
}

uint64_t ss_store_staged_index(const ss_store_staged *st)
{
    return st->index;
}

const char *ss_store_staged_path(const ss_store_staged *st)
{
    return st->s->path;
}

void ss_store_staged_free(ss_store_staged *st)
{
    if (st == NULL)
        return;
    store_free(st->s);
    free(st->shell);
    free(st);
}

#define SWAP(a, b)              \
    do {                        \
        __typeof__(a) t_ = (a); \
        (a) = (b);              \
        (b) = t_;               \
    } while (0)

int ss_store_adopt(ss_store *s, ss_store_staged *st, ss_store_retired **old, char *errmsg)
{
    *old = NULL;
    int views = atomic_load(&s->live_snaps);
    if (s->open_txns != 0 || views != 0)
        return ss_errf(errmsg, SS_EBUSY, "adopt '%s': %d open txns, %d live snapshot views",
                       st->s->path, s->open_txns, views);
    ss_store *n = st->s;
    SWAP(s->db, n->db);
    SWAP(s->opts, n->opts);
    SWAP(s->cache, n->cache);
    SWAP(s->filter, n->filter);
    /* The record cache describes its database: the staged one's (empty or
     * filled from the staged records only) comes along, keeping this store's
     * capacity and counters; the old one is freed with the old database. */
    SWAP(s->kc, n->kc);
    kcache_resize(&s->kc, n->kc.capacity);
    s->kc.hits = n->kc.hits;
    s->kc.misses = n->kc.misses;
    s->kc.evictions = n->kc.evictions;
    SWAP(s->path, n->path);
    SWAP(s->applied_index, n->applied_index);
    SWAP(s->applied_term, n->applied_term);
    for (int db = 0; db < SS_KS_DBS; db++) {
        SWAP(s->ks_epoch[db], n->ks_epoch[db]);
        SWAP(s->ks_count[db], n->ks_count[db]);
        SWAP(s->ks_vol[db], n->ks_vol[db]);
        SWAP(s->ks_map[db], n->ks_map[db]);
    }
    LOG_NOTICE("store: now on '%s' at applied index %llu (was '%s')", s->path,
               (unsigned long long)s->applied_index, n->path);
    st->shell->s = n;
    *old = st->shell;
    free(st);
    return SS_OK;
}

void ss_store_retired_free(ss_store_retired *old)
{
    if (old == NULL)
        return;
    ss_store *s = old->s;
    leveldb_close(s->db); /* before its directory goes */
    s->db = NULL;
    ss_errmsg err = "";
    if (store_remove_dir(s->path, err) != SS_OK)
        LOG_WARNING("store: cannot remove the old state: %s", err);
    else
        LOG_VERBOSE("store: removed the old state '%s'", s->path);
    store_free(s);
    free(old);
}
