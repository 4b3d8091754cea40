/* influx.c - the historian's InfluxDB 1.x backend: "influx://host[:port]/db"
 * (port 8086 when left out), line protocol over HTTP (libcurl).
 *
 * Every point becomes one line
 *   pde,sim=<sim>,model=<model>,tag=<tag>,kind=<kind> value=<v>,sim_time=<t> <wall_ns>
 * (tag values escaped per the line protocol: ',', '=' and ' ' get a
 * backslash, a newline becomes a space; an empty tag value is left out, as
 * the line protocol has no empty tags; a missing or non-finite value leaves
 * the value field out, so it reads back as null).
 *
 * Nothing is lost while InfluxDB is down or slow, and the sampler never
 * waits for it: hist.c's writer thread calls in_write(), which only appends
 * the lines to a journal on local disk, <data_dir>/influx-journal.db (SQLite,
 * WAL), and commits. A forwarder thread of this backend reads the journal
 * from its cursor (the id of the last row InfluxDB acknowledged, kept in the
 * same file), POSTs up to IN_FWD_POINTS points per request to /write, and on
 * HTTP 204 moves the cursor and deletes the delivered rows in one
 * transaction. A failed request is retried with backoff (IN_RETRY_MIN_S
 * doubling to IN_RETRY_MAX_S) and nothing moves; so an engine restart or a
 * crash at any moment loses nothing: the journal is read again from the
 * cursor. A point may be sent twice (a crash between InfluxDB's answer and
 * the cursor's commit), but InfluxDB keeps one point per series and
 * timestamp, and a resent line is byte for byte the same, so it is stored
 * once.
 *
 * Bound: the journal holds at most IN_JOURNAL_MAX_POINTS undelivered points
 * (about 120 bytes each on disk: ~2.4 GB). At the bound in_write() fails
 * with "journal full"; hist.c then keeps the points in memory and retries,
 * up to HIST_MAX_BUFFERED, beyond which hist_submit() drops new batches and
 * counts them in points_dropped. At 50,000 points/s the journal bound is
 * ~7 minutes of outage; at 1,000 points/s, ~5.5 hours.
 *
 * InfluxDB answering 400 (a line it cannot take, say a field type conflict)
 * would never change on retry; those rows are skipped (logged; last_error
 * says so until the next delivery) so one bad line cannot stall the
 * journal. 404 (database not found) creates the database and retries.
 *
 * Queries go to InfluxDB (/query, InfluxQL, chunked; influx_query.c) and
 * are answered by series.c like the SQLite backend's. A query first waits
 * (up to IN_QUERY_WAIT_S) for the forwarder to deliver what was journaled
 * before it, so an answer holds everything the engine had taken in.
 *
 * Load: as hist.c; one journal row per IN_ROW_POINTS points keeps journal
 * writes cheap (appends of a few MB/s); the forwarder sends ~5 MB (50,000
 * lines) per request, well under InfluxDB's 25 MB body limit. On a 2-core VM
 * (bench/bench_historian.py) the writer delivers 145,000-205,000 points/s
 * into a local InfluxDB 1.6, 80-87% of what a plain loader with pre-built
 * lines gets from it in the same run. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "common/err.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "historian/backend.h"
#include "historian/influx.h"

#define IN_DEFAULT_PORT 8086
#define IN_JOURNAL_FILE "influx-journal.db"
#define IN_JOURNAL_MAX_POINTS 20000000LL
#define IN_ROW_POINTS 5000        /* points per journal row */
#define IN_FWD_POINTS 50000       /* points per POST to /write, about */
#define IN_RETRY_MIN_S 0.2
#define IN_RETRY_MAX_S 5.0
#define IN_CONNECT_TIMEOUT_S 2L
#define IN_WRITE_TIMEOUT_S 30L
#define IN_QUERY_WAIT_S 5.0       /* a query waits this long for delivery */
#define IN_CLOSE_WAIT_S 5.0       /* closing tries to deliver this long */
#define IN_BUSY_MS 10000
#define IN_ERRBODY_MAX 1024       /* of an error answer, kept for messages */

static const char *const JOURNAL_SCHEMA =
    "CREATE TABLE IF NOT EXISTS journal ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " n_points INTEGER NOT NULL,"
    " lines BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cursor ("
    " one INTEGER PRIMARY KEY CHECK (one = 1),"
    " delivered_id INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO cursor VALUES (1, 0);";


