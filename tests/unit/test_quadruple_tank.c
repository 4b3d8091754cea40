/* test_quadruple_tank.c - the quadruple-tank process (Johansson 2000)
 * against computations of its own, from the balances restated here:
 *
 *   A1·dh1/dt = −a1·√(2g·h1) + a3·√(2g·h3) + γ1·k1·v1
 *   A2·dh2/dt = −a2·√(2g·h2) + a4·√(2g·h4) + γ2·k2·v2
 *   A3·dh3/dt = −a3·√(2g·h3) + (1 − γ2)·k2·v2
 *   A4·dh4/dt = −a4·√(2g·h4) + (1 − γ1)·k1·v1
 * A1 = A3 = 28 cm², A2 = A4 = 32 cm², a1 = a3 = 0.071 cm²,
 * a2 = a4 = 0.057 cm², kc = 0.5 V/cm, g = 981 cm/s²;
 * P−: v = 3.00 V, k = (3.33, 3.35) cm³/(V·s), γ = (0.70, 0.60);
 * P+: v = 3.15 V, k = (3.14, 3.29), γ = (0.43, 0.34).
 *
 * Independent answers: steady levels in closed form (h = (q/a)²/(2g), top
 * tanks first, a full tank passing on its outflow at 20 cm); a top tank
 * draining with its pump off, h(t) = (√h0 − a·√(2g)·t/(2A))², empty at
 * t = 2A·√h0/(a·√(2g)); and the levels both PI loops settle at, from the
 * balance with h1 = SP1 and h2 = SP2 solved for the pump voltages.
 *
 * Tolerances: steady levels to 1e-8 cm; the draining tank to 1e-5 cm. */
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "model/sim.h"
#include "model_testutil.h"
#include "testutil.h"

#define G 981.0
#define HMAX 20.0

static const double A[4] = {28, 32, 28, 32};
static const double a[4] = {0.071, 0.057, 0.071, 0.057};
#define KC 0.5

typedef struct op_point {
    double v1, v2, k1, k2, g1, g2;
} op_point_t;

static const op_point_t p_minus = {3.00, 3.00, 3.33, 3.35, 0.70, 0.60};
static const op_point_t p_plus = {3.15, 3.15, 3.14, 3.29, 0.43, 0.34};

/* ---------------------------- restated model ---------------------------- */

static double level_for(int i, double q) {
    double h = (q / a[i]) * (q / a[i]) / (2 * G);
    return fmin(h, HMAX);
}

static void steady_levels(const op_point_t *p, double *h) {
    h[2] = level_for(2, (1 - p->g2) * p->k2 * p->v2);
    h[3] = level_for(3, (1 - p->g1) * p->k1 * p->v1);
    h[0] = level_for(0, p->g1 * p->k1 * p->v1 + a[2] * sqrt(2 * G * h[2]));
    h[1] = level_for(1, p->g2 * p->k2 * p->v2 + a[3] * sqrt(2 * G * h[3]));
}

static void f(const op_point_t *p, const double *h, double *dh) {
    dh[0] = (-a[0] * sqrt(2 * G * h[0]) + a[2] * sqrt(2 * G * h[2]) + p->g1 * p->k1 * p->v1) / A[0];
    dh[1] = (-a[1] * sqrt(2 * G * h[1]) + a[3] * sqrt(2 * G * h[3]) + p->g2 * p->k2 * p->v2) / A[1];
    dh[2] = (-a[2] * sqrt(2 * G * h[2]) + (1 - p->g2) * p->k2 * p->v2) / A[2];
    dh[3] = (-a[3] * sqrt(2 * G * h[3]) + (1 - p->g1) * p->k1 * p->v1) / A[3];
}

/* ---------------------------- the model ---------------------------- */

TEST_MODEL_HELPERS("quadruple-tank")

static const char *const level[4] = {"h1", "h2", "h3", "h4"};
static const char *const limit[4] = {"h1_limit", "h2_limit", "h3_limit", "h4_limit"};

