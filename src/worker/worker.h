/* worker.h - what the parts of pde-worker share.
 *
 * A worker hosts many simulations in one process on one libuv loop: a timer
 * ticks every tick_ms, advances each simulation towards the simulated time
 * its time scale calls for, and sends every sample produced in that tick in
 * one pde:out entry. Three Redis connections: one for writes, and one each
 * for the blocking reads of start jobs and control actions (a blocking read
 * holds its connection). */
#ifndef PDE_WORKER_H
#define PDE_WORKER_H

#include <uthash.h>
#include <uv.h>

#include "bus/bus.h"
#include "common/config.h"
#include "common/strbuf.h"
#include "model/sim.h"

typedef struct wsim {
    char id[BUS_ID_MAX];
    sim_t *sim;
    const model_t *model;
    double time_scale;          /* 0: as fast as possible */
    double duration;            /* simulated seconds */
    double sample_time;
    long next_sample;           /* index k of the next sample at k*sample_time */
    double t_anchor;            /* simulated time at mono_anchor */
    double mono_anchor;         /* when the sim was at t_anchor (real time) */
    int64_t wall_anchor_ns;     /* the same instant on the wall clock */
    UT_hash_handle hh;
} wsim_t;

typedef struct worker {
    config_t cfg;
    uv_loop_t *loop;
    char id[BUS_ID_MAX];
    char ctl_stream[BUS_KEY_MAX];
    char heartbeat_key[BUS_KEY_MAX];
    bus_conn_t *cmd;            /* writes */
    bus_conn_t *jobs;           /* blocking XREADGROUP on pde:jobs */
    bus_conn_t *ctl;            /* blocking XREADGROUP on pde:ctl:<id> */
    int jobs_reading, ctl_reading;
    wsim_t *sims;               /* uthash by id */
    int n_sims;
    strbuf_t samples;           /* this tick's sample lines */
    uv_timer_t tick, heartbeat, jobs_retry;
    uv_signal_t sigint, sigterm;
    int stopping;
    int paused;                 /* Redis was down: sims held still */
    unsigned heartbeats;
} worker_t;

/* scheduler.c */
void worker_tick(uv_timer_t *t);
/* Start a sim from a job; reports running, or failed with the reason. */
void worker_start_sim(worker_t *w, const char *sim_id, const char *spec);
/* End a sim: report status ("finished", "stopped", "failed") and free it. */
void worker_end_sim(worker_t *w, wsim_t *ws, const char *status, const char *error);
void worker_report_status(worker_t *w, const char *sim_id, const char *status,
                          double t, const char *error);
/* Re-anchor every real-time sim at now, after a pause (Redis was down). */
void worker_reanchor(worker_t *w);

/* jobs.c */
void worker_read_jobs(worker_t *w);
/* Take over start jobs claimed by a worker that died before starting them. */
void worker_reclaim_jobs(worker_t *w);

/* control.c */
void worker_read_control(worker_t *w);

#endif
