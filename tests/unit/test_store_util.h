/* Helpers for the store tests: a fresh store in a temporary directory, removed afterwards. */
#ifndef SS_TEST_STORE_UTIL_H
#define SS_TEST_STORE_UTIL_H

#include "store/store.h"

typedef struct {
    char dir[64];
    ss_store *s;
} store_fixture;

/* Makes a temp dir under /tmp and opens a store in it (asserts on failure). */
void fixture_open(store_fixture *f);
/* Closes and reopens the store in the same directory. */
void fixture_reopen(store_fixture *f);
/* Closes the store and removes the directory. */
void fixture_close(store_fixture *f);

#endif
