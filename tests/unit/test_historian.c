/* test_historian.c - the historian: queue, writer thread and SQLite backend.
 *
 * Each test gets a fresh data directory (mkdtemp) and removes it after.
 * Expected answers are computed here from the points the test generated,
 * and the database file is also read directly with SQLite, never through
 * the code under test. A fake backend behind the real queue and writer
 * (hist__open_ops) fails on demand to exercise retries and the buffer
 * bound. */
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/util.h"
#include "historian/backend.h"
#include "historian/hist.h"
#include "tempdir_fixture.h"

/* ------------------------------------------------------------- fixtures */

/* setup/teardown: a fresh temporary data directory per test (tempdir_fixture.h). */

static hist_t *open_sqlite(const char *dir) {
    char err[256] = "";
    hist_t *h = hist_open("sqlite", dir, err, sizeof err);
    if (!h) fail_msg("hist_open: %s", err);
    return h;
}

/* ----------------------------------------------------------- generators */

/* The value of point k of a tag: irregular, and different per sim and tag,
 * so a point read back from the wrong place shows. */
static double value_of(int sim, int tag, double t) {
    return 100.0 * sin(0.37 * t + sim * 1.3 + tag * 0.7) + sim * 10 + tag;
}

static void sim_name(char *buf, size_t len, int sim) {
    snprintf(buf, len, "sim-%04d", sim);
}

static void tag_name(char *buf, size_t len, int tag) {
    snprintf(buf, len, "tag%c", 'a' + tag);
}

/* Submit n_ticks ticks of n_sims x n_tags points, one batch per tick, at
 * sim_time = t0 + k*dt. */
static void submit_ticks(hist_t *h, int n_sims, int n_tags, int n_ticks,
                         double t0, double dt) {
    char sim[32], tag[32];
    for (int k = 0; k < n_ticks; k++) {
        hist_batch_t *b = hist_batch_new();
        assert_non_null(b);
        double t = t0 + k * dt;
        for (int s = 0; s < n_sims; s++)
            for (int g = 0; g < n_tags; g++) {
                sim_name(sim, sizeof sim, s);
                tag_name(tag, sizeof tag, g);
                assert_int_equal(hist_batch_add(b, sim, "wood-berry", tag,
                                                g == 0 ? "input" : "output", t,
                                                wall_ns(), value_of(s, g, t)),
                                 0);
            }
        assert_int_equal(hist_batch_count(b), (size_t)(n_sims * n_tags));
        assert_int_equal(hist_submit(h, b), 0);
    }
}

static json_t *query(hist_t *h, const char *sim, const char *const *tags,
                     int n_tags, double from, double to, int max_points) {
    hist_query_t q = {.sim = sim,
                      .tags = tags,
                      .n_tags = n_tags,
                      .from = from,
                      .to = to,
                      .max_points = max_points};
    char err[256] = "";
    json_t *r = hist_query(h, &q, err, sizeof err);
    if (!r) fail_msg("hist_query(%s): %s", sim, err);
    json_t *id = json_object_get(r, "sim_id");
    assert_true(json_is_string(id));
    assert_string_equal(json_string_value(id), sim);
    assert_true(json_is_object(json_object_get(r, "tags")));
    return r;
}

static json_t *tag_points(json_t *result, const char *tag) {
    json_t *arr = json_object_get(json_object_get(result, "tags"), tag);
    if (!json_is_array(arr)) fail_msg("no array for tag %s", tag);
    return arr;
}

static double pt_t(json_t *arr, size_t i) {
    return json_number_value(json_array_get(json_array_get(arr, i), 0));
}

static double pt_v(json_t *arr, size_t i) {
    return json_number_value(json_array_get(json_array_get(arr, i), 1));
}

