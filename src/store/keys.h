/* The first byte of every LevelDB key: which region of the store it belongs to (internal to store/ and its tests). */
#ifndef SS_STORE_KEYS_H
#define SS_STORE_KEYS_H

/* See the key encoding comment at the top of keyspace.c. */
enum {
    SS_KP_STORE   = 0x00, /* store metadata: applied index, format */
    SS_KP_EPOCH   = 0x01, /* per-db epoch */
    SS_KP_COUNT   = 0x02, /* per-db live key count */
    SS_KP_VOLATILE = 0x03, /* per-db count and expiry sum of keys with a TTL */
    SS_KP_META    = 0x10, /* key metadata */
    SS_KP_SUB     = 0x11, /* collection sub-keys */
    SS_KP_EXPIRE  = 0x12, /* expiry index */
    SS_KP_GC_VER  = 0x13, /* garbage queue: orphaned collection versions */
    SS_KP_GC_EPOCH = 0x14, /* garbage queue: flushed epochs */
    SS_KP_AUX     = 0x20  /* replicated state beside the keyspace (store/aux.h) */
};

#define SS_KS_DBS 16

#define SS_STORE_APPLIED_KEY "\x00" "applied_index"
#define SS_STORE_APPLIED_TERM_KEY "\x00" "applied_term"
#define SS_STORE_DBMAP_KEY "\x00" "dbmap"
#define SS_STORE_FORMAT_KEY "\x00" "format"
#define SS_STORE_FORMAT 1

#endif
