/* CRC16 (XMODEM) and the Redis Cluster hash slot of a key. */
#include "common/crc16.h"

#include <string.h>

uint16_t ss_crc16(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

int ss_key_slot(const void *key, size_t len)
{
    const char *k = key;
    const char *open = memchr(k, '{', len);
    if (open) {
        size_t s = (size_t)(open - k);
        const char *close = memchr(open + 1, '}', len - s - 1);
        if (close && close > open + 1)
            return ss_crc16(open + 1, (size_t)(close - open - 1)) & (SS_CLUSTER_SLOTS - 1);
    }
    return ss_crc16(k, len) & (SS_CLUSTER_SLOTS - 1);
}
