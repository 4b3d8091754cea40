/* test_column_a.c - Skogestad's column A against computations of its own.
 *
 * The column's equations are restated here from MODELS.md (colamod: NT = 41
 * stages, feed on 21, α = 1.5, τL = 0.063 min, λ = 0, M0 = 0.5 kmol,
 * L0 = 2.70629, L0b = 3.70629, V0 = 3.20629 kmol/min) with the LV
 * configuration's level laws D = 0.5 + 10·(M_NT − 0.5), B = 0.5 + 10·(M_1 −
 * 0.5). Steady states are found by a dense Newton iteration on all 82
 * equations, from a straight-line composition profile, in two forms:
 *   drums at 0.5 kmol   unknowns x_1..x_41, M_2..M_40, D, B: what the
 *                       model starts at (its drums at their setpoints);
 *   published P laws    unknowns x_1..x_41, M_1..M_41: where the model
 *                       settles after an input step (reset fixed at 0.5).
 * Also: the overall and component balances F = D + B, F·zF = D·yD + B·xB;
 * the nominal purities yD = 0.99, xB = 0.01; the steady-state gains of the
 * LV configuration from the literature (Skogestad & Postlethwaite's LV
 * model of column A: 87.8, −86.4, 108.2, −109.6, in mol % per kmol/min);
 * and, with LC_D in MAN, the condenser holdup falling linearly at
 * V − LT − D, exactly.
 *
 * Tolerances: 1e-9 on steady states from the start, 1e-7 after long runs
 * (the slowest mode is about 3 hours), 1% on the literature gains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/sim.h"
#include "model_testutil.h"
#include "testutil.h"

#define NT 41
#define NF 21
#define MINUTE 60.0
#define N82 (2 * NT)

/* ---------------------------- restated model ---------------------------- */

typedef struct inputs {
    double LT, VB, F, zF, qF;
} inputs_t;

static const inputs_t nominal = {2.70629, 3.20629, 1.0, 0.5, 1.0};

/* colamod, 1-based stages, for states x[0..40] = x_1..x_41 and
 * x[41..81] = M_1..M_41, product flows D and B given. */
static void colamod(const inputs_t *u, const double *X, double D, double B, double *dX) {
    const double alpha = 1.5, taul = 0.063, lambda = 0.0, M0 = 0.5;
    const double F0 = 1, qF0 = 1, L0 = 2.70629, L0b = L0 + qF0 * F0, V0 = 3.20629;
    const double V0t = V0 + (1 - qF0) * F0;
    double x[NT + 1], M[NT + 1], y[NT + 1], V[NT + 1], L[NT + 1], dMdt[NT + 1], dMxdt[NT + 1];
    for (int i = 1; i <= NT; i++) {
        x[i] = X[i - 1];
        M[i] = X[NT + i - 1];
    }
    for (int i = 1; i <= NT - 1; i++) y[i] = alpha * x[i] / (1 + (alpha - 1) * x[i]);
    for (int i = 1; i <= NT - 1; i++) V[i] = u->VB;
    for (int i = NF; i <= NT - 1; i++) V[i] += (1 - u->qF) * u->F;
    for (int i = 2; i <= NF; i++) L[i] = L0b + (M[i] - M0) / taul + lambda * (V[i - 1] - V0);
    for (int i = NF + 1; i <= NT - 1; i++)
        L[i] = L0 + (M[i] - M0) / taul + lambda * (V[i - 1] - V0t);
    L[NT] = u->LT;
    for (int i = 2; i <= NT - 1; i++) {
        dMdt[i] = L[i + 1] - L[i] + V[i - 1] - V[i];
        dMxdt[i] = L[i + 1] * x[i + 1] - L[i] * x[i] + V[i - 1] * y[i - 1] - V[i] * y[i];
    }
    dMdt[NF] += u->F;
    dMxdt[NF] += u->F * u->zF;
    dMdt[1] = L[2] - V[1] - B;
    dMxdt[1] = L[2] * x[2] - V[1] * y[1] - B * x[1];
    dMdt[NT] = V[NT - 1] - u->LT - D;
    dMxdt[NT] = V[NT - 1] * y[NT - 1] - u->LT * x[NT] - D * x[NT];
    for (int i = 1; i <= NT; i++) {
        dX[i - 1] = (dMxdt[i] - x[i] * dMdt[i]) / M[i];
        dX[NT + i - 1] = dMdt[i];
    }
}

