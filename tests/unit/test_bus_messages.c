/* test_bus_messages.c - the bus's message formats round-trip exactly and
 * refuse malformed input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "bus/bus.h"
#include "common/err.h"

static void samples_round_trip_exactly(void **state) {
    (void)state;
    strbuf_t buf = STRBUF_INIT;
    const double a[] = {1.95, -0.1, 96.25, 1e-300, 123456789.123456789};
    const double b[] = {0.1 + 0.2};
    bus_samples_append(&buf, "abc123", 12.5, 1700000000123456789LL, a, 5);
    bus_samples_append(&buf, "sim-2", 0.30000000000000004, -5, b, 1);
    const char *cursor = buf.data;
    bus_sample_t s;
    assert_int_equal(bus_samples_next(&cursor, &s), 1);
    assert_string_equal(s.sim, "abc123");
    assert_true(s.t == 12.5);
    assert_true(s.due_ns == 1700000000123456789LL);
    assert_int_equal(s.n_values, 5);
    for (int i = 0; i < 5; i++) assert_memory_equal(&s.values[i], &a[i], sizeof(double));
    assert_int_equal(bus_samples_next(&cursor, &s), 1);
    assert_string_equal(s.sim, "sim-2");
    assert_true(s.t == 0.30000000000000004);
    assert_int_equal(s.n_values, 1);
    assert_true(s.values[0] == b[0]);
    assert_int_equal(bus_samples_next(&cursor, &s), 0);
    strbuf_release(&buf);
}

static void malformed_sample_lines_are_refused_and_skipped(void **state) {
    (void)state;
    const char *text = "sim-a 1 2 3\n"
                       "sim-b notanumber 2 3\n"
                       "sim-c 1 2 3 x\n"
                       " 1 2 3\n"
                       "sim-d 4 5 6\n";
    const char *cursor = text;
    bus_sample_t s;
    assert_int_equal(bus_samples_next(&cursor, &s), 1);
    assert_string_equal(s.sim, "sim-a");
    assert_int_equal(bus_samples_next(&cursor, &s), PDE_EPROTO);
    assert_int_equal(bus_samples_next(&cursor, &s), PDE_EPROTO);
    assert_int_equal(bus_samples_next(&cursor, &s), PDE_EPROTO);
    assert_int_equal(bus_samples_next(&cursor, &s), 1);
    assert_string_equal(s.sim, "sim-d");
    assert_true(s.values[0] == 6);
    assert_int_equal(bus_samples_next(&cursor, &s), 0);
}

static void job_round_trip(void **state) {
    (void)state;
    bus_job_t job = {0}, back = {0};
    strcpy(job.model, "wood-berry");
    job.time_scale = 0;
    job.duration = 3600.5;
    job.sample_time = 0.25;
    job.inputs_json = strdup("{\"R\": 2.05}");
    job.params_json = NULL;
    strbuf_t text = STRBUF_INIT;
    bus_job_encode(&job, &text);
    assert_int_equal(bus_job_decode(text.data, &back), 0);
    assert_string_equal(back.model, "wood-berry");
    assert_true(back.time_scale == 0 && back.duration == 3600.5 && back.sample_time == 0.25);
    json_t *inputs = json_loads(back.inputs_json, 0, NULL);
    assert_true(json_real_value(json_object_get(inputs, "R")) == 2.05);
    assert_int_equal(json_object_size(inputs), 1);
    json_decref(inputs);
    assert_string_equal(back.params_json, "{}");
    bus_job_release(&job);
    bus_job_release(&back);
    bus_job_release(&back);     /* twice is harmless */
    strbuf_release(&text);
}

static void malformed_jobs_are_refused(void **state) {
    (void)state;
    const char *bad[] = {"", "[]", "{\"model\": 1}",
                         "{\"model\":\"m\",\"time_scale\":1,\"duration\":1,\"sample_time\":1,"
                         "\"inputs\":[],\"params\":{}}",
                         "{\"model\":\"m\",\"time_scale\":\"x\",\"duration\":1,"
                         "\"sample_time\":1,\"inputs\":{},\"params\":{}}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bus_job_t job = {0};
        assert_int_equal(bus_job_decode(bad[i], &job), PDE_EPROTO);
        assert_null(job.inputs_json);
    }
}

static void ids_are_validated(void **state) {
    (void)state;
    assert_true(bus_id_valid("abc-DEF_1.2"));
    assert_false(bus_id_valid(""));
    assert_false(bus_id_valid("a b"));
    assert_false(bus_id_valid("a:b"));
    assert_false(bus_id_valid("a/../b"));
    assert_false(bus_id_valid("a\nb"));
    char long_id[BUS_ID_MAX + 1];
    memset(long_id, 'a', BUS_ID_MAX);
    long_id[BUS_ID_MAX] = '\0';
    assert_false(bus_id_valid(long_id));
    long_id[BUS_ID_MAX - 1] = '\0';
    assert_true(bus_id_valid(long_id));
    char key[BUS_KEY_MAX];
    assert_string_equal(bus_key(key, sizeof key, BUS_SIM_KEY_FMT, "x1"), "pde:sim:x1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples_round_trip_exactly),
        cmocka_unit_test(malformed_sample_lines_are_refused_and_skipped),
        cmocka_unit_test(job_round_trip),
        cmocka_unit_test(malformed_jobs_are_refused),
        cmocka_unit_test(ids_are_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
