/* test_pid.c - the PID block (src/model/pid.c) wired into a first-order
 * plant, integrated by sim.c, against analytic closed-loop responses; and
 * its switching: bumpless MAN/AUTO both ways, bumpless retuning, anti-windup,
 * the OP and MV being one quantity, writes in AUTO overridden.
 *
 * The plant, defined here (it is the test's, not the library's):
 *     τ·dy/dt = −y + K·u + d
 * u = the loop's output in force (input U is its other name), d a
 * disturbance input; the loop LC holds y (PV = y), reverse acting.
 *
 * Analytic answers used (time in seconds, e = SP − y):
 *   P only, bias b:  y(t) = y∞ + (y0 − y∞)·e^(−(1 + K·KP)·t/τ),
 *                    y∞ = K·(b + KP·r)/(1 + K·KP).
 *   PI:              z = (y, I), z' = A·z + c with
 *                    A = [[−(1 + K·KP)/τ, K/τ], [−KP/TI, 0]],
 *                    c = (K·KP·r/τ, KP·r/TI); z(t) = z∞ + e^(At)·(z0 − z∞),
 *                    z∞ = (r, r/K); e^(At) in closed form for 2×2
 *                    (Cayley-Hamilton).
 *   PID, open loop (K = 0, y = d·(1 − e^(−t/τ))), derivative filter
 *   Tf = TD/N:       PVf = d·(1 − (τ·e^(−t/τ) − Tf·e^(−t/Tf))/(τ − Tf)),
 *                    I = I0 − KP/TI·d·(t − τ·(1 − e^(−t/τ))),
 *                    OP = −KP·y + I − KP·N·(y − PVf).
 *   Anti-windup at an unreachable setpoint: at rest dI/dt = 0 with
 *                    OP = max, v = KP·e + I, so KP/TI·e + (max − v)/TI = 0
 *                    gives I = max exactly (tracking time TI for PI).
 *
 * Tolerance: 1e-6 in y and OP units (the solver runs at rtol 1e-8 on
 * O(1..10) values). */
#include <string.h>

#include "common/err.h"
#include "model/model.h"
#include "model/pid.h"
#include "model/sim.h"
#include "testutil.h"

#define TOL 1e-6

/* ---------------------------- the test plant ---------------------------- */

enum { IN_U, IN_D, IN_LC, N_INPUTS = IN_LC + PID_N_INPUTS };
enum { OUT_Y, OUT_PV, N_OUTPUTS };
enum { S_Y, S_LC, N_STATES = S_LC + PID_N_STATES };
enum { P_K, P_TAU, N_PARAMS };

#define PLANT_TAGS(op_min, op_max)                                                          \
    {                                                                                       \
        {"U", TAG_INPUT, "%", op_min, op_max, 0, "manipulated variable (= LC.OP)"},         \
            {"d", TAG_INPUT, "m", -100, 100, 0, "disturbance"},                             \
            PID_INPUT_TAGS("LC", "test loop", "m", -1000, 1000, 0, "%", op_min, op_max, 0,  \
                           0, "%/m", 1000, 1, "s", 10000, 0, 0),                            \
            {"y", TAG_OUTPUT, "m", -1000, 1000, 0, "plant output"},                         \
            PID_PV_TAG("LC", "test loop", "m", -1000, 1000),                                \
    }

static const tag_def_t wide_tags[] = PLANT_TAGS(-1000, 1000);
static const tag_def_t narrow_tags[] = PLANT_TAGS(0, 10);

static const param_def_t params[N_PARAMS] = {
    [P_K] = {"K", "m/%", 2.0, 0, 100, "plant gain"},
    [P_TAU] = {"tau", "s", 10.0, 0.1, 1000, "plant time constant"},
};

static const pid_def_t loop = {.first_input = IN_LC, .mv = IN_U, .state = S_LC,
                               .action = PID_REVERSE};

static void plant_initial(const model_t *m, const model_io_t *io, double *x0) {
    double u0 = io->u[IN_LC + PID_OP];
    x0[S_Y] = io->p[P_K] * u0 + io->u[IN_D];
    pid_init(m, &loop, io->u, x0[S_Y], u0, x0);
}

static int plant_rhs(const model_t *m, double t, const double *x, const model_io_t *io,
                     double *dxdt) {
    (void)t;
    double u = pid_op(m, &loop, x, io->u, x[S_Y]);
    dxdt[S_Y] = (-x[S_Y] + io->p[P_K] * u + io->u[IN_D]) / io->p[P_TAU];
    pid_rhs(m, &loop, x, io->u, x[S_Y], dxdt);
    return 0;
}

