/* cosim.c - the demo's wire format and one part's step (cosim.h).
 *
 * Load: the hot path of every co-simulated chain: per entry one small JSON
 * parse, three numbers written and one formatted XADD. */
#include "cosim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"
#include "number.h"

static const cosim_role_def_t roles[] = {
    [COSIM_VELOCITY] = {"velocity", "positions", "velocities", "vel_group"},
    [COSIM_POSITION] = {"position", "velocities", "positions", "pos_group"},
};

const cosim_role_def_t *cosim_role(cosim_role_t role) {
    return &roles[role];
}

int cosim_role_parse(const char *name) {
    for (int r = COSIM_VELOCITY; r <= COSIM_POSITION; r++)
        if (name && strcmp(name, roles[r].name) == 0) return r;
    return -1;
}

void cosim_stream(char *out, size_t len, const char *prefix, const char *stream) {
    snprintf(out, len, "%s%s", prefix, stream);
}

void cosim_sim_prefix(char *out, size_t len, const char *sim) {
    snprintf(out, len, "pde:cosim:%s:", sim);
}

/* ---------------------------- states ---------------------------- */

int cosim_state_is_finite(const sd_state_t *s) {
    return isfinite(s->x) && isfinite(s->v) && isfinite(s->t);
}

static int state_from_json(const json_t *o, sd_state_t *s) {
    json_t *x = json_object_get(o, "x"), *v = json_object_get(o, "v"),
           *t = json_object_get(o, "t");
    if (!json_is_number(x) || !json_is_number(v) || !json_is_number(t)) return -1;
    s->x = json_number_value(x);
    s->v = json_number_value(v);
    s->t = json_number_value(t);
    return cosim_state_is_finite(s) ? 0 : -1;
}

int cosim_state_parse(const char *json, size_t len, sd_state_t *s) {
    json_t *o = json_loadb(json, len, 0, NULL);
    int rc = state_from_json(o, s);
    json_decref(o);
    return rc;
}

static void put_number(strbuf_t *out, double x) {
    char text[COSIM_NUMBER_MAX];
    strbuf_append(out, text, cosim_number_format(x, text));
}

void cosim_state_format(strbuf_t *out, const sd_state_t *s) {
    strbuf_puts(out, "{\"x\":");
    put_number(out, s->x);
    strbuf_puts(out, ",\"v\":");
    put_number(out, s->v);
    strbuf_puts(out, ",\"t\":");
    put_number(out, s->t);
    strbuf_putc(out, '}');
}

long cosim_cycle(const sd_state_t *s, double h) {
    return lround(s->t / h);
}

int cosim_step_answers(cosim_step_t step) {
    return step == COSIM_ANSWER || step == COSIM_ANSWER_LAST;
}

cosim_step_t cosim_step(cosim_role_t role, const sd_params_t *p, double F,
                        long cycles, const sd_state_t *in, sd_state_t *out) {
    if (role == COSIM_VELOCITY) {
        if (cosim_cycle(in, p->h) >= cycles) return COSIM_COMPLETE;
        *out = sd_split_velocity(p, F, *in);
        return cosim_state_is_finite(out) ? COSIM_ANSWER : COSIM_OVERFLOW;
    }
    *out = sd_split_position(p, *in);
    if (!cosim_state_is_finite(out)) return COSIM_OVERFLOW;
    return cosim_cycle(out, p->h) >= cycles ? COSIM_ANSWER_LAST : COSIM_ANSWER;
}

const char *cosim_field(const redisReply *fields, const char *name, size_t *len) {
    const char *value = NULL;
    if (!fields || fields->type != REDIS_REPLY_ARRAY) return NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i], *v = fields->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
            strcmp(k->str, name) == 0) {
            value = v->str;
            *len = v->len;
        }
    }
    return value;
}

int cosim_entry_parse(const redisReply *fields, cosim_entry_t *e) {
    memset(e, 0, sizeof *e);
    e->name = cosim_field(fields, "name", &e->name_len);
    e->in = cosim_field(fields, "in", &e->in_len);
    e->out = cosim_field(fields, "out", &e->out_len);
    if (!e->name || !e->in || !e->out) return -1;
    return cosim_state_parse(e->out, e->out_len, &e->state);
}

