# A hostile peer that holds the cluster secret, against a real cluster (issue 18):
# the leader survives what no honest peer sends, with bounded memory.
ss_add_test(NAME test_hostile_peer SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hostile_peer.c
            LIBS ss_cluster_harness ss_transport ss_raft ss_common TIMEOUT 300 LABELS integration)
add_dependencies(test_hostile_peer sandstore)
