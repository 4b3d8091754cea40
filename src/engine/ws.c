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
#define WS_MAX_REFUSED 64       /* messages over the rate in a row before we close */

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
    double tokens, refilled;    /* message rate: a token bucket (--ws-rate,
                                 * --ws-burst); refilled at mono_s() */
    int n_refused;              /* messages over the rate since the last one
                                 * taken */
    int rx_overflow;            /* skipping the rest of a too long message */
    struct ws_conn *prev, *next;    /* every connection */
    ws_conn_t **slot;           /* lws's pointer to us, cleared on free so
                                 * a CLOSED after ws_stop() finds nothing */
};

static ws_conn_t *conns;
static uv_timer_t flush_timer;
static int timer_started;

/* ---------------------------- sending ---------------------------- */

/* Ask lws for a writable callback; a connection without a socket (the fuzz
 * target's) has its messages taken with ws__next_text() instead. */
static void conn_writable(ws_conn_t *c) {
    if (c->wsi) lws_callback_on_writable(c->wsi);
}

static void queue_json(ws_conn_t *c, json_t *msg) {
    PDE_ASSERT(msg);    /* every message is built from valid UTF-8 */
    if (c->n_queued >= WS_MAX_QUEUED) {
        /* A client this far behind is not reading: drop it rather than
         * hold memory for it. */
        LOG(LOG_WARN, "websocket client not reading; closing it");
        if (c->wsi) lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        json_decref(msg);
        return;
    }
    ws_msg_t *m = xcalloc(1, sizeof *m);
    m->text = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(msg);
    LL_APPEND(c->queue, m);
    c->n_queued++;
    conn_writable(c);
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

/* The next message due on c: a one-off first, else a dirty subscription
 * whose turn it is. Caller frees; NULL when nothing is due. */
char *ws__next_text(ws_conn_t *c) {
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
    return text;
}

/* One message per writable callback (lws allows one write each). */
static int write_next(ws_conn_t *c) {
    char *text = ws__next_text(c);
    if (!text) return 0;
    int rc = write_text(c->wsi, text);
    free(text);
    if (rc == 0) conn_writable(c);   /* maybe more */
    return rc;
}

/* Subscriptions held back by the rate limit get their turn here. */
static void on_flush(uv_timer_t *t) {
    (void)t;
    ws_conn_t *c;
    DL_FOREACH(conns, c) {
        for (int i = 0; i < c->n_subs; i++) {
            if (c->subs[i]->sample_dirty || c->subs[i]->status_dirty) {
                conn_writable(c);
                break;
            }
        }
    }
}

/* ---------------------------- from the engine ---------------------------- */

void ws_notify_sample(sim_rec_t *rec) {
    ws_sub_t *s;
    DL_FOREACH(rec->subs, s) {
        if (!s->sample_dirty) conn_writable(s->conn);
        s->sample_dirty = 1;
    }
}

void ws_notify_status(sim_rec_t *rec) {
    ws_sub_t *s;
    DL_FOREACH(rec->subs, s) {
        s->status_dirty = 1;
        conn_writable(s->conn);
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
    json_t *text = json_string(msg);
    if (!text) {
        /* Cut inside a UTF-8 character of what the client sent: keep the
         * message, minus those bytes. */
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
        text = json_string(msg);
    }
    queue_json(c, json_pack("{s:s, s:o}", "type", "error", "error", text));
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

/* The message rate, as a token bucket: --ws-burst at once, --ws-rate a
 * second after that. Returns 1 when this message may be handled. */
static int rate_take(ws_conn_t *c) {
    double now = mono_s(), burst = engine->cfg.ws_burst;
    c->tokens += (now - c->refilled) * engine->cfg.ws_rate;
    if (c->tokens > burst) c->tokens = burst;
    c->refilled = now;
    if (c->tokens < 1) return 0;
    c->tokens -= 1;
    return 1;
}

/* Handle one whole message. Returns -1 when the connection is to be
 * closed: a client that keeps sending over the rate after being told. */
int ws__on_message(ws_conn_t *c, const char *text, size_t len) {
    if (!rate_take(c)) {
        if (++c->n_refused > WS_MAX_REFUSED) {
            LOG(LOG_WARN, "websocket client kept sending over %d messages a second; "
                "closing it", engine->cfg.ws_rate);
            return -1;
        }
        char msg[160];
        snprintf(msg, sizeof msg, "too many messages: at most %d a second (%d at once); "
                 "this one was ignored", engine->cfg.ws_rate, engine->cfg.ws_burst);
        send_error(c, "%s", msg);
        return 0;
    }
    c->n_refused = 0;
    json_t *msg = json_loadb(text, len, 0, NULL);
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
    return 0;
}

/* ---------------------------- lws glue ---------------------------- */

ws_conn_t *ws__conn_new(struct lws *wsi) {
    ws_conn_t *c = xcalloc(1, sizeof *c);
    c->wsi = wsi;
    c->tokens = engine->cfg.ws_burst;
    c->refilled = mono_s();
    DL_APPEND(conns, c);
    return c;
}

void ws__conn_free(ws_conn_t *c) {
    if (!c) return;
    while (c->n_subs) drop_sub(c, 0);
    ws_msg_t *m, *tmp;
    LL_FOREACH_SAFE(c->queue, m, tmp) {
        free(m->text);
        free(m);
    }
    strbuf_release(&c->rx);
    DL_DELETE(conns, c);
    if (c->slot) *c->slot = NULL;
    free(c);
}

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, ws_conn_t **slot,
                void *in, size_t len) {
    ws_conn_t *c = *slot;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        c = *slot = ws__conn_new(wsi);
        c->slot = slot;
        if (!timer_started) {
            uv_timer_init(engine->loop, &flush_timer);
            uv_timer_start(&flush_timer, on_flush, 100, 100);
            timer_started = 1;
        }
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c) return -1;
        if (!c->rx_overflow && c->rx.len + len > WS_MAX_MESSAGE) {
            send_error(c, "%s", "message too long: at most 4096 bytes");
            strbuf_reset(&c->rx);
            c->rx_overflow = 1;
        }
        if (!c->rx_overflow) strbuf_append(&c->rx, in, len);
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            if (c->rx_overflow) {
                /* Its tail is not a message of its own. */
                c->rx_overflow = 0;
                return 0;
            }
            int rc = ws__on_message(c, c->rx.data, c->rx.len);
            strbuf_reset(&c->rx);
            if (rc < 0) {
                static const char why[] = "message rate exceeded";
                lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                                 (unsigned char *)why, sizeof why - 1);
                return -1;
            }
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? write_next(c) : 0;
    case LWS_CALLBACK_CLOSED:
        ws__conn_free(c);
        *slot = NULL;
        return 0;
    default:
        return 0;
    }
}

void ws_stop(void) {
    while (conns) ws__conn_free(conns);
    if (timer_started) {
        uv_timer_stop(&flush_timer);
        uv_close((uv_handle_t *)&flush_timer, NULL);
        timer_started = 0;
    }
}
