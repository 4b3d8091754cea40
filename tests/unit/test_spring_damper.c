/* test_spring_damper.c - the spring-damper model, integrated by sim.c,
 * against the analytic solution of the damped oscillator
 *     m·x'' + c·x' + k·x = F,  c = 2·m·ω·ζ,  ω = √(k/m),  ωd = ω·√(1 − ζ²)
 * for constant F (underdamped, ζ < 1):
 *     x(t) = F/k + e^(−ζωt)·(A·cos ωd t + B·sin ωd t),
 *     A = x(0) − F/k,  B = (v(0) + ζω·A)/ωd.
 *
 * Tolerance: 1e-6 m (and m/s) absolute over 100 s (about 16 periods). The
 * model asks for rtol 1e-10; the global error grows with the number of
 * periods and reaches about 2e-8 m by 100 s, so 1e-6 leaves a wide margin
 * while still catching a wrong c, ω or a missed restart at a force step. */

#include "common/err.h"
#include "model/model.h"
#include "model/sim.h"
#include "model_testutil.h"
#include "testutil.h"

#define TOL 1e-6

/* Tag and parameter order, found by name so the test does not assume it. */
TEST_MODEL_HELPERS("spring-damper")

/* Parameters by name over the model's defaults. */
typedef struct oscillator {
    double m, k, zeta, x0, v0;
} oscillator_t;

static const oscillator_t demo = {.m = 1, .k = 1, .zeta = 0.01, .x0 = 0, .v0 = 1};

static sim_t *start(const oscillator_t *o, double force) {
    const model_t *m = model();
    double params[8], inputs[1] = {force};
    assert_true(m->n_params <= 8 && m->n_inputs == 1);
    const char *names[] = {"m", "k", "zeta", "x0", "v0"};
    const double values[] = {o->m, o->k, o->zeta, o->x0, o->v0};
    assert_int_equal(m->n_params, 5);
    for (int i = 0; i < 5; i++) {
        int j = model_param_index(m, names[i]);
        assert_true(j >= 0);
        params[j] = values[i];
    }
    sim_t *s = sim_new(m, inputs, params);
    assert_non_null(s);
    return s;
}

/* ---------------------------- analytic solution ---------------------------- */

typedef struct motion {
    double x, v;
} motion_t;

/* State at time tau after starting from (x0, v0) under constant force F. */
static motion_t analytic(const oscillator_t *o, double x0, double v0, double F, double tau) {
    double omega = sqrt(o->k / o->m);
    double sigma = o->zeta * omega;
    double omega_d = omega * sqrt(1 - o->zeta * o->zeta);
    double x_steady = F / o->k;
    double A = x0 - x_steady;
    double B = (v0 + sigma * A) / omega_d;
    double decay = exp(-sigma * tau), c = cos(omega_d * tau), s = sin(omega_d * tau);
    return (motion_t){
        .x = x_steady + decay * (A * c + B * s),
        .v = decay * ((omega_d * B - sigma * A) * c - (omega_d * A + sigma * B) * s),
    };
}

/* ---------------------------- tests ---------------------------- */

/* The demo's own case, written as in the textbook: from x0 = 0, v0 = 1,
 * x(t) = (v0/ωd)·e^(−ζωt)·sin(ωd t). */
static void free_response(void **state) {
    (void)state;
    sim_t *s = sim_new(model(), NULL, NULL);
    assert_non_null(s);
    double omega = 1.0, zeta = 0.01, v0 = 1.0;
    double omega_d = omega * sqrt(1 - zeta * zeta);
    ASSERT_NEAR(out(s, "x"), 0.0, 0.0);
    ASSERT_NEAR(out(s, "v"), v0, 0.0);
    for (int n = 1; n <= 1000; n++) {
        double t = n * 0.1;
        assert_int_equal(sim_advance(s, t), 0);
        ASSERT_NEAR(sim_time(s), t, 0.0);
        double decay = exp(-zeta * omega * t);
        double x = v0 / omega_d * decay * sin(omega_d * t);
        double v = v0 / omega_d * decay *
                   (omega_d * cos(omega_d * t) - zeta * omega * sin(omega_d * t));
        ASSERT_NEAR_AT(t, out(s, "x"), x, TOL);
        ASSERT_NEAR_AT(t, out(s, "v"), v, TOL);
        ASSERT_NEAR_AT(t, sim_state(s)[0], x, TOL);
    }
    sim_free(s);
}

