/* hist.c - the historian's public face: batches, the queue and the writer
 * thread in front of a storage backend (sqlite.c, influx.c).
 *
 * Load: up to 10,000 sims of 3-10 tags each, sampled every simulated second
 * and some sims 100x faster than real time, so tens of thousands to a few
 * hundred thousand points a second. The engine's event loop calls
 * hist_submit() for every sample round; that call only takes a mutex and
 * links the batch into a queue. One writer thread drains the queue into the
 * backend in large transactions.
 *
 * Writer policy:
 * - When the queue turns non-empty the writer waits HIST_GATHER_S for more
 *   batches, so that under load a transaction carries thousands of rows,
 *   then takes everything queued (up to HIST_TXN_POINTS, whole batches) and
 *   stores it in one transaction. While a transaction runs, new batches
 *   queue up, and as the oldest of them is then already older than the
 *   gather window the next transaction starts at once. A point therefore
 *   waits HIST_GATHER_S plus at most the transaction before it, well under
 *   half a second while the backend keeps up.
 * - A failed write keeps its points: the writer records last_error, waits
 *   (HIST_RETRY_MIN_S doubling up to HIST_RETRY_MAX_S) and tries the same
 *   points again, with whatever queued meanwhile. They count as buffered
 *   until stored; nothing is dropped because a write failed.
 * - Memory is bounded: while HIST_MAX_BUFFERED points wait, hist_submit()
 *   refuses further batches with PDE_EFULL and counts them in
 *   points_dropped. Only a backend that stays down, or slower than the
 *   samplers, for long reaches this. A backlog makes transactions bigger
 *   (up to HIST_TXN_POINTS), which is what lets the writer catch up.
 * - An outage is logged when it starts, every HIST_REMIND_S while it lasts
 *   and when it ends, not at every retry; points dropped for a full buffer
 *   at most every HIST_REMIND_S too.
 * - hist_flush() ends the gather wait and any backoff once; hist_close()
 *   stores what is queued, and gives up only if that last attempt fails. */
#include "historian/hist.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "historian/backend.h"

#define HIST_GATHER_S 0.05       /* wait for more batches before a write */
#define HIST_TXN_POINTS 200000   /* write at once from here; most per write */
#define HIST_RETRY_MIN_S 0.1     /* first wait after a failed write */
#define HIST_RETRY_MAX_S 5.0     /* longest wait between attempts */
#define HIST_BATCH_MIN_CAP 64
#define HIST_RATE_WINDOW_S 10.0  /* write_rate is measured over this */
#define HIST_RATE_SAMPLES 32     /* snapshots kept for it */
#define HIST_REMIND_S 60.0       /* an outage is logged again this often */

struct hist {
    const hist_backend_ops_t *ops;
    void *be;
    pthread_t writer;

    pthread_mutex_t mu;       /* guards everything below */
    pthread_cond_t wake;      /* to the writer: work, flush or stop */
    pthread_cond_t progress;  /* to flushers: an attempt ended */

    hist_batch_t *head, *tail;  /* submitted, not taken by the writer yet */
    size_t queued_points;
    uint64_t seq_submitted;   /* batches accepted so far */
    uint64_t seq_committed;   /* every batch up to this one is stored */
    uint64_t seq_failed;      /* newest batch in the last failed attempt */
    uint64_t n_failures;      /* failed attempts so far */
    uint64_t flush_upto;      /* a flush waits for batches up to this one */
    int kick;                 /* a flush asks to skip the backoff wait */
    int stopping;
    int writer_done;

    uint64_t points_written;
    uint64_t points_buffered;
    uint64_t points_dropped;
    uint64_t max_buffered;
    uint64_t batches_committed;
    char last_error[256];

    /* (time, points written) snapshots for write_rate, taken by
     * hist_get_stats at most every HIST_RATE_WINDOW_S / HIST_RATE_SAMPLES. */
    double opened_at;
    double rate_t[HIST_RATE_SAMPLES];
    uint64_t rate_n[HIST_RATE_SAMPLES];
    unsigned n_rate;
};

