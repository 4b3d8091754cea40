/* supervisor.c - starts the local pde-worker processes and restarts any
 * that dies, with a growing back-off for one that keeps dying. Workers get
 * the engine's Redis address; they are ordinary workers otherwise, like
 * those started by hand on other machines. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define RESTART_MIN_S 0.5
#define RESTART_MAX_S 30.0
#define HEALTHY_AFTER_S 30.0    /* a worker up this long restarts at once */
#define STOP_GRACE_MS 5000

struct local_worker {
    uv_process_t proc;
    uv_timer_t restart;
    int index;
    int alive;
    double started;         /* mono_s() */
    double backoff;
};

static void (*stop_done)(void);
static uv_timer_t stop_timer;
static char worker_bin[PATH_MAX];

static void spawn(local_worker_t *lw);

static void on_closed(uv_handle_t *h) {
    (void)h;
}

static int n_alive(void) {
    int n = 0;
    for (int i = 0; i < engine->n_local_workers; i++) n += engine->local_workers[i].alive;
    return n;
}

static void all_stopped(void) {
    uv_timer_stop(&stop_timer);
    uv_close((uv_handle_t *)&stop_timer, NULL);
    for (int i = 0; i < engine->n_local_workers; i++)
        uv_close((uv_handle_t *)&engine->local_workers[i].restart, NULL);
    void (*done)(void) = stop_done;
    stop_done = NULL;
    if (done) done();
}

static void on_restart(uv_timer_t *t) {
    spawn(t->data);
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int signal) {
    local_worker_t *lw = proc->data;
    lw->alive = 0;
    uv_close((uv_handle_t *)proc, on_closed);
    if (engine->stopping) {
        if (n_alive() == 0 && stop_done) all_stopped();
        return;
    }
    double ran = mono_s() - lw->started;
    lw->backoff = ran > HEALTHY_AFTER_S ? RESTART_MIN_S
                                        : (lw->backoff * 2 > RESTART_MAX_S ? RESTART_MAX_S
                                                                            : lw->backoff * 2);
    LOG(LOG_WARN, "local worker %d (pid %d) exited (status %lld, signal %d) after %.1f s; "
                  "restarting in %.1f s",
        lw->index, proc->pid, (long long)status, signal, ran, lw->backoff);
    uv_timer_start(&lw->restart, on_restart, (uint64_t)(lw->backoff * 1000), 0);
}

static void spawn(local_worker_t *lw) {
    char *args[] = {worker_bin, (char *)"--redis", engine->redis_url,
                    (char *)"--log-level", engine->cfg.log_level, NULL};
    uv_stdio_container_t stdio[3];
    for (int i = 0; i < 3; i++) {
        stdio[i].flags = UV_INHERIT_FD;
        stdio[i].data.fd = i;
    }
    uv_process_options_t opt = {0};
    opt.file = worker_bin;
    opt.args = args;
    opt.exit_cb = on_exit_cb;
    opt.stdio = stdio;
    opt.stdio_count = 3;
    memset(&lw->proc, 0, sizeof lw->proc);
    lw->proc.data = lw;
    int rc = uv_spawn(engine->loop, &lw->proc, &opt);
    if (rc) {
        LOG(LOG_ERROR, "cannot start %s: %s; retrying", worker_bin, uv_strerror(rc));
        uv_close((uv_handle_t *)&lw->proc, on_closed);
        lw->backoff = lw->backoff * 2 > RESTART_MAX_S ? RESTART_MAX_S : lw->backoff * 2;
        uv_timer_start(&lw->restart, on_restart, (uint64_t)(lw->backoff * 1000), 0);
        return;
    }
    lw->alive = 1;
    lw->started = mono_s();
    LOG(LOG_INFO, "local worker %d started (pid %d)", lw->index, lw->proc.pid);
}

void supervisor_start(void) {
    int n = engine->cfg.workers;
    if (n < 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 0) n = 1;
    if (engine->cfg.worker_bin[0]) {
        strlcpy_pde(worker_bin, engine->cfg.worker_bin, sizeof worker_bin);
    } else {
        path_beside_self(worker_bin, sizeof worker_bin, "pde-worker");
    }
    engine->n_local_workers = n;
    engine->local_workers = xcalloc((size_t)n, sizeof *engine->local_workers);
    uv_timer_init(engine->loop, &stop_timer);
    for (int i = 0; i < n; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        lw->index = i + 1;
        lw->backoff = RESTART_MIN_S;
        uv_timer_init(engine->loop, &lw->restart);
        lw->restart.data = lw;
        spawn(lw);
    }
}

static void on_stop_timeout(uv_timer_t *t) {
    (void)t;
    for (int i = 0; i < engine->n_local_workers; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        if (!lw->alive) continue;
        LOG(LOG_WARN, "local worker %d (pid %d) did not stop; killing it", lw->index,
            lw->proc.pid);
        uv_process_kill(&lw->proc, SIGKILL);
    }
}

void supervisor_stop(void (*done)(void)) {
    stop_done = done;
    for (int i = 0; i < engine->n_local_workers; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        uv_timer_stop(&lw->restart);
        if (lw->alive) uv_process_kill(&lw->proc, SIGTERM);
    }
    if (n_alive() == 0) {
        all_stopped();
        return;
    }
    uv_timer_start(&stop_timer, on_stop_timeout, STOP_GRACE_MS, 0);
}

void supervisor_free(void) {
    free(engine->local_workers);
    engine->local_workers = NULL;
}

json_t *supervisor_json(void) {
    json_t *list = json_array();
    for (int i = 0; i < engine->n_local_workers; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        json_array_append_new(list, json_pack("{s:i, s:b, s:i}", "index", lw->index,
                                              "alive", lw->alive, "pid",
                                              lw->alive ? lw->proc.pid : 0));
    }
    return list;
}
