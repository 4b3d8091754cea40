/* lti.c - see lti.h for the file format.
 *
 * A loaded model is an lti_model_t: a model_t (what the registry and sim.c
 * see) followed by everything its const pointers refer to, owned here. A
 * transfer-function model is realised one path at a time, each path with
 * its own dead-time line (as wood_berry.c does): 0, 1 or 2 states per path,
 * scaled by the gain, for gain·(lead·s + 1)/den(s):
 *   τs + 1:          τ·x' = gain·du − x,  y += x + (lead/τ)·(gain·du − x)
 *   a2·s² + a1·s + 1: x1' = x2,  a2·x2' = gain·du − x1 − a1·x2,
 *                    y += x1 + lead·x2
 *   pure gain:       y += gain·du
 * A state-space model is integrated as given, with one dead-time line per
 * input.
 *
 * Load: files are read once at start-up; the right-hand sides are a few
 * multiply-adds per path, or a dense A·x. */
#include "lti.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/util.h"
#include "linalg.h"

#define LTI_MAX_FILE_BYTES (16 << 20)
#define LTI_MAX_NAME 64
#define LTI_MAX_DEAD_TIME_S 1e9     /* as long as the longest run (about 31 years) */

typedef enum { LTI_TRANSFER_FUNCTIONS, LTI_STATE_SPACE } lti_kind_t;

/* One transfer function gain·(lead·s + 1)/den(s) from input to output. */
typedef struct lti_path {
    int input, output;
    int order;              /* 0: pure gain; 1: den = τs + 1; 2: den = a2·s² + a1·s + 1 */
    int state;              /* its first state */
    double gain, lead, tau, a1, a2;
    double dead_time;
} lti_path_t;

typedef struct lti_model {
    model_t model;          /* the registry holds &lti->model; model.data = lti */
    lti_kind_t kind;
    int n_in, n_out;
    double *u_nominal, *y_nominal;
    lti_path_t *paths;      /* transfer functions: one per non-null entry */
    int n_paths;
    double *A, *B, *C, *D;  /* state space, row-major: n×n, n×n_in, n_out×n, n_out×n_in */
    tag_def_t *tags;
    delay_def_t *delays;
    param_def_t *no_params;
    char **strings;         /* every string the descriptor points to */
    int n_strings, cap_strings;
} lti_model_t;

static const lti_model_t *lti_of(const model_t *m) { return m->data; }

/* ---------------------------- transfer functions ---------------------------- */

/* Delay line k feeds path k: io->ud[k] is path k's delayed input. */
static double path_deviation(const lti_model_t *l, const model_io_t *io, int k) {
    return io->ud[k] - l->u_nominal[l->paths[k].input];
}

/* States are scaled by the gain, as in wood_berry.c: a path's first state
 * settles at gain·du, and equal models give equal numbers. */
static void tf_initial_state(const model_t *m, const model_io_t *io, double *x0) {
    const lti_model_t *l = lti_of(m);
    for (int k = 0; k < l->n_paths; k++) {
        const lti_path_t *p = &l->paths[k];
        double du = path_deviation(l, io, k);
        if (p->order >= 1) x0[p->state] = p->gain * du;
        if (p->order == 2) x0[p->state + 1] = 0.0;
    }
}

static int tf_rhs(const model_t *m, double t, const double *x, const model_io_t *io,
                  double *dxdt) {
    (void)t;
    const lti_model_t *l = lti_of(m);
    for (int k = 0; k < l->n_paths; k++) {
        const lti_path_t *p = &l->paths[k];
        double du = path_deviation(l, io, k);
        int s = p->state;
        if (p->order == 1) {
            dxdt[s] = (p->gain * du - x[s]) / p->tau;
        } else if (p->order == 2) {
            dxdt[s] = x[s + 1];
            dxdt[s + 1] = (p->gain * du - x[s] - p->a1 * x[s + 1]) / p->a2;
        }
    }
    return 0;
}

