/* sampler.c - takes in everything workers report on pde:out.
 *
 * One blocking XREADGROUP (COUNT many entries) per wake-up; for each entry:
 * samples update the sims' latest values and go to the historian in one
 * batch per read; status changes update the registry; acks answer waiting
 * control actions. Handled entries are acknowledged and deleted in one
 * pipelined pair of commands, so pde:out stays short, but only once the
 * historian has committed the samples they carried (hist_committed()):
 * until then Redis keeps them, so an engine killed with points still in
 * its memory loses none.
 *
 * After a restart (or a lost connection) the engine first re-reads the
 * entries it had been given but not acknowledged (from id 0 on), so nothing
 * a worker sent is lost; the historian stores a point given twice once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define READ_COUNT "512"
#define READ_BLOCK_MS "1000"

/* The entries of one read, acknowledged once the historian has committed
 * batch seq (0: at once). Oldest first. */
typedef struct ack_group {
    uint64_t seq;
    int n_ids;
    char **ids;                 /* ids[0..n) point into the same block */
    struct ack_group *next;
} ack_group_t;

static ack_group_t *acks_head, *acks_tail;
static char backlog_from[BUS_ID_MAX] = "0";

typedef struct read_ctx {
    hist_batch_t *batch;
    const char **ids;           /* entry ids handled, for XACK/XDEL */
    int n_ids, cap_ids;
    int64_t now_ns;
} read_ctx_t;

static void read_more(void);

static void record_lag(double lag_ms) {
    engine->lag_ms[engine->n_lag % LAG_WINDOW] = lag_ms;
    engine->n_lag++;
}

static void take_samples(read_ctx_t *ctx, const char *worker, const char *data) {
    bus_sample_t s;
    int rc;
    while ((rc = bus_samples_next(&data, &s)) != 0) {
        if (rc < 0) {
            LOG(LOG_WARN, "malformed sample line skipped");
            continue;
        }
        sim_rec_t *rec = registry_find(s.sim);
        if (!rec) continue;     /* a sim this registry never had */
        /* Fenced: a worker the sim moved away from (it hung, and woke up)
         * no longer speaks for it; and a sim started again from its
         * checkpoint repeats nothing already taken. */
        if (strcmp(rec->worker, worker) != 0 || !(s.t > rec->hist_t)) {
            engine->samples_fenced++;
            continue;
        }
        const model_t *m = rec->model;
        if (s.n_values != MODEL_N_TAGS(m)) {
            LOG(LOG_WARN, "sim %s: sample with %d values, model has %d tags; skipped",
                s.sim, s.n_values, MODEL_N_TAGS(m));
            continue;
        }
        engine->samples_in++;
        rec->hist_t = s.t;
        record_lag((double)(ctx->now_ns - s.due_ns) / 1e6);
        if (s.t >= rec->t) {
            rec->t = s.t;
            for (int i = 0; i < s.n_values; i++) {
                rec->values[i] = s.values[i];
                rec->values_t[i] = s.t;
            }
            ws_notify_sample(rec);
        }
        for (int i = 0; i < s.n_values; i++) {
            const tag_def_t *tag = &m->tags[i];
            hist_batch_add(ctx->batch, s.sim, m->id, tag->name,
                           tag->kind == TAG_INPUT ? "input" : "output", s.t, s.due_ns,
                           s.values[i]);
        }
    }
}

static void take_status(const redisReply *fields) {
    const char *sim = bus_field(fields, "sim", NULL);
    const char *status = bus_field(fields, "status", NULL);
    const char *worker = bus_field(fields, "worker", NULL);
    const char *t = bus_field(fields, "t", NULL);
    const char *error = bus_field(fields, "error", NULL);
    sim_rec_t *rec = sim ? registry_find(sim) : NULL;
    int st = status ? sim_status_parse(status) : -1;
    if (!rec || st < 0 || !worker) return;
    /* Only the sim's workers speak for it (a split sim's position part
     * may report a failure); another may claim it by reporting it running
     * (a job it took, or a sim moved to it). */
    if (st != SIM_RUNNING && rec->worker[0] && strcmp(rec->worker, worker) != 0 &&
        strcmp(rec->part_worker, worker) != 0)
        return;
    if (st == SIM_RUNNING && SIM_ENDED(rec->status)) {
        /* Stopped while it waited in the queue: the worker that just
         * claimed it must stop it again. */
        strlcpy_pde(rec->worker, worker, sizeof rec->worker);
        control_stop(rec);
        return;
    }
    if (st == SIM_RUNNING && strcmp(rec->worker, worker) != 0) {
        strlcpy_pde(rec->worker, worker, sizeof rec->worker);
        registry_save(rec);
    }
    registry_set_status(rec, (sim_status_t)st, t ? strtod(t, NULL) : rec->t, error);
}

