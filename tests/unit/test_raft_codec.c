/* The wire format of Raft messages: round trips, and hostile bytes never crash the decoder. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "raft/raft.h"
#include "test_raft_craft.h"

static uint8_t buf[4096];

static raft_msg sample(int type)
{
    static uint64_t data[3] = { 1, 2, 3 };
    static raft_entry ents[3];
    for (int i = 0; i < 3; i++)
        ents[i] = (raft_entry){ 41 + (uint64_t)i, 7, RAFT_ENTRY_NORMAL, &data[i], 8 };
    ents[1].type = RAFT_ENTRY_NOOP;
    ents[1].data = NULL;
    ents[1].len = 0;
    raft_msg m = { .type = (uint8_t)type, .from = 3, .to = 1ull << 40, .term = 7 };
    switch (type) {
    case RAFT_MSG_APPEND:
        m.prev_index = 40, m.prev_term = 6, m.commit = 39, m.read_seq = 1ull << 63;
        m.entries = ents, m.n_entries = 3, m.notice = true;
        break;
    case RAFT_MSG_APPEND_RESP:
        m.reject = true, m.index = 40, m.hint_index = 12, m.hint_term = 5, m.read_seq = 9;
        break;
    case RAFT_MSG_VOTE:
        m.last_index = 300, m.last_term = 6, m.pre_vote = true, m.transfer = true;
        break;
    case RAFT_MSG_VOTE_RESP:
        m.pre_vote = true;
        break;
    case RAFT_MSG_READ_INDEX:
        m.ctx = UINT64_MAX;
        break;
    case RAFT_MSG_READ_INDEX_RESP:
        m.ctx = 17, m.index = 1234567;
        break;
    case RAFT_MSG_SNAPSHOT:
        m.snap_index = 5000, m.snap_term = 3, m.offset = 1ull << 33;
        m.data = "chunk of state", m.len = 14, m.done = true;
        break;
    case RAFT_MSG_SNAPSHOT_RESP:
        m.snap_index = 5000, m.snap_term = 3, m.offset = 1ull << 33, m.index = 4999;
        m.reject = true;
        break;
    }
    return m;
}

static size_t encode(const raft_msg *m)
{
    size_t len = 0;
    cr_assert_eq(raft_msg_encode(m, buf, sizeof buf, &len), SS_OK);
    cr_assert_eq(len, raft_msg_encoded_size(m));
    return len;
}

Test(raft_codec, every_message_type_survives_a_round_trip)
{
    for (int t = RAFT_MSG_APPEND; t < RAFT_MSG_TYPE_END; t++) {
        raft_msg m = sample(t), d;
        size_t len = encode(&m);
        cr_assert_eq(raft_msg_decode(buf, len, &d), SS_OK, "type %d", t);
        cr_expect_eq(d.type, m.type);
        cr_expect_eq(d.from, m.from);
        cr_expect_eq(d.to, m.to);
        cr_expect_eq(d.term, m.term);
        cr_expect_eq(d.prev_index, m.prev_index);
        cr_expect_eq(d.prev_term, m.prev_term);
        cr_expect_eq(d.commit, m.commit);
        cr_expect_eq(d.index, m.index);
        cr_expect_eq(d.hint_index, m.hint_index);
        cr_expect_eq(d.hint_term, m.hint_term);
        cr_expect_eq(d.read_seq, m.read_seq);
        cr_expect_eq(d.last_index, m.last_index);
        cr_expect_eq(d.last_term, m.last_term);
        cr_expect_eq(d.reject, m.reject);
        cr_expect_eq(d.pre_vote, m.pre_vote);
        cr_expect_eq(d.transfer, m.transfer);
        cr_expect_eq(d.ctx, m.ctx);
        cr_expect_eq(d.snap_index, m.snap_index);
        cr_expect_eq(d.snap_term, m.snap_term);
        cr_expect_eq(d.offset, m.offset);
        cr_expect_eq(d.done, m.done);
        cr_expect_eq(d.notice, m.notice);
        cr_assert_eq(d.len, m.len);
        if (d.len)
            cr_expect_eq(memcmp(d.data, m.data, d.len), 0);
        cr_assert_eq(d.n_entries, m.n_entries);
        for (size_t i = 0; i < d.n_entries; i++) {
            cr_expect_eq(d.entries[i].index, m.entries[i].index);
            cr_expect_eq(d.entries[i].term, m.entries[i].term);
            cr_expect_eq(d.entries[i].type, m.entries[i].type);
            cr_assert_eq(d.entries[i].len, m.entries[i].len);
            if (d.entries[i].len)
                cr_expect_eq(memcmp(d.entries[i].data, m.entries[i].data, d.entries[i].len), 0);
        }
        raft_msg_release(&d);
    }
}

Test(raft_codec, a_heartbeat_is_compact)
{
    raft_msg m = { .type = RAFT_MSG_APPEND, .from = 1, .to = 2, .term = 3, .prev_index = 100,
                   .prev_term = 3, .commit = 100 };
    cr_expect_leq(raft_msg_encoded_size(&m), 16);
}

Test(raft_codec, every_truncation_is_rejected)
{
    for (int t = RAFT_MSG_APPEND; t < RAFT_MSG_TYPE_END; t++) {
        raft_msg m = sample(t), d;
        size_t len = encode(&m);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1); /* exact size, so ASan sees any over-read */
            memcpy(copy, buf, cut);
            cr_expect_eq(raft_msg_decode(copy, cut, &d), SS_EPROTO, "type %d cut at %zu", t, cut);
            free(copy);
        }
    }
}

