/* test_checkpoint.c - sim_checkpoint()/sim_restore() (src/model/sim.c):
 * for every model, an instance restored from a checkpoint taken mid-run,
 * with inputs changed shortly before (so changes are still travelling
 * through the dead times), carries on like the instance it was taken from;
 * a checkpoint reads back to the very same text; damaged checkpoints and
 * checkpoints of another model are refused.
 *
 * Tolerance: the restored integrator starts afresh where the original one
 * keeps its step history, so the two differ by the solver's own error: we
 * allow 1e-5 relative to the output's range (rtol is 1e-8..1e-10). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "model/model.h"
#include "model/sim.h"
#include "testutil.h"

/* Move every input a little (5 % of its range, inside it) at time t. */
static void nudge_inputs(sim_t *s, double share) {
    const model_t *m = sim_model(s);
    for (int i = 0; i < m->n_inputs; i++) {
        const tag_def_t *tag = &m->tags[i];
        double v = sim_input(s, i) + share * (tag->max - tag->min);
        if (v > tag->max) v = sim_input(s, i) - share * (tag->max - tag->min);
        sim_set_input(s, i, v);
    }
}

static void restored_instances_carry_on_alike(void **unused) {
    (void)unused;
    for (int k = 0; k < model_count(); k++) {
        const model_t *m = model_at(k);
        if (m->split) continue;
        sim_t *a = sim_new(m, NULL, NULL);
        assert_non_null(a);
        double t1 = 40 * m->step, t2 = 80 * m->step;
        assert_int_equal(sim_advance(a, t1 / 2), 0);
        nudge_inputs(a, 0.05);
        assert_int_equal(sim_advance(a, t1), 0);
        char *ckpt = sim_checkpoint(a);
        sim_t *b = sim_restore(m, ckpt);
        assert_non_null(b);
        assert_true(sim_time(b) == t1);
        char *again = sim_checkpoint(b);
        assert_string_equal(again, ckpt);
        for (int i = 0; i < m->n_inputs; i++) assert_true(sim_input(a, i) == sim_input(b, i));
        assert_int_equal(sim_advance(a, t2), 0);
        assert_int_equal(sim_advance(b, t2), 0);
        double ya[256], yb[256];
        sim_outputs(a, ya);
        sim_outputs(b, yb);
        for (int i = 0; i < m->n_outputs; i++) {
            const tag_def_t *tag = &m->tags[m->n_inputs + i];
            ASSERT_NEAR(yb[i], ya[i], 1e-5 * (tag->max - tag->min));
        }
        free(ckpt);
        free(again);
        sim_free(a);
        sim_free(b);
    }
}

static void damaged_or_foreign_checkpoints_are_refused(void **unused) {
    (void)unused;
    const model_t *wb = model_find("wood-berry"), *sd = model_find("spring-damper");
    sim_t *s = sim_new(wb, NULL, NULL);
    sim_set_input(s, 0, 2.0);
    sim_advance(s, 30);
    char *ckpt = sim_checkpoint(s);
    assert_non_null(strstr(ckpt, "\"changes\":[["));    /* R's change still travelling */
    assert_null(sim_restore(sd, ckpt));                  /* another model's */
    assert_null(sim_restore(wb, "not json"));
    assert_null(sim_restore(wb, "{}"));
    assert_null(sim_restore(NULL, ckpt));
    /* Each field damaged in turn. */
    const char *cuts[][2] = {{"\"t\":", "\"t\":-"}, {"\"x\":[", "\"x\":[1e999,"},
                             {"\"u\":[", "\"u\":[\"a\","}, {"\"p\":[", "\"p\":[1,"},
                             {"\"settled\":", "\"settled\":null,\"x\":"},
                             {"\"lines\":[", "\"lines\":[{},"}};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        const char *at = strstr(ckpt, cuts[i][0]);
        assert_non_null(at);
        size_t head = (size_t)(at - ckpt), len = strlen(ckpt);
        char *bad = xmalloc(len + 64);
        memcpy(bad, ckpt, head);
        strcpy(bad + head, cuts[i][1]);
        strcat(bad, at + strlen(cuts[i][0]));
        assert_null(sim_restore(wb, bad));
        free(bad);
    }
    free(ckpt);
    sim_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(restored_instances_carry_on_alike),
        cmocka_unit_test(damaged_or_foreign_checkpoints_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
