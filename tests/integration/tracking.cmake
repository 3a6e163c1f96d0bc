# CLIENT TRACKING (client-side caching) against redis-server 7.0 and through a follower.
ss_add_test(NAME test_tracking SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tracking.c
            LIBS ss_cluster_harness ss_resp3_client TIMEOUT 600 LABELS integration)
add_dependencies(test_tracking sandstore)
