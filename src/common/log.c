/* log.c - the line writer behind LOG(); see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int log_level = LOG_INFO;
static char log_role = '?';

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(char role, int level) {
    log_role = role;
    log_level = level;
}

int log_level_parse(const char *name) {
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0) return i;
    return -1;
}

void log__write(int level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    static const char marks[] = {'.', '-', '*', '#'};
    /* One fprintf per line so lines of concurrent threads do not interleave. */
    fprintf(stderr, "%d %c %s.%03ldZ %c %s\n", (int)getpid(), log_role, when,
            (long)(tv.tv_usec / 1000), marks[level < 0 || level > 3 ? 3 : level], msg);
}
