/* End-of-run checks of the fault tests: final reads, lost acknowledged writes, counter totals, replica convergence. */
#ifndef SS_FAULT_CHECK_H
#define SS_FAULT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "fault/fault_cluster.h"
#include "fault/history.h"

#define FCK_CLIENT 99 /* the client id of the final reads in the history */

/* Reads each key through the leader (linearizable, retried for up to
 * timeout_ms), appends the reads to h and stores each final value in
 * final[k] (malloc'd, NULL for nil). False with why set if a key could not be
 * read. */
bool fck_final_reads(fc_cluster *c, const char *const *keys, int nkeys, int timeout_ms, history *h,
                     char **final, char *why, size_t whysize);

/* Every acknowledged write of key (SET, SET NX that set, INCR, DEL) is the
 * final value, or some other write of key that may have been ordered after it
 * (acknowledged or unknown, completing after its invocation) exists. */
bool fck_acked_writes(const history *h, const char *key, const char *final, char *why, size_t whysize);

/* For a key only ever INCRemented: acknowledged <= final <= acknowledged +
 * unknown, and no acknowledged INCR returned more than the final value. */
bool fck_counter(const history *h, const char *key, const char *final, char *why, size_t whysize);

/* Waits until every node has applied the same index, switches every node to
 * read-consistency stale and compares every node's keys and values. */
bool fck_converged(fc_cluster *c, int timeout_ms, char *why, size_t whysize);

#endif
