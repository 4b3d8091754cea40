/* test_historian_influx.c - the InfluxDB backend without InfluxDB: the line
 * protocol it writes, its spec parsing, and its journal, against a fake
 * InfluxDB (a thread serving HTTP on a loopback port) that can refuse
 * writes on demand, and against a port where nothing listens.
 *
 * The real influxd is exercised by tests/integration/
 * test_historian_influx.py. Each test gets a fresh data directory. */
#include "testutil.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "historian/backend.h"
#include "historian/hist.h"
#include "tempdir_fixture.h"

/* ------------------------------------------------------------- fixtures */

/* setup/teardown: a fresh temporary data directory per test (tempdir_fixture.h). */

/* A loopback port where nothing listens (bound, then closed). */
static int dead_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

/* ------------------------------------------------------ the fake InfluxDB */

typedef struct fake {
    int listen_fd, port;
    pthread_t thread;
    atomic_int stop;
    atomic_int write_status;    /* answer to /write: 204, 500, 400 */
    atomic_int n_writes;        /* /write requests answered 204 */
    pthread_mutex_t mu;
    strbuf_t lines;             /* bodies of accepted writes */
} fake_t;

static void serve_one(fake_t *fk, int c) {
    strbuf_t req = STRBUF_INIT;
    char buf[65536];
    size_t head_end = 0, want = 0;
    for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) goto done;
        strbuf_append(&req, buf, (size_t)n);
        if (!head_end) {
            char *e = strstr(req.data, "\r\n\r\n");
            if (!e) continue;
            head_end = (size_t)(e - req.data) + 4;
            char *cl = strcasestr(req.data, "Content-Length:");
            want = cl && cl < e ? strtoul(cl + 15, NULL, 10) : 0;
        }
        if (req.len >= head_end + want) break;
    }
    const char *answer;
    char out[256];
    if (strncmp(req.data, "POST /write", 11) == 0) {
        int status = atomic_load(&fk->write_status);
        if (status == 204) {
            pthread_mutex_lock(&fk->mu);
            strbuf_append(&fk->lines, req.data + head_end, want);
            pthread_mutex_unlock(&fk->mu);
            atomic_fetch_add(&fk->n_writes, 1);
            answer = "";
        } else {
            answer = "{\"error\":\"on purpose\"}";
        }
        snprintf(out, sizeof out,
                 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: "
                 "close\r\n\r\n%s",
                 status, strlen(answer), answer);
    } else {
        answer = "{\"results\":[{\"statement_id\":0}]}";
        snprintf(out, sizeof out,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 strlen(answer), answer);
    }
    /* Best effort: the client may be gone. */
    if (write(c, out, strlen(out)) < 0) goto done;
done:
    strbuf_release(&req);
    close(c);
}

static void *fake_main(void *arg) {
    fake_t *fk = arg;
    while (!atomic_load(&fk->stop)) {
        int c = accept(fk->listen_fd, NULL, NULL);
        if (c < 0) continue;
        if (atomic_load(&fk->stop)) {
            close(c);
            break;
        }
        serve_one(fk, c);
    }
    return NULL;
}

static fake_t *fake_start(void) {
    fake_t *fk = calloc(1, sizeof *fk);
    assert_non_null(fk);
    pthread_mutex_init(&fk->mu, NULL);
    atomic_store(&fk->write_status, 204);
    fk->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fk->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fk->listen_fd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(fk->listen_fd, (struct sockaddr *)&a, &len);
    fk->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&fk->thread, NULL, fake_main, fk), 0);
    return fk;
}

static void fake_stop(fake_t *fk) {
    atomic_store(&fk->stop, 1);
    /* Wake accept() with a connection of our own. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)fk->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { /* gone already */
    }
    close(s);
    pthread_join(fk->thread, NULL);
    close(fk->listen_fd);
    strbuf_release(&fk->lines);
    pthread_mutex_destroy(&fk->mu);
    free(fk);
}

static int by_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many lines the fake took, and how many distinct ones. */
static void fake_count(fake_t *fk, size_t *lines, size_t *distinct) {
    pthread_mutex_lock(&fk->mu);
    char *copy = strdup(fk->lines.data ? fk->lines.data : "");
    pthread_mutex_unlock(&fk->mu);
    assert_non_null(copy);
    size_t n = 0, cap = 1024;
    char **all = malloc(cap * sizeof *all);
    assert_non_null(all);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            all = realloc(all, (cap *= 2) * sizeof *all);
            assert_non_null(all);
        }
        all[n++] = l;
    }
    if (n > 1) qsort(all, n, sizeof *all, by_str);
    size_t d = 0;
    for (size_t i = 0; i < n; i++) d += i == 0 || strcmp(all[i], all[i - 1]);
    *lines = n;
    *distinct = d;
    free(all);
    free(copy);
}

static hist_t *open_influx(const char *dir, int port) {
    char spec[128], err[256] = "";
    snprintf(spec, sizeof spec, "influx://127.0.0.1:%d/testdb", port);
    hist_t *h = hist_open(spec, dir, err, sizeof err);
    if (!h) fail_msg("hist_open(%s): %s", spec, err);
    return h;
}

