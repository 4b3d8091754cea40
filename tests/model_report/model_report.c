/* model_report.c - a table per model of its steady state and its step
 * responses, for a reviewer to hold against the literature.
 *
 *   model_report [models-dir] > report.md
 *
 * Runs every model in the registry (the built-in ones, and the data-file
 * models of models-dir if given) directly through sim.h, the same code a
 * worker runs, with no engine or Redis in between. For each model:
 *   - the steady state it starts at: every input and output;
 *   - for a few inputs, a small step from that state: per output the
 *     steady-state gain Δy/Δu, the dead time (first time the output has
 *     moved 0.01% of its final change), the time constant (time to 63.2% of
 *     the change, less the dead time: exact for a first-order lag with
 *     dead time) and the 2% settling time, all in the model's own time
 *     unit, to the resolution of N_SAMPLES samples over the run;
 *   - the published figures to compare with, where the source gives them.
 * The horizon of a step run doubles until the outputs have settled (their
 * last tenth within 0.1% of the change), up to 10^6 s.
 *
 * Load: a few seconds in all; column A dominates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/lti.h"
#include "model/model.h"
#include "model/sim.h"

#define N_SAMPLES 8000
#define MAX_HORIZON 1e6     /* s */
#define MAX_TAGS 256

/* ---------------------------- what to step ---------------------------- */

typedef struct step_spec {
    const char *input;
    double size;            /* absolute, in the input's unit */
} step_spec_t;

typedef struct param_set {
    const char *name;
    double value;
} param_set_t;

/* A run of a model: which parameters, which steps, what the literature
 * says. Models without an entry get every input stepped by 1% of its
 * range. */
typedef struct plan {
    const char *id;
    const char *variant;            /* shown after the title, or NULL */
    param_set_t params[4];
    step_spec_t steps[8];
    const char *literature;
} plan_t;

static const plan_t plans[] = {
    {"spring-damper", "from rest (v0 = 0)", {{"v0", 0}}, {{"F", 1}},
     "Analytic: gain 1/k = 1 m/N; lightly damped (ζ = 0.01, ω = 1 rad/s): the settling "
     "time is about 4/(ζω) = 400 s."},
    {"wood-berry", NULL, {{0}}, {{"R", 0.1}, {"S", 0.1}, {"F", 0.1}},
     "Wood & Berry (1973), min: R→xD 12.8, τ 16.7, θ 1; S→xD −18.9, 21.0, 3; "
     "R→xB 6.6, 10.9, 7; S→xB −19.4, 14.4, 3; F→xD 3.8, 14.9, 8.1; F→xB 4.9, 13.2, 3.4."},
    {"wood-berry-data", NULL, {{0}}, {{"R", 0.1}, {"S", 0.1}, {"F", 0.1}},
     "Same as wood-berry (data-file form)."},
    {"column-a", "LV configuration, level loops P-only in AUTO", {{0}},
     {{"LT", 1e-4}, {"VB", 1e-4}, {"LT", 0.01}, {"F", 0.01}, {"zF", 0.01}},
     "Skogestad & Postlethwaite, column A, LV configuration: nominal yD = 0.99, xB = 0.01, "
     "all holdups 0.5 kmol; linearised steady-state gains (mol % per kmol/min) LT→yD "
     "87.8, VB→yD −86.4, LT→xB 108.2, VB→xB −109.6, i.e. 0.878, −0.864, 1.082, −1.096 "
     "mol/mol per kmol/min (compare the 1e-4 steps; the LT +0.01 step shows how quickly "
     "the gains change away from the nominal point); the composition responses are "
     "dominated by one slow mode of the order of 200 min (Skogestad 1997 quotes about "
     "194 min; from memory)."},
    {"ethylene-oxidation", NULL, {{0}}, {{"Q", 0.01}, {"Cf", 0.05}, {"Tc", 0.01}},
     "Özgülşen et al. (1992) nominal steady state x ≈ [0.998, 0.424, 0.032, 1.002] at "
     "u1 = 0.35, u2 = 0.5, Tc = 1.0."},
    {"quadruple-tank", "P− (minimum phase)", {{"operating_point", 0}}, {{"v1", 0.1}, {"v2", 0.1}},
     "Johansson (2000), P−: h° = (12.4, 12.7, 1.8, 1.4) cm (measured), time constants "
     "T = (62, 90, 23, 30) s, c1 = T1·k1·kc/A1 = 3.7, c2 = T2·k2·kc/A2 = 4.7 V/V; his "
     "linearised G(0) from v to y = kc·h is [γ1·c1, (1−γ2)·c1; (1−γ1)·c2, γ2·c2] = "
     "[2.6, 1.5; 1.4, 2.8] V/V, i.e. twice that in cm/V for h1, h2."},
    {"quadruple-tank", "P+ (non-minimum phase)", {{"operating_point", 1}},
     {{"v1", 0.1}, {"v2", 0.1}},
     "Johansson (2000), P+: h° = (12.6, 13.0, 4.8, 4.9) cm (measured), T = (63, 91, 39, "
     "56) s, c1 = 3.5, c2 = 4.7 V/V (computed from these), G(0) = [1.5, 2.3; 2.7, 1.6] V/V; "
     "the multivariable zero is in the right half plane, so with both loops closed the "
     "response first moves the wrong way."},
    {"cstr", NULL, {{0}}, {{"Tc", 1}, {"CAf", 0.05}, {"Tf", 1}, {"q", 5}},
     "Seborg et al.; Henson & Seborg (1997): at Tc = 300 K three steady states, the "
     "middle one (CA, T) = (0.5 mol/L, 350 K), unstable; the model starts on the low, "
     "stable one."},
};
#define N_PLANS ((int)(sizeof plans / sizeof plans[0]))

