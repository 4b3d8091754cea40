/* http.c - the HTTP server (libwebsockets on the engine's libuv loop).
 *
 * lws parses requests; this file turns each into an http_req_t for api.c,
 * collects POST bodies up to --max-body bytes, and writes the JSON answer
 * whenever it is ready (at once, or later from a Redis, worker or
 * historian callback), in chunks so a large history never blocks the loop. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "common/log.h"
#include "common/util.h"
#include "engine.h"

#define WRITE_CHUNK 65536
#define WS_MAX_FRAME 4096
#define HTTP_MAX_HEADER 8192    /* all request headers together, in bytes */

/* Per connection: an HTTP request being answered, or a WebSocket. */
typedef struct pss {
    http_req_t *req;
    ws_conn_t *ws;
} pss_t;

static void req_free(http_req_t *req) {
    free(req->body);
    free(req->resp);
    free(req);
}

/* ---------------------------- answers ---------------------------- */

void http_reply_text(http_req_t *req, int status, const char *content_type, char *text) {
    PDE_ASSERT(!req->answered);
    req->answered = 1;
    req->status = status;
    req->content_type = content_type;
    req->resp = text;
    req->resp_len = strlen(text);
    if (!req->wsi) {
        req_free(req);      /* the client is gone; nobody to tell */
        return;
    }
    lws_callback_on_writable(req->wsi);
}

void http_reply(http_req_t *req, int status, json_t *body) {
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(body);
    if (!text) text = xstrdup("{\"error\":\"could not encode the answer\"}");
    http_reply_text(req, status, "application/json", text);
}

void http_reply_error(http_req_t *req, int status, json_t *detail, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *text = json_string(msg);
    if (!text) {
        /* Not UTF-8 (a request's bytes quoted in it, or cut by the buffer
         * inside a character): keep the message, minus those bytes. */
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
        text = json_string(msg);
    }
    json_t *body = json_object();
    json_object_set_new(body, "error", text);
    if (detail) json_object_set_new(body, "detail", detail);
    http_reply(req, status, body);
}

const char *http_query_param(const http_req_t *req, const char *name, char *buf,
                             size_t len) {
    size_t n = strlen(name);
    const char *p = req->query;
    while (*p) {
        size_t part = strcspn(p, "&");
        if (part > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t v = part - n - 1;
            if (v >= len) v = len - 1;
            memcpy(buf, p + n + 1, v);
            buf[v] = '\0';
            return buf;
        }
        p += part;
        if (*p == '&') p++;
    }
    return NULL;
}

/* ---------------------------- requests ---------------------------- */

static const struct {
    enum lws_token_indexes token;
    http_method_t method;
} methods[] = {
    {WSI_TOKEN_GET_URI, HTTP_GET},       {WSI_TOKEN_POST_URI, HTTP_POST},
    {WSI_TOKEN_DELETE_URI, HTTP_DELETE}, {WSI_TOKEN_PUT_URI, HTTP_OTHER},
    {WSI_TOKEN_PATCH_URI, HTTP_OTHER},   {WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS},
    {WSI_TOKEN_HEAD_URI, HTTP_OTHER},
};

/* Header token into buf ("" when absent or longer than buf). */
static const char *header(struct lws *wsi, enum lws_token_indexes token, char *buf,
                          int len) {
    buf[0] = '\0';
    if (lws_hdr_copy(wsi, buf, len, token) < 0) buf[0] = '\0';
    return buf;
}

/* Who is asking, and may they: the remote address (for per-client
 * limits), the token, the page's origin (access.c). */
static void req_identify(http_req_t *req, struct lws *wsi) {
    char auth[512], host[256];
    lws_get_peer_simple(wsi, req->client, sizeof req->client);
    req->token_ok = access_token_ok(header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth,
                                           sizeof auth));
    header(wsi, WSI_TOKEN_ORIGIN, req->origin, sizeof req->origin);
    req->origin_ok = access_origin_ok(req->origin, header(wsi, WSI_TOKEN_HOST, host,
                                                          sizeof host));
    req->cors = access_cors_listed(req->origin);
}

static http_req_t *req_new(struct lws *wsi) {
    http_req_t *req = xcalloc(1, sizeof *req);
    req->wsi = wsi;
    req_identify(req, wsi);
    req->method = HTTP_OTHER;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
            req->method = methods[i].method;
            lws_hdr_copy(wsi, req->path, sizeof req->path, methods[i].token);
            break;
        }
    }
    /* Query arguments come as decoded fragments; join them with '&'. */
    size_t used = 0;
    for (int i = 0; used + 1 < sizeof req->query; i++) {
        char frag[512];
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0) break;
        used += (size_t)snprintf(req->query + used, sizeof req->query - used, "%s%s",
                                 used ? "&" : "", frag);
    }
    return req;
}

