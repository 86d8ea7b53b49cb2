/*
** rng.c: xoshiro256** and distributions (see rng.h). Written from the published algorithm
** descriptions (Blackman and Vigna; Box-Muller) since a few lines do not warrant a library.
*/
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void sd_rng_seed(struct sd_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sd_rng_next(struct sd_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sd_rng_uniform(struct sd_rng *r)
{
    return (double)(sd_rng_next(r) >> 11) * 0x1.0p-53;
}

double sd_rng_normal(struct sd_rng *r)
{
    double u1 = sd_rng_uniform(r), u2 = sd_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double sd_dist_sample(const struct sd_dist *d, struct sd_rng *r)
{
    double v;
    switch (d->kind) {
    case SD_DIST_UNIFORM:
        v = d->a + (d->b - d->a) * sd_rng_uniform(r);
        break;
    case SD_DIST_NORMAL:
        v = d->a + d->b * sd_rng_normal(r);
        break;
    case SD_DIST_LOGNORMAL:
        v = d->a * exp(d->b * sd_rng_normal(r));
        break;
    case SD_DIST_FIXED:
    default:
        v = d->a;
        break;
    }
    if (v < d->lo)
        v = d->lo;
    if (d->hi > 0 && v > d->hi)
        v = d->hi;
    return v;
}
