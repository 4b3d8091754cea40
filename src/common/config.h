/* config.h - every setting of pde-engine and pde-worker in one table.
 *
 * Each setting has a flag (--name), an environment variable, a default,
 * bounds and help text; flags win over the environment, which wins over the
 * default. `--help` prints the table for the process's role. */
#ifndef PDE_CONFIG_H
#define PDE_CONFIG_H

#include <limits.h>

#define CONFIG_ROLE_ENGINE 1
#define CONFIG_ROLE_WORKER 2

typedef struct config {
    /* both */
    char redis[256];        /* redis://host:port; "" = start a private one */
    char log_level[16];
    char models_dir[PATH_MAX];  /* "" = models/ of the source tree */
    /* engine */
    char listen[128];       /* host:port */
    char data_dir[PATH_MAX];
    int workers;            /* local workers; -1 = one per core */
    char historian[256];
    char worker_bin[PATH_MAX];  /* "" = pde-worker beside pde-engine */
    char redis_bin[PATH_MAX];
    char web_dir[PATH_MAX];     /* "" = web/dist of the source tree */
    int max_body;           /* bytes */
    /* engine: access and limits (README, "Security and limits") */
    char token[256];        /* "" = no token asked */
    int token_reads;        /* 1: reads and the WebSocket need the token too */
    char cors_origins[1024];    /* comma list; "" = no CORS headers */
    int max_sims;           /* sims not ended, in all */
    int max_sims_per_client;    /* sims not ended, per remote address */
    int ws_rate;            /* WebSocket messages a second per connection */
    int ws_burst;           /* ... and how many at once */
    int http_timeout;       /* seconds a request may take to arrive */
    int ws_idle;            /* seconds of WebSocket silence before a ping */
    /* worker */
    char worker_id[64];     /* "" = <hostname>-<pid> */
    int capacity;           /* simulations one worker hosts at most */
    int tick_ms;
} config_t;

/* Fill cfg for role from defaults, the environment and argv. Returns 0, 1
 * when --help was printed (the caller exits 0), or -1 after printing what is
 * wrong with an argument (the caller exits 2). */
int config_load(config_t *cfg, int role, int argc, char **argv);

/* Split "redis://host:port" (or "host:port") into host and port. */
int config_parse_redis_url(const char *url, char *host, int host_len, int *port);

/* Split "host:port". */
int config_parse_listen(const char *listen, char *host, int host_len, int *port);

#endif