/* Start with the defaults, some inputs overridden by name, and the
 * operating point. */
typedef struct given {
    const char *name;
    double value;
} given_t;

static sim_t *start(double operating_point, const given_t *given, int n_given) {
    const model_t *m = model();
    double u[64], p[4];
    assert_true(m->n_inputs <= 64 && m->n_params <= 4);
    for (int i = 0; i < m->n_inputs; i++) u[i] = m->tags[i].def;
    for (int k = 0; k < n_given; k++) u[tag(given[k].name)] = given[k].value;
    for (int i = 0; i < m->n_params; i++) p[i] = m->params[i].value;
    p[model_param_index(m, "operating_point")] = operating_point;
    sim_t *s = sim_new(m, u, p);
    assert_non_null(s);
    return s;
}

static void set(sim_t *s, const char *name, double value) {
    assert_int_equal(sim_set_input(s, tag(name), value), 0);
}

/* ---------------------------- tests ---------------------------- */

static void definition(void **state) {
    (void)state;
    const model_t *m = model();
    const char *in[] = {"v1", "v2", "gamma1", "gamma2"};
    const double def[] = {3.00, 3.00, 0.70, 0.60};
    for (int i = 0; i < 4; i++) {
        assert_true(tag(in[i]) < m->n_inputs);
        ASSERT_NEAR(m->tags[tag(in[i])].def, def[i], 0.0);
    }
    ASSERT_NEAR(m->tags[tag("v1")].min, 0, 0.0);
    ASSERT_NEAR(m->tags[tag("v1")].max, 10, 0.0);
    ASSERT_NEAR(m->tags[tag("gamma1")].max, 1, 0.0);
    const char *outs[] = {"h1", "h2", "h3", "h4", "y1", "y2", "LC1.PV", "LC2.PV"};
    for (int i = 0; i < 8; i++) assert_true(tag(outs[i]) >= m->n_inputs);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(m->tags[tag(level[i])].unit, "cm");
        ASSERT_NEAR(m->tags[tag(level[i])].min, 0, 0.0);
        ASSERT_NEAR(m->tags[tag(level[i])].max, 20, 0.0);
    }
    const char *loop_tags[] = {"SP", "OP", "MODE", "KP", "TI", "TD"};
    for (int k = 0; k < 6; k++) {
        char name[32];
        snprintf(name, sizeof name, "LC1.%s", loop_tags[k]);
        assert_true(tag(name) < m->n_inputs);
        snprintf(name, sizeof name, "LC2.%s", loop_tags[k]);
        assert_true(tag(name) < m->n_inputs);
    }
    /* Both loops start in MAN. */
    ASSERT_NEAR(m->tags[tag("LC1.MODE")].def, 0, 0.0);
    ASSERT_NEAR(m->tags[tag("LC2.MODE")].def, 0, 0.0);
}

static void same_equations(void **state) {
    (void)state;
    const model_t *m = model();
    const op_point_t cases[] = {{3, 3, 3.33, 3.35, 0.7, 0.6}, {7.5, 1.2, 3.33, 3.35, 0.2, 0.9}};
    for (int c = 0; c < 2; c++) {
        double u[64], p[4] = {0};
        for (int i = 0; i < m->n_inputs; i++) u[i] = m->tags[i].def;
        u[tag("v1")] = u[tag("LC1.OP")] = cases[c].v1;
        u[tag("v2")] = u[tag("LC2.OP")] = cases[c].v2;
        u[tag("gamma1")] = cases[c].g1;
        u[tag("gamma2")] = cases[c].g2;
        model_io_t io = {.u = u, .p = p};
        double x[16] = {0}, theirs[16], mine[4];
        assert_true(m->n_states <= 16);
        for (int k = 0; k < 20; k++) {
            for (int i = 0; i < 4; i++) x[i] = 0.3 + 0.97 * k + 0.11 * i;
            f(&cases[c], x, mine);
            assert_int_equal(m->rhs(m, 0, x, &io, theirs), 0);
            for (int i = 0; i < 4; i++) ASSERT_NEAR(theirs[i], mine[i], 1e-13);
        }
    }
}

