/* test_cosim_answer.c - an entry answered in its own form
 * (src/cosim/answer.c): a demo entry with a demo entry, a packed one with
 * a packed one of the chains answered, nothing stepped or queued for an
 * entry that is not valid, and no answer for a chain that is done. */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "cosim/answer.h"
#include "fields.h"
#include "testutil.h"

/* The step the tests hand over: the velocity part's, except for chains
 * named "done" (complete) and "big" (overflowed); it counts its calls. */
typedef struct calls {
    int n;
    char last[16];
} calls_t;

static cosim_step_t step(void *ctx, const char *name, size_t name_len, const sd_state_t *in,
                         sd_state_t *out) {
    calls_t *c = ctx;
    c->n++;
    snprintf(c->last, sizeof c->last, "%.*s", (int)name_len, name);
    if (strcmp(c->last, "done") == 0) return COSIM_COMPLETE;
    if (strcmp(c->last, "big") == 0) return COSIM_OVERFLOW;
    return cosim_step(COSIM_VELOCITY, &SD_PARAMS_DEFAULT, 0, SD_CYCLES_DEFAULT, in, out);
}

static void a_demo_entry_is_answered_with_a_demo_entry(void **unused) {
    (void)unused;
    const char *kv[] = {"name", "mymodel", "in", "{\"x\":0,\"v\":1,\"t\":0.0}", "out",
                        "{\"x\":0,\"v\":1,\"t\":0.0}"};
    fields_t f;
    cosim_batch_t b = COSIM_BATCH_INIT;
    calls_t calls = {0};
    cosim_entry_form_t form;
    assert_int_equal(cosim_answer_entry(&b, "velocities", make_fields(&f, kv, NULL), NULL, step,
                                        &calls, &form), 0);
    assert_int_equal(form, COSIM_ENTRY_DEMO);
    assert_int_equal(calls.n, 1);
    assert_string_equal(calls.last, "mymodel");
    /* v = 1 + 0.1 (0 - 0 - 0.02): what MODELS.md's scheme gives, as
     * Python writes it. */
    char *xadd = NULL;
    int len = redisFormatCommand(&xadd, "XADD velocities * name mymodel in %s out %s", kv[5],
                                 "{\"x\":0.0,\"v\":0.998,\"t\":0.1}");
    assert_int_equal(b.n_answers, 1);
    assert_int_equal(b.cmds.len - b.ends[0], len);
    assert_memory_equal(b.cmds.data + b.ends[0], xadd, (size_t)len);   /* after MULTI */
    free(xadd);
    cosim_batch_release(&b);
}

static void a_packed_entry_is_answered_for_the_chains_still_running(void **unused) {
    (void)unused;
    sd_state_t states[3] = {{0, 1, 0}, {0, 1, 0}, {0, 1, 0}};
    strbuf_t outs = STRBUF_INIT;
    cosim_pack_states(&outs, states, 3);
    const char *kv[] = {"names", "[\"a\",\"done\",\"big\"]", "ins", "", "outs", outs.data};
    size_t lens[] = {5, strlen(kv[1]), 3, 0, 4, outs.len};
    fields_t f;
    cosim_batch_t b = COSIM_BATCH_INIT;
    cosim_names_t *names = NULL;
    calls_t calls = {0};
    cosim_entry_form_t form;
    assert_int_equal(cosim_answer_entry(&b, "velocities", make_fields(&f, kv, lens), &names,
                                        step, &calls, &form), 0);
    assert_int_equal(form, COSIM_ENTRY_PACKED);
    assert_int_equal(calls.n, 3);
    assert_int_equal(b.n_answers, 1);
    assert_non_null(memmem(b.cmds.data, b.cmds.len, "$5\r\n[\"a\"]\r\n", 11));
    cosim_names_release(&names);
    strbuf_release(&outs);
    cosim_batch_release(&b);
}

static void invalid_entries_and_finished_chains_queue_nothing(void **unused) {
    (void)unused;
    const char *no_out[] = {"name", "m", "in", "{}", "outt", "{\"x\":0,\"v\":1,\"t\":0}"};
    const char *bad_names[] = {"names", "[1]", "ins", "", "outs", ""};
    const char *done[] = {"name", "done", "in", "{}", "out", "{\"x\":0,\"v\":1,\"t\":0}"};
    const char *big[] = {"name", "big", "in", "{}", "out", "{\"x\":0,\"v\":1,\"t\":0}"};
    struct {
        const char *const *kv;
        int rc, calls;
        cosim_entry_form_t form;
    } cases[] = {
        {no_out, -1, 0, COSIM_ENTRY_DEMO},
        {bad_names, -1, 0, COSIM_ENTRY_PACKED},
        {done, 0, 1, COSIM_ENTRY_DEMO},
        {big, 0, 1, COSIM_ENTRY_DEMO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fields_t f;
        cosim_batch_t b = COSIM_BATCH_INIT;
        cosim_names_t *names = NULL;
        calls_t calls = {0};
        cosim_entry_form_t form;
        assert_int_equal(cosim_answer_entry(&b, "velocities", make_fields(&f, cases[i].kv, NULL),
                                            &names, step, &calls, &form), cases[i].rc);
        assert_int_equal(form, cases[i].form);
        assert_int_equal(calls.n, cases[i].calls);
        assert_int_equal(b.n_replies, 0);
        cosim_names_release(&names);
        cosim_batch_release(&b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_demo_entry_is_answered_with_a_demo_entry),
        cmocka_unit_test(a_packed_entry_is_answered_for_the_chains_still_running),
        cmocka_unit_test(invalid_entries_and_finished_chains_queue_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