static double p_law(double M) { return 0.5 + 10 * (M - 0.5); }

/* The residual of one of the two steady-state forms, over 82 unknowns. */
typedef enum { DRUMS_AT_SETPOINT, PUBLISHED_P_LAWS } form_t;

static void unpack(form_t form, const double *z, double *X, double *D, double *B) {
    memcpy(X, z, N82 * sizeof *X);
    if (form == DRUMS_AT_SETPOINT) {
        /* z holds D and B where the drum holdups would be. */
        *B = z[NT];
        *D = z[N82 - 1];
        X[NT] = 0.5;
        X[N82 - 1] = 0.5;
    } else {
        *D = p_law(X[N82 - 1]);
        *B = p_law(X[NT]);
    }
}

static void residual(form_t form, const inputs_t *u, const double *z, double *r) {
    double X[N82], D, B;
    unpack(form, z, X, &D, &B);
    colamod(u, X, D, B, r);
}

static double max_abs(const double *v, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    return m;
}

/* Gaussian elimination with partial pivoting on an n×n row-major matrix. */
static void solve(int n, double *A, double *b) {
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c])) p = r;
        for (int k = 0; k < n; k++) {
            double t = A[c * n + k];
            A[c * n + k] = A[p * n + k];
            A[p * n + k] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        assert_true(fabs(A[c * n + c]) > 1e-300);
        for (int r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];
            for (int k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        for (int k = r + 1; k < n; k++) b[r] -= A[r * n + k] * b[k];
        b[r] /= A[r * n + r];
    }
}

/* Damped Newton from a straight-line profile; X gets the 82 states, D and
 * B the product flows. */
static void steady_state(form_t form, const inputs_t *u, double *X, double *D, double *B) {
    double z[N82], r[N82], rt[N82], zt[N82], step[N82];
    double *J = malloc(sizeof(double) * N82 * N82);
    assert_non_null(J);
    for (int i = 0; i < NT; i++) {
        z[i] = 0.01 + 0.98 * i / (NT - 1);
        z[NT + i] = 0.5;
    }
    if (form == DRUMS_AT_SETPOINT) z[NT] = z[N82 - 1] = 0.5;
    residual(form, u, z, r);
    int it;
    for (it = 0; it < 100 && max_abs(r, N82) > 1e-14; it++) {
        for (int j = 0; j < N82; j++) {
            memcpy(zt, z, sizeof zt);
            double h = 1e-7 * fmax(1, fabs(z[j]));
            zt[j] += h;
            residual(form, u, zt, rt);
            for (int i = 0; i < N82; i++) J[i * N82 + j] = (rt[i] - r[i]) / h;
        }
        for (int i = 0; i < N82; i++) step[i] = -r[i];
        solve(N82, J, step);
        double lambda = 1;
        for (;;) {
            for (int i = 0; i < N82; i++) zt[i] = z[i] + lambda * step[i];
            residual(form, u, zt, rt);
            if (max_abs(rt, N82) < max_abs(r, N82) || lambda < 1e-4) break;
            lambda /= 2;
        }
        memcpy(z, zt, sizeof z);
        memcpy(r, rt, sizeof r);
    }
    free(J);
    if (max_abs(r, N82) > 1e-13) fail_msg("Newton: residual %g after %d iterations", max_abs(r, N82), it);
    unpack(form, z, X, D, B);
}

/* ---------------------------- the model ---------------------------- */

TEST_MODEL_HELPERS("column-a")

static void fill_inputs(const inputs_t *in, double *u) {
    const model_t *m = model();
    for (int i = 0; i < m->n_inputs; i++) u[i] = m->tags[i].def;
    u[tag("LT")] = in->LT;
    u[tag("VB")] = in->VB;
    u[tag("F")] = in->F;
    u[tag("zF")] = in->zF;
    u[tag("qF")] = in->qF;
}

static sim_t *start(const inputs_t *in) {
    double u[64];
    assert_true(model()->n_inputs <= 64);
    fill_inputs(in, u);
    sim_t *s = sim_new(model(), u, NULL);
    assert_non_null(s);
    return s;
}

static void set(sim_t *s, const char *name, double value) {
    assert_int_equal(sim_set_input(s, tag(name), value), 0);
}

