ss_add_test(NAME test_snapfile SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_snapfile.c
            ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
