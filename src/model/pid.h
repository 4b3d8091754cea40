/* pid.h - a PID control loop that lives inside a model's equations.
 *
 * Why inside the model: a worker talks to a model only through its inputs,
 * outputs and states, and integrates it as one ODE. So a loop is built from
 * exactly those: its memory is two states, its faceplate is tags, and its
 * mode switches are answered by the model's sync hook (model.h). It is a
 * continuous controller integrated together with the process: it behaves
 * the same at any sample time and is checkpointed with the state.
 *
 * Tags of a loop L (PV is an output, the other six are inputs):
 *   L.SP    setpoint, in the PV's units.
 *   L.PV    the measurement under control.
 *   L.OP    controller output, in the manipulated variable's units. In MAN
 *           the operator sets it; in AUTO the controller does: the tag then
 *           shows the value in force and a write to it is overridden.
 *   L.MODE  0 = MAN, 1 = AUTO (a value >= 0.5 counts as AUTO).
 *   L.KP    proportional gain, OP units per PV unit, >= 0. The direction of
 *           the action belongs to the wiring (pid_def_t.action), as on a DCS
 *           faceplate: reverse acting (OP rises when the PV falls below the
 *           SP, e.g. a level held by its inflow) or direct acting (a level
 *           held by its outflow).
 *   L.TI    integral (reset) time, in the model's time unit; 0 = no
 *           integral action: I then stays where it is, a manual reset.
 *   L.TD    derivative time, in the model's time unit; 0 = no derivative.
 * The manipulated variable may also have an input tag of its own (column-a's
 * D next to LC_D.OP): the two are one quantity, kept equal, so in MAN a
 * write to either moves the valve, and in AUTO both show the controller's
 * output.
 *
 * Control law, ideal (ISA) form, time in the model's unit:
 *   e        = s·(SP − PV)               s = +1 reverse, −1 direct acting
 *   v        = KP·e + I + Dterm          the unlimited output
 *   OP       = sat(v)                    sat: the L.OP tag's [min, max]
 *   dI/dt    = KP/TI·e + (OP − v)/Tt     AUTO and TI > 0; otherwise 0
 *   Dterm    = −s·KP·N·(PV − PVf)        = −s·KP·TD·dPVf/dt
 *   dPVf/dt  = (PV − PVf)·N/TD           AUTO and TD > 0; otherwise 0
 * The derivative acts on the measurement only (no kick at a setpoint change)
 * through a first-order filter of time constant TD/N (N = pid_def_t.n_filter,
 * PID_DEFAULT_N if 0). Anti-windup is back-calculation with tracking time
 * Tt = TI (PI) or √(TI·TD) (PID), as in Åström & Hägglund, Advanced PID
 * Control (ISA, 2006), section 3.5: while OP sits at a limit, I is pulled
 * back until v exceeds the limit by only KP·|e|·Tt/TI, so the loop leaves
 * the limit as soon as the error changes sign. In MAN both states hold.
 *
 * Bumpless transfer:
 *   MAN -> AUTO  I := OP − KP·e and PVf := PV at the switch, so v = OP.
 *   AUTO -> MAN  L.OP was tracking the controller's output, and keeps it.
 *   tuning       a change of KP, TI or TD in AUTO re-sets I (and PVf, for TD)
 *                so that v does not jump.
 * A setpoint change in AUTO moves the OP by KP·Δe at once: proportional on
 * the error, the textbook form.
 *
 * States: two per loop at pid_def_t.state: I (OP units), then PVf (PV units).
 *
 * Wiring one loop into a model (quadruple_tank.c and column_a.c do it):
 *   1. tags: PID_INPUT_TAGS(...) among the inputs (six, in the order SP, OP,
 *      MODE, KP, TI, TD) and PID_PV_TAG(...) among the outputs;
 *   2. a pid_def_t: index of L.SP, the MV's own input or -1, the state index,
 *      the action;
 *   3. rhs:      mv = pid_op(m, &loop, x, io->u, pv);
 *                pid_rhs(m, &loop, x, io->u, pv, dxdt);
 *   4. initial:  pid_init(m, &loop, io->u, pv, mv_steady, x0);
 *   5. sync:     pid_sync(m, &loop, ev, pv);
 *   6. outputs:  y[L.PV] = pv.
 * where pv is the model's measurement computed from the state. */
