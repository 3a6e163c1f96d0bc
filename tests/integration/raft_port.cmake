# Hostile peers on the raft port (issue 18): impersonation, an open port without a
# secret, strangers holding the unauthenticated connection slots.
ss_add_test(NAME test_raft_port SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_raft_port.c
            LIBS ss_cluster_harness ss_peer_client ss_transport ss_raft Threads::Threads TIMEOUT 600
            LABELS integration)
add_dependencies(test_raft_port sandstore)
