# Command semantics, one file per family, all run through the cmdtest bench.
add_library(ss_cmdtest STATIC ${CMAKE_CURRENT_LIST_DIR}/cmdtest.c)
target_link_libraries(ss_cmdtest PUBLIC ss_engine ss_commands ss_store ss_resp ss_common PkgConfig::CRITERION)
file(GLOB SS_CMD_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_cmd_*.c)
foreach(src ${SS_CMD_TESTS})
  get_filename_component(name ${src} NAME_WE)
  ss_add_test(NAME ${name} SOURCES ${src} LIBS ss_cmdtest LABELS unit)
endforeach()
