/* ethylene_oxidation.c - partial oxidation of ethylene to ethylene oxide in
 * a non-isothermal gas-phase CSTR, in dimensionless form.
 *
 *   r1 = exp(γ1/x4)·(x2·x4)^0.5      ethylene -> ethylene oxide
 *   r2 = exp(γ2/x4)·(x2·x4)^0.25     ethylene -> CO2 + H2O (combustion)
 *   r3 = exp(γ3/x4)·(x3·x4)^0.5      ethylene oxide -> CO2 + H2O
 *   dx1/dt = u1·(1 − x1·x4)
 *   dx2/dt = u1·(u2 − x2·x4) − A1·r1 − A2·r2
 *   dx3/dt = −u1·x3·x4 + A1·r1 − A3·r3
 *   dx4/dt = [u1·(1 − x4) + B1·r1 + B2·r2 + B3·r3 − B4·(x4 − Tc)] / x1
 *
 * States (all dimensionless): x1 gas density, x2 ethylene concentration,
 * x3 ethylene-oxide concentration, x4 temperature. Inputs: u1 volumetric
 * feed flow (tag Q), u2 ethylene concentration in the feed (tag Cf), Tc
 * coolant temperature. Outputs: the four states, the ethylene-oxide
 * production rate u1·x3·x4 (eo_rate) and the yield x3·x4/u2.
 * γ1 = −8.13, γ2 = −7.12, γ3 = −11.07; A1 = 92.80, A2 = 12.66,
 * A3 = 2412.71; B1 = 7.32, B2 = 10.39, B3 = 2170.57, B4 = 7.02.
 * Time is dimensionless; one unit is one simulated second.
 *
 * Source: Özgülşen, Adomaitis & Çinar, "A numerical method for determining
 * optimal parameter values in forced periodic operation", Chemical
 * Engineering Science 47 (1992) 605-613, as used in many nonlinear and
 * economic MPC studies; the parameters as in MODELS.md.
 *
 * Nominal point u1 = 0.35, u2 = 0.5, Tc = 1.0: steady state
 * x ≈ [0.998, 0.4235, 0.0320, 1.0020]. The model starts at the steady state
 * of its initial inputs, found by Newton's method continued from the
 * nominal point.
 *
 * Stiff (MODELS.md): integrated with CVODE BDF. At the nominal point the
 * eigenvalues are about −0.35, −0.38, −0.46 and −7.3 per unit: the
 * temperature is some 20 times faster than the compositions, more at high
 * feed temperatures and flows. */
#include <math.h>
#include <string.h>

#include "library.h"
#include "model/linalg.h"

enum { IN_Q, IN_CF, IN_TC, N_INPUTS };
enum { OUT_X1, OUT_X2, OUT_X3, OUT_X4, OUT_EO_RATE, OUT_YIELD, N_OUTPUTS };
enum { X1, X2, X3, X4, N_STATES };

#define GAMMA1 (-8.13)
#define GAMMA2 (-7.12)
#define GAMMA3 (-11.07)
#define A1 92.80
#define A2 12.66
#define A3 2412.71
#define B1 7.32
#define B2 10.39
#define B3 2170.57
#define B4 7.02

#define U1_NOMINAL 0.35
#define U2_NOMINAL 0.5
#define TC_NOMINAL 1.0

static const tag_def_t tags[] = {
    [IN_Q] = {"Q", TAG_INPUT, "1", 0.0704, 0.7042, U1_NOMINAL,
              "volumetric feed flow u1 (dimensionless, manipulated)"},
    [IN_CF] = {"Cf", TAG_INPUT, "1", 0.1, 3.0, U2_NOMINAL,
               "ethylene concentration in the feed u2 (dimensionless)"},
    [IN_TC] = {"Tc", TAG_INPUT, "1", 0.9, 1.2, TC_NOMINAL,
               "coolant temperature (dimensionless, 1 = the feed temperature)"},
    [N_INPUTS + OUT_X1] = {"x1", TAG_OUTPUT, "1", 0, 2, 0, "gas density in the reactor"},
    [N_INPUTS + OUT_X2] = {"x2", TAG_OUTPUT, "1", 0, 3, 0, "ethylene concentration"},
    [N_INPUTS + OUT_X3] = {"x3", TAG_OUTPUT, "1", 0, 1, 0, "ethylene-oxide concentration"},
    [N_INPUTS + OUT_X4] = {"x4", TAG_OUTPUT, "1", 0.5, 2, 0.5,
                           "reactor temperature (1 = the feed temperature)"},
    [N_INPUTS + OUT_EO_RATE] = {"eo_rate", TAG_OUTPUT, "1", 0, 1, 0,
                                "ethylene-oxide production rate u1·x3·x4"},
    [N_INPUTS + OUT_YIELD] = {"yield", TAG_OUTPUT, "1", 0, 1, 0,
                              "yield of ethylene oxide on ethylene fed, x3·x4/u2"},
};

