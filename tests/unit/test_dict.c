/* The hash map of common/dict.c: puts, gets, deletes while iterating, growth and shrinking. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dict.h"
#include "common/error.h"

Test(dict, finds_what_was_put_and_nothing_else)
{
    ss_dict *d = ss_dict_new();
    cr_assert_not_null(d);
    int a = 1, b = 2;
    cr_assert_eq(ss_dict_put(d, "alpha", 5, &a), SS_OK);
    cr_assert_eq(ss_dict_put(d, "", 0, &b), SS_OK);
    cr_assert_eq(ss_dict_put(d, "al\0pha", 6, NULL), SS_OK);
    cr_assert_eq(ss_dict_size(d), 3);
    cr_assert_eq(ss_dict_get(d, "alpha", 5), &a);
    cr_assert_eq(ss_dict_get(d, "", 0), &b);
    void *v = &a;
    cr_assert(ss_dict_find(d, "al\0pha", 6, &v), "a key with a NUL byte is its own key");
    cr_assert_null(v, "NULL is a value like any other");
    cr_assert_not(ss_dict_find(d, "al", 2, NULL));
    cr_assert_null(ss_dict_get(d, "alph", 4));
    ss_dict_free(d, NULL);
}

Test(dict, put_replaces_the_value_of_a_present_key)
{
    ss_dict *d = ss_dict_new();
    int a = 1, b = 2;
    ss_dict_put(d, "k", 1, &a);
    ss_dict_put(d, "k", 1, &b);
    cr_assert_eq(ss_dict_size(d), 1);
    cr_assert_eq(ss_dict_get(d, "k", 1), &b);
    ss_dict_free(d, NULL);
}

Test(dict, keeps_every_key_through_growth_and_shrinking)
{
    ss_dict *d = ss_dict_new();
    char k[32];
    for (long i = 0; i < 50000; i++) {
        int n = snprintf(k, sizeof k, "key:%ld", i);
        cr_assert_eq(ss_dict_put(d, k, (size_t)n, (void *)(i + 1)), SS_OK);
    }
    cr_assert_eq(ss_dict_size(d), 50000);
    for (long i = 0; i < 50000; i += 2) {
        int n = snprintf(k, sizeof k, "key:%ld", i);
        void *v;
        cr_assert(ss_dict_del(d, k, (size_t)n, &v));
        cr_assert_eq((long)v, i + 1);
    }
    for (long i = 0; i < 50000; i++) {
        int n = snprintf(k, sizeof k, "key:%ld", i);
        cr_assert_eq(ss_dict_find(d, k, (size_t)n, NULL), i % 2 == 1, "key %ld", i);
    }
    /* Puts after mass deletion shrink the table and lose nothing. */
    for (long i = 0; i < 10; i++)
        ss_dict_put(d, "x", 1, NULL);
    for (long i = 1; i < 50000; i += 2) {
        int n = snprintf(k, sizeof k, "key:%ld", i);
        cr_assert_eq((long)ss_dict_get(d, k, (size_t)n), i + 1);
    }
    ss_dict_free(d, NULL);
}

Test(dict, iteration_visits_every_entry_once_even_when_deleting_each)
{
    ss_dict *d = ss_dict_new();
    char k[32];
    for (long i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof k, "%ld", i);
        ss_dict_put(d, k, (size_t)n, (void *)i);
    }
    char *seen = calloc(1000, 1);
    ss_dict_iter it;
    ss_dict_iter_init(&it, d);
    const char *key;
    size_t klen;
    void *v;
    size_t visits = 0;
    while (ss_dict_next(&it, &key, &klen, &v)) {
        cr_assert_eq(seen[(long)v], 0, "entry %ld visited twice", (long)v);
        seen[(long)v] = 1;
        visits++;
        cr_assert(ss_dict_del(d, key, klen, NULL));
    }
    cr_assert_eq(visits, 1000);
    cr_assert_eq(ss_dict_size(d), 0);
    free(seen);
    ss_dict_free(d, NULL);
}

static int freed;
static void count_free(void *v)
{
    (void)v;
    freed++;
}

Test(dict, free_hands_every_value_to_the_callback)
{
    ss_dict *d = ss_dict_new();
    ss_dict_put(d, "a", 1, NULL);
    ss_dict_put(d, "b", 1, NULL);
    freed = 0;
    ss_dict_free(d, count_free);
    cr_assert_eq(freed, 2);
}

Test(dict, the_hash_depends_on_every_byte)
{
    cr_assert_neq(ss_dict_hash("ab", 2), ss_dict_hash("ba", 2));
    cr_assert_neq(ss_dict_hash("a", 1), ss_dict_hash("a\0", 2));
    cr_assert_eq(ss_dict_hash("same", 4), ss_dict_hash("same", 4));
}