Test(raft_codec, trailing_bytes_an_unknown_version_or_type_are_rejected)
{
    raft_msg m = sample(RAFT_MSG_VOTE), d;
    size_t len = encode(&m);
    buf[len] = 0;
    cr_expect_eq(raft_msg_decode(buf, len + 1, &d), SS_EPROTO);
    buf[0] = RAFT_CODEC_VERSION + 1;
    cr_expect_eq(raft_msg_decode(buf, len, &d), SS_EPROTO);
    buf[0] = RAFT_CODEC_VERSION;
    buf[1] = RAFT_MSG_TYPE_END;
    cr_expect_eq(raft_msg_decode(buf, len, &d), SS_EPROTO);
    buf[1] = RAFT_MSG_VOTE;
    buf[2] = 0x80; /* unknown flag */
    cr_expect_eq(raft_msg_decode(buf, len, &d), SS_EPROTO);
}

Test(raft_codec, a_snapshot_chunk_longer_than_the_message_or_past_2_to_the_64_is_rejected)
{
    raft_msg m = sample(RAFT_MSG_SNAPSHOT), d;
    size_t len = encode(&m);
    buf[len - m.len - 1] = (uint8_t)(m.len + 1); /* the length varint, one too many */
    cr_expect_eq(raft_msg_decode(buf, len, &d), SS_EPROTO);
    m.offset = UINT64_MAX - 3; /* offset + len would wrap */
    len = encode(&m);
    cr_expect_eq(raft_msg_decode(buf, len, &d), SS_EPROTO);
    m.offset = UINT64_MAX - m.len;
    len = encode(&m);
    cr_expect_eq(raft_msg_decode(buf, len, &d), SS_OK);
}

Test(raft_codec, an_empty_last_chunk_carries_no_data)
{
    raft_msg m = { .type = RAFT_MSG_SNAPSHOT, .from = 1, .to = 2, .term = 3, .snap_index = 9,
                   .snap_term = 2, .offset = 100, .done = true },
             d;
    size_t len = encode(&m);
    cr_assert_eq(raft_msg_decode(buf, len, &d), SS_OK);
    cr_expect_eq(d.len, 0);
    cr_expect_null(d.data);
    cr_expect(d.done);
    cr_expect_eq(d.offset, 100);
}

