# A hostile peer that holds the cluster secret, against a real cluster (issue 18):
# the leader survives what no honest peer sends, with bounded memory.
ss_add_integration_test(NAME test_hostile_peer LIBS ss_cluster_harness ss_peer_client ss_raft ss_common
                        TIMEOUT 300)
