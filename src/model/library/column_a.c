/* column_a.c - Skogestad's "Column A": a binary distillation column with 40
 * theoretical stages and a total condenser, in the LV configuration with
 * its two levels under P control.
 *
 * Stages i = 1..NT, NT = 41: stage 1 is the reboiler, NT the total
 * condenser, the feed enters stage NF = 21. Constant relative volatility α,
 * constant molar flows, no vapour holdup, linearised liquid dynamics.
 *   y_i = α·x_i / (1 + (α − 1)·x_i)                            i = 1..NT−1
 *   V_i = VB (i < NF);  V_i = VB + (1 − qF)·F (NF <= i <= NT−1)
 *   L_i = L0b + (M_i − M0_i)/τL + λ·(V_{i−1} − V0)              i = 2..NF
 *   L_i = L0  + (M_i − M0_i)/τL + λ·(V_{i−1} − V0t)         i = NF+1..NT−1
 *   L_NT = LT
 *   stage i = 2..NT−1:
 *     dM_i/dt     = L_{i+1} − L_i + V_{i−1} − V_i            (+ F at NF)
 *     d(M_i x_i)/dt = L_{i+1}·x_{i+1} − L_i·x_i + V_{i−1}·y_{i−1} − V_i·y_i
 *                                                          (+ F·zF at NF)
 *   reboiler:  dM_1/dt = L_2 − V_1 − B;   d(M_1 x_1)/dt = L_2·x_2 − V_1·y_1 − B·x_1
 *   condenser: dM_NT/dt = V_{NT−1} − LT − D;
 *              d(M_NT x_NT)/dt = V_{NT−1}·y_{NT−1} − (LT + D)·x_NT
 *   dx_i/dt = (d(M_i x_i)/dt − x_i·dM_i/dt) / M_i
 * States: x_1..x_NT (mole fraction of the light component), then
 * M_1..M_NT (liquid holdup, kmol): the 82 states of the source, followed by
 * the two states of each level loop. Time in minutes; flows in kmol/min.
 * Parameters: α = 1.5, τL = 0.063 min, λ = 0; fixed data M0_i = 0.5 kmol,
 * F0 = 1, qF0 = 1, L0 = 2.70629, L0b = L0 + qF0·F0 = 3.70629,
 * V0 = V0t = 3.20629 kmol/min.
 *
 * Inputs: LT reflux, VB boilup, F feed, zF feed composition, qF feed liquid
 * fraction, D distillate, B bottoms. Nominal: F = 1, zF = 0.5, qF = 1,
 * LT = 2.70629, VB = 3.20629, D = B = 0.5, giving yD = 0.99, xB = 0.01 and
 * every holdup 0.5 kmol.
 *
 * Levels: the condenser and reboiler holdups integrate, so the column runs
 * in the LV configuration with two level loops (pid.h), in AUTO at start
 * and P only, as in the source: LC_D sets D = 0.5 + 10·(M_NT − 0.5) and LC_B
 * sets B = 0.5 + 10·(M_1 − 0.5) (KP = 10 (kmol/min)/kmol, direct acting,
 * TI = TD = 0, the manual reset being the nominal flow). D and LC_D.OP are
 * one quantity under two names, as are B and LC_B.OP: a write to D counts
 * when LC_D is in MAN; in AUTO, D shows the controller's output.
 *
 * Outputs: yD = x_NT, xB = x_1, condenser and reboiler holdups MD, MB, and
 * stage temperatures T_i = x_i·341.9 K + (1 − x_i)·355.4 K on every fifth
 * stage from the reboiler (T1, T6, .., T21 the feed stage, .., T41 the
 * condenser).
 *
 * Start: the steady state of the initial inputs with both drums at their
 * level setpoints: flows from the total balances, holdups from the liquid
 * flow equations, compositions by Newton's method with pseudo-transient
 * continuation on the component balances; the level loops' reset is set to
 * the flow that balances the drum. At the nominal inputs this is the
 * nominal point. A level loop started in MAN keeps the D (or B) it is
 * given, so its drum fills or drains from the start unless that flow is
 * the balancing one.
 *
 * Outside the source: two guards that never act near the operating point
 * and keep the equations meaningful when an operator in MAN empties a drum
 * or starves a stage. A stage's liquid outflow L_i is not allowed below 0;
 * the flows drawn from a drum (LT and D from the condenser drum, VB and B
 * from the reboiler) are cut in proportion as its holdup falls below
 * 0.05 kmol (a tenth of the nominal).
 *
 * Source: S. Skogestad, "Dynamics and control of distillation columns: a
 * tutorial introduction", Trans IChemE 75A (1997) 539-562; S. Skogestad and
 * I. Postlethwaite, Multivariable Feedback Control (Wiley, 1996/2005),
 * column A; the MATLAB model colamod.m / cola_lv.m. Parameters as in
 * MODELS.md.
 *
 * Stiff: the liquid dynamics (τL = 0.063 min, about 4 s) sit next to
 * composition modes of hours (the source quotes a dominant time constant of
 * about 194 min; small steps here take 180-205 min to 63%), so CVODE BDF
 * with a dense Newton solver. */
