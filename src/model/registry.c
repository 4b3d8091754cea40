/* registry.c - the table of models a process knows: the built-in ones,
 * then any registered at start-up (model_register()).
 *
 * Load: a handful of models; lookups are linear scans by name, done when a
 * simulation starts or a tag is addressed by name, never per step. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "common/err.h"
#include "library/library.h"
#include "model.h"

static const model_t *const builtin[] = {
    &model_spring_damper,
    &model_wood_berry,
    &model_column_a,
    &model_ethylene_oxidation,
    &model_quadruple_tank,
    &model_cstr,
    &model_spring_damper_split,
};
#define N_BUILTIN ((int)(sizeof builtin / sizeof builtin[0]))

/* Models added by model_register(), after the built-in ones. */
static const model_t *registered[MODEL_MAX - N_BUILTIN];
static int n_registered;

int model_count(void) { return N_BUILTIN + n_registered; }

const model_t *model_at(int i) {
    if (i < 0 || i >= model_count()) return NULL;
    return i < N_BUILTIN ? builtin[i] : registered[i - N_BUILTIN];
}

const model_t *model_find(const char *id) {
    if (!id) return NULL;
    for (int i = 0; i < model_count(); i++)
        if (strcmp(model_at(i)->id, id) == 0) return model_at(i);
    return NULL;
}

int model_tag_index(const model_t *m, const char *name) {
    if (!m || !name) return -1;
    for (int i = 0; i < MODEL_N_TAGS(m); i++)
        if (strcmp(m->tags[i].name, name) == 0) return i;
    return -1;
}

int model_param_index(const model_t *m, const char *name) {
    if (!m || !name) return -1;
    for (int i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].name, name) == 0) return i;
    return -1;
}

/* ---------------------------- registering ---------------------------- */

/* Lower-case words (letters, digits) joined by single '-': ids go into
 * URLs and Redis keys unescaped. */
static int id_is_valid(const char *id) {
    if (!id || !*id) return 0;
    char prev = '-';
    for (const char *c = id; *c; prev = *c++) {
        int word_char = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
        if (!word_char && !(*c == '-' && prev != '-')) return 0;
    }
    return prev != '-';
}

static int range_is_valid(double min, double max, double value) {
    return isfinite(min) && isfinite(max) && min < max && isfinite(value) &&
           value >= min && value <= max;
}

static int tags_are_valid(const model_t *m) {
    if (m->n_inputs < 0 || m->n_outputs < 0 || (MODEL_N_TAGS(m) > 0 && !m->tags))
        return 0;
    for (int i = 0; i < MODEL_N_TAGS(m); i++) {
        const tag_def_t *t = &m->tags[i];
        tag_kind_t kind = i < m->n_inputs ? TAG_INPUT : TAG_OUTPUT;
        /* An output's default is unused: only its range has to make sense. */
        double def = kind == TAG_INPUT ? t->def : t->min;
        if (!t->name || !*t->name || !t->unit || !t->description || t->kind != kind ||
            !range_is_valid(t->min, t->max, def) || model_tag_index(m, t->name) != i)
            return 0;
    }
    return 1;
}

static int params_are_valid(const model_t *m) {
    if (m->n_params < 0 || (m->n_params > 0 && !m->params)) return 0;
    for (int i = 0; i < m->n_params; i++) {
        const param_def_t *p = &m->params[i];
        if (!p->name || !*p->name || !p->unit || !p->description ||
            !range_is_valid(p->min, p->max, p->value) || model_param_index(m, p->name) != i)
            return 0;
    }
    return 1;
}

static int delays_are_valid(const model_t *m) {
    if (m->n_delays < 0 || (m->n_delays > 0 && !m->delays)) return 0;
    for (int k = 0; k < m->n_delays; k++) {
        const delay_def_t *d = &m->delays[k];
        if (d->input < 0 || d->input >= m->n_inputs || !isfinite(d->dead_time) ||
            d->dead_time < 0)
            return 0;
    }
    return 1;
}

static int dynamics_are_valid(const model_t *m) {
    return m->n_states >= 0 && (m->n_states == 0 || m->rhs) &&
           (m->n_outputs == 0 || m->outputs || m->split) && isfinite(m->time_unit) &&
           m->time_unit > 0 && isfinite(m->step) && m->step > 0 && isfinite(m->rtol) &&
           m->rtol >= 0 && isfinite(m->atol) && m->atol >= 0;
}

int model_register(const model_t *m) {
    if (!m || !id_is_valid(m->id) || !m->title || !m->description || !tags_are_valid(m) ||
        !params_are_valid(m) || !delays_are_valid(m) || !dynamics_are_valid(m) ||
        model_find(m->id))
        return PDE_EINVAL;
    if (model_count() >= MODEL_MAX) return PDE_EFULL;
    registered[n_registered++] = m;
    return 0;
}
