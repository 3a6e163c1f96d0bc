# Failed AUTH slowed down, vanished clients found by keepalive, on a real node.
ss_add_integration_test(NAME test_conn_guard LIBS ss_harness TIMEOUT 300)
