# CLIENT TRACKING (client-side caching) against redis-server 7.0 and through a follower.
ss_add_integration_test(NAME test_tracking LIBS ss_cluster_harness ss_resp3_client TIMEOUT 600)
