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
#include "cosim/cosim.h"
#include "model/sim.h"

/* How often each sim's checkpoint is written (wall seconds): a sim whose
 * worker dies carries on from at most this long ago (times its time
 * scale, in simulated time). */
#define WORKER_CHECKPOINT_S 2.0

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
    double next_checkpoint;     /* mono_s() when its checkpoint is due */
    double emit_after;          /* samples up to here were sent before it
                                 * moved here: not again */
    UT_hash_handle hh;
} wsim_t;

typedef struct wpart wpart_t;     /* parts.c */

typedef struct worker {
    config_t cfg;
    uv_loop_t *loop;
    char id[BUS_ID_MAX];
    char ctl_stream[BUS_KEY_MAX];
    char heartbeat_key[BUS_KEY_MAX];
    char fenced_key[BUS_KEY_MAX];
    bus_conn_t *cmd;            /* writes */
    bus_conn_t *jobs;           /* blocking XREADGROUP on pde:jobs */
    bus_conn_t *ctl;            /* blocking XREADGROUP on pde:ctl:<id> */
    int jobs_reading, ctl_reading;
    wsim_t *sims;               /* uthash by id */
    int n_sims;
    wpart_t *parts;             /* parts of split sims, by the stream read */
    int n_parts;
    bus_conn_t *part_reader[2]; /* blocking reads, one per cosim_role_t */
    int part_reading[2];
    cosim_batch_t part_batch;   /* answers of the read being handled */
    strbuf_t samples;           /* this tick's sample lines */
    uv_timer_t tick, heartbeat, jobs_retry;
    uv_signal_t sigint, sigterm;
    int stopping;
    int paused;                 /* Redis was down: sims held still */
    unsigned heartbeats;
} worker_t;

/* scheduler.c */
void worker_tick(uv_timer_t *t);
/* Start a sim from job job_id; reports running, or failed with the reason,
 * and only then acknowledges the job (so a worker that dies before takes
 * no sim with it: the job is taken over, jobs.c). With
 * resume_after >= 0 the sim carries on from its checkpoint (from the start
 * if it has none) and sends no sample up to resume_after. */
void worker_start_sim(worker_t *w, const char *job_id, const char *sim_id, const char *spec,
                      double resume_after);
/* The engine gave up on this worker (it hung) and moved its sims: drop
 * them without reporting. */
void worker_drop_all(worker_t *w);
/* End a sim: report status ("finished", "stopped", "failed") and free it. */
void worker_end_sim(worker_t *w, wsim_t *ws, const char *status, const char *error);
void worker_report_status(worker_t *w, const char *sim_id, const char *status,
                          double t, const char *error);
/* Re-anchor every real-time sim at now, after a pause (Redis was down). */
void worker_reanchor(worker_t *w);
/* Send this tick's samples now. */
void worker_flush_samples(worker_t *w);

/* jobs.c */
void worker_read_jobs(worker_t *w);
/* Take over start jobs claimed by a worker that died before starting them. */
void worker_reclaim_jobs(worker_t *w);
void worker_job_done(worker_t *w, const char *job_id);     /* XACK it */

/* parts.c: parts of split models */
void parts_start(worker_t *w, const redisReply *fields);    /* a "part" action */
int parts_stop(worker_t *w, const char *sim);               /* how many stopped */
/* Set an input of the split sim whose velocity part runs here: "" when
 * done, else why not; *in_force and *t say what is in force from when. */
const char *parts_set_input(worker_t *w, const char *sim, const char *tag, double value,
                            double *in_force, double *t);
void parts_read(worker_t *w);       /* (re)arm the blocking reads */
void parts_tick(worker_t *w);       /* answer held entries now due */
void parts_resync(worker_t *w);     /* read every part's pending entries again */
void parts_free_all(worker_t *w);

/* control.c */
void worker_read_control(worker_t *w);

#endif