/* Rows in historian.db, read with SQLite directly. */
static long long count_rows(const char *dir, const char *sql) {
    char path[256];
    snprintf(path, sizeof path, "%s/historian.db", dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* ---------------------------------------------------------------- tests */

/* Every point of several sims and tags, over many batches, reads back
 * exactly, in order, with tags in name order. */
static void points_read_back_exactly(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    const int n_sims = 5, n_tags = 4, n_ticks = 300;
    const double dt = 0.5;
    submit_ticks(h, n_sims, n_tags, n_ticks, 0.0, dt);
    assert_int_equal(hist_flush(h), 0);

    char sim[32], tag[32];
    for (int s = 0; s < n_sims; s++) {
        sim_name(sim, sizeof sim, s);
        json_t *r = query(h, sim, NULL, 0, -INFINITY, INFINITY, 0);
        json_t *tags = json_object_get(r, "tags");
        assert_int_equal(json_object_size(tags), n_tags);
        /* Name order, as documented. */
        int g = 0;
        const char *key;
        json_t *arr;
        json_object_foreach(tags, key, arr) {
            tag_name(tag, sizeof tag, g);
            assert_string_equal(key, tag);
            assert_int_equal(json_array_size(arr), n_ticks);
            for (int k = 0; k < n_ticks; k++) {
                assert_int_equal(json_array_size(json_array_get(arr, k)), 2);
                ASSERT_NEAR(pt_t(arr, k), k * dt, 0.0);
                ASSERT_NEAR(pt_v(arr, k), value_of(s, g, k * dt), 0.0);
            }
            g++;
        }
        json_decref(r);
    }

    /* Named tags come in the order asked; an unknown tag gives []. */
    const char *asked[] = {"tagc", "nosuch", "taga"};
    sim_name(sim, sizeof sim, 3);
    json_t *r = query(h, sim, asked, 3, -INFINITY, INFINITY, 0);
    json_t *tags = json_object_get(r, "tags");
    assert_int_equal(json_object_size(tags), 3);
    void *it = json_object_iter(tags);
    assert_string_equal(json_object_iter_key(it), "tagc");
    it = json_object_iter_next(tags, it);
    assert_string_equal(json_object_iter_key(it), "nosuch");
    assert_int_equal(json_array_size(tag_points(r, "nosuch")), 0);
    json_t *c = tag_points(r, "tagc");
    assert_int_equal(json_array_size(c), n_ticks);
    ASSERT_NEAR(pt_v(c, 17), value_of(3, 2, 17 * dt), 0.0);
    json_decref(r);

    /* The file holds exactly these rows. */
    assert_int_equal(count_rows(f->dir, "SELECT count(*) FROM points"),
                     n_sims * n_tags * n_ticks);
    assert_int_equal(count_rows(f->dir, "SELECT count(*) FROM series"),
                     n_sims * n_tags);
    assert_int_equal(
        count_rows(f->dir,
                   "SELECT count(*) FROM series WHERE model = 'wood-berry' "
                   "AND kind = CASE tag WHEN 'taga' THEN 'input' ELSE "
                   "'output' END"),
        n_sims * n_tags);
    hist_close(h);
}

/* from and to are inclusive; either may be open; from > to is empty. */
static void from_to_bounds(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    const int n_ticks = 100;
    const double dt = 0.25;
    submit_ticks(h, 1, 2, n_ticks, 0.0, dt);
    assert_int_equal(hist_flush(h), 0);

    const struct {
        double from, to;
    } ranges[] = {
        {5.0, 10.0}, {5.1, 9.9}, {-INFINITY, 3.0}, {20.0, INFINITY},
        {-5.0, -1.0}, {10.0, 5.0}, {7.25, 7.25}, {-INFINITY, INFINITY},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        json_t *r = query(h, "sim-0000", NULL, 0, ranges[i].from, ranges[i].to,
                          0);
        json_t *arr = tag_points(r, "tagb");
        size_t got = 0;
        for (int k = 0; k < n_ticks; k++) {
            double t = k * dt;
            if (t < ranges[i].from || t > ranges[i].to) continue;
            assert_true(got < json_array_size(arr));
            ASSERT_NEAR(pt_t(arr, got), t, 0.0);
            ASSERT_NEAR(pt_v(arr, got), value_of(0, 1, t), 0.0);
            got++;
        }
        assert_int_equal(json_array_size(arr), got);
        /* A recorded tag stays listed even with nothing in range. */
        assert_int_equal(json_object_size(json_object_get(r, "tags")), 2);
        json_decref(r);
    }
    hist_close(h);
}

/* A point written twice is stored once, with its first value. */
static void duplicates_stored_once(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    for (int round = 0; round < 3; round++) {
        hist_batch_t *b = hist_batch_new();
        for (int k = 0; k < 10; k++) {
            assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", k, 0,
                                            k * 10.0 + round),
                             0);
            /* ... and again inside the same batch. */
            assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", k, 0,
                                            -1.0),
                             0);
        }
        assert_int_equal(hist_submit(h, b), 0);
        /* Commit round by round, so "first" is well defined. */
        assert_int_equal(hist_flush(h), 0);
    }
    json_t *r = query(h, "s", NULL, 0, -INFINITY, INFINITY, 0);
    json_t *arr = tag_points(r, "x");
    assert_int_equal(json_array_size(arr), 10);
    for (int k = 0; k < 10; k++) {
        ASSERT_NEAR(pt_t(arr, k), k, 0.0);
        /* The first submitted in the first round: the batch's own order. */
        ASSERT_NEAR(pt_v(arr, k), k * 10.0, 0.0);
    }
    json_decref(r);
    assert_int_equal(count_rows(f->dir, "SELECT count(*) FROM points"), 10);
    hist_stats_t st;
    hist_get_stats(h, &st);
    assert_int_equal(st.points_written, 60);  /* submitted and committed */
    hist_close(h);
}

