/* supervisor.c - starts the local pde-worker processes and restarts any
 * that dies, with a growing back-off for one that keeps dying. Workers get
 * the engine's Redis address; they are ordinary workers otherwise, like
 * those started by hand on other machines.
 *
 * An engine killed with SIGKILL leaves its workers running, with their
 * sims. Their pids are kept in <data_dir>/workers.pids, so the next engine
 * adopts them instead of starting as many again: a pid still alive that is
 * a pde-worker (same program) on the same Redis takes a worker slot, its
 * sims run on without a break, and it is watched by polling (it is not our
 * child) and replaced when it dies, like any local worker. A clean stop
 * stops adopted workers too. */
#include <signal.h>
#include <stdio.h>
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
#define ADOPTED_POLL_MS 500
#define PIDS_FILE "workers.pids"

struct local_worker {
    uv_process_t proc;
    uv_timer_t restart;
    int index;
    int alive;
    int pid;
    int adopted;            /* left by an earlier engine: not our child */
    double started;         /* mono_s() */
    double backoff;
};

static void (*stop_done)(void);
static uv_timer_t stop_timer, poll_timer;
static char worker_bin[PATH_MAX];

static void spawn(local_worker_t *lw);
static void all_stopped(void);
static int n_alive(void);
static void on_restart_cb(uv_timer_t *t);

/* ------------------------- adopted workers ------------------------- */

static void pids_path(char *path, size_t len) {
    if (snprintf(path, len, "%s/" PIDS_FILE, engine->cfg.data_dir) >= (int)len) path[0] = '\0';
}

/* Every live worker's pid, for the next engine should this one be killed. */
static void save_pids(void) {
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    pids_path(path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return;     /* Best effort: only adoption after a crash needs it. */
    for (int i = 0; i < engine->n_local_workers; i++)
        if (engine->local_workers[i].alive) fprintf(f, "%d\n", engine->local_workers[i].pid);
    if (fclose(f) == 0) rename(tmp, path);
}

/* pid is a running pde-worker of ours: the same program, on our Redis. */
static int is_our_worker(int pid) {
    char path[64], exe[PATH_MAX], want[PATH_MAX], cmdline[4096];
    if (pid <= 1 || !process_running(pid)) return 0;
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n <= 0 || !realpath(worker_bin, want)) return 0;
    exe[n] = '\0';
    if (strcmp(exe, want) != 0) return 0;
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t len = fread(cmdline, 1, sizeof cmdline - 1, f);
    fclose(f);
    cmdline[len] = '\0';
    /* Arguments are NUL-separated: look for "--redis" then our URL. */
    for (size_t i = 0; i < len; i += strlen(cmdline + i) + 1)
        if (strcmp(cmdline + i, "--redis") == 0 && i + 8 < len)
            return strcmp(cmdline + i + 8, engine->redis_url) == 0;
    return 0;
}

/* Take over the workers an earlier engine left running; returns how many
 * slots they fill. One beyond the configured count is stopped. */
static int adopt_left_over(void) {
    char path[PATH_MAX];
    pids_path(path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int pid, n = 0;
    while (fscanf(f, "%d", &pid) == 1) {
        if (!is_our_worker(pid)) continue;
        if (n == engine->n_local_workers) {
            LOG(LOG_WARN, "worker pid %d left by an earlier engine is one too many; "
                "stopping it", pid);
            kill(pid, SIGTERM);
            continue;
        }
        local_worker_t *lw = &engine->local_workers[n++];
        lw->pid = pid;
        lw->alive = 1;
        lw->adopted = 1;
        lw->started = mono_s();
        LOG(LOG_INFO, "local worker %d: adopted pid %d, left running by an earlier engine",
            lw->index, pid);
    }
    fclose(f);
    return n;
}

/* An adopted worker is not our child: no exit callback, so poll. */
static void on_poll(uv_timer_t *t) {
    (void)t;
    int n_adopted = 0;
    for (int i = 0; i < engine->n_local_workers; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        if (!lw->adopted || !lw->alive) continue;
        if (process_running(lw->pid)) {
            n_adopted++;
            continue;
        }
        lw->alive = 0;
        lw->adopted = 0;
        if (engine->stopping) continue;
        LOG(LOG_WARN, "local worker %d (adopted pid %d) exited; starting another in %.1f s",
            lw->index, lw->pid, lw->backoff);
        uv_timer_start(&lw->restart, on_restart_cb, (uint64_t)(lw->backoff * 1000), 0);
        save_pids();
    }
    if (n_adopted == 0) uv_timer_stop(&poll_timer);
    if (engine->stopping && stop_done && n_alive() == 0) all_stopped();
}

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
    uv_timer_stop(&poll_timer);
    uv_close((uv_handle_t *)&poll_timer, NULL);
    save_pids();
    for (int i = 0; i < engine->n_local_workers; i++)
        uv_close((uv_handle_t *)&engine->local_workers[i].restart, NULL);
    void (*done)(void) = stop_done;
    stop_done = NULL;
    if (done) done();
}

static void on_restart_cb(uv_timer_t *t) {
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
    save_pids();
    uv_timer_start(&lw->restart, on_restart_cb, (uint64_t)(lw->backoff * 1000), 0);
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
        uv_timer_start(&lw->restart, on_restart_cb, (uint64_t)(lw->backoff * 1000), 0);
        return;
    }
    lw->alive = 1;
    lw->pid = lw->proc.pid;
    lw->started = mono_s();
    LOG(LOG_INFO, "local worker %d started (pid %d)", lw->index, lw->proc.pid);
    save_pids();
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
    uv_timer_init(engine->loop, &poll_timer);
    for (int i = 0; i < n; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        lw->index = i + 1;
        lw->backoff = RESTART_MIN_S;
        uv_timer_init(engine->loop, &lw->restart);
        lw->restart.data = lw;
    }
    int n_adopted = adopt_left_over();
    if (n_adopted) uv_timer_start(&poll_timer, on_poll, ADOPTED_POLL_MS, ADOPTED_POLL_MS);
    for (int i = n_adopted; i < n; i++) spawn(&engine->local_workers[i]);
    save_pids();
}

static void on_stop_timeout(uv_timer_t *t) {
    (void)t;
    for (int i = 0; i < engine->n_local_workers; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        if (!lw->alive) continue;
        LOG(LOG_WARN, "local worker %d (pid %d) did not stop; killing it", lw->index,
            lw->pid);
        if (lw->adopted)
            kill(lw->pid, SIGKILL);
        else
            uv_process_kill(&lw->proc, SIGKILL);
    }
}

void supervisor_stop(void (*done)(void)) {
    stop_done = done;
    for (int i = 0; i < engine->n_local_workers; i++) {
        local_worker_t *lw = &engine->local_workers[i];
        uv_timer_stop(&lw->restart);
        if (lw->alive && lw->adopted)
            kill(lw->pid, SIGTERM);
        else if (lw->alive)
            uv_process_kill(&lw->proc, SIGTERM);
    }
    if (n_alive() == 0) {
        all_stopped();
        return;
    }
    uv_timer_start(&poll_timer, on_poll, ADOPTED_POLL_MS, ADOPTED_POLL_MS);
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
                                              lw->alive ? lw->pid : 0));
    }
    return list;
}
