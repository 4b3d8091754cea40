/* engine_fixture.h - a minimal pde-engine for the fuzz targets that drive
 * its request handling (fuzz_api.c, fuzz_ws.c): settings at their
 * defaults plus a token and one CORS origin, every model (built in and the
 * data files of models/), a SQLite historian with a few points in a
 * temporary directory, a handful of sims in every state, and no Redis at
 * all (engine->cmd is NULL), so every path that would talk to Redis must
 * answer 503 instead. */
#ifndef PDE_FUZZ_ENGINE_FIXTURE_H
#define PDE_FUZZ_ENGINE_FIXTURE_H

#include "engine/engine.h"

#define FUZZ_TOKEN "fuzz-token"
#define FUZZ_CORS_ORIGIN "http://ok.example"

/* Set the engine up once per process; later calls do nothing. */
void fuzz_engine_init(void);

/* The sims the fixture made: running, queued, finished. */
extern char fuzz_sim_running[], fuzz_sim_queued[], fuzz_sim_finished[];

#endif
