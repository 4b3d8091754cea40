/* number.h - a double as the shortest decimal text that reads back to it,
 * written as Python's repr() and json.dumps() write floats: "0.1",
 * "0.30000000000000004", "1.0", "-0.0", "1e-05", "1.5e+16".
 *
 * The original demo is Python, so a pde part's entries carry the very
 * texts the demo's would for the same state, and every text reads back to
 * the same double in any language: a trajectory crosses any number of
 * processes without changing a digit. It is on every co-simulation step's
 * path; glibc's printf("%.17g") costs several times as much. */
#ifndef PDE_COSIM_NUMBER_H
#define PDE_COSIM_NUMBER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest text, NUL included: "-2.2250738585072014e-308". */
#define COSIM_NUMBER_MAX 32

/* Write x into out (NUL-terminated) and return the text's length; 0 for a
 * NaN or an infinity, which JSON cannot carry (out is then ""). */
size_t cosim_number_format(double x, char out[COSIM_NUMBER_MAX]);

#ifdef __cplusplus
}
#endif

#endif