void hist__set_err(char *err, size_t err_len, const char *fmt, ...) {
    if (!err || err_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- batches */

hist_batch_t *hist_batch_new(void) {
    return calloc(1, sizeof(hist_batch_t));
}

void hist_batch_free(hist_batch_t *b) {
    if (!b) return;
    free(b->points);
    free(b);
}

static void batch_list_free(hist_batch_t *b) {
    while (b) {
        hist_batch_t *next = b->next;
        hist_batch_free(b);
        b = next;
    }
}

int hist_batch_add(hist_batch_t *b, const char *sim, const char *model,
                   const char *tag, const char *kind, double sim_time,
                   int64_t wall_ns, double value) {
    if (!b || !sim || !*sim || !tag || !*tag || !model || !kind ||
        !isfinite(sim_time))
        return PDE_EINVAL;
    if (b->n_points == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : HIST_BATCH_MIN_CAP;
        if (cap > SIZE_MAX / sizeof(hist_point_t)) return PDE_ENOMEM;
        hist_point_t *points = realloc(b->points, cap * sizeof *points);
        if (!points) return PDE_ENOMEM;
        b->points = points;
        b->cap = cap;
    }
    hist_point_t *p = &b->points[b->n_points++];
    strlcpy_pde(p->sim, sim, sizeof p->sim);
    strlcpy_pde(p->model, model, sizeof p->model);
    strlcpy_pde(p->tag, tag, sizeof p->tag);
    strlcpy_pde(p->kind, kind, sizeof p->kind);
    p->sim_time = sim_time;
    p->wall_ns = wall_ns;
    p->value = value;
    return 0;
}

size_t hist_batch_count(const hist_batch_t *b) {
    return b ? b->n_points : 0;
}

/* ----------------------------------------------------------- writer thread */

/* Wait on the writer's condition (monotonic clock) until mono_s() reaches
 * due, or a signal. */
static void wait_until(hist_t *h, double due) {
    double whole = floor(due);
    struct timespec ts = {.tv_sec = (time_t)whole,
                          .tv_nsec = (long)((due - whole) * 1e9)};
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&h->wake, &h->mu, &ts);
}

typedef struct held {
    hist_batch_t *head, *tail;
    size_t n_points;
    uint64_t n_batches;
    uint64_t upto;            /* seq of the newest batch held */
} held_t;

/* Move whole batches from the queue to the writer's hand, up to
 * HIST_TXN_POINTS (at least one batch). Called with the lock held. */
static void take_queued(hist_t *h, held_t *held) {
    while (h->head && (held->n_points == 0 ||
                       held->n_points + h->head->n_points <= HIST_TXN_POINTS)) {
        hist_batch_t *b = h->head;
        h->head = b->next;
        if (!h->head) h->tail = NULL;
        b->next = NULL;
        h->queued_points -= b->n_points;
        if (held->tail)
            held->tail->next = b;
        else
            held->head = b;
        held->tail = b;
        held->n_points += b->n_points;
        held->n_batches++;
        held->upto = b->seq;
    }
}

static void *writer_main(void *arg) {
    hist_t *h = arg;
    held_t held = {0};
    double backoff = 0, retry_at = 0;
    double failing_since = 0, reminded_at = 0;  /* mono_s(); 0: not failing */
    uint64_t dropped_logged = 0;
    double dropped_logged_at = 0;   /* mono_s(); at most every HIST_REMIND_S */
    char err[sizeof h->last_error] = "";

    pthread_mutex_lock(&h->mu);
    for (;;) {
        if (h->points_dropped != dropped_logged &&
            (dropped_logged_at == 0 || mono_s() - dropped_logged_at >= HIST_REMIND_S)) {
            uint64_t dropped = h->points_dropped;
            pthread_mutex_unlock(&h->mu);
            LOG(LOG_ERROR,
                "historian: buffer full (backend down or too slow): %llu "
                "points dropped so far",
                (unsigned long long)dropped);
            dropped_logged = dropped;
            dropped_logged_at = mono_s();
            pthread_mutex_lock(&h->mu);
            continue;
        }
        if (!held.head && !h->head) {
            if (h->stopping) break;
            pthread_cond_wait(&h->wake, &h->mu);
            continue;
        }
        if (held.head) {
            /* Retrying: wait out the backoff unless a flush or close asks. */
            if (!h->stopping && !h->kick && mono_s() < retry_at) {
                wait_until(h, retry_at);
                continue;
            }
        } else if (!h->stopping && h->seq_committed >= h->flush_upto &&
                   h->queued_points < HIST_TXN_POINTS) {
            double due = h->head->queued_at + HIST_GATHER_S;
            if (mono_s() < due) {
                wait_until(h, due);
                continue;
            }
        }
        h->kick = 0;
        take_queued(h, &held);
        pthread_mutex_unlock(&h->mu);

        int rc = h->ops->write(h->be, held.head, err, sizeof err);

        pthread_mutex_lock(&h->mu);
        hist_batch_t *done = NULL;
        int recovered = 0;
        if (rc == 0) {
            h->seq_committed = held.upto;
            h->points_written += held.n_points;
            h->points_buffered -= held.n_points;
            h->batches_committed += held.n_batches;
            h->last_error[0] = '\0';
            recovered = backoff > 0;
            backoff = 0;
            done = held.head;
            memset(&held, 0, sizeof held);
        } else {
            h->seq_failed = held.upto;
            h->n_failures++;
            strlcpy_pde(h->last_error, err, sizeof h->last_error);
            backoff = backoff > 0 ? backoff * 2 : HIST_RETRY_MIN_S;
            if (backoff > HIST_RETRY_MAX_S) backoff = HIST_RETRY_MAX_S;
            retry_at = mono_s() + backoff;
        }
        int stop_now = rc != 0 && h->stopping;
        uint64_t buffered = h->points_buffered;
        pthread_cond_broadcast(&h->progress);
        pthread_mutex_unlock(&h->mu);

        batch_list_free(done);
        /* An outage is logged when it starts, every HIST_REMIND_S while it
         * lasts and when it ends; each attempt in between only at debug. */
        double now = mono_s();
        if (rc != 0 && !stop_now) {
            int remind = failing_since == 0 || now - reminded_at >= HIST_REMIND_S;
            if (failing_since == 0) failing_since = now;
            if (remind) reminded_at = now;
            LOG(remind ? LOG_WARN : LOG_DEBUG,
                "historian: write failed (%s)%s; keeping %llu points, next "
                "attempt in %.1f s",
                err, failing_since < now ? ", still" : "",
                (unsigned long long)buffered, backoff);
        } else if (recovered) {
            LOG(LOG_INFO, "historian: writing again after %.1f s of failures",
                now - failing_since);
            failing_since = 0;
        }

        pthread_mutex_lock(&h->mu);
        if (stop_now) break;
    }

    /* Only a failed last attempt while closing leaves points here. */
    uint64_t lost = h->points_buffered;
    hist_batch_t *queued = h->head;
    h->head = h->tail = NULL;
    h->queued_points = 0;
    h->writer_done = 1;
    pthread_cond_broadcast(&h->progress);
    pthread_mutex_unlock(&h->mu);

    if (lost)
        LOG(LOG_ERROR, "historian: closing with %llu points not stored (%s)",
            (unsigned long long)lost, err);
    batch_list_free(held.head);
    batch_list_free(queued);
    return NULL;
}

/* ------------------------------------------------------------ public face */

static const hist_backend_ops_t *const backends[] = {
    &hist__sqlite_ops,
    &hist__influx_ops,
};

#define N_BACKENDS (sizeof backends / sizeof backends[0])

hist_t *hist_open(const char *spec, const char *data_dir, char *err,
                  size_t err_len) {
    if (!spec || !*spec) {
        hist__set_err(err, err_len, "no historian given (known: %s)",
                backends[0]->usage);
        return NULL;
    }
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (backends[i]->match(spec))
            return hist__open_ops(backends[i], spec, data_dir, err, err_len);

    char known[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < N_BACKENDS && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                 i ? ", " : "", backends[i]->usage);
    hist__set_err(err, err_len, "historian '%s' is not supported (known: %s)", spec,
            known);
    return NULL;
}

hist_t *hist__open_ops(const hist_backend_ops_t *ops, const char *spec,
                       const char *data_dir, char *err, size_t err_len) {
    int have_mu = 0, have_wake = 0, have_progress = 0;
    pthread_condattr_t attr;
    int have_attr = 0;
    hist_t *h = calloc(1, sizeof *h);
    if (!h) {
        hist__set_err(err, err_len, "out of memory");
        return NULL;
    }
    h->ops = ops;
    h->max_buffered = HIST_MAX_BUFFERED;
    h->opened_at = mono_s();

    int rc = pthread_mutex_init(&h->mu, NULL);
    if (rc) goto fail_sys;
    have_mu = 1;
    if ((rc = pthread_condattr_init(&attr))) goto fail_sys;
    have_attr = 1;
    if ((rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC))) goto fail_sys;
    if ((rc = pthread_cond_init(&h->wake, &attr))) goto fail_sys;
    have_wake = 1;
    if ((rc = pthread_cond_init(&h->progress, NULL))) goto fail_sys;
    have_progress = 1;
    pthread_condattr_destroy(&attr);
    have_attr = 0;

    if (ops->open(spec, data_dir, &h->be, err, err_len) != 0) goto fail;

    /* The writer takes no signals: they belong to the event loop. */
    sigset_t all, old;
    sigfillset(&all);
    /* Faults stay deliverable, so a crash in the writer still reports. */
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&h->writer, NULL, writer_main, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        ops->close(h->be);
        goto fail_sys;
    }
    return h;

