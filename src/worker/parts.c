/* parts.c - the parts of split models (model.h `split`, cosim.h) that run
 * on this worker.
 *
 * The engine places each part of a split sim with a "part" control action.
 * A part keeps no state between messages: the state travels in them. So a
 * part can move to another worker at any time and resume there from the
 * entries it had read but not answered (pending under its consumer name,
 * the role's name).
 *
 * Reading: one blocking XREADGROUP per role over the streams of every part
 * of that role here (BLOCK 200 ms, so a new part joins soon). The entries
 * of one read are answered in one MULTI/EXEC on the command connection,
 * which also carries each new part's read of its pending entries: on one
 * connection they run in order, so a pending read never sees an entry that
 * an earlier transaction answered.
 *
 * Pacing: a velocity part at a time scale holds an entry that came before
 * its time and answers it on the first tick after it is due; the position
 * part answers at once. The velocity part also speaks for the sim: a sample
 * (F, x, v) at every sample time, and its status.
 *
 * Load: per entry one JSON parse, one formatted XADD; thousands of chains
 * per worker share each read and each transaction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "cosim/cosim.h"
#include "model/start_values.h"
#include "worker.h"

#define PART_READ_COUNT "256"
#define PART_BLOCK_MS "200"

struct wpart {
    char reads[BUS_KEY_MAX];    /* the stream it reads: its key in w->parts */
    char writes[BUS_KEY_MAX];
    char sim[BUS_ID_MAX];
    const model_t *model;
    cosim_role_t role;
    sd_params_t p;
    double F;                   /* the velocity part's input */
    long cycles;                /* the sim's length in steps */
    long cycles_per_sample;
    double time_scale;          /* 0: as fast as possible */
    int pending_read;           /* its pending entries are still to read */
    double t;                   /* simulated time of the latest state */
    int anchored;
    double t_anchor, mono_anchor;
    int64_t wall_anchor_ns;
    /* an entry that came before its time */
    int held;
    char held_id[48];
    char *held_name, *held_in;
    size_t held_name_len, held_in_len;
    sd_state_t held_state;
    UT_hash_handle hh;
};

static void read_pending(worker_t *w, wpart_t *pt);

static void drop_held(wpart_t *pt) {
    free(pt->held_name);
    free(pt->held_in);
    pt->held_name = pt->held_in = NULL;
    pt->held = 0;
}

static void part_free(worker_t *w, wpart_t *pt) {
    HASH_DEL(w->parts, pt);
    w->n_parts--;
    drop_held(pt);
    free(pt);
}

static wpart_t *find_part(worker_t *w, const char *sim, cosim_role_t role) {
    char prefix[BUS_KEY_MAX], stream[BUS_KEY_MAX];
    cosim_sim_prefix(prefix, sizeof prefix, sim);
    cosim_stream(stream, sizeof stream, prefix, cosim_role(role)->reads);
    wpart_t *pt = NULL;
    HASH_FIND_STR(w->parts, stream, pt);
    return pt;
}

/* ---------------------------- answering ---------------------------- */

static void on_exec(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    worker_t *w = arg;
    if (reply && reply->type == REDIS_REPLY_ARRAY) return;
    /* The transaction did not run: its entries are still pending. */
    LOG(LOG_WARN, "answers of split-model parts not stored (%s); reading them again",
        reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "Redis connection lost");
    parts_resync(w);
}

/* Send what this read's entries called for: the samples first, so none
 * is acknowledged before the engine has it queued. */
static void send_batch(worker_t *w) {
    cosim_batch_t *b = &w->part_batch;
    cosim_batch_finish(b);
    if (b->n_replies) {
        worker_flush_samples(w);
        size_t start = 0;
        for (int i = 0; i < b->n_replies; i++) {
            int last = i == b->n_replies - 1;
            if (bus_cmd_formatted(w->cmd, last ? on_exec : NULL, w, b->cmds.data + start,
                                  b->ends[i] - start) != 0) {
                /* Down: MULTI without EXEC is dropped with the connection. */
                parts_resync(w);
                break;
            }
            start = b->ends[i];
        }
    }
    cosim_batch_reset(b);
}

