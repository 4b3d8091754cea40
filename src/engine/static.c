/* static.c - serves the web front end's built files (web/dist).
 *
 * Any path that is not a file is answered with index.html, so the front
 * end's own routes (/models/wood-berry, /sims/<SimID>) survive a reload.
 * Paths are checked before they reach the file system. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "engine.h"

static const struct {
    const char *ext, *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"},
    {".css", "text/css"},                  {".svg", "image/svg+xml"},
    {".png", "image/png"},                 {".json", "application/json"},
    {".ico", "image/x-icon"},              {".woff2", "font/woff2"},
    {".map", "application/json"},          {".txt", "text/plain"},
};

static const char *mime_of(const char *path) {
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof mimes / sizeof *mimes; i++) {
        size_t e = strlen(mimes[i].ext);
        if (n > e && strcmp(path + n - e, mimes[i].ext) == 0) return mimes[i].mime;
    }
    return "application/octet-stream";
}

static const char *web_dir(void) {
    static char dir[PATH_MAX];
    if (dir[0]) return dir;
    if (engine->cfg.web_dir[0]) {
        strlcpy_pde(dir, engine->cfg.web_dir, sizeof dir);
    } else {
        /* build/bin/pde-engine -> <source tree>/web/dist */
        path_beside_self(dir, sizeof dir, "../../web/dist");
    }
    return dir;
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int safe_path(const char *path) {
    if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\')) return 0;
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p < 0x20) return 0;
    return 1;
}

/* Returns -1 when the connection is to be closed. */
static int reply_error(struct lws *wsi, int status, const char *body) {
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                       *end = buf + sizeof buf - 1;
    size_t n = strlen(body);
    if (lws_add_http_common_headers(wsi, (unsigned)status, "application/json", n, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* A short body may follow its headers in the same callback. */
    unsigned char out[LWS_PRE + 512];
    if (n > sizeof out - LWS_PRE) n = sizeof out - LWS_PRE;
    memcpy(out + LWS_PRE, body, n);
    if (lws_write(wsi, out + LWS_PRE, n, LWS_WRITE_HTTP_FINAL) < (int)n) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int static_serve(struct lws *wsi, const char *path) {
    char file[PATH_MAX + 512];
    if (!safe_path(path) || strlen(path) > 400) {
        return reply_error(wsi, 400, "{\"error\":\"bad path\"}");
    }
    snprintf(file, sizeof file, "%s%s", web_dir(), path);
    if (!is_file(file)) snprintf(file, sizeof file, "%s/index.html", web_dir());
    if (!is_file(file)) {
        return reply_error(wsi, 404, "{\"error\":\"the web front end is not built: run "
                                     "make (it builds web/dist) or set --web-dir\"}");
    }
    int rc = lws_serve_http_file(wsi, file, mime_of(file), NULL, 0);
    if (rc < 0 || (rc > 0 && lws_http_transaction_completed(wsi))) return -1;
    return 0;
}
