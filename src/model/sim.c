/* sim.c - see sim.h.
 *
 * Clock: everything here runs in simulated seconds, the integrator too. The
 * model's right-hand side, written in its own time unit, is called at
 * t / time_unit and its derivatives are divided by time_unit; dead times are
 * converted to seconds once, when the delay lines are made. So the instants
 * a sample, an input change or a delayed input falls on are the same doubles
 * everywhere, with no unit conversion between them.
 *
 * Segments: inside a segment every input and delayed input is constant, so
 * the right-hand side is smooth and CVODE keeps its step history across
 * sim_advance() calls. A segment ends at t_end or at the next instant a
 * delayed input changes, whichever comes first; the integrator restarts
 * (CVodeReInit) only where something changed.
 *
 * Inputs the model drives (model.h, model_sync_t): a model with control
 * loops rewrites some inputs itself, e.g. a loop's OP while it is in AUTO.
 * Its sync hook runs at the start, after every write and after every
 * advance, so sim_input() always answers the value in force.
 *
 * Load: a worker holds thousands of these and advances each by one model
 * step at a time; an advance with nothing pending is one CVODE call. */
#include "sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/util.h"
#include "solver/delay.h"
#include "solver/ode.h"

/* Tolerances for models that do not set their own. Local errors of 1e-8
 * relative keep the global error over the long runs a trainee watches (many
 * time constants, thousands of restarts at input changes) well below what a
 * trend shows; atol only guards states that pass through zero, and our
 * states are O(1e-2..1e2) in their units. */
#define SIM_DEFAULT_RTOL 1e-8
#define SIM_DEFAULT_ATOL 1e-10

struct sim {
    const model_t *model;
    double t;                   /* simulated seconds since the start */
    double *x;                  /* n_states, at t */
    double *u;                  /* n_inputs, in force since their last change */
    double *u_before;           /* n_inputs, scratch: u before a sync hook ran */
    double *ud;                 /* n_delays, the delayed inputs at t */
    double *p;                  /* n_params */
    delay_line_t **lines;       /* n_delays, in delay_def order, in seconds */
    ode_t *ode;                 /* NULL for a model without states */
    model_io_t io;              /* what the model reads: u, ud, p above */
    int restart;                /* the right-hand side jumped since CVODE last started */
};

/* ---------------------------- setting up ---------------------------- */

static int input_in_range(const model_t *m, int i, double value) {
    return isfinite(value) && value >= m->tags[i].min && value <= m->tags[i].max;
}

static int param_in_range(const model_t *m, int i, double value) {
    return isfinite(value) && value >= m->params[i].min && value <= m->params[i].max;
}

/* What sim_new() relies on; model_register() checks the rest of a
 * descriptor. */
static int start_is_valid(const model_t *m, const double *inputs, const double *params) {
    if (!m || m->split || m->n_states < 0 || (m->n_states > 0 && !m->rhs) ||
        (m->n_outputs > 0 && !m->outputs) || !isfinite(m->time_unit) ||
        !(m->time_unit > 0) || !isfinite(m->step) || !(m->step > 0))
        return 0;
    for (int k = 0; k < m->n_delays; k++)
        if (m->delays[k].input < 0 || m->delays[k].input >= m->n_inputs ||
            !isfinite(m->delays[k].dead_time) || !(m->delays[k].dead_time >= 0))
            return 0;
    for (int i = 0; inputs && i < m->n_inputs; i++)
        if (!input_in_range(m, i, inputs[i])) return 0;
    for (int i = 0; params && i < m->n_params; i++)
        if (!param_in_range(m, i, params[i])) return 0;
    return 1;
}

static double dead_time_seconds(const model_t *m, int k) {
    return m->delays[k].dead_time * m->time_unit;
}

/* CVODE calls this in seconds; the model speaks its own time unit. A model
 * that cannot evaluate here, or gives a non-finite derivative, asks CVODE
 * for a smaller step (a recoverable failure). */
static int rhs_in_seconds(double t, const double *x, double *dxdt, void *user) {
    sim_t *s = user;
    const model_t *m = s->model;
    if (m->rhs(m, t / m->time_unit, x, &s->io, dxdt) != 0) return 1;
    for (int i = 0; i < m->n_states; i++) {
        dxdt[i] /= m->time_unit;
        if (!isfinite(dxdt[i])) return 1;
    }
    return 0;
}

