/* bus.h - every Redis key and message format between engine and workers,
 * and the asynchronous connection both use.
 *
 * Keys
 *   pde:jobs            stream of start jobs; consumer group "workers"
 *   pde:ctl:<worker>    stream of control actions for one worker; group "worker"
 *   pde:out             stream of what workers report (samples, status
 *                       changes, control acks); consumer group "engine"
 *   pde:sim:<sim>       hash: the registry record of one simulation
 *   pde:sims            sorted set of every sim id, scored by creation time
 *   pde:worker:<worker> heartbeat: a string with a TTL, renewed every second
 *   pde:workers         set of every worker id ever seen
 *   pde:ckpt:<sim>      hash: the latest checkpoint of a sim (fields state,
 *                       next_sample, worker), rewritten every few seconds
 *   pde:fenced:<worker> set by the engine when it gives up on a worker and
 *                       moves its sims: the worker, should it wake up, drops
 *                       them without a word
 *
 * Throughput: a worker sends the samples of all its sims for one tick in one
 * pde:out entry (type "samples"); the engine reads pde:out with COUNT and
 * deletes what it has handled, so the stream stays short. */
#ifndef PDE_BUS_H
#define PDE_BUS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "common/strbuf.h"

#define BUS_STREAM_JOBS "pde:jobs"
#define BUS_GROUP_WORKERS "workers"
#define BUS_STREAM_OUT "pde:out"
#define BUS_GROUP_ENGINE "engine"
#define BUS_GROUP_CTL "worker"
#define BUS_KEY_SIMS "pde:sims"
#define BUS_KEY_WORKERS "pde:workers"
#define BUS_CTL_STREAM_FMT "pde:ctl:%s"
#define BUS_SIM_KEY_FMT "pde:sim:%s"
#define BUS_WORKER_KEY_FMT "pde:worker:%s"
#define BUS_CKPT_KEY_FMT "pde:ckpt:%s"
#define BUS_FENCED_KEY_FMT "pde:fenced:%s"

/* Safety net only: the engine deletes entries it has handled. */
#define BUS_OUT_MAXLEN "200000"

#define BUS_ID_MAX 64       /* sim ids, worker ids, tag names */
#define BUS_KEY_MAX 96

/* ---- pde:out entry types (field "type") ---- */
#define BUS_OUT_SAMPLES "samples"   /* fields: worker, data (sample lines) */
#define BUS_OUT_STATUS "status"     /* fields: worker, sim, status, t, error */
#define BUS_OUT_ACK "ack"           /* fields: worker, req, sim, tag, value,
                                     * t, error ("" when accepted) */

/* ---- pde:ctl:<worker> entry types (field "type") ---- */
#define BUS_CTL_SET "set"           /* fields: req, sim, tag, value */
#define BUS_CTL_STOP "stop"         /* fields: sim */
#define BUS_CTL_PART "part"         /* fields: sim, role, spec: run one part
                                     * of a split model (cosim.h) */

/* ---- pde:jobs entries: fields sim, spec (JSON, see bus_job_t), and for a
 * sim that carries on from its checkpoint, resume_after (simulated seconds:
 * the engine has every sample up to there) ---- */

/* ======================= connection ======================= */

typedef struct bus_conn bus_conn_t;

/* Called with the reply, or reply == NULL when the connection was lost
 * before one came. The reply is borrowed: it is freed after the callback. */
typedef void bus_reply_fn(bus_conn_t *c, redisReply *reply, void *arg);

/* Called when the connection comes up (up = 1) or goes down (up = 0). */
typedef void bus_state_fn(bus_conn_t *c, int up, void *arg);

/* A connection that connects at once and reconnects by itself every
 * 500 ms while Redis is unreachable, logging each outage once per process.
 * It is up once Redis answers a PING on it, and is dropped (pending
 * callbacks get reply == NULL) when a reply is 3 s overdue, as with a
 * frozen Redis: so no command may BLOCK longer than 1 s. name is for the
 * log. */
bus_conn_t *bus_conn_new(uv_loop_t *loop, const char *host, int port,
                         const char *name, bus_state_fn *on_state, void *arg);

/* Disconnect and free; pending commands are dropped without their
 * callbacks. bus_conn_free(NULL) is harmless. */
void bus_conn_free(bus_conn_t *c);

int bus_conn_is_up(const bus_conn_t *c);

/* Queue a command (hiredis format string). Returns 0, or PDE_EREDIS when
 * the connection is down (fn is not called then). fn may be NULL. */
int bus_cmd(bus_conn_t *c, bus_reply_fn *fn, void *arg, const char *fmt, ...);
int bus_cmd_argv(bus_conn_t *c, bus_reply_fn *fn, void *arg, int argc,
                 const char **argv, const size_t *argv_len);
/* Queue one command already formatted by hiredis (redisFormatCommand*). */
int bus_cmd_formatted(bus_conn_t *c, bus_reply_fn *fn, void *arg, const char *cmd,
                      size_t len);

/* ======================= message helpers ======================= */

/* In a stream entry's field list (an array reply f1 v1 f2 v2 ...), the
 * value of field name, or NULL. len may be NULL. */
const char *bus_field(const redisReply *fields, const char *name, size_t *len);

/* Call fn for every entry of an XREAD/XREADGROUP reply (all streams):
 * stream name, entry id, field list. */
typedef void bus_entry_fn(const char *stream, const char *id,
                          const redisReply *fields, void *arg);
void bus_for_each_entry(const redisReply *reply, bus_entry_fn *fn, void *arg);

/* A start job. inputs/params are JSON objects {"name": value} (may be
 * "{}"). time_scale 0 means as fast as possible. */
typedef struct bus_job {
    char sim[BUS_ID_MAX];
    char model[BUS_ID_MAX];
    double time_scale;
    double duration;
    double sample_time;
    char *inputs_json;      /* owned */
    char *params_json;      /* owned */
} bus_job_t;

/* Encode job's spec as JSON into out (which is reset first). */
void bus_job_encode(const bus_job_t *job, strbuf_t *out);
/* Decode a spec; returns 0 or PDE_EPROTO. job->sim is not touched. */
int bus_job_decode(const char *spec, bus_job_t *job);
void bus_job_release(bus_job_t *job);

/* Sample lines: "sim t due_ns v0 v1 ...\n", values in the model's tag order
 * (inputs, then outputs), each number printed to round-trip exactly. due_ns
 * is the wall clock (ns) at which the sample was due. */
void bus_samples_append(strbuf_t *out, const char *sim, double t,
                        int64_t due_ns, const double *values, int n_values);

#define BUS_SAMPLE_MAX_VALUES 256

typedef struct bus_sample {
    char sim[BUS_ID_MAX];
    double t;
    int64_t due_ns;
    int n_values;
    double values[BUS_SAMPLE_MAX_VALUES];
} bus_sample_t;


/* Parse the next line at *cursor into s and move the cursor past it.
 * Returns 1 for a sample, 0 at the end, PDE_EPROTO for a bad line (which is
 * skipped). */
int bus_samples_next(const char **cursor, bus_sample_t *s);

/* The key for a format above and an id, e.g.
 * bus_key(buf, sizeof buf, BUS_SIM_KEY_FMT, "ab12"). */
const char *bus_key(char *buf, size_t len, const char *fmt, const char *id);

/* Accept only ids safe inside a Redis key, a file name and a log line:
 * 1..BUS_ID_MAX-1 characters of [A-Za-z0-9._-]. */
int bus_id_valid(const char *id);

#endif
