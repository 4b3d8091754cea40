/* test_config.c - settings: defaults, environment, flags, bounds, URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/config.h"

static int load(config_t *cfg, int role, int argc, const char **argv) {
    return config_load(cfg, role, argc, (char **)argv);
}

static void defaults(void **state) {
    (void)state;
    unsetenv("PDE_LISTEN");
    unsetenv("PDE_WORKERS");
    config_t cfg;
    const char *argv[] = {"pde-engine"};
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 1, argv), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_string_equal(cfg.data_dir, "./data");
    assert_string_equal(cfg.redis, "");
    assert_string_equal(cfg.historian, "sqlite");
    assert_int_equal(cfg.workers, -1);
}

/* Access and limits: safe defaults (no token, no CORS), the token from
 * the environment, and bounds that refuse nonsense. */
static void access_and_limits(void **state) {
    (void)state;
    unsetenv("PDE_TOKEN");
    config_t cfg;
    const char *argv[] = {"pde-engine"};
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 1, argv), 0);
    assert_string_equal(cfg.token, "");
    assert_int_equal(cfg.token_reads, 0);
    assert_string_equal(cfg.cors_origins, "");
    assert_int_equal(cfg.max_sims, 10000);
    assert_int_equal(cfg.max_sims_per_client, 1000);
    assert_int_equal(cfg.ws_rate, 50);
    assert_int_equal(cfg.ws_burst, 100);
    assert_int_equal(cfg.http_timeout, 30);
    assert_int_equal(cfg.ws_idle, 60);
    setenv("PDE_TOKEN", "from-env", 1);
    const char *reads[] = {"pde-engine", "--token-reads", "1", "--cors-origins",
                           "http://a:1,https://b"};
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 5, reads), 0);
    assert_string_equal(cfg.token, "from-env");
    assert_int_equal(cfg.token_reads, 1);
    assert_string_equal(cfg.cors_origins, "http://a:1,https://b");
    unsetenv("PDE_TOKEN");
    const char *bad_reads[] = {"pde-engine", "--token-reads", "2"};
    const char *no_sims[] = {"pde-engine", "--max-sims", "0"};
    const char *no_rate[] = {"pde-engine", "--ws-rate", "0"};
    const char *short_idle[] = {"pde-engine", "--ws-idle", "1"};
    const char *worker_token[] = {"pde-worker", "--token", "x"};
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, bad_reads), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, no_sims), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, no_rate), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, short_idle), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_WORKER, 3, worker_token), -1);
}

static void environment_then_flags(void **state) {
    (void)state;
    setenv("PDE_LISTEN", "0.0.0.0:9000", 1);
    setenv("PDE_WORKERS", "3", 1);
    config_t cfg;
    const char *argv[] = {"pde-engine", "--workers", "5", "--redis=redis://h:7000"};
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 4, argv), 0);
    assert_string_equal(cfg.listen, "0.0.0.0:9000");
    assert_int_equal(cfg.workers, 5);
    assert_string_equal(cfg.redis, "redis://h:7000");
    unsetenv("PDE_LISTEN");
    unsetenv("PDE_WORKERS");
}

static void bad_values_are_refused(void **state) {
    (void)state;
    config_t cfg;
    const char *not_number[] = {"pde-engine", "--workers", "many"};
    const char *too_big[] = {"pde-engine", "--workers", "100000"};
    const char *fraction[] = {"pde-engine", "--workers", "1.5"};
    const char *unknown[] = {"pde-engine", "--bogus", "1"};
    const char *missing[] = {"pde-engine", "--listen"};
    const char *wrong_role[] = {"pde-worker", "--listen", "1.2.3.4:5"};
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, not_number), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, too_big), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, fraction), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 3, unknown), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_ENGINE, 2, missing), -1);
    assert_int_equal(load(&cfg, CONFIG_ROLE_WORKER, 3, wrong_role), -1);
}

static void urls(void **state) {
    (void)state;
    char host[64];
    int port;
    assert_int_equal(config_parse_redis_url("redis://10.0.0.2:6380", host, sizeof host, &port), 0);
    assert_string_equal(host, "10.0.0.2");
    assert_int_equal(port, 6380);
    assert_int_equal(config_parse_redis_url("redis://myhost", host, sizeof host, &port), 0);
    assert_string_equal(host, "myhost");
    assert_int_equal(port, 6379);
    assert_int_equal(config_parse_redis_url("localhost:7000/0", host, sizeof host, &port), 0);
    assert_int_equal(port, 7000);
    assert_int_equal(config_parse_redis_url("redis://h:99999", host, sizeof host, &port), -1);
    assert_int_equal(config_parse_redis_url("redis://", host, sizeof host, &port), -1);
    assert_int_equal(config_parse_listen("127.0.0.1:8080", host, sizeof host, &port), 0);
    assert_int_equal(port, 8080);
    assert_int_equal(config_parse_listen("8080", host, sizeof host, &port), -1);
    assert_int_equal(config_parse_listen(":8080", host, sizeof host, &port), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(access_and_limits),
        cmocka_unit_test(environment_then_flags),
        cmocka_unit_test(bad_values_are_refused),
        cmocka_unit_test(urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