static void curl_init_once(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int in_match(const char *spec) {
    return strncmp(spec, "influx://", 9) == 0;
}

/* ------------------------------------------------------------ line protocol */

/* x in as few digits as read back exactly. */
static void shortest(char *buf, size_t len, double x) {
    snprintf(buf, len, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, len, "%.17g", x);
}

/* Append a tag value escaped per the line protocol. */
static void escape_tag(strbuf_t *sb, const char *s) {
    for (; *s; s++) {
        char c = *s;
        if (c == '\n' || c == '\r') c = ' ';
        if (c == ',' || c == '=' || c == ' ') strbuf_putc(sb, '\\');
        strbuf_putc(sb, c);
    }
}

void hist__influx_line(strbuf_t *sb, const hist_point_t *p) {
    static const char *const keys[] = {"sim", "model", "tag", "kind"};
    const char *vals[] = {p->sim, p->model, p->tag, p->kind};
    strbuf_puts(sb, "pde");
    for (int i = 0; i < 4; i++) {
        if (!vals[i][0]) continue;
        strbuf_printf(sb, ",%s=", keys[i]);
        escape_tag(sb, vals[i]);
    }
    char v[32], t[32];
    shortest(t, sizeof t, p->sim_time);
    if (isfinite(p->value)) {
        shortest(v, sizeof v, p->value);
        strbuf_printf(sb, " value=%s,sim_time=%s %lld\n", v, t,
                      (long long)p->wall_ns);
    } else {
        strbuf_printf(sb, " sim_time=%s %lld\n", t, (long long)p->wall_ns);
    }
}

/* ---------------------------------------------------------------- HTTP */


static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg) {
    body_t *b = arg;
    size_t n = size * nmemb, keep = n;
    if (b->limit && b->len + keep > b->limit)
        keep = b->len < b->limit ? b->limit - b->len : 0;
    if (b->len + keep + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + keep + 1) cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data) return 0;  /* curl fails the transfer: out of memory */
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, keep);
    b->len += keep;
    b->data[b->len] = '\0';
    return n;
}

/* POST body to url. Returns 0 and sets *status when InfluxDB answered (any
 * status), or PDE_EDB with err filled when it could not be reached. */
