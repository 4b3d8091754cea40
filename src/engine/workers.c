/* workers.c - the engine's view of every worker, from their heartbeats.
 *
 * Every second: SMEMBERS pde:workers, then GET each heartbeat key. A worker
 * whose key has expired is lost: its running sims are queued again to carry
 * on from their last checkpoints on other workers, the parts of split sims
 * it ran move, and it leaves the set. If it was only hung, it finds its
 * heartbeat gone when it wakes and drops what it ran (worker/main.c). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

struct worker_info {
    char id[BUS_ID_MAX];
    json_t *info;           /* the heartbeat's JSON */
    double seen;            /* mono_s() of the last heartbeat seen */
    UT_hash_handle hh;
};

/* Queue rec again, to carry on from its last checkpoint on whichever worker
 * takes the job; samples up to resume_after (what the engine has) are not
 * sent again. Until a worker reports it running it has no worker, so
 * nothing the lost one might still send is taken (sampler.c). */
static int requeue(sim_rec_t *rec) {
    char after[32];
    snprintf(after, sizeof after, "%.17g", rec->hist_t > 0 ? rec->hist_t : -1.0);
    const char *argv[] = {"XADD", BUS_STREAM_JOBS, "MAXLEN", "~", "100000", "*",
                          "sim", rec->id, "spec", rec->spec, "resume_after", after};
    if (!rec->spec || bus_cmd_argv(engine->cmd, NULL, NULL, 12, argv, NULL) != 0) return -1;
    rec->worker[0] = '\0';
    registry_save(rec);
    return 0;
}

static void worker_lost(const char *id) {
    /* Parts of split sims carry no state: they move instead of failing. */
    int moved = cosim_worker_lost(id);
    int n_resumed = 0, n_failed = 0;
    sim_rec_t *rec, *tmp;
    char why[160];
    snprintf(why, sizeof why, "worker %s stopped heartbeating and the simulation could not "
                              "be queued again", id);
    HASH_ITER(hh, engine->sims, rec, tmp) {
        if (rec->status != SIM_RUNNING || strcmp(rec->worker, id) != 0) continue;
        if (requeue(rec) == 0) {
            n_resumed++;
        } else {
            registry_set_status(rec, SIM_FAILED, rec->t, why);
            n_failed++;
        }
    }
    LOG(LOG_WARN, "worker %s lost (no heartbeat): %d simulation(s) queued to carry on from "
                  "their checkpoints, %d failed, %d part(s) of split simulations moved",
        id, n_resumed, n_failed, moved);
    char fenced[BUS_KEY_MAX];
    bus_cmd(engine->cmd, NULL, NULL, "SET %s 1 EX 86400",
            bus_key(fenced, sizeof fenced, BUS_FENCED_KEY_FMT, id));
    bus_cmd(engine->cmd, NULL, NULL, "SREM %s %s", BUS_KEY_WORKERS, id);
    worker_info_t *w = NULL;
    HASH_FIND_STR(engine->workers, id, w);
    if (w) {
        HASH_DEL(engine->workers, w);
        json_decref(w->info);
        free(w);
    }
}

static void on_heartbeat(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)c;
    char *id = arg;
    if (reply && reply->type == REDIS_REPLY_NIL) {
        if (mono_s() - engine->redis_up_at > WORKER_GRACE_S) worker_lost(id);
    } else if (reply && reply->type == REDIS_REPLY_STRING) {
        worker_info_t *w = NULL;
        HASH_FIND_STR(engine->workers, id, w);
        if (!w) {
            w = xcalloc(1, sizeof *w);
            strlcpy_pde(w->id, id, sizeof w->id);
            HASH_ADD_STR(engine->workers, id, w);
            LOG(LOG_INFO, "worker %s joined", id);
        }
        json_decref(w->info);
        w->info = json_loads(reply->str, 0, NULL);
        w->seen = mono_s();
    }
    free(id);
}

static void on_members(bus_conn_t *c, redisReply *reply, void *arg) {
    (void)arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) return;
    char key[BUS_KEY_MAX];
    for (size_t i = 0; i < reply->elements; i++) {
        const char *id = reply->element[i]->str;
        if (!bus_id_valid(id)) continue;
        char *copy = xstrdup(id);
        if (bus_cmd(c, on_heartbeat, copy, "GET %s",
                    bus_key(key, sizeof key, BUS_WORKER_KEY_FMT, id)) != 0)
            free(copy);
    }
}

void workers_check(void) {
    bus_cmd(engine->cmd, on_members, NULL, "SMEMBERS %s", BUS_KEY_WORKERS);
}

/* Load: sims and parts from the worker's last heartbeat. */
static int worker_load(const worker_info_t *w) {
    return (int)(json_integer_value(json_object_get(w->info, "sims")) +
                 json_integer_value(json_object_get(w->info, "parts")));
}

int workers_pick(const char *avoid, const char *rather_not, char *out, size_t len) {
    const worker_info_t *best = NULL;
    int best_load = 0, best_unwanted = 0;
    worker_info_t *w, *tmp;
    HASH_ITER(hh, engine->workers, w, tmp) {
        if (avoid && strcmp(w->id, avoid) == 0) continue;
        int unwanted = rather_not && strcmp(w->id, rather_not) == 0;
        int load = worker_load(w);
        if (!best || unwanted < best_unwanted ||
            (unwanted == best_unwanted && load < best_load)) {
            best = w;
            best_load = load;
            best_unwanted = unwanted;
        }
    }
    if (!best) return -1;
    strlcpy_pde(out, best->id, len);
    return 0;
}

json_t *workers_json(void) {
    json_t *list = json_array();
    worker_info_t *w, *tmp;
    HASH_ITER(hh, engine->workers, w, tmp) {
        json_t *o = w->info && json_is_object(w->info) ? json_deep_copy(w->info) : json_object();
        json_object_set_new(o, "id", json_string(w->id));
        json_object_set_new(o, "last_heartbeat_s", json_real(mono_s() - w->seen));
        json_array_append_new(list, o);
    }
    return list;
}

void workers_free_all(void) {
    worker_info_t *w, *tmp;
    HASH_ITER(hh, engine->workers, w, tmp) {
        HASH_DEL(engine->workers, w);
        json_decref(w->info);
        free(w);
    }
}
