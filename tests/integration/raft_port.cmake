# Hostile peers on the raft port (issue 18): impersonation, an open port without a
# secret, strangers holding the unauthenticated connection slots.
ss_add_integration_test(NAME test_raft_port LIBS ss_cluster_harness ss_peer_client ss_transport
                        ss_raft Threads::Threads TIMEOUT 600)
