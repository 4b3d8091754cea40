/* linalg.c - see linalg.h. */
#include "linalg.h"

#include <math.h>
#include <string.h>

int model__solve(int n, double *a, double *b) {
    for (int c = 0; c < n; c++) {
        int pivot = c;
        double column_max = 0.0;
        for (int r = c; r < n; r++) {
            column_max = fmax(column_max, fabs(a[r * n + c]));
            if (fabs(a[r * n + c]) > fabs(a[pivot * n + c])) pivot = r;
        }
        if (!(column_max > 1e-300)) return -1;
        if (pivot != c) {
            for (int k = 0; k < n; k++) {
                double t = a[c * n + k];
                a[c * n + k] = a[pivot * n + k];
                a[pivot * n + k] = t;
            }
            double t = b[c];
            b[c] = b[pivot];
            b[pivot] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            if (f == 0.0) continue;
            for (int k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < n; k++) s -= a[r * n + k] * b[k];
        if (!(fabs(a[r * n + r]) > 1e-300)) return -1;
        b[r] = s / a[r * n + r];
    }
    for (int r = 0; r < n; r++)
        if (!isfinite(b[r])) return -1;
    return 0;
}

#define NEWTON_MAX_N 16

static double max_abs(int n, const double *v) {
    double m = 0.0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    return m;
}

int model__newton(int n, model_residual_fn f, void *arg, double *x, double tol, int max_iter) {
    if (n < 1 || n > NEWTON_MAX_N) return -1;
    double fx[NEWTON_MAX_N], fh[NEWTON_MAX_N], step[NEWTON_MAX_N], trial[NEWTON_MAX_N];
    double jac[NEWTON_MAX_N * NEWTON_MAX_N];
    if (f(x, fx, arg) != 0) return -1;
    for (int iter = 0; iter < max_iter; iter++) {
        double norm = max_abs(n, fx);
        if (norm <= tol) return 0;
        for (int j = 0; j < n; j++) {
            double saved = x[j], h = 1e-7 * fmax(1.0, fabs(saved));
            x[j] = saved + h;
            int bad = f(x, fh, arg);
            x[j] = saved;
            if (bad) return -1;
            for (int i = 0; i < n; i++) jac[i * n + j] = (fh[i] - fx[i]) / h;
        }
        for (int i = 0; i < n; i++) step[i] = -fx[i];
        if (model__solve(n, jac, step) != 0) return -1;
        /* Damped: halve the step until the residual shrinks. */
        double lambda = 1.0;
        for (;;) {
            for (int i = 0; i < n; i++) trial[i] = x[i] + lambda * step[i];
            if (f(trial, fh, arg) == 0 && max_abs(n, fh) < norm) break;
            lambda *= 0.5;
            if (lambda < 1e-6) return -1;
        }
        memcpy(x, trial, (size_t)n * sizeof *x);
        memcpy(fx, fh, (size_t)n * sizeof *fx);
    }
    return max_abs(n, fx) <= tol ? 0 : -1;
}
