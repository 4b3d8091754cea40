/* control.c - control actions: the engine validates a write, forwards it to
 * the worker that runs the sim (pde:ctl:<worker>), and answers the client
 * when the worker acks with the value now in force and the simulated time
 * it applies from. An action the worker does not ack in time answers 504. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define ACK_TIMEOUT_S 5.0

struct pending_ack {
    char req_id[32];
    http_req_t *req;
    char sim[BUS_ID_MAX];
    int tag;
    double deadline;        /* mono_s() */
    UT_hash_handle hh;
};

static void forward_failed(bus_conn_t *c, redisReply *reply, void *arg);

void control_set(http_req_t *req, sim_rec_t *rec, int tag, double value) {
    pending_ack_t *p = xcalloc(1, sizeof *p);
    snprintf(p->req_id, sizeof p->req_id, "%d-%llu", (int)getpid(),
             (unsigned long long)++engine->next_req);
    p->req = req;
    strlcpy_pde(p->sim, rec->id, sizeof p->sim);
    p->tag = tag;
    p->deadline = mono_s() + ACK_TIMEOUT_S;

    char stream[BUS_KEY_MAX], value_str[32];
    bus_key(stream, sizeof stream, BUS_CTL_STREAM_FMT, rec->worker);
    snprintf(value_str, sizeof value_str, "%.17g", value);
    const char *argv[] = {"XADD", stream, "MAXLEN", "~", "10000", "*",
                          "type", BUS_CTL_SET, "req", p->req_id, "sim", rec->id,
                          "tag", rec->model->tags[tag].name, "value", value_str};
    char *req_id = xstrdup(p->req_id);
    if (bus_cmd_argv(engine->cmd, forward_failed, req_id, 16, argv, NULL) != 0) {
        free(req_id);
        free(p);
        http_reply_error(req, 503, NULL, "Redis is unreachable; try again shortly");
        return;
    }
    HASH_ADD_STR(engine->acks, req_id, p);
}

/* The XADD's own reply: only an error matters (the ack answers otherwise). */
static void forward_failed(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    char *req_id = arg;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        pending_ack_t *p = NULL;
        HASH_FIND_STR(engine->acks, req_id, p);
        if (p) {
            HASH_DEL(engine->acks, p);
            http_reply_error(p->req, 503, NULL, "could not forward the action: %s",
                             reply ? reply->str : "Redis connection lost");
            free(p);
        }
    }
    free(req_id);
}

void control_stop(sim_rec_t *rec) {
    if (!rec->worker[0]) return;    /* still queued: nothing runs it yet */
    char stream[BUS_KEY_MAX];
    bus_key(stream, sizeof stream, BUS_CTL_STREAM_FMT, rec->worker);
    const char *argv[] = {"XADD", stream, "MAXLEN", "~", "10000", "*",
                          "type", BUS_CTL_STOP, "sim", rec->id};
    bus_cmd_argv(engine->cmd, NULL, NULL, 10, argv, NULL);
}

json_t *control_tag_json(const sim_rec_t *rec, int i) {
    const tag_def_t *tag = &rec->model->tags[i];
    double v = rec->values[i];
    return json_pack("{s:s, s:s, s:o, s:s, s:f}", "tag", tag->name, "kind",
                     tag->kind == TAG_INPUT ? "input" : "output", "value",
                     isfinite(v) ? json_real(v) : json_null(), "unit", tag->unit,
                     "t", rec->values_t[i]);
}

void control_on_ack(const redisReply *fields) {
    const char *req_id = bus_field(fields, "req", NULL);
    pending_ack_t *p = NULL;
    if (req_id) HASH_FIND_STR(engine->acks, req_id, p);
    if (!p) return;     /* answered already (timed out) */
    HASH_DEL(engine->acks, p);
    const char *error = bus_field(fields, "error", NULL);
    const char *value = bus_field(fields, "value", NULL);
    const char *t = bus_field(fields, "t", NULL);
    sim_rec_t *rec = registry_find(p->sim);
    if (!rec || !value || !t) {
        http_reply_error(p->req, 500, NULL, "malformed acknowledgement from the worker");
    } else if (error && *error) {
        http_reply_error(p->req, 409, NULL, "the simulation did not accept the value: %s",
                         error);
    } else {
        /* The new value is in force from t: show it at once, without
         * waiting for the next sample. */
        rec->values[p->tag] = strtod(value, NULL);
        rec->values_t[p->tag] = strtod(t, NULL);
        http_reply(p->req, 200, control_tag_json(rec, p->tag));
        ws_notify_input(rec, p->tag);
    }
    free(p);
}

void control_expire(void) {
    double now = mono_s();
    pending_ack_t *p, *tmp;
    HASH_ITER(hh, engine->acks, p, tmp) {
        if (now < p->deadline) continue;
        HASH_DEL(engine->acks, p);
        http_reply_error(p->req, 504, NULL,
                         "the worker running the simulation did not answer in %.0f s",
                         ACK_TIMEOUT_S);
        free(p);
    }
}

void control_free_all(void) {
    pending_ack_t *p, *tmp;
    HASH_ITER(hh, engine->acks, p, tmp) {
        HASH_DEL(engine->acks, p);
        http_reply_error(p->req, 503, NULL, "the engine is shutting down");
        free(p);
    }
}
