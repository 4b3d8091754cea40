/* log.h - one logging macro for every pde process.
 *
 * Each line is "pid role time level message", role 'E' engine, 'W' worker,
 * 'C' command-line tool. The level is tested before anything is formatted,
 * so a disabled LOG_DEBUG on a hot path costs one comparison. Models never log. */
#ifndef PDE_LOG_H
#define PDE_LOG_H

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

extern int log_level;

/* Set the role letter printed on every line and the minimum level. */
void log_init(char role, int level);

/* Parse "debug", "info", "warn" or "error"; -1 when the name is unknown. */
int log_level_parse(const char *name);

void log__write(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define LOG(level, ...)                                                        \
    do {                                                                       \
        if ((level) >= log_level) log__write((level), __VA_ARGS__);            \
    } while (0)

#endif
