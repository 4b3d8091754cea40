/* registry.c - every simulation the engine knows, running or ended.
 *
 * The registry lives in memory for speed and in Redis (one hash per sim,
 * pde:sim:<id>, and the pde:sims index) so that a restarted engine still
 * knows every sim. Memory is written on every change; Redis on every status
 * change, not on every sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <hiredis/hiredis.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

static const char *const status_names[] = {
#define XX(code, name) name,
    SIM_STATUS_MAP(XX)
#undef XX
};

const char *sim_status_name(sim_status_t s) {
    return status_names[s];
}

int sim_status_parse(const char *name) {
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (strcmp(status_names[i], name) == 0) return (int)i;
    return -1;
}

sim_rec_t *registry_find(const char *id) {
    sim_rec_t *rec = NULL;
    HASH_FIND_STR(engine->sims, id, rec);
    return rec;
}

static sim_rec_t *rec_new(const model_t *m) {
    sim_rec_t *rec = xcalloc(1, sizeof *rec);
    rec->model = m;
    int n = MODEL_N_TAGS(m);
    rec->values = xmalloc(sizeof(double) * (size_t)n);
    rec->values_t = xcalloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) rec->values[i] = NAN;
    rec->hist_t = -INFINITY;
    return rec;
}

static void rec_add(sim_rec_t *rec) {
    HASH_ADD_STR(engine->sims, id, rec);
    engine->n_sims++;
}

static void new_sim_id(char *id, size_t len) {
    unsigned char bytes[6];
    do {
        if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
            /* Only with a broken kernel; the counter keeps ids unique. */
            static unsigned counter;
            uint64_t v = (uint64_t)wall_ns() ^ ((uint64_t)++counter << 40);
            memcpy(bytes, &v, sizeof bytes);
        }
        snprintf(id, len, "%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2],
                 bytes[3], bytes[4], bytes[5]);
    } while (registry_find(id));
}

sim_rec_t *registry_create(const model_t *m, const double *inputs) {
    sim_rec_t *rec = rec_new(m);
    new_sim_id(rec->id, sizeof rec->id);
    rec->status = SIM_QUEUED;
    rec->created_at = wall_s();
    for (int i = 0; i < m->n_inputs; i++) rec->values[i] = inputs[i];
    rec_add(rec);
    return rec;
}

/* ---------------------------- to Redis ---------------------------- */

static void format_values(const sim_rec_t *rec, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < MODEL_N_TAGS(rec->model) && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%.17g", i ? " " : "",
                                 rec->values[i]);
}

void registry_save(sim_rec_t *rec) {
    char key[BUS_KEY_MAX], nums[7][32], *last = xmalloc(8192);
    bus_key(key, sizeof key, BUS_SIM_KEY_FMT, rec->id);
    const double vals[7] = {rec->time_scale, rec->duration, rec->sample_time,
                            rec->created_at, rec->started_at, rec->ended_at, rec->t};
    for (int i = 0; i < 7; i++) snprintf(nums[i], sizeof nums[i], "%.17g", vals[i]);
    format_values(rec, last, 8192);
    const char *argv[] = {"HSET", key, "model", rec->model->id,
                          "status", sim_status_name(rec->status), "worker", rec->worker,
                          "time_scale", nums[0], "duration", nums[1],
                          "sample_time", nums[2], "created_at", nums[3],
                          "started_at", nums[4], "ended_at", nums[5], "t", nums[6],
                          "error", rec->error, "last", last,
                          "part_worker", rec->part_worker,
                          "spec", rec->spec ? rec->spec : ""};
    if (bus_cmd_argv(engine->cmd, NULL, NULL, 30, argv, NULL) != 0)
        LOG(LOG_WARN, "sim %s: Redis is down; its record was not saved", rec->id);
    else
        bus_cmd(engine->cmd, NULL, NULL, "ZADD %s NX %s %s", BUS_KEY_SIMS, nums[3], rec->id);
    free(last);
}

/* After Redis was away: it may have come back without its data (a Redis
 * without persistence, restarted), so write every record again. Cheap: one
 * pipelined HSET and ZADD per sim. */
void registry_save_all(void) {
    sim_rec_t *rec, *tmp;
    HASH_ITER(hh, engine->sims, rec, tmp) registry_save(rec);
}

void registry_set_status(sim_rec_t *rec, sim_status_t status, double t,
                         const char *error) {
    if (rec->status == status) return;
    /* An ended sim stays ended: a late report cannot bring it back. */
    if (SIM_ENDED(rec->status)) return;
    rec->status = status;
    if (t > rec->t) rec->t = t;
    if (status == SIM_RUNNING && rec->started_at == 0) rec->started_at = wall_s();
    if (SIM_ENDED(status)) rec->ended_at = wall_s();
    if (error) strlcpy_pde(rec->error, error, sizeof rec->error);
    LOG(LOG_INFO, "sim %s (%s): %s%s%s", rec->id, rec->model->id, sim_status_name(status),
        rec->error[0] ? ": " : "", rec->error);
    if (SIM_ENDED(status) && rec->model->split) cosim_ended(rec);
    if (SIM_ENDED(status)) {
        char ckpt[BUS_KEY_MAX];
        bus_cmd(engine->cmd, NULL, NULL, "DEL %s",
                bus_key(ckpt, sizeof ckpt, BUS_CKPT_KEY_FMT, rec->id));
    }
    registry_save(rec);
    ws_notify_status(rec);
}

/* ---------------------------- from Redis ---------------------------- */

static double hash_num(const redisReply *h, const char *name) {
    const char *v = bus_field(h, name, NULL);
    return v ? strtod(v, NULL) : 0;
}

