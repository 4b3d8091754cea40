/* ode.c - see ode.h. */
#include "ode.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include "common/err.h"
#include "common/util.h"

struct ode {
    int n;
    ode_rhs_fn rhs;
    void *user;
    double t;                   /* where the solver last returned */
    SUNContext ctx;
    void *cvode;
    N_Vector y;                 /* the state at t */
    SUNMatrix jacobian;         /* stiff only */
    SUNLinearSolver linear;     /* stiff only */
    SUNNonlinearSolver fixed_point; /* non-stiff only */
    char errstr[128];
};

static int cvode_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user_data) {
    ode_t *ode = user_data;
    return ode->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), ode->user);
}

/* Keep CVODE's message instead of letting it print: solvers run inside
 * workers, which log for themselves. */
static void cvode_message(int error_code, const char *module, const char *function,
                          char *msg, void *user_data) {
    (void)error_code;
    (void)module;
    ode_t *ode = user_data;
    snprintf(ode->errstr, sizeof ode->errstr, "%s: %s", function, msg);
}

static int attach_stiff_solver(ode_t *ode) {
    ode->jacobian = SUNDenseMatrix(ode->n, ode->n, ode->ctx);
    if (!ode->jacobian) return -1;
    ode->linear = SUNLinSol_Dense(ode->y, ode->jacobian, ode->ctx);
    if (!ode->linear) return -1;
    return CVodeSetLinearSolver(ode->cvode, ode->linear, ode->jacobian) == CV_SUCCESS ? 0 : -1;
}

static int attach_nonstiff_solver(ode_t *ode) {
    ode->fixed_point = SUNNonlinSol_FixedPoint(ode->y, 0, ode->ctx);
    if (!ode->fixed_point) return -1;
    return CVodeSetNonlinearSolver(ode->cvode, ode->fixed_point) == CV_SUCCESS ? 0 : -1;
}

ode_t *ode_new(int n, ode_rhs_fn rhs, void *user, int stiff, double rtol,
               double atol, double max_step) {
    if (n < 1 || !rhs || !(rtol > 0) || !(atol > 0) || !(max_step >= 0) ||
        !isfinite(rtol) || !isfinite(atol) || !isfinite(max_step))
        return NULL;
    ode_t *ode = xcalloc(1, sizeof *ode);
    ode->n = n;
    ode->rhs = rhs;
    ode->user = user;
    if (SUNContext_Create(NULL, &ode->ctx) != 0) goto fail;
    ode->y = N_VNew_Serial(n, ode->ctx);
    if (!ode->y) goto fail;
    N_VConst(0.0, ode->y);
    ode->cvode = CVodeCreate(stiff ? CV_BDF : CV_ADAMS, ode->ctx);
    if (!ode->cvode) goto fail;
    if (CVodeSetErrHandlerFn(ode->cvode, cvode_message, ode) != CV_SUCCESS ||
        CVodeInit(ode->cvode, cvode_rhs, 0.0, ode->y) != CV_SUCCESS ||
        CVodeSetUserData(ode->cvode, ode) != CV_SUCCESS ||
        CVodeSStolerances(ode->cvode, rtol, atol) != CV_SUCCESS)
        goto fail;
    if ((stiff ? attach_stiff_solver(ode) : attach_nonstiff_solver(ode)) != 0) goto fail;
    if (max_step > 0 && CVodeSetMaxStep(ode->cvode, max_step) != CV_SUCCESS) goto fail;
    return ode;
fail:
    ode_free(ode);
    return NULL;
}

void ode_free(ode_t *ode) {
    if (!ode) return;
    /* CVODE first: it still refers to the solvers and vector below. */
    if (ode->cvode) CVodeFree(&ode->cvode);
    if (ode->linear) SUNLinSolFree(ode->linear);
    if (ode->jacobian) SUNMatDestroy(ode->jacobian);
    if (ode->fixed_point) SUNNonlinSolFree(ode->fixed_point);
    if (ode->y) N_VDestroy(ode->y);
    if (ode->ctx) SUNContext_Free(&ode->ctx);
    free(ode);
}

int ode_reset(ode_t *ode, double t0, const double *x0) {
    memcpy(N_VGetArrayPointer(ode->y), x0, (size_t)ode->n * sizeof *x0);
    if (CVodeReInit(ode->cvode, t0, ode->y) != CV_SUCCESS) return PDE_ESOLVER;
    ode->t = t0;
    return 0;
}

/* CVODE refuses to start a step over an interval this short after a reset
 * ("tout too close to t0"); nothing can change over it anyway. */
static int within_roundoff(double t, double t_stop) {
    return t_stop - t <= 4 * DBL_EPSILON * fmax(fabs(t), fabs(t_stop));
}

int ode_advance(ode_t *ode, double t_stop, double *x_out) {
    if (!(t_stop >= ode->t)) return PDE_EINVAL;
    int flag = CV_SUCCESS;
    if (!within_roundoff(ode->t, t_stop)) {
        if (CVodeSetStopTime(ode->cvode, t_stop) != CV_SUCCESS) return PDE_ESOLVER;
        /* CVODE gives up after its step limit (500) per call; a long
         * interval at a small max step needs more, so carry on while it
         * still makes progress. */
        for (;;) {
            sunrealtype reached = ode->t;
            flag = CVode(ode->cvode, t_stop, ode->y, &reached, CV_NORMAL);
            int progressed = reached > ode->t;
            ode->t = reached;
            if (flag != CV_TOO_MUCH_WORK || !progressed) break;
        }
    }
    memcpy(x_out, N_VGetArrayPointer(ode->y), (size_t)ode->n * sizeof *x_out);
    if (flag < 0) return PDE_ESOLVER;
    ode->t = t_stop;
    return 0;
}

double ode_time(const ode_t *ode) { return ode->t; }

const char *ode_errstr(const ode_t *ode) { return ode->errstr; }
