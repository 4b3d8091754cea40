/* bench_historian.c - points per second the historian's writer sustains
 * into SQLite and into InfluxDB (journal + forwarder, until InfluxDB has
 * acknowledged every point), and InfluxDB's own ceiling measured in the same
 * run by a plain line-protocol loader (pre-built lines, 5,000 per POST, one
 * connection per core), which is the most any InfluxDB client could get.
 *
 * Load: n_sims sims x 5 tags, one batch per tick as the engine's sampler
 * submits them. Built and run by bench_historian.py (which starts a private
 * influxd); by hand:
 *   bench_historian DATA_DIR INFLUX_PORT [N_POINTS] [N_SIMS] */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "historian/backend.h"
#include "historian/hist.h"

#define N_TAGS 5
#define LOADER_LINES 5000

static const char *const tags[N_TAGS] = {"F", "R", "xD", "xB", "T"};

static hist_batch_t *tick_batch(int n_sims, int tick, int64_t t0) {
    hist_batch_t *b = hist_batch_new();
    char sim[32];
    for (int s = 0; s < n_sims; s++) {
        snprintf(sim, sizeof sim, "bench-%05d", s);
        for (int g = 0; g < N_TAGS; g++)
            hist_batch_add(b, sim, "wood-berry", tags[g], g < 2 ? "input" : "output",
                           tick, t0 + (int64_t)tick * 1000000000LL,
                           sin(0.1 * tick + s + g) * 10 + g);
    }
    return b;
}

/* Submit n_points as ticks, never more than max_waiting points unstored,
 * and time until everything is stored (delivered, for influx). */
static double run_writer(const char *spec, const char *dir, long n_points, int n_sims) {
    char err[512];
    hist_t *h = hist_open(spec, dir, err, sizeof err);
    if (!h) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    int n_ticks = (int)(n_points / (n_sims * N_TAGS));
    int64_t t0 = wall_ns();
    hist_stats_t st;
    double start = mono_s();
    for (int k = 0; k < n_ticks; k++) {
        for (;;) {
            hist_get_stats(h, &st);
            if (st.points_buffered < 400000) break;
            usleep(1000);
        }
        hist_submit(h, tick_batch(n_sims, k, t0));
    }
    uint64_t total = (uint64_t)n_ticks * (uint64_t)n_sims * N_TAGS;
    hist_flush(h);
    for (;;) {
        hist_get_stats(h, &st);
        if (st.points_written >= total) break;
        usleep(1000);
    }
    double secs = mono_s() - start;
    if (st.points_dropped) fprintf(stderr, "bench: %llu dropped!\n",
                                   (unsigned long long)st.points_dropped);
    hist_close(h);
    return (double)total / secs;
}

/* ------------------------------------------------ plain line-protocol loader */

typedef struct loader {
    char url[256];
    strbuf_t *bodies;
    int first, n;             /* bodies of this thread */
} loader_t;

static size_t discard(char *p, size_t s, size_t n, void *a) {
    (void)p;
    (void)a;
    return s * n;
}

static void *loader_main(void *arg) {
    loader_t *l = arg;
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, l->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    for (int i = l->first; i < l->first + l->n; i++) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, l->bodies[i].data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)l->bodies[i].len);
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status), status != 204))
            fprintf(stderr, "bench: loader write failed (HTTP %ld)\n", status);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return NULL;
}

static double run_loader(int port, long n_points, int n_sims, int n_threads) {
    /* CREATE DATABASE first. */
    char url[256];
    CURL *c = curl_easy_init();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/query?q=CREATE%%20DATABASE%%20bench_raw",
             port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_perform(c);
    curl_easy_cleanup(c);

    /* The same lines the historian would send, built beforehand. */
    int n_ticks = (int)(n_points / (n_sims * N_TAGS));
    long total = (long)n_ticks * n_sims * N_TAGS;
    int n_bodies = (int)((total + LOADER_LINES - 1) / LOADER_LINES);
    strbuf_t *bodies = calloc((size_t)n_bodies, sizeof *bodies);
    int64_t t0 = wall_ns();
    long line = 0;
    for (int k = 0; k < n_ticks; k++) {
        hist_batch_t *b = tick_batch(n_sims, k, t0);
        for (size_t j = 0; j < b->n_points; j++, line++)
            hist__influx_line(&bodies[line / LOADER_LINES], &b->points[j]);
        hist_batch_free(b);
    }
    loader_t *ls = calloc((size_t)n_threads, sizeof *ls);
    pthread_t *th = calloc((size_t)n_threads, sizeof *th);
    double start = mono_s();
    for (int i = 0; i < n_threads; i++) {
        snprintf(ls[i].url, sizeof ls[i].url,
                 "http://127.0.0.1:%d/write?db=bench_raw&precision=ns", port);
        ls[i].bodies = bodies;
        ls[i].first = n_bodies * i / n_threads;
        ls[i].n = n_bodies * (i + 1) / n_threads - ls[i].first;
        pthread_create(&th[i], NULL, loader_main, &ls[i]);
    }
    for (int i = 0; i < n_threads; i++) pthread_join(th[i], NULL);
    double secs = mono_s() - start;
    for (int i = 0; i < n_bodies; i++) strbuf_release(&bodies[i]);
    free(bodies);
    free(ls);
    free(th);
    return (double)total / secs;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATA_DIR INFLUX_PORT [N_POINTS] [N_SIMS]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int port = atoi(argv[2]);
    long n_points = argc > 3 ? atol(argv[3]) : 1000000;
    int n_sims = argc > 4 ? atoi(argv[4]) : 1000;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);

    char sq_dir[512], in_dir[512], spec[128];
    snprintf(sq_dir, sizeof sq_dir, "%s/sqlite", dir);
    snprintf(in_dir, sizeof in_dir, "%s/influx", dir);
    snprintf(spec, sizeof spec, "influx://127.0.0.1:%d/bench_pde", port);

    printf("load: %d sims x %d tags, %ld points, batches of one tick\n", n_sims, N_TAGS,
           n_points);
    fflush(stdout);
    double sq = run_writer("sqlite", sq_dir, n_points, n_sims);
    printf("historian writer -> SQLite:                       %9.0f points/s\n", sq);
    fflush(stdout);
    double raw = run_loader(port, n_points, n_sims, cores);
    printf("plain line-protocol loader -> InfluxDB (%d conn): %9.0f points/s (InfluxDB's "
           "ceiling here)\n", cores, raw);
    fflush(stdout);
    double in = run_writer(spec, in_dir, n_points, n_sims);
    printf("historian writer -> journal -> InfluxDB:          %9.0f points/s (%.0f%% of "
           "the ceiling)\n", in, 100 * in / raw);
    return 0;
}
