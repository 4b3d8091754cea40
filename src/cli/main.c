/* main.c - pde, the command-line client of the engine's HTTP API.
 *
 *   pde models | model ID | start ID [--time-scale X] [--duration S]
 *       [--sample-time S] [TAG=VALUE ...] | sims | sim SIM | get SIM [TAG]
 *       | set SIM TAG VALUE | stop SIM | history SIM [TAG,...] | status
 *       | pydsd velocity|position [...] (pydsd.c: talks to Redis, not the engine)
 *
 * The engine's address comes from --url, PDE_URL, or PDE_LISTEN (default
 * http://127.0.0.1:8080); its access token, if it asks for one, from
 * PDE_TOKEN. Answers are printed as indented JSON; an error
 * answer prints its message and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/strbuf.h"
#include "pydsd.h"

static size_t collect(char *data, size_t size, size_t n, void *arg) {
    strbuf_append(arg, data, size * n);
    return size * n;
}

/* Perform one request; prints the answer. Returns the process exit code. */
static int request(const char *base, const char *method, const char *path,
                   const char *body) {
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *curl = curl_easy_init();
    if (!curl) return 1;
    strbuf_t out = STRBUF_INIT;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* The engine's access token (pde-engine --token), if it asks for one. */
    const char *token = getenv("PDE_TOKEN");
    if (token && *token) {
        char auth[600];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    int exit_code = 0;
    if (rc != CURLE_OK) {
        fprintf(stderr, "pde: cannot reach the engine at %s: %s\n", base,
                curl_easy_strerror(rc));
        exit_code = 1;
    } else {
        json_t *answer = json_loads(out.data ? out.data : "", 0, NULL);
        if (status >= 400) {
            json_t *err = json_object_get(answer, "error");
            fprintf(stderr, "pde: %ld: %s\n", status,
                    json_is_string(err) ? json_string_value(err) : (out.data ? out.data : ""));
            exit_code = 1;
        } else if (answer) {
            json_dumpf(answer, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
            putchar('\n');
        }
        json_decref(answer);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    strbuf_release(&out);
    return exit_code;
}

static int usage(void) {
    fprintf(stderr,
            "usage: pde [--url URL] COMMAND\n"
            "  models                         list models and their tags\n"
            "  model ID                       one model with its parameters\n"
            "  start ID [--time-scale X|max] [--duration S] [--sample-time S] [TAG=VALUE ...]\n"
            "  sims                           every simulation\n"
            "  sim SIM                        one simulation's record\n"
            "  get SIM [TAG]                  every tag's latest value, or one\n"
            "  set SIM TAG VALUE              move an input\n"
            "  stop SIM                       stop a simulation\n"
            "  history SIM [TAG,TAG...]       recorded values\n"
            "  status                         engine, workers, historian\n"
            "  pydsd velocity|position ...    one part of the original spring-damper demo\n"
            "                                 over Redis streams (pde pydsd --help)\n");
    return 2;
}

static int start(const char *base, const char *model, int argc, char **argv) {
    json_t *spec = json_object(), *inputs = json_object();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *key = strcmp(a, "--time-scale") == 0    ? "time_scale"
                          : strcmp(a, "--duration") == 0    ? "duration"
                          : strcmp(a, "--sample-time") == 0 ? "sample_time"
                                                            : NULL;
        if (key && i + 1 < argc) {
            const char *v = argv[++i];
            json_object_set_new(spec, key, strcmp(v, "max") == 0 ? json_string("max")
                                                                 : json_real(atof(v)));
        } else if (strchr(a, '=')) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(strchr(a, '=') - a), a);
            json_object_set_new(inputs, name, json_real(atof(strchr(a, '=') + 1)));
        } else {
            json_decref(spec);
            json_decref(inputs);
            return usage();
        }
    }
    json_object_set_new(spec, "inputs", inputs);
    char *body = json_dumps(spec, JSON_COMPACT);
    char path[256];
    snprintf(path, sizeof path, "/api/models/%s/start", model);
    int rc = request(base, "POST", path, body);
    free(body);
    json_decref(spec);
    return rc;
}

int main(int argc, char **argv) {
    char base[512];
    const char *url = getenv("PDE_URL");
    const char *listen = getenv("PDE_LISTEN");
    if (url && *url)
        snprintf(base, sizeof base, "%s", url);
    else
        snprintf(base, sizeof base, "http://%s", listen && *listen ? listen : "127.0.0.1:8080");
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--url") == 0) {
        snprintf(base, sizeof base, "%s", argv[a + 1]);
        a += 2;
    }
    if (a >= argc) return usage();
    const char *cmd = argv[a++];
    /* Talks to Redis, not to the engine. */
    if (strcmp(cmd, "pydsd") == 0) return pydsd_main(argc - a, argv + a);
    int n = argc - a;
    char **arg = argv + a;
    char path[1024], body[128];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (strcmp(cmd, "models") == 0 && n == 0) {
        rc = request(base, "GET", "/api/models/", NULL);
    } else if (strcmp(cmd, "model") == 0 && n == 1) {
        snprintf(path, sizeof path, "/api/models/%s", arg[0]);
        rc = request(base, "GET", path, NULL);
    } else if (strcmp(cmd, "start") == 0 && n >= 1) {
        rc = start(base, arg[0], n - 1, arg + 1);
    } else if (strcmp(cmd, "sims") == 0 && n == 0) {
        rc = request(base, "GET", "/api/sims/all", NULL);
    } else if (strcmp(cmd, "sim") == 0 && n == 1) {
        snprintf(path, sizeof path, "/api/sims/%s", arg[0]);
        rc = request(base, "GET", path, NULL);
    } else if (strcmp(cmd, "get") == 0 && (n == 1 || n == 2)) {
        snprintf(path, sizeof path, "/api/sims/%s/%s", arg[0], n == 2 ? arg[1] : "all");
        rc = request(base, "GET", path, NULL);
    } else if (strcmp(cmd, "set") == 0 && n == 3) {
        snprintf(path, sizeof path, "/api/sims/%s/%s", arg[0], arg[1]);
        snprintf(body, sizeof body, "{\"value\": %s}", arg[2]);
        rc = request(base, "POST", path, body);
    } else if (strcmp(cmd, "stop") == 0 && n == 1) {
        snprintf(path, sizeof path, "/api/sims/%s", arg[0]);
        rc = request(base, "DELETE", path, NULL);
    } else if (strcmp(cmd, "history") == 0 && (n == 1 || n == 2)) {
        snprintf(path, sizeof path, "/api/sims/%s/history%s%s", arg[0], n == 2 ? "?tags=" : "",
                 n == 2 ? arg[1] : "");
        rc = request(base, "GET", path, NULL);
    } else if (strcmp(cmd, "status") == 0 && n == 0) {
        rc = request(base, "GET", "/api/status", NULL);
    } else {
        rc = usage();
    }
    curl_global_cleanup();
    return rc;
}
