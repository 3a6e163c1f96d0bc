/* Opening and closing the LevelDB database, the applied index, snapshots. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"

#define KEYLEN(lit) (sizeof(lit) - 1)

int store_leveldb_err(char *errmsg, int code, const char *what, char *lerr)
{
    ss_errf(errmsg, code, "%s: %s", what, lerr ? lerr : "unknown leveldb error");
    leveldb_free(lerr);
    return code;
}

/* LevelDB's options: measured against a larger write buffer, 16 KiB blocks,
 * no compression, a shorter restart interval and bigger files with the
 * record cache on, none of which did better than these beyond the noise
 * (README, "Record cache, LevelDB options and memory"). The write buffer is
 * 4 MiB, not 16: with the record cache answering reads, the memtable's
 * skiplist insert is the biggest cost of a write (a walk of cache misses
 * down a 16 MiB list), and a quarter of the size cost less CPU per SET in
 * side-by-side clusters; 1 MiB cost more (compactions). */
void ss_store_options_init(ss_store_options *opts)
{
    opts->cache_bytes = 64u << 20;
    opts->write_buffer_bytes = 4u << 20;
    opts->bloom_bits_per_key = 10;
    opts->max_txn_bytes = (size_t)1 << 30;
    opts->record_cache_bytes = 64u << 20;
}

/* How many records an opening store may load into the record cache. */
#define STORE_FILL_MAX 4096

static int mkdir_if_missing(const char *path, char *errmsg)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return ss_errf(errmsg, SS_EIO, "create directory '%s': %s", path, strerror(errno));
    return SS_OK;
}

static int read_u64_key(ss_store *s, const char *key, size_t klen, uint64_t *out,
                        char *errmsg)
{
    char *lerr = NULL;
    size_t vlen = 0;
    char *v = leveldb_get(s->db, s->ropts, key, klen, &vlen, &lerr);
    if (lerr != NULL)
        return store_leveldb_err(errmsg, SS_EIO, "read store metadata", lerr);
    *out = 0;
    if (v == NULL)
        return SS_OK;
    int rc = SS_OK;
    if (vlen != 8)
        rc = ss_errf(errmsg, SS_ECORRUPT, "store metadata record has %zu bytes", vlen);
    else
        for (int i = 0; i < 8; i++)
            *out = (*out << 8) | (uint8_t)v[i];
    leveldb_free(v);
    return rc;
}

/* Stamps a fresh store with its format; refuses a store of another format. */
static int check_format(ss_store *s, char *errmsg)
{
    uint64_t format = 0;
    int rc = read_u64_key(s, SS_STORE_FORMAT_KEY, KEYLEN(SS_STORE_FORMAT_KEY), &format, errmsg);
    if (rc != SS_OK)
        return rc;
    if (format == SS_STORE_FORMAT)
        return SS_OK;
    if (format != 0)
        return ss_errf(errmsg, SS_ECORRUPT, "store format %llu, expected %d",
                       (unsigned long long)format, SS_STORE_FORMAT);
    char v[8] = { 0, 0, 0, 0, 0, 0, 0, SS_STORE_FORMAT };
    char *lerr = NULL;
    leveldb_put(s->db, s->wopts, SS_STORE_FORMAT_KEY, KEYLEN(SS_STORE_FORMAT_KEY), v, 8, &lerr);
    if (lerr != NULL)
        return store_leveldb_err(errmsg, SS_EIO, "write store format", lerr);
    return SS_OK;
}

void store_free(ss_store *s)
{
    if (s->db)
        leveldb_close(s->db);
    if (s->opts)
        leveldb_options_destroy(s->opts);
    if (s->filter)
        leveldb_filterpolicy_destroy(s->filter);
    if (s->cache)
        leveldb_cache_destroy(s->cache);
    if (s->ropts)
        leveldb_readoptions_destroy(s->ropts);
    if (s->bulk_ropts)
        leveldb_readoptions_destroy(s->bulk_ropts);
    if (s->wopts)
        leveldb_writeoptions_destroy(s->wopts);
    txn_free_spare(s->spare);
    kcache_release(&s->kc);
    free(s->path);
    free(s);
}

