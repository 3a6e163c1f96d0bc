/* Transport framing: the length-prefixed, versioned, checksummed frames of the raft port. */
#ifndef SS_TRANSPORT_FRAME_H
#define SS_TRANSPORT_FRAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * A frame on the wire (all integers big-endian):
 *
 *   magic(2) = 0x53 0x54 ("ST")   version(1) = 1   type(1)
 *   length(4): payload bytes      crc(4): CRC-32C over the first 8 header bytes and the payload
 *   payload(length)
 */
#define SS_FRAME_MAGIC0 0x53
#define SS_FRAME_MAGIC1 0x54
#define SS_FRAME_VERSION 1
#define SS_FRAME_HEADER_SIZE 12

typedef enum {
    SS_FRAME_HELLO = 1,     /* connector -> acceptor: who I am, whom I want, my nonce */
    SS_FRAME_CHALLENGE = 2, /* acceptor -> connector: who I am, my nonce */
    SS_FRAME_AUTH = 3,      /* connector -> acceptor: MAC proving the secret */
    SS_FRAME_WELCOME = 4,   /* acceptor -> connector: MAC proving the secret back */
    SS_FRAME_REFUSE = 5,    /* acceptor -> connector: why the handshake failed (text) */
    SS_FRAME_DATA = 6,      /* an opaque raft message */
} ss_frame_type;

/* Writes the 12-byte header for a frame of this type and payload. */
void ss_frame_header(uint8_t hdr[SS_FRAME_HEADER_SIZE], ss_frame_type type,
                     const void *payload, uint32_t len);

/* A frame pulled from the reader. payload stays valid until the next call. */
typedef struct {
    ss_frame_type type;
    const uint8_t *payload;
    uint32_t len;
} ss_frame;

typedef enum {
    SS_FRAME_OK = 0,    /* a frame was produced */
    SS_FRAME_MORE = 1,  /* all input consumed, no complete frame yet */
    SS_FRAME_ERROR = 2, /* the stream is malformed; the error stays set */
} ss_frame_result;

/*
 * Push/pull frame reader with no I/O. The caller feeds the bytes it read and pulls
 * frames until SS_FRAME_MORE. A frame wholly inside the input is returned in
 * place; otherwise its payload is assembled in a buffer sized from the header,
 * which is checked against max_payload before anything is allocated.
 */
typedef struct {
    uint32_t max_payload;
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    size_t hdr_len;     /* header bytes gathered so far */
    uint8_t *buf;       /* payload being assembled, or NULL */
    uint32_t have;      /* payload bytes gathered into buf */
    const char *error;  /* why the stream is malformed, or NULL */
} ss_frame_reader;

void ss_frame_reader_init(ss_frame_reader *r, uint32_t max_payload);
void ss_frame_reader_release(ss_frame_reader *r);
/* Changes the limit for frames whose header has not been read yet. */
void ss_frame_reader_set_max(ss_frame_reader *r, uint32_t max_payload);

/* Consumes bytes from *data and *len (advancing both) until one frame is complete. */
ss_frame_result ss_frame_reader_next(ss_frame_reader *r, const uint8_t **data, size_t *len,
                                     ss_frame *out);

#endif
