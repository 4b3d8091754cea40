/* hist.h - the data historian: every tag of every simulation at every
 * sample time.
 *
 * The engine hands the historian batches of points; a writer thread of the
 * historian's own commits them (thousands of rows per transaction), so
 * hist_submit() never blocks the event loop. Queries may be run from any
 * thread (the engine runs them on libuv's thread pool); each opens its own
 * read connection.
 *
 * Backends: "sqlite" (one file, WAL, under the data directory) and
 * "influx://host:port/db" (InfluxDB 1.x over HTTP, with a journal on local
 * disk in front of it; see influx.c), behind the same interface. */
#ifndef PDE_HIST_H
#define PDE_HIST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HIST_NAME_MAX 64

typedef struct hist_point {
    char sim[HIST_NAME_MAX];
    char model[HIST_NAME_MAX];
    char tag[HIST_NAME_MAX];
    char kind[8];           /* "input" or "output" */
    double sim_time;        /* simulated seconds since the sim started */
    int64_t wall_ns;        /* wall clock when the sample was taken */
    double value;
} hist_point_t;

typedef struct hist_batch hist_batch_t;
typedef struct hist hist_t;

/* A growable list of points. hist_batch_free(NULL) is harmless. */
hist_batch_t *hist_batch_new(void);
void hist_batch_free(hist_batch_t *b);
/* Append one point; strings are copied (truncated to HIST_NAME_MAX-1).
 * Returns 0, PDE_ENOMEM, or PDE_EINVAL when sim or tag is empty, a string is
 * NULL or sim_time is not finite (the batch is unchanged on failure). A value
 * that is NaN is stored as missing and answered as null. */
int hist_batch_add(hist_batch_t *b, const char *sim, const char *model,
                   const char *tag, const char *kind, double sim_time,
                   int64_t wall_ns, double value);
size_t hist_batch_count(const hist_batch_t *b);

/* Open the historian named by spec ("sqlite" or "influx://host[:port]/db")
 * with its files under
 * data_dir, and start its writer thread. On failure returns NULL and puts
 * the reason in err. */
hist_t *hist_open(const char *spec, const char *data_dir, char *err,
                  size_t err_len);

/* Hand a batch to the writer; the historian owns b from here on, whatever
 * the result. Never blocks on I/O. Returns 0; PDE_EFULL when
 * HIST_MAX_BUFFERED points already wait for a backend that fails or cannot
 * keep up (the batch is dropped and counted in points_dropped); PDE_EINVAL
 * when h or b is NULL. */
int hist_submit(hist_t *h, hist_batch_t *b);

/* Sequence numbers of batches: hist_submitted() is that of the newest batch
 * hist_submit() accepted (1, 2, ...; 0 before any), hist_committed() the
 * newest up to which every batch is stored (for influx: in its journal).
 * One thread submitting can so learn when what it handed over is safe: the
 * engine acknowledges pde:out entries to Redis only then, so an engine
 * killed with points still in memory reads them again when restarted. */
uint64_t hist_submitted(hist_t *h);
uint64_t hist_committed(hist_t *h);

/* Wait until everything submitted so far is committed (or has failed). Cuts
 * the writer's gather wait and retry backoff short once. Returns 0 when all
 * of it is stored, PDE_EDB when an attempt to store it failed (the points
 * stay buffered and the writer keeps retrying). */
int hist_flush(hist_t *h);

/* Flush, stop the writer and free everything. hist_close(NULL) is harmless.
 * Points are lost only if that last attempt to store them fails (logged).
 * No other call on h may run during or after it. */
void hist_close(hist_t *h);

/* Points waiting for the backend, at most; beyond it hist_submit() refuses
 * batches. Only a backend that is down, or slower than the samplers for
 * long, fills it. A waiting point takes sizeof(hist_point_t) (224 bytes),
 * so this is ~450 MB, some 40 s of 10,000 sims with 5 tags at 1 Hz. */
#define HIST_MAX_BUFFERED 2000000

typedef struct hist_stats {
    const char *backend;    /* "sqlite" or "influx" */
    uint64_t points_written;    /* stored in the backend (for influx:
                                 * delivered to InfluxDB) */
    uint64_t points_buffered;   /* submitted, not yet in the backend: in
                                 * memory, plus (influx) in the journal */
    uint64_t batches_committed; /* submitted batches now stored (for
                                 * influx: in the journal) */
    char last_error[256];   /* "" when the last write succeeded */
    uint64_t points_dropped;    /* refused by hist_submit: buffer full */
    uint64_t points_journaled;  /* influx: on local disk, not delivered */
    double write_rate;      /* points_written per second, over the last
                             * ~10 s (since open when younger) */
    char target[256];       /* where points go: a file or a URL */
} hist_stats_t;

/* A consistent snapshot of the counters; safe from any thread. */
void hist_get_stats(hist_t *h, hist_stats_t *out);

typedef struct hist_query {
    const char *sim;
    const char *const *tags;    /* NULL: every tag recorded for the sim */
    int n_tags;
    double from, to;            /* simulated seconds, inclusive; use
                                 * -INFINITY / INFINITY for no bound */
    int max_points;             /* 0: every point; else at most this many
                                 * per tag, as bucket means */
    int minmax;                 /* nonzero: each point also carries the
                                 * bucket's min and max: [t, mean, min, max]
                                 * (a point answered whole: [t, v, v, v]) */
    int with_wall;              /* nonzero: each point ends with the wall
                                 * clock in ns (integer; a bucket's mean) */
} hist_query_t;

/* Answer {"sim_id": sim, "tags": {"a": [[sim_time, value], ...], ...}}
 * with points in sim_time order. Safe from any thread. On failure returns
 * NULL and puts the reason in err. A point submitted more than once (same
 * sim, tag and sim_time) is stored once, with the value submitted first.
 *
 * tags NULL gives every tag recorded for the sim, in name order; a sim with
 * nothing recorded gives "tags": {} (the caller decides that is a 404). A
 * named tag with no points in [from, to] (or from > to) gives []. A value
 * stored as NaN or infinite is answered as null.
 *
 * max_points > 0: a tag with at most max_points points in range is answered
 * whole. Otherwise [first, last] (its first and last sim_time in range) is
 * cut into max_points buckets of equal width w = (last - first) / max_points,
 * bucket k holding first + k*w <= sim_time < first + (k+1)*w (the last one
 * also holds last), and each non-empty bucket is answered as one point:
 * [mean sim_time of its points, mean of their values] (missing values left
 * out of the mean; null when all are missing).
 *
 * minmax and with_wall add elements to each point, after the first two, in
 * that order; the default shape [t, v] is unchanged. */
json_t *hist_query(hist_t *h, const hist_query_t *q, char *err,
                   size_t err_len);

#endif
