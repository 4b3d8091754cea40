/* main.c - pde-engine: start-up and shutdown.
 *
 * Start-up: settings, data directory, Redis (a private one unless
 * --redis names one), the registry from Redis, the historian, then the
 * API, the sampler and the local workers. Shutdown on SIGINT/SIGTERM, in
 * the order that loses nothing: workers stop (reporting their sims), the
 * engine takes in their last reports, the historian flushes, the private
 * Redis stops last. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libwebsockets.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"
#include "model/models_dir.h"

#define WATCH_MS 1000
#define DRAIN_MS 300    /* time to take in the workers' last reports */

static engine_t the_engine;
engine_t *engine = &the_engine;

static int mkdir_p(const char *path) {
    char buf[PATH_MAX];
    strlcpy_pde(buf, path, sizeof buf);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) && errno != EEXIST) return -errno;
    return 0;
}

static void on_watch(uv_timer_t *t) {
    (void)t;
    workers_check();
    control_expire();
    sampler_rearm();
    redis_server_watch(engine);
}

/* ---------------------------- shutdown ---------------------------- */

static uv_timer_t drain_timer;

static void redis_stopped(void) {
    uv_stop(engine->loop);
}

static void after_drain(uv_timer_t *t) {
    static int api_stopped;
    if (!api_stopped) {
        api_stopped = 1;
        control_free_all();
        http_stop();
    }
    if (engine->n_history_jobs > 0) {
        /* A query on the thread pool still reads the historian. */
        uv_timer_start(t, after_drain, 20, 0);
        return;
    }
    uv_close((uv_handle_t *)t, NULL);
    hist_close(engine->hist);
    engine->hist = NULL;
    bus_conn_free(engine->reader);
    bus_conn_free(engine->cmd);
    engine->reader = engine->cmd = NULL;
    if (engine->private_redis_pid)
        redis_server_stop(engine, redis_stopped);
    else
        redis_stopped();
}

static void workers_stopped(void) {
    LOG(LOG_INFO, "local workers stopped; saving the last reports");
    uv_timer_init(engine->loop, &drain_timer);
    uv_timer_start(&drain_timer, after_drain, DRAIN_MS, 0);
}

static void on_signal(uv_signal_t *s, int signum) {
    (void)s;
    if (engine->stopping) return;
    LOG(LOG_INFO, "signal %d: shutting down", signum);
    engine->stopping = 1;
    uv_timer_stop(&engine->watch_timer);
    uv_close((uv_handle_t *)&engine->watch_timer, NULL);
    uv_signal_stop(&engine->sigint);
    uv_signal_stop(&engine->sigterm);
    supervisor_stop(workers_stopped);
}

static void close_walk(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

/* Let every handle finish closing, lws's first (it needs the loop to run
 * between its two destroy calls), then close the loop. Bounded, so a handle
 * someone forgot cannot hang the exit. */
static void finish_loop(void) {
    for (int i = 0; i < 100 && uv_run(engine->loop, UV_RUN_NOWAIT); i++) continue;
    http_free();
    uv_walk(engine->loop, close_walk, NULL);
    for (int i = 0; i < 100 && uv_run(engine->loop, UV_RUN_NOWAIT); i++) continue;
    uv_loop_close(engine->loop);
}

/* ---------------------------- start-up ---------------------------- */

/* Redis (back) up: workers get WORKER_GRACE_S to heartbeat again, and a
 * Redis that lost its data gets the registry and the engine's consumer
 * group back (workers make their own groups again). */
static void on_cmd_state(bus_conn_t *c, int up, void *arg) {
    (void)arg;
    if (!up) return;
    if (engine->redis_up_at > 0) {
        bus_cmd(c, NULL, NULL, "XGROUP CREATE %s %s 0 MKSTREAM", BUS_STREAM_OUT,
                BUS_GROUP_ENGINE);
        registry_save_all();
    }
    engine->redis_up_at = mono_s();
}

static int connect_redis(char *err, size_t err_len) {
    if (engine->cfg.redis[0]) {
        if (config_parse_redis_url(engine->cfg.redis, engine->redis_host,
                                   sizeof engine->redis_host, &engine->redis_port)) {
            snprintf(err, err_len, "--redis '%s' is not redis://host:port", engine->cfg.redis);
            return -1;
        }
        snprintf(engine->redis_url, sizeof engine->redis_url, "redis://%s:%d",
                 engine->redis_host, engine->redis_port);
        return 0;
    }
    return redis_server_start(engine, err, err_len);
}

int main(int argc, char **argv) {
    int rc = config_load(&engine->cfg, CONFIG_ROLE_ENGINE, argc, argv);
    if (rc) return rc > 0 ? 0 : 2;
    int level = log_level_parse(engine->cfg.log_level);
    log_init('E', level < 0 ? LOG_INFO : level);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    if ((rc = mkdir_p(engine->cfg.data_dir)) < 0) {
        fprintf(stderr, "pde-engine: cannot create data directory %s: %s\n",
                engine->cfg.data_dir, strerror(-rc));
        return 1;
    }
    char real[PATH_MAX];
    if (realpath(engine->cfg.data_dir, real)) strlcpy_pde(engine->cfg.data_dir, real, PATH_MAX);
    snprintf(engine->consumer, sizeof engine->consumer, "engine");

    if (models_dir_load(engine->cfg.models_dir) < 0) {
        fprintf(stderr, "pde-engine: cannot read the models folder (--models-dir)\n");
        return 1;
    }
    engine->loop = uv_default_loop();
    if (connect_redis(err, sizeof err) < 0) goto fail;
    if (registry_load(engine->redis_host, engine->redis_port, err, sizeof err) < 0) goto fail;
    engine->hist = hist_open(engine->cfg.historian, engine->cfg.data_dir, err, sizeof err);
    if (!engine->hist) goto fail;

    engine->cmd = bus_conn_new(engine->loop, engine->redis_host, engine->redis_port, "cmd",
                               on_cmd_state, NULL);
    sampler_start();
    if (http_start(err, sizeof err) < 0) goto fail;
    supervisor_start();

    uv_timer_init(engine->loop, &engine->watch_timer);
    uv_timer_start(&engine->watch_timer, on_watch, WATCH_MS, WATCH_MS);
    uv_signal_init(engine->loop, &engine->sigint);
    uv_signal_init(engine->loop, &engine->sigterm);
    uv_signal_start(&engine->sigint, on_signal, SIGINT);
    uv_signal_start(&engine->sigterm, on_signal, SIGTERM);
    LOG(LOG_INFO, "pde-engine ready: http://%s (Redis %s, historian %s, data in %s)",
        engine->cfg.listen, engine->redis_url, engine->cfg.historian, engine->cfg.data_dir);

    uv_run(engine->loop, UV_RUN_DEFAULT);

    finish_loop();
    registry_free_all();
    workers_free_all();
    supervisor_free();
    sampler_free();
    LOG(LOG_INFO, "pde-engine stopped");
    return 0;

fail:
    LOG(LOG_ERROR, "%s", err);
    fprintf(stderr, "pde-engine: %s\n", err);
    http_stop();
    hist_close(engine->hist);
    bus_conn_free(engine->reader);
    bus_conn_free(engine->cmd);
    if (engine->private_redis_pid) {
        redis_server_stop(engine, redis_stopped);
        uv_run(engine->loop, UV_RUN_DEFAULT);
    }
    finish_loop();
    registry_free_all();
    return 1;
}