/* ---------------------------- equations ---------------------------- */

static void derivatives(const double *x, double u1, double u2, double Tc, double *dxdt) {
    /* Concentrations are >= 0; a solver's trial point slightly below must
     * not make a root of a negative number. */
    double c2 = fmax(x[X2] * x[X4], 0.0), c3 = fmax(x[X3] * x[X4], 0.0);
    double r1 = exp(GAMMA1 / x[X4]) * sqrt(c2);
    double r2 = exp(GAMMA2 / x[X4]) * sqrt(sqrt(c2));
    double r3 = exp(GAMMA3 / x[X4]) * sqrt(c3);
    dxdt[X1] = u1 * (1 - x[X1] * x[X4]);
    dxdt[X2] = u1 * (u2 - x[X2] * x[X4]) - A1 * r1 - A2 * r2;
    dxdt[X3] = -u1 * x[X3] * x[X4] + A1 * r1 - A3 * r3;
    dxdt[X4] = (u1 * (1 - x[X4]) + B1 * r1 + B2 * r2 + B3 * r3 - B4 * (x[X4] - Tc)) / x[X1];
}

static int rhs(const model_t *model, double t, const double *x, const model_io_t *io,
               double *dxdt) {
    (void)model;
    (void)t;
    if (!(x[X1] > 0) || !(x[X4] > 0)) return 1;
    derivatives(x, io->u[IN_Q], io->u[IN_CF], io->u[IN_TC], dxdt);
    return 0;
}

static void outputs(const model_t *model, double t, const double *x, const model_io_t *io,
                    double *y) {
    (void)model;
    (void)t;
    for (int i = 0; i < N_STATES; i++) y[OUT_X1 + i] = x[i];
    y[OUT_EO_RATE] = io->u[IN_Q] * x[X3] * x[X4];
    y[OUT_YIELD] = x[X3] * x[X4] / io->u[IN_CF];
}

/* ---------------------------- start ---------------------------- */

typedef struct steady_inputs {
    double u1, u2, Tc;
} steady_inputs_t;

static int steady_residual(const double *x, double *f, void *arg) {
    const steady_inputs_t *in = arg;
    if (!(x[X1] > 0) || !(x[X4] > 0) || x[X2] < 0 || x[X3] < 0) return 1;
    derivatives(x, in->u1, in->u2, in->Tc, f);
    return 0;
}

/* The steady state of the initial inputs: Newton's method from the nominal
 * steady state, continued along a straight line from the nominal inputs in
 * steps that halve while Newton fails, so the start follows the branch the
 * nominal point is on. If even that fails (it has not, over the input
 * ranges), the model starts from the nominal steady state and settles. */
static void initial_state(const model_t *model, const model_io_t *io, double *x0) {
    (void)model;
    const double nominal_guess[N_STATES] = {0.998, 0.424, 0.032, 1.002};
    const double tol = 1e-13;
    steady_inputs_t nominal = {U1_NOMINAL, U2_NOMINAL, TC_NOMINAL};
    steady_inputs_t target = {io->u[IN_Q], io->u[IN_CF], io->u[IN_TC]};
    double x[N_STATES];
    memcpy(x, nominal_guess, sizeof x);
    model__newton(N_STATES, steady_residual, &nominal, x, tol, 50);
    memcpy(x0, x, sizeof x);
    double done = 0.0, step = 1.0;
    while (done < 1.0 && step > 1e-4) {
        double s = fmin(1.0, done + step);
        steady_inputs_t in = {
            nominal.u1 + s * (target.u1 - nominal.u1),
            nominal.u2 + s * (target.u2 - nominal.u2),
            nominal.Tc + s * (target.Tc - nominal.Tc),
        };
        double trial[N_STATES];
        memcpy(trial, x, sizeof x);
        if (model__newton(N_STATES, steady_residual, &in, trial, tol, 50) == 0) {
            memcpy(x, trial, sizeof x);
            done = s;
            step *= 2;
        } else {
            step *= 0.5;
        }
    }
    if (done >= 1.0) memcpy(x0, x, sizeof x);
}

const model_t model_ethylene_oxidation = {
    .id = "ethylene-oxidation",
    .title = "Ethylene oxidation reactor",
    .description = "Non-isothermal CSTR making ethylene oxide from ethylene and oxygen, with "
                   "two side reactions burning ethylene and the product (Özgülşen, "
                   "Adomaitis & Çinar 1992), in dimensionless form: a classic nonlinear and "
                   "economic MPC benchmark. Inputs: feed flow, feed ethylene, coolant "
                   "temperature. Starts at the steady state of its inputs.",
    .tags = tags,
    .n_inputs = N_INPUTS,
    .n_outputs = N_OUTPUTS,
    .params = NULL,
    .n_params = 0,
    .n_states = N_STATES,
    .time_unit = 1.0,
    .step = 1.0,
    .stiff = 1,
    .initial_state = initial_state,
    .rhs = rhs,
    .outputs = outputs,
};
