/* test_lti.c - linear models from data files (src/model/lti.c).
 *
 * - models/wood-berry-tf.json, the shipped data-file form of Wood & Berry,
 *   against the built-in C model under the same input steps (dead times
 *   included): the two must agree to round-off.
 * - Transfer functions and a state-space system against their analytic
 *   step responses (unit step response S of 1/den, the lead adding τa·S'):
 *     first order + lead   K·(1 − (1 − τa/τ)·e^(−t/τ))
 *     two lags τ1, τ2      K·(1 − (τ1·e^(−t/τ1) − τ2·e^(−t/τ2))/(τ1 − τ2))
 *     τ, ζ < 1, lead τa    K·(S(t) + τa·S'(t)),
 *                          S = 1 − e^(−ζt/τ)·(cos ωd·t + ζ/√(1−ζ²)·sin ωd·t),
 *                          S' = e^(−ζt/τ)·sin(ωd·t)/(τ·√(1−ζ²)), ωd = √(1−ζ²)/τ
 *   all after their dead time, measured from the step.
 * - Bad files: each reported with file, field and problem, skipped, while
 *   the good files in the same folder load.
 *
 * Tolerance: 1e-7 in output units against the analytic responses (rtol
 * 1e-8 on O(1) states); 1e-12 between the two Wood-Berry forms, whose
 * realisations (one gain-scaled state per path, same order) are the same
 * equations, so they differ by round-off only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "model/lti.h"
#include "model/model.h"
#include "model/sim.h"
#include "testutil.h"

#define TOL 1e-7

/* ---------------------------- reports ---------------------------- */

#define MAX_REPORTS 32

typedef struct report {
    char file[256], field[128], problem[320];
} report_t;

typedef struct reports {
    report_t r[MAX_REPORTS];
    int n;
} reports_t;

static void collect(void *arg, const char *file, const char *field, const char *problem) {
    reports_t *rs = arg;
    assert_non_null(file);
    assert_non_null(field);
    assert_non_null(problem);
    assert_true(strlen(problem) > 0);
    if (rs->n == MAX_REPORTS) return;
    report_t *r = &rs->r[rs->n++];
    snprintf(r->file, sizeof r->file, "%s", file);
    snprintf(r->field, sizeof r->field, "%s", field);
    snprintf(r->problem, sizeof r->problem, "%s", problem);
}

/* The report about the file whose name ends in name, or NULL. */
static const report_t *report_for(const reports_t *rs, const char *name) {
    for (int i = 0; i < rs->n; i++) {
        size_t n = strlen(rs->r[i].file), k = strlen(name);
        if (n >= k && strcmp(rs->r[i].file + n - k, name) == 0) return &rs->r[i];
    }
    return NULL;
}

/* ---------------------------- helpers ---------------------------- */

/* The repository's models folder, found from this file's path (CMake
 * compiles with absolute paths). */
static void models_dir(char *out, size_t len) {
    snprintf(out, len, "%s", __FILE__);
    char *slash = strrchr(out, '/');
    assert_non_null(slash);
    *slash = '\0';                      /* tests/unit */
    snprintf(slash, len - (size_t)(slash - out), "/../../models");
}

static model_t *parse_ok(const char *json) {
    reports_t rs = {0};
    model_t *m = model_lti_parse(json, "inline.json", collect, &rs);
    if (!m) fail_msg("parse failed: %s: %s", rs.n ? rs.r[0].field : "?", rs.n ? rs.r[0].problem : "?");
    assert_int_equal(rs.n, 0);
    return m;
}

static double output(const sim_t *s, int k) {
    double y[16];
    assert_true(sim_model(s)->n_outputs <= 16);
    sim_outputs(s, y);
    return y[k];
}

static const model_t *wood_berry_data(void) {
    const model_t *m = model_find("wood-berry-data");
    if (!m) {
        char dir[512];
        models_dir(dir, sizeof dir);
        reports_t rs = {0};
        assert_true(model_load_dir(dir, collect, &rs) >= 1);
        if (rs.n) fail_msg("%s: %s: %s", rs.r[0].file, rs.r[0].field, rs.r[0].problem);
        m = model_find("wood-berry-data");
    }
    assert_non_null(m);
    return m;
}

/* ---------------------------- the shipped file ---------------------------- */

