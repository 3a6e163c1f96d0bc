# Mutual TLS on the raft port (issue 19): a 3-node cluster with tls-cluster yes,
# peers without the cluster CA's certificate (impostors by hand over OpenSSL, a
# node with another CA's certificate), certificate reload by CONFIG SET.
ss_add_integration_test(NAME test_peer_tls LIBS ss_cluster_harness ss_peer_client ss_transport
                        ss_raft ss_common OpenSSL::SSL TIMEOUT 600)