static void plant_outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                          double *y) {
    (void)m;
    (void)t;
    (void)io;
    y[OUT_Y] = x[S_Y];
    y[OUT_PV] = x[S_Y];
}

static void plant_sync(const model_t *m, const model_sync_t *ev) {
    pid_sync(m, &loop, ev, ev->x ? ev->x[S_Y] : 0.0);
}

#define PLANT(tag_table)                                                                    \
    {                                                                                       \
        .id = "pid-test-plant", .title = "first-order plant", .description = "test",        \
        .tags = tag_table, .n_inputs = N_INPUTS, .n_outputs = N_OUTPUTS, .params = params,  \
        .n_params = N_PARAMS, .n_states = N_STATES, .time_unit = 1.0, .step = 1.0,          \
        .initial_state = plant_initial, .rhs = plant_rhs, .outputs = plant_outputs,         \
        .sync = plant_sync,                                                                 \
    }

static const model_t wide_plant = PLANT(wide_tags);
static const model_t narrow_plant = PLANT(narrow_tags);

/* ---------------------------- helpers ---------------------------- */

typedef struct setup {
    double K, tau;
    double u0;          /* operator's output at the start (MAN) */
    double kp, ti, td;
} setup_t;

static sim_t *start(const model_t *m, setup_t s) {
    double u[N_INPUTS], p[N_PARAMS] = {[P_K] = s.K, [P_TAU] = s.tau};
    for (int i = 0; i < N_INPUTS; i++) u[i] = m->tags[i].def;
    u[IN_U] = s.u0;
    u[IN_LC + PID_OP] = s.u0;
    u[IN_LC + PID_SP] = s.K * s.u0;
    u[IN_LC + PID_KP] = s.kp;
    u[IN_LC + PID_TI] = s.ti;
    u[IN_LC + PID_TD] = s.td;
    sim_t *sim = sim_new(m, u, p);
    assert_non_null(sim);
    return sim;
}

static void set(sim_t *s, int input, double value) {
    assert_int_equal(sim_set_input(s, input, value), 0);
}

static double y_of(const sim_t *s) {
    double y[N_OUTPUTS];
    sim_outputs(s, y);
    ASSERT_NEAR(y[OUT_PV], y[OUT_Y], 0.0);
    return y[OUT_Y];
}

static double op_of(const sim_t *s) {
    /* The two names of the output agree whatever the mode. */
    ASSERT_NEAR(sim_input(s, IN_U), sim_input(s, IN_LC + PID_OP), 0.0);
    return sim_input(s, IN_LC + PID_OP);
}

/* e^(At) for a 2×2 A (row-major) by Cayley-Hamilton:
 * e^(At) = e^(st)·(f0·I + f1·(A − sI)), s = tr/2, q² = s² − det. */
static void expm2(const double A[4], double t, double E[4]) {
    double s = 0.5 * (A[0] + A[3]);
    double det = A[0] * A[3] - A[1] * A[2];
    double q2 = s * s - det, f0, f1;
    if (q2 > 1e-14) {
        double q = sqrt(q2);
        f0 = cosh(q * t);
        f1 = sinh(q * t) / q;
    } else if (q2 < -1e-14) {
        double w = sqrt(-q2);
        f0 = cos(w * t);
        f1 = sin(w * t) / w;
    } else {
        f0 = 1;
        f1 = t;
    }
    double g = exp(s * t);
    E[0] = g * (f0 + f1 * (A[0] - s));
    E[1] = g * f1 * A[1];
    E[2] = g * f1 * A[2];
    E[3] = g * (f0 + f1 * (A[3] - s));
}

/* The PI closed loop from (y0, I0) at setpoint r, t seconds later. */
static void pi_closed_loop(setup_t c, double r, double y0, double I0, double t, double *y,
                           double *I) {
    double A[4] = {-(1 + c.K * c.kp) / c.tau, c.K / c.tau, -c.kp / c.ti, 0};
    double y_inf = r, I_inf = r / c.K;
    double E[4];
    expm2(A, t, E);
    *y = y_inf + E[0] * (y0 - y_inf) + E[1] * (I0 - I_inf);
    *I = I_inf + E[2] * (y0 - y_inf) + E[3] * (I0 - I_inf);
}

/* ---------------------------- responses ---------------------------- */

