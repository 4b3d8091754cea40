/* jobs.c - claims start jobs from pde:jobs (consumer group "workers") while
 * this worker has room, and starts them. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "worker.h"

#define JOBS_PER_READ 64
#define JOBS_BLOCK_MS "1000"
/* A job claimed this long ago and never acknowledged belongs to a worker
 * that died between claiming and starting it (a start takes well under a
 * second). */
#define JOB_ORPHAN_MS "30000"

static void on_jobs(bus_conn_t *c, redisReply *reply, void *arg);

typedef struct job_ctx {
    worker_t *w;
    int n;
} job_ctx_t;

static void start_entry(const char *stream, const char *id,
                        const redisReply *fields, void *arg) {
    job_ctx_t *ctx = arg;
    worker_t *w = ctx->w;
    (void)stream;
    const char *sim = bus_field(fields, "sim", NULL);
    const char *spec = bus_field(fields, "spec", NULL);
    const char *resume_after = bus_field(fields, "resume_after", NULL);
    if (sim && spec && bus_id_valid(sim)) {
        worker_start_sim(w, id, sim, spec, resume_after ? strtod(resume_after, NULL) : -1);
    } else {
        LOG(LOG_WARN, "job %s: malformed entry skipped", id);
        worker_job_done(w, id);
    }
    ctx->n++;
}

/* XAUTOCLAIM answers [next id, [[id, fields], ...], [deleted ids]]. */
static void on_reclaimed(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    job_ctx_t ctx = {arg, 0};
    const redisReply *entries = reply->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
            e->element[0]->type == REDIS_REPLY_STRING)
            start_entry(BUS_STREAM_JOBS, e->element[0]->str, e->element[1], &ctx);
    }
    if (ctx.n) LOG(LOG_WARN, "took over %d start job(s) claimed by a worker that died", ctx.n);
}

void worker_job_done(worker_t *w, const char *job_id) {
    bus_cmd(w->cmd, NULL, NULL, "XACK %s %s %s", BUS_STREAM_JOBS, BUS_GROUP_WORKERS, job_id);
}

void worker_reclaim_jobs(worker_t *w) {
    if (w->stopping || w->n_sims >= w->cfg.capacity) return;
    bus_cmd(w->cmd, on_reclaimed, w, "XAUTOCLAIM %s %s %s %s 0-0 COUNT 16", BUS_STREAM_JOBS,
            BUS_GROUP_WORKERS, w->id, JOB_ORPHAN_MS);
}

static void on_jobs_retry(uv_timer_t *t) {
    worker_read_jobs(t->data);
}

void worker_read_jobs(worker_t *w) {
    /* Not while cmd is down: the "running" report would be lost. */
    if (w->stopping || w->jobs_reading || !bus_conn_is_up(w->jobs) || !bus_conn_is_up(w->cmd))
        return;
    int room = w->cfg.capacity - w->n_sims;
    if (room <= 0) {
        /* Full: look again later rather than claim a job we cannot run. */
        uv_timer_start(&w->jobs_retry, on_jobs_retry, 1000, 0);
        return;
    }
    char count[16];
    snprintf(count, sizeof count, "%d", room < JOBS_PER_READ ? room : JOBS_PER_READ);
    const char *argv[] = {"XREADGROUP", "GROUP", BUS_GROUP_WORKERS, w->id,
                          "COUNT", count, "BLOCK", JOBS_BLOCK_MS,
                          "STREAMS", BUS_STREAM_JOBS, ">"};
    if (bus_cmd_argv(w->jobs, on_jobs, w, 11, argv, NULL) == 0) w->jobs_reading = 1;
}

static void on_jobs(bus_conn_t *c, redisReply *reply, void *arg) {
    worker_t *w = arg;
    (void)c;
    w->jobs_reading = 0;
    if (!reply) return;     /* connection lost; re-armed when it is back */
    if (reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "reading jobs: %s", reply->str);
        uv_timer_start(&w->jobs_retry, on_jobs_retry, 1000, 0);
        return;
    }
    job_ctx_t ctx = {w, 0};
    bus_for_each_entry(reply, start_entry, &ctx);
    worker_read_jobs(w);
}
