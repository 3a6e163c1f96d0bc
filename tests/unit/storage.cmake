ss_add_test(NAME test_storage SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_storage.c
            LIBS ss_raft_storage ss_common TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_storage_crash SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_storage_crash.c
            LIBS ss_raft_storage ss_common TIMEOUT 120 LABELS unit)
