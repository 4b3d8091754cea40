/* sqlite.c - the historian's embedded backend: one SQLite file,
 * <data_dir>/historian.db, in WAL mode so queries read beside the writer.
 *
 * Schema (version 1, in PRAGMA user_version):
 *   series(id INTEGER PRIMARY KEY, sim, model, tag, kind, UNIQUE(sim, tag))
 *   points(series, sim_time, wall_ns, value,
 *          PRIMARY KEY(series, sim_time)) WITHOUT ROWID
 * so one tag's history is one contiguous key range, read in sim_time order
 * without sorting, and a point stored twice (a retried write) is kept once
 * (INSERT OR IGNORE), with the value submitted first.
 *
 * Load: hist.c's writer thread calls sq_write() with up to a few hundred
 * thousand points at a time. Series ids are cached in memory, so the hot
 * path is one prepared INSERT per point; points are sorted by (series,
 * sim_time) first so the B-tree is walked in key order. Queries come from
 * any thread, each on a read-only connection of its own.
 *
 * Cost: each series grows at its own end of the points tree, so a write
 * dirties one page per series it has points for. With many slow series
 * (10,000 sims x 5 tags at 1 Hz) that is about a page per point, whatever
 * the batching; fast sims put many points on each page. On a 2-core VM this
 * sustains 50,000 points/s from 50,000 series at ~0.1 s latency, and
 * 400,000+ points/s from 5,000 series when saturated. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sqlite3.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "common/err.h"
#include "common/util.h"
#include "historian/backend.h"

#define SQ_FILE "historian.db"
#define SQ_SCHEMA_VERSION 1
#define SQ_BUSY_MS 5000           /* wait this long for a lock */
/* The writer's page cache, allocated as used. Each write touches the last
 * leaf page of every series it has points for, so this holds those pages
 * for ~60,000 series (the load: 10,000 sims of 3-10 tags). */
#define SQ_CACHE_KIB 262144
#define SQ_WAL_LIMIT (64 << 20)   /* bytes of WAL kept after a checkpoint */
#define SQ_SERIES_CACHE_MAX 1000000  /* start over beyond this many ids */

static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS series ("
    " id INTEGER PRIMARY KEY,"
    " sim TEXT NOT NULL,"
    " model TEXT NOT NULL,"
    " tag TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " UNIQUE (sim, tag));"
    "CREATE TABLE IF NOT EXISTS points ("
    " series INTEGER NOT NULL,"
    " sim_time REAL NOT NULL,"
    " wall_ns INTEGER NOT NULL,"
    " value REAL,"
    " PRIMARY KEY (series, sim_time)) WITHOUT ROWID;";

typedef struct series_entry {
    UT_hash_handle hh;
    int64_t id;
    size_t keylen;
    char key[];               /* sim '\0' tag */
} series_entry_t;

typedef struct ordered {
    int64_t series;
    size_t arrival;           /* position in the write, to keep ties stable */
    const hist_point_t *p;
} ordered_t;

typedef struct sq {
    char path[PATH_MAX];
    /* Writer side: used by the writer thread only. */
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *rollback;
    sqlite3_stmt *find_series, *add_series, *add_point;
    series_entry_t *series;   /* (sim, tag) -> id, ids committed or in the
                               * open transaction */
    size_t n_series;
    ordered_t *order;         /* reused from write to write */
    size_t order_cap;
} sq_t;

/* "<what> <path>: <SQLite's message>" */
static void db_err(const sq_t *s, sqlite3 *db, const char *what, char *err,
                   size_t err_len) {
    hist__set_err(err, err_len, "%s %s: %s", what, s->path,
            db ? sqlite3_errmsg(db) : "out of memory");
}

static int sq_match(const char *spec) {
    return strcmp(spec, "sqlite") == 0;
}

/* ---------------------------------------------------------------- opening */

