/*
** rng.h: a seeded pseudo-random generator and the delay distributions the mock draws from.
**
** xoshiro256** seeded through splitmix64: small, fast, and reproducible from one seed on any
** thread, which libc's rand()/random() are not. Not for anything secret.
*/
#ifndef SONDE_RNG_H
#define SONDE_RNG_H

#include <stdint.h>

struct sd_rng {
    uint64_t s[4];
};

void sd_rng_seed(struct sd_rng *r, uint64_t seed);
uint64_t sd_rng_next(struct sd_rng *r);
double sd_rng_uniform(struct sd_rng *r); /* [0, 1) */
double sd_rng_normal(struct sd_rng *r);  /* standard normal */

enum sd_dist_kind { SD_DIST_FIXED, SD_DIST_UNIFORM, SD_DIST_NORMAL, SD_DIST_LOGNORMAL };

/*
** fixed: a. uniform: [a, b). normal: mean a, sd b. lognormal: median a, sigma b (of the log).
** Every draw is clamped to [lo, hi] (hi <= 0 means no upper bound); lo is usually 0.
*/
struct sd_dist {
    enum sd_dist_kind kind;
    double a, b, lo, hi;
};

double sd_dist_sample(const struct sd_dist *d, struct sd_rng *r);

#endif
