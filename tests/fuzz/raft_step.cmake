# The Raft core stepped with arbitrary decoded messages from an authenticated peer.
ss_add_fuzz(NAME raft_step SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_raft_step.c LIBS ss_raft ss_common)
# The seed corpora of both Raft targets come from this generator (run by hand, see its header).
add_executable(fuzz_raft_seeds ${CMAKE_CURRENT_LIST_DIR}/gen_raft_seeds.c)
target_link_libraries(fuzz_raft_seeds PRIVATE ss_raft ss_common)
target_include_directories(fuzz_raft_seeds PRIVATE ${CMAKE_SOURCE_DIR}/tests)
