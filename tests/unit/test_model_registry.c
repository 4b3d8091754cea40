/* test_model_registry.c - the model registry: lookups by id and index, tag
 * and parameter indexes, the built-in descriptors against MODELS.md, and
 * registering further models (as data-file models will be) - including
 * that a registered model runs. */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "model/model.h"
#include "model/sim.h"
#include "model/start_values.h"
#include "testutil.h"

/* ---------------------------- lookups ---------------------------- */

static void builtins_are_found(void **state) {
    (void)state;
    assert_true(model_count() >= 2);
    const model_t *sd = model_find("spring-damper");
    const model_t *wb = model_find("wood-berry");
    assert_non_null(sd);
    assert_non_null(wb);
    assert_string_equal(sd->id, "spring-damper");
    assert_string_equal(wb->id, "wood-berry");
    /* model_at walks the same table, built-in models first. */
    int seen_sd = 0, seen_wb = 0;
    for (int i = 0; i < model_count(); i++) {
        assert_non_null(model_at(i));
        assert_ptr_equal(model_find(model_at(i)->id), model_at(i));
        seen_sd += model_at(i) == sd;
        seen_wb += model_at(i) == wb;
    }
    assert_int_equal(seen_sd, 1);
    assert_int_equal(seen_wb, 1);
}

static void unknown_is_null(void **state) {
    (void)state;
    assert_null(model_find("no-such-model"));
    assert_null(model_find(""));
    assert_null(model_find(NULL));
    assert_null(model_find("Spring-Damper"));   /* ids are exact */
    assert_null(model_find("spring-damper "));
    assert_null(model_at(-1));
    assert_null(model_at(model_count()));
}

static void tag_and_param_indexes(void **state) {
    (void)state;
    const model_t *sd = model_find("spring-damper");
    const model_t *wb = model_find("wood-berry");
    assert_int_equal(model_tag_index(sd, "F"), 0);
    assert_int_equal(model_tag_index(sd, "x"), 1);
    assert_int_equal(model_tag_index(sd, "v"), 2);
    assert_int_equal(model_tag_index(wb, "R"), 0);
    assert_int_equal(model_tag_index(wb, "S"), 1);
    assert_int_equal(model_tag_index(wb, "F"), 2);
    assert_int_equal(model_tag_index(wb, "xD"), 3);
    assert_int_equal(model_tag_index(wb, "xB"), 4);
    assert_int_equal(model_tag_index(wb, "xd"), -1);
    assert_int_equal(model_tag_index(wb, ""), -1);
    assert_int_equal(model_tag_index(wb, NULL), -1);
    assert_int_equal(model_tag_index(NULL, "R"), -1);
    const char *params[] = {"m", "k", "zeta", "x0", "v0"};
    for (int i = 0; i < 5; i++) {
        int j = model_param_index(sd, params[i]);
        assert_true(j >= 0 && j < sd->n_params);
        assert_string_equal(sd->params[j].name, params[i]);
    }
    assert_int_equal(model_param_index(sd, "c"), -1);
    assert_int_equal(model_param_index(sd, NULL), -1);
    assert_int_equal(model_param_index(wb, "m"), -1);
}

/* ---------------------------- descriptors ---------------------------- */

static void check_descriptor(const model_t *m) {
    assert_non_null(m->id);
    assert_non_null(m->title);
    assert_true(strlen(m->title) > 0);
    assert_non_null(m->description);
    assert_true(strlen(m->description) > 0);
    assert_true(m->n_inputs >= 1 && m->n_outputs >= 1);
    for (int i = 0; i < MODEL_N_TAGS(m); i++) {
        const tag_def_t *t = &m->tags[i];
        assert_non_null(t->name);
        assert_true(strlen(t->name) > 0);
        assert_int_equal(t->kind, i < m->n_inputs ? TAG_INPUT : TAG_OUTPUT);
        assert_non_null(t->unit);
        assert_true(strlen(t->unit) > 0);
        assert_non_null(t->description);
        assert_true(strlen(t->description) > 0);
        assert_true(isfinite(t->min) && isfinite(t->max) && t->min < t->max);
        if (t->kind == TAG_INPUT) assert_true(t->def >= t->min && t->def <= t->max);
        for (int j = 0; j < i; j++) assert_string_not_equal(m->tags[j].name, t->name);
    }
    for (int i = 0; i < m->n_params; i++) {
        const param_def_t *p = &m->params[i];
        assert_true(strlen(p->name) > 0 && strlen(p->unit) > 0 && strlen(p->description) > 0);
        assert_true(p->min < p->max && p->value >= p->min && p->value <= p->max);
        for (int j = 0; j < i; j++) assert_string_not_equal(m->params[j].name, p->name);
    }
    for (int k = 0; k < m->n_delays; k++) {
        assert_true(m->delays[k].input >= 0 && m->delays[k].input < m->n_inputs);
        assert_true(m->delays[k].dead_time >= 0);
    }
    assert_true(m->time_unit > 0 && m->step > 0);
    if (m->split) {
        /* Run in parts elsewhere (src/cosim/): nothing for sim.h. */
        assert_int_equal(m->n_states, 0);
        assert_null(sim_new(m, NULL, NULL));
        return;
    }
    assert_true(m->n_states >= 1);
    assert_non_null(m->rhs);
    assert_non_null(m->outputs);
    assert_true(m->rtol >= 0 && m->atol >= 0);
}

