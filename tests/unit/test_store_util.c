/* Helpers for the store tests: a fresh store in a temporary directory, removed afterwards. */
#define _XOPEN_SOURCE 700
#include "test_store_util.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fixture_open(store_fixture *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/ss-store-test-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    ss_errmsg err = "";
    int rc = ss_store_open(f->dir, NULL, &f->s, err);
    cr_assert_eq(rc, SS_OK, "open: %s", err);
}

void fixture_reopen(store_fixture *f)
{
    ss_store_close(f->s);
    ss_errmsg err = "";
    int rc = ss_store_open(f->dir, NULL, &f->s, err);
    cr_assert_eq(rc, SS_OK, "reopen: %s", err);
}

void fixture_close(store_fixture *f)
{
    ss_store_close(f->s);
    f->s = NULL;
    nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
