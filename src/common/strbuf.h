/* strbuf.h - a growable byte buffer for building messages and bodies. */
#ifndef PDE_STRBUF_H
#define PDE_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *data;     /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
} strbuf_t;

#define STRBUF_INIT {NULL, 0, 0}

void strbuf_append(strbuf_t *b, const char *s, size_t n);
void strbuf_putc(strbuf_t *b, char c);
void strbuf_puts(strbuf_t *b, const char *s);
void strbuf_printf(strbuf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_reset(strbuf_t *b);     /* len = 0, keeps the memory */
void strbuf_release(strbuf_t *b);   /* frees; the buffer is empty again */

#endif