static void every_model_is_sane(void **state) {
    (void)state;
    for (int i = 0; i < model_count(); i++) {
        check_descriptor(model_at(i));
        for (int j = 0; j < i; j++) assert_string_not_equal(model_at(j)->id, model_at(i)->id);
    }
}

/* The numbers MODELS.md fixes, restated here. */
/* A start's values: the defaults, with the named ones over them; names the
 * model lacks, values that are not numbers and text that is not an object
 * are refused with the name in the message. */
static void start_values(void **state) {
    (void)state;
    const model_t *m = model_find("spring-damper");
    double u[1], p[5];
    char err[160] = "";
    assert_int_equal(model_start_values(m, "{\"F\": 2.5}", "{\"k\": 4}", u, p, err,
                                        sizeof err), 0);
    ASSERT_NEAR(u[0], 2.5, 0.0);
    ASSERT_NEAR(p[model_param_index(m, "k")], 4.0, 0.0);
    ASSERT_NEAR(p[model_param_index(m, "m")], 1.0, 0.0);
    assert_int_equal(model_start_values(m, NULL, NULL, u, NULL, err, sizeof err), 0);
    ASSERT_NEAR(u[0], 0.0, 0.0);
    const char *bad[][2] = {{"{\"x\": 1}", "input 'x'"}, {"{\"F\": \"1\"}", "input 'F'"},
                            {"[1]", "not a JSON object"}, {"{", "not a JSON object"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(model_start_values(m, bad[i][0], NULL, u, p, err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i][1]));
    }
    assert_int_equal(model_start_values(m, NULL, "{\"F\": 1}", u, p, err, sizeof err), -1);
    assert_non_null(strstr(err, "parameter 'F'"));
}

static void spring_damper_split_definition(void **state) {
    (void)state;
    const model_t *m = model_find("spring-damper-split"), *whole = model_find("spring-damper");
    assert_true(m->split);
    /* The same tags as the spring-damper, so clients treat both alike. */
    assert_int_equal(MODEL_N_TAGS(m), MODEL_N_TAGS(whole));
    for (int i = 0; i < MODEL_N_TAGS(m); i++)
        assert_string_equal(m->tags[i].name, whole->tags[i].name);
    const char *names[] = {"m", "k", "zeta", "x0", "v0", "h"};
    const double values[] = {1.0, 1.0, 0.01, 0.0, 1.0, 0.1};
    for (int i = 0; i < 6; i++)
        ASSERT_NEAR(m->params[model_param_index(m, names[i])].value, values[i], 0.0);
    ASSERT_NEAR(m->default_duration, 100.0, 0.0);      /* 1000 cycles of h */
}

static void spring_damper_definition(void **state) {
    (void)state;
    const model_t *m = model_find("spring-damper");
    assert_int_equal(m->n_inputs, 1);
    assert_int_equal(m->n_outputs, 2);
    assert_string_equal(m->tags[0].unit, "N");
    ASSERT_NEAR(m->tags[0].def, 0.0, 0.0);
    assert_string_equal(m->tags[1].unit, "m");
    assert_string_equal(m->tags[2].unit, "m/s");
    const char *names[] = {"m", "k", "zeta", "x0", "v0"};
    const double values[] = {1.0, 1.0, 0.01, 0.0, 1.0};
    for (int i = 0; i < 5; i++)
        ASSERT_NEAR(m->params[model_param_index(m, names[i])].value, values[i], 0.0);
    ASSERT_NEAR(m->step, 0.1, 0.0);
    ASSERT_NEAR(m->time_unit, 1.0, 0.0);
    assert_int_equal(m->n_states, 2);
    assert_int_equal(m->n_delays, 0);
    assert_int_equal(m->stiff, 0);
}