/* Expected buckets, from the definition in hist.h, over the points of one
 * tag at times ts with values vs (sorted by time). */
typedef struct ebucket {
    int n;
    double sum_t, sum_v;
} ebucket_t;

static void check_buckets(hist_t *h, const double *ts, const double *vs, int n,
                          double from, double to, int max_points) {
    double first = INFINITY, last = -INFINITY;
    int in_range = 0;
    for (int i = 0; i < n; i++)
        if (ts[i] >= from && ts[i] <= to) {
            first = fmin(first, ts[i]);
            last = fmax(last, ts[i]);
            in_range++;
        }
    json_t *r = query(h, "bk", NULL, 0, from, to, max_points);
    json_t *arr = tag_points(r, "y");
    if (in_range <= max_points) {
        /* Answered whole. */
        assert_int_equal(json_array_size(arr), in_range);
        int j = 0;
        for (int i = 0; i < n; i++)
            if (ts[i] >= from && ts[i] <= to) {
                ASSERT_NEAR(pt_t(arr, j), ts[i], 0.0);
                ASSERT_NEAR(pt_v(arr, j), vs[i], 0.0);
                j++;
            }
        json_decref(r);
        return;
    }
    ebucket_t *b = calloc((size_t)max_points, sizeof *b);
    assert_non_null(b);
    double w = (last - first) / max_points;
    for (int i = 0; i < n; i++) {
        if (ts[i] < from || ts[i] > to) continue;
        /* Bucket k holds first + k*w <= t < first + (k+1)*w; the last one
         * also holds last. */
        int k = 0;
        while (k < max_points - 1 && ts[i] >= first + (k + 1) * w) k++;
        b[k].n++;
        b[k].sum_t += ts[i];
        b[k].sum_v += vs[i];
    }
    size_t j = 0;
    for (int k = 0; k < max_points; k++) {
        if (b[k].n == 0) continue;
        assert_true(j < json_array_size(arr));
        double mt = b[k].sum_t / b[k].n, mv = b[k].sum_v / b[k].n;
        ASSERT_NEAR(pt_t(arr, j), mt, 1e-9 * (1 + fabs(mt)));
        ASSERT_NEAR(pt_v(arr, j), mv, 1e-9 * (1 + fabs(mv)));
        j++;
    }
    assert_int_equal(json_array_size(arr), j);
    assert_true(j <= (size_t)max_points);
    free(b);
    json_decref(r);
}

