/* test_ethylene_oxidation.c - the ethylene-oxide reactor (Özgülşen,
 * Adomaitis & Çinar 1992) against computations of its own: the equations
 * restated here from MODELS.md, steady states by a Newton iteration written
 * here (continued in twenty steps from the published nominal point), and
 * the one relation known in closed form, x1·x4 = 1 at any steady state
 * (from dx1/dt = u1·(1 − x1·x4)).
 *
 * Tolerances: steady states to 1e-10; the nominal state against the
 * published rounding [0.998, 0.424, 0.032, 1.002] to 5e-4. */
#include <string.h>

#include "model/model.h"
#include "model/sim.h"
#include "model_testutil.h"
#include "testutil.h"

/* ---------------------------- restated model ---------------------------- */

typedef struct inputs {
    double u1, u2, Tc;
} inputs_t;

static const inputs_t nominal = {0.35, 0.5, 1.0};

static void f(const inputs_t *u, const double *x, double *dx) {
    const double g1 = -8.13, g2 = -7.12, g3 = -11.07;
    const double A1 = 92.80, A2 = 12.66, A3 = 2412.71;
    const double B1 = 7.32, B2 = 10.39, B3 = 2170.57, B4 = 7.02;
    double r1 = exp(g1 / x[3]) * pow(x[1] * x[3], 0.5);
    double r2 = exp(g2 / x[3]) * pow(x[1] * x[3], 0.25);
    double r3 = exp(g3 / x[3]) * pow(x[2] * x[3], 0.5);
    dx[0] = u->u1 * (1 - x[0] * x[3]);
    dx[1] = u->u1 * (u->u2 - x[1] * x[3]) - A1 * r1 - A2 * r2;
    dx[2] = -u->u1 * x[2] * x[3] + A1 * r1 - A3 * r3;
    dx[3] = (u->u1 * (1 - x[3]) + B1 * r1 + B2 * r2 + B3 * r3 - B4 * (x[3] - u->Tc)) / x[0];
}

/* Plain Newton with a central-difference Jacobian and Gauss-Jordan
 * elimination; returns the final residual. */
static double newton(const inputs_t *u, double *x) {
    double F[4];
    for (int it = 0; it < 60; it++) {
        double J[4][5];
        f(u, x, F);
        for (int j = 0; j < 4; j++) {
            double xp[4], xm[4], Fp[4], Fm[4], h = 1e-6 * fmax(1, fabs(x[j]));
            memcpy(xp, x, sizeof xp);
            memcpy(xm, x, sizeof xm);
            xp[j] += h;
            xm[j] -= h;
            f(u, xp, Fp);
            f(u, xm, Fm);
            for (int i = 0; i < 4; i++) J[i][j] = (Fp[i] - Fm[i]) / (2 * h);
        }
        for (int i = 0; i < 4; i++) J[i][4] = -F[i];
        for (int c = 0; c < 4; c++) {
            int p = c;
            for (int r = c + 1; r < 4; r++)
                if (fabs(J[r][c]) > fabs(J[p][c])) p = r;
            for (int k = 0; k < 5; k++) {
                double t = J[c][k];
                J[c][k] = J[p][k];
                J[p][k] = t;
            }
            for (int r = 0; r < 4; r++)
                if (r != c) {
                    double m = J[r][c] / J[c][c];
                    for (int k = 0; k < 5; k++) J[r][k] -= m * J[c][k];
                }
        }
        for (int i = 0; i < 4; i++) x[i] += J[i][4] / J[i][i];
    }
    f(u, x, F);
    double r = 0;
    for (int i = 0; i < 4; i++) r = fmax(r, fabs(F[i]));
    return r;
}

/* The steady state on the nominal branch: twenty continuation steps from
 * the nominal inputs. */
static void steady_state(const inputs_t *u, double *x) {
    const double guess[4] = {0.998, 0.424, 0.032, 1.002};
    memcpy(x, guess, sizeof guess);
    for (int k = 0; k <= 20; k++) {
        double s = k / 20.0;
        inputs_t v = {nominal.u1 + s * (u->u1 - nominal.u1), nominal.u2 + s * (u->u2 - nominal.u2),
                      nominal.Tc + s * (u->Tc - nominal.Tc)};
        assert_true(newton(&v, x) < 1e-13);
    }
}

/* ---------------------------- the model ---------------------------- */

TEST_MODEL_HELPERS("ethylene-oxidation")

static sim_t *start(const inputs_t *in) {
    double u[3];
    assert_int_equal(model()->n_inputs, 3);
    u[tag("Q")] = in->u1;
    u[tag("Cf")] = in->u2;
    u[tag("Tc")] = in->Tc;
    sim_t *s = sim_new(model(), u, NULL);
    assert_non_null(s);
    return s;
}

static const char *const state_names[4] = {"x1", "x2", "x3", "x4"};

/* ---------------------------- tests ---------------------------- */

static void definition(void **state) {
    (void)state;
    const model_t *m = model();
    ASSERT_NEAR(m->tags[tag("Q")].def, 0.35, 0.0);
    ASSERT_NEAR(m->tags[tag("Cf")].def, 0.5, 0.0);
    ASSERT_NEAR(m->tags[tag("Tc")].def, 1.0, 0.0);
    ASSERT_NEAR(m->tags[tag("Q")].min, 0.0704, 0.0);
    ASSERT_NEAR(m->tags[tag("Q")].max, 0.7042, 0.0);
    ASSERT_NEAR(m->tags[tag("Cf")].min, 0.1, 0.0);
    ASSERT_NEAR(m->tags[tag("Cf")].max, 3.0, 0.0);
    const char *outs[] = {"x1", "x2", "x3", "x4", "eo_rate", "yield"};
    for (int i = 0; i < 6; i++) assert_true(tag(outs[i]) >= m->n_inputs);
    assert_int_equal(m->n_states, 4);
    assert_int_equal(m->stiff, 1);
    ASSERT_NEAR(m->time_unit, 1.0, 0.0);
}

