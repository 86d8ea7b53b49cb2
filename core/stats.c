/*
** stats.c: see stats.h. Written by hand: the maths is short, and the libraries that have it
** (GSL for quantiles and moments, a DDSketch port) would bring more than they give here and
** none of them offers all of it behind one convention.
*/
#include "stats.h"

#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void sd_sort(double *x, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
}

/*
** Where the p-quantile of n values falls: between ranks lo and lo + 1 (0-based), frac of the
** way (linear interpolation, h = (n - 1) p). frac is 0 when it falls on lo, and lo + 1 is
** then not needed (it may be n).
*/
static uint64_t rank_of(uint64_t n, double p, double *frac)
{
    if (!(p > 0))
        p = 0;
    if (p > 1)
        p = 1;
    double h = (double)(n - 1) * p;
    uint64_t lo = (uint64_t)h;
    *frac = lo + 1 < n ? h - (double)lo : 0;
    return lo;
}

double sd_quantile_sorted(const double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double f;
    size_t lo = (size_t)rank_of(n, p, &f);
    return f > 0 ? x[lo] + f * (x[lo + 1] - x[lo]) : x[lo];
}

/* Hoare's selection: afterwards x[k] is what sorting would put there, the values before it
   are not greater and those after it not smaller. */
static void select_k(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = x[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double sd_quantile_select(double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double f;
    size_t lo = (size_t)rank_of(n, p, &f);
    select_k(x, n, lo);
    double a = x[lo];
    if (f == 0)
        return a;
    /* the next order statistic is the smallest of those after lo */
    double b = x[lo + 1];
    for (size_t i = lo + 2; i < n; i++)
        if (x[i] < b)
            b = x[i];
    return a + f * (b - a);
}

double sd_mean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    /* Welford's update: no loss from adding a large total */
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m += (x[i] - m) / (double)(i + 1);
    return m;
}

double sd_stdev(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        m += d / (double)(i + 1);
        s += d * (x[i] - m);
    }
    return sqrt(s / (double)(n - 1));
}

/* ---- concentration ---- */

double sd_gini(double *x, size_t n)
{
    if (n == 0)
        return NAN;
    sd_sort(x, n);
    /* G = sum_i (2i - n - 1) x_(i) / (n sum x), i = 1..n, on sorted x */
    double num = 0, tot = 0;
    for (size_t i = 0; i < n; i++) {
        num += (2.0 * (double)(i + 1) - (double)n - 1.0) * x[i];
        tot += x[i];
    }
    return tot > 0 ? num / ((double)n * tot) : 0;
}

double sd_topk_share(double *x, size_t n, size_t k)
{
    if (n == 0)
        return NAN;
    sd_sort(x, n);
    double tot = 0, top = 0;
    for (size_t i = 0; i < n; i++) {
        tot += x[i];
        if (i >= (k < n ? n - k : 0))
            top += x[i];
    }
    return tot > 0 ? top / tot : NAN;
}

double sd_hhi(const double *x, size_t n)
{
    double tot = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        tot += x[i];
    if (n == 0 || tot <= 0)
        return NAN;
    for (size_t i = 0; i < n; i++)
        sq += (x[i] / tot) * (x[i] / tot);
    return sq;
}

void sd_lorenz(double *x, size_t n, double *out, size_t m)
{
    if (m == 0)
        return;
    if (n == 0) {
        for (size_t i = 0; i <= m; i++)
            out[i] = NAN;
        return;
    }
    sd_sort(x, n);
    double tot = 0;
    for (size_t i = 0; i < n; i++)
        tot += x[i];
    /* cumulative share after j members is c[j]; the curve joins (j/n, c[j]) */
    size_t j = 0;
    double cum = 0;
    for (size_t i = 0; i <= m; i++) {
        double pos = (double)i / (double)m * (double)n; /* members covered */
        while (j < n && (double)(j + 1) <= pos) {
            cum += x[j];
            j++;
        }
        double part = j < n ? (pos - (double)j) * x[j] : 0;
        out[i] = tot > 0 ? (cum + part) / tot : (double)i / (double)m;
    }
}

/* ---- two samples ---- */

