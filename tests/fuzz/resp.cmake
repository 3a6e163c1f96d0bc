ss_add_fuzz(NAME resp SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_resp.c LIBS ss_resp)
