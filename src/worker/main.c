/* main.c - pde-worker: joins the bus named by --redis, claims start jobs
 * while it has room, runs its simulations and reports them; heartbeats
 * every second so the engine knows it is alive. Started by the engine, or
 * by hand on any machine that reaches the same Redis. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "model/models_dir.h"
#include "worker.h"

#define HEARTBEAT_MS 1000
#define HEARTBEAT_TTL "5"
#define SHUTDOWN_GRACE_MS 3000

static void on_group_created(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    (void)arg;
    /* BUSYGROUP: another worker (or the engine) made it first. */
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9) != 0)
        LOG(LOG_WARN, "creating a consumer group: %s", reply->str);
}

/* The engine gave up on us while we hung, and moved our sims elsewhere:
 * they are no longer ours to run or report. */
static void on_fenced(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    worker_t *w = arg;
    if (!reply || reply->type != REDIS_REPLY_STRING) return;
    LOG(LOG_WARN, "the engine gave this worker up for lost (it did not heartbeat in time) "
                  "and moved its %d simulation(s) and %d part(s): dropping them", w->n_sims,
        w->n_parts);
    worker_drop_all(w);
}

static void heartbeat(worker_t *w) {
    char value[256];
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    snprintf(value, sizeof value,
             "{\"pid\":%d,\"host\":\"%s\",\"sims\":%d,\"parts\":%d,\"capacity\":%d}",
             (int)getpid(), host, w->n_sims, w->n_parts, w->cfg.capacity);
    /* A fence left for an earlier process with our id is not ours. */
    if (w->heartbeats == 0)
        bus_cmd(w->cmd, NULL, NULL, "DEL %s", w->fenced_key);
    else
        bus_cmd(w->cmd, on_fenced, w, "GETDEL %s", w->fenced_key);
    bus_cmd(w->cmd, NULL, NULL, "SET %s %s EX %s", w->heartbeat_key, value, HEARTBEAT_TTL);
    bus_cmd(w->cmd, NULL, NULL, "SADD %s %s", BUS_KEY_WORKERS, w->id);
    /* Re-arm the reads if an error reply (e.g. a group not made yet)
     * ended them. */
    worker_read_jobs(w);
    worker_read_control(w);
    parts_read(w);
    if (w->heartbeats++ % 10 == 0) worker_reclaim_jobs(w);
}

static void on_heartbeat(uv_timer_t *t) {
    heartbeat(t->data);
}

static void on_cmd_state(bus_conn_t *c, int up, void *arg) {
    worker_t *w = arg;
    if (!up) return;
    bus_cmd(c, on_group_created, w, "XGROUP CREATE %s %s 0 MKSTREAM",
            BUS_STREAM_JOBS, BUS_GROUP_WORKERS);
    bus_cmd(c, on_group_created, w, "XGROUP CREATE %s %s 0 MKSTREAM",
            w->ctl_stream, BUS_GROUP_CTL);
    heartbeat(w);
}

static void on_jobs_state(bus_conn_t *c, int up, void *arg) {
    worker_t *w = arg;
    (void)c;
    w->jobs_reading = 0;
    if (up) worker_read_jobs(w);
}

static void on_part_reader_state(bus_conn_t *c, int up, void *arg) {
    worker_t *w = arg;
    w->part_reading[c == w->part_reader[COSIM_VELOCITY] ? COSIM_VELOCITY : COSIM_POSITION] = 0;
    if (up) parts_read(w);
}

static void on_ctl_state(bus_conn_t *c, int up, void *arg) {
    worker_t *w = arg;
    (void)c;
    w->ctl_reading = 0;
    if (up) worker_read_control(w);
}

/* ---------------------------- shutdown ---------------------------- */