static int state_is_finite(const sim_t *s) {
    for (int i = 0; i < s->model->n_states; i++)
        if (!isfinite(s->x[i])) return 0;
    return 1;
}

/* ---------------------------- inputs the model drives ---------------------------- */

static int update_delayed_inputs(sim_t *s);

/* Run the model's sync hook (if any) for event. Afterwards every input is
 * kept inside its tag's range (a hook that strays is clamped, one that
 * writes a non-finite value is undone), and an input the hook changed is
 * passed on to its dead-time lines, if they exist yet. Returns 1 if the
 * hook changed an input that has a dead time. */
static int sync_model(sim_t *s, model_sync_event_t event, int input, double old_value) {
    const model_t *m = s->model;
    if (!m->sync) return 0;
    memcpy(s->u_before, s->u, (size_t)m->n_inputs * sizeof *s->u);
    model_sync_t ev = {
        .event = event,
        .input = input,
        .old_value = old_value,
        .t = s->t / m->time_unit,
        .x = event == MODEL_SYNC_START ? NULL : s->x,
        .u = s->u,
        .p = s->p,
    };
    m->sync(m, &ev);
    int delayed_changed = 0;
    for (int i = 0; i < m->n_inputs; i++) {
        if (!isfinite(s->u[i])) s->u[i] = s->u_before[i];
        s->u[i] = fmin(fmax(s->u[i], m->tags[i].min), m->tags[i].max);
        if (s->u[i] == s->u_before[i] || event == MODEL_SYNC_START) continue;
        for (int k = 0; k < m->n_delays; k++)
            if (m->delays[k].input == i) {
                delay_record(s->lines[k], s->t, s->u[i]);
                delayed_changed = 1;
            }
    }
    return delayed_changed;
}

/* After the integration moved on: let the model bring the inputs it
 * drives up to date. */
static void track_driven_inputs(sim_t *s) {
    if (sync_model(s, MODEL_SYNC_TRACK, -1, 0.0) && update_delayed_inputs(s))
        s->restart = 1;
}

static ode_t *make_solver(sim_t *s) {
    const model_t *m = s->model;
    double rtol = m->rtol > 0 ? m->rtol : SIM_DEFAULT_RTOL;
    double atol = m->atol > 0 ? m->atol : SIM_DEFAULT_ATOL;
    return ode_new(m->n_states, rhs_in_seconds, s, m->stiff, rtol, atol, m->step);
}

/* Besides a solver that cannot start, refuses (NULL) inputs or parameters
 * that are not finite or outside their ranges, as sim_set_input() would,
 * and an initial state that is not finite. */
/* An instance with room for everything and nothing set. */
static sim_t *sim_alloc(const model_t *m) {
    sim_t *s = xcalloc(1, sizeof *s);
    s->model = m;
    s->x = xcalloc((size_t)m->n_states, sizeof *s->x);
    s->u = xcalloc((size_t)m->n_inputs, sizeof *s->u);
    s->u_before = xcalloc((size_t)m->n_inputs, sizeof *s->u_before);
    s->ud = xcalloc((size_t)m->n_delays, sizeof *s->ud);
    s->p = xcalloc((size_t)m->n_params, sizeof *s->p);
    s->lines = xcalloc((size_t)m->n_delays, sizeof *s->lines);
    s->io = (model_io_t){.u = s->u, .ud = s->ud, .p = s->p};
    return s;
}

sim_t *sim_new(const model_t *m, const double *inputs, const double *params) {
    if (!start_is_valid(m, inputs, params)) return NULL;
    sim_t *s = sim_alloc(m);
    for (int i = 0; i < m->n_inputs; i++) s->u[i] = inputs ? inputs[i] : m->tags[i].def;
    for (int i = 0; i < m->n_params; i++) s->p[i] = params ? params[i] : m->params[i].value;
    sync_model(s, MODEL_SYNC_START, -1, 0.0);
    /* The process has been at the initial inputs for all past time. */
    for (int k = 0; k < m->n_delays; k++) {
        double u0 = s->u[m->delays[k].input];
        s->lines[k] = delay_new(dead_time_seconds(m, k), u0);
        s->ud[k] = u0;
    }
    if (m->initial_state) m->initial_state(m, &s->io, s->x);
    if (!state_is_finite(s)) goto fail;
    track_driven_inputs(s);
    if (m->n_states > 0) {
        s->ode = make_solver(s);
        if (!s->ode || ode_reset(s->ode, 0.0, s->x) != 0) goto fail;
    }
    return s;
fail:
    sim_free(s);
    return NULL;
}

