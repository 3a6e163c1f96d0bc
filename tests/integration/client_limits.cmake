# A client's memory against its limits (query buffer, output buffers), on a real node.
# The node's peak RSS is measured: under ASan, freed memory waits in a
# quarantine (256 MB by default) that would count as growth, so it is kept small.
ss_add_integration_test(NAME test_client_limits LIBS ss_harness TIMEOUT 600
                        ENV "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=16")
