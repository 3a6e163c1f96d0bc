# The cluster component (src/cluster/) over a fake state machine: the snapshot
# policy, restart reconciliation, and installs fed by a fake leader over a real
# transport, on a real libuv loop in temp directories.
add_library(ss_test_cluster_util STATIC ${CMAKE_CURRENT_LIST_DIR}/test_cluster_util.c)
target_link_libraries(ss_test_cluster_util PUBLIC ss_cluster PkgConfig::CRITERION)
target_include_directories(ss_test_cluster_util PUBLIC ${CMAKE_SOURCE_DIR}/tests)
foreach(t snap_policy restart install send disk)
  ss_add_test(NAME test_cluster_${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cluster_${t}.c
              LIBS ss_test_cluster_util TIMEOUT 300 LABELS unit)
endforeach()
