/* quadruple_tank.c - Johansson's quadruple-tank process: four interacting
 * tanks, two pumps, two three-way valves; a multivariable zero whose sign
 * the valves set.
 *
 *   A1·dh1/dt = −a1·√(2g·h1) + a3·√(2g·h3) + γ1·k1·v1
 *   A2·dh2/dt = −a2·√(2g·h2) + a4·√(2g·h4) + γ2·k2·v2
 *   A3·dh3/dt = −a3·√(2g·h3) + (1 − γ2)·k2·v2
 *   A4·dh4/dt = −a4·√(2g·h4) + (1 − γ1)·k1·v1
 *   y1 = kc·h1,  y2 = kc·h2
 *
 * States h1..h4 (cm; tanks 1, 2 at the bottom, 3, 4 above them), time in
 * seconds. Inputs: pump voltages v1, v2 (V, 0-10), valve splits γ1, γ2
 * (fraction of pump i's flow to the lower tank i). Outputs h1..h4, y1, y2
 * (V), and per tank a limit flag.
 * A1 = A3 = 28 cm², A2 = A4 = 32 cm², a1 = a3 = 0.071 cm²,
 * a2 = a4 = 0.057 cm², kc = 0.50 V/cm, g = 981 cm/s².
 * Operating points (parameter operating_point):
 *   0  P−, minimum phase (default): v1 = v2 = 3.00 V, k1 = 3.33,
 *      k2 = 3.35 cm³/(V·s), γ1 = 0.70, γ2 = 0.60;
 *   1  P+, non-minimum phase: v1 = v2 = 3.15 V, k1 = 3.14, k2 = 3.29,
 *      γ1 = 0.43, γ2 = 0.34.
 * With operating_point = 1, each of v1, v2, γ1, γ2 still at its P− default
 * when the simulation starts takes its P+ value (a value given explicitly
 * stays), and k1, k2 are P+'s.
 *
 * Tank limits: each tank is 20 cm tall. A full tank overflows (what does not
 * fit spills to the basin: dh/dt is cut to 0 at 20 cm) and an empty one
 * stays empty (dh/dt >= 0 at 0 cm), so levels stay in [0, 20] cm; outputs
 * are clamped there and hN_limit says +1 (overflowing), −1 (empty) or 0.
 * This limit is not in the source, whose lab tanks were run inside them.
 *
 * Level loops (pid.h), both in MAN at start: LC1 holds h1 with v1, LC2
 * holds h2 with v2 (decentralised, the diagonal pairing of the source).
 * Their default tuning is Johansson's P− PI settings, K = 3.0 and 2.7 V/V on
 * y1, y2 with Ti = 30 s and 40 s, i.e. KP = 1.5 and 1.35 V/cm on the levels
 * (quoted from memory of the paper: check before relying on it). A
 * setpoint left at its default starts at the level at the start, so a
 * switch to AUTO alone does not move anything. v1 and LC1.OP (v2 and
 * LC2.OP) are one quantity under two names.
 *
 * Source: K. H. Johansson, "The quadruple-tank process: a multivariable
 * laboratory process with an adjustable zero", IEEE Transactions on Control
 * Systems Technology 8(3) (2000) 456-465; the parameters as in MODELS.md.
 * Steady levels: P− h ≈ (12.26, 12.78, 1.63, 1.41) cm, P+ h ≈ (12.44,
 * 13.17, 4.73, 4.99) cm by the balance (the paper's measured values are
 * (12.4, 12.7, 1.8, 1.4) and (12.6, 13.0, 4.8, 4.9)).
 *
 * Not stiff: the time constants are 20-100 s at the operating points. A
 * tank draining to empty has an infinitely fast mode at h = 0 (the √h
 * outflow), which CVODE meets with small steps for a moment. */
#include <math.h>
#include <stddef.h>

#include "library.h"
#include "model/pid.h"

