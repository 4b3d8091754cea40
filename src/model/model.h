/* model.h - what a process model is, and the registry of models.
 *
 * A model is a constant descriptor: its tags, parameters, state size and the
 * functions f (right-hand side) and g (outputs). Model files under
 * src/model/library/ hold one descriptor each and nothing else: no I/O, no
 * printing. The engine reads descriptors for their tags; only workers (through
 * sim.h) integrate them.
 *
 * Time: a model's equations may use their own time unit (Wood-Berry uses
 * minutes); time_unit says how many seconds one unit is. Everything outside
 * the model speaks simulated seconds. */
#ifndef PDE_MODEL_H
#define PDE_MODEL_H

typedef enum { TAG_INPUT = 0, TAG_OUTPUT = 1 } tag_kind_t;

/* One tag: the stable name used in URLs, and what a user needs to know. */
typedef struct tag_def {
    const char *name;
    tag_kind_t kind;
    const char *unit;
    double min, max;
    double def;             /* default: an input's initial value */
    const char *description;
} tag_def_t;

typedef struct param_def {
    const char *name;
    const char *unit;
    double value;           /* default */
    double min, max;        /* accepted range for start-time overrides */
    const char *description;
} param_def_t;

/* A dead time on one input: the model sees u[input](t - dead_time) as
 * ud[k]. dead_time is in the model's own time unit. */
typedef struct delay_def {
    int input;
    double dead_time;
} delay_def_t;

/* What the model functions read besides t and x. */
typedef struct model_io {
    const double *u;        /* inputs now in force, n_inputs */
    const double *ud;       /* delayed inputs, n_delays, in delay_def order */
    const double *p;        /* parameters, n_params */
} model_io_t;

typedef struct model model_t;

/* Inputs a model drives itself. A control loop inside a model (pid.h) owns
 * some of its inputs part of the time: a loop's OP is the operator's in MAN
 * and the controller's in AUTO. So that what a client reads (sim_input) and
 * what a write is answered with are always the value in force, sim.c calls
 * the model's sync hook at three moments:
 *
 *   MODEL_SYNC_START   in sim_new(), before initial_state: the model may
 *                      replace start inputs according to its parameters
 *                      (an operating-point preset). x is NULL.
 *   MODEL_SYNC_INPUT   in sim_set_input(), after input `input` changed from
 *                      old_value: the model may rewrite other inputs and
 *                      the state (a loop's integral on a switch to AUTO);
 *                      the integrator restarts afterwards.
 *   MODEL_SYNC_TRACK   after initial_state, after every sim_advance() and
 *                      after every MODEL_SYNC_INPUT: the model may rewrite
 *                      the inputs it drives, and nothing else. The
 *                      right-hand side must not read an input while the
 *                      model drives it, so tracking never disturbs the
 *                      integration; and such inputs must have no dead time.
 *
 * Whatever the hook writes into u must stay inside the tags' ranges (sim.c
 * clamps it there). Times are in the model's own unit. */
typedef enum {
    MODEL_SYNC_START,
    MODEL_SYNC_INPUT,
    MODEL_SYNC_TRACK,
} model_sync_event_t;

typedef struct model_sync {
    model_sync_event_t event;
    int input;              /* MODEL_SYNC_INPUT: the input written; else -1 */
    double old_value;       /* MODEL_SYNC_INPUT: its value before the write */
    double t;
    double *x;              /* n_states; NULL at START, read-only at TRACK */
    double *u;              /* n_inputs, writable */
    const double *p;        /* n_params */
} model_sync_t;

struct model {
    const char *id;         /* lower-case words joined by '-' */
    const char *title;
    const char *description;
    const tag_def_t *tags;  /* n_inputs inputs first, then n_outputs outputs */
    int n_inputs, n_outputs;
    const param_def_t *params;
    int n_params;
    const delay_def_t *delays;
    int n_delays;
    int n_states;
    double time_unit;       /* seconds per unit of the equations' time */
    double step;            /* seconds; the largest step the solver takes */
    int stiff;              /* 1: CVODE BDF with a dense Newton solver */
    double rtol, atol;      /* solver tolerances; 0 means the defaults */
    /* x0 from the initial inputs and parameters (NULL: all zeros). */
    void (*initial_state)(const model_t *m, const model_io_t *io, double *x0);
    /* dx/dt at (t, x) in the model's time unit; 0, or nonzero if it cannot
     * be evaluated there (CVODE then retries with a smaller step). */
    int (*rhs)(const model_t *m, double t, const double *x,
               const model_io_t *io, double *dxdt);
    /* y = g(t, x, u, p), n_outputs values in tag order. */
    void (*outputs)(const model_t *m, double t, const double *x,
                    const model_io_t *io, double *y);
    const void *data;       /* private to data-file models */
    /* Optional (NULL for most models): see model_sync_t above. */
    void (*sync)(const model_t *m, const model_sync_t *ev);
    /* Optional: simulated seconds a sim runs when the start does not say;
     * 0 means the engine's default (24 h). */
    double default_duration;
    /* 1: co-simulated in parts on several workers that exchange coupling
     * variables over Redis streams (src/cosim/); such a model has no states
     * here and sim.h refuses to run it. */
    int split;
};

#define MODEL_N_TAGS(m) ((m)->n_inputs + (m)->n_outputs)

/* The registry: built-in models first. Pointers stay valid for the life of
 * the process. */
int model_count(void);
const model_t *model_at(int i);
const model_t *model_find(const char *id);

/* Add a model after the built-in ones (data-file models, read at start-up
 * before any thread looks models up: the registry has no lock). m is
 * borrowed and must stay valid for the life of the process. Returns 0;
 * PDE_EINVAL if the descriptor is inconsistent (bad id, tags, parameters,
 * delays, sizes or missing functions) or its id is taken; PDE_EFULL if the
 * registry holds MODEL_MAX models. Nothing changes on failure. */
#define MODEL_MAX 256
int model_register(const model_t *m);

/* Index into m->tags of the tag called name, or -1. */
int model_tag_index(const model_t *m, const char *name);
int model_param_index(const model_t *m, const char *name);

#endif
