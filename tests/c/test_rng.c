/*
** test_rng.c: the mock's generator is reproducible from its seed, and each distribution has
** the centre and spread it is configured with (checked on 200,000 draws).
*/
#include "rng.h"
#include "test.h"

#include <math.h>

static double sorted_median(double *v, int n)
{
    for (int i = 1; i < n; i++) { /* insertion sort is fine: called on small n only */
        double x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(void)
{
    struct sd_rng a, b;
    sd_rng_seed(&a, 42);
    sd_rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= sd_rng_next(&a) == sd_rng_next(&b);
    CHECK(same);
    sd_rng_seed(&b, 43);
    CHECK(sd_rng_next(&a) != sd_rng_next(&b));

    enum { N = 200000 };
    double sum = 0, sq = 0, lo = 1, hi = 0;
    for (int i = 0; i < N; i++) {
        double u = sd_rng_uniform(&a);
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    CHECK(fabs(sum / N - 0.5) < 0.005);
    CHECK(lo >= 0 && hi < 1);

    struct sd_dist nd = {SD_DIST_NORMAL, 100, 15, -1e9, 0};
    sum = sq = 0;
    for (int i = 0; i < N; i++) {
        double v = sd_dist_sample(&nd, &a);
        sum += v;
        sq += v * v;
    }
    double mean = sum / N, sd = sqrt(sq / N - mean * mean);
    CHECK(fabs(mean - 100) < 0.2);
    CHECK(fabs(sd - 15) < 0.2);

    static double v[20001];
    struct sd_dist ln = {SD_DIST_LOGNORMAL, 300, 0.5, 0, 0};
    for (int i = 0; i < 20001; i++)
        v[i] = sd_dist_sample(&ln, &a);
    double med = sorted_median(v, 20001);
    CHECK(fabs(med - 300) < 6);

    struct sd_dist clamp = {SD_DIST_NORMAL, 0, 100, 5, 10};
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        double x = sd_dist_sample(&clamp, &a);
        ok &= x >= 5 && x <= 10;
    }
    CHECK(ok);
    struct sd_dist fx = {SD_DIST_FIXED, 20, 0, 0, 0};
    CHECK(sd_dist_sample(&fx, &a) == 20);
    return TEST_DONE();
}
