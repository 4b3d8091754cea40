/* conn.c - an asynchronous Redis connection on a libuv loop that reconnects
 * by itself (hiredis async + its libuv adapter).
 *
 * Load: every Redis command of a process goes through here; a command costs
 * one small allocation for its callback record. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>

#include "bus.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#define RECONNECT_MS 500

struct bus_conn {
    uv_loop_t *loop;
    redisAsyncContext *ac;      /* NULL while down */
    int up;
    int warned;                 /* log an outage once, not every retry */
    char host[256];
    int port;
    char name[32];
    bus_state_fn *on_state;
    void *state_arg;
    uv_timer_t *retry;          /* freed in its close callback */
};

typedef struct pending {
    bus_conn_t *conn;
    bus_reply_fn *fn;
    void *arg;
} pending_t;

static void connect_now(bus_conn_t *c);

static void set_up(bus_conn_t *c, int up) {
    if (c->up == up) return;
    c->up = up;
    if (c->on_state) c->on_state(c, up, c->state_arg);
}

static void on_retry(uv_timer_t *t) {
    connect_now(t->data);
}

static void schedule_retry(bus_conn_t *c) {
    uv_timer_start(c->retry, on_retry, RECONNECT_MS, 0);
}

static void on_connected(const redisAsyncContext *ac, int status) {
    bus_conn_t *c = ac->data;
    if (!c) return;     /* being freed */
    if (status != REDIS_OK) {
        /* hiredis frees ac after this callback. */
        if (!c->warned)
            LOG(LOG_WARN, "redis %s: cannot connect to %s:%d (%s); retrying",
                c->name, c->host, c->port, ac->errstr);
        c->warned = 1;
        c->ac = NULL;
        schedule_retry(c);
        return;
    }
    LOG(c->warned ? LOG_INFO : LOG_DEBUG, "redis %s: connected to %s:%d",
        c->name, c->host, c->port);
    c->warned = 0;
    set_up(c, 1);
}

static void on_disconnected(const redisAsyncContext *ac, int status) {
    bus_conn_t *c = ac->data;
    if (!c) return;
    (void)status;
    c->ac = NULL;
    LOG(LOG_WARN, "redis %s: connection to %s:%d lost; reconnecting", c->name,
        c->host, c->port);
    c->warned = 1;
    set_up(c, 0);
    schedule_retry(c);
}

static void connect_now(bus_conn_t *c) {
    redisAsyncContext *ac = redisAsyncConnect(c->host, c->port);
    if (!ac) {
        schedule_retry(c);
        return;
    }
    if (ac->err) {
        LOG(LOG_WARN, "redis %s: %s", c->name, ac->errstr);
        redisAsyncFree(ac);
        schedule_retry(c);
        return;
    }
    ac->data = c;
    redisLibuvAttach(ac, c->loop);
    redisAsyncSetConnectCallback(ac, on_connected);
    redisAsyncSetDisconnectCallback(ac, on_disconnected);
    c->ac = ac;
}

bus_conn_t *bus_conn_new(uv_loop_t *loop, const char *host, int port,
                         const char *name, bus_state_fn *on_state, void *arg) {
    bus_conn_t *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    strlcpy_pde(c->host, host, sizeof c->host);
    c->port = port;
    strlcpy_pde(c->name, name, sizeof c->name);
    c->on_state = on_state;
    c->state_arg = arg;
    c->retry = xcalloc(1, sizeof *c->retry);
    uv_timer_init(loop, c->retry);
    c->retry->data = c;
    connect_now(c);
    return c;
}

static void free_timer(uv_handle_t *h) {
    free(h);
}

void bus_conn_free(bus_conn_t *c) {
    if (!c) return;
    uv_timer_stop(c->retry);
    c->retry->data = NULL;
    uv_close((uv_handle_t *)c->retry, free_timer);
    if (c->ac) {
        /* Detach first: the callbacks hiredis runs while freeing must not
         * reach this struct or its users. */
        c->ac->data = NULL;
        redisAsyncFree(c->ac);
    }
    free(c);
}

int bus_conn_is_up(const bus_conn_t *c) {
    return c && c->up;
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
    pending_t *p = privdata;
    /* ac->data is NULL while the connection is being freed on purpose:
     * the owner is gone, so its callback must not run. */
    if (ac->data && p->fn) p->fn(p->conn, reply, p->arg);
    free(p);
}

static pending_t *pending_new(bus_conn_t *c, bus_reply_fn *fn, void *arg) {
    pending_t *p = xmalloc(sizeof *p);
    p->conn = c;
    p->fn = fn;
    p->arg = arg;
    return p;
}

int bus_cmd(bus_conn_t *c, bus_reply_fn *fn, void *arg, const char *fmt, ...) {
    if (!c->up || !c->ac) return PDE_EREDIS;
    pending_t *p = pending_new(c, fn, arg);
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAsyncCommand(c->ac, on_reply, p, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK) {
        free(p);
        return PDE_EREDIS;
    }
    return 0;
}

int bus_cmd_argv(bus_conn_t *c, bus_reply_fn *fn, void *arg, int argc,
                 const char **argv, const size_t *argv_len) {
    if (!c->up || !c->ac) return PDE_EREDIS;
    pending_t *p = pending_new(c, fn, arg);
    if (redisAsyncCommandArgv(c->ac, on_reply, p, argc, argv, argv_len) != REDIS_OK) {
        free(p);
        return PDE_EREDIS;
    }
    return 0;
}
