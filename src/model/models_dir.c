/* models_dir.c - loads the data-file models (lti.h) of the folder the
 * settings name, logging each file that does not load. The engine and
 * every worker call it at start-up with the same setting, so both know the
 * same models. */
#include "models_dir.h"

#include <sys/stat.h>

#include "common/log.h"
#include "common/util.h"
#include "lti.h"

static void report(void *arg, const char *file, const char *field, const char *problem) {
    (void)arg;
    LOG(LOG_WARN, "model file %s%s%s: %s; skipped", file, field[0] ? ", field " : "",
        field, problem);
}

int models_dir_load(const char *configured) {
    char dir[4096];
    if (configured[0]) {
        strlcpy_pde(dir, configured, sizeof dir);
    } else {
        path_beside_self(dir, sizeof dir, "../../models");
        struct stat st;
        if (stat(dir, &st) != 0) return 0;  /* no default folder: nothing to load */
    }
    int n = model_load_dir(dir, report, NULL);
    if (n < 0) return n;
    LOG(n ? LOG_INFO : LOG_DEBUG, "%d data-file model(s) loaded from %s", n, dir);
    return n;
}
