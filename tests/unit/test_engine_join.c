/* The proof a joining node sends with RAFT.NODE ADD ... JOIN: HMAC-SHA256 under the cluster secret, bound to the cluster id, the node id and its raft address. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/engine_internal.h"

/* Expected values from Python's hmac module:
 * hmac.new(secret, b"sandstore join\nsandstore\n4\n127.0.0.1:7382", hashlib.sha256).hexdigest() */
Test(engine_join, the_proof_is_the_hmac_of_cluster_id_node_id_and_raft_address_under_the_secret)
{
    char proof[SS_JOIN_PROOF_LEN + 1];
    ss_join_proof("s3cret", "sandstore", 4, "127.0.0.1:7382", proof);
    cr_expect_str_eq(proof, "bbf550e7d6319a40118157ceb0e1800762b391f0277eaab92763dc388e11e64e");
    ss_join_proof("", "sandstore", 4, "127.0.0.1:7382", proof);
    cr_expect_str_eq(proof, "96528639e97c4102292def4c0743e90345091a2a1c2975acdb62d631b8894314",
                     "an empty secret is a key like any other");
}

Test(engine_join, a_proof_is_good_for_one_cluster_one_id_and_one_address_only)
{
    char a[SS_JOIN_PROOF_LEN + 1], b[SS_JOIN_PROOF_LEN + 1];
    ss_join_proof("s3cret", "sandstore", 4, "127.0.0.1:7382", a);
    ss_join_proof("s3cret", "other", 4, "127.0.0.1:7382", b);
    cr_expect_str_neq(a, b);
    ss_join_proof("s3cret", "sandstore", 5, "127.0.0.1:7382", b);
    cr_expect_str_neq(a, b);
    ss_join_proof("s3cret", "sandstore", 4, "127.0.0.1:7383", b);
    cr_expect_str_neq(a, b);
    ss_join_proof("s3cret!", "sandstore", 4, "127.0.0.1:7382", b);
    cr_expect_str_neq(a, b);
}
