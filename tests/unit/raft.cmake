# Unit tests of the Raft core: one node driven by hand-built messages, and the codec.
foreach(t election replication features codec snapshot log invalid membership)
  ss_add_test(NAME test_raft_${t}
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_raft_${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_raft_helpers.c
              LIBS ss_raft ss_common TIMEOUT 60 LABELS unit)
endforeach()
