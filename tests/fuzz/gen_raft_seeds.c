/* Writes the seed corpora of the raft_codec and raft_step fuzz targets from real encoded messages:
 *
 *   build/tests/fuzz_raft_seeds tests/fuzz/corpus
 *
 * raft_codec/: one message of every type (and an AppendEntries of many entries).
 * raft_step/: scripted lives of node 1 (see raft_step_input.h): following a
 * leader, a conflict repaired, a snapshot received, winning an election and
 * leading (acknowledgements, rejections with hints, reads, a snapshot sent),
 * votes asked and refused. The fuzzer mutates and splices them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "fuzz/raft_step_input.h"
#include "raft/raft.h"

static const char *root;

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", root, dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "gen_raft_seeds: can't write '%s'\n", path);
        exit(1);
    }
}

static size_t encode(const raft_msg *m, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    if (raft_msg_encode(m, buf, cap, &len) != SS_OK) {
        fprintf(stderr, "gen_raft_seeds: can't encode a %s\n", raft_msg_type_name(m->type));
        exit(1);
    }
    return len;
}

/* ---- a raft_step script ---- */

typedef struct script {
    uint8_t buf[8192];
    size_t len;
} script;

static void put(script *s, uint8_t b)
{
    if (s->len == sizeof s->buf)
        abort();
    s->buf[s->len++] = b;
}

static void tick(script *s, unsigned ms) /* rounded down to 1 + 5k */
{
    unsigned k = ms > 1 ? (ms - 1) / 5 : 0;
    put(s, (uint8_t)((k > 63 ? 63 : k) << 2));
}

static void msg(script *s, const raft_msg *m)
{
    uint8_t tmp[4096];
    size_t len = encode(m, tmp, sizeof tmp);
    put(s, m->from == 2 ? 1 : 3);
    put(s, (uint8_t)len);
    put(s, (uint8_t)(len >> 8));
    for (size_t i = 0; i < len; i++)
        put(s, tmp[i]);
}

static void client(script *s, int what, uint8_t arg)
{
    put(s, (uint8_t)(what << 2 | 2));
    put(s, arg);
}

static raft_entry ents[8];

static raft_msg append(uint64_t from, uint64_t term, uint64_t prev, uint64_t prev_term,
                       uint64_t commit, const uint64_t *terms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ents[i] = (raft_entry){ prev + 1 + i, terms[i], RAFT_ENTRY_NORMAL, "set", 3 };
    return (raft_msg){ .type = RAFT_MSG_APPEND, .from = from, .to = RSI_SELF, .term = term,
                       .prev_index = prev, .prev_term = prev_term, .commit = commit,
                       .entries = n ? ents : NULL, .n_entries = n };
}

static raft_msg of(int type, uint64_t from, uint64_t term)
{
    return (raft_msg){ .type = (uint8_t)type, .from = from, .to = RSI_SELF, .term = term };
}

static void save(const char *name, script *s)
{
    write_file("raft_step", name, s->buf, s->len);
}

/* Node 1 wins `term` (pre-vote on): times out, gets a pre-vote and a vote from node 2. */
static void win(script *s, uint64_t term)
{
    tick(s, 316);
    raft_msg m = of(RAFT_MSG_VOTE_RESP, 2, term);
    m.pre_vote = true;
    msg(s, &m);
    m = of(RAFT_MSG_VOTE_RESP, 2, term);
    msg(s, &m);
}

