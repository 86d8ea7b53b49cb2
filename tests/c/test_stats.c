/*
** test_stats.c: the C paths of the statistics library that Lua reaches only indirectly:
** selection gives exactly what sorting gives (ties, every p, many sizes), and the
** exact-then-sketch accumulator switches at its limit and keeps its error bound.
*/
#include "rng.h"
#include "stats.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

int main(void)
{
    struct sd_rng r;
    sd_rng_seed(&r, 9);
    double a[257], b[257];
    int mismatches = 0;
    for (int n = 1; n <= 257; n += 8) {
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < n; i++) /* few distinct values: many ties */
                a[i] = (double)(sd_rng_next(&r) % (round % 2 ? 5 : 1000));
            for (int k = 0; k <= 20; k++) {
                double p = k / 20.0;
                memcpy(b, a, (size_t)n * sizeof *a);
                sd_sort(b, (size_t)n);
                double want = sd_quantile_sorted(b, (size_t)n, p);
                memcpy(b, a, (size_t)n * sizeof *a);
                if (sd_quantile_select(b, (size_t)n, p) != want)
                    mismatches++;
            }
        }
    }
    CHECK_INT(mismatches, 0);
    CHECK(isnan(sd_quantile_select(a, 0, 0.5)));

    /* exact below the limit, the sketch past it, within 1% of the exact quantiles */
    struct sd_qacc *q = sd_qacc_new(1000, 0.01);
    double *all = malloc(5000 * sizeof *all);
    for (int i = 0; i < 5000; i++) {
        all[i] = exp(3 * sd_rng_normal(&r));
        sd_qacc_add(q, all[i]);
        if (i == 999)
            CHECK(sd_qacc_exact(q));
    }
    CHECK(!sd_qacc_exact(q));
    CHECK_INT(sd_qacc_count(q), 5000);
    sd_sort(all, 5000);
    double worst = 0;
    for (int k = 0; k <= 100; k++) {
        double want = sd_quantile_sorted(all, 5000, k / 100.0);
        double err = fabs(sd_qacc_quantile(q, k / 100.0) - want) / want;
        if (err > worst)
            worst = err;
    }
    CHECK(worst <= 0.01);
    sd_qacc_free(q);
    free(all);
    printf("sketch past the limit: worst relative error %.4f\n", worst);
    return TEST_DONE();
}
