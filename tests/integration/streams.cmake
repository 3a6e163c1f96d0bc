# Streams on a 3-node cluster whose leader is killed (acknowledged entries kept, IDs increasing).
ss_add_test(NAME test_stream_cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_stream_cluster.c
            LIBS ss_cluster_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_stream_cluster sandstore)
