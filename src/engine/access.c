/* access.c - who may call the API: the optional token, and which browser
 * pages (by their Origin) may use the API and the WebSocket.
 *
 * Defaults are safe for a server on a LAN: with no --token anyone who can
 * reach the port may use it (the engine binds loopback unless told
 * otherwise), but a page from another site cannot, because a browser sends
 * its Origin and we refuse origins other than our own Host and those listed
 * in --cors-origins. Without that check a page on any site could start and
 * stop simulations through a "simple" cross-site POST, which browsers send
 * without asking first. Clients that send no Origin (curl, Python, the
 * pde command line) are not browsers and are not refused for it.
 *
 * Load: a few string compares per request. */
#include <string.h>
#include <strings.h>

#include "engine.h"

/* Constant in time for a given presented length, so the time an answer
 * takes does not tell how much of a guessed token was right. */
static int same_secret(const char *given, const char *want) {
    size_t n = strlen(given), m = strlen(want);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++) diff |= (unsigned char)(given[i] ^ want[i % (m ? m : 1)]);
    return diff == 0 && m > 0;
}

int access_token_ok(const char *authorization) {
    const char *token = engine->cfg.token;
    if (!token[0]) return 1;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return 0;
    const char *given = authorization + 7;
    while (*given == ' ') given++;
    return same_secret(given, token);
}

/* "http://host:port" -> "host:port" (the form of a Host header). */
static const char *origin_host(const char *origin) {
    const char *p = strstr(origin, "://");
    return p ? p + 3 : NULL;
}

int access_cors_listed(const char *origin) {
    const char *list = engine->cfg.cors_origins;
    size_t n = strlen(origin);
    if (!n) return 0;
    while (*list) {
        while (*list == ' ' || *list == ',') list++;
        size_t len = strcspn(list, ",");
        size_t trim = len;
        while (trim && list[trim - 1] == ' ') trim--;
        if (trim && ((trim == n && strncasecmp(list, origin, n) == 0) ||
                     (trim == 1 && list[0] == '*')))
            return 1;
        list += len;
    }
    return 0;
}

int access_origin_ok(const char *origin, const char *host) {
    if (!origin || !origin[0]) return 1;    /* not a browser */
    if (access_cors_listed(origin)) return 1;
    const char *oh = origin_host(origin);
    return oh && host && host[0] && strcasecmp(oh, host) == 0;
}

int access_check(http_req_t *req, int changes) {
    if (!req->origin_ok) {
        http_reply_error(req, 403, json_pack("{s:s}", "origin", req->origin),
                         "pages from %s may not use this API; the operator can allow "
                         "them with --cors-origins",
                         req->origin);
        return 0;
    }
    if (req->token_ok || (!changes && !engine->cfg.token_reads)) return 1;
    http_reply_error(req, 401, NULL,
                     "this request needs the access token: send the header "
                     "'Authorization: Bearer <token>' (the token is set with --token "
                     "or PDE_TOKEN on the engine)");
    return 0;
}