/* max_points answers bucket means as documented in hist.h. */
static void max_points_bucket_means(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    enum { N = 1000 };
    static double ts[N], vs[N];
    /* Irregular times with a gap, so some buckets are empty and the rest
     * hold different numbers of points. */
    for (int i = 0; i < N; i++) {
        ts[i] = i + 0.45 * sin(i * 0.9) + (i >= 600 ? 250.0 : 0.0);
        vs[i] = 3.0 * cos(i * 0.05) + i * 0.01;
    }
    hist_batch_t *b = hist_batch_new();
    for (int i = N - 1; i >= 0; i--)  /* out of order on purpose */
        assert_int_equal(hist_batch_add(b, "bk", "m", "y", "output", ts[i], 0,
                                        vs[i]),
                         0);
    assert_int_equal(hist_submit(h, b), 0);
    assert_int_equal(hist_flush(h), 0);

    check_buckets(h, ts, vs, N, -INFINITY, INFINITY, 7);
    check_buckets(h, ts, vs, N, -INFINITY, INFINITY, 1);
    check_buckets(h, ts, vs, N, -INFINITY, INFINITY, 100);
    check_buckets(h, ts, vs, N, -INFINITY, INFINITY, 999);
    check_buckets(h, ts, vs, N, 100.0, 700.5, 13);
    check_buckets(h, ts, vs, N, 100.0, 110.0, 50);   /* few: answered whole */
    check_buckets(h, ts, vs, N, -INFINITY, INFINITY, N);   /* all */
    check_buckets(h, ts, vs, N, 5000.0, 6000.0, 10);  /* none */
    hist_close(h);
}

/* 200,000 points in 500 batches all arrive, and the counters say so. */
static void many_points_all_arrive(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    hist_stats_t st;
    hist_get_stats(h, &st);
    assert_string_equal(st.backend, "sqlite");
    assert_int_equal(st.points_written, 0);
    assert_int_equal(st.points_buffered, 0);
    assert_int_equal(st.batches_committed, 0);
    assert_string_equal(st.last_error, "");

    const int n_sims = 100, n_tags = 4, n_ticks = 500;
    submit_ticks(h, n_sims, n_tags, n_ticks, 1000.0, 1.0);
    assert_int_equal(hist_flush(h), 0);
    hist_get_stats(h, &st);
    assert_int_equal(st.points_written, n_sims * n_tags * n_ticks);
    assert_int_equal(st.points_buffered, 0);
    assert_int_equal(st.batches_committed, n_ticks);
    assert_int_equal(st.points_dropped, 0);
    assert_string_equal(st.last_error, "");

    assert_int_equal(count_rows(f->dir, "SELECT count(*) FROM points"),
                     n_sims * n_tags * n_ticks);
    assert_int_equal(
        count_rows(f->dir, "SELECT count(DISTINCT series) FROM points"),
        n_sims * n_tags);
    /* Spot-check whole sims through the query. */
    char sim[32], tag[32];
    for (int s = 0; s < n_sims; s += 33) {
        sim_name(sim, sizeof sim, s);
        json_t *r = query(h, sim, NULL, 0, -INFINITY, INFINITY, 0);
        for (int g = 0; g < n_tags; g++) {
            tag_name(tag, sizeof tag, g);
            json_t *arr = tag_points(r, tag);
            assert_int_equal(json_array_size(arr), n_ticks);
            for (int k = 0; k < n_ticks; k++)
                ASSERT_NEAR(pt_v(arr, k), value_of(s, g, 1000.0 + k), 0.0);
        }
        json_decref(r);
    }
    hist_close(h);
}

/* An unknown sim answers "tags": {}, or [] for each tag asked by name. */
static void unknown_sim(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    submit_ticks(h, 1, 1, 3, 0.0, 1.0);
    assert_int_equal(hist_flush(h), 0);

    json_t *r = query(h, "no-such-sim", NULL, 0, -INFINITY, INFINITY, 0);
    assert_int_equal(json_object_size(json_object_get(r, "tags")), 0);
    char *text = json_dumps(r, JSON_COMPACT);
    assert_string_equal(text, "{\"sim_id\":\"no-such-sim\",\"tags\":{}}");
    free(text);
    json_decref(r);

    const char *asked[] = {"taga"};
    r = query(h, "no-such-sim", asked, 1, -INFINITY, INFINITY, 10);
    assert_int_equal(json_array_size(tag_points(r, "taga")), 0);
    json_decref(r);

    /* Bad queries say what is wrong. */
    char err[256] = "";
    hist_query_t q = {.sim = "", .from = -INFINITY, .to = INFINITY};
    assert_null(hist_query(h, &q, err, sizeof err));
    assert_non_null(strstr(err, "sim"));
    q = (hist_query_t){.sim = "sim-0000", .from = NAN, .to = 1};
    assert_null(hist_query(h, &q, err, sizeof err));
    assert_non_null(strstr(err, "from"));
    q = (hist_query_t){.sim = "sim-0000", .to = 1, .max_points = -1};
    assert_null(hist_query(h, &q, err, sizeof err));
    assert_non_null(strstr(err, "max_points"));
    hist_close(h);
}

