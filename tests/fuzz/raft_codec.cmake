# Raft message decode (the bytes a peer sends), re-encode and decode again.
ss_add_fuzz(NAME raft_codec SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_raft_codec.c LIBS ss_raft ss_common)
