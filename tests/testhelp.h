/* \summary: the C unit tests' harness, in the manner of sds's testhelp.h */
#ifndef MCPD_TESTHELP_H
#define MCPD_TESTHELP_H

#include <stdio.h>

static int tests_run, tests_failed;

#define test_cond(descr, cond)                                          \
    do {                                                                \
        tests_run++;                                                    \
        if (!(cond)) {                                                  \
            tests_failed++;                                             \
            printf("FAIL %s (%s:%d)\n", descr, __FILE__, __LINE__);     \
        }                                                               \
    } while (0)

/* Print the closing line ctest's output shows; the exit status. */
static inline int
test_report(void)
{
    printf("%d tests, %d passed, %d failed\n", tests_run,
           tests_run - tests_failed, tests_failed);
    return tests_failed ? 1 : 0;
}

#endif
