/* CRC-32C (Castagnoli), used to checksum log records and peer frames. */
#ifndef SS_CRC32C_H
#define SS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends crc (start with 0) over len bytes of data. */
uint32_t ss_crc32c(uint32_t crc, const void *data, size_t len);

#endif