static void shipped_folder_loads(void **state) {
    (void)state;
    const model_t *data = wood_berry_data(), *c = model_find("wood-berry");
    assert_non_null(c);
    assert_int_equal(data->n_inputs, c->n_inputs);
    assert_int_equal(data->n_outputs, c->n_outputs);
    for (int i = 0; i < MODEL_N_TAGS(c); i++) {
        assert_string_equal(data->tags[i].name, c->tags[i].name);
        assert_string_equal(data->tags[i].unit, c->tags[i].unit);
        assert_int_equal(data->tags[i].kind, c->tags[i].kind);
        ASSERT_NEAR(data->tags[i].min, c->tags[i].min, 0.0);
        ASSERT_NEAR(data->tags[i].max, c->tags[i].max, 0.0);
        if (i < c->n_inputs) ASSERT_NEAR(data->tags[i].def, c->tags[i].def, 0.0);
    }
    ASSERT_NEAR(data->time_unit, 60.0, 0.0);
}

/* The same steps into both forms, at awkward instants (dead times inside
 * sample periods), for two hours. */
static void data_file_and_c_model_agree(void **state) {
    (void)state;
    const model_t *data = wood_berry_data(), *c = model_find("wood-berry");
    double start[3] = {2.1, 1.6, 2.45};     /* not the nominal point */
    sim_t *a = sim_new(data, start, NULL), *b = sim_new(c, start, NULL);
    assert_non_null(a);
    assert_non_null(b);
    ASSERT_NEAR(output(a, 0), output(b, 0), 1e-12);
    ASSERT_NEAR(output(a, 1), output(b, 1), 1e-12);
    const struct {
        double t;
        int input;
        double value;
    } steps[] = {{0, 0, 2.05}, {37, 1, 1.75}, {300, 2, 2.9}, {301, 0, 1.9}, {1234, 1, 1.5}};
    int next = 0;
    for (int k = 0; k <= 7200; k += 7) {
        while (next < 5 && steps[next].t <= k) {
            assert_int_equal(sim_set_input(a, steps[next].input, steps[next].value), 0);
            assert_int_equal(sim_set_input(b, steps[next].input, steps[next].value), 0);
            next++;
        }
        assert_int_equal(sim_advance(a, k), 0);
        assert_int_equal(sim_advance(b, k), 0);
        ASSERT_NEAR_AT(k, output(a, 0), output(b, 0), 1e-12);
        ASSERT_NEAR_AT(k, output(a, 1), output(b, 1), 1e-12);
    }
    sim_free(a);
    sim_free(b);
}

/* ---------------------------- analytic responses ---------------------------- */

static const char *const tf_json =
    "{\"id\": \"tf-shapes\", \"title\": \"shapes\", \"time_unit\": 60, \"step\": 0.5,"
    " \"inputs\": [{\"name\": \"u\", \"unit\": \"%\", \"min\": -10, \"max\": 10, \"nominal\": 1},"
    "              {\"name\": \"w\", \"unit\": \"%\", \"min\": 0, \"max\": 10, \"nominal\": 5,"
    "               \"default\": 5, \"description\": \"second input\"}],"
    " \"outputs\": [{\"name\": \"lead_lag\", \"unit\": \"m\", \"min\": -100, \"max\": 100, \"nominal\": 2},"
    "               {\"name\": \"two_lags\", \"unit\": \"m\", \"min\": -100, \"max\": 100, \"nominal\": 0},"
    "               {\"name\": \"second\", \"unit\": \"m\", \"min\": -100, \"max\": 100, \"nominal\": -1},"
    "               {\"name\": \"gain\", \"unit\": \"m\", \"min\": -100, \"max\": 100, \"nominal\": 0}],"
    " \"transfer_functions\": ["
    "   [{\"gain\": 2, \"tau\": 3, \"lead\": 1.2, \"dead_time\": 0.5}, null],"
    "   [{\"gain\": -1.5, \"tau\": [2, 5], \"dead_time\": 1}, null],"
    "   [null, {\"gain\": 0.8, \"tau\": 1.5, \"zeta\": 0.3, \"lead\": -2}],"
    "   [{\"gain\": 4, \"tau\": 0, \"dead_time\": 0.25}, {\"gain\": 1, \"tau\": 0}]]}";

