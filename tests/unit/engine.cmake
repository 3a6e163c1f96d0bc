# The engine: the log entry format and the apply of committed entries, through
# the cmdtest bench (an engine over a real store, no cluster).
file(GLOB SS_ENGINE_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_engine_*.c)
foreach(src ${SS_ENGINE_TESTS})
  get_filename_component(name ${src} NAME_WE)
  ss_add_test(NAME ${name} SOURCES ${src} LIBS ss_cmdtest LABELS unit)
endforeach()
