/* wood_berry.c - the Wood & Berry binary distillation column (methanol-water),
 * a 2x2 process with dead times.
 *
 *   xD = 12.8·e^(−s) /(16.7s+1)·R − 18.9·e^(−3s)/(21.0s+1)·S + 3.8·e^(−8.1s)/(14.9s+1)·F
 *   xB =  6.6·e^(−7s)/(10.9s+1)·R − 19.4·e^(−3s)/(14.4s+1)·S + 4.9·e^(−3.4s)/(13.2s+1)·F
 *
 * in deviation variables; time constants τ and dead times θ in minutes:
 *   R   reflux flow (lb/min), manipulated
 *   S   steam flow to the reboiler (lb/min), manipulated
 *   F   feed flow (lb/min), disturbance
 *   xD  distillate methanol (mol %), xB  bottoms methanol (mol %)
 * Nominal point: R = 1.95, S = 1.71, F = 2.45 lb/min; xD = 96.25, xB = 0.50.
 * Inputs and outputs are absolute; the model works on deviations from the
 * nominal point.
 *
 * Realisation: one first-order state per transfer function ("path"),
 *     τ·dx/dt = K·(u(t − θ) − u_nominal) − x,
 * each driven by its own exactly delayed input (delay_defs, no Padé), and
 * xD, xB = nominal + the sum of the paths into them. The linear model holds
 * near the nominal point; outputs are not clamped, so large input moves can
 * take them out of 0..100 %.
 *
 * Source: R. K. Wood and M. W. Berry, "Terminal composition control of a
 * binary distillation column", Chemical Engineering Science 28 (1973)
 * 1707-1717; the parameters as tabled in MODELS.md.
 *
 * Not stiff: the time constants are 10.9 to 21 minutes. */
#include <stddef.h>

#include "library.h"

enum { IN_R, IN_S, IN_F, N_INPUTS };
enum { OUT_XD, OUT_XB, N_OUTPUTS };

#define XD_NOMINAL 96.25 /* mol % */
#define XB_NOMINAL 0.50  /* mol % */

/* The six transfer functions K·e^(−θs)/(τs + 1), one state each.
 *     state   input  output  K      τ (min)  θ (min) */
#define WOOD_BERRY_PATHS(XX)                                                   \
    XX(R_XD, IN_R, OUT_XD, 12.8, 16.7, 1.0)                                    \
    XX(S_XD, IN_S, OUT_XD, -18.9, 21.0, 3.0)                                   \
    XX(F_XD, IN_F, OUT_XD, 3.8, 14.9, 8.1)                                     \
    XX(R_XB, IN_R, OUT_XB, 6.6, 10.9, 7.0)                                     \
    XX(S_XB, IN_S, OUT_XB, -19.4, 14.4, 3.0)                                   \
    XX(F_XB, IN_F, OUT_XB, 4.9, 13.2, 3.4)

enum {
#define XX(state, input, output, K, tau, theta) state,
    WOOD_BERRY_PATHS(XX)
#undef XX
    N_PATHS
};

typedef struct path {
    int input, output;
    double K, tau;
} path_t;

static const path_t paths[N_PATHS] = {
#define XX(state, input, output, K, tau, theta) [state] = {input, output, K, tau},
    WOOD_BERRY_PATHS(XX)
#undef XX
};

/* Delay k feeds path k, so io->ud[k] is the delayed input of state k. */
static const delay_def_t delays[N_PATHS] = {
#define XX(state, input, output, K, tau, theta) [state] = {input, theta},
    WOOD_BERRY_PATHS(XX)
#undef XX
};

/* The defaults are the nominal point, so the deviations are measured from
 * each input's default. */
static const tag_def_t tags[] = {
    [IN_R] = {"R", TAG_INPUT, "lb/min", 0, 4, 1.95, "reflux flow (manipulated)"},
    [IN_S] = {"S", TAG_INPUT, "lb/min", 0, 4, 1.71, "steam flow to the reboiler (manipulated)"},
    [IN_F] = {"F", TAG_INPUT, "lb/min", 0, 5, 2.45, "feed flow (disturbance)"},
    [N_INPUTS + OUT_XD] = {"xD", TAG_OUTPUT, "mol %", 0, 100, XD_NOMINAL,
                           "methanol in the distillate (top product)"},
    [N_INPUTS + OUT_XB] = {"xB", TAG_OUTPUT, "mol %", 0, 100, XB_NOMINAL,
                           "methanol in the bottoms (bottom product)"},
};

static double input_nominal(int input) { return tags[input].def; }

/* The steady state for the initial inputs, so the delay lines' past (the
 * initial inputs held forever) and the state agree: zeros at the nominal
 * point. */
static void initial_state(const model_t *model, const model_io_t *io, double *x0) {
    (void)model;
    for (int k = 0; k < N_PATHS; k++)
        x0[k] = paths[k].K * (io->u[paths[k].input] - input_nominal(paths[k].input));
}

static int rhs(const model_t *model, double t, const double *x, const model_io_t *io,
               double *dxdt) {
    (void)model;
    (void)t;
    for (int k = 0; k < N_PATHS; k++) {
        const path_t *p = &paths[k];
        double u_delayed = io->ud[k] - input_nominal(p->input);
        dxdt[k] = (p->K * u_delayed - x[k]) / p->tau;
    }
    return 0;
}

static void outputs(const model_t *model, double t, const double *x, const model_io_t *io,
                    double *y) {
    (void)model;
    (void)t;
    (void)io;
    y[OUT_XD] = XD_NOMINAL;
    y[OUT_XB] = XB_NOMINAL;
    for (int k = 0; k < N_PATHS; k++) y[paths[k].output] += x[k];
}

const model_t model_wood_berry = {
    .id = "wood-berry",
    .title = "Wood-Berry distillation column",
    .description = "Methanol-water column of Wood & Berry (1973): reflux and steam set the "
                   "top and bottom compositions, feed flow disturbs them, each through a "
                   "first-order lag with dead time (minutes). Linear around the nominal "
                   "point R = 1.95, S = 1.71, F = 2.45 lb/min.",
    .tags = tags,
    .n_inputs = N_INPUTS,
    .n_outputs = N_OUTPUTS,
    .params = NULL,
    .n_params = 0,
    .delays = delays,
    .n_delays = N_PATHS,
    .n_states = N_PATHS,
    .time_unit = 60.0,
    .step = 1.0,
    .stiff = 0,
    .initial_state = initial_state,
    .rhs = rhs,
    .outputs = outputs,
};
