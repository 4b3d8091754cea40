/* scheduler.c - advances every simulation of this worker on one timer.
 *
 * Each tick computes, per sim, the simulated time its time scale calls for
 * now (t_anchor + elapsed real time x time_scale), steps the sim towards it
 * in its model's step, and at every sample time appends the sim's tags to
 * this tick's batch. The batch goes to pde:out as one entry. Sims run as
 * fast as possible share what is left of the tick after the real-time ones.
 *
 * Load: thousands of sims per worker; per sim and tick, one hash walk step
 * and a few comparisons when nothing is due. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "model/start_values.h"
#include "worker.h"

/* A real-time sim that fell far behind (a huge time scale) takes at most
 * this many steps a tick, so one sim cannot stall the others. */
#define MAX_STEPS_PER_TICK 20000
/* Share of a tick the worker may spend computing before it yields to I/O. */
#define TICK_BUSY_SHARE 0.7

void worker_flush_samples(worker_t *w) {
    if (w->samples.len == 0) return;
    const char *argv[] = {"XADD", BUS_STREAM_OUT, "MAXLEN", "~", BUS_OUT_MAXLEN, "*",
                          "type", BUS_OUT_SAMPLES, "worker", w->id,
                          "data", w->samples.data};
    size_t lens[12];
    for (int i = 0; i < 12; i++) lens[i] = strlen(argv[i]);
    lens[11] = w->samples.len;
    if (bus_cmd_argv(w->cmd, NULL, NULL, 12, argv, lens) != 0) {
        /* Keep the lines: the tick that finds Redis back sends them. */
        return;
    }
    strbuf_reset(&w->samples);
}

void worker_report_status(worker_t *w, const char *sim_id, const char *status,
                          double t, const char *error) {
    /* Samples first, so the engine never sees a sim end before its last
     * samples. */
    worker_flush_samples(w);
    char t_str[32];
    snprintf(t_str, sizeof t_str, "%.17g", t);
    const char *argv[] = {"XADD", BUS_STREAM_OUT, "MAXLEN", "~", BUS_OUT_MAXLEN, "*",
                          "type", BUS_OUT_STATUS, "worker", w->id, "sim", sim_id,
                          "status", status, "t", t_str, "error", error ? error : ""};
    if (bus_cmd_argv(w->cmd, NULL, NULL, 18, argv, NULL) != 0)
        LOG(LOG_WARN, "sim %s: could not report status %s (Redis down)", sim_id, status);
}

void worker_end_sim(worker_t *w, wsim_t *ws, const char *status, const char *error) {
    LOG(LOG_INFO, "sim %s: %s at t = %g s%s%s", ws->id, status, sim_time(ws->sim),
        error && *error ? ": " : "", error ? error : "");
    worker_report_status(w, ws->id, status, sim_time(ws->sim), error);
    HASH_DEL(w->sims, ws);
    w->n_sims--;
    sim_free(ws->sim);
    free(ws);
}

/* ---------------------------- starting ---------------------------- */


/* What a start job asks for, checked. */
typedef struct start {
    worker_t *w;
    char job_id[48];
    char sim[BUS_ID_MAX];
    bus_job_t job;
    const model_t *m;
    double *inputs, *params;
    double resume_after;        /* < 0: a fresh start */
} start_t;

static void start_free(start_t *st) {
    bus_job_release(&st->job);
    free(st->inputs);
    free(st->params);
    free(st);
}

/* Done with st, started or not: the job is acknowledged. */
static void start_done(start_t *st) {
    worker_job_done(st->w, st->job_id);
    start_free(st);
}

/* Decode and check a job; NULL with err on a bad one. */
static start_t *start_new(worker_t *w, const char *job_id, const char *sim_id,
                          const char *spec, double resume_after, char *err, size_t err_len) {
    start_t *st = xcalloc(1, sizeof *st);
    st->w = w;
    strlcpy_pde(st->job_id, job_id, sizeof st->job_id);
    strlcpy_pde(st->sim, sim_id, sizeof st->sim);
    st->resume_after = resume_after;
    if (bus_job_decode(spec, &st->job) != 0) {
        snprintf(err, err_len, "malformed start job");
        goto fail;
    }
    const model_t *m = st->m = model_find(st->job.model);
    if (!m || m->split) {
        snprintf(err, err_len, "model '%s' is not known to worker %s", st->job.model, w->id);
        goto fail;
    }
    if (!(st->job.sample_time > 0) || !(st->job.duration > 0) || !(st->job.time_scale >= 0)) {
        snprintf(err, err_len, "bad duration, sample time or time scale");
        goto fail;
    }
    st->inputs = xcalloc((size_t)m->n_inputs + 1, sizeof *st->inputs);
    st->params = xcalloc((size_t)m->n_params + 1, sizeof *st->params);
    if (model_start_values(m, st->job.inputs_json, st->job.params_json, st->inputs,
                           st->params, err, err_len) != 0)
        goto fail;
    return st;
fail:
    start_free(st);
    return NULL;
}

