/* answer.h - one entry of the stream a part reads, answered: read as a
 * demo entry (cosim.h) or a packed one (pack.h), each of its chains
 * stepped by the caller, the answer queued in the entry's own form.
 * pde pydsd answers every entry so; the fuzz target fuzz_cosim runs the
 * same code. */
#ifndef PDE_COSIM_ANSWER_H
#define PDE_COSIM_ANSWER_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "cosim/cosim.h"
#include "cosim/pack.h"

/* One chain's step on the state it received: what to do (cosim_step_t),
 * *out the state to send. A chain is answered on COSIM_ANSWER and
 * COSIM_ANSWER_LAST. */
typedef cosim_step_t (*cosim_chain_step_fn)(void *ctx, const char *name, size_t name_len,
                                            const sd_state_t *in, sd_state_t *out);

typedef enum { COSIM_ENTRY_DEMO, COSIM_ENTRY_PACKED } cosim_entry_form_t;

/* Queue on stream the answer to the entry whose fields are given, step()
 * giving each chain's state; *form says which form the entry has (packed
 * if it has names). 0, or -1 if it is not a valid entry of that form
 * (nothing is queued or stepped). names: the packed names texts parsed so
 * far (pack.h). */
int cosim_answer_entry(cosim_batch_t *b, const char *stream, const redisReply *fields,
                       cosim_names_t **names, cosim_chain_step_fn step, void *ctx,
                       cosim_entry_form_t *form);

#endif
