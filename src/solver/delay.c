/* delay.c - see delay.h.
 *
 * The pending changes sit in a ring buffer in the order they were made,
 * which is also the order their delayed effects begin (one dead time per
 * line). After pruning, the head is the next change to take effect, so
 * value_at and next_change_after look at one or two entries in practice. */
#include "delay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define DELAY_INITIAL_CAPACITY 8

typedef struct delay_change {
    double t;           /* when the input changed (not delayed) */
    double value;
} delay_change_t;

struct delay_line {
    double dead_time;
    double settled;     /* delayed value once every pruned change took effect */
    delay_change_t *changes;
    int head, n_changes, capacity;
};

delay_line_t *delay_new(double dead_time, double initial_value) {
    PDE_ASSERT(isfinite(dead_time) && dead_time >= 0);
    delay_line_t *line = xcalloc(1, sizeof *line);
    line->dead_time = dead_time;
    line->settled = initial_value;
    line->capacity = DELAY_INITIAL_CAPACITY;
    line->changes = xmalloc((size_t)line->capacity * sizeof *line->changes);
    return line;
}

void delay_free(delay_line_t *line) {
    if (!line) return;
    free(line->changes);
    free(line);
}

double delay_dead_time(const delay_line_t *line) { return line->dead_time; }

int delay_pending(const delay_line_t *line) { return line->n_changes; }

/* The k-th pending change, oldest first. */
static delay_change_t *change_at(const delay_line_t *line, int k) {
    return &line->changes[(line->head + k) % line->capacity];
}

double delay_settled(const delay_line_t *line) { return line->settled; }

void delay_change(const delay_line_t *line, int k, double *t, double *value) {
    PDE_ASSERT(k >= 0 && k < line->n_changes);
    *t = change_at(line, k)->t;
    *value = change_at(line, k)->value;
}

/* When change c shows at the line's output. Computed in one place so the
 * segment ends the simulation stops at and the instants value_at switches
 * at are the same double. */
static double effect_time(const delay_line_t *line, const delay_change_t *c) {
    return c->t + line->dead_time;
}

/* The input's value now: the newest change, or the settled value. */
static double latest_value(const delay_line_t *line) {
    if (line->n_changes == 0) return line->settled;
    return change_at(line, line->n_changes - 1)->value;
}

/* Double the ring, unrolling it so the oldest change is at index 0. */
static void grow(delay_line_t *line) {
    int capacity = line->capacity * 2;
    delay_change_t *changes = xmalloc((size_t)capacity * sizeof *changes);
    for (int k = 0; k < line->n_changes; k++) changes[k] = *change_at(line, k);
    free(line->changes);
    line->changes = changes;
    line->capacity = capacity;
    line->head = 0;
}

void delay_record(delay_line_t *line, double t, double value) {
    if (line->n_changes > 0) {
        delay_change_t *last = change_at(line, line->n_changes - 1);
        PDE_ASSERT(t >= last->t);
        /* Two writes in the same instant: only the last one ever acted. */
        if (t == last->t) line->n_changes--;
    }
    if (value == latest_value(line)) return;
    if (line->n_changes == line->capacity) grow(line);
    *change_at(line, line->n_changes) = (delay_change_t){.t = t, .value = value};
    line->n_changes++;
}

double delay_value_at(const delay_line_t *line, double t) {
    double value = line->settled;
    for (int k = 0; k < line->n_changes; k++) {
        const delay_change_t *c = change_at(line, k);
        if (effect_time(line, c) > t) break;
        value = c->value;
    }
    return value;
}

double delay_next_change_after(const delay_line_t *line, double t) {
    for (int k = 0; k < line->n_changes; k++) {
        double when = effect_time(line, change_at(line, k));
        if (when > t) return when;
    }
    return INFINITY;
}

void delay_prune(delay_line_t *line, double t) {
    while (line->n_changes > 0) {
        const delay_change_t *c = change_at(line, 0);
        if (effect_time(line, c) > t) break;
        line->settled = c->value;
        line->head = (line->head + 1) % line->capacity;
        line->n_changes--;
    }
}
