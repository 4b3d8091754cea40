/* test_cstr.c - the exothermic CSTR against computations of its own: the
 * equations restated here from MODELS.md (Seborg et al.; Henson & Seborg
 * 1997), steady states found by scanning the energy balance and polishing
 * with Newton's method on the restated right-hand side, their stability
 * from the eigenvalues of a finite-difference Jacobian, and the analytic
 * first-order response of the isothermal reactor.
 *
 *   dCA/dt = (q/V)(CAf − CA) − k0·e^(−E/(RT))·CA
 *   dT/dt  = (q/V)(Tf − T) + (−ΔH)/(ρCp)·k0·e^(−E/(RT))·CA + UA/(VρCp)(Tc − T)
 * q = 100 L/min, V = 100 L, ρ = 1000 g/L, Cp = 0.239 J/(g·K),
 * −ΔH = 5e4 J/mol, E/R = 8750 K, k0 = 7.2e10 1/min, UA = 5e4 J/(min·K).
 *
 * Tolerances: steady states to 1e-8 (K and mol/L); trajectories after a
 * settling time to 1e-6. */
#include <string.h>

#include "model/model.h"
#include "model/sim.h"
#include "model_testutil.h"
#include "testutil.h"

#define MINUTE 60.0

/* ---------------------------- restated model ---------------------------- */

typedef struct inputs {
    double Tc, CAf, Tf, q;
} inputs_t;

typedef struct cstr_params {
    double V, rho, Cp, dH, ER, k0, UA;
} cstr_params_t;

static const inputs_t nominal = {300, 1, 350, 100};
static const cstr_params_t published = {100, 1000, 0.239, 5e4, 8750, 7.2e10, 5e4};

static void f(const inputs_t *u, const cstr_params_t *p, const double x[2], double dx[2]) {
    double CA = x[0], T = x[1];
    double r = p->k0 * exp(-p->ER / T) * CA;
    dx[0] = u->q / p->V * (u->CAf - CA) - r;
    dx[1] = u->q / p->V * (u->Tf - T) + p->dH / (p->rho * p->Cp) * r +
            p->UA / (p->V * p->rho * p->Cp) * (u->Tc - T);
}

static void jacobian(const inputs_t *u, const cstr_params_t *p, const double x[2],
                     double J[4]) {
    double f0[2], f1[2];
    f(u, p, x, f0);
    for (int j = 0; j < 2; j++) {
        double xh[2] = {x[0], x[1]}, h = 1e-7 * fmax(1, fabs(x[j]));
        xh[j] += h;
        f(u, p, xh, f1);
        J[0 * 2 + j] = (f1[0] - f0[0]) / h;
        J[1 * 2 + j] = (f1[1] - f0[1]) / h;
    }
}

static void newton(const inputs_t *u, const cstr_params_t *p, double x[2]) {
    for (int it = 0; it < 50; it++) {
        double F[2], J[4];
        f(u, p, x, F);
        if (fabs(F[0]) < 1e-13 && fabs(F[1]) < 1e-11) return;
        jacobian(u, p, x, J);
        double det = J[0] * J[3] - J[1] * J[2];
        x[0] -= (J[3] * F[0] - J[1] * F[1]) / det;
        x[1] -= (-J[2] * F[0] + J[0] * F[1]) / det;
    }
    fail_msg("Newton did not converge at Tc = %g", u->Tc);
}

/* Every steady state, by the sign changes of dT/dt along the curve where
 * dCA/dt = 0 (CA = a·CAf/(a + k(T))), scanned in 0.01 K steps from 250 to
 * 700 K, then Newton on both equations. Returns how many (<= 3), lowest
 * temperature first. */
