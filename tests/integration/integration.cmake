# Integration tests: the real sandstore binary on loopback.
add_library(ss_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/harness.c)
target_link_libraries(ss_harness PUBLIC PkgConfig::HIREDIS)
target_include_directories(ss_harness PUBLIC ${CMAKE_SOURCE_DIR}/tests)

ss_add_test(NAME test_server SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_server.c
            LIBS ss_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_server sandstore)

add_library(ss_cluster_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/cluster_harness.c)
target_link_libraries(ss_cluster_harness PUBLIC ss_harness Threads::Threads)
ss_add_test(NAME test_cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cluster.c
            LIBS ss_cluster_harness Threads::Threads TIMEOUT 900 LABELS integration)
add_dependencies(test_cluster sandstore)

# The command table against a real redis-server 7.0, started side by side.
ss_add_test(NAME test_command_table SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_command_table.c
            LIBS ss_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_command_table sandstore)

# Differential tests: the same random commands against redis-server 7.0 and a
# 3-node sandstore, every reply compared (one test_diff_<family>.c per family;
# SS_DIFF_ROUNDS lengthens a run, SS_DIFF_SEED replays one). A file's tests
# run one at a time (--jobs 1): each starts a redis-server and three nodes,
# and Criterion 2.4's runner leaks 48 bytes when it runs three or more such
# tests in parallel, which LeakSanitizer reports in the ASan build.
add_library(ss_diff_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/diff_harness.c)
target_link_libraries(ss_diff_harness PUBLIC ss_cluster_harness PkgConfig::CRITERION)
file(GLOB SS_DIFF_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_diff_*.c)
foreach(src ${SS_DIFF_TESTS})
  get_filename_component(name ${src} NAME_WE)
  ss_add_test(NAME ${name} SOURCES ${src} LIBS ss_diff_harness TIMEOUT 600 LABELS integration
              ARGS --jobs 1)
  add_dependencies(${name} sandstore)
endforeach()

# Every command family in RESP2 and RESP3 against redis-server 7.0, byte for
# byte, through a leader and a follower (a raw RESP3 reader: hiredis 0.14
# predates RESP3).
add_library(ss_resp3_client STATIC ${CMAKE_CURRENT_LIST_DIR}/resp3_client.c)
target_include_directories(ss_resp3_client PUBLIC ${CMAKE_SOURCE_DIR}/tests)
ss_add_test(NAME test_resp3 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_resp3.c
            LIBS ss_cluster_harness ss_resp3_client TIMEOUT 600 LABELS integration)
add_dependencies(test_resp3 sandstore)

# The Raft group as Redis Cluster clients see it (CLUSTER SLOTS/NODES/INFO/MYID).
ss_add_test(NAME test_cluster_view SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cluster_view.c
            LIBS ss_cluster_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_cluster_view sandstore)

# Membership changes (RAFT.NODE, RAFT.TRANSFER_LEADER) on real processes.
ss_add_test(NAME test_membership SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_membership.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_membership sandstore)
# The operator's recipes: join, replace, learners, bad input, rolling restart (redis-benchmark).
ss_add_test(NAME test_membership_ops SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_membership_ops.c
            LIBS ss_cluster_harness TIMEOUT 900 LABELS integration)
add_dependencies(test_membership_ops sandstore)

# Scripts as cluster state: across nodes, restarts and snapshots.
ss_add_test(NAME test_script_cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_script_cluster.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_script_cluster sandstore)

# A long read-only script: BUSY, SCRIPT KILL / FUNCTION KILL against redis-server 7.0, the leader stays.
ss_add_test(NAME test_script_busy SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_script_busy.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_script_busy sandstore)

# XREAD / XREADGROUP BLOCK across the cluster against redis-server 7.0.
ss_add_test(NAME test_stream_block SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_stream_block.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_stream_block sandstore)

# (Un)subscribe commands in MULTI and from scripts, against redis-server 7.0.
ss_add_test(NAME test_pubsub_multi SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pubsub_multi.c
            LIBS ss_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_pubsub_multi sandstore)

# Pub/sub and keyspace events across nodes, and the subscribed mode against redis-server.
ss_add_test(NAME test_pubsub_cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pubsub_cluster.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_pubsub_cluster sandstore)

# WATCH across nodes: EXEC decided in apply.
ss_add_test(NAME test_watch_cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_watch_cluster.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_watch_cluster sandstore)

# Blocking commands across nodes.
ss_add_test(NAME test_blocking_cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_blocking_cluster.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_blocking_cluster sandstore)

# The Prometheus endpoint (metrics-port): the exposition format, values after
# writes, bad requests, a leader's view of its followers.
ss_add_test(NAME test_metrics SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_metrics.c
            LIBS ss_cluster_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_metrics sandstore)

# LATENCY and latency-monitor-threshold against redis-server 7.0.
ss_add_test(NAME test_latency SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_latency.c
            LIBS ss_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_latency sandstore)

# The harness: ports claimed across test processes, a node's port answered by the node.
ss_add_test(NAME test_harness SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_harness.c
            LIBS ss_cluster_harness TIMEOUT 120 LABELS integration)
add_dependencies(test_harness sandstore)
