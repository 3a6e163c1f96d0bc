/* Tests of the fault runs' end-of-run checks on hand-made histories: lost writes and counter totals. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* ------------------------------------------------------- the job queue */

#include "fault/fault_queue.h"

static fq_op qop(int client, fq_kind kind, hist_outcome outcome, const char *job, long long n)
{
    fq_op op = {.client = client, .kind = kind, .outcome = outcome, .n = n, .invoke = 1,
                .complete = outcome == HIST_UNKNOWN ? INT64_MAX : 2};
    snprintf(op.job, sizeof op.job, "%s", job);
    return op;
}

Test(fault_checks, queue_jobs_delivered_once_or_still_queued_pass)
{
    fq_op ops[] = {
        qop(1, FQ_PUSH, HIST_OK, "j1", 1),     qop(1, FQ_PUSH, HIST_OK, "j2", 2),
        qop(1, FQ_PUSH, HIST_OK, "j3", 3),     qop(1, FQ_PUSH, HIST_UNKNOWN, "j4", 0),
        qop(2, FQ_BLMOVE, HIST_OK, "j1", 0),   qop(2, FQ_LREM, HIST_OK, "j1", 1),
        qop(3, FQ_BRPOP, HIST_OK, "j2", 0),    qop(3, FQ_BRPOP, HIST_OK, "", 0),
        qop(2, FQ_BLMOVE, HIST_UNKNOWN, "", 0),
    };
    /* j3 still queued; j4 (unknown push) moved by the unknown BLMOVE. */
    char *queue[] = {"j3"}, *proc[] = {"j4"};
    char why[512];
    cr_assert(fq_check(ops, sizeof ops / sizeof ops[0], queue, 1, proc, 1, why, sizeof why), "%s", why);
}

Test(fault_checks, queue_job_delivered_to_two_consumers_is_rejected)
{
    fq_op ops[] = {
        qop(1, FQ_PUSH, HIST_OK, "j1", 1),
        qop(2, FQ_BLMOVE, HIST_OK, "j1", 0),
        qop(2, FQ_LREM, HIST_OK, "j1", 1),
        qop(3, FQ_BRPOP, HIST_OK, "j1", 0),
    };
    char why[512];
    cr_assert_not(fq_check(ops, 4, NULL, 0, NULL, 0, why, sizeof why));
    cr_assert(strstr(why, "two consumers"), "%s", why);
}

Test(fault_checks, queue_delivered_job_still_queued_is_a_second_delivery)
{
    fq_op ops[] = {qop(1, FQ_PUSH, HIST_OK, "j1", 1), qop(3, FQ_BRPOP, HIST_OK, "j1", 0)};
    char *queue[] = {"j1"};
    char why[512];
    cr_assert_not(fq_check(ops, 2, queue, 1, NULL, 0, why, sizeof why));
}

Test(fault_checks, queue_acknowledged_job_lost_is_rejected)
{
    fq_op ops[] = {
        qop(1, FQ_PUSH, HIST_OK, "j1", 1),
        qop(1, FQ_PUSH, HIST_OK, "j2", 2),
        qop(2, FQ_BLMOVE, HIST_UNKNOWN, "", 0), /* it would have left j2 in processing */
    };
    char *queue[] = {"j1"};
    char why[512];
    cr_assert_not(fq_check(ops, 3, queue, 1, NULL, 0, why, sizeof why));
    cr_assert(strstr(why, "lost"), "%s", why);

    /* An unknown BRPOP may have taken it: not proven lost. */
    ops[2] = qop(3, FQ_BRPOP, HIST_UNKNOWN, "", 0);
    cr_assert(fq_check(ops, 3, queue, 1, NULL, 0, why, sizeof why), "%s", why);
}

Test(fault_checks, queue_job_never_pushed_or_failed_push_is_rejected)
{
    fq_op ops[] = {qop(1, FQ_PUSH, HIST_FAILED, "j1", 0)};
    char *queue[] = {"j1"}, *made_up[] = {"j9"};
    char why[512];
    cr_assert_not(fq_check(ops, 1, queue, 1, NULL, 0, why, sizeof why));
    cr_assert_not(fq_check(ops, 0, made_up, 1, NULL, 0, why, sizeof why));
}

Test(fault_checks, queue_job_gone_from_processing_before_its_lrem_is_rejected)
{
    fq_op ops[] = {
        qop(1, FQ_PUSH, HIST_OK, "j1", 1),
        qop(2, FQ_BLMOVE, HIST_OK, "j1", 0),
        qop(2, FQ_LREM, HIST_OK, "j1", 0),
    };
    char why[512];
    cr_assert_not(fq_check(ops, 3, NULL, 0, NULL, 0, why, sizeof why));
    /* Without any LREM it must still be in processing. */
    cr_assert_not(fq_check(ops, 2, NULL, 0, NULL, 0, why, sizeof why));
    char *proc[] = {"j1"};
    cr_assert(fq_check(ops, 2, NULL, 0, proc, 1, why, sizeof why), "%s", why);
}

