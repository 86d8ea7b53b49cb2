/*
** test.h: the smallest assertion kit that prints file:line and both values.
** Each test file defines main() running its cases and returns sd_test_failures != 0.
*/
#ifndef SONDE_TEST_H
#define SONDE_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int sd_test_failures;
static int sd_test_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        sd_test_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            sd_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        sd_test_checks++;                                                                          \
        if (a_ != b_) {                                                                            \
            sd_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,    \
                    a_, #b, b_);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        sd_test_checks++;                                                                          \
        if (strcmp(a_, b_) != 0) {                                                                 \
            sd_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, a_,  \
                    b_);                                                                           \
        }                                                                                          \
    } while (0)

#define TEST_DONE()                                                                                \
    (printf("%d passed, %d failed\n", sd_test_checks - sd_test_failures, sd_test_failures),        \
     sd_test_failures != 0)

#endif
