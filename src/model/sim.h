/* sim.h - one running instance of a model: state, inputs, dead-time lines
 * and its CVODE integrator.
 *
 * Inputs are piecewise constant: a change made with sim_set_input() applies
 * from the instance's current time. Dead times are exact: a delayed input
 * changes exactly dead_time after its input did, and the integrator stops
 * and restarts at each such instant instead of smoothing over it.
 *
 * Times here are simulated seconds since the instance started. */
#ifndef PDE_SIM_H
#define PDE_SIM_H

#include "model.h"

typedef struct sim sim_t;

/* A new instance at t = 0. inputs (n_inputs values) and params (n_params)
 * may be NULL for the model's defaults; both are copied. Returns NULL if the
 * solver cannot be set up; nothing is allocated then. */
sim_t *sim_new(const model_t *m, const double *inputs, const double *params);
void sim_free(sim_t *s);

const model_t *sim_model(const sim_t *s);
double sim_time(const sim_t *s);

/* Integrate forward to t_end seconds (>= sim_time). Returns 0, or
 * PDE_ESOLVER with the instance left at the last time it reached. */
int sim_advance(sim_t *s, double t_end);

/* Set input i (0..n_inputs-1) from now on. PDE_ERANGE if value is not finite
 * or outside the tag's [min, max]; nothing changes then. A model with
 * control loops may answer a write by changing other inputs or overriding
 * this one (a loop's OP while the loop is in AUTO belongs to the
 * controller; see model_sync_t in model.h): sim_input() then answers the
 * value in force, which is what a client should be told. */
int sim_set_input(sim_t *s, int i, double value);
double sim_input(const sim_t *s, int i);

/* The n_outputs outputs at the current time. */
void sim_outputs(const sim_t *s, double *y);

/* The state vector (n_states), for checkpoints and tests. */
const double *sim_state(const sim_t *s);

/* Everything needed to carry on elsewhere: time, states, inputs,
 * parameters and the inputs still travelling through dead times, as JSON
 * (caller frees). */
char *sim_checkpoint(const sim_t *s);
/* An instance that carries on from a checkpoint of model m (its integrator
 * starts afresh there), or NULL if the checkpoint is not one of m's or is
 * damaged; nothing is allocated then. */
sim_t *sim_restore(const model_t *m, const char *checkpoint);

#endif