static const inputs_t cases[] = {
    {2.70629, 3.20629, 1.0, 0.5, 1.0},      /* nominal */
    {2.72629, 3.20629, 1.0, 0.5, 1.0},      /* more reflux */
    {2.70629, 3.18629, 1.0, 0.5, 1.0},      /* less boilup */
    {2.70629, 3.20629, 1.1, 0.45, 1.0},     /* feed disturbances */
    {2.70629, 2.90629, 1.0, 0.5, 0.7},      /* part-vapour feed */
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

/* ---------------------------- tests ---------------------------- */

static void definition(void **state) {
    (void)state;
    const model_t *m = model();
    const char *in[] = {"LT", "VB", "F", "zF", "qF", "D", "B"};
    const double def[] = {2.70629, 3.20629, 1, 0.5, 1, 0.5, 0.5};
    for (int i = 0; i < 7; i++) {
        assert_true(tag(in[i]) < m->n_inputs);
        ASSERT_NEAR(m->tags[tag(in[i])].def, def[i], 0.0);
    }
    const char *outs[] = {"yD", "xB", "MD", "MB", "LC_D.PV", "LC_B.PV", "T1", "T21", "T41"};
    for (int i = 0; i < 9; i++) assert_true(tag(outs[i]) >= m->n_inputs);
    const char *loops[] = {"LC_D", "LC_B"}, *loop_tags[] = {"SP", "OP", "MODE", "KP", "TI", "TD"};
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 6; k++) {
            char name[32];
            snprintf(name, sizeof name, "%s.%s", loops[l], loop_tags[k]);
            assert_true(tag(name) < m->n_inputs);
        }
    /* LV configuration with P level control by default. */
    ASSERT_NEAR(m->tags[tag("LC_D.MODE")].def, 1, 0.0);
    ASSERT_NEAR(m->tags[tag("LC_D.KP")].def, 10, 0.0);
    ASSERT_NEAR(m->tags[tag("LC_D.TI")].def, 0, 0.0);
    ASSERT_NEAR(m->tags[tag("LC_B.KP")].def, 10, 0.0);
    assert_true(m->n_states >= N82);
    assert_int_equal(m->stiff, 1);
    ASSERT_NEAR(m->time_unit, 60.0, 0.0);
}

/* The model's right-hand side is colamod with the P laws, at states around
 * the operating point (loop resets at the nominal 0.5). */
static void same_equations(void **state) {
    (void)state;
    const model_t *m = model();
    double u[64], X[N82], D, B;
    fill_inputs(&cases[4], u);
    steady_state(PUBLISHED_P_LAWS, &nominal, X, &D, &B);
    double *x = calloc((size_t)m->n_states, sizeof *x), *dx = calloc((size_t)m->n_states, sizeof *dx);
    assert_true(x && dx);
    double p[3];
    assert_int_equal(m->n_params, 3);
    p[model_param_index(m, "alpha")] = 1.5;
    p[model_param_index(m, "tauL")] = 0.063;
    p[model_param_index(m, "lambda")] = 0.0;
    model_io_t io = {.u = u, .p = p};
    srand(7);
    for (int trial = 0; trial < 10; trial++) {
        for (int i = 0; i < N82; i++)
            x[i] = X[i] * (1 + 0.05 * ((double)rand() / RAND_MAX - 0.5));
        /* Loop states after the column's: reset 0.5, filter at the PV. */
        x[N82 + 0] = 0.5;
        x[N82 + 1] = x[N82 - 1];
        x[N82 + 2] = 0.5;
        x[N82 + 3] = x[NT];
        double mine[N82];
        colamod(&cases[4], x, p_law(x[N82 - 1]), p_law(x[NT]), mine);
        assert_int_equal(m->rhs(m, 0, x, &io, dx), 0);
        for (int i = 0; i < N82; i++)
            ASSERT_NEAR(dx[i], mine[i], 1e-11 * fmax(1, fabs(mine[i])));
    }
    free(x);
    free(dx);
}

/* The start is the steady state with both drums at their setpoints, for
 * several input sets; the balances close and nothing moves. */