enum {
    IN_V1,
    IN_V2,
    IN_GAMMA1,
    IN_GAMMA2,
    IN_LC1,                             /* LC1.SP .. LC1.TD */
    IN_LC2 = IN_LC1 + PID_N_INPUTS,     /* LC2.SP .. LC2.TD */
    N_INPUTS = IN_LC2 + PID_N_INPUTS,
};
enum {
    OUT_H1,
    OUT_H2,
    OUT_H3,
    OUT_H4,
    OUT_Y1,
    OUT_Y2,
    OUT_LC1_PV,
    OUT_LC2_PV,
    OUT_H1_LIMIT,   /* .. OUT_H4_LIMIT */
    N_OUTPUTS = OUT_H1_LIMIT + 4,
};
enum { H1, H2, H3, H4, S_LC1, S_LC2 = S_LC1 + PID_N_STATES, N_STATES = S_LC2 + PID_N_STATES };
enum { P_OPERATING_POINT, N_PARAMS };

#define H_MAX 20.0      /* cm, tank height */
#define G 981.0         /* cm/s² */
#define KC 0.50         /* V/cm */

static const double area[4] = {28, 32, 28, 32};           /* A1..A4, cm² */
static const double outlet[4] = {0.071, 0.057, 0.071, 0.057}; /* a1..a4, cm² */

typedef struct operating_point {
    double v1, v2, k1, k2, gamma1, gamma2;
} operating_point_t;

static const operating_point_t p_minus = {3.00, 3.00, 3.33, 3.35, 0.70, 0.60};
static const operating_point_t p_plus = {3.15, 3.15, 3.14, 3.29, 0.43, 0.34};

static const tag_def_t tags[] = {
    [IN_V1] = {"v1", TAG_INPUT, "V", 0, 10, 3.00,
               "voltage of pump 1 (feeds tank 1 and, through valve 1, tank 4); the output of LC1"},
    [IN_V2] = {"v2", TAG_INPUT, "V", 0, 10, 3.00,
               "voltage of pump 2 (feeds tank 2 and, through valve 2, tank 3); the output of LC2"},
    [IN_GAMMA1] = {"gamma1", TAG_INPUT, "1", 0, 1, 0.70,
                   "valve 1 split: fraction of pump 1's flow to tank 1, the rest to tank 4"},
    [IN_GAMMA2] = {"gamma2", TAG_INPUT, "1", 0, 1, 0.60,
                   "valve 2 split: fraction of pump 2's flow to tank 2, the rest to tank 3"},
    PID_INPUT_TAGS("LC1", "tank 1 level loop (v1)", "cm", 0, H_MAX, 12.26, "V", 0, 10, 3.00,
                   0, "V/cm", 20, 1.5, "s", 1000, 30, 0),
    PID_INPUT_TAGS("LC2", "tank 2 level loop (v2)", "cm", 0, H_MAX, 12.78, "V", 0, 10, 3.00,
                   0, "V/cm", 20, 1.35, "s", 1000, 40, 0),
    [N_INPUTS + OUT_H1] = {"h1", TAG_OUTPUT, "cm", 0, H_MAX, 0, "level in tank 1 (lower left)"},
    [N_INPUTS + OUT_H2] = {"h2", TAG_OUTPUT, "cm", 0, H_MAX, 0, "level in tank 2 (lower right)"},
    [N_INPUTS + OUT_H3] = {"h3", TAG_OUTPUT, "cm", 0, H_MAX, 0,
                           "level in tank 3 (upper left, drains into tank 1)"},
    [N_INPUTS + OUT_H4] = {"h4", TAG_OUTPUT, "cm", 0, H_MAX, 0,
                           "level in tank 4 (upper right, drains into tank 2)"},
    [N_INPUTS + OUT_Y1] = {"y1", TAG_OUTPUT, "V", 0, KC * H_MAX, 0,
                           "level sensor signal of tank 1, kc·h1"},
    [N_INPUTS + OUT_Y2] = {"y2", TAG_OUTPUT, "V", 0, KC * H_MAX, 0,
                           "level sensor signal of tank 2, kc·h2"},
    [N_INPUTS + OUT_LC1_PV] = PID_PV_TAG("LC1", "tank 1 level loop (h1)", "cm", 0, H_MAX),
    [N_INPUTS + OUT_LC2_PV] = PID_PV_TAG("LC2", "tank 2 level loop (h2)", "cm", 0, H_MAX),
    [N_INPUTS + OUT_H1_LIMIT] = {"h1_limit", TAG_OUTPUT, "1", -1, 1, -1,
                                 "tank 1 at a limit: +1 overflowing (20 cm), -1 empty, 0 in between"},
    [N_INPUTS + OUT_H1_LIMIT + 1] = {"h2_limit", TAG_OUTPUT, "1", -1, 1, -1,
                                     "tank 2 at a limit: +1 overflowing (20 cm), -1 empty, 0 in between"},
    [N_INPUTS + OUT_H1_LIMIT + 2] = {"h3_limit", TAG_OUTPUT, "1", -1, 1, -1,
                                     "tank 3 at a limit: +1 overflowing (20 cm), -1 empty, 0 in between"},
    [N_INPUTS + OUT_H1_LIMIT + 3] = {"h4_limit", TAG_OUTPUT, "1", -1, 1, -1,
                                     "tank 4 at a limit: +1 overflowing (20 cm), -1 empty, 0 in between"},
};

