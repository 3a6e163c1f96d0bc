/* Tests of the fault runs' end-of-run checks on hand-made histories: lost writes and counter totals. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "fault/fault_check.h"

static void add(history *h, int client, hist_kind kind, const char *key, const char *value, int64_t inv,
                int64_t comp, hist_outcome outcome, hist_result result)
{
    hist_op op = {.client = client, .kind = kind, .key = (char *)key, .value = (char *)value,
                  .invoke = inv, .complete = outcome == HIST_UNKNOWN ? INT64_MAX : comp,
                  .outcome = outcome, .result = result};
    ss_errmsg err;
    cr_assert_eq(history_add(h, &op, err), SS_OK, "%s", err);
}

#define OK_R ((hist_result){.type = HIST_R_OK})
#define INT_R(n) ((hist_result){.type = HIST_R_INT, .i = (n)})
#define NONE_R ((hist_result){.type = HIST_R_NONE})

Test(fault_checks, acknowledged_set_that_is_the_final_value_passes)
{
    history h;
    history_init(&h);
    add(&h, 1, HIST_SET, "r0", "a", 10, 20, HIST_OK, OK_R);
    char why[512];
    cr_assert(fck_acked_writes(&h, "r0", "a", why, sizeof why), "%s", why);
    history_release(&h);
}

Test(fault_checks, acknowledged_set_missing_from_the_final_state_is_lost)
{
    history h;
    history_init(&h);
    add(&h, 1, HIST_SET, "r0", "a", 10, 20, HIST_OK, OK_R);
    add(&h, 2, HIST_SET, "r0", "b", 30, 40, HIST_FAILED, NONE_R);
    char why[512];
    cr_assert_not(fck_acked_writes(&h, "r0", "b", why, sizeof why));
    cr_assert_not(fck_acked_writes(&h, "r0", NULL, why, sizeof why));
    history_release(&h);
}

Test(fault_checks, a_later_or_unknown_write_may_have_overwritten_it)
{
    history h;
    history_init(&h);
    add(&h, 1, HIST_SET, "r0", "a", 10, 20, HIST_OK, OK_R);
    add(&h, 2, HIST_SET, "r0", "b", 5, 0, HIST_UNKNOWN, NONE_R);
    char why[512];
    cr_assert(fck_acked_writes(&h, "r0", "b", why, sizeof why), "%s", why);
    history_release(&h);

    /* A write that completed before the acknowledged one began cannot. */
    history_init(&h);
    add(&h, 2, HIST_SET, "r0", "b", 1, 5, HIST_OK, OK_R);
    add(&h, 1, HIST_SET, "r0", "a", 10, 20, HIST_OK, OK_R);
    cr_assert_not(fck_acked_writes(&h, "r0", "b", why, sizeof why));
    history_release(&h);
}

Test(fault_checks, acknowledged_delete_must_leave_nil_or_be_overwritten)
{
    history h;
    history_init(&h);
    add(&h, 1, HIST_SET, "r0", "a", 1, 5, HIST_OK, OK_R);
    add(&h, 1, HIST_DEL, "r0", NULL, 10, 20, HIST_OK, INT_R(1));
    char why[512];
    cr_assert(fck_acked_writes(&h, "r0", NULL, why, sizeof why), "%s", why);
    cr_assert_not(fck_acked_writes(&h, "r0", "a", why, sizeof why));
    history_release(&h);
}

Test(fault_checks, counter_between_acknowledged_and_attempted_passes)
{
    history h;
    history_init(&h);
    add(&h, 1, HIST_INCR, "n0", NULL, 1, 2, HIST_OK, INT_R(1));
    add(&h, 2, HIST_INCR, "n0", NULL, 3, 4, HIST_OK, INT_R(2));
    add(&h, 3, HIST_INCR, "n0", NULL, 5, 0, HIST_UNKNOWN, NONE_R);
    add(&h, 3, HIST_INCR, "n0", NULL, 7, 8, HIST_FAILED, NONE_R);
    char why[512];
    cr_assert(fck_counter(&h, "n0", "2", why, sizeof why), "%s", why);
    cr_assert(fck_counter(&h, "n0", "3", why, sizeof why), "%s", why);
    cr_assert_not(fck_counter(&h, "n0", "1", why, sizeof why), "fewer than acknowledged");
    cr_assert_not(fck_counter(&h, "n0", "4", why, sizeof why), "more than attempted");
    cr_assert_not(fck_counter(&h, "n0", NULL, why, sizeof why), "missing after acknowledged INCRs");
    cr_assert_not(fck_counter(&h, "n0", "x", why, sizeof why), "not an integer");
    history_release(&h);
}

Test(fault_checks, counter_never_below_an_acknowledged_result)
{
    history h;
    history_init(&h);
    /* One acknowledged INCR that returned 5 (others unknown): the final
     * value cannot be below 5 even though only one was acknowledged. */
    for (int i = 0; i < 4; i++)
        add(&h, 1, HIST_INCR, "n0", NULL, i * 10, 0, HIST_UNKNOWN, NONE_R);
    add(&h, 2, HIST_INCR, "n0", NULL, 50, 60, HIST_OK, INT_R(5));
    char why[512];
    cr_assert(fck_counter(&h, "n0", "5", why, sizeof why), "%s", why);
    cr_assert_not(fck_counter(&h, "n0", "4", why, sizeof why));
    history_release(&h);
}
