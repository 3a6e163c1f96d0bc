# Integration tests: the real sandstore binary on loopback.
add_library(ss_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/harness.c)
target_link_libraries(ss_harness PUBLIC PkgConfig::HIREDIS PkgConfig::CRITERION)
target_include_directories(ss_harness PUBLIC ${CMAKE_SOURCE_DIR}/tests)

ss_add_integration_test(NAME test_server LIBS ss_harness TIMEOUT 600)

add_library(ss_cluster_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/cluster_harness.c)
target_link_libraries(ss_cluster_harness PUBLIC ss_harness Threads::Threads)
ss_add_integration_test(NAME test_cluster LIBS ss_cluster_harness Threads::Threads TIMEOUT 900)

# The command table against a real redis-server 7.0, started side by side.
ss_add_integration_test(NAME test_command_table LIBS ss_harness TIMEOUT 300)

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
  ss_add_integration_test(NAME ${name} LIBS ss_diff_harness TIMEOUT 600 ARGS --jobs 1)
endforeach()

# Every command family in RESP2 and RESP3 against redis-server 7.0, byte for
# byte, through a leader and a follower (a raw RESP3 reader: hiredis 0.14
# predates RESP3).
add_library(ss_resp3_client STATIC ${CMAKE_CURRENT_LIST_DIR}/resp3_client.c)
target_include_directories(ss_resp3_client PUBLIC ${CMAKE_SOURCE_DIR}/tests)
ss_add_integration_test(NAME test_resp3 LIBS ss_cluster_harness ss_resp3_client TIMEOUT 600)

# The Raft group as Redis Cluster clients see it (CLUSTER SLOTS/NODES/INFO/MYID).
ss_add_integration_test(NAME test_cluster_view LIBS ss_cluster_harness TIMEOUT 300)

# Membership changes (RAFT.NODE, RAFT.TRANSFER_LEADER) on real processes.
ss_add_integration_test(NAME test_membership LIBS ss_cluster_harness TIMEOUT 600)
# The operator's recipes: join, replace, learners, bad input, rolling restart (redis-benchmark).
ss_add_integration_test(NAME test_membership_ops LIBS ss_cluster_harness TIMEOUT 900)

# Scripts as cluster state: across nodes, restarts and snapshots.
ss_add_integration_test(NAME test_script_cluster LIBS ss_cluster_harness TIMEOUT 600)

# A long read-only script: BUSY, SCRIPT KILL / FUNCTION KILL against redis-server 7.0, the leader stays.
ss_add_integration_test(NAME test_script_busy LIBS ss_cluster_harness TIMEOUT 600)

# XREAD / XREADGROUP BLOCK across the cluster against redis-server 7.0.
ss_add_integration_test(NAME test_stream_block LIBS ss_cluster_harness TIMEOUT 600)

# (Un)subscribe commands in MULTI and from scripts, against redis-server 7.0.
ss_add_integration_test(NAME test_pubsub_multi LIBS ss_harness TIMEOUT 300)

# Pub/sub and keyspace events across nodes, and the subscribed mode against redis-server.
ss_add_integration_test(NAME test_pubsub_cluster LIBS ss_cluster_harness TIMEOUT 600)

# WATCH across nodes: EXEC decided in apply.
ss_add_integration_test(NAME test_watch_cluster LIBS ss_cluster_harness TIMEOUT 600)

# Blocking commands across nodes.
ss_add_integration_test(NAME test_blocking_cluster LIBS ss_cluster_harness TIMEOUT 600)

# The Prometheus endpoint (metrics-port): the exposition format, values after
# writes, bad requests, a leader's view of its followers.
ss_add_integration_test(NAME test_metrics LIBS ss_cluster_harness TIMEOUT 300)

# LATENCY and latency-monitor-threshold against redis-server 7.0.
ss_add_integration_test(NAME test_latency LIBS ss_harness TIMEOUT 300)

# MIGRATE from a cluster (through a follower) to redis-server and back.
ss_add_test(NAME test_migrate SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_migrate.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_migrate sandstore)

# conf/cluster.sh's verbs (add, remove, replace, restart, upgrade) on a live
# cluster in a temporary directory on free ports.
add_test(NAME test_cluster_sh COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_cluster_sh.sh $<TARGET_FILE:sandstore>)
set_tests_properties(test_cluster_sh PROPERTIES TIMEOUT 300 LABELS integration SKIP_RETURN_CODE 77
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0"
  FAIL_REGULAR_EXPRESSION "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")

# The harness: ports claimed across test processes, a node's port answered by the node.
ss_add_integration_test(NAME test_harness LIBS ss_cluster_harness TIMEOUT 120)
# Under ASan, test_harness also starts a node with a leaking library
# preloaded (after the ASan runtime, which must come first) and checks that
# LeakSanitizer's report at the node's exit fails a test.
if(SS_SANITIZE)
  add_library(ss_leak_preload SHARED ${CMAKE_CURRENT_LIST_DIR}/leak_preload.c)
  target_link_libraries(ss_leak_preload PRIVATE Threads::Threads)
  # Plain code, like a library's: instrumented, the lost blocks were not
  # reported (an instrumented frame kept them reachable, it seems).
  target_compile_options(ss_leak_preload PRIVATE -fno-sanitize=all)
  target_link_options(ss_leak_preload PRIVATE -fno-sanitize=all)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE SS_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  target_compile_definitions(test_harness PRIVATE
    "SS_LEAK_PRELOAD=\"${SS_LIBASAN} $<TARGET_FILE:ss_leak_preload>\"")
  add_dependencies(test_harness ss_leak_preload)
endif()
