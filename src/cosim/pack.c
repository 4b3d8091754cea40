/* pack.c - packed entries (pack.h).
 *
 * Load: per chain and step, 24 bytes copied each way; per entry, one
 * lookup of its names text. The answer's names and ins are the entry's
 * names and outs as received, unless chains drop out. */
#include "pack.h"

#include <stdint.h>
#include <string.h>

#include <uthash.h>

#include "common/strbuf.h"
#include "common/util.h"

/* Enough for the entries of many chains' parts in flight at once; beyond
 * it the oldest is forgotten (and parsed again if it comes back). */
#define NAMES_CACHED_MAX 1024

struct cosim_names {
    char *text;
    size_t len;
    json_t *list;
    UT_hash_handle hh;
};

static void forget(cosim_names_t **cache, cosim_names_t *e) {
    HASH_DEL(*cache, e);
    json_decref(e->list);
    free(e->text);
    free(e);
}

void cosim_names_release(cosim_names_t **cache) {
    cosim_names_t *e, *tmp;
    HASH_ITER(hh, *cache, e, tmp) forget(cache, e);
}

/* names text parsed, from the cache or parsed and cached now; NULL if it
 * is not an array of strings. */
static const json_t *names_parsed(cosim_names_t **cache, const char *text, size_t len) {
    cosim_names_t *e = NULL;
    HASH_FIND(hh, *cache, text, len, e);
    if (e) return e->list;
    json_t *list = json_loadb(text, len, 0, NULL);
    int ok = json_is_array(list);
    for (size_t i = 0; ok && i < json_array_size(list); i++)
        ok = json_is_string(json_array_get(list, i));
    if (!ok) {
        json_decref(list);
        return NULL;
    }
    if (HASH_COUNT(*cache) >= NAMES_CACHED_MAX) forget(cache, *cache);   /* the oldest */
    e = xcalloc(1, sizeof *e);
    e->text = xmalloc(len ? len : 1);
    memcpy(e->text, text, len);
    e->len = len;
    e->list = list;
    HASH_ADD_KEYPTR(hh, *cache, e->text, e->len, e);
    return list;
}

int cosim_pack_is(const redisReply *fields) {
    size_t len;
    return cosim_field(fields, "names", &len) != NULL;
}

static double get_le64(const unsigned char *b) {
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) u = u << 8 | b[i];
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static void put_le64(unsigned char *b, double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    for (int i = 0; i < 8; i++, u >>= 8) b[i] = (unsigned char)u;
}

int cosim_pack_parse(const redisReply *fields, cosim_names_t **cache, cosim_pack_t *p) {
    memset(p, 0, sizeof *p);
    size_t ins_len;
    p->names = cosim_field(fields, "names", &p->names_len);
    p->outs = cosim_field(fields, "outs", &p->outs_len);
    if (!p->names || !p->outs || !cosim_field(fields, "ins", &ins_len)) return -1;
    p->name_list = names_parsed(cache, p->names, p->names_len);
    if (!p->name_list || p->outs_len != json_array_size(p->name_list) * COSIM_PACKED_STATE_BYTES)
        return -1;
    p->n = json_array_size(p->name_list);
    p->states = xcalloc(p->n ? p->n : 1, sizeof *p->states);
    const unsigned char *b = (const unsigned char *)p->outs;
    for (size_t i = 0; i < p->n; i++, b += COSIM_PACKED_STATE_BYTES) {
        sd_state_t *s = &p->states[i];
        s->x = get_le64(b);
        s->v = get_le64(b + 8);
        s->t = get_le64(b + 16);
        if (!cosim_state_is_finite(s)) return -1;
    }
    return 0;
}

void cosim_pack_release(cosim_pack_t *p) {
    free(p->states);
    memset(p, 0, sizeof *p);
}

const char *cosim_pack_name(const cosim_pack_t *p, size_t i) {
    return json_string_value(json_array_get(p->name_list, i));
}

void cosim_pack_states(strbuf_t *out, const sd_state_t *states, size_t n) {
    unsigned char b[COSIM_PACKED_STATE_BYTES];
    for (size_t i = 0; i < n; i++) {
        put_le64(b, states[i].x);
        put_le64(b + 8, states[i].v);
        put_le64(b + 16, states[i].t);
        strbuf_append(out, (const char *)b, sizeof b);
    }
}

void cosim_batch_answer_pack(cosim_batch_t *b, const char *stream, const cosim_pack_t *p,
                             const unsigned char *answered, const sd_state_t *out) {
    size_t kept = 0;
    for (size_t i = 0; i < p->n; i++) kept += !answered || answered[i];
    if (!kept) return;
    strbuf_t names = STRBUF_INIT, ins = STRBUF_INIT, outs = STRBUF_INIT;
    int subset = kept < p->n;
    if (subset) strbuf_putc(&names, '[');
    for (size_t i = 0; i < p->n; i++) {
        if (answered && !answered[i]) continue;
        cosim_pack_states(&outs, &out[i], 1);
        if (!subset) continue;
        char *name = json_dumps(json_array_get(p->name_list, i), JSON_ENCODE_ANY);
        if (names.len > 1) strbuf_putc(&names, ',');
        strbuf_puts(&names, name);
        free(name);
        cosim_pack_states(&ins, &p->states[i], 1);
    }
    if (subset) strbuf_putc(&names, ']');
    const char *fields[] = {"names", subset ? names.data : p->names,
                            "ins",   subset ? ins.data : p->outs,
                            "outs",  outs.data};
    size_t lens[] = {5, subset ? names.len : p->names_len,
                     3, subset ? ins.len : p->outs_len,
                     4, outs.len};
    cosim_batch_xadd(b, stream, fields, lens);
    strbuf_release(&names);
    strbuf_release(&ins);
    strbuf_release(&outs);
}
