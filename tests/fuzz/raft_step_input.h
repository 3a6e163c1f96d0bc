/* The input of the raft_step fuzz target: a setup byte, then operations (ticks, messages from a peer, client requests); read by the target, written by the seed generator. */
#ifndef SS_FUZZ_RAFT_STEP_INPUT_H
#define SS_FUZZ_RAFT_STEP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * byte 0: setup flags (RSI_SETUP_*). Then, until the input ends, one operation:
 *   op & 3 == 0  tick of 1 + 5 * (op >> 2) ms (1..316)
 *   op & 3 == 1  message from node 2: u16 length (little-endian), then that many
 *                bytes of raft_msg_decode input (fewer if the input ends)
 *   op & 3 == 3  the same from node 3
 *   op & 3 == 2  client request op >> 2 with one argument byte (propose, read,
 *                transfer, compact, answer snapshot reads, persist)
 * The node under test is node 1 of voters {1, 2, 3}.
 */
enum {
    RSI_SETUP_NO_PRE_VOTE = 1,
    RSI_SETUP_NO_CHECK_QUORUM = 2,
    RSI_SETUP_RESTORED = 4,     /* start from a restored log of 5 entries, term 2 */
    RSI_SETUP_MANUAL_PERSIST = 8, /* writes become durable only on a persist request */
    RSI_SETUP_LOG = 16,         /* format every log line, at trace level */
};

enum { RSI_SELF = 1, RSI_NODES = 3, RSI_ELECTION_MS = 100, RSI_HEARTBEAT_MS = 10,
       RSI_SNAPSHOT_BYTES = 40 };

enum { RSI_TICK, RSI_MESSAGE, RSI_CLIENT };

/* Client requests (op >> 2, modulo 6). */
enum { RSI_PROPOSE, RSI_READ, RSI_TRANSFER, RSI_COMPACT, RSI_SNAPSHOT_ANSWER, RSI_PERSIST };

typedef struct rsi_reader {
    const uint8_t *p, *end;
} rsi_reader;

typedef struct rsi_op {
    int kind;
    unsigned ms;          /* tick */
    uint64_t peer;        /* message */
    const uint8_t *bytes;
    size_t len;
    uint8_t what, arg;    /* client */
} rsi_op;

static inline uint8_t rsi_byte(rsi_reader *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

static inline bool rsi_next(rsi_reader *in, rsi_op *op)
{
    if (in->p >= in->end)
        return false;
    uint8_t b = rsi_byte(in);
    switch (b & 3) {
    case 0:
        op->kind = RSI_TICK;
        op->ms = 1 + 5u * (b >> 2);
        return true;
    case 2:
        op->kind = RSI_CLIENT;
        op->what = b >> 2;
        op->arg = rsi_byte(in);
        return true;
    default: {
        op->kind = RSI_MESSAGE;
        op->peer = (b & 3) == 1 ? 2 : 3;
        size_t len = rsi_byte(in);
        len |= (size_t)rsi_byte(in) << 8;
        size_t left = (size_t)(in->end - in->p);
        op->len = len < left ? len : left;
        op->bytes = in->p;
        in->p += op->len;
        return true;
    }
    }
}

#endif
