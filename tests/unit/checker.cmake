# The linearizability checker (tests/fault/checker*.c, history*.c): a library for the
# fault-test harness, the check_history tool, and its unit tests.
if(NOT TARGET ss_checker)
  file(GLOB SS_CHECKER_SOURCES CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/tests/fault/checker*.c ${CMAKE_SOURCE_DIR}/tests/fault/history*.c)
  add_library(ss_checker STATIC ${SS_CHECKER_SOURCES})
  target_include_directories(ss_checker PUBLIC ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(ss_checker PUBLIC ss_common)

  # check_history FILE [--budget N] [--time-ms MS]: exit 0 linearizable, 1 not, 2 unknown/bad input
  add_executable(check_history ${CMAKE_SOURCE_DIR}/tests/fault/check_history.c)
  target_link_libraries(check_history PRIVATE ss_checker)
endif()

ss_add_test(NAME test_checker SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_checker.c
            LIBS ss_checker TIMEOUT 300 LABELS unit
            ENV CHECK_HISTORY=$<TARGET_FILE:check_history>)
add_dependencies(test_checker check_history)
