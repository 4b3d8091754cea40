/* fuzz_cosim.c - libFuzzer target: what a co-simulation part makes of a
 * stream entry that anyone with access to Redis may have written (cosim.h,
 * pack.h). The input is read by hiredis as Redis would send an entry's
 * fields (RESP); an entry that parses is stepped, answered and
 * acknowledged as `pde pydsd` and the workers do, and the commands are
 * formatted. The names cache lives across inputs, so its bound is fuzzed
 * too. Arrays are capped at 64 elements: hiredis 0.14's reader would
 * allocate whatever length an input claims, and Redis sends no such thing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "common/util.h"
#include "cosim/cosim.h"
#include "cosim/pack.h"

static cosim_names_t *names;

static redisReplyObjectFunctions bounded;
static void *(*create_array)(const redisReadTask *, int);

static void *create_bounded_array(const redisReadTask *task, int elements) {
    return elements >= 0 && elements <= 64 ? create_array(task, elements) : NULL;
}

static void answer_pack(cosim_batch_t *b, const redisReply *fields) {
    cosim_pack_t pk;
    if (cosim_pack_parse(fields, &names, &pk) == 0) {
        sd_state_t *out = xcalloc(pk.n ? pk.n : 1, sizeof *out);
        unsigned char *answered = xcalloc(pk.n ? pk.n : 1, 1);
        for (size_t i = 0; i < pk.n; i++) {
            PDE_ASSERT(cosim_pack_name(&pk, i) != NULL);
            answered[i] = cosim_step(COSIM_POSITION, &SD_PARAMS_DEFAULT, 0, SD_CYCLES_DEFAULT,
                                     &pk.states[i], &out[i]) != COSIM_COMPLETE;
        }
        cosim_batch_answer_pack(b, "positions", &pk, answered, out);
        free(out);
        free(answered);
    }
    cosim_pack_release(&pk);
}

static void answer_demo(cosim_batch_t *b, const redisReply *fields) {
    cosim_entry_t e;
    if (cosim_entry_parse(fields, &e) != 0) return;
    sd_state_t out;
    if (cosim_step(COSIM_VELOCITY, &SD_PARAMS_DEFAULT, 1.5, SD_CYCLES_DEFAULT, &e.state,
                   &out) != COSIM_COMPLETE)
        cosim_batch_answer(b, "velocities", e.name, e.name_len, e.out, e.out_len, &out);
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
        const redisReply *fields = reply;
        if (cosim_pack_is(fields))
            answer_pack(&b, fields);
        else
            answer_demo(&b, fields);
        cosim_batch_ack(&b, "positions", "vel_group", "1-0");
        cosim_batch_finish(&b);
        PDE_ASSERT(b.n_replies >= 3);
        cosim_batch_release(&b);
        freeReplyObject(reply);
    }
    redisReaderFree(reader);
    return 0;
}
