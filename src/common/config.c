/* config.c - the settings table behind config.h. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { SET_STR, SET_INT } setting_type_t;

typedef struct setting {
    const char *name;       /* flag without the leading -- */
    const char *env;
    int roles;
    setting_type_t type;
    size_t offset;
    size_t size;            /* for strings */
    const char *def;
    double min, max;        /* for numbers */
    const char *help;
} setting_t;

#define E CONFIG_ROLE_ENGINE
#define W CONFIG_ROLE_WORKER
#define STR(field) SET_STR, offsetof(config_t, field), sizeof(((config_t *)0)->field)
#define INT(field) SET_INT, offsetof(config_t, field), 0

static const setting_t settings[] = {
    {"listen", "PDE_LISTEN", E, STR(listen), "127.0.0.1:8080", 0, 0,
     "host:port the HTTP/WebSocket API listens on"},
    {"data-dir", "PDE_DATA_DIR", E, STR(data_dir), "./data", 0, 0,
     "directory for the historian and the private Redis"},
    {"redis", "PDE_REDIS", E | W, STR(redis), "", 0, 0,
     "Redis URL (redis://host:port); unset: the engine starts a private "
     "redis-server (a worker then needs it)"},
    {"workers", "PDE_WORKERS", E, INT(workers), "-1", -1, 1024,
     "local workers the engine starts and supervises; -1 = one per core, 0 = "
     "none (workers started by hand only)"},
    {"historian", "PDE_HISTORIAN", E, STR(historian), "sqlite", 0, 0,
     "historian backend: sqlite"},
    {"worker-bin", "PDE_WORKER_BIN", E, STR(worker_bin), "", 0, 0,
     "pde-worker executable; default: the one beside pde-engine"},
    {"redis-bin", "PDE_REDIS_BIN", E, STR(redis_bin), "redis-server", 0, 0,
     "redis-server executable for the private Redis"},
    {"web-dir", "PDE_WEB_DIR", E, STR(web_dir), "", 0, 0,
     "the built web front end; default: web/dist beside the build"},
    {"max-body", "PDE_MAX_BODY", E, INT(max_body), "65536", 256, 16777216,
     "largest request body accepted, in bytes"},
    {"token", "PDE_TOKEN", E, STR(token), "", 0, 0,
     "if set, every request that changes something (start, stop, write a tag) "
     "needs 'Authorization: Bearer <token>'"},
    {"token-reads", "PDE_TOKEN_READS", E, INT(token_reads), "0", 0, 1,
     "1: read-only requests and the WebSocket need the token too"},
    {"cors-origins", "PDE_CORS_ORIGINS", E, STR(cors_origins), "", 0, 0,
     "comma-separated origins (https://host:port) whose pages may call the API; "
     "unset: same-origin pages only"},
    {"max-sims", "PDE_MAX_SIMS", E, INT(max_sims), "10000", 1, 10000000,
     "simulations not yet ended, in all"},
    {"max-sims-per-client", "PDE_MAX_SIMS_PER_CLIENT", E, INT(max_sims_per_client),
     "1000", 1, 10000000, "simulations not yet ended that one client address may start"},
    {"ws-rate", "PDE_WS_RATE", E, INT(ws_rate), "50", 1, 100000,
     "WebSocket messages a second one connection may send"},
    {"ws-burst", "PDE_WS_BURST", E, INT(ws_burst), "100", 1, 100000,
     "WebSocket messages one connection may send at once above --ws-rate"},
    {"http-timeout", "PDE_HTTP_TIMEOUT", E, INT(http_timeout), "30", 1, 3600,
     "seconds a client may take to send a request, or stay idle between requests"},
    {"ws-idle", "PDE_WS_IDLE", E, INT(ws_idle), "60", 2, 3600,
     "seconds of WebSocket silence before the engine pings; no answer in as "
     "long again closes the connection"},
    {"id", "PDE_WORKER_ID", W, STR(worker_id), "", 0, 0,
     "worker id; default <hostname>-<pid>"},
    {"capacity", "PDE_CAPACITY", W, INT(capacity), "20000", 1, 1000000,
     "simulations one worker hosts at most"},
    {"tick-ms", "PDE_TICK_MS", W, INT(tick_ms), "20", 1, 1000,
     "how often the worker advances its simulations, in milliseconds"},
    {"models-dir", "PDE_MODELS_DIR", E | W, STR(models_dir), "", 0, 0,
     "directory of linear models as JSON data files; default: models/ beside the "
     "build"},
    {"log-level", "PDE_LOG_LEVEL", E | W, STR(log_level), "info", 0, 0,
     "debug, info, warn or error"},
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

static int apply(config_t *cfg, const setting_t *s, const char *value,
                 const char *origin) {
    char *base = (char *)cfg + s->offset;
    if (s->type == SET_STR) {
        if (strlen(value) >= s->size) {
            fprintf(stderr, "%s: value too long (at most %zu characters)\n",
                    origin, s->size - 1);
            return -1;
        }
        strcpy(base, value);
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (errno || end == value || *end || v < s->min || v > s->max ||
        v != (double)(long)v) {
        fprintf(stderr, "%s: '%s' is not a whole number from %g to %g\n", origin, value,
                s->min, s->max);
        return -1;
    }
    *(int *)base = (int)v;
    return 0;
}

static void print_help(int role) {
    printf("usage: %s [--setting value ...]\n\nsettings (flag, environment "
           "variable, default):\n",
           role == CONFIG_ROLE_ENGINE ? "pde-engine" : "pde-worker");
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting_t *s = &settings[i];
        if (!(s->roles & role)) continue;
        printf("  --%-18s %-22s [%s]\n      %s\n", s->name, s->env,
               s->def[0] ? s->def : "unset", s->help);
    }
}

int config_load(config_t *cfg, int role, int argc, char **argv) {
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting_t *s = &settings[i];
        if (!(s->roles & role)) continue;
        if (apply(cfg, s, s->def, s->name) < 0) return -1;
        const char *env = getenv(s->env);
        if (env && *env && apply(cfg, s, env, s->env) < 0) return -1;
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(role);
            return 1;
        }
        const setting_t *found = NULL;
        const char *value = NULL;
        if (strncmp(arg, "--", 2) == 0) {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t i = 0; i < N_SETTINGS; i++)
                if ((settings[i].roles & role) &&
                    strlen(settings[i].name) == len &&
                    strncmp(settings[i].name, name, len) == 0)
                    found = &settings[i];
            if (found) value = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
        }
        if (!found || !value) {
            fprintf(stderr, "unknown or incomplete argument '%s' (see --help)\n", arg);
            return -1;
        }
        if (apply(cfg, found, value, arg) < 0) return -1;
    }
    return 0;
}

static int split_host_port(const char *s, char *host, int host_len, int *port) {
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || colon - s >= host_len) return -1;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p <= 0 || p > 65535) return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (int)p;
    return 0;
}

int config_parse_redis_url(const char *url, char *host, int host_len, int *port) {
    if (strncmp(url, "redis://", 8) == 0) url += 8;
    char hostport[256];
    size_t n = strcspn(url, "/");
    if (n >= sizeof hostport) return -1;
    memcpy(hostport, url, n);
    hostport[n] = '\0';
    if (!strchr(hostport, ':')) {
        if (n == 0 || (int)n >= host_len) return -1;
        strcpy(host, hostport);
        *port = 6379;
        return 0;
    }
    return split_host_port(hostport, host, host_len, port);
}

int config_parse_listen(const char *listen, char *host, int host_len, int *port) {
    return split_host_port(listen, host, host_len, port);
}
