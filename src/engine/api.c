/* api.c - the HTTP/JSON API: routing, validation and answers.
 *
 * Every answer is JSON, errors included ({"error": ..., "detail": ...}).
 * Bad input is answered 4xx and changes nothing: a request is validated
 * whole before anything is written to Redis or sent to a worker. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define TIME_SCALE_MIN 0.01
#define TIME_SCALE_MAX 1e6
#define DURATION_MAX 1e9            /* about 31 years of simulated time */
#define SAMPLE_TIME_MIN 1e-3
#define DEFAULT_DURATION 86400.0
#define DEFAULT_SAMPLE_TIME 1.0
#define MAX_POINTS_MAX 1000000

/* ---------------------------- models ---------------------------- */

static json_t *tag_def_json(const tag_def_t *t) {
    return json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:s}", "name", t->name, "kind",
                     t->kind == TAG_INPUT ? "input" : "output", "unit", t->unit, "min",
                     t->min, "max", t->max, "default", t->def, "description",
                     t->description);
}

static json_t *model_json(const model_t *m, int with_params) {
    json_t *tags = json_array();
    for (int i = 0; i < MODEL_N_TAGS(m); i++)
        json_array_append_new(tags, tag_def_json(&m->tags[i]));
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:f, s:b}", "id", m->id, "title", m->title,
                          "description", m->description, "tags", tags, "default_duration",
                          m->default_duration > 0 ? m->default_duration : DEFAULT_DURATION,
                          "split", m->split);
    if (with_params) {
        json_t *params = json_array();
        for (int i = 0; i < m->n_params; i++) {
            const param_def_t *p = &m->params[i];
            json_array_append_new(params,
                                  json_pack("{s:s, s:s, s:f, s:f, s:f, s:s}", "name", p->name,
                                            "unit", p->unit, "value", p->value, "min", p->min,
                                            "max", p->max, "description", p->description));
        }
        json_object_set_new(o, "params", params);
        json_object_set_new(o, "n_states", json_integer(m->n_states));
    }
    return o;
}

static void list_models(http_req_t *req) {
    json_t *list = json_array();
    for (int i = 0; i < model_count(); i++)
        json_array_append_new(list, model_json(model_at(i), 0));
    http_reply(req, 200, list);
}

/* ---------------------------- start ---------------------------- */

typedef struct start_spec {
    double time_scale, duration, sample_time;
    double *inputs;     /* n_inputs */
    json_t *inputs_given, *params_given;
} start_spec_t;

static int number_in(json_t *v, double lo, double hi, double *out) {
    if (!json_is_number(v)) return 0;
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi) return 0;
    *out = x;
    return 1;
}

