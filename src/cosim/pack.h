/* pack.h - packed entries: the messages of many chains in one stream entry,
 * pde's extension of the demo's wire format (cosim.h) for throughput.
 *
 * A packed entry has the fields
 *   names   a JSON array of K chain names, ["c0","c1",...]
 *   ins     the states received, K x 24 bytes
 *   outs    the states sent, K x 24 bytes
 * a state being x, v, t as IEEE-754 binary64, little-endian, 8 bytes
 * each; chain i's message is names[i], ins[i], outs[i]. A part answers a
 * packed entry with one packed entry of the chains still running, in the
 * same order, and acknowledges it in the same transaction, so a packed
 * entry is exactly-once as a demo entry is. Demo and packed entries share
 * the streams; each is answered in its own form, so whoever kicks chains
 * off chooses (the demo's own parts understand only demo entries).
 *
 * Why: Redis spends about 3.7 us of CPU on each entry a step passes (the
 * XADD, its delivery to a group, its acknowledgement), which caps one Redis
 * near 135,000 demo cycles/s on this machine whatever the parts do; K
 * chains in one entry share that cost. States are binary because exact
 * decimal text costs more than everything else: about 2 us to read a JSON
 * state with jansson and 0.3 us to write one (number.h), per chain and
 * step. Names repeat from step to step, so a part parses each names text
 * once. */
#ifndef PDE_COSIM_PACK_H
#define PDE_COSIM_PACK_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cosim/cosim.h"

#define COSIM_PACKED_STATE_BYTES 24

/* The names texts a part has parsed (a bounded cache; NULL when empty). */
typedef struct cosim_names cosim_names_t;
void cosim_names_release(cosim_names_t **cache);

typedef struct cosim_pack {
    const char *names, *outs;           /* the fields, in the reply */
    size_t names_len, outs_len;
    size_t n;
    const json_t *name_list;            /* names, parsed (in the cache) */
    sd_state_t *states;                 /* outs, read: n states */
} cosim_pack_t;

/* Whether an entry's fields are a packed entry's (it has "names"). */
int cosim_pack_is(const redisReply *fields);

/* Read a packed entry; 0, or -1 if a field is missing, names is not an
 * array of strings, outs not K finite states or K not the number of
 * names. Release it either way. */
int cosim_pack_parse(const redisReply *fields, cosim_names_t **cache, cosim_pack_t *p);
void cosim_pack_release(cosim_pack_t *p);

/* Chain i's name. */
const char *cosim_pack_name(const cosim_pack_t *p, size_t i);

/* Append states as a packed entry's ins or outs. */
void cosim_pack_states(strbuf_t *out, const sd_state_t *states, size_t n);

/* Queue the answer to p: XADD stream * names .. ins .. outs .., with the
 * chains i for which answered[i] (all if answered is NULL), out[i] the
 * state each sends. Nothing is queued if no chain is answered. */
void cosim_batch_answer_pack(cosim_batch_t *b, const char *stream, const cosim_pack_t *p,
                             const unsigned char *answered, const sd_state_t *out);

#endif
