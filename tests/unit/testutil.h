/* testutil.h - what every cmocka unit test includes, plus the comparisons
 * cmocka 1.1.5 lacks.
 *
 * ASSERT_NEAR compares doubles within an absolute tolerance and, on
 * failure, prints both expressions, both values to full precision, the
 * tolerance and the difference, so a failed run says how far off it was. A
 * NaN on either side always fails. */
#ifndef PDE_TESTUTIL_H
#define PDE_TESTUTIL_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#define ASSERT_NEAR(actual, expected, tol)                                     \
    do {                                                                       \
        double near_a_ = (actual), near_e_ = (expected), near_t_ = (tol);     \
        if (!(fabs(near_a_ - near_e_) <= near_t_))                             \
            fail_msg("ASSERT_NEAR(%s, %s, %s): %.17g vs %.17g, off by %.3g, "  \
                     "tolerance %.3g",                                         \
                     #actual, #expected, #tol, near_a_, near_e_,               \
                     fabs(near_a_ - near_e_), near_t_);                        \
    } while (0)

/* The same at a time t, for trajectories: says when it went wrong. */
#define ASSERT_NEAR_AT(t, actual, expected, tol)                               \
    do {                                                                       \
        double near_a_ = (actual), near_e_ = (expected), near_t_ = (tol);     \
        if (!(fabs(near_a_ - near_e_) <= near_t_))                             \
            fail_msg("at t = %.17g s: %s = %.17g, expected %s = %.17g, "       \
                     "off by %.3g, tolerance %.3g",                            \
                     (double)(t), #actual, near_a_, #expected, near_e_,        \
                     fabs(near_a_ - near_e_), near_t_);                        \
    } while (0)

#endif