/* Validate a start body into spec; on failure answer 400 and return -1. */
static int parse_start(http_req_t *req, const model_t *m, start_spec_t *spec) {
    spec->time_scale = 1;
    spec->duration = m->default_duration > 0 ? m->default_duration : DEFAULT_DURATION;
    spec->sample_time = DEFAULT_SAMPLE_TIME;
    for (int i = 0; i < m->n_inputs; i++) spec->inputs[i] = m->tags[i].def;
    if (req->method != HTTP_POST || req->body_len == 0) return 0;

    json_error_t jerr;
    json_t *body = json_loads(req->body, 0, &jerr);
    if (!body || !json_is_object(body)) {
        http_reply_error(req, 400, NULL, "the body is not a JSON object%s%s",
                         body ? "" : ": ", body ? "" : jerr.text);
        json_decref(body);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        if (strcmp(key, "time_scale") == 0) {
            if (json_is_string(v) && strcmp(json_string_value(v), "max") == 0)
                spec->time_scale = 0;
            else if (!number_in(v, TIME_SCALE_MIN, TIME_SCALE_MAX, &spec->time_scale))
                goto bad_number;
        } else if (strcmp(key, "duration") == 0) {
            if (!number_in(v, SAMPLE_TIME_MIN, DURATION_MAX, &spec->duration)) goto bad_number;
        } else if (strcmp(key, "sample_time") == 0) {
            if (!number_in(v, SAMPLE_TIME_MIN, DEFAULT_DURATION, &spec->sample_time))
                goto bad_number;
        } else if (strcmp(key, "inputs") == 0 || strcmp(key, "params") == 0) {
            if (!json_is_object(v)) {
                http_reply_error(req, 400, NULL, "'%s' must be an object of name: number", key);
                goto fail;
            }
        } else {
            http_reply_error(req, 400, json_pack("{s:[s,s,s,s,s]}", "accepted", "time_scale",
                                                 "duration", "sample_time", "inputs", "params"),
                             "unknown field '%s'", key);
            goto fail;
        }
    }
    json_t *inputs = json_object_get(body, "inputs");
    json_object_foreach(inputs, key, v) {
        int i = model_tag_index(m, key);
        if (i < 0 || i >= m->n_inputs) {
            http_reply_error(req, 400, NULL, "'%s' is not an input tag of %s", key, m->id);
            goto fail;
        }
        if (!number_in(v, m->tags[i].min, m->tags[i].max, &spec->inputs[i])) {
            http_reply_error(req, 400, json_pack("{s:s, s:f, s:f}", "tag", key, "min",
                                                 m->tags[i].min, "max", m->tags[i].max),
                             "input '%s' must be a number from %g to %g", key,
                             m->tags[i].min, m->tags[i].max);
            goto fail;
        }
    }
    json_t *params = json_object_get(body, "params");
    json_object_foreach(params, key, v) {
        int i = model_param_index(m, key);
        double x;
        if (i < 0) {
            http_reply_error(req, 400, NULL, "'%s' is not a parameter of %s", key, m->id);
            goto fail;
        }
        if (!number_in(v, m->params[i].min, m->params[i].max, &x)) {
            http_reply_error(req, 400, json_pack("{s:s, s:f, s:f}", "param", key, "min",
                                                 m->params[i].min, "max", m->params[i].max),
                             "parameter '%s' must be a number from %g to %g", key,
                             m->params[i].min, m->params[i].max);
            goto fail;
        }
    }
    if (spec->sample_time > spec->duration) {
        http_reply_error(req, 400, NULL, "sample_time (%g s) is longer than duration (%g s)",
                         spec->sample_time, spec->duration);
        goto fail;
    }
    spec->inputs_given = json_incref(inputs);
    spec->params_given = json_incref(params);
    json_decref(body);
    return 0;
bad_number:
    http_reply_error(req, 400,
                     json_pack("{s:s, s:s, s:s}", "time_scale",
                               "0.01 to 1e6, or \"max\"", "duration", "0.001 to 1e9 s",
                               "sample_time", "0.001 to 86400 s"),
                     "'%s' is not a number in its range", key);
fail:
    json_decref(body);
    return -1;
}

typedef struct queued_ctx {
    http_req_t *req;
    char sim[BUS_ID_MAX];
} queued_ctx_t;

/* The reply to XADD pde:jobs: the start is answered only once the job is
 * safely queued. */
static void on_job_queued(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    queued_ctx_t *ctx = arg;
    http_req_t *req = ctx->req;
    sim_rec_t *rec = registry_find(ctx->sim);
    free(ctx);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        registry_set_status(rec, SIM_FAILED, 0, "could not be queued: Redis unavailable");
        http_reply_error(req, 503, NULL, "Redis is unreachable; the simulation was not started");
        return;
    }
    http_reply(req, 200, json_pack("{s:s, s:s, s:s}", "sim_id", rec->id, "model",
                                   rec->model->id, "status", sim_status_name(rec->status)));
}

/* The limits on sims not yet ended, in all and per client address: over
 * either, answer 429 and return -1. */
static int check_sim_limits(http_req_t *req) {
    int active = 0, mine = 0;
    sim_rec_t *rec, *tmp;
    HASH_ITER(hh, engine->sims, rec, tmp) {
        if (SIM_ENDED(rec->status)) continue;
        active++;
        if (req->client[0] && strcmp(rec->client, req->client) == 0) mine++;
    }
    if (active >= engine->cfg.max_sims) {
        http_reply_error(req, 429, json_pack("{s:i}", "max_sims", engine->cfg.max_sims),
                         "the engine already runs %d simulations, its limit (--max-sims); "
                         "stop one (DELETE /api/sims/{id}) or wait for one to finish",
                         active);
        return -1;
    }
    if (mine >= engine->cfg.max_sims_per_client) {
        http_reply_error(req, 429,
                         json_pack("{s:i}", "max_sims_per_client",
                                   engine->cfg.max_sims_per_client),
                         "you (%s) already run %d simulations, the limit per client "
                         "(--max-sims-per-client); stop one or wait for one to finish",
                         req->client, mine);
        return -1;
    }
    return 0;
}