/* mkdir -p: create dir and its missing parents. Returns 0 or -errno. */
static int make_dirs(const char *dir) {
    char path[PATH_MAX];
    if (strlcpy_pde(path, dir, sizeof path) >= sizeof path)
        return -ENAMETOOLONG;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') path[--n] = '\0';
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) return -errno;
        if (saved == '\0') break;
        *p = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0) return -errno;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    return 0;
}

static void sq_close(void *bep) {
    sq_t *s = bep;
    if (!s) return;
    sqlite3_finalize(s->begin);
    sqlite3_finalize(s->commit);
    sqlite3_finalize(s->rollback);
    sqlite3_finalize(s->find_series);
    sqlite3_finalize(s->add_series);
    sqlite3_finalize(s->add_point);
    sqlite3_close(s->db);
    series_entry_t *e, *tmp;
    HASH_ITER(hh, s->series, e, tmp) {
        HASH_DEL(s->series, e);
        free(e);
    }
    free(s->order);
    free(s);
}

/* Run a statement that answers one row of one column; *out gets its integer
 * or (when out_text) a copy of its text. */
static int one_value(sqlite3 *db, const char *sql, int64_t *out, char *out_text,
                     size_t text_len) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (out) *out = sqlite3_column_int64(st, 0);
        if (out_text) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            strlcpy_pde(out_text, t ? (const char *)t : "", text_len);
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_open(const char *spec, const char *data_dir, void **out,
                   char *err, size_t err_len) {
    (void)spec;
    if (!data_dir || !*data_dir) {
        hist__set_err(err, err_len, "no data directory given for the historian");
        return PDE_EINVAL;
    }
    if (!sqlite3_threadsafe()) {
        hist__set_err(err, err_len,
                "this SQLite is built without thread support; the historian "
                "needs it");
        return PDE_EINVAL;
    }
    int rc = make_dirs(data_dir);
    if (rc != 0) {
        hist__set_err(err, err_len,
                "cannot create the data directory '%s': %s; give a directory "
                "that exists or can be created",
                data_dir, strerror(-rc));
        return rc;
    }
    sq_t *s = calloc(1, sizeof *s);
    if (!s) {
        hist__set_err(err, err_len, "out of memory");
        return PDE_ENOMEM;
    }
    int n = snprintf(s->path, sizeof s->path, "%s/%s", data_dir, SQ_FILE);
    if (n < 0 || (size_t)n >= sizeof s->path) {
        hist__set_err(err, err_len, "data directory path too long: '%s'", data_dir);
        rc = PDE_EINVAL;
        goto fail;
    }

    rc = PDE_EDB;
    if (sqlite3_open_v2(s->path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        db_err(s, s->db, "cannot open", err, err_len);
        goto fail;
    }
    sqlite3_busy_timeout(s->db, SQ_BUSY_MS);

    char mode[16];
    if (one_value(s->db, "PRAGMA journal_mode=WAL", NULL, mode, sizeof mode) !=
        SQLITE_OK) {
        db_err(s, s->db, "cannot open", err, err_len);
        goto fail;
    }
    if (strcmp(mode, "wal") != 0) {
        hist__set_err(err, err_len,
                "cannot use WAL mode for %s (got '%s'); put the data "
                "directory on a local file system",
                s->path, mode);
        goto fail;
    }
    /* NORMAL in WAL mode: a commit survives a crash of pde, and at worst
     * the last transactions are lost with the machine's power; never
     * corruption. */
    /* A large transaction leaves a large WAL behind; cut it back after
     * checkpoints rather than keep it on disk. */
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-%d;"
             " PRAGMA journal_size_limit=%d;",
             SQ_CACHE_KIB, SQ_WAL_LIMIT);
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        db_err(s, s->db, "cannot set up", err, err_len);
        goto fail;
    }

    int64_t version = 0;
    if (one_value(s->db, "PRAGMA user_version", &version, NULL, 0) !=
        SQLITE_OK) {
        db_err(s, s->db, "cannot read", err, err_len);
        goto fail;
    }
    if (version > SQ_SCHEMA_VERSION) {
        hist__set_err(err, err_len,
                "%s has schema version %lld, newer than this pde knows (%d); "
                "use a newer pde or another data directory",
                s->path, (long long)version, SQ_SCHEMA_VERSION);
        goto fail;
    }
    if (version < SQ_SCHEMA_VERSION) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "BEGIN IMMEDIATE; %s PRAGMA user_version=%d; COMMIT;", SCHEMA,
                 SQ_SCHEMA_VERSION);
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            db_err(s, s->db, "cannot create the tables in", err, err_len);
            goto fail;
        }
    }

    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {
        {&s->begin, "BEGIN IMMEDIATE"},
        {&s->commit, "COMMIT"},
        {&s->rollback, "ROLLBACK"},
        {&s->find_series, "SELECT id FROM series WHERE sim = ?1 AND tag = ?2"},
        {&s->add_series,
         "INSERT INTO series (sim, model, tag, kind) VALUES (?1, ?2, ?3, ?4)"},
        {&s->add_point,
         "INSERT OR IGNORE INTO points (series, sim_time, wall_ns, value) "
         "VALUES (?1, ?2, ?3, ?4)"},
    };
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        if (sqlite3_prepare_v3(s->db, stmts[i].sql, -1,
                               SQLITE_PREPARE_PERSISTENT, stmts[i].st,
                               NULL) != SQLITE_OK) {
            db_err(s, s->db, "cannot prepare statements for", err, err_len);
            goto fail;
        }
    *out = s;
    return 0;