static void wood_berry_definition(void **state) {
    (void)state;
    const model_t *m = model_find("wood-berry");
    const struct {
        const char *name;
        double def;
    } inputs[] = {{"R", 1.95}, {"S", 1.71}, {"F", 2.45}};
    for (int i = 0; i < 3; i++) {
        const tag_def_t *t = &m->tags[model_tag_index(m, inputs[i].name)];
        assert_int_equal(t->kind, TAG_INPUT);
        assert_string_equal(t->unit, "lb/min");
        ASSERT_NEAR(t->def, inputs[i].def, 0.0);
        assert_true(t->min >= 0);
    }
    for (int i = 3; i < 5; i++) {
        assert_true(strstr(m->tags[i].unit, "mol") != NULL);
        assert_true(m->tags[i].min >= 0 && m->tags[i].max <= 100);
    }
    ASSERT_NEAR(m->time_unit, 60.0, 0.0);
    /* One exact dead time per path: R 1 and 7 min, S 3 and 3, F 8.1 and 3.4. */
    assert_int_equal(m->n_delays, 6);
    assert_int_equal(m->n_states, 6);
    const struct {
        const char *input;
        double theta;
    } dead_times[] = {{"R", 1.0}, {"R", 7.0}, {"S", 3.0}, {"S", 3.0}, {"F", 8.1}, {"F", 3.4}};
    int used[6] = {0};
    for (int j = 0; j < 6; j++) {
        int found = 0;
        for (int k = 0; k < 6 && !found; k++)
            if (!used[k] && m->delays[k].input == model_tag_index(m, dead_times[j].input) &&
                m->delays[k].dead_time == dead_times[j].theta)
                used[k] = found = 1;
        if (!found) fail_msg("no delay of %g min on %s", dead_times[j].theta, dead_times[j].input);
    }
}

/* ---------------------------- registering ---------------------------- */

/* A first-order lag with a dead time on its input, as a data-file model
 * might declare: tau·dy/dt = u(t − theta) − y, tau = 2 min, theta = 0.5 min,
 * and an output that passes the input through a zero dead time. */
enum { LAG_U, LAG_Y, LAG_U_NOW };
static const tag_def_t lag_tags[] = {
    {"u", TAG_INPUT, "1", -1, 1, 0, "input"},
    {"y", TAG_OUTPUT, "1", -1, 1, 0, "lagged, delayed input"},
    {"u_now", TAG_OUTPUT, "1", -1, 1, 0, "input through a zero dead time"},
};
static const param_def_t lag_params[] = {{"tau", "min", 2.0, 0.1, 10, "time constant"}};
static const delay_def_t lag_delays[] = {{0, 0.5}, {0, 0.0}};

static int lag_rhs(const model_t *m, double t, const double *x, const model_io_t *io,
                   double *dxdt) {
    (void)m;
    (void)t;
    dxdt[0] = (io->ud[0] - x[0]) / io->p[0];
    return 0;
}

static void lag_outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                        double *y) {
    (void)m;
    (void)t;
    y[0] = x[0];
    y[1] = io->ud[1];
}

static const model_t lag_model = {
    .id = "test-lag-2",
    .title = "Test lag",
    .description = "first-order lag with dead time",
    .tags = lag_tags,
    .n_inputs = 1,
    .n_outputs = 2,
    .params = lag_params,
    .n_params = 1,
    .delays = lag_delays,
    .n_delays = 2,
    .n_states = 1,
    .time_unit = 60.0,
    .step = 1.0,
    .rhs = lag_rhs,
    .outputs = lag_outputs,
};