/* Values that are not finite come back as null; bad points are refused. */
static void odd_values(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    hist_batch_t *b = hist_batch_new();
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", 1, 0, NAN), 0);
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", 2, 0, INFINITY),
                     0);
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", 3, 0, 4.5), 0);
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", NAN, 0, 1),
                     PDE_EINVAL);
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", INFINITY, 0, 1),
                     PDE_EINVAL);
    assert_int_equal(hist_batch_add(b, NULL, "m", "x", "output", 4, 0, 1),
                     PDE_EINVAL);
    assert_int_equal(hist_batch_add(b, "s", "m", "", "output", 4, 0, 1),
                     PDE_EINVAL);
    assert_int_equal(hist_batch_add(NULL, "s", "m", "x", "output", 4, 0, 1),
                     PDE_EINVAL);
    assert_int_equal(hist_batch_count(b), 3);  /* refusals left it alone */
    /* Long names are cut to HIST_NAME_MAX - 1. */
    char long_tag[200];
    memset(long_tag, 'q', sizeof long_tag - 1);
    long_tag[sizeof long_tag - 1] = '\0';
    assert_int_equal(hist_batch_add(b, "s", "m", long_tag, "output", 1, 0, 7),
                     0);
    assert_int_equal(hist_submit(h, b), 0);
    assert_int_equal(hist_flush(h), 0);

    json_t *r = query(h, "s", NULL, 0, -INFINITY, INFINITY, 0);
    json_t *arr = tag_points(r, "x");
    assert_int_equal(json_array_size(arr), 3);
    assert_true(json_is_null(json_array_get(json_array_get(arr, 0), 1)));
    assert_true(json_is_null(json_array_get(json_array_get(arr, 1), 1)));
    ASSERT_NEAR(pt_v(arr, 2), 4.5, 0.0);
    long_tag[HIST_NAME_MAX - 1] = '\0';
    assert_int_equal(json_array_size(tag_points(r, long_tag)), 1);
    json_decref(r);
    hist_close(h);
}

static void unknown_backend(void **state) {
    fixture_t *f = *state;
    char err[256] = "";
    assert_null(hist_open("postgres://x", f->dir, err, sizeof err));
    assert_string_equal(err,
                        "historian 'postgres://x' is not supported (known: "
                        "sqlite, influx://host:port/db)");
    err[0] = '\0';
    assert_null(hist_open("", f->dir, err, sizeof err));
    assert_non_null(strstr(err, "no historian"));
    assert_null(hist_open(NULL, f->dir, NULL, 0));  /* no err buffer: fine */
    /* Nothing was created for a refused spec. */
    char path[256];
    snprintf(path, sizeof path, "%s/historian.db", f->dir);
    assert_int_equal(access(path, F_OK), -1);
}

static void null_is_harmless(void **state) {
    (void)state;
    hist_close(NULL);
    hist_batch_free(NULL);
    hist_stats_t st;
    hist_get_stats(NULL, &st);
    assert_int_equal(st.points_written, 0);
    assert_int_equal(hist_flush(NULL), PDE_EINVAL);
    assert_int_equal(hist_batch_count(NULL), 0);
    /* The historian owns a batch handed to it, even when it refuses it:
     * the leak checker sees this one freed. */
    hist_batch_t *b = hist_batch_new();
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", 1, 0, 1), 0);
    assert_int_equal(hist_submit(NULL, b), PDE_EINVAL);
    char err[64];
    hist_query_t q = {.sim = "s"};
    assert_null(hist_query(NULL, &q, err, sizeof err));
}

