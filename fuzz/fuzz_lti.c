/* fuzz_lti.c - libFuzzer target: the loader of data-file models (lti.c),
 * the one place where a file a user drops into models/ is parsed. A model
 * that loads is also run for one simulated second (sim.h), so sizes and
 * indices the loader accepted are used for real. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "model/lti.h"
#include "model/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    model_t *m = model_lti_parse(text, "fuzz.json", NULL, NULL);
    free(text);
    if (!m) return 0;
    sim_t *s = sim_new(m, NULL, NULL);
    if (s) {
        double y[2 * 64 + 8];
        sim_advance(s, 1.0);
        if (m->n_outputs <= (int)(sizeof y / sizeof *y)) sim_outputs(s, y);
        sim_free(s);
    }
    model_lti_free(m);
    return 0;
}
