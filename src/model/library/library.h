/* library.h - the built-in models, one descriptor per file in this folder.
 *
 * Only registry.c needs these names: everything else finds models through
 * model_find() and model_at(). */
#ifndef PDE_MODEL_LIBRARY_H
#define PDE_MODEL_LIBRARY_H

#include "model/model.h"

extern const model_t model_spring_damper;
extern const model_t model_wood_berry;
extern const model_t model_column_a;
extern const model_t model_ethylene_oxidation;
extern const model_t model_quadruple_tank;
extern const model_t model_cstr;
extern const model_t model_spring_damper_split;

/* F, x, v: shared by the spring-damper and its split form. */
extern const tag_def_t spring_damper_tags[3];

#endif
