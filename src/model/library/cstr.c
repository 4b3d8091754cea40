/* cstr.c - exothermic first-order irreversible reaction A -> B in a
 * continuous stirred-tank reactor with a cooling jacket.
 *
 *   dCA/dt = (q/V)·(CAf − CA) − k0·exp(−E/(R·T))·CA
 *   dT/dt  = (q/V)·(Tf − T) + (−ΔH)/(ρ·Cp)·k0·exp(−E/(R·T))·CA
 *            + UA/(V·ρ·Cp)·(Tc − T)
 *
 * States CA (mol/L), T (K); time in minutes. Inputs: Tc coolant
 * temperature (K), CAf feed concentration (mol/L), Tf feed temperature (K),
 * q feed flow (L/min). Outputs CA, T.
 * Parameters (defaults): V = 100 L, ρ = 1000 g/L, Cp = 0.239 J/(g·K),
 * −ΔH = 5×10⁴ J/mol, E/R = 8750 K, k0 = 7.2×10¹⁰ 1/min,
 * UA = 5×10⁴ J/(min·K).
 *
 * Source: Seborg, Edgar, Mellichamp & Doyle, Process Dynamics and Control;
 * Henson & Seborg, Nonlinear Process Control (Prentice Hall, 1997); the
 * parameters as in MODELS.md.
 *
 * Steady states: at the nominal inputs (Tc = 300 K, CAf = 1 mol/L,
 * Tf = 350 K, q = 100 L/min) there are three: a stable low-temperature one
 * (T ≈ 324.5 K, CA ≈ 0.877 mol/L), the saddle (CA, T) ≈ (0.5 mol/L, 350 K)
 * and an ignited one (T ≈ 369.7 K) that is an unstable focus. The model
 * starts on the lowest steady state of its initial inputs. Three steady
 * states exist for 298.1 K < Tc < 303.2 K (other inputs nominal). Raise Tc
 * past 303.2 K and the low state vanishes: the reactor runs away. Up to
 * Tc ≈ 306.2 K (a Hopf point) the ignited state is unstable and the
 * temperature swings in a limit cycle (about 330-460 K at Tc = 304 K);
 * above it the reactor settles hot (T ≈ 384 K at Tc = 310 K). Bring Tc back
 * below 303 K and it falls back to the low state, the ignited states being
 * unstable there. An operator-training case.
 *
 * Not stiff: across the input ranges the eigenvalues of the linearisation
 * stay within a few per minute (about −4.3 ± 4.7i 1/min on the ignited
 * branch at Tc = 320 K), slow next to the 1 s step. */
#include <math.h>

#include "library.h"

enum { IN_TC, IN_CAF, IN_TF, IN_Q, N_INPUTS };
enum { OUT_CA, OUT_T, N_OUTPUTS };
enum { P_V, P_RHO, P_CP, P_DH, P_ER, P_K0, P_UA, N_PARAMS };
enum { CA, T, N_STATES };

static const tag_def_t tags[] = {
    [IN_TC] = {"Tc", TAG_INPUT, "K", 250, 350, 300,
               "coolant temperature in the jacket (manipulated): above 303.2 K the reactor "
               "runs away"},
    [IN_CAF] = {"CAf", TAG_INPUT, "mol/L", 0, 2, 1.0, "concentration of A in the feed"},
    [IN_TF] = {"Tf", TAG_INPUT, "K", 300, 400, 350, "feed temperature"},
    [IN_Q] = {"q", TAG_INPUT, "L/min", 0, 200, 100, "feed (and outlet) flow"},
    [N_INPUTS + OUT_CA] = {"CA", TAG_OUTPUT, "mol/L", 0, 2, 0,
                           "concentration of A in the reactor (and its outlet)"},
    [N_INPUTS + OUT_T] = {"T", TAG_OUTPUT, "K", 250, 600, 250, "reactor temperature"},
};

static const param_def_t params[N_PARAMS] = {
    [P_V] = {"V", "L", 100, 10, 1000, "reactor volume"},
    [P_RHO] = {"rho", "g/L", 1000, 500, 2000, "density of the reacting mixture"},
    [P_CP] = {"Cp", "J/(g·K)", 0.239, 0.1, 5, "heat capacity of the reacting mixture"},
    [P_DH] = {"minus_dH", "J/mol", 5e4, 0, 2e5, "heat of reaction −ΔH (exothermic > 0)"},
    [P_ER] = {"E_over_R", "K", 8750, 1000, 20000, "activation energy over the gas constant"},
    [P_K0] = {"k0", "1/min", 7.2e10, 1e5, 1e15, "pre-exponential factor"},
    [P_UA] = {"UA", "J/(min·K)", 5e4, 0, 5e5,
              "heat-transfer coefficient times area of the jacket (lower it to foul the "
              "jacket)"},
};

/* The groups the equations use, from the parameters and inputs. */
typedef struct cstr {
    double q_over_V;    /* 1/min */
    double CAf, Tf, Tc;
    double J;           /* (−ΔH)/(ρ·Cp), K·L/mol */
    double beta;        /* UA/(V·ρ·Cp), 1/min */
    double E_over_R, k0;
} cstr_t;