static void gen_step(void)
{
    static const uint64_t t1[] = { 1, 1, 1, 1 }, t3[] = { 3, 3 };
    script s;
    raft_msg m;

    /* A follower of node 2: entries, a commit, a read answer, heartbeats, a handover. */
    memset(&s, 0, sizeof s);
    put(&s, 0);
    m = append(2, 1, 0, 0, 0, t1, 3);
    msg(&s, &m);
    m = append(2, 1, 3, 1, 3, NULL, 0);
    msg(&s, &m);
    m = of(RAFT_MSG_READ_INDEX_RESP, 2, 1);
    m.ctx = 1, m.index = 3;
    msg(&s, &m);
    client(&s, RSI_READ, 0);
    tick(&s, 50);
    m = append(2, 1, 3, 1, 3, t1, 1);
    msg(&s, &m);
    m = of(RAFT_MSG_TIMEOUT_NOW, 2, 1);
    msg(&s, &m);
    tick(&s, 316);
    save("follower", &s);

    /* A restarted node (log 1,1,2,2,2) whose uncommitted tail conflicts with leader 3 of term 3. */
    memset(&s, 0, sizeof s);
    put(&s, RSI_SETUP_RESTORED | RSI_SETUP_LOG);
    m = append(3, 3, 5, 3, 3, NULL, 0); /* rejected: we hold term 2 at 5 */
    m.from = 3;
    msg(&s, &m);
    m = append(3, 3, 3, 2, 3, t3, 2); /* replaces 4..5 */
    msg(&s, &m);
    m = append(3, 3, 9, 3, 3, NULL, 0); /* rejected: our log ends at 5 */
    msg(&s, &m);
    m = append(3, 3, 5, 3, 5, NULL, 0);
    msg(&s, &m);
    save("follower_conflict", &s);

    /* A follower receiving a snapshot in two chunks, then entries after it. */
    memset(&s, 0, sizeof s);
    put(&s, RSI_SETUP_MANUAL_PERSIST);
    m = of(RAFT_MSG_SNAPSHOT, 2, 2);
    m.snap_index = 10, m.snap_term = 2, m.data = "0123456789", m.len = 10;
    msg(&s, &m);
    m.offset = 10, m.done = true;
    msg(&s, &m);
    m.len = 0, m.offset = 20;
    msg(&s, &m);
    client(&s, RSI_PERSIST, 0);
    m = append(2, 2, 10, 2, 11, t3, 1);
    m.term = 3;
    msg(&s, &m);
    client(&s, RSI_PERSIST, 0);
    save("follower_snapshot", &s);

    /* A restarted node (log 1,1,2,2,2) leading term 3: followers' logs are
     * repaired from their rejections' hints, then acknowledgements, reads. */
    memset(&s, 0, sizeof s);
    put(&s, RSI_SETUP_RESTORED);
    win(&s, 3);
    m = of(RAFT_MSG_APPEND_RESP, 2, 3);
    m.reject = true, m.index = 5, m.hint_index = 4; /* node 2's log ends at 3 */
    msg(&s, &m);
    m = of(RAFT_MSG_APPEND_RESP, 3, 3);
    m.reject = true, m.index = 5, m.hint_term = 1, m.hint_index = 3; /* it holds term 1 there */
    msg(&s, &m);
    m = of(RAFT_MSG_APPEND_RESP, 2, 3);
    m.index = 6;
    msg(&s, &m);
    client(&s, RSI_PROPOSE, 0);
    client(&s, RSI_PROPOSE, 0);
    m = of(RAFT_MSG_APPEND_RESP, 2, 3);
    m.index = 8;
    msg(&s, &m);
    m = of(RAFT_MSG_READ_INDEX, 3, 3);
    m.ctx = 9;
    msg(&s, &m);
    client(&s, RSI_READ, 0);
    tick(&s, 11);
    m = of(RAFT_MSG_APPEND_RESP, 2, 3);
    m.index = 8, m.read_seq = 1;
    msg(&s, &m);
    client(&s, RSI_TRANSFER, 0);
    m = of(RAFT_MSG_VOTE, 3, 4);
    m.pre_vote = true, m.last_index = 3, m.last_term = 1;
    msg(&s, &m);
    tick(&s, 316);
    save("leader", &s);

    /* Leading with a compacted log: node 3 needs a snapshot, sent in chunks. */
    memset(&s, 0, sizeof s);
    put(&s, RSI_SETUP_LOG);
    win(&s, 1);
    for (int i = 0; i < 4; i++)
        client(&s, RSI_PROPOSE, 0);
    m = of(RAFT_MSG_APPEND_RESP, 2, 1);
    m.index = 5;
    msg(&s, &m);
    client(&s, RSI_COMPACT, 0);
    tick(&s, 11); /* the heartbeat's probe to node 3 finds its entries compacted away */
    client(&s, RSI_SNAPSHOT_ANSWER, 0);
    m = of(RAFT_MSG_SNAPSHOT_RESP, 3, 1);
    m.snap_index = 5, m.snap_term = 1, m.offset = 16, m.index = 0;
    msg(&s, &m);
    client(&s, RSI_SNAPSHOT_ANSWER, 0);
    m.offset = 32, m.index = 16;
    msg(&s, &m);
    client(&s, RSI_SNAPSHOT_ANSWER, 0);
    m.offset = 40, m.index = 32;
    msg(&s, &m);
    m = of(RAFT_MSG_APPEND_RESP, 3, 1);
    m.index = 5;
    msg(&s, &m);
    tick(&s, 11);
    save("leader_snapshot", &s);

    /* Votes: asked for (pre-vote and real) and refused, without pre-vote. */
    memset(&s, 0, sizeof s);
    put(&s, RSI_SETUP_NO_PRE_VOTE | RSI_SETUP_NO_CHECK_QUORUM);
    m = of(RAFT_MSG_VOTE, 2, 1);
    m.pre_vote = true;
    msg(&s, &m);
    m.pre_vote = false;
    msg(&s, &m);
    m = of(RAFT_MSG_VOTE, 3, 1);
    msg(&s, &m);
    tick(&s, 316);
    m = of(RAFT_MSG_VOTE_RESP, 3, 2);
    m.reject = true;
    msg(&s, &m);
    m = of(RAFT_MSG_VOTE_RESP, 2, 2);
    m.reject = true;
    msg(&s, &m);
    save("votes", &s);
}