static void tf_outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                       double *y) {
    (void)t;
    const lti_model_t *l = lti_of(m);
    for (int o = 0; o < l->n_out; o++) y[o] = l->y_nominal[o];
    for (int k = 0; k < l->n_paths; k++) {
        const lti_path_t *p = &l->paths[k];
        double du = path_deviation(l, io, k);
        int s = p->state;
        /* gain·(lead·s + 1)/den(s) on du, with the states scaled by gain. */
        if (p->order == 0) y[p->output] += p->gain * du;
        else if (p->order == 1 && p->lead == 0) y[p->output] += x[s];
        else if (p->order == 1) y[p->output] += x[s] + p->lead / p->tau * (p->gain * du - x[s]);
        else y[p->output] += x[s] + p->lead * x[s + 1];
    }
}

/* ---------------------------- state space ---------------------------- */

static void ss_deviations(const lti_model_t *l, const model_io_t *io, double *du) {
    for (int j = 0; j < l->n_in; j++) du[j] = io->ud[j] - l->u_nominal[j];
}

/* x0 = −A⁻¹·B·du: the steady state of the initial inputs; 0 if A is
 * singular (an integrating model has none). */
static void ss_initial_state(const model_t *m, const model_io_t *io, double *x0) {
    const lti_model_t *l = lti_of(m);
    int n = m->n_states;
    double du[LTI_MAX_PORTS];
    ss_deviations(l, io, du);
    double *a = xmalloc((size_t)n * (size_t)n * sizeof *a);
    memcpy(a, l->A, (size_t)n * (size_t)n * sizeof *a);
    for (int i = 0; i < n; i++) {
        x0[i] = 0.0;
        for (int j = 0; j < l->n_in; j++) x0[i] -= l->B[i * l->n_in + j] * du[j];
    }
    if (model__solve(n, a, x0) != 0)
        for (int i = 0; i < n; i++) x0[i] = 0.0;
    free(a);
}

static int ss_rhs(const model_t *m, double t, const double *x, const model_io_t *io,
                  double *dxdt) {
    (void)t;
    const lti_model_t *l = lti_of(m);
    int n = m->n_states;
    double du[LTI_MAX_PORTS];
    ss_deviations(l, io, du);
    for (int i = 0; i < n; i++) {
        double d = 0.0;
        const double *a = &l->A[i * n], *b = &l->B[i * l->n_in];
        for (int k = 0; k < n; k++) d += a[k] * x[k];
        for (int j = 0; j < l->n_in; j++) d += b[j] * du[j];
        dxdt[i] = d;
    }
    return 0;
}

static void ss_outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                       double *y) {
    (void)t;
    const lti_model_t *l = lti_of(m);
    int n = m->n_states;
    double du[LTI_MAX_PORTS];
    ss_deviations(l, io, du);
    for (int o = 0; o < l->n_out; o++) {
        double v = l->y_nominal[o];
        for (int k = 0; k < n; k++) v += l->C[o * n + k] * x[k];
        for (int j = 0; j < l->n_in; j++) v += l->D[o * l->n_in + j] * du[j];
        y[o] = v;
    }
}

/* ---------------------------- ownership ---------------------------- */

static const char *own_string(lti_model_t *l, const char *s) {
    if (l->n_strings == l->cap_strings) {
        l->cap_strings = l->cap_strings ? 2 * l->cap_strings : 16;
        l->strings = xrealloc(l->strings, (size_t)l->cap_strings * sizeof *l->strings);
    }
    return l->strings[l->n_strings++] = xstrdup(s);
}

void model_lti_free(model_t *m) {
    if (!m) return;
    lti_model_t *l = (lti_model_t *)m;
    for (int i = 0; i < l->n_strings; i++) free(l->strings[i]);
    free(l->strings);
    free(l->u_nominal);
    free(l->y_nominal);
    free(l->paths);
    free(l->A);
    free(l->B);
    free(l->C);
    free(l->D);
    free(l->tags);
    free(l->delays);
    free(l);
}

/* ---------------------------- parsing helpers ---------------------------- */

/* Where we are in a file, and whether it has failed. Only the first
 * problem is reported: later ones are often its consequences. */
