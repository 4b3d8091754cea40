/* test_cosim.c - the co-simulation wire format and one part's step
 * (src/cosim/cosim.c, src/model/library/spring_damper_split.c): states read
 * and written exactly, the demo's kick-off read, bad states refused, the two
 * steps against the scheme written out here, the cycle bookkeeping that ends
 * a chain, and a batch's commands as Redis would receive them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "cosim/cosim.h"
#include "cosim/number.h"
#include "fields.h"
#include "testutil.h"

static void states_are_read_and_written_exactly(void **unused) {
    (void)unused;
    const double xs[] = {0.0, 1.0, -0.1, 0.30000000000000004, 1e-300, -123456.789e10,
                         0.15788136134521966, 5e-324};
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        sd_state_t s = {xs[i], -xs[i] / 3, xs[i] * 7}, back;
        strbuf_t text = STRBUF_INIT;
        cosim_state_format(&text, &s);
        assert_int_equal(cosim_state_parse(text.data, text.len, &back), 0);
        assert_memory_equal(&s, &back, sizeof s);
        strbuf_release(&text);
    }
    /* Numbers a person would write stay as written; whole numbers stay
     * floats. */
    sd_state_t s = {0.1, 1, 2.5};
    strbuf_t text = STRBUF_INIT;
    cosim_state_format(&text, &s);
    assert_string_equal(text.data, "{\"x\":0.1,\"v\":1.0,\"t\":2.5}");
    strbuf_release(&text);
}

