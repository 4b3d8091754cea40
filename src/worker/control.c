/* control.c - applies control actions from pde:ctl:<worker id> and answers
 * each "set" with an ack carrying the value now in force and the simulated
 * time from which it applies. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "worker.h"

#define CTL_PER_READ "256"
#define CTL_BLOCK_MS "1000"

static void send_ack(worker_t *w, const char *req, const char *sim,
                     const char *tag, double value, double t, const char *error) {
    char value_str[32], t_str[32];
    snprintf(value_str, sizeof value_str, "%.17g", value);
    snprintf(t_str, sizeof t_str, "%.17g", t);
    const char *argv[] = {"XADD", BUS_STREAM_OUT, "MAXLEN", "~", BUS_OUT_MAXLEN, "*",
                          "type", BUS_OUT_ACK, "worker", w->id, "req", req,
                          "sim", sim, "tag", tag, "value", value_str,
                          "t", t_str, "error", error};
    bus_cmd_argv(w->cmd, NULL, NULL, 22, argv, NULL);
}

static void apply_set(worker_t *w, const redisReply *fields) {
    const char *req = bus_field(fields, "req", NULL);
    const char *sim = bus_field(fields, "sim", NULL);
    const char *tag = bus_field(fields, "tag", NULL);
    const char *value_str = bus_field(fields, "value", NULL);
    if (!req || !sim || !tag || !value_str) return;
    wsim_t *ws = NULL;
    HASH_FIND_STR(w->sims, sim, ws);
    if (!ws) {
        double value = strtod(value_str, NULL), in_force = NAN, t = 0;
        const char *error = parts_set_input(w, sim, tag, value, &in_force, &t);
        send_ack(w, req, sim, tag, in_force, t, error);
        return;
    }
    double t = sim_time(ws->sim);
    int i = model_tag_index(ws->model, tag);
    if (i < 0 || i >= ws->model->n_inputs) {
        send_ack(w, req, sim, tag, NAN, t, "not an input tag of this model");
        return;
    }
    char *end;
    errno = 0;
    double value = strtod(value_str, &end);
    if (*end || errno || sim_set_input(ws->sim, i, value) != 0) {
        send_ack(w, req, sim, tag, sim_input(ws->sim, i), t, "value out of range");
        return;
    }
    LOG(LOG_DEBUG, "sim %s: %s = %g from t = %g", sim, tag, value, t);
    send_ack(w, req, sim, tag, sim_input(ws->sim, i), t, "");
}

static void apply_entry(const char *stream, const char *id,
                        const redisReply *fields, void *arg) {
    worker_t *w = arg;
    const char *type = bus_field(fields, "type", NULL);
    if (type && strcmp(type, BUS_CTL_SET) == 0) {
        apply_set(w, fields);
    } else if (type && strcmp(type, BUS_CTL_STOP) == 0) {
        const char *sim = bus_field(fields, "sim", NULL);
        wsim_t *ws = NULL;
        if (sim) HASH_FIND_STR(w->sims, sim, ws);
        if (ws) worker_end_sim(w, ws, "stopped", "");
        if (sim) parts_stop(w, sim);
    } else if (type && strcmp(type, BUS_CTL_PART) == 0) {
        parts_start(w, fields);
    } else {
        LOG(LOG_WARN, "control %s: unknown entry skipped", id);
    }
    bus_cmd(w->cmd, NULL, NULL, "XACK %s %s %s", stream, BUS_GROUP_CTL, id);
}

static void on_control(bus_conn_t *c, redisReply *reply, void *arg) {
    worker_t *w = arg;
    (void)c;
    w->ctl_reading = 0;
    if (!reply) return;
    if (reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "reading control actions: %s", reply->str);
        return;     /* the heartbeat re-arms the read */
    }
    bus_for_each_entry(reply, apply_entry, w);
    worker_read_control(w);
}

void worker_read_control(worker_t *w) {
    /* Not while cmd is down (just after Redis came back): the ack and
     * XACK of what it reads would be lost. Its coming up re-arms this. */
    if (w->stopping || w->ctl_reading || !bus_conn_is_up(w->ctl) || !bus_conn_is_up(w->cmd))
        return;
    const char *argv[] = {"XREADGROUP", "GROUP", BUS_GROUP_CTL, w->id,
                          "COUNT", CTL_PER_READ, "BLOCK", CTL_BLOCK_MS,
                          "STREAMS", w->ctl_stream, ">"};
    if (bus_cmd_argv(w->ctl, on_control, w, 11, argv, NULL) == 0) w->ctl_reading = 1;
}