static void emit_sample(worker_t *w, wpart_t *pt, const sd_state_t *s, int64_t now_ns) {
    double values[3] = {pt->F, s->x, s->v};
    int64_t due_ns = now_ns;
    if (pt->time_scale > 0 && pt->anchored)
        due_ns = pt->wall_anchor_ns + (int64_t)((s->t - pt->t_anchor) / pt->time_scale * 1e9);
    bus_samples_append(&w->samples, pt->sim, s->t, due_ns, values, 3);
}

/* Answer one entry (or, for a velocity part whose chain is complete, only
 * acknowledge it). May free pt. */
static void answer(worker_t *w, wpart_t *pt, const char *id, const char *name,
                   size_t name_len, const char *in, size_t in_len, const sd_state_t *state) {
    sd_state_t out;
    cosim_step_t step = cosim_step(pt->role, &pt->p, pt->F, pt->cycles, state, &out);
    if (pt->role == COSIM_VELOCITY) {
        long n = cosim_cycle(state, pt->p.h);
        if (n % pt->cycles_per_sample == 0 || step == COSIM_COMPLETE)
            emit_sample(w, pt, state, wall_ns());
    }
    int answered = cosim_step_answers(step);
    if (answered)
        cosim_batch_answer(&w->part_batch, pt->writes, name, name_len, in, in_len, &out);
    cosim_batch_ack(&w->part_batch, pt->reads, cosim_role(pt->role)->group, id);
    pt->t = answered ? out.t : state->t;
    if (step == COSIM_COMPLETE) {
        LOG(LOG_INFO, "sim %s: split chain complete at t = %g s", pt->sim, state->t);
        worker_report_status(w, pt->sim, "finished", state->t, "");
        part_free(w, pt);
    } else if (step == COSIM_OVERFLOW) {
        LOG(LOG_WARN, "sim %s: %s part stopped at t = %g s: its next state is not finite",
            pt->sim, cosim_role(pt->role)->name, state->t);
        worker_report_status(w, pt->sim, "failed", state->t,
                             "the spring-damper's state overflowed (not finite)");
        part_free(w, pt);
    } else if (step == COSIM_ANSWER_LAST) {
        part_free(w, pt);
    }
}

static int is_due(wpart_t *pt, double t, double now) {
    if (pt->role != COSIM_VELOCITY || pt->time_scale <= 0) return 1;
    if (!pt->anchored) {
        pt->anchored = 1;
        pt->t_anchor = t;
        pt->mono_anchor = now;
        pt->wall_anchor_ns = wall_ns();
    }
    return now >= pt->mono_anchor + (t - pt->t_anchor) / pt->time_scale;
}

static void take_entry(const char *stream, const char *id, const redisReply *fields,
                       void *arg) {
    worker_t *w = arg;
    wpart_t *pt = NULL;
    HASH_FIND_STR(w->parts, stream, pt);
    if (!pt) return;    /* stopped meanwhile; its streams go with the sim */
    if (pt->held && strcmp(pt->held_id, id) == 0) return;  /* read again: has it */
    cosim_entry_t e;
    if (cosim_entry_parse(fields, &e) != 0) {
        LOG(LOG_WARN, "sim %s: entry %s on %s is not name/in/out with a state; skipped",
            pt->sim, id, stream);
        cosim_batch_ack(&w->part_batch, pt->reads, cosim_role(pt->role)->group, id);
        return;
    }
    if (!is_due(pt, e.state.t, mono_s())) {
        drop_held(pt);
        pt->held = 1;
        strlcpy_pde(pt->held_id, id, sizeof pt->held_id);
        pt->held_name = xmalloc(e.name_len + 1);
        memcpy(pt->held_name, e.name, e.name_len + 1);
        pt->held_name_len = e.name_len;
        pt->held_in = xmalloc(e.out_len + 1);
        memcpy(pt->held_in, e.out, e.out_len + 1);
        pt->held_in_len = e.out_len;
        pt->held_state = e.state;
        return;
    }
    answer(w, pt, id, e.name, e.name_len, e.out, e.out_len, &e.state);
}

/* ---------------------------- reading ---------------------------- */

static void on_read(bus_conn_t *c, redisReply *reply, void *arg);