#include <math.h>
#include <string.h>

#include "library.h"
#include "model/pid.h"

#define NT 41
#define NF 21

/* Stage i (1-based, as in the equations) in the state vector. */
#define XI(i) ((i) - 1)
#define MI(i) (NT + (i) - 1)

enum {
    IN_LT,
    IN_VB,
    IN_F,
    IN_ZF,
    IN_QF,
    IN_D,
    IN_B,
    IN_LC_D,                                /* LC_D.SP .. LC_D.TD */
    IN_LC_B = IN_LC_D + PID_N_INPUTS,       /* LC_B.SP .. LC_B.TD */
    N_INPUTS = IN_LC_B + PID_N_INPUTS,
};

/* Stages whose temperature is an output: every fifth from the reboiler. */
#define N_TEMPERATURES 9
static const int temperature_stage[N_TEMPERATURES] = {1, 6, 11, 16, 21, 26, 31, 36, 41};

enum {
    OUT_YD,
    OUT_XB,
    OUT_MD,
    OUT_MB,
    OUT_LC_D_PV,
    OUT_LC_B_PV,
    OUT_T,                                  /* N_TEMPERATURES of them */
    N_OUTPUTS = OUT_T + N_TEMPERATURES,
};

enum {
    S_LC_D = 2 * NT,
    S_LC_B = S_LC_D + PID_N_STATES,
    N_STATES = S_LC_B + PID_N_STATES,
};

enum { P_ALPHA, P_TAUL, P_LAMBDA, N_PARAMS };

/* Fixed data of column A. */
#define M0 0.5              /* kmol, nominal holdup on every stage */
#define F0 1.0              /* kmol/min */
#define QF0 1.0
#define L0 2.70629          /* kmol/min */
#define L0B (L0 + QF0 * F0)
#define V0 3.20629
#define V0T (V0 + (1 - QF0) * F0)

/* Boiling points for the stage temperatures, K. */
#define T_LIGHT 341.9
#define T_HEAVY 355.4

/* Below this holdup a drum cannot deliver its full outflows. */
#define M_DRUM_LOW 0.05     /* kmol */

#define FLOW_MAX 10.0       /* kmol/min, upper range of the flow inputs */
#define PRODUCT_MAX 4.0     /* kmol/min, of D and B */

