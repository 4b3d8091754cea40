/* ws.c - live values over WebSocket (ws://host:port/ws).
 *
 * A client sends {"subscribe": "<SimID>"} / {"unsubscribe": "<SimID>"}. It
 * gets {"type":"subscribed","sim":RECORD,"tags":[TAGVALUE...]}, then per
 * sample {"type":"sample","sim_id","status","t","values":{tag: value}},
 * {"type":"status","sim":RECORD} when the status changes, and
 * {"type":"input","sim_id","tag","value","t"} when anyone writes an input.
 *
 * Load: many browsers on many sims. Nothing is queued per sample: a sample
 * only marks each subscription dirty, and the message is built from the
 * sim's latest values when the connection can be written, at most every
 * WS_MIN_INTERVAL_S per subscription. A sim much faster than real time is
 * so coalesced to ~10 updates a second, and a slow client never makes the
 * engine buffer without bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <utlist.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define WS_MIN_INTERVAL_S 0.1
#define WS_MAX_SUBS 32
#define WS_MAX_MESSAGE 4096
#define WS_MAX_QUEUED 256       /* one-off messages waiting for a slow client */

typedef struct ws_msg {
    char *text;
    struct ws_msg *next;
} ws_msg_t;

struct ws_sub {
    ws_conn_t *conn;
    sim_rec_t *rec;
    int sample_dirty, status_dirty;
    double last_sent;           /* mono_s() */
    struct ws_sub *prev, *next; /* in rec->subs */
};

struct ws_conn {
    struct lws *wsi;
    ws_sub_t *subs[WS_MAX_SUBS];
    int n_subs;
    ws_msg_t *queue;            /* one-off messages, oldest first */
    int n_queued;
    strbuf_t rx;
    struct ws_conn *prev, *next;    /* every connection */
};

static ws_conn_t *conns;
static uv_timer_t flush_timer;
static int timer_started;

/* ---------------------------- sending ---------------------------- */

static void queue_json(ws_conn_t *c, json_t *msg) {
    if (c->n_queued >= WS_MAX_QUEUED) {
        /* A client this far behind is not reading: drop it rather than
         * hold memory for it. */
        LOG(LOG_WARN, "websocket client not reading; closing it");
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        json_decref(msg);
        return;
    }
    ws_msg_t *m = xcalloc(1, sizeof *m);
    m->text = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(msg);
    LL_APPEND(c->queue, m);
    c->n_queued++;
    lws_callback_on_writable(c->wsi);
}

static json_t *sample_json(const sim_rec_t *rec) {
    json_t *values = json_object();
    for (int i = 0; i < MODEL_N_TAGS(rec->model); i++) {
        double v = rec->values[i];
        json_object_set_new(values, rec->model->tags[i].name,
                            isfinite(v) ? json_real(v) : json_null());
    }
    return json_pack("{s:s, s:s, s:s, s:f, s:o}", "type", "sample", "sim_id", rec->id,
                     "status", sim_status_name(rec->status), "t", rec->t, "values", values);
}

static int write_text(struct lws *wsi, const char *text) {
    size_t n = strlen(text);
    unsigned char *buf = xmalloc(LWS_PRE + n);
    memcpy(buf + LWS_PRE, text, n);
    int rc = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
    free(buf);
    return rc < (int)n ? -1 : 0;
}

/* One message per writable callback (lws allows one write each). */
static int write_next(ws_conn_t *c) {
    char *text = NULL;
    if (c->queue) {
        ws_msg_t *m = c->queue;
        LL_DELETE(c->queue, m);
        c->n_queued--;
        text = m->text;
        free(m);
    } else {
        double now = mono_s();
        for (int i = 0; i < c->n_subs && !text; i++) {
            ws_sub_t *s = c->subs[i];
            json_t *msg = NULL;
            if (s->status_dirty) {
                msg = json_pack("{s:s, s:o}", "type", "status", "sim",
                                registry_record_json(s->rec));
                s->status_dirty = 0;
            } else if (s->sample_dirty && now - s->last_sent >= WS_MIN_INTERVAL_S) {
                msg = sample_json(s->rec);
                s->sample_dirty = 0;
                s->last_sent = now;
            }
            if (msg) {
                text = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
                json_decref(msg);
            }
        }
    }
    if (!text) return 0;
    int rc = write_text(c->wsi, text);
    free(text);
    if (rc == 0) lws_callback_on_writable(c->wsi);   /* maybe more */
    return rc;
}

/* Subscriptions held back by the rate limit get their turn here. */
static void on_flush(uv_timer_t *t) {
    (void)t;
    ws_conn_t *c;
    DL_FOREACH(conns, c) {
        for (int i = 0; i < c->n_subs; i++) {
            if (c->subs[i]->sample_dirty || c->subs[i]->status_dirty) {
                lws_callback_on_writable(c->wsi);
                break;
            }
        }
    }
}

/* ---------------------------- from the engine ---------------------------- */