/* ---------------------------- running ---------------------------- */

typedef struct figures {
    double gain, dead_time, tau63, settling;    /* model time unit */
    int moved, settled;
} figures_t;

static const char *time_unit_name(const model_t *m) {
    if (m->time_unit == 1.0) return "s";
    if (m->time_unit == 60.0) return "min";
    if (m->time_unit == 3600.0) return "h";
    return "units";
}

static sim_t *start(const model_t *m, const double *p) {
    double u[MAX_TAGS];
    for (int i = 0; i < m->n_inputs; i++) u[i] = m->tags[i].def;
    return sim_new(m, u, p);
}

/* One step of input i by du, sampled N_SAMPLES times over horizon seconds.
 * y0 and traj (N_SAMPLES × n_outputs) receive the outputs. Returns 0. */
static int run_step(const model_t *m, const double *p, int i, double du, double horizon,
                    double *y0, double *traj) {
    sim_t *s = start(m, p);
    if (!s) return -1;
    sim_outputs(s, y0);
    if (sim_set_input(s, i, sim_input(s, i) + du) != 0) {
        sim_free(s);
        return -1;
    }
    for (int k = 1; k <= N_SAMPLES; k++) {
        if (sim_advance(s, horizon * k / N_SAMPLES) != 0) {
            sim_free(s);
            return -1;
        }
        sim_outputs(s, traj + (size_t)(k - 1) * (size_t)m->n_outputs);
    }
    sim_free(s);
    return 0;
}

static figures_t figures_of(const model_t *m, int o, double du, double horizon,
                            const double *y0, const double *traj) {
    figures_t f = {NAN, NAN, NAN, NAN, 0, 0};
    int n = m->n_outputs;
    double dt = horizon / N_SAMPLES / m->time_unit;
    double final = traj[(size_t)(N_SAMPLES - 1) * (size_t)n + (size_t)o];
    double change = final - y0[o];
    if (!(fabs(change) > 1e-9 * fmax(1.0, fabs(y0[o])))) return f;
    f.moved = 1;
    f.gain = change / du;
    f.settled = 1;
    for (int k = N_SAMPLES * 9 / 10; k < N_SAMPLES; k++)
        if (fabs(traj[(size_t)k * (size_t)n + (size_t)o] - final) > 1e-3 * fabs(change))
            f.settled = 0;
    double t63 = NAN;
    for (int k = 0; k < N_SAMPLES; k++) {
        double frac = (traj[(size_t)k * (size_t)n + (size_t)o] - y0[o]) / change;
        double t = (k + 1) * dt;
        if (isnan(f.dead_time) && fabs(frac) > 1e-4) f.dead_time = t;
        if (isnan(t63) && frac >= 0.632) t63 = t;
        if (fabs(frac - 1) > 0.02) f.settling = t + dt;
    }
    if (isnan(f.settling)) f.settling = dt;
    f.tau63 = t63 - f.dead_time;
    return f;
}

static void print_number(FILE *out, double v) {
    if (isnan(v)) fprintf(out, " — |");
    else fprintf(out, " %.4g |", v);
}