static const param_def_t params[N_PARAMS] = {
    [P_OPERATING_POINT] = {"operating_point", "1", 0, 0, 1,
                           "0 = P− (minimum phase, default), 1 = P+ (non-minimum phase): "
                           "sets the pump constants and the start values of v1, v2, gamma1, "
                           "gamma2 left at their defaults"},
};

static const pid_def_t lc1 = {.first_input = IN_LC1, .mv = IN_V1, .state = S_LC1,
                              .action = PID_REVERSE};
static const pid_def_t lc2 = {.first_input = IN_LC2, .mv = IN_V2, .state = S_LC2,
                              .action = PID_REVERSE};

static const operating_point_t *operating_point(const double *p) {
    return p[P_OPERATING_POINT] >= 0.5 ? &p_plus : &p_minus;
}

static double clamp_level(double h) { return fmin(fmax(h, 0.0), H_MAX); }

/* Outflow of tank i (cm³/s) at level h. */
static double outflow(int i, double h) { return outlet[i] * sqrt(2 * G * clamp_level(h)); }

/* ---------------------------- equations ---------------------------- */

static int rhs(const model_t *m, double t, const double *x, const model_io_t *io,
               double *dxdt) {
    (void)t;
    const double *u = io->u;
    const operating_point_t *op = operating_point(io->p);
    double v1 = pid_op(m, &lc1, x, u, clamp_level(x[H1]));
    double v2 = pid_op(m, &lc2, x, u, clamp_level(x[H2]));
    double g1 = u[IN_GAMMA1], g2 = u[IN_GAMMA2];
    double q1 = op->k1 * v1, q2 = op->k2 * v2;     /* pump flows, cm³/s */
    double out[4];
    for (int i = 0; i < 4; i++) out[i] = outflow(i, x[H1 + i]);
    double net[4] = {
        -out[0] + out[2] + g1 * q1,
        -out[1] + out[3] + g2 * q2,
        -out[2] + (1 - g2) * q2,
        -out[3] + (1 - g1) * q1,
    };
    for (int i = 0; i < 4; i++) {
        double h = x[H1 + i], dh = net[i] / area[i];
        /* At a limit the level stops. The solver's step may carry the state
         * past it by a few 1e-4 cm, where it stays until the flows turn
         * (and drains in milliseconds); the outputs are clamped. */
        if ((h >= H_MAX && dh > 0) || (h <= 0 && dh < 0)) dh = 0;
        dxdt[H1 + i] = dh;
    }
    pid_rhs(m, &lc1, x, u, clamp_level(x[H1]), dxdt);
    pid_rhs(m, &lc2, x, u, clamp_level(x[H2]), dxdt);
    return 0;
}

/* Within this of a limit a tank counts as at it: the integrator holds a
 * tank at a limit to within its tolerances, not exactly. */
#define LIMIT_BAND 1e-6

static double limit_flag(double h) {
    if (h >= H_MAX - LIMIT_BAND) return 1;
    if (h <= LIMIT_BAND) return -1;
    return 0;
}

static void outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                    double *y) {
    (void)m;
    (void)t;
    (void)io;
    for (int i = 0; i < 4; i++) {
        y[OUT_H1 + i] = clamp_level(x[H1 + i]);
        y[OUT_H1_LIMIT + i] = limit_flag(x[H1 + i]);
    }
    y[OUT_Y1] = KC * y[OUT_H1];
    y[OUT_Y2] = KC * y[OUT_H2];
    y[OUT_LC1_PV] = y[OUT_H1];
    y[OUT_LC2_PV] = y[OUT_H2];
}

