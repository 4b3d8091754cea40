/* test_wood_berry.c - the Wood-Berry column, integrated by sim.c, against
 * the analytic step responses of its six first-order-plus-dead-time paths:
 * a step du in input j at time t0 moves output i by
 *     K·du·(1 − e^(−(t − t0 − θ)/τ))  for t > t0 + θ,  0 before,
 * (t, τ, θ in minutes; the sim speaks seconds) and steps add up
 * (superposition: the model is linear).
 *
 * The path table below is copied from MODELS.md (Wood & Berry 1973), not
 * from the model file, so a typo in either shows.
 *
 * Tolerance: 1e-6 mol % absolute. Before a dead time has passed the output
 * must not have moved at all: compared exactly. */
#include <string.h>

#include "common/err.h"
#include "model/model.h"
#include "model/sim.h"
#include "model_testutil.h"
#include "testutil.h"

#define TOL 1e-6
#define MINUTE 60.0
#define XD_NOMINAL 96.25
#define XB_NOMINAL 0.50

typedef struct path {
    const char *input, *output;
    double K, tau, theta;   /* gain, time constant and dead time (min) */
} path_t;

static const path_t paths[] = {
    {"R", "xD", 12.8, 16.7, 1.0},  {"S", "xD", -18.9, 21.0, 3.0},
    {"R", "xB", 6.6, 10.9, 7.0},   {"S", "xB", -19.4, 14.4, 3.0},
    {"F", "xD", 3.8, 14.9, 8.1},   {"F", "xB", 4.9, 13.2, 3.4},
};
#define N_PATHS ((int)(sizeof paths / sizeof paths[0]))

static const struct {
    const char *name;
    double value;
} nominal_inputs[] = {{"R", 1.95}, {"S", 1.71}, {"F", 2.45}};

/* One step of an input: by du at t0 seconds. */
typedef struct step {
    const char *input;
    double t0, du;
} step_t;

TEST_MODEL_HELPERS("wood-berry")

static double nominal(const char *input) {
    for (size_t i = 0; i < sizeof nominal_inputs / sizeof nominal_inputs[0]; i++)
        if (strcmp(nominal_inputs[i].name, input) == 0) return nominal_inputs[i].value;
    fail_msg("no nominal value for %s", input);
    return NAN;
}

/* ---------------------------- analytic response ---------------------------- */

/* The response of one path at t seconds to a step of du at t0 seconds. */
static double path_response(const path_t *p, double du, double t0, double t) {
    double since_dead_time = (t - t0) / MINUTE - p->theta;
    if (since_dead_time <= 0) return 0.0;
    return p->K * du * (1 - exp(-since_dead_time / p->tau));
}

/* Output (absolute, mol %) at t seconds after the given input steps. */
static double expected(const char *out, const step_t *steps, int n_steps, double t) {
    double y = strcmp(out, "xD") == 0 ? XD_NOMINAL : XB_NOMINAL;
    for (int j = 0; j < n_steps; j++)
        for (int k = 0; k < N_PATHS; k++)
            if (strcmp(paths[k].output, out) == 0 &&
                strcmp(paths[k].input, steps[j].input) == 0)
                y += path_response(&paths[k], steps[j].du, steps[j].t0, t);
    return y;
}

/* True while none of the steps has reached out yet. */
static int before_any_dead_time(const char *out, const step_t *steps, int n_steps,
                                double t) {
    for (int j = 0; j < n_steps; j++)
        for (int k = 0; k < N_PATHS; k++)
            if (strcmp(paths[k].output, out) == 0 &&
                strcmp(paths[k].input, steps[j].input) == 0 &&
                t > steps[j].t0 + paths[k].theta * MINUTE)
                return 0;
    return 1;
}

/* Run from the nominal point to t_end seconds in chunks of dt, applying
 * the steps when the sim reaches their times (t0 multiples of dt), and
 * compare both outputs with the analytic response after every chunk. */
static void run_and_compare(const step_t *steps, int n_steps, double dt, double t_end) {
    sim_t *s = sim_new(model(), NULL, NULL);
    assert_non_null(s);
    for (int n = 0;; n++) {
        double t = n * dt;
        for (int j = 0; j < n_steps; j++)
            if (steps[j].t0 == t) {
                int i = tag(steps[j].input);
                double u = sim_input(s, i) + steps[j].du;
                assert_int_equal(sim_set_input(s, i, u), 0);
            }
        if (n > 0) {
            const char *outs[] = {"xD", "xB"};
            for (int o = 0; o < 2; o++) {
                double y = out(s, outs[o]);
                double tol = before_any_dead_time(outs[o], steps, n_steps, t) ? 0.0 : TOL;
                ASSERT_NEAR_AT(t, y, expected(outs[o], steps, n_steps, t), tol);
            }
        }
        if (t >= t_end) break;
        assert_int_equal(sim_advance(s, (n + 1) * dt), 0);
    }
    sim_free(s);
}