/* ---- raft_codec: one of each type ---- */

static void gen_codec(void)
{
    static const uint64_t terms[] = { 6, 7, 7, 7, 7, 7, 7, 7 };
    uint8_t buf[4096];
    for (int t = RAFT_MSG_APPEND; t < RAFT_MSG_TYPE_END; t++) {
        raft_msg m = of(t, 2, 7);
        switch (t) {
        case RAFT_MSG_APPEND:
            m = append(2, 7, 40, 6, 39, terms, 8);
            m.read_seq = 5;
            break;
        case RAFT_MSG_APPEND_RESP:
            m.reject = true, m.index = 40, m.hint_index = 12, m.hint_term = 5;
            break;
        case RAFT_MSG_VOTE:
            m.last_index = 300, m.last_term = 6, m.pre_vote = true, m.transfer = true;
            break;
        case RAFT_MSG_VOTE_RESP: m.pre_vote = true; break;
        case RAFT_MSG_READ_INDEX: m.ctx = UINT64_MAX; break;
        case RAFT_MSG_READ_INDEX_RESP: m.ctx = 17, m.index = 1234567; break;
        case RAFT_MSG_SNAPSHOT:
            m.snap_index = 5000, m.snap_term = 3, m.offset = 1ull << 33;
            m.data = "chunk of state", m.len = 14, m.done = true;
            break;
        case RAFT_MSG_SNAPSHOT_RESP:
            m.snap_index = 5000, m.snap_term = 3, m.offset = 64, m.index = 4999;
            break;
        }
        char name[64];
        snprintf(name, sizeof name, "%s", raft_msg_type_name(t));
        write_file("raft_codec", name, buf, encode(&m, buf, sizeof buf));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_ROOT  (writes CORPUS_ROOT/raft_codec and raft_step)\n",
                argv[0]);
        return 2;
    }
    root = argv[1];
    gen_codec();
    gen_step();
    return 0;
}
