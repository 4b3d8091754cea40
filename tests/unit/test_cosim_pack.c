/* test_cosim_pack.c - packed entries (src/cosim/pack.c): states read back
 * bit for bit, malformed entries refused, names texts parsed once, and an
 * answer that carries the received texts through, or only the chains
 * still running. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "cosim/pack.h"
#include "fields.h"
#include "testutil.h"

static const sd_state_t STATES[] = {{0.1, -1e-300, 0.30000000000000004}, {5e-324, 1, 2}};

static void states_read_back_bit_for_bit_and_names_are_parsed_once(void **unused) {
    (void)unused;
    strbuf_t outs = STRBUF_INIT;
    cosim_pack_states(&outs, STATES, 2);
    assert_int_equal(outs.len, 2 * COSIM_PACKED_STATE_BYTES);
    const char *kv[] = {"names", "[\"a\",\"b\"]", "ins", "", "outs", outs.data};
    size_t lens[] = {5, 9, 3, 0, 4, outs.len};
    fields_t f;
    const redisReply *fields = make_fields(&f, kv, lens);
    assert_true(cosim_pack_is(fields));
    cosim_names_t *cache = NULL;
    cosim_pack_t p;
    assert_int_equal(cosim_pack_parse(fields, &cache, &p), 0);
    assert_int_equal(p.n, 2);
    assert_memory_equal(p.states, STATES, sizeof STATES);
    assert_string_equal(cosim_pack_name(&p, 1), "b");
    const json_t *list = p.name_list;
    cosim_pack_release(&p);
    assert_int_equal(cosim_pack_parse(fields, &cache, &p), 0);
    assert_ptr_equal(p.name_list, list);                /* from the cache */
    cosim_pack_release(&p);
    cosim_names_release(&cache);
    assert_null(cache);
    strbuf_release(&outs);
}

static void malformed_entries_are_refused(void **unused) {
    (void)unused;
    strbuf_t one = STRBUF_INIT, nan_state = STRBUF_INIT;
    cosim_pack_states(&one, STATES, 1);
    sd_state_t bad = {NAN, 0, 0};
    cosim_pack_states(&nan_state, &bad, 1);
    struct {
        const char *names, *outs;
        size_t outs_len;
    } cases[] = {
        {"[\"a\",\"b\"]", one.data, one.len},   /* two names, one state */
        {"[\"a\"]", one.data, one.len - 1},     /* a state cut short */
        {"[1]", one.data, one.len},             /* a name not a string */
        {"{\"a\":1}", one.data, one.len},       /* names not an array */
        {"[\"a\"", one.data, one.len},          /* not JSON */
        {"[\"a\"]", nan_state.data, nan_state.len},
    };
    cosim_names_t *cache = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *kv[] = {"names", cases[i].names, "ins", "", "outs", cases[i].outs};
        size_t lens[] = {5, strlen(cases[i].names), 3, 0, 4, cases[i].outs_len};
        fields_t f;
        cosim_pack_t p;
        assert_int_equal(cosim_pack_parse(make_fields(&f, kv, lens), &cache, &p), -1);
        cosim_pack_release(&p);
    }
    /* No ins: not a packed entry at all; a demo entry is not one either. */
    const char *no_ins[] = {"names", "[\"a\"]", "inn", "", "outs", one.data};
    size_t lens[] = {5, 5, 3, 0, 4, one.len};
    fields_t f;
    cosim_pack_t p;
    assert_int_equal(cosim_pack_parse(make_fields(&f, no_ins, lens), &cache, &p), -1);
    const char *demo[] = {"name", "m", "in", "{}", "out", "{}"};
    assert_false(cosim_pack_is(make_fields(&f, demo, NULL)));
    cosim_names_release(&cache);
    strbuf_release(&one);
    strbuf_release(&nan_state);
}

/* The XADD queued in b, as Redis would receive it, equals one made of
 * these fields. */
static void assert_xadd(const cosim_batch_t *b, const char *names, const strbuf_t *ins,
                        const strbuf_t *outs) {
    const char *argv[] = {"XADD", "velocities", "*", "names", names,
                          "ins",  ins->data,    "outs", outs->data};
    size_t lens[] = {4, 10, 1, 5, strlen(names), 3, ins->len, 4, outs->len};
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, 9, argv, lens);
    assert_int_equal((int)(b->ends[1] - b->ends[0]), len);
    assert_memory_equal(b->cmds.data + b->ends[0], cmd, (size_t)len);
    free(cmd);
}

static void answers_carry_texts_through_or_only_the_chains_running(void **unused) {
    (void)unused;
    strbuf_t received = STRBUF_INIT;
    cosim_pack_states(&received, STATES, 2);
    const char *kv[] = {"names", "[\"a\",\"b\\u00e9\"]", "ins", "", "outs", received.data};
    size_t lens[] = {5, strlen(kv[1]), 3, 0, 4, received.len};
    fields_t f;
    cosim_names_t *cache = NULL;
    cosim_pack_t p;
    assert_int_equal(cosim_pack_parse(make_fields(&f, kv, lens), &cache, &p), 0);
    sd_state_t out[2] = {{1, 2, 3}, {4, 5, 6}};
    strbuf_t sent = STRBUF_INIT, sent_b = STRBUF_INIT, received_b = STRBUF_INIT;
    cosim_pack_states(&sent, out, 2);
    cosim_pack_states(&sent_b, &out[1], 1);
    cosim_pack_states(&received_b, &STATES[1], 1);

    cosim_batch_t b = COSIM_BATCH_INIT;
    cosim_batch_answer_pack(&b, "velocities", &p, NULL, out);
    assert_int_equal(b.n_answers, 1);
    assert_xadd(&b, kv[1], &received, &sent);           /* names and ins as received */
    cosim_batch_reset(&b);

    unsigned char only_b[] = {0, 1};
    cosim_batch_answer_pack(&b, "velocities", &p, only_b, out);
    assert_xadd(&b, "[\"b\xc3\xa9\"]", &received_b, &sent_b); /* written as UTF-8 */
    cosim_batch_reset(&b);

    unsigned char none[] = {0, 0};
    cosim_batch_answer_pack(&b, "velocities", &p, none, out);
    assert_int_equal(b.n_replies, 0);
    cosim_batch_release(&b);
    cosim_pack_release(&p);
    cosim_names_release(&cache);
    strbuf_release(&received);
    strbuf_release(&sent);
    strbuf_release(&sent_b);
    strbuf_release(&received_b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(states_read_back_bit_for_bit_and_names_are_parsed_once),
        cmocka_unit_test(malformed_entries_are_refused),
        cmocka_unit_test(answers_carry_texts_through_or_only_the_chains_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