static const tag_def_t tags[] = {
    [IN_LT] = {"LT", TAG_INPUT, "kmol/min", 0, FLOW_MAX, L0,
               "reflux flow to the top stage (manipulated)"},
    [IN_VB] = {"VB", TAG_INPUT, "kmol/min", 0, FLOW_MAX, V0,
               "boilup: vapour flow from the reboiler (manipulated)"},
    [IN_F] = {"F", TAG_INPUT, "kmol/min", 0, 2, F0, "feed flow (disturbance)"},
    [IN_ZF] = {"zF", TAG_INPUT, "mol/mol", 0, 1, 0.5,
               "light component in the feed (disturbance)"},
    [IN_QF] = {"qF", TAG_INPUT, "1", 0, 1, QF0,
               "liquid fraction of the feed: 1 = saturated liquid, 0 = saturated vapour"},
    [IN_D] = {"D", TAG_INPUT, "kmol/min", 0, PRODUCT_MAX, 0.5,
              "distillate (top product) flow; set by LC_D in AUTO, writable when LC_D is in MAN"},
    [IN_B] = {"B", TAG_INPUT, "kmol/min", 0, PRODUCT_MAX, 0.5,
              "bottoms (bottom product) flow; set by LC_B in AUTO, writable when LC_B is in MAN"},
    PID_INPUT_TAGS("LC_D", "condenser level loop (holdup MD by distillate D)", "kmol", 0.1,
                   1.5, M0, "kmol/min", 0, PRODUCT_MAX, 0.5, 1, "(kmol/min)/kmol", 100, 10,
                   "min", 1000, 0, 0),
    PID_INPUT_TAGS("LC_B", "reboiler level loop (holdup MB by bottoms B)", "kmol", 0.1,
                   1.5, M0, "kmol/min", 0, PRODUCT_MAX, 0.5, 1, "(kmol/min)/kmol", 100, 10,
                   "min", 1000, 0, 0),
    [N_INPUTS + OUT_YD] = {"yD", TAG_OUTPUT, "mol/mol", 0, 1, 0,
                           "light component in the distillate (top product purity)"},
    [N_INPUTS + OUT_XB] = {"xB", TAG_OUTPUT, "mol/mol", 0, 1, 0,
                           "light component in the bottoms (top-product loss)"},
    [N_INPUTS + OUT_MD] = {"MD", TAG_OUTPUT, "kmol", 0, 5, 0,
                           "liquid holdup in the condenser (reflux drum)"},
    [N_INPUTS + OUT_MB] = {"MB", TAG_OUTPUT, "kmol", 0, 5, 0, "liquid holdup in the reboiler"},
    [N_INPUTS + OUT_LC_D_PV] = PID_PV_TAG("LC_D", "condenser level loop (MD)", "kmol", 0, 5),
    [N_INPUTS + OUT_LC_B_PV] = PID_PV_TAG("LC_B", "reboiler level loop (MB)", "kmol", 0, 5),
    [N_INPUTS + OUT_T + 0] = {"T1", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 1, the reboiler"},
    [N_INPUTS + OUT_T + 1] = {"T6", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 6 (stripping section)"},
    [N_INPUTS + OUT_T + 2] = {"T11", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 11 (stripping section)"},
    [N_INPUTS + OUT_T + 3] = {"T16", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 16 (stripping section)"},
    [N_INPUTS + OUT_T + 4] = {"T21", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 21, the feed stage"},
    [N_INPUTS + OUT_T + 5] = {"T26", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 26 (rectifying section)"},
    [N_INPUTS + OUT_T + 6] = {"T31", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 31 (rectifying section)"},
    [N_INPUTS + OUT_T + 7] = {"T36", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 36 (rectifying section)"},
    [N_INPUTS + OUT_T + 8] = {"T41", TAG_OUTPUT, "K", T_LIGHT, T_HEAVY, T_LIGHT,
                              "temperature of stage 41, the total condenser"},
};

static const param_def_t params[N_PARAMS] = {
    [P_ALPHA] = {"alpha", "1", 1.5, 1.05, 5, "relative volatility of light to heavy"},
    [P_TAUL] = {"tauL", "min", 0.063, 0.005, 1, "time constant of the liquid flow dynamics"},
    [P_LAMBDA] = {"lambda", "1", 0, -1, 1,
                  "effect of vapour flow on liquid flow (K2 effect), dL_i/dV_{i-1}"},
};

static const pid_def_t lc_d = {.first_input = IN_LC_D, .mv = IN_D, .state = S_LC_D,
                               .action = PID_DIRECT};
static const pid_def_t lc_b = {.first_input = IN_LC_B, .mv = IN_B, .state = S_LC_B,
                               .action = PID_DIRECT};

/* ---------------------------- flows ---------------------------- */

/* Everything but the compositions, 1-based arrays like the equations:
 * L[2..NT], V[1..NT-1]. */
typedef struct flows {
    double L[NT + 1], V[NT];
    double LT, D, B, F, zF;
} flows_t;

static double vle(double alpha, double x) { return alpha * x / (1 + (alpha - 1) * x); }

static double vle_slope(double alpha, double x) {
    double d = 1 + (alpha - 1) * x;
    return alpha / (d * d);
}

static void vapour_flows(double VB, double F, double qF, double *V) {
    for (int i = 1; i <= NT - 1; i++) V[i] = i < NF ? VB : VB + (1 - qF) * F;
}

/* The liquid-flow equation solved for the holdup, for the start. */
static double holdup_for_flow(const double *p, int i, double L, const double *V) {
    double L_nominal = i <= NF ? L0B + p[P_LAMBDA] * (V[i - 1] - V0)
                               : L0 + p[P_LAMBDA] * (V[i - 1] - V0T);
    return M0 + p[P_TAUL] * (L - L_nominal);
}

/* A drum's outflows are cut in proportion as it runs dry (see the top). */
static double drum_factor(double M) { return fmin(fmax(M / M_DRUM_LOW, 0.0), 1.0); }

/* ---------------------------- equations ---------------------------- */

static int rhs(const model_t *m, double t, const double *x, const model_io_t *io,
               double *dxdt) {
    (void)t;
    const double *u = io->u, *p = io->p;
    const double alpha = p[P_ALPHA], tauL = p[P_TAUL], lambda = p[P_LAMBDA];
    double M[NT + 1], X[NT + 1], y[NT], L[NT + 1], V[NT];
    for (int i = 1; i <= NT; i++) {
        X[i] = x[XI(i)];
        M[i] = x[MI(i)];
        if (!(M[i] > 0)) return 1;
    }
    double condenser = drum_factor(M[NT]), reboiler = drum_factor(M[1]);
    double LT = u[IN_LT] * condenser;
    double D = pid_op(m, &lc_d, x, u, M[NT]) * condenser;
    double VB = u[IN_VB] * reboiler;
    double B = pid_op(m, &lc_b, x, u, M[1]) * reboiler;
    double F = u[IN_F], zF = u[IN_ZF], qF = u[IN_QF];

    for (int i = 1; i <= NT - 1; i++) y[i] = vle(alpha, X[i]);
    vapour_flows(VB, F, qF, V);
    for (int i = 2; i <= NF; i++)
        L[i] = fmax(0.0, L0B + (M[i] - M0) / tauL + lambda * (V[i - 1] - V0));
    for (int i = NF + 1; i <= NT - 1; i++)
        L[i] = fmax(0.0, L0 + (M[i] - M0) / tauL + lambda * (V[i - 1] - V0T));
    L[NT] = LT;

    double dM[NT + 1], dMx[NT + 1];
    for (int i = 2; i <= NT - 1; i++) {
        dM[i] = L[i + 1] - L[i] + V[i - 1] - V[i];
        dMx[i] = L[i + 1] * X[i + 1] - L[i] * X[i] + V[i - 1] * y[i - 1] - V[i] * y[i];
    }
    dM[NF] += F;
    dMx[NF] += F * zF;
    dM[1] = L[2] - V[1] - B;
    dMx[1] = L[2] * X[2] - V[1] * y[1] - B * X[1];
    dM[NT] = V[NT - 1] - LT - D;
    dMx[NT] = V[NT - 1] * y[NT - 1] - (LT + D) * X[NT];
    for (int i = 1; i <= NT; i++) {
        dxdt[XI(i)] = (dMx[i] - X[i] * dM[i]) / M[i];
        dxdt[MI(i)] = dM[i];
    }
    pid_rhs(m, &lc_d, x, u, M[NT], dxdt);
    pid_rhs(m, &lc_b, x, u, M[1], dxdt);
    return 0;
}

static double stage_temperature(double x) { return x * T_LIGHT + (1 - x) * T_HEAVY; }

static void outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                    double *y) {
    (void)m;
    (void)t;
    (void)io;
    y[OUT_YD] = x[XI(NT)];
    y[OUT_XB] = x[XI(1)];
    y[OUT_MD] = x[MI(NT)];
    y[OUT_MB] = x[MI(1)];
    y[OUT_LC_D_PV] = x[MI(NT)];
    y[OUT_LC_B_PV] = x[MI(1)];
    for (int k = 0; k < N_TEMPERATURES; k++)
        y[OUT_T + k] = stage_temperature(x[XI(temperature_stage[k])]);
}

/* ---------------------------- start ---------------------------- */

/* Steady flows for inputs u with the drums balanced: from the top down,
 * each stage passes on what it gets (L_i = L_{i+1} + V_{i−1} − V_i, + F·qF
 * net at the feed stage). Returns -1 if the inputs admit no steady state
 * with positive flows and products inside their ranges. */
static int steady_flows(const double *u, flows_t *f) {
    f->LT = u[IN_LT];
    f->F = u[IN_F];
    f->zF = u[IN_ZF];
    vapour_flows(u[IN_VB], u[IN_F], u[IN_QF], f->V);
    f->L[NT] = f->LT;
    for (int i = NT - 1; i >= 2; i--) {
        f->L[i] = f->L[i + 1] + f->V[i - 1] - f->V[i] + (i == NF ? f->F : 0.0);
        if (!(f->L[i] > 0)) return -1;
    }
    f->D = f->V[NT - 1] - f->LT;
    f->B = f->L[2] - f->V[1];
    if (!(f->D >= 0 && f->D <= PRODUCT_MAX && f->B >= 0 && f->B <= PRODUCT_MAX)) return -1;
    return 0;
}

/* The component balances at fixed flows, R_i = d(M_i x_i)/dt, and their
 * tridiagonal Jacobian: sub[i] = ∂R_i/∂x_{i−1}, diag[i], sup[i] =
 * ∂R_i/∂x_{i+1}. 1-based. */
static void component_balances(const flows_t *f, double alpha, const double *x, double *R,
                               double *sub, double *diag, double *sup) {
    double y[NT], dy[NT];
    for (int i = 1; i <= NT - 1; i++) {
        y[i] = vle(alpha, x[i]);
        dy[i] = vle_slope(alpha, x[i]);
    }
    R[1] = f->L[2] * x[2] - f->V[1] * y[1] - f->B * x[1];
    sub[1] = 0;
    diag[1] = -f->V[1] * dy[1] - f->B;
    sup[1] = f->L[2];
    for (int i = 2; i <= NT - 1; i++) {
        R[i] = f->L[i + 1] * x[i + 1] - f->L[i] * x[i] + f->V[i - 1] * y[i - 1] -
               f->V[i] * y[i] + (i == NF ? f->F * f->zF : 0.0);
        sub[i] = f->V[i - 1] * dy[i - 1];
        diag[i] = -f->L[i] - f->V[i] * dy[i];
        sup[i] = f->L[i + 1];
    }
    R[NT] = f->V[NT - 1] * y[NT - 1] - (f->LT + f->D) * x[NT];
    sub[NT] = f->V[NT - 1] * dy[NT - 1];
    diag[NT] = -(f->LT + f->D);
    sup[NT] = 0;
}

/* Solve the tridiagonal system (Thomas algorithm, no pivoting: the matrices
 * here are diagonally dominant). rhs is overwritten with the solution.
 * Returns -1 on a zero pivot. */
static int solve_tridiagonal(int n, const double *sub, const double *diag, const double *sup,
                             double *rhs) {
    double c[NT + 1];
    double d = diag[1];
    if (d == 0) return -1;
    c[1] = sup[1] / d;
    rhs[1] /= d;
    for (int i = 2; i <= n; i++) {
        d = diag[i] - sub[i] * c[i - 1];
        if (d == 0) return -1;
        c[i] = sup[i] / d;
        rhs[i] = (rhs[i] - sub[i] * rhs[i - 1]) / d;
    }
    for (int i = n - 1; i >= 1; i--) rhs[i] -= c[i] * rhs[i + 1];
    return 0;
}

static double max_abs(const double *v, int from, int to) {
    double r = 0;
    for (int i = from; i <= to; i++) r = fmax(r, fabs(v[i]));
    return r;
}

/* Steady compositions at fixed flows and holdups M: pseudo-transient
 * continuation (implicit Euler steps of the component balances, the step
 * growing as the residual falls) ending in plain Newton iterations. Starts
 * from the feed composition everywhere. Returns 0 when the balances hold to
 * 1e-13 kmol/min. */
static int steady_compositions(const flows_t *f, const double *M, double alpha, double *x) {
    double R[NT + 1], sub[NT + 1], diag[NT + 1], sup[NT + 1];
    for (int i = 1; i <= NT; i++) x[i] = fmin(fmax(f->zF, 1e-6), 1 - 1e-6);
    component_balances(f, alpha, x, R, sub, diag, sup);
    double dt = 1.0;    /* min */
    for (int iter = 0; iter < 500; iter++) {
        double r = max_abs(R, 1, NT);
        if (r <= 1e-13) return 0;
        /* (M/dt − J)·δ = R */
        double delta[NT + 1], d[NT + 1];
        for (int i = 1; i <= NT; i++) {
            d[i] = M[i] / dt - diag[i];
            delta[i] = R[i];
        }
        double neg_sub[NT + 1], neg_sup[NT + 1];
        for (int i = 1; i <= NT; i++) {
            neg_sub[i] = -sub[i];
            neg_sup[i] = -sup[i];
        }
        if (solve_tridiagonal(NT, neg_sub, d, neg_sup, delta) != 0) return -1;
        for (int i = 1; i <= NT; i++) x[i] = fmin(fmax(x[i] + delta[i], 0.0), 1.0);
        component_balances(f, alpha, x, R, sub, diag, sup);
        /* Switched evolution relaxation: the step grows as the residual
         * falls, towards a pure Newton step. */
        double r_new = max_abs(R, 1, NT);
        dt = r_new > 0 ? fmin(1e12, dt * fmax(0.5, fmin(10.0, r / r_new))) : 1e12;
    }
    return max_abs(R, 1, NT) <= 1e-13 ? 0 : -1;
}

static double loop_setpoint(const double *u, const pid_def_t *c) {
    return u[c->first_input + PID_SP];
}

/* The steady state of the initial inputs with both drums at their level
 * setpoints (see the top). Inputs with no such steady state (say, more
 * reflux than vapour) give a state of NaN: the simulation is refused. */
static void initial_state(const model_t *m, const model_io_t *io, double *x0) {
    const double *u = io->u, *p = io->p;
    flows_t f;
    double M[NT + 1], X[NT + 1];
    for (int i = 0; i < N_STATES; i++) x0[i] = NAN;
    if (steady_flows(u, &f) != 0) return;
    M[1] = loop_setpoint(u, &lc_b);
    M[NT] = loop_setpoint(u, &lc_d);
    for (int i = 2; i <= NT - 1; i++) {
        M[i] = holdup_for_flow(p, i, f.L[i], f.V);
        if (!(M[i] > 0)) return;
    }
    if (steady_compositions(&f, M, p[P_ALPHA], X) != 0) return;
    for (int i = 1; i <= NT; i++) {
        x0[XI(i)] = X[i];
        x0[MI(i)] = M[i];
    }
    pid_init(m, &lc_d, u, M[NT], f.D, x0);
    pid_init(m, &lc_b, u, M[1], f.B, x0);
}

static void sync(const model_t *m, const model_sync_t *ev) {
    double MD = ev->x ? ev->x[MI(NT)] : 0.0, MB = ev->x ? ev->x[MI(1)] : 0.0;
    pid_sync(m, &lc_d, ev, MD);
    pid_sync(m, &lc_b, ev, MB);
}

const model_t model_column_a = {
    .id = "column-a",
    .title = "Distillation column A (Skogestad)",
    .description = "Binary distillation column with 40 theoretical stages plus a total "
                   "condenser, relative volatility 1.5, feed on stage 21 (Skogestad's "
                   "column A, 82 column states). LV configuration: reflux LT and boilup VB "
                   "manipulated, condenser and reboiler levels held by P controllers "
                   "LC_D and LC_B through D and B. Nominal yD = 0.99, xB = 0.01. Time "
                   "constants of hours: a slow, strongly interacting column.",
    .tags = tags,
    .n_inputs = N_INPUTS,
    .n_outputs = N_OUTPUTS,
    .params = params,
    .n_params = N_PARAMS,
    .n_states = N_STATES,
    .time_unit = 60.0,
    .step = 10.0,
    .stiff = 1,
    .initial_state = initial_state,
    .rhs = rhs,
    .outputs = outputs,
    .sync = sync,
};
