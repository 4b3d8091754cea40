/* engine.h - what the parts of pde-engine share.
 *
 * The engine is the middleman: it serves the HTTP API (http.c, api.c),
 * keeps the registry of simulations (registry.c), takes in what workers
 * report on pde:out (sampler.c), hands every sample to the historian, and
 * starts and supervises local workers (supervisor.c) and, by default, a
 * private redis-server (redis_server.c). It never integrates a model.
 * Everything runs on one libuv loop; only the historian writer and history
 * queries run on other threads. */
#ifndef PDE_ENGINE_H
#define PDE_ENGINE_H

#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <uthash.h>
#include <uv.h>

#include "bus/bus.h"
#include "common/config.h"
#include "historian/hist.h"
#include "model/model.h"

/* ---------------------------- registry ---------------------------- */

#define SIM_STATUS_MAP(XX)                                                     \
    XX(QUEUED, "queued")                                                       \
    XX(RUNNING, "running")                                                     \
    XX(FINISHED, "finished")                                                   \
    XX(STOPPED, "stopped")                                                     \
    XX(FAILED, "failed")

typedef enum {
#define XX(code, name) SIM_##code,
    SIM_STATUS_MAP(XX)
#undef XX
} sim_status_t;

const char *sim_status_name(sim_status_t s);
int sim_status_parse(const char *name);     /* -1 if unknown */
#define SIM_ENDED(s) ((s) >= SIM_FINISHED)

typedef struct ws_sub ws_sub_t;
typedef struct ws_conn ws_conn_t;

typedef struct sim_rec {
    char id[BUS_ID_MAX];
    const model_t *model;
    sim_status_t status;
    char worker[BUS_ID_MAX];    /* "" until a worker claims it */
    double time_scale;          /* 0: as fast as possible */
    double duration, sample_time;
    double created_at, started_at, ended_at;    /* unix seconds; 0 = not yet */
    char error[160];
    double t;                   /* simulated time of the latest sample */
    double *values;             /* latest value of every tag, model order;
                                 * NaN where none is known yet */
    double *values_t;           /* the simulated time each value is from */
    ws_sub_t *subs;             /* WebSocket subscribers (ws.c) */
    char *spec;                 /* the start job, to start it again elsewhere
                                 * (from its checkpoint) or place a part */
    double hist_t;              /* t of the latest sample taken: an older
                                 * or repeated one (a moved sim's) is not */
    /* split models (cosim.c): worker runs the velocity part, part_worker
     * the position part */
    char part_worker[BUS_ID_MAX];
    char client[64];            /* remote address that started it; "" when
                                 * not known (loaded from Redis) */
    UT_hash_handle hh;
} sim_rec_t;

/* ---------------------------- http ---------------------------- */

typedef enum { HTTP_GET, HTTP_POST, HTTP_DELETE, HTTP_OTHER, HTTP_OPTIONS } http_method_t;

/* One request. Created by http.c; answered once with http_reply*(), maybe
 * later from a callback (Redis, a worker's ack, a history query). If the
 * client goes away first, wsi becomes NULL and the request is freed when it
 * is answered. */
typedef struct http_req {
    struct lws *wsi;
    http_method_t method;
    char path[512];
    char query[1024];
    char *body;
    size_t body_len;
    int too_large;
    char client[64];            /* remote address */
    int token_ok;               /* the request carried the right token (or
                                 * none is configured) */
    char origin[256];           /* Origin header; "" = none (not a browser,
                                 * or a same-origin GET) */
    int origin_ok;              /* no Origin, or the same host, or listed */
    int cors;                   /* answer with CORS headers for origin */
    int dispatched;             /* handed to api.c (not still waiting for
                                 * its body) */
    /* the answer */
    int status;
    const char *content_type;   /* static string */
    char *resp;
    size_t resp_len, resp_sent;
    int headers_sent;
    int answered;
} http_req_t;

/* Answer with status and body (the reference is stolen). */
void http_reply(http_req_t *req, int status, json_t *body);
/* Answer with a body of another type (text is stolen, content_type must
 * be a static string). */
void http_reply_text(http_req_t *req, int status, const char *content_type, char *text);
/* Answer {"error": message, "detail": detail} (detail may be NULL,
 * reference stolen). */