fail:
    sq_close(s);
    return rc;
}

/* ---------------------------------------------------------------- writing */

static void forget_series(sq_t *s) {
    series_entry_t *e, *tmp;
    HASH_ITER(hh, s->series, e, tmp) {
        HASH_DEL(s->series, e);
        free(e);
    }
    s->n_series = 0;
}

/* The id of p's series, from the cache or the database (created when new,
 * inside the open transaction). Returns 0 or a negative code. */
static int series_id(sq_t *s, const hist_point_t *p, int64_t *id, int *added,
                     char *err, size_t err_len) {
    char key[2 * HIST_NAME_MAX];
    size_t ls = strlen(p->sim), lt = strlen(p->tag);
    memcpy(key, p->sim, ls + 1);
    memcpy(key + ls + 1, p->tag, lt);
    size_t keylen = ls + 1 + lt;

    series_entry_t *e;
    HASH_FIND(hh, s->series, key, keylen, e);
    if (e) {
        *id = e->id;
        return 0;
    }

    sqlite3_stmt *st = s->find_series;
    sqlite3_bind_text(st, 1, p->sim, (int)ls, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->tag, (int)lt, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE) {
        st = s->add_series;
        sqlite3_bind_text(st, 1, p->sim, (int)ls, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->model, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p->tag, (int)lt, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p->kind, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) {
            db_err(s, s->db, "cannot add a series to", err, err_len);
            return PDE_EDB;
        }
        *id = sqlite3_last_insert_rowid(s->db);
        *added = 1;
    } else if (rc != SQLITE_ROW) {
        db_err(s, s->db, "cannot read series from", err, err_len);
        return PDE_EDB;
    }

    /* Cache it. Finished sims stay cached, so start over now and then
     * rather than grow without end. */
    if (s->n_series >= SQ_SERIES_CACHE_MAX) forget_series(s);
    e = malloc(sizeof *e + keylen);
    if (!e) goto nomem;
    e->id = *id;
    e->keylen = keylen;
    memcpy(e->key, key, keylen);
    HASH_ADD_KEYPTR(hh, s->series, e->key, e->keylen, e);
    if (!e->hh.tbl) {
        free(e);
        goto nomem;
    }
    s->n_series++;
    return 0;

nomem:
    hist__set_err(err, err_len, "out of memory caching series ids");
    return PDE_ENOMEM;
}

