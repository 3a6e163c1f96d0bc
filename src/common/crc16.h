/* CRC16 (XMODEM) and the Redis Cluster hash slot of a key. */
#ifndef SS_CRC16_H
#define SS_CRC16_H

#include <stddef.h>
#include <stdint.h>

/* Redis Cluster's slots: a key belongs to slot crc16(key) mod 16384. */
#define SS_CLUSTER_SLOTS 16384

/* CRC16-CCITT as XMODEM computes it (polynomial 0x1021, initial value 0):
 * Redis Cluster's crc16 ("123456789" gives 0x31c3). */
uint16_t ss_crc16(const void *data, size_t len);

/* Redis's keyHashSlot: the slot of a key, hashing only the part between the
 * first '{' and the next '}' when that part is not empty (a hash tag), so
 * that "{user1}.name" and "{user1}.mail" share a slot. */
int ss_key_slot(const void *key, size_t len);

#endif
