/* model_testutil.h - the lookups a model's unit tests share.
 *
 * TEST_MODEL_HELPERS("cstr") defines, for that file's model:
 *   model()          the descriptor (the test fails if it is not registered)
 *   tag(name)        the index of a tag (fails, naming it, if there is none)
 *   out(sim, name)   the current value of an output of a sim
 * A test that does not use one of them does not get a warning for it. */
#ifndef PDE_MODEL_TESTUTIL_H
#define PDE_MODEL_TESTUTIL_H

#include "model/model.h"
#include "model/sim.h"
#include "testutil.h"

#define TEST_MODEL_MAX_OUTPUTS 256

#define TEST_MODEL_HELPERS(model_id)                                           \
    __attribute__((unused)) static const model_t *model(void) {               \
        const model_t *m = model_find(model_id);                               \
        if (!m) fail_msg("model %s is not registered", model_id);             \
        return m;                                                              \
    }                                                                          \
    __attribute__((unused)) static int tag(const char *name) {                \
        int i = model_tag_index(model(), name);                                \
        if (i < 0) fail_msg("%s has no tag %s", model_id, name);              \
        return i;                                                              \
    }                                                                          \
    __attribute__((unused)) static double out(const sim_t *s, const char *name) { \
        double y[TEST_MODEL_MAX_OUTPUTS];                                      \
        assert_true(model()->n_outputs <= TEST_MODEL_MAX_OUTPUTS);             \
        sim_outputs(s, y);                                                     \
        return y[tag(name) - model()->n_inputs];                               \
    }

#endif