static void read_role(worker_t *w, cosim_role_t role) {
    bus_conn_t *conn = w->part_reader[role];
    if (w->stopping || w->part_reading[role] || !bus_conn_is_up(conn)) return;
    const cosim_role_def_t *def = cosim_role(role);
    int n = 0;
    wpart_t *pt, *tmp;
    HASH_ITER(hh, w->parts, pt, tmp) n += pt->role == role && !pt->pending_read;
    if (n == 0) return;
    int argc = 9 + 2 * n;
    const char **argv = xcalloc((size_t)argc, sizeof *argv);
    const char *head[] = {"XREADGROUP", "GROUP", def->group, def->name, "COUNT",
                          PART_READ_COUNT, "BLOCK", PART_BLOCK_MS, "STREAMS"};
    argc = 0;
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) argv[argc++] = head[i];
    HASH_ITER(hh, w->parts, pt, tmp)
        if (pt->role == role && !pt->pending_read) argv[argc++] = pt->reads;
    for (int i = 0; i < n; i++) argv[argc++] = ">";
    if (bus_cmd_argv(conn, on_read, w, argc, argv, NULL) == 0) w->part_reading[role] = 1;
    free(argv);
}

void parts_read(worker_t *w) {
    read_role(w, COSIM_VELOCITY);
    read_role(w, COSIM_POSITION);
}

static void on_read(bus_conn_t *c, redisReply *reply, void *arg) {
    worker_t *w = arg;
    cosim_role_t role = c == w->part_reader[COSIM_VELOCITY] ? COSIM_VELOCITY : COSIM_POSITION;
    w->part_reading[role] = 0;
    if (!reply) return;     /* connection lost; read again when it is back */
    if (reply->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: a stream of a sim that ended under us; the heartbeat
         * reads again once the part is gone. */
        LOG(LOG_DEBUG, "reading split-model streams: %s", reply->str);
        return;
    }
    bus_for_each_entry(reply, take_entry, w);
    send_batch(w);
    read_role(w, role);
}

typedef struct pending_ctx {
    worker_t *w;
    char stream[BUS_KEY_MAX];
} pending_ctx_t;

static void on_pending(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    pending_ctx_t *ctx = arg;
    worker_t *w = ctx->w;
    wpart_t *pt = NULL;
    HASH_FIND_STR(w->parts, ctx->stream, pt);
    free(ctx);
    if (!pt) return;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        if (reply) LOG(LOG_WARN, "sim %s: reading %s: %s", pt->sim, pt->reads, reply->str);
        return;     /* still pending_read: parts_resync() asks again */
    }
    pt->pending_read = 0;
    bus_for_each_entry(reply, take_entry, w);
    send_batch(w);
    parts_read(w);
}

/* The entries pt's consumer read before (here or on a worker that died)
 * and never answered. */
static void read_pending(worker_t *w, wpart_t *pt) {
    const cosim_role_def_t *def = cosim_role(pt->role);
    pending_ctx_t *ctx = xcalloc(1, sizeof *ctx);
    ctx->w = w;
    strlcpy_pde(ctx->stream, pt->reads, sizeof ctx->stream);
    const char *argv[] = {"XREADGROUP", "GROUP", def->group, def->name, "COUNT",
                          PART_READ_COUNT, "STREAMS", pt->reads, "0"};
    pt->pending_read = 1;
    if (bus_cmd_argv(w->cmd, on_pending, ctx, 9, argv, NULL) != 0) free(ctx);
}

void parts_resync(worker_t *w) {
    wpart_t *pt, *tmp;
    HASH_ITER(hh, w->parts, pt, tmp) {
        pt->anchored = 0;   /* real time goes on from wherever it resumes */
        read_pending(w, pt);
    }
}

/* ---------------------------- control ---------------------------- */