/* ---------------------------- tests ---------------------------- */

static void defaults_are_the_nominal_point(void **state) {
    (void)state;
    sim_t *s = sim_new(model(), NULL, NULL);
    assert_non_null(s);
    for (size_t i = 0; i < sizeof nominal_inputs / sizeof nominal_inputs[0]; i++)
        ASSERT_NEAR(sim_input(s, tag(nominal_inputs[i].name)), nominal_inputs[i].value, 0.0);
    ASSERT_NEAR(out(s, "xD"), XD_NOMINAL, 0.0);
    ASSERT_NEAR(out(s, "xB"), XB_NOMINAL, 0.0);
    sim_free(s);
}

/* Nothing moves at the nominal point, for hours. */
static void nominal_stays_put(void **state) {
    (void)state;
    run_and_compare(NULL, 0, 1.0, 4 * 3600.0);
}

/* The step of the brief: R + 0.1 at t = 0 gives
 * xD = 96.25 + 12.8·0.1·(1 − e^(−(t/60 − 1)/16.7)) after one minute, and
 * xB its own 6.6, 10.9 min and 7 min dead time. */
static void reflux_step(void **state) {
    (void)state;
    step_t steps[] = {{"R", 0.0, 0.1}};
    run_and_compare(steps, 1, 1.0, 7200.0);
    /* The same formula written out, at a few instants, as a cross-check of
     * the helper itself. */
    double t = 600.0;
    ASSERT_NEAR(expected("xD", steps, 1, t),
                96.25 + 12.8 * 0.1 * (1 - exp(-(t / 60 - 1) / 16.7)), 1e-12);
    ASSERT_NEAR(expected("xB", steps, 1, t),
                0.50 + 6.6 * 0.1 * (1 - exp(-(t / 60 - 7) / 10.9)), 1e-12);
    ASSERT_NEAR(expected("xD", steps, 1, 60.0), 96.25, 0.0);
}

static void steam_step(void **state) {
    (void)state;
    step_t steps[] = {{"S", 0.0, -0.15}};
    run_and_compare(steps, 1, 1.0, 7200.0);
}

static void feed_step(void **state) {
    (void)state;
    step_t steps[] = {{"F", 0.0, 0.3}};
    run_and_compare(steps, 1, 1.0, 7200.0);
}

/* Two inputs stepped at different times add up, each with its own delays. */
static void superposition(void **state) {
    (void)state;
    step_t steps[] = {{"R", 0.0, 0.1}, {"S", 200.0, 0.05}, {"F", 450.0, -0.2}};
    run_and_compare(steps, 3, 1.0, 5400.0);
}

/* A step made after 300 s is delayed from when it was made: xD must hold
 * its value until exactly 300 s + 1 min. Reaching it by one big advance
 * (no intermediate samples) must not change the answer. */
static void step_mid_run(void **state) {
    (void)state;
    step_t steps[] = {{"R", 300.0, -0.2}};
    run_and_compare(steps, 1, 1.0, 3600.0);
    sim_t *s = sim_new(model(), NULL, NULL);
    assert_non_null(s);
    assert_int_equal(sim_advance(s, 300.0), 0);
    assert_int_equal(sim_set_input(s, tag("R"), nominal("R") - 0.2), 0);
    assert_int_equal(sim_advance(s, 360.0), 0);
    ASSERT_NEAR(out(s, "xD"), XD_NOMINAL, 0.0);
    assert_int_equal(sim_advance(s, 3000.0), 0);
    ASSERT_NEAR(out(s, "xD"), expected("xD", steps, 1, 3000.0), TOL);
    ASSERT_NEAR(out(s, "xB"), expected("xB", steps, 1, 3000.0), TOL);
    sim_free(s);
}

/* The outcome does not depend on the sample size: 1 s, 7 s and 60 s chunks
 * (dead times such as 8.1 min = 486 s fall inside chunks of 7 s and 60 s). */
static void sample_size_does_not_matter(void **state) {
    (void)state;
    step_t steps[] = {{"F", 0.0, 0.25}, {"R", 420.0, 0.1}};
    run_and_compare(steps, 2, 7.0, 4200.0);
    run_and_compare(steps, 2, 60.0, 4200.0);
    const model_t *m = model();
    sim_t *fine = sim_new(m, NULL, NULL), *coarse = sim_new(m, NULL, NULL);
    assert_non_null(fine);
    assert_non_null(coarse);
    assert_int_equal(sim_set_input(fine, tag("S"), nominal("S") + 0.1), 0);
    assert_int_equal(sim_set_input(coarse, tag("S"), nominal("S") + 0.1), 0);
    for (int minute = 1; minute <= 60; minute++) {
        for (int second = 1; second <= 60; second++)
            assert_int_equal(sim_advance(fine, (minute - 1) * MINUTE + second), 0);
        assert_int_equal(sim_advance(coarse, minute * MINUTE), 0);
        ASSERT_NEAR_AT(minute * MINUTE, out(fine, "xD"), out(coarse, "xD"), TOL);
        ASSERT_NEAR_AT(minute * MINUTE, out(fine, "xB"), out(coarse, "xB"), TOL);
    }
    sim_free(fine);
    sim_free(coarse);
}