/* The plant starts at rest in MAN and stays there: the loop's states hold. */
static void starts_at_rest_in_manual(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1, .ti = 20};
    sim_t *s = start(&wide_plant, c);
    ASSERT_NEAR(sim_input(s, IN_LC + PID_MODE), 0.0, 0.0);
    ASSERT_NEAR(y_of(s), 6.0, 0.0);
    for (int k = 1; k <= 100; k++) {
        assert_int_equal(sim_advance(s, k), 0);
        ASSERT_NEAR_AT(k, y_of(s), 6.0, 1e-12);
        ASSERT_NEAR_AT(k, op_of(s), 3.0, 0.0);
    }
    sim_free(s);
}

/* P only (TI = 0): a first-order closed loop with a steady offset. */
static void p_only_setpoint_step(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1.5, .ti = 0};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_MODE, 1);        /* SP = y0: nothing moves */
    double y0 = 6.0, bias = 3.0, r = 9.0;
    set(s, IN_LC + PID_SP, r);
    double y_inf = c.K * (bias + c.kp * r) / (1 + c.K * c.kp);
    double rate = (1 + c.K * c.kp) / c.tau;
    for (int k = 1; k <= 120; k++) {
        assert_int_equal(sim_advance(s, k), 0);
        double y = y_inf + (y0 - y_inf) * exp(-rate * k);
        ASSERT_NEAR_AT(k, y_of(s), y, TOL);
        ASSERT_NEAR_AT(k, op_of(s), bias + c.kp * (r - y), TOL);
    }
    /* The offset of P control: y∞ < r. */
    assert_true(y_of(s) < r - 0.5);
    sim_free(s);
}

/* PI: no offset, and the second-order response of the closed loop. */
static void pi_setpoint_step(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 0.8, .ti = 12};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_MODE, 1);
    double r = 8.0;
    set(s, IN_LC + PID_SP, r);
    double I0 = 3.0;                    /* bumpless: I = OP − KP·0 */
    for (int k = 1; k <= 300; k++) {
        assert_int_equal(sim_advance(s, k), 0);
        double y, I;
        pi_closed_loop(c, r, 6.0, I0, k, &y, &I);
        ASSERT_NEAR_AT(k, y_of(s), y, TOL);
        ASSERT_NEAR_AT(k, sim_state(s)[S_LC + PID_I], I, TOL);
        ASSERT_NEAR_AT(k, op_of(s), c.kp * (r - y) + I, TOL);
    }
    ASSERT_NEAR(y_of(s), r, 1e-4);
    sim_free(s);
}

/* A disturbance step under PI control is rejected (same linear system, the
 * disturbance shifting the equilibrium of I to (r − d)/K). */
static void pi_rejects_disturbance(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 0.8, .ti = 12};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_MODE, 1);
    double d = 1.5, r = 6.0;
    set(s, IN_D, d);
    /* In deviation from the disturbed equilibrium, the same A applies. */
    double A[4] = {-(1 + c.K * c.kp) / c.tau, c.K / c.tau, -c.kp / c.ti, 0};
    double y_inf = r, I_inf = (r - d) / c.K;
    for (int k = 1; k <= 300; k++) {
        assert_int_equal(sim_advance(s, k), 0);
        double E[4];
        expm2(A, k, E);
        double y = y_inf + E[0] * (6.0 - y_inf) + E[1] * (3.0 - I_inf);
        ASSERT_NEAR_AT(k, y_of(s), y, TOL);
    }
    sim_free(s);
}

/* PID with the filtered derivative on the measurement, loop open (K = 0)
 * so the measurement is a known first-order rise. */
static void filtered_derivative_open_loop(void **state) {
    (void)state;
    setup_t c = {.K = 0, .tau = 10, .u0 = 4, .kp = 2, .ti = 50, .td = 5};
    sim_t *s = start(&wide_plant, c);
    /* K = 0: y0 = 0 and SP = 0. */
    ASSERT_NEAR(y_of(s), 0.0, 0.0);
    set(s, IN_LC + PID_MODE, 1);
    ASSERT_NEAR(op_of(s), 4.0, 0.0);
    double d = 3.0, I0 = 4.0, N = PID_DEFAULT_N, Tf = c.td / N;
    set(s, IN_D, d);
    for (int k = 1; k <= 40; k++) {
        double t = 0.25 * k;
        assert_int_equal(sim_advance(s, t), 0);
        double y = d * (1 - exp(-t / c.tau));
        double pvf = d * (1 - (c.tau * exp(-t / c.tau) - Tf * exp(-t / Tf)) / (c.tau - Tf));
        double I = I0 - c.kp / c.ti * d * (t - c.tau * (1 - exp(-t / c.tau)));
        double op = -c.kp * y + I - c.kp * N * (y - pvf);
        ASSERT_NEAR_AT(t, y_of(s), y, TOL);
        ASSERT_NEAR_AT(t, sim_state(s)[S_LC + PID_PVF], pvf, TOL);
        ASSERT_NEAR_AT(t, op_of(s), op, TOL);
    }
    sim_free(s);
}