void parts_start(worker_t *w, const redisReply *fields) {
    const char *sim = bus_field(fields, "sim", NULL);
    const char *role_name = bus_field(fields, "role", NULL);
    const char *spec = bus_field(fields, "spec", NULL);
    int role = cosim_role_parse(role_name);
    if (!sim || !bus_id_valid(sim) || role < 0 || !spec) {
        LOG(LOG_WARN, "malformed part action skipped");
        return;
    }
    if (find_part(w, sim, (cosim_role_t)role)) return;  /* delivered twice */
    bus_job_t job = {0};
    char err[160] = "";
    const model_t *m = NULL;
    double params[16], inputs[4];
    if (bus_job_decode(spec, &job) != 0 || !(m = model_find(job.model)) || !m->split ||
        m->n_params > 16 || m->n_inputs > 4) {
        snprintf(err, sizeof err, "worker %s cannot run a part of '%s'", w->id, job.model);
        goto fail;
    }
    if (model_start_values(m, job.inputs_json, job.params_json, inputs, params, err,
                           sizeof err) != 0)
        goto fail;
    sd_params_t p = sd_split_params(params);
    const char *why = sd_split_check(&p);
    if (why || !(job.duration > 0) || !(job.sample_time > 0) || !(job.time_scale >= 0)) {
        snprintf(err, sizeof err, "%s", why ? why : "bad duration, sample time or time scale");
        goto fail;
    }
    wpart_t *pt = xcalloc(1, sizeof *pt);
    char prefix[BUS_KEY_MAX];
    cosim_sim_prefix(prefix, sizeof prefix, sim);
    pt->role = (cosim_role_t)role;
    cosim_stream(pt->reads, sizeof pt->reads, prefix, cosim_role(pt->role)->reads);
    cosim_stream(pt->writes, sizeof pt->writes, prefix, cosim_role(pt->role)->writes);
    strlcpy_pde(pt->sim, sim, sizeof pt->sim);
    pt->model = m;
    pt->p = p;
    pt->F = inputs[0];
    pt->cycles = lround(job.duration / p.h);
    pt->cycles_per_sample = lround(job.sample_time / p.h);
    if (pt->cycles_per_sample < 1) pt->cycles_per_sample = 1;
    pt->time_scale = job.time_scale;
    HASH_ADD_STR(w->parts, reads, pt);
    w->n_parts++;
    LOG(LOG_INFO, "sim %s: running its %s part (%ld steps of %g s, time scale %g)", sim,
        cosim_role(pt->role)->name, pt->cycles, p.h, pt->time_scale);
    if (pt->role == COSIM_VELOCITY) worker_report_status(w, sim, "running", 0, "");
    read_pending(w, pt);
    bus_job_release(&job);
    return;
fail:
    LOG(LOG_WARN, "sim %s: cannot run its %s part: %s", sim, role_name, err);
    worker_report_status(w, sim, "failed", 0, err);
    bus_job_release(&job);
}

int parts_stop(worker_t *w, const char *sim) {
    int n = 0;
    for (int r = COSIM_VELOCITY; r <= COSIM_POSITION; r++) {
        wpart_t *pt = find_part(w, sim, (cosim_role_t)r);
        if (pt) {
            LOG(LOG_INFO, "sim %s: %s part stopped", sim, cosim_role(pt->role)->name);
            part_free(w, pt);
            n++;
        }
    }
    return n;
}

const char *parts_set_input(worker_t *w, const char *sim, const char *tag, double value,
                            double *in_force, double *t) {
    wpart_t *pt = find_part(w, sim, COSIM_VELOCITY);
    if (!pt) return "the simulation is not running";
    const tag_def_t *F = &pt->model->tags[0];    /* the one input a split model has */
    *t = pt->t;
    *in_force = pt->F;
    if (strcmp(tag, F->name) != 0) return "not an input tag of this model";
    if (!(value >= F->min && value <= F->max)) return "value out of range";
    pt->F = *in_force = value;
    return "";
}

void parts_tick(worker_t *w) {
    double now = mono_s();
    int any = 0;
    wpart_t *pt, *tmp;
    HASH_ITER(hh, w->parts, pt, tmp) {
        if (!pt->held || !is_due(pt, pt->held_state.t, now)) continue;
        char id[sizeof pt->held_id];
        strlcpy_pde(id, pt->held_id, sizeof id);
        char *name = pt->held_name, *in = pt->held_in;
        size_t name_len = pt->held_name_len, in_len = pt->held_in_len;
        sd_state_t state = pt->held_state;
        pt->held_name = pt->held_in = NULL;
        pt->held = 0;
        answer(w, pt, id, name, name_len, in, in_len, &state);
        free(name);
        free(in);
        any = 1;
    }
    if (any) send_batch(w);
}

void parts_free_all(worker_t *w) {
    wpart_t *pt, *tmp;
    HASH_ITER(hh, w->parts, pt, tmp) part_free(w, pt);
    cosim_batch_release(&w->part_batch);
}
