/* engine_fixture.h - a minimal pde-engine for the fuzz targets that drive
 * its request handling (fuzz_api.c, fuzz_ws.c): settings at their
 * defaults plus a token and one CORS origin, every model (built in and the
 * data files of models/), a SQLite historian with a few points in a
 * temporary directory, a handful of sims in every state, and no Redis at
 * all (engine->cmd is NULL), so every path that would talk to Redis must
 * answer 503 instead. */
#ifndef PDE_FUZZ_ENGINE_FIXTURE_H
#define PDE_FUZZ_ENGINE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "engine/engine.h"

#define FUZZ_TOKEN "fuzz-token"
#define FUZZ_CORS_ORIGIN "http://ok.example"

/* Set the engine up once per process; later calls do nothing. */
void fuzz_engine_init(void);

/* The sims the fixture made: running, queued, finished. */
extern char fuzz_sim_running[], fuzz_sim_queued[], fuzz_sim_finished[];

/* Append the first len bytes of text to out with "@running", "@queued"
 * and "@finished" replaced by those sims' ids, so inputs can name them
 * without the fuzzer guessing random ids. */
void fuzz_expand_sims(strbuf_t *out, const char *text, size_t len);

/* The next line of data at *at, without its '\n' (its length in *len), and
 * *at moved past it; NULL at the end. */
const char *fuzz_next_line(const uint8_t *data, size_t size, size_t *at, size_t *len);

#endif