/* Run sim (taken over) as st says, from sample next_sample on. */
static void add_sim(worker_t *w, const start_t *st, sim_t *sim, long next_sample) {
    wsim_t *ws = xcalloc(1, sizeof *ws);
    strlcpy_pde(ws->id, st->sim, sizeof ws->id);
    ws->sim = sim;
    ws->model = st->m;
    ws->time_scale = st->job.time_scale;
    ws->duration = st->job.duration;
    ws->sample_time = st->job.sample_time;
    ws->next_sample = next_sample;
    ws->emit_after = st->resume_after;
    ws->t_anchor = sim_time(sim);
    ws->mono_anchor = mono_s();
    ws->wall_anchor_ns = wall_ns();
    /* Spread the checkpoints of sims started together over the interval. */
    ws->next_checkpoint = ws->mono_anchor + WORKER_CHECKPOINT_S * rand() / RAND_MAX;
    HASH_ADD_STR(w->sims, id, ws);
    w->n_sims++;
    LOG(LOG_INFO, "sim %s: running %s from t = %g s (time scale %g, duration %g s, sample "
                  "time %g s)", ws->id, st->m->id, sim_time(sim), ws->time_scale,
        ws->duration, ws->sample_time);
    worker_report_status(w, ws->id, "running", sim_time(sim), "");
}

static void start_fresh(worker_t *w, start_t *st) {
    sim_t *sim = sim_new(st->m, st->inputs, st->params);
    if (sim) {
        add_sim(w, st, sim, 0);
    } else {
        LOG(LOG_WARN, "sim %s: cannot start: the solver could not start", st->sim);
        worker_report_status(w, st->sim, "failed", 0,
                             "the solver could not start from these inputs and parameters");
    }
    start_done(st);
}

/* The checkpoint's HGETALL answer: carry on from it, or from the start if
 * there is none (the sim moved before its first one). */
static void on_checkpoint(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    start_t *st = arg;
    worker_t *w = st->w;
    if (!reply) {           /* Redis went away: the job stays pending */
        start_free(st);
        return;
    }
    const char *state = bus_field(reply, "state", NULL);
    const char *next = bus_field(reply, "next_sample", NULL);
    wsim_t *ws = NULL;
    HASH_FIND_STR(w->sims, st->sim, ws);
    if (ws) {               /* delivered twice: already running here */
        start_done(st);
        return;
    }
    sim_t *sim = state && next ? sim_restore(st->m, state) : NULL;
    if (!sim) {
        LOG(LOG_WARN, "sim %s: no usable checkpoint; it starts again from t = 0 and sends "
                      "samples after t = %g s only", st->sim, st->resume_after);
        start_fresh(w, st);
        return;
    }
    LOG(LOG_WARN, "sim %s: carries on from its checkpoint at t = %g s", st->sim, sim_time(sim));
    add_sim(w, st, sim, strtol(next, NULL, 10));
    start_done(st);
}

void worker_start_sim(worker_t *w, const char *job_id, const char *sim_id, const char *spec,
                      double resume_after) {
    wsim_t *ws = NULL;
    HASH_FIND_STR(w->sims, sim_id, ws);
    if (ws) {           /* delivered twice: already running here */
        worker_job_done(w, job_id);
        return;
    }
    char err[160] = "";
    start_t *st = start_new(w, job_id, sim_id, spec, resume_after, err, sizeof err);
    if (!st) {
        LOG(LOG_WARN, "sim %s: cannot start: %s", sim_id, err);
        worker_report_status(w, sim_id, "failed", 0, err);
        worker_job_done(w, job_id);
        return;
    }
    if (resume_after < 0) {
        start_fresh(w, st);
        return;
    }
    char key[BUS_KEY_MAX];
    if (bus_cmd(w->cmd, on_checkpoint, st, "HGETALL %s",
                bus_key(key, sizeof key, BUS_CKPT_KEY_FMT, sim_id)) != 0) {
        start_free(st);     /* Redis down: the job stays pending, taken over later */
    }
}

void worker_drop_all(worker_t *w) {
    wsim_t *ws, *tmp;
    HASH_ITER(hh, w->sims, ws, tmp) {
        HASH_DEL(w->sims, ws);
        sim_free(ws->sim);
        free(ws);
    }
    w->n_sims = 0;
    strbuf_reset(&w->samples);
    parts_free_all(w);
}

/* ---------------------------- checkpoints ---------------------------- */

/* Called after the tick's samples went out, so a checkpoint never gets
 * ahead of the samples before it. */
