/* redis_server.c - the private redis-server the engine starts when no Redis
 * address is configured, so that nothing needs configuring.
 *
 * It listens on loopback only, on a free port, keeps its append-only file
 * under the data directory (so a restarted engine still knows its sims),
 * and runs in its own session: Ctrl-C on the terminal reaches the engine,
 * which stops Redis last, after the workers. Its port and pid are kept in
 * <data_dir>/redis.port; an engine that died without stopping it finds it
 * there and uses it again. */
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

static uv_process_t redis_proc;
static int redis_running;
static void (*stop_done)(void);

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

static void on_redis_exit(uv_process_t *p, int64_t status, int signal) {
    redis_running = 0;
    uv_close((uv_handle_t *)p, NULL);
    if (stop_done) {
        void (*done)(void) = stop_done;
        stop_done = NULL;
        done();
        return;
    }
    LOG(LOG_ERROR, "the private redis-server exited (status %lld, signal %d); see %s/redis.log",
        (long long)status, signal, engine->cfg.data_dir);
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
        int port = free_port();
        if (port < 0) {
            snprintf(err, err_len, "no free loopback port for the private Redis");
            return -1;
        }
        char port_str[16], log_path[PATH_MAX + 16];
        snprintf(port_str, sizeof port_str, "%d", port);
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
            snprintf(err, err_len, "cannot start %s: %s (install redis-server, or set "
                     "PDE_REDIS to a Redis of your own)", e->cfg.redis_bin, uv_strerror(rc));
            return -1;
        }
        redis_running = 1;
        uv_unref((uv_handle_t *)&redis_proc);
        double deadline = mono_s() + START_TIMEOUT_S;
        while (!ping(port)) {
            /* Spin the loop without blocking so an early exit is seen. */
            uv_run(e->loop, UV_RUN_NOWAIT);
            if (!redis_running || mono_s() > deadline) {
                snprintf(err, err_len, "the private redis-server did not start; see %s",
                         log_path);
                return -1;
            }
            usleep(20000);
        }
        e->redis_port = port;
        e->private_redis_pid = redis_proc.pid;
        char path[PATH_MAX];
        port_file(e, path, sizeof path);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%d %d\n", port, redis_proc.pid);
            fclose(f);
        }
        LOG(LOG_INFO, "private Redis on 127.0.0.1:%d (pid %d, files in %s)", port,
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
    if (redis_running) {
        /* Wait for the exit so nothing is left running. */
        stop_done = done;
        uv_ref((uv_handle_t *)&redis_proc);
        return;
    }
    /* Not our child (left over by an earlier engine): SHUTDOWN was enough. */
    done();
}