/* Around a dead time the change is exact: at 1 min after the step nothing
 * has happened yet, a hundredth of a second later it has begun. */
static void dead_time_is_exact(void **state) {
    (void)state;
    step_t steps[] = {{"R", 0.0, 0.1}};
    sim_t *s = sim_new(model(), NULL, NULL);
    assert_non_null(s);
    assert_int_equal(sim_set_input(s, tag("R"), nominal("R") + 0.1), 0);
    assert_int_equal(sim_advance(s, 60.0), 0);
    ASSERT_NEAR(out(s, "xD"), XD_NOMINAL, 0.0);
    assert_int_equal(sim_advance(s, 60.01), 0);
    double y = out(s, "xD");
    assert_true(y > XD_NOMINAL);
    ASSERT_NEAR(y, expected("xD", steps, 1, 60.01), 1e-9);
    sim_free(s);
}

/* A controller writing every second moves the inputs faster than the dead
 * times pass: many changes are in flight at once. The response is still
 * the sum of all the little steps. */
static void many_changes_in_flight(void **state) {
    (void)state;
    enum { N_MOVES = 120 };
    step_t steps[2 * N_MOVES];
    for (int j = 0; j < N_MOVES; j++) {
        double size = 0.01 * ((j % 7) - 3);  /* -0.03 .. 0.03, never at a limit */
        steps[2 * j] = (step_t){"R", 5.0 * j, size};
        steps[2 * j + 1] = (step_t){"F", 5.0 * j, -size};
    }
    run_and_compare(steps, 2 * N_MOVES, 1.0, 2400.0);
}

/* Started away from the nominal point, the column is at the steady state
 * of its initial inputs (ΣK·du) and stays there. */
static void starts_at_steady_state(void **state) {
    (void)state;
    const model_t *m = model();
    double inputs[3];
    double du[3] = {0.1, -0.05, 0.2};
    const char *names[3] = {"R", "S", "F"};
    assert_int_equal(m->n_inputs, 3);
    double xD = XD_NOMINAL, xB = XB_NOMINAL;
    for (int j = 0; j < 3; j++) {
        inputs[tag(names[j])] = nominal(names[j]) + du[j];
        for (int k = 0; k < N_PATHS; k++)
            if (strcmp(paths[k].input, names[j]) == 0) {
                if (strcmp(paths[k].output, "xD") == 0) xD += paths[k].K * du[j];
                else xB += paths[k].K * du[j];
            }
    }
    sim_t *s = sim_new(m, inputs, NULL);
    assert_non_null(s);
    for (int n = 0; n <= 100; n++) {
        assert_int_equal(sim_advance(s, n * 30.0), 0);
        ASSERT_NEAR_AT(n * 30.0, out(s, "xD"), xD, 1e-9);
        ASSERT_NEAR_AT(n * 30.0, out(s, "xB"), xB, 1e-9);
    }
    sim_free(s);
}

/* Refused values change nothing: the outputs follow the nominal point. */
static void bad_input_changes_nothing(void **state) {
    (void)state;
    const model_t *m = model();
    sim_t *s = sim_new(m, NULL, NULL);
    assert_non_null(s);
    const char *names[3] = {"R", "S", "F"};
    for (int j = 0; j < 3; j++) {
        int i = tag(names[j]);
        assert_int_equal(sim_set_input(s, i, m->tags[i].max + 0.01), PDE_ERANGE);
        assert_int_equal(sim_set_input(s, i, m->tags[i].min - 0.01), PDE_ERANGE);
        assert_int_equal(sim_set_input(s, i, NAN), PDE_ERANGE);
        ASSERT_NEAR(sim_input(s, i), nominal(names[j]), 0.0);
    }
    assert_int_equal(sim_advance(s, 3600.0), 0);
    ASSERT_NEAR(out(s, "xD"), XD_NOMINAL, 0.0);
    ASSERT_NEAR(out(s, "xB"), XB_NOMINAL, 0.0);
    sim_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_nominal_point),
        cmocka_unit_test(nominal_stays_put),
        cmocka_unit_test(reflux_step),
        cmocka_unit_test(steam_step),
        cmocka_unit_test(feed_step),
        cmocka_unit_test(superposition),
        cmocka_unit_test(step_mid_run),
        cmocka_unit_test(sample_size_does_not_matter),
        cmocka_unit_test(dead_time_is_exact),
        cmocka_unit_test(many_changes_in_flight),
        cmocka_unit_test(starts_at_steady_state),
        cmocka_unit_test(bad_input_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