fail_sys:
    hist__set_err(err, err_len, "cannot start the historian: %s", strerror(rc));
fail:
    if (have_attr) pthread_condattr_destroy(&attr);
    if (have_progress) pthread_cond_destroy(&h->progress);
    if (have_wake) pthread_cond_destroy(&h->wake);
    if (have_mu) pthread_mutex_destroy(&h->mu);
    free(h);
    return NULL;
}

int hist_submit(hist_t *h, hist_batch_t *b) {
    if (!h || !b) {
        hist_batch_free(b);
        return PDE_EINVAL;
    }
    size_t n = b->n_points;
    if (n == 0) {
        hist_batch_free(b);
        return 0;
    }
    b->next = NULL;
    b->queued_at = mono_s();

    pthread_mutex_lock(&h->mu);
    if (h->points_buffered > 0 && h->points_buffered + n > h->max_buffered) {
        h->points_dropped += n;
        /* Wake the writer so it logs the loss; the lock is all we spend. */
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->mu);
        hist_batch_free(b);
        return PDE_EFULL;
    }
    b->seq = ++h->seq_submitted;
    int was_empty = h->head == NULL;
    if (h->tail)
        h->tail->next = b;
    else
        h->head = b;
    h->tail = b;
    size_t before = h->queued_points;
    h->queued_points += n;
    h->points_buffered += n;
    /* The writer needs a nudge only to start its gather wait, or to cut it
     * short once a transaction's worth is waiting. */
    if (was_empty ||
        (before < HIST_TXN_POINTS && h->queued_points >= HIST_TXN_POINTS))
        pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->mu);
    return 0;
}

