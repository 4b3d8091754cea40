/* conn.c - an asynchronous Redis connection on a libuv loop that reconnects
 * by itself (hiredis async + its libuv adapter).
 *
 * A connection counts as up only once Redis has answered a PING on it, and
 * it is dropped and made again when Redis stops answering: a Redis that is
 * stopped (SIGSTOP, a hung host) keeps its TCP connections open, and without
 * this check every command would wait for ever. hiredis 0.14 has no command
 * timeout of its own.
 *
 * A connection dropped that way may still live on in Redis, which sees the
 * close only when it runs again: a blocking read left on it would take
 * stream entries for a client that is gone. So the next connection first
 * has Redis kill the old one (CLIENT KILL by its id and address) before it
 * counts as up.
 *
 * An outage is logged once per process, not once per connection or retry:
 * one warning when the first connection goes down, one line when the last
 * one is back (with how long it took).
 *
 * Load: every Redis command of a process goes through here; a command costs
 * one small allocation for its callback record. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>

#include "bus.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"

#define RECONNECT_MS 500
#define WATCH_MS 250
/* No reply for this long while one is due: Redis is not answering. Longer
 * than the longest BLOCK any reader uses (1 s), with room for a loaded
 * machine. */
#define STALL_S 3.0
/* A connection not through (connected and PING answered) in this long is
 * given up and tried again. Besides a frozen Redis, this catches a refused
 * non-blocking connect: hiredis 0.14's libuv adapter ignores the poll error
 * libuv reports for it, and would never call back. */
#define CONNECT_S 1.0

struct bus_conn {
    uv_loop_t *loop;
    redisAsyncContext *ac;      /* NULL while down */
    int up;                     /* Redis answered the PING on ac */
    int in_outage;              /* counted in n_outage */
    double down_since;          /* mono_s() */
    char host[256];
    int port;
    char name[32];
    bus_state_fn *on_state;
    void *state_arg;
    uv_timer_t *retry;          /* freed in its close callback */
    uv_timer_t *watch;          /* stall check, every WATCH_MS */
    int n_pending;              /* replies due on ac */
    double progress_at;         /* mono_s() of the last reply or of the
                                 * connect attempt */
    double last_watch;
    long long client_id;        /* CLIENT ID of ac; 0 if unknown */
    char client_addr[64];       /* ac's local address as Redis sees it */
    long long stale_id;         /* a dropped connection to kill; 0: none */
    char stale_addr[64];
};

typedef struct pending {
    bus_conn_t *conn;
    bus_reply_fn *fn;
    void *arg;
} pending_t;

/* Connections of this process that are in an outage; the first to go down
 * and the last to come back are logged. */
static int n_outage;
static double outage_start;

static void connect_now(bus_conn_t *c);

static void set_up(bus_conn_t *c, int up) {
    if (c->up == up) return;
    c->up = up;
    if (c->on_state) c->on_state(c, up, c->state_arg);
}

static void outage_begin(bus_conn_t *c, const char *why) {
    if (c->in_outage) return;
    c->in_outage = 1;
    c->down_since = mono_s();
    if (n_outage++ == 0) {
        outage_start = c->down_since;
        LOG(LOG_WARN, "redis %s:%d unreachable (%s connection: %s); reconnecting every "
            "%.1f s, logged again when it is back", c->host, c->port, c->name, why,
            RECONNECT_MS / 1000.0);
    } else {
        LOG(LOG_DEBUG, "redis %s: %s", c->name, why);
    }
}

static void outage_end(bus_conn_t *c) {
    if (!c->in_outage) {
        LOG(LOG_DEBUG, "redis %s: connected to %s:%d", c->name, c->host, c->port);
        return;
    }
    c->in_outage = 0;
    if (--n_outage == 0)
        LOG(LOG_INFO, "redis %s:%d reachable again after %.1f s", c->host, c->port,
            mono_s() - outage_start);
    else
        LOG(LOG_DEBUG, "redis %s: connected again", c->name);
}

static void on_retry(uv_timer_t *t) {
    connect_now(t->data);
}

static void schedule_retry(bus_conn_t *c) {
    uv_timer_start(c->retry, on_retry, RECONNECT_MS, 0);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
    pending_t *p = privdata;
    /* ac->data is NULL while the connection is being freed on purpose:
     * the owner is gone, so its callback must not run. */
    if (ac->data) {
        bus_conn_t *c = ac->data;
        c->n_pending--;
        if (reply) c->progress_at = mono_s();
        if (p->fn) p->fn(p->conn, reply, p->arg);
    }
    free(p);
}

static pending_t *pending_new(bus_conn_t *c, bus_reply_fn *fn, void *arg) {
    pending_t *p = xmalloc(sizeof *p);
    p->conn = c;
    p->fn = fn;
    p->arg = arg;
    return p;
}

static int send_argv(bus_conn_t *c, bus_reply_fn *fn, void *arg, int argc,
                     const char **argv, const size_t *argv_len) {
    pending_t *p = pending_new(c, fn, arg);
    if (redisAsyncCommandArgv(c->ac, on_reply, p, argc, argv, argv_len) != REDIS_OK) {
        free(p);
        return PDE_EREDIS;
    }
    if (c->n_pending++ == 0) c->progress_at = mono_s();
    return 0;
}

static void on_client_id(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)arg;
    if (reply && reply->type == REDIS_REPLY_INTEGER) c->client_id = reply->integer;
}

/* The answer to the PING sent on connecting: only now is the connection
 * usable (and the stale one it replaces is gone: replies come in order).
 * An error (say, LOADING while Redis reads its append-only file) means not
 * yet: drop it and try again. */