typedef struct parser {
    const char *file;
    model_load_report_fn report;
    void *arg;
    int failed;
} parser_t;

static int problem(parser_t *ps, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report a problem with field; returns -1 for the caller to pass on. */
static int problem(parser_t *ps, const char *field, const char *fmt, ...) {
    if (ps->failed) return -1;
    ps->failed = 1;
    char text[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (ps->report) ps->report(ps->arg, ps->file, field, text);
    return -1;
}

/* A field's JSON path: "where.key" (or "key" at the top). */
static void field_path(char *out, size_t len, const char *where, const char *key) {
    if (*where) snprintf(out, len, "%s.%s", where, key);
    else snprintf(out, len, "%s", key);
}

static int only_fields(parser_t *ps, json_t *obj, const char *where,
                       const char *const *allowed) {
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        int known = 0;
        for (int i = 0; allowed[i]; i++) known |= strcmp(key, allowed[i]) == 0;
        if (!known) {
            char field[160], expected[256] = "";
            field_path(field, sizeof field, where, key);
            for (int i = 0; allowed[i]; i++) {
                strncat(expected, i ? ", " : "", sizeof expected - strlen(expected) - 1);
                strncat(expected, allowed[i], sizeof expected - strlen(expected) - 1);
            }
            return problem(ps, field, "unknown field; the fields here are: %s", expected);
        }
    }
    return 0;
}

/* A finite number at obj[key]; if absent, def when optional. */
static int get_number(parser_t *ps, json_t *obj, const char *where, const char *key,
                      int required, double def, double *out) {
    char field[160];
    field_path(field, sizeof field, where, key);
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required) return problem(ps, field, "missing: a number is required");
        *out = def;
        return 0;
    }
    if (!json_is_number(v)) return problem(ps, field, "must be a number");
    *out = json_number_value(v);
    if (!isfinite(*out)) return problem(ps, field, "must be a finite number");
    return 0;
}

static int get_string(parser_t *ps, json_t *obj, const char *where, const char *key,
                      int required, const char *def, const char **out) {
    char field[160];
    field_path(field, sizeof field, where, key);
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required) return problem(ps, field, "missing: a text is required");
        *out = def;
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return problem(ps, field, "must be a non-empty text");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return problem(ps, field, "must not contain a NUL character");
    *out = json_string_value(v);
    return 0;
}

/* Model ids: lower-case words of letters and digits joined by single '-'
 * (the registry's rule: ids go into URLs and Redis keys unescaped). */
static int id_is_valid(const char *id) {
    char prev = '-';
    for (const char *c = id; *c; prev = *c++) {
        int word_char = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
        if (!word_char && !(*c == '-' && prev != '-')) return 0;
    }
    return *id && prev != '-';
}

/* Tag names: letters, digits, '_', '.', '-', at most LTI_MAX_NAME. */
static int tag_name_is_valid(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > LTI_MAX_NAME) return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return 0;
    return 1;
}

/* A rows×cols matrix (array of arrays of numbers) at obj[key] into out,
 * row-major. rows < 0: any number of rows from 1 to max_rows, stored in
 * *rows_out. Absent: zeros if optional. */
