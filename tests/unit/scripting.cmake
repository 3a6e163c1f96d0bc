# Lua scripting (src/scripting) and SHA-1: the environment is driven with a
# fake redis.call (test_script_helpers.c); no engine, no server.
add_library(ss_script_testing STATIC ${CMAKE_CURRENT_LIST_DIR}/test_script_helpers.c)
target_include_directories(ss_script_testing PUBLIC ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(ss_script_testing PUBLIC ss_scripting PkgConfig::CRITERION)
file(GLOB SS_SCRIPT_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_script_*.c)
list(REMOVE_ITEM SS_SCRIPT_TESTS ${CMAKE_CURRENT_LIST_DIR}/test_script_helpers.c)
foreach(src ${SS_SCRIPT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  ss_add_test(NAME ${name} SOURCES ${src} LIBS ss_script_testing LABELS unit)
endforeach()
# test_script_vs_redis starts its own redis-server on a free port (the harness's
# h_free_port) and compares replies with it byte for byte.
target_link_libraries(test_script_vs_redis PRIVATE ss_harness)
# test_script_match compares the sandbox's matcher with Lua 5.1's own.
target_link_libraries(test_script_match PRIVATE ss_lua)
