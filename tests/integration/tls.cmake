# TLS on the client port (issue 19): certificates made by the test with the openssl
# CLI, real TLS clients (redis-cli --tls, redis-benchmark --tls, redis-py ssl=True).
ss_add_integration_test(NAME test_tls LIBS ss_harness TIMEOUT 600)

# Members serving clients on tls-port alone: RAFT.* forwarding and RAFT.CLUSTER
# JOIN over TLS with a client certificate and masteruser/masterauth.
ss_add_integration_test(NAME test_member_tls LIBS ss_cluster_harness TIMEOUT 600)
