/* fields.h - a stream entry's fields as hiredis hands them over (an array
 * reply of name, value, ...), built in place for the co-simulation tests. */
#ifndef PDE_TEST_FIELDS_H
#define PDE_TEST_FIELDS_H

#include <string.h>

#include <hiredis/hiredis.h>

typedef struct fields {
    redisReply array, strings[6];
    redisReply *elements[6];
} fields_t;

/* kv: 6 strings (or n of them); lens their lengths, NULL for strlen(). */
static inline const redisReply *make_fields_n(fields_t *f, const char *const kv[],
                                              const size_t lens[], size_t n) {
    memset(f, 0, sizeof *f);
    f->array.type = REDIS_REPLY_ARRAY;
    f->array.elements = n;
    f->array.element = f->elements;
    for (size_t i = 0; i < n; i++) {
        f->strings[i].type = REDIS_REPLY_STRING;
        f->strings[i].str = (char *)kv[i];
        f->strings[i].len = lens ? lens[i] : strlen(kv[i]);
        f->elements[i] = &f->strings[i];
    }
    return &f->array;
}

static inline const redisReply *make_fields(fields_t *f, const char *const kv[6],
                                            const size_t lens[6]) {
    return make_fields_n(f, kv, lens, 6);
}

#endif
