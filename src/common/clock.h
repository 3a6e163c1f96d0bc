/* Clocks: the wall clock (what clients and log entries mean by "now") and a monotonic one (for intervals). */
#ifndef SS_CLOCK_H
#define SS_CLOCK_H

#include <stdint.h>

/* Unix time in milliseconds / microseconds (CLOCK_REALTIME: may jump). */
int64_t ss_clock_wall_ms(void);
int64_t ss_clock_wall_us(void);
/* Milliseconds / nanoseconds since an arbitrary start (CLOCK_MONOTONIC: never
 * goes back); for timeouts and durations. */
uint64_t ss_clock_mono_ms(void);
uint64_t ss_clock_mono_ns(void);

#endif