static void load_one(const char *id, const redisReply *h) {
    const char *model_id = bus_field(h, "model", NULL);
    const char *status = bus_field(h, "status", NULL);
    const model_t *m = model_id ? model_find(model_id) : NULL;
    if (!m || !status || sim_status_parse(status) < 0 || !bus_id_valid(id)) {
        LOG(LOG_WARN, "sim %s: record in Redis is incomplete or of an unknown model; skipped", id);
        return;
    }
    sim_rec_t *rec = rec_new(m);
    strlcpy_pde(rec->id, id, sizeof rec->id);
    rec->status = (sim_status_t)sim_status_parse(status);
    const char *worker = bus_field(h, "worker", NULL);
    const char *error = bus_field(h, "error", NULL);
    const char *part_worker = bus_field(h, "part_worker", NULL);
    const char *spec = bus_field(h, "spec", NULL);
    strlcpy_pde(rec->worker, worker ? worker : "", sizeof rec->worker);
    strlcpy_pde(rec->part_worker, part_worker ? part_worker : "", sizeof rec->part_worker);
    if (spec && *spec) rec->spec = xstrdup(spec);
    strlcpy_pde(rec->error, error ? error : "", sizeof rec->error);
    rec->time_scale = hash_num(h, "time_scale");
    rec->duration = hash_num(h, "duration");
    rec->sample_time = hash_num(h, "sample_time");
    rec->created_at = hash_num(h, "created_at");
    rec->started_at = hash_num(h, "started_at");
    rec->ended_at = hash_num(h, "ended_at");
    rec->t = hash_num(h, "t");
    const char *last = bus_field(h, "last", NULL);
    for (int i = 0; last && *last && i < MODEL_N_TAGS(m); i++) {
        char *end;
        rec->values[i] = strtod(last, &end);
        rec->values_t[i] = rec->t;
        last = end;
    }
    rec_add(rec);
}

int registry_load(const char *host, int port, char *err, size_t err_len) {
    struct timeval timeout = {5, 0};
    redisContext *rc = redisConnectWithTimeout(host, port, timeout);
    redisReply *ids = NULL;
    int rv = -1;
    if (!rc || rc->err) {
        snprintf(err, err_len, "cannot reach Redis at %s:%d: %s", host, port,
                 rc ? rc->errstr : "out of memory");
        goto fail;
    }
    /* The consumer groups exist before any worker or reader needs them.
     * BUSYGROUP (they exist already) is fine. */
    freeReplyObject(redisCommand(rc, "XGROUP CREATE %s %s 0 MKSTREAM", BUS_STREAM_JOBS,
                                 BUS_GROUP_WORKERS));
    freeReplyObject(redisCommand(rc, "XGROUP CREATE %s %s 0 MKSTREAM", BUS_STREAM_OUT,
                                 BUS_GROUP_ENGINE));
    ids = redisCommand(rc, "ZRANGE %s 0 -1", BUS_KEY_SIMS);
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        snprintf(err, err_len, "cannot read the registry from Redis: %s",
                 ids && ids->type == REDIS_REPLY_ERROR ? ids->str : rc->errstr);
        goto fail;
    }
    char key[BUS_KEY_MAX];
    for (size_t i = 0; i < ids->elements; i++)
        redisAppendCommand(rc, "HGETALL %s",
                           bus_key(key, sizeof key, BUS_SIM_KEY_FMT, ids->element[i]->str));
    for (size_t i = 0; i < ids->elements; i++) {
        redisReply *h = NULL;
        if (redisGetReply(rc, (void **)&h) != REDIS_OK) {
            snprintf(err, err_len, "reading the registry: %s", rc->errstr);
            goto fail;
        }
        load_one(ids->element[i]->str, h);
        freeReplyObject(h);
    }
    LOG(LOG_INFO, "registry: %d simulation(s) known", engine->n_sims);
    rv = 0;
fail:
    freeReplyObject(ids);
    redisFree(rc);
    return rv;
}

/* ---------------------------- JSON ---------------------------- */

static json_t *time_or_null(double t) {
    return t > 0 ? json_real(t) : json_null();
}

json_t *registry_record_json(const sim_rec_t *rec) {
    json_t *o = json_object();
    json_object_set_new(o, "sim_id", json_string(rec->id));
    json_object_set_new(o, "model", json_string(rec->model->id));
    json_object_set_new(o, "status", json_string(sim_status_name(rec->status)));
    json_object_set_new(o, "worker", rec->worker[0] ? json_string(rec->worker) : json_null());
    if (rec->model->split)  /* worker runs the velocity part */
        json_object_set_new(o, "parts", json_pack("{s:s, s:s}", "velocity", rec->worker,
                                                  "position", rec->part_worker));
    json_object_set_new(o, "t", json_real(rec->t));
    json_object_set_new(o, "time_scale",
                        rec->time_scale > 0 ? json_real(rec->time_scale) : json_string("max"));
    json_object_set_new(o, "duration", json_real(rec->duration));
    json_object_set_new(o, "sample_time", json_real(rec->sample_time));
    json_object_set_new(o, "created_at", time_or_null(rec->created_at));
    json_object_set_new(o, "started_at", time_or_null(rec->started_at));
    json_object_set_new(o, "ended_at", time_or_null(rec->ended_at));
    json_object_set_new(o, "error", rec->error[0] ? json_string(rec->error) : json_null());
    return o;
}

void registry_free_all(void) {
    sim_rec_t *rec, *tmp;
    HASH_ITER(hh, engine->sims, rec, tmp) {
        HASH_DEL(engine->sims, rec);
        free(rec->values);
        free(rec->values_t);
        free(rec->spec);
        free(rec);
    }
    engine->n_sims = 0;
}
