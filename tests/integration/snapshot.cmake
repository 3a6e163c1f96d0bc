# Snapshots across real processes (issue 6): InstallSnapshot catch-up, a bounded
# log, kill -9 while taking or installing a snapshot, restart from snapshot + log.
ss_add_integration_test(NAME test_snapshot LIBS ss_cluster_harness Threads::Threads TIMEOUT 900)