/* From rest under a constant force: x(t) = (F/k)·(1 − e^(−ζωt)·(cos ωd t +
 * ζω/ωd·sin ωd t)), settling at F/k. Other parameters than the demo's, so
 * m, k and ζ are all used as documented (ω = 2 rad/s, c = 0.8 N·s/m). */
static void constant_force_from_rest(void **state) {
    (void)state;
    oscillator_t o = {.m = 2, .k = 8, .zeta = 0.1, .x0 = 0, .v0 = 0};
    double F = 2.0;
    sim_t *s = start(&o, F);
    double omega = 2.0, sigma = 0.1 * omega, omega_d = omega * sqrt(1 - 0.01);
    for (int n = 1; n <= 1000; n++) {
        double t = n * 0.1;
        assert_int_equal(sim_advance(s, t), 0);
        double x = F / o.k * (1 - exp(-sigma * t) * (cos(omega_d * t) +
                                                      sigma / omega_d * sin(omega_d * t)));
        ASSERT_NEAR_AT(t, out(s, "x"), x, TOL);
    }
    /* e^(−0.2·100) ≈ 2e-9: settled. */
    ASSERT_NEAR(out(s, "x"), F / o.k, TOL);
    ASSERT_NEAR(out(s, "v"), 0.0, TOL);
    sim_free(s);
}

/* A force applied at t = 10 s acts from then on: the motion is the free
 * response up to 10 s, then the response to F from the state reached. */
static void force_step_mid_run(void **state) {
    (void)state;
    sim_t *s = start(&demo, 0.0);
    double t_step = 10.0, F = 1.5;
    assert_int_equal(sim_advance(s, t_step), 0);
    motion_t at_step = analytic(&demo, demo.x0, demo.v0, 0.0, t_step);
    ASSERT_NEAR(out(s, "x"), at_step.x, TOL);
    assert_int_equal(sim_set_input(s, tag("F"), F), 0);
    ASSERT_NEAR(sim_input(s, tag("F")), F, 0.0);
    for (int n = 1; n <= 500; n++) {
        double t = t_step + n * 0.1;
        assert_int_equal(sim_advance(s, t), 0);
        motion_t want = analytic(&demo, at_step.x, at_step.v, F, t - t_step);
        ASSERT_NEAR_AT(t, out(s, "x"), want.x, TOL);
        ASSERT_NEAR_AT(t, out(s, "v"), want.v, TOL);
    }
    sim_free(s);
}

/* The answer must not depend on how often the caller samples: advance one
 * sim in 0.1 s chunks and another in 1 s chunks, with the same force step,
 * and compare both with each other and with the analytic motion. */
static void sample_step_does_not_matter(void **state) {
    (void)state;
    sim_t *fine = start(&demo, 0.0), *coarse = start(&demo, 0.0);
    double F = -3.0, t_step = 20.0;
    motion_t at_step = analytic(&demo, demo.x0, demo.v0, 0.0, t_step);
    for (int second = 1; second <= 100; second++) {
        for (int tenth = 1; tenth <= 10; tenth++)
            assert_int_equal(sim_advance(fine, second - 1 + tenth * 0.1), 0);
        assert_int_equal(sim_advance(coarse, second), 0);
        ASSERT_NEAR_AT(second, sim_time(fine), sim_time(coarse), 1e-12);
        ASSERT_NEAR_AT(second, out(fine, "x"), out(coarse, "x"), TOL);
        ASSERT_NEAR_AT(second, out(fine, "v"), out(coarse, "v"), TOL);
        motion_t want = second <= t_step
                            ? analytic(&demo, demo.x0, demo.v0, 0.0, second)
                            : analytic(&demo, at_step.x, at_step.v, F, second - t_step);
        ASSERT_NEAR_AT(second, out(coarse, "x"), want.x, TOL);
        if (second == (int)t_step) {
            assert_int_equal(sim_set_input(fine, tag("F"), F), 0);
            assert_int_equal(sim_set_input(coarse, tag("F"), F), 0);
        }
    }
    sim_free(fine);
    sim_free(coarse);
}

