# ss_add_test(NAME name SOURCES a.c b.c [LIBS lib...] [TIMEOUT s] [LABELS l...] [ENV K=V...])
#
# Builds a Criterion test binary and registers it with CTest. Every test has a
# timeout, and a test fails if a sanitizer printed a report, even when the
# binary's exit status says otherwise.
function(ss_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENV;ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CRITERION)
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  set(env "SS_BUILD_DIR=${CMAKE_BINARY_DIR}" "SS_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
          "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0"
          "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1" ${T_ENV})
  set_tests_properties(${T_NAME} PROPERTIES
    TIMEOUT ${T_TIMEOUT}
    LABELS "${T_LABELS}"
    ENVIRONMENT "${env}"
    FAIL_REGULAR_EXPRESSION "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
endfunction()
