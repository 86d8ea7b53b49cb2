/*
** sql_stats.c: the statistics library (stats.h) as SQLite functions, so that any query can
** ask for them:
**   percentile(x, p)   aggregate; p in [0, 1]; exact up to SD_QACC_LIMIT values, then the
**                      sketch (relative error SD_SKETCH_ALPHA); median(x) = percentile(x, 0.5)
**   stdev(x), cv(x)    aggregate; sample standard deviation, and it over the mean
**   gini(x), hhi(x)    aggregate, over non-negative amounts
**   topk_share(x, k)   aggregate; share of the total held by the k largest
**   describe(x)        aggregate; a JSON object: n, mean, sd and p50, p90, p99, each with
**                      the bounds of its 95% interval (_lo, _hi), and how they were found
**                      ("ci": "bootstrap", seeded, 1,000 resamples, up to DESCRIBE_BOOT
**                      values; beyond, "order": order statistics for quantiles and the
**                      normal interval for the mean)
**   describe_gaps(timeline, kinds)
**                      aggregate; describe() of the gaps in ms between consecutive events
**                      whose kind letter is in kinds, pooled over every timeline (the
**                      timelines.events column, "sonde timeline v1"); 'art' gives itl_ms
** NULL inputs are skipped, as SQL's own aggregates skip them; an empty group gives NULL.
*/
#include "stats.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_PCT, K_STDEV, K_CV, K_GINI, K_HHI, K_TOPK, K_DESCRIBE, K_GAPS };

#define DESCRIBE_BOOT 500
#define DESCRIBE_B 1000
#define DESCRIBE_SEED 1

/*
** percentile and describe keep their values in a quantile accumulator (bounded memory);
** stdev, cv and describe keep Welford's running mean and sum of squares; gini, hhi and
** topk_share need every value, in a growing array.
*/
struct agg {
    struct sd_qacc *q;
    double *x;
    size_t n, cap;
    double p;
    sqlite3_int64 k;
    double mean, m2;
    uint64_t count;
    int bad; /* an argument error was already reported */
};

static struct agg *ctx(sqlite3_context *c)
{
    return sqlite3_aggregate_context(c, sizeof(struct agg));
}

static void welford(struct agg *a, double v)
{
    a->count++;
    double d = v - a->mean;
    a->mean += d / (double)a->count;
    a->m2 += d * (v - a->mean);
}

static double sample_sd(const struct agg *a)
{
    return a->count > 1 ? sqrt(a->m2 / (double)(a->count - 1)) : NAN;
}

static int add_value(struct agg *a, double v)
{
    welford(a, v);
    if (!a->q && !(a->q = sd_qacc_new(SD_QACC_LIMIT, SD_SKETCH_ALPHA)))
        return -1;
    return sd_qacc_add(a->q, v);
}

static int varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* one timeline's gaps between events of the given kinds */
static void step_gaps(sqlite3_context *c, struct agg *a, sqlite3_value **argv)
{
    const unsigned char *p = sqlite3_value_blob(argv[0]);
    const unsigned char *end = p + sqlite3_value_bytes(argv[0]);
    const char *kinds = (const char *)sqlite3_value_text(argv[1]);
    if (!kinds)
        kinds = "art";
    uint64_t t = 0, prev = 0;
    int have = 0;
    while (p && p < end) {
        char k = (char)*p++;
        uint64_t gap, bytes;
        if (varint(&p, end, &gap) != 0 || varint(&p, end, &bytes) != 0) {
            a->bad = 1;
            sqlite3_result_error(c, "describe_gaps: a timeline is cut or corrupt", -1);
            return;
        }
        t += gap;
        if (k && strchr(kinds, k)) {
            if (have && add_value(a, (double)(t - prev) / 1e6) != 0) {
                sqlite3_result_error_nomem(c);
                return;
            }
            prev = t;
            have = 1;
        }
    }
}

static void step(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    struct agg *a = ctx(c);
    if (!a) {
        sqlite3_result_error_nomem(c);
        return;
    }
    if (a->bad)
        return;
    enum kind k = (enum kind)(intptr_t)sqlite3_user_data(c);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (k == K_GAPS) {
        step_gaps(c, a, argv);
        return;
    }
    double v = sqlite3_value_double(argv[0]);
    if (k == K_STDEV || k == K_CV) {
        welford(a, v);
        return;
    }
    if (k == K_DESCRIBE) {
        if (add_value(a, v) != 0)
            sqlite3_result_error_nomem(c);
        return;
    }
    if (k == K_PCT) {
        if (!a->q) {
            double p = argc > 1 ? sqlite3_value_double(argv[1]) : 0.5;
            if (!(p >= 0 && p <= 1)) {
                a->bad = 1;
                sqlite3_result_error(c, "percentile: p must be in [0, 1]", -1);
                return;
            }
            a->p = p;
            a->q = sd_qacc_new(SD_QACC_LIMIT, SD_SKETCH_ALPHA);
            if (!a->q) {
                sqlite3_result_error_nomem(c);
                return;
            }
        }
        if (sd_qacc_add(a->q, v) != 0)
            sqlite3_result_error_nomem(c);
        return;
    }
    if (k == K_TOPK && a->n == 0)
        a->k = sqlite3_value_int64(argv[1]);
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        double *x = sqlite3_realloc64(a->x, cap * sizeof *x);
        if (!x) {
            sqlite3_result_error_nomem(c);
            return;
        }
        a->x = x;
        a->cap = cap;
    }
    a->x[a->n++] = v;
}

static void put(char *buf, size_t cap, size_t *len, const char *key, double v)
{
    if (*len >= cap)
        return;
    int w = isnan(v) || isinf(v) ? snprintf(buf + *len, cap - *len, ",\"%s\":null", key)
                                 : snprintf(buf + *len, cap - *len, ",\"%s\":%.17g", key, v);
    if (w > 0)
        *len += (size_t)w;
}

