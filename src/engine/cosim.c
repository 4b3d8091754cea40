/* cosim.c - split models (model.h `split`): sims whose parts run on
 * different workers and pass the coupling variables to each other over
 * Redis streams (src/cosim/cosim.h has the format).
 *
 * Starting one: pick the two least loaded workers (one if only one is up),
 * then, in one MULTI/EXEC, make the sim's streams and consumer groups,
 * send the kick-off entry, and hand each worker its part with a "part"
 * control action. The velocity part reports the sim like any other (status,
 * samples of F, x and v); the worker that runs it gets the writes of F.
 *
 * A lost worker's parts move to live workers: the parts keep no state, and
 * the new one reads what the old one left pending, so the chain resumes
 * from its last acknowledged entry. When the sim ends its streams expire
 * (not at once: a part may still be reading them). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "cosim/cosim.h"
#include "engine.h"
#include "model/start_values.h"

#define STREAMS_KEPT_S "60"    /* after the sim ends */

#define MAX_PARAMS 32

int cosim_refuse(http_req_t *req, const model_t *m, json_t *given) {
    double params[MAX_PARAMS];
    char *text = given ? json_dumps(given, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    char err[160];
    PDE_ASSERT(m->n_params <= MAX_PARAMS);
    /* The names and ranges were checked with the rest of the start. */
    int rc = model_start_values(m, NULL, text, NULL, params, err, sizeof err);
    PDE_ASSERT(rc == 0);
    free(text);
    sd_params_t p = sd_split_params(params);
    const char *why = sd_split_check(&p);
    if (!why) return 0;
    http_reply_error(req, 400, NULL, "%s (here h = %g s, k = %g N/m, m = %g kg)", why, p.h,
                     p.k, p.m);
    return 1;
}

/* The kick-off state: the start's x0 and v0 at t = 0. */
static sd_state_t start_state(const model_t *m, const char *spec) {
    double params[MAX_PARAMS];
    char err[160];
    bus_job_t job = {0};
    /* spec is the one api.c just made from a checked start. */
    int rc = bus_job_decode(spec, &job);
    PDE_ASSERT(rc == 0 && m->n_params <= MAX_PARAMS);
    rc = model_start_values(m, NULL, job.params_json, NULL, params, err, sizeof err);
    PDE_ASSERT(rc == 0);
    bus_job_release(&job);
    return sd_split_start(params);
}

/* Queue the "part" action that puts role of rec on worker. */
static int place(const sim_rec_t *rec, cosim_role_t role, const char *worker,
                 const char *spec) {
    char stream[BUS_KEY_MAX];
    bus_key(stream, sizeof stream, BUS_CTL_STREAM_FMT, worker);
    const char *argv[] = {"XADD", stream, "MAXLEN", "~", "10000", "*",
                          "type", BUS_CTL_PART, "sim", rec->id,
                          "role", cosim_role(role)->name, "spec", spec};
    LOG(LOG_INFO, "sim %s: %s part on worker %s", rec->id, cosim_role(role)->name, worker);
    return bus_cmd_argv(engine->cmd, NULL, NULL, 14, argv, NULL);
}

typedef struct start_ctx {
    http_req_t *req;
    char sim[BUS_ID_MAX];
} start_ctx_t;

static void on_started(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    start_ctx_t *ctx = arg;
    sim_rec_t *rec = registry_find(ctx->sim);
    http_req_t *req = ctx->req;
    free(ctx);
    if (!rec) {
        http_reply_error(req, 500, NULL, "the simulation vanished while starting");
    } else if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        registry_set_status(rec, SIM_FAILED, 0, "could not be started: Redis unavailable");
        http_reply_error(req, 503, NULL, "Redis is unreachable; the simulation was not started");
    } else {
        http_reply(req, 200, json_pack("{s:s, s:s, s:s}", "sim_id", rec->id, "model",
                                       rec->model->id, "status", sim_status_name(rec->status)));
    }
}