static void start(http_req_t *req, const model_t *m) {
    if (req->method != HTTP_GET && req->method != HTTP_POST) {
        http_reply_error(req, 405, NULL, "use GET or POST to start a simulation");
        return;
    }
    /* A GET that starts something changes state: it needs the token. */
    if (!access_check(req, 1)) return;
    start_spec_t spec = {0};
    spec.inputs = xcalloc((size_t)m->n_inputs + 1, sizeof(double));
    /* Bad input is told as such even while Redis is down. */
    if (parse_start(req, m, &spec) < 0) {
        free(spec.inputs);
        return;
    }
    /* (req may be freed once answered: no look at it after.) */
    int refused = (m->split && cosim_refuse(req, m, spec.params_given)) ||
                  check_sim_limits(req) < 0;
    if (!refused && !bus_conn_is_up(engine->cmd)) {
        http_reply_error(req, 503, NULL, "Redis is unreachable; try again shortly");
        refused = 1;
    }
    if (refused) {
        json_decref(spec.inputs_given);
        json_decref(spec.params_given);
        free(spec.inputs);
        return;
    }
    sim_rec_t *rec = registry_create(m, spec.inputs);
    strlcpy_pde(rec->client, req->client, sizeof rec->client);
    rec->time_scale = spec.time_scale;
    rec->duration = spec.duration;
    rec->sample_time = spec.sample_time;
    registry_save(rec);

    bus_job_t job = {0};
    strlcpy_pde(job.sim, rec->id, sizeof job.sim);
    strlcpy_pde(job.model, m->id, sizeof job.model);
    job.time_scale = spec.time_scale;
    job.duration = spec.duration;
    job.sample_time = spec.sample_time;
    job.inputs_json = spec.inputs_given ? json_dumps(spec.inputs_given, JSON_COMPACT) : NULL;
    job.params_json = spec.params_given ? json_dumps(spec.params_given, JSON_COMPACT) : NULL;
    strbuf_t text = STRBUF_INIT;
    bus_job_encode(&job, &text);
    rec->spec = xstrdup(text.data);
    if (m->split) {
        cosim_start(req, rec, text.data);
    } else {
        queued_ctx_t *ctx = xcalloc(1, sizeof *ctx);
        ctx->req = req;
        strlcpy_pde(ctx->sim, rec->id, sizeof ctx->sim);
        const char *argv[] = {"XADD", BUS_STREAM_JOBS, "MAXLEN", "~", "100000", "*",
                              "sim", rec->id, "spec", text.data};
        if (bus_cmd_argv(engine->cmd, on_job_queued, ctx, 10, argv, NULL) != 0)
            on_job_queued(engine->cmd, NULL, ctx);
    }
    LOG(LOG_INFO, "sim %s: %s queued (time scale %g, duration %g s, sample time %g s)",
        rec->id, m->id, spec.time_scale, spec.duration, spec.sample_time);
    strbuf_release(&text);
    bus_job_release(&job);
    json_decref(spec.inputs_given);
    json_decref(spec.params_given);
    free(spec.inputs);
}

/* ---------------------------- sims ---------------------------- */

static void list_sims(http_req_t *req) {
    json_t *list = json_array();
    sim_rec_t *rec, *tmp;
    HASH_ITER(hh, engine->sims, rec, tmp) json_array_append_new(list, registry_record_json(rec));
    http_reply(req, 200, list);
}

static void sim_all_tags(http_req_t *req, const sim_rec_t *rec) {
    json_t *tags = json_array();
    for (int i = 0; i < MODEL_N_TAGS(rec->model); i++)
        json_array_append_new(tags, control_tag_json(rec, i));
    http_reply(req, 200, json_pack("{s:s, s:s, s:s, s:f, s:o}", "sim_id", rec->id, "model",
                                   rec->model->id, "status", sim_status_name(rec->status),
                                   "t", rec->t, "tags", tags));
}