static void take_entry(const char *stream, const char *id, const redisReply *fields,
                       void *arg) {
    read_ctx_t *ctx = arg;
    (void)stream;
    const char *type = bus_field(fields, "type", NULL);
    if (type && strcmp(type, BUS_OUT_SAMPLES) == 0) {
        const char *data = bus_field(fields, "data", NULL);
        const char *worker = bus_field(fields, "worker", NULL);
        if (data && worker) take_samples(ctx, worker, data);
    } else if (type && strcmp(type, BUS_OUT_STATUS) == 0) {
        take_status(fields);
    } else if (type && strcmp(type, BUS_OUT_ACK) == 0) {
        control_on_ack(fields);
    } else {
        LOG(LOG_WARN, "pde:out entry %s of unknown type skipped", id);
    }
    if (ctx->n_ids == ctx->cap_ids) {
        ctx->cap_ids = ctx->cap_ids ? 2 * ctx->cap_ids : 64;
        ctx->ids = xrealloc(ctx->ids, sizeof *ctx->ids * (size_t)(ctx->cap_ids + 3));
    }
    ctx->ids[3 + ctx->n_ids++] = id;
}

/* XACK pde:out engine id... and XDEL pde:out id... in one pipeline. */
static void ack_and_delete(const char **ids, int n_ids) {
    const char **argv = xmalloc(sizeof *argv * (size_t)(n_ids + 3));
    memcpy(argv + 3, ids, sizeof *argv * (size_t)n_ids);
    argv[0] = "XACK";
    argv[1] = BUS_STREAM_OUT;
    argv[2] = BUS_GROUP_ENGINE;
    /* Best effort: an entry left unacknowledged is read again after a
     * reconnect or restart, and stored once. */
    bus_cmd_argv(engine->cmd, NULL, NULL, 3 + n_ids, argv, NULL);
    argv[1] = "XDEL";
    argv[2] = BUS_STREAM_OUT;
    bus_cmd_argv(engine->cmd, NULL, NULL, 2 + n_ids, argv + 1, NULL);
    free(argv);
}

/* Acknowledge every group whose samples the historian has committed. */
static void ack_committed(void) {
    uint64_t committed = hist_committed(engine->hist);
    while (acks_head && acks_head->seq <= committed) {
        ack_group_t *g = acks_head;
        acks_head = g->next;
        if (!acks_head) acks_tail = NULL;
        ack_and_delete((const char **)g->ids, g->n_ids);
        free(g);
    }
}

/* Keep a copy of ctx's entry ids until batch seq is committed. */
static void defer_acks(read_ctx_t *ctx, uint64_t seq) {
    if (!ctx->n_ids) return;
    size_t bytes = 0;
    for (int i = 0; i < ctx->n_ids; i++) bytes += strlen(ctx->ids[3 + i]) + 1;
    ack_group_t *g = xmalloc(sizeof *g + sizeof(char *) * (size_t)ctx->n_ids + bytes);
    g->seq = seq;
    g->n_ids = ctx->n_ids;
    g->ids = (char **)(g + 1);
    g->next = NULL;
    char *at = (char *)(g->ids + ctx->n_ids);
    for (int i = 0; i < ctx->n_ids; i++) {
        size_t len = strlen(ctx->ids[3 + i]) + 1;
        memcpy(at, ctx->ids[3 + i], len);
        g->ids[i] = at;
        at += len;
    }
    if (acks_tail)
        acks_tail->next = g;
    else
        acks_head = g;
    acks_tail = g;
}

