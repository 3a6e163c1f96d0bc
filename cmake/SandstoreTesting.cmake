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
          "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0" ${T_ENV})
  set_tests_properties(${T_NAME} PROPERTIES
    TIMEOUT ${T_TIMEOUT}
    LABELS "${T_LABELS}"
    ENVIRONMENT "${env}"
    FAIL_REGULAR_EXPRESSION "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
endfunction()

# ss_add_integration_test(NAME name [LIBS lib...] [TIMEOUT s] [ENV K=V...] [ARGS a...]
#                         [SOURCE file])
#
# An integration test: tests/integration/<name>.c (or SOURCE) run against the
# real sandstore binary, which is built before it; labelled integration.
function(ss_add_integration_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT;SOURCE" "LIBS;ENV;ARGS" ${ARGN})
  if(NOT T_SOURCE)
    set(T_SOURCE ${CMAKE_SOURCE_DIR}/tests/integration/${T_NAME}.c)
  endif()
  ss_add_test(NAME ${T_NAME} SOURCES ${T_SOURCE} LIBS ${T_LIBS} TIMEOUT ${T_TIMEOUT}
              LABELS integration ENV ${T_ENV} ARGS ${T_ARGS})
  add_dependencies(${T_NAME} sandstore)
endfunction()

# ss_add_fuzz(NAME name SOURCES a.c ... [LIBS lib...])
#
# A libFuzzer target: the sources define LLVMFuzzerTestOneInput (and optionally
# LLVMFuzzerInitialize). Every build makes fuzz_<name>_replay, which runs the
# target once over every file of tests/fuzz/corpus/<name>/ and is registered with
# CTest (label fuzz-corpus), so the gcc and ASan/UBSan builds replay the corpus.
# With SS_FUZZ=ON (a clang build, see tests/fuzz/README) it also builds
# fuzz_<name>, the coverage-guided fuzzer itself.
function(ss_add_fuzz)
  cmake_parse_arguments(F "" "NAME;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT F_TIMEOUT)
    set(F_TIMEOUT 300)
  endif()
  set(corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${F_NAME})
  add_executable(fuzz_${F_NAME}_replay ${F_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.c)
  target_link_libraries(fuzz_${F_NAME}_replay PRIVATE ${F_LIBS})
  target_include_directories(fuzz_${F_NAME}_replay PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  add_test(NAME fuzz_${F_NAME}_corpus COMMAND fuzz_${F_NAME}_replay ${corpus})
  set_tests_properties(fuzz_${F_NAME}_corpus PROPERTIES
    TIMEOUT ${F_TIMEOUT}
    LABELS "fuzz-corpus"
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0"
    FAIL_REGULAR_EXPRESSION "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
  if(SS_FUZZ)
    add_executable(fuzz_${F_NAME} ${F_SOURCES})
    target_link_libraries(fuzz_${F_NAME} PRIVATE ${F_LIBS})
    target_include_directories(fuzz_${F_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
    target_link_options(fuzz_${F_NAME} PRIVATE -fsanitize=fuzzer)
  endif()
endfunction()