static cstr_t groups(const model_io_t *io) {
    const double *p = io->p, *u = io->u;
    double rho_cp = p[P_RHO] * p[P_CP];
    return (cstr_t){
        .q_over_V = u[IN_Q] / p[P_V],
        .CAf = u[IN_CAF],
        .Tf = u[IN_TF],
        .Tc = u[IN_TC],
        .J = p[P_DH] / rho_cp,
        .beta = p[P_UA] / (p[P_V] * rho_cp),
        .E_over_R = p[P_ER],
        .k0 = p[P_K0],
    };
}

static double rate_constant(const cstr_t *c, double T) {
    return c->k0 * exp(-c->E_over_R / T);
}

/* ---------------------------- start ---------------------------- */

/* At a steady state the mass balance gives CA = a·CAf/(a + k(T)) (a = q/V);
 * what is left is the energy balance g(T) = 0. */
static double steady_CA(const cstr_t *c, double T) {
    double k = rate_constant(c, T);
    return c->q_over_V > 0 ? c->q_over_V * c->CAf / (c->q_over_V + k) : 0.0;
}

static double energy_residual(const cstr_t *c, double T) {
    return c->q_over_V * (c->Tf - T) + c->J * rate_constant(c, T) * steady_CA(c, T) +
           c->beta * (c->Tc - T);
}

/* The lowest-temperature steady state. Below min(Tf, Tc) every term of g is
 * >= 0 and g > 0; above the adiabatic bound T_hi (the reaction releases at
 * most a·CAf·J) g < 0. A scan upwards from the bottom finds the first sign
 * change, and bisection the root to round-off. */
static void initial_state(const model_t *model, const model_io_t *io, double *x0) {
    (void)model;
    cstr_t c = groups(io);
    double a = c.q_over_V, b = c.beta;
    if (!(a + b > 0)) {
        /* No flow and no cooling: nothing is steady. Start with the feed. */
        x0[CA] = c.CAf;
        x0[T] = c.Tf;
        return;
    }
    double T_lo = fmin(c.Tf, c.Tc) - 1.0;
    double T_hi = (a * c.Tf + b * c.Tc + c.J * a * c.CAf) / (a + b) + 1.0;
    const double dT = 0.25;
    double lo = T_lo, hi = T_hi;
    for (double T1 = T_lo; T1 < T_hi; T1 += dT) {
        double T2 = fmin(T1 + dT, T_hi);
        if (energy_residual(&c, T2) <= 0) {
            lo = T1;
            hi = T2;
            break;
        }
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (energy_residual(&c, mid) > 0) lo = mid;
        else hi = mid;
    }
    x0[T] = 0.5 * (lo + hi);
    x0[CA] = steady_CA(&c, x0[T]);
}

/* ---------------------------- equations ---------------------------- */

static int rhs(const model_t *model, double t, const double *x, const model_io_t *io,
               double *dxdt) {
    (void)model;
    (void)t;
    cstr_t c = groups(io);
    if (!(x[T] > 0)) return 1;
    double r = rate_constant(&c, x[T]) * x[CA];
    dxdt[CA] = c.q_over_V * (c.CAf - x[CA]) - r;
    dxdt[T] = c.q_over_V * (c.Tf - x[T]) + c.J * r + c.beta * (c.Tc - x[T]);
    return 0;
}

static void outputs(const model_t *model, double t, const double *x, const model_io_t *io,
                    double *y) {
    (void)model;
    (void)t;
    (void)io;
    y[OUT_CA] = x[CA];
    y[OUT_T] = x[T];
}

const model_t model_cstr = {
    .id = "cstr",
    .title = "Exothermic CSTR (runaway)",
    .description = "Jacketed continuous stirred-tank reactor with an exothermic first-order "
                   "reaction A -> B (Seborg et al.; Henson & Seborg 1997). Three steady "
                   "states at a coolant temperature of 300 K; it starts on the stable "
                   "low-temperature one. Raise Tc past 303.2 K and it runs away (it "
                   "oscillates up to about 306 K, settles hot above); bring Tc back below "
                   "303 K to recover.",
    .tags = tags,
    .n_inputs = N_INPUTS,
    .n_outputs = N_OUTPUTS,
    .params = params,
    .n_params = N_PARAMS,
    .n_states = N_STATES,
    .time_unit = 60.0,
    .step = 1.0,
    .stiff = 0,
    /* Tighter than the default 1e-8: a runaway leaves along an unstable
     * direction that amplifies local errors; at 1e-8 a limit cycle at
     * Tc = 305 K drifts about 1e-3 K from a 1e-13 reference within 90 min,
     * at 1e-10 below 1e-4 K, for a handful more steps on 2 states. */
    .rtol = 1e-10,
    .initial_state = initial_state,
    .rhs = rhs,
    .outputs = outputs,
};
