# Fault tests: real sandstore clusters under a nemesis (kill -9, SIGSTOP, partitions,
# delays and dropped connections through an in-process libuv proxy), client histories
# checked for linearizability. See test_fault.c for how to run and replay.
add_library(ss_fault STATIC
  ${CMAKE_CURRENT_LIST_DIR}/fault_proxy.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_cluster.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_client.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_check.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_nemesis.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_membership.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_run.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_workload.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_queue.c
  ${CMAKE_CURRENT_LIST_DIR}/fault_stream.c)
target_link_libraries(ss_fault PUBLIC ss_harness ss_checker PkgConfig::LIBUV PkgConfig::HIREDIS Threads::Threads)
target_include_directories(ss_fault PUBLIC ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)

ss_add_test(NAME test_fault_proxy SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fault_proxy.c
            LIBS ss_fault TIMEOUT 120 LABELS fault)

# Criterion runs one schedule at a time (--jobs 1), and the three nemesis runs
# hold one lock: one cluster under faults at a time, elections on a 300 ms timeout
# competing with one other test at most (tests/costs.cmake starts them first).
ss_add_test(NAME test_fault SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fault.c
            LIBS ss_fault TIMEOUT 900 LABELS fault ARGS --jobs 1)
set_tests_properties(test_fault PROPERTIES RESOURCE_LOCK ss_fault_cluster)
add_dependencies(test_fault sandstore check_history)

ss_add_test(NAME test_fault_checks SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fault_checks.c
            LIBS ss_fault TIMEOUT 60 LABELS fault)

# The same runs with every client operation a Lua script (EVAL / EVAL_RO).
ss_add_test(NAME test_fault_script SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fault_script.c
            LIBS ss_fault TIMEOUT 900 LABELS fault ARGS --jobs 1)
set_tests_properties(test_fault_script PROPERTIES RESOURCE_LOCK ss_fault_cluster)
add_dependencies(test_fault_script sandstore check_history)

# The job-queue (LPUSH, BLMOVE/BRPOP, LREM) and stream/BITFIELD workloads under
# the nemesis, each checked by counting (fault_queue.h, fault_stream.h).
ss_add_test(NAME test_fault_workloads SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fault_workloads.c
            LIBS ss_fault TIMEOUT 600 LABELS fault ARGS --jobs 1)
set_tests_properties(test_fault_workloads PROPERTIES RESOURCE_LOCK ss_fault_cluster)
add_dependencies(test_fault_workloads sandstore)
