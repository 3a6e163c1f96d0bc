# A client's memory against its limits (query buffer, output buffers), on a real node.
ss_add_test(NAME test_client_limits SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_client_limits.c
            LIBS ss_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_client_limits sandstore)