static void starts_at_steady_state(void **state) {
    (void)state;
    for (int c = 0; c < N_CASES; c++) {
        double X[N82], D, B;
        steady_state(DRUMS_AT_SETPOINT, &cases[c], X, &D, &B);
        sim_t *s = start(&cases[c]);
        for (int i = 0; i < N82; i++) ASSERT_NEAR(sim_state(s)[i], X[i], 1e-9);
        ASSERT_NEAR(sim_input(s, tag("D")), D, 1e-9);
        ASSERT_NEAR(sim_input(s, tag("B")), B, 1e-9);
        ASSERT_NEAR(sim_input(s, tag("LC_D.OP")), D, 1e-9);
        /* Overall and light-component balances. */
        ASSERT_NEAR(D + B, cases[c].F, 1e-12);
        ASSERT_NEAR(D * out(s, "yD") + B * out(s, "xB"), cases[c].F * cases[c].zF, 1e-10);
        double dX[N82];
        colamod(&cases[c], sim_state(s), D, B, dX);
        assert_true(max_abs(dX, N82) < 1e-11);
        /* An hour later, still there. */
        assert_int_equal(sim_advance(s, 3600), 0);
        ASSERT_NEAR(out(s, "yD"), X[NT - 1], 1e-9);
        ASSERT_NEAR(out(s, "xB"), X[0], 1e-9);
        ASSERT_NEAR(out(s, "MD"), 0.5, 1e-9);
        sim_free(s);
    }
}

/* Inputs that admit no steady state with both drums held (more reflux
 * than the vapour reaching the top) are refused at the start. */
static void infeasible_start_is_refused(void **state) {
    (void)state;
    double u[64];
    inputs_t in = nominal;
    in.LT = 3.3;
    fill_inputs(&in, u);
    assert_null(sim_new(model(), u, NULL));
}

static void nominal_purities(void **state) {
    (void)state;
    sim_t *s = start(&nominal);
    ASSERT_NEAR(out(s, "yD"), 0.99, 1e-6);
    ASSERT_NEAR(out(s, "xB"), 0.01, 1e-6);
    ASSERT_NEAR(out(s, "MD"), 0.5, 1e-12);
    ASSERT_NEAR(out(s, "MB"), 0.5, 1e-12);
    for (int i = 0; i < N82; i++)
        if (i >= NT) ASSERT_NEAR(sim_state(s)[i], 0.5, 1e-12);   /* every holdup */
    ASSERT_NEAR(sim_input(s, tag("D")), 0.5, 1e-12);
    ASSERT_NEAR(sim_input(s, tag("B")), 0.5, 1e-12);
    ASSERT_NEAR(out(s, "T41"), 0.99 * 341.9 + 0.01 * 355.4, 1e-4);
    ASSERT_NEAR(out(s, "T1"), 0.01 * 341.9 + 0.99 * 355.4, 1e-4);
    sim_free(s);
}

/* Small steps in LT and VB from the model's start states: the LV gains of
 * Skogestad & Postlethwaite (mol % per kmol/min). */
static void literature_gains(void **state) {
    (void)state;
    const double h = 1e-4;
    double g[2][2];
    for (int j = 0; j < 2; j++) {
        inputs_t up = nominal, down = nominal;
        if (j == 0) {
            up.LT += h;
            down.LT -= h;
        } else {
            up.VB += h;
            down.VB -= h;
        }
        sim_t *a = start(&up), *b = start(&down);
        g[0][j] = 100 * (out(a, "yD") - out(b, "yD")) / (2 * h);
        g[1][j] = 100 * (out(a, "xB") - out(b, "xB")) / (2 * h);
        sim_free(a);
        sim_free(b);
    }
    const double published[2][2] = {{87.8, -86.4}, {108.2, -109.6}};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) ASSERT_NEAR(g[i][j], published[i][j], 0.01 * fabs(published[i][j]));
}

/* After a step the column settles where the published LV laws put it
 * (the loops' reset stays at the nominal 0.5: P control, offset and all). */
static void steps_settle_at_published_steady_state(void **state) {
    (void)state;
    for (int c = 1; c < N_CASES; c++) {
        double X[N82], D, B;
        steady_state(PUBLISHED_P_LAWS, &cases[c], X, &D, &B);
        sim_t *s = start(&nominal);
        set(s, "LT", cases[c].LT);
        set(s, "VB", cases[c].VB);
        set(s, "F", cases[c].F);
        set(s, "zF", cases[c].zF);
        set(s, "qF", cases[c].qF);
        assert_int_equal(sim_advance(s, 80 * 3600.0), 0);
        for (int i = 0; i < N82; i++) ASSERT_NEAR(sim_state(s)[i], X[i], 1e-7);
        ASSERT_NEAR(sim_input(s, tag("D")), D, 1e-7);
        ASSERT_NEAR(sim_input(s, tag("B")), B, 1e-7);
        ASSERT_NEAR(D + B, cases[c].F, 1e-12);
        sim_free(s);
    }
}