static void resolve_options(const ss_store_options *user_opts, ss_store_options *o)
{
    ss_store_options_init(o);
    if (user_opts == NULL)
        return;
    if (user_opts->cache_bytes)
        o->cache_bytes = user_opts->cache_bytes;
    if (user_opts->write_buffer_bytes)
        o->write_buffer_bytes = user_opts->write_buffer_bytes;
    if (user_opts->bloom_bits_per_key)
        o->bloom_bits_per_key = user_opts->bloom_bits_per_key;
    if (user_opts->max_txn_bytes)
        o->max_txn_bytes = user_opts->max_txn_bytes;
    if (user_opts->record_cache_bytes)
        o->record_cache_bytes = user_opts->record_cache_bytes;
    if (o->record_cache_bytes == SS_STORE_CACHE_OFF)
        o->record_cache_bytes = 0;
}

int store_new(const char *path, const ss_store_options *user_opts, bool create, bool must_be_new,
              ss_store **out, char *errmsg)
{
    *out = NULL;
    ss_store_options o;
    resolve_options(user_opts, &o);
    ss_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return ss_errf(errmsg, SS_ENOMEM, "open store '%s': out of memory", path);
    }
    atomic_init(&s->live_snaps, 0);
    for (int db = 0; db < SS_KS_DBS; db++)
        s->ks_map[db] = (unsigned char)db; /* until ks_load reads the SWAPDB map */
    s->max_txn_bytes = o.max_txn_bytes;
    kcache_init(&s->kc, o.record_cache_bytes);
    s->opts = leveldb_options_create();
    leveldb_options_set_create_if_missing(s->opts, create);
    leveldb_options_set_error_if_exists(s->opts, must_be_new);
    s->cache = leveldb_cache_create_lru(o.cache_bytes);
    leveldb_options_set_cache(s->opts, s->cache);
    leveldb_options_set_write_buffer_size(s->opts, o.write_buffer_bytes);
    if (o.bloom_bits_per_key > 0) {
        s->filter = leveldb_filterpolicy_create_bloom(o.bloom_bits_per_key);
        leveldb_options_set_filter_policy(s->opts, s->filter);
    }
    s->ropts = leveldb_readoptions_create();
    s->bulk_ropts = leveldb_readoptions_create();
    leveldb_readoptions_set_fill_cache(s->bulk_ropts, 0);
    s->wopts = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(s->wopts, 0);

    char *lerr = NULL;
    s->db = leveldb_open(s->opts, path, &lerr);
    if (lerr != NULL) {
        int rc = store_leveldb_err(errmsg, SS_EIO, "open leveldb", lerr);
        ss_errwrap(errmsg, rc, "open store '%s'", path);
        store_free(s);
        return rc;
    }
    *out = s;
    return SS_OK;
}

int store_load_meta(ss_store *s, char *errmsg)
{
    int rc;
    if ((rc = check_format(s, errmsg)) != SS_OK ||
        (rc = read_u64_key(s, SS_STORE_APPLIED_KEY, KEYLEN(SS_STORE_APPLIED_KEY),
                           &s->applied_index, errmsg)) != SS_OK ||
        (rc = read_u64_key(s, SS_STORE_APPLIED_TERM_KEY, KEYLEN(SS_STORE_APPLIED_TERM_KEY),
                           &s->applied_term, errmsg)) != SS_OK ||
        (rc = ks_load(s, errmsg)) != SS_OK)
        return ss_errwrap(errmsg, rc, "open store '%s'", s->path);
    return SS_OK;
}

/* Loads the cacheable records of [from, to) (region bytes) into the record
 * cache, at most *left of them; false once there were more. */
static bool fill_region(ss_store *s, leveldb_iterator_t *it, unsigned char from, unsigned char to,
                        size_t *left)
{
    char start = (char)from;
    for (leveldb_iter_seek(it, &start, 1); leveldb_iter_valid(it); leveldb_iter_next(it)) {
        size_t klen, vlen;
        const char *key = leveldb_iter_key(it, &klen);
        if (klen == 0 || (unsigned char)key[0] >= to)
            break;
        if (*left == 0)
            return false;
        (*left)--;
        const char *val = leveldb_iter_value(it, &vlen);
        kcache_set(&s->kc, key, klen, val, vlen, true);
    }
    return true;
}