static int steady_states(const inputs_t *u, const cstr_params_t *p, double x[3][2]) {
    int n = 0;
    double prev = NAN;
    for (double T = 250; T < 700 && n < 3; T += 0.01) {
        double a = u->q / p->V, k = p->k0 * exp(-p->ER / T);
        double xs[2] = {a * u->CAf / (a + k), T}, dx[2];
        f(u, p, xs, dx);
        if (!isnan(prev) && (dx[1] > 0) != (prev > 0)) {
            x[n][0] = xs[0];
            x[n][1] = T;
            newton(u, p, x[n]);
            n++;
        }
        prev = dx[1];
    }
    return n;
}

/* Real parts of the eigenvalues of the 2×2 Jacobian at x. */
static void eigen_real_parts(const inputs_t *u, const cstr_params_t *p, const double x[2],
                             double re[2]) {
    double J[4];
    jacobian(u, p, x, J);
    double tr = J[0] + J[3], det = J[0] * J[3] - J[1] * J[2];
    double disc = tr * tr / 4 - det;
    if (disc >= 0) {
        re[0] = tr / 2 + sqrt(disc);
        re[1] = tr / 2 - sqrt(disc);
    } else {
        re[0] = re[1] = tr / 2;
    }
}

/* ---------------------------- the model ---------------------------- */

TEST_MODEL_HELPERS("cstr")

static int param(const char *name) {
    int i = model_param_index(model(), name);
    assert_true(i >= 0);
    return i;
}

static void to_arrays(const inputs_t *in, const cstr_params_t *p, double *u, double *pv) {
    u[tag("Tc")] = in->Tc;
    u[tag("CAf")] = in->CAf;
    u[tag("Tf")] = in->Tf;
    u[tag("q")] = in->q;
    pv[param("V")] = p->V;
    pv[param("rho")] = p->rho;
    pv[param("Cp")] = p->Cp;
    pv[param("minus_dH")] = p->dH;
    pv[param("E_over_R")] = p->ER;
    pv[param("k0")] = p->k0;
    pv[param("UA")] = p->UA;
}

static sim_t *start(const inputs_t *in, const cstr_params_t *p) {
    double u[4], pv[7];
    assert_int_equal(model()->n_inputs, 4);
    assert_int_equal(model()->n_params, 7);
    to_arrays(in, p, u, pv);
    sim_t *s = sim_new(model(), u, pv);
    assert_non_null(s);
    return s;
}

static void outputs(const sim_t *s, double *CA, double *T) {
    double y[2];
    sim_outputs(s, y);
    *CA = y[tag("CA") - model()->n_inputs];
    *T = y[tag("T") - model()->n_inputs];
}

/* ---------------------------- tests ---------------------------- */

static void definition(void **state) {
    (void)state;
    const model_t *m = model();
    const char *in[] = {"Tc", "CAf", "Tf", "q"};
    const double def[] = {300, 1, 350, 100};
    const char *unit[] = {"K", "mol/L", "K", "L/min"};
    for (int i = 0; i < 4; i++) {
        assert_true(tag(in[i]) < m->n_inputs);
        ASSERT_NEAR(m->tags[tag(in[i])].def, def[i], 0.0);
        assert_string_equal(m->tags[tag(in[i])].unit, unit[i]);
    }
    assert_string_equal(m->tags[tag("CA")].unit, "mol/L");
    assert_string_equal(m->tags[tag("T")].unit, "K");
    ASSERT_NEAR(m->time_unit, 60.0, 0.0);
    assert_int_equal(m->n_states, 2);
}

/* The model's right-hand side is the published one, anywhere. */
static void same_equations(void **state) {
    (void)state;
    const model_t *m = model();
    const inputs_t cases[] = {{300, 1, 350, 100}, {320, 1.7, 310, 40}, {255, 0.2, 395, 190}};
    const cstr_params_t pars[] = {published, {250, 900, 0.3, 7e4, 9000, 1e11, 3e4}, published};
    for (int c = 0; c < 3; c++) {
        double u[4], pv[7];
        to_arrays(&cases[c], &pars[c], u, pv);
        model_io_t io = {.u = u, .p = pv};
        for (int k = 0; k < 20; k++) {
            double x[2] = {0.05 + 0.1 * k, 290 + 7.5 * k}, mine[2], theirs[2];
            f(&cases[c], &pars[c], x, mine);
            assert_int_equal(m->rhs(m, 0, x, &io, theirs), 0);
            for (int i = 0; i < 2; i++)
                ASSERT_NEAR(theirs[i], mine[i], 1e-12 * fmax(1, fabs(mine[i])));
        }
    }
}

