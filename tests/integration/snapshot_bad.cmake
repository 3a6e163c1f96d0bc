# Bad snapshots (issue 18): a damaged one, one over a follower's cap; the follower
# survives, reports it, and catches up once a good one comes.
ss_add_integration_test(NAME test_snapshot_bad LIBS ss_cluster_harness TIMEOUT 900)
