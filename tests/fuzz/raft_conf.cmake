# Raft configuration decode (the data of a configuration entry a peer sends), re-encode and decode again.
ss_add_fuzz(NAME raft_conf SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_raft_conf.c LIBS ss_raft ss_common)
