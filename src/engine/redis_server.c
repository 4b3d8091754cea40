/* redis_server.c - the private redis-server the engine starts when no Redis
 * address is configured, so that nothing needs configuring.
 *
 * It listens on loopback only, on a free port, keeps its append-only file
 * under the data directory (so a restarted engine still knows its sims),
 * and runs in its own session: Ctrl-C on the terminal reaches the engine,
 * which stops Redis last, after the workers. Its port and pid are kept in
 * <data_dir>/redis.port; an engine that died without stopping it finds it
 * there and uses it again. If it dies under a running engine, the engine
 * starts it again on the same port with the same files, and every Redis
 * connection (the engine's and the workers') comes back by itself. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define START_TIMEOUT_S 10.0
#define RESTART_MIN_S 0.5
#define RESTART_MAX_S 10.0
#define HEALTHY_AFTER_S 30.0    /* up this long: the next restart is at once */

static uv_process_t redis_proc;
static int redis_running;
static int proc_closed = 1;     /* redis_proc may be spawned again */
static void (*stop_done)(void);
static uv_timer_t restart_timer;
static int restart_timer_inited;
static double started_at, backoff = RESTART_MIN_S;
static char port_str[16], log_path[PATH_MAX + 16];

static int ping(int port) {
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err) {
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
    }
    redisFree(c);
    return ok;
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

static void port_file(const engine_t *e, char *path, size_t len) {
    if (snprintf(path, len, "%s/redis.port", e->cfg.data_dir) >= (int)len)
        path[0] = '\0';    /* data_dir too long; callers then find no file */
}

static void on_proc_closed(uv_handle_t *h) {
    (void)h;
    proc_closed = 1;
}

static int spawn_redis(engine_t *e);

static void on_restart(uv_timer_t *t) {
    engine_t *e = t->data;
    if (e->stopping) return;
    if (!proc_closed || spawn_redis(e) != 0) {
        uv_timer_start(&restart_timer, on_restart, (uint64_t)(backoff * 1000), 0);
        return;
    }
    LOG(LOG_INFO, "private Redis restarted on 127.0.0.1:%d (pid %d)", e->redis_port,
        redis_proc.pid);
}

/* The private Redis died under a running engine: start it again on the same
 * port with the same files (the append-only file keeps the registry and the
 * streams), so engine and workers reconnect by themselves. The back-off
 * grows for one that keeps dying. */
static void on_redis_exit(uv_process_t *p, int64_t status, int signal) {
    redis_running = 0;
    uv_close((uv_handle_t *)p, on_proc_closed);
    if (stop_done) {
        void (*done)(void) = stop_done;
        stop_done = NULL;
        done();
        return;
    }
    if (engine->stopping) return;
    double ran = mono_s() - started_at;
    backoff = ran > HEALTHY_AFTER_S ? RESTART_MIN_S
                                    : (backoff * 2 > RESTART_MAX_S ? RESTART_MAX_S : backoff * 2);
    LOG(LOG_ERROR, "the private redis-server exited (status %lld, signal %d) after %.1f s; "
        "restarting it in %.1f s; see %s/redis.log", (long long)status, signal, ran, backoff,
        engine->cfg.data_dir);
    if (!restart_timer_inited) {
        uv_timer_init(engine->loop, &restart_timer);
        restart_timer.data = engine;
        restart_timer_inited = 1;
    }
    uv_timer_start(&restart_timer, on_restart, (uint64_t)(backoff * 1000), 0);
}

static void write_port_file(const engine_t *e) {
    char path[PATH_MAX];
    port_file(e, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d %d\n", e->redis_port, e->private_redis_pid);
        fclose(f);
    }
}

