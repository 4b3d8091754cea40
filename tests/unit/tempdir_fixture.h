/* tempdir_fixture.h - a cmocka fixture giving each test a fresh temporary
 * directory (fixture_t.dir), removed with everything in it afterwards.
 * Use as cmocka_unit_test_setup_teardown(test, setup, teardown). */
#ifndef PDE_TEMPDIR_FIXTURE_H
#define PDE_TEMPDIR_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct fixture {
    char dir[64];
} fixture_t;

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state) {
    fixture_t *f = calloc(1, sizeof *f);
    if (!f) return -1;
    strcpy(f->dir, "/tmp/pde-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

#endif