void sim_free(sim_t *s) {
    if (!s) return;
    for (int k = 0; k < s->model->n_delays; k++) delay_free(s->lines[k]);
    free(s->lines);
    ode_free(s->ode);
    free(s->x);
    free(s->u);
    free(s->u_before);
    free(s->ud);
    free(s->p);
    free(s);
}

const model_t *sim_model(const sim_t *s) { return s->model; }

double sim_time(const sim_t *s) { return s->t; }

const double *sim_state(const sim_t *s) { return s->x; }

/* ---------------------------- advancing ---------------------------- */

/* The next instant after now at which some delayed input changes, or
 * INFINITY. */
static double next_dead_time_end(const sim_t *s) {
    double next = INFINITY;
    for (int k = 0; k < s->model->n_delays; k++)
        next = fmin(next, delay_next_change_after(s->lines[k], s->t));
    return next;
}

/* Bring ud to the current time and drop the history no longer needed.
 * Returns 1 if a delayed input changed (the right-hand side jumped). */
static int update_delayed_inputs(sim_t *s) {
    int changed = 0;
    for (int k = 0; k < s->model->n_delays; k++) {
        double value = delay_value_at(s->lines[k], s->t);
        if (value != s->ud[k]) changed = 1;
        s->ud[k] = value;
        delay_prune(s->lines[k], s->t);
    }
    return changed;
}

/* Integrate from now to t_stop with every input constant. On failure the
 * instance stays at the last time the solver reached. */
static int integrate_segment(sim_t *s, double t_stop) {
    if (!s->ode) {
        s->t = t_stop;
        return 0;
    }
    if (s->restart) {
        if (ode_reset(s->ode, s->t, s->x) != 0) return PDE_ESOLVER;
        s->restart = 0;
    }
    if (ode_advance(s->ode, t_stop, s->x) != 0) {
        s->t = ode_time(s->ode);
        /* Start afresh from the state it reached if asked to go on. */
        s->restart = 1;
        return PDE_ESOLVER;
    }
    s->t = t_stop;
    return 0;
}

/* Also PDE_EINVAL, and nothing happens, for a t_end before now or not
 * finite: time only runs forward. */
int sim_advance(sim_t *s, double t_end) {
    if (!(t_end >= s->t) || !isfinite(t_end)) return PDE_EINVAL;
    int rc = 0;
    while (s->t < t_end) {
        double segment_end = fmin(t_end, next_dead_time_end(s));
        rc = integrate_segment(s, segment_end);
        if (rc != 0) break;
        if (update_delayed_inputs(s)) s->restart = 1;
    }
    track_driven_inputs(s);
    return rc;
}

/* ---------------------------- inputs and outputs ---------------------------- */

int sim_set_input(sim_t *s, int i, double value) {
    const model_t *m = s->model;
    if (i < 0 || i >= m->n_inputs) return PDE_EINVAL;
    if (!input_in_range(m, i, value)) return PDE_ERANGE;
    if (value == s->u[i]) return 0;
    double old_value = s->u[i];
    s->u[i] = value;
    for (int k = 0; k < m->n_delays; k++)
        if (m->delays[k].input == i) delay_record(s->lines[k], s->t, value);
    /* The model may answer the write (a loop switched to AUTO takes over its
     * OP, and sets its integral so the OP does not jump). */
    sync_model(s, MODEL_SYNC_INPUT, i, old_value);
    sync_model(s, MODEL_SYNC_TRACK, -1, 0.0);
    /* A zero dead time passes the change on at once. */
    update_delayed_inputs(s);
    s->restart = 1;
    return 0;
}

double sim_input(const sim_t *s, int i) {
    PDE_ASSERT(i >= 0 && i < s->model->n_inputs);
    return s->u[i];
}