/* No derivative kick: a setpoint step moves the output by KP·Δr only. */
static void no_derivative_kick_on_setpoint(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 0.5, .ti = 30, .td = 4};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_MODE, 1);
    assert_int_equal(sim_advance(s, 5), 0);
    double before = op_of(s);
    set(s, IN_LC + PID_SP, sim_input(s, IN_LC + PID_SP) + 2);
    ASSERT_NEAR(op_of(s), before + c.kp * 2, 1e-12);
    sim_free(s);
}

/* ---------------------------- windup ---------------------------- */

static void anti_windup(void **state) {
    (void)state;
    setup_t c = {.K = 1, .tau = 10, .u0 = 5, .kp = 2, .ti = 20};
    sim_t *s = start(&narrow_plant, c);
    set(s, IN_LC + PID_MODE, 1);
    set(s, IN_LC + PID_SP, 20);         /* y can reach 10 at most */
    assert_int_equal(sim_advance(s, 600), 0);
    ASSERT_NEAR(op_of(s), 10.0, 0.0);
    ASSERT_NEAR(y_of(s), 10.0, 1e-6);
    /* Back-calculation keeps I at the limit, not growing with ∫e. */
    ASSERT_NEAR(sim_state(s)[S_LC + PID_I], 10.0, 1e-6);

    /* Back to a reachable setpoint: the output leaves the limit at once
     * and the loop follows the linear PI response from (10, 10). */
    double r = 6;
    set(s, IN_LC + PID_SP, r);
    double y0 = y_of(s), I0 = sim_state(s)[S_LC + PID_I];
    ASSERT_NEAR(op_of(s), c.kp * (r - y0) + I0, 1e-12);
    assert_true(op_of(s) < 9);
    for (int k = 1; k <= 200; k++) {
        assert_int_equal(sim_advance(s, 600 + k), 0);
        double y, I;
        pi_closed_loop(c, r, y0, I0, k, &y, &I);
        double op = c.kp * (r - y) + I;
        assert_true(op > 0 && op < 10);     /* the analytic solution stays inside */
        ASSERT_NEAR_AT(600 + k, y_of(s), y, 1e-5);
        ASSERT_NEAR_AT(600 + k, op_of(s), op, 1e-5);
    }
    sim_free(s);
}

/* ---------------------------- switching ---------------------------- */

static void bumpless_manual_to_auto(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1, .ti = 20, .td = 2};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_OP, 4);          /* the operator moves the output */
    assert_int_equal(sim_advance(s, 100), 0);
    set(s, IN_LC + PID_SP, y_of(s) + 3);    /* far from the PV */
    ASSERT_NEAR(op_of(s), 4.0, 0.0);        /* MAN: SP does nothing */
    set(s, IN_LC + PID_MODE, 1);
    ASSERT_NEAR(op_of(s), 4.0, 1e-12);      /* no jump at the switch */
    assert_int_equal(sim_advance(s, 100.01), 0);
    /* From there the integral moves it at KP/TI·e per second. */
    ASSERT_NEAR(op_of(s), 4.0 + c.kp / c.ti * 3 * 0.01, 1e-4);
    sim_free(s);
}

static void bumpless_auto_to_manual(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1, .ti = 20};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_MODE, 1);
    set(s, IN_LC + PID_SP, 10);
    assert_int_equal(sim_advance(s, 30), 0);
    double op = op_of(s);
    assert_true(fabs(op - 3) > 0.5);        /* the controller has moved it */
    set(s, IN_LC + PID_MODE, 0);
    ASSERT_NEAR(op_of(s), op, 0.0);
    assert_int_equal(sim_advance(s, 60), 0);
    ASSERT_NEAR(op_of(s), op, 0.0);         /* MAN holds it */
    /* ... and the plant settles on that output. */
    assert_int_equal(sim_advance(s, 400), 0);
    ASSERT_NEAR(y_of(s), c.K * op, 1e-6);
    sim_free(s);
}