static void register_and_run(void **state) {
    (void)state;
    int before = model_count();
    assert_int_equal(model_register(&lag_model), 0);
    assert_int_equal(model_count(), before + 1);
    assert_ptr_equal(model_at(before), &lag_model);
    assert_ptr_equal(model_find("test-lag-2"), &lag_model);
    assert_int_equal(model_register(&lag_model), PDE_EINVAL);   /* id taken */
    assert_int_equal(model_count(), before + 1);

    /* y(t) = 0.5·(1 − e^(−(t/60 − 0.5)/2)) after a step of 0.5 at t = 0;
     * u_now follows at once. */
    sim_t *s = sim_new(model_find("test-lag-2"), NULL, NULL);
    assert_non_null(s);
    assert_int_equal(sim_set_input(s, 0, 0.5), 0);
    double y[2];
    sim_outputs(s, y);
    ASSERT_NEAR(y[1], 0.5, 0.0);
    for (int n = 1; n <= 600; n++) {
        double t = n * 1.0;
        assert_int_equal(sim_advance(s, t), 0);
        sim_outputs(s, y);
        double since = t / 60 - 0.5;
        double want = since > 0 ? 0.5 * (1 - exp(-since / 2.0)) : 0.0;
        ASSERT_NEAR_AT(t, y[0], want, since > 0 ? 1e-7 : 0.0);
    }
    sim_free(s);
}

/* A model with no states at all: a pure dead time of 2.5 s, y = u(t − 2.5).
 * The output must switch exactly at the dead time, also when that instant
 * falls inside one advance. */
static const tag_def_t delay_tags[] = {
    {"u", TAG_INPUT, "1", -1, 1, 0, "input"},
    {"y", TAG_OUTPUT, "1", -1, 1, 0, "delayed input"},
};
static const delay_def_t delay_delays[] = {{0, 2.5}};

static void delay_outputs(const model_t *m, double t, const double *x, const model_io_t *io,
                          double *y) {
    (void)m;
    (void)t;
    (void)x;
    y[0] = io->ud[0];
}

static const model_t delay_model = {
    .id = "test-pure-delay",
    .title = "Test pure delay",
    .description = "dead time only",
    .tags = delay_tags,
    .n_inputs = 1,
    .n_outputs = 1,
    .delays = delay_delays,
    .n_delays = 1,
    .n_states = 0,
    .time_unit = 1.0,
    .step = 1.0,
    .outputs = delay_outputs,
};

static void stateless_model_runs(void **state) {
    (void)state;
    assert_int_equal(model_register(&delay_model), 0);
    sim_t *s = sim_new(model_find("test-pure-delay"), NULL, NULL);
    assert_non_null(s);
    double y;
    assert_int_equal(sim_advance(s, 1.0), 0);
    assert_int_equal(sim_set_input(s, 0, 0.7), 0);     /* shows at 3.5 s */
    assert_int_equal(sim_advance(s, 2.0), 0);
    assert_int_equal(sim_set_input(s, 0, -0.4), 0);    /* shows at 4.5 s */
    assert_int_equal(sim_advance(s, 3.5), 0);
    sim_outputs(s, &y);
    ASSERT_NEAR(y, 0.7, 0.0);
    assert_int_equal(sim_advance(s, 4.4), 0);
    sim_outputs(s, &y);
    ASSERT_NEAR(y, 0.7, 0.0);
    assert_int_equal(sim_advance(s, 10.0), 0);
    sim_outputs(s, &y);
    ASSERT_NEAR(y, -0.4, 0.0);
    ASSERT_NEAR(sim_time(s), 10.0, 0.0);
    sim_free(s);
}

/* A model whose right-hand side cannot be evaluated past t = 5 s (first
 * refusing, then returning NaN): sim_advance() reports PDE_ESOLVER and
 * leaves the instance at the last time the solver reached, not past 5 s. */
static const param_def_t failing_params[] = {
    {"nan", "1", 0, 0, 1, "1: answer NaN past 5 s instead of refusing"}};

/* dx/dt = 1 up to t = 5 s; then no answer (or NaN). */
static int failing_rhs(const model_t *m, double t, const double *x, const model_io_t *io,
                       double *dxdt) {
    (void)m;
    (void)x;
    dxdt[0] = 1.0;
    if (t <= 5.0) return 0;
    if (io->p[0] > 0) {
        dxdt[0] = NAN;
        return 0;
    }
    return 1;
}

static void solver_failure_is_reported(void **state) {
    (void)state;
    model_t m = lag_model;
    m.id = "test-failing";
    m.params = failing_params;
    m.rhs = failing_rhs;
    m.time_unit = 1.0;
    for (int nan = 0; nan <= 1; nan++) {
        double params[1] = {nan};
        sim_t *s = sim_new(&m, NULL, params);
        assert_non_null(s);
        assert_int_equal(sim_advance(s, 4.0), 0);
        assert_int_equal(sim_advance(s, 20.0), PDE_ESOLVER);
        assert_true(sim_time(s) >= 4.0 && sim_time(s) <= 5.0 + 1e-9);
        /* x = t up to there. */
        ASSERT_NEAR(sim_state(s)[0], sim_time(s), 1e-9);
        sim_free(s);
    }
}

