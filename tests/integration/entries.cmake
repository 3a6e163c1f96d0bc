# Hostile log entries against real processes: the poison entry through
# PEER_PROPOSE (a hand-driven raft-port client) and writes too big for the log.
add_library(ss_peer_client STATIC ${CMAKE_CURRENT_LIST_DIR}/peer_client.c)
target_link_libraries(ss_peer_client PUBLIC ss_transport)
target_include_directories(ss_peer_client PUBLIC ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)

ss_add_integration_test(NAME test_entries LIBS ss_cluster_harness ss_peer_client ss_engine
                        TIMEOUT 900)