static void write_checkpoints(worker_t *w, double now) {
    char key[BUS_KEY_MAX], next[32];
    wsim_t *ws, *tmp;
    HASH_ITER(hh, w->sims, ws, tmp) {
        if (now < ws->next_checkpoint) continue;
        ws->next_checkpoint = now + WORKER_CHECKPOINT_S;
        char *state = sim_checkpoint(ws->sim);
        snprintf(next, sizeof next, "%ld", ws->next_sample);
        const char *argv[] = {"HSET", bus_key(key, sizeof key, BUS_CKPT_KEY_FMT, ws->id),
                              "state", state, "next_sample", next, "worker", w->id};
        bus_cmd_argv(w->cmd, NULL, NULL, 8, argv, NULL);
        free(state);
    }
}

/* ---------------------------- stepping ---------------------------- */

static void emit_sample(worker_t *w, wsim_t *ws, int64_t now_ns) {
    const model_t *m = ws->model;
    double values[BUS_SAMPLE_MAX_VALUES];
    int n = MODEL_N_TAGS(m);
    PDE_ASSERT(n <= BUS_SAMPLE_MAX_VALUES);
    for (int i = 0; i < m->n_inputs; i++) values[i] = sim_input(ws->sim, i);
    sim_outputs(ws->sim, values + m->n_inputs);
    double t = sim_time(ws->sim);
    int64_t due_ns = now_ns;
    if (ws->time_scale > 0)
        due_ns = ws->wall_anchor_ns +
                 (int64_t)((t - ws->t_anchor) / ws->time_scale * 1e9);
    bus_samples_append(&w->samples, ws->id, t, due_ns, values, n);
}

/* Step ws towards the time its clock calls for. Returns 1 if the sim ended
 * (and was freed). */
static int advance(worker_t *w, wsim_t *ws, double now, int64_t now_ns,
                   double deadline) {
    double target = ws->duration;
    if (ws->time_scale > 0) {
        target = ws->t_anchor + (now - ws->mono_anchor) * ws->time_scale;
        if (target > ws->duration) target = ws->duration;
    }
    double h = ws->model->step;
    for (int steps = 0; steps < MAX_STEPS_PER_TICK; steps++) {
        double t = sim_time(ws->sim);
        double t_sample = (double)ws->next_sample * ws->sample_time;
        if (t_sample <= t) {
            if (t > ws->emit_after) emit_sample(w, ws, now_ns);
            ws->next_sample++;
            continue;
        }
        if (t >= ws->duration) {
            /* The duration fell between two sample times: record the end. */
            if ((double)(ws->next_sample - 1) * ws->sample_time < t && t > ws->emit_after)
                emit_sample(w, ws, now_ns);
            worker_end_sim(w, ws, "finished", "");
            return 1;
        }
        double next = fmin(fmin(t + h, t_sample), ws->duration);
        if (next > target) break;
        if (sim_advance(ws->sim, next) != 0) {
            worker_end_sim(w, ws, "failed", "the ODE solver failed to advance");
            return 1;
        }
        if ((steps & 63) == 63 && mono_s() > deadline) break;
    }
    return 0;
}

void worker_reanchor(worker_t *w) {
    double now = mono_s();
    int64_t now_ns = wall_ns();
    wsim_t *ws, *tmp;
    HASH_ITER(hh, w->sims, ws, tmp) {
        ws->t_anchor = sim_time(ws->sim);
        ws->mono_anchor = now;
        ws->wall_anchor_ns = now_ns;
    }
}

void worker_tick(uv_timer_t *timer) {
    worker_t *w = timer->data;
    if (!bus_conn_is_up(w->cmd)) {
        /* Nowhere to send samples: hold every sim still rather than lose
         * what it computes, and carry on from here when Redis is back. */
        w->paused = 1;
        return;
    }
    if (w->paused) {
        worker_reanchor(w);
        w->paused = 0;
        LOG(LOG_INFO, "Redis is back: simulations continue");
    }
    double start = mono_s();
    double deadline = start + TICK_BUSY_SHARE * w->cfg.tick_ms / 1000.0;
    int64_t now_ns = wall_ns();
    int n_fast = 0;
    wsim_t *ws, *tmp;
    HASH_ITER(hh, w->sims, ws, tmp) {
        if (ws->time_scale > 0)
            advance(w, ws, start, now_ns, deadline);
        else
            n_fast++;
    }
    if (n_fast) {
        /* Sims run as fast as possible share what is left of the tick. */
        double left = deadline - mono_s();
        double share = left > 0 ? left / n_fast : 0;
        HASH_ITER(hh, w->sims, ws, tmp) {
            if (ws->time_scale > 0) continue;
            advance(w, ws, start, now_ns, mono_s() + share);
        }
    }
    parts_tick(w);
    worker_flush_samples(w);
    write_checkpoints(w, mono_s());
}