struct sd_mwu sd_mann_whitney(double *a, size_t na, double *b, size_t nb)
{
    struct sd_mwu r = {NAN, NAN, NAN, NAN};
    if (na == 0 || nb == 0)
        return r;
    sd_sort(a, na);
    sd_sort(b, nb);
    /*
    ** Merge the two sorted samples: each run of equal values (a tie group of t members, ta of
    ** them from a) adds ta * (b values below it) + ta * tb / 2 to U, and t^3 - t to the tie
    ** correction of the variance.
    */
    double u = 0, ties = 0;
    size_t i = 0, j = 0, below_b = 0;
    while (i < na || j < nb) {
        double v = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
        size_t ta = 0, tb = 0;
        while (i < na && a[i] == v) {
            ta++;
            i++;
        }
        while (j < nb && b[j] == v) {
            tb++;
            j++;
        }
        u += (double)ta * (double)below_b + (double)ta * (double)tb / 2.0;
        below_b += tb;
        double t = (double)(ta + tb);
        ties += t * t * t - t;
    }
    double n1 = (double)na, n2 = (double)nb, n = n1 + n2;
    double mu = n1 * n2 / 2.0;
    double var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    r.u = u;
    r.cliffs = 2.0 * u / (n1 * n2) - 1.0;
    if (var > 0) {
        double d = fabs(u - mu) - 0.5;
        if (d < 0)
            d = 0;
        r.z = (u > mu ? d : -d) / sqrt(var);
        r.p = erfc(fabs(r.z) / sqrt(2.0));
        if (r.p > 1)
            r.p = 1;
    } else {
        r.z = 0;
        r.p = 1;
    }
    return r;
}

/* ---- bootstrap ---- */

static double statistic(double *x, size_t n, enum sd_stat stat, double p)
{
    switch (stat) {
    case SD_STAT_MEAN:
        return sd_mean(x, n);
    case SD_STAT_STDEV:
        return sd_stdev(x, n);
    case SD_STAT_QUANTILE:
        sd_sort(x, n);
        return sd_quantile_sorted(x, n, p);
    }
    return NAN;
}

int sd_bootstrap(const double *x, size_t n, enum sd_stat stat, double p, int b, double level,
                 uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n == 0 || b < 1)
        return 0;
    double *s = malloc(n * sizeof *s), *est = malloc((size_t)b * sizeof *est);
    if (!s || !est) {
        free(s);
        free(est);
        return -1;
    }
    struct sd_rng r;
    sd_rng_seed(&r, seed);
    int k = 0;
    for (int i = 0; i < b; i++) {
        for (size_t j = 0; j < n; j++)
            s[j] = x[sd_rng_next(&r) % n];
        double e = statistic(s, n, stat, p);
        if (!isnan(e))
            est[k++] = e;
    }
    sd_sort(est, (size_t)k);
    *lo = sd_quantile_sorted(est, (size_t)k, (1.0 - level) / 2.0);
    *hi = sd_quantile_sorted(est, (size_t)k, (1.0 + level) / 2.0);
    free(s);
    free(est);
    return 0;
}

/* Inverse of the standard normal CDF by bisection on erfc: short, and exact to 1e-12. */
double sd_normal_z(double level)
{
    double tail = (1.0 - level) / 2.0, lo = 0, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / sqrt(2.0)) > tail)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

void sd_quantile_ci_sorted(const double *x, size_t n, double p, double level, double *lo,
                           double *hi)
{
    if (n == 0) {
        *lo = *hi = NAN;
        return;
    }
    double z = sd_normal_z(level), np = (double)n * p, sd = sqrt((double)n * p * (1 - p));
    double l = floor(np - z * sd), u = ceil(np + z * sd); /* 0-based ranks */
    if (l < 0)
        l = 0;
    if (u > (double)(n - 1))
        u = (double)(n - 1);
    *lo = x[(size_t)l];
    *hi = x[(size_t)u];
}

/* ---- the sketch ---- */

#define SKETCH_MAX_BUCKETS 4096

/* one side (positive values, or the magnitudes of negative ones): dense counts by index */
struct side {
    int64_t lo;   /* index of counts[0] */
    uint32_t len; /* slots in use from lo */
    uint32_t cap; /* slots allocated */
    uint64_t *counts;
    uint64_t total;
};

