# ACL users as cluster state (issue 19): made through a follower, enforced by
# every node, kept across a kill -9 of all of them; redis-cli as a user through
# the leader and a follower; ACL replies side by side with redis-server 7.0.
ss_add_integration_test(NAME test_acl_cluster LIBS ss_cluster_harness TIMEOUT 600)
ss_add_integration_test(NAME test_acl_vs_redis LIBS ss_harness TIMEOUT 300)