static void bumpless_retuning(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1, .ti = 20, .td = 3};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_LC + PID_MODE, 1);
    set(s, IN_LC + PID_SP, 10);
    assert_int_equal(sim_advance(s, 7), 0);
    const int tuning[] = {IN_LC + PID_KP, IN_LC + PID_TI, IN_LC + PID_TD, IN_LC + PID_TD};
    const double value[] = {2.5, 5, 0, 6};
    for (int k = 0; k < 4; k++) {
        double before = op_of(s);
        set(s, tuning[k], value[k]);
        ASSERT_NEAR(op_of(s), before, 1e-12);
        assert_int_equal(sim_advance(s, 8 + k), 0);
    }
    sim_free(s);
}

/* The operator's writes: in MAN through either name; in AUTO overridden
 * by the controller, and the answer is the value in force. */
static void writes_by_mode(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1, .ti = 20};
    sim_t *s = start(&wide_plant, c);
    set(s, IN_U, 5);
    ASSERT_NEAR(op_of(s), 5, 0.0);
    set(s, IN_LC + PID_OP, 2);
    ASSERT_NEAR(op_of(s), 2, 0.0);
    set(s, IN_LC + PID_MODE, 1);
    set(s, IN_LC + PID_SP, 8);
    assert_int_equal(sim_advance(s, 10), 0);
    double op = op_of(s);
    set(s, IN_U, op + 7);
    ASSERT_NEAR(op_of(s), op, 1e-12);
    set(s, IN_LC + PID_OP, op - 1);
    ASSERT_NEAR(op_of(s), op, 1e-12);
    /* Out-of-range writes are refused as always. */
    assert_int_equal(sim_set_input(s, IN_U, 2000), PDE_ERANGE);
    sim_free(s);
}

/* A start with the loop in AUTO begins at rest on the start output. */
static void starts_in_auto(void **state) {
    (void)state;
    double u[N_INPUTS], p[N_PARAMS] = {[P_K] = 2, [P_TAU] = 10};
    for (int i = 0; i < N_INPUTS; i++) u[i] = wide_tags[i].def;
    u[IN_U] = 3;                            /* given by its MV name */
    u[IN_LC + PID_MODE] = 1;
    u[IN_LC + PID_SP] = 6;
    u[IN_LC + PID_KP] = 1;
    u[IN_LC + PID_TI] = 20;
    sim_t *s = sim_new(&wide_plant, u, p);
    assert_non_null(s);
    ASSERT_NEAR(op_of(s), 3, 0.0);
    assert_int_equal(sim_advance(s, 500), 0);
    ASSERT_NEAR(op_of(s), 3, 1e-9);
    ASSERT_NEAR(y_of(s), 6, 1e-9);
    sim_free(s);
}

/* The sample size does not change the answer: 1 s and 25 s chunks, with
 * setpoint changes on shared instants. */
static void sample_size_does_not_matter(void **state) {
    (void)state;
    setup_t c = {.K = 2, .tau = 10, .u0 = 3, .kp = 1.2, .ti = 15, .td = 1};
    sim_t *fine = start(&narrow_plant, c), *coarse = start(&narrow_plant, c);
    set(fine, IN_LC + PID_MODE, 1);
    set(coarse, IN_LC + PID_MODE, 1);
    for (int n = 1; n <= 40; n++) {
        if (n % 10 == 1) {
            double r = n % 20 == 1 ? 15 : 4;   /* includes saturation */
            set(fine, IN_LC + PID_SP, r);
            set(coarse, IN_LC + PID_SP, r);
        }
        for (int k = 1; k <= 25; k++) assert_int_equal(sim_advance(fine, (n - 1) * 25 + k), 0);
        assert_int_equal(sim_advance(coarse, n * 25), 0);
        ASSERT_NEAR_AT(n * 25, y_of(fine), y_of(coarse), 1e-5);
        ASSERT_NEAR_AT(n * 25, op_of(fine), op_of(coarse), 1e-5);
    }
    sim_free(fine);
    sim_free(coarse);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_at_rest_in_manual),
        cmocka_unit_test(p_only_setpoint_step),
        cmocka_unit_test(pi_setpoint_step),
        cmocka_unit_test(pi_rejects_disturbance),
        cmocka_unit_test(filtered_derivative_open_loop),
        cmocka_unit_test(no_derivative_kick_on_setpoint),
        cmocka_unit_test(anti_windup),
        cmocka_unit_test(bumpless_manual_to_auto),
        cmocka_unit_test(bumpless_auto_to_manual),
        cmocka_unit_test(bumpless_retuning),
        cmocka_unit_test(writes_by_mode),
        cmocka_unit_test(starts_in_auto),
        cmocka_unit_test(sample_size_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