static long content_length(struct lws *wsi) {
    char buf[32];
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) return -1;
    return strtol(buf, NULL, 10);
}

static void body_append(http_req_t *req, const void *in, size_t len) {
    if (req->too_large || req->body_len + len > (size_t)engine->cfg.max_body) {
        req->too_large = 1;
        return;
    }
    req->body = xrealloc(req->body, req->body_len + len + 1);
    memcpy(req->body + req->body_len, in, len);
    req->body_len += len;
    req->body[req->body_len] = '\0';
}

static void dispatch(http_req_t *req) {
    req->dispatched = 1;
    if (req->too_large) {
        http_reply_error(req, 413, json_pack("{s:i}", "max_body", engine->cfg.max_body),
                         "the request body is larger than %d bytes", engine->cfg.max_body);
        return;
    }
    if (!req->body) req->body = xstrdup("");
    api_handle(req);
}

static int add_header(struct lws *wsi, const char *name, const char *value,
                      unsigned char **p, unsigned char *end) {
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p,
                                       end);
}

/* CORS headers for a listed origin (access.c), with the preflight's
 * permissions on an OPTIONS; how to authenticate on a 401. */
static int add_access_headers(struct lws *wsi, const http_req_t *req, unsigned char **p,
                              unsigned char *end) {
    if (req->status == 401 && add_header(wsi, "www-authenticate:", "Bearer", p, end))
        return -1;
    if (engine->cfg.cors_origins[0] && add_header(wsi, "vary:", "Origin", p, end)) return -1;
    if (!req->cors) return 0;
    if (add_header(wsi, "access-control-allow-origin:", req->origin, p, end)) return -1;
    if (req->method != HTTP_OPTIONS) return 0;
    return add_header(wsi, "access-control-allow-methods:", "GET, POST, DELETE, OPTIONS", p,
                      end) ||
           add_header(wsi, "access-control-allow-headers:", "Authorization, Content-Type", p,
                      end) ||
           add_header(wsi, "access-control-max-age:", "600", p, end);
}