static void stop_sim(http_req_t *req, sim_rec_t *rec) {
    if (SIM_ENDED(rec->status)) {
        http_reply_error(req, 409, registry_record_json(rec), "the simulation has already %s",
                         rec->status == SIM_FAILED ? "failed" : sim_status_name(rec->status));
        return;
    }
    /* Without Redis the worker would never hear of the stop: say so rather
     * than report a stop that did not happen. */
    if (!bus_conn_is_up(engine->cmd)) {
        http_reply_error(req, 503, NULL, "Redis is unreachable; the simulation was not "
                                         "stopped; try again shortly");
        return;
    }
    control_stop(rec);
    registry_set_status(rec, SIM_STOPPED, rec->t, "stopped by request");
    http_reply(req, 200, registry_record_json(rec));
}

static void write_tag(http_req_t *req, sim_rec_t *rec, int i) {
    const tag_def_t *tag = &rec->model->tags[i];
    if (tag->kind != TAG_INPUT) {
        http_reply_error(req, 409, NULL, "'%s' is an output of %s; only inputs can be written",
                         tag->name, rec->model->id);
        return;
    }
    json_error_t jerr;
    json_t *body = json_loads(req->body, 0, &jerr);
    json_t *v = json_object_get(body, "value");
    if (!body || !json_is_object(body)) {
        http_reply_error(req, 400, NULL, "the body must be JSON like {\"value\": 1.5}%s%s",
                         body ? "" : ": ", body ? "" : jerr.text);
    } else if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        http_reply_error(req, 400, NULL, "'value' must be a finite number");
    } else if (json_number_value(v) < tag->min || json_number_value(v) > tag->max) {
        http_reply_error(req, 400,
                         json_pack("{s:s, s:f, s:f, s:s}", "tag", tag->name, "min", tag->min,
                                   "max", tag->max, "unit", tag->unit),
                         "%s must be from %g to %g %s", tag->name, tag->min, tag->max,
                         tag->unit);
    } else if (SIM_ENDED(rec->status)) {
        http_reply_error(req, 409, NULL, "the simulation has %s; it takes no more actions",
                         sim_status_name(rec->status));
    } else if (rec->status != SIM_RUNNING) {
        http_reply_error(req, 409, NULL, "the simulation is still queued; try again when it "
                                         "runs");
    } else if (!bus_conn_is_up(engine->cmd)) {
        http_reply_error(req, 503, NULL, "Redis is unreachable; try again shortly");
    } else {
        control_set(req, rec, i, json_number_value(v));
    }
    json_decref(body);
}

/* ---------------------------- history ---------------------------- */

/* GET /api/sims/{id}/history?tags=a,b&from=&to=&max_points=N&agg=minmax
 *   {"sim_id", "tags": {"a": [[sim_time, value], ...]}}; with agg=minmax
 *   each point is [sim_time, mean, min, max] (hist.h).
 * GET /api/sims/{id}/history.csv?... the same as CSV: a header
 *   "time,sim_time,a,b" (with agg=minmax also "a.min,a.max" after each
 *   tag), then one row per sim_time in order; time is the wall clock of the
 *   sample in UTC, ISO 8601 with nanoseconds ("2026-11-23T09:39:11.123456789Z";
 *   a bucket's mean), a missing value is an empty cell. */

typedef struct history_job {
    uv_work_t work;
    http_req_t *req;
    char sim[BUS_ID_MAX];
    char *tag_names[BUS_SAMPLE_MAX_VALUES];
    hist_query_t q;
    int csv;
    json_t *result;
    char *csv_text;
    char err[256];
} history_job_t;

/* x with 15 significant digits, as the JSON answers carry it (http.c), so
 * the CSV and the JSON of one query read back to the same numbers. */
static void csv_double(strbuf_t *sb, double x) {
    strbuf_printf(sb, "%.15g", x);
}

static void csv_number(strbuf_t *sb, json_t *v) {
    if (json_is_number(v)) csv_double(sb, json_number_value(v));
}