/* A store opened with few records (a new one, or one holding little but its
 * membership) starts with all of them in the record cache, which can then
 * answer "absent" for every other key without LevelDB (kcache.h). */
static void fill_cache(ss_store *s)
{
    if (s->kc.capacity == 0)
        return;
    size_t left = STORE_FILL_MAX;
    leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->bulk_ropts);
    bool all = fill_region(s, it, SS_KP_META, SS_KP_SUB + 1, &left) &&
               fill_region(s, it, SS_KP_AUX, SS_KP_AUX + 1, &left);
    char *lerr = NULL;
    leveldb_iter_get_error(it, &lerr);
    leveldb_iter_destroy(it);
    if (lerr != NULL) {
        leveldb_free(lerr);
        all = false;
    }
    /* Every record loaded and kept (none evicted nor refused): complete. */
    if (all && s->kc.count == STORE_FILL_MAX - left)
        kcache_mark_complete(&s->kc);
}

int ss_store_open(const char *dir, const ss_store_options *user_opts, ss_store **out,
                  char *errmsg)
{
    *out = NULL;
    int rc = mkdir_if_missing(dir, errmsg);
    if (rc != SS_OK)
        return rc;
    char name[STORE_STATE_NAME_MAX];
    bool named = false;
    if ((rc = store_state_name(dir, name, &named, errmsg)) != SS_OK)
        return rc;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return ss_errf(errmsg, SS_EINVAL, "store directory name too long");
    /* A directory STATE names was complete and synced before STATE was
     * switched to it: if it is missing, creating an empty one would silently
     * drop the data. */
    struct stat st;
    if (named && stat(path, &st) != 0)
        return ss_errf(errmsg, SS_ECORRUPT, "'%s/STATE' names '%s': %s", dir, name,
                       strerror(errno));
    ss_store *s = NULL;
    if ((rc = store_new(path, user_opts, !named, false, &s, errmsg)) != SS_OK)
        return rc;
    if ((rc = store_load_meta(s, errmsg)) != SS_OK) {
        store_free(s);
        return rc;
    }
    fill_cache(s);
    /* Only now that LevelDB's lock is ours: an open refused because another
     * instance has dir open must not remove that instance's stage. */
    store_state_cleanup(dir, name);
    LOG_VERBOSE("store: opened '%s' at applied index %llu", path,
                (unsigned long long)s->applied_index);
    *out = s;
    return SS_OK;
}

void ss_store_close(ss_store *s)
{
    if (s == NULL)
        return;
    if (s->open_txns != 0)
        LOG_WARNING("store: closing with %d open txns", s->open_txns);
    if (atomic_load(&s->live_snaps) != 0)
        LOG_WARNING("store: closing with %d live snapshot views", atomic_load(&s->live_snaps));
    store_free(s);
}

const char *ss_store_path(const ss_store *s)
{
    return s->path;
}

uint64_t ss_store_applied_index(const ss_store *s)
{
    return s->applied_index;
}

uint64_t ss_store_applied_term(const ss_store *s)
{
    return s->applied_term;
}

uint64_t ss_store_memory_usage(ss_store *s)
{
    char *v = leveldb_property_value(s->db, "leveldb.approximate-memory-usage");
    uint64_t n = v ? strtoull(v, NULL, 10) : 0;
    leveldb_free(v);
    return n;
}

uint64_t ss_store_disk_bytes(ss_store *s)
{
    /* "--- level 0 ---\n 12:4096['a' @ 1 : 1 .. 'b' @ 2 : 1]\n...": each
     * file line is " number:size[smallest .. largest]". */
    char *v = leveldb_property_value(s->db, "leveldb.sstables");
    uint64_t total = 0;
    for (const char *line = v; line && *line;) {
        const char *end = strchr(line, '\n');
        if (line[0] == ' ') {
            const char *colon = strchr(line, ':');
            if (colon && (!end || colon < end))
                total += strtoull(colon + 1, NULL, 10);
        }
        line = end ? end + 1 : NULL;
    }
    leveldb_free(v);
    return total;
}

