/*
** clock.h: the one clock sonde measures with.
**
** Every timestamp sonde records is CLOCK_MONOTONIC in nanoseconds, taken in C when bytes
** arrive. It is not wall time: only differences between two readings mean anything.
*/
#ifndef SONDE_CLOCK_H
#define SONDE_CLOCK_H

#include <stdint.h>

/* Monotonic time in nanoseconds. Never fails on Linux; never goes backwards. */
int64_t sd_clock_ns(void);

/* Wall-clock time in milliseconds since the Unix epoch, for labelling records only. */
int64_t sd_clock_wall_ms(void);

#endif
