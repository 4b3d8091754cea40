/* influx.h - what influx.c (journal, forwarder) shares with
 * influx_query.c (history queries) of the InfluxDB backend. Not for use
 * outside src/historian/. */
#ifndef PDE_HIST_INFLUX_H
#define PDE_HIST_INFLUX_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "common/strbuf.h"
#include "historian/backend.h"

#define IN_QUERY_TIMEOUT_S 60L

typedef struct influx {
    char host[128];
    int port;
    char db[128];
    char base_url[160];       /* http://host:port */
    char write_url[512];
    char journal_path[PATH_MAX];
    char target[448];

    /* Writer side (hist.c's writer thread only). */
    sqlite3 *wdb;
    sqlite3_stmt *w_begin, *w_commit, *w_rollback, *w_add;
    strbuf_t lines;           /* being built, reused */

    /* Forwarder side (its thread only). */
    pthread_t fwd;
    int have_fwd;
    sqlite3 *fdb;
    sqlite3_stmt *f_read, *f_begin, *f_commit, *f_rollback, *f_cursor,
        *f_delete;
    CURL *curl;

    pthread_mutex_t mu;       /* guards everything below */
    pthread_cond_t wake;      /* to the forwarder (monotonic clock) */
    pthread_cond_t progress;  /* from the forwarder: it moved the cursor or
                               * an attempt ended */
    int64_t last_id;          /* newest row journaled */
    int64_t cursor;           /* newest row delivered (or skipped) */
    uint64_t pending;         /* points in rows after the cursor */
    uint64_t delivered;
    uint64_t rejected;
    uint64_t n_attempts;      /* POSTs ended, ok or not */
    int up;                   /* the last attempt reached InfluxDB */
    int kick;                 /* skip the backoff once */
    int stopping;
    char last_error[256];
} influx_t;

/* An HTTP answer's body; limit 0 keeps all of it. */
typedef struct body {
    char *data;
    size_t len, cap, limit;   /* limit 0: keep all */
} body_t;

/* POST data to url with curl handle c. Returns 0 and sets *status when
 * InfluxDB answered (any status; its body in resp, which the caller
 * frees), or PDE_EDB with err filled when it could not be reached. */
int influx__post(CURL *c, const char *url, const char *ctype, const char *data,
                 size_t len, long timeout_s, body_t *resp, long *status,
                 char *err, size_t err_len);

/* Wait a little for what was journaled until now to reach InfluxDB (any
 * thread); gives up early when a delivery attempt fails. */
void influx__wait_delivered(influx_t *in);

/* The backend's query op (hist_backend_ops_t.query). */
json_t *influx__query(void *be, const hist_query_t *q, char *err,
                      size_t err_len);

#endif