/* Start redis-server on e->redis_port; returns 0 or a libuv error. */
static int spawn_redis(engine_t *e) {
    snprintf(port_str, sizeof port_str, "%d", e->redis_port);
    snprintf(log_path, sizeof log_path, "%s/redis.log", e->cfg.data_dir);
    char *args[] = {e->cfg.redis_bin, (char *)"--port", port_str,
                    (char *)"--bind", (char *)"127.0.0.1",
                    (char *)"--dir", e->cfg.data_dir,
                    (char *)"--appendonly", (char *)"yes",
                    (char *)"--appendfsync", (char *)"everysec",
                    (char *)"--save", (char *)"",
                    (char *)"--logfile", log_path,
                    (char *)"--daemonize", (char *)"no", NULL};
    uv_process_options_t opt = {0};
    opt.file = e->cfg.redis_bin;
    opt.args = args;
    opt.exit_cb = on_redis_exit;
    opt.flags = UV_PROCESS_DETACHED;
    int rc = uv_spawn(e->loop, &redis_proc, &opt);
    if (rc) {
        /* libuv wants even a failed handle closed. */
        proc_closed = 0;
        uv_close((uv_handle_t *)&redis_proc, on_proc_closed);
        return rc;
    }
    proc_closed = 0;
    redis_running = 1;
    started_at = mono_s();
    uv_unref((uv_handle_t *)&redis_proc);
    e->private_redis_pid = redis_proc.pid;
    write_port_file(e);
    return 0;
}

/* Called every second. The private Redis an earlier engine left running is
 * not our child, so its death brings no exit callback: look for it, and
 * start it again like our own. */
void redis_server_watch(engine_t *e) {
    if (!e->private_redis_pid || redis_running || e->stopping) return;
    if (restart_timer_inited && uv_is_active((uv_handle_t *)&restart_timer)) return;
    if (process_running(e->private_redis_pid)) return;
    LOG(LOG_ERROR, "the private redis-server (pid %d, started by an earlier engine) is "
        "gone; restarting it on port %d", e->private_redis_pid, e->redis_port);
    if (!restart_timer_inited) {
        uv_timer_init(e->loop, &restart_timer);
        restart_timer.data = e;
        restart_timer_inited = 1;
    }
    uv_timer_start(&restart_timer, on_restart, (uint64_t)(backoff * 1000), 0);
}

/* A private Redis left running by an engine that died. */
static int reuse_left_over(engine_t *e) {
    char path[PATH_MAX];
    port_file(e, path, sizeof path);
    FILE *f = fopen(path, "r");
    int port = 0, pid = 0;
    if (!f) return 0;
    int n = fscanf(f, "%d %d", &port, &pid);
    fclose(f);
    if (n != 2 || port <= 0 || !ping(port)) return 0;
    e->redis_port = port;
    e->private_redis_pid = pid;
    LOG(LOG_INFO, "using the private Redis left running on port %d (pid %d)", port, pid);
    return 1;
}

int redis_server_start(engine_t *e, char *err, size_t err_len) {
    strcpy(e->redis_host, "127.0.0.1");
    if (!reuse_left_over(e)) {
        e->redis_port = free_port();
        if (e->redis_port < 0) {
            snprintf(err, err_len, "no free loopback port for the private Redis");
            return -1;
        }
        int rc = spawn_redis(e);
        if (rc) {
            snprintf(err, err_len, "cannot start %s: %s (install redis-server, or set "
                     "PDE_REDIS to a Redis of your own)", e->cfg.redis_bin, uv_strerror(rc));
            return -1;
        }
        double deadline = mono_s() + START_TIMEOUT_S;
        while (!ping(e->redis_port)) {
            /* Spin the loop without blocking so an early exit is seen. */
            uv_run(e->loop, UV_RUN_NOWAIT);
            if (!redis_running || mono_s() > deadline) {
                snprintf(err, err_len, "the private redis-server did not start; see %s",
                         log_path);
                return -1;
            }
            usleep(20000);
        }
        LOG(LOG_INFO, "private Redis on 127.0.0.1:%d (pid %d, files in %s)", e->redis_port,
            redis_proc.pid, e->cfg.data_dir);
    }
    snprintf(e->redis_url, sizeof e->redis_url, "redis://127.0.0.1:%d", e->redis_port);
    return 0;
}

void redis_server_stop(engine_t *e, void (*done)(void)) {
    char path[PATH_MAX];
    port_file(e, path, sizeof path);
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", e->redis_port, tv);
    if (c && !c->err) freeReplyObject(redisCommand(c, "SHUTDOWN"));
    redisFree(c);
    unlink(path);
    if (restart_timer_inited) uv_timer_stop(&restart_timer);
    if (redis_running) {
        /* Wait for the exit so nothing is left running. */
        stop_done = done;
        uv_ref((uv_handle_t *)&redis_proc);
        return;
    }
    /* Not our child (left over by an earlier engine): SHUTDOWN was enough. */
    done();
}
