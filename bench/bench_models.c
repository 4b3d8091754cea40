/* bench_models.c - how fast each model runs: one simulation per model, as
 * fast as possible, over 24 simulated hours.
 *
 *   bench_models [models-dir]
 *
 * Each run does what a worker does for one sim at time scale "max": it
 * advances in steps of the model's step, stops at every 1 s sample time and
 * reads every input and output there (as publishing would), through sim.h.
 * So that the solver is not just coasting on a steady state, the first
 * input moves by ±1% of its range every simulated hour (and column-a's and
 * the tanks' level loops see their setpoint pattern through it).
 *
 * Prints per model: simulated seconds per wall-clock second, CPU time per
 * simulated hour, and the wall time of the whole 24 h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/lti.h"
#include "model/model.h"
#include "model/sim.h"

#define SIM_SECONDS (24 * 3600.0)
#define SAMPLE_TIME 1.0
#define MOVE_EVERY 3600.0
#define MAX_TAGS 256

static double clock_seconds(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct result {
    double wall, cpu;
    int failed;
} result_t;

static result_t run(const model_t *m) {
    result_t r = {0, 0, 0};
    double values[MAX_TAGS];
    sim_t *s = sim_new(m, NULL, NULL);
    if (!s) {
        r.failed = 1;
        return r;
    }
    double u0 = sim_input(s, 0), move = 0.01 * (m->tags[0].max - m->tags[0].min);
    if (u0 + move > m->tags[0].max) move = -move;
    double wall0 = clock_seconds(CLOCK_MONOTONIC), cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    long next_sample = 1, hour = 0;
    while (sim_time(s) < SIM_SECONDS) {
        double t = sim_time(s);
        double t_sample = next_sample * SAMPLE_TIME;
        double next = t + m->step < t_sample ? t + m->step : t_sample;
        if (sim_advance(s, next) != 0) {
            r.failed = 1;
            break;
        }
        if (sim_time(s) >= t_sample) {
            for (int i = 0; i < m->n_inputs; i++) values[i] = sim_input(s, i);
            sim_outputs(s, values + m->n_inputs);
            next_sample++;
            if (sim_time(s) >= (hour + 1) * MOVE_EVERY) {
                hour++;
                sim_set_input(s, 0, hour % 2 ? u0 + move : u0);
            }
        }
    }
    r.wall = clock_seconds(CLOCK_MONOTONIC) - wall0;
    r.cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    sim_free(s);
    return r;
}

static void report_problem(void *arg, const char *file, const char *field, const char *problem) {
    (void)arg;
    fprintf(stderr, "bench_models: %s: %s%s%s\n", file, field, *field ? ": " : "", problem);
}

int main(int argc, char **argv) {
    if (argc > 2) {
        fprintf(stderr, "usage: %s [models-dir]\n", argv[0]);
        return 2;
    }
    if (argc == 2) model_load_dir(argv[1], report_problem, NULL);
    printf("Models: one sim each, 24 simulated hours as fast as possible, samples every %g s,\n"
           "first input moved by 1%% of its range every hour.\n\n", SAMPLE_TIME);
    printf("%-22s %6s %6s %16s %18s %12s\n", "model", "states", "stiff", "sim s / wall s",
           "CPU ms / sim hour", "wall s / 24h");
    for (int k = 0; k < model_count(); k++) {
        const model_t *m = model_at(k);
        if (m->n_inputs < 1 || m->split) continue;  /* split: bench_cosim.py */
        result_t r = run(m);
        if (r.failed) {
            printf("%-22s %6d %6s %16s\n", m->id, m->n_states, m->stiff ? "yes" : "no",
                   "(failed)");
            continue;
        }
        printf("%-22s %6d %6s %16.0f %18.3f %12.3f\n", m->id, m->n_states,
               m->stiff ? "yes" : "no", SIM_SECONDS / r.wall, 1000 * r.cpu / (SIM_SECONDS / 3600),
               r.wall);
        fflush(stdout);
    }
    return 0;
}
