/* Loop-side half of the Raft log: request validation, the group-commit queue, completions, close. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "raft_io/storage_internal.h"

void ss_storage_opts_init(ss_storage_opts *opts)
{
    opts->segment_size = 64ull << 20;
    opts->max_entry_size = 512ull << 20;
    opts->max_pending_bytes = 1ull << 30;
    opts->fsync = SS_FSYNC_ALWAYS;
}

void ss_storage_state_release(ss_storage_state *state)
{
    for (size_t i = 0; i < state->n_entries; i++)
        free(state->entries[i].data);
    free(state->entries);
    memset(state, 0, sizeof *state);
}

uint64_t ss_storage_first_index(const ss_storage *s) { return s->first_index; }
uint64_t ss_storage_last_index(const ss_storage *s) { return s->next_index - 1; }
uint64_t ss_storage_bytes(const ss_storage *s) { return s->bytes; }
void ss_storage_get_stats(const ss_storage *s, ss_storage_stats *stats) { *stats = s->stats; }

static void work_cb(uv_work_t *work)
{
    ss_storage *s = work->data;
    s->round_status = ss_writer_round(&s->w, s->batch);
}

static void after_work_cb(uv_work_t *work, int uvstatus);

static void start_round(ss_storage *s)
{
    s->batch = s->queue;
    s->queue = s->queue_tail = NULL;
    s->in_flight = true;
    s->work.data = s;
    /* uv_queue_work only fails for a NULL work_cb. */
    uv_queue_work(s->loop, &s->work, work_cb, after_work_cb);
}

static void kick_cb(uv_idle_t *idle)
{
    ss_storage *s = idle->data;
    uv_idle_stop(idle);
    if (!s->in_flight && s->queue != NULL)
        start_round(s);
}

/* The round starts from an idle callback rather than right away, so that every
 * request issued in this loop iteration shares its write and fsync. */
static void kick(ss_storage *s)
{
    if (!s->in_flight)
        uv_idle_start(&s->kick, kick_cb);
}

static void complete(ss_storage *s, ss_storage_req *r, int status, const char *msg)
{
    s->pending_bytes -= r->cost;
    s->stats.requests++;
    if (r->cb != NULL)
        r->cb(r->arg, status, r->last_index, msg);
    free(r->buf);
    free(r);
}

static void on_kick_closed(uv_handle_t *handle)
{
    ss_storage *s = handle->data;
    ss_storage_close_cb cb = s->close_cb;
    void *arg = s->close_arg;
    ss_writer_release(&s->w);
    close(s->lock_fd);
    free(s);
    if (cb != NULL)
        cb(arg);
}

static void maybe_finish_close(ss_storage *s)
{
    if (!s->closing || s->close_started || s->in_flight || s->queue != NULL)
        return;
    s->close_started = true;
    uv_idle_stop(&s->kick);
    uv_close((uv_handle_t *)&s->kick, on_kick_closed);
}

static void after_work_cb(uv_work_t *work, int uvstatus)
{
    ss_storage *s = work->data;
    ss_storage_req *batch = s->batch;
    s->batch = NULL;
    s->in_flight = false;
    s->stats.rounds++;
    s->stats.fsyncs = s->w.fsyncs;
    s->stats.fsync_ns = s->w.fsync_ns;
    if (s->w.fsync_max_us > s->fsync_max_us)
        s->fsync_max_us = s->w.fsync_max_us;
    s->w.fsync_max_us = 0; /* the worker is idle between rounds */
    s->stats.bytes_written = s->w.bytes_written;
    s->bytes = ss_writer_bytes(&s->w);
    int status = uvstatus == 0 ? s->round_status : SS_EINTERNAL;
    if (status != SS_OK && !s->failed) {
        s->failed = status;
        memcpy(s->fail_msg, s->w.errmsg, sizeof s->fail_msg);
        LOG_WARNING("storage: log failed, no further writes: %s", s->fail_msg);
    } else if (status == SS_OK) {
        s->stats.last_durable = ss_writer_last_index(&s->w);
    }
    while (batch != NULL) {
        ss_storage_req *next = batch->next;
        complete(s, batch, status, status == SS_OK ? NULL : s->fail_msg);
        batch = next;
    }
    /* Never write past a failed fsync: what is queued fails too, in order. */
    while (s->failed && s->queue != NULL) {
        ss_storage_req *r = s->queue;
        s->queue = r->next;
        if (s->queue == NULL)
            s->queue_tail = NULL;
        complete(s, r, s->failed, s->fail_msg);
    }
    if (s->queue != NULL)
        start_round(s);
    else
        maybe_finish_close(s);
}