void ws_notify_sample(sim_rec_t *rec) {
    ws_sub_t *s;
    DL_FOREACH(rec->subs, s) {
        if (!s->sample_dirty) lws_callback_on_writable(s->conn->wsi);
        s->sample_dirty = 1;
    }
}

void ws_notify_status(sim_rec_t *rec) {
    ws_sub_t *s;
    DL_FOREACH(rec->subs, s) {
        s->status_dirty = 1;
        lws_callback_on_writable(s->conn->wsi);
    }
}

void ws_notify_input(sim_rec_t *rec, int tag) {
    ws_sub_t *s;
    DL_FOREACH(rec->subs, s) {
        queue_json(s->conn, json_pack("{s:s, s:s, s:s, s:f, s:f}", "type", "input", "sim_id",
                                      rec->id, "tag", rec->model->tags[tag].name, "value",
                                      rec->values[tag], "t", rec->values_t[tag]));
    }
}

/* ---------------------------- from the client ---------------------------- */

static void send_error(ws_conn_t *c, const char *fmt, const char *arg) {
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    queue_json(c, json_pack("{s:s, s:s}", "type", "error", "error", msg));
}

static int find_sub(const ws_conn_t *c, const sim_rec_t *rec) {
    for (int i = 0; i < c->n_subs; i++)
        if (c->subs[i]->rec == rec) return i;
    return -1;
}

static void drop_sub(ws_conn_t *c, int i) {
    ws_sub_t *s = c->subs[i];
    DL_DELETE(s->rec->subs, s);
    free(s);
    c->subs[i] = c->subs[--c->n_subs];
}

static void subscribe(ws_conn_t *c, const char *id) {
    sim_rec_t *rec = registry_find(id);
    if (!rec) {
        send_error(c, "no simulation '%s'", id);
        return;
    }
    if (find_sub(c, rec) < 0) {
        if (c->n_subs == WS_MAX_SUBS) {
            send_error(c, "at most 32 subscriptions per connection; '%s' refused", id);
            return;
        }
        ws_sub_t *s = xcalloc(1, sizeof *s);
        s->conn = c;
        s->rec = rec;
        DL_APPEND(rec->subs, s);
        c->subs[c->n_subs++] = s;
    }
    json_t *tags = json_array();
    for (int i = 0; i < MODEL_N_TAGS(rec->model); i++)
        json_array_append_new(tags, control_tag_json(rec, i));
    queue_json(c, json_pack("{s:s, s:o, s:o}", "type", "subscribed", "sim",
                            registry_record_json(rec), "tags", tags));
}

static void on_message(ws_conn_t *c, const char *text) {
    json_t *msg = json_loads(text, 0, NULL);
    json_t *sub = json_object_get(msg, "subscribe");
    json_t *unsub = json_object_get(msg, "unsubscribe");
    if (json_is_string(sub)) {
        subscribe(c, json_string_value(sub));
    } else if (json_is_string(unsub)) {
        sim_rec_t *rec = registry_find(json_string_value(unsub));
        int i = rec ? find_sub(c, rec) : -1;
        if (i >= 0) drop_sub(c, i);
    } else {
        send_error(c, "%s", "send {\"subscribe\": \"<SimID>\"} or {\"unsubscribe\": \"<SimID>\"}");
    }
    json_decref(msg);
}

/* ---------------------------- lws glue ---------------------------- */

static void conn_free(ws_conn_t *c) {
    while (c->n_subs) drop_sub(c, 0);
    ws_msg_t *m, *tmp;
    LL_FOREACH_SAFE(c->queue, m, tmp) {
        free(m->text);
        free(m);
    }
    strbuf_release(&c->rx);
    DL_DELETE(conns, c);
    free(c);
}

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, ws_conn_t **slot,
                void *in, size_t len) {
    ws_conn_t *c = *slot;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        c = *slot = xcalloc(1, sizeof *c);
        c->wsi = wsi;
        DL_APPEND(conns, c);
        if (!timer_started) {
            uv_timer_init(engine->loop, &flush_timer);
            uv_timer_start(&flush_timer, on_flush, 100, 100);
            timer_started = 1;
        }
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c) return -1;
        if (c->rx.len + len > WS_MAX_MESSAGE) {
            send_error(c, "%s", "message too long");
            strbuf_reset(&c->rx);
            return 0;
        }
        strbuf_append(&c->rx, in, len);
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_message(c, c->rx.data);
            strbuf_reset(&c->rx);
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? write_next(c) : 0;
    case LWS_CALLBACK_CLOSED:
        if (c) conn_free(c);
        *slot = NULL;
        return 0;
    default:
        return 0;
    }
}

void ws_stop(void) {
    while (conns) conn_free(conns);
    if (timer_started) {
        uv_timer_stop(&flush_timer);
        uv_close((uv_handle_t *)&flush_timer, NULL);
        timer_started = 0;
    }
}