/* A data directory that cannot be created: a clear error, nothing else. */
static void data_dir_cannot_be_created(void **state) {
    fixture_t *f = *state;
    char file[128], dir[192], err[256] = "";
    snprintf(file, sizeof file, "%s/plain-file", f->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fputs("not a directory\n", fp);
    fclose(fp);

    snprintf(dir, sizeof dir, "%s/sub/data", file);
    assert_null(hist_open("sqlite", dir, err, sizeof err));
    assert_non_null(strstr(err, "cannot create the data directory"));
    assert_non_null(strstr(err, dir));
    assert_non_null(strstr(err, strerror(ENOTDIR)));

    err[0] = '\0';
    assert_null(hist_open("sqlite", file, err, sizeof err));
    assert_non_null(strstr(err, strerror(ENOTDIR)));

    /* Missing parents are created. */
    snprintf(dir, sizeof dir, "%s/a/b/c/", f->dir);
    hist_t *h = open_sqlite(dir);
    hist_close(h);
    snprintf(dir, sizeof dir, "%s/a/b/c/historian.db", f->dir);
    assert_int_equal(access(dir, F_OK), 0);
}

/* Closing with points still queued loses none; reopening carries on. */
static void close_keeps_queued_points(void **state) {
    fixture_t *f = *state;
    const int n_sims = 20, n_tags = 3, n_ticks = 200;
    hist_t *h = open_sqlite(f->dir);
    submit_ticks(h, n_sims, n_tags, n_ticks, 0.0, 1.0);
    hist_close(h);  /* no flush */
    assert_int_equal(count_rows(f->dir, "SELECT count(*) FROM points"),
                     n_sims * n_tags * n_ticks);

    /* Reopen: the same series get the later points. */
    h = open_sqlite(f->dir);
    submit_ticks(h, n_sims, n_tags, n_ticks, n_ticks, 1.0);
    hist_close(h);
    h = open_sqlite(f->dir);
    assert_int_equal(count_rows(f->dir, "SELECT count(*) FROM series"),
                     n_sims * n_tags);
    char sim[32], tag[32];
    sim_name(sim, sizeof sim, 7);
    json_t *r = query(h, sim, NULL, 0, -INFINITY, INFINITY, 0);
    for (int g = 0; g < n_tags; g++) {
        tag_name(tag, sizeof tag, g);
        json_t *arr = tag_points(r, tag);
        assert_int_equal(json_array_size(arr), 2 * n_ticks);
        for (int k = 0; k < 2 * n_ticks; k++) {
            ASSERT_NEAR(pt_t(arr, k), k, 0.0);
            ASSERT_NEAR(pt_v(arr, k), value_of(7, g, k), 0.0);
        }
    }
    json_decref(r);
    hist_close(h);
}

/* A lone point is committed within the latency bound without a flush. */
static void lone_point_committed_soon(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    hist_batch_t *b = hist_batch_new();
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", 1, 0, 1), 0);
    double t0 = mono_s();
    assert_int_equal(hist_submit(h, b), 0);
    hist_stats_t st;
    do {
        usleep(2000);
        hist_get_stats(h, &st);
    } while (st.points_written == 0 && mono_s() - t0 < 5.0);
    double waited = mono_s() - t0;
    if (waited > 0.5) fail_msg("a lone point waited %.3f s", waited);
    hist_close(h);
}

/* Queries run beside the writer and see whole transactions: one tag whose
 * points are 0, 1, 2, ... always reads back as a gap-free prefix. */
typedef struct reader_arg {
    hist_t *h;
    atomic_int stop;
    int n_queries;
    int bad;
} reader_arg_t;

static void *reader_main(void *p) {
    reader_arg_t *a = p;
    while (!atomic_load(&a->stop)) {
        hist_query_t q = {.sim = "sim-0000", .from = -INFINITY, .to = INFINITY};
        char err[256];
        json_t *r = hist_query(a->h, &q, err, sizeof err);
        if (!r) {
            a->bad++;
            continue;
        }
        json_t *arr = json_object_get(json_object_get(r, "tags"), "taga");
        for (size_t i = 0; arr && i < json_array_size(arr); i++)
            if (pt_t(arr, i) != (double)i) a->bad++;
        /* All tags of a tick commit together. */
        json_t *other = json_object_get(json_object_get(r, "tags"), "tagb");
        if (json_array_size(arr) != json_array_size(other)) a->bad++;
        json_decref(r);
        a->n_queries++;
    }
    return NULL;
}

static void queries_beside_writer(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_sqlite(f->dir);
    reader_arg_t a = {.h = h};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &a), 0);
    for (int k = 0; k < 200; k++) {
        submit_ticks(h, 10, 2, 1, k, 1.0);
        if (k % 20 == 0) usleep(20000);
    }
    assert_int_equal(hist_flush(h), 0);
    usleep(20000);
    atomic_store(&a.stop, 1);
    pthread_join(th, NULL);
    assert_int_equal(a.bad, 0);
    assert_true(a.n_queries > 0);
    hist_close(h);
}