struct sd_sketch {
    double alpha, gamma, lg;
    struct side pos, neg;
    uint64_t zero;
};

struct sd_sketch *sd_sketch_new(double alpha)
{
    if (!(alpha > 0 && alpha < 1))
        return NULL;
    struct sd_sketch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->alpha = alpha;
    s->gamma = (1 + alpha) / (1 - alpha);
    s->lg = log(s->gamma);
    return s;
}

void sd_sketch_free(struct sd_sketch *s)
{
    if (!s)
        return;
    free(s->pos.counts);
    free(s->neg.counts);
    free(s);
}

/* Room for len counts (len <= SKETCH_MAX_BUCKETS); the counts already held stay. */
static int reserve(struct side *d, uint32_t len)
{
    if (len <= d->cap)
        return 0;
    uint32_t cap = d->cap ? d->cap : 64;
    while (cap < len)
        cap *= 2;
    uint64_t *n = realloc(d->counts, cap * sizeof *n);
    if (!n)
        return -1;
    d->counts = n;
    d->cap = cap;
    return 0;
}

/*
** Add c to bucket k, making room for it. Past SKETCH_MAX_BUCKETS the lowest buckets fold
** into one: the high end, where latency tails are, keeps its accuracy.
*/
static int side_add(struct side *d, int64_t k, uint64_t c)
{
    if (d->len == 0) {
        if (reserve(d, 1) != 0)
            return -1;
        d->lo = k;
        d->len = 1;
        d->counts[0] = 0;
    }
    if (k < d->lo) {
        if ((d->lo - k) + d->len > SKETCH_MAX_BUCKETS) {
            k = d->lo; /* folded into the lowest kept bucket */
        } else {
            uint32_t shift = (uint32_t)(d->lo - k);
            if (reserve(d, d->len + shift) != 0)
                return -1;
            memmove(d->counts + shift, d->counts, d->len * sizeof *d->counts);
            memset(d->counts, 0, shift * sizeof *d->counts);
            d->lo = k;
            d->len += shift;
        }
    }
    if (k >= d->lo + (int64_t)d->len) {
        int64_t len = k - d->lo + 1;
        if (len > SKETCH_MAX_BUCKETS) {
            int64_t drop = len - SKETCH_MAX_BUCKETS;
            uint64_t folded = 0;
            for (int64_t i = 0; i < drop && i < d->len; i++)
                folded += d->counts[i];
            if (drop < d->len) {
                memmove(d->counts, d->counts + drop, (size_t)(d->len - drop) * sizeof *d->counts);
                d->len -= (uint32_t)drop;
            } else {
                d->len = 1;
                d->counts[0] = 0;
            }
            d->lo += drop;
            d->counts[0] += folded;
            len = SKETCH_MAX_BUCKETS;
        }
        if (reserve(d, (uint32_t)len) != 0)
            return -1;
        memset(d->counts + d->len, 0, ((size_t)len - d->len) * sizeof *d->counts);
        d->len = (uint32_t)len;
    }
    d->counts[k - d->lo] += c;
    d->total += c;
    return 0;
}

static int64_t index_of(const struct sd_sketch *s, double v)
{
    return (int64_t)ceil(log(v) / s->lg);
}

/* the value a bucket reports: 2 gamma^k / (gamma + 1), within alpha of all it holds */
static double value_of(const struct sd_sketch *s, int64_t k)
{
    return 2.0 * exp((double)k * s->lg) / (s->gamma + 1.0);
}

void sd_sketch_add(struct sd_sketch *s, double v)
{
    if (isnan(v))
        return;
    /* below this a double's log is not useful; such values count as zero */
    if (v > 1e-300)
        side_add(&s->pos, index_of(s, v), 1);
    else if (v < -1e-300)
        side_add(&s->neg, index_of(s, -v), 1);
    else
        s->zero++;
}

static int side_merge(struct side *into, const struct side *from)
{
    for (uint32_t i = 0; i < from->len; i++)
        if (from->counts[i] && side_add(into, from->lo + i, from->counts[i]) != 0)
            return -1;
    return 0;
}