static int get_matrix(parser_t *ps, json_t *obj, const char *where, const char *key,
                      int required, int rows, int max_rows, int cols, double *out,
                      int *rows_out) {
    char field[160], item[200];
    field_path(field, sizeof field, where, key);
    json_t *m = json_object_get(obj, key);
    if (!m) {
        if (required) return problem(ps, field, "missing: a matrix (a list of rows) is required");
        for (int i = 0; i < rows * cols; i++) out[i] = 0.0;
        return 0;
    }
    if (!json_is_array(m)) return problem(ps, field, "must be a list of rows, each a list of numbers");
    int n_rows = (int)json_array_size(m);
    if (rows >= 0 && n_rows != rows)
        return problem(ps, field, "has %d rows, expected %d", n_rows, rows);
    if (rows < 0 && (n_rows < 1 || n_rows > max_rows))
        return problem(ps, field, "has %d rows, expected 1 to %d", n_rows, max_rows);
    if (rows_out) *rows_out = n_rows;
    for (int r = 0; r < n_rows; r++) {
        json_t *row = json_array_get(m, (size_t)r);
        snprintf(item, sizeof item, "%s[%d]", field, r);
        int n_cols = cols < 0 ? n_rows : cols;
        if (!json_is_array(row)) return problem(ps, item, "must be a list of numbers");
        if ((int)json_array_size(row) != n_cols)
            return problem(ps, item, "has %d entries, expected %d", (int)json_array_size(row),
                           n_cols);
        for (int c = 0; c < n_cols; c++) {
            json_t *v = json_array_get(row, (size_t)c);
            if (!json_is_number(v) || !isfinite(json_number_value(v))) {
                snprintf(item, sizeof item, "%s[%d][%d]", field, r, c);
                return problem(ps, item, "must be a finite number");
            }
            out[r * n_cols + c] = json_number_value(v);
        }
    }
    return 0;
}

/* ---------------------------- parsing the model ---------------------------- */

static const char *const top_fields[] = {"id", "title", "description", "time_unit", "step",
                                          "stiff", "inputs", "outputs", "transfer_functions",
                                          "state_space", NULL};
static const char *const input_fields[] = {"name", "unit", "min", "max", "nominal",
                                           "default", "description", NULL};
static const char *const output_fields[] = {"name", "unit", "min", "max", "nominal",
                                            "description", NULL};
static const char *const tf_fields[] = {"gain", "tau", "zeta", "lead", "dead_time", NULL};
static const char *const ss_fields[] = {"A", "B", "C", "D", "dead_times", NULL};

static int parse_time_unit(parser_t *ps, json_t *root, double *seconds) {
    json_t *v = json_object_get(root, "time_unit");
    *seconds = 1.0;
    if (!v) return 0;
    if (json_is_number(v)) {
        *seconds = json_number_value(v);
        if (!(*seconds > 0) || !isfinite(*seconds))
            return problem(ps, "time_unit", "must be \"s\", \"min\", \"h\" or a number of "
                                            "seconds > 0");
        return 0;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(s, "s") == 0) *seconds = 1.0;
    else if (strcmp(s, "min") == 0) *seconds = 60.0;
    else if (strcmp(s, "h") == 0) *seconds = 3600.0;
    else return problem(ps, "time_unit", "must be \"s\", \"min\", \"h\" or a number of seconds > 0");
    return 0;
}

/* The tags of one side ("inputs" or "outputs") into l->tags from first,
 * nominal values into nominal. Returns how many, or -1. */
static int parse_ports(parser_t *ps, lti_model_t *l, json_t *root, const char *side,
                       tag_kind_t kind, int first, double *nominal) {
    json_t *list = json_object_get(root, side);
    if (!list) return problem(ps, side, "missing: a list of tags is required");
    if (!json_is_array(list) || json_array_size(list) < 1 ||
        json_array_size(list) > LTI_MAX_PORTS)
        return problem(ps, side, "must be a list of 1 to %d tags", LTI_MAX_PORTS);
    int n = (int)json_array_size(list);
    for (int i = 0; i < n; i++) {
        char where[64], field[160];
        snprintf(where, sizeof where, "%s[%d]", side, i);
        json_t *t = json_array_get(list, (size_t)i);
        if (!json_is_object(t)) return problem(ps, where, "must be an object describing a tag");
        if (only_fields(ps, t, where, kind == TAG_INPUT ? input_fields : output_fields))
            return -1;
        const char *name, *unit, *description;
        double min, max, nom, def;
        if (get_string(ps, t, where, "name", 1, NULL, &name) ||
            get_string(ps, t, where, "unit", 1, NULL, &unit) ||
            get_number(ps, t, where, "min", 1, 0, &min) ||
            get_number(ps, t, where, "max", 1, 0, &max) ||
            get_number(ps, t, where, "nominal", 1, 0, &nom))
            return -1;
        if (get_number(ps, t, where, "default", 0, nom, &def) ||
            get_string(ps, t, where, "description", 0, name, &description))
            return -1;
        field_path(field, sizeof field, where, "name");
        if (!tag_name_is_valid(name))
            return problem(ps, field, "'%s' is not a usable tag name: use up to %d letters, "
                                      "digits, '_', '.' or '-'", name, LTI_MAX_NAME);
        for (int j = 0; j < first + i; j++)
            if (strcmp(l->tags[j].name, name) == 0)
                return problem(ps, field, "'%s' names two tags; names must be unique", name);
        field_path(field, sizeof field, where, "max");
        if (!(min < max)) return problem(ps, field, "must be greater than min (%g)", min);
        field_path(field, sizeof field, where, "nominal");
        if (nom < min || nom > max)
            return problem(ps, field, "%g is outside [min, max] = [%g, %g]", nom, min, max);
        field_path(field, sizeof field, where, "default");
        if (def < min || def > max)
            return problem(ps, field, "%g is outside [min, max] = [%g, %g]", def, min, max);
        l->tags[first + i] = (tag_def_t){
            .name = own_string(l, name),
            .kind = kind,
            .unit = own_string(l, unit),
            .min = min,
            .max = max,
            .def = kind == TAG_INPUT ? def : min,
            .description = own_string(l, description),
        };
        nominal[i] = nom;
    }
    return n;
}

