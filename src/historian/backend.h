/* backend.h - what hist.c shares with the historian's storage backends.
 *
 * hist.c owns the queue and the writer thread; a backend only stores and
 * answers. Each backend is one table of operations (sqlite.c, influx.c)
 * listed in hist.c; series.c holds what both use to answer queries. Not for
 * use outside src/historian/ and its tests. */
#ifndef PDE_HIST_BACKEND_H
#define PDE_HIST_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "historian/hist.h"

/* A batch as the writer holds it: points in submission order, linked into
 * the queue through next. */
struct hist_batch {
    struct hist_batch *next;
    uint64_t seq;         /* 1, 2, 3, ... in submission order */
    double queued_at;     /* mono_s() when submitted */
    size_t n_points;
    size_t cap;
    hist_point_t *points;
};

/* What a backend that forwards points elsewhere (influx) adds to the stats. */
typedef struct hist_backend_stats {
    uint64_t delivered;       /* points now in the final store */
    uint64_t pending;         /* points held locally, not delivered yet */
    char last_error[256];     /* "" while delivery works */
    char target[256];         /* where points go, for people */
} hist_backend_stats_t;

typedef struct hist_backend_ops {
    const char *name;     /* "sqlite"; also hist_stats_t.backend */
    const char *usage;    /* how to spell it, for error messages */

    /* Nonzero when spec names this backend. */
    int (*match)(const char *spec);

    /* Connect or create storage. On success returns 0 and sets *be; on
     * failure returns a negative code, fills err and allocates nothing. */
    int (*open)(const char *spec, const char *data_dir, void **be, char *err,
                size_t err_len);

    /* Store every point of the batches linked from first, all or nothing.
     * Called from the writer thread only, never concurrently with itself.
     * Storing a point that is already stored (same sim, tag and sim_time)
     * must succeed and keep one copy: after a failure the writer sends the
     * same points again. Returns 0, or a negative code with err filled. */
    int (*write)(void *be, const hist_batch_t *first, char *err,
                 size_t err_len);

    /* Answer a query as hist_query() documents. Called from any thread, also
     * while write runs; must not touch the writer's state. Returns a new
     * reference, or NULL with err filled. */
    json_t *(*query)(void *be, const hist_query_t *q, char *err,
                     size_t err_len);

    /* Release everything; the writer has stopped. close(NULL) is harmless. */
    void (*close)(void *be);

    /* Optional (NULL: what write stored is final). Fill out; any thread. */
    void (*stats)(void *be, hist_backend_stats_t *out);
} hist_backend_ops_t;

/* Put a message into err (err may be NULL or err_len 0: then nothing). */
void hist__set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

extern const hist_backend_ops_t hist__sqlite_ops;
extern const hist_backend_ops_t hist__influx_ops;

/* One stored point of one tag, as a query reads it; v NaN when missing. */
typedef struct hist_row {
    double t;                 /* sim_time */
    double v;
    int64_t wall_ns;
} hist_row_t;

/* The answer array of one tag from its rows in [from, to], which must be
 * in sim_time order with no sim_time twice: whole, or bucketed, with the
 * extra elements q asks for, as hist.h documents for hist_query(). Returns
 * a new reference or NULL (out of memory). */
json_t *hist__series_json(const hist_row_t *rows, size_t n,
                          const hist_query_t *q);

/* A growable array of rows. hist__rows_push returns 0 or -1 (no memory). */
typedef struct hist_rows {
    hist_row_t *rows;
    size_t n, cap;
} hist_rows_t;
int hist__rows_push(hist_rows_t *r, double t, double v, int64_t wall_ns);
void hist__rows_release(hist_rows_t *r);

/* Append p to sb as one line of InfluxDB line protocol, '\n' included
 * (influx.c; its header comment says how values are escaped). */
void hist__influx_line(strbuf_t *sb, const hist_point_t *p);

/* hist_open() with the backend already chosen: tests use it to put a backend
 * of their own (one that fails on demand) behind the real queue and writer.
 * Arguments and result as hist_open(). */
hist_t *hist__open_ops(const hist_backend_ops_t *ops, const char *spec,
                       const char *data_dir, char *err, size_t err_len);

/* Lower the buffer bound of h (HIST_MAX_BUFFERED by default), so tests can
 * reach it without gigabytes of points. */
void hist__set_max_buffered(hist_t *h, uint64_t max_points);

#endif
