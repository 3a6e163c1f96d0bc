# Integration tests: the real sandstore binary on loopback.
add_library(ss_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/harness.c)
target_link_libraries(ss_harness PUBLIC PkgConfig::HIREDIS)
target_include_directories(ss_harness PUBLIC ${CMAKE_SOURCE_DIR}/tests)

ss_add_test(NAME test_server SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_server.c
            LIBS ss_harness TIMEOUT 600 LABELS integration)
add_dependencies(test_server sandstore)