int sd_sketch_merge(struct sd_sketch *into, const struct sd_sketch *from)
{
    if (into->alpha != from->alpha)
        return -1;
    if (side_merge(&into->pos, &from->pos) || side_merge(&into->neg, &from->neg))
        return -1;
    into->zero += from->zero;
    return 0;
}

uint64_t sd_sketch_count(const struct sd_sketch *s)
{
    return s->pos.total + s->neg.total + s->zero;
}

size_t sd_sketch_bytes(const struct sd_sketch *s)
{
    return sizeof *s + (s->pos.cap + s->neg.cap) * sizeof(uint64_t);
}

/*
** The value of rank r (0-based, r in [0, n-1]) in sorted order: negatives from the largest
** magnitude down, then zeros, then positives.
*/
static double rank_value(const struct sd_sketch *s, uint64_t r)
{
    uint64_t seen = 0;
    for (uint32_t i = s->neg.len; i-- > 0;) {
        seen += s->neg.counts[i];
        if (r < seen)
            return -value_of(s, s->neg.lo + i);
    }
    seen += s->zero;
    if (r < seen)
        return 0;
    for (uint32_t i = 0; i < s->pos.len; i++) {
        seen += s->pos.counts[i];
        if (r < seen)
            return value_of(s, s->pos.lo + i);
    }
    return NAN;
}

double sd_sketch_quantile(const struct sd_sketch *s, double p)
{
    uint64_t n = sd_sketch_count(s);
    if (n == 0)
        return NAN;
    /* the same rank arithmetic as the exact quantile, between the two bucket values */
    double f;
    uint64_t lo = rank_of(n, p, &f);
    double a = rank_value(s, lo);
    if (f == 0)
        return a;
    return a + f * (rank_value(s, lo + 1) - a);
}

/* ---- exact, then sketch ---- */

struct sd_qacc {
    size_t limit, n, cap;
    double *x;
    int sorted;
    struct sd_sketch *sk;
    double alpha;
};

struct sd_qacc *sd_qacc_new(size_t limit, double alpha)
{
    struct sd_qacc *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->limit = limit ? limit : SD_QACC_LIMIT;
    q->alpha = alpha > 0 ? alpha : SD_SKETCH_ALPHA;
    return q;
}

void sd_qacc_free(struct sd_qacc *q)
{
    if (!q)
        return;
    free(q->x);
    sd_sketch_free(q->sk);
    free(q);
}

int sd_qacc_add(struct sd_qacc *q, double v)
{
    if (isnan(v))
        return 0;
    if (q->sk) {
        sd_sketch_add(q->sk, v);
        return 0;
    }
    if (q->n == q->limit) {
        q->sk = sd_sketch_new(q->alpha);
        if (!q->sk)
            return -1;
        for (size_t i = 0; i < q->n; i++)
            sd_sketch_add(q->sk, q->x[i]);
        free(q->x);
        q->x = NULL;
        q->n = q->cap = 0;
        sd_sketch_add(q->sk, v);
        return 0;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        if (cap > q->limit)
            cap = q->limit;
        double *x = realloc(q->x, cap * sizeof *x);
        if (!x)
            return -1;
        q->x = x;
        q->cap = cap;
    }
    q->x[q->n++] = v;
    q->sorted = 0;
    return 0;
}

double sd_qacc_quantile(struct sd_qacc *q, double p)
{
    if (q->sk)
        return sd_sketch_quantile(q->sk, p);
    if (!q->sorted) {
        sd_sort(q->x, q->n);
        q->sorted = 1;
    }
    return sd_quantile_sorted(q->x, q->n, p);
}

uint64_t sd_qacc_count(const struct sd_qacc *q)
{
    return q->sk ? sd_sketch_count(q->sk) : q->n;
}

int sd_qacc_exact(const struct sd_qacc *q)
{
    return q->sk == NULL;
}

const double *sd_qacc_sorted(struct sd_qacc *q)
{
    if (q->sk)
        return NULL;
    if (!q->sorted) {
        sd_sort(q->x, q->n);
        q->sorted = 1;
    }
    return q->x;
}