static int check_accepting(ss_storage *s)
{
    if (s->failed)
        return s->failed;
    return s->closing ? SS_ECLOSED : SS_OK;
}

static void enqueue(ss_storage *s, ss_storage_req *r)
{
    s->pending_bytes += r->cost;
    if (s->queue_tail != NULL)
        s->queue_tail->next = r;
    else
        s->queue = r;
    s->queue_tail = r;
    kick(s);
}

/* Checks indexes and sizes; returns the encoded size of the entries in *total. */
static int validate(const ss_storage *s, const ss_persist_req *req, uint64_t *total)
{
    uint64_t next = s->next_index;
    if (req->truncate) {
        if (req->truncate_from < s->first_index || req->truncate_from > next)
            return SS_EINVAL;
        next = req->truncate_from;
    }
    if (req->n_entries > 0 && req->entries == NULL)
        return SS_EINVAL;
    *total = 0;
    for (size_t i = 0; i < req->n_entries; i++) {
        const ss_log_entry *e = &req->entries[i];
        if (e->index != next + i || (e->len > 0 && e->data == NULL))
            return SS_EINVAL;
        if (e->len > s->opts.max_entry_size)
            return SS_ETOOBIG;
        *total += SS_REC_HEADER_SIZE + (uint64_t)e->len;
    }
    /* One request alone may exceed the bound, or a big entry could never pass. */
    uint64_t cost = *total + sizeof(ss_storage_req);
    if (s->pending_bytes > 0 && s->pending_bytes + cost > s->opts.max_pending_bytes)
        return SS_EBUSY;
    return SS_OK;
}

int ss_storage_persist(ss_storage *s, const ss_persist_req *req)
{
    int rc = check_accepting(s);
    uint64_t total = 0;
    if (rc != SS_OK || (rc = validate(s, req, &total)) != SS_OK)
        return rc;
    ss_storage_req *r = calloc(1, sizeof *r);
    uint8_t *buf = total > 0 ? malloc(total) : NULL;
    if (r == NULL || (total > 0 && buf == NULL)) {
        free(r);
        free(buf);
        return SS_ENOMEM;
    }
    size_t off = 0;
    for (size_t i = 0; i < req->n_entries; i++) {
        const ss_log_entry *e = &req->entries[i];
        ss_rec_header h = {.index = e->index, .term = e->term, .type = e->type, .len = e->len};
        ss_rec_prepare(buf + off, &h);
        if (e->len > 0)
            memcpy(buf + off + SS_REC_HEADER_SIZE, e->data, e->len);
        off += SS_REC_HEADER_SIZE + e->len;
    }
    r->set_hard_state = req->set_hard_state;
    r->term = req->term;
    r->vote = req->vote;
    r->commit = req->commit;
    r->truncate = req->truncate;
    r->truncate_from = req->truncate_from;
    r->buf = buf;
    r->buf_len = total;
    r->cost = total + sizeof *r;
    r->cb = req->cb;
    r->arg = req->arg;
    if (req->truncate)
        s->next_index = req->truncate_from;
    s->next_index += req->n_entries;
    r->last_index = s->next_index - 1;
    enqueue(s, r);
    return SS_OK;
}

int ss_storage_compact(ss_storage *s, uint64_t upto_index, uint64_t upto_term,
                       ss_persist_cb cb, void *arg)
{
    int rc = check_accepting(s);
    if (rc != SS_OK)
        return rc;
    ss_storage_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return SS_ENOMEM;
    r->compact = true;
    r->truncate_from = upto_index;
    r->compact_term = upto_term;
    r->cost = sizeof *r;
    r->cb = cb;
    r->arg = arg;
    if (upto_index >= s->first_index) {
        s->first_index = upto_index + 1;
        if (s->next_index < s->first_index)
            s->next_index = s->first_index;
    }
    r->last_index = s->next_index - 1;
    enqueue(s, r);
    return SS_OK;
}

void ss_storage_close(ss_storage *s, ss_storage_close_cb cb, void *arg)
{
    if (s->closing)
        return;
    s->closing = true;
    s->close_cb = cb;
    s->close_arg = arg;
    maybe_finish_close(s);
}

uint64_t ss_storage_take_fsync_max_us(ss_storage *s)
{
    uint64_t v = s->fsync_max_us;
    s->fsync_max_us = 0;
    return v;
}
