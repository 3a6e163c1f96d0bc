# TLS on the client port (issue 19): certificates made by the test with the openssl
# CLI, real TLS clients (redis-cli --tls, redis-benchmark --tls, redis-py ssl=True).
ss_add_test(NAME test_tls SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tls.c
            LIBS ss_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_tls sandstore)