Test(raft_codec, a_huge_entry_count_is_rejected_before_allocating)
{
    uint8_t b[32] = { RAFT_CODEC_VERSION, RAFT_MSG_APPEND, 0, 1, 2, 3, 0, 0, 0, 0 };
    size_t n = 10;
    for (int i = 0; i < 9; i++)
        b[n++] = 0xff; /* n_entries = 2^63 - 1 */
    b[n++] = 0x7f;
    raft_msg d;
    cr_expect_eq(raft_msg_decode(b, n, &d), SS_EPROTO);
}

Test(raft_codec, an_overlong_varint_is_rejected)
{
    uint8_t b[32] = { RAFT_CODEC_VERSION, RAFT_MSG_TIMEOUT_NOW, 0 };
    size_t n = 3;
    for (int i = 0; i < 10; i++)
        b[n++] = 0xff;
    b[n++] = 0x01;
    raft_msg d;
    cr_expect_eq(raft_msg_decode(b, n, &d), SS_EPROTO);
}

Test(raft_codec, an_encoder_with_too_little_room_says_so)
{
    raft_msg m = sample(RAFT_MSG_APPEND);
    size_t len;
    cr_expect_eq(raft_msg_encode(&m, buf, raft_msg_encoded_size(&m) - 1, &len), SS_ETOOBIG);
}

/* Random and mutated bytes: decode must return, never crash or over-read (run
 * under ASan for the proof), and whatever it accepts must re-encode to the same. */
Test(raft_codec, random_and_mutated_bytes_never_crash_the_decoder)
{
    uint64_t x = 88172645463325252ull;
    unsigned accepted = 0;
    for (int iter = 0; iter < 200000; iter++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len;
        uint8_t *b;
        if (iter % 2 == 0) {
            len = x % 48;
            b = malloc(len ? len : 1);
            for (size_t i = 0; i < len; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                b[i] = (uint8_t)x;
            }
            if (len > 1) {
                b[0] = RAFT_CODEC_VERSION; /* get past the first gate more often */
                b[1] = (uint8_t)(1 + x % (RAFT_MSG_TYPE_END - 1));
            }
        } else {
            raft_msg m = sample(1 + (int)(x % (RAFT_MSG_TYPE_END - 1)));
            len = encode(&m);
            b = malloc(len);
            memcpy(b, buf, len);
            b[(x >> 8) % len] ^= (uint8_t)(1u << ((x >> 20) % 8));
        }
        raft_msg d;
        if (raft_msg_decode(b, len, &d) == SS_OK) {
            accepted++;
            size_t out;
            uint8_t re[4096];
            cr_assert_eq(raft_msg_encode(&d, re, sizeof re, &out), SS_OK);
            cr_assert_leq(out, len); /* varints may re-encode shorter, never longer */
            raft_msg_release(&d);
        }
        free(b);
    }
    cr_expect_gt(accepted, 0, "the fuzz loop never produced a valid message");
}

/* ---- decoded memory (issue 18 item 8) ---- */

/* Bytes the heap holds for the process now. */
#if defined(__SANITIZE_ADDRESS__)
size_t __sanitizer_get_current_allocated_bytes(void); /* ASan's allocator (its malloc hides it) */
static size_t heap_in_use(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd; /* small blocks, and big ones mmap'ed on their own */
}
#endif

/* An AppendEntries of n tiny entries (test_raft_craft.h). */
static uint8_t *tiny_entries(size_t n, size_t *len_out)
{
    raft_msg m = { .type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = 5 };
    uint8_t *b = raft_craft_tiny_append(&m, n, len_out);
    cr_assert_not_null(b);
    return b;
}

/* The review's attack, scaled down 10x: 12 MiB decoded into 160 MiB before. */
Test(raft_codec, an_append_of_millions_of_tiny_entries_is_refused_without_decoding_them)
{
    size_t len, n = 4u << 20;
    uint8_t *b = tiny_entries(n, &len);
    size_t before = heap_in_use();
    raft_msg d;
    int rv = raft_msg_decode(b, len, &d);
    size_t decoded = heap_in_use() - before;
    if (rv == SS_OK)
        raft_msg_release(&d);
    free(b);
    cr_expect_eq(rv, SS_ETOOBIG);
    cr_expect_leq(decoded, 4096, "%zu entries (%zu bytes) decoded into %zu bytes", n, len,
                  decoded);
}