/* One transfer function entry (an object) into p. */
static int parse_path(parser_t *ps, json_t *e, const char *where, lti_path_t *p) {
    char field[160];
    if (!json_is_object(e))
        return problem(ps, where, "must be an object with gain and tau, or null for no path");
    if (only_fields(ps, e, where, tf_fields)) return -1;
    double zeta, lead;
    if (get_number(ps, e, where, "gain", 1, 0, &p->gain) ||
        get_number(ps, e, where, "zeta", 0, NAN, &zeta) ||
        get_number(ps, e, where, "lead", 0, 0, &lead) ||
        get_number(ps, e, where, "dead_time", 0, 0, &p->dead_time))
        return -1;
    p->lead = lead;
    field_path(field, sizeof field, where, "dead_time");
    if (p->dead_time < 0) return problem(ps, field, "must be >= 0");
    field_path(field, sizeof field, where, "tau");
    json_t *tau = json_object_get(e, "tau");
    if (!tau) return problem(ps, field, "missing: a time constant, or a list of two, is required");
    if (json_is_number(tau)) {
        double t = json_number_value(tau);
        if (!(t >= 0) || !isfinite(t)) return problem(ps, field, "must be >= 0");
        if (!isnan(zeta)) {
            char zfield[160];
            field_path(zfield, sizeof zfield, where, "zeta");
            if (!(zeta > 0)) return problem(ps, zfield, "must be > 0");
            if (!(t > 0)) return problem(ps, field, "must be > 0 with zeta");
            p->order = 2;
            p->a2 = t * t;
            p->a1 = 2 * zeta * t;
        } else {
            p->order = t > 0 ? 1 : 0;
            p->tau = t;
        }
    } else if (json_is_array(tau) && json_array_size(tau) == 2) {
        double t1 = json_number_value(json_array_get(tau, 0));
        double t2 = json_number_value(json_array_get(tau, 1));
        if (!json_is_number(json_array_get(tau, 0)) || !json_is_number(json_array_get(tau, 1)) ||
            !(t1 > 0) || !(t2 > 0) || !isfinite(t1) || !isfinite(t2))
            return problem(ps, field, "both time constants must be numbers > 0");
        if (!isnan(zeta)) {
            field_path(field, sizeof field, where, "zeta");
            return problem(ps, field, "goes with a single tau, not a list of two");
        }
        p->order = 2;
        p->a2 = t1 * t2;
        p->a1 = t1 + t2;
    } else {
        return problem(ps, field, "must be a time constant (>= 0) or a list of two (> 0)");
    }
    if (p->order == 0 && lead != 0) {
        field_path(field, sizeof field, where, "lead");
        return problem(ps, field, "needs a time constant tau > 0 (a pure gain has no lead)");
    }
    return 0;
}