static void submit(hist_t *h, int first, int n) {
    hist_batch_t *b = hist_batch_new();
    for (int k = first; k < first + n; k++)
        assert_int_equal(hist_batch_add(b, "sim-1", "cstr", "T", "output",
                                        k * 0.5, 1700000000000000000LL + k,
                                        300.0 + k),
                         0);
    assert_int_equal(hist_submit(h, b), 0);
}

/* Wait up to 10 s for pred; fail with what. */
#define WAIT_FOR(pred, what)                                                   \
    do {                                                                       \
        double due_ = mono_s() + 10;                                           \
        while (!(pred) && mono_s() < due_) usleep(10000);                      \
        if (!(pred)) fail_msg("timed out waiting for %s", what);               \
    } while (0)

/* ---------------------------------------------------------------- tests */

static void line_protocol(void **state) {
    (void)state;
    strbuf_t sb = STRBUF_INIT;
    hist_point_t p = {.sim_time = 1.5, .wall_ns = 1700000000123456789LL,
                      .value = 0.1};
    strcpy(p.sim, "a b,c=d");
    strcpy(p.model, "wood-berry");
    strcpy(p.tag, "x\ny");
    strcpy(p.kind, "output");
    hist__influx_line(&sb, &p);
    assert_string_equal(sb.data,
                        "pde,sim=a\\ b\\,c\\=d,model=wood-berry,tag=x\\ y,"
                        "kind=output value=0.1,sim_time=1.5 "
                        "1700000000123456789\n");
    /* A missing value leaves the field out; an empty tag value is left out;
     * numbers read back exactly. */
    strbuf_reset(&sb);
    p.value = NAN;
    p.model[0] = '\0';
    strcpy(p.sim, "s");
    strcpy(p.tag, "T");
    p.sim_time = 1.0 / 3.0;
    hist__influx_line(&sb, &p);
    assert_string_equal(sb.data, "pde,sim=s,tag=T,kind=output "
                                 "sim_time=0.33333333333333331 "
                                 "1700000000123456789\n");
    strbuf_reset(&sb);
    p.value = INFINITY;
    p.sim_time = 2;
    hist__influx_line(&sb, &p);
    assert_non_null(strstr(sb.data, " sim_time=2 "));
    assert_null(strstr(sb.data, "value"));
    strbuf_release(&sb);
}

static void bad_specs(void **state) {
    fixture_t *f = *state;
    const char *bad[] = {"influx://", "influx:///db", "influx://h:0/db",
                         "influx://h:70000/db", "influx://h:12/",
                         "influx://h:12x/db", "influx://h:1/bad name"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        assert_null(hist_open(bad[i], f->dir, err, sizeof err));
        assert_non_null(strstr(err, bad[i]));
    }
    char path[128];
    snprintf(path, sizeof path, "%s/influx-journal.db", f->dir);
    assert_int_equal(access(path, F_OK), -1);
}

/* Nothing listens: open works, points are journaled on disk, stats say
 * why, a query fails clearly; the journal outlives a close and reopen. */
static void unreachable_keeps_journal(void **state) {
    fixture_t *f = *state;
    int port = dead_port();
    hist_t *h = open_influx(f->dir, port);
    submit(h, 0, 100);
    submit(h, 100, 50);
    assert_int_equal(hist_flush(h), 0);
    hist_stats_t st;
    hist_get_stats(h, &st);
    assert_string_equal(st.backend, "influx");
    assert_int_equal(st.points_written, 0);
    assert_int_equal(st.points_journaled, 150);
    assert_int_equal(st.points_buffered, 150);
    assert_non_null(strstr(st.last_error, "unreachable"));
    hist_query_t q = {.sim = "sim-1", .from = -INFINITY, .to = INFINITY};
    char err[256] = "";
    assert_null(hist_query(h, &q, err, sizeof err));
    assert_non_null(strstr(err, "unreachable"));
    hist_close(h);

    h = open_influx(f->dir, port);
    hist_get_stats(h, &st);
    assert_int_equal(st.points_journaled, 150);
    hist_close(h);
}

/* Down, then up: every point arrives, once, and the journal empties. */
static void delivers_after_outage_once(void **state) {
    fixture_t *f = *state;
    fake_t *fk = fake_start();
    atomic_store(&fk->write_status, 500);
    hist_t *h = open_influx(f->dir, fk->port);
    for (int i = 0; i < 20; i++) submit(h, i * 1000, 1000);
    assert_int_equal(hist_flush(h), 0);
    hist_stats_t st;
    WAIT_FOR((hist_get_stats(h, &st), st.last_error[0] != '\0'),
             "a failed delivery");
    assert_non_null(strstr(st.last_error, "HTTP 500"));
    assert_int_equal(st.points_written, 0);
    hist_close(h);  /* the engine restarts while InfluxDB is down */

    h = open_influx(f->dir, fk->port);
    hist_get_stats(h, &st);
    assert_int_equal(st.points_journaled, 20000);
    atomic_store(&fk->write_status, 204);
    submit(h, 20000, 500);
    WAIT_FOR((hist_get_stats(h, &st), st.points_journaled == 0 &&
                                          st.points_buffered == 0),
             "the journal to drain");
    assert_int_equal(st.points_written, 20500);
    assert_string_equal(st.last_error, "");
    size_t lines, distinct;
    fake_count(fk, &lines, &distinct);
    assert_int_equal(lines, 20500);
    assert_int_equal(distinct, 20500);
    hist_close(h);

    /* Nothing is sent again after a restart. */
    int writes = atomic_load(&fk->n_writes);
    h = open_influx(f->dir, fk->port);
    hist_get_stats(h, &st);
    assert_int_equal(st.points_journaled, 0);
    hist_close(h);
    assert_int_equal(atomic_load(&fk->n_writes), writes);
    fake_stop(fk);
}