static void close_walk(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void finish(worker_t *w) {
    uv_stop(w->loop);
}

static void on_last_reply(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    (void)reply;
    finish(arg);
}

static void on_grace_over(uv_timer_t *t) {
    LOG(LOG_WARN, "Redis did not confirm in time; exiting anyway");
    finish(t->data);
}

static void on_signal(uv_signal_t *s, int signum) {
    worker_t *w = s->data;
    if (w->stopping) return;
    LOG(LOG_INFO, "signal %d: stopping %d simulation(s)", signum, w->n_sims);
    w->stopping = 1;
    uv_timer_stop(&w->tick);
    uv_timer_stop(&w->heartbeat);
    wsim_t *ws, *tmp;
    HASH_ITER(hh, w->sims, ws, tmp) worker_end_sim(w, ws, "stopped", "worker shut down");
    bus_cmd(w->cmd, NULL, NULL, "DEL %s", w->heartbeat_key);
    /* Replies come in order: once this one is back, Redis has the rest. */
    if (bus_cmd(w->cmd, on_last_reply, w, "PING") != 0) {
        finish(w);
        return;
    }
    uv_timer_start(&w->jobs_retry, on_grace_over, SHUTDOWN_GRACE_MS, 0);
}

/* ---------------------------- main ---------------------------- */

int main(int argc, char **argv) {
    static worker_t worker;
    worker_t *w = &worker;
    int rc = config_load(&w->cfg, CONFIG_ROLE_WORKER, argc, argv);
    if (rc) return rc > 0 ? 0 : 2;
    int level = log_level_parse(w->cfg.log_level);
    log_init('W', level < 0 ? LOG_INFO : level);
    signal(SIGPIPE, SIG_IGN);

    char host[256];
    int port;
    if (!w->cfg.redis[0] || config_parse_redis_url(w->cfg.redis, host, sizeof host, &port)) {
        fprintf(stderr, "pde-worker: give the engine's Redis with --redis redis://host:port "
                        "(or PDE_REDIS)\n");
        return 2;
    }
    if (w->cfg.worker_id[0]) {
        strlcpy_pde(w->id, w->cfg.worker_id, sizeof w->id);
    } else {
        char name[40] = "worker";
        gethostname(name, sizeof name - 1);
        snprintf(w->id, sizeof w->id, "%.40s-%d", name, (int)getpid());
    }
    if (!bus_id_valid(w->id)) {
        fprintf(stderr, "pde-worker: worker id '%s' may only use letters, digits, '.', '_' "
                        "and '-'\n", w->id);
        return 2;
    }
    if (models_dir_load(w->cfg.models_dir) < 0) {
        fprintf(stderr, "pde-worker: cannot read the models folder %s\n", w->cfg.models_dir);
        return 2;
    }
    bus_key(w->ctl_stream, sizeof w->ctl_stream, BUS_CTL_STREAM_FMT, w->id);
    bus_key(w->heartbeat_key, sizeof w->heartbeat_key, BUS_WORKER_KEY_FMT, w->id);
    bus_key(w->fenced_key, sizeof w->fenced_key, BUS_FENCED_KEY_FMT, w->id);
    LOG(LOG_INFO, "worker %s joining redis %s:%d (capacity %d)", w->id, host, port,
        w->cfg.capacity);

    w->loop = uv_default_loop();
    uv_timer_init(w->loop, &w->tick);
    uv_timer_init(w->loop, &w->heartbeat);
    uv_timer_init(w->loop, &w->jobs_retry);
    w->tick.data = w->heartbeat.data = w->jobs_retry.data = w;
    uv_signal_init(w->loop, &w->sigint);
    uv_signal_init(w->loop, &w->sigterm);
    w->sigint.data = w->sigterm.data = w;
    uv_signal_start(&w->sigint, on_signal, SIGINT);
    uv_signal_start(&w->sigterm, on_signal, SIGTERM);

    w->cmd = bus_conn_new(w->loop, host, port, "cmd", on_cmd_state, w);
    w->jobs = bus_conn_new(w->loop, host, port, "jobs", on_jobs_state, w);
    w->ctl = bus_conn_new(w->loop, host, port, "ctl", on_ctl_state, w);
    w->part_reader[COSIM_VELOCITY] =
        bus_conn_new(w->loop, host, port, "velocity parts", on_part_reader_state, w);
    w->part_reader[COSIM_POSITION] =
        bus_conn_new(w->loop, host, port, "position parts", on_part_reader_state, w);
    uv_timer_start(&w->tick, worker_tick, (uint64_t)w->cfg.tick_ms, (uint64_t)w->cfg.tick_ms);
    uv_timer_start(&w->heartbeat, on_heartbeat, HEARTBEAT_MS, HEARTBEAT_MS);

    uv_run(w->loop, UV_RUN_DEFAULT);

    bus_conn_free(w->cmd);
    bus_conn_free(w->jobs);
    bus_conn_free(w->ctl);
    bus_conn_free(w->part_reader[COSIM_VELOCITY]);
    bus_conn_free(w->part_reader[COSIM_POSITION]);
    parts_free_all(w);
    uv_walk(w->loop, close_walk, NULL);
    uv_run(w->loop, UV_RUN_DEFAULT);
    uv_loop_close(w->loop);
    strbuf_release(&w->samples);
    LOG(LOG_INFO, "worker %s stopped", w->id);
    return 0;
}
