/* fuzz_cosim.c - libFuzzer target: what a co-simulation part makes of a
 * stream entry that anyone with access to Redis may have written (cosim.h,
 * pack.h). The input is read by hiredis as Redis would send an entry's
 * fields (RESP); it is answered by the code `pde pydsd` runs
 * (answer.h), acknowledged, and the commands are formatted. The names cache lives across inputs, so its bound is fuzzed
 * too. Arrays are capped at 64 elements: hiredis 0.14's reader would
 * allocate whatever length an input claims, and Redis sends no such thing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "common/util.h"
#include "cosim/answer.h"

static cosim_names_t *names;

static redisReplyObjectFunctions bounded;
static void *(*create_array)(const redisReadTask *, int);

static void *create_bounded_array(const redisReadTask *task, int elements) {
    return elements >= 0 && elements <= 64 ? create_array(task, elements) : NULL;
}

/* Chains whose name has an odd length play the velocity part, the others
 * the position part, so both steps and every outcome are reached. */
static cosim_step_t step_chain(void *ctx, const char *name, size_t name_len,
                               const sd_state_t *in, sd_state_t *out) {
    (void)ctx;
    PDE_ASSERT(name != NULL);
    cosim_role_t role = name_len % 2 ? COSIM_VELOCITY : COSIM_POSITION;
    return cosim_step(role, &SD_PARAMS_DEFAULT, 1.5, SD_CYCLES_DEFAULT, in, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redisReader *reader = redisReaderCreate();
    if (!create_array) {
        bounded = *reader->fn;
        create_array = bounded.createArray;
        bounded.createArray = create_bounded_array;
    }
    reader->fn = &bounded;
    redisReaderFeed(reader, (const char *)data, size);
    void *reply = NULL;
    if (redisReaderGetReply(reader, &reply) == REDIS_OK && reply) {
        cosim_batch_t b = COSIM_BATCH_INIT;
        cosim_entry_form_t form;
        cosim_answer_entry(&b, "velocities", reply, &names, step_chain, NULL, &form);
        cosim_batch_ack(&b, "positions", "vel_group", "1-0");
        cosim_batch_finish(&b);
        PDE_ASSERT(b.n_replies >= 3);
        cosim_batch_release(&b);
        freeReplyObject(reply);
    }
    redisReaderFree(reader);
    return 0;
}