/* LC_D in MAN: D is the operator's, and with V, LT, D constant the
 * condenser holdup changes at exactly V_{NT-1} − LT − D. Back in AUTO the
 * distillate does not jump. */
static void condenser_level_in_manual(void **state) {
    (void)state;
    sim_t *s = start(&nominal);
    set(s, "D", 0.6);                      /* AUTO: overridden */
    ASSERT_NEAR(sim_input(s, tag("D")), 0.5, 1e-12);
    set(s, "LC_D.MODE", 0);
    set(s, "D", 0.55);
    ASSERT_NEAR(sim_input(s, tag("LC_D.OP")), 0.55, 0.0);
    double rate = nominal.VB - nominal.LT - 0.55;     /* kmol/min */
    for (int k = 1; k <= 8; k++) {
        assert_int_equal(sim_advance(s, k * 30.0), 0);
        ASSERT_NEAR_AT(k * 30.0, out(s, "MD"), 0.5 + rate * k * 0.5, 1e-8);
        ASSERT_NEAR_AT(k * 30.0, sim_input(s, tag("D")), 0.55, 0.0);
    }
    set(s, "LC_D.MODE", 1);
    ASSERT_NEAR(sim_input(s, tag("D")), 0.55, 1e-12);
    assert_int_equal(sim_advance(s, 250), 0);
    /* Now the level loop holds the drum again: D moves back towards the
     * vapour-minus-reflux balance. */
    assert_int_equal(sim_advance(s, 3600), 0);
    ASSERT_NEAR(sim_input(s, tag("D")), nominal.VB - nominal.LT, 1e-6);
    sim_free(s);
}

/* An operator in MAN can empty the reflux drum: the model keeps going
 * (the outflows are cut as the drum runs dry) and recovers in AUTO. */
static void drum_run_dry_survives(void **state) {
    (void)state;
    sim_t *s = start(&nominal);
    set(s, "LC_D.MODE", 0);
    set(s, "D", 2.0);
    assert_int_equal(sim_advance(s, 1800), 0);
    assert_true(out(s, "MD") > 0 && out(s, "MD") < 0.05);
    set(s, "LC_D.SP", 0.5);
    set(s, "LC_D.MODE", 1);
    set(s, "D", 0.5);
    set(s, "LC_D.TI", 5);               /* PI, so the level returns to 0.5 */
    assert_int_equal(sim_advance(s, 1800 + 6 * 3600), 0);
    ASSERT_NEAR(out(s, "MD"), 0.5, 1e-4);
    sim_free(s);
}

/* 1 s samples and 60 s samples give the same response to a reflux step. */
static void sample_size_does_not_matter(void **state) {
    (void)state;
    sim_t *fine = start(&nominal), *coarse = start(&nominal);
    set(fine, "LT", 2.75);
    set(coarse, "LT", 2.75);
    for (int minute = 1; minute <= 60; minute++) {
        for (int sec = 1; sec <= 60; sec++)
            assert_int_equal(sim_advance(fine, (minute - 1) * MINUTE + sec), 0);
        assert_int_equal(sim_advance(coarse, minute * MINUTE), 0);
        ASSERT_NEAR_AT(minute * MINUTE, out(fine, "yD"), out(coarse, "yD"), 1e-7);
        ASSERT_NEAR_AT(minute * MINUTE, out(fine, "xB"), out(coarse, "xB"), 1e-7);
        ASSERT_NEAR_AT(minute * MINUTE, out(fine, "MD"), out(coarse, "MD"), 1e-8);
    }
    sim_free(fine);
    sim_free(coarse);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(definition),
        cmocka_unit_test(same_equations),
        cmocka_unit_test(starts_at_steady_state),
        cmocka_unit_test(infeasible_start_is_refused),
        cmocka_unit_test(nominal_purities),
        cmocka_unit_test(literature_gains),
        cmocka_unit_test(steps_settle_at_published_steady_state),
        cmocka_unit_test(condenser_level_in_manual),
        cmocka_unit_test(drum_run_dry_survives),
        cmocka_unit_test(sample_size_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