static void report_steps(FILE *out, const model_t *m, const double *p, const plan_t *plan) {
    fprintf(out, "\nStep responses (times in %s; dead time = first 0.01%% of the change; "
                 "τ = 63.2%% time less the dead time; settling = last time outside ±2%%):\n\n",
            time_unit_name(m));
    fprintf(out, "| input | step | output | gain | dead time | τ | settling |\n");
    fprintf(out, "|---|---|---|---|---|---|---|\n");
    step_spec_t generic[MAX_TAGS];
    const step_spec_t *steps = plan ? plan->steps : generic;
    int n_steps = 0;
    if (plan) {
        while (n_steps < 8 && plan->steps[n_steps].input) n_steps++;
    } else {
        for (int i = 0; i < m->n_inputs; i++)
            generic[n_steps++] = (step_spec_t){m->tags[i].name, 0.01 * (m->tags[i].max - m->tags[i].min)};
    }
    double *y0 = calloc((size_t)m->n_outputs, sizeof *y0);
    double *traj = calloc((size_t)N_SAMPLES * (size_t)m->n_outputs, sizeof *traj);
    for (int k = 0; k < n_steps; k++) {
        int i = model_tag_index(m, steps[k].input);
        if (i < 0 || i >= m->n_inputs) continue;
        double du = steps[k].size;
        if (m->tags[i].def + du > m->tags[i].max) du = -du;
        /* Lengthen the run until something has moved (dead times may be
         * longer than the first run) and every output that moves has
         * settled. */
        double horizon = 200 * m->step;
        int ok = 0;
        for (; horizon <= MAX_HORIZON; horizon *= 2) {
            if (run_step(m, p, i, du, horizon, y0, traj) != 0) break;
            ok = 1;
            int any_moved = 0, all_settled = 1;
            for (int o = 0; o < m->n_outputs; o++) {
                figures_t f = figures_of(m, o, du, horizon, y0, traj);
                any_moved |= f.moved;
                if (f.moved && !f.settled) all_settled = 0;
            }
            if (any_moved && all_settled) break;
        }
        if (!ok) {
            fprintf(out, "| %s | %+g | (the solver failed) | | | | |\n", m->tags[i].name, du);
            continue;
        }
        if (horizon > MAX_HORIZON) horizon /= 2;
        for (int o = 0; o < m->n_outputs; o++) {
            figures_t f = figures_of(m, o, du, horizon, y0, traj);
            if (!f.moved) continue;
            const tag_def_t *t = &m->tags[m->n_inputs + o];
            fprintf(out, "| %s | %+g %s | %s (%s) |", m->tags[i].name, du, m->tags[i].unit,
                    t->name, t->unit);
            print_number(out, f.gain);
            print_number(out, f.dead_time);
            print_number(out, f.tau63);
            if (f.settled) print_number(out, f.settling);
            else fprintf(out, " not settled in %.4g |", horizon / m->time_unit);
            fprintf(out, "\n");
        }
    }
    free(y0);
    free(traj);
}

static void report_model(FILE *out, const model_t *m, const plan_t *plan) {
    double p[MAX_TAGS];
    for (int i = 0; i < m->n_params; i++) p[i] = m->params[i].value;
    if (plan)
        for (int k = 0; k < 4 && plan->params[k].name; k++) {
            int j = model_param_index(m, plan->params[k].name);
            if (j >= 0) p[j] = plan->params[k].value;
        }
    fprintf(out, "\n## %s — %s%s%s\n\n", m->id, m->title, plan && plan->variant ? ", " : "",
            plan && plan->variant ? plan->variant : "");
    fprintf(out, "%d states, %s, time unit %s, step %g s.\n", m->n_states,
            m->stiff ? "stiff (CVODE BDF)" : "non-stiff (CVODE Adams)", time_unit_name(m),
            m->step);
    sim_t *s = start(m, p);
    if (!s) {
        fprintf(out, "\nThe model does not start from its defaults.\n");
        return;
    }
    double y[MAX_TAGS];
    sim_outputs(s, y);
    fprintf(out, "\nSteady state at start:\n\n| tag | kind | value | unit |\n|---|---|---|---|\n");
    for (int i = 0; i < MODEL_N_TAGS(m); i++) {
        const tag_def_t *t = &m->tags[i];
        double v = i < m->n_inputs ? sim_input(s, i) : y[i - m->n_inputs];
        fprintf(out, "| %s | %s | %.10g | %s |\n", t->name, i < m->n_inputs ? "input" : "output",
                v, t->unit);
    }
    sim_free(s);
    report_steps(out, m, p, plan);
    if (plan && plan->literature) fprintf(out, "\nLiterature: %s\n", plan->literature);
}

static void report_problem(void *arg, const char *file, const char *field, const char *problem) {
    (void)arg;
    fprintf(stderr, "model_report: %s: %s%s%s\n", file, field, *field ? ": " : "", problem);
}

int main(int argc, char **argv) {
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--help") == 0)) {
        fprintf(stderr, "usage: %s [models-dir] > report.md\n", argv[0]);
        return 2;
    }
    if (argc == 2 && model_load_dir(argv[1], report_problem, NULL) < 0) return 1;
    FILE *out = stdout;
    fprintf(out, "# pde model report\n\nSteady states and step responses of every model, "
                 "computed through sim.h (the code a worker runs).\n");
    for (int k = 0; k < model_count(); k++) {
        const model_t *m = model_at(k);
        if (m->split) continue;     /* not run through sim.h: bench_cosim.py */
        int planned = 0;
        for (int j = 0; j < N_PLANS; j++)
            if (strcmp(plans[j].id, m->id) == 0) {
                report_model(out, m, &plans[j]);
                planned = 1;
            }
        if (!planned) report_model(out, m, NULL);
        fflush(out);
    }
    return 0;
}
