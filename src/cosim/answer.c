/* answer.c - an entry answered in its own form (answer.h).
 *
 * Load: per entry one parse (a JSON state, or a packed entry's binary
 * states and its cached names) and one queued XADD. */
#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int answer_packed(cosim_batch_t *b, const char *stream, const redisReply *fields,
                         cosim_names_t **names, cosim_chain_step_fn step, void *ctx) {
    cosim_pack_t pk;
    int rc = cosim_pack_parse(fields, names, &pk);
    if (rc == 0) {
        sd_state_t *out = xcalloc(pk.n ? pk.n : 1, sizeof *out);
        unsigned char *answered = xcalloc(pk.n ? pk.n : 1, 1);
        for (size_t i = 0; i < pk.n; i++) {
            const char *name = cosim_pack_name(&pk, i);
            answered[i] = (unsigned char)cosim_step_answers(step(ctx, name, strlen(name), &pk.states[i],
                                                      &out[i]));
        }
        cosim_batch_answer_pack(b, stream, &pk, answered, out);
        free(out);
        free(answered);
    }
    cosim_pack_release(&pk);
    return rc;
}

static int answer_demo(cosim_batch_t *b, const char *stream, const redisReply *fields,
                       cosim_chain_step_fn step, void *ctx) {
    cosim_entry_t e;
    if (cosim_entry_parse(fields, &e) != 0) return -1;
    sd_state_t out;
    if (cosim_step_answers(step(ctx, e.name, e.name_len, &e.state, &out)))
        cosim_batch_answer(b, stream, e.name, e.name_len, e.out, e.out_len, &out);
    return 0;
}

int cosim_answer_entry(cosim_batch_t *b, const char *stream, const redisReply *fields,
                       cosim_names_t **names, cosim_chain_step_fn step, void *ctx,
                       cosim_entry_form_t *form) {
    *form = cosim_pack_is(fields) ? COSIM_ENTRY_PACKED : COSIM_ENTRY_DEMO;
    return *form == COSIM_ENTRY_PACKED ? answer_packed(b, stream, fields, names, step, ctx)
                                       : answer_demo(b, stream, fields, step, ctx);
}
