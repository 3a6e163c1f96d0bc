ss_add_fuzz(NAME values SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_values.c LIBS ss_commands)
