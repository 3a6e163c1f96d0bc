# TLS on the client port (issue 19): certificates made by the test with the openssl
# CLI, real TLS clients (redis-cli --tls, redis-benchmark --tls, redis-py ssl=True).
ss_add_integration_test(NAME test_tls LIBS ss_harness TIMEOUT 600)
