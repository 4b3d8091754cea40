/* influx_query.c - history queries of the InfluxDB backend: one InfluxQL
 * request (chunked, times in ns) for a sim's tags in [from, to], rows put
 * in sim_time order with a sim_time stored twice kept once (the one written
 * first, as the SQLite backend keeps it), then answered by series.c, so both
 * backends answer alike. Runs on any thread, on a curl handle of its own.
 *
 * Load: a query reads every point of the tags in range (24 bytes a row in
 * memory) and downsamples here, as InfluxQL's GROUP BY time() buckets by
 * wall clock, not by simulated time. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "historian/influx.h"

/* Append s to sb as an InfluxQL string literal. */
static void add_literal(strbuf_t *sb, const char *s) {
    strbuf_putc(sb, '\'');
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\') strbuf_putc(sb, '\\');
        strbuf_putc(sb, *s);
    }
    strbuf_putc(sb, '\'');
}

typedef struct tag_rows {
    char *name;
    hist_rows_t rows;
} tag_rows_t;

typedef struct answer {
    tag_rows_t *tags;
    size_t n, cap;
} answer_t;

static hist_rows_t *rows_of(answer_t *a, const char *name) {
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->tags[i].name, name) == 0) return &a->tags[i].rows;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        tag_rows_t *tags = realloc(a->tags, cap * sizeof *tags);
        if (!tags) return NULL;
        a->tags = tags;
        a->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy) return NULL;
    a->tags[a->n] = (tag_rows_t){.name = copy};
    return &a->tags[a->n++].rows;
}

static void answer_release(answer_t *a) {
    for (size_t i = 0; i < a->n; i++) {
        free(a->tags[i].name);
        hist__rows_release(&a->tags[i].rows);
    }
    free(a->tags);
}

static int by_time_then_wall(const void *x, const void *y) {
    const hist_row_t *a = x, *b = y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return (a->wall_ns > b->wall_ns) - (a->wall_ns < b->wall_ns);
}

static int by_name(const void *x, const void *y) {
    return strcmp(((const tag_rows_t *)x)->name, ((const tag_rows_t *)y)->name);
}

/* Take one chunk of /query's answer into a. Returns 0, 1 "database not
 * found", or -1 (err filled). */
static int take_chunk(answer_t *a, json_t *chunk, const hist_query_t *q,
                      char *err, size_t err_len) {
    json_t *e = json_object_get(chunk, "error");
    if (json_is_string(e)) goto influx_error;
    json_t *result;
    size_t i;
    json_array_foreach(json_object_get(chunk, "results"), i, result) {
        e = json_object_get(result, "error");
        if (json_is_string(e)) goto influx_error;
        json_t *series;
        size_t j;
        if (json_integer_value(json_object_get(result, "statement_id")) == 1) {
            /* SHOW TAG VALUES: every tag recorded for the sim, so a tag
             * with no points in range still answers []. */
            json_array_foreach(json_object_get(result, "series"), j, series) {
                json_t *row;
                size_t k;
                json_array_foreach(json_object_get(series, "values"), k, row) {
                    const char *tag = json_string_value(json_array_get(row, 1));
                    if (tag && !rows_of(a, tag)) goto nomem;
                }
            }
            continue;
        }
        json_array_foreach(json_object_get(result, "series"), j, series) {
            const char *tag = json_string_value(
                json_object_get(json_object_get(series, "tags"), "tag"));
            json_t *cols = json_object_get(series, "columns");
            int ct = -1, cs = -1, cv = -1;
            json_t *col;
            size_t k;
            json_array_foreach(cols, k, col) {
                const char *c = json_string_value(col);
                if (!c) continue;
                if (strcmp(c, "time") == 0) ct = (int)k;
                if (strcmp(c, "sim_time") == 0) cs = (int)k;
                if (strcmp(c, "value") == 0) cv = (int)k;
            }
            if (!tag || ct < 0 || cs < 0 || cv < 0) continue;
            hist_rows_t *rows = rows_of(a, tag);
            if (!rows) goto nomem;
            json_t *row;
            json_array_foreach(json_object_get(series, "values"), k, row) {
                json_t *jt = json_array_get(row, (size_t)cs);
                json_t *jv = json_array_get(row, (size_t)cv);
                json_t *jw = json_array_get(row, (size_t)ct);
                if (!json_is_number(jt)) continue;
                double t = json_number_value(jt);
                if (t < q->from || t > q->to) continue;
                double v = json_is_number(jv) ? json_number_value(jv) : NAN;
                int64_t w = json_is_integer(jw) ? json_integer_value(jw) : 0;
                if (hist__rows_push(rows, t, v, w) != 0) goto nomem;
            }
        }
    }
    return 0;
influx_error:
    if (strstr(json_string_value(e), "database not found")) return 1;
    hist__set_err(err, err_len, "InfluxDB query failed: %s", json_string_value(e));
    return -1;
nomem:
    hist__set_err(err, err_len, "out of memory answering a history query");
    return -1;
}