/* Three steady states at the nominal inputs: stable low, saddle near
 * (0.5 mol/L, 350 K), unstable ignited focus. */
static void three_steady_states(void **state) {
    (void)state;
    double x[3][2];
    assert_int_equal(steady_states(&nominal, &published, x), 3);
    ASSERT_NEAR(x[1][0], 0.5, 1e-3);
    ASSERT_NEAR(x[1][1], 350.0, 0.01);
    double re[2];
    eigen_real_parts(&nominal, &published, x[0], re);
    assert_true(re[0] < 0 && re[1] < 0);
    eigen_real_parts(&nominal, &published, x[1], re);
    assert_true(re[0] > 0 && re[1] < 0);
    eigen_real_parts(&nominal, &published, x[2], re);
    assert_true(re[0] > 0 && re[1] > 0);
    assert_true(x[0][1] < 330 && x[2][1] > 360);
}

/* The model starts on the low steady state, for several input sets, and
 * does not move. */
static void starts_on_the_low_steady_state(void **state) {
    (void)state;
    const inputs_t cases[] = {
        {300, 1, 350, 100}, {290, 1, 350, 100}, {302, 1, 350, 100},
        {300, 0.5, 340, 80}, {310, 1, 350, 100}, {280, 1.5, 360, 150},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double x[3][2];
        int n = steady_states(&cases[c], &published, x);
        assert_true(n >= 1);
        sim_t *s = start(&cases[c], &published);
        const double *x0 = sim_state(s);
        ASSERT_NEAR(x0[1], x[0][1], 1e-8);
        ASSERT_NEAR(x0[0], x[0][0], 1e-8);
        double dx[2];
        f(&cases[c], &published, x0, dx);
        assert_true(fabs(dx[0]) < 1e-9 && fabs(dx[1]) < 1e-7);
        assert_int_equal(sim_advance(s, 600 * MINUTE), 0);
        double CA, T;
        outputs(s, &CA, &T);
        ASSERT_NEAR(T, x[0][1], 1e-6);
        ASSERT_NEAR(CA, x[0][0], 1e-8);
        sim_free(s);
    }
}

/* Tc up past ignition: the reactor runs away to the ignited state (stable
 * at 310 K); back below the multiplicity region it recovers. At 304 K the
 * single steady state is unstable and it oscillates. */
static void runaway_and_back(void **state) {
    (void)state;
    sim_t *s = start(&nominal, &published);
    double t = 0, CA, T, x[3][2];
    inputs_t u = nominal;

    u.Tc = 310;
    assert_int_equal(steady_states(&u, &published, x), 1);
    double re[2];
    eigen_real_parts(&u, &published, x[0], re);
    assert_true(re[0] < 0);
    assert_int_equal(sim_set_input(s, tag("Tc"), u.Tc), 0);
    assert_int_equal(sim_advance(s, t += 120 * MINUTE), 0);
    outputs(s, &CA, &T);
    ASSERT_NEAR(T, x[0][1], 1e-6);
    ASSERT_NEAR(CA, x[0][0], 1e-8);

    u.Tc = 304;
    assert_int_equal(steady_states(&u, &published, x), 1);
    eigen_real_parts(&u, &published, x[0], re);
    assert_true(re[0] > 0 && re[1] > 0);
    assert_int_equal(sim_set_input(s, tag("Tc"), u.Tc), 0);
    double T_min = INFINITY, T_max = -INFINITY;
    for (int k = 1; k <= 600; k++) {
        assert_int_equal(sim_advance(s, t += MINUTE), 0);
        outputs(s, &CA, &T);
        if (k > 300) {
            T_min = fmin(T_min, T);
            T_max = fmax(T_max, T);
        }
    }
    assert_true(T_max - T_min > 50);
    assert_true(T_min < x[0][1] && T_max > x[0][1]);

    u.Tc = 290;
    assert_int_equal(steady_states(&u, &published, x), 1);
    assert_int_equal(sim_set_input(s, tag("Tc"), u.Tc), 0);
    assert_int_equal(sim_advance(s, t += 120 * MINUTE), 0);
    outputs(s, &CA, &T);
    ASSERT_NEAR(T, x[0][1], 1e-6);

    u.Tc = 300;
    assert_int_equal(steady_states(&u, &published, x), 3);
    assert_int_equal(sim_set_input(s, tag("Tc"), u.Tc), 0);
    assert_int_equal(sim_advance(s, t += 120 * MINUTE), 0);
    outputs(s, &CA, &T);
    ASSERT_NEAR(T, x[0][1], 1e-6);
    ASSERT_NEAR(CA, x[0][0], 1e-8);
    sim_free(s);
}

