# CTest's schedule on a fresh clone (CI), where no Testing/Temporary/CTestCostData.txt
# tells it how long each test took: with -j, tests start in descending COST, so the
# long ones start first instead of leaving one core alone at the end. The figures
# are seconds under ASan/UBSan on CI's 2 cores (main's run of 2026-12-04 00:29);
# only their order matters, and a build that has run its tests uses its own times.
#
# The fault runs share one lock instead of running alone (RUN_SERIAL): one cluster
# under a nemesis at a time, each next to one other test. Measured under ASan,
# test_fault_workloads uses about half a core (27 s of CPU in 52 s), since its
# length is the nemesis schedule's, not work; RUN_SERIAL left the other core idle
# for their whole 5 minutes. They start first (costs above everything else), so
# the chain of the three (about 295 s) runs beside the rest of the suite.
set(ss_test_costs
  test_fault 1000  test_fault_script 999  test_fault_workloads 998
  test_snapshot 159  test_diff_dump 101  test_diff_access 50  test_diff_ops 46
  clients_redis_benchmark 37  clients_celery 36  test_tls 36  test_diff_swapdb 35
  test_cluster_sh 31  test_diff_streams 30  test_diff_script 29  clients_bullmq 28
  test_diff_bitmap 28  clients_sidekiq 27  test_diff_function 24  test_diff_hll 22
  test_cluster 21  test_server 20  test_membership_ops 19  test_diff_sort 19
  test_resp3 18  clients_ioredis_cluster_redirect 17  clients_ioredis_cluster 17
  clients_redis_py 16  test_diff_core 16  clients_ioredis 14  clients_acl_py 13
  test_peer_tls 12  test_diff_geo 12  test_diff_zset_algebra 12  test_checker 12
  clients_redis_exporter 11  clients_scripts_py 11  test_diff_lcs 11  test_entries 10
  test_raft_port 10  sim_raft 9)
list(LENGTH ss_test_costs n)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET ss_test_costs ${i} name)
  list(GET ss_test_costs ${j} cost)
  if(TEST ${name})
    set_tests_properties(${name} PROPERTIES COST ${cost})
  endif()
endforeach()
