ss_add_test(NAME test_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store.c
            ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_store_iter SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_iter.c
            ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_keyspace SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keyspace.c
            ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_store_keyscan SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_keyscan.c
            ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
ss_add_test(NAME test_strval SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_strval.c
            ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
# The record cache in front of LevelDB (store/kcache.h): its bound, and exact answers through the store.
ss_add_test(NAME test_kcache SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kcache.c LIBS ss_store ss_common
            TIMEOUT 300 LABELS unit)