static int parse_transfer_functions(parser_t *ps, lti_model_t *l, json_t *tf) {
    const char *side = "transfer_functions";
    if (!json_is_array(tf) || (int)json_array_size(tf) != l->n_out)
        return problem(ps, side, "must be a list of %d rows (one per output), each a list of "
                                 "%d entries (one per input)", l->n_out, l->n_in);
    l->paths = xcalloc((size_t)l->n_out * (size_t)l->n_in, sizeof *l->paths);
    int n_states = 0;
    for (int o = 0; o < l->n_out; o++) {
        char where[96];
        snprintf(where, sizeof where, "%s[%d]", side, o);
        json_t *row = json_array_get(tf, (size_t)o);
        if (!json_is_array(row) || (int)json_array_size(row) != l->n_in)
            return problem(ps, where, "must be a list of %d entries, one per input (null for "
                                      "no path)", l->n_in);
        for (int j = 0; j < l->n_in; j++) {
            json_t *e = json_array_get(row, (size_t)j);
            if (json_is_null(e)) continue;
            snprintf(where, sizeof where, "%s[%d][%d]", side, o, j);
            lti_path_t *p = &l->paths[l->n_paths];
            if (parse_path(ps, e, where, p)) return -1;
            p->input = j;
            p->output = o;
            p->state = n_states;
            n_states += p->order;
            if (n_states > LTI_MAX_STATES)
                return problem(ps, side, "more than %d states in all", LTI_MAX_STATES);
            l->n_paths++;
        }
    }
    if (l->n_paths == 0) return problem(ps, side, "has no path: every entry is null");
    l->delays = xcalloc((size_t)l->n_paths, sizeof *l->delays);
    for (int k = 0; k < l->n_paths; k++)
        l->delays[k] = (delay_def_t){l->paths[k].input, l->paths[k].dead_time};
    l->model.n_states = n_states;
    l->model.n_delays = l->n_paths;
    l->model.initial_state = tf_initial_state;
    l->model.rhs = tf_rhs;
    l->model.outputs = tf_outputs;
    return 0;
}

static int parse_state_space(parser_t *ps, lti_model_t *l, json_t *ss) {
    const char *where = "state_space";
    if (!json_is_object(ss)) return problem(ps, where, "must be an object with A, B, C (and D)");
    if (only_fields(ps, ss, where, ss_fields)) return -1;
    int n = 0;
    double *a = xcalloc((size_t)LTI_MAX_STATES * LTI_MAX_STATES, sizeof *a);
    int rc = get_matrix(ps, ss, where, "A", 1, -1, LTI_MAX_STATES, -1, a, &n);
    if (rc == 0) {
        l->A = xcalloc((size_t)n * (size_t)n, sizeof *l->A);
        memcpy(l->A, a, (size_t)n * (size_t)n * sizeof *l->A);
    }
    free(a);
    if (rc) return -1;
    l->B = xcalloc((size_t)n * (size_t)l->n_in, sizeof *l->B);
    l->C = xcalloc((size_t)l->n_out * (size_t)n, sizeof *l->C);
    l->D = xcalloc((size_t)l->n_out * (size_t)l->n_in, sizeof *l->D);
    double dead_times[LTI_MAX_PORTS] = {0};
    if (get_matrix(ps, ss, where, "B", 1, n, n, l->n_in, l->B, NULL) ||
        get_matrix(ps, ss, where, "C", 1, l->n_out, l->n_out, n, l->C, NULL) ||
        get_matrix(ps, ss, where, "D", 0, l->n_out, l->n_out, l->n_in, l->D, NULL))
        return -1;
    json_t *dt = json_object_get(ss, "dead_times");
    if (dt) {
        if (!json_is_array(dt) || (int)json_array_size(dt) != l->n_in)
            return problem(ps, "state_space.dead_times",
                           "must be a list of %d dead times, one per input", l->n_in);
        for (int j = 0; j < l->n_in; j++) {
            json_t *v = json_array_get(dt, (size_t)j);
            dead_times[j] = json_is_number(v) ? json_number_value(v) : NAN;
            if (!(dead_times[j] >= 0) || !isfinite(dead_times[j])) {
                char field[64];
                snprintf(field, sizeof field, "state_space.dead_times[%d]", j);
                return problem(ps, field, "must be a number >= 0");
            }
        }
    }
    l->delays = xcalloc((size_t)l->n_in, sizeof *l->delays);
    for (int j = 0; j < l->n_in; j++) l->delays[j] = (delay_def_t){j, dead_times[j]};
    l->model.n_states = n;
    l->model.n_delays = l->n_in;
    l->model.initial_state = ss_initial_state;
    l->model.rhs = ss_rhs;
    l->model.outputs = ss_outputs;
    return 0;
}