/* Bad values are refused with PDE_ERANGE and leave the instance as it was:
 * same input, same trajectory as an untouched twin. */
static void bad_input_changes_nothing(void **state) {
    (void)state;
    const model_t *m = model();
    int f = tag("F");
    sim_t *s = sim_new(m, NULL, NULL), *twin = sim_new(m, NULL, NULL);
    assert_non_null(s);
    assert_non_null(twin);
    assert_int_equal(sim_advance(s, 5.0), 0);
    assert_int_equal(sim_advance(twin, 5.0), 0);
    const double bad[] = {NAN, INFINITY, -INFINITY, m->tags[f].max + 1e-9,
                          m->tags[f].min - 1e-9, 1e300};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sim_set_input(s, f, bad[i]), PDE_ERANGE);
        ASSERT_NEAR(sim_input(s, f), m->tags[f].def, 0.0);
    }
    assert_int_equal(sim_set_input(s, -1, 0.0), PDE_EINVAL);
    assert_int_equal(sim_set_input(s, m->n_inputs, 0.0), PDE_EINVAL);
    assert_int_equal(sim_advance(s, 50.0), 0);
    assert_int_equal(sim_advance(twin, 50.0), 0);
    ASSERT_NEAR(out(s, "x"), out(twin, "x"), 0.0);
    ASSERT_NEAR(out(s, "v"), out(twin, "v"), 0.0);
    /* The ends of the range are allowed. */
    assert_int_equal(sim_set_input(s, f, m->tags[f].max), 0);
    assert_int_equal(sim_set_input(s, f, m->tags[f].min), 0);
    ASSERT_NEAR(sim_input(s, f), m->tags[f].min, 0.0);
    sim_free(s);
    sim_free(twin);
}

/* Time only goes forward; a zero-length advance is a no-op. */
static void advance_checks_time(void **state) {
    (void)state;
    sim_t *s = sim_new(model(), NULL, NULL);
    assert_non_null(s);
    assert_ptr_equal(sim_model(s), model());
    assert_int_equal(sim_advance(s, 1.0), 0);
    double x = out(s, "x");
    assert_int_equal(sim_advance(s, 1.0), 0);
    ASSERT_NEAR(out(s, "x"), x, 0.0);
    assert_int_equal(sim_advance(s, 0.5), PDE_EINVAL);
    assert_int_equal(sim_advance(s, NAN), PDE_EINVAL);
    ASSERT_NEAR(sim_time(s), 1.0, 0.0);
    sim_free(s);
}

/* Inputs and parameters outside their ranges are refused at the start, and
 * nothing leaks (ASan). */
static void bad_start_is_refused(void **state) {
    (void)state;
    const model_t *m = model();
    oscillator_t o = demo;
    double force_too_big[1] = {m->tags[tag("F")].max * 2};
    assert_null(sim_new(m, force_too_big, NULL));
    double force_nan[1] = {NAN};
    assert_null(sim_new(m, force_nan, NULL));
    double params[5];
    for (int i = 0; i < m->n_params; i++) params[i] = m->params[i].value;
    params[model_param_index(m, "m")] = 0.0;   /* no mass: ω undefined */
    assert_null(sim_new(m, NULL, params));
    params[model_param_index(m, "m")] = o.m;
    params[model_param_index(m, "zeta")] = NAN;
    assert_null(sim_new(m, NULL, params));
    assert_null(sim_new(NULL, NULL, NULL));
}

static void free_null(void **state) {
    (void)state;
    sim_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_response),
        cmocka_unit_test(constant_force_from_rest),
        cmocka_unit_test(force_step_mid_run),
        cmocka_unit_test(sample_step_does_not_matter),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(advance_checks_time),
        cmocka_unit_test(bad_start_is_refused),
        cmocka_unit_test(free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
