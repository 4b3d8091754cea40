/* split.h - the equations of models co-simulated in parts (model.h,
 * `split`): each part is a function from the coupling variables it
 * receives to the ones it sends. Moving the messages between parts is
 * src/cosim/'s job; these functions only compute.
 *
 * The spring-damper split (MODELS.md): a semi-implicit (symplectic) Euler
 * step cut in two, the velocity part first, then the position part:
 *     velocity:  v⁺ = v + (h/m)·(F − k·x − c·v),  t⁺ = t + h
 *     position:  x⁺ = x + h·v⁺
 * with c = 2·ζ·√(k·m). Both parts exchange the whole state {x, v, t}. */
#ifndef PDE_MODEL_SPLIT_H
#define PDE_MODEL_SPLIT_H

typedef struct sd_state {
    double x;   /* m */
    double v;   /* m/s */
    double t;   /* s */
} sd_state_t;

typedef struct sd_params {
    double m;       /* kg */
    double k;       /* N/m */
    double zeta;    /* 1 */
    double h;       /* s, the communication step */
} sd_params_t;

/* The demo's defaults: m = 1 kg, k = 1 N/m, ζ = 0.01, h = 0.1 s. */
#define SD_PARAMS_DEFAULT ((sd_params_t){1.0, 1.0, 0.01, 0.1})
/* Its kick-off state and length: x = 0, v = 1, t = 0; 1000 cycles. */
#define SD_STATE_START ((sd_state_t){0.0, 1.0, 0.0})
#define SD_CYCLES_DEFAULT 1000

/* The velocity part's step: the state after it, from the state before it
 * and the force F (N) in force during the step. */
sd_state_t sd_split_velocity(const sd_params_t *p, double F, sd_state_t in);

/* The position part's step, from the velocity part's answer. */
sd_state_t sd_split_position(const sd_params_t *p, sd_state_t in);

/* The spring-damper-split model's parameters as sd_params_t, from the
 * values of its param_def_t table in order (m, k, zeta, x0, v0, h). */
sd_params_t sd_split_params(const double *model_params);
sd_state_t sd_split_start(const double *model_params);

/* NULL when the scheme is stable with p, else why not (for the user). */
const char *sd_split_check(const sd_params_t *p);

#endif