static void on_ping(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)arg;
    if (!reply) return;     /* lost again; on_disconnected retries */
    if (reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_DEBUG, "redis %s: PING answered %s", c->name, reply->str);
        redisAsyncDisconnect(c->ac);
        return;
    }
    c->stale_id = 0;
    outage_end(c);
    set_up(c, 1);
}

/* ac's local address, "ip:port", as Redis lists the client. */
static void local_addr(const redisAsyncContext *ac, char *out, size_t len) {
    struct sockaddr_storage sa;
    socklen_t sa_len = sizeof sa;
    char ip[INET6_ADDRSTRLEN] = "";
    out[0] = '\0';
    if (getsockname(ac->c.fd, (struct sockaddr *)&sa, &sa_len) != 0) return;
    if (sa.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        snprintf(out, len, "%s:%d", ip, ntohs(in->sin_port));
    } else if (sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(out, len, "%s:%d", ip, ntohs(in6->sin6_port));
    }
}

static void on_connected(const redisAsyncContext *ac, int status) {
    bus_conn_t *c = ac->data;
    if (!c) return;     /* being freed */
    if (status != REDIS_OK) {
        /* hiredis frees ac after this callback. */
        outage_begin(c, ac->errstr);
        c->ac = NULL;
        c->n_pending = 0;
        schedule_retry(c);
        return;
    }
    int rc = 0;
    if (c->stale_id) {
        /* Both must match, so a restarted Redis that reuses the id for
         * another client is safe. "No such client" is the usual answer. */
        char id[32];
        snprintf(id, sizeof id, "%lld", c->stale_id);
        const char *kill[] = {"CLIENT", "KILL", "ID", id, "ADDR", c->stale_addr};
        rc = send_argv(c, NULL, NULL, 6, kill, NULL);
    }
    c->client_id = 0;
    local_addr(ac, c->client_addr, sizeof c->client_addr);
    const char *client_id[] = {"CLIENT", "ID"};
    const char *ping[] = {"PING"};
    if (rc || send_argv(c, on_client_id, NULL, 2, client_id, NULL) ||
        send_argv(c, on_ping, NULL, 1, ping, NULL))
        redisAsyncDisconnect(c->ac);
}

static void on_disconnected(const redisAsyncContext *ac, int status) {
    bus_conn_t *c = ac->data;
    if (!c) return;
    (void)status;
    outage_begin(c, ac->err ? ac->errstr : "connection closed");
    c->ac = NULL;
    c->n_pending = 0;
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
        /* Refused at once (nothing listens): the usual case while Redis
         * restarts. */
        outage_begin(c, ac->errstr);
        redisAsyncFree(ac);
        schedule_retry(c);
        return;
    }
    ac->data = c;
    redisLibuvAttach(ac, c->loop);
    redisAsyncSetConnectCallback(ac, on_connected);
    redisAsyncSetDisconnectCallback(ac, on_disconnected);
    c->ac = ac;
    c->n_pending = 0;
    c->progress_at = mono_s();
}

/* Drop a connection on which Redis has not answered for STALL_S while a
 * reply is due, or that is not through CONNECT_S after it was begun. Time
 * the loop itself was held up does not count. */
static void on_watch(uv_timer_t *t) {
    bus_conn_t *c = t->data;
    double now = mono_s();
    if (now - c->last_watch > 4 * WATCH_MS / 1000.0) c->progress_at = now;
    c->last_watch = now;
    double limit = c->up ? STALL_S : CONNECT_S;
    if (!c->ac || (c->up && c->n_pending == 0) || now - c->progress_at < limit) return;
    redisAsyncContext *ac = c->ac;
    char why[64];
    snprintf(why, sizeof why, "no answer in %.0f s", limit);
    outage_begin(c, why);
    if (c->up && c->client_id && c->client_addr[0]) {
        c->stale_id = c->client_id;
        memcpy(c->stale_addr, c->client_addr, sizeof c->stale_addr);
    }
    /* Pending callbacks run with no reply; on_disconnected follows for a
     * connection that was through, so finish here for one that was not. */
    redisAsyncFree(ac);
    if (c->ac == ac) {
        c->ac = NULL;
        c->n_pending = 0;
        set_up(c, 0);
        schedule_retry(c);
    }
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
    c->watch = xcalloc(1, sizeof *c->watch);
    uv_timer_init(loop, c->watch);
    c->watch->data = c;
    c->last_watch = mono_s();
    uv_timer_start(c->watch, on_watch, WATCH_MS, WATCH_MS);
    uv_unref((uv_handle_t *)c->watch);     /* it alone keeps no loop running */
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
    uv_timer_stop(c->watch);
    c->watch->data = NULL;
    uv_close((uv_handle_t *)c->watch, free_timer);
    if (c->in_outage) n_outage--;
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
    if (c->n_pending++ == 0) c->progress_at = mono_s();
    return 0;
}

int bus_cmd_argv(bus_conn_t *c, bus_reply_fn *fn, void *arg, int argc,
                 const char **argv, const size_t *argv_len) {
    if (!c->up || !c->ac) return PDE_EREDIS;
    return send_argv(c, fn, arg, argc, argv, argv_len);
}

int bus_cmd_formatted(bus_conn_t *c, bus_reply_fn *fn, void *arg, const char *cmd,
                      size_t len) {
    if (!c->up || !c->ac) return PDE_EREDIS;
    pending_t *p = pending_new(c, fn, arg);
    if (redisAsyncFormattedCommand(c->ac, on_reply, p, cmd, len) != REDIS_OK) {
        free(p);
        return PDE_EREDIS;
    }
    if (c->n_pending++ == 0) c->progress_at = mono_s();
    return 0;
}
