# Real clients against a throwaway 3-node sandstore cluster (see cluster.py):
# redis-py, ioredis (npm deps installed on first run) and redis-benchmark's
# default suite, each through the leader and through a follower.
# Included from tests/integration/clients.cmake. A missing tool makes its test
# exit 77, which CTest reports as skipped rather than passed.
if(TARGET sandstore)
  # Debian's python3-redis lives under the system interpreter, not a pyenv one.
  set(SS_CLIENTS_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with the redis module (python3-redis)")
  set(dir ${CMAKE_CURRENT_LIST_DIR})

  # name, CTest timeout (s), [DRIVER_ARGS cluster.py options... COMMAND]
  # command run under the cluster
  function(ss_add_client_test name timeout)
    cmake_parse_arguments(PARSE_ARGV 2 opt "" "" "DRIVER_ARGS;COMMAND")
    set(run ${opt_UNPARSED_ARGUMENTS} ${opt_COMMAND})
    # The driver bounds the command a minute below the CTest timeout, so that a
    # hung client still ends with the nodes stopped and their logs printed.
    math(EXPR inner "${timeout} - 60")
    # These tests check client compatibility, not failover: a longer election
    # timeout keeps a CPU-starved node (sanitizer builds, a busy CI machine)
    # from triggering elections whose TRYAGAIN replies redis-benchmark cannot
    # retry. Failover has its own tests (sim, fault).
    add_test(NAME ${name}
             COMMAND ${SS_CLIENTS_PYTHON} ${dir}/cluster.py --binary $<TARGET_FILE:sandstore>
                     --nodes 3 --timeout ${inner} --directive election-timeout 3000
                     ${opt_DRIVER_ARGS} -- ${run})
    set_tests_properties(${name} PROPERTIES
      TIMEOUT ${timeout}
      LABELS "integration;clients"
      SKIP_RETURN_CODE 77
      FAIL_REGULAR_EXPRESSION "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
  endfunction()

  ss_add_client_test(clients_redis_py 300 ${SS_CLIENTS_PYTHON} ${dir}/redis_py_check.py)
  ss_add_client_test(clients_scripts_py 300 ${SS_CLIENTS_PYTHON} ${dir}/scripts_py_check.py)
  ss_add_client_test(clients_acl_py 300 ${SS_CLIENTS_PYTHON} ${dir}/acl_py_check.py)
  ss_add_client_test(clients_ioredis 600 ${dir}/run_node.sh)
  ss_add_client_test(clients_bullmq 600 ${dir}/run_node.sh bullmq_check.js)
  ss_add_client_test(clients_redis_benchmark 900 ${dir}/redis_benchmark_check.sh)
  # ioredis's Cluster client and redis-cli -c, seeded with a follower, across a
  # kill -9 of the leader, in both follower modes.
  ss_add_client_test(clients_ioredis_cluster 600 DRIVER_ARGS --allow-kill
                     COMMAND ${dir}/run_node.sh ioredis_cluster_check.js)
  ss_add_client_test(clients_ioredis_cluster_redirect 600
                     DRIVER_ARGS --allow-kill --directive follower-mode redirect
                     COMMAND ${dir}/run_node.sh ioredis_cluster_check.js)
  # Celery's worker, Redis broker (BRPOP) and result backend (SUBSCRIBE, PUBLISH
  # in MULTI) on a follower, across a kill -9 of the leader (issue 14).
  ss_add_client_test(clients_celery 300 DRIVER_ARGS --allow-kill
                     COMMAND ${SS_CLIENTS_PYTHON} ${dir}/celery_check.py)
  # Sidekiq's client and processor (BRPOP, MULTI, the scheduled set) on a follower.
  # Without ruby it exits 77 (skipped) like the other missing tools.
  ss_add_client_test(clients_sidekiq 300 ${dir}/run_ruby.sh sidekiq_check.rb)
  # Debian's prometheus-redis-exporter scraping a follower (issue 12).
  ss_add_client_test(clients_redis_exporter 300 ${SS_CLIENTS_PYTHON} ${dir}/exporter_check.py)
endif()
