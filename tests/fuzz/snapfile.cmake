# Snapshot files as a follower receives them (issue 18): chunks to a file, header,
# verify, records, staging. The seeds in corpus/snapfile/ are real snapshot files
# of small stores, written by gen_snapfile_corpus (run it with the corpus
# directory to write them again: build/tests/gen_snapfile_corpus tests/fuzz/corpus/snapfile).
ss_add_fuzz(NAME snapfile SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_snapfile.c
            LIBS ss_cluster ss_store ss_common)
add_executable(gen_snapfile_corpus ${CMAKE_CURRENT_LIST_DIR}/gen_snapfile_corpus.c)
target_link_libraries(gen_snapfile_corpus PRIVATE ss_store ss_common)
