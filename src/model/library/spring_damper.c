/* spring_damper.c - a mass on a spring with viscous damping.
 *
 *     m·x'' + c·x' + k·x = F,    c = 2·m·ω·ζ,  ω = √(k/m)
 *
 * as two first-order equations in the states
 *     x  position (m)         dx/dt = v
 *     v  velocity (m/s)       dv/dt = (F − k·x − c·v) / m
 * input F (N), outputs x and v. Time in seconds.
 *
 * Source: the defaults of the original Redis-streams spring-damper demo
 * (see MODELS.md): m = 1 kg, k = 1 N/m, ζ = 0.01 (so c = 0.02 N·s/m),
 * x(0) = 0 m, v(0) = 1 m/s, step h = 0.1 s. The demo split the model across
 * two processes with a semi-implicit Euler scheme; this is the continuous
 * ODE, integrated accurately by CVODE.
 *
 * Not stiff: the eigenvalues are −ω(ζ ± √(ζ² − 1)). Within the parameter
 * ranges below (ω ≤ 31.6 rad/s, ζ ≤ 2) the fastest mode is at most ~14 times
 * the slowest, so Adams' accuracy needs, not stability, set the step. */
#include <math.h>

#include "library.h"

enum { IN_F };
enum { P_M, P_K, P_ZETA, P_X0, P_V0, N_PARAMS };
enum { X, V, N_STATES };

/* Output ranges cover full-scale force: F = 10 N at k = 1 N/m settles at
 * 10 m and, lightly damped, first swings out to nearly 20 m at ~10 m/s. */
const tag_def_t spring_damper_tags[3] = {
    {"F", TAG_INPUT, "N", -10, 10, 0, "external force on the mass"},
    {"x", TAG_OUTPUT, "m", -20, 20, 0, "position of the mass from the spring's rest length"},
    {"v", TAG_OUTPUT, "m/s", -20, 20, 0, "velocity of the mass"},
};

static const param_def_t params[N_PARAMS] = {
    [P_M] = {"m", "kg", 1.0, 0.1, 100, "mass"},
    [P_K] = {"k", "N/m", 1.0, 0.1, 100, "spring constant"},
    [P_ZETA] = {"zeta", "1", 0.01, 0, 2,
                "damping ratio: c = 2·m·ω·ζ, ω = √(k/m); 1 is critically damped"},
    [P_X0] = {"x0", "m", 0.0, -10, 10, "initial position"},
    [P_V0] = {"v0", "m/s", 1.0, -10, 10, "initial velocity"},
};

static void initial_state(const model_t *model, const model_io_t *io, double *x0) {
    (void)model;
    x0[X] = io->p[P_X0];
    x0[V] = io->p[P_V0];
}

static int rhs(const model_t *model, double t, const double *state, const model_io_t *io,
               double *dxdt) {
    (void)model;
    (void)t;
    double m = io->p[P_M], k = io->p[P_K], zeta = io->p[P_ZETA];
    double omega = sqrt(k / m);
    double c = 2 * m * omega * zeta;
    double x = state[X], v = state[V], F = io->u[IN_F];
    dxdt[X] = v;
    dxdt[V] = (F - k * x - c * v) / m;
    return 0;
}

static void outputs(const model_t *model, double t, const double *state,
                    const model_io_t *io, double *y) {
    (void)model;
    (void)t;
    (void)io;
    y[0] = state[X];
    y[1] = state[V];
}

const model_t model_spring_damper = {
    .id = "spring-damper",
    .title = "Spring-damper (mass on a spring)",
    .description = "A mass on a linear spring with viscous damping, pushed by an external "
                   "force: m·x'' + c·x' + k·x = F. Starts moving at 1 m/s from rest "
                   "length and rings down slowly (damping ratio 0.01).",
    .tags = spring_damper_tags,
    .n_inputs = 1,
    .n_outputs = 2,
    .params = params,
    .n_params = N_PARAMS,
    .n_states = N_STATES,
    .time_unit = 1.0,
    .step = 0.1,
    .stiff = 0,
    /* Tighter than the default 1e-8: with ζ = 0.01 the motion rings for
     * hundreds of periods and phase error adds up period after period
     * (at 1e-8 about 3e-7 m after 100 s, 1.5e-8 m at 1e-10, for ~10% more
     * right-hand-side calls). */
    .rtol = 1e-10,
    .initial_state = initial_state,
    .rhs = rhs,
    .outputs = outputs,
};