static void transfer_function_shapes(void **state) {
    (void)state;
    model_t *m = parse_ok(tf_json);
    assert_int_equal(m->n_states, 1 + 2 + 2);
    assert_int_equal(m->n_delays, 5);
    sim_t *s = sim_new(m, NULL, NULL);
    assert_non_null(s);
    double du = 2.5, dw = -1.0;         /* steps at t = 0 */
    assert_int_equal(sim_set_input(s, 0, 1 + du), 0);
    assert_int_equal(sim_set_input(s, 1, 5 + dw), 0);
    for (int k = 1; k <= 900; k++) {
        double t = k * 1.0, tm = t / 60.0;      /* the model's unit is 60 s */
        assert_int_equal(sim_advance(s, t), 0);
        double a = tm - 0.5, b = tm - 1;
        double y0 = 2 + (a >= 0 ? 2 * du * (1 - (1 - 1.2 / 3) * exp(-a / 3)) : 0);
        double y1 = b > 0 ? -1.5 * du * (1 - (2 * exp(-b / 2) - 5 * exp(-b / 5)) / (2 - 5)) : 0;
        double z = 0.3, tau = 1.5, r = sqrt(1 - z * z), wd = r / tau;
        double S = 1 - exp(-z * tm / tau) * (cos(wd * tm) + z / r * sin(wd * tm));
        double dS = exp(-z * tm / tau) * sin(wd * tm) / (tau * r);
        double y2 = -1 + 0.8 * dw * (S + (-2) * dS);
        double y3 = (tm >= 0.25 ? 4 * du : 0) + dw;
        ASSERT_NEAR_AT(t, output(s, 0), y0, TOL);
        ASSERT_NEAR_AT(t, output(s, 1), y1, TOL);
        ASSERT_NEAR_AT(t, output(s, 2), y2, TOL);
        ASSERT_NEAR_AT(t, output(s, 3), y3, TOL);
    }
    sim_free(s);
    model_lti_free(m);
}

/* Two lags in series as a state-space system, with an input dead time:
 *   x1' = (u − x1)/2,  x2' = (2·x1 − x2)/4... written as A, B, C:
 *   A = [[−0.5, 0], [0.5, −0.25]], B = [[0.5], [0]], C = [[0, 1]]
 * so y = 2/((2s + 1)(4s + 1)) after 1.5 s. D adds a direct term. */
static const char *const ss_json =
    "{\"id\": \"ss-two-lags\", \"title\": \"two lags\","
    " \"inputs\": [{\"name\": \"u\", \"unit\": \"V\", \"min\": -5, \"max\": 5, \"nominal\": 0}],"
    " \"outputs\": [{\"name\": \"y\", \"unit\": \"V\", \"min\": -50, \"max\": 50, \"nominal\": 10},"
    "               {\"name\": \"z\", \"unit\": \"V\", \"min\": -50, \"max\": 50, \"nominal\": 0}],"
    " \"state_space\": {\"A\": [[-0.5, 0], [0.5, -0.25]], \"B\": [[0.5], [0]],"
    "                   \"C\": [[0, 1], [1, 0]], \"D\": [[0], [3]], \"dead_times\": [1.5]}}";

static void state_space_two_lags(void **state) {
    (void)state;
    model_t *m = parse_ok(ss_json);
    sim_t *s = sim_new(m, NULL, NULL);
    assert_non_null(s);
    double du = 1.5;
    assert_int_equal(sim_set_input(s, 0, du), 0);
    for (int k = 1; k <= 300; k++) {
        double t = 0.1 * k, tt = t - 1.5;
        assert_int_equal(sim_advance(s, t), 0);
        double y = 10 + (tt > 0 ? 2 * du * (1 - (2 * exp(-tt / 2) - 4 * exp(-tt / 4)) / (2 - 4)) : 0);
        double z = tt >= 0 ? du * (1 - exp(-tt / 2)) + 3 * du : 0;
        ASSERT_NEAR_AT(t, output(s, 0), y, TOL);
        ASSERT_NEAR_AT(t, output(s, 1), z, TOL);
    }
    sim_free(s);
    /* Started away from the nominal input it is at its steady state. */
    double u0 = -2;
    s = sim_new(m, &u0, NULL);
    assert_non_null(s);
    ASSERT_NEAR(output(s, 0), 10 + 2 * u0, 1e-12);
    assert_int_equal(sim_advance(s, 100), 0);
    ASSERT_NEAR(output(s, 0), 10 + 2 * u0, 1e-9);
    sim_free(s);
    model_lti_free(m);
}

