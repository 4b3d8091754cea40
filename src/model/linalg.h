/* linalg.h - the small dense linear algebra the model part needs: steady
 * states found by Newton's method at start-up, linear models' steady
 * states. Not for the hot path (CVODE does its own).
 *
 * Functions shared inside src/model/ only (model__ prefix). */
#ifndef PDE_MODEL_LINALG_H
#define PDE_MODEL_LINALG_H

/* Solve a·x = b for x by Gaussian elimination with partial pivoting. a is n
 * by n, row-major, and is overwritten; b (n values) is overwritten with x.
 * Returns 0, or -1 if a is singular to working precision (a pivot below
 * 1e-300 or 1e-14 times the largest entry of its column); b is then
 * unspecified. */
int model__solve(int n, double *a, double *b);

/* Find x with f(x) = 0 by Newton's method with a forward-difference
 * Jacobian, starting from x (n values, overwritten with the result).
 * f returns nonzero where it cannot be evaluated; the step is then halved.
 * Stops when every |f_i| <= tol or after max_iter iterations. Returns 0 on
 * convergence, -1 otherwise (x then holds the last iterate). n <= 16. */
typedef int (*model_residual_fn)(const double *x, double *f, void *arg);
int model__newton(int n, model_residual_fn f, void *arg, double *x, double tol, int max_iter);

#endif
