/* messages.c - encoding and decoding of what crosses the bus (see bus.h).
 *
 * Sample lines are on the hot path: one line per sim per sample time, so
 * they are plain text built with snprintf and parsed with strtod, not JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bus.h"
#include "common/err.h"
#include "common/util.h"

const char *bus_field(const redisReply *fields, const char *name, size_t *len) {
    if (!fields || fields->type != REDIS_REPLY_ARRAY) return NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i], *v = fields->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
            strcmp(k->str, name) == 0) {
            if (len) *len = v->len;
            return v->str;
        }
    }
    return NULL;
}

void bus_for_each_entry(const redisReply *reply, bus_entry_fn *fn, void *arg) {
    if (!reply || reply->type != REDIS_REPLY_ARRAY) return;
    for (size_t s = 0; s < reply->elements; s++) {
        const redisReply *stream = reply->element[s];
        if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
            stream->element[0]->type != REDIS_REPLY_STRING ||
            stream->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *entries = stream->element[1];
        for (size_t e = 0; e < entries->elements; e++) {
            const redisReply *entry = entries->element[e];
            /* A pending entry deleted meanwhile comes back as [id, nil]. */
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
                entry->element[0]->type != REDIS_REPLY_STRING)
                continue;
            fn(stream->element[0]->str, entry->element[0]->str,
               entry->element[1], arg);
        }
    }
}

void bus_job_encode(const bus_job_t *job, strbuf_t *out) {
    strbuf_reset(out);
    json_t *inputs = json_loads(job->inputs_json ? job->inputs_json : "{}", 0, NULL);
    json_t *params = json_loads(job->params_json ? job->params_json : "{}", 0, NULL);
    json_t *spec = json_pack("{s:s, s:f, s:f, s:f, s:o, s:o}", "model", job->model,
                             "time_scale", job->time_scale, "duration", job->duration,
                             "sample_time", job->sample_time,
                             "inputs", inputs ? inputs : json_object(),
                             "params", params ? params : json_object());
    char *text = json_dumps(spec, JSON_COMPACT | JSON_REAL_PRECISION(17));
    strbuf_append(out, text, strlen(text));
    free(text);
    json_decref(spec);
}

int bus_job_decode(const char *spec, bus_job_t *job) {
    json_t *root = json_loads(spec, 0, NULL);
    json_t *inputs = NULL, *params = NULL;
    const char *model = NULL;
    int rc = PDE_EPROTO;
    if (!root) goto done;
    if (json_unpack(root, "{s:s, s:F, s:F, s:F, s:o, s:o}", "model", &model,
                    "time_scale", &job->time_scale, "duration", &job->duration,
                    "sample_time", &job->sample_time, "inputs", &inputs,
                    "params", &params) != 0 ||
        !json_is_object(inputs) || !json_is_object(params) ||
        strlen(model) >= sizeof job->model)
        goto done;
    strcpy(job->model, model);
    job->inputs_json = json_dumps(inputs, JSON_COMPACT | JSON_REAL_PRECISION(17));
    job->params_json = json_dumps(params, JSON_COMPACT | JSON_REAL_PRECISION(17));
    rc = 0;
done:
    json_decref(root);
    return rc;
}

void bus_job_release(bus_job_t *job) {
    free(job->inputs_json);
    free(job->params_json);
    job->inputs_json = job->params_json = NULL;
}

void bus_samples_append(strbuf_t *out, const char *sim, double t,
                        int64_t due_ns, const double *values, int n_values) {
    strbuf_printf(out, "%s %.17g %lld", sim, t, (long long)due_ns);
    for (int i = 0; i < n_values; i++) strbuf_printf(out, " %.17g", values[i]);
    strbuf_append(out, "\n", 1);
}

int bus_samples_next(const char **cursor, bus_sample_t *s) {
    const char *p = *cursor;
    if (!*p) return 0;
    const char *eol = strchr(p, '\n');
    const char *next = eol ? eol + 1 : p + strlen(p);
    *cursor = next;

    size_t id_len = strcspn(p, " \n");
    if (id_len == 0 || id_len >= sizeof s->sim) return PDE_EPROTO;
    memcpy(s->sim, p, id_len);
    s->sim[id_len] = '\0';
    p += id_len;

    char *end;
    errno = 0;
    s->t = strtod(p, &end);
    if (end == p) return PDE_EPROTO;
    p = end;
    s->due_ns = strtoll(p, &end, 10);
    if (end == p || errno) return PDE_EPROTO;
    p = end;
    s->n_values = 0;
    while (p < next && *p == ' ') {
        if (s->n_values == BUS_SAMPLE_MAX_VALUES) return PDE_EPROTO;
        double v = strtod(p, &end);
        if (end == p) return PDE_EPROTO;
        s->values[s->n_values++] = v;
        p = end;
    }
    if (p != next && !(p + 1 == next && *p == '\n')) return PDE_EPROTO;
    return 1;
}

const char *bus_key(char *buf, size_t len, const char *fmt, const char *id) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(buf, len, fmt, id);
#pragma GCC diagnostic pop
    return buf;
}

int bus_id_valid(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n >= BUS_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}
