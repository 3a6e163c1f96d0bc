ss_add_test(NAME test_common SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_common.c LIBS ss_common LABELS unit)
ss_add_test(NAME test_sha256 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sha256.c LIBS ss_common LABELS unit TIMEOUT 30)
ss_add_test(NAME test_dict SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dict.c LIBS ss_common LABELS unit TIMEOUT 60)
ss_add_test(NAME test_histogram SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_histogram.c LIBS ss_common LABELS unit TIMEOUT 30)
