/* pid.c - see pid.h for the control law and the tags.
 *
 * Load: called from a model's right-hand side, a few times per solver step
 * and loop; no allocation, no branches beyond the mode and the limits. */
#include "pid.h"

#include <math.h>

/* The tuning a loop's output is computed with. */
typedef struct tuning {
    double kp, ti, td;
} tuning_t;

static const double *loop_inputs(const pid_def_t *c, const double *u) {
    return u + c->first_input;
}

static tuning_t tuning_of(const pid_def_t *c, const double *u) {
    const double *in = loop_inputs(c, u);
    return (tuning_t){in[PID_KP], in[PID_TI], in[PID_TD]};
}

static double filter_n(const pid_def_t *c) {
    return c->n_filter > 0 ? c->n_filter : PID_DEFAULT_N;
}

static double error_of(const pid_def_t *c, const double *u, double pv) {
    return (double)c->action * (loop_inputs(c, u)[PID_SP] - pv);
}

static double derivative_term(const pid_def_t *c, tuning_t k, const double *x, double pv) {
    if (!(k.td > 0)) return 0.0;
    return -(double)c->action * k.kp * filter_n(c) * (pv - x[c->state + PID_PVF]);
}

/* v = KP·e + I + Dterm: the output before the limits. */
static double unlimited_output(const pid_def_t *c, tuning_t k, const double *x,
                               const double *u, double pv) {
    return k.kp * error_of(c, u, pv) + x[c->state + PID_I] + derivative_term(c, k, x, pv);
}

static double limited(const model_t *m, const pid_def_t *c, double v) {
    const tag_def_t *op = &m->tags[c->first_input + PID_OP];
    return fmin(fmax(v, op->min), op->max);
}

int pid_is_auto(const pid_def_t *c, const double *u) {
    return loop_inputs(c, u)[PID_MODE] >= 0.5;
}

double pid_op(const model_t *m, const pid_def_t *c, const double *x, const double *u,
              double pv) {
    if (!pid_is_auto(c, u)) return loop_inputs(c, u)[PID_OP];
    return limited(m, c, unlimited_output(c, tuning_of(c, u), x, u, pv));
}

void pid_rhs(const model_t *m, const pid_def_t *c, const double *x, const double *u,
             double pv, double *dxdt) {
    double *dI = &dxdt[c->state + PID_I], *dPVf = &dxdt[c->state + PID_PVF];
    *dI = 0.0;
    *dPVf = 0.0;
    if (!pid_is_auto(c, u)) return;
    tuning_t k = tuning_of(c, u);
    if (k.ti > 0) {
        double v = unlimited_output(c, k, x, u, pv);
        double tracking_time = k.td > 0 ? sqrt(k.ti * k.td) : k.ti;
        *dI = k.kp / k.ti * error_of(c, u, pv) + (limited(m, c, v) - v) / tracking_time;
    }
    if (k.td > 0) *dPVf = (pv - x[c->state + PID_PVF]) * filter_n(c) / k.td;
}

void pid_init(const model_t *m, const pid_def_t *c, const double *u, double pv, double op,
              double *x0) {
    (void)m;
    x0[c->state + PID_PVF] = pv;
    x0[c->state + PID_I] = op - tuning_of(c, u).kp * error_of(c, u, pv);
}

/* ---------------------------- sync ---------------------------- */

/* Set I (and, with reset_filter, PVf := pv) so that the unlimited output
 * with the current tuning is v. */
static void hold_output(const pid_def_t *c, const model_sync_t *ev, double pv, double v,
                        int reset_filter) {
    tuning_t k = tuning_of(c, ev->u);
    if (reset_filter) ev->x[c->state + PID_PVF] = pv;
    ev->x[c->state + PID_I] = 0.0;
    ev->x[c->state + PID_I] = v - unlimited_output(c, k, ev->x, ev->u, pv);
}

/* An input of this loop (or its MV) was written. */
static void input_written(const pid_def_t *c, const model_sync_t *ev, double pv) {
    int op = c->first_input + PID_OP, mode = c->first_input + PID_MODE;
    int i = ev->input;
    double *u = ev->u;
    if ((i == op || i == c->mv) && !pid_is_auto(c, u)) {
        /* One quantity under two names: the operator moved it. */
        if (c->mv >= 0) u[i == op ? c->mv : op] = u[i];
    } else if (i == mode && pid_is_auto(c, u) && ev->old_value < 0.5) {
        /* MAN -> AUTO: start from the operator's output. */
        hold_output(c, ev, pv, u[op], 1);
    } else if (pid_is_auto(c, u) && i >= c->first_input + PID_KP &&
               i <= c->first_input + PID_TD) {
        /* Retuned in AUTO: the output before the change, with the old
         * value of the parameter that changed. */
        double now = u[i];
        u[i] = ev->old_value;
        double v = unlimited_output(c, tuning_of(c, u), ev->x, u, pv);
        u[i] = now;
        hold_output(c, ev, pv, v, i == c->first_input + PID_TD);
    }
}

void pid_sync(const model_t *m, const pid_def_t *c, const model_sync_t *ev, double pv) {
    int op = c->first_input + PID_OP;
    double *u = ev->u;
    switch (ev->event) {
    case MODEL_SYNC_START:
        /* Make the two names of the MV agree before anything reads them:
         * the one given away from its default wins. */
        if (c->mv >= 0) {
            if (u[op] != m->tags[op].def) u[c->mv] = u[op];
            else u[op] = u[c->mv];
        }
        break;
    case MODEL_SYNC_INPUT:
        input_written(c, ev, pv);
        break;
    case MODEL_SYNC_TRACK:
        if (pid_is_auto(c, u)) {
            u[op] = pid_op(m, c, ev->x, u, pv);
            if (c->mv >= 0) u[c->mv] = u[op];
        }
        break;
    }
}