/* A write InfluxDB refuses as malformed (400) cannot stall the journal. */
static void refused_lines_are_skipped(void **state) {
    fixture_t *f = *state;
    fake_t *fk = fake_start();
    atomic_store(&fk->write_status, 400);
    hist_t *h = open_influx(f->dir, fk->port);
    submit(h, 0, 10);
    hist_stats_t st;
    WAIT_FOR((hist_get_stats(h, &st), st.points_journaled == 0 &&
                                          st.points_buffered == 0),
             "the refused points to be skipped");
    assert_non_null(strstr(st.last_error, "HTTP 400"));
    atomic_store(&fk->write_status, 204);
    submit(h, 10, 10);
    WAIT_FOR((hist_get_stats(h, &st), st.points_written == 10),
             "the next points");
    assert_string_equal(st.last_error, "");
    hist_close(h);
    fake_stop(fk);
}

/* The journal bound: hist_submit never blocks; beyond the memory bound it
 * refuses, and says so. (The journal's own bound is too big to reach in a
 * unit test; it fails writes the same way a failing disk does.) */
static void submit_never_blocks_when_down(void **state) {
    fixture_t *f = *state;
    hist_t *h = open_influx(f->dir, dead_port());
    double t0 = mono_s();
    for (int i = 0; i < 200; i++) submit(h, i * 100, 100);
    assert_true(mono_s() - t0 < 2.0);
    assert_int_equal(hist_flush(h), 0);
    hist_stats_t st;
    hist_get_stats(h, &st);
    assert_int_equal(st.points_journaled, 20000);
    assert_int_equal(st.points_dropped, 0);
    hist_close(h);
}

/* agg=minmax through the SQLite backend, with a missing value. */
static void minmax_buckets(void **state) {
    fixture_t *f = *state;
    char err[256] = "";
    hist_t *h = hist_open("sqlite", f->dir, err, sizeof err);
    assert_non_null(h);
    const double vs[] = {1, 5, NAN, 3, -2, 7, 4, NAN, NAN};
    hist_batch_t *b = hist_batch_new();
    for (int k = 0; k < 9; k++)
        assert_int_equal(hist_batch_add(b, "s", "m", "a", "output", k, 1000 + k,
                                        vs[k]),
                         0);
    assert_int_equal(hist_submit(h, b), 0);
    assert_int_equal(hist_flush(h), 0);
    /* first 0, last 8, 3 buckets of width 8/3: {0,1,2}, {3,4,5}, {6,7,8} */
    hist_query_t q = {.sim = "s", .from = -INFINITY, .to = INFINITY,
                      .max_points = 3, .minmax = 1, .with_wall = 1};
    json_t *r = hist_query(h, &q, err, sizeof err);
    assert_non_null(r);
    json_t *a = json_object_get(json_object_get(r, "tags"), "a");
    assert_int_equal(json_array_size(a), 3);
    const double want[3][5] = {{1, 3, 1, 5, 1001},
                               {4, 8.0 / 3, -2, 7, 1004},
                               {7, 4, 4, 4, 1007}};
    for (int i = 0; i < 3; i++) {
        json_t *p = json_array_get(a, (size_t)i);
        assert_int_equal(json_array_size(p), 5);
        for (int j = 0; j < 5; j++)
            ASSERT_NEAR(json_number_value(json_array_get(p, (size_t)j)),
                        want[i][j], 1e-12);
    }
    assert_true(json_is_integer(json_array_get(json_array_get(a, 0), 4)));
    json_decref(r);
    /* Answered whole: [t, v, v, v]. */
    q.max_points = 0;
    q.with_wall = 0;
    r = hist_query(h, &q, err, sizeof err);
    a = json_object_get(json_object_get(r, "tags"), "a");
    json_t *p1 = json_array_get(a, 1);
    assert_int_equal(json_array_size(p1), 4);
    ASSERT_NEAR(json_number_value(json_array_get(p1, 3)), 5, 0);
    assert_true(json_is_null(json_array_get(json_array_get(a, 2), 2)));
    json_decref(r);
    hist_close(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_protocol),
        cmocka_unit_test_setup_teardown(bad_specs, setup, teardown),
        cmocka_unit_test_setup_teardown(unreachable_keeps_journal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(delivers_after_outage_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_lines_are_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(submit_never_blocks_when_down, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(minmax_buckets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
