/*
** stats.h: the statistics sonde reports, in one place, for Lua (sonde.stats) and for SQL.
**
** Quantiles use the linear interpolation numpy and pandas use by default: for sorted x[0..n-1]
** and p in [0, 1], h = (n - 1) p and the result is x[floor h] + (h - floor h) (x[floor h + 1] -
** x[floor h]). Standard deviation is the sample one (n - 1 in the denominator, as pandas and
** Python's statistics.stdev). Functions that take unsorted input say so; none keeps a pointer.
*/
#ifndef SONDE_STATS_H
#define SONDE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- exact ---- */

void sd_sort(double *x, size_t n);
/* x sorted ascending; p in [0, 1]. NaN when n is 0. */
double sd_quantile_sorted(const double *x, size_t n, double p);
/* The p-quantile of unsorted x (reordered in place) by selection, in linear time: the same
   value as sd_quantile_sorted on the sorted x. NaN when n is 0. */
double sd_quantile_select(double *x, size_t n, double p);
double sd_mean(const double *x, size_t n);
/* sample standard deviation; NaN when n < 2 */
double sd_stdev(const double *x, size_t n);

/* ---- concentration (x: non-negative amounts, e.g. tokens per model) ---- */

/* Gini coefficient of x (any order; x is sorted in place). 0 when all are equal. */
double sd_gini(double *x, size_t n);
/* share of the total held by the k largest (x is sorted in place) */
double sd_topk_share(double *x, size_t n, size_t k);
/* Herfindahl-Hirschman index: sum of squared shares, in [1/n, 1] */
double sd_hhi(const double *x, size_t n);
/*
** Lorenz curve at m + 1 evenly spaced population shares 0, 1/m, ..., 1: out[i] is the share
** of the total held by the smallest i/m of the population (interpolated linearly between
** members). x is sorted in place; out has m + 1 slots.
*/
void sd_lorenz(double *x, size_t n, double *out, size_t m);

/* ---- two samples ---- */

struct sd_mwu {
    double u;      /* Mann-Whitney U of sample a (number of pairs a > b, ties count 1/2) */
    double z;      /* normal approximation with tie and continuity correction */
    double p;      /* two-sided p-value */
    double cliffs; /* Cliff's delta, P(a > b) - P(a < b), in [-1, 1] */
};
/* a and b are sorted in place. */
struct sd_mwu sd_mann_whitney(double *a, size_t na, double *b, size_t nb);

/* ---- bootstrap ---- */

enum sd_stat { SD_STAT_MEAN, SD_STAT_QUANTILE, SD_STAT_STDEV };
/*
** Percentile bootstrap: resamples x (n values, unsorted, left as given) b times with a
** generator seeded by seed, computes the statistic (p for quantiles) of each and returns the
** (1 - level) / 2 and (1 + level) / 2 quantiles of those in *lo and *hi. Returns 0, or -1 when
** out of memory.
*/
int sd_bootstrap(const double *x, size_t n, enum sd_stat stat, double p, int b, double level,
                 uint64_t seed, double *lo, double *hi);

/*
** Distribution-free interval for the p-quantile of sorted x: the order statistics whose ranks
** are n p -/+ z sqrt(n p (1 - p)) (the normal approximation to the binomial count below the
** quantile), z for the two-sided level. Good for large n, where a bootstrap costs too much.
*/
void sd_quantile_ci_sorted(const double *x, size_t n, double p, double level, double *lo,
                           double *hi);
/* the z of a two-sided normal interval at level (0.95 -> 1.95996...) */
double sd_normal_z(double level);

/* ---- the sketch ---- */

/*
** A mergeable quantile sketch with relative error at most alpha on every quantile of positive
** values (logarithmic buckets, after DDSketch, Masson et al., VLDB 2019): a value v > 0 falls
** in bucket ceil(log_gamma v) with gamma = (1 + alpha) / (1 - alpha), and a bucket reports the
** point whose relative distance to both its bounds is alpha. Zero and negative values are
** kept in a mirrored set of buckets and a zero count. Memory is bounded: past max_buckets on
** one side the lowest buckets are folded together (their values lose the guarantee; with the
** defaults that takes values spanning more than 10^18).
*/
struct sd_sketch;
struct sd_sketch *sd_sketch_new(double alpha);
void sd_sketch_free(struct sd_sketch *s);
void sd_sketch_add(struct sd_sketch *s, double v);
/* returns 0, or -1 when alpha differs */
int sd_sketch_merge(struct sd_sketch *into, const struct sd_sketch *from);
double sd_sketch_quantile(const struct sd_sketch *s, double p);
uint64_t sd_sketch_count(const struct sd_sketch *s);
size_t sd_sketch_bytes(const struct sd_sketch *s);

/* ---- a quantile accumulator that picks exact or sketch by size ---- */

/*
** Keeps values exactly up to limit (then quantiles are exact, as above), and beyond that
** moves them into a sketch with relative error alpha; memory stays at about limit doubles.
*/
struct sd_qacc;
struct sd_qacc *sd_qacc_new(size_t limit, double alpha);
void sd_qacc_free(struct sd_qacc *q);
int sd_qacc_add(struct sd_qacc *q, double v); /* 0, or -1 when out of memory */
double sd_qacc_quantile(struct sd_qacc *q, double p);
uint64_t sd_qacc_count(const struct sd_qacc *q);
int sd_qacc_exact(const struct sd_qacc *q);
/* the values, sorted, while exact (sd_qacc_count of them); NULL once in the sketch */
const double *sd_qacc_sorted(struct sd_qacc *q);

#define SD_SKETCH_ALPHA 0.01
#define SD_QACC_LIMIT 1000000

#endif