#ifndef PDE_PID_H
#define PDE_PID_H

#include "model.h"

#define PID_DEFAULT_N 10.0

/* Offsets of a loop's inputs from pid_def_t.first_input, and of its states
 * from pid_def_t.state. */
enum { PID_SP, PID_OP, PID_MODE, PID_KP, PID_TI, PID_TD, PID_N_INPUTS };
enum { PID_I, PID_PVF, PID_N_STATES };

typedef enum { PID_REVERSE = 1, PID_DIRECT = -1 } pid_action_t;

typedef struct pid_def {
    int first_input;        /* index of L.SP; L.OP, .MODE, .KP, .TI, .TD follow */
    int mv;                 /* an input that is the same quantity as L.OP, or -1;
                             * it must have the same range as L.OP */
    int state;              /* index of I; PVf follows */
    pid_action_t action;
    double n_filter;        /* derivative filter: time constant TD/N; 0 = default */
} pid_def_t;

/* The six input tags of loop L, in the order of the PID_SP.. enum. what says
 * what the loop does, for the descriptions ("condenser level loop"). The
 * SP's range is the PV's; KP, TI and TD start at 0. */
#define PID_INPUT_TAGS(L, what, pv_unit, sp_min, sp_max, sp_def, op_unit, op_min, op_max,   \
                       op_def, mode_def, kp_unit, kp_max, kp_def, t_unit, t_max, ti_def,    \
                       td_def)                                                              \
    {L ".SP", TAG_INPUT, pv_unit, sp_min, sp_max, sp_def, "setpoint of the " what},         \
    {L ".OP", TAG_INPUT, op_unit, op_min, op_max, op_def,                                   \
     "output of the " what ": set by the operator in MAN, by the controller in AUTO"},      \
    {L ".MODE", TAG_INPUT, "1", 0, 1, mode_def,                                             \
     "mode of the " what ": 0 = MAN (operator sets the output), 1 = AUTO"},                 \
    {L ".KP", TAG_INPUT, kp_unit, 0, kp_max, kp_def,                                        \
     "proportional gain of the " what " (the action's direction is fixed by the wiring)"},  \
    {L ".TI", TAG_INPUT, t_unit, 0, t_max, ti_def,                                          \
     "integral (reset) time of the " what "; 0 = no integral action"},                      \
    {L ".TD", TAG_INPUT, t_unit, 0, t_max, td_def,                                          \
     "derivative time of the " what "; 0 = no derivative action"}

#define PID_PV_TAG(L, what, pv_unit, pv_min, pv_max)                                       \
    {L ".PV", TAG_OUTPUT, pv_unit, pv_min, pv_max, pv_min, "measurement of the " what}

/* 1 if the loop is in AUTO with inputs u. */
int pid_is_auto(const pid_def_t *c, const double *u);

/* The output in force: in MAN the operator's L.OP, in AUTO the controller's
 * (limited to L.OP's range), for state x and measurement pv. */
double pid_op(const model_t *m, const pid_def_t *c, const double *x, const double *u,
              double pv);

/* The loop's two derivatives into dxdt[c->state..]. */
void pid_rhs(const model_t *m, const pid_def_t *c, const double *x, const double *u,
             double pv, double *dxdt);

/* The loop's states for a start at rest with measurement pv and output op:
 * in AUTO the controller then gives op (I = op − KP·e, PVf = pv). */
void pid_init(const model_t *m, const pid_def_t *c, const double *u, double pv, double op,
              double *x0);

/* The loop's part of the model's sync hook (model_sync_t); pv is the
 * measurement for ev->x (ignored at MODEL_SYNC_START). */
void pid_sync(const model_t *m, const pid_def_t *c, const model_sync_t *ev, double pv);

#endif
