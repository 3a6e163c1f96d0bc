ss_add_fuzz(NAME config SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_config.c LIBS ss_common)
