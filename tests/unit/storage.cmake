ss_add_test(NAME test_storage SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_storage.c
            LIBS ss_raft_storage ss_common TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_storage_crash SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_storage_crash.c
            LIBS ss_raft_storage ss_common TIMEOUT 120 LABELS unit)
# The log's system calls, wrapped at link time: what is made durable, which failures count.
ss_add_test(NAME test_storage_sync SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_storage_sync.c
            LIBS ss_raft_storage ss_common TIMEOUT 60 LABELS unit)
target_link_options(test_storage_sync PRIVATE
                    -Wl,--wrap=close,--wrap=fsync,--wrap=fdatasync,--wrap=unlink)