static void same_equations(void **state) {
    (void)state;
    const model_t *m = model();
    const inputs_t cases[] = {{0.35, 0.5, 1.0}, {0.6, 2.5, 1.15}, {0.08, 0.12, 0.91}};
    for (int c = 0; c < 3; c++) {
        double u[3];
        u[tag("Q")] = cases[c].u1;
        u[tag("Cf")] = cases[c].u2;
        u[tag("Tc")] = cases[c].Tc;
        model_io_t io = {.u = u};
        for (int k = 0; k < 25; k++) {
            double x[4] = {0.6 + 0.03 * k, 0.05 + 0.1 * k, 0.001 + 0.02 * k, 0.8 + 0.02 * k};
            double mine[4], theirs[4];
            f(&cases[c], x, mine);
            assert_int_equal(m->rhs(m, 0, x, &io, theirs), 0);
            for (int i = 0; i < 4; i++)
                ASSERT_NEAR(theirs[i], mine[i], 1e-12 * fmax(1, fabs(mine[i])));
        }
    }
}

static void nominal_steady_state(void **state) {
    (void)state;
    double x[4];
    steady_state(&nominal, x);
    const double published[4] = {0.998, 0.424, 0.032, 1.002};
    for (int i = 0; i < 4; i++) ASSERT_NEAR(x[i], published[i], 5e-4);
    sim_t *s = start(&nominal);
    for (int i = 0; i < 4; i++) ASSERT_NEAR(sim_state(s)[i], x[i], 1e-10);
    ASSERT_NEAR(out(s, "eo_rate"), 0.35 * x[2] * x[3], 1e-15);
    ASSERT_NEAR(out(s, "yield"), x[2] * x[3] / 0.5, 1e-15);
    ASSERT_NEAR(sim_state(s)[0] * sim_state(s)[3], 1.0, 1e-12);
    /* It stays there for an hour. */
    for (int k = 1; k <= 60; k++) {
        assert_int_equal(sim_advance(s, 60.0 * k), 0);
        for (int i = 0; i < 4; i++) ASSERT_NEAR_AT(60.0 * k, out(s, state_names[i]), x[i], 1e-10);
    }
    sim_free(s);
}

/* Other starting inputs start at their own steady state. */
static void starts_at_steady_state(void **state) {
    (void)state;
    const inputs_t cases[] = {
        {0.5, 0.5, 1.0}, {0.2, 1.0, 1.05}, {0.7, 2.0, 0.95}, {0.1, 0.1, 1.1}, {0.35, 3.0, 1.2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double x[4];
        steady_state(&cases[c], x);
        sim_t *s = start(&cases[c]);
        for (int i = 0; i < 4; i++) ASSERT_NEAR(sim_state(s)[i], x[i], 1e-10);
        double dx[4];
        f(&cases[c], sim_state(s), dx);
        for (int i = 0; i < 4; i++) assert_true(fabs(dx[i]) < 1e-12);
        ASSERT_NEAR(x[0] * x[3], 1.0, 1e-12);
        sim_free(s);
    }
}

/* Steps in each input lead to the steady state of the new inputs. */
static void steps_settle_at_new_steady_state(void **state) {
    (void)state;
    const struct {
        const char *input;
        double value;
        inputs_t after;
    } steps[] = {
        {"Tc", 1.05, {0.35, 0.5, 1.05}},
        {"Q", 0.5, {0.5, 0.5, 1.0}},
        {"Cf", 1.5, {0.35, 1.5, 1.0}},
    };
    for (int k = 0; k < 3; k++) {
        sim_t *s = start(&nominal);
        assert_int_equal(sim_set_input(s, tag(steps[k].input), steps[k].value), 0);
        /* The slowest mode is about 1/0.35 units: 200 units is 70 of them. */
        assert_int_equal(sim_advance(s, 200.0), 0);
        double x[4];
        steady_state(&steps[k].after, x);
        for (int i = 0; i < 4; i++) ASSERT_NEAR(out(s, state_names[i]), x[i], 1e-8);
        sim_free(s);
    }
}

static void sample_size_does_not_matter(void **state) {
    (void)state;
    sim_t *fine = start(&nominal), *coarse = start(&nominal);
    assert_int_equal(sim_set_input(fine, tag("Tc"), 1.1), 0);
    assert_int_equal(sim_set_input(coarse, tag("Tc"), 1.1), 0);
    for (int n = 1; n <= 30; n++) {
        for (int k = 1; k <= 10; k++) assert_int_equal(sim_advance(fine, (n - 1) * 10 + k), 0);
        assert_int_equal(sim_advance(coarse, n * 10.0), 0);
        for (int i = 0; i < 4; i++)
            ASSERT_NEAR_AT(n * 10.0, out(fine, state_names[i]), out(coarse, state_names[i]),
                           1e-7);
    }
    sim_free(fine);
    sim_free(coarse);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(definition),
        cmocka_unit_test(same_equations),
        cmocka_unit_test(nominal_steady_state),
        cmocka_unit_test(starts_at_steady_state),
        cmocka_unit_test(steps_settle_at_new_steady_state),
        cmocka_unit_test(sample_size_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