/* Returns -1 to close the connection. */
static int write_some(struct lws *wsi, pss_t *pss) {
    http_req_t *req = pss->req;
    if (!req || !req->answered) return 0;
    if (!req->headers_sent) {
        unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                           *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, (unsigned)req->status, req->content_type,
                                        req->resp_len, &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)"no-store", 8, &p, end) ||
            add_access_headers(wsi, req, &p, end) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        req->headers_sent = 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    static unsigned char chunk[LWS_PRE + WRITE_CHUNK];
    size_t n = req->resp_len - req->resp_sent;
    if (n > WRITE_CHUNK) n = WRITE_CHUNK;
    memcpy(chunk + LWS_PRE, req->resp + req->resp_sent, n);
    int last = req->resp_sent + n == req->resp_len;
    if (lws_write(wsi, chunk + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
        (int)n)
        return -1;
    req->resp_sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    int close_after = req->too_large;
    req_free(req);
    pss->req = NULL;
    /* An unread oversized body would be taken for the next request. */
    if (close_after) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Answer a refused upgrade with a JSON error before lws closes it, so the
 * client can tell why. Best effort: the client may be gone. */
static int ws_refuse(struct lws *wsi, int status, const char *body) {
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                       *end = buf + sizeof buf - 1;
    size_t n = strlen(body);
    if (lws_add_http_common_headers(wsi, (unsigned)status, "application/json", n, &p, end) ||
        (status == 401 && add_header(wsi, "www-authenticate:", "Bearer", &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 0;
    unsigned char out[LWS_PRE + 512];
    if (n > sizeof out - LWS_PRE) n = sizeof out - LWS_PRE;
    memcpy(out + LWS_PRE, body, n);
    lws_write(wsi, out + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
    return 0;
}

/* A WebSocket is only at /ws, only from our own pages (or listed ones,
 * or non-browsers), and with --token-reads only with the token: in the
 * Authorization header, or, since a browser cannot set headers on a
 * WebSocket, as ?token=. Refused ones are answered and closed before the
 * upgrade. */
static int ws_allowed(struct lws *wsi) {
    char uri[8] = "", origin[256], host[256], auth[512], arg[300];
    lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    if (strcmp(uri, "/ws") != 0)
        return ws_refuse(wsi, 404, "{\"error\":\"WebSockets are served at /ws only\"}");
    if (!access_origin_ok(header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin),
                          header(wsi, WSI_TOKEN_HOST, host, sizeof host))) {
        LOG(LOG_INFO, "websocket refused: pages from another origin may not connect");
        return ws_refuse(wsi, 403, "{\"error\":\"pages from this origin may not use this "
                                   "WebSocket; the operator can allow them with "
                                   "--cors-origins\"}");
    }
    if (!engine->cfg.token_reads ||
        access_token_ok(header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof auth)))
        return 1;
    for (int i = 0; lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
         i++) {
        if (strncmp(arg, "token=", 6) == 0) {
            char bearer[320];
            snprintf(bearer, sizeof bearer, "Bearer %s", arg + 6);
            if (access_token_ok(bearer)) return 1;
        }
    }
    LOG(LOG_INFO, "websocket refused: no valid token");
    return ws_refuse(wsi, 401, "{\"error\":\"this WebSocket needs the access token: send "
                               "'Authorization: Bearer <token>' or connect to "
                               "/ws?token=<token>\"}");
}

static int on_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                   void *in, size_t len) {
    pss_t *pss = user;
    if (!pss && reason != LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION &&
        reason != LWS_CALLBACK_CLOSED_HTTP)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        if (pss->req) return -1;    /* a pipelined request before we answered */
        /* in is the path: anything a browser GETs outside /api is a file
         * of the web front end. */
        if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 &&
            strncmp((const char *)in, "/api", 4) != 0) {
            return static_serve(wsi, (const char *)in);
        }
        http_req_t *req = pss->req = req_new(wsi);
        long length = content_length(wsi);
        if (req->method == HTTP_POST && length > engine->cfg.max_body) {
            req->too_large = 1;
            dispatch(req);
        } else if (req->method == HTTP_POST && length > 0) {
            /* Wait for the body. */
        } else {
            dispatch(req);
        }
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (pss->req && !pss->req->answered) body_append(pss->req, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss->req && !pss->req->answered) dispatch(pss->req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return write_some(wsi, pss);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return ws_allowed(wsi) ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
        return ws_callback(wsi, reason, &pss->ws, in, len);
    case LWS_CALLBACK_CLOSED_HTTP:
        /* pss is NULL when lws gave up on the request before binding it
         * to us (say, headers over HTTP_MAX_HEADER). */
        if (pss && pss->req) {
            /* A request still waiting for its body (the client went quiet
             * and timed out) has no answer coming: free it now. */
            if (pss->req->answered || !pss->req->dispatched)
                req_free(pss->req);
            else
                pss->req->wsi = NULL;   /* freed when its answer comes */
            pss->req = NULL;
        }
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    /* First, so it also takes WebSockets that name no subprotocol. */
    {"pde", on_http, sizeof(pss_t), WS_MAX_FRAME, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* lws's lines may quote what a client sent: control characters become
 * '?', so a client cannot forge log lines. */
static void lws_log(int level, const char *line) {
    char clean[512];
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n') n--;
    if (n >= sizeof clean) n = sizeof clean - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        clean[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    clean[n] = '\0';
    LOG(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "http: %s", clean);
}

int http_start(char *err, size_t err_len) {
    static char host[128];
    int port;
    if (config_parse_listen(engine->cfg.listen, host, sizeof host, &port)) {
        snprintf(err, err_len, "--listen '%s' is not host:port", engine->cfg.listen);
        return -1;
    }
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
    static void *foreign_loops[1];
    foreign_loops[0] = engine->loop;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = host;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = foreign_loops;
    info.max_http_header_data = HTTP_MAX_HEADER;
    /* Slow or idle clients must not hold a connection: a request has
     * --http-timeout to arrive, a kept-alive connection as long to send the
     * next one, and a silent WebSocket is pinged after --ws-idle and
     * dropped when the pong does not come in as long again. */
    info.timeout_secs = (unsigned)engine->cfg.http_timeout;
    info.timeout_secs_ah_idle = (unsigned)engine->cfg.http_timeout;
    info.keepalive_timeout = engine->cfg.http_timeout;
    static lws_retry_bo_t idle_policy;
    idle_policy.secs_since_valid_ping = (uint16_t)engine->cfg.ws_idle;
    idle_policy.secs_since_valid_hangup = (uint16_t)(2 * engine->cfg.ws_idle);
    info.retry_and_idle_policy = &idle_policy;
    engine->lws = lws_create_context(&info);
    if (!engine->lws) {
        snprintf(err, err_len, "cannot listen on %s (in use, or not an address of this "
                 "machine?)", engine->cfg.listen);
        return -1;
    }
    LOG(LOG_INFO, "API listening on http://%s", engine->cfg.listen);
    return 0;
}

/* With a foreign libuv loop, destroying the context takes two calls: the
 * first closes lws's handles, which completes only as the loop runs on; the
 * second, after that, frees the context. */
void http_stop(void) {
    ws_stop();
    if (engine->lws) lws_context_destroy(engine->lws);
}

void http_free(void) {
    if (engine->lws) lws_context_destroy(engine->lws);
    engine->lws = NULL;
}