void sim_outputs(const sim_t *s, double *y) {
    const model_t *m = s->model;
    if (m->n_outputs > 0) m->outputs(m, s->t / m->time_unit, s->x, &s->io, y);
}

/* ---------------------------- checkpoints ---------------------------- */

static json_t *reals(const double *v, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

char *sim_checkpoint(const sim_t *s) {
    const model_t *m = s->model;
    json_t *lines = json_array();
    for (int k = 0; k < m->n_delays; k++) {
        json_t *changes = json_array();
        for (int c = 0; c < delay_pending(s->lines[k]); c++) {
            double when, value;
            delay_change(s->lines[k], c, &when, &value);
            json_array_append_new(changes, json_pack("[f, f]", when, value));
        }
        json_array_append_new(lines, json_pack("{s:f, s:o}", "settled",
                                               delay_settled(s->lines[k]), "changes", changes));
    }
    json_t *o = json_pack("{s:s, s:f, s:o, s:o, s:o, s:o}", "model", m->id, "t", s->t, "x",
                          reals(s->x, m->n_states), "u", reals(s->u, m->n_inputs), "p",
                          reals(s->p, m->n_params), "lines", lines);
    /* 17 digits: the restored instance has the very same doubles. */
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    PDE_ASSERT(text);
    return text;
}

/* Read n finite numbers from array a into v; 0 or -1. */
static int read_reals(const json_t *a, double *v, int n) {
    if (!json_is_array(a) || (int)json_array_size(a) != n) return -1;
    for (int i = 0; i < n; i++) {
        json_t *e = json_array_get(a, (size_t)i);
        if (!json_is_number(e) || !isfinite(json_number_value(e))) return -1;
        v[i] = json_number_value(e);
    }
    return 0;
}

/* Rebuild the delay lines from a checkpoint's "lines"; 0 or -1. */
static int restore_lines(sim_t *s, const json_t *lines) {
    const model_t *m = s->model;
    if (!json_is_array(lines) || (int)json_array_size(lines) != m->n_delays) return -1;
    for (int k = 0; k < m->n_delays; k++) {
        json_t *line = json_array_get(lines, (size_t)k);
        double change[2], last_t = -INFINITY;
        json_t *settled = json_object_get(line, "settled");
        json_t *changes = json_object_get(line, "changes");
        if (!json_is_number(settled) || !isfinite(json_number_value(settled))) return -1;
        s->lines[k] = delay_new(dead_time_seconds(m, k), json_number_value(settled));
        if (!json_is_array(changes)) return -1;
        for (size_t c = 0; c < json_array_size(changes); c++) {
            if (read_reals(json_array_get(changes, c), change, 2) != 0 || change[0] < last_t)
                return -1;
            delay_record(s->lines[k], change[0], change[1]);
            last_t = change[0];
        }
    }
    return 0;
}

sim_t *sim_restore(const model_t *m, const char *checkpoint) {
    json_t *o = json_loads(checkpoint, 0, NULL);
    json_t *model = json_object_get(o, "model"), *t = json_object_get(o, "t");
    sim_t *s = NULL;
    if (!m || m->split || !json_is_string(model) || strcmp(json_string_value(model), m->id) ||
        !json_is_number(t) || !(json_number_value(t) >= 0) || !isfinite(json_number_value(t)))
        goto fail;
    s = sim_alloc(m);
    s->t = json_number_value(t);
    if (read_reals(json_object_get(o, "x"), s->x, m->n_states) ||
        read_reals(json_object_get(o, "u"), s->u, m->n_inputs) ||
        read_reals(json_object_get(o, "p"), s->p, m->n_params) ||
        restore_lines(s, json_object_get(o, "lines")) || !start_is_valid(m, s->u, s->p))
        goto fail;
    for (int k = 0; k < m->n_delays; k++) s->ud[k] = delay_value_at(s->lines[k], s->t);
    track_driven_inputs(s);
    if (m->n_states > 0) {
        s->ode = make_solver(s);
        if (!s->ode || ode_reset(s->ode, s->t, s->x) != 0) goto fail;
    }
    json_decref(o);
    return s;
fail:
    json_decref(o);
    sim_free(s);
    return NULL;
}
