/* delay.h - a dead-time line for one piecewise-constant input.
 *
 * The line remembers when its input changed and to what, and answers what
 * the input looked like dead_time ago: value_at(t) = u(t - dead_time). The
 * simulation asks it for the next instant its delayed value changes, so the
 * integrator can stop exactly there instead of smoothing over the jump (no
 * Pade approximation).
 *
 * Signals are right-continuous: a change recorded at t_c is in force from
 * t_c on, and its delayed copy from t_c + dead_time on. Before the first
 * change the line holds its initial value for all past time (the process
 * was at rest with that input).
 *
 * Load: one record per input change, at most a few per sample; the history
 * kept is the changes whose delayed effect has not begun yet, pruned by the
 * caller as time passes. Times are in whatever unit the caller uses, the
 * same for dead_time and every call. */
#ifndef PDE_DELAY_H
#define PDE_DELAY_H

typedef struct delay_line delay_line_t;

/* A line with the given dead time (finite, >= 0) whose input has been
 * initial_value for all past time. The caller owns the result and frees it
 * with delay_free(); out of memory aborts (util.h). */
delay_line_t *delay_new(double dead_time, double initial_value);
void delay_free(delay_line_t *line);

double delay_dead_time(const delay_line_t *line);

/* The input becomes value at time t. t must not be earlier than the last
 * recorded change. A second change at the same instant replaces the first;
 * a "change" to the value already in force records nothing. */
void delay_record(delay_line_t *line, double t, double value);

/* The delayed value at time t: the input as it was at t - dead_time. Exact
 * for any t not earlier than the last delay_prune() time. */
double delay_value_at(const delay_line_t *line, double t);

/* The earliest instant strictly after t at which the delayed value changes,
 * or INFINITY if no recorded change is still to come. */
double delay_next_change_after(const delay_line_t *line, double t);

/* Forget the changes whose delayed effect began at or before t: their value
 * becomes the line's settled value. Keeps the history to one dead time. */
void delay_prune(delay_line_t *line, double t);

/* Changes still held (for tests and checks of the pruning). */
int delay_pending(const delay_line_t *line);

/* For checkpoints: the value the line gives once every pending change has
 * taken effect is rebuilt from the settled value (what it gives before the
 * oldest pending change) and the pending changes, oldest first (k from 0
 * to delay_pending() - 1), recorded again with delay_record(). */
double delay_settled(const delay_line_t *line);
void delay_change(const delay_line_t *line, int k, double *t, double *value);

#endif