void ss_store_set_cache_size(ss_store *s, size_t bytes)
{
    kcache_resize(&s->kc, bytes);
}

void ss_store_cache_stats_get(const ss_store *s, ss_store_cache_stats *out)
{
    out->hits = s->kc.hits;
    out->misses = s->kc.misses;
    out->evictions = s->kc.evictions;
    out->keys = s->kc.count;
    out->bytes = s->kc.bytes;
    out->capacity = s->kc.capacity;
}

void ss_store_cache_stats_reset(ss_store *s)
{
    s->kc.hits = s->kc.misses = s->kc.evictions = 0;
}

/*
 * A view is made on the loop thread and may be iterated and freed on one
 * worker thread while the loop thread keeps committing. LevelDB allows it:
 * the DB is safe for concurrent use, and an iterator (not synchronized
 * itself) may be used by any one thread at a time; its destruction and the
 * snapshot's release take the DB's mutex. The hand-over between threads
 * (uv_queue_work) orders the accesses. The view keeps its own db pointer so
 * that the worker never reads s's fields; s only counts it (atomically), and
 * ss_store_adopt refuses to swap the database while any view is alive.
 */
struct ss_store_snapshot {
    ss_store *s;
    leveldb_t *db;
    const leveldb_snapshot_t *snap;
    leveldb_readoptions_t *ropts;
    leveldb_iterator_t *it;
    uint64_t index;
};

int ss_store_snapshot_new(ss_store *s, ss_store_snapshot **out)
{
    ss_store_snapshot *snap = calloc(1, sizeof *snap);
    if (snap == NULL)
        return SS_ENOMEM;
    snap->s = s;
    snap->db = s->db;
    snap->index = s->applied_index;
    snap->snap = leveldb_create_snapshot(s->db);
    snap->ropts = leveldb_readoptions_create();
    leveldb_readoptions_set_fill_cache(snap->ropts, 0);
    leveldb_readoptions_set_snapshot(snap->ropts, snap->snap);
    snap->it = leveldb_create_iterator(s->db, snap->ropts);
    atomic_fetch_add(&s->live_snaps, 1);
    *out = snap;
    return SS_OK;
}

uint64_t ss_store_snapshot_index(const ss_store_snapshot *snap) { return snap->index; }
void ss_store_snapshot_seek_first(ss_store_snapshot *snap) { leveldb_iter_seek_to_first(snap->it); }
bool ss_store_snapshot_valid(const ss_store_snapshot *snap) { return leveldb_iter_valid(snap->it); }
void ss_store_snapshot_next(ss_store_snapshot *snap) { leveldb_iter_next(snap->it); }

ss_slice ss_store_snapshot_key(const ss_store_snapshot *snap)
{
    ss_slice k;
    k.data = leveldb_iter_key(snap->it, &k.len);
    return k;
}

ss_slice ss_store_snapshot_value(const ss_store_snapshot *snap)
{
    ss_slice v;
    v.data = leveldb_iter_value(snap->it, &v.len);
    return v;
}

int ss_store_snapshot_status(const ss_store_snapshot *snap, char *errmsg)
{
    char *lerr = NULL;
    leveldb_iter_get_error(snap->it, &lerr);
    if (lerr != NULL)
        return store_leveldb_err(errmsg, SS_EIO, "snapshot iteration", lerr);
    return SS_OK;
}

void ss_store_snapshot_free(ss_store_snapshot *snap)
{
    if (snap == NULL)
        return;
    leveldb_iter_destroy(snap->it);
    leveldb_readoptions_destroy(snap->ropts);
    leveldb_release_snapshot(snap->db, snap->snap);
    /* Last: once the count drops, the loop thread may swap s's database. */
    atomic_fetch_sub(&snap->s->live_snaps, 1);
    free(snap);
}