static int by_series_time(const void *a, const void *b) {
    const ordered_t *x = a, *y = b;
    if (x->series != y->series) return x->series < y->series ? -1 : 1;
    if (x->p->sim_time != y->p->sim_time)
        return x->p->sim_time < y->p->sim_time ? -1 : 1;
    /* The same point twice: the one submitted first is the one kept. */
    return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

static int step_done(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : rc;
}

static int sq_write(void *bep, const hist_batch_t *first, char *err,
                    size_t err_len) {
    sq_t *s = bep;
    size_t n = 0;
    for (const hist_batch_t *b = first; b; b = b->next) n += b->n_points;
    if (n == 0) return 0;
    if (n > s->order_cap) {
        ordered_t *order = n <= SIZE_MAX / sizeof *order
                               ? realloc(s->order, n * sizeof *order)
                               : NULL;
        if (!order) {
            hist__set_err(err, err_len, "out of memory ordering %zu points", n);
            return PDE_ENOMEM;
        }
        s->order = order;
        s->order_cap = n;
    }

    int rc = 0, added = 0;
    if (step_done(s->begin) != 0) {
        db_err(s, s->db, "cannot write to", err, err_len);
        return PDE_EDB;
    }
    size_t i = 0;
    for (const hist_batch_t *b = first; b; b = b->next)
        for (size_t j = 0; j < b->n_points; j++, i++) {
            const hist_point_t *p = &b->points[j];
            s->order[i].p = p;
            s->order[i].arrival = i;
            if ((rc = series_id(s, p, &s->order[i].series, &added, err,
                                err_len)) != 0)
                goto fail;
        }
    qsort(s->order, n, sizeof *s->order, by_series_time);

    sqlite3_stmt *st = s->add_point;
    for (i = 0; i < n; i++) {
        const hist_point_t *p = s->order[i].p;
        sqlite3_bind_int64(st, 1, s->order[i].series);
        sqlite3_bind_double(st, 2, p->sim_time);
        sqlite3_bind_int64(st, 3, p->wall_ns);
        /* SQLite stores a NaN as NULL; say so rather than rely on it. */
        if (isnan(p->value))
            sqlite3_bind_null(st, 4);
        else
            sqlite3_bind_double(st, 4, p->value);
        if (step_done(st) != 0) {
            db_err(s, s->db, "cannot write to", err, err_len);
            rc = PDE_EDB;
            goto fail;
        }
    }
    if (step_done(s->commit) != 0) {
        db_err(s, s->db, "cannot commit to", err, err_len);
        rc = PDE_EDB;
        goto fail;
    }
    return 0;

fail:
    /* Best effort: SQLite may have rolled back already. */
    if (!sqlite3_get_autocommit(s->db)) step_done(s->rollback);
    /* Ids added in the transaction are gone with it. */
    if (added) forget_series(s);
    return rc;
}

/* ---------------------------------------------------------------- queries */

typedef struct reader {
    const sq_t *s;
    sqlite3 *db;
    sqlite3_stmt *all_series, *one_series, *points;
    const hist_query_t *q;
    hist_rows_t rows;         /* reused from tag to tag */
    char *err;
    size_t err_len;
} reader_t;

/* One series' points in [from, to], answered by hist__series_json() (whole
 * or bucketed as hist.h describes). Returns a new array or NULL (err set). */
static json_t *series_points(reader_t *r, int64_t series) {
    sqlite3_stmt *st = r->points;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, series);
    sqlite3_bind_double(st, 2, r->q->from);
    sqlite3_bind_double(st, 3, r->q->to);
    r->rows.n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        double t = sqlite3_column_double(st, 0);
        double v = sqlite3_column_type(st, 1) == SQLITE_NULL
                       ? NAN
                       : sqlite3_column_double(st, 1);
        if (hist__rows_push(&r->rows, t, v, sqlite3_column_int64(st, 2)) != 0)
            goto nomem;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        db_err(r->s, r->db, "cannot read", r->err, r->err_len);
        return NULL;
    }
    json_t *arr = hist__series_json(r->rows.rows, r->rows.n, r->q);
    if (arr) return arr;