static void check_steady(sim_t *s, const op_point_t *p) {
    double h[4], dh[4];
    steady_levels(p, h);
    f(p, h, dh);
    for (int i = 0; i < 4; i++) {
        ASSERT_NEAR(dh[i], 0.0, 1e-13);
        ASSERT_NEAR(sim_state(s)[i], h[i], 1e-8);
    }
    for (int k = 1; k <= 20; k++) {
        assert_int_equal(sim_advance(s, 60.0 * k), 0);
        for (int i = 0; i < 4; i++) ASSERT_NEAR_AT(60.0 * k, out(s, level[i]), h[i], 1e-8);
    }
    ASSERT_NEAR(out(s, "y1"), KC * h[0], 1e-8);
    ASSERT_NEAR(out(s, "y2"), KC * h[1], 1e-8);
}

/* P−: the default start. The paper's measured levels are (12.4, 12.7, 1.8,
 * 1.4) cm; the balance gives (12.26, 12.78, 1.63, 1.41). */
static void steady_state_p_minus(void **state) {
    (void)state;
    sim_t *s = start(0, NULL, 0);
    check_steady(s, &p_minus);
    const double paper[4] = {12.4, 12.7, 1.8, 1.4};
    for (int i = 0; i < 4; i++) ASSERT_NEAR(out(s, level[i]), paper[i], 0.2);
    sim_free(s);
}

/* P+: chosen by the start parameter; the defaults move to P+'s inputs. The
 * paper's measured levels are (12.6, 13.0, 4.8, 4.9) cm. */
static void steady_state_p_plus(void **state) {
    (void)state;
    sim_t *s = start(1, NULL, 0);
    ASSERT_NEAR(sim_input(s, tag("v1")), 3.15, 0.0);
    ASSERT_NEAR(sim_input(s, tag("v2")), 3.15, 0.0);
    ASSERT_NEAR(sim_input(s, tag("LC1.OP")), 3.15, 0.0);
    ASSERT_NEAR(sim_input(s, tag("gamma1")), 0.43, 0.0);
    ASSERT_NEAR(sim_input(s, tag("gamma2")), 0.34, 0.0);
    check_steady(s, &p_plus);
    const double paper[4] = {12.6, 13.0, 4.8, 4.9};
    for (int i = 0; i < 4; i++) ASSERT_NEAR(out(s, level[i]), paper[i], 0.2);
    sim_free(s);
}

/* Inputs given at the start stay as given, whatever the operating point. */
static void given_inputs_win_over_presets(void **state) {
    (void)state;
    given_t given[] = {{"v1", 2.5}, {"gamma2", 0.5}};
    sim_t *s = start(1, given, 2);
    ASSERT_NEAR(sim_input(s, tag("v1")), 2.5, 0.0);
    ASSERT_NEAR(sim_input(s, tag("v2")), 3.15, 0.0);
    ASSERT_NEAR(sim_input(s, tag("gamma1")), 0.43, 0.0);
    ASSERT_NEAR(sim_input(s, tag("gamma2")), 0.5, 0.0);
    op_point_t p = p_plus;
    p.v1 = 2.5;
    p.g2 = 0.5;
    check_steady(s, &p);
    sim_free(s);
}

/* Pumps off: the top tanks drain as (√h0 − a·√(2g)·t/(2A))², reach zero in
 * finite time and stay there, flagged empty; no level goes negative. */