/* ------------------------------------------- a backend that fails at will */

typedef struct fake {
    atomic_int fail;
    atomic_int attempts;
    pthread_mutex_t mu;
    double *stored;           /* sim_time of every point stored, in order */
    size_t n_stored, cap;
} fake_t;

static fake_t fake = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int fake_match(const char *spec) {
    return strcmp(spec, "fake") == 0;
}

static int fake_open(const char *spec, const char *dir, void **be, char *err,
                     size_t err_len) {
    (void)spec;
    (void)dir;
    (void)err;
    (void)err_len;
    *be = &fake;
    return 0;
}

static int fake_write(void *be, const hist_batch_t *first, char *err,
                      size_t err_len) {
    fake_t *fk = be;
    atomic_fetch_add(&fk->attempts, 1);
    if (atomic_load(&fk->fail)) {
        snprintf(err, err_len, "fake outage");
        return PDE_EDB;
    }
    pthread_mutex_lock(&fk->mu);
    for (const hist_batch_t *b = first; b; b = b->next)
        for (size_t i = 0; i < b->n_points; i++) {
            if (fk->n_stored == fk->cap) {
                fk->cap = fk->cap ? 2 * fk->cap : 1024;
                fk->stored = realloc(fk->stored, fk->cap * sizeof(double));
                PDE_ASSERT(fk->stored);
            }
            fk->stored[fk->n_stored++] = b->points[i].sim_time;
        }
    pthread_mutex_unlock(&fk->mu);
    return 0;
}

static json_t *fake_query(void *be, const hist_query_t *q, char *err,
                          size_t err_len) {
    (void)be;
    (void)q;
    snprintf(err, err_len, "not here");
    return NULL;
}

static void fake_close(void *be) {
    fake_t *fk = be;
    pthread_mutex_lock(&fk->mu);
    free(fk->stored);
    fk->stored = NULL;
    fk->n_stored = fk->cap = 0;
    pthread_mutex_unlock(&fk->mu);
}

static const hist_backend_ops_t fake_ops = {
    .name = "fake",
    .usage = "fake",
    .match = fake_match,
    .open = fake_open,
    .write = fake_write,
    .query = fake_query,
    .close = fake_close,
};

static hist_t *open_fake(void) {
    atomic_store(&fake.fail, 0);
    atomic_store(&fake.attempts, 0);
    char err[128];
    hist_t *h = hist__open_ops(&fake_ops, "fake", "", err, sizeof err);
    if (!h) fail_msg("open fake: %s", err);
    return h;
}

/* One point per batch at sim_time = first, first + 1, ... */
static void submit_times(hist_t *h, int first, int n) {
    for (int i = first; i < first + n; i++) {
        hist_batch_t *b = hist_batch_new();
        assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", i, 0, i),
                         0);
        assert_int_equal(hist_submit(h, b), 0);
    }
}

/* Every point stored exactly once, in submission order. */
static void expect_stored_in_order(int n) {
    pthread_mutex_lock(&fake.mu);
    size_t got = fake.n_stored;
    int ok = 1;
    for (size_t i = 0; i < got; i++)
        if (fake.stored[i] != (double)i) ok = 0;
    pthread_mutex_unlock(&fake.mu);
    assert_int_equal(got, n);
    assert_true(ok);
}

