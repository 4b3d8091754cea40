/* cosim.h - co-simulation over Redis streams: the wire format of the
 * original spring-damper demo, and what one part does with a batch of
 * messages, whatever carries them (pde pydsd's blocking hiredis connection,
 * a worker's asynchronous one).
 *
 * Wire format, kept exactly as the demo's:
 *   positions    written by the position part; read by the velocity part in
 *                consumer group vel_group
 *   velocities   written by the velocity part; read by the position part in
 *                consumer group pos_group
 *   an entry     name <model name>  in <state received>  out <state sent>
 *   a state      a JSON object {"x": m, "v": m/s, "t": s}
 *   kick-off     XADD positions * name mymodel in '{"x":0,"v":1,"t":0.0}'
 *                                              out '{"x":0,"v":1,"t":0.0}'
 * A part answers every entry it reads (the demo answered only the first of
 * each read), so one pair of streams carries any number of chains, told
 * apart by name. pde's own sims use the same format on streams of their
 * own, "pde:cosim:<sim>:positions" and "...:velocities". Packed entries
 * (pack.h), pde's extension, carry many chains' messages in one entry.
 *
 * Exactly once: a part sends its answers and acknowledges the entries they
 * answer in one MULTI/EXEC, so a part killed at any moment has done both or
 * neither; its successor, under the same consumer name, reads its pending
 * entries first. The chain resumes from the last acknowledged entry without
 * skipping or repeating a step.
 *
 * Cycles: a state is at cycle round(t / h). The velocity part answers
 * states of cycles 0 .. cycles-1 and only acknowledges the last one (the
 * chain is complete); the position part's answer at cycle `cycles` is its
 * last. */
#ifndef PDE_COSIM_H
#define PDE_COSIM_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "common/strbuf.h"
#include "model/split.h"

typedef enum { COSIM_VELOCITY, COSIM_POSITION } cosim_role_t;

typedef struct cosim_role_def {
    const char *name;       /* "velocity", "position": also the consumer name */
    const char *reads;      /* stream (without prefix) */
    const char *writes;
    const char *group;      /* the group it reads in */
} cosim_role_def_t;

const cosim_role_def_t *cosim_role(cosim_role_t role);
/* COSIM_VELOCITY or COSIM_POSITION for a role's name, or -1. */
int cosim_role_parse(const char *name);

/* Stream names under a prefix ("" for the demo's own, "pde:cosim:<sim>:"
 * for a pde sim). */
void cosim_stream(char *out, size_t len, const char *prefix, const char *stream);

/* Whether x, v and t are all finite (JSON can carry them). */
int cosim_state_is_finite(const sd_state_t *s);
/* Read a state; 0, or -1 if json is not an object of three finite
 * numbers x, v, t. */
int cosim_state_parse(const char *json, size_t len, sd_state_t *s);
/* Append a state as JSON, {"x":…,"v":…,"t":…}, each number as Python
 * writes it (number.h): the shortest text that reads back to the same
 * double, so a trajectory crosses any number of processes and languages
 * without changing a digit. */
void cosim_state_format(strbuf_t *out, const sd_state_t *s);

long cosim_cycle(const sd_state_t *s, double h);

/* What a part makes of one entry. */
typedef enum {
    COSIM_ANSWER,           /* send *out, acknowledge the entry */
    COSIM_ANSWER_LAST,      /* the same; the chain is done for this part */
    COSIM_COMPLETE,         /* acknowledge only: the chain is done */
    COSIM_OVERFLOW,         /* acknowledge only: the next state is not finite
                               (a state near DBL_MAX), the chain stops */
} cosim_step_t;

/* Whether a step's outcome is answered (COSIM_ANSWER, COSIM_ANSWER_LAST). */
int cosim_step_answers(cosim_step_t step);

/* The part's step on state in, received in an entry. F is the force in
 * force (the velocity part's input; ignored by the position part). */
cosim_step_t cosim_step(cosim_role_t role, const sd_params_t *p, double F,
                        long cycles, const sd_state_t *in, sd_state_t *out);

/* ---------------------------- batches ---------------------------- */

/* The commands one read's entries call for: MULTI, an XADD per answer, one
 * XACK per stream read, EXEC. They are formatted by hiredis and sent by
 * whichever connection the caller uses: all at once on a blocking
 * connection (redisAppendFormattedCommand), one by one on an asynchronous
 * one (ends[] marks where each ends); n_replies says how many replies to
 * take. */
typedef struct cosim_batch {
    strbuf_t cmds;
    size_t *ends;           /* where each command in cmds ends, n_replies */
    int cap_ends;
    int n_replies;
    int n_answers;
    /* the acknowledgements of one stream, not yet in cmds */
    char ack_stream[160];
    char ack_group[32];
    strbuf_t ack_ids;       /* NUL-terminated ids one after another */
    int n_ack;
} cosim_batch_t;

#define COSIM_BATCH_INIT {STRBUF_INIT, NULL, 0, 0, 0, "", "", STRBUF_INIT, 0}

void cosim_batch_reset(cosim_batch_t *b);   /* empty again, keeps memory */
void cosim_batch_release(cosim_batch_t *b);

/* Queue an XADD stream * of three field-value pairs (fields[0], fields[1],
 * ...), lens their lengths. */
void cosim_batch_xadd(cosim_batch_t *b, const char *stream, const char *const fields[6],
                      const size_t lens[6]);
/* Queue an answer: XADD stream * name <name> in <in> out <out>. */
void cosim_batch_answer(cosim_batch_t *b, const char *stream, const char *name,
                        size_t name_len, const char *in, size_t in_len,
                        const sd_state_t *out);
/* Queue the acknowledgement of entry id of stream in group; consecutive
 * ids of one stream share one XACK. */
void cosim_batch_ack(cosim_batch_t *b, const char *stream, const char *group,
                     const char *id);
/* Close the batch (MULTI ... EXEC around what was queued); empty if
 * nothing was. */
void cosim_batch_finish(cosim_batch_t *b);

/* The value of field name in an entry's fields (a reply's array of
 * field, value, ...), or NULL. An entry may repeat a field: the last one
 * counts, as in the demo's Python, which makes a dict of the pairs. */
const char *cosim_field(const redisReply *fields, const char *name, size_t *len);

/* An entry's fields name, in and out; 0, or -1 if one is missing or out is
 * not a state. */
typedef struct cosim_entry {
    const char *name, *in, *out;
    size_t name_len, in_len, out_len;
    sd_state_t state;       /* out, parsed */
} cosim_entry_t;

int cosim_entry_parse(const redisReply *fields, cosim_entry_t *e);

/* A pde sim's stream prefix: "pde:cosim:<sim>:". */
void cosim_sim_prefix(char *out, size_t len, const char *sim);

#endif