static void on_read(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    (void)arg;
    engine->reading = 0;
    if (!reply) return;     /* connection lost: re-armed when it is back */
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strncmp(reply->str, "NOGROUP", 7) == 0) {
            /* A Redis that came back without its data: make the group
             * again (from the start of whatever the stream holds). */
            LOG(LOG_WARN, "%s has no group %s (Redis lost its data?); creating it",
                BUS_STREAM_OUT, BUS_GROUP_ENGINE);
            bus_cmd(engine->cmd, NULL, NULL, "XGROUP CREATE %s %s 0 MKSTREAM", BUS_STREAM_OUT,
                    BUS_GROUP_ENGINE);
        } else {
            LOG(LOG_WARN, "reading %s: %s", BUS_STREAM_OUT, reply->str);
        }
        return;             /* the watch timer re-arms the read */
    }
    read_ctx_t ctx = {hist_batch_new(), NULL, 0, 0, wall_ns()};
    ctx.cap_ids = 64;
    ctx.ids = xmalloc(sizeof *ctx.ids * (size_t)(ctx.cap_ids + 3));
    bus_for_each_entry(reply, take_entry, &ctx);
    if (engine->read_backlog) {
        /* Pending entries come back until acknowledged: go on after the
         * last one, not from 0 again. */
        if (ctx.n_ids == 0) {
            engine->read_backlog = 0;
            LOG(LOG_DEBUG, "backlog of %s read; now reading new entries", BUS_STREAM_OUT);
        } else {
            strlcpy_pde(backlog_from, ctx.ids[3 + ctx.n_ids - 1], sizeof backlog_from);
        }
    }
    uint64_t seq = 0;
    /* Refused (buffer full: counted as dropped) leaves nothing to wait for. */
    if (hist_batch_count(ctx.batch) && hist_submit(engine->hist, ctx.batch) == 0)
        seq = hist_submitted(engine->hist);
    else if (!hist_batch_count(ctx.batch))
        hist_batch_free(ctx.batch);
    defer_acks(&ctx, seq);
    free(ctx.ids);
    ack_committed();
    read_more();
}

static void read_more(void) {
    if (engine->reading || !engine->reader || !bus_conn_is_up(engine->reader)) return;
    /* "0": our own entries delivered before a restart but never acked. */
    const char *from = engine->read_backlog ? backlog_from : ">";
    const char *argv[] = {"XREADGROUP", "GROUP", BUS_GROUP_ENGINE, engine->consumer,
                          "COUNT", READ_COUNT, "BLOCK", READ_BLOCK_MS,
                          "STREAMS", BUS_STREAM_OUT, from};
    if (bus_cmd_argv(engine->reader, on_read, NULL, 11, argv, NULL) == 0) engine->reading = 1;
}

static void on_reader_state(bus_conn_t *c, int up, void *arg) {
    (void)c;
    (void)arg;
    engine->reading = 0;
    if (up) {
        engine->read_backlog = 1;
        strcpy(backlog_from, "0");
        read_more();
    }
}

void sampler_start(void) {
    engine->reader = bus_conn_new(engine->loop, engine->redis_host, engine->redis_port,
                                  "reader", on_reader_state, NULL);
}

/* Called by the watch timer: acknowledge what the historian has committed
 * since the last read, and re-arm a read an error reply ended. */
void sampler_rearm(void) {
    ack_committed();
    read_more();
}

void sampler_free(void) {
    while (acks_head) {
        ack_group_t *g = acks_head;
        acks_head = g->next;
        free(g);
    }
    acks_tail = NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

json_t *sampler_stats_json(void) {
    size_t n = engine->n_lag < LAG_WINDOW ? (size_t)engine->n_lag : LAG_WINDOW;
    json_t *o = json_object();
    json_object_set_new(o, "samples_in", json_integer((json_int_t)engine->samples_in));
    json_object_set_new(o, "samples_fenced", json_integer((json_int_t)engine->samples_fenced));
    if (n) {
        double *sorted = xmalloc(n * sizeof *sorted);
        memcpy(sorted, engine->lag_ms, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        json_object_set_new(o, "lag_ms", json_pack("{s:f, s:f, s:f, s:I}",
                                                    "p50", sorted[n / 2],
                                                    "p99", sorted[(size_t)(0.99 * (double)(n - 1))],
                                                    "max", sorted[n - 1],
                                                    "window", (json_int_t)n));
        free(sorted);
    }
    return o;
}
