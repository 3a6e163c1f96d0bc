/* Replicated records beside the keyspace (scripts, function libraries): named records in namespaces, invisible to every keyspace command. */
#ifndef SS_STORE_AUX_H
#define SS_STORE_AUX_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "store/txn.h"

/*
 * Records under the SS_KP_AUX prefix: (namespace, name) -> bytes. They live
 * outside every database's key range, so KEYS, SCAN, DBSIZE, RANDOMKEY, DEBUG
 * DIGEST, FLUSHDB and FLUSHALL never see them (as Redis keeps scripts and
 * functions apart from its keyspace), and they travel in snapshot files with
 * everything else the store holds. Written only by apply, like the keyspace.
 */
typedef enum {
    SS_AUX_SCRIPT = 1,   /* sha1 hex (lowercase) -> script body (SCRIPT LOAD, EVAL) */
    SS_AUX_LIBRARY = 2,  /* library name -> its code (FUNCTION LOAD) */
    SS_AUX_FUNCTION = 3, /* function name -> its record (engine/functions.c) */
    SS_AUX_RAFT = 4,     /* "conf" -> the Raft configuration last applied (raft_conf_encode) */
    SS_AUX_ACL = 5,      /* user name -> its rules as ACL LIST words (commands/cmd_acl.c) */
} ss_aux_ns;

/* SS_OK with *val (valid as ss_txn_get's), SS_ENOTFOUND, SS_EIO. */
int ss_aux_get(ss_txn *txn, ss_aux_ns ns, const void *name, size_t nlen, ss_slice *val);
int ss_aux_put(ss_txn *txn, ss_aux_ns ns, const void *name, size_t nlen, const void *val, size_t vlen);
/* SS_OK whether or not it existed. */
int ss_aux_del(ss_txn *txn, ss_aux_ns ns, const void *name, size_t nlen);
/* Deletes every record of ns; *count (may be NULL) is how many. */
int ss_aux_clear(ss_txn *txn, ss_aux_ns ns, size_t *count);
/* Calls fn for each record of ns in name order until it returns nonzero.
 * fn's slices are valid during the call; fn must not write to ns. */
typedef int (*ss_aux_fn)(void *ud, ss_slice name, ss_slice val);
int ss_aux_each(ss_txn *txn, ss_aux_ns ns, ss_aux_fn fn, void *ud);

#endif