Test(raft_codec, decoded_memory_is_bounded_by_the_entry_cap_whatever_the_message_size)
{
    size_t len;
    uint8_t *b = tiny_entries(RAFT_MAX_MSG_ENTRIES, &len);
    size_t before = heap_in_use();
    raft_msg d;
    cr_assert_eq(raft_msg_decode(b, len, &d), SS_OK);
    size_t decoded = heap_in_use() - before;
    cr_expect_eq(d.n_entries, RAFT_MAX_MSG_ENTRIES);
    cr_expect_leq(decoded, RAFT_MAX_MSG_ENTRIES * sizeof(raft_entry) + 64,
                  "%d entries decoded into %zu bytes", RAFT_MAX_MSG_ENTRIES, decoded);
    raft_msg_release(&d);
    free(b);
    b = tiny_entries(RAFT_MAX_MSG_ENTRIES + 1, &len);
    cr_expect_eq(raft_msg_decode(b, len, &d), SS_ETOOBIG);
    free(b);
}

/* The cluster's receive path decodes into one reused room: the same entries
 * as a fresh decode, nothing allocated, and a bad message leaves the room
 * the caller's (not freed: ASan would say so). */
Test(raft_codec, decoding_into_the_callers_room_gives_the_same_entries_and_never_frees_it)
{
    size_t len;
    uint8_t *b = tiny_entries(RAFT_MAX_MSG_ENTRIES, &len);
    raft_entry *room = malloc(RAFT_MAX_MSG_ENTRIES * sizeof *room);
    cr_assert_not_null(room);
    raft_msg fresh, into;
    cr_assert_eq(raft_msg_decode(b, len, &fresh), SS_OK);
    size_t before = heap_in_use();
    cr_assert_eq(raft_msg_decode_into(b, len, &into, room), SS_OK);
    cr_expect_eq(heap_in_use(), before);
    cr_expect_eq(into.entries, room);
    cr_assert_eq(into.n_entries, fresh.n_entries);
    for (size_t i = 0; i < fresh.n_entries; i++) {
        cr_expect_eq(into.entries[i].index, fresh.entries[i].index);
        cr_expect_eq(into.entries[i].term, fresh.entries[i].term);
        cr_expect_eq(into.entries[i].len, fresh.entries[i].len);
        cr_expect_eq(into.entries[i].data, fresh.entries[i].data);
    }
    raft_msg_release(&fresh);
    uint8_t *trailing = malloc(len + 1); /* decodes, then has a byte too many */
    cr_assert_not_null(trailing);
    memcpy(trailing, b, len);
    trailing[len] = 0;
    before = heap_in_use();
    cr_expect_eq(raft_msg_decode_into(trailing, len + 1, &into, room), SS_EPROTO);
    cr_expect_eq(heap_in_use(), before, "the room was freed");
    free(trailing);
    cr_expect_null(into.entries);
    cr_expect_eq(into.n_entries, 0);
    free(b);
    b = tiny_entries(RAFT_MAX_MSG_ENTRIES + 1, &len);
    cr_expect_eq(raft_msg_decode_into(b, len, &into, room), SS_ETOOBIG);
    free(b);
    free(room);
}

Test(raft_codec, a_leader_cannot_be_configured_to_send_more_entries_than_a_peer_decodes)
{
    uint64_t voters[] = { 1 };
    raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = 1;
    cfg.voters = voters;
    cfg.n_voters = 1;
    cfg.max_append_entries = RAFT_MAX_MSG_ENTRIES + 1;
    raft *r = NULL;
    char err[256] = "";
    cr_expect_eq(raft_new(&cfg, &r, err), SS_ECONFIG);
    cr_expect(strstr(err, "max_append_entries") != NULL, "%s", err);
    cfg.max_append_entries = RAFT_MAX_MSG_ENTRIES;
    cr_expect_eq(raft_new(&cfg, &r, err), SS_OK, "%s", err);
    raft_free(r);
}