/* A failing backend keeps the points, says why, and retries by itself. */
static void failed_writes_are_retried(void **state) {
    (void)state;
    hist_t *h = open_fake();
    atomic_store(&fake.fail, 1);
    submit_times(h, 0, 100);
    assert_int_equal(hist_flush(h), PDE_EDB);
    hist_stats_t st;
    hist_get_stats(h, &st);
    assert_string_equal(st.backend, "fake");
    assert_int_equal(st.points_written, 0);
    assert_int_equal(st.points_buffered, 100);
    assert_string_equal(st.last_error, "fake outage");
    /* Nothing is committed yet: the engine must not acknowledge these. */
    assert_int_equal(hist_submitted(h), 100);
    assert_int_equal(hist_committed(h), 0);

    /* More arrive during the outage; the writer keeps trying on its own. */
    submit_times(h, 100, 50);
    int before = atomic_load(&fake.attempts);
    double t0 = mono_s();
    while (atomic_load(&fake.attempts) < before + 2 && mono_s() - t0 < 10)
        usleep(10000);
    assert_true(atomic_load(&fake.attempts) >= before + 2);
    hist_get_stats(h, &st);
    assert_int_equal(st.points_buffered, 150);

    /* The backend comes back: everything lands without a flush. */
    atomic_store(&fake.fail, 0);
    t0 = mono_s();
    do {
        usleep(10000);
        hist_get_stats(h, &st);
    } while (st.points_written < 150 && mono_s() - t0 < 15);
    assert_int_equal(st.points_written, 150);
    assert_int_equal(st.points_buffered, 0);
    assert_int_equal(st.batches_committed, 150);
    assert_string_equal(st.last_error, "");
    expect_stored_in_order(150);
    assert_int_equal(hist_flush(h), 0);
    assert_int_equal(hist_committed(h), hist_submitted(h));
    assert_int_equal(hist_committed(h), 150);
    hist_close(h);
}

/* A flush during an outage returns at once rather than after the backoff,
 * and a later flush after recovery stores everything. */
static void flush_cuts_backoff(void **state) {
    (void)state;
    hist_t *h = open_fake();
    atomic_store(&fake.fail, 1);
    submit_times(h, 0, 10);
    /* Let the backoff grow to its longest. */
    double t0 = mono_s();
    for (int i = 0; i < 8; i++) assert_int_equal(hist_flush(h), PDE_EDB);
    atomic_store(&fake.fail, 0);
    assert_int_equal(hist_flush(h), 0);
    assert_true(mono_s() - t0 < 3.0);
    expect_stored_in_order(10);
    hist_close(h);
}

/* While the backend is down the buffer is bounded; refused batches are
 * counted, everything accepted still arrives. */
static void buffer_bound(void **state) {
    (void)state;
    hist_t *h = open_fake();
    hist__set_max_buffered(h, 30);
    atomic_store(&fake.fail, 1);
    submit_times(h, 0, 30);
    hist_batch_t *b = hist_batch_new();
    assert_int_equal(hist_batch_add(b, "s", "m", "x", "output", 999, 0, 0), 0);
    assert_int_equal(hist_submit(h, b), PDE_EFULL);
    hist_stats_t st;
    hist_get_stats(h, &st);
    assert_int_equal(st.points_dropped, 1);
    assert_int_equal(st.points_buffered, 30);

    atomic_store(&fake.fail, 0);
    assert_int_equal(hist_flush(h), 0);
    submit_times(h, 30, 5);  /* room again */
    assert_int_equal(hist_flush(h), 0);
    hist_get_stats(h, &st);
    assert_int_equal(st.points_written, 35);
    assert_int_equal(st.points_dropped, 1);
    expect_stored_in_order(35);
    hist_close(h);
}

/* Closing while the backend is down gives up after one attempt, without
 * hanging or leaking. */
static void close_during_outage(void **state) {
    (void)state;
    hist_t *h = open_fake();
    atomic_store(&fake.fail, 1);
    submit_times(h, 0, 20);
    double t0 = mono_s();
    hist_close(h);
    assert_true(mono_s() - t0 < 2.0);
    assert_true(atomic_load(&fake.attempts) >= 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(points_read_back_exactly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(from_to_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicates_stored_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(max_points_bucket_means, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(many_points_all_arrive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_sim, setup, teardown),
        cmocka_unit_test_setup_teardown(odd_values, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_backend, setup, teardown),
        cmocka_unit_test(null_is_harmless),
        cmocka_unit_test_setup_teardown(data_dir_cannot_be_created, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(close_keeps_queued_points, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lone_point_committed_soon, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(queries_beside_writer, setup,
                                        teardown),
        cmocka_unit_test(failed_writes_are_retried),
        cmocka_unit_test(flush_cuts_backoff),
        cmocka_unit_test(buffer_bound),
        cmocka_unit_test(close_during_outage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
