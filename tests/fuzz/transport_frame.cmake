ss_add_fuzz(NAME transport_frame SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_transport_frame.c
            LIBS ss_transport)
# The seeds of transport_frame and storage, from real frames and real log files:
#   build/tests/fuzz_gen_raftio_seeds tests/fuzz/corpus
if(NOT SS_FUZZ)
  add_executable(fuzz_gen_raftio_seeds ${CMAKE_CURRENT_LIST_DIR}/gen_raftio_seeds.c)
  target_link_libraries(fuzz_gen_raftio_seeds PRIVATE ss_transport ss_raft_storage ss_raft)
endif()