/* ---------------------------- start ---------------------------- */

/* The level at which outflow i equals inflow q, or H_MAX if the tank
 * cannot hold it (it overflows). */
static double balance_level(int i, double q) {
    double h = q / outlet[i];
    return fmin(h * h / (2 * G), H_MAX);
}

/* The steady state for inputs u, top tanks first: what a top tank passes
 * on is its outflow at its (possibly overflowing) level. */
static void steady_levels(const double *u, const double *p, double *h) {
    const operating_point_t *op = operating_point(p);
    double q1 = op->k1 * u[IN_V1], q2 = op->k2 * u[IN_V2];
    h[H3] = balance_level(2, (1 - u[IN_GAMMA2]) * q2);
    h[H4] = balance_level(3, (1 - u[IN_GAMMA1]) * q1);
    h[H1] = balance_level(0, u[IN_GAMMA1] * q1 + outflow(2, h[H3]));
    h[H2] = balance_level(1, u[IN_GAMMA2] * q2 + outflow(3, h[H4]));
}

static void initial_state(const model_t *m, const model_io_t *io, double *x0) {
    steady_levels(io->u, io->p, x0);
    pid_init(m, &lc1, io->u, x0[H1], io->u[IN_V1], x0);
    pid_init(m, &lc2, io->u, x0[H2], io->u[IN_V2], x0);
}

/* Operating-point presets, then setpoints left at their defaults start at
 * the start levels. */
static void start_inputs(const model_t *m, double *u, const double *p) {
    if (operating_point(p) == &p_plus) {
        const struct {
            int input;
            double value;
        } preset[] = {{IN_V1, p_plus.v1}, {IN_V2, p_plus.v2},
                      {IN_GAMMA1, p_plus.gamma1}, {IN_GAMMA2, p_plus.gamma2}};
        for (size_t k = 0; k < sizeof preset / sizeof preset[0]; k++)
            if (u[preset[k].input] == m->tags[preset[k].input].def)
                u[preset[k].input] = preset[k].value;
    }
    double h[4];
    steady_levels(u, p, h);
    if (u[IN_LC1 + PID_SP] == m->tags[IN_LC1 + PID_SP].def) u[IN_LC1 + PID_SP] = h[H1];
    if (u[IN_LC2 + PID_SP] == m->tags[IN_LC2 + PID_SP].def) u[IN_LC2 + PID_SP] = h[H2];
}

static void sync(const model_t *m, const model_sync_t *ev) {
    if (ev->event == MODEL_SYNC_START) {
        /* The MV's two names first (LC1.OP given -> v1), then presets. */
        pid_sync(m, &lc1, ev, 0.0);
        pid_sync(m, &lc2, ev, 0.0);
        start_inputs(m, ev->u, ev->p);
        ev->u[IN_LC1 + PID_OP] = ev->u[IN_V1];
        ev->u[IN_LC2 + PID_OP] = ev->u[IN_V2];
        return;
    }
    pid_sync(m, &lc1, ev, clamp_level(ev->x[H1]));
    pid_sync(m, &lc2, ev, clamp_level(ev->x[H2]));
}

const model_t model_quadruple_tank = {
    .id = "quadruple-tank",
    .title = "Quadruple-tank process",
    .description = "Four interconnected water tanks fed by two pumps through two three-way "
                   "valves (Johansson 2000). The valve splits place a multivariable zero: "
                   "minimum phase at operating point P− (default), non-minimum phase at P+ "
                   "(parameter operating_point = 1). Two PI level loops on the lower tanks, "
                   "in manual at start. Tanks are 20 cm tall: they overflow and run empty.",
    .tags = tags,
    .n_inputs = N_INPUTS,
    .n_outputs = N_OUTPUTS,
    .params = params,
    .n_params = N_PARAMS,
    .n_states = N_STATES,
    .time_unit = 1.0,
    .step = 1.0,
    .stiff = 0,
    .initial_state = initial_state,
    .rhs = rhs,
    .outputs = outputs,
    .sync = sync,
};