static void draining_to_empty(void **state) {
    (void)state;
    sim_t *s = start(0, NULL, 0);
    double h0[4];
    steady_levels(&p_minus, h0);
    set(s, "v1", 0);
    set(s, "v2", 0);
    double t_empty3 = 2 * A[2] * sqrt(h0[2]) / (a[2] * sqrt(2 * G));
    double t_empty4 = 2 * A[3] * sqrt(h0[3]) / (a[3] * sqrt(2 * G));
    for (int k = 1; k <= 2000; k++) {
        double t = k * 1.0;
        assert_int_equal(sim_advance(s, t), 0);
        double r3 = fmax(0, sqrt(h0[2]) - a[2] * sqrt(2 * G) * t / (2 * A[2]));
        double r4 = fmax(0, sqrt(h0[3]) - a[3] * sqrt(2 * G) * t / (2 * A[3]));
        ASSERT_NEAR_AT(t, out(s, "h3"), r3 * r3, 1e-5);
        ASSERT_NEAR_AT(t, out(s, "h4"), r4 * r4, 1e-5);
        for (int i = 0; i < 4; i++) {
            assert_true(out(s, level[i]) >= 0);
            assert_true(sim_state(s)[i] > -1e-6);
        }
        if (t > t_empty3 + 5) ASSERT_NEAR_AT(t, out(s, "h3_limit"), -1, 0.0);
        if (t > t_empty4 + 5) ASSERT_NEAR_AT(t, out(s, "h4_limit"), -1, 0.0);
        if (t < t_empty3 - 5) ASSERT_NEAR_AT(t, out(s, "h3_limit"), 0, 0.0);
    }
    /* The bottom tanks empty too (tank 1 in 2·A1·√h1/(a1·√(2g)) ≈ 276 s
     * after tank 3 has). */
    for (int i = 0; i < 4; i++) {
        ASSERT_NEAR(out(s, level[i]), 0.0, 1e-6);
        ASSERT_NEAR(out(s, limit[i]), -1, 0.0);
    }
    sim_free(s);
}

/* Too much flow: tank 4 overflows and sits at 20 cm, flagged; tank 2,
 * receiving tank 4's outflow at 20 cm, overflows as well; tank 1 settles
 * just below the top, as the balance says. */
static void overflow(void **state) {
    (void)state;
    sim_t *s = start(0, NULL, 0);
    set(s, "v1", 10);
    set(s, "gamma1", 0.3);
    op_point_t p = p_minus;
    p.v1 = 10;
    p.g1 = 0.3;
    double h[4];
    steady_levels(&p, h);
    ASSERT_NEAR(h[3], HMAX, 0.0);
    ASSERT_NEAR(h[1], HMAX, 0.0);
    assert_true(h[0] < HMAX - 0.05);
    for (int k = 1; k <= 60; k++) {
        assert_int_equal(sim_advance(s, 60.0 * k), 0);
        for (int i = 0; i < 4; i++) {
            assert_true(out(s, level[i]) <= HMAX);
            /* The state may pass the top by part of a solver step (a few
             * 1e-4 cm at most, drained in milliseconds once the flows
             * turn); the outputs never show it. */
            assert_true(sim_state(s)[i] < HMAX + 1e-3);
        }
    }
    for (int i = 0; i < 4; i++) ASSERT_NEAR(out(s, level[i]), h[i], 1e-6);
    ASSERT_NEAR(out(s, "h4_limit"), 1, 0.0);
    ASSERT_NEAR(out(s, "h2_limit"), 1, 0.0);
    ASSERT_NEAR(out(s, "h1_limit"), 0, 0.0);
    ASSERT_NEAR(out(s, "h3_limit"), 0, 0.0);
    ASSERT_NEAR(out(s, "y2"), KC * HMAX, 1e-9);
    /* Pump back down: it drains below the top again. */
    set(s, "v1", 3);
    set(s, "gamma1", 0.7);
    assert_int_equal(sim_advance(s, 3600.0 + 1800), 0);
    ASSERT_NEAR(out(s, "h4_limit"), 0, 0.0);
    ASSERT_NEAR(out(s, "h2_limit"), 0, 0.0);
    sim_free(s);
}

/* Both PI loops in AUTO settle on their setpoints; the pump voltages are
 * the solution of the steady balance with h1 = r1, h2 = r2:
 *   a1·√(2g·r1) = γ1·k1·v1 + (1 − γ2)·k2·v2
 *   a2·√(2g·r2) = γ2·k2·v2 + (1 − γ1)·k1·v1
 * and the top tanks follow from v. Switching to AUTO moves nothing. */