/* ---------------------------- bad files ---------------------------- */

typedef struct bad_case {
    const char *name;           /* file name in the temporary folder */
    const char *json;
    const char *field;          /* the field the report must name */
} bad_case_t;

#define GOOD_TAGS                                                                          \
    "\"inputs\": [{\"name\": \"u\", \"unit\": \"V\", \"min\": 0, \"max\": 1, \"nominal\": 0.5}]," \
    "\"outputs\": [{\"name\": \"y\", \"unit\": \"V\", \"min\": 0, \"max\": 1, \"nominal\": 0.5}],"

static const bad_case_t bad_cases[] = {
    {"b01-syntax.json", "{\"id\": \"x\",", ""},
    {"b02-not-object.json", "[1, 2]", ""},
    {"b03-no-id.json", "{\"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "id"},
    {"b04-bad-id.json", "{\"id\": \"Bad Id\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "id"},
    {"b05-unknown-field.json", "{\"id\": \"b-five\", \"title\": \"t\", \"colour\": 1, " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "colour"},
    {"b06-tau-type.json", "{\"id\": \"b-six\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": \"slow\"}]]}", "transfer_functions[0][0].tau"},
    {"b07-negative-dead-time.json", "{\"id\": \"b-seven\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1, \"dead_time\": -2}]]}", "transfer_functions[0][0].dead_time"},
    {"b08-row-size.json", "{\"id\": \"b-eight\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}, null]]}", "transfer_functions[0]"},
    {"b09-matrix-size.json", "{\"id\": \"b-nine\", \"title\": \"t\", " GOOD_TAGS " \"state_space\": {\"A\": [[-1, 0], [0, -1]], \"B\": [[1]], \"C\": [[1, 0]]}}", "state_space.B"},
    {"b10-both-forms.json", "{\"id\": \"b-ten\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]], \"state_space\": {}}", "state_space"},
    {"b11-range.json", "{\"id\": \"b-eleven\", \"title\": \"t\", \"inputs\": [{\"name\": \"u\", \"unit\": \"V\", \"min\": 2, \"max\": 1, \"nominal\": 0.5}], \"outputs\": [], \"transfer_functions\": []}", "inputs[0].max"},
    {"b12-duplicate-tag.json", "{\"id\": \"b-twelve\", \"title\": \"t\", \"inputs\": [{\"name\": \"u\", \"unit\": \"V\", \"min\": 0, \"max\": 1, \"nominal\": 0.5}], \"outputs\": [{\"name\": \"u\", \"unit\": \"V\", \"min\": 0, \"max\": 1, \"nominal\": 0.5}], \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "outputs[0].name"},
    {"b13-id-taken.json", "{\"id\": \"wood-berry\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "id"},
    {"b14-no-paths.json", "{\"id\": \"b-fourteen\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[null]]}", "transfer_functions"},
    {"b15-nominal-outside.json", "{\"id\": \"b-fifteen\", \"title\": \"t\", \"inputs\": [{\"name\": \"u\", \"unit\": \"V\", \"min\": 0, \"max\": 1, \"nominal\": 3}], " "\"outputs\": [{\"name\": \"y\", \"unit\": \"V\", \"min\": 0, \"max\": 1, \"nominal\": 0.5}], \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "inputs[0].nominal"},
    {"b16-zeta-needs-tau.json", "{\"id\": \"b-sixteen\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 0, \"zeta\": 0.5}]]}", "transfer_functions[0][0].tau"},
    {"b17-duplicate-key.json", "{\"id\": \"b-seventeen\", \"id\": \"b-seventeen\", \"title\": \"t\"}", ""},
    {"b18-missing-gain.json", "{\"id\": \"b-eighteen\", \"title\": \"t\", " GOOD_TAGS " \"transfer_functions\": [[{\"tau\": 1}]]}", "transfer_functions[0][0].gain"},
    {"b19-time-unit.json", "{\"id\": \"b-nineteen\", \"title\": \"t\", \"time_unit\": \"fortnight\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1}]]}", "time_unit"},
    /* Found by fuzz_lti: finite in minutes, infinite in seconds; the delay
     * line aborted the worker at the sim's start. */
    {"b20-dead-time-overflow.json", "{\"id\": \"b-twenty\", \"title\": \"t\", \"time_unit\": \"min\", " GOOD_TAGS " \"transfer_functions\": [[{\"gain\": 1, \"tau\": 1, \"dead_time\": 1e307}]]}", "transfer_functions[0][0].dead_time"},
    {"b21-dead-times-too-long.json", "{\"id\": \"b-twenty-one\", \"title\": \"t\", \"time_unit\": \"h\", " GOOD_TAGS " \"state_space\": {\"A\": [[-1]], \"B\": [[1]], \"C\": [[1]], \"dead_times\": [1e6]}}", "state_space.dead_times[0]"},
};
#define N_BAD ((int)(sizeof bad_cases / sizeof bad_cases[0]))

static void write_file(const char *dir, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* A folder of good and bad files: the good load, each bad one is reported
 * once with the field at fault, other files are ignored. */
static void bad_files_are_reported_and_skipped(void **state) {
    (void)state;
    char dir[] = "/tmp/pde-test-lti-XXXXXX";
    assert_non_null(mkdtemp(dir));
    for (int k = 0; k < N_BAD; k++) write_file(dir, bad_cases[k].name, bad_cases[k].json);
    write_file(dir, "a-good-tf.json", tf_json);
    write_file(dir, "c-good-ss.json", ss_json);
    write_file(dir, "notes.txt", "not a model");
    write_file(dir, ".hidden.json", "{");
    int before = model_count();
    reports_t rs = {0};
    int loaded = model_load_dir(dir, collect, &rs);
    assert_int_equal(loaded, 2);
    assert_int_equal(model_count(), before + 2);
    assert_non_null(model_find("tf-shapes"));
    assert_non_null(model_find("ss-two-lags"));
    assert_int_equal(rs.n, N_BAD);
    for (int k = 0; k < N_BAD; k++) {
        const report_t *r = report_for(&rs, bad_cases[k].name);
        if (!r) fail_msg("no report for %s", bad_cases[k].name);
        if (strcmp(r->field, bad_cases[k].field) != 0)
            fail_msg("%s: reported field '%s' (%s), expected '%s'", bad_cases[k].name, r->field,
                     r->problem, bad_cases[k].field);
    }
    /* The models just loaded run. */
    sim_t *s = sim_new(model_find("ss-two-lags"), NULL, NULL);
    assert_non_null(s);
    assert_int_equal(sim_advance(s, 10), 0);
    ASSERT_NEAR(output(s, 0), 10, 1e-12);
    sim_free(s);
    /* Loading the same folder again registers nothing new: the ids are
     * taken, and said so. */
    rs.n = 0;
    assert_int_equal(model_load_dir(dir, collect, &rs), 0);
    const report_t *r = report_for(&rs, "a-good-tf.json");
    assert_non_null(r);
    assert_string_equal(r->field, "id");
    for (int k = 0; k < N_BAD; k++) remove_file(dir, bad_cases[k].name);
    remove_file(dir, "a-good-tf.json");
    remove_file(dir, "c-good-ss.json");
    remove_file(dir, "notes.txt");
    remove_file(dir, ".hidden.json");
    assert_int_equal(rmdir(dir), 0);
}

static void missing_folder_and_file(void **state) {
    (void)state;
    reports_t rs = {0};
    assert_int_equal(model_load_dir("/nonexistent/pde-models", collect, &rs), -ENOENT);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.r[0].field, "");
    assert_int_equal(model_load_file("/nonexistent/x.json", collect, &rs), -ENOENT);
    assert_int_equal(rs.n, 2);
    /* No report callback: still safe. */
    assert_int_equal(model_load_dir("/nonexistent/pde-models", NULL, NULL), -ENOENT);
    assert_null(model_lti_parse("{", "x.json", NULL, NULL));
    model_lti_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_folder_loads),
        cmocka_unit_test(data_file_and_c_model_agree),
        cmocka_unit_test(transfer_function_shapes),
        cmocka_unit_test(state_space_two_lags),
        cmocka_unit_test(bad_files_are_reported_and_skipped),
        cmocka_unit_test(missing_folder_and_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