/* Inconsistent descriptors are refused and leave the registry as it was. */
static void register_refuses_bad_models(void **state) {
    (void)state;
    int before = model_count();
    assert_int_equal(model_register(NULL), PDE_EINVAL);
    const char *bad_ids[] = {"", "Upper", "two  words", "-lead", "trail-", "double--dash",
                             "under_score", "spring-damper"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        model_t m = lag_model;
        m.id = bad_ids[i];
        assert_int_equal(model_register(&m), PDE_EINVAL);
    }
    tag_def_t tags[3];
    memcpy(tags, lag_tags, sizeof tags);
    model_t m = lag_model;
    m.id = "test-bad";
    m.tags = tags;
    tags[0].min = 2;                                /* min > max */
    assert_int_equal(model_register(&m), PDE_EINVAL);
    memcpy(tags, lag_tags, sizeof tags);
    tags[0].def = 5;                                /* default out of range */
    assert_int_equal(model_register(&m), PDE_EINVAL);
    memcpy(tags, lag_tags, sizeof tags);
    tags[0].kind = TAG_OUTPUT;                      /* inputs must come first */
    assert_int_equal(model_register(&m), PDE_EINVAL);
    memcpy(tags, lag_tags, sizeof tags);
    tags[2].name = "y";                             /* duplicate name */
    assert_int_equal(model_register(&m), PDE_EINVAL);
    memcpy(tags, lag_tags, sizeof tags);
    tags[1].unit = NULL;
    assert_int_equal(model_register(&m), PDE_EINVAL);

    m = lag_model;
    m.id = "test-bad";
    delay_def_t delays[] = {{1, 0.5}};              /* delay on an output */
    m.delays = delays;
    m.n_delays = 1;
    assert_int_equal(model_register(&m), PDE_EINVAL);
    delays[0] = (delay_def_t){0, -1.0};             /* negative dead time */
    assert_int_equal(model_register(&m), PDE_EINVAL);

    m = lag_model;
    m.id = "test-bad";
    m.rhs = NULL;
    assert_int_equal(model_register(&m), PDE_EINVAL);
    m = lag_model;
    m.id = "test-bad";
    m.step = 0;
    assert_int_equal(model_register(&m), PDE_EINVAL);
    m = lag_model;
    m.id = "test-bad";
    m.time_unit = NAN;
    assert_int_equal(model_register(&m), PDE_EINVAL);
    param_def_t params[1] = {lag_params[0]};
    params[0].value = 100;                          /* default out of range */
    m = lag_model;
    m.id = "test-bad";
    m.params = params;
    assert_int_equal(model_register(&m), PDE_EINVAL);

    assert_int_equal(model_count(), before);
    assert_null(model_find("test-bad"));
}

/* Runs last: fills the registry. */
static void register_until_full(void **state) {
    (void)state;
    static char ids[MODEL_MAX][16];
    static model_t models[MODEL_MAX];
    int added = 0;
    for (int i = 0; model_count() < MODEL_MAX; i++) {
        snprintf(ids[i], sizeof ids[i], "test-%d", i);
        models[i] = lag_model;
        models[i].id = ids[i];
        assert_int_equal(model_register(&models[i]), 0);
        added++;
    }
    assert_true(added > 0);
    model_t one_more = lag_model;
    one_more.id = "test-one-more";
    assert_int_equal(model_register(&one_more), PDE_EFULL);
    assert_int_equal(model_count(), MODEL_MAX);
    assert_ptr_equal(model_find(ids[added - 1]), &models[added - 1]);
    assert_null(model_find("test-one-more"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtins_are_found),
        cmocka_unit_test(unknown_is_null),
        cmocka_unit_test(tag_and_param_indexes),
        cmocka_unit_test(every_model_is_sane),
        cmocka_unit_test(spring_damper_definition),
        cmocka_unit_test(spring_damper_split_definition),
        cmocka_unit_test(start_values),
        cmocka_unit_test(wood_berry_definition),
        cmocka_unit_test(register_and_run),
        cmocka_unit_test(stateless_model_runs),
        cmocka_unit_test(solver_failure_is_reported),
        cmocka_unit_test(register_refuses_bad_models),
        cmocka_unit_test(register_until_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