uint64_t hist_submitted(hist_t *h) {
    if (!h) return 0;
    pthread_mutex_lock(&h->mu);
    uint64_t seq = h->seq_submitted;
    pthread_mutex_unlock(&h->mu);
    return seq;
}

uint64_t hist_committed(hist_t *h) {
    if (!h) return 0;
    pthread_mutex_lock(&h->mu);
    uint64_t seq = h->seq_committed;
    pthread_mutex_unlock(&h->mu);
    return seq;
}

int hist_flush(hist_t *h) {
    if (!h) return PDE_EINVAL;
    pthread_mutex_lock(&h->mu);
    uint64_t target = h->seq_submitted;
    uint64_t failures = h->n_failures;
    if (h->seq_committed < target) {
        if (h->flush_upto < target) h->flush_upto = target;
        h->kick = 1;
        pthread_cond_signal(&h->wake);
    }
    /* Done when stored, or when an attempt that covered our batches failed
     * after we asked. */
    while (h->seq_committed < target && !h->writer_done &&
           !(h->n_failures != failures && h->seq_failed >= target))
        pthread_cond_wait(&h->progress, &h->mu);
    int rc = h->seq_committed >= target ? 0 : PDE_EDB;
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void hist_close(hist_t *h) {
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->writer, NULL);

    h->ops->close(h->be);
    pthread_cond_destroy(&h->progress);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void hist__set_max_buffered(hist_t *h, uint64_t max_points) {
    pthread_mutex_lock(&h->mu);
    h->max_buffered = max_points;
    pthread_mutex_unlock(&h->mu);
}

/* Points per second written over the last HIST_RATE_WINDOW_S, from the
 * snapshots; records one now when the last is old enough. Called with the
 * lock held. */
static double write_rate(hist_t *h, double now, uint64_t written) {
    const double step = HIST_RATE_WINDOW_S / HIST_RATE_SAMPLES;
    unsigned last = (h->n_rate + HIST_RATE_SAMPLES - 1) % HIST_RATE_SAMPLES;
    if (h->n_rate == 0 || now - h->rate_t[last] >= step) {
        h->rate_t[h->n_rate % HIST_RATE_SAMPLES] = now;
        h->rate_n[h->n_rate % HIST_RATE_SAMPLES] = written;
        h->n_rate++;
    }
    /* From the newest snapshot back to the first one at least a window old
     * (or the oldest kept); since open when there is none before now. */
    double t0 = h->opened_at;
    uint64_t n0 = 0;
    unsigned kept = h->n_rate < HIST_RATE_SAMPLES ? h->n_rate : HIST_RATE_SAMPLES;
    for (unsigned i = 0; i < kept; i++) {
        unsigned k = (h->n_rate - 1 - i) % HIST_RATE_SAMPLES;
        if (h->rate_t[k] >= now) continue;
        t0 = h->rate_t[k];
        n0 = h->rate_n[k];
        if (now - t0 >= HIST_RATE_WINDOW_S) break;
    }
    if (now - t0 <= 1e-3 || written < n0) return 0;
    return (double)(written - n0) / (now - t0);
}

void hist_get_stats(hist_t *h, hist_stats_t *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!h) {
        out->backend = "none";
        return;
    }
    hist_backend_stats_t bs = {0};
    if (h->ops->stats) h->ops->stats(h->be, &bs);
    pthread_mutex_lock(&h->mu);
    out->backend = h->ops->name;
    out->points_written = h->points_written;
    out->points_buffered = h->points_buffered;
    out->points_dropped = h->points_dropped;
    out->batches_committed = h->batches_committed;
    strlcpy_pde(out->last_error, h->last_error, sizeof out->last_error);
    if (h->ops->stats) {
        /* Written means delivered; what waits in the journal is buffered. */
        out->points_written = bs.delivered;
        out->points_buffered += bs.pending;
        out->points_journaled = bs.pending;
        if (!out->last_error[0])
            strlcpy_pde(out->last_error, bs.last_error, sizeof out->last_error);
        strlcpy_pde(out->target, bs.target, sizeof out->target);
    }
    out->write_rate = write_rate(h, mono_s(), out->points_written);
    pthread_mutex_unlock(&h->mu);
}

json_t *hist_query(hist_t *h, const hist_query_t *q, char *err,
                   size_t err_len) {
    if (!h || !q) {
        hist__set_err(err, err_len, "no historian or no query");
        return NULL;
    }
    if (!q->sim || !*q->sim) {
        hist__set_err(err, err_len, "no sim given");
        return NULL;
    }
    if (q->n_tags < 0 || (q->n_tags > 0 && !q->tags)) {
        hist__set_err(err, err_len, "bad tag list");
        return NULL;
    }
    for (int i = 0; q->tags && i < q->n_tags; i++)
        if (!q->tags[i] || !*q->tags[i]) {
            hist__set_err(err, err_len, "empty tag name in the tag list");
            return NULL;
        }
    if (isnan(q->from) || isnan(q->to)) {
        hist__set_err(err, err_len, "from and to must be numbers of seconds");
        return NULL;
    }
    if (q->max_points < 0) {
        hist__set_err(err, err_len, "max_points must be 0 (all points) or more");
        return NULL;
    }
    return h->ops->query(h->be, q, err, err_len);
}