/* the value of 0-based rank r among n, exact or from the sketch */
static double rank(struct sd_qacc *q, uint64_t n, double r)
{
    const double *x = sd_qacc_sorted(q);
    if (x)
        return x[(size_t)r];
    return sd_qacc_quantile(q, n > 1 ? r / (double)(n - 1) : 0);
}

static void describe(sqlite3_context *c, struct agg *a)
{
    static const double ps[] = {0.5, 0.9, 0.99};
    static const char *const names[] = {"p50", "p90", "p99"};
    char buf[1024], key[16];
    size_t len = (size_t)snprintf(buf, sizeof buf, "{\"n\":%llu", (unsigned long long)a->count);
    uint64_t n = a->count;
    double sd = sample_sd(a);
    put(buf, sizeof buf, &len, "mean", n ? a->mean : NAN);
    put(buf, sizeof buf, &len, "sd", sd);
    int boot = a->q && sd_qacc_exact(a->q) && n <= DESCRIBE_BOOT;
    double lo = NAN, hi = NAN;
    double *x = NULL;
    if (boot) {
        /* a copy of the exact values for the resamples */
        x = sqlite3_malloc64(n * sizeof *x);
        if (!x) {
            sqlite3_result_error_nomem(c);
            return;
        }
        memcpy(x, sd_qacc_sorted(a->q), n * sizeof *x);
        if (sd_bootstrap(x, n, SD_STAT_MEAN, 0, DESCRIBE_B, 0.95, DESCRIBE_SEED, &lo, &hi) != 0)
            lo = hi = NAN;
    } else if (n > 1) {
        double z = sd_normal_z(0.95);
        lo = a->mean - z * sd / sqrt((double)n);
        hi = a->mean + z * sd / sqrt((double)n);
    }
    put(buf, sizeof buf, &len, "mean_lo", lo);
    put(buf, sizeof buf, &len, "mean_hi", hi);
    for (int i = 0; i < 3; i++) {
        double p = ps[i], v = n ? sd_qacc_quantile(a->q, p) : NAN;
        lo = hi = NAN;
        if (boot) {
            if (sd_bootstrap(x, n, SD_STAT_QUANTILE, p, DESCRIBE_B, 0.95, DESCRIBE_SEED, &lo,
                             &hi) != 0)
                lo = hi = NAN;
        } else if (n > 0) {
            double z = sd_normal_z(0.95), np = (double)n * p, s = sqrt(np * (1 - p));
            double l = floor(np - z * s), u = ceil(np + z * s);
            lo = rank(a->q, n, l < 0 ? 0 : l);
            hi = rank(a->q, n, u > (double)(n - 1) ? (double)(n - 1) : u);
        }
        put(buf, sizeof buf, &len, names[i], v);
        snprintf(key, sizeof key, "%s_lo", names[i]);
        put(buf, sizeof buf, &len, key, lo);
        snprintf(key, sizeof key, "%s_hi", names[i]);
        put(buf, sizeof buf, &len, key, hi);
    }
    sqlite3_free(x);
    if (len < sizeof buf)
        len += (size_t)snprintf(buf + len, sizeof buf - len, ",\"ci\":\"%s\",\"exact\":%s}",
                                boot ? "bootstrap" : "order",
                                !a->q || sd_qacc_exact(a->q) ? "true" : "false");
    if (len >= sizeof buf) {
        sqlite3_result_error(c, "describe: result too long", -1);
        return;
    }
    sqlite3_result_text(c, buf, (int)len, SQLITE_TRANSIENT);
}

static void final(sqlite3_context *c)
{
    struct agg *a = sqlite3_aggregate_context(c, 0);
    if (!a || a->bad) {
        if (!a)
            sqlite3_result_null(c);
        return;
    }
    enum kind k = (enum kind)(intptr_t)sqlite3_user_data(c);
    double r = NAN;
    if (k == K_DESCRIBE || k == K_GAPS) {
        describe(c, a);
        sd_qacc_free(a->q);
        a->q = NULL;
        return;
    }
    switch (k) {
    case K_PCT:
        if (a->q && sd_qacc_count(a->q) > 0)
            r = sd_qacc_quantile(a->q, a->p);
        break;
    case K_STDEV:
        r = sample_sd(a);
        break;
    case K_CV:
        r = a->count && a->mean != 0 ? sample_sd(a) / a->mean : NAN;
        break;
    case K_GINI:
        r = sd_gini(a->x, a->n);
        break;
    case K_HHI:
        r = sd_hhi(a->x, a->n);
        break;
    case K_TOPK:
        r = a->k >= 0 ? sd_topk_share(a->x, a->n, (size_t)a->k) : NAN;
        break;
    case K_DESCRIBE:
    case K_GAPS:
        break;
    }
    if (isnan(r))
        sqlite3_result_null(c);
    else
        sqlite3_result_double(c, r);
    sd_qacc_free(a->q);
    sqlite3_free(a->x);
    a->q = NULL;
    a->x = NULL;
}

int sd_store_register_stats(sqlite3 *db)
{
    static const struct {
        const char *name;
        int argc;
        enum kind k;
    } fns[] = {
        {"percentile", 2, K_PCT},  {"median", 1, K_PCT},        {"stdev", 1, K_STDEV},
        {"cv", 1, K_CV},           {"gini", 1, K_GINI},         {"hhi", 1, K_HHI},
        {"topk_share", 2, K_TOPK}, {"describe", 1, K_DESCRIBE}, {"describe_gaps", 2, K_GAPS},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db, fns[i].name, fns[i].argc,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                            (void *)(intptr_t)fns[i].k, NULL, step, final, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}
