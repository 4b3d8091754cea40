/* lti.h - linear models defined by data files: users add a model by
 * dropping a JSON file into the models folder, without compiling.
 *
 * At start-up the engine and every worker call model_load_dir() on the same
 * folder, before any thread looks models up; each good file becomes a
 * model in the registry (model_register()), each bad one is reported and
 * skipped while the others still load.
 *
 * A file holds one model: either a matrix of transfer functions or a
 * continuous state-space system, in deviation variables around nominal
 * values. Users read and write absolute values: the model sees
 * u − u_nominal and shows y_nominal + deviation.
 *
 *   {
 *     "id": "wood-berry-data",            lower-case words joined by '-'
 *     "title": "Wood-Berry column (data file)",
 *     "description": "...",               optional
 *     "time_unit": "min",                 "s" (default), "min", "h", or
 *                                         seconds per unit as a number;
 *                                         time constants and dead times
 *                                         are in this unit
 *     "step": 1,                          optional, seconds (default 1): the
 *                                         largest solver step
 *     "stiff": false,                     optional: BDF for widely spread
 *                                         time constants
 *     "inputs": [                         what users write
 *       {"name": "R", "unit": "lb/min", "min": 0, "max": 4,
 *        "nominal": 1.95, "default": 1.95, "description": "reflux"}, ...],
 *                                         default (the start value) and
 *                                         description are optional
 *     "outputs": [
 *       {"name": "xD", "unit": "mol %", "min": 0, "max": 100,
 *        "nominal": 96.25, "description": "..."}, ...],
 *     and exactly one of
 *     "transfer_functions": [             one row per output, one entry per
 *       [{"gain": 12.8, "tau": 16.7, "dead_time": 1}, ..., null], ...],
 *                                         input; null = no path
 *     "state_space": {"A": [[..]], "B": [[..]], "C": [[..]], "D": [[..]],
 *                     "dead_times": [..]}  (D and dead_times optional)
 *   }
 *
 * A transfer function is gain·(lead·s + 1)·e^(−dead_time·s) / den(s) with
 *   "tau": τ                      den = τs + 1 (τ = 0: a pure gain)
 *   "tau": [τ1, τ2]               den = (τ1·s + 1)(τ2·s + 1)
 *   "tau": τ, "zeta": ζ           den = τ²s² + 2ζτs + 1 (ζ > 0)
 *   "lead": τa                    optional numerator time constant, may be
 *                                 negative (inverse response); not with a
 *                                 pure gain
 *   "dead_time": θ                optional, >= 0 and at most 1e9 s, exact
 *                                 (no Padé)
 * State-space: dx/dt = A·x + B·(u(t − θ) − u_nominal),
 * y = y_nominal + C·x + D·(u(t − θ) − u_nominal), one dead time θ per input.
 * Every model starts at the steady state of its initial inputs (for a
 * state-space model with a singular A, at x = 0).
 *
 * Unknown fields are errors, so a misspelt "dead_tme" is not silently
 * ignored. Sizes: at most LTI_MAX_PORTS inputs and outputs each and
 * LTI_MAX_STATES states. */
#ifndef PDE_LTI_H
#define PDE_LTI_H

#include "model.h"

#define LTI_MAX_PORTS 64
#define LTI_MAX_STATES 256

/* Told about each file that does not load: the file's path, the field at
 * fault as a JSON path ("transfer_functions[1][0].tau"; "" for the file as
 * a whole) and what is wrong with it, in plain words. Strings are borrowed
 * for the call. */
typedef void (*model_load_report_fn)(void *arg, const char *file, const char *field,
                                     const char *problem);

/* Load every "*.json" file in dir, in name order, and register each good
 * one (model_register()). Bad files are reported through report (may be
 * NULL) and skipped. Returns how many models were registered, or -errno if
 * dir cannot be read (also reported, with field ""). Call it at start-up,
 * before any thread looks models up; the models live until the process
 * ends. */
int model_load_dir(const char *dir, model_load_report_fn report, void *arg);

/* Load and register the model in one file. Returns 0, PDE_EINVAL if the
 * file is bad (reported), or -errno if it cannot be read (reported). */
int model_load_file(const char *path, model_load_report_fn report, void *arg);

/* Build (without registering) the model described by the JSON text; file
 * names it in reports. Returns NULL if the text is bad (reported). The
 * caller owns the result: model_lti_free() it, unless it was registered. */
model_t *model_lti_parse(const char *json_text, const char *file,
                         model_load_report_fn report, void *arg);
void model_lti_free(model_t *m);

#endif