static void level_loops_in_auto(void **state) {
    (void)state;
    sim_t *s = start(0, NULL, 0);
    double h0[4];
    steady_levels(&p_minus, h0);
    ASSERT_NEAR(sim_input(s, tag("LC1.SP")), h0[0], 1e-12);
    ASSERT_NEAR(sim_input(s, tag("LC2.SP")), h0[1], 1e-12);
    set(s, "LC1.MODE", 1);
    set(s, "LC2.MODE", 1);
    assert_int_equal(sim_advance(s, 300), 0);
    ASSERT_NEAR(out(s, "h1"), h0[0], 1e-9);
    ASSERT_NEAR(sim_input(s, tag("v1")), 3.0, 1e-9);

    double r1 = 14.0, r2 = 11.0;
    set(s, "LC1.SP", r1);
    set(s, "LC2.SP", r2);
    assert_int_equal(sim_advance(s, 300 + 3 * 3600), 0);
    const op_point_t *p = &p_minus;
    double M[2][2] = {{p->g1 * p->k1, (1 - p->g2) * p->k2}, {(1 - p->g1) * p->k1, p->g2 * p->k2}};
    double b[2] = {a[0] * sqrt(2 * G * r1), a[1] * sqrt(2 * G * r2)};
    double det = M[0][0] * M[1][1] - M[0][1] * M[1][0];
    double v1 = (b[0] * M[1][1] - M[0][1] * b[1]) / det;
    double v2 = (M[0][0] * b[1] - M[1][0] * b[0]) / det;
    ASSERT_NEAR(out(s, "h1"), r1, 1e-6);
    ASSERT_NEAR(out(s, "h2"), r2, 1e-6);
    ASSERT_NEAR(out(s, "LC1.PV"), r1, 1e-6);
    ASSERT_NEAR(sim_input(s, tag("v1")), v1, 1e-6);
    ASSERT_NEAR(sim_input(s, tag("v2")), v2, 1e-6);
    ASSERT_NEAR(sim_input(s, tag("LC1.OP")), v1, 1e-6);
    op_point_t q = *p;
    q.v1 = v1;
    q.v2 = v2;
    double h[4];
    steady_levels(&q, h);
    ASSERT_NEAR(out(s, "h3"), h[2], 1e-5);
    ASSERT_NEAR(out(s, "h4"), h[3], 1e-5);

    /* Back to MAN: the pumps stay where the controllers left them. */
    set(s, "LC1.MODE", 0);
    ASSERT_NEAR(sim_input(s, tag("v1")), v1, 1e-6);
    set(s, "v1", 2);
    ASSERT_NEAR(sim_input(s, tag("LC1.OP")), 2, 0.0);
    sim_free(s);
}

static void sample_size_does_not_matter(void **state) {
    (void)state;
    sim_t *fine = start(1, NULL, 0), *coarse = start(1, NULL, 0);
    set(fine, "v2", 5);
    set(coarse, "v2", 5);
    for (int n = 1; n <= 60; n++) {
        for (int k = 1; k <= 30; k++) assert_int_equal(sim_advance(fine, (n - 1) * 30 + k), 0);
        assert_int_equal(sim_advance(coarse, n * 30.0), 0);
        for (int i = 0; i < 4; i++)
            ASSERT_NEAR_AT(n * 30.0, out(fine, level[i]), out(coarse, level[i]), 1e-6);
    }
    sim_free(fine);
    sim_free(coarse);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(definition),
        cmocka_unit_test(same_equations),
        cmocka_unit_test(steady_state_p_minus),
        cmocka_unit_test(steady_state_p_plus),
        cmocka_unit_test(given_inputs_win_over_presets),
        cmocka_unit_test(draining_to_empty),
        cmocka_unit_test(overflow),
        cmocka_unit_test(level_loops_in_auto),
        cmocka_unit_test(sample_size_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
