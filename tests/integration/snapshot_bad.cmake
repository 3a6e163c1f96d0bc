# Bad snapshots (issue 18): a damaged one, one over a follower's cap; the follower
# survives, reports it, and catches up once a good one comes.
ss_add_test(NAME test_snapshot_bad SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_snapshot_bad.c
            LIBS ss_cluster_harness TIMEOUT 900 LABELS integration)
add_dependencies(test_snapshot_bad sandstore)