void http_reply_error(http_req_t *req, int status, json_t *detail,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The value of a query parameter, decoded, or NULL. */
const char *http_query_param(const http_req_t *req, const char *name,
                             char *buf, size_t len);

/* ---------------------------- engine ---------------------------- */

typedef struct pending_ack pending_ack_t;
typedef struct local_worker local_worker_t;
typedef struct worker_info worker_info_t;

#define LAG_WINDOW 8192

typedef struct engine {
    config_t cfg;
    uv_loop_t *loop;
    char redis_host[256];
    int redis_port;
    char redis_url[300];
    int private_redis_pid;      /* 0 when Redis is not ours */
    hist_t *hist;
    int n_history_jobs;         /* queries on the thread pool: the historian
                                 * is closed only once none runs */
    struct lws_context *lws;
    bus_conn_t *cmd;            /* every command but the blocking read */
    double redis_up_at;         /* mono_s() when cmd last came up */
    bus_conn_t *reader;         /* blocking XREADGROUP on pde:out */
    int reading;
    int read_backlog;           /* 1 while re-reading our pending entries */
    char consumer[BUS_ID_MAX];
    sim_rec_t *sims;            /* uthash by id */
    int n_sims;
    pending_ack_t *acks;        /* control actions awaiting their worker */
    uint64_t next_req;
    worker_info_t *workers;     /* last heartbeat view, by id */
    local_worker_t *local_workers;
    int n_local_workers;
    uv_timer_t watch_timer;     /* heartbeats, ack timeouts */
    uv_signal_t sigint, sigterm;
    int stopping;
    /* figures for /api/status */
    uint64_t samples_in;
    uint64_t samples_fenced;    /* from a worker the sim moved away from */
    double lag_ms[LAG_WINDOW];
    uint64_t n_lag;
} engine_t;

extern engine_t *engine;    /* the one engine of this process */

/* registry.c */
sim_rec_t *registry_find(const char *id);
sim_rec_t *registry_create(const model_t *m, const double *inputs);
void registry_save(sim_rec_t *rec);         /* the whole record to Redis */
void registry_save_all(void);               /* every record, after an outage */
void registry_set_status(sim_rec_t *rec, sim_status_t status, double t,
                         const char *error);
int registry_load(const char *host, int port, char *err, size_t err_len);
json_t *registry_record_json(const sim_rec_t *rec);
void registry_free_all(void);

/* workers.c: the heartbeat view of every worker, and sims of lost ones.
 * After Redis was away (heartbeat keys expire while it is frozen, or it
 * restarted), a worker is not judged lost until it has had this long to
 * reconnect and heartbeat again: its key's TTL (5 s) and a margin. */
#define WORKER_GRACE_S 8.0
void workers_check(void);
json_t *workers_json(void);
/* The least loaded live worker other than avoid, and other than
 * rather_not if there is a choice (either may be NULL); 0, or -1 if
 * there is none. */
int workers_pick(const char *avoid, const char *rather_not, char *out, size_t len);
void workers_free_all(void);

/* sampler.c */
void sampler_start(void);
void sampler_rearm(void);
json_t *sampler_stats_json(void);
void sampler_free(void);    /* entries not acknowledged yet are read again */

/* control.c: control actions forwarded to workers and their acks */
void control_set(http_req_t *req, sim_rec_t *rec, int tag, double value);
void control_stop(sim_rec_t *rec);
void control_on_ack(const redisReply *fields);
void control_expire(void);      /* answer 504 to overdue actions */
void control_free_all(void);
json_t *control_tag_json(const sim_rec_t *rec, int tag);   /* TAGVALUE */

/* api.c */
void api_handle(http_req_t *req);

/* cosim.c: split models, whose parts run on different workers */
/* 1 after answering 400 if params (a start's, may be NULL) make m's
 * scheme unstable; else 0. */
int cosim_refuse(http_req_t *req, const model_t *m, json_t *params);
void cosim_start(http_req_t *req, sim_rec_t *rec, const char *spec);
/* Move the parts the lost worker ran to live ones; returns how many. */
int cosim_worker_lost(const char *worker);
void cosim_ended(sim_rec_t *rec);   /* stop the parts, drop the streams */

/* access.c: the token, and which browser pages may call us */
int access_token_ok(const char *authorization);   /* "Bearer <token>" */
int access_origin_ok(const char *origin, const char *host);
int access_cors_listed(const char *origin);
/* 1 when req may go on; otherwise answers 403 (a foreign page) or 401 (no
 * or a wrong token where one is needed: always when changes, for reads with
 * --token-reads 1) and returns 0. */
int access_check(http_req_t *req, int changes);

/* http.c */
int http_start(char *err, size_t err_len);
void http_stop(void);    /* stop listening; the loop must run on */
void http_free(void);    /* after the loop has run */

/* ws.c: live values pushed to WebSocket subscribers */
int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, ws_conn_t **slot,
                void *in, size_t len);
void ws_notify_sample(sim_rec_t *rec);
void ws_notify_status(sim_rec_t *rec);
void ws_notify_input(sim_rec_t *rec, int tag);
void ws_stop(void);
/* ws.c internals, for fuzz/fuzz_ws.c: a connection without a socket, the
 * handling of one whole message, and the next text it would be sent
 * (caller frees; NULL when nothing is due). */
ws_conn_t *ws__conn_new(struct lws *wsi);
void ws__conn_free(ws_conn_t *c);
int ws__on_message(ws_conn_t *c, const char *text, size_t len);   /* -1: close */
char *ws__next_text(ws_conn_t *c);

/* static.c: the web front end's files */
int static_serve(struct lws *wsi, const char *path);   /* -1: close */

/* supervisor.c */
void supervisor_start(void);
void supervisor_stop(void (*done)(void));
json_t *supervisor_json(void);
void supervisor_free(void);

/* redis_server.c */
int redis_server_start(engine_t *e, char *err, size_t err_len);
void redis_server_stop(engine_t *e, void (*done)(void));
void redis_server_watch(engine_t *e);   /* every second: restart it if gone */

#endif