/* Dead times are given in the file's time_unit; in seconds they must be
 * finite and bounded: 1e308 minutes overflows to infinity, which a delay
 * line refuses by aborting the process that runs the model. */
static int check_dead_times(parser_t *ps, const lti_model_t *l, double time_unit) {
    for (int k = 0; k < l->model.n_delays; k++) {
        double seconds = l->delays[k].dead_time * time_unit;
        if (isfinite(seconds) && seconds <= LTI_MAX_DEAD_TIME_S) continue;
        char field[160];
        if (l->kind == LTI_TRANSFER_FUNCTIONS)
            snprintf(field, sizeof field, "transfer_functions[%d][%d].dead_time",
                     l->paths[k].output, l->paths[k].input);
        else
            snprintf(field, sizeof field, "state_space.dead_times[%d]", k);
        return problem(ps, field, "must be at most %g s (%g in this file's time_unit)",
                       LTI_MAX_DEAD_TIME_S, LTI_MAX_DEAD_TIME_S / time_unit);
    }
    return 0;
}

static int parse_model(parser_t *ps, lti_model_t *l, json_t *root) {
    if (!json_is_object(root)) return problem(ps, "", "must be a JSON object describing one model");
    if (only_fields(ps, root, "", top_fields)) return -1;
    const char *id, *title, *description;
    double step, time_unit;
    if (get_string(ps, root, "", "id", 1, NULL, &id) ||
        get_string(ps, root, "", "title", 1, NULL, &title) ||
        get_string(ps, root, "", "description", 0, title, &description) ||
        get_number(ps, root, "", "step", 0, 1.0, &step) || parse_time_unit(ps, root, &time_unit))
        return -1;
    if (!id_is_valid(id))
        return problem(ps, "id", "'%s' is not a model id: use lower-case words of letters and "
                                 "digits joined by single '-', like \"my-column\"", id);
    if (!(step > 0) || step > 3600) return problem(ps, "step", "must be > 0 and <= 3600 seconds");
    json_t *stiff = json_object_get(root, "stiff");
    if (stiff && !json_is_boolean(stiff)) return problem(ps, "stiff", "must be true or false");

    l->tags = xcalloc((size_t)(LTI_MAX_PORTS * 2), sizeof *l->tags);
    l->u_nominal = xcalloc(LTI_MAX_PORTS, sizeof *l->u_nominal);
    l->y_nominal = xcalloc(LTI_MAX_PORTS, sizeof *l->y_nominal);
    if ((l->n_in = parse_ports(ps, l, root, "inputs", TAG_INPUT, 0, l->u_nominal)) < 0) return -1;
    if ((l->n_out = parse_ports(ps, l, root, "outputs", TAG_OUTPUT, l->n_in, l->y_nominal)) < 0)
        return -1;

    json_t *tf = json_object_get(root, "transfer_functions");
    json_t *ss = json_object_get(root, "state_space");
    if (!!tf == !!ss)
        return problem(ps, tf ? "state_space" : "transfer_functions",
                       tf ? "give either transfer_functions or state_space, not both"
                          : "missing: give transfer_functions or state_space");
    if (tf ? parse_transfer_functions(ps, l, tf) : parse_state_space(ps, l, ss)) return -1;
    l->kind = tf ? LTI_TRANSFER_FUNCTIONS : LTI_STATE_SPACE;
    if (check_dead_times(ps, l, time_unit)) return -1;

    model_t *m = &l->model;
    m->id = own_string(l, id);
    m->title = own_string(l, title);
    m->description = own_string(l, description);
    m->tags = l->tags;
    m->n_inputs = l->n_in;
    m->n_outputs = l->n_out;
    m->params = NULL;
    m->n_params = 0;
    m->delays = l->delays;
    m->time_unit = time_unit;
    m->step = step;
    m->stiff = stiff && json_is_true(stiff);
    m->data = l;
    return 0;
}