int influx__post(CURL *c, const char *url, const char *ctype,
                     const char *data, size_t len, long timeout_s,
                     body_t *resp, long *status, char *err, size_t err_len) {
    char cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    char ct[64];
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
    hdrs = curl_slist_append(hdrs, ct);
    /* No "Expect: 100-continue" round trip before large bodies. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, IN_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_PROXY, "");   /* never through a proxy */
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    if (rc != CURLE_OK) {
        hist__set_err(err, err_len, "InfluxDB at %s is unreachable: %s", url,
                cerr[0] ? cerr : curl_easy_strerror(rc));
        return PDE_EDB;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

/* "CREATE DATABASE" (a no-op when it exists). Returns 0 or PDE_EDB. */
static int create_db(influx_t *in, CURL *c, char *err, size_t err_len) {
    char q[300], url[400];
    snprintf(q, sizeof q, "CREATE DATABASE \"%s\"", in->db);
    char *esc = curl_easy_escape(c, q, 0);
    if (!esc) {
        hist__set_err(err, err_len, "out of memory");
        return PDE_ENOMEM;
    }
    snprintf(url, sizeof url, "%s/query", in->base_url);
    char form[400];
    snprintf(form, sizeof form, "q=%s", esc);
    curl_free(esc);
    body_t resp = {.limit = IN_ERRBODY_MAX};
    long status = 0;
    int rc = influx__post(c, url, "application/x-www-form-urlencoded", form,
                       strlen(form), 10, &resp, &status, err, err_len);
    if (rc == 0 && status != 200) {
        hist__set_err(err, err_len, "InfluxDB at %s refused to create database '%s' "
                "(HTTP %ld): %s", in->base_url, in->db, status,
                resp.data ? resp.data : "");
        rc = PDE_EDB;
    }
    free(resp.data);
    return rc;
}

/* ----------------------------------------------------------- journal, open */

typedef struct stmt_def {
    sqlite3_stmt **st;
    const char *sql;
} stmt_def_t;

static int prepare_all(sqlite3 *db, const stmt_def_t *stmts, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (sqlite3_prepare_v3(db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                               stmts[i].st, NULL) != SQLITE_OK)
            return -1;
    return 0;
}

static int open_journal(const char *path, sqlite3 **db) {
    if (sqlite3_open_v2(path, db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(*db, IN_BUSY_MS);
    /* WAL + NORMAL: a commit survives a crash of pde (the journal's point). */
    return sqlite3_exec(*db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        " PRAGMA journal_size_limit=67108864;",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : -1;
}

static void in_close(void *bep);
static void *forwarder_main(void *arg);

/* Parse "influx://host[:port]/db". Returns 0 or PDE_EINVAL (err filled). */
static int parse_spec(influx_t *in, const char *spec, char *err,
                      size_t err_len) {
    const char *p = spec + 9, *slash = strchr(p, '/');
    const char *usage = "give it as influx://host:port/db, e.g. "
                        "influx://127.0.0.1:8086/pde";
    if (!slash || slash == p) goto bad;
    const char *colon = memchr(p, ':', (size_t)(slash - p));
    size_t host_len = (size_t)((colon ? colon : slash) - p);
    if (host_len == 0 || host_len >= sizeof in->host) goto bad;
    memcpy(in->host, p, host_len);
    in->host[host_len] = '\0';
    in->port = IN_DEFAULT_PORT;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != slash || port < 1 || port > 65535) goto bad;
        in->port = (int)port;
    }
    const char *db = slash + 1;
    size_t db_len = strlen(db);
    if (db_len == 0 || db_len >= sizeof in->db) goto bad;
    for (const char *c = db; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
            hist__set_err(err, err_len,
                    "historian '%s': the database name may hold letters, "
                    "digits, '_' and '-' only",
                    spec);
            return PDE_EINVAL;
        }
    strlcpy_pde(in->db, db, sizeof in->db);
    return 0;
bad:
    hist__set_err(err, err_len, "historian '%s' is not understood; %s", spec, usage);
    return PDE_EINVAL;
}

static int in_open(const char *spec, const char *data_dir, void **out,
                   char *err, size_t err_len) {
    static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
    influx_t *in = calloc(1, sizeof *in);
    if (!in) {
        hist__set_err(err, err_len, "out of memory");
        return PDE_ENOMEM;
    }
    int have_mu = 0;
    int rc = parse_spec(in, spec, err, err_len);
    if (rc) goto fail_early;
    if (!data_dir || !*data_dir) {
        hist__set_err(err, err_len, "no data directory given for the InfluxDB "
                              "historian's journal");
        rc = PDE_EINVAL;
        goto fail_early;
    }
    snprintf(in->base_url, sizeof in->base_url, "http://%s:%d", in->host,
             in->port);
    snprintf(in->write_url, sizeof in->write_url, "%s/write?db=%s&precision=ns",
             in->base_url, in->db);
    int n = snprintf(in->journal_path, sizeof in->journal_path, "%s/%s",
                     data_dir, IN_JOURNAL_FILE);
    if (n < 0 || (size_t)n >= sizeof in->journal_path) {
        hist__set_err(err, err_len, "data directory path too long: '%s'", data_dir);
        rc = PDE_EINVAL;
        goto fail_early;
    }
    snprintf(in->target, sizeof in->target, "%s/%s", in->base_url, in->db);
    /* mkdir -p, as the SQLite backend does for its file. */
    char dir[PATH_MAX];
    strlcpy_pde(dir, data_dir, sizeof dir);
    for (char *c = dir + 1;; c++) {
        if (*c != '/' && *c != '\0') continue;
        char saved = *c;
        *c = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            rc = -errno;
            hist__set_err(err, err_len, "cannot create the data directory '%s': %s",
                    dir, strerror(-rc));
            goto fail_early;
        }
        if (saved == '\0') break;
        *c = saved;
    }

    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->wake, &attr);
    pthread_cond_init(&in->progress, &attr);
    pthread_condattr_destroy(&attr);
    have_mu = 1;

    /* pthread_once: curl_global_init is not safe to race. */
    pthread_once(&curl_once, curl_init_once);
    rc = PDE_EDB;
    if (open_journal(in->journal_path, &in->wdb) != 0 ||
        sqlite3_exec(in->wdb, JOURNAL_SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
        hist__set_err(err, err_len, "cannot open the InfluxDB journal %s: %s",
                in->journal_path,
                in->wdb ? sqlite3_errmsg(in->wdb) : "out of memory");
        goto fail;
    }
    if (open_journal(in->journal_path, &in->fdb) != 0) {
        hist__set_err(err, err_len, "cannot open the InfluxDB journal %s: %s",
                in->journal_path,
                in->fdb ? sqlite3_errmsg(in->fdb) : "out of memory");
        goto fail;
    }
    stmt_def_t wstmts[] = {
        {&in->w_begin, "BEGIN IMMEDIATE"},
        {&in->w_commit, "COMMIT"},
        {&in->w_rollback, "ROLLBACK"},
        {&in->w_add, "INSERT INTO journal (n_points, lines) VALUES (?1, ?2)"},
    }, fstmts[] = {
        {&in->f_read, "SELECT id, n_points, lines FROM journal WHERE id > ?1 "
                      "ORDER BY id"},
        {&in->f_begin, "BEGIN IMMEDIATE"},
        {&in->f_commit, "COMMIT"},
        {&in->f_rollback, "ROLLBACK"},
        {&in->f_cursor, "UPDATE cursor SET delivered_id = ?1 WHERE one = 1"},
        {&in->f_delete, "DELETE FROM journal WHERE id <= ?1"},
    };
    if (prepare_all(in->wdb, wstmts, sizeof wstmts / sizeof *wstmts) != 0 ||
        prepare_all(in->fdb, fstmts, sizeof fstmts / sizeof *fstmts) != 0) {
        hist__set_err(err, err_len, "cannot prepare statements for %s: %s",
                in->journal_path, sqlite3_errmsg(in->wdb));
        goto fail;
    }

    /* Where the last run left off. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(in->wdb,
                           "SELECT c.delivered_id,"
                           " (SELECT coalesce(max(id), 0) FROM journal),"
                           " (SELECT coalesce(sum(n_points), 0) FROM journal"
                           "  WHERE id > c.delivered_id)"
                           " FROM cursor c",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        hist__set_err(err, err_len, "cannot read the InfluxDB journal %s: %s",
                in->journal_path, sqlite3_errmsg(in->wdb));
        sqlite3_finalize(st);
        goto fail;
    }
    in->cursor = sqlite3_column_int64(st, 0);
    in->last_id = sqlite3_column_int64(st, 1);
    in->pending = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    if (in->last_id < in->cursor) in->last_id = in->cursor;

    if (!(in->curl = curl_easy_init())) {
        hist__set_err(err, err_len, "cannot start libcurl");
        goto fail;
    }
    char why[256] = "";
    if (create_db(in, in->curl, why, sizeof why) == 0) {
        in->up = 1;
        LOG(LOG_INFO, "historian: InfluxDB %s, journal %s (%llu points to "
            "deliver from the last run)", in->target, in->journal_path,
            (unsigned long long)in->pending);
    } else {
        strlcpy_pde(in->last_error, why, sizeof in->last_error);
        LOG(LOG_WARN,
            "historian: %s. Starting anyway: samples are kept in %s and "
            "delivered to %s when it answers (check that influxd runs there "
            "and --historian names the right host, port and database)",
            why, in->journal_path, in->target);
    }

    if ((rc = pthread_create(&in->fwd, NULL, forwarder_main, in)) != 0) {
        hist__set_err(err, err_len, "cannot start the InfluxDB forwarder: %s",
                strerror(rc));
        rc = PDE_EDB;
        goto fail;
    }
    in->have_fwd = 1;
    *out = in;
    return 0;

fail:
    in_close(in);
    return rc;
fail_early:
    if (have_mu) pthread_mutex_destroy(&in->mu);
    strbuf_release(&in->lines);
    free(in);
    return rc;
}

static void in_close(void *bep) {
    influx_t *in = bep;
    if (!in) return;
    if (in->have_fwd) {
        pthread_mutex_lock(&in->mu);
        in->stopping = 1;
        pthread_cond_signal(&in->wake);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->fwd, NULL);
    }
    sqlite3_stmt *all[] = {in->w_begin, in->w_commit, in->w_rollback,
                           in->w_add, in->f_read, in->f_begin, in->f_commit,
                           in->f_rollback, in->f_cursor, in->f_delete};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(in->wdb);
    sqlite3_close(in->fdb);
    if (in->curl) curl_easy_cleanup(in->curl);
    strbuf_release(&in->lines);
    pthread_cond_destroy(&in->progress);
    pthread_cond_destroy(&in->wake);
    pthread_mutex_destroy(&in->mu);
    free(in);
}

/* ---------------------------------------------------------------- writing */

static int add_row(influx_t *in, int n_points) {
    sqlite3_bind_int(in->w_add, 1, n_points);
    sqlite3_bind_blob(in->w_add, 2, in->lines.data, (int)in->lines.len,
                      SQLITE_STATIC);
    int rc = sqlite3_step(in->w_add);
    sqlite3_reset(in->w_add);
    sqlite3_clear_bindings(in->w_add);
    strbuf_reset(&in->lines);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Journal every point of the batches (hist.c's writer thread). */
static int in_write(void *bep, const hist_batch_t *first, char *err,
                    size_t err_len) {
    influx_t *in = bep;
    uint64_t n = 0;
    for (const hist_batch_t *b = first; b; b = b->next) n += b->n_points;
    if (n == 0) return 0;
    pthread_mutex_lock(&in->mu);
    uint64_t pending = in->pending;
    pthread_mutex_unlock(&in->mu);
    if (pending + n > (uint64_t)IN_JOURNAL_MAX_POINTS) {
        hist__set_err(err, err_len,
                "the InfluxDB journal %s is full (%llu points not delivered "
                "to %s, bound %lld); points wait in memory",
                in->journal_path, (unsigned long long)pending, in->target,
                IN_JOURNAL_MAX_POINTS);
        return PDE_EFULL;
    }
    if (sqlite3_step(in->w_begin) != SQLITE_DONE) {
        sqlite3_reset(in->w_begin);
        goto dberr;
    }
    sqlite3_reset(in->w_begin);
    int in_row = 0;
    strbuf_reset(&in->lines);
    for (const hist_batch_t *b = first; b; b = b->next)
        for (size_t j = 0; j < b->n_points; j++) {
            hist__influx_line(&in->lines, &b->points[j]);
            if (++in_row == IN_ROW_POINTS) {
                if (add_row(in, in_row) != 0) goto rollback;
                in_row = 0;
            }
        }
    if (in_row && add_row(in, in_row) != 0) goto rollback;
    if (sqlite3_step(in->w_commit) != SQLITE_DONE) {
        sqlite3_reset(in->w_commit);
        goto rollback;
    }
    sqlite3_reset(in->w_commit);
    int64_t last = sqlite3_last_insert_rowid(in->wdb);

    pthread_mutex_lock(&in->mu);
    in->last_id = last;
    in->pending += n;
    pthread_cond_signal(&in->wake);
    pthread_mutex_unlock(&in->mu);
    return 0;

rollback:
    hist__set_err(err, err_len, "cannot write to the InfluxDB journal %s: %s",
            in->journal_path, sqlite3_errmsg(in->wdb));
    /* Best effort: SQLite may have rolled back already. */
    if (!sqlite3_get_autocommit(in->wdb)) {
        sqlite3_step(in->w_rollback);
        sqlite3_reset(in->w_rollback);
    }
    strbuf_reset(&in->lines);
    return PDE_EDB;
dberr:
    hist__set_err(err, err_len, "cannot write to the InfluxDB journal %s: %s",
            in->journal_path, sqlite3_errmsg(in->wdb));
    return PDE_EDB;
}

/* ------------------------------------------------------------- forwarder */

static void wait_until(influx_t *in, double due) {
    double whole = floor(due);
    struct timespec ts = {.tv_sec = (time_t)whole,
                          .tv_nsec = (long)((due - whole) * 1e9)};
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&in->wake, &in->mu, &ts);
}

/* Read rows after cursor into body, up to ~IN_FWD_POINTS points. Sets
 * *upto (newest row read) and *n (points). Returns 0 or -1 (err). */
static int read_rows(influx_t *in, int64_t cursor, strbuf_t *body,
                     int64_t *upto, uint64_t *n) {
    sqlite3_stmt *st = in->f_read;
    sqlite3_bind_int64(st, 1, cursor);
    int rc;
    *n = 0;
    *upto = cursor;
    while (*n < IN_FWD_POINTS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *upto = sqlite3_column_int64(st, 0);
        *n += (uint64_t)sqlite3_column_int64(st, 1);
        strbuf_append(body, (const char *)sqlite3_column_blob(st, 2),
                    (size_t)sqlite3_column_bytes(st, 2));
    }
    if (*n < IN_FWD_POINTS && rc != SQLITE_DONE) {
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* Move the cursor to upto and delete what it passed. Returns 0 or -1. */
static int move_cursor(influx_t *in, int64_t upto) {
    int ok = sqlite3_step(in->f_begin) == SQLITE_DONE;
    sqlite3_reset(in->f_begin);
    if (ok) {
        sqlite3_bind_int64(in->f_cursor, 1, upto);
        ok = sqlite3_step(in->f_cursor) == SQLITE_DONE;
        sqlite3_reset(in->f_cursor);
    }
    if (ok) {
        sqlite3_bind_int64(in->f_delete, 1, upto);
        ok = sqlite3_step(in->f_delete) == SQLITE_DONE;
        sqlite3_reset(in->f_delete);
    }
    if (ok) {
        ok = sqlite3_step(in->f_commit) == SQLITE_DONE;
        sqlite3_reset(in->f_commit);
    }
    if (!ok && !sqlite3_get_autocommit(in->fdb)) {
        sqlite3_step(in->f_rollback);
        sqlite3_reset(in->f_rollback);
    }
    return ok ? 0 : -1;
}

/* One attempt to deliver what follows the cursor. Returns 1 delivered
 * something, 2 skipped what InfluxDB refused as malformed (err filled), 0
 * nothing to do, -1 failed (err filled). */
static int forward_once(influx_t *in, int64_t cursor, strbuf_t *body,
                        char *err, size_t err_len) {
    int64_t upto;
    uint64_t n;
    strbuf_reset(body);
    if (read_rows(in, cursor, body, &upto, &n) != 0) {
        hist__set_err(err, err_len, "cannot read the InfluxDB journal %s: %s",
                in->journal_path, sqlite3_errmsg(in->fdb));
        return -1;
    }
    if (upto == cursor) return 0;

    body_t resp = {.limit = IN_ERRBODY_MAX};
    long status = 0;
    int rc = influx__post(in->curl, in->write_url, "text/plain; charset=utf-8",
                       body->data ? body->data : "", body->len,
                       IN_WRITE_TIMEOUT_S, &resp, &status, err, err_len);
    if (rc == 0 && status == 404) {
        /* "database not found": someone dropped it, or it never was. */
        free(resp.data);
        if (create_db(in, in->curl, err, err_len) != 0) return -1;
        resp = (body_t){.limit = IN_ERRBODY_MAX};
        rc = influx__post(in->curl, in->write_url, "text/plain; charset=utf-8",
                       body->data ? body->data : "", body->len,
                       IN_WRITE_TIMEOUT_S, &resp, &status, err, err_len);
    }
    int skip = 0;
    if (rc == 0 && status != 204) {
        hist__set_err(err, err_len, "InfluxDB %s answered HTTP %ld to a write: %s",
                in->target, status, resp.data ? resp.data : "");
        /* 400: these lines would be refused forever; skip them. */
        skip = status == 400;
        rc = PDE_EDB;
    }
    free(resp.data);
    pthread_mutex_lock(&in->mu);
    in->up = rc == 0 || status != 0;
    pthread_mutex_unlock(&in->mu);
    if (rc != 0 && !skip) return -1;
    if (skip)
        LOG(LOG_ERROR, "historian: %s; skipping those %llu points", err,
            (unsigned long long)n);

    if (move_cursor(in, upto) != 0) {
        /* Delivered but not recorded: resending later is harmless. */
        hist__set_err(err, err_len, "cannot record delivery in %s: %s",
                in->journal_path, sqlite3_errmsg(in->fdb));
        return -1;
    }
    pthread_mutex_lock(&in->mu);
    in->cursor = upto;
    in->pending -= n <= in->pending ? n : in->pending;
    if (skip)
        in->rejected += n;
    else
        in->delivered += n;
    pthread_cond_broadcast(&in->progress);
    pthread_mutex_unlock(&in->mu);
    return skip ? 2 : 1;
}

static void *forwarder_main(void *arg) {
    influx_t *in = arg;
    strbuf_t body = STRBUF_INIT;
    char err[256];
    double backoff = 0, retry_at = 0, close_by = 0;
    int was_down = in->last_error[0] != '\0';

    pthread_mutex_lock(&in->mu);
    for (;;) {
        if (in->stopping && close_by == 0) close_by = mono_s() + IN_CLOSE_WAIT_S;
        if (in->stopping &&
            (in->cursor >= in->last_id || mono_s() >= close_by ||
             (backoff > 0 && !in->up)))
            break;
        if (in->cursor >= in->last_id) {
            pthread_cond_wait(&in->wake, &in->mu);
            continue;
        }
        if (backoff > 0 && !in->kick && mono_s() < retry_at) {
            /* Closing still backs off, up to its own deadline. */
            wait_until(in, in->stopping && close_by < retry_at ? close_by
                                                                : retry_at);
            continue;
        }
        in->kick = 0;
        int64_t cursor = in->cursor;
        pthread_mutex_unlock(&in->mu);

        err[0] = '\0';
        int rc = forward_once(in, cursor, &body, err, sizeof err);
        if (rc < 0) {
            backoff = backoff > 0 ? backoff * 2 : IN_RETRY_MIN_S;
            if (backoff > IN_RETRY_MAX_S) backoff = IN_RETRY_MAX_S;
            retry_at = mono_s() + backoff;
            if (!was_down)
                LOG(LOG_WARN, "historian: %s; keeping points in %s and "
                    "retrying", err, in->journal_path);
            was_down = 1;
        } else if (rc > 0 && backoff > 0) {
            backoff = 0;
        }
        if (rc == 1 && was_down) {
            LOG(LOG_INFO, "historian: delivering to InfluxDB %s again",
                in->target);
            was_down = 0;
        }
        pthread_mutex_lock(&in->mu);
        in->n_attempts++;
        if (rc < 0 || rc == 2)
            strlcpy_pde(in->last_error, err, sizeof in->last_error);
        else if (rc > 0)
            in->last_error[0] = '\0';
        pthread_cond_broadcast(&in->progress);
    }
    uint64_t left = in->pending;
    pthread_mutex_unlock(&in->mu);
    if (left)
        LOG(LOG_WARN, "historian: %llu points not delivered to %s yet; they "
            "stay in %s for the next start",
            (unsigned long long)left, in->target, in->journal_path);
    strbuf_release(&body);
    return NULL;
}

/* Wait up to IN_QUERY_WAIT_S for what was journaled until now to reach
 * InfluxDB (any thread). Gives up early when an attempt fails. */
void influx__wait_delivered(influx_t *in) {
    pthread_mutex_lock(&in->mu);
    int64_t target = in->last_id;
    uint64_t attempts = in->n_attempts;
    double due = mono_s() + IN_QUERY_WAIT_S;
    if (in->cursor < target) {
        in->kick = 1;
        pthread_cond_signal(&in->wake);
    }
    while (in->cursor < target && mono_s() < due &&
           !(in->n_attempts > attempts && in->last_error[0])) {
        double whole = floor(due);
        struct timespec ts = {.tv_sec = (time_t)whole,
                              .tv_nsec = (long)((due - whole) * 1e9)};
        pthread_cond_timedwait(&in->progress, &in->mu, &ts);
    }
    pthread_mutex_unlock(&in->mu);
}

/* ---------------------------------------------------------------- stats */

static void in_stats(void *bep, hist_backend_stats_t *out) {
    influx_t *in = bep;
    pthread_mutex_lock(&in->mu);
    out->delivered = in->delivered;
    out->pending = in->pending;
    strlcpy_pde(out->last_error, in->last_error, sizeof out->last_error);
    /* Best effort: a very long path is cut short. */
    if (snprintf(out->target, sizeof out->target, "%s (journal %s)",
                 in->target, in->journal_path) < 0)
        out->target[0] = '\0';
    pthread_mutex_unlock(&in->mu);
}

const hist_backend_ops_t hist__influx_ops = {
    .name = "influx",
    .usage = "influx://host:port/db",
    .match = in_match,
    .open = in_open,
    .write = in_write,
    .query = influx__query,
    .close = in_close,
    .stats = in_stats,
};
