/* spring_damper_split.c - the spring-damper as the original demo ran it:
 * two parts, a velocity integrator and a position integrator, on different
 * workers, exchanging the state over Redis streams at every step
 * (src/cosim/ moves the messages).
 *
 *     velocity part:  v⁺ = v + (h/m)·(F − k·x − c·v),  t⁺ = t + h
 *     position part:  x⁺ = x + h·v⁺                       c = 2·ζ·√(k·m)
 *
 * a semi-implicit (symplectic) Euler step with a fixed communication step
 * h; x in m, v in m/s, t and h in s, F in N. Source: the original Redis
 * streams demo, as described in MODELS.md; defaults m = 1 kg, k = 1 N/m,
 * ζ = 0.01, h = 0.1 s, x(0) = 0, v(0) = 1 m/s, 1000 cycles (100 s).
 *
 * Stability: the undamped scheme is stable only for h·ω < 2 (ω = √(k/m));
 * sd_split_check() refuses parameters outside it. Not an ODE for CVODE:
 * the step is the model. */
#include <math.h>
#include <stddef.h>

#include "library.h"
#include "model/split.h"

enum { P_M, P_K, P_ZETA, P_X0, P_V0, P_H, N_PARAMS };

static const param_def_t params[N_PARAMS] = {
    [P_M] = {"m", "kg", 1.0, 0.1, 100, "mass"},
    [P_K] = {"k", "N/m", 1.0, 0.1, 100, "spring constant"},
    [P_ZETA] = {"zeta", "1", 0.01, 0, 2, "damping ratio: c = 2·ζ·√(k·m)"},
    [P_X0] = {"x0", "m", 0.0, -10, 10, "initial position"},
    [P_V0] = {"v0", "m/s", 1.0, -10, 10, "initial velocity"},
    [P_H] = {"h", "s", 0.1, 0.001, 1, "communication step: the parts exchange the state "
                                      "once per step"},
};

sd_state_t sd_split_velocity(const sd_params_t *p, double F, sd_state_t in) {
    double c = 2 * p->zeta * sqrt(p->k * p->m);
    sd_state_t out = in;
    out.v = in.v + (p->h / p->m) * (F - p->k * in.x - c * in.v);
    out.t = in.t + p->h;
    return out;
}

sd_state_t sd_split_position(const sd_params_t *p, sd_state_t in) {
    sd_state_t out = in;
    out.x = in.x + p->h * in.v;
    return out;
}

const char *sd_split_check(const sd_params_t *p) {
    if (!(p->h * sqrt(p->k / p->m) < 2))
        return "h·√(k/m) must be below 2, or the split scheme is unstable";
    return NULL;
}

sd_params_t sd_split_params(const double *model_params) {
    return (sd_params_t){model_params[P_M], model_params[P_K], model_params[P_ZETA],
                         model_params[P_H]};
}

sd_state_t sd_split_start(const double *model_params) {
    return (sd_state_t){model_params[P_X0], model_params[P_V0], 0.0};
}

const model_t model_spring_damper_split = {
    .id = "spring-damper-split",
    .title = "Spring-damper, co-simulated in two parts",
    .description = "The spring-damper as the original Redis streams demo ran it: a velocity "
                   "integrator and a position integrator on two different workers pass the "
                   "state to each other over Redis streams at every step (semi-implicit "
                   "Euler, h = 0.1 s). Runs 1000 steps (100 s) unless told otherwise.",
    /* The spring-damper's own, so clients treat both alike. */
    .tags = spring_damper_tags,
    .n_inputs = 1,
    .n_outputs = 2,
    .params = params,
    .n_params = N_PARAMS,
    .n_states = 0,
    .time_unit = 1.0,
    .step = 0.1,
    .default_duration = 100.0,
    .split = 1,
};
