/* fuzz_api.c - libFuzzer target: the engine's HTTP request handling
 * (api_handle: routing, access checks, JSON bodies, query strings, limits)
 * on the fixture engine of engine_fixture.h.
 *
 * An input reads like a small HTTP request, so seeds are easy to write:
 *   METHOD /path?query
 *   authorization: Bearer fuzz-token      (optional header lines, as
 *   origin: http://ok.example              http.c takes them from lws)
 *   host: 127.0.0.1:8080
 *
 *   body
 * "@running", "@queued" and "@finished" in the path stand for the ids of
 * the fixture's sims, so the fuzzer need not guess random ids. The request
 * has no connection (wsi NULL): http.c frees it when it is answered, so
 * ASan and LeakSanitizer see every request answered exactly once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "engine_fixture.h"

static const struct {
    const char *name;
    http_method_t method;
} methods[] = {{"GET", HTTP_GET},         {"POST", HTTP_POST}, {"DELETE", HTTP_DELETE},
               {"OPTIONS", HTTP_OPTIONS}, {"PUT", HTTP_OTHER}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_engine_init();
    size_t at = 0, len;
    const char *line = fuzz_next_line(data, size, &at, &len);
    if (!line) return 0;
    http_req_t *req = xcalloc(1, sizeof *req);
    req->method = HTTP_OTHER;
    size_t sp = 0;
    while (sp < len && line[sp] != ' ') sp++;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (strlen(methods[i].name) == sp && memcmp(line, methods[i].name, sp) == 0)
            req->method = methods[i].method;
    char target[sizeof req->path + sizeof req->query];
    size_t from = sp < len ? sp + 1 : len;
    strbuf_t expanded = STRBUF_INIT;
    fuzz_expand_sims(&expanded, line + from, len - from);
    strlcpy_pde(target, expanded.data ? expanded.data : "", sizeof target);
    strbuf_release(&expanded);
    size_t q = strcspn(target, "?");
    strlcpy_pde(req->query, target[q] ? target + q + 1 : "", sizeof req->query);
    target[q] = '\0';
    strlcpy_pde(req->path, target, sizeof req->path);

    /* Header lines, as http.c reads them, up to an empty line. */
    char auth[512] = "", host[256] = "127.0.0.1:8080";
    while ((line = fuzz_next_line(data, size, &at, &len)) && len > 0) {
        char value[512];
        const char *colon = memchr(line, ':', len);
        if (!colon) continue;
        size_t name_len = (size_t)(colon - line), vstart = name_len + 1;
        while (vstart < len && line[vstart] == ' ') vstart++;
        size_t vlen = len - vstart < sizeof value - 1 ? len - vstart : sizeof value - 1;
        memcpy(value, line + vstart, vlen);
        value[vlen] = '\0';
        if (name_len == 13 && strncasecmp(line, "authorization", 13) == 0)
            strlcpy_pde(auth, value, sizeof auth);
        else if (name_len == 6 && strncasecmp(line, "origin", 6) == 0)
            strlcpy_pde(req->origin, value, sizeof req->origin);
        else if (name_len == 4 && strncasecmp(line, "host", 4) == 0)
            strlcpy_pde(host, value, sizeof host);
        else if (name_len == 6 && strncasecmp(line, "client", 6) == 0)
            strlcpy_pde(req->client, value, sizeof req->client);
    }
    req->token_ok = access_token_ok(auth[0] ? auth : NULL);
    req->origin_ok = access_origin_ok(req->origin, host);
    req->cors = access_cors_listed(req->origin);
    if (!req->client[0]) strlcpy_pde(req->client, "127.0.0.1", sizeof req->client);

    /* The body: the rest, as http.c hands it over (NUL-terminated). */
    req->body_len = at < size ? size - at : 0;
    req->body = xmalloc(req->body_len + 1);
    if (req->body_len) memcpy(req->body, data + at, req->body_len);
    req->body[req->body_len] = '\0';

    api_handle(req);
    /* History queries answer from the thread pool: let them finish. */
    uv_run(engine->loop, UV_RUN_DEFAULT);
    return 0;
}
