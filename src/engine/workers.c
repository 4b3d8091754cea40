/* workers.c - the engine's view of every worker, from their heartbeats.
 *
 * Every second: SMEMBERS pde:workers, then GET each heartbeat key. A worker
 * whose key has expired is lost: its running sims are marked failed and it
 * leaves the set (it rejoins by itself if it was only slow). */
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

static void worker_lost(const char *id) {
    int n = 0;
    sim_rec_t *rec, *tmp;
    char why[160];
    snprintf(why, sizeof why, "worker %s stopped heartbeating", id);
    HASH_ITER(hh, engine->sims, rec, tmp) {
        if (rec->status == SIM_RUNNING && strcmp(rec->worker, id) == 0) {
            registry_set_status(rec, SIM_FAILED, rec->t, why);
            n++;
        }
    }
    LOG(LOG_WARN, "worker %s lost (no heartbeat); %d simulation(s) failed", id, n);
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
        worker_lost(id);
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
