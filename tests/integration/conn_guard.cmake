# Failed AUTH slowed down, vanished clients found by keepalive, on a real node.
ss_add_test(NAME test_conn_guard SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_conn_guard.c
            LIBS ss_harness TIMEOUT 300 LABELS integration)
add_dependencies(test_conn_guard sandstore)