static void csv_time(strbuf_t *sb, json_int_t ns) {
    time_t s = (time_t)(ns / 1000000000);
    long frac = (long)(ns % 1000000000);
    if (frac < 0) {
        frac += 1000000000;
        s--;
    }
    struct tm tm;
    char buf[40];
    gmtime_r(&s, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    strbuf_printf(sb, "%s.%09ldZ", buf, frac);
}

/* A history answer (points ending with the wall clock) as CSV; rows merged
 * across tags by sim_time. */
static char *history_csv(json_t *result, int minmax) {
    json_t *tags = json_object_get(result, "tags");
    size_t n = json_object_size(tags), *at = xcalloc(n + 1, sizeof *at);
    json_t **arrs = xcalloc(n + 1, sizeof *arrs);
    strbuf_t sb = STRBUF_INIT;
    strbuf_printf(&sb, "time,sim_time");
    const char *name;
    json_t *arr;
    size_t k = 0;
    json_object_foreach(tags, name, arr) {
        arrs[k++] = arr;
        strbuf_printf(&sb, ",%s", name);
        if (minmax) strbuf_printf(&sb, ",%s.min,%s.max", name, name);
    }
    strbuf_printf(&sb, "\r\n");
    const size_t wall_at = minmax ? 4 : 2;
    for (;;) {
        double t = INFINITY;
        json_t *first = NULL;
        for (size_t i = 0; i < n; i++) {
            json_t *pt = json_array_get(arrs[i], at[i]);
            double ti = json_number_value(json_array_get(pt, 0));
            if (pt && ti < t) {
                t = ti;
                first = pt;
            }
        }
        if (!first) break;
        csv_time(&sb, json_integer_value(json_array_get(first, wall_at)));
        strbuf_printf(&sb, ",");
        csv_double(&sb, t);
        for (size_t i = 0; i < n; i++) {
            json_t *pt = json_array_get(arrs[i], at[i]);
            int here = pt && json_number_value(json_array_get(pt, 0)) == t;
            for (size_t c = 1; c < wall_at; c++) {
                strbuf_printf(&sb, ",");
                if (here) csv_number(&sb, json_array_get(pt, c));
            }
            if (here) at[i]++;
        }
        strbuf_printf(&sb, "\r\n");
    }
    free(at);
    free(arrs);
    return sb.data;
}

static void history_run(uv_work_t *w) {
    history_job_t *job = w->data;
    /* Read what the engine has taken in: samples it already reported
     * (say, up to a sim's end) must be in the answer. */
    hist_flush(engine->hist);
    job->result = hist_query(engine->hist, &job->q, job->err, sizeof job->err);
    if (job->result && job->csv) {
        job->csv_text = history_csv(job->result, job->q.minmax);
        json_decref(job->result);
        job->result = NULL;
    }
}

static void history_done(uv_work_t *w, int status) {
    history_job_t *job = w->data;
    engine->n_history_jobs--;
    if (status == 0 && job->csv_text)
        http_reply_text(job->req, 200, "text/csv; charset=utf-8", job->csv_text);
    else if (status == 0 && job->result)
        http_reply(job->req, 200, job->result);
    else
        http_reply_error(job->req, strstr(job->err, "unreachable") ? 503 : 500, NULL,
                         "historian query failed: %s", job->err);
    for (int i = 0; i < job->q.n_tags; i++) free(job->tag_names[i]);
    free(job);
}

static int query_number(http_req_t *req, const char *name, double *out) {
    char buf[64];
    if (!http_query_param(req, name, buf, sizeof buf) || !buf[0]) return 0;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno || isnan(v)) {
        http_reply_error(req, 400, NULL, "query parameter '%s' must be a number", name);
        return -1;
    }
    *out = v;
    return 0;
}