/* No heat of reaction and Tf = Tc: T stays put and CA is a first-order lag
 * with rate q/V + k(T): CA(t) = CA∞ + (CA0 − CA∞)·e^(−(q/V + k)·t). */
static void isothermal_step_is_first_order(void **state) {
    (void)state;
    cstr_params_t p = published;
    p.dH = 0;
    inputs_t u = {330, 1, 330, 60};
    sim_t *s = start(&u, &p);
    double a = u.q / p.V, k = p.k0 * exp(-p.ER / 330.0);
    double CA0 = a * u.CAf / (a + k);
    double CAf1 = 1.6, CA_inf = a * CAf1 / (a + k);
    assert_int_equal(sim_set_input(s, tag("CAf"), CAf1), 0);
    for (int n = 1; n <= 300; n++) {
        double t = n * 1.0;
        assert_int_equal(sim_advance(s, t), 0);
        double CA, T;
        outputs(s, &CA, &T);
        ASSERT_NEAR_AT(t, CA, CA_inf + (CA0 - CA_inf) * exp(-(a + k) * t / MINUTE), 1e-7);
        ASSERT_NEAR_AT(t, T, 330.0, 1e-9);
    }
    sim_free(s);
}

/* 1 s samples and 60 s samples through a runaway give the same path,
 * within 5e-4 K: the runaway leaves along an unstable direction, which
 * amplifies the solver's local errors (rtol 1e-10) several thousand
 * times. */
static void sample_size_does_not_matter(void **state) {
    (void)state;
    sim_t *fine = start(&nominal, &published), *coarse = start(&nominal, &published);
    assert_int_equal(sim_set_input(fine, tag("Tc"), 305), 0);
    assert_int_equal(sim_set_input(coarse, tag("Tc"), 305), 0);
    for (int minute = 1; minute <= 90; minute++) {
        for (int sec = 1; sec <= 60; sec++)
            assert_int_equal(sim_advance(fine, (minute - 1) * MINUTE + sec), 0);
        assert_int_equal(sim_advance(coarse, minute * MINUTE), 0);
        double CA1, T1, CA2, T2;
        outputs(fine, &CA1, &T1);
        outputs(coarse, &CA2, &T2);
        ASSERT_NEAR_AT(minute * MINUTE, T1, T2, 5e-4);
        ASSERT_NEAR_AT(minute * MINUTE, CA1, CA2, 1e-5);
    }
    sim_free(fine);
    sim_free(coarse);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(definition),
        cmocka_unit_test(same_equations),
        cmocka_unit_test(three_steady_states),
        cmocka_unit_test(starts_on_the_low_steady_state),
        cmocka_unit_test(runaway_and_back),
        cmocka_unit_test(isothermal_step_is_first_order),
        cmocka_unit_test(sample_size_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
