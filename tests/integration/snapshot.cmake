# Snapshots across real processes (issue 6): InstallSnapshot catch-up, a bounded
# log, kill -9 while taking or installing a snapshot, restart from snapshot + log.
ss_add_test(NAME test_snapshot SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_snapshot.c
            LIBS ss_cluster_harness Threads::Threads TIMEOUT 900 LABELS integration)
add_dependencies(test_snapshot sandstore)