nomem:
    sqlite3_reset(st);
    hist__set_err(r->err, r->err_len, "out of memory answering a history query");
    return NULL;
}

/* Add name: points of series to tags. Returns 0 or -1 (err set). */
static int add_tag(reader_t *r, json_t *tags, const char *name, int64_t series,
                   int known) {
    json_t *arr = known ? series_points(r, series) : json_array();
    if (!arr) {
        if (!known)
            hist__set_err(r->err, r->err_len,
                    "out of memory answering a history query");
        return -1;
    }
    if (json_object_set_new(tags, name, arr) != 0) {
        hist__set_err(r->err, r->err_len, "out of memory answering a history query");
        return -1;
    }
    return 0;
}

static json_t *sq_query(void *bep, const hist_query_t *q, char *err,
                        size_t err_len) {
    const sq_t *s = bep;
    reader_t r = {.s = s, .q = q, .err = err, .err_len = err_len};
    json_t *result = NULL, *tags = NULL;
#define SQ_RANGE " FROM points WHERE series = ?1 AND sim_time BETWEEN ?2 AND ?3"
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {
        {&r.all_series,
         "SELECT id, tag FROM series WHERE sim = ?1 ORDER BY tag"},
        {&r.one_series, "SELECT id FROM series WHERE sim = ?1 AND tag = ?2"},
        {&r.points,
         "SELECT sim_time, value, wall_ns" SQ_RANGE " ORDER BY sim_time"},
    };
#undef SQ_RANGE

    if (sqlite3_open_v2(s->path, &r.db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_busy_timeout(r.db, SQ_BUSY_MS);

    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        if (sqlite3_prepare_v2(r.db, stmts[i].sql, -1, stmts[i].st, NULL) !=
            SQLITE_OK)
            goto dberr;
    /* One read transaction: every tag answers from the same snapshot. */
    if (sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) goto dberr;

    if (!(result = json_object()) || !(tags = json_object()) ||
        json_object_set_new(result, "sim_id", json_string(q->sim)) != 0 ||
        json_object_set(result, "tags", tags) != 0) {
        hist__set_err(err, err_len, "out of memory answering a history query");
        goto fail;
    }

    if (!q->tags) {
        sqlite3_stmt *st = r.all_series;
        sqlite3_bind_text(st, 1, q->sim, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(st, 0);
            const char *tag = (const char *)sqlite3_column_text(st, 1);
            if (!tag) continue;
            if (add_tag(&r, tags, tag, id, 1) != 0) goto fail;
        }
        if (rc != SQLITE_DONE) goto dberr;
    } else {
        for (int i = 0; i < q->n_tags; i++) {
            const char *tag = q->tags[i];
            if (json_object_get(tags, tag)) continue;  /* asked twice */
            sqlite3_stmt *st = r.one_series;
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, q->sim, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) goto dberr;
            int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            if (add_tag(&r, tags, tag, id, rc == SQLITE_ROW) != 0) goto fail;
        }
    }
    goto done;

dberr:
    if (r.db)
        db_err(s, r.db, "cannot read", err, err_len);
    else
        hist__set_err(err, err_len, "cannot open %s: out of memory", s->path);
fail:
    json_decref(result);
    result = NULL;
done:
    json_decref(tags);
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        sqlite3_finalize(*stmts[i].st);
    /* Closing ends the read transaction too. */
    sqlite3_close(r.db);
    hist__rows_release(&r.rows);
    return result;
}

const hist_backend_ops_t hist__sqlite_ops = {
    .name = "sqlite",
    .usage = "sqlite",
    .match = sq_match,
    .open = sq_open,
    .write = sq_write,
    .query = sq_query,
    .close = sq_close,
};
