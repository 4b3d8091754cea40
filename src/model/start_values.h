/* start_values.h - the inputs and parameters a sim starts with: a model's
 * defaults with a start's JSON objects {"name": number} over them (the
 * "inputs" and "params" of a start job, bus.h). */
#ifndef PDE_MODEL_START_VALUES_H
#define PDE_MODEL_START_VALUES_H

#include <stddef.h>

#include "model.h"

/* Fill inputs (m->n_inputs values; may be NULL to skip them) and params
 * (m->n_params; may be NULL) with m's defaults, then the values named in
 * inputs_json and params_json (either may be NULL for none). Returns 0, or
 * -1 with what is wrong in err (a name m does not have, a value that is not
 * a number, text that is not a JSON object). Ranges are not checked here:
 * sim_new() refuses values outside them. */
int model_start_values(const model_t *m, const char *inputs_json, const char *params_json,
                       double *inputs, double *params, char *err, size_t err_len);

#endif
