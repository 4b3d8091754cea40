/* start_values.c - see start_values.h. */
#include "start_values.h"

#include <stdio.h>

#include <jansson.h>

/* Overlay the object in json onto values, by the names of m's inputs
 * (is_param 0) or parameters (1). */
static int overlay(const model_t *m, const char *json, int is_param, double *values,
                   char *err, size_t err_len) {
    const char *what = is_param ? "parameter" : "input";
    json_t *o = json_loads(json ? json : "{}", 0, NULL);
    if (!json_is_object(o)) {
        snprintf(err, err_len, "the %ss are not a JSON object", what);
        json_decref(o);
        return -1;
    }
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(o, key, v) {
        int i = is_param ? model_param_index(m, key) : model_tag_index(m, key);
        if (i < 0 || (!is_param && i >= m->n_inputs) || !json_is_number(v)) {
            snprintf(err, err_len, "%s '%s' is unknown or not a number", what, key);
            rc = -1;
            break;
        }
        values[i] = json_number_value(v);
    }
    json_decref(o);
    return rc;
}

int model_start_values(const model_t *m, const char *inputs_json, const char *params_json,
                       double *inputs, double *params, char *err, size_t err_len) {
    for (int i = 0; inputs && i < m->n_inputs; i++) inputs[i] = m->tags[i].def;
    for (int i = 0; params && i < m->n_params; i++) params[i] = m->params[i].value;
    if (inputs && overlay(m, inputs_json, 0, inputs, err, err_len) != 0) return -1;
    if (params && overlay(m, params_json, 1, params, err, err_len) != 0) return -1;
    return 0;
}
