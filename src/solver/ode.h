/* ode.h - a small wrapper around SUNDIALS CVODE for one ODE system.
 *
 * The simulation integrates piecewise: between two discontinuities (an input
 * change, a delayed input arriving) the right-hand side is smooth; at each
 * one the caller restarts the integrator with ode_reset(). ode_advance()
 * stops exactly at the time asked (CVODE stop time), so the solver never
 * steps across a discontinuity it has not been told about.
 *
 * Methods:
 *   stiff      BDF (orders 1-5) with Newton iteration and a dense direct
 *              linear solver (finite-difference Jacobian).
 *   non-stiff  Adams-Moulton (orders 1-12) with fixed-point iteration: no
 *              Jacobian, so each step costs only right-hand-side calls. It
 *              converges when step x Lipschitz constant is small, which is
 *              what "not stiff" means; a model whose fastest mode is much
 *              faster than its max step should declare itself stiff.
 *
 * Solver messages never reach stderr: the last one is kept for
 * ode_errstr(). One ode_t belongs to one thread at a time (its own
 * SUNContext). */
#ifndef PDE_ODE_H
#define PDE_ODE_H

/* dx/dt at (t, x) into dxdt (n values each). Return 0 on success, > 0 if
 * the function cannot be evaluated there but a smaller step may help, < 0
 * to give up. x and dxdt are borrowed for the call only. */
typedef int (*ode_rhs_fn)(double t, const double *x, double *dxdt, void *user);

typedef struct ode ode_t;

/* A solver for n >= 1 states at t = 0, x = 0 (call ode_reset() before the
 * first ode_advance() to set the real initial state). user is passed to rhs
 * untouched and must outlive the solver. rtol, atol > 0; max_step > 0 caps
 * every internal step, 0 leaves it unbounded. Returns NULL if CVODE cannot
 * be set up; nothing is allocated then. The caller frees with ode_free(). */
ode_t *ode_new(int n, ode_rhs_fn rhs, void *user, int stiff, double rtol,
               double atol, double max_step);
void ode_free(ode_t *ode);

/* Restart from (t0, x0), forgetting the step history: call it after any
 * discontinuity in the right-hand side. x0 is copied. Returns 0 or
 * PDE_ESOLVER. */
int ode_reset(ode_t *ode, double t0, const double *x0);

/* Integrate from the current time to exactly t_stop (>= current time) and
 * write x(t_stop) into x_out (n values). Returns 0; PDE_EINVAL if t_stop
 * is before the current time (nothing changes); PDE_ESOLVER if CVODE
 * failed, with x_out holding the state at ode_time(), the last time
 * reached. */
int ode_advance(ode_t *ode, double t_stop, double *x_out);

/* The time the solver last returned at. */
double ode_time(const ode_t *ode);

/* The last message CVODE gave (an error or a warning), "" if none. */
const char *ode_errstr(const ode_t *ode);

#endif
