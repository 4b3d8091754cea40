/* util.h - allocation that cannot fail, always-on asserts, clocks.
 *
 * The engine and workers abort with the size asked when memory runs out (as
 * redis's zmalloc does): there is no sensible way to go on. Library-like parts
 * (bus, historian) use plain malloc and return PDE_ENOMEM instead. */
#ifndef PDE_UTIL_H
#define PDE_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

void util__assert_fail(const char *cond, const char *file, int line)
    __attribute__((noreturn));

/* An invariant; checked in every build, prints file, line and condition. */
#define PDE_ASSERT(cond)                                                       \
    ((cond) ? (void)0 : util__assert_fail(#cond, __FILE__, __LINE__))

/* Wall clock in nanoseconds and seconds since the epoch. */
int64_t wall_ns(void);
double wall_s(void);

/* Monotonic clock in seconds, for durations and schedules. */
double mono_s(void);

/* out = the directory of this process's executable + "/" + rel; used to
 * find files installed beside the binaries (build/bin/../../web/dist). */
void path_beside_self(char *out, size_t len, const char *rel);

/* 1 if process pid exists and is not a zombie (by /proc/<pid>/stat). */
int process_running(int pid);

/* Copy at most size-1 bytes of src and always terminate; returns strlen(src). */
size_t strlcpy_pde(char *dst, const char *src, size_t size);

#endif
