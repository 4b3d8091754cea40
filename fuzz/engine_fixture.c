/* engine_fixture.c - see engine_fixture.h. */
#include "engine_fixture.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "model/models_dir.h"

static engine_t the_engine;
engine_t *engine = &the_engine;

char fuzz_sim_running[BUS_ID_MAX], fuzz_sim_queued[BUS_ID_MAX], fuzz_sim_finished[BUS_ID_MAX];

static void die(const char *what) {
    fprintf(stderr, "fuzz fixture: %s\n", what);
    abort();
}

static sim_rec_t *add_sim(const char *model, sim_status_t status, char *id_out) {
    const model_t *m = model_find(model);
    if (!m) die("a built-in model is missing");
    double inputs[BUS_SAMPLE_MAX_VALUES] = {0};
    for (int i = 0; i < m->n_inputs; i++) inputs[i] = m->tags[i].def;
    sim_rec_t *rec = registry_create(m, inputs);
    rec->status = status;
    rec->time_scale = 1;
    rec->duration = 100;
    rec->sample_time = 1;
    rec->t = 10;
    strlcpy_pde(rec->worker, status == SIM_QUEUED ? "" : "fuzz-worker", sizeof rec->worker);
    strlcpy_pde(rec->client, "127.0.0.1", sizeof rec->client);
    for (int i = 0; i < MODEL_N_TAGS(m); i++) {
        rec->values[i] = i * 0.5;
        rec->values_t[i] = rec->t;
    }
    strcpy(id_out, rec->id);
    return rec;
}

/* Ten samples of every tag, so history queries have something to cut. */
static void add_history(const sim_rec_t *rec) {
    hist_batch_t *b = hist_batch_new();
    for (int k = 0; k < 10; k++)
        for (int i = 0; i < MODEL_N_TAGS(rec->model); i++)
            hist_batch_add(b, rec->id, rec->model->id, rec->model->tags[i].name,
                           rec->model->tags[i].kind == TAG_INPUT ? "input" : "output",
                           (double)k, 1700000000000000000LL + k * 1000000000LL, k + i * 0.1);
    if (hist_submit(engine->hist, b) != 0) die("cannot submit to the historian");
    hist_flush(engine->hist);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The historian's files go with the process. */
static void cleanup(void) {
    hist_close(engine->hist);
    engine->hist = NULL;
    /* Best effort: a leftover temporary directory harms nothing. */
    nftw(engine->cfg.data_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

void fuzz_engine_init(void) {
    static int done;
    if (done) return;
    done = 1;
    static char args[][32] = {"fuzz", "--token", FUZZ_TOKEN, "--cors-origins", FUZZ_CORS_ORIGIN,
                              "--max-sims", "5", "--max-sims-per-client", "2"};
    char *argv[9];
    for (int i = 0; i < 9; i++) argv[i] = args[i];
    if (config_load(&engine->cfg, CONFIG_ROLE_ENGINE, 9, argv) != 0) die("settings");
    log_init('E', LOG_ERROR + 1);   /* quiet: the fuzzer prints enough */
    if (models_dir_load(PDE_SOURCE_DIR "/models") < 0) die("cannot load models/");
    engine->loop = uv_default_loop();
    char tmpl[] = "/tmp/pde-fuzz-XXXXXX", err[256];
    if (!mkdtemp(tmpl)) die("mkdtemp");
    strlcpy_pde(engine->cfg.data_dir, tmpl, sizeof engine->cfg.data_dir);
    engine->hist = hist_open("sqlite", tmpl, err, sizeof err);
    if (!engine->hist) die(err);
    atexit(cleanup);
    add_history(add_sim("wood-berry", SIM_RUNNING, fuzz_sim_running));
    add_sim("spring-damper", SIM_QUEUED, fuzz_sim_queued);
    add_sim("cstr", SIM_FINISHED, fuzz_sim_finished);
}

void fuzz_expand_sims(strbuf_t *out, const char *text, size_t len) {
    const struct {
        const char *name;
        const char *id;
    } names[] = {{"@running", fuzz_sim_running},
                 {"@queued", fuzz_sim_queued},
                 {"@finished", fuzz_sim_finished}};
    size_t n_names = sizeof names / sizeof *names;
    for (size_t i = 0; i < len;) {
        size_t k;
        for (k = 0; k < n_names; k++) {
            size_t nl = strlen(names[k].name);
            if (len - i >= nl && memcmp(text + i, names[k].name, nl) == 0) {
                strbuf_puts(out, names[k].id);
                i += nl;
                break;
            }
        }
        if (k == n_names) strbuf_putc(out, text[i++]);
    }
}

const char *fuzz_next_line(const uint8_t *data, size_t size, size_t *at, size_t *len) {
    if (*at >= size) return NULL;
    const char *start = (const char *)data + *at;
    const char *nl = memchr(start, '\n', size - *at);
    *len = nl ? (size_t)(nl - start) : size - *at;
    *at += *len + (nl ? 1 : 0);
    return start;
}