static uint64_t next_random(uint64_t *s) {     /* xorshift64 */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A double of one of the kinds a chain sends or a person types: any bit
 * pattern, a 15-digit or shorter decimal at any scale, one ulp off one,
 * a sum of steps, near a power of two. */
static double some_double(uint64_t *seed, int kind) {
    uint64_t r = next_random(seed);
    double x;
    switch (kind) {
    case 0:
        memcpy(&x, &r, sizeof x);
        return isfinite(x) ? x : 1.5;
    case 1:
    case 2:
        x = (double)(r % 1000000000000000ULL) * pow(10, (int)(r >> 50) % 40 - 30);
        return kind == 1 ? x : nextafter(x, r & 1 ? INFINITY : -INFINITY);
    case 3:
        x = 0;
        for (uint64_t i = 0; i < r % 2000; i++) x += 0.1;
        return x;
    default:
        return ldexp(1 + (double)(r % 4) * 0x1p-52, (int)(r >> 40) % 200 - 100);
    }
}

/* Texts Python 3 gives, repr(x) and json.dumps(x), for some doubles. */
static void numbers_are_written_as_python_writes_them(void **unused) {
    (void)unused;
    const struct {
        double x;
        const char *python;
    } known[] = {
        {0.1, "0.1"}, {0.30000000000000004, "0.30000000000000004"}, {2.5, "2.5"},
        {123.0, "123.0"}, {0.0, "0.0"}, {-0.0, "-0.0"}, {1e-4, "0.0001"}, {1e-5, "1e-05"},
        {1.5e-7, "1.5e-07"}, {1e15, "1000000000000000.0"},
        {9999999999999998.0, "9999999999999998.0"}, {1e16, "1e+16"}, {-1e22, "-1e+22"},
        {5e-324, "5e-324"}, {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {0.15788136134521966, "0.15788136134521966"}, {-123456.789e10, "-1234567890000000.0"},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        char text[COSIM_NUMBER_MAX];
        assert_int_equal(cosim_number_format(known[i].x, text), strlen(known[i].python));
        assert_string_equal(text, known[i].python);
    }
    char text[COSIM_NUMBER_MAX] = "x";
    assert_int_equal(cosim_number_format(NAN, text), 0);
    assert_int_equal(cosim_number_format(-INFINITY, text), 0);
    assert_string_equal(text, "");
}

/* The significant digits of a number's text: from the first non-zero
 * digit to the exponent, less the zeros that only pad a whole number
 * ("1000000000000000.0" has one). */
static int digits_of(const char *text) {
    const char *end = strchr(text, 'e');
    if (!end) end = text + strlen(text);
    const char *first = text + strcspn(text, "123456789");
    if (first >= end) return 1;
    const char *last = end - 1;
    while (last > first && (*last == '0' || *last == '.')) last--;
    int digits = 0;
    for (const char *c = first; c <= last; c++) digits += *c >= '0' && *c <= '9';
    return digits;
}

/* Over many doubles of many kinds, the rule written out plainly: the text
 * reads back to the double; it has no more significant digits than the
 * shortest %.<n>g that does; it is positional, with ".0" on a whole
 * number, for 1e-4 <= |x| < 1e16, else an exponent with a sign and at
 * least two digits. */
static void numbers_are_the_shortest_that_read_back(void **unused) {
    (void)unused;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        double x = some_double(&seed, i % 5);
        char text[COSIM_NUMBER_MAX], shortest[40];
        size_t len = cosim_number_format(x, text);
        assert_int_equal(len, strlen(text));
        assert_true(strtod(text, NULL) == x && signbit(strtod(text, NULL)) == signbit(x));
        int n = 1;
        for (; n < 17; n++) {
            snprintf(shortest, sizeof shortest, "%.*g", n, x);
            if (strtod(shortest, NULL) == x) break;
        }
        int digits = digits_of(text);
        if (digits > n) fail_msg("%s has %d digits; %%.%dg reads back", text, digits, n);
        const char *e = strchr(text, 'e');
        int positional = x == 0 || (fabs(x) >= 1e-4 && fabs(x) < 1e16);
        if (positional) {
            assert_null(e);
            assert_non_null(strchr(text, '.'));
            if (x == trunc(x)) assert_string_equal(text + len - 2, ".0");
        } else {
            assert_non_null(e);
            assert_true((e[1] == '+' || e[1] == '-') && strlen(e + 2) >= 2);
        }
    }
}

static void the_demo_kick_off_is_read_and_bad_states_refused(void **unused) {
    (void)unused;
    sd_state_t s;
    const char *kick = "{\"x\":0,\"v\":1,\"t\":0.0}";
    assert_int_equal(cosim_state_parse(kick, strlen(kick), &s), 0);
    assert_true(s.x == 0 && s.v == 1 && s.t == 0);
    const char *bad[] = {"", "[]", "{\"x\":0,\"v\":1}", "{\"x\":\"0\",\"v\":1,\"t\":0}",
                         "{\"x\":0,\"v\":1,\"t\":null}", "{\"x\":0,\"v\":1,\"t\":0", "nope"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(cosim_state_parse(bad[i], strlen(bad[i]), &s), -1);
}

static void steps_follow_the_scheme_and_chains_end_on_time(void **unused) {
    (void)unused;
    sd_params_t p = {2.0, 3.0, 0.2, 0.05};
    double c = 2 * 0.2 * sqrt(3.0 * 2.0);
    sd_state_t in = {0.4, -0.7, 1.0}, out;
    assert_int_equal(cosim_step(COSIM_VELOCITY, &p, 1.5, 1000, &in, &out), COSIM_ANSWER);
    assert_true(out.x == in.x);
    assert_true(out.v == -0.7 + (0.05 / 2.0) * (1.5 - 3.0 * 0.4 - c * -0.7));
    assert_true(out.t == 1.0 + 0.05);
    sd_state_t pos;
    assert_int_equal(cosim_step(COSIM_POSITION, &p, 99, 1000, &out, &pos), COSIM_ANSWER);
    assert_true(pos.x == 0.4 + 0.05 * out.v && pos.v == out.v && pos.t == out.t);
    /* Cycle 20 of 20: the position part's answer at t = 1.0 is its last;
     * the velocity part only acknowledges a state at cycle 20. */
    sd_state_t at19 = {0, 1, 0.95}, at20 = {0, 1, 1.0000000000000007};
    assert_int_equal(cosim_step(COSIM_VELOCITY, &p, 0, 20, &at19, &out), COSIM_ANSWER);
    assert_int_equal(cosim_step(COSIM_POSITION, &p, 0, 20, &out, &pos), COSIM_ANSWER_LAST);
    assert_int_equal(cosim_step(COSIM_VELOCITY, &p, 0, 20, &at20, &out), COSIM_COMPLETE);
    /* A state near DBL_MAX whose next is not finite stops the chain
     * rather than send a number JSON cannot hold. */
    sd_state_t huge = {1.79e308, -1.79e308, 0};
    assert_int_equal(cosim_step(COSIM_VELOCITY, &p, 0, 20, &huge, &out), COSIM_OVERFLOW);
    huge.v = 1.79e308;
    assert_int_equal(cosim_step(COSIM_POSITION, &p, 0, 20, &huge, &pos), COSIM_OVERFLOW);
    assert_null(sd_split_check(&p));
    sd_params_t unstable = {0.1, 100, 0.01, 1};
    assert_non_null(sd_split_check(&unstable));
}

/* The commands a batch holds, one string per argument, as Redis's
 * protocol parser would see them. */
static void batch_is_one_transaction_with_one_ack_per_stream(void **unused) {
    (void)unused;
    cosim_batch_t b = COSIM_BATCH_INIT;
    cosim_batch_finish(&b);
    assert_int_equal(b.n_replies, 0);      /* nothing queued: nothing sent */
    sd_state_t s = {1, 2, 3};
    cosim_batch_answer(&b, "velocities", "m1", 2, "{\"in\":1}", 8, &s);
    cosim_batch_ack(&b, "positions", "vel_group", "1-0");
    cosim_batch_answer(&b, "velocities", "m2", 2, "{}", 2, &s);
    cosim_batch_ack(&b, "positions", "vel_group", "1-1");
    cosim_batch_ack(&b, "other", "vel_group", "7-0");
    cosim_batch_finish(&b);
    /* MULTI, XADD, XADD, XACK positions (2 ids), XACK other, EXEC */
    assert_int_equal(b.n_replies, 6);
    assert_int_equal(b.n_answers, 2);
    assert_int_equal(b.ends[b.n_replies - 1], b.cmds.len);
    char *multi = NULL, *exec = NULL, *ack = NULL;
    assert_int_equal(redisFormatCommand(&multi, "MULTI"), (int)b.ends[0]);
    assert_memory_equal(b.cmds.data, multi, b.ends[0]);
    int len = redisFormatCommand(&ack, "XACK positions vel_group 1-0 1-1");
    assert_int_equal((int)(b.ends[3] - b.ends[2]), len);
    assert_memory_equal(b.cmds.data + b.ends[2], ack, (size_t)len);
    len = redisFormatCommand(&exec, "EXEC");
    assert_memory_equal(b.cmds.data + b.ends[4], exec, (size_t)len);
    assert_non_null(memmem(b.cmds.data, b.cmds.len, "{\"x\":1.0,\"v\":2.0,\"t\":3.0}", 25));
    free(multi);
    free(exec);
    free(ack);
    cosim_batch_reset(&b);
    assert_int_equal(b.n_replies, 0);
    cosim_batch_release(&b);
    cosim_batch_release(&b);    /* harmless twice */
}

static void a_repeated_field_counts_once_the_last_time(void **unused) {
    (void)unused;
    const char *kv[] = {"out", "{\"x\":1,\"v\":1,\"t\":1}", "name", "m", "out",
                        "{\"x\":2,\"v\":2,\"t\":2}"};
    fields_t f;
    const redisReply *fields = make_fields(&f, kv, NULL);
    size_t len = 0;
    assert_string_equal(cosim_field(fields, "out", &len), kv[5]);
    assert_int_equal(len, strlen(kv[5]));
    assert_null(cosim_field(fields, "in", &len));
    cosim_entry_t e;
    assert_int_equal(cosim_entry_parse(fields, &e), -1);       /* no in */
    const char *full[] = {"name", "m", "in", "{}", "out", "{\"x\":2,\"v\":2,\"t\":2}"};
    assert_int_equal(cosim_entry_parse(make_fields(&f, full, NULL), &e), 0);
    assert_true(e.state.x == 2 && e.state.t == 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(states_are_read_and_written_exactly),
        cmocka_unit_test(numbers_are_written_as_python_writes_them),
        cmocka_unit_test(numbers_are_the_shortest_that_read_back),
        cmocka_unit_test(the_demo_kick_off_is_read_and_bad_states_refused),
        cmocka_unit_test(steps_follow_the_scheme_and_chains_end_on_time),
        cmocka_unit_test(batch_is_one_transaction_with_one_ack_per_stream),
        cmocka_unit_test(a_repeated_field_counts_once_the_last_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