/* --------------------------------------------- streams and BITFIELD */

#include "fault/fault_stream.h"

static fs_op sop(int client, fs_kind kind, hist_outcome outcome, const char *tag, const char *id, int64_t inv,
                 int64_t comp)
{
    fs_op op = {.client = client, .kind = kind, .outcome = outcome, .n = 1, .invoke = inv,
                .complete = outcome == HIST_UNKNOWN ? INT64_MAX : comp};
    snprintf(op.tag, sizeof op.tag, "%s", tag);
    snprintf(op.id, sizeof op.id, "%s", id);
    return op;
}

static fs_entry ent(const char *id, const char *tag)
{
    fs_entry e;
    snprintf(e.id, sizeof e.id, "%s", id);
    snprintf(e.tag, sizeof e.tag, "%s", tag);
    return e;
}

Test(fault_checks, stream_acked_entries_in_order_and_read_once_pass)
{
    fs_op ops[] = {
        sop(1, FS_XADD, HIST_OK, "e1", "5-0", 10, 20),   sop(1, FS_XADD, HIST_OK, "e2", "5-1", 30, 40),
        sop(4, FS_XADD, HIST_UNKNOWN, "e3", "", 35, 0),  sop(2, FS_DELIVER, HIST_OK, "e1", "5-0", 50, 50),
        sop(2, FS_XACK, HIST_OK, "", "5-0", 51, 52),     sop(3, FS_DELIVER, HIST_OK, "e2", "5-1", 60, 60),
    };
    fs_entry e[] = {ent("5-0", "e1"), ent("5-1", "e2"), ent("7-0", "e3")};
    char why[512];
    cr_assert(fs_check_stream(ops, 6, e, 3, why, sizeof why), "%s", why);
}

Test(fault_checks, stream_lost_or_duplicated_entries_are_rejected)
{
    fs_op ops[] = {sop(1, FS_XADD, HIST_OK, "e1", "5-0", 10, 20), sop(1, FS_XADD, HIST_OK, "e2", "5-1", 30, 40)};
    fs_entry lost[] = {ent("5-0", "e1")};
    fs_entry twice[] = {ent("5-0", "e1"), ent("5-1", "e2"), ent("6-0", "e2")};
    fs_entry moved[] = {ent("5-0", "e1"), ent("5-2", "e2")};
    fs_entry unordered[] = {ent("5-1", "e2"), ent("5-0", "e1")};
    fs_entry made_up[] = {ent("5-0", "e1"), ent("5-1", "e2"), ent("6-0", "e9")};
    char why[512];
    cr_assert_not(fs_check_stream(ops, 2, lost, 1, why, sizeof why));
    cr_assert(strstr(why, "lost"), "%s", why);
    cr_assert_not(fs_check_stream(ops, 2, twice, 3, why, sizeof why));
    cr_assert_not(fs_check_stream(ops, 2, moved, 2, why, sizeof why));
    cr_assert_not(fs_check_stream(ops, 2, unordered, 2, why, sizeof why));
    cr_assert_not(fs_check_stream(ops, 2, made_up, 3, why, sizeof why));
}

Test(fault_checks, stream_ids_must_grow_in_real_time)
{
    /* e2 was added after e1's XADD returned, yet got the smaller ID. */
    fs_op ops[] = {sop(1, FS_XADD, HIST_OK, "e1", "9-0", 10, 20), sop(2, FS_XADD, HIST_OK, "e2", "8-0", 30, 40)};
    fs_entry e[] = {ent("8-0", "e2"), ent("9-0", "e1")};
    char why[512];
    cr_assert_not(fs_check_stream(ops, 2, e, 2, why, sizeof why));
    /* Concurrent XADDs may take either order. */
    ops[1].invoke = 15;
    cr_assert(fs_check_stream(ops, 2, e, 2, why, sizeof why), "%s", why);
}

