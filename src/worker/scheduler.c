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

#include <jansson.h>

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "worker.h"

/* A real-time sim that fell far behind (a huge time scale) takes at most
 * this many steps a tick, so one sim cannot stall the others. */
#define MAX_STEPS_PER_TICK 20000
/* Share of a tick the worker may spend computing before it yields to I/O. */
#define TICK_BUSY_SHARE 0.7

static void flush_samples(worker_t *w) {
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
    flush_samples(w);
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

/* Overlay {"name": number} from json onto values, by the names in defs.
 * Returns 0, or writes what is wrong into err. */
static int overlay(const char *json, const char *what, int n,
                   const char *(*name_at)(const model_t *, int),
                   const model_t *m, double *values, char *err, size_t err_len) {
    json_t *obj = json_loads(json ? json : "{}", 0, NULL);
    int rc = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int found = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(name_at(m, i), key) == 0) found = i;
        if (found < 0 || !json_is_number(v)) {
            snprintf(err, err_len, "%s '%s' is unknown or not a number", what, key);
            rc = -1;
            break;
        }
        values[found] = json_number_value(v);
    }
    json_decref(obj);
    return rc;
}

static const char *input_name(const model_t *m, int i) { return m->tags[i].name; }
static const char *param_name(const model_t *m, int i) { return m->params[i].name; }

void worker_start_sim(worker_t *w, const char *sim_id, const char *spec) {
    wsim_t *ws = NULL;
    HASH_FIND_STR(w->sims, sim_id, ws);
    if (ws) return;     /* delivered twice: already running here */

    bus_job_t job = {0};
    char err[160] = "";
    const model_t *m = NULL;
    double *inputs = NULL, *params = NULL;
    sim_t *sim = NULL;
    if (bus_job_decode(spec, &job) != 0) {
        snprintf(err, sizeof err, "malformed start job");
        goto fail;
    }
    m = model_find(job.model);
    if (!m) {
        snprintf(err, sizeof err, "model '%s' is not known to worker %s", job.model, w->id);
        goto fail;
    }
    if (!(job.sample_time > 0) || !(job.duration > 0) || !(job.time_scale >= 0)) {
        snprintf(err, sizeof err, "bad duration, sample time or time scale");
        goto fail;
    }
    inputs = xcalloc((size_t)m->n_inputs + 1, sizeof *inputs);
    params = xcalloc((size_t)m->n_params + 1, sizeof *params);
    for (int i = 0; i < m->n_inputs; i++) inputs[i] = m->tags[i].def;
    for (int i = 0; i < m->n_params; i++) params[i] = m->params[i].value;
    if (overlay(job.inputs_json, "input", m->n_inputs, input_name, m, inputs, err, sizeof err) ||
        overlay(job.params_json, "parameter", m->n_params, param_name, m, params, err, sizeof err))
        goto fail;
    sim = sim_new(m, inputs, params);
    if (!sim) {
        snprintf(err, sizeof err, "the solver could not start from these inputs and parameters");
        goto fail;
    }
    ws = xcalloc(1, sizeof *ws);
    strlcpy_pde(ws->id, sim_id, sizeof ws->id);
    ws->sim = sim;
    ws->model = m;
    ws->time_scale = job.time_scale;
    ws->duration = job.duration;
    ws->sample_time = job.sample_time;
    ws->mono_anchor = mono_s();
    ws->wall_anchor_ns = wall_ns();
    HASH_ADD_STR(w->sims, id, ws);
    w->n_sims++;
    LOG(LOG_INFO, "sim %s: running %s (time scale %g, duration %g s, sample time %g s)",
        sim_id, m->id, job.time_scale, job.duration, job.sample_time);
    worker_report_status(w, sim_id, "running", 0, "");
    free(inputs);
    free(params);
    bus_job_release(&job);
    return;
fail:
    LOG(LOG_WARN, "sim %s: cannot start: %s", sim_id, err);
    worker_report_status(w, sim_id, "failed", 0, err);
    free(inputs);
    free(params);
    bus_job_release(&job);
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
            emit_sample(w, ws, now_ns);
            ws->next_sample++;
            continue;
        }
        if (t >= ws->duration) {
            /* The duration fell between two sample times: record the end. */
            if ((double)(ws->next_sample - 1) * ws->sample_time < t)
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
    flush_samples(w);
}