/* ---------------------------- batches ---------------------------- */

static void append_command(cosim_batch_t *b, int argc, const char **argv,
                           const size_t *lens) {
    /* The sds formatter: redisFormatCommandArgv() spends most of a step's
     * formatting in sprintf() of the lengths. */
    sds cmd = NULL;
    int len = redisFormatSdsCommandArgv(&cmd, argc, argv, lens);
    PDE_ASSERT(len > 0);
    strbuf_append(&b->cmds, cmd, (size_t)len);
    redisFreeSdsCommand(cmd);
    if (b->n_replies == b->cap_ends) {
        b->cap_ends = b->cap_ends ? 2 * b->cap_ends : 64;
        b->ends = xrealloc(b->ends, (size_t)b->cap_ends * sizeof *b->ends);
    }
    b->ends[b->n_replies++] = b->cmds.len;
}

static void open_transaction(cosim_batch_t *b) {
    if (b->n_replies) return;
    const char *argv[] = {"MULTI"};
    append_command(b, 1, argv, NULL);
}

static void flush_acks(cosim_batch_t *b) {
    if (!b->n_ack) return;
    int argc = 3 + b->n_ack;
    const char **argv = xcalloc((size_t)argc, sizeof *argv);
    argv[0] = "XACK";
    argv[1] = b->ack_stream;
    argv[2] = b->ack_group;
    const char *id = b->ack_ids.data;
    for (int i = 0; i < b->n_ack; i++) {
        argv[3 + i] = id;
        id += strlen(id) + 1;
    }
    append_command(b, argc, argv, NULL);
    free(argv);
    b->n_ack = 0;
    strbuf_reset(&b->ack_ids);
}

void cosim_batch_xadd(cosim_batch_t *b, const char *stream, const char *const fields[6],
                      const size_t lens[6]) {
    open_transaction(b);
    const char *argv[9] = {"XADD", stream, "*"};
    size_t argv_lens[9] = {4, strlen(stream), 1};
    memcpy(argv + 3, fields, 6 * sizeof *fields);
    memcpy(argv_lens + 3, lens, 6 * sizeof *lens);
    append_command(b, 9, argv, argv_lens);
    b->n_answers++;
}

void cosim_batch_answer(cosim_batch_t *b, const char *stream, const char *name,
                        size_t name_len, const char *in, size_t in_len,
                        const sd_state_t *out) {
    strbuf_t text = STRBUF_INIT;
    cosim_state_format(&text, out);
    const char *fields[] = {"name", name, "in", in, "out", text.data};
    size_t lens[] = {4, name_len, 2, in_len, 3, text.len};
    cosim_batch_xadd(b, stream, fields, lens);
    strbuf_release(&text);
}

void cosim_batch_ack(cosim_batch_t *b, const char *stream, const char *group,
                     const char *id) {
    open_transaction(b);
    if (b->n_ack && (strcmp(b->ack_stream, stream) || strcmp(b->ack_group, group)))
        flush_acks(b);
    if (!b->n_ack) {
        strlcpy_pde(b->ack_stream, stream, sizeof b->ack_stream);
        strlcpy_pde(b->ack_group, group, sizeof b->ack_group);
    }
    strbuf_append(&b->ack_ids, id, strlen(id) + 1);
    b->n_ack++;
}

void cosim_batch_finish(cosim_batch_t *b) {
    if (!b->n_replies) return;
    flush_acks(b);
    const char *argv[] = {"EXEC"};
    append_command(b, 1, argv, NULL);
}

void cosim_batch_reset(cosim_batch_t *b) {
    strbuf_reset(&b->cmds);
    strbuf_reset(&b->ack_ids);
    b->n_replies = b->n_answers = b->n_ack = 0;
}

void cosim_batch_release(cosim_batch_t *b) {
    strbuf_release(&b->cmds);
    free(b->ends);
    b->ends = NULL;
    b->cap_ends = 0;
    strbuf_release(&b->ack_ids);
    b->n_replies = b->n_answers = b->n_ack = 0;
}