model_t *model_lti_parse(const char *json_text, const char *file,
                         model_load_report_fn report, void *arg) {
    parser_t ps = {.file = file ? file : "(text)", .report = report, .arg = arg};
    json_error_t jerr;
    json_t *root = json_loads(json_text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        problem(&ps, "", "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                jerr.column);
        return NULL;
    }
    lti_model_t *l = xcalloc(1, sizeof *l);
    int rc = parse_model(&ps, l, root);
    json_decref(root);
    if (rc != 0) {
        model_lti_free(&l->model);
        return NULL;
    }
    return &l->model;
}

/* ---------------------------- files ---------------------------- */

static void report_errno(model_load_report_fn report, void *arg, const char *file, int err) {
    if (report) {
        char text[160];
        snprintf(text, sizeof text, "cannot read it: %s", strerror(err));
        report(arg, file, "", text);
    }
}

/* The whole file as a NUL-terminated string, or NULL with *err set (-errno
 * or PDE_ERANGE for a file too large). */
static char *read_text(const char *path, int *err) {
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = -errno;
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        *err = -errno;
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        *err = -EISDIR;
        goto fail;
    }
    if (st.st_size > LTI_MAX_FILE_BYTES) {
        *err = PDE_ERANGE;
        goto fail;
    }
    text = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(text, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        *err = -EIO;
        goto fail;
    }
    text[n] = '\0';
    fclose(f);
    return text;
fail:
    free(text);
    fclose(f);
    return NULL;
}

int model_load_file(const char *path, model_load_report_fn report, void *arg) {
    int err = 0;
    char *text = read_text(path, &err);
    if (!text) {
        if (err == PDE_ERANGE) {
            if (report) report(arg, path, "", "too large: a model file may hold at most 16 MiB");
            return PDE_EINVAL;
        }
        report_errno(report, arg, path, -err);
        return err;
    }
    model_t *m = model_lti_parse(text, path, report, arg);
    free(text);
    if (!m) return PDE_EINVAL;
    if (model_find(m->id)) {
        if (report) {
            char msg[160];
            snprintf(msg, sizeof msg, "'%s' is already used by another model (built in or "
                                      "loaded earlier); choose another id", m->id);
            report(arg, path, "id", msg);
        }
        model_lti_free(m);
        return PDE_EINVAL;
    }
    int rc = model_register(m);
    if (rc != 0) {
        if (report)
            report(arg, path, "", rc == PDE_EFULL ? "too many models: the registry is full"
                                                  : "the model is inconsistent");
        model_lti_free(m);
        return PDE_EINVAL;
    }
    return 0;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_json_name(const char *name) {
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

int model_load_dir(const char *dir, model_load_report_fn report, void *arg) {
    DIR *d = opendir(dir);
    if (!d) {
        int err = errno;
        report_errno(report, arg, dir, err);
        return -err;
    }
    char **names = NULL;
    int n_names = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_json_name(e->d_name)) continue;
        if (n_names == cap) {
            cap = cap ? 2 * cap : 16;
            names = xrealloc(names, (size_t)cap * sizeof *names);
        }
        names[n_names++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n_names, sizeof *names, compare_names);
    int loaded = 0;
    for (int i = 0; i < n_names; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s", dir, names[i]);
        if (model_load_file(path, report, arg) == 0) loaded++;
        free(path);
        free(names[i]);
    }
    free(names);
    return loaded;
}
