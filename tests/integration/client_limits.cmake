# A client's memory against its limits (query buffer, output buffers), on a real node.
# The node's peak RSS is measured: under ASan, freed memory waits in a
# quarantine (256 MB by default) that would count as growth, so it is kept small.
ss_add_test(NAME test_client_limits SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_client_limits.c
            LIBS ss_harness TIMEOUT 600 LABELS integration
            ENV "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=16")
add_dependencies(test_client_limits sandstore)