Test(fault_checks, stream_entry_delivered_to_two_consumers_is_rejected)
{
    fs_op ops[] = {
        sop(1, FS_XADD, HIST_OK, "e1", "5-0", 10, 20),
        sop(2, FS_DELIVER, HIST_OK, "e1", "5-0", 30, 30),
        sop(3, FS_DELIVER, HIST_OK, "e1", "5-0", 40, 40),
    };
    fs_entry e[] = {ent("5-0", "e1")};
    char why[512];
    cr_assert_not(fs_check_stream(ops, 3, e, 1, why, sizeof why));
    cr_assert(strstr(why, "delivered twice"), "%s", why);
    /* An XACK that found nothing pending for an entry its consumer read. */
    ops[2] = sop(2, FS_XACK, HIST_OK, "", "5-0", 40, 41);
    ops[2].n = 0;
    cr_assert_not(fs_check_stream(ops, 3, e, 1, why, sizeof why));
}

static fs_op bop(hist_outcome outcome, uint32_t wrap, uint32_t sat)
{
    fs_op op = sop(5, FS_BITFIELD, outcome, "", "", 1, 2);
    op.wrap = wrap;
    op.sat = sat;
    return op;
}

Test(fault_checks, bitfield_counters_account_for_every_acknowledged_increment)
{
    /* WRAP from 2^32-2: 2^32-1, 0, 1; SAT from 2^32-3: 2^32-2, 2^32-1, then stays. */
    fs_op ops[] = {
        bop(HIST_OK, UINT32_MAX, UINT32_MAX - 1), bop(HIST_OK, 0, UINT32_MAX), bop(HIST_OK, 1, UINT32_MAX),
        bop(HIST_UNKNOWN, 0, 0), bop(HIST_FAILED, 0, 0),
    };
    uint32_t w0 = UINT32_MAX - 1, s0 = UINT32_MAX - 2;
    char why[512];
    cr_assert(fs_check_bitfield(ops, 5, w0, s0, 1, UINT32_MAX, why, sizeof why), "%s", why);
    cr_assert(fs_check_bitfield(ops, 5, w0, s0, 2, UINT32_MAX, why, sizeof why), "%s", why); /* the unknown one */
    cr_assert_not(fs_check_bitfield(ops, 5, w0, s0, 0, UINT32_MAX, why, sizeof why), "an increment lost");
    cr_assert_not(fs_check_bitfield(ops, 5, w0, s0, 3, UINT32_MAX, why, sizeof why), "more than attempted");
    cr_assert_not(fs_check_bitfield(ops, 5, w0, s0, 1, UINT32_MAX - 1, why, sizeof why), "SAT below acknowledged");
}

Test(fault_checks, bitfield_increment_applied_twice_is_rejected)
{
    /* Two acknowledged increments both returned 5: one step was applied twice
     * or one reply belongs to another; the final value hides it. */
    fs_op ops[] = {bop(HIST_OK, 5, 5), bop(HIST_OK, 5, 5), bop(HIST_UNKNOWN, 0, 0)};
    char why[512];
    cr_assert_not(fs_check_bitfield(ops, 3, 3, 3, 6, 6, why, sizeof why));
    /* Acknowledged increments lost from a counter that did not wrap. */
    fs_op two[] = {bop(HIST_OK, 4, 4), bop(HIST_OK, 5, 5)};
    cr_assert_not(fs_check_bitfield(two, 2, 3, 3, 4, 5, why, sizeof why));
    cr_assert_not(fs_check_bitfield(two, 2, 3, 3, 5, 4, why, sizeof why));
    cr_assert(fs_check_bitfield(two, 2, 3, 3, 5, 5, why, sizeof why), "%s", why);
}

Test(fault_checks, stream_claimed_entry_may_go_to_another_consumer_until_acknowledged)
{
    fs_op ops[] = {
        sop(1, FS_XADD, HIST_OK, "e1", "5-0", 10, 20),
        sop(2, FS_DELIVER, HIST_OK, "e1", "5-0", 30, 31),
        sop(3, FS_CLAIMED, HIST_OK, "e1", "5-0", 40, 41),
        sop(3, FS_XACK, HIST_OK, "", "5-0", 42, 43),
        sop(2, FS_XACK, HIST_OK, "", "5-0", 44, 45),
    };
    ops[4].n = 0; /* the claimer acknowledged it first */
    fs_entry e[] = {ent("5-0", "e1")};
    char why[512];
    cr_assert(fs_check_stream(ops, 5, e, 1, why, sizeof why), "%s", why);
    /* Acknowledged by both: the PEL held it twice. */
    ops[4].n = 1;
    cr_assert_not(fs_check_stream(ops, 5, e, 1, why, sizeof why));
    /* Claimed again after an XACK of it had returned. */
    ops[4] = sop(4, FS_CLAIMED, HIST_OK, "e1", "5-0", 50, 51);
    cr_assert_not(fs_check_stream(ops, 5, e, 1, why, sizeof why));
    cr_assert(strstr(why, "claimed"), "%s", why);
}
