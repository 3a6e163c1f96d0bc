# Streams on a 3-node cluster whose leader is killed (acknowledged entries kept, IDs increasing).
ss_add_integration_test(NAME test_stream_cluster LIBS ss_cluster_harness TIMEOUT 600)