json_t *influx__query(void *bep, const hist_query_t *q, char *err,
                      size_t err_len) {
    influx_t *in = bep;
    influx__wait_delivered(in);

    strbuf_t ql = STRBUF_INIT, form = STRBUF_INIT;
    answer_t a = {0};
    body_t resp = {0};
    json_t *result = NULL, *tags = NULL;
    CURL *c = curl_easy_init();
    if (!c) {
        hist__set_err(err, err_len, "cannot start libcurl");
        goto fail;
    }
    strbuf_puts(&ql, "SELECT \"sim_time\", \"value\" FROM \"pde\" WHERE \"sim\" = ");
    add_literal(&ql, q->sim);
    if (q->tags && q->n_tags > 0) {
        strbuf_puts(&ql, " AND (");
        for (int i = 0; i < q->n_tags; i++) {
            strbuf_puts(&ql, i ? " OR \"tag\" = " : "\"tag\" = ");
            add_literal(&ql, q->tags[i]);
        }
        strbuf_putc(&ql, ')');
    }
    if (isfinite(q->from)) strbuf_printf(&ql, " AND \"sim_time\" >= %.17g", q->from);
    if (isfinite(q->to)) strbuf_printf(&ql, " AND \"sim_time\" <= %.17g", q->to);
    strbuf_puts(&ql, " GROUP BY \"tag\"");
    if (!q->tags) {
        strbuf_puts(&ql, "; SHOW TAG VALUES FROM \"pde\" WITH KEY = \"tag\" "
                         "WHERE \"sim\" = ");
        add_literal(&ql, q->sim);
    }

    char *esc_q = curl_easy_escape(c, ql.data, (int)ql.len);
    if (!esc_q) {
        hist__set_err(err, err_len, "out of memory");
        goto fail;
    }
    strbuf_printf(&form, "db=%s&epoch=ns&chunked=true&chunk_size=10000&q=%s",
                in->db, esc_q);
    curl_free(esc_q);
    char url[400];
    snprintf(url, sizeof url, "%s/query", in->base_url);
    long status = 0;
    if (influx__post(c, url, "application/x-www-form-urlencoded", form.data,
                  form.len, IN_QUERY_TIMEOUT_S, &resp, &status, err,
                  err_len) != 0)
        goto fail;
    int no_db = 0;
    /* Chunked: one JSON document per line. */
    for (char *line = resp.data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        if (next) next++;
        if (len == 0) continue;
        json_error_t jerr;
        json_t *chunk = json_loadb(line, len, 0, &jerr);
        if (!chunk) {
            hist__set_err(err, err_len, "InfluxDB answered what is not JSON (HTTP "
                    "%ld): %.100s", status, line);
            goto fail;
        }
        int rc = take_chunk(&a, chunk, q, err, err_len);
        json_decref(chunk);
        if (rc < 0) goto fail;
        if (rc > 0) no_db = 1;
    }
    if (status != 200 && !no_db) {
        hist__set_err(err, err_len, "InfluxDB answered HTTP %ld to a query: %.200s",
                status, resp.data ? resp.data : "");
        goto fail;
    }

    if (!(result = json_object()) || !(tags = json_object()) ||
        json_object_set_new(result, "sim_id", json_string(q->sim)) != 0 ||
        json_object_set(result, "tags", tags) != 0)
        goto nomem;
    for (size_t i = 0; i < a.n; i++) {
        /* sim_time order; the same sim_time twice (a sim resumed from a
         * checkpoint): the one written first, as the SQLite backend. */
        hist_rows_t *r = &a.tags[i].rows;
        if (r->n > 1) qsort(r->rows, r->n, sizeof *r->rows, by_time_then_wall);
        size_t kept = 0;
        for (size_t j = 0; j < r->n; j++)
            if (kept == 0 || r->rows[j].t != r->rows[kept - 1].t)
                r->rows[kept++] = r->rows[j];
        r->n = kept;
    }
    if (q->tags) {
        for (int i = 0; i < q->n_tags; i++) {
            if (json_object_get(tags, q->tags[i])) continue;
            hist_rows_t *r = rows_of(&a, q->tags[i]);
            if (!r) goto nomem;
            json_t *arr = hist__series_json(r->rows, r->n, q);
            if (!arr || json_object_set_new(tags, q->tags[i], arr) != 0)
                goto nomem;
        }
    } else {
        if (a.n > 1) qsort(a.tags, a.n, sizeof *a.tags, by_name);
        for (size_t i = 0; i < a.n; i++) {
            json_t *arr = hist__series_json(a.tags[i].rows.rows,
                                            a.tags[i].rows.n, q);
            if (!arr || json_object_set_new(tags, a.tags[i].name, arr) != 0)
                goto nomem;
        }
    }
    goto done;

nomem:
    hist__set_err(err, err_len, "out of memory answering a history query");
fail:
    json_decref(result);
    result = NULL;
done:
    json_decref(tags);
    if (c) curl_easy_cleanup(c);
    free(resp.data);
    answer_release(&a);
    strbuf_release(&ql);
    strbuf_release(&form);
    return result;
}
