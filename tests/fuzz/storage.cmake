ss_add_fuzz(NAME storage SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_storage.c LIBS ss_raft_storage)
