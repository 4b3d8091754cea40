/* series.c - the answer of one tag to a history query, shared by every
 * backend so that they answer alike: the rows whole, or cut into buckets of
 * equal sim_time width answered as their means (hist.h, hist_query()), with
 * the bucket's min and max and the mean wall clock on request.
 *
 * Load: one query's rows of one tag, already read into memory (24 bytes a
 * row); a pass over them, no sorting. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "historian/backend.h"

int hist__rows_push(hist_rows_t *r, double t, double v, int64_t wall_ns) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        if (cap > SIZE_MAX / sizeof *r->rows) return -1;
        hist_row_t *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows) return -1;
        r->rows = rows;
        r->cap = cap;
    }
    r->rows[r->n++] = (hist_row_t){.t = t, .v = v, .wall_ns = wall_ns};
    return 0;
}

void hist__rows_release(hist_rows_t *r) {
    free(r->rows);
    r->rows = NULL;
    r->n = r->cap = 0;
}

static json_t *number_or_null(double x) {
    return isfinite(x) ? json_real(x) : json_null();
}

/* Append [t, v(, min, max)(, wall)] to arr. Returns 0 or -1. */
static int append_point(json_t *arr, const hist_query_t *q, double t, double v,
                        double lo, double hi, int64_t wall) {
    json_t *pt = json_array();
    if (!pt) return -1;
    int bad = json_array_append_new(pt, number_or_null(t)) != 0 ||
              json_array_append_new(pt, number_or_null(v)) != 0;
    if (!bad && q->minmax)
        bad = json_array_append_new(pt, number_or_null(lo)) != 0 ||
              json_array_append_new(pt, number_or_null(hi)) != 0;
    if (!bad && q->with_wall)
        bad = json_array_append_new(pt, json_integer((json_int_t)wall)) != 0;
    if (bad || json_array_append_new(arr, pt) != 0) {
        json_decref(pt);
        return -1;
    }
    return 0;
}

typedef struct bucket {
    size_t n;                 /* points */
    size_t n_values;          /* of them with a value */
    double sum_t, sum_v, lo, hi;
    long double sum_wall;
} bucket_t;

static int emit_bucket(json_t *arr, const hist_query_t *q, const bucket_t *b) {
    if (b->n == 0) return 0;
    double mean = b->n_values ? b->sum_v / (double)b->n_values : NAN;
    return append_point(arr, q, b->sum_t / (double)b->n, mean,
                        b->n_values ? b->lo : NAN, b->n_values ? b->hi : NAN,
                        (int64_t)llroundl(b->sum_wall / (long double)b->n));
}

json_t *hist__series_json(const hist_row_t *rows, size_t n,
                          const hist_query_t *q) {
    json_t *arr = json_array();
    if (!arr) return NULL;
    const int max_points = q->max_points;
    if (max_points == 0 || n <= (size_t)max_points) {
        for (size_t i = 0; i < n; i++)
            if (append_point(arr, q, rows[i].t, rows[i].v, rows[i].v,
                             rows[i].v, rows[i].wall_ns) != 0)
                goto nomem;
        return arr;
    }
    double first = rows[0].t, last = rows[n - 1].t;
    double width = (last - first) / max_points;
    long cur_index = -1;
    bucket_t cur = {0};
    for (size_t i = 0; i < n; i++) {
        double t = rows[i].t, v = rows[i].v;
        double k = width > 0 ? floor((t - first) / width) : 0;
        long index = k < 0 ? 0 : k > max_points - 1 ? max_points - 1 : (long)k;
        if (index != cur_index) {
            if (emit_bucket(arr, q, &cur) != 0) goto nomem;
            cur = (bucket_t){0};
            cur_index = index;
        }
        cur.n++;
        cur.sum_t += t;
        cur.sum_wall += rows[i].wall_ns;
        if (!isnan(v)) {
            if (cur.n_values == 0 || v < cur.lo) cur.lo = v;
            if (cur.n_values == 0 || v > cur.hi) cur.hi = v;
            cur.n_values++;
            cur.sum_v += v;
        }
    }
    if (emit_bucket(arr, q, &cur) != 0) goto nomem;
    return arr;

nomem:
    json_decref(arr);
    return NULL;
}