static void history(http_req_t *req, const sim_rec_t *rec, int csv) {
    history_job_t *job = xcalloc(1, sizeof *job);
    job->req = req;
    job->csv = csv;
    strlcpy_pde(job->sim, rec->id, sizeof job->sim);
    job->q.sim = job->sim;
    job->q.from = -INFINITY;
    job->q.to = INFINITY;
    job->q.with_wall = csv;
    double max_points = 0;
    char tags[1024], agg[16];
    if (query_number(req, "from", &job->q.from) || query_number(req, "to", &job->q.to) ||
        query_number(req, "max_points", &max_points))
        goto fail;
    if (max_points < 0 || max_points > MAX_POINTS_MAX || max_points != floor(max_points)) {
        http_reply_error(req, 400, NULL, "max_points must be a whole number from 0 to %d",
                         MAX_POINTS_MAX);
        goto fail;
    }
    job->q.max_points = (int)max_points;
    if (http_query_param(req, "agg", agg, sizeof agg) && agg[0]) {
        if (strcmp(agg, "minmax") == 0) {
            job->q.minmax = 1;
        } else if (strcmp(agg, "mean") != 0) {
            http_reply_error(req, 400, NULL, "agg must be 'mean' (the default: [t, mean]) or "
                             "'minmax' ([t, mean, min, max])");
            goto fail;
        }
    }
    if (http_query_param(req, "tags", tags, sizeof tags) && tags[0]) {
        for (char *save = NULL, *name = strtok_r(tags, ",", &save); name;
             name = strtok_r(NULL, ",", &save)) {
            if (model_tag_index(rec->model, name) < 0) {
                http_reply_error(req, 404, NULL, "%s has no tag '%s'", rec->model->id, name);
                goto fail;
            }
            if (job->q.n_tags < BUS_SAMPLE_MAX_VALUES)
                job->tag_names[job->q.n_tags++] = xstrdup(name);
        }
        job->q.tags = (const char *const *)job->tag_names;
    }
    job->work.data = job;
    engine->n_history_jobs++;
    uv_queue_work(engine->loop, &job->work, history_run, history_done);
    return;
fail:
    for (int i = 0; i < job->q.n_tags; i++) free(job->tag_names[i]);
    free(job);
}

/* GET /api/historian: where samples go and how that goes. */
static void historian_status(http_req_t *req) {
    hist_stats_t hs;
    hist_get_stats(engine->hist, &hs);
    http_reply(req, 200,
               json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:o}", "backend",
                         hs.backend, "target", hs.target[0] ? hs.target : engine->cfg.data_dir,
                         "points_written", (json_int_t)hs.points_written,
                         "points_buffered", (json_int_t)hs.points_buffered,
                         "points_journaled", (json_int_t)hs.points_journaled,
                         "points_dropped", (json_int_t)hs.points_dropped,
                         "batches_committed", (json_int_t)hs.batches_committed,
                         "write_rate", hs.write_rate, "last_error",
                         hs.last_error[0] ? json_string(hs.last_error) : json_null()));
}

/* ---------------------------- status ---------------------------- */

static void status(http_req_t *req) {
    int counts[SIM_FAILED + 1] = {0};
    sim_rec_t *rec, *tmp;
    HASH_ITER(hh, engine->sims, rec, tmp) counts[rec->status]++;
    json_t *sims = json_object();
    for (int s = 0; s <= SIM_FAILED; s++)
        json_object_set_new(sims, sim_status_name((sim_status_t)s), json_integer(counts[s]));
    json_object_set_new(sims, "total", json_integer(engine->n_sims));
    hist_stats_t hs;
    hist_get_stats(engine->hist, &hs);
    json_t *hist = json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "backend", hs.backend,
                             "points_written", (json_int_t)hs.points_written,
                             "points_buffered", (json_int_t)hs.points_buffered,
                             "points_dropped", (json_int_t)hs.points_dropped,
                             "batches_committed", (json_int_t)hs.batches_committed,
                             "last_error", hs.last_error[0] ? json_string(hs.last_error)
                                                            : json_null());
    http_reply(req, 200,
               json_pack("{s:{s:i, s:s, s:s, s:b}, s:o, s:o, s:o, s:o, s:o}", "engine", "pid",
                         (int)getpid(), "listen", engine->cfg.listen, "redis",
                         engine->redis_url, "redis_up", bus_conn_is_up(engine->cmd), "sims",
                         sims, "workers", workers_json(), "local_workers",
                         supervisor_json(), "historian", hist, "samples",
                         sampler_stats_json()));
}

