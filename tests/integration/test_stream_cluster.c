/* Streams on a 3-node cluster whose leader is killed: no acknowledged XADD lost, auto IDs strictly increasing across leader changes, groups equal on every node. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }
TestSuite(stream_cluster, .fini = teardown, .timeout = 600);

#define ROUNDS 3
#define PER_ROUND 150
#define MAX_ACKED (ROUNDS * PER_ROUND)

typedef struct acked {
    char id[48];
    int n;
} acked;

/* Sends fmt (with up to two string arguments) through node *at, retrying
 * through whichever node leads for up to 30 s on errors and lost
 * connections; the reply (the caller frees it) or NULL. */
static redisReply *cmd_retry(int *at, const char *fmt, const char *a1, const char *a2)
{
    long long until = h_now_ms() + 30000;
    while (h_now_ms() < until) {
        if (h_node_alive(&cl.nodes[*at])) {
            redisReply *r = h_node_cmd(&cl.nodes[*at], fmt, a1, a2);
            if (r && r->type != REDIS_REPLY_ERROR)
                return r;
            if (r)
                freeReplyObject(r);
        }
        int l = hc_wait_leader(&cl, 2000);
        if (l >= 0)
            *at = l;
        usleep(50 * 1000);
    }
    return NULL;
}

static int cmp_id(const char *a, const char *b)
{
    unsigned long long ams, aseq, bms, bseq;
    cr_assert_eq(sscanf(a, "%llu-%llu", &ams, &aseq), 2, "%s", a);
    cr_assert_eq(sscanf(b, "%llu-%llu", &bms, &bseq), 2, "%s", b);
    return ams != bms ? (ams < bms ? -1 : 1) : aseq != bseq ? (aseq < bseq ? -1 : 1) : 0;
}

/* Every acknowledged entry is at node i under its ID, in order. */
static void expect_entries_at(int i, const acked *ack, int nack)
{
    redisReply *r = h_node_cmd(&cl.nodes[i], "XRANGE s - +");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY, "node %d XRANGE", i + 1);
    size_t at = 0;
    int missing = 0;
    for (int k = 0; k < nack; k++) {
        while (at < r->elements && cmp_id(r->element[at]->element[0]->str, ack[k].id) < 0)
            at++;
        if (at == r->elements || strcmp(r->element[at]->element[0]->str, ack[k].id) != 0) {
            if (missing++ < 5)
                cr_log_error("node %d lacks acknowledged entry %s (n=%d)", i + 1, ack[k].id, ack[k].n);
            continue;
        }
        redisReply *fields = r->element[at]->element[1];
        cr_expect(fields->elements == 2 && atoi(fields->element[1]->str) == ack[k].n, "node %d entry %s", i + 1,
                  ack[k].id);
    }
    /* Entries the client never heard back about may be there too (a write
     * applied after its connection died, then sent again). */
    cr_expect_eq(missing, 0, "node %d lost %d acknowledged entries", i + 1, missing);
    freeReplyObject(r);
}

Test(stream_cluster, killing_the_leader_loses_no_acknowledged_entry_and_ids_keep_increasing)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int at = hc_wait_leader(&cl, 15000);
    cr_assert_geq(at, 0, "no leader elected");
    redisReply *r = cmd_retry(&at, "XGROUP CREATE %s %s $ MKSTREAM", "s", "g");
    cr_assert_not_null(r);
    freeReplyObject(r);
    static acked ack[MAX_ACKED];
    int nack = 0, delivered = 0, acks = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < PER_ROUND; k++) {
            char n[16];
            snprintf(n, sizeof n, "%d", round * PER_ROUND + k);
            r = cmd_retry(&at, "XADD s * n %s%s", n, "");
            cr_assert(r && r->type == REDIS_REPLY_STRING, "XADD %s never acknowledged", n);
            if (nack > 0)
                cr_expect_gt(cmp_id(r->str, ack[nack - 1].id), 0, "ID %s after %s (round %d)", r->str,
                             ack[nack - 1].id, round);
            snprintf(ack[nack].id, sizeof ack[nack].id, "%s", r->str);
            ack[nack++].n = atoi(n);
            freeReplyObject(r);
            if (k % 10 == 9) {
                /* A consumer takes what is new and acknowledges it. */
                r = cmd_retry(&at, "XREADGROUP GROUP g c COUNT 10 STREAMS s >%s%s", "", "");
                cr_assert_not_null(r);
                if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
                    redisReply *entries = r->element[0]->element[1];
                    for (size_t e = 0; e < entries->elements; e++) {
                        delivered++;
                        redisReply *x = cmd_retry(&at, "XACK s g %s%s", entries->element[e]->element[0]->str, "");
                        cr_assert_not_null(x);
                        acks += (int)x->integer;
                        freeReplyObject(x);
                    }
                }
                freeReplyObject(r);
            }
            if (k == PER_ROUND / 2) {
                /* kill -9 the leader mid-stream; it comes back as a follower. */
                int dead = at;
                h_node_kill9(&cl.nodes[dead]);
                int next = hc_wait_leader(&cl, 15000);
                cr_assert_geq(next, 0, "no leader after killing node %d", dead + 1);
                at = next;
                hc_spawn(&cl, dead);
            }
        }
    }
    cr_assert(h_node_wait_ready(&cl.nodes[0], 15000) && h_node_wait_ready(&cl.nodes[1], 15000) &&
              h_node_wait_ready(&cl.nodes[2], 15000));
    cr_assert(hc_wait_applied(&cl, hc_info_int(&cl, at, "raft_commit_index"), 30000));
    for (int i = 0; i < 3; i++)
        expect_entries_at(i, ack, nack);
    /* The group's state is the same everywhere, and no more was
     * acknowledged than delivered. */
    cr_expect_leq(acks, delivered);
    char digest[3][64];
    for (int i = 0; i < 3; i++) {
        r = h_node_cmd(&cl.nodes[i], "DEBUG DIGEST");
        cr_assert(r && r->type == REDIS_REPLY_STATUS, "node %d DEBUG DIGEST", i + 1);
        snprintf(digest[i], sizeof digest[i], "%s", r->str);
        freeReplyObject(r);
    }
    cr_expect_str_eq(digest[0], digest[1]);
    cr_expect_str_eq(digest[0], digest[2]);
    fprintf(stderr, "stream cluster: %d entries acknowledged, %d delivered to the group, %d acknowledged by it\n",
            nack, delivered, acks);
}
