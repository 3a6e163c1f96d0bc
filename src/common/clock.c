/* Clocks: the wall clock and a monotonic one. */
#include "common/clock.h"

#include <time.h>

static struct timespec now_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts;
}

int64_t ss_clock_wall_ms(void)
{
    struct timespec ts = now_of(CLOCK_REALTIME);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ss_clock_wall_us(void)
{
    struct timespec ts = now_of(CLOCK_REALTIME);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t ss_clock_mono_ns(void)
{
    struct timespec ts = now_of(CLOCK_MONOTONIC);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ss_clock_mono_ms(void) { return ss_clock_mono_ns() / 1000000; }