/* ---------------------------- routing ---------------------------- */

/* Split path into at most max segments after "/api/"; returns the count,
 * or -1 when the path is not under /api/. An empty last segment (a trailing
 * '/') is dropped. */
static int split_path(char *path, char **seg, int max) {
    if (strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0) return -1;
    int n = 0;
    for (char *save = NULL, *s = strtok_r(path + 4, "/", &save); s;
         s = strtok_r(NULL, "/", &save)) {
        if (n == max) return max + 1;
        seg[n++] = s;
    }
    return n;
}

static int method_is(http_req_t *req, http_method_t m) {
    if (req->method == m) return 1;
    http_reply_error(req, 405, NULL, "method not allowed here");
    return 0;
}

static void route_sim(http_req_t *req, char **seg, int n) {
    sim_rec_t *rec = registry_find(seg[1]);
    if (!rec) {
        http_reply_error(req, 404, NULL, "no simulation '%s'", seg[1]);
        return;
    }
    if (n == 2) {
        if (req->method == HTTP_DELETE)
            stop_sim(req, rec);
        else if (method_is(req, HTTP_GET))
            http_reply(req, 200, registry_record_json(rec));
        return;
    }
    if (strcmp(seg[2], "all") == 0) {
        if (method_is(req, HTTP_GET)) sim_all_tags(req, rec);
        return;
    }
    if (strcmp(seg[2], "history") == 0 || strcmp(seg[2], "history.csv") == 0) {
        if (method_is(req, HTTP_GET)) history(req, rec, seg[2][7] == '.');
        return;
    }
    int i = model_tag_index(rec->model, seg[2]);
    if (i < 0) {
        http_reply_error(req, 404, NULL, "%s has no tag '%s'", rec->model->id, seg[2]);
    } else if (req->method == HTTP_POST) {
        write_tag(req, rec, i);
    } else if (method_is(req, HTTP_GET)) {
        http_reply(req, 200, control_tag_json(rec, i));
    }
}

/* OPTIONS: a browser's CORS preflight. http.c adds the permissions for a
 * listed origin (access.c); others get none, and the browser stops. */
static void preflight(http_req_t *req) {
    http_reply_text(req, 204, "application/json", xstrdup(""));
}

void api_handle(http_req_t *req) {
    char path[sizeof req->path];
    char *seg[4];
    if (req->method == HTTP_OPTIONS) {
        /* Preflights never carry the token; the request that follows does. */
        if (req->origin_ok)
            preflight(req);
        else
            access_check(req, 0);
        return;
    }
    if (!access_check(req, req->method != HTTP_GET)) return;
    strlcpy_pde(path, req->path, sizeof path);
    int n = split_path(path, seg, 3);
    if (n >= 1 && n <= 3 && strcmp(seg[0], "models") == 0) {
        const model_t *m = n >= 2 ? model_find(seg[1]) : NULL;
        if (n == 1) {
            if (method_is(req, HTTP_GET)) list_models(req);
        } else if (!m) {
            http_reply_error(req, 404, NULL, "no model '%s' (GET /api/models/ lists them)",
                             seg[1]);
        } else if (n == 2) {
            if (method_is(req, HTTP_GET)) http_reply(req, 200, model_json(m, 1));
        } else if (strcmp(seg[2], "start") == 0) {
            start(req, m);
        } else {
            http_reply_error(req, 404, NULL, "no such endpoint: %s", req->path);
        }
    } else if (n >= 1 && n <= 3 && strcmp(seg[0], "sims") == 0) {
        if (n == 1 || (n == 2 && strcmp(seg[1], "all") == 0)) {
            if (method_is(req, HTTP_GET)) list_sims(req);
        } else {
            route_sim(req, seg, n);
        }
    } else if (n == 1 && strcmp(seg[0], "status") == 0) {
        if (method_is(req, HTTP_GET)) status(req);
    } else if (n == 1 && strcmp(seg[0], "historian") == 0) {
        if (method_is(req, HTTP_GET)) historian_status(req);
    } else {
        http_reply_error(req, 404, NULL, "no such endpoint: %s", req->path);
    }
}