void cosim_start(http_req_t *req, sim_rec_t *rec, const char *spec) {
    char velocity[BUS_ID_MAX], position[BUS_ID_MAX];
    if (workers_pick(NULL, NULL, velocity, sizeof velocity) != 0 ||
        workers_pick(NULL, velocity, position, sizeof position) != 0) {
        registry_set_status(rec, SIM_FAILED, 0, "no worker is running");
        http_reply_error(req, 503, NULL, "no worker is running to take the parts of %s; "
                                         "start one (or wait a second after starting the "
                                         "engine)", rec->model->id);
        return;
    }
    if (strcmp(velocity, position) == 0)
        LOG(LOG_WARN, "sim %s: only worker %s is up; it runs both parts", rec->id, velocity);
    strlcpy_pde(rec->worker, velocity, sizeof rec->worker);
    strlcpy_pde(rec->part_worker, position, sizeof rec->part_worker);
    registry_save(rec);

    char prefix[BUS_KEY_MAX], positions[BUS_KEY_MAX], velocities[BUS_KEY_MAX];
    cosim_sim_prefix(prefix, sizeof prefix, rec->id);
    cosim_stream(positions, sizeof positions, prefix, "positions");
    cosim_stream(velocities, sizeof velocities, prefix, "velocities");
    strbuf_t state = STRBUF_INIT;
    sd_state_t s0 = start_state(rec->model, spec);
    cosim_state_format(&state, &s0);

    /* One transaction: a worker never sees its part before the streams,
     * the groups and the kick-off exist. */
    bus_cmd(engine->cmd, NULL, NULL, "MULTI");
    bus_cmd(engine->cmd, NULL, NULL, "DEL %s %s", positions, velocities);
    bus_cmd(engine->cmd, NULL, NULL, "XGROUP CREATE %s %s 0 MKSTREAM", positions,
            cosim_role(COSIM_VELOCITY)->group);
    bus_cmd(engine->cmd, NULL, NULL, "XGROUP CREATE %s %s 0 MKSTREAM", velocities,
            cosim_role(COSIM_POSITION)->group);
    bus_cmd(engine->cmd, NULL, NULL, "XADD %s * name %s in %s out %s", positions, rec->id,
            state.data, state.data);
    place(rec, COSIM_VELOCITY, velocity, spec);
    place(rec, COSIM_POSITION, position, spec);
    start_ctx_t *ctx = xcalloc(1, sizeof *ctx);
    ctx->req = req;
    strlcpy_pde(ctx->sim, rec->id, sizeof ctx->sim);
    if (bus_cmd(engine->cmd, on_started, ctx, "EXEC") != 0) on_started(engine->cmd, NULL, ctx);
    strbuf_release(&state);
}

/* The start job with the inputs now in force, for a part placed again. */
static char *spec_now(const sim_rec_t *rec) {
    bus_job_t job = {0};
    if (bus_job_decode(rec->spec, &job) != 0) return NULL;
    json_t *inputs = json_object();
    for (int i = 0; i < rec->model->n_inputs; i++)
        if (isfinite(rec->values[i]))
            json_object_set_new(inputs, rec->model->tags[i].name, json_real(rec->values[i]));
    free(job.inputs_json);
    job.inputs_json = json_dumps(inputs, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(inputs);
    strbuf_t text = STRBUF_INIT;
    bus_job_encode(&job, &text);
    bus_job_release(&job);
    return text.data;
}

int cosim_worker_lost(const char *lost) {
    int moved = 0;
    sim_rec_t *rec, *tmp;
    HASH_ITER(hh, engine->sims, rec, tmp) {
        if (!rec->model->split || SIM_ENDED(rec->status) || !rec->spec) continue;
        for (int r = COSIM_VELOCITY; r <= COSIM_POSITION; r++) {
            char *mine = r == COSIM_VELOCITY ? rec->worker : rec->part_worker;
            const char *other = r == COSIM_VELOCITY ? rec->part_worker : rec->worker;
            if (strcmp(mine, lost) != 0) continue;
            char to[BUS_ID_MAX];
            char *spec = spec_now(rec);
            if (!spec || workers_pick(lost, strcmp(other, lost) ? other : NULL, to,
                                      sizeof to) != 0) {
                free(spec);
                registry_set_status(rec, SIM_FAILED, rec->t,
                                    "its worker was lost and no other worker is running");
                break;
            }
            LOG(LOG_WARN, "sim %s: worker %s lost; its %s part moves to %s", rec->id, lost,
                cosim_role((cosim_role_t)r)->name, to);
            strlcpy_pde(mine, to, BUS_ID_MAX);
            place(rec, (cosim_role_t)r, to, spec);
            free(spec);
            moved++;
        }
        if (!SIM_ENDED(rec->status)) registry_save(rec);
    }
    return moved;
}

void cosim_ended(sim_rec_t *rec) {
    char stream[BUS_KEY_MAX], prefix[BUS_KEY_MAX];
    const char *workers[] = {rec->worker, rec->part_worker};
    for (int i = 0; i < 2; i++) {
        if (!workers[i][0] || (i == 1 && strcmp(workers[0], workers[1]) == 0)) continue;
        bus_key(stream, sizeof stream, BUS_CTL_STREAM_FMT, workers[i]);
        const char *argv[] = {"XADD", stream, "MAXLEN", "~", "10000", "*",
                              "type", BUS_CTL_STOP, "sim", rec->id};
        bus_cmd_argv(engine->cmd, NULL, NULL, 10, argv, NULL);
    }
    cosim_sim_prefix(prefix, sizeof prefix, rec->id);
    for (int r = COSIM_VELOCITY; r <= COSIM_POSITION; r++) {
        cosim_stream(stream, sizeof stream, prefix, cosim_role((cosim_role_t)r)->reads);
        bus_cmd(engine->cmd, NULL, NULL, "EXPIRE %s %s", stream, STREAMS_KEPT_S);
    }
}
